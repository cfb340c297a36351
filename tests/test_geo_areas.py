"""geo.areas on a 3×3 grid of 100 m squares in EPSG:27700, with answers worked out by hand.

    r0c0 r0c1 r0c2        (row 0 is the north)
    r1c0 r1c1 r1c2
    r2c0 r2c1 r2c2

Contiguity rule: QUEEN — squares meeting only at a corner are neighbours (rook would say not).
"""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from geo import areas
from geo.areas_lookup import areas_geojson, lookup_from_csv
from geo.disclosure import TOTAL, DisclosurePolicy, protect_counts
from render import tables
from render.csv_export import lookup_to_csv

POLICY = DisclosurePolicy()
SIZE = 100.0


def grid(n_rows: int = 3, n_cols: int = 3, extra: dict[str, tuple[float, float]] | None = None) -> gpd.GeoDataFrame:
    cells = {f"r{r}c{c}": box(c * SIZE, -(r + 1) * SIZE, (c + 1) * SIZE, -r * SIZE)
             for r in range(n_rows) for c in range(n_cols)}
    for code, (x, y) in (extra or {}).items():
        cells[code] = box(x, y, x + SIZE, y + SIZE)
    return gpd.GeoDataFrame({"ward_code": list(cells)}, geometry=list(cells.values()), crs="EPSG:27700")


GRID = grid()


def cells(*codes: str) -> gpd.GeoDataFrame:
    return GRID.set_index("ward_code").loc[list(codes)]


@pytest.mark.parametrize(("codes", "queen", "rook"), [
    (("r0c0", "r0c1"), True, True),                   # shared edge
    (("r0c0", "r1c1"), True, False),                  # corner only: queen yes, rook no
    (("r0c0", "r2c2"), False, False),                 # apart
    (("r0c0", "r1c1", "r2c2"), True, False),          # a diagonal chain of corners
    (("r0c0", "r1c0", "r2c0", "r2c1"), True, True),   # an L
    (("r0c0", "r0c2"), False, False),                 # same row, a gap between
    (("r1c1",), True, True),                          # a single ward
    (tuple(c for c in GRID["ward_code"] if c != "r1c1"), True, True),  # a ring round the centre
])
def test_contiguity_queen_counts_corners_rook_does_not(codes, queen, rook):
    assert areas.is_contiguous(cells(*codes)) is queen  # the default rule is queen
    assert areas.is_contiguous(cells(*codes), rule="queen") is queen
    assert areas.is_contiguous(cells(*codes), rule="rook") is rook


def test_components_and_empty_area():
    assert areas.components(cells("r0c0", "r0c2", "r2c0")) == 3
    assert areas.components(cells("r0c0", "r0c1", "r2c2")) == 2
    assert areas.components(cells()) == 0
    assert areas.is_contiguous(cells()) is False


def test_contiguity_is_measured_in_british_national_grid():
    with pytest.raises(ValueError, match="27700"):
        areas.is_contiguous(GRID.to_crs("EPSG:4326"))


def _groups(assignment: pd.Series) -> dict[str, set[str]]:
    return {a: set(s.index) for a, s in assignment.groupby(assignment)}


def test_starting_areas_are_contiguous_balanced_and_cover_every_ward():
    out = areas.starting_areas(GRID, 3)
    assert set(out.index) == set(GRID["ward_code"])
    assert sorted(out.unique()) == ["Area 1", "Area 2", "Area 3"]
    groups = _groups(out)
    assert sorted(len(g) for g in groups.values()) == [3, 3, 3]
    for members in groups.values():
        assert areas.is_contiguous(cells(*members))
    assert out.equals(areas.starting_areas(GRID, 3))  # deterministic


def test_starting_areas_on_a_strip_split_in_the_middle():
    strip = grid(1, 4)
    out = areas.starting_areas(strip, 2)
    assert _groups(out) == {"Area 1": {"r0c0", "r0c1"}, "Area 2": {"r0c2", "r0c3"}}


def test_starting_areas_balance_residents_not_just_wards():
    strip = grid(1, 4)
    residents = pd.Series({"r0c0": 3000.0, "r0c1": 1000.0, "r0c2": 1000.0, "r0c3": 1000.0})
    out = areas.starting_areas(strip, 2, residents)
    assert _groups(out) == {"Area 1": {"r0c0"}, "Area 2": {"r0c1", "r0c2", "r0c3"}}


