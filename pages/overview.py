"""Overview: the borough's wards on a map with headline figures, and a table beside it."""

import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import services as sv
import ui
from geo import indicators
from geo import participation as gp
from geo.disclosure import DisclosurePolicy, format_count
from render import maps

ui.header("Overview", "Every ward of the borough at a glance", about=ui.ABOUT)
policy = DisclosurePolicy.from_env()
flt = ui.engagement_filter()
# The first visit works out every ward's figures (a few seconds on a cold server): say so rather than stay blank.
with st.spinner("Loading the wards and their figures…", show_time=True):
    wards = da.wards()
    engagement = da.ward_engagement(flt)
    values = sv.indicator_values(flt, policy)
    responses = gp.protected_ward_counts(wards["ward_code"], engagement, "responses", policy)
    people = gp.protected_ward_counts(wards["ward_code"], engagement, "respondents", policy)

cols = st.columns(5)
cols[0].metric("Wards", f"{len(wards)}")
cols[1].metric("Residents", f"{values.at[indicators.BOROUGH, 'residents']:,.0f}",
               help="Usual residents of the borough's wards (census).")
cols[2].metric("Responses", format_count(responses["Total"], policy),
               help="Responses from residents of the borough's wards (not those from outside it).")
cols[3].metric("People taking part", format_count(people["Total"], policy),
               help="Per ward, summed: each person counted once in each ward they answered from.")
cols[4].metric("Activities", f"{len(da.activities())}", help="Consultations, surveys, events and other activities.")
st.caption(ui.filter_summary(flt))

available = [i for i in indicators.INDICATORS if values[i.key].notna().any()]
chosen = st.selectbox("Colour the map by", available, format_func=lambda i: f"{i.label} ({i.unit})")
frame = wards.merge(values[[chosen.key]].reset_index(), on="ward_code", how="left")
frame["shown"] = frame[chosen.key].map(chosen.format)
drawn = ui.map_wards(wards, "overview_district")

left, right = st.columns([3, 2])
with left:
    fmap = maps.choropleth(frame[frame["ward_code"].isin(drawn["ward_code"])], chosen.key,
                           f"{chosen.label} ({chosen.unit})", {"ward_name": "Ward", "shown": chosen.label},
                           decimals=chosen.decimals,
                           missing_label="count hidden, or no data")
    clicked = st_folium(fmap, height=520, width="100%", returned_objects=["last_active_drawing"],
                        key="overview_map")
with right:
    table = frame[["ward_name", "shown"]].rename(columns={"ward_name": "Ward", "shown": chosen.label})
    ui.table(table.sort_values("Ward"), height=520)
st.caption(f"{chosen.label}: {chosen.formula}.")
ui.sources(chosen.dataset)

st.caption("Click a ward on the map, or choose it below, to open its profile.")
code = maps.clicked_ward(clicked)
if code and code != st.session_state.get("overview_opened"):
    st.session_state["overview_opened"] = code
    st.switch_page("pages/ward_profile.py", query_params={"ward": code})
names = dict(zip(wards["ward_code"], wards["ward_name"], strict=True))
chosen_ward = st.selectbox("Open the profile of", sorted(names, key=names.get), format_func=names.get, index=None,
                           placeholder="Choose a ward")
if chosen_ward:
    st.page_link("pages/ward_profile.py", label=f"Open the profile of {names[chosen_ward]}",
                 query_params={"ward": chosen_ward}, icon=":material/arrow_forward:")
