"""AppTests of every view of the Participation page (issue 5): reach, cold spots, where respondents live,
the representation heatmap, the target and the page's activity filter."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from geo.disclosure import DisclosurePolicy

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "pages" / "participation.py"
TIMEOUT = 120


def _run(**state) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _table(at: AppTest, column: str) -> pd.DataFrame:
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with {column!r}: {[list(f.value.columns) for f in at.dataframe]}")


def _no_small_counts(at: AppTest) -> None:
    for frame in at.dataframe:
        table = frame.value
        for column in table.columns:
            name = str(column).lower()
            if not any(w in name for w in ("respon", "people")) or any(w in name for w in ("per ", "%", "share")):
                continue
            for cell in table[column]:
                text = str(cell).replace(",", "").strip()
                if re.fullmatch(r"\d+(\.0)?", text):
                    assert not 1 <= float(text) <= 9, (column, cell)


def _query(db: Path, sql: str, params: list | None = None):
    from vocabulary import duck

    con = duck.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_reach_view_shows_raw_and_smoothed_rates(app_env):
    at = _run()
    _ok(at)
    table = _table(at, "Responses per 1,000 residents, smoothed").set_index("Ward")
    assert "Responses per 1,000 residents" in table.columns  # raw beside smoothed
    assert table.at["All wards", "Responses per 1,000 residents, smoothed"] == \
        table.at["All wards", "Responses per 1,000 residents"]
    assert at.radio(key="participation_view").value == "reach"
    at.radio(key="participation_rate").set_value("raw").run()
    _ok(at)
    _no_small_counts(at)
    assert any("Empirical Bayes" in c.value for c in at.caption)


def test_every_map_view_runs_with_a_table_and_no_small_counts(app_env):
    import services as sv

    at = _run()
    for measure in ("responses", "respondents"):
        at.radio[0].set_value(measure)
        for view in ("reach", "cold", "density"):
            at.radio(key="participation_view").set_value(view).run()
            _ok(at)
            _no_small_counts(at)
    at.radio(key="participation_view").set_value("cold").run()
    spots = _table(at, "Cluster or outlier")
    expected = sv.cold_spots("respondents")
    assert sorted(spots["Cluster or outlier"]) == sorted(expected["label"])
    at.radio(key="participation_view").set_value("density").run()
    for size in ("500 m", "1 km", "2 km"):
        at.radio(key="participation_hex").set_value(size).run()
        _ok(at)
        cells = _table(at, "Hexagon (q, r)")
        assert all(int(str(v).replace(",", "")) >= 10 for v in cells["People taking part"])


def test_heatmap_and_flagged_cells(app_env):
    import services as sv

    at = _run(participation_tab="Who takes part")
    _ok(at)
    charts = at.get("plotly_chart")
    assert len(charts) >= 2  # borough bars and the ward × group heatmap
    flagged = _table(at, "Holm-adjusted p")
    matrix = sv.representation_matrix("age")
    assert len(flagged) == int((matrix["flag"] != "").sum())  # both directions (issue 10)
    assert set(flagged["Flag"]) <= {"▼ under-represented", "▲ over-represented"}
    one_number = _table(at, "R-indicator")  # one row per dimension: score and R-indicator with intervals
    assert len(one_number) >= 2 and one_number["R-indicator"].str.match(r"^(0|1)\.\d{3}$|^hidden$").all()
    at.selectbox(key="representation_dimension").select("ethnicity").run()
    _ok(at)
    assert len(_table(at, "Holm-adjusted p")) == int((sv.representation_matrix("ethnicity")["flag"] != "").sum())


def test_target_lists_wards_below_it(app_env):
    at = _run(participation_tab="Scrutiny report")
    at.number_input(key="participation_target").set_value(10_000.0).run()
    _ok(at)
    n_wards = _query(app_env, "SELECT count(*) FROM wards")[0][0]
    below = _table(at, "Status")
    assert len(below) == n_wards
    at.number_input(key="participation_target").set_value(0.0).run()
    assert not any("Status" in f.value.columns for f in at.dataframe)


def test_page_activity_filter_changes_the_reach_table(app_env):
    activity, n = _query(app_env, """SELECT activity_id, count(*) FROM responses WHERE ward_code IS NOT NULL
                                     GROUP BY 1 ORDER BY 2 DESC LIMIT 1""")[0]
    at = _run()
    before = _table(at, "Responses").set_index("Ward").at["All wards", "Responses"]
    at.multiselect(key="participation_activities").set_value([activity]).run()
    _ok(at)
    after = _table(at, "Responses").set_index("Ward").at["All wards", "Responses"]
    assert after != before
    assert float(after.replace(",", "")) == DisclosurePolicy.from_env().publish([n])[0]  # shown rounded


def test_a_national_database_maps_one_district_at_a_time(app_env, monkeypatch):
    # Above render.maps.MAP_WARD_LIMIT wards the page asks which district to draw; lowered here so the demo's
    # 20 wards (one district) count as "national". The tables still list every ward.
    from render import maps

    monkeypatch.setattr(maps, "MAP_WARD_LIMIT", 5)
    at = _run()
    _ok(at)
    district = at.selectbox(key="participation_district")
    assert len(district.options) == 1 and ": 20 wards (" in district.options[0]
    assert any("too many to draw at once" in c.value for c in at.caption)
    assert len(_table(at, "Ward")) >= 20


def test_districts_and_cells_near_a_district():
    import geopandas as gpd
    from shapely.geometry import box

    from geo import density
    from render import maps

    wards = pd.DataFrame({"ward_code": ["a", "b", "c"], "ward_name": ["Zeta", "Alpha", "Mid"],
                          "lad_code": ["E09000002", "E06000001", "E09000002"]})
    got = maps.districts(wards)
    assert list(got["lad_code"]) == ["E06000001", "E09000002"]  # code order
    assert list(got["wards"]) == [1, 2]
    assert got.at[1, "label"] == "E09000002: 2 wards (Mid, Zeta, …)"
    cells = gpd.GeoDataFrame({"cell": ["in", "edge", "out"]},
                             geometry=[box(0, 0, 10, 10), box(95, 95, 115, 115), box(500, 500, 510, 510)],
                             crs="EPSG:27700")
    district = gpd.GeoDataFrame({"ward_code": ["a"]}, geometry=[box(0, 0, 100, 100)], crs="EPSG:27700")
    assert list(density.within(cells, district)["cell"]) == ["in"]  # the edge cell's centre (105, 105) is outside
