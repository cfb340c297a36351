"""Privacy in the ETL (issue 12): postcodes become ward and small area on load and are not kept unless the
config says so; the density map works from small areas; a retention setting drops old responses."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import etl_fixtures as tiny
import pytest
from etl_fixtures import rows, run
from shapely.geometry import Point

import etl.stages.postcodes as postcode_stage
from etl.config import load_config
from etl.errors import InputError
from etl.stages.postcodes import retention_cutoff
from vocabulary import duck

#: The residents' postcodes of the fixture that no asset uses (assets use TB1 1AA and TB1 1AB).
RESIDENTS_ONLY = ("TB21AD", "TB21AE", "TB99ZZ")


def oas_of(postcode: str) -> set[str]:
    """The output areas whose polygon covers the postcode's point (several when it lies on their boundary)."""
    easting, northing, _, _ = tiny.POSTCODES[postcode]
    return {oa for oa, (_, polygon) in tiny.OAS.items() if polygon.covers(Point(easting, northing))}


def every_text_value(db) -> str:
    """Every VARCHAR value of every table, as one string."""
    con = duck.connect(db, read_only=True)
    try:
        columns = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                              "WHERE data_type = 'VARCHAR'").fetchall()
        return "\n".join(str(v) for table, column in columns
                         for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM "{table}"').fetchall())
    finally:
        con.close()


@pytest.fixture(scope="module")
def private_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("private")
    db = folder / "tiny.duckdb"
    run(tiny.write_tiny_borough(folder), db)
    return db


def test_responses_keep_ward_and_small_area_but_no_postcode(private_build):
    got = {rid: (pc, ward, area) for rid, pc, ward, area in rows(
        private_build, "SELECT response_id, postcode, ward_code, small_area_code FROM responses")}
    assert {rid: ward for rid, (_, ward, _) in got.items()} == tiny.RESPONSE_WARD
    assert all(pc is None for pc, _, _ in got.values())
    written = {row.split(",")[0]: row.split(",")[4] for row in tiny.RESPONSE_ROWS}
    for rid, postcode in written.items():
        inside = postcode and tiny.POSTCODES[" ".join(postcode.upper().split())][3] is not None
        assert got[rid][2] in oas_of(" ".join(postcode.upper().split())) if inside else got[rid][2] is None, rid
    assert got["R0001"][2] == got["R0002"][2]  # "TB1 1AA" and "tb1  1aa": one place


def test_no_residents_postcode_is_anywhere_in_the_database(private_build):
    text = every_text_value(private_build)
    for postcode in RESIDENTS_ONLY:
        assert postcode not in text and postcode[:3] + " " + postcode[3:] not in text
    assert {pc for (pc,) in rows(private_build, "SELECT postcode FROM postcodes")} == {"TB11AA", "TB11AB"}
    notes = rows(private_build, "SELECT notes FROM load_runs")[0][0]
    assert "not kept ([privacy] keep_postcodes = false)" in notes


def test_keep_postcodes_keeps_them(tmp_path):
    db = tmp_path / "tiny.duckdb"
    run(tiny.write_tiny_borough(tmp_path, config={"privacy": {"keep_postcodes": True}}), db)
    got = dict(rows(db, "SELECT response_id, postcode FROM responses"))
    assert got["R0002"] == "TB11AA" and got["R0003"] is None
    assert {pc for (pc,) in rows(db, "SELECT postcode FROM postcodes")} == {"TB11AA", "TB11AB", *RESIDENTS_ONLY}
    assert rows(db, "SELECT small_area_code FROM responses WHERE response_id = 'R0005'")[0][0] in oas_of("TB2 1AD")


def test_without_output_areas_the_small_area_is_the_lsoa(tmp_path):
    db = tmp_path / "tiny.duckdb"
    config = {"small_areas": {"oa": None}, "statistics": [tiny.default_config()["statistics"][1]]}
    run(tiny.write_tiny_borough(tmp_path, config=config), db)
    area = rows(db, "SELECT small_area_code FROM responses WHERE response_id = 'R0005'")[0][0]
    assert area in {code for code, (_, _, polygon) in tiny.LSOAS.items() if polygon.covers(Point(529_500, 180_500))}


def test_the_density_map_counts_people_at_their_small_area(private_build, monkeypatch):
    import data_access as da
    from geo import density

    monkeypatch.setenv("WARDSCOPE_DB", str(private_build))
    cells = da.respondent_hexes(250.0)
    # Each person once, at the output area of their latest response: P001 latest in Brook (R0004), P002 in
    # Ashby (R0002), P004 and P005 in Church and Dale; P003 and P006 have no ward in the borough.
    area = dict(rows(private_build, "SELECT response_id, small_area_code FROM responses"))
    areas = [area[r] for r in ("R0004", "R0002", "R0005", "R0006")]
    points = [tiny.OAS[a][1].representative_point() for a in areas]
    q, r = density.hex_axial([p.x for p in points], [p.y for p in points], 250.0)
    assert sorted(zip(cells["q"], cells["r"], cells["respondents"], strict=True)) == sorted(
        (int(a), int(b), 1) for a, b in zip(q, r, strict=True))


class _Day(datetime):
    """A fixed load day for the retention stage."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 6, 15, 12, tzinfo=tz or UTC)


def test_retention_drops_old_responses_and_their_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(postcode_stage, "datetime", _Day)
    db = tmp_path / "tiny.duckdb"
    config = tiny.write_tiny_borough(tmp_path, **tiny.answer_files(),
                                     config=tiny.ANSWER_CONFIG | {"privacy": {"retention_months": 4}})
    result = run(config, db)
    # Load day 2026-06-15, 4 months: responses before 2026-02-15 go (R0001-R0004, R0007, R0012).
    kept = {r for (r,) in rows(db, "SELECT response_id FROM responses")}
    assert kept == {"R0005", "R0006", "R0008", "R0009", "R0010", "R0011"}
    assert {r for (r,) in rows(db, "SELECT DISTINCT response_id FROM answers")} == {"R0008", "R0009"}
    responses = next(r for r in result.reports if r.dataset == "responses")
    assert responses.rows_loaded == 6 and responses.rows_read == len(tiny.ANSWER_RESPONSE_ROWS)
    assert any("6 response(s) submitted before 2026-02-15" in n and "with 9 answer(s)" in n
               and "retention_months = 4" in n for n in responses.notes)
    answers = next(r for r in result.reports if r.dataset == "answers")
    assert answers.rows_loaded == 3


@pytest.mark.parametrize(("today", "months", "cutoff"), [
    (date(2026, 6, 15), 4, date(2026, 2, 15)), (date(2026, 3, 31), 1, date(2026, 2, 28)),
    (date(2026, 1, 10), 24, date(2024, 1, 10)),
])
def test_retention_counts_calendar_months(today, months, cutoff):
    assert retention_cutoff(today, months) == cutoff


@pytest.mark.parametrize(("toml", "message"), [
    ("[privacy]\nretention_months = 0", "retention_months must be a whole number of months"),
    ("[privacy]\nretention_months = 1.5", "retention_months must be a whole number of months"),
    ("[privacy]\nkeep_postcodes = \"yes\"", "keep_postcodes must be true or false"),
    ("[privacy]\nkeep = true", "unknown key(s) ['keep'] in [privacy]"),
])
def test_privacy_settings_are_checked(tmp_path, toml, message):
    with pytest.raises(InputError, match=re.escape(message)):
        load_config(tiny.write_tiny_borough(tmp_path, extra_toml=toml))
