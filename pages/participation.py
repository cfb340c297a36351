"""Participation: how much each ward takes part, who takes part compared with who lives here, where
participation is clustered low, and where respondents live (hexagons, never points)."""

import json
import warnings
from dataclasses import replace

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import services as sv
import ui
from geo import density, indicators
from geo import funnel as gf
from geo import participation as gp
from geo import scrutiny as sc
from geo.disclosure import DisclosurePolicy, protect_single
from render import charts, maps, tables
from render import scrutiny_report as sr
from services import assets as asset_service
from services import scrutiny_report as scrutiny
from ui.outreach import partners_section
from vocabulary import DIMENSION_LABELS, RESPONSE_COLUMNS

# mapclassify's Fisher–Jenks says on every call that numba would make it faster; on a borough it takes ~1 ms.
warnings.filterwarnings("ignore", message="Numba not installed")
ui.header("Participation", "Who takes part, ward by ward and group by group")
policy = DisclosurePolicy.from_env()
flt = ui.engagement_filter()
acts = da.activities()
titles = dict(zip(acts["activity_id"], acts["title"], strict=True))
picked = st.multiselect("Activities (leave empty for all that match the sidebar filter)", list(titles),
                        format_func=titles.get, placeholder="All activities", key="participation_activities")
if picked:
    flt = replace(flt, activity_ids=tuple(picked))
wards = da.wards()
names = dict(zip(wards["ward_code"], wards["ward_name"], strict=True))
population = da.population()
rates = sv.participation_reach(flt, policy)
totals = da.borough_totals(flt)

drawn = ui.map_wards(wards, "participation_district")  # a national database: one district on maps and heatmap
labels = DIMENSION_LABELS
available = gp.dimensions_available(population, [d for d in labels if d in RESPONSE_COLUMNS])


def taking_part_by_ward() -> None:
    """Maps of reach, cold spots and where respondents live (one drawn per run), each with its table."""
    measure = st.radio("Measure", list(gp.RATE_KEYS), horizontal=True,
                       format_func=lambda k: indicators.BY_KEY[gp.RATE_KEYS[k]].label)
    views = {"reach": "Reach by ward", "funnel": "Funnel plot", "cold": "Cold spots and outliers",
             "density": "Where respondents live"}
    view = st.radio("Map", list(views), horizontal=True, format_func=views.get, key="participation_view")
    chosen = indicators.BY_KEY[gp.RATE_KEYS[measure]]
    table = tables.ward_table(rates, policy)
    smoothed_label = f"{chosen.label}, smoothed"
    table[smoothed_label] = rates[gp.EB_KEYS[measure]].map(chosen.format)
    # Fisher–Jenks (exact natural breaks) is fast on the wards of a borough or of one district; quantiles beyond.
    scheme = "FisherJenks" if len(drawn) <= 500 else "Quantiles"
    classes = "Fisher–Jenks natural breaks" if scheme == "FisherJenks" else "quantiles (equal numbers of wards)"

    if view == "reach":
        smooth = st.radio("Rate on the map", ["smoothed", "raw"], horizontal=True, key="participation_rate",
                          format_func={"smoothed": "Smoothed (Empirical Bayes)", "raw": "Raw"}.get)
        column = gp.EB_KEYS[measure] if smooth == "smoothed" else gp.RATE_KEYS[measure]
        shown = table[[gp.COUNT_LABELS[measure], chosen.label, smoothed_label]].assign(
            ward_code=rates["ward_code"], value=rates[column])
        frame = drawn.merge(shown, on="ward_code", how="left")
        left, right = st.columns([3, 2])
        with left:
            caption = f"{chosen.label} ({chosen.unit}){', smoothed' if smooth == 'smoothed' else ''}"
            fmap = maps.choropleth(frame, "value", caption,
                                   {"ward_name": "Ward", gp.COUNT_LABELS[measure]: gp.COUNT_LABELS[measure],
                                    chosen.label: f"{chosen.label} (raw)", smoothed_label: smoothed_label},
                                   scheme=scheme, decimals=chosen.decimals,
                                   missing_label="count hidden, or no data")
            st_folium(fmap, height=520, width="100%", returned_objects=[], key="participation_map")
        with right:
            # the question is which wards take part least: lowest rate first (as mapped), hidden rates and the
            # borough's row last
            order = rates.assign(_all=rates["ward_code"] == gp.TOTAL).sort_values(
                ["_all", column], na_position="last", kind="stable").index
            ui.table(table.loc[order], height=520)
            st.caption("Wards with the lowest rate on the map first; hidden rates, then all wards, last.")
        st.caption(f"{chosen.label}: {chosen.formula}. Smoothed: global Empirical Bayes rate (Marshall 1991, esda), "
                   "which pulls a small ward's rate towards the borough's in proportion to how uncertain it is; "
                   f"the raw rate is beside it. Classes: {classes} (mapclassify). Grey wards: count hidden "
                   f"({policy.explanation}) or no residents; a hidden count hides its smoothed rate too. "
                   f"{ui.filter_summary(flt)}. Responses from outside the borough or without a postcode are not in any "
                   f"ward: {protect_single(totals['unplaced'], policy)}. A person who answered from two wards is "
                   "counted in each, so 'All wards' can exceed the number of different people.")
    elif view == "funnel":
        funnel_view(measure)
    elif view == "cold":
        cold_view(measure)
    else:
        size_label = st.radio("Hexagon size", list(density.SIZES), index=1, horizontal=True, key="participation_hex")
        size = density.SIZES[size_label]
        district = None if len(drawn) == len(wards) else str(drawn["lad_code"].iloc[0])
        cells, dropped, hex_frame = sv.hexagon_layer(size, flt, policy, district)
        left, right = st.columns([3, 2])
        if len(cells):
            with left:
                st_folium(maps.choropleth(hex_frame, "respondents", "People taking part per hexagon",
                                          {"People": "People taking part"}, scheme="Quantiles", decimals=0),
                          height=520, width="100%", returned_objects=[], key="participation_hexmap")
            with right:
                ui.table(tables.cell_table(cells), height=520)
        else:
            st.info(f"No hexagon {'near this district ' if district else ''}has {policy.threshold} or more people "
                    "taking part with these filters.")
        st.caption(f"Each person once, in the small area (output area) of their latest response, counted in "
                   f"hexagons of {size_label} (British National Grid). Hexagons with fewer than {policy.threshold} "
                   f"people are not drawn; they hold {protect_single(dropped, policy)} people in all. Small areas "
                   "only (residents' postcodes are not kept): no response is ever placed on the map as a point."
                   + (" The map and the table show the hexagons whose centre lies within the district's extent." if
                      district else ""))
    ui.sources("age", "engagement")


