"""Participation: how much each ward takes part, who takes part compared with who lives here, where
participation is clustered low, and where respondents live (hexagons, never points)."""

from dataclasses import replace

import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import ui
from geo import charts, density, hotspots, indicators, maps
from geo import participation as gp
from geo.disclosure import DisclosurePolicy

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
rates = da.participation_reach(flt, policy)
totals = da.borough_totals(flt)

# --- 1. reach map ---------------------------------------------------------------------------
st.subheader("Taking part by ward")
measure = st.radio("Measure", list(gp.RATE_KEYS), horizontal=True,
                   format_func=lambda k: indicators.BY_KEY[gp.RATE_KEYS[k]].label)
smooth = st.radio("Rate on the map", ["smoothed", "raw"], horizontal=True, key="participation_rate",
                  format_func={"smoothed": "Smoothed (Empirical Bayes)", "raw": "Raw"}.get)
chosen = indicators.BY_KEY[gp.RATE_KEYS[measure]]
table = gp.ward_table(rates, policy)
smoothed_label = f"{chosen.label}, smoothed"
table[smoothed_label] = rates[gp.EB_KEYS[measure]].map(chosen.format)
column = gp.EB_KEYS[measure] if smooth == "smoothed" else gp.RATE_KEYS[measure]
shown = table[[gp.COUNT_LABELS[measure], chosen.label, smoothed_label]].assign(
    ward_code=rates["ward_code"], value=rates[column])
frame = wards.merge(shown, on="ward_code", how="left")

left, right = st.columns([3, 2])
with left:
    caption = f"{chosen.label} ({chosen.unit}){', smoothed' if smooth == 'smoothed' else ''}"
    fmap = maps.choropleth(frame, "value", caption,
                           {"ward_name": "Ward", gp.COUNT_LABELS[measure]: gp.COUNT_LABELS[measure],
                            chosen.label: f"{chosen.label} (raw)", smoothed_label: smoothed_label},
                           decimals=chosen.decimals, missing_label=f"hidden (fewer than {policy.threshold}) or no data")
    st_folium(fmap, height=520, width="100%", returned_objects=[], key="participation_map")
with right:
    ui.table(table, height=520)
st.caption(f"{chosen.label}: {chosen.formula}. Smoothed: global Empirical Bayes rate (Marshall 1991, esda), which "
           "pulls a small ward's rate towards the borough's in proportion to how uncertain it is; the raw rate is "
           f"beside it. Classes: natural breaks (mapclassify). Grey wards: count hidden (fewer than "
           f"{policy.threshold}) or no residents; a hidden count hides its smoothed rate too. "
           f"{ui.filter_summary(flt)}. Responses from outside the borough or without a postcode are not in any "
           f"ward: {gp.protect_single(totals['unplaced'], policy)}. A person who answered from two wards is "
           "counted in each, so 'All wards' can exceed the number of different people.")

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
ui.sources("age", "engagement")

# --- 2. cold spots --------------------------------------------------------------------------
st.subheader("Cold spots: clusters of low participation")
spots = da.cold_spots(measure, flt)
spot_frame = wards.merge(spots[["ward_code", "label"]], on="ward_code", how="left")
left, right = st.columns([3, 2])
with left:
    st_folium(maps.category_map(spot_frame, "label", "Local Moran's I (p < 0.05)",
                                {"ward_name": "Ward", "label": "Cluster"}),
              height=420, width="100%", returned_objects=[], key="participation_coldspots")
with right:
    ui.table(hotspots.cold_spot_table(spots, names), height=420)
st.caption("Local Moran's I (Anselin 1995, esda) of the smoothed rate per 1,000 residents, Queen contiguity on "
           "the full ward boundaries (British National Grid), row-standardised; significance by 999 conditional "
           "permutations (pseudo p < 0.05, fixed seed). A cold spot is a ward with a low rate surrounded by "
           "low-rate wards. The pseudo p-values are not corrected for the number of wards: treat single wards "
           "near 0.05 with caution.")