def test_starting_areas_island_joins_the_nearest_area_and_more_areas_than_wards_is_capped():
    with_island = grid(extra={"island": (5 * SIZE, -3 * SIZE)})
    out = areas.starting_areas(with_island, 2)
    assert out.notna().all() and len(out) == 10
    assert areas.starting_areas(grid(1, 2), 6).nunique() == 2


def _summary(assignment: dict[str, str], responses: dict[str, int], residents: float = 1000.0):
    ward_codes = list(GRID["ward_code"])
    counts = protect_counts(pd.Series(responses, dtype=float).reindex(ward_codes).fillna(0), POLICY, total=True)
    return areas.area_summary(pd.Series(assignment), GRID, pd.Series(residents, index=ward_codes), counts,
                              policy=POLICY), counts


NORTH_SOUTH = {c: ("North" if c.startswith("r0") else "South") for c in GRID["ward_code"]}


def test_area_summary_figures():
    out, _ = _summary(NORTH_SOUTH, {c: 20 for c in GRID["ward_code"]})
    out = out.set_index("area")
    assert list(out.index) == ["North", "South", areas.ALL_AREAS]
    assert out.at["North", "wards"] == 3 and out.at["South", "wards"] == 6
    assert out.at["North", "residents"] == 3000 and out.at[areas.ALL_AREAS, "residents"] == 9000
    # mean area population 4,500: North −33.3%, South +33.3%
    assert out.at["North", "deviation_pct"] == pytest.approx(-100 / 3)
    assert out.at["South", "deviation_pct"] == pytest.approx(100 / 3)
    assert bool(out.at["North", "contiguous"]) and bool(out.at["South", "contiguous"])
    assert out.at["South", "responses"] == 120 and out.at[areas.ALL_AREAS, "responses"] == 180
    assert out.at["South", "responses_per_1000"] == pytest.approx(20.0)


def test_area_summary_flags_a_split_area():
    # South's r0c1 is surrounded by North (r0c0, r0c2 and the middle row): cut off even by queen
    split = dict(NORTH_SOUTH, r0c1="South", r1c0="North", r1c1="North", r1c2="North")
    out, _ = _summary(split, {c: 20 for c in GRID["ward_code"]})
    out = out.set_index("area")
    assert not out.at["South", "contiguous"] and out.at["South", "components"] == 2
    assert out.at["North", "contiguous"]


def test_area_responses_hidden_when_a_ward_is_hidden():
    # r0c0 has 4 responses (hidden) and r0c1 12 (hidden by secondary suppression). Publishing North
    # (r0c0 + r0c1 + r0c2) would give r0c0 + r0c1 back; hiding it alone would let the total give
    # it back, so the next smallest area is hidden too.
    responses = {c: 30 for c in GRID["ward_code"]} | {"r0c0": 4, "r0c1": 12}
    assignment = {c: ("North" if c.startswith("r0") else "Middle" if c.startswith("r1") else "South")
                  for c in GRID["ward_code"]}
    out, counts = _summary(assignment, responses)
    assert counts.isna().sum() == 2  # the ward table hides r0c0 and one more
    out = out.set_index("area")
    assert math.isnan(out.at["North", "responses"]) and math.isnan(out.at["North", "responses_per_1000"])
    assert out["responses"].drop(areas.ALL_AREAS).isna().sum() == 2
    assert out.at[areas.ALL_AREAS, "responses"] == counts[TOTAL]


def test_blank_area_names_are_reported_not_dropped():
    out, _ = _summary(dict(NORTH_SOUTH, r2c2=" "), {c: 20 for c in GRID["ward_code"]})
    out = out.set_index("area")
    assert out.at[areas.NO_AREA, "wards"] == 1
    assert math.isnan(out.at[areas.NO_AREA, "deviation_pct"])
    assert out.loc[["North", "South", areas.NO_AREA], "wards"].sum() == 9


def test_area_table_strings():
    out, _ = _summary(NORTH_SOUTH, {c: 20 for c in GRID["ward_code"]} | {"r0c0": 3})
    table = tables.area_table(out, POLICY).set_index("Area")
    assert table.at["North", "Responses"] == "hidden"
    assert table.at["North", "Contiguous"] == "yes"
    assert table.at["North", "Deviation from mean area population (%)"] == "-33.3%"
    assert table.at[areas.ALL_AREAS, "Contiguous"] == ""