def cold_view(measure: str) -> None:
    """Local Moran's I of the smoothed rate: clusters (cold and hot spots) and spatial outliers, map and table."""
    spots = sv.cold_spots(measure, flt)
    spot_frame = drawn.merge(spots[["ward_code", "label"]], on="ward_code", how="left")
    left, right = st.columns([3, 2])
    with left:
        st_folium(maps.category_map(spot_frame, "label", "Local Moran's I (p < 0.05)",
                                    {"ward_name": "Ward", "label": "Cluster or outlier"}),
                  height=520, width="100%", returned_objects=[], key="participation_coldspots")
    with right:
        ui.table(tables.cold_spot_table(spots, names), height=520)
    st.caption("Local Moran's I (Anselin 1995, esda) of the smoothed rate per 1,000 residents, Queen contiguity on "
               "the full ward boundaries (British National Grid), row-standardised; significance by 999 "
               "conditional permutations (pseudo p < 0.05, fixed seed). A cold spot is a ward with a low rate "
               "surrounded by low-rate wards (a cluster); a spatial outlier is a ward unlike its neighbours: "
               "'low among high' takes part less than the wards around it, 'high among low' more. Local Moran "
               "compares a ward with its neighbours, not with the borough: for a low ward among ordinary "
               "neighbours see the funnel plot. The pseudo p-values are not corrected for the number of wards: "
               "treat single wards near 0.05 with caution.")


def funnel_view(measure: str) -> None:
    """The funnel plot of people taking part per 1,000 residents against residents, with its table."""
    result = sv.funnel(flt, policy)
    left, right = st.columns([3, 2])
    left.plotly_chart(charts.funnel_figure(result), width="stretch")
    with right:
        ui.table(tables.funnel_table(result, policy), height=480)
    hidden = int((result.wards["status"] == gf.HIDDEN).sum())
    st.caption(("The funnel plot is of people taking part (a person can send several responses, so responses are "
                "not a share of residents). " if measure != "respondents" else "")
               + f"{gf.method_sentence(result)} Each point is a ward: people taking part per 1,000 residents against "
               "its residents. The limits narrow as wards grow, because a large ward varies less by chance. Below "
               "the lower 99.8% limit: significantly low reach (above the upper: significantly high); between the "
               "95% and 99.8% limits one ward in twenty is expected by chance, so it is not flagged. "
               + (f"{hidden} ward{'s' if hidden != 1 else ''} with a hidden count {'have' if hidden != 1 else 'has'} "
                  "no point and no flag ('cannot tell'), and the limits use only published figures. " if hidden
                  else "")
               + f"{ui.filter_summary(flt)}. Method: docs/methods.md, 'Funnel plot of ward reach'.")


