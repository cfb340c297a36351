"""Answers as councils record them (issue 10): GSS/ONS wording, form age bands, exact ages, years of birth,
a council's own wording mapped in the config, every unknown answer listed in one error, and who could
take part (activities.min_age/max_age). Fixtures are the tiny borough of tests/etl_fixtures.py, written
in tmp_path with the responses each test needs, so every expected label is known."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import etl_fixtures as tiny
import pytest
from etl_fixtures import rows, run

from etl.config import load_config
from etl.errors import InputError
from etl.mappings import age_answer, age_at, map_answer
from vocabulary import ETHNIC_GROUPS, NOT_STATED, OTHER_ANSWER, UNITEMISED

ROOT = Path(__file__).resolve().parent.parent
HEADER = "response_id,respondent_id,activity_id,submitted_at,postcode,channel,age_band,sex,ethnicity,disability"
POSTCODES = ["TB1 1AA", "TB1 1AB", "TB2 1AD", "TB2 1AE"]

#: ONS Census 2021 "Ethnic group (20 categories)" labels (England and Wales), less "Does not apply": all 19.
ONS_2021 = {
    "White: English, Welsh, Scottish, Northern Irish or British": "White British",
    "White: Irish": "White Irish",
    "White: Gypsy or Irish Traveller": "Other White",
    "White: Roma": "Other White",
    "White: Other White": "Other White",
    "Mixed or Multiple ethnic groups: White and Black Caribbean": "Mixed or multiple",
    "Mixed or Multiple ethnic groups: White and Black African": "Mixed or multiple",
    "Mixed or Multiple ethnic groups: White and Asian": "Mixed or multiple",
    "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups": "Mixed or multiple",
    "Asian, Asian British or Asian Welsh: Indian": "Indian",
    "Asian, Asian British or Asian Welsh: Pakistani": "Pakistani",
    "Asian, Asian British or Asian Welsh: Bangladeshi": "Bangladeshi",
    "Asian, Asian British or Asian Welsh: Chinese": "Chinese",
    "Asian, Asian British or Asian Welsh: Other Asian": "Other Asian",
    "Black, Black British, Black Welsh, Caribbean or African: African": "Black African",
    "Black, Black British, Black Welsh, Caribbean or African: Caribbean": "Black Caribbean",
    "Black, Black British, Black Welsh, Caribbean or African: Other Black": "Other Black",
    "Other ethnic group: Arab": "Arab",
    "Other ethnic group: Any other ethnic group": "Other ethnic group",
}
#: The GSS harmonised standard's form wording for England (the wording of the council export).
GSS_ENGLAND = {
    "White: English, Welsh, Scottish, Northern Irish or British": "White British",
    "White: Irish": "White Irish",
    "White: Gypsy or Irish Traveller": "Other White",
    "White: Roma": "Other White",
    "White: Any other White background": "Other White",
    "Mixed or Multiple ethnic groups: White and Black Caribbean": "Mixed or multiple",
    "Mixed or Multiple ethnic groups: White and Black African": "Mixed or multiple",
    "Mixed or Multiple ethnic groups: White and Asian": "Mixed or multiple",
    "Mixed or Multiple ethnic groups: Any other Mixed or Multiple ethnic background": "Mixed or multiple",
    "Asian or Asian British: Indian": "Indian",
    "Asian or Asian British: Pakistani": "Pakistani",
    "Asian or Asian British: Bangladeshi": "Bangladeshi",
    "Asian or Asian British: Chinese": "Chinese",
    "Asian or Asian British: Any other Asian background": "Other Asian",
    "Black, Black British, Caribbean or African: African": "Black African",
    "Black, Black British, Caribbean or African: Caribbean": "Black Caribbean",
    "Black, Black British, Caribbean or African: Any other Black, Black British, or Caribbean background":
        "Other Black",
    "Other ethnic group: Arab": "Arab",
    "Other ethnic group: Any other ethnic group": "Other ethnic group",
}
#: The Census 2011 form (England).
CENSUS_2011_FORM = {
    "White: English/Welsh/Scottish/Northern Irish/British": "White British",
    "White: Irish": "White Irish",
    "White: Gypsy or Irish Traveller": "Other White",
    "White: Any other White background": "Other White",
    "Mixed/multiple ethnic groups: White and Black Caribbean": "Mixed or multiple",
    "Mixed/multiple ethnic groups: White and Black African": "Mixed or multiple",
    "Mixed/multiple ethnic groups: White and Asian": "Mixed or multiple",
    "Mixed/multiple ethnic groups: Any other Mixed/multiple ethnic background": "Mixed or multiple",
    "Asian/Asian British: Indian": "Indian",
    "Asian/Asian British: Pakistani": "Pakistani",
    "Asian/Asian British: Bangladeshi": "Bangladeshi",
    "Asian/Asian British: Chinese": "Chinese",
    "Asian/Asian British: Any other Asian background": "Other Asian",
    "Black/African/Caribbean/Black British: African": "Black African",
    "Black/African/Caribbean/Black British: Caribbean": "Black Caribbean",
    "Black/African/Caribbean/Black British: Any other Black/African/Caribbean background": "Other Black",
    "Other ethnic group: Arab": "Arab",
    "Other ethnic group: Any other ethnic group": "Other ethnic group",
}
SEX_ANSWERS = {"Female": "Female", "Male": "Male", "Non-binary": OTHER_ANSWER, "Prefer to self-describe": OTHER_ANSWER,
               "Other": OTHER_ANSWER, "Prefer not to say": NOT_STATED, "": NOT_STATED}
DISABILITY_ANSWERS = {"Yes, limited a lot": "Disabled", "Yes, limited a little": "Disabled", "No": "Not disabled",
                      "Yes, a lot": "Disabled", "Yes, a little": "Disabled", "Not at all": "Not disabled",
                      "Prefer not to say": NOT_STATED}


def _q(value: str) -> str:
    return f'"{value}"' if "," in value else value


def _write(tmp_path: Path, answers: list[dict[str, str]], **overrides) -> Path:
    """Tiny borough whose responses.csv holds one response per dict (age_band, sex, ethnicity, disability,
    submitted_at; missing keys blank / a fixed date). Returns the config path."""
    lines = []
    for i, a in enumerate(answers):
        when = a.get("submitted_at", "2026-02-01")
        cells = [f"R{i:05d}", f"P{i:05d}", "ACT1", when, POSTCODES[i % 4], "online",
                 *(_q(a.get(c, "")) for c in ("age_band", "sex", "ethnicity", "disability"))]
        lines.append(",".join(cells))
    return tiny.write_tiny_borough(tmp_path, responses=tiny.responses_csv(lines, HEADER), **overrides)


def _loaded(db: Path, column: str) -> list[str]:
    return [r[0] for r in rows(db, f"SELECT {column} FROM responses ORDER BY response_id")]


def _build(config: Path) -> Path:
    db = config.parent / "tiny.duckdb"
    run(config, db)
    return db


# -- the standard wordings, without a database ---------------------------------------------------------------
@pytest.mark.parametrize("wording", [ONS_2021, GSS_ENGLAND, CENSUS_2011_FORM], ids=["ons2021", "gss", "census2011"])
def test_every_standard_ethnicity_wording_maps_to_its_2011_label(wording):
    assert {a: map_answer("ethnicity", a) for a in wording} == wording
    assert set(wording.values()) == set(ETHNIC_GROUPS)  # every comparator group is reachable
    # case, spacing and punctuation as typed do not matter
    assert {map_answer("ethnicity", a.upper().replace(": ", " - ")) for a in wording} == set(wording.values())


def test_sex_and_disability_answers():
    assert {a: map_answer("sex", a) for a in SEX_ANSWERS} == SEX_ANSWERS
    assert {a: map_answer("disability", a) for a in DISABILITY_ANSWERS} == DISABILITY_ANSWERS


@pytest.mark.parametrize(("answer", "label"), [
    ("18-24", "18-24"), ("18 to 24", "18-24"), ("45-54", "45-54"), ("75+", "75+"), ("75 and over", "75+"),
    ("Under 18", "0-17"), ("16-17", "16-17"), ("16-24", "16-24"), ("Aged 16 to 24 years", "16-24"),
    ("Under 16", "0-15"), ("65+", "65+"), ("65 and over", "65+"), ("65–74", "65-74"),
    ("47", "35-49"), ("15", "0-15"), ("16", "16-24"), ("64", "50-64"), ("65", "65+"), ("Prefer not to say", NOT_STATED),
    ("24-18", None), ("130", None), ("teen", None), ("1979", None),
])
def test_age_answers(answer, label):
    assert map_answer("age", answer) == label


def test_year_of_birth_is_read_as_such_and_aged_at_mid_year():
    assert age_answer("1979") == (None, 1979)
    assert age_at(2010, 2026, 6) == 15 and age_at(2010, 2026, 7) == 16


# -- files wholly in one wording load ------------------------------------------------------------------------
@pytest.mark.parametrize("wording", [ONS_2021, GSS_ENGLAND, CENSUS_2011_FORM], ids=["ons2021", "gss", "census2011"])
def test_file_in_standard_wording_loads(tmp_path, wording):
    sexes, dis = list(SEX_ANSWERS), list(DISABILITY_ANSWERS)
    answers = [{"ethnicity": e, "sex": sexes[i % len(sexes)], "disability": dis[i % len(dis)], "age_band": "25-34"}
               for i, e in enumerate(wording)]
    db = _build(_write(tmp_path, answers))
    assert _loaded(db, "ethnicity") == list(wording.values())
    assert _loaded(db, "sex") == [SEX_ANSWERS[a["sex"]] for a in answers]
    assert _loaded(db, "disability") == [DISABILITY_ANSWERS[a["disability"]] for a in answers]


def test_file_with_a_45_54_and_75_plus_band_set_keeps_the_forms_bands(tmp_path):
    bands = ["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", "Prefer not to say"]
    db = _build(_write(tmp_path, [{"age_band": b} for b in bands]))
    assert _loaded(db, "age_band") == [*bands[:-1], NOT_STATED]


def test_file_with_exact_ages_stores_census_bands(tmp_path):
    ages = {"15": "0-15", "16": "16-24", "24": "16-24", "25": "25-34", "49": "35-49", "50": "50-64", "64": "50-64",
            "65": "65+", "101": "65+"}
    db = _build(_write(tmp_path, [{"age_band": a} for a in ages]))
    assert _loaded(db, "age_band") == list(ages.values())


def test_file_with_years_of_birth_stores_the_band_of_the_age_at_submission(tmp_path):
    cases = [("1979", "2026-03-01", "35-49"), ("2010", "30/06/2026 10:00", "0-15"), ("2010", "2026-07-01", "16-24"),
             ("1961", "2026-01-15", "50-64"), ("1961", "2026-09-15", "65+"), ("2002", "2026-02-01", "16-24"),
             ("2001", "2026-08-01", "25-34")]
    db = _build(_write(tmp_path, [{"age_band": y, "submitted_at": d} for y, d, _ in cases]))
    assert _loaded(db, "age_band") == [band for *_, band in cases]


def test_config_maps_a_councils_own_wording(tmp_path):
    extra = '''
[engagement.answers.ethnicity]
"White - Eastern European" = "Other White"
"Prefer not to disclose" = "Not stated"

[engagement.answers.age]
"Over 75" = "75+"
"Pensioner" = "65 and over"

[engagement.answers.sex]
"Agender" = "Another answer (no census group)"

[engagement.answers.disability]
"Long-term condition, limits me" = "Disabled"
'''
    answers = [{"ethnicity": "white - eastern EUROPEAN", "age_band": "Over 75", "sex": "AGENDER",
                "disability": "Long-term condition, limits me"},
               {"ethnicity": "Prefer not to disclose", "age_band": "pensioner", "sex": "Female", "disability": "No"}]
    db = _build(_write(tmp_path, answers, extra_toml=extra))
    assert _loaded(db, "ethnicity") == ["Other White", NOT_STATED]
    assert _loaded(db, "age_band") == ["75+", "65+"]
    assert _loaded(db, "sex") == [OTHER_ANSWER, "Female"]
    assert _loaded(db, "disability") == ["Disabled", "Not disabled"]


@pytest.mark.parametrize(("extra", "says"), [
    ('[engagement.answers.ethnicity]\n"Eastern European" = "Purple"\n', "is not a label"),
    ('[engagement.answers.age]\n"Over 75" = "old"\n', "an age answer maps to a band"),
    ('[engagement.answers.religion]\n"None" = "No religion"\n', "is not a dimension"),
    ('[engagement.answers.sex]\n"X" = "Female"\n"x" = "Male"\n', "mapped twice"),
])
def test_a_wrong_config_mapping_is_an_error_naming_the_config(tmp_path, extra, says):
    config = _write(tmp_path, [{"age_band": "25-34"}], extra_toml=extra)
    with pytest.raises(InputError) as caught:
        load_config(config)
    assert says in str(caught.value) and Path(caught.value.file) == config.resolve()


# -- every unknown answer in one message ---------------------------------------------------------------------
def test_unknown_answers_are_listed_once_each_with_count_first_line_and_the_config_to_map_them(tmp_path):
    bad_eth = "Black, Black British, Black Welshh, Caribbean or African: African"  # a typo of the 2021 wording
    answers = ([{"ethnicity": "White British", "age_band": "25-34"}] * 2
               + [{"ethnicity": bad_eth, "age_band": "25-34"}] * 3          # lines 4-6
               + [{"ethnicity": "Martian", "age_band": "about 40"}]         # line 7
               + [{"ethnicity": bad_eth, "age_band": "about 40", "sex": "Robot"}])  # line 8
    config = _write(tmp_path, answers)
    with pytest.raises(InputError) as caught:
        run(config, tmp_path / "tiny.duckdb")
    err, message = caught.value, str(caught.value)
    # the first problem in the usual format
    assert (err.row, err.column) == (4, "ethnicity")
    assert message.startswith(f"{err.file}, line 4, column 'ethnicity': '{bad_eth}' is not an answer")
    assert "(5 lines have problems; the load allows 0)" in message
    listed = [line.strip() for line in message.splitlines() if re.match(r"^  \w+: \"", line)]
    assert listed == [
        'age_band: "about 40": 2 row(s), first line 7',
        'sex: "Robot": 1 row(s), first line 8',
        f'ethnicity: "{bad_eth}": 4 row(s), first line 4',
        'ethnicity: "Martian": 1 row(s), first line 7',
    ]
    snippet = message[message.index("[engagement.answers."):]
    mapped = tomllib.loads(snippet)["engagement"]["answers"]
    assert mapped["ethnicity"] == {bad_eth: "Black African", "Martian": "?"}  # a guess from the closest wording
    assert mapped["age"] == {"about 40": "?"} and mapped["sex"] == {"Robot": "?"}

    # One round trip: the council fills in the "?" lines, appends them to the config, and the file loads.
    filled = snippet.replace('"Martian" = "?"', '"Martian" = "Other ethnic group"').replace(
        '"about 40" = "?"', '"about 40" = "35-49"').replace('"Robot" = "?"', f'"Robot" = "{OTHER_ANSWER}"')
    config.write_text(config.read_text(encoding="utf-8") + "\n" + filled, encoding="utf-8")
    db = _build(config)
    assert _loaded(db, "ethnicity")[2:] == ["Black African"] * 3 + ["Other ethnic group", "Black African"]


def test_unknown_answers_within_the_allowance_are_rejected_rows(tmp_path):
    config = _write(tmp_path, [{"ethnicity": "Martian"}, {"ethnicity": "Indian"}],
                    config={"load": {"max_rejected_rows": 1}})
    db = _build(config)
    assert _loaded(db, "ethnicity") == ["Indian"]
    assert rows(db, "SELECT rows_rejected FROM load_sources WHERE dataset = 'responses'") == [(1,)]


def test_a_year_of_birth_after_submission_is_unknown(tmp_path):
    config = _write(tmp_path, [{"age_band": "2027", "submitted_at": "2026-02-01"}])
    with pytest.raises(InputError, match="2027"):
        run(config, tmp_path / "tiny.duckdb")


# -- who could take part ---------------------------------------------------------------------------------------
def _activities(extra_header: str, cells: list[str]) -> str:
    lines = [f"{row},{cell}" for row, cell in zip(tiny.ACTIVITY_ROWS, cells, strict=True)]
    return tiny._csv(f"{tiny.ACTIVITIES_HEADER},{extra_header}", lines)


def test_activity_age_limits_come_from_the_file_else_the_config_default(tmp_path):
    config = tiny.write_tiny_borough(tmp_path, activities=_activities("min_age,max_age", [",", "11,18", ",64"]),
                                     config={"engagement": {"min_age": 16}})
    db = _build(config)
    got = rows(db, "SELECT activity_id, min_age, max_age FROM activities ORDER BY 1")
    assert got == [("ACT1", 16, None), ("ACT2", 11, 18), ("ACT3", 16, 64)]


def test_without_limits_anyone_could_take_part(tmp_path):
    db = _build(tiny.write_tiny_borough(tmp_path))
    assert rows(db, "SELECT DISTINCT min_age, max_age FROM activities") == [(None, None)]


@pytest.mark.parametrize(("cells", "line", "column"), [
    (["", "abc", ""], 3, "min_age"), (["", "-1", ""], 3, "min_age"), (["", "16.5", ""], 3, "min_age"),
])
def test_a_bad_age_limit_names_its_line(tmp_path, cells, line, column):
    config = tiny.write_tiny_borough(tmp_path, activities=_activities("min_age", cells))
    with pytest.raises(InputError) as caught:
        run(config, tmp_path / "tiny.duckdb")
    assert (caught.value.row, caught.value.column) == (line, column)


def test_min_age_above_max_age_is_an_error(tmp_path):
    config = tiny.write_tiny_borough(tmp_path, activities=_activities("min_age,max_age", [",", "30,18", ","]))
    with pytest.raises(InputError) as caught:
        run(config, tmp_path / "tiny.duckdb")
    assert (caught.value.row, caught.value.column) == (3, "min_age")
    with pytest.raises(InputError, match="min_age 20 is above max_age 18"):
        load_config(tiny.write_tiny_borough(tmp_path / "c", config={"engagement": {"min_age": 20, "max_age": 18}}))


def test_the_examples_say_who_could_take_part():
    assert load_config(ROOT / "examples" / "thurrock.toml").engagement.min_age == 16
    portal = load_config(ROOT / "examples" / "thurrock-portal.toml").engagement
    assert (portal.min_age, portal.max_age, portal.answers) == (18, None, {})


def test_unitemised_lives_in_the_vocabulary():
    import etl.statistics

    assert etl.statistics.UNITEMISED is UNITEMISED


# -- the council's own export ----------------------------------------------------------------------------------
def test_council_export_loads_with_no_rejected_row(shared_data, tmp_path):
    """examples/thurrock-portal.toml: real Thurrock files and the council-style export, as published."""
    text = (ROOT / "examples" / "thurrock-portal.toml").read_text(encoding="utf-8")
    config = tmp_path / "thurrock-portal.toml"
    config.write_text(text.replace("../../shared/data", shared_data.as_posix()), encoding="utf-8")
    db = tmp_path / "portal.duckdb"
    result = run(config, db)
    assert result.rows("rows_rejected") == 0
    assert rows(db, "SELECT rows_read, rows_loaded, rows_rejected FROM load_sources WHERE dataset = 'responses'") \
        == [(8668, 8668, 0)]
    bands = dict(rows(db, "SELECT age_band, count(*) FROM responses GROUP BY 1"))
    assert bands == {"18-24": 362, "25-34": 1669, "35-44": 1635, "45-54": 1469, "55-64": 1316, "65-74": 575,
                     "75+": 1294, NOT_STATED: 348}
    assert dict(rows(db, "SELECT sex, count(*) FROM responses GROUP BY 1")) == {
        "Female": 4291, "Male": 4037, NOT_STATED: 261, OTHER_ANSWER: 79}
    ethnic = dict(rows(db, "SELECT ethnicity, count(*) FROM responses GROUP BY 1"))
    assert set(ethnic) == {*ETHNIC_GROUPS, NOT_STATED}
    assert (ethnic["Other White"], ethnic["Mixed or multiple"], ethnic["Black African"]) == (152, 130, 443)
    assert dict(rows(db, "SELECT disability, count(*) FROM responses GROUP BY 1")) == {
        "Disabled": 1484, "Not disabled": 6729, NOT_STATED: 455}
    assert rows(db, "SELECT DISTINCT min_age, max_age FROM activities") == [(18, None)]
