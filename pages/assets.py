"""Community assets: where the borough's groups and places are, by category and ward."""

import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import ui
from geo import areas, indicators
from render import maps

ui.header("Community assets", "Voluntary, faith and community groups and places, ward by ward")
wards = da.wards()
assets = da.assets()
residents = indicators.residents(da.population())

categories = sorted(assets["category"].dropna().unique())
chosen = st.multiselect("Categories", categories, default=categories, format_func=str.capitalize,
                        placeholder="Choose at least one category")
selected = assets[assets["category"].isin(chosen)]
points = maps.as_points(selected).assign(Category=lambda d: d["category"].str.capitalize())

cols = st.columns(3)
cols[0].metric("Assets shown", f"{len(selected):,}")
cols[1].metric("In the borough's wards", f"{selected['ward_code'].notna().sum():,}")
cols[2].metric("Assets per 1,000 residents", f"{selected['ward_code'].notna().sum() / residents.sum() * 1000:.2f}"
               if residents.sum() else "n/a")

drawn = ui.map_wards(wards, "assets_district")
left, right = st.columns([3, 2])
with left:
    if points.empty:
        st_folium(maps.outline_map(drawn), height=560, width="100%", returned_objects=[], key="assets_map_empty")
    else:
        st_folium(maps.points_map(drawn, points, "Category", {"name": "Name", "Category": "Category"},
                                  categories=[c.capitalize() for c in categories]), height=560,
                  width="100%", returned_objects=[], key="assets_map")
with right:
    ui.table(areas.assets_by_ward(selected, wards, residents, chosen), height=560)

notes = []
outside = int(selected["ward_code"].isna().sum())
unmapped = len(selected) - len(points)
if outside:
    notes.append(f"{outside:,} asset(s) lie outside the borough and are not counted in any ward.")
if unmapped:
    notes.append(f"{unmapped:,} asset(s) have no grid reference and are not on the map.")
st.caption("Each point is an organisation or place, not a person. Assets per 1,000 residents: assets in the ward "
           "÷ usual residents × 1,000. " + " ".join(notes))
ui.sources("assets", "age")
