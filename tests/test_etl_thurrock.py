"""The real data: Thurrock from examples/thurrock.toml, and three other real boroughs built from code.

Needs the real ONS/MHCLG files in ../shared/data (see its README). Without them the module
is skipped, except on CI (CI=true), where a missing data folder is a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest
from etl_fixtures import rows, run, to_toml

from vocabulary.duck import connect

ROOT = Path(__file__).resolve().parents[1]

SHARED = ROOT.parent / "shared" / "data"
NATIONAL = SHARED / "national"

if not (SHARED / "thurrock").is_dir() or not NATIONAL.is_dir():
    _reason = (f"../shared/data not found: real ONS files needed (looked for {SHARED}/thurrock and {NATIONAL}); "
               "see ../shared/data/README.md")
    if os.environ.get("CI") == "true":
        pytest.fail(_reason + " — on CI the real-data tests must run", pytrace=False)
    pytest.skip(_reason, allow_module_level=True)


AGE_FILE = NATIONAL / "census2021_age6_lsoa.csv.gz"
MISMATCHED_2021 = ["E01034368", "E01034369", "E01034370", "E01034371"]


@pytest.fixture(scope="module")
def age_table() -> pd.DataFrame:
    return pd.read_csv(AGE_FILE, dtype={"Observation": float})


def lad_age_total(age: pd.DataFrame, lad_name: str) -> float:
    names = age["Lower layer Super Output Areas"]
    return float(age.loc[names.str.startswith(lad_name + " "), "Observation"].sum())


# -- Thurrock, from the example config -------------------------------------------------------
@pytest.fixture(scope="module")
def thurrock(thurrock_db) -> Path:
    """examples/thurrock.toml, built once per session (tests/conftest.py)."""
    assert (thurrock_db.parent / "generated" / "thurrock-engagement" / "responses.csv").exists()
    return thurrock_db


def test_thurrock_has_exactly_20_wards(thurrock):
    assert rows(thurrock, "SELECT count(*), count(DISTINCT ward_code) FROM wards") == [(20, 20)]


def test_thurrock_age_population_matches_the_2021_file(thurrock, age_table):
    expected = lad_age_total(age_table, "Thurrock")
    (got,) = rows(thurrock, "SELECT sum(persons) FROM ward_population WHERE dimension = 'age'")[0]
    assert got == pytest.approx(expected, rel=0.005)


def test_every_thurrock_output_area_is_placed_once_with_weight_one(thurrock):
    published = json.loads((SHARED / "thurrock" / "oa.geojson").read_text(encoding="utf-8"))
    oas = [f["properties"]["OA11CD"] for f in published["features"]]
    assert len(oas) == len(set(oas)) == 499
    placed = pd.DataFrame(rows(thurrock, "SELECT area_code FROM small_areas WHERE level = 'oa'"), columns=["code"])
    counts = placed["code"].value_counts()
    assert set(counts.index) == set(oas)
    assert (counts == 1).all()
    weights = pd.DataFrame(rows(thurrock, "SELECT area_code, weight FROM small_area_weights WHERE level = 'oa'"),
                           columns=["code", "weight"])
    assert sorted(weights["code"]) == sorted(oas)
    assert (weights["weight"] == 1.0).all()


def test_every_thurrock_ward_has_imd_ethnicity_and_age(thurrock):
    wards = {w for (w,) in rows(thurrock, "SELECT ward_code FROM wards")}
    imd = {w for (w,) in rows(thurrock, "SELECT ward_code FROM ward_deprivation WHERE domain = 'IMD'")}
    assert imd == wards
    for dimension in ("ethnicity", "age"):
        got = dict(rows(thurrock, "SELECT ward_code, sum(persons) FROM ward_population WHERE dimension = ? "
                                  "GROUP BY 1", [dimension]))
        assert set(got) == wards, dimension
        assert all(v > 0 for v in got.values()), dimension


def test_thurrock_mismatched_2021_lsoas_are_reported(thurrock):
    (notes,) = rows(thurrock, "SELECT notes FROM load_runs")[0]
    for code in MISMATCHED_2021:
        assert code in notes


def test_thurrock_responses_are_all_placed_in_a_thurrock_ward(thurrock):
    total, placed = rows(thurrock, "SELECT count(*), count(w.ward_code) FROM responses r "
                                   "LEFT JOIN wards w USING (ward_code)")[0]
    assert total > 0
    assert placed == total


def test_thurrock_geometries_are_valid(thurrock):
    con = connect(thurrock, read_only=True)
    try:
        invalid = con.execute("SELECT (SELECT count(*) FROM wards WHERE NOT ST_IsValid(geom)) + "
                              "(SELECT count(*) FROM small_areas WHERE NOT ST_IsValid(geom))").fetchone()[0]
    finally:
        con.close()
    assert invalid == 0


# -- other real boroughs, configs written from code ------------------------------------------
BOROUGHS = {
    "E06000033": ("Southend-on-Sea", 17),
    "E09000030": ("Tower Hamlets", 17),
    "E08000025": ("Birmingham", 40),
}


def borough_config(folder: Path, lad: str) -> Path:
    name, _ = BOROUGHS[lad]
    data = SHARED / "boroughs" / lad
    config = {
        "council": {"name": name, "lad_code": lad},
        "wards": {"file": str(data / "wards.geojson"), "source": "ONS/OS wards 2013", "date": "2013-12"},
        "small_areas": {"oa": {"file": str(data / "oa.geojson")}, "lsoa": {"file": str(data / "lsoa.geojson")}},
        "statistics": [{
            "dimension": "age", "file": str(AGE_FILE), "level": "lsoa", "layout": "long",
            "code_column": "Lower layer Super Output Areas Code", "name_column": "Lower layer Super Output Areas",
            "category_column": "Age (6 categories)", "value_column": "Observation", "categories": "census2021_age6",
            "code_vintage": 2021, "source": "ONS 2021 Census", "date": "2021-03-21"}],
        "deprivation": {
            "imd": str(NATIONAL / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz"),
            "domains": str(NATIONAL / "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"),
            "denominators": str(NATIONAL / "File_6_-_IoD2019_Population_Denominators.csv.gz")},
    }
    path = folder / f"{lad}.toml"
    path.write_text(to_toml(config), encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=list(BOROUGHS), ids=[v[0] for v in BOROUGHS.values()])
def borough(request, tmp_path_factory) -> tuple[str, Path]:
    lad = request.param
    if not (SHARED / "boroughs" / lad).is_dir():
        pytest.fail(f"{SHARED / 'boroughs' / lad} is missing from the shared data", pytrace=False)
    folder = tmp_path_factory.mktemp(lad)
    db = folder / f"{lad}.duckdb"
    run(borough_config(folder, lad), db)
    return lad, db


def test_borough_wards_all_get_age_and_imd(borough, age_table):
    lad, db = borough
    name, n_wards = BOROUGHS[lad]
    wards = {w for (w,) in rows(db, "SELECT ward_code FROM wards")}
    assert len(wards) == n_wards
    age = dict(rows(db, "SELECT ward_code, sum(persons) FROM ward_population WHERE dimension = 'age' GROUP BY 1"))
    assert set(age) == wards
    assert all(v > 0 for v in age.values())
    assert sum(age.values()) == pytest.approx(lad_age_total(age_table, name), rel=0.005)
    imd = {w for (w,) in rows(db, "SELECT ward_code FROM ward_deprivation WHERE domain = 'IMD'")}
    assert imd == wards


def test_borough_geometries_are_valid_and_repairs_reported(borough):
    lad, db = borough
    con = connect(db, read_only=True)
    try:
        invalid = con.execute("SELECT level, count(*) FROM small_areas WHERE NOT ST_IsValid(geom) "
                              "GROUP BY 1").fetchall()
        invalid_wards = con.execute("SELECT count(*) FROM wards WHERE NOT ST_IsValid(geom)").fetchone()[0]
        notes = con.execute("SELECT notes FROM load_runs").fetchone()[0]
    finally:
        con.close()
    assert invalid == [] and invalid_wards == 0
    if lad == "E08000025":  # Birmingham: 3 LSOA and 8 OA geometries are invalid as published
        assert "3 invalid LSOA geometries were repaired" in notes
        assert "8 invalid OA geometries were repaired" in notes
