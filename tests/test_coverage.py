"""Community asset coverage (geo.coverage), outreach partners (geo.outreach) and the outreach score without a
register: tiny grids with answers worked by hand, and the demo borough against an independent geopandas
calculation (issue 13)."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import coverage as cv
from geo import outreach as ot
from geo import scrutiny as sc


def _areas() -> pd.DataFrame:
    """Four small areas on a line, 1 km apart: W1 holds a, b; W2 holds c, d."""
    return pd.DataFrame({"level": "oa", "area_code": ["a", "b", "c", "d"], "ward_code": ["W1", "W1", "W2", "W2"],
                         "persons": [100.0, 300.0, 200.0, 400.0], "easting": [0.0, 1000.0, 2000.0, 3000.0],
                         "northing": [0.0, 0.0, 0.0, 0.0]})


def _assets() -> pd.DataFrame:
    return pd.DataFrame({"asset_id": ["y1", "f1", "f2", "n1"], "name": ["Youth club", "Church", "Mosque", "Nowhere"],
                         "category": ["youth", "faith", "faith", "youth"],
                         "easting": [0.0, 1300.0, 1000.0, np.nan], "northing": [300.0, 0.0, 900.0, np.nan],
                         "ward_code": ["W1", "W1", "W1", None]})


NAMES = {"W1": "One", "W2": "Two"}


def test_nearest_distance_by_category_on_a_grid():
    near = cv.nearest_by_category(_areas(), _assets(), ["youth", "faith"])
    assert list(near["youth"]) == pytest.approx([300.0, np.hypot(1000, 300), np.hypot(2000, 300),
                                                 np.hypot(3000, 300)])
    assert list(near["faith"]) == pytest.approx([1300.0, 300.0, 700.0, 1700.0])
    assert list(near[cv.ALL]) == pytest.approx([300.0, 300.0, 700.0, 1700.0])
    none = cv.nearest_by_category(_areas(), _assets().iloc[0:0], ["youth"])
    assert np.isinf(none[cv.ALL]).all()


def test_ward_coverage_is_population_weighted():
    near = cv.nearest_by_category(_areas(), _assets(), ["youth", "faith"])
    table = cv.ward_coverage(_areas(), near[cv.ALL], 400, ["W1", "W2"], NAMES).set_index("ward_code")
    assert table.at["W1", "share"] == pytest.approx(100.0)  # a (300 m) and b (300 m)
    assert table.at["W2", "share"] == pytest.approx(0.0) and table.at["W2", "deserts"] == 2
    assert table.at[cv.BOROUGH, "share"] == pytest.approx(400 / 1000 * 100)
    at_800 = cv.ward_coverage(_areas(), near[cv.ALL], 800, ["W1", "W2"], NAMES).set_index("ward_code")
    assert at_800.at["W2", "share"] == pytest.approx(200 / 600 * 100)  # c is 700 m from the church
    assert at_800.at[cv.BOROUGH, "ward_name"] == "All wards" and at_800.at["W2", "ward_name"] == "Two"


def test_bands_deserts_and_comparison():
    near = cv.nearest_by_category(_areas(), _assets(), ["youth", "faith"])
    bands = cv.band_table(_areas(), near, {"youth": "Youth", "faith": "Faith"}).set_index("category")
    assert bands.at["youth", 400] == pytest.approx(10.0)  # only a (100 of 1,000)
    assert bands.at["faith", 800] == pytest.approx(50.0)  # b (300 m) and c (700 m)
    assert bands.at[cv.ALL, 1600] == pytest.approx(60.0)  # d is 1,700 m away
    gaps = cv.deserts(_areas(), near[cv.ALL], 800)
    assert list(gaps["area_code"]) == ["d"] and gaps["nearest_m"].iloc[0] == pytest.approx(1700.0)
    wide = cv.ward_comparison(_areas(), near, 800, ["W1", "W2"], NAMES, {"youth": "Youth", "faith": "Faith"})
    assert list(wide.columns) == ["ward_code", "ward_name", "Youth", "Faith", cv.ALL_LABEL]
    assert wide.set_index("ward_code").at["W1", "Youth"] == pytest.approx(25.0)


def test_two_step_floating_catchment_by_hand():
    areas = _areas()
    assets = _assets()
    score = cv.two_step_fca(areas, assets, 1000)
    # y1 (0, 300) reaches a (300 m) and b (1,044 m: no): ratio 1/100. f1 (1300, 0) reaches b (300), c (700), not
    # d (1,700) nor a (1,300): 1/500. f2 (1000, 900) reaches b (900), a (1,345: no), c (1,345: no): 1/300.
    assert score["a"] == pytest.approx(1000 / 100)
    assert score["b"] == pytest.approx(1000 / 500 + 1000 / 300)
    assert score["c"] == pytest.approx(1000 / 500)
    assert score["d"] == 0.0
    assert (cv.two_step_fca(areas, assets.iloc[0:0], 800) == 0).all()


def test_smallest_areas_prefers_output_areas():
    points = pd.DataFrame({"level": ["oa", "oa", "lsoa"], "area_code": ["o1", "o2", "l1"], "ward_code": "W1",
                           "easting": [0.0, 1.0, 2.0], "northing": [0.0, 1.0, 2.0]})
    pop = pd.DataFrame({"level": ["oa", "oa", "lsoa"], "area_code": ["o1", "o2", "l1"], "persons": [5.0, 0.0, 9.0]})
    assert list(cv.smallest_areas(points, pop)["area_code"]) == ["o1"]
    assert list(cv.smallest_areas(points[points["level"] == "lsoa"], pop)["area_code"]) == ["l1"]


def test_upkeep_flags_assets_not_verified_for_a_year():
    register = pd.DataFrame({"last_verified": [date(2025, 1, 1), date(2025, 12, 1), None]})
    status = cv.upkeep_status(register, date(2026, 3, 1))
    assert list(status) == [cv.STALE, cv.CURRENT, cv.UNDATED]


@pytest.mark.parametrize(("dimension", "groups", "first"), [
    (None, (), "voluntary"), ("age", ("16-24",), "youth"), ("age", ("Aged 16 to 24 years",), "youth"),
    ("age", ("65+",), "community"), ("ethnicity", ("Black African",), "faith"), ("disability", ("Disabled",), "health"),
])
def test_partner_categories(dimension, groups, first):
    cats = ot.partner_categories(dimension, groups)
    assert cats[0] == first
    if dimension == "age" and "24" in groups[0]:
        assert "youth" in cats and "faith" not in cats
    if dimension == "ethnicity":
        assert cats[:2] == ["faith", "community"]


def test_partners_nearest_the_population_weighted_centre():
    wards = gpd.GeoDataFrame({"ward_code": ["W1", "W2", "W3"]},
                             geometry=[shapely.box(-500, -500, 1500, 500), shapely.box(1500, -500, 3500, 500),
                                       shapely.box(5000, 0, 6000, 1000)], crs="EPSG:27700")
    centre = ot.ward_centre("W1", _areas(), wards)
    assert centre == pytest.approx((750.0, 0.0))  # (100 × 0 + 300 × 1000) ÷ 400
    assert ot.ward_centre("W3", _areas(), wards) == pytest.approx((5500.0, 500.0))  # no small areas: inside point
    found = ot.nearest_partners(centre, _assets(), ["faith", "youth"], per_category=1)
    assert list(found["name"]) == ["Church", "Youth club"]  # 550 m, then 808 m; the mosque (934 m) is 2nd faith
    assert found["distance_m"].iloc[0] == pytest.approx(550.0)
    assert ot.nearest_partners(centre, _assets(), ["library"]).empty


def test_outreach_score_leaves_assets_out_without_a_register():
    geoms = [shapely.box(i * 2000, 0, (i + 1) * 2000, 2000) for i in range(3)]
    wards = gpd.GeoDataFrame({"ward_code": ["A", "B", "C"]}, geometry=geoms, crs="EPSG:27700")
    reach = pd.DataFrame({"ward_code": ["A", "B", "C"], "respondents_per_1000_eb": [10.0, 20.0, 30.0]})
    dep = pd.DataFrame({"ward_code": ["A", "B", "C"], "domain": "IMD", "mean_rank": [30000.0, 1000.0, 15000.0]})
    none = pd.DataFrame(columns=["asset_id", "name", "category", "easting", "northing"])
    out = sc.outreach_targets(reach, dep, wards, none, {}).set_index("ward_code")
    assert out["host_nearby"].isna().all()
    assert out.at["A", "score"] == pytest.approx((0.5 * (1 - 1 / 3) + 0.3 * 0.0) / 0.8)
    assert out.at["B", "score"] == pytest.approx((0.5 * (1 - 2 / 3) + 0.3 * (1 - 1 / 3)) / 0.8)


# --- the demo borough against an independent geopandas calculation ------------------------------------------

@pytest.fixture()
def demo(app_env):
    import data_access as da

    if not hasattr(da, "small_area_points"):
        pytest.skip("data_access.small_area_points is not there yet (issue 13, assets-etl)")
    return da


@pytest.mark.parametrize("distance", [400, 800, 1600])
def test_demo_coverage_matches_geopandas(demo, distance):
    from services import assets as sa

    da = demo
    pop = da.small_area_population()
    points = da.small_area_points().drop(columns=["persons"]).merge(pop, on=["level", "area_code"])
    points = points[(points["level"] == "oa") & (points["persons"] > 0)]
    located = gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points["easting"], points["northing"]),
                               crs="EPSG:27700")
    register = da.assets().dropna(subset=["easting", "northing"])
    for chosen in (sorted(register["category"].unique()), ["youth"], ["faith", "library"]):
        mine = register[register["category"].isin(chosen)]
        sites = gpd.GeoDataFrame(mine, geometry=gpd.points_from_xy(mine["easting"], mine["northing"]),
                                 crs="EPSG:27700")
        # independent: areas whose point lies in the union of the assets' buffers, and sjoin_nearest's distance
        reach = shapely.union_all(sites.buffer(distance, quad_segs=64).to_numpy())
        inside = located.within(reach) | (located.distance(reach) < 1e-6)
        near = gpd.sjoin_nearest(located, sites[["geometry"]], distance_col="d").groupby(level=0)["d"].min()
        assert (inside == (near <= distance + 1e-6)).mean() > 0.99  # the buffer's polygon is a near-circle
        expected = located.loc[near <= distance, "persons"].sum() / located["persons"].sum() * 100
        view = sa.coverage(tuple(chosen), distance)
        assert view["share"] == pytest.approx(expected, abs=1e-9)
        assert len(view["deserts"]) == int((near > distance).sum())
        by_ward = located.assign(hit=(near <= distance)).groupby("ward_code").apply(
            lambda g: g.loc[g["hit"], "persons"].sum() / g["persons"].sum() * 100, include_groups=False)
        shown = view["ward_table"].iloc[:-1]
        names = da.ward_names().set_index("ward_code")["ward_name"]
        for code, share in by_ward.items():
            row = shown[shown["Ward"] == names[code]]
            assert row[f"% of residents within {distance:,} m"].iloc[0] == f"{share:.1f}"


def test_asset_deserts_are_drawn_as_their_small_areas(demo_db):
    """The deserts map shades each desert's small area (its outline contains the area's point), never a dot."""
    import geopandas as gpd

    import data_access as da
    from services import assets as sa

    with da.use_database(demo_db):
        view = sa.coverage(tuple(sa.categories()), 400)
        shapes = sa.desert_shapes(view["deserts"], view["level"])
    assert len(shapes) == len(view["deserts"]) > 0
    assert set(shapes.geom_type) <= {"Polygon", "MultiPolygon"}
    points = gpd.points_from_xy(view["deserts"]["easting"], view["deserts"]["northing"])
    assert all(shape.buffer(6).contains(point) for shape, point in zip(shapes.geometry, points, strict=True))
