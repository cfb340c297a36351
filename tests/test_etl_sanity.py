"""Issue 12, "publish only what is sane": files that load but are not sane are refused, naming the file, line and
column, and the published database stays byte for byte as it was.

One test per check: a last line cut short, non-finite numbers, overlapping wards and gaps between them, statistics
codes matching no ward, terminated postcodes (reported, still placed), true line numbers after blank lines and
values spanning lines, and a zipped shapefile missing a part.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import etl_fixtures as tiny
import pytest
from etl_fixtures import rows, run, sha256
from shapely.geometry import Polygon, box

from etl.errors import InputError

NO_NEWLINE_AT_END = str.rstrip




@pytest.fixture
def published(tmp_path, good_database) -> Path:
    target = tmp_path / "published" / "wardscope.duckdb"
    target.parent.mkdir()
    shutil.copy2(good_database, target)
    return target


def refused(tmp_path: Path, db: Path, **overrides) -> InputError:
    """Load the tiny borough with `overrides` over the published `db`: it must fail and leave `db` untouched."""
    digest, mtime = sha256(db), db.stat().st_mtime_ns
    config = tiny.write_tiny_borough(tmp_path / "inputs", **overrides)
    with pytest.raises(InputError) as caught:
        run(config, db)
    assert sha256(db) == digest and db.stat().st_mtime_ns == mtime
    assert not list(db.parent.glob(".*.tmp-*"))
    return caught.value


def named(err: InputError, file: str, line: int | None, column: str | None = None, label: str = "line") -> str:
    message = str(err)
    assert Path(err.file).name == file, message
    if line is not None:
        assert err.row == line and f"{file}, {label} {line}" in message, message
    assert err.column == column, message
    if column:
        assert f"column '{column}'" in message
    return message


# -- 1. a last line cut short ----------------------------------------------------------------------
_CHANNEL_LAST = "response_id,respondent_id,activity_id,submitted_at,postcode,age_band,sex,ethnicity,disability,channel"


def _channel_last(rows: list[str]) -> list[str]:
    out = []
    for row in rows:
        f = row.split(",")
        out.append(",".join(f[:5] + f[6:] + [f[5]]))
    return out


@pytest.mark.parametrize("case", ["fields", "value", "quote"])
def test_a_last_line_cut_short_is_refused(tmp_path, published, case):
    if case == "fields":  # cut inside the channel of the last row: 6 of 10 fields, no line break
        text = tiny.responses_csv().rstrip("\n")
        text = text[:text.rindex(",email") + len(",em")]
        err = refused(tmp_path, published, responses=text)
        message = named(err, "responses.csv", 8)
        assert "ends early (the file may be cut short)" in message and "6 field(s) where the header has 10" in message
    elif case == "value":  # channel is the last column; 'onl' where other rows say 'online'
        lines = _channel_last(tiny.RESPONSE_ROWS)
        lines[-1] = lines[-1].replace(",email", ",onl")
        text = NO_NEWLINE_AT_END(tiny.responses_csv(rows=lines, header=_CHANNEL_LAST))
        err = refused(tmp_path, published, responses=text)
        message = named(err, "responses.csv", 8, "channel")
        assert "ends early (the file may be cut short)" in message and "'onl'" in message and "'online'" in message
    else:  # a quoted field opened on the last line and never closed
        text = tiny.assets_csv().replace("AS03,Brook Youth Club", 'AS03,"Brook Youth Club').rstrip("\n")
        err = refused(tmp_path, published, assets=text)
        message = named(err, "assets.csv", 4)
        assert "ends early (the file may be cut short)" in message and "never closed" in message


def test_a_value_outside_its_set_on_an_unterminated_last_line_says_the_file_may_be_cut_short(tmp_path, published):
    text = tiny.activities_csv().replace(",event,", ",even,").rstrip("\n")
    err = refused(tmp_path, published, activities=text)
    message = named(err, "activities.csv", 4, "kind")
    assert "'even' is not one of" in message and "'event'" in message and "the file may be cut short" in message


def test_a_file_without_a_final_line_break_still_loads(tmp_path):
    config = tiny.write_tiny_borough(tmp_path, responses=tiny.responses_csv().rstrip("\n"),
                                     assets=tiny.assets_csv().rstrip("\n"))
    run(config, tmp_path / "ok.duckdb")
    assert rows(tmp_path / "ok.duckdb", "SELECT count(*) FROM responses") == [(7,)]


def test_a_short_row_in_the_middle_is_refused_by_its_line(tmp_path, published):
    err = refused(tmp_path, published, responses=lambda t: tiny.replace_line(t, 4, "R0003,P003,ACT2,2026-02-03"))
    message = named(err, "responses.csv", 4)
    assert "has 4 fields where the header has 10" in message


# -- 2. non-finite numbers -------------------------------------------------------------------------
def _edit(line: int, old: str, new: str):
    def edit(text: str) -> str:
        newline = tiny.CRLF if tiny.CRLF in text else "\n"
        parts = text.split(newline)
        assert old in parts[line - 1], (old, parts[line - 1])
        parts[line - 1] = parts[line - 1].replace(old, new, 1)
        return newline.join(parts)
    return edit


NON_FINITE = [
    ("age-inf", {"age": _edit(10, ",59", ",inf")}, "census2021_age6_lsoa.csv", 10, "Observation", "inf"),
    ("age-minus-inf", {"age": _edit(10, ",59", ",-inf")}, "census2021_age6_lsoa.csv", 10, "Observation", "-inf"),
    ("ethnicity-1e309", {"ethnicity": _edit(7, f",{tiny.OA_PERSONS['E00900003']},", ",1e309,")},
     "census2011_ethnicity_oa.csv", 7, "Persons", "1e309"),
    ("ethnicity-nan", {"ethnicity": lambda t: _row_value(t, 6, 3, "nan")}, "census2011_ethnicity_oa.csv", 6,
     "WhiteBrit", "nan"),
    ("denominators-nan", {"denominators": _edit(4, '"1,500"', "NaN")},
     "File_6_-_IoD2019_Population_Denominators.csv", 4, "Total population: mid 2015 (excluding prisoners)", "NaN"),
    ("assets-easting-inf", {"assets": _edit(3, "530500", "inf")}, "assets.csv", 3, "easting", "inf"),
    ("postcode-directory-inf", {"postcodes": _edit(3, "530500", "inf")}, "postcodes.csv", 3, "oseast1m", "inf"),
]


def _row_value(text: str, line: int, field: int, value: str) -> str:
    parts = text.split("\n")
    cells = parts[line - 1].split(",")
    cells[field - 1] = value
    parts[line - 1] = ",".join(cells)
    return "\n".join(parts)


@pytest.mark.parametrize(("overrides", "file", "line", "column", "value"), [c[1:] for c in NON_FINITE],
                         ids=[c[0] for c in NON_FINITE])
def test_a_non_finite_number_is_refused_by_line_and_column(tmp_path, published, overrides, file, line, column,
                                                          value):
    message = named(refused(tmp_path, published, **overrides), file, line, column)
    assert f"'{value}' is not a finite number" in message


def test_a_non_finite_pb_cost_is_refused(tmp_path, published):
    files = tiny.answer_files(projects=[tiny.PB_ROWS[0], tiny.PB_ROWS[1].replace("5000.50", "inf"), tiny.PB_ROWS[2]])
    message = named(refused(tmp_path, published, **files, config=tiny.ANSWER_CONFIG), "pb_projects.csv", 3, "cost")
    assert "'inf' is not a finite number" in message


# -- 3. wards that overlap or leave gaps -------------------------------------------------------------
def _wards(polygons: dict[str, Polygon]) -> str:
    return tiny.geojson_text(tiny.wards_gdf(polygons=polygons))


def test_overlapping_wards_are_refused_naming_both_and_the_area(tmp_path, published):
    x0, y0, side = tiny.X0, tiny.Y0, tiny.SIDE
    polygons = tiny.ward_polygons() | {"E05900002": box(x0 + side - 100, y0, x0 + 2 * side, y0 + side)}  # 100 m into W1
    message = named(refused(tmp_path, published, wards=_wards(polygons)), "wards.geojson", None)
    assert "wards overlap: Ashby (E05900001) and Brook (E05900002) share 100,000 m²" in message
    assert "overlap_tolerance_m2" in message


def test_a_gap_between_wards_is_refused(tmp_path, published):
    x0, y0, side = tiny.X0, tiny.Y0, tiny.SIDE
    notch = box(x0 + side - 100, y0 + side - 100, x0 + side, y0 + side)  # 100 m × 100 m out of W1's inner corner
    polygons = tiny.ward_polygons() | {"E05900001": tiny.ward_polygons()["E05900001"].difference(notch)}
    message = named(refused(tmp_path, published, wards=_wards(polygons)), "wards.geojson", None)
    assert "gap between wards Ashby (E05900001), Brook (E05900002), Church (E05900003) and Dale (E05900004)" in message
    assert "10,000 m² inside the borough belong to no ward" in message


def test_slivers_within_the_tolerance_load(tmp_path):
    x0, y0, side = tiny.X0, tiny.Y0, tiny.SIDE
    notch = box(x0 + side - 10, y0 + side - 10, x0 + side, y0 + side)  # 100 m²
    polygons = tiny.ward_polygons() | {
        "E05900001": tiny.ward_polygons()["E05900001"].difference(notch),
        "E05900002": box(x0 + side - 0.5, y0, x0 + 2 * side, y0 + side)}  # overlaps W1 by 500 m²
    run(tiny.write_tiny_borough(tmp_path, wards=_wards(polygons)), tmp_path / "ok.duckdb")
    # A config may loosen the tolerance: 100,000 m² overlapping then loads.
    polygons = tiny.ward_polygons() | {"E05900002": box(x0 + side - 100, y0, x0 + 2 * side, y0 + side)}
    run(tiny.write_tiny_borough(tmp_path / "loose", wards=_wards(polygons),
                                extra_toml="[boundaries]\noverlap_tolerance_m2 = 200000"), tmp_path / "loose.duckdb")


# -- 4. statistics codes matching no ward ---------------------------------------------------------------
_SEX_HEADER = "electoral ward 2022 code,electoral ward 2022,Sex (2 categories),Observation"


def _sex_by_ward(other_vintage: bool) -> str:
    """A ward-level table; with other_vintage, Church's and Dale's rows carry codes of another vintage."""
    lines = [_SEX_HEADER]
    for n, (code, name) in enumerate(tiny.WARDS.items()):
        if other_vintage and n >= 2:
            code = f"E0580000{n}"
        lines += [f"{code},{name},Female,{1000 + n}", f"{code},{name},Male,{900 + n}"]
    return "\n".join(lines) + "\n"


def _ward_table_config(allow: bool | None = None) -> dict:
    spec = {"dimension": "sex", "file": "sex_by_ward.csv", "level": "ward", "layout": "long",
            "code_column": "electoral ward 2022 code", "category_column": "Sex (2 categories)",
            "value_column": "Observation", "categories": "census2021_sex"}
    if allow is not None:
        spec["allow_unmatched"] = allow
    return {"small_areas": None, "deprivation": None, "statistics": [spec]}


def test_statistics_codes_that_match_no_ward_are_refused(tmp_path, published):
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "sex_by_ward.csv").write_text(_sex_by_ward(other_vintage=True), encoding="utf-8")
    err = refused(tmp_path, published, config=_ward_table_config())
    message = named(err, "sex_by_ward.csv", 6, "electoral ward 2022 code")
    assert "codes match no ward of the loaded boundaries on 4 row(s) (first: E05800002)" in message
    assert "2 of the borough's wards have no rows" in message and "allow_unmatched = true" in message


def test_allow_unmatched_rejects_and_counts_the_rows_and_says_how_many_persons(tmp_path):
    (tmp_path / "sex_by_ward.csv").write_text(_sex_by_ward(other_vintage=True), encoding="utf-8")
    db = tmp_path / "allowed.duckdb"
    run(tiny.write_tiny_borough(tmp_path, config=_ward_table_config(allow=True)), db)
    (read, loaded, rejected, rejections), = rows(
        db, "SELECT rows_read, rows_loaded, rows_rejected, rejections FROM load_sources WHERE dataset = 'sex'")
    assert (read, loaded, rejected) == (8, 4, 4)
    assert [r["line"] for r in json.loads(rejections)] == [6, 7, 8, 9]
    persons = 1002 + 902 + 1003 + 903
    (notes,), = rows(db, "SELECT notes FROM load_runs")
    assert f"4 row(s) whose codes match no ward of the loaded boundaries were left out ({persons:,} persons dropped" \
        in notes
    assert rows(db, "SELECT sum(persons) FROM ward_population WHERE dimension = 'sex'") == [(1000 + 900 + 1001 + 901,)]


def test_a_table_covering_every_ward_may_hold_other_districts_rows(tmp_path):
    text = _sex_by_ward(other_vintage=False) + "E05999999,Elsewhere,Female,7\n"
    (tmp_path / "sex_by_ward.csv").write_text(text, encoding="utf-8")
    run(tiny.write_tiny_borough(tmp_path, config=_ward_table_config()), tmp_path / "ok.duckdb")


# -- 5. terminated postcodes ------------------------------------------------------------------------------
def test_terminated_postcodes_are_reported_and_still_placed(tmp_path):
    directory = tiny.postcodes_csv().replace("pcd,oseast1m,osnrth1m,laua", "pcd,oseast1m,osnrth1m,laua,doterm")
    directory = "\n".join(line + ("" if n == 0 else ",202001" if "TB1 1AB" in line else ",")
                          for n, line in enumerate(directory.strip().split("\n"))) + "\n"
    db = tmp_path / "terminated.duckdb"
    result = run(tiny.write_tiny_borough(tmp_path, postcodes=directory), db)
    responses = next(r for r in result.reports if r.dataset == "responses")
    assert any(n.startswith("1 postcodes are terminated") and "1 response(s) use them" in n for n in responses.notes)
    (notes,), = rows(db, "SELECT notes FROM load_runs")
    assert "responses: 1 postcodes are terminated" in notes
    assert rows(db, "SELECT ward_code FROM responses WHERE response_id = 'R0004'") == [("E05900002",)]


# -- 6. true line numbers ----------------------------------------------------------------------------------
def test_line_numbers_are_the_files_own_after_blank_lines(tmp_path, published):
    lines = tiny.responses_csv().split("\n")
    lines.insert(3, "")  # a blank line after line 3: the old line 4 is now line 5
    lines.insert(5, "   ")
    text = "\n".join(lines).replace("2026-02-04T09:15:00", "someday")
    message = named(refused(tmp_path, published, responses=text), "responses.csv", 7, "submitted_at")
    assert "'someday' is not a date" in message


def test_line_numbers_count_the_lines_of_a_value_spanning_lines(tmp_path, published):
    text = tiny.assets_csv().replace("St Mary's Hall", '"St Mary\'s\nHall"').replace("tb1 1ab", "TB7 7XX")
    message = named(refused(tmp_path, published, assets=text), "assets.csv", 5, "postcode")
    assert "'TB77XX' is not in the postcode directory" in message


def test_line_numbers_after_blank_lines_in_a_statistics_file(tmp_path, published):
    text = tiny.age_csv().replace("\n", "\n\n", 2).replace(",59\n", ",fifty\n", 1)  # two blank lines near the top
    message = named(refused(tmp_path, published, age=text), "census2021_age6_lsoa.csv", 12, "Observation")
    assert "'fifty' is not a number" in message


# -- 7. a zipped shapefile missing a part -----------------------------------------------------------------
def _zipped_shapefile(folder: Path, leave_out: str) -> Path:
    shp = folder / "shp"
    shp.mkdir(parents=True)
    tiny.wards_gdf(crs=tiny.BNG).to_file(shp / "wards.shp")
    archive = folder / "wards.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in shp.iterdir():
            if part.suffix != leave_out:
                z.write(part, part.name)
    return archive


@pytest.mark.parametrize("part", [".dbf", ".shx", ".prj"])
def test_a_zipped_shapefile_missing_a_part_says_which(tmp_path, published, part):
    _zipped_shapefile(tmp_path / "inputs", part)
    message = named(refused(tmp_path, published, config={"wards": {"file": "wards.zip"}}), "wards.zip", None)
    assert f"the shapefile is missing its {part} part" in message


def test_a_complete_zipped_shapefile_loads(tmp_path):
    _zipped_shapefile(tmp_path, leave_out="none")
    run(tiny.write_tiny_borough(tmp_path, config={"wards": {"file": "wards.zip"}}), tmp_path / "ok.duckdb")
    assert rows(tmp_path / "ok.duckdb", "SELECT count(*) FROM wards") == [(4,)]
