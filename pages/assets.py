"""Community assets: where residents have a voluntary, faith or community group within reach, where none is
(asset deserts), where the groups are, and how well the register is kept (services.assets; geo.coverage)."""

import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import ui
from geo import areas, coverage, indicators
from render import maps
from services import assets as sa

ui.header("Community assets", "Who has a voluntary, faith or community group within reach, ward by ward")
if not sa.loaded():
    st.info(sa.NO_REGISTER, icon=":material/info:")
    st.caption("Any figure that would use assets (the outreach score, the participatory-budgeting pilot table, "
               "assets per 1,000 residents in profiles) leaves them out and says so.")
    st.stop()

wards = da.wards()
register = da.assets()
options = sa.categories()
pick, reach = st.columns([3, 1])
chosen = pick.multiselect("Categories", options, default=options, format_func=sa.category_label,
                          placeholder="Choose at least one category", key="assets_categories")
distance = reach.radio("Within (straight line)", list(coverage.DISTANCES_M), index=1, horizontal=True,
                       format_func=lambda d: f"{d:,} m", key="assets_distance")
if not chosen:
    st.info("Choose at least one category to see coverage.")
    st.stop()
view = sa.coverage(tuple(chosen), int(distance))
level = {"oa": "output areas", "lsoa": "lower layer super output areas"}.get(view["level"], "small areas")

cols = st.columns(4)
cols[0].metric("Assets shown", f"{view['assets_placed']:,}", help="With a grid reference or postcode")
cols[1].metric(f"Residents within {distance:,} m of one", "n/a" if view["share"] != view["share"]
               else f"{view['share']:.1f}%")
cols[2].metric("Residents with none within reach", f"{view['residents'] - view['within']:,.0f}")
cols[3].metric("Asset deserts", f"{len(view['deserts']):,}",
               help=f"Small areas ({level}) with no asset of these categories within {distance:,} m")
st.caption(f"Straight-line distance on the British National Grid (EPSG:27700), from each of the {view['areas']:,} "
           f"{level}' point (a point inside it) to the nearest asset of the chosen categories; a walk is longer. "
           "Residents: usual residents (census) of each small area, counted at its point. "
           f"{distance:,} m is about {distance // 80:,} minutes' walk.")

maps_shown = {"assets": "Where the assets are", "deserts": "Asset deserts"}
shown = st.radio("Map", list(maps_shown), format_func=maps_shown.get, horizontal=True, key="assets_view")
drawn = ui.map_wards(wards, "assets_district")
left, right = st.columns([3, 2])
if shown == "deserts":
    gaps = view["deserts"][view["deserts"]["ward_code"].isin(drawn["ward_code"])]
    points = sa.desert_shapes(gaps, view["level"]).assign(
        Reach=lambda d: d["nearest_m"].map(lambda m: sa.reach_band(m, distance)),
        Area=lambda d: d["area_code"], Residents=lambda d: d["persons"].map(lambda v: f"{v:,.0f}"))
    with left:
        if points.empty:
            st_folium(maps.outline_map(drawn), height=560, width="100%", returned_objects=[], key="assets_map_empty")
        else:
            st_folium(maps.points_map(drawn, points, "Reach", {"Area": "Small area", "Residents": "Residents",
                                                               "Reach": "Nearest asset"},
                                      categories=sa.reach_bands(distance)),
                      height=560, width="100%", returned_objects=[], key="assets_map")
    with right:
        st.markdown(f"**{len(view['desert_table']):,} {level} with no asset within {distance:,} m**")
        ui.table(view["desert_table"], height=520)
    st.caption(f"Each shaded area is a small area with no asset of the chosen categories within {distance:,} m of "
               "its point (an 'asset desert'), coloured by how far the nearest is.")
else:
    selected = register[register["category"].isin(chosen)]
    points = maps.as_points(selected).assign(Category=lambda d: d["category"].map(sa.category_label))
    with left:
        st_folium(maps.points_map(drawn, points, "Category", {"name": "Name", "Category": "Category"},
                                  categories=[sa.category_label(c) for c in options]),
                  height=560, width="100%", returned_objects=[], key="assets_points_map")
    with right:
        residents = indicators.residents(da.population())
        ui.table(areas.assets_by_ward(selected, wards, residents, chosen), height=560)
    outside, unmapped = int(selected["ward_code"].isna().sum()), len(selected) - len(points)
    st.caption("Each point is an organisation or place, not a person. Assets per 1,000 residents: assets in the "
               "ward ÷ usual residents × 1,000."
               + (f" {outside:,} asset(s) lie outside the borough and are not counted in any ward." if outside else "")
               + (f" {unmapped:,} asset(s) have no grid reference and are not on the map." if unmapped else ""))

st.header("Coverage by ward")
ui.table(view["ward_table"])
st.caption(f"Residents: the usual residents of the {level} whose point lies in the ward (best fit), so the total "
           "can differ a little from the ward's census count. Asset deserts: those small areas with none within "
           f"{distance:,} m. Accessibility score: two-step floating catchment area (Luo & Wang 2002, PySAL access), "
           f"each asset shared among all residents within {distance:,} m of it; the ward's is the residents-weighted "
           "mean of its small areas', in assets per 1,000 residents (higher = more to go round).")
st.markdown("**Share of residents within each distance, by category (borough)**")
ui.table(view["bands"])
with st.expander("Compare wards category by category"):
    ui.table(view["comparison"])
    st.caption(f"% of each ward's residents within {distance:,} m of an asset of each category.")
st.caption("Method: docs/methods.md, 'Community assets: coverage'.")
ui.sources("assets", *sa.residents_sources(view["level"]))

st.header("Register upkeep")
care = sa.upkeep()
st.markdown(f"**{care['stale']:,}** of {care['total']:,} assets were last verified more than a year ago, and "
            f"**{care['undated']:,}** have no date of verification.")
if len(care["table"]):
    with st.expander("Assets to check"):
        ui.table(care["table"])
st.caption("Loading a new version of the register reports the assets added, changed and removed; the Data and "
           "sources page keeps its history.")
