"""Each input format and its quirks, loaded from the tiny synthetic borough whose answers are known."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import etl_fixtures as tiny
import pytest
from etl_fixtures import rows, run

from etl.apportion import SPLIT_THRESHOLD
from vocabulary.duck import connect


def ward_totals(db: Path, dimension: str) -> dict[str, float]:
    return dict(rows(db, "SELECT ward_code, sum(persons) FROM ward_population WHERE dimension = ? GROUP BY 1",
                     [dimension]))


def by_category(db: Path, dimension: str) -> dict[tuple[str, str], float]:
    got = rows(db, "SELECT ward_code, category, persons FROM ward_population WHERE dimension = ?", [dimension])
    return {(w, c): p for w, c, p in got}


@pytest.fixture(scope="module")
def default_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-default")
    config = tiny.write_tiny_borough(folder)
    db = folder / "tiny.duckdb"
    result = run(config, db)
    return folder, db, result


# -- populations -----------------------------------------------------------------------------
def test_ward_populations_equal_known_counts_exactly(default_build):
    _, db, _ = default_build
    assert ward_totals(db, "ethnicity") == tiny.ward_ethnicity_totals()
    assert ward_totals(db, "age") == tiny.ward_age_totals()
    ethnicity = by_category(db, "ethnicity")
    for ward in tiny.WARDS:
        oas = [oa for oa, w in tiny.OA_WARD.items() if w == ward]
        assert ethnicity[(ward, "White British")] == sum(tiny.ETHNICITY[oa]["WhiteBrit"] for oa in oas)
        assert ethnicity[(ward, "Mixed or multiple")] == sum(tiny.ETHNICITY[oa]["Mixed"] for oa in oas)  # "10.0"
    # Persons above the itemised categories are kept as their own category, not dropped.
    assert ethnicity[(tiny.OA_WARD[tiny.UNITEMISED_OA], "Other (not itemised in source)")] == tiny.UNITEMISED_EXTRA
    age = by_category(db, "age")
    for ward in tiny.WARDS:
        lsoas = [lsoa for lsoa, w in tiny.LSOA_WARD.items() if w == ward]
        assert age[(ward, "65+")] == sum(tiny.AGE[lsoa]["Aged 65 years and over"] for lsoa in lsoas)
        assert age[(ward, "0-15")] == sum(tiny.AGE[lsoa]["Aged 15 years and under"] for lsoa in lsoas)


def test_every_small_area_is_placed_once_with_weight_one(default_build):
    _, db, _ = default_build
    placed = rows(db, "SELECT level, area_code, ward_code, share_in_ward FROM small_areas")
    assert {(lvl, code): ward for lvl, code, ward, _ in placed} == (
        {("oa", oa): w for oa, w in tiny.OA_WARD.items()} | {("lsoa", ls): w for ls, w in tiny.LSOA_WARD.items()})
    assert all(share == pytest.approx(1.0, abs=1e-6) for *_, share in placed)
    weights = rows(db, "SELECT level, area_code, ward_code, weight, method FROM small_area_weights")
    assert len(weights) == len(tiny.OAS) + len(tiny.LSOAS)
    assert all(w == 1.0 and m == "best_fit" for *_, w, m in weights)


def test_imd_files_with_bom_and_quoted_thousands_are_parsed(default_build):
    _, db, _ = default_build
    imd = {code: (rank, decile, pop) for code, rank, decile, pop in rows(
        db, "SELECT lsoa_code, rank, decile, population FROM lsoa_deprivation WHERE domain = 'IMD'")}
    assert imd == {lsoa: (tiny.IMD_RANK[lsoa], tiny.IMD_DECILE[lsoa], float(tiny.IMD_POPULATION[lsoa]))
                   for lsoa in tiny.LSOAS}
    domains = {d for (d,) in rows(db, "SELECT DISTINCT domain FROM lsoa_deprivation")}
    assert domains == {"IMD", *tiny.DOMAINS}  # "Education, Skills and Training" comes from a quoted header
    education = dict(rows(db, "SELECT lsoa_code, rank FROM lsoa_deprivation "
                              "WHERE domain = 'Education, Skills and Training'"))
    assert education == {lsoa: tiny.domain_rank(lsoa, 2) for lsoa in tiny.LSOAS}
    ward = dict(rows(db, "SELECT ward_code, mean_rank FROM ward_deprivation WHERE domain = 'IMD'"))
    for code in tiny.WARDS:
        lsoas = [lsoa for lsoa, w in tiny.LSOA_WARD.items() if w == code]
        pop = sum(tiny.IMD_POPULATION[x] for x in lsoas)
        expected = sum(tiny.IMD_RANK[x] * tiny.IMD_POPULATION[x] for x in lsoas) / pop
        assert ward[code] == pytest.approx(expected, rel=1e-12)


# -- postcodes and engagement ----------------------------------------------------------------
def test_responses_are_placed_by_postcode_including_odd_spacing_and_case(default_build):
    _, db, _ = default_build
    got = {rid: (pc, ward) for rid, pc, ward in rows(db, "SELECT response_id, postcode, ward_code FROM responses")}
    assert {rid: ward for rid, (_, ward) in got.items()} == tiny.RESPONSE_WARD
    assert got["R0002"] == (None, "E05900001")  # written "tb1  1aa"; not kept (tests/test_etl_privacy.py)


def test_response_with_blank_postcode_is_kept_without_ward(default_build):
    _, db, _ = default_build
    assert rows(db, "SELECT postcode, ward_code FROM responses WHERE response_id = 'R0003'") == [(None, None)]
    assert rows(db, "SELECT count(*) FROM responses")[0][0] == len(tiny.RESPONSE_ROWS)


def test_response_demographics_are_mapped_to_census_categories(default_build):
    _, db, _ = default_build
    got = {r[0]: r[1:] for r in rows(db, "SELECT response_id, age_band, sex, ethnicity, disability, channel "
                                         "FROM responses")}
    assert got["R0003"][:4] == ("Not stated",) * 4  # "Prefer not to say"
    assert got["R0002"] == ("65+", "Male", "Indian", "Disabled", "paper")
    assert got["R0005"][:4] == ("16-24", "Female", "Black African", "Not disabled")
    assert got["R0006"][3] == "Not stated"  # blank answer
    submitted = dict(rows(db, "SELECT response_id, strftime(submitted_at, '%Y-%m-%d %H:%M') FROM responses"))
    assert submitted["R0002"] == "2026-01-05 14:30"  # UK day-first
    assert submitted["R0004"] == "2026-02-04 09:15"


def test_assets_are_placed_by_postcode_or_grid_reference(default_build):
    _, db, _ = default_build
    got = {a: (w, c) for a, w, c in rows(db, "SELECT asset_id, ward_code, category FROM assets")}
    assert {a: w for a, (w, _) in got.items()} == tiny.ASSET_WARD
    assert got["AS01"][1] == "library"


def test_postcodes_table_holds_each_distinct_postcode_once(default_build):
    _, db, _ = default_build
    got = {pc: ward for pc, ward in rows(db, "SELECT postcode, ward_code FROM postcodes")}
    assert set(got) == {"TB11AA", "TB11AB"}  # the assets': residents' postcodes are not kept by default


# -- load history and provenance -------------------------------------------------------------
def test_load_runs_has_one_row_per_build(default_build):
    _, db, result = default_build
    runs = rows(db, "SELECT run_id, status, council, rows_rejected FROM load_runs")
    assert runs == [(result.run_id, "published", tiny.COUNCIL, 0)]


def test_load_sources_sha256_matches_each_file(default_build):
    folder, db, result = default_build
    sources = rows(db, "SELECT file, sha256 FROM load_sources WHERE run_id = ?", [result.run_id])
    assert len(sources) >= 11
    for file, digest in sources:
        assert digest == hashlib.sha256(Path(file).read_bytes()).hexdigest(), file


def test_load_sources_lists_every_input_file(default_build):
    folder, db, result = default_build
    listed = {Path(f).name for (f,) in rows(db, "SELECT file FROM load_sources WHERE run_id = ?", [result.run_id])}
    assert listed == {name for key, name in tiny.FILES.items() if key not in tiny.ANSWER_KEYS}


def test_history_is_carried_over_across_builds(tmp_path):
    config = tiny.write_tiny_borough(tmp_path)
    db = tmp_path / "tiny.duckdb"
    first = run(config, db)
    second = run(config, db)
    runs = rows(db, "SELECT run_id FROM load_runs ORDER BY started_at")
    assert [r for (r,) in runs] == [first.run_id, second.run_id]
    per_run = dict(rows(db, "SELECT run_id, count(*) FROM load_sources GROUP BY 1"))
    assert per_run[first.run_id] == per_run[second.run_id] > 0
    assert rows(db, "SELECT count(*) FROM wards")[0][0] == 4  # the data themselves are not duplicated
    assert not list(tmp_path.glob(".*.tmp-*"))


# -- boundary formats ------------------------------------------------------------------------
def _ward_rows(db: Path) -> list[tuple]:
    return rows(db, "SELECT ward_code, ward_name, round(area_km2, 6) FROM wards ORDER BY 1")


def _write_wards(folder: Path, fmt: str, gdf) -> str:
    if fmt == "geojson":
        gdf.to_file(folder / "wards_x.geojson", driver="GeoJSON")
        return "wards_x.geojson"
    if fmt == "gpkg":
        gdf.to_file(folder / "wards_x.gpkg", driver="GPKG", layer="wards")
        return "wards_x.gpkg"
    shp = folder / "shp"
    shp.mkdir()
    gdf.to_file(shp / "wards_x.shp", driver="ESRI Shapefile")
    with zipfile.ZipFile(folder / "wards_x.zip", "w") as zf:
        for part in sorted(shp.iterdir()):
            zf.write(part, part.name)
    return "wards_x.zip"


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "shapefile-zip"])
def test_ward_file_formats_load_identically(tmp_path, fmt, default_build):
    _, reference, _ = default_build
    name = _write_wards(tmp_path, fmt, tiny.wards_gdf())
    config = tiny.write_tiny_borough(tmp_path, config={"wards": {"file": name}})
    db = tmp_path / "tiny.duckdb"
    run(config, db)
    assert _ward_rows(db) == _ward_rows(reference)
    assert by_category(db, "ethnicity") == by_category(reference, "ethnicity")
    assert by_category(db, "age") == by_category(reference, "age")


def test_wd13_columns_are_detected_like_wd24(tmp_path, default_build):
    _, reference, _ = default_build
    wards = tiny.geojson_text(tiny.wards_gdf(code_column="WD13CD", name_column="WD13NM"))
    db = tmp_path / "tiny.duckdb"
    run(tiny.write_tiny_borough(tmp_path, wards=wards), db)
    assert _ward_rows(db) == _ward_rows(reference)
    sources = rows(db, "SELECT count(*) FROM load_sources WHERE dataset = 'wards'")
    assert sources == [(1,)]


def test_british_national_grid_file_with_crs_in_config(tmp_path, default_build):
    _, reference, _ = default_build
    wards = tiny.geojson_text(tiny.wards_gdf(crs=tiny.BNG), declare_crs=False)  # metres, no CRS in the file
    db = tmp_path / "tiny.duckdb"
    run(tiny.write_tiny_borough(tmp_path, wards=wards, config={"wards": {"crs": "EPSG:27700"}}), db)
    assert _ward_rows(db) == _ward_rows(reference)
    assert by_category(db, "age") == by_category(reference, "age")


def test_self_intersecting_ward_is_repaired(tmp_path):
    polygons = tiny.ward_polygons() | {"E05900004": tiny.bowtie("E05900004")}
    wards = tiny.geojson_text(tiny.wards_gdf(polygons=polygons))
    db = tmp_path / "tiny.duckdb"
    run(tiny.write_tiny_borough(tmp_path, wards=wards), db)
    con = connect(db, read_only=True)
    try:
        got = con.execute("SELECT ward_code, ST_IsValid(geom), area_km2 FROM wards ORDER BY 1").fetchall()
        notes = con.execute("SELECT notes FROM load_runs").fetchone()[0]
        age = con.execute("SELECT sum(persons) FROM ward_population WHERE dimension = 'age'").fetchone()[0]
    finally:
        con.close()
    assert all(valid for _, valid, _ in got)
    assert dict((w, a) for w, _, a in got)["E05900004"] == pytest.approx(0.5, rel=1e-6)  # two triangles
    assert "repaired" in notes
    assert age == pytest.approx(sum(tiny.LSOA_AGE_TOTAL.values()), rel=1e-9)  # nobody lost


def test_straddling_lsoa_is_shared_by_area(tmp_path):
    wards = tiny.geojson_text(tiny.wards_gdf(redrawn=True))
    db = tmp_path / "tiny.duckdb"
    run(tiny.write_tiny_borough(tmp_path, wards=wards), db)
    (share,) = rows(db, "SELECT share_in_ward FROM small_areas WHERE area_code = ?", [tiny.STRADDLER])[0]
    assert share == pytest.approx(0.5, abs=1e-6)
    assert share < SPLIT_THRESHOLD
    w = {ward: (weight, method) for ward, weight, method in rows(
        db, "SELECT ward_code, weight, method FROM small_area_weights WHERE area_code = ?", [tiny.STRADDLER])}
    assert set(w) == {"E05900001", "E05900002"}
    assert all(weight == pytest.approx(0.5, abs=1e-6) and method == "area_weighted" for weight, method in w.values())
    expected_age = tiny.ward_age_totals({lsoa: {ward: 1.0} for lsoa, ward in tiny.LSOA_WARD.items()}
                                        | {tiny.STRADDLER: {"E05900001": 0.5, "E05900002": 0.5}})
    got = ward_totals(db, "age")
    assert got == pytest.approx(expected_age, abs=1e-6)
    assert sum(got.values()) == pytest.approx(sum(tiny.LSOA_AGE_TOTAL.values()), rel=1e-12)
    # The OA in the moved quadrant now lies wholly in Brook: best fit, exact.
    oa_ward = tiny.OA_WARD | {tiny.MOVED_OA: "E05900002"}
    assert ward_totals(db, "ethnicity") == tiny.ward_ethnicity_totals(oa_ward)
    notes = rows(db, "SELECT notes FROM datasets WHERE dimension = 'age'")[0][0]
    assert "1 LSOA(s) straddling" in notes


def test_2021_lsoa_code_missing_from_2011_boundaries_is_reported_and_kept(tmp_path):
    db = tmp_path / "tiny.duckdb"
    run(tiny.write_tiny_borough(tmp_path, age=tiny.age_csv(split_2021=True)), db)
    notes = rows(db, "SELECT notes FROM load_runs")[0][0]
    for code in tiny.SPLIT_NEW:
        assert code in notes
    file_total = sum(v for lsoa, c in tiny.AGE.items() if lsoa != tiny.SPLIT_RETIRED for v in c.values()) + sum(
        v for c in tiny.SPLIT_AGE.values() for v in c.values())
    got = ward_totals(db, "age")
    assert sum(got.values()) == pytest.approx(file_total, rel=1e-12)
    ward = tiny.LSOA_WARD[tiny.SPLIT_RETIRED]
    expected = tiny.LSOA_AGE_TOTAL["E01900007"] + sum(v for c in tiny.SPLIT_AGE.values() for v in c.values())
    assert got[ward] == pytest.approx(expected, rel=1e-12)


def test_responses_without_optional_columns_load_as_not_stated(tmp_path):
    """respondent_id, channel and the four demographic columns are optional (etl/checks.py RESPONSES)."""
    minimal = "response_id,activity_id,submitted_at,postcode\nR1,ACT1,2026-01-05,TB1 1AA\nR2,ACT2,2026-02-03,\n"
    db = tmp_path / "tiny.duckdb"
    run(tiny.write_tiny_borough(tmp_path, responses=minimal), db)
    got = rows(db, "SELECT response_id, ward_code, respondent_id, channel, age_band, sex, ethnicity, disability "
                   "FROM responses ORDER BY 1")
    assert got == [("R1", "E05900001", None, None) + ("Not stated",) * 4,
                   ("R2", None, None, None) + ("Not stated",) * 4]


def test_a_ward_level_table_loads_as_it_is_without_small_areas(tmp_path):
    # A Nomis-style census table by electoral ward: ward code, name, category, count (long). Level 'ward' needs
    # no [small_areas.*]; each ward keeps exactly its own counts, and a ward of another borough is left out.
    counts = {("E05900001", "Female"): 510, ("E05900001", "Male"): 490, ("E05900002", "Female"): 1_205,
              ("E05900002", "Male"): 1_190, ("E05900003", "Female"): 80, ("E05900003", "Male"): 75,
              ("E05900004", "Female"): 3_001, ("E05900004", "Male"): 2_999}
    lines = ["electoral ward 2022 code,electoral ward 2022,Sex (2 categories),Observation"]
    lines += [f"{w},{tiny.WARDS[w]},{c},{n}" for (w, c), n in counts.items()]
    lines += ["E05999999,Elsewhere,Female,7", "E05999999,Elsewhere,Male,9"]
    (tmp_path / "sex_by_ward.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = tiny.write_tiny_borough(tmp_path, config={"small_areas": None, "deprivation": None, "statistics": [
        {"dimension": "sex", "file": "sex_by_ward.csv", "level": "ward", "layout": "long",
         "code_column": "electoral ward 2022 code", "category_column": "Sex (2 categories)",
         "value_column": "Observation", "categories": "census2021_sex",
         "source": "synthetic Nomis table", "date": "2021-03-21"}]})
    db = tmp_path / "tiny.duckdb"
    run(config, db)
    assert by_category(db, "sex") == {k: float(v) for k, v in counts.items()}
    (level, notes), = rows(db, "SELECT level, notes FROM datasets WHERE dimension = 'sex'")
    assert level == "ward" and "ward-level table" in notes
    assert rows(db, "SELECT count(*) FROM small_area_weights") == [(0,)]
