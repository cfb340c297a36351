"""Issue 5 analytics: Empirical Bayes reach, the representation matrix against the demo's planted truth,
the error rate on unbiased synthetic data, cold spots against esda, disclosure-safe hexagons."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from geo import density, hotspots, indicators
from geo import participation as gp
from geo.disclosure import TOTAL, DisclosurePolicy, no_small_counts
from render import charts, tables

POLICY = DisclosurePolicy()
DIMENSIONS = ["age", "sex", "ethnicity", "disability"]


# --- Empirical Bayes reach -------------------------------------------------------------------

def test_eb_rates_match_esda_and_shrink_small_wards_towards_the_borough():
    from esda.smoothing import Empirical_Bayes

    events = pd.Series([50.0, 3.0, 120.0, 0.0], index=list("ABCD"))
    residents = pd.Series([1000.0, 40.0, 3000.0, 800.0], index=list("ABCD"))
    ours = gp.eb_rates(events, residents)
    theirs = Empirical_Bayes(events.to_numpy().reshape(-1, 1), residents.to_numpy().reshape(-1, 1)).r.ravel() * 1000
    assert np.allclose(ours.to_numpy(), theirs)
    borough = events.sum() / residents.sum() * 1000
    raw = events / residents * 1000
    # the smallest ward moves furthest towards the borough rate
    assert abs(ours["B"] - borough) < abs(raw["B"] - borough)
    assert abs(ours["B"] - raw["B"]) > abs(ours["C"] - raw["C"])


def test_reach_hides_the_smoothed_rate_with_the_count():
    wards = pd.DataFrame({"ward_code": ["A", "B", "C"], "ward_name": ["Ash", "Beech", "Cedar"]})
    pop = pd.DataFrame([{"ward_code": w, "dimension": "age", "category": "0-15", "persons": p}
                        for w, p in (("A", 1000), ("B", 900), ("C", 1200))])
    eng = pd.DataFrame({"ward_code": ["A", "B", "C"], "responses": [80, 4, 60], "respondents": [70, 4, 50]})
    out = gp.reach(wards, pop, eng, POLICY).set_index("ward_code")
    for kind in gp.KINDS:
        hidden = out[kind].isna()
        assert hidden["B"]
        assert (out[gp.EB_KEYS[kind]].isna() == out[gp.RATE_KEYS[kind]].isna()).all()
        assert out.at[TOTAL, gp.EB_KEYS[kind]] == pytest.approx(out.at[TOTAL, gp.RATE_KEYS[kind]])
    table = tables.reach_table(out.reset_index(), "responses", POLICY)
    assert no_small_counts(out[["responses", "respondents"]])
    assert (table["Responses"] == "hidden").any()


def test_below_target_never_guesses_a_hidden_ward():
    rates = pd.DataFrame({"ward_code": ["A", "B", "C", TOTAL], "ward_name": ["Ash", "Beech", "Cedar", "All"],
                          "respondents_per_1000": [12.0, np.nan, 30.0, 20.0]})
    status = gp.below_target(rates, 20.0).set_index("ward_code")["status"]
    assert status.to_dict() == {"A": "below target", "B": "cannot tell (hidden)", "C": "meets target"}


def test_demo_reach_matches_the_database(app_env):
    import data_access as da
    import services as sv

    rates = sv.participation_reach().set_index("ward_code")
    eng = da.ward_engagement().set_index("ward_code")
    pop = indicators.residents(da.population())
    codes = [c for c in rates.index if c != TOTAL]
    expected = gp.eb_rates(eng["respondents"].reindex(codes).fillna(0), pop.reindex(codes))
    shown = rates.loc[codes, gp.EB_KEYS["respondents"]]
    assert np.allclose(shown.dropna(), expected[shown.notna()])


# --- representation against the demo's planted truth -----------------------------------------

def _flags(app_env) -> tuple[set, set, dict]:
    import data_access as da
    import services as sv

    truth = {(p["ward_code"], p["dimension"], p["category"]) for p in
             json.loads(da.meta()["synthetic_truth"])["planted"]}
    flagged, cells = set(), {}
    for dimension in gp.dimensions_available(da.population(), DIMENSIONS):
        matrix = sv.representation_matrix(dimension)
        assert no_small_counts(matrix["respondents"])
        for row in matrix.itertuples():
            cells[(row.ward_code, dimension, row.group)] = row
            if row.under_represented:
                flagged.add((row.ward_code, dimension, row.group))
    return truth, flagged, cells


def test_demo_flags_exactly_the_planted_groups(app_env):
    """Exactly the planted ward × group cells are flagged at the 95% level, and no others.

    The generator plants only where the group keeps about 20 respondents (demo.VISIBLE_PLANT), so
    every plant's count is published and can be tested on the count itself (basis 'count').
    """
    truth, flagged, cells = _flags(app_env)
    assert len(truth) == 6
    assert flagged == truth, f"flagged but not planted: {flagged - truth}; planted but not flagged: {truth - flagged}"
    assert all(cells[key].test_basis == "count" for key in truth)


def test_matrix_agrees_with_the_ward_profile(app_env):
    import data_access as da
    import services as sv

    matrix = sv.representation_matrix("age").set_index(["ward_code", "group"])
    ward = da.wards()["ward_code"].iloc[3]
    profile = sv.ward_representation(ward, "age").set_index("group")
    groups = profile[profile["kind"] == "group"]
    assert list(matrix.loc[ward, "under_represented"]) == list(groups["under_represented"])
    assert np.allclose(matrix.loc[ward, "index"].to_numpy(dtype=float), groups["index"].to_numpy(dtype=float),
                       equal_nan=True)


def test_borough_flags_only_planted_categories(app_env):
    import data_access as da
    import services as sv

    planted = {(p["dimension"], p["category"]) for p in json.loads(da.meta()["synthetic_truth"])["planted"]}
    for dimension in gp.dimensions_available(da.population(), DIMENSIONS):
        rep = sv.borough_representation(dimension)
        assert rep.loc[rep["kind"] == "not_stated", "respondents"].notna().all()  # reported, not dropped
        flagged = {(dimension, g) for g in rep.loc[rep["under_represented"], "group"]}
        assert flagged <= planted


def test_heatmap_figure_marks_flagged_cells():
    # Issue 10: flags in both directions (▼ under, ▲ over); a hidden cell tested on bounds keeps its flag and is
    # coloured at the middle of its banded index; one with nothing to show stays blank.
    matrix = pd.DataFrame({"ward_code": ["A", "A", "B", "B"], "group": ["x", "y", "x", "y"],
                           "index": [0.4, 1.6, np.nan, 1.0], "index_min": [0.4, 1.6, 0.0, 1.0],
                           "index_max": [0.4, 1.6, 0.3, 1.0], "flag": ["under", "over", "under", ""],
                           "test_basis": ["count", "count", "bounds", "count"]})
    fig = charts.heatmap_figure(matrix, {"A": "Ash", "B": "Beech"}, ["x", "y"], "t")
    trace = fig["data"][0]
    assert trace["type"] == "heatmap" and trace["y"] == ["Ash", "Beech"]
    assert trace["z"] == [[0.4, 1.6], [0.25, 1.0]]
    assert trace["text"] == [["▼", "▲"], ["▼", ""]]
    assert trace["customdata"][1][0] == "index hidden: below 0.5"


def test_no_bias_error_rate_on_unbiased_synthetic_data(demo_db, tmp_path):
    """A quick version of bench/participation.py --null-seeds 200: unbiased data, 12 seeds, age and sex.

    Each ward × dimension table is one Holm family at 5%, so over 12 seeds × 20 wards × 2 dimensions
    (480 families) the expected number of families with any false flag is at most 24.
    """
    from bench.participation import null_flags
    from vocabulary import duck

    con = duck.connect(demo_db, read_only=True)
    pcs = pd.read_csv(demo_db.parent / "inputs" / "postcodes.csv", dtype=str)  # the database keeps none of them
    postcodes = pd.DataFrame({"postcode": pcs["pcds"], "ward_code": pcs["ward"]}).dropna()
    population = con.execute("SELECT * FROM ward_population").df()
    con.close()
    result = null_flags(range(12), postcodes, population, ["age", "sex"], tmp_path, n_responses=24000)
    assert result["families"] == 12 * 20 * 2
    assert result["families_with_a_flag"] <= 24
    assert result["max_group_rate"] <= 0.25  # any one group: at most 3 of 12 seeds
    assert result["groups_clearly_over"] == []  # no group over-flagged beyond sampling noise


def test_groups_clearly_over_the_error_rate_need_more_than_noise():
    from bench.participation import groups_clearly_over

    # 200 seeds at a true 5%: 10 expected; 14 is noise (P ≈ 0.13), 40 is not (P ≈ 6e-14, survives Holm over 3)
    assert groups_clearly_over({("w", "age", "16-24"): 14, ("w", "age", "65+"): 0}, 200) == []
    assert groups_clearly_over({("w", "age", "16-24"): 14, ("w", "sex", "Male"): 40, ("x", "sex", "Male"): 9},
                               200) == [("w", "sex", "Male")]


# --- cold spots -------------------------------------------------------------------------------

def test_cold_spots_match_esda_run_directly(app_env):
    from esda.moran import Moran_Local
    from libpysal import weights

    import data_access as da
    import services as sv

    geom = da.ward_geometry_bng()
    assert geom.crs.to_epsg() == 27700
    result = sv.cold_spots("respondents").set_index("ward_code")
    eng = da.ward_engagement().set_index("ward_code")["respondents"]
    pop = indicators.residents(da.population())
    codes = list(geom["ward_code"])
    y = gp.eb_rates(eng.reindex(codes).fillna(0.0), pop.reindex(codes)).to_numpy()
    w = weights.Queen.from_dataframe(geom, use_index=False, silence_warnings=True)
    w.transform = "r"
    lisa = Moran_Local(y, w, permutations=hotspots.PERMUTATIONS, seed=hotspots.SEED)
    assert np.allclose(result.loc[codes, "local_i"], lisa.Is)
    assert np.allclose(result.loc[codes, "p_sim"], lisa.p_sim)
    assert list(result.loc[codes, "quadrant"]) == list(lisa.q)
    assert list(result.loc[codes, "significant"]) == list(lisa.p_sim < 0.05)


def test_local_moran_finds_a_planted_cold_cluster():
    import geopandas as gpd
    import shapely

    cells = [shapely.box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for y in range(6) for x in range(6)]
    codes = [f"W{i:02d}" for i in range(36)]
    geom = gpd.GeoDataFrame({"ward_code": codes}, geometry=cells, crs="EPSG:27700")
    rng = np.random.default_rng(3)
    values = pd.Series(60 + rng.normal(0, 2, 36), index=codes)
    cold = [f"W{y * 6 + x:02d}" for y in range(2) for x in range(2)]
    values[cold] = 20.0
    result = hotspots.local_moran(values, geom).set_index("ward_code")
    assert (result.loc[cold, "label"] == hotspots.QUADRANTS[3]).sum() >= 3
    with pytest.raises(ValueError):
        hotspots.local_moran(values, geom.to_crs("EPSG:4326"))


def test_local_moran_names_spatial_outliers_beside_clusters():
    """A 6 × 6 grid, west half high (80) and east half low (20): one low ward planted inside the high half and one
    high ward inside the low half are named as spatial outliers ('low among high', 'high among low'); no other
    ward is an outlier; the table says which are clusters and which outliers."""
    import geopandas as gpd
    import shapely

    cells = [shapely.box(x * 1000, y * 1000, (x + 1) * 1000, (y + 1) * 1000) for y in range(6) for x in range(6)]
    codes = [f"W{i:02d}" for i in range(36)]
    geom = gpd.GeoDataFrame({"ward_code": codes}, geometry=cells, crs="EPSG:27700")
    column = np.array([i % 6 for i in range(36)])
    values = pd.Series(np.where(column < 3, 80.0, 20.0) + np.random.default_rng(5).normal(0, 2, 36), index=codes)
    values["W13"] = 20.0  # column 1, row 2: inside the high half
    values["W22"] = 80.0  # column 4, row 3: inside the low half
    result = hotspots.local_moran(values, geom).set_index("ward_code")
    assert result.at["W13", "label"] == hotspots.QUADRANTS[2] == "Spatial outlier: low among high"
    assert result.at["W22", "label"] == hotspots.QUADRANTS[4] == "Spatial outlier: high among low"
    assert set(result.index[result["kind"] == "spatial outlier"]) == {"W13", "W22"}
    assert (result.loc[result["label"].isin([hotspots.QUADRANTS[1], hotspots.QUADRANTS[3]]), "kind"] == "cluster").all()
    assert (result.loc[~result["significant"], "kind"] == "").all()
    table = tables.cold_spot_table(result.reset_index(), {"W13": "Thirteen"}).set_index("Ward")
    assert table.at["Thirteen", "Cluster or outlier"] == "Spatial outlier: low among high"
    assert table.at["Thirteen", "Kind"] == "Spatial outlier"


# --- quarterly targets -------------------------------------------------------------------------

def test_quarter_targets_are_a_quarter_of_the_yearly_target_pro_rata_by_days():
    from datetime import date

    from geo import scrutiny

    quarterly = pd.DataFrame({"quarter": ["2026 Q1", "2026 Q2", "2026 Q3"] * 2,
                              "start": [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)] * 2,
                              "end": [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30)] * 2})
    # from 15 February (45 of Q1's 90 days) to 10 September (72 of Q3's 92 days); Q2 whole
    out = scrutiny.quarter_targets(quarterly, 40.0, date(2026, 2, 15), date(2026, 9, 10)).set_index("quarter")
    assert list(out.index) == ["2026 Q1", "2026 Q2", "2026 Q3"]
    assert list(out["days"]) == [90, 91, 92] and list(out["days_covered"]) == [45, 91, 72]
    assert out["target"].tolist() == pytest.approx([10 * 45 / 90, 10.0, 10 * 72 / 92])
    whole = scrutiny.quarter_targets(quarterly, 40.0)
    assert whole["target"].tolist() == [10.0, 10.0, 10.0]  # no dates: every quarter whole, target ÷ 4
    assert scrutiny.quarter_targets(quarterly.iloc[:0], 40.0).empty


def test_demo_quarterly_table_compares_with_the_quarter_share(app_env):
    import services as sv

    table = sv.quarterly_target_table(80.0)
    quarters = sv.quarter_targets(80.0)
    assert table.iloc[-1, 0] == tables.QUARTER_TARGET_ROW
    full = quarters[quarters["days_covered"] == quarters["days"]]
    assert len(full) and (full["target"] == 20.0).all()
    reach = sv.quarterly_reach()
    cells = table.iloc[:-2, 1:].to_numpy().ravel()
    below = sum("▼" in str(c) for c in cells)
    by_quarter = reach.merge(quarters, on="quarter")
    expected = int((by_quarter["respondents_per_1000"] < by_quarter["target"]).sum())
    assert below == expected


# --- hexagons ---------------------------------------------------------------------------------

def test_hexagons_drop_small_cells_and_contain_their_points():
    rng = np.random.default_rng(1)
    x, y = rng.uniform(500000, 510000, 400), rng.uniform(180000, 186000, 400)
    q, r = density.hex_axial(x, y, 1000.0)
    cells = pd.DataFrame({"q": q, "r": r}).value_counts().rename("respondents").reset_index()
    shown, dropped = density.hexagons(cells, 1000.0, POLICY)
    assert (shown["respondents"] >= 10).all()
    assert shown["respondents"].sum() + dropped == 400
    assert shown.crs.to_epsg() == 27700
    assert shown.geometry.area.iloc[0] == pytest.approx(1.5 * math.sqrt(3) * 1000**2)
    import shapely

    polys = {(a, b): g for a, b, g in zip(shown["q"], shown["r"], shown.geometry, strict=True)}
    points = shapely.points(x, y)
    for (a, b), g in polys.items():
        inside = (q == a) & (r == b)
        assert shapely.covers(g.buffer(1e-6), points[inside]).all()


def test_demo_hexagons_match_the_database(app_env):
    import data_access as da
    from vocabulary import duck

    cells = da.respondent_hexes(1000.0)
    con = duck.connect(app_env, read_only=True)
    people = con.execute("""
        SELECT ST_X(ST_PointOnSurface(s.geom)) AS easting, ST_Y(ST_PointOnSurface(s.geom)) AS northing FROM (
            SELECT coalesce(respondent_id, 'response:' || response_id) AS who,
                   arg_max(small_area_code, submitted_at) AS area_code
            FROM responses WHERE ward_code IS NOT NULL GROUP BY who) p
        JOIN small_areas s ON s.area_code = p.area_code""").df()
    con.close()
    q, r = density.hex_axial(people["easting"], people["northing"], 1000.0)
    expected = pd.DataFrame({"q": q, "r": r}).value_counts().rename("n")
    got = cells.set_index(["q", "r"])["respondents"]
    assert got.sum() == len(people)
    assert (got.sort_index() == expected.reindex(got.index).sort_index()).all()
