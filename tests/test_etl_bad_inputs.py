"""Bad inputs: each stops the load with an InputError that names the file (and line or feature),
and leaves the published database byte-for-byte as it was, with no temporary files behind."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import etl_fixtures as tiny
import geopandas as gpd
import pandas as pd
import pytest
from etl_fixtures import run, sha256

from etl.errors import InputError


@dataclass
class Case:
    id: str
    overrides: dict = field(default_factory=dict)
    file: str = ""  # name of the file the error must name
    row: int | None = None  # line (CSV) or feature (map file) the error must name
    label: str = "line"
    column: str | None = None


def _edit_line(line: int, old: str, new: str):
    def edit(text: str) -> str:
        newline = tiny.CRLF if tiny.CRLF in text else "\n"
        parts = text.split(newline)
        assert old in parts[line - 1], (old, parts[line - 1])
        parts[line - 1] = parts[line - 1].replace(old, new, 1)
        return newline.join(parts)
    return edit


def _wards_json(mutate) -> str:
    data = tiny.geojson_dict(tiny.wards_gdf())
    mutate(data["features"])
    return json.dumps(data)


def _set_geometry_null(features, i):
    features[i]["geometry"] = None


def _duplicate_code(features):
    features[3]["properties"]["WD24CD"] = features[1]["properties"]["WD24CD"]


def _multi_lad_wards_with_duplicate() -> str:
    """A national-style file: two wards of another district first, then ours; our 4th repeats our 2nd's code."""
    gdf = tiny.wards_gdf()
    gdf["LAD24CD"] = tiny.LAD_CODE
    other = gdf.iloc[:2].copy()
    other["WD24CD"] = ["E05800001", "E05800002"]
    other["LAD24CD"] = "E06800001"
    other["geometry"] = other.geometry.translate(0.2, 0.0)
    both = gpd.GeoDataFrame(pd.concat([other, gdf], ignore_index=True), crs=gdf.crs)
    data = tiny.geojson_dict(both)
    data["features"][5]["properties"]["WD24CD"] = "E05900002"  # file feature 6 repeats file feature 4
    return json.dumps(data)


def _oa_point(text: str) -> str:
    data = json.loads(text)
    ring = data["features"][1]["geometry"]["coordinates"][0]
    data["features"][1]["geometry"] = {"type": "Point", "coordinates": ring[0]}
    return json.dumps(data)


_RESPONSES_NO_DATE = tiny.responses_csv(
    rows=[",".join(r.split(",")[:3] + r.split(",")[4:]) for r in tiny.RESPONSE_ROWS],
    header="response_id,respondent_id,activity_id,postcode,channel,age_band,sex,ethnicity,disability")

