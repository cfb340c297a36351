"""Write the catalogue's input files (tests/bad_inputs/files/) from the tiny borough of tests/etl_fixtures.py.

The files are committed: the catalogue is the files plus cases.toml. Run this only to rebuild them after
the tiny borough itself changes (`.venv/bin/python tests/bad_inputs/generate.py`); each file is the valid
fixture file with one thing wrong, made here so that what is wrong is stated once, in code.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
sys.path.insert(0, str(HERE.parent))

import etl_fixtures as tiny  # noqa: E402
from shapely.geometry import box  # noqa: E402

Text = str | bytes


def edit(text: str, line: int, old: str, new: str) -> str:
    """Replace `old` by `new` on file line `line` (1 = header), keeping the line endings."""
    newline = tiny.CRLF if tiny.CRLF in text else "\n"
    parts = text.split(newline)
    assert old in parts[line - 1], (line, old, parts[line - 1])
    parts[line - 1] = parts[line - 1].replace(old, new, 1)
    return newline.join(parts)


def lines_of(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


def responses(rows: list[str] | None = None, header: str = tiny.RESPONSES_HEADER) -> str:
    return tiny.responses_csv(rows=rows, header=header)


def _cut_last(cut_at: str) -> str:
    """The responses file cut short on its last line, just after `cut_at`, with no newline (a copy that stopped)."""
    text = responses().rstrip("\n")
    return text[:text.rindex(cut_at) + len(cut_at)]


def _wards(polygons: dict | None = None, names: dict | None = None) -> str:
    gdf = tiny.wards_gdf(polygons=polygons)
    if names:
        gdf["WD24NM"] = [names.get(c, n) for c, n in zip(gdf["WD24CD"], gdf["WD24NM"], strict=True)]
    return tiny.geojson_text(gdf)


def _ward_boxes(**changes) -> dict:
    polys = tiny.ward_polygons()
    polys.update(changes)
    return polys


def _wards_json(mutate: Callable[[list], None]) -> str:
    data = tiny.geojson_dict(tiny.wards_gdf())
    mutate(data["features"])
    return json.dumps(data)


def _set(features: list, i: int, key: str, value) -> None:
    if key == "geometry":
        features[i]["geometry"] = value
    else:
        features[i]["properties"][key] = value


def _shapefile(folder: Path, leave_out: str | None) -> None:
    """The wards as an ESRI Shapefile's parts in `folder` (the test zips them), one part left out."""
    with tempfile.TemporaryDirectory() as tmp:
        tiny.wards_gdf(crs=tiny.BNG).to_file(Path(tmp) / "wards.shp")
        folder.mkdir(parents=True, exist_ok=True)
        for part in sorted(Path(tmp).iterdir()):
            if part.suffix != leave_out:
                shutil.copy(part, folder / part.name)


def _age_inf() -> str:
    return edit(tiny.age_csv(), 10, ",59", ",inf")


def _sex_by_ward(codes: list[str]) -> str:
    rows = [f"{code},{name},{sex},{100 + 10 * i + j}" for i, (code, name) in enumerate(zip(codes, tiny.WARDS.values(),
                                                                                            strict=True))
            for j, sex in enumerate(("Female", "Male"))]
    return tiny._csv("Electoral wards and divisions Code,Electoral wards and divisions,Sex (2 categories),Observation",
                     rows)


def _terminated_postcodes() -> str:
    rows = [f"{pc},{e:.0f},{n:.0f},{lad},{'201912' if pc == 'TB1 1AB' else ''}"
            for pc, (e, n, lad, _) in tiny.POSTCODES.items()]
    return tiny._csv("pcd,oseast1m,osnrth1m,laua,doterm", rows)


def _blank_line_then_bad_row() -> str:
    rows = list(tiny.RESPONSE_ROWS)
    rows[2] = rows[2].replace("2026-02-03", "someday")  # R0003, now on file line 5
    return responses(rows[:2] + [""] + rows[2:])


