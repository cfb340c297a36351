"""Ward profile: who lives in a ward, how deprived it is, its assets and how much it takes part."""

import plotly.express as px
import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import ui
from geo import indicators, maps, profile
from geo.disclosure import DisclosurePolicy

ui.header("Ward profile", "One ward against the borough")
policy = DisclosurePolicy.from_env()
wards = da.wards()
names = dict(zip(wards["ward_code"], wards["ward_name"], strict=False))
codes = list(names)
asked = st.query_params.get("ward")
code = st.selectbox("Ward", codes, index=codes.index(asked) if asked in names else 0, format_func=names.get)
st.query_params["ward"] = code

population = da.population()
values = indicators.ward_indicators(codes, population, da.ward_deprivation(), da.assets(),
                                    da.ward_engagement(ui.engagement_filter()), policy)
left, right = st.columns([2, 3])
with left:
    st_folium(maps.outline_map(wards, focus=code), height=380, width="100%", returned_objects=[], key="ward_map")
    st.caption(f"{names[code]} (filled) and its neighbours.")
with right:
    st.subheader("Headline indicators")
    ui.table(profile.headline_table(values, code))
    st.caption("Better/similar/worse: more than 10% better or worse than the borough value, else similar; "
               "blank where higher is neither better nor worse. " + ui.filter_summary(ui.engagement_filter()))

for title, dimension in (("Age", "age"), ("Ethnic group", "ethnicity"), ("Sex", "sex"), ("Disability", "disability")):
    if not (population["dimension"] == dimension).any():
        continue
    st.subheader(title)
    comp = profile.composition(population, dimension, code)
    long = comp.melt(id_vars="Group", value_vars=["Ward %", "Borough %"], var_name="Where", value_name="Percent")
    chart, tab = st.columns([3, 2])
    fig = px.bar(long, x="Percent", y="Group", color="Where", barmode="group", orientation="h",
                 color_discrete_sequence=maps.CATEGORY_COLOURS, labels={"Percent": "% of residents", "Group": ""})
    fig.update_layout(height=120 + 28 * len(comp), margin=dict(l=0, r=0, t=10, b=0), legend_title_text="")
    chart.plotly_chart(fig, width="stretch")
    with tab:
        ui.table(comp.round(1))
    ui.sources(dimension)

st.subheader("Deprivation")
ui.table(profile.deprivation_domains(da.ward_deprivation(), code))
st.caption("Ranks are national among 32,844 LSOAs (1 = most deprived), weighted by mid-2015 population.")
ui.sources("deprivation")

st.subheader("Community assets")
ui.table(profile.assets_by_category(da.assets(), code))
ui.sources("assets")