# Line numbers below are file lines (header = 1). In the age file, lines 2–7 are another borough's
# LSOA E01800001, lines 8–13 E01900001 … ; in the ethnicity file lines 2–4 another borough's OAs;
# in File 1 lines 2–3 another borough's LSOAs, then E01900001 (line 4) … E01900008 (line 11).
CASES = [
    Case("responses-missing-submitted_at", {"responses": _RESPONSES_NO_DATE}, "responses.csv"),
    Case("wards-in-metres-default-crs", {"wards": tiny.geojson_text(tiny.wards_gdf(crs=tiny.BNG))}, "wards.geojson"),
    Case("wards-in-metres-declared-4326", {"wards": tiny.geojson_text(tiny.wards_gdf(crs=tiny.BNG)),
                                           "config": {"wards": {"crs": "EPSG:4326"}}}, "wards.geojson"),
    Case("ward-empty-geometry", {"wards": _wards_json(lambda f: _set_geometry_null(f, 2))}, "wards.geojson", 3,
         "feature"),
    Case("ward-duplicate-code", {"wards": _wards_json(_duplicate_code)}, "wards.geojson", 2, "feature", "WD24CD"),
    Case("ward-duplicate-code-in-multi-district-file", {"wards": _multi_lad_wards_with_duplicate()},
         "wards.geojson", 4, "feature", "WD24CD"),
    Case("oa-point-geometry", {"oa": _oa_point}, "oa.geojson", 2, "feature"),
    Case("responses-extra-comma", {"responses": _edit_line(5, "online,", "online,extra,")}, "responses.csv", 5),
    Case("responses-extra-comma-first-row", {"responses": _edit_line(2, "online,", "online,extra,")},
         "responses.csv", 2),
    Case("responses-unknown-postcode", {"responses": _edit_line(5, "TB1 1AB", "TB7 7XX")}, "responses.csv", 5,
         column="postcode"),
    Case("responses-bad-date", {"responses": _edit_line(3, "05/01/2026 14:30", "31/02/2026")}, "responses.csv", 3,
         column="submitted_at"),
    Case("activities-unknown-kind", {"activities": _edit_line(3, ",survey,", ",webinar,")}, "activities.csv", 3,
         column="kind"),
    Case("responses-unknown-activity", {"responses": _edit_line(6, ",ACT3,", ",ACT9,")}, "responses.csv", 6,
         column="activity_id"),
    Case("assets-unknown-postcode", {"assets": _edit_line(4, "tb1 1ab", "TB7 7XX")}, "assets.csv", 4,
         column="postcode"),
    Case("age-count-not-a-number", {"age": _edit_line(10, ",59", ",fifty")}, "census2021_age6_lsoa.csv", 10,
         column="Observation"),
    Case("age-negative-count", {"age": _edit_line(10, ",59", ",-59")}, "census2021_age6_lsoa.csv", 10),
    Case("age-unknown-category", {"age": _edit_line(15, "Aged 16 to 24 years", "Aged 16 to 19 years")},
         "census2021_age6_lsoa.csv", 15, column="Age (6 categories)"),
    Case("ethnicity-categories-exceed-total", {"ethnicity": _edit_line(7, f"E00900003,{tiny.OA_PERSONS['E00900003']},",
                                                                        "E00900003,1,")},
         "census2011_ethnicity_oa.csv", 7, column="Persons"),
    Case("imd-rank-not-a-number", {"imd": _edit_line(5, '"4,345"', "n/a")},
         "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv", 5, column="Index of Multiple Deprivation (IMD) Rank"),
    Case("imd-rank-out-of-range", {"imd": _edit_line(6, '"5,345"', '"40,000"')},
         "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv", 6, column="Index of Multiple Deprivation (IMD) Rank"),
    Case("responses-not-utf8", {"responses": lambda text: text.replace("Indian", "Indi\u00e9n").encode("latin-1")},
         "responses.csv"),
    Case("config-missing-file", {"imd": None}, "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"),
    Case("config-unknown-key", {"config": {"wards": {"colour": "red"}}}, "tinyborough.toml"),
    Case("config-unknown-section", {"extra_toml": "[extras]\nfile = \"x.csv\""}, "tinyborough.toml"),
    # [engagement.synthetic] with no engagement files yet needs a generator, and run() passes none.
    Case("synthetic-engagement-without-generator",
         {"activities": None, "responses": None,
          "config": {"engagement": {"synthetic": {"seed": 5, "responses": 7}}}}, "tinyborough.toml"),
]


@pytest.fixture
def published(tmp_path, good_database):
    """A good database published at tmp_path/published/wardscope.duckdb, with its sha256 and mtime."""
    target = tmp_path / "published" / "wardscope.duckdb"
    target.parent.mkdir()
    shutil.copy2(good_database, target)
    return target, sha256(target), target.stat().st_mtime_ns


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_stops_the_load_and_leaves_the_database_untouched(tmp_path, published, case):
    db, digest, mtime = published
    config = tiny.write_tiny_borough(tmp_path / "inputs", **case.overrides)
    with pytest.raises(InputError) as caught:
        run(config, db)
    err = caught.value
    message = str(err)
    assert Path(err.file).name == case.file, message
    assert case.file in message
    if case.row is not None:
        assert err.row == case.row, message
        assert f"{case.file}, {case.label} {case.row}" in message
    if case.column is not None:
        assert err.column == case.column, message
    assert sha256(db) == digest
    assert db.stat().st_mtime_ns == mtime
    assert not list(db.parent.glob(".*.tmp-*")), "temporary files were left behind"
    assert not list(db.parent.glob("*.wal"))


