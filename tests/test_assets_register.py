"""The community asset register (issue 13): a council's register shape, its refusals, its upkeep from one load to
the next, and what the app reads of it (contact hidden from the public, residents per small area)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import etl_fixtures as tiny
import pytest
from etl_fixtures import rows, run

import data_access as da
from data_access import roles
from etl.config import load_config
from etl.errors import InputError, LoadError
from etl.grid import parse_grid_reference
from etl.stages.assets import register_changes

TODAY = date.today()
RECENT = (TODAY - timedelta(days=30)).strftime("%d/%m/%Y")
OLD = (TODAY - timedelta(days=400)).isoformat()
OLDER = (TODAY - timedelta(days=800)).isoformat()

HEADER = "ID,Organisation name,Type,Address,Postcode,Grid ref,Opening hours,Contact,Last verified,Source"
REGISTER = [  # file lines 2 … 4
    f"AS01,Tiny Library,Library,1 High Street,TB1 1AA,,Mon-Fri 9am-5pm,01632 960001,{RECENT},Council directory",
    f"AS02,St Mary's Hall,Place of worship,,,TQ 30500 80250,Sundays 10am,hello@stmarys.example.org,{OLD},"
    "Charity Commission",
    "AS03,Brook Youth Club,Youth group,2 Brook Road,tb1 1ab,,Fridays 7pm,,,",
]
CATEGORIES = {"assets": {"categories": {"Place of worship": "faith", "Youth group": "youth"}}}


def register(lines: list[str], header: str = HEADER) -> str:
    return "\n".join([header, *lines]) + "\n"


def build(folder: Path, db: Path, lines: list[str] = REGISTER, header: str = HEADER, config: dict | None = None):
    return run(tiny.write_tiny_borough(folder, assets=register(lines, header), config=config or CATEGORIES), db)


def notes(result) -> list[str]:
    return next(r.notes for r in result.reports if r.dataset == "assets")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("register")
    db = folder / "published.duckdb"
    return db, build(folder / "v1", db)


def test_a_councils_register_loads_with_its_own_headings_and_categories(published):
    db, result = published
    got = {r[0]: r[1:] for r in rows(db, "SELECT asset_id, category, category_given, address, postcode, easting, "
                                         "northing, ward_code, hours, contact, strftime(last_verified, '%Y-%m-%d'), "
                                         "source FROM assets")}
    assert got["AS01"] == ("library", "Library", "1 High Street", "TB11AA", 529250.0, 179750.0, "E05900001",
                           "Mon-Fri 9am-5pm", "01632 960001", (TODAY - timedelta(days=30)).isoformat(),
                           "Council directory")
    assert got["AS02"][:7] == ("faith", "Place of worship", None, None, 530500.0, 180250.0, "E05900004")  # grid ref
    assert got["AS03"][0:2] == ("youth", "Youth group") and got["AS03"][6] == "E05900002"
    assert got["AS03"][9:] == (None, "synthetic asset map")  # no date; the config's source where the row has none
    assert "3 added (no register was published before)" in notes(result)


def test_stale_entries_are_counted_in_a_note(published):
    _, result = published
    cutoff = (TODAY - timedelta(days=365)).isoformat()
    assert f"1 asset not verified for more than a year (last verified before {cutoff})" in notes(result)
    assert "1 asset has no last verified date" in notes(result)


def test_reloading_an_edited_register_reports_exactly_what_changed(published, tmp_path):
    db, first = published
    work = tmp_path / "work.duckdb"
    work.write_bytes(db.read_bytes())
    edited = [REGISTER[0],  # AS01 as it was
              REGISTER[1].replace("Sundays 10am", "Sundays 11am").replace("St Mary's Hall", "St Mary's Church Hall"),
              f"AS04,Dale Men's Shed,Other,,TB2 1AE,,,,{RECENT},Community directory",
              f"AS05,Church Food Bank,Charity,,TB2 1AD,,,,{RECENT},Charity Commission"]  # AS03 removed
    config = {"assets": {"categories": CATEGORIES["assets"]["categories"] | {"Charity": "voluntary"}}}
    second = build(tmp_path / "v2", work, edited, config=config)
    assert "2 added, 1 changed, 1 removed since the published register" in notes(second)
    got = rows(work, "SELECT asset_id, name, change, fields FROM asset_changes WHERE run_id = ? ORDER BY asset_id",
               [second.run_id])
    assert got == [("AS02", "St Mary's Church Hall", "changed", "name, hours"),
                   ("AS03", "Brook Youth Club", "removed", None),
                   ("AS04", "Dale Men's Shed", "added", None),
                   ("AS05", "Church Food Bank", "added", None)]
    carried = rows(work, "SELECT asset_id, change FROM asset_changes WHERE run_id = ? ORDER BY 1", [first.run_id])
    assert carried == [("AS01", "added"), ("AS02", "added"), ("AS03", "added")]  # the history is carried over
    assert rows(work, "SELECT count(*), count(DISTINCT asset_id) FROM assets") == [(4, 4)]  # never duplicates
    third = build(tmp_path / "v2", work, edited, config=config)
    assert "0 added, 0 changed, 0 removed since the published register" in notes(third)
    assert rows(work, "SELECT count(*) FROM asset_changes WHERE run_id = ?", [third.run_id]) == [(0,)]
    assert rows(work, "SELECT count(DISTINCT run_id) FROM asset_changes") == [(2,)]


def test_register_changes_compares_by_id():
    import pandas as pd
    old = pd.DataFrame({"asset_id": ["A", "B"], "name": ["a", "b"], "easting": [1.2, 5.0], "hours": [None, "x"]})
    new = pd.DataFrame({"asset_id": ["A", "C"], "name": ["a", "c"], "easting": [1.4, 5.0], "hours": [None, "y"]})
    got = register_changes(old, new)
    assert got.to_dict("records") == [{"asset_id": "C", "name": "c", "change": "added", "fields": None},
                                      {"asset_id": "B", "name": "b", "change": "removed", "fields": None}]


REFUSALS = [  # (name, line edited → new text, line, column, words the message holds)
    ("duplicate-id", {3: REGISTER[1].replace("AS02", "AS01")}, 3, "ID", ["'AS01' appears more than once",
                                                                        "first on line 2"]),
    ("bad-postcode", {4: REGISTER[2].replace("tb1 1ab", "TB1 1ABC9")}, 4, "Postcode", ["is not a UK postcode"]),
    ("unknown-postcode", {4: REGISTER[2].replace("tb1 1ab", "TB7 7XX")}, 4, "Postcode",
     ["is not in the postcode directory"]),
    ("bad-date", {2: REGISTER[0].replace(RECENT, "31/02/2026")}, 2, "Last verified", ["'31/02/2026' is not a date"]),
    ("future-date", {2: REGISTER[0].replace(RECENT, (TODAY + timedelta(days=40)).isoformat())}, 2, "Last verified",
     ["is in the future"]),
    ("grid-ref-not-one", {3: REGISTER[1].replace("TQ 30500 80250", "somewhere")}, 3, "Grid ref",
     ["is not an OS grid reference"]),
    ("grid-ref-infinite", {3: REGISTER[1].replace("TQ 30500 80250", "inf inf")}, 3, "Grid ref",
     ["is not an OS grid reference"]),
]


@pytest.mark.parametrize(("edits", "line", "column", "words"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_bad_register_is_refused_naming_file_line_and_column(published, tmp_path, edits, line, column, words):
    db, _ = published
    lines = list(REGISTER)
    for number, text in edits.items():
        lines[number - 2] = text
    digest, mtime = sha256(db), db.stat().st_mtime_ns
    with pytest.raises(InputError) as caught:
        build(tmp_path, db, lines)
    message = str(caught.value)
    assert f"assets.csv, line {line}, column '{column}'" in message
    assert all(w in message for w in words), message
    assert sha256(db) == digest and db.stat().st_mtime_ns == mtime  # the published database is untouched


def test_non_finite_easting_is_refused(published, tmp_path):
    db, _ = published
    header = "asset_id,name,category,postcode,easting,northing"
    digest = sha256(db)
    with pytest.raises(InputError, match=r"assets.csv, line 3, column 'easting'.*not a finite number"):
        build(tmp_path, db, ["AS01,Tiny Library,Library,TB1 1AA,,", "AS02,Hall,faith,,inf,180250"], header)
    assert sha256(db) == digest


def test_unknown_categories_are_listed_at_once_with_the_toml_to_paste(published, tmp_path):
    db, _ = published
    lines = [REGISTER[0], REGISTER[1].replace("Place of worship", "Church"), REGISTER[2].replace("Youth group", "Club"),
             "AS04,Dale Chapel,Church,,TB2 1AE,,,,,"]
    digest = sha256(db)
    with pytest.raises(InputError) as caught:
        build(tmp_path, db, lines)
    message = str(caught.value)
    assert "assets.csv, line 3, column 'Type'" in message
    assert '"Church": 2 row(s), first line 3' in message and '"Club": 1 row(s), first line 4' in message
    assert '[assets.categories]\n"Church" = "faith"  # a guess from the wording: check it\n"Club" = "?"' in message
    assert sha256(db) == digest


def test_a_category_mapped_to_no_standard_category_is_a_config_error(tmp_path):
    path = tiny.write_tiny_borough(tmp_path, config={"assets": {"categories": {"Church": "religion"}}})
    with pytest.raises(LoadError, match="'Church' to 'religion'"):
        load_config(path)


def test_two_headings_for_one_column_are_refused(tmp_path):
    with pytest.raises(InputError, match="'Name', 'Organisation name' all read as the register's name"):
        build(tmp_path, tmp_path / "db.duckdb", ["AS01,Lib,Tiny Library,Library,TB1 1AA"],
              "ID,Name,Organisation name,Type,Postcode")


def test_the_old_minimal_register_still_loads(tmp_path):
    db = tmp_path / "db.duckdb"
    run(tiny.write_tiny_borough(tmp_path), db)
    got = {a: (c, g) for a, c, g in rows(db, "SELECT asset_id, category, category_given FROM assets")}
    assert got == {"AS01": ("library", "Library"), "AS02": ("faith", "faith"), "AS03": ("youth", "youth")}


def test_grid_references():
    assert parse_grid_reference("TQ 30500 80250") == (530500, 180250)
    assert parse_grid_reference("sk5288") == (452000, 388000)
    assert parse_grid_reference("452000, 288000") == (452000.0, 288000.0)
    assert parse_grid_reference("TQ 305 8025") is None and parse_grid_reference("inf,1") is None


def test_contact_is_hidden_from_the_public_role(published):
    db, _ = published
    with da.use_database(db):
        with roles.acting_as(roles.PUBLIC):
            public = da.assets()
        with roles.acting_as(roles.COUNCILLOR):
            councillor = da.assets()
        assert da.assets_loaded()
    assert public["contact"].isna().all() and len(public) == 3
    assert councillor.set_index("asset_id").at["AS01", "contact"] == "01632 960001"
    assert list(public.columns) == ["asset_id", "name", "category", "category_given", "address", "postcode", "easting",
                                    "northing", "ward_code", "hours", "contact", "last_verified", "source"]


def test_asset_changes_are_read_newest_first(published):
    db, result = published
    with da.use_database(db):
        changes = da.asset_changes()
    assert list(changes["asset_id"]) == ["AS01", "AS02", "AS03"] and set(changes["run_id"]) == {result.run_id}
    assert changes["loaded_at"].notna().all()


def test_small_area_population_sums_to_the_ward_population(published):
    db, _ = published
    for level, dimension in (("oa", "ethnicity"), ("lsoa", "age")):
        by_ward = dict(rows(db, "SELECT s.ward_code, sum(p.persons) FROM small_area_population p JOIN small_areas s "
                                "USING (level, area_code) WHERE level = ? GROUP BY 1", [level]))
        wards = dict(rows(db, "SELECT ward_code, sum(persons) FROM ward_population WHERE dimension = ? GROUP BY 1",
                          [dimension]))
        assert by_ward == pytest.approx(wards)
    assert rows(db, "SELECT level, count(*) FROM small_area_population GROUP BY 1 ORDER BY 1") == [("lsoa", 8),
                                                                                                  ("oa", 16)]
    with da.use_database(db):
        points, population = da.small_area_points("oa"), da.small_area_population()
        inside = da.query("SELECT count(*) AS n FROM small_areas WHERE level = 'oa' AND "
                          "ST_Within(ST_PointOnSurface(geom), geom)")["n"].iloc[0]
    assert len(points) == 16 and points["persons"].sum() == pytest.approx(sum(tiny.OA_PERSONS.values()))
    assert inside == 16 and set(population["level"]) == {"oa", "lsoa"}
    assert points["easting"].between(tiny.X0, tiny.X0 + 2 * tiny.SIDE).all()


def test_no_register_loaded(tmp_path):
    db = tmp_path / "db.duckdb"
    run(tiny.write_tiny_borough(tmp_path, config={"assets": None}, assets=None), db)
    with da.use_database(db):
        assert not da.assets_loaded()
        assert da.asset_changes().empty