def _eligibility_sentence(limits: tuple) -> str:
    """Who could take part in the activities of the filter, as the captions say it."""
    lo, hi = limits
    ages = ("any age" if lo is None and hi is None else f"aged {lo} and over" if hi is None
            else f"aged up to {hi}" if lo is None else f"aged {lo} to {hi}")
    return (f"Compared with the residents who could take part: {ages} (the widest age limits of the activities in "
            "the filter; census bands split uniformly by single year of age, 65+ up to age 90, and the same age "
            "structure assumed in every sex, ethnic and disability group). Age groups are the bands respondents used, "
            "overlapping bands merged, with the census rebuilt for them by the same uniform split.")


def _one_number_per_dimension() -> None:
    """The representation score and the R-indicator of every dimension, and one dimension's partial indicators."""
    summary, partials = sv.representativeness(tuple(available), flt, policy)
    st.markdown("**One number per dimension**")
    ui.table(tables.representativeness_table(summary, labels))
    with st.expander("Partial indicators: which groups pull the R-indicator down"):
        dim = st.selectbox("Dimension", available, format_func=labels.get, key="partial_dimension")
        if len(partials[dim]):
            ui.table(tables.partial_indicators_table(partials[dim], labels[dim]))
        else:
            st.info("Not shown: a count it is worked out from is hidden, or fewer than two groups can be compared.")
    st.caption("Representation score = the lowest group's rate of taking part (people per eligible resident) ÷ the "
               "highest (1 = every group alike). R-indicator (Schouten, Cobben & Bethlehem 2009) = 1 − 2 × the "
               "standard deviation of the groups' rates over eligible residents (1 = fully representative); at a few "
               "people per hundred it stays near 1, so read it beside the rate. Partial indicators (Schouten, Shlomo & "
               "Skinner 2011): √(group's share of residents) × (group rate − borough rate), negative = taking part "
               "less. People who gave no census group are spread over the groups in proportion. 95% intervals: "
               "parametric bootstrap, 2,000 replicates. 'hidden' when a count they use is hidden.")


def who_takes_part() -> None:
    """Respondents against eligible residents, borough-wide and ward by ward (index, two-sided flags, heatmap),
    and one number per dimension (representation score, R-indicator)."""
    if not available:
        st.info("No census population by age, sex, ethnic group or disability is loaded, so respondents cannot be "
                "compared with residents.")
        return
    _one_number_per_dimension()
    dimension = st.selectbox("Compare respondents and residents by", available, format_func=labels.get,
                             key="representation_dimension")
    view_parts = sv.representation_view(dimension, flt, policy, f"Representation index by ward: {labels[dimension]}",
                                        labels[dimension],
                                        None if len(drawn) == len(wards) else tuple(drawn["ward_code"]))
    rep = view_parts["borough"]
    chart, tab = st.columns([2, 3])
    groups = rep[(rep["kind"] == "group") & (rep["residents"] > 0)]
    fig = charts.grouped_bars(groups, "group", {"Respondents who stated a group": "respondent_share",
                                                "Residents who could take part": "resident_share"},
                              "% of respondents who stated a group / % of eligible residents")
    chart.plotly_chart(fig, width="stretch")
    with tab:
        ui.table(view_parts["borough_table"])
    st.caption("Borough-wide; each person is counted once, in the ward and with the answer of their latest response. "
               + _eligibility_sentence(view_parts["limits"]) + " Shares of respondents leave out 'Not stated' and "
               "answers with no census group (their own rows). Representation index = share of respondents ÷ share of "
               "eligible residents: 1.00 means in proportion. 95% interval: Wilson (1927) score interval. Flag: a "
               "two-sided exact binomial test significant at 5% after Holm's (1979) correction across the groups, "
               "with the whole interval below 1 (▼ under-represented) or above 1 (▲ over-represented). A group no "
               "one in it could take part in, or that no respondent gave, is never tested. Borough-wide, a group "
               "living mostly in wards that take part less can look under-represented; the heatmap below tests within "
               f"each ward. Shares and the index are hidden when a count is hidden or the base is below "
               f"{policy.min_base}. {ui.filter_summary(flt)}.")

    left, right = st.columns([3, 2])
    left.plotly_chart(view_parts["heatmap"], width="stretch")
    with right:
        flagged = view_parts["flagged"]
        under = int((flagged["Flag"] == tables.FLAG_TEXT["under"]).sum())
        st.markdown(f"**{len(flagged)} ward × group cells flagged: {under} under-represented (▼), "
                    f"{len(flagged) - under} over-represented (▲)**")
        ui.table(flagged)
    st.caption("Each cell: the group's share of the ward's respondents ÷ its share of the ward's eligible residents "
               "(blue above 1, red below). ▼ under- / ▲ over-represented by the ward profile's two-sided test (Holm "
               "across the groups of each ward; error rate at most 5% per ward, both directions together). Where a "
               "count is hidden the flag still shows, judged on the least favourable values the published figures "
               "allow, and the cell is coloured by its banded index (below 0.5, 0.5–0.8, 0.8–1.25, 1.25–2, 2 or more), "
               "the band holding every index those figures allow, so it reveals no hidden count."
               + ("" if len(drawn) == len(wards) else " The heatmap shows the wards of the district chosen for the "
                  "map; the list of flagged cells covers every ward."))
    ui.sources(dimension, "engagement")