def _answers(key: str, change: Callable[[str], str]) -> str:
    return change(tiny.answer_files()[key])


def _gap_in_ashby() -> str:
    ashby = tiny.ward_polygons()["E05900001"].difference(box(529_800, 179_800, 530_000, 180_000))
    return _wards(_ward_boxes(E05900001=ashby))


def _register(categories: list[str], verified: str = "01/06/2025") -> str:
    """The tiny borough's three assets as a council keeps its register (its own headings, a grid reference)."""
    rows = [f"AS01,Tiny Library,{categories[0]},1 High Street,TB1 1AA,,Mon-Fri 9am-5pm,01632 960001,"
            f"01/06/2025,Council directory",
            f"AS02,St Mary's Hall,{categories[1]},,,TQ 30500 80250,Sundays 10am,,{verified},Charity Commission",
            f"AS03,Brook Youth Club,{categories[2]},2 Brook Road,tb1 1ab,,Fridays 7pm,,,"]
    return "\n".join(["ID,Organisation name,Type,Address,Postcode,Grid ref,Opening hours,Contact,Last verified,"
                      "Source", *rows]) + "\n"


def cases() -> dict[str, Text | Callable[[Path], None]]:  # noqa: PLR0915 - one entry per case file
    r = responses()
    a = tiny.activities_csv()
    s = tiny.assets_csv()
    age = tiny.age_csv()
    eth = tiny.ethnicity_csv()
    out: dict[str, Text | Callable[[Path], None]] = {
        # -- issue 12, "Why" ---------------------------------------------------------------------------
        "responses-header-only.csv": responses(rows=[]),
        "responses-cut-in-last-field.csv": _cut_last(",TB9 9ZZ,ema"),
        "responses-cut-inside-quote.csv": _cut_last(",TB9 9ZZ,email,35-49,Female,") + '"Chin',
        "responses-channel-not-allowed.csv": edit(r, 8, ",email,", ",onl,"),
        "census-age-inf.csv": _age_inf(),
        "census-ethnicity-persons-inf.csv": edit(eth, 5, f"E00900001,{tiny.OA_PERSONS['E00900001']},",
                                                 "E00900001,inf,"),
        "wards-overlap.geojson": _wards(_ward_boxes(E05900001=box(529_000, 179_000, 530_100, 180_000))),
        "wards-gap.geojson": _gap_in_ashby(),
        "wards-gap-in-metres.geojson": tiny.geojson_text(tiny.wards_gdf(crs=tiny.BNG, polygons=_ward_boxes(
            E05900001=tiny.ward_polygons()["E05900001"].difference(box(529_800, 179_800, 530_000, 180_000))))),
        "wards-overlap-within-tolerance.geojson": _wards(_ward_boxes(E05900001=box(529_000, 179_000, 530_000.5,
                                                                                   180_000))),
        "sex-ward-half-other-vintage.csv": _sex_by_ward(["E05900001", "E05900002", "E05950003", "E05950004"]),
        "sex-ward-all-matching.csv": _sex_by_ward(list(tiny.WARDS)),
        "responses-dated-2099.csv": edit(r, 2, "2026-01-05", "2099-01-05"),
        "postcodes-terminated.csv": _terminated_postcodes(),
        "responses-blank-line-then-bad-row.csv": _blank_line_then_bad_row(),
        "wards-shapefile-no-dbf": lambda folder: _shapefile(folder, ".dbf"),
        "wards-shapefile-no-shx": lambda folder: _shapefile(folder, ".shx"),
        "wards-shapefile-no-prj": lambda folder: _shapefile(folder, ".prj"),
        "wards-shapefile-complete": lambda folder: _shapefile(folder, None),
        # -- text, encoding and CSV shape ------------------------------------------------------------------
        "responses-semicolons.csv": r.replace(",", ";"),
        "responses-tabs.csv": r.replace(",", "\t"),
        "responses-bom.csv": tiny.BOM + r,
        "responses-crlf.csv": r.replace("\n", tiny.CRLF),
        "responses-latin1.csv": r.replace("Indian", "Indi\u00e9n").encode("latin-1"),
        "responses-utf16.csv": r.encode("utf-16"),
        "responses-empty.csv": b"",
        "responses-binary.csv": bytes(range(256)) * 4,
        "responses-html-page.csv": "<!DOCTYPE html>\n<html><body><h1>Sign in</h1></body></html>\n",
        "responses-extra-field.csv": edit(r, 5, "online,", "online,extra,"),
        "responses-unclosed-quote-mid-file.csv": edit(r, 4, ",online,", ',"online,'),
        "responses-missing-postcode-column.csv": responses(
            rows=[",".join(x.split(",")[:4] + x.split(",")[5:]) for x in tiny.RESPONSE_ROWS],
            header="response_id,respondent_id,activity_id,submitted_at,channel,age_band,sex,ethnicity,disability"),
        # -- responses: values ---------------------------------------------------------------------------
        "responses-duplicate-id.csv": edit(r, 4, "R0003,", "R0002,"),
        "responses-blank-id.csv": edit(r, 4, "R0003,", ","),
        "responses-bad-date.csv": edit(r, 4, "2026-02-03", "someday"),
        "responses-impossible-date.csv": edit(r, 3, "05/01/2026 14:30", "31/02/2026"),
        "responses-bad-postcode.csv": edit(r, 5, "TB1 1AB", "NOT A POSTCODE"),
        "responses-unknown-postcode.csv": edit(r, 5, "TB1 1AB", "TB7 7XX"),
        "responses-unknown-activity.csv": edit(r, 6, ",ACT3,", ",ACT9,"),
        "responses-unknown-ethnicity.csv": edit(r, 7, "Other White", "Martian"),
        "responses-age-130.csv": edit(r, 7, ",50-64,", ",130,"),
        "responses-blank-postcodes.csv": edit(edit(r, 5, "TB1 1AB", ""), 6, "TB2 1AD", ""),
        "responses-formula-respondent.csv": edit(r, 8, ",P006,", ",=cmd|' /C calc'!A0,"),
        # -- activities and assets -----------------------------------------------------------------------
        "activities-header-only.csv": tiny._csv(tiny.ACTIVITIES_HEADER, []),
        "activities-unknown-kind.csv": edit(a, 3, ",survey,", ",webinar,"),
        "activities-closes-before-opens.csv": edit(a, 2, "2026-03-31", "2025-12-01"),
        "activities-duplicate-id.csv": edit(a, 4, "ACT3,", "ACT2,"),
        "activities-scope-unknown-ward.csv": edit(a, 3, ",E05900001", ",E05999999"),
        "activities-budget-inf.csv": _answers("activities", lambda t: edit(t, 5, ",10000,", ",inf,")),
        "assets-unknown-category.csv": edit(s, 3, ",faith,", ",church,"),
        "assets-no-place.csv": edit(s, 2, "TB1 1AA", ""),
        "assets-easting-not-a-number.csv": edit(s, 3, ",530500,", ",five hundred,"),
        "assets-easting-inf.csv": edit(s, 3, ",530500,", ",inf,"),
        "assets-duplicate-id.csv": edit(s, 4, "AS03,", "AS01,"),
        "assets-bad-postcode.csv": edit(s, 4, "tb1 1ab", "TB1 1ABC9"),
        "assets-register-unknown-categories.csv": _register(["Library", "Church", "Club"]),
        "assets-register-bad-last-verified.csv": _register(["Library", "Faith", "Youth"], verified="31/02/2025"),
        "assets-register-council-wordings.csv": _register(["Library", "Place of worship", "Youth group"]),
        "assets-outside-borough.csv": edit(s, 3, ",530500,180250", ",560000,190000"),
        "assets-formula-and-html-names.csv": edit(edit(s, 2, "Tiny Library", "=cmd|' /C calc'!A0"), 3,
                                                  "St Mary's Hall", "<img src=x onerror=alert(1)>"),
        # -- census and deprivation -----------------------------------------------------------------------
        "census-age-not-a-number.csv": edit(age, 10, ",59", ",fifty"),
        "census-age-negative.csv": edit(age, 10, ",59", ",-59"),
        "census-age-nan.csv": edit(age, 10, ",59", ",NaN"),
        "census-age-unknown-category.csv": edit(age, 15, "Aged 16 to 24 years", "Aged 16 to 19 years"),
        "census-age-duplicate-row.csv": edit(age, 9, "Aged 16 to 24 years", "Aged 15 years and under"),
        "census-age-other-borough-only.csv": tiny._csv(",".join(tiny.AGE_HEADER),
                                                       lines_of(age)[1:7] + lines_of(age)[-6:]),
        "census-ethnicity-exceeds-total.csv": edit(eth, 7, f"E00900003,{tiny.OA_PERSONS['E00900003']},",
                                                   "E00900003,1,"),
        "census-ethnicity-missing-column.csv": eth.replace("BlkCaribbean", "BlackCaribbean", 1),
        "imd-rank-out-of-range.csv": edit(tiny.imd_csv(), 6, '"5,345"', '"40,000"'),
        "imd-rank-not-a-number.csv": edit(tiny.imd_csv(), 5, '"4,345"', "n/a"),
        "imd-population-inf.csv": edit(tiny.denominators_csv(), 5, "\"1,510\"", "inf"),
        "postcodes-missing-column.csv": tiny.postcodes_csv().replace("oseast1m", "easting", 1),
        # -- boundaries -----------------------------------------------------------------------------------
        "wards-duplicate-code.geojson": _wards_json(lambda f: _set(f, 3, "WD24CD", "E05900002")),
        "wards-blank-code.geojson": _wards_json(lambda f: _set(f, 2, "WD24CD", "")),
        "wards-empty-geometry.geojson": _wards_json(lambda f: _set(f, 2, "geometry", None)),
        "wards-point-geometry.geojson": _wards_json(lambda f: _set(f, 1, "geometry",
                                                                   {"type": "Point", "coordinates": [-0.13, 51.5]})),
        "wards-metres-as-degrees.geojson": tiny.geojson_text(tiny.wards_gdf(crs=tiny.BNG)),
        "wards-no-features.geojson": json.dumps({"type": "FeatureCollection", "features": []}),
        "wards-not-json.geojson": "this is not a map file\n",
        "wards-self-intersecting.geojson": _wards(_ward_boxes(E05900004=tiny.bowtie())),
        "wards-html-name.geojson": _wards(names={"E05900002": "<img src=x onerror=alert(1)>"}),
        "wards-brook-merged-into-ashby.geojson": _wards({
            c: box(529_000, 179_000, 531_000, 180_000) if c == "E05900001" else p
            for c, p in tiny.ward_polygons().items() if c != "E05900002"}),
        # -- what residents said --------------------------------------------------------------------------
        "answers-value-not-an-option.csv": _answers("answers", lambda t: edit(t, 2, "R0001,Q1,Yes", "R0001,Q1,Maybe")),
        "answers-latitude-outside-gb.csv": _answers("answers", lambda t: edit(t, 9, "51.498690593372494", "5.5")),
        "questions-one-option.csv": _answers("questions", lambda t: edit(t, 2, "Yes|No|Not sure", "Yes")),
        "pb-projects-cost-zero.csv": _answers("pb_projects", lambda t: edit(t, 2, ",2000,", ",0,")),
        # -- against the published database ---------------------------------------------------------------
        "responses-most-missing.csv": responses(rows=tiny.RESPONSE_ROWS[:2]),
    }
    return out


def main() -> None:
    if FILES.exists():
        shutil.rmtree(FILES)
    FILES.mkdir()
    for name, content in cases().items():
        target = FILES / name
        if callable(content):
            content(target)
        else:
            target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    print(f"wrote {len(cases())} case inputs into {FILES}")


if __name__ == "__main__":
    main()