# --- 3. who takes part ----------------------------------------------------------------------
st.subheader("Who takes part")
labels = {"age": "Age", "sex": "Sex", "ethnicity": "Ethnic group", "disability": "Disability"}
available = gp.dimensions_available(population, [d for d in labels if d in da.DEMOGRAPHIC_COLUMNS])
if not available:
    st.info("No census population by age, sex, ethnic group or disability is loaded, so respondents cannot be "
            "compared with residents.")
else:
    dimension = st.selectbox("Compare respondents and residents by", available, format_func=labels.get)
    rep = da.borough_representation(dimension, flt, policy)
    chart, tab = st.columns([2, 3])
    groups = rep[rep["kind"] == "group"]
    fig = charts.grouped_bars(groups, "group",
                              {"Respondents who stated a group": "respondent_share", "Residents": "resident_share"},
                              "% of respondents who stated a group / % of residents")
    chart.plotly_chart(fig, width="stretch")
    with tab:
        from geo import ward_engagement as we

        ui.table(we.representation_table(rep, labels[dimension], policy))
    st.caption("Borough-wide; each person is counted once, in the ward and with the answer of their latest "
               "response. Shares of respondents leave out those who did not state a group, who are shown as their "
               "own row. Representation index = share of respondents ÷ share of residents: 1.00 means in "
               "proportion. 95% interval: Wilson (1927) score interval; 'Under-represented' only when a one-sided "
               "exact binomial test stays significant at 5% after Holm's (1979) correction across the groups and "
               "the whole interval lies below 1. Borough-wide, a group living mostly in wards that take part less "
               "can look under-represented; the ward × group heatmap below tests within each ward. Shares and the "
               f"index are hidden when a count is hidden or the base is below {policy.min_base}. "
               f"{ui.filter_summary(flt)}.")

    matrix = da.representation_matrix(dimension, flt, policy)
    order = list(groups["group"])
    left, right = st.columns([3, 2])
    left.plotly_chart(gp.heatmap_figure(matrix, names, order, f"Representation index by ward: {labels[dimension]}"),
                      width="stretch")
    with right:
        flagged = gp.flagged_table(matrix, names, policy)
        st.markdown(f"**{len(flagged)} ward × group cells flagged under-represented**")
        ui.table(flagged)
    st.caption("Each cell: the group's share of the ward's respondents ÷ its share of the ward's residents (blue "
               "above 1, red below; blank where hidden). ▼ = flagged under-represented by the ward profile's test "
               "(Holm across the groups of each ward; error rate at most 5% per ward). A flag on hidden counts "
               "holds whatever the hidden values are.")
    ui.sources(dimension, "engagement")

# --- 4. where respondents live --------------------------------------------------------------
st.subheader("Where respondents live")
size_label = st.radio("Hexagon size", list(density.SIZES), index=1, horizontal=True, key="participation_hex")
cells, dropped = density.hexagons(da.respondent_hexes(density.SIZES[size_label], flt), density.SIZES[size_label],
                                  policy)
left, right = st.columns([3, 2])
if len(cells):
    hex_frame = cells.to_crs("EPSG:4326").assign(ward_code=cells["cell"], People=cells["respondents"])
    with left:
        st_folium(maps.choropleth(hex_frame, "respondents", "People taking part per hexagon",
                                  {"People": "People taking part"}, decimals=0),
                  height=420, width="100%", returned_objects=[], key="participation_hexmap")
    with right:
        ui.table(cells[["cell", "respondents"]].sort_values("respondents", ascending=False)
                 .rename(columns={"cell": "Hexagon (q, r)", "respondents": "People taking part"})
                 .assign(**{"People taking part": lambda d: d["People taking part"].map("{:,.0f}".format)}),
                 height=420)
else:
    st.info(f"No hexagon has {policy.threshold} or more people taking part with these filters.")
st.caption(f"Each person once, at the postcode of their latest response, counted in hexagons of {size_label} "
           f"(British National Grid). Hexagons with fewer than {policy.threshold} people are not drawn; they hold "
           f"{gp.protect_single(dropped, policy)} people in all. Postcode centroids only: no response is ever "
           "placed on the map as a point.")
ui.sources("engagement")