def test_assets_by_ward_counts_and_rate():
    wards = pd.DataFrame({"ward_code": ["A", "B"], "ward_name": ["Ash", "Beech"]})
    assets = pd.DataFrame({"ward_code": ["A", "A", "B", None], "category": ["faith", "sport", "faith", "faith"]})
    out = areas.assets_by_ward(assets, wards, pd.Series({"A": 2000.0, "B": 500.0})).set_index("Ward")
    assert list(out.columns) == ["Faith", "Sport", TOTAL, "Assets per 1,000 residents"]
    assert out.at["Ash", "Faith"] == 1 and out.at["Ash", TOTAL] == 2 and out.at["Beech", "Sport"] == 0
    assert out.at["All wards", TOTAL] == 3  # the asset outside the borough is not in a ward
    assert out.at["Ash", "Assets per 1,000 residents"] == pytest.approx(1.0)
    assert out.at["All wards", "Assets per 1,000 residents"] == pytest.approx(1.2)
    only = areas.assets_by_ward(assets, wards, pd.Series({"A": 2000.0, "B": 500.0}), ["sport"]).set_index("Ward")
    assert list(only.columns) == ["Sport", TOTAL, "Assets per 1,000 residents"] and only.at["All wards", TOTAL] == 1


# --- compactness, breaking wards, dissolves, lookup CSV and GeoJSON ---------------------------

def test_polsby_popper_by_hand():
    assert areas.polsby_popper(box(0, 0, 100, 100)) == pytest.approx(math.pi / 4)  # 4π·1e4 / 400²
    assert areas.polsby_popper(box(0, 0, 300, 100)) == pytest.approx(4 * math.pi * 3e4 / 800 ** 2)
    assert math.isnan(areas.polsby_popper(box(0, 0, 0, 0)))


def test_compactness_of_dissolved_areas():
    pp = areas.compactness(pd.Series(NORTH_SOUTH), GRID)
    assert pp["North"] == pytest.approx(4 * math.pi * 3e4 / 800 ** 2)    # 300 × 100 strip
    assert pp["South"] == pytest.approx(4 * math.pi * 6e4 / 1000 ** 2)   # 300 × 200 block


def test_breaking_wards_names_the_cut_off_wards():
    split = dict(NORTH_SOUTH, r0c1="South", r1c0="North", r1c1="North", r1c2="North")
    check = areas.check_scheme(pd.Series(split), GRID, pd.Series(1000.0, index=GRID["ward_code"]), 10).set_index("area")
    assert check.at["South", "breaking"] == ["r0c1"] and not check.at["South", "contiguous"]
    assert check.at["North", "breaking"] == [] and check.at["North", "contiguous"]
    assert check.at["North", "deviation_pct"] == pytest.approx(100 * (5000 - 4500) / 4500)
    assert not check["within_tolerance"].any()
    problems = areas.scheme_problems(check.reset_index(), {"r0c1": "Middle North"}, 10)
    assert any("South is not contiguous: Middle North" in p for p in problems)
    assert sum("outside the ±10% range" in p for p in problems) == 2


def test_breaking_wards_keeps_the_group_with_most_residents():
    frame = cells("r0c0", "r0c2", "r2c2")
    assert areas.breaking_wards(frame) == ["r0c2", "r2c2"]  # ties: the group of the first ward code stays
    assert areas.breaking_wards(frame, pd.Series({"r0c0": 1.0, "r0c2": 1.0, "r2c2": 5.0})) == ["r0c0", "r0c2"]


def test_dissolve_leaves_no_gaps_or_overlaps():
    split = dict(NORTH_SOUTH, r1c1="North")
    dissolved = areas.dissolve(pd.Series(split), GRID)
    assert list(dissolved["area"]) == ["North", "South"]
    assert dissolved.area.sum() == pytest.approx(9e4)
    assert dissolved.geometry.iloc[0].intersection(dissolved.geometry.iloc[1]).area == pytest.approx(0)


WARD_NAMES = pd.DataFrame({"ward_code": list(GRID["ward_code"]), "ward_name": [f"Ward, {c} \"x\"" for c in
                                                                               GRID["ward_code"]]})


