"""Areas: the planner groups wards into areas for area-based working and sees each area's make-up."""

import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import ui
from geo import areas, indicators, maps
from geo import participation as gp
from geo.disclosure import DisclosurePolicy

ui.header("Areas", "Group wards into areas for area-based working")
policy = DisclosurePolicy.from_env()
flt = ui.engagement_filter()
wards = da.wards()
wards_bng = da.ward_geometry_bng()
residents = indicators.residents(da.population())

n_areas = int(st.number_input("Areas in the starting grouping", min_value=2, max_value=max(2, min(12, len(wards))),
                              value=min(6, len(wards)), step=1))
start = areas.starting_areas(wards_bng, n_areas, residents)
st.caption("The starting grouping is a suggestion to edit, not a recommendation: it starts from the wards farthest "
           "apart and grows each area over neighbouring wards, keeping residents roughly even. Type an area's name "
           "in the Area column to move a ward; new names make new areas. Changing the number above starts again.")

left, right = st.columns([2, 3])
with left:
    edited = st.data_editor(
        wards.set_index("ward_code")[["ward_name"]].rename(columns={"ward_name": "Ward"}).assign(Area=start),
        hide_index=True, width="stretch", height=520, key=f"areas_editor_{n_areas}",
        column_config={"Ward": st.column_config.TextColumn("Ward", disabled=True),
                       "Area": st.column_config.TextColumn("Area", help="Name of the area this ward belongs to",
                                                           required=True, max_chars=40)})
assignment = edited["Area"]
summary = areas.area_summary(assignment, wards_bng, residents,
                             gp.protected_ward_counts(wards["ward_code"], da.ward_engagement(flt), "responses", policy),
                             policy=policy)
with right:
    frame = wards.assign(area=wards["ward_code"].map(assignment).fillna(areas.NO_AREA).replace("", areas.NO_AREA))
    st_folium(maps.category_map(frame, "area", "Area", {"ward_name": "Ward", "area": "Area"}), height=520,
              width="100%", returned_objects=[], key="areas_map")

st.subheader("The areas")
ui.table(areas.area_table(summary, policy))
for row in summary[summary["contiguous"].eq(False)].itertuples():
    st.warning(f"**{row.area}** is not contiguous: its {row.wards} wards form {row.components} separate groups. "
               "Check that this is intended.", icon=":material/warning:")
if (summary["area"] == areas.NO_AREA).any():
    st.warning("Some wards have no area: give every ward an area name.", icon=":material/warning:")
st.caption("Contiguous: every ward of the area can be reached from every other without leaving the area; wards that "
           "meet only at a corner count as neighbours (queen contiguity, measured on full-resolution boundaries in "
           "British National Grid). Deviation: the area's residents compared with the mean of the areas. Responses "
           "from residents of the area's wards; an area's count is hidden when it is below "
           f"{policy.threshold} or when any of its wards' counts is hidden, so that ward counts cannot be worked "
           f"out by subtraction. {ui.filter_summary(flt)}.")
st.download_button("Download the grouping (CSV)", edited.rename_axis("Ward code").to_csv().encode("utf-8"),
                   file_name="wardscope-areas.csv", mime="text/csv", icon=":material/download:")
ui.sources("age", "engagement")
