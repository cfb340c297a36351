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
from geo import participation as gp
from geo import scrutiny as sc
from geo.disclosure import DisclosurePolicy, protect_single
from render import charts, maps, tables
from render import scrutiny_report as sr
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
    views = {"reach": "Reach by ward", "cold": "Cold spots", "density": "Where respondents live"}
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
            ui.table(table, height=520)
        st.caption(f"{chosen.label}: {chosen.formula}. Smoothed: global Empirical Bayes rate (Marshall 1991, esda), "
                   "which pulls a small ward's rate towards the borough's in proportion to how uncertain it is; "
                   f"the raw rate is beside it. Classes: {classes} (mapclassify). Grey wards: count hidden "
                   f"({policy.explanation}) or no residents; a hidden count hides its smoothed rate too. "
                   f"{ui.filter_summary(flt)}. Responses from outside the borough or without a postcode are not in any "
                   f"ward: {protect_single(totals['unplaced'], policy)}. A person who answered from two wards is "
                   "counted in each, so 'All wards' can exceed the number of different people.")
    elif view == "cold":
        spots = sv.cold_spots(measure, flt)
        spot_frame = drawn.merge(spots[["ward_code", "label"]], on="ward_code", how="left")
        left, right = st.columns([3, 2])
        with left:
            st_folium(maps.category_map(spot_frame, "label", "Local Moran's I (p < 0.05)",
                                        {"ward_name": "Ward", "label": "Cluster"}),
                      height=520, width="100%", returned_objects=[], key="participation_coldspots")
        with right:
            ui.table(tables.cold_spot_table(spots, names), height=520)
        st.caption("Local Moran's I (Anselin 1995, esda) of the smoothed rate per 1,000 residents, Queen contiguity on "
                   "the full ward boundaries (British National Grid), row-standardised; significance by 999 "
                   "conditional permutations (pseudo p < 0.05, fixed seed). A cold spot is a ward with a low rate "
                   "surrounded by low-rate wards. The pseudo p-values are not corrected for the number of wards: "
                   "treat single wards near 0.05 with caution.")
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
        st.caption(f"Each person once, at the postcode of their latest response, counted in hexagons of {size_label} "
                   f"(British National Grid). Hexagons with fewer than {policy.threshold} people are not drawn; they "
                   f"hold {protect_single(dropped, policy)} people in all. Postcode centroids only: no response is "
                   "ever placed on the map as a point."
                   + (" The map and the table show the hexagons whose centre lies within the district's extent." if
                      district else ""))
    ui.sources("age", "engagement")