def test_lookup_csv_round_trips_exactly():
    text = lookup_to_csv(pd.Series(dict(NORTH_SOUTH, r2c2="Sóuth, East")), WARD_NAMES)
    assert text.splitlines()[0] == "ward_code,ward_name,area"
    back = lookup_from_csv(text, list(GRID["ward_code"]))
    assert back["r2c2"] == "Sóuth, East"
    assert lookup_to_csv(back, WARD_NAMES) == text
    assert lookup_to_csv(lookup_from_csv(text.encode("utf-8"), list(GRID["ward_code"])), WARD_NAMES) == text


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("r0c0,", "zz99,", 1), "line 2: ward code 'zz99'"),
    (lambda t: t + "r0c0,x,North\n", "appears twice"),
    (lambda t: "\n".join(t.splitlines()[:-1]) + "\n", "missing from the lookup: r2c2"),
    (lambda t: t.replace("ward_code", "code"), "needs the column"),
])
def test_lookup_csv_errors(edit, message):
    text = lookup_to_csv(pd.Series(NORTH_SOUTH), WARD_NAMES)
    with pytest.raises(ValueError, match=message):
        lookup_from_csv(edit(text), list(GRID["ward_code"]))


def test_areas_geojson_is_wgs84_with_properties():
    import json

    grid_far = GRID.assign(geometry=GRID.translate(500_000, 200_000))
    data = json.loads(areas_geojson(pd.Series(NORTH_SOUTH), grid_far, pd.Series(1000.0, index=GRID["ward_code"])))
    assert [f["properties"]["area"] for f in data["features"]] == ["North", "South"]
    assert data["features"][1]["properties"] == {"area": "South", "wards": 6, "residents": 6000}
    lon, lat = data["features"][0]["geometry"]["coordinates"][0][0]
    assert -8 < lon < 2 and 49 < lat < 61


# --- crossings: a map in parts (water between) joined at its nearest wards ---------------------
#
# The 3×3 grid plus three islands (lower-left corners; 100 m squares):
#   i_a at (350, −60): 50 m east of r0c2 (64 m from r1c2's corner)
#   i_c at (520, −60): 70 m east of i_a, 220 m from the grid
#   i_b at (−400, −330): 300 m west of r2c0 (301.5 m from r1c0)
# Borůvka: the grid and i_a take their 50 m link, i_c its 70 m link to i_a, i_b its 300 m link to r2c0.
ISLANDS = grid(extra={"i_a": (350.0, -60.0), "i_c": (520.0, -60.0), "i_b": (-400.0, -330.0)})


def test_crossings_join_the_parts_by_the_shortest_links():
    frame = ISLANDS.set_index("ward_code")
    links = areas.crossings(frame)
    assert list(links.itertuples(index=False, name=None)) == [
        ("i_a", "r0c2", 50.0), ("i_a", "i_c", 70.0), ("i_b", "r2c0", 300.0)]
    assert areas.components(frame) == 4
    assert areas.is_contiguous(frame, links=links)
    assert areas.crossings(GRID.set_index("ward_code")).empty  # one part: nothing to join


def test_an_area_across_a_crossing_is_contiguous_only_with_the_link():
    scheme = pd.Series({c: "Mainland" for c in GRID["ward_code"]} | {"i_a": "East", "i_c": "East", "i_b": "Mainland"})
    residents = pd.Series(1000.0, index=ISLANDS["ward_code"])
    without = areas.check_scheme(scheme, ISLANDS, residents).set_index("area")
    assert not without.at["East", "contiguous"] and without.at["Mainland", "breaking"] == ["i_b"]
    links = areas.crossings(ISLANDS.set_index("ward_code"))
    joined = areas.check_scheme(scheme, ISLANDS, residents, links=links).set_index("area")
    assert joined["contiguous"].all()
    moved = scheme.copy()
    moved["i_c"] = "Mainland"  # i_c reaches the grid only through i_a, which is in East
    assert areas.check_scheme(moved, ISLANDS, residents, links=links).set_index("area").at["Mainland", "breaking"] \
        == ["i_c"]


def test_exports_neutralise_formulas_and_the_lookup_reads_them_back():
    """Issue 12: a cell a spreadsheet would run as a formula is written as text; the lookup round-trips the name."""
    from render.csv_export import neutralise, safe_csv

    hostile = "=cmd|' /C calc'!A0"
    assert neutralise(hostile) == "'" + hostile and neutralise("-1.5") == "-1.5" and neutralise("Abbey") == "Abbey"
    assert safe_csv(pd.DataFrame({"@name": ["+SUM(A1)", "Priory"]})).splitlines() == ["'@name", "'+SUM(A1)", "Priory"]
    text = lookup_to_csv(pd.Series(dict(NORTH_SOUTH, r2c2=hostile)), WARD_NAMES)
    assert "'=cmd" in text
    assert lookup_from_csv(text, list(GRID["ward_code"]))["r2c2"] == hostile