def test_max_rejected_rows_lets_a_bad_response_through_as_a_rejection(tmp_path):
    bad_date = _edit_line(3, "05/01/2026 14:30", "31/02/2026")
    config = tiny.write_tiny_borough(tmp_path, responses=bad_date, config={"load": {"max_rejected_rows": 1}})
    db = tmp_path / "tiny.duckdb"
    run(config, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        ids = {r for (r,) in con.execute("SELECT response_id FROM responses").fetchall()}
        rejected, rejections = con.execute(
            "SELECT rows_rejected, rejections FROM load_sources WHERE dataset = 'responses'").fetchone()
        run_rejected = con.execute("SELECT rows_rejected FROM load_runs").fetchone()[0]
    finally:
        con.close()
    assert ids == {f"R000{i}" for i in range(1, 8)} - {"R0002"}
    assert rejected == 1 and run_rejected == 1
    reasons = json.loads(rejections)
    assert [(r["line"], r["column"]) for r in reasons] == [(3, "submitted_at")]
    # Responses are personal data: the rejection records where and why, never the value itself.
    assert "is not a date" in reasons[0]["problem"]
    assert "31/02/2026" not in reasons[0]["problem"]


def test_more_bad_rows_than_allowed_still_stop_the_load(tmp_path):
    two_bad = lambda text: _edit_line(4, "2026-02-03", "someday")(_edit_line(3, "05/01/2026 14:30", "31/02/2026")(text))  # noqa: E731
    config = tiny.write_tiny_borough(tmp_path, responses=two_bad, config={"load": {"max_rejected_rows": 1}})
    with pytest.raises(InputError) as caught:
        run(config, tmp_path / "tiny.duckdb")
    assert "responses.csv, line 3" in str(caught.value)
    assert "2 lines have problems" in str(caught.value)
    assert not (tmp_path / "tiny.duckdb").exists()
    assert not list(tmp_path.glob(".*.tmp-*"))


def test_synthetic_engagement_is_written_by_the_generator_the_caller_passes(tmp_path):
    """The loader never imports a generator: build() calls the one it is given, once, before loading engagement."""
    from etl.build import build
    from etl.config import load_config

    config = load_config(tiny.write_tiny_borough(tmp_path / "inputs", activities=None, responses=None,
                                                 config={"engagement": {"synthetic": {"seed": 5, "responses": 7}}}))
    calls = []

    def generator(out_dir, postcodes, population, *, seed, n_responses):
        calls.append((Path(out_dir), set(postcodes.columns), set(population["dimension"]), seed, n_responses))
        config.engagement.activities.write_text(tiny.activities_csv(), encoding="utf-8")
        config.engagement.responses.write_text(tiny.responses_csv(), encoding="utf-8")

    db = tmp_path / "tiny.duckdb"
    build(config, db, say=lambda _message: None, synthetic_engagement=generator)
    assert calls == [(config.engagement.responses.parent, {"postcode", "ward_code", "easting", "northing"},
                      {"age", "ethnicity"}, 5, 7)]
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM responses").fetchone()[0] == 7
    finally:
        con.close()


def test_a_second_concurrent_load_is_refused_in_the_load_failed_format(tmp_path, capsys):
    """Issue 12: one writer at a time; the second load says so (exit 2), with no traceback, and changes nothing."""
    import fcntl

    from etl.__main__ import main

    db = tmp_path / "busy.duckdb"
    with open(tmp_path / f".{db.name}.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["demo", "--db", str(db), "--inputs", str(tmp_path / "inputs"), "--responses", "200"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Load failed, nothing was changed: another load is writing") and "Traceback" not in err
    assert not db.exists()


def test_a_header_only_responses_file_is_refused(tmp_path):
    """Issue 12: a responses file with its header only would publish no engagement at all."""
    config = tiny.write_tiny_borough(tmp_path, responses=tiny.responses_csv(rows=[]))
    with pytest.raises(InputError, match="has a header but no responses"):
        run(config, tmp_path / "out.duckdb")
    assert not (tmp_path / "out.duckdb").exists()


def test_responses_dated_after_the_load_are_refused_by_line(tmp_path):
    """Issue 12: a response dated 2099 has not been made yet: its line is named (and the date filter stays sane)."""
    at = tiny.RESPONSES_HEADER.split(",").index("submitted_at")
    first = tiny.RESPONSE_ROWS[0].split(",")
    first[at] = "2099-01-01"
    config = tiny.write_tiny_borough(tmp_path, responses=tiny.responses_csv(
        rows=[",".join(first), *tiny.RESPONSE_ROWS[1:]]))
    with pytest.raises(InputError, match=r"line 2, column 'submitted_at': '2099-01-01' is after the day of the load"):
        run(config, tmp_path / "out.duckdb")
