"""Participation: how much each ward takes part, and who takes part compared with who lives here."""

import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import ui
from geo import charts, indicators, maps
from geo import participation as gp
from geo.disclosure import DisclosurePolicy

ui.header("Participation", "Who takes part, ward by ward and group by group")
policy = DisclosurePolicy.from_env()
flt = ui.engagement_filter()
wards = da.wards()
population = da.population()
rates = gp.rates_by_ward(wards, population, da.ward_engagement(flt), policy)
totals = da.borough_totals(flt)

st.subheader("Taking part by ward")
measure = st.radio("Measure", list(gp.RATE_KEYS), horizontal=True,
                   format_func=lambda k: indicators.BY_KEY[gp.RATE_KEYS[k]].label)
chosen = indicators.BY_KEY[gp.RATE_KEYS[measure]]
table = gp.ward_table(rates, policy)
shown = table[[gp.COUNT_LABELS[measure], chosen.label]].assign(ward_code=rates["ward_code"], value=rates[chosen.key])
frame = wards.merge(shown, on="ward_code", how="left")

left, right = st.columns([3, 2])
with left:
    fmap = maps.choropleth(frame, "value", f"{chosen.label} ({chosen.unit})",
                           {"ward_name": "Ward", gp.COUNT_LABELS[measure]: gp.COUNT_LABELS[measure],
                            chosen.label: chosen.label}, decimals=chosen.decimals,
                           missing_label=f"hidden (fewer than {policy.threshold}) or no data")
    st_folium(fmap, height=520, width="100%", returned_objects=[], key="participation_map")
with right:
    ui.table(table, height=520)
st.caption(f"{chosen.label}: {chosen.formula}. Grey wards: count hidden (fewer than {policy.threshold}) "
           f"or no residents. {ui.filter_summary(flt)}. Responses from outside the borough or without a "
           f"postcode are not in any ward: {gp.protect_single(totals['unplaced'], policy)}. "
           "A person who answered from two wards is counted in each, so 'All wards' can exceed the "
           "number of different people.")
ui.sources("age", "engagement")

st.subheader("Who takes part")
labels = {"age": "Age", "sex": "Sex", "ethnicity": "Ethnic group", "disability": "Disability"}
available = gp.dimensions_available(population, [d for d in labels if d in da.DEMOGRAPHIC_COLUMNS])
if not available:
    st.info("No census population by age, sex, ethnic group or disability is loaded, so respondents cannot be "
            "compared with residents.")
else:
    dimension = st.selectbox("Compare respondents and residents by", available, format_func=labels.get)
    rep = gp.representation(population, da.respondent_groups(dimension, flt), dimension, policy)
    chart, tab = st.columns([2, 3])
    fig = charts.grouped_bars(rep[rep["kind"] == "group"], "group",
                              {"Respondents who stated a group": "respondent_share", "Residents": "resident_share"},
                              "% of respondents who stated a group / % of residents")
    chart.plotly_chart(fig, width="stretch")
    with tab:
        ui.table(gp.representation_table(rep, labels[dimension], policy))
    st.caption("Borough-wide; each person is counted once, in the ward and with the answer of their latest "
               "response. Shares of respondents leave out "
               "those who did not state a group, who are shown as their own row. Representation index = share of "
               "respondents ÷ share of residents: 1.00 means in proportion, below 1 under-represented, above 1 "
               f"over-represented. Shares and the index are hidden when a count is hidden or the base is below "
               f"{policy.min_base}; counts of 1–{policy.threshold - 1} people are shown as {policy.label}. "
               f"{ui.filter_summary(flt)}.")
    ui.sources(dimension, "engagement")