def who_takes_part() -> None:
    """Respondents against residents, borough-wide and ward by ward (representation index and heatmap)."""
    if not available:
        st.info("No census population by age, sex, ethnic group or disability is loaded, so respondents cannot be "
                "compared with residents.")
    else:
        dimension = st.selectbox("Compare respondents and residents by", available, format_func=labels.get)
        view_parts = sv.representation_view(dimension, flt, policy,
                                            f"Representation index by ward: {labels[dimension]}",
                                            labels[dimension],
                                            None if len(drawn) == len(wards) else tuple(drawn["ward_code"]))
        rep = view_parts["borough"]
        chart, tab = st.columns([2, 3])
        groups = rep[rep["kind"] == "group"]
        fig = charts.grouped_bars(groups, "group",
                                  {"Respondents who stated a group": "respondent_share", "Residents": "resident_share"},
                                  "% of respondents who stated a group / % of residents")
        chart.plotly_chart(fig, width="stretch")
        with tab:
            ui.table(view_parts["borough_table"])
        st.caption("Borough-wide; each person is counted once, in the ward and with the answer of their latest "
                   "response. Shares of respondents leave out those who did not state a group, who are shown as their "
                   "own row. Representation index = share of respondents ÷ share of residents: 1.00 means in "
                   "proportion. 95% interval: Wilson (1927) score interval; 'Under-represented' only when a one-sided "
                   "exact binomial test stays significant at 5% after Holm's (1979) correction across the groups and "
                   "the whole interval lies below 1. Borough-wide, a group living mostly in wards that take part less "
                   "can look under-represented; the ward × group heatmap below tests within each ward. Shares and the "
                   f"index are hidden when a count is hidden or the base is below {policy.min_base}. "
                   f"{ui.filter_summary(flt)}.")

        left, right = st.columns([3, 2])
        left.plotly_chart(view_parts["heatmap"], width="stretch")
        with right:
            flagged = view_parts["flagged"]
            st.markdown(f"**{len(flagged)} ward × group cells flagged under-represented**")
            ui.table(flagged)
        st.caption("Each cell: the group's share of the ward's respondents ÷ its share of the ward's residents (blue "
                   "above 1, red below; blank where hidden). ▼ = flagged under-represented by the ward profile's test "
                   "(Holm across the groups of each ward; error rate at most 5% per ward). A flag on hidden counts "
                   "holds whatever the hidden values are."
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
                    st.rerun()
                except ValueError as error:
                    st.error(str(error))
            if preset and del_col.button("Delete", key="themed_delete"):
                da.delete_item(sc.KIND, choice)
                st.session_state.pop("themed_groups_saved", None)
                st.rerun()


def scrutiny_report() -> None:
    """Reach against a target, flagged groups, outcomes and channel mix, and the report to download."""
    target = st.number_input("Target: people taking part per 1,000 residents, in every ward", min_value=0.0,
                             value=20.0, step=5.0, key="participation_target")
    status = gp.below_target(rates, target, "respondents")
    below = status[status["status"] != "meets target"]
    st.markdown(f"**{(status['status'] == 'below target').sum()}** of {len(status)} wards are below the target of "
                f"{target:,.0f} people per 1,000 residents; {(status['status'] == 'cannot tell (hidden)').sum()} "
                "cannot be judged because their count is hidden.")
    if len(below):
        ui.table(below.assign(rate=below["rate"].map(lambda v: "hidden" if v != v else f"{v:,.1f}"))
                 .rename(columns={"ward_name": "Ward", "rate": "People per 1,000 residents", "status": "Status"})
                 .drop(columns=["ward_code"]))
    parts = sv.scrutiny_parts(flt, policy)
    flagged_all = pd.concat([t.assign(Dimension=labels[d]) for d, t in parts["flagged"].items()], ignore_index=True) \
        if parts["flagged"] else pd.DataFrame(columns=["Ward", "Group"])
    outcomes = parts["outcomes"]
    outcome_text = (f"{outcomes['with_outcome']} of {outcomes['closed']} closed activities with responses have "
                    "published an outcome"
                    + (f", a median of {outcomes['median_days_to_outcome']:.0f} days after closing"
                                              if outcomes["median_days_to_outcome"] is not None else "") + "."
                    if outcomes["closed"] else "No activity with responses has closed yet.")
    mix_dim = available[0] if available else None
    mix = parts["channel_mix"].get(mix_dim, pd.DataFrame())
    below_table = status.assign(rate=status["rate"].map(lambda v: "hidden" if v != v else f"{v:,.1f}")).rename(
        columns={"ward_name": "Ward", "rate": "People per 1,000 residents", "status": "Status"}).drop(
        columns=["ward_code"])
    by_quarter_table = sv.quarterly_target_table(target, flt, policy)
    st.markdown(f"**People taking part per 1,000 residents by quarter** (▼ below the target of {target:,.0f})")
    ui.table(by_quarter_table)
    sections = [
        ("Reach by quarter", f"People taking part per 1,000 residents; ▼ below the target of {target:,.0f}.",
         by_quarter_table),
        ("Reach by ward", f"Target: {target:,.0f} people taking part per 1,000 residents in every ward. "
         f"{ui.filter_summary(flt)}.", below_table),
        ("Groups flagged under-represented", "Wilson interval, one-sided exact binomial test, Holm across the groups "
         "of each ward (5%).", flagged_all),
        ("You said, we did", outcome_text, pd.DataFrame({"Closed": [outcomes["closed"]],
                                                         "With outcome": [outcomes["with_outcome"]]})),
        (f"Channel mix by {labels.get(mix_dim, '').lower()}", "Share of each group's people who used each channel "
         "(online vs paper/event: a digital-exclusion signal).", mix),
    ]
    st.markdown(outcome_text)
    st.markdown(f"**Channel mix by {labels.get(mix_dim, '').lower()}** (share of each group's people)")
    ui.table(mix)
    if st.toggle("Prepare the report for download (HTML, PDF and CSV)", key="scrutiny_prepare"):
        meta = da.meta()
        report = sr.report_html(f"Participation scrutiny report — {meta['council']}", sections,
                                about=ui.report_about(meta, flt), footer=ui.report_footer("age", "engagement"))
        html_col, pdf_col, csv_col = st.columns(3)
        html_col.download_button("Download report (HTML)", report, file_name="participation-scrutiny.html",
                                 mime="text/html", key="scrutiny_html")
        pdf_col.download_button("Download report (PDF)", lambda: sr.report_pdf(report),
                                file_name="participation-scrutiny.pdf", mime="application/pdf", key="scrutiny_pdf")
        csv_col.download_button("Download report tables (CSV)", sr.report_csv(sections),
                                file_name="participation-scrutiny.csv", mime="text/csv", key="scrutiny_csv")
        st.caption("Every figure in the report is a protected table from this page: counts below "
                   f"{policy.threshold}, and any other count that would give one away, read '{policy.label}'; no share "
                   f"on a base below {policy.min_base}.")


def outreach_targets() -> None:
    """Wards ranked for outreach by low reach, deprivation and a nearby community asset."""
    targets = sv.outreach_targets(flt, policy)
    ui.table(pd.DataFrame({
        "Ward": targets["ward_name"], "Score": targets["score"].round(2), "Low reach": targets["low_reach"].round(2),
        "Deprivation": targets["deprivation"].round(2), "Host nearby": targets["host_nearby"].round(2),
        "Nearest community asset": targets["nearest_asset"],
        "Distance (m)": targets["asset_distance_m"].map(lambda v: "" if v != v else f"{v:,.0f}")}).head(10))
    st.caption("Score = 0.5 × low reach (1 − percentile of the smoothed rate of people taking part) + 0.3 × "
               "deprivation (percentile of IMD 2019 mean rank, most deprived = 1) + 0.2 × a possible host nearby (a "
               "community asset within 1 km of the ward = 1, falling to 0 at 5 km). Top ten wards.")


# Only the open tab runs (tabs with on_change="rerun"), so a run costs one section, not the whole page.
SECTIONS = {"Taking part by ward": taking_part_by_ward, "Who takes part": who_takes_part,
            "Themed groups": themed_groups, "Scrutiny report": scrutiny_report, "Outreach targets": outreach_targets}
for tab, section in zip(st.tabs(list(SECTIONS), key="participation_tab", on_change="rerun"), SECTIONS.values(),
                        strict=True):
    if tab.open:
        with tab:
            section()
