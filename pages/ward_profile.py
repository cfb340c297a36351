"""Ward profile: who lives in a ward, how deprived it is, its assets and how much it takes part."""

import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import ui
from geo import charts, maps, profile

ui.header("Ward profile", "One ward against the borough and England")
flt = ui.engagement_filter()
inputs = da.profile_inputs(flt)
names = dict(zip(inputs.wards["ward_code"], inputs.wards["ward_name"], strict=True))
codes = sorted(names, key=names.get)
asked = st.query_params.get("ward")
code = st.selectbox("Ward", codes, index=codes.index(asked) if asked in names else 0, format_func=names.get)
st.query_params["ward"] = code
prof = profile.build_profile(inputs, code)

left, right = st.columns([2, 3])
with left:
    st_folium(maps.outline_map(profile.neighbours(inputs.wards, code), focus=code), height=320, width="100%",
              returned_objects=[], key="ward_map")
    st.caption(f"{prof.name} (filled) and its neighbours.")
with right:
    st.markdown("**In short:** " + " ".join(prof.summary))
st.subheader("Headline indicators")
ui.table(prof.headline.drop(columns=["Source", "Date"]))
st.caption("Better/similar/worse: more than 10% better or worse than the borough value, else similar; blank "
           "where higher is neither better nor worse. England values come from the national census and IMD "
           f"files where they were loaded. {ui.filter_summary(flt)}.")
with st.expander("Sources and dates of the headline indicators"):
    ui.table(prof.headline[["Indicator", "Source", "Date"]])

for title, dimension in (("Age", "age"), ("Ethnic group", "ethnicity"), ("Sex", "sex"), ("Disability", "disability")):
    if dimension not in prof.compositions:
        continue
    st.subheader(title)
    comp = prof.compositions[dimension]
    chart, tab = st.columns([3, 2])
    fig = charts.grouped_bars(comp, "Group", {"This ward": "Ward %", "Borough": "Borough %"}, "% of residents")
    chart.plotly_chart(fig, width="stretch")
    with tab:
        ui.table(comp)
    ui.sources(dimension)

if not prof.deprivation.empty:
    st.subheader("Deprivation")
    ui.table(prof.deprivation)
    st.caption("Ranks are national among 32,844 LSOAs (1 = most deprived), weighted by mid-2015 population.")
    ui.sources("deprivation")

st.subheader("Community assets")
ui.table(prof.assets)
ui.sources("assets")

st.subheader("Similar wards")
st.caption("The five wards most like this one on age, ethnic mix and deprivation (standardised indicators, "
           "straight-line distance; 0 = identical). Open one to compare.")
ui.table(prof.similar.drop(columns=["ward_code"]).round({"distance": 2}))
buttons = st.columns(max(len(prof.similar), 1))
for slot, row in zip(buttons, prof.similar.itertuples(), strict=False):
    if slot.button(f"Open {row.Ward}", key=f"similar_{row.ward_code}", icon=":material/arrow_forward:"):
        st.query_params["ward"] = row.ward_code
        st.rerun()

st.subheader("Compare with another ward")
others = [c for c in codes if c != code]
default = others.index(prof.similar["ward_code"].iloc[0]) if len(prof.similar) else 0
other = st.selectbox("Compare with", others, index=default, format_func=names.get)
ui.table(profile.compare_wards(inputs.values, code, other, names))