def themed_groups() -> None:
    """A group of interest defined (and saved) by the user: its reach over time and by ward."""
    if available:
        # Read the workspace once per session (opening its file costs ~25 ms a run); re-read after a change.
        if "themed_groups_saved" not in st.session_state:
            st.session_state["themed_groups_saved"] = da.saved_items(sc.KIND)
        saved = st.session_state["themed_groups_saved"]
        stored = {row.name: json.loads(row.payload) for row in saved.itertuples()}
        if (just_saved := st.session_state.pop("themed_just_saved", None)) in stored:
            st.session_state["themed_saved"] = just_saved  # the selector shows the group just saved
            st.success(f"Saved the themed group '{ui.plain(just_saved)}'.", icon=":material/check_circle:")
        choice = st.selectbox("Saved themed group", ["(define a new group)", *stored], key="themed_saved")
        preset = stored.get(choice, {})
        dims = available
        theme_dim = st.selectbox("Dimension", dims, format_func=labels.get, key="themed_dimension",
                                 index=dims.index(preset["dimension"]) if preset.get("dimension") in dims else 0)
        options = list(dict.fromkeys(population.loc[population["dimension"] == theme_dim, "category"]))
        theme_cats = st.multiselect("Groups in the theme", options, key=f"themed_categories_{theme_dim}_{choice}",
                                    default=[c for c in preset.get("categories", []) if c in options] or options[:1])
        if theme_cats:
            by_ward, by_quarter = sv.themed_group(theme_dim, tuple(theme_cats), flt, policy)
            left, right = st.columns([2, 3])
            with left:
                st.markdown("**Over time (borough)**")
                ui.table(tables.group_table(by_quarter, "quarter", policy=policy))
            with right:
                st.markdown("**By ward**")
                ui.table(tables.group_table(by_ward, "ward_code", names, policy), height=300)
            st.caption(f"{', '.join(theme_cats)}: people taking part per 1,000 residents in the group (census). A "
                       "ward's or quarter's count is the sum of its groups' published counts, hidden when any of them "
                       f"is hidden (fewer than {policy.threshold}), so the theme reveals nothing the other tables do "
                       "not. A person taking part in two quarters counts in each.")
            name_col, save_col, del_col = st.columns([3, 1, 1])
            new_name = name_col.text_input("Save as", value=choice if preset else "", key="themed_name")
            if save_col.button("Save themed group", key="themed_save"):
                try:
                    if preset and new_name.strip() and new_name.strip() != choice:
                        da.rename_item(sc.KIND, choice, new_name)
                    da.save_item(sc.KIND, new_name, sc.group_definition(new_name.strip(), theme_dim, theme_cats),
                                 replace=bool(preset))
                    st.session_state.pop("themed_groups_saved", None)
                    st.session_state["themed_just_saved"] = new_name.strip()
                    st.rerun()
                except ValueError as error:
                    st.error(str(error))
            if preset and del_col.button("Delete", key="themed_delete"):
                da.delete_item(sc.KIND, choice)
                st.session_state.pop("themed_groups_saved", None)
                st.rerun()


def scrutiny_report() -> None:
    """Reach against a target, flagged groups, outcomes and channel mix, and the report to download
    (services.scrutiny_report builds every section; `python -m etl report` writes the same)."""
    target = st.number_input("Target: people taking part per 1,000 residents per year, in every ward", min_value=0.0,
                             value=20.0, step=5.0, key="participation_target")
    report = scrutiny.build(target, flt, policy)
    status = report.status
    below = status[status["status"] != "meets target"]
    st.markdown(f"**{(status['status'] == 'below target').sum()}** of {len(status)} wards are below the target of "
                f"{target:,.0f} people per 1,000 residents; {(status['status'] == 'cannot tell (hidden)').sum()} "
                "cannot be judged because their count is hidden.")
    if len(below):
        ui.table(report.reach[status["status"] != "meets target"])
    st.markdown("**People taking part per 1,000 residents by quarter**")
    ui.table(report.by_quarter)
    st.caption(report.quarter_text)
    st.markdown("**Significantly low reach (funnel plot)**")
    st.markdown(report.funnel_text)
    if len(report.funnel_flagged):
        ui.table(report.funnel_flagged)
    st.markdown(report.outcome_text)
    st.markdown(f"**{report.mix_title}** (share of each group's people)")
    ui.table(report.mix)
    if st.toggle("Prepare the report for download (HTML, PDF and CSV)", key="scrutiny_prepare"):
        meta = da.meta()
        html = sr.report_html(f"Participation scrutiny report — {meta['council']}", report.sections,
                              about=ui.report_about(meta, flt), footer=ui.report_footer("age", "engagement"))
        html_col, pdf_col, csv_col = st.columns(3)
        html_col.download_button("Download report (HTML)", html, file_name="participation-scrutiny.html",
                                 mime="text/html", key="scrutiny_html")
        pdf_col.download_button("Download report (PDF)", lambda: sr.report_pdf(html),
                                file_name="participation-scrutiny.pdf", mime="application/pdf", key="scrutiny_pdf")
        csv_col.download_button("Download report tables (CSV)", sr.report_csv(report.sections),
                                file_name="participation-scrutiny.csv", mime="text/csv", key="scrutiny_csv")
        st.caption("Every figure in the report is a protected table from this page: counts below "
                   f"{policy.threshold}, and any other count that would give one away, read '{policy.label}'; no share "
                   f"on a base below {policy.min_base}.")


def outreach_targets() -> None:
    """Wards ranked for outreach by low reach, deprivation and a nearby community asset, and the partners near one."""
    targets = sv.outreach_targets(flt, policy)
    no_register = not asset_service.loaded()
    ui.table(pd.DataFrame({
        "Ward": targets["ward_name"], "Score": targets["score"].round(2), "Low reach": targets["low_reach"].round(2),
        "Deprivation": targets["deprivation"].round(2),
        "Host nearby": targets["host_nearby"].map(lambda v: asset_service.LEFT_OUT if v != v else f"{v:.2f}"),
        "Nearest community asset": targets["nearest_asset"] if not no_register else "no register loaded",
        "Distance (m)": targets["asset_distance_m"].map(lambda v: "" if v != v else f"{v:,.0f}")}).head(10))
    if no_register:
        st.info("No community asset register is loaded, so the score leaves out the 'host nearby' part: score = "
                "(0.5 × low reach + 0.3 × deprivation) ÷ 0.8.", icon=":material/info:")
    st.caption("Score = 0.5 × low reach (1 − percentile of the smoothed rate of people taking part) + 0.3 × "
               "deprivation (percentile of IMD 2019 mean rank, most deprived = 1) + 0.2 × a possible host nearby (a "
               "community asset within 1 km of the ward = 1, falling to 0 at 5 km). Top ten wards.")
    st.markdown("**Outreach partners**")
    ward = st.selectbox("Ward", list(targets["ward_code"]), format_func=names.get, key="outreach_partner_ward",
                        help="Wards in the order of the outreach score: the first needs outreach most.")
    partners_section(ward, names[ward], key="participation")


# Only the open tab runs (ui.lazy_tabs), so a run costs one section, not the whole page.
SECTIONS = {"Taking part by ward": taking_part_by_ward, "Who takes part": who_takes_part,
            "Themed groups": themed_groups, "Scrutiny report": scrutiny_report, "Outreach targets": outreach_targets}
ui.lazy_tabs(SECTIONS, key="participation_tab")
