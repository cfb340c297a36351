"""What residents said, as inputs: questions.csv, answers.csv and pb_projects.csv load on Tinyborough with
known results, bad rows are refused naming the file, line and column (and nothing is published), the demo
writes and loads the three files with its planted opinion difference, and the data-access queries return
aggregated counts only (hand-worked on the fixture; no response or respondent id anywhere)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import etl_fixtures as tiny
import pandas as pd
import pytest
from etl_fixtures import rows, run

import data_access as da
from etl.config import load_config
from etl.errors import InputError

W1, W2, W3, W4 = tiny.WARD_CODES


def _write(folder: Path, config: dict | None = None, **files) -> Path:
    texts = tiny.answer_files() | files
    return tiny.write_tiny_borough(folder, **texts, config=tiny._merge(tiny.ANSWER_CONFIG, config or {}))


@pytest.fixture(scope="module")
def said(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-said")
    db = folder / "tiny.duckdb"
    run(_write(folder), db)
    return db


# ---------------------------------------------------------------------------- loads


def test_questions_load_with_kinds_and_options_normalised(said):
    got = rows(said, "SELECT question_id, activity_id, kind, options FROM questions ORDER BY question_id")
    assert got == [("Q1", "ACT1", "single_choice", "Yes|No|Not sure"),
                   ("Q2", "ACT1", "multiple_choice", "Housing|Transport|Green space"),
                   ("Q3", "ACT2", "scale", "1|2|3|4|5"),
                   ("Q4", "ACT2", "map_comment", None),
                   ("Q5", "ACT4", "pb_approval", None),
                   ("Q6", "ACT1", "free_text", None)]


def test_answers_load_in_the_options_spelling_with_places_in_bng(said):
    got = rows(said, "SELECT response_id, question_id, value, easting, northing, public FROM answers "
                     "ORDER BY question_id, response_id, value")
    assert len(got) == len(tiny.ANSWER_ROWS)
    plain = [(r, q, v) for r, q, v, e, n, p in got if q != "Q4"]
    assert ("R0002", "Q1", "No") in plain  # typed "no"
    assert all(e is None and n is None and p is None for _r, q, _v, e, n, p in got if q != "Q4")
    comments = {r: (v, e, n, p) for r, q, v, e, n, p in got if q == "Q4"}
    assert comments["R0004"] == ("Bins overflow by the gate, call 07700 900123", 529600.0, 179600.0, True)
    text, e, n, public = comments["R0003"]  # given as latitude/longitude of (529600, 179400)
    assert text == "Needs more lights" and public is False
    assert e == pytest.approx(529_600, abs=0.5) and n == pytest.approx(179_400, abs=0.5)


def test_pb_projects_load_with_cost_and_ward_from_the_place(said):
    got = rows(said, "SELECT project_id, activity_id, cost, ward_code, easting, northing, category FROM pb_projects "
                     "ORDER BY project_id")
    assert [(p, a, c, w, cat) for p, a, c, w, _e, _n, cat in got] == [
        ("PB1", "ACT4", 2000.0, W1, "streets"), ("PB2", "ACT4", 5000.5, W4, "parks"), ("PB3", "ACT4", 4000.0, W3,
                                                                                       "youth")]
    assert got[0][4] is None and got[1][4:6] == (530500.0, 180500.0)
    assert got[2][4] == pytest.approx(529_500, abs=0.5) and got[2][5] == pytest.approx(180_500, abs=0.5)


def test_activities_carry_budget_and_debate_threshold(said):
    got = dict((a, (b, t)) for a, b, t in rows(said, "SELECT activity_id, budget, debate_threshold FROM activities"))
    assert got["ACT4"] == (10000.0, None)
    assert got["ACT5"] == (None, 50)  # blank in the file: the config's petition_debate_threshold
    assert got["ACT1"] == (None, None)


def test_a_petition_keeps_its_own_threshold_and_other_kinds_ignore_both(tmp_path):
    pond = "ACT5,Save the pond,petition,2026-04-01,,Parks,,borough,,"
    acts = [r.replace(pond, pond + "1500") for r in tiny.ANSWER_ACTIVITY_ROWS]
    acts[0] = acts[0][:-2] + ",500,7"  # a consultation with a budget and a threshold: neither means anything there
    db = tmp_path / "t.duckdb"
    run(_write(tmp_path, activities=tiny._csv(tiny.ANSWER_ACTIVITIES_HEADER, acts)), db)
    got = dict((a, (b, t)) for a, b, t in rows(db, "SELECT activity_id, budget, debate_threshold FROM activities"))
    assert got["ACT5"] == (None, 1500) and got["ACT1"] == (None, None)


def test_questions_without_answers_files_are_optional(tmp_path):
    """The three files are optional: the default Tinyborough config names none, and the tables stay empty."""
    db = tmp_path / "t.duckdb"
    run(tiny.write_tiny_borough(tmp_path), db)
    assert rows(db, "SELECT (SELECT count(*) FROM questions), (SELECT count(*) FROM answers), "
                    "(SELECT count(*) FROM pb_projects)") == [(0, 0, 0)]


def test_answers_file_may_sit_beside_the_councils_own_wordings(tmp_path):
    cfg = _write(tmp_path, config={"engagement": {"answers": {"file": "answers.csv", "sex": {"Woman": "Female"}}}})
    config = load_config(cfg)
    assert config.engagement.answers_file == tmp_path / "answers.csv"
    assert config.engagement.answers == {"sex": {"woman": "Female"}}


@pytest.mark.parametrize("change, problem", [
    ({"questions": None}, "answers and questions go together"),
    ({"petition_debate_threshold": "lots"}, "petition_debate_threshold must be a whole number"),
    ({"petition_debate_threshold": 0}, "petition_debate_threshold must be a whole number"),
])
def test_config_mistakes_are_named(tmp_path, change, problem):
    with pytest.raises(InputError, match=problem):
        load_config(_write(tmp_path, config={"engagement": change}))


# ---------------------------------------------------------------------------- bad inputs

def _line(rows_: list[str], line: int, new: str) -> list[str]:
    out = list(rows_)
    out[line - 2] = new
    return out


Q, A, P = tiny.QUESTION_ROWS, tiny.ANSWER_ROWS, tiny.PB_ROWS
BAD = [
    # (id, file key, new rows, file name, line, column, words in the problem)
    ("question kind", "questions", _line(Q, 3, "Q2,ACT1,ranking,Which matter most?,A|B"), 3, "kind", "is not one of"),
    ("choice without options", "questions", _line(Q, 2, "Q1,ACT1,single_choice,Do you support the plan?,"), 2,
     "options", "needs at least two options"),
    ("one option", "questions", _line(Q, 2, "Q1,ACT1,single_choice,Do you support the plan?,Yes"), 2,
     "options", "needs at least two options"),
    ("text with options", "questions", _line(Q, 7, "Q6,ACT1,free_text,Anything else?,Yes|No"), 7, "options",
     "take no options"),
    ("option twice", "questions", _line(Q, 2, "Q1,ACT1,single_choice,Support?,Yes|No|yes"), 2, "options",
     "same option twice"),
    ("blank option", "questions", _line(Q, 2, "Q1,ACT1,single_choice,Support?,Yes||No"), 2, "options",
     "blank option"),
    ("question twice", "questions", _line(Q, 3, "Q1,ACT1,single_choice,Again?,Yes|No"), 2, "question_id",
     "'Q1' appears more than once (2 lines"),
    ("unknown activity", "questions", _line(Q, 4, "Q3,ACT9,scale,How satisfied?,1|2|3"), 4, "activity_id",
     "'ACT9' is not in activities"),
    ("PB question on a survey", "questions", _line(Q, 6, "Q5,ACT2,pb_approval,Choose,"), 6, "activity_id",
     "not a pb_vote"),
    ("not an option", "answers", _line(A, 2, "R0001,Q1,Maybe,,,,,"), 2, "value",
     "'Maybe' is not one of the question's options"),
    ("not on the scale", "answers", _line(A, 7, "R0003,Q3,6,,,,,"), 7, "value", "'6' is not a point of the question's"
                                                                             " scale"),
    ("not a project of the vote", "answers", _line(A, 10, "R0008,Q5,PB9,,,,,"), 10, "value",
     "'PB9' is not a project of the question's PB vote"),
    ("unknown question", "answers", _line(A, 2, "R0001,Q9,Yes,,,,,"), 2, "question_id", "'Q9' is not in questions"),
    ("orphan answer", "answers", _line(A, 4, "R0999,Q1,Yes,,,,,"), 4, "response_id", "'R0999' is not in responses"),
    ("question of another activity", "answers", _line(A, 7, "R0003,Q1,Yes,,,,,"), 7, "question_id",
     "belongs to activity 'ACT1' but response 'R0003' is to activity 'ACT2'"),
    ("single choice twice", "answers", [*A, "R0001,Q1,No,,,,,"], len(A) + 2, "question_id", "answered twice"),
    ("value twice", "answers", [*A, "R0001,Q2,housing,,,,,"], len(A) + 2, "value", "appears twice"),
    ("public word", "answers", _line(A, 8, "R0004,Q4,Bins,529600,179600,,,maybe"), 8, "public", "'maybe' is not one"),
    ("half a grid reference", "answers", _line(A, 8, "R0004,Q4,Bins,529600,,,,yes"), 8, "northing",
     "easting and northing go together"),
    ("both kinds of place", "answers", _line(A, 8, "R0004,Q4,Bins,529600,179600,51.5,-0.13,yes"), 8, "latitude",
     "give the place once"),
    ("latitude outside Great Britain", "answers", _line(A, 9, "R0003,Q4,Lights,,,12.5,-0.13,no"), 9, "latitude",
     "'12.5' is not a latitude in Great Britain"),
    ("place on a choice", "answers", _line(A, 2, "R0001,Q1,Yes,529600,179600,,,"), 2, "question_id",
     "'Q1' is not a map_comment question, so the answer has no place"),
    ("blank value", "answers", _line(A, 2, "R0001,Q1,,,,,,"), 2, "value", "is blank"),
    ("free cost", "pb_projects", _line(P, 2, "PB1,ACT4,New benches,0,E05900001,,,,,streets"), 2, "cost",
     "'0' is not a number above 0"),
    ("cost in words", "pb_projects", _line(P, 3, "PB2,ACT4,Pond,five grand,,530500,180500,,,parks"), 3, "cost",
     "is not a number above 0"),
    ("unknown ward", "pb_projects", _line(P, 2, "PB1,ACT4,New benches,2000,E05999999,,,,,streets"), 2, "ward_code",
     "'E05999999' is not a ward"),
    ("project of a survey", "pb_projects", _line(P, 4, "PB3,ACT2,Youth kit,4000,,,,,,youth"), 4, "activity_id",
     "'ACT2' is a survey activity, not a pb_vote"),
    ("project twice", "pb_projects", _line(P, 3, "PB1,ACT4,Pond,5000,,530500,180500,,,parks"), 2, "project_id",
     "'PB1' appears more than once (2 lines"),
    ("easting outside Great Britain", "pb_projects", _line(P, 3, "PB2,ACT4,Pond,5000,,5305000,180500,,,parks"), 3,
     "easting", "is not an easting in Great Britain"),
]


@pytest.mark.parametrize("key, new_rows, line, column, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_rows_are_refused_naming_file_line_and_column(tmp_path, key, new_rows, line, column, words):
    headers = {"questions": tiny.QUESTIONS_HEADER, "answers": tiny.ANSWERS_HEADER, "pb_projects": tiny.PB_HEADER}
    cfg = _write(tmp_path, **{key: tiny._csv(headers[key], new_rows)})
    with pytest.raises(InputError) as err:
        run(cfg, tmp_path / "t.duckdb")
    assert Path(err.value.file).name == tiny.FILES[key]
    assert (err.value.row, err.value.column) == (line, column), str(err.value)
    assert words in err.value.problem, str(err.value)
    assert f"{tiny.FILES[key]}, line {line}, column '{column}': " in str(err.value)


@pytest.mark.parametrize("key, header", [
    ("answers", "response_id,question_id,easting,northing,public"),
    ("questions", "question_id,activity_id,kind,text"),
    ("pb_projects", "project_id,activity_id,title,ward_code"),
])
def test_a_missing_column_is_named(tmp_path, key, header):
    cfg = _write(tmp_path, **{key: header + "\n"})
    with pytest.raises(InputError, match="required column is missing") as err:
        run(cfg, tmp_path / "t.duckdb")
    assert err.value.row is None and err.value.column in {"value", "options", "cost"}


def test_activity_budget_and_threshold_are_checked(tmp_path):
    acts = list(tiny.ANSWER_ACTIVITY_ROWS)
    acts[3] = "ACT4,Tiny PB,pb_vote,2026-04-01,2026-04-30,Community,,borough,-5,"
    with pytest.raises(InputError) as err:
        run(_write(tmp_path, activities=tiny._csv(tiny.ANSWER_ACTIVITIES_HEADER, acts)), tmp_path / "t.duckdb")
    assert (err.value.row, err.value.column) == (5, "budget")
    acts = list(tiny.ANSWER_ACTIVITY_ROWS)
    acts[4] = "ACT5,Save the pond,petition,2026-04-01,,Parks,,borough,,12.5"
    with pytest.raises(InputError) as err:
        run(_write(tmp_path, activities=tiny._csv(tiny.ANSWER_ACTIVITIES_HEADER, acts)), tmp_path / "t.duckdb")
    assert (err.value.row, err.value.column) == (6, "debate_threshold")


def test_a_bad_answer_publishes_nothing(tmp_path, said):
    db = tmp_path / "published.duckdb"
    db.write_bytes(said.read_bytes())
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    cfg = _write(tmp_path / "in", answers=tiny._csv(tiny.ANSWERS_HEADER, _line(A, 3, "R0002,Q1,Perhaps,,,,,")))
    with pytest.raises(InputError):
        run(cfg, db)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".published")) == [
        ".published.duckdb.lock"]


def test_rejected_rows_are_recorded_without_what_was_said(tmp_path):
    """Within max_rejected_rows a bad answer is rejected and recorded by line and column, never its text; the
    answers of a rejected response are left out, with a note."""
    responses = tiny.ANSWER_RESPONSE_ROWS[:2] + ["R0003,P003,ACT2,not a date,,online,,,,"] + \
        tiny.ANSWER_RESPONSE_ROWS[3:]
    answers = _line(A, 2, "R0001,Q1,Secret opinion,,,,,")
    cfg = _write(tmp_path, config={"load": {"max_rejected_rows": 1}},
                 responses=tiny._csv(tiny.RESPONSES_HEADER, responses),
                 answers=tiny._csv(tiny.ANSWERS_HEADER, answers))
    db = tmp_path / "t.duckdb"
    result = run(cfg, db)
    report = next(r for r in result.reports if r.dataset == "answers")
    assert report.rows_rejected == 1 and report.rejections[0]["line"] == 2
    assert report.rejections[0]["column"] == "value" and "Secret" not in json.dumps(report.rejections)
    assert any("2 answer(s) to rejected responses" in n for n in report.notes)  # R0003's Q3 and Q4 answers
    assert rows(db, "SELECT count(*) FROM answers WHERE response_id IN ('R0001', 'R0003') AND question_id IN "
                    "('Q1', 'Q3', 'Q4')") == [(0,)]


# ---------------------------------------------------------------------------- queries

_IDS = {"response_id", "respondent_id"}


def test_answer_cells_count_each_persons_latest_answer(said):
    with da.use_database(said):
        cells = da.answer_cells("Q1")
        paper = da.answer_cells("Q1", da.EngagementFilter(channels=("paper",)))
        multiple = da.answer_cells("Q2")
        base = da.question_respondents("Q2")
    # P001 (Ashby) said Yes; P002 said No in Ashby then Yes from Brook (latest); R0007 lives outside the borough.
    assert cells.to_dict("records") == [
        {"value": "Yes", "ward_code": W1, "age_band": "25-34", "sex": "Female", "ethnicity": "White British",
         "disability": "Not disabled", "respondents": 1},
        {"value": "Yes", "ward_code": W2, "age_band": "65+", "sex": "Male", "ethnicity": "Indian",
         "disability": "Disabled", "respondents": 1}]
    assert paper[["value", "ward_code", "respondents"]].to_dict("records") == [
        {"value": "No", "ward_code": W1, "respondents": 1}]
    assert sorted(multiple["value"]) == ["Green space", "Housing"] and multiple["respondents"].tolist() == [1, 1]
    assert base["respondents"].tolist() == [1]
    for frame in (cells, multiple, base):
        assert not _IDS & set(frame.columns)


def test_ballots_group_identical_ballots_by_ward(said):
    with da.use_database(said):
        ballots = da.ballots("ACT4")
        nothing = da.ballots("ACT1")
    assert ballots.to_dict("records") == [{"ward_code": W1, "projects": "PB1;PB2", "voters": 1},
                                          {"ward_code": W1, "projects": "PB2", "voters": 1}]
    assert nothing.empty and not _IDS & set(ballots.columns)


def test_comments_come_without_ids(said):
    with da.use_database(said):
        one, every = da.comments("Q4"), da.comments()
    assert list(one.columns) == ["value", "easting", "northing", "public", "ward_code", "age_band", "sex",
                                 "ethnicity", "disability"]
    assert len(one) == 2 and one.equals(every)
    public = one[one["public"]]
    assert public["value"].tolist() == ["Bins overflow by the gate, call 07700 900123"]
    assert public["ward_code"].tolist() == [W2]
    assert one.loc[~one["public"], "ward_code"].isna().all()  # R0003 gave no postcode


def test_questions_projects_and_petitions(said):
    with da.use_database(said):
        questions, projects, signatures = da.questions(), da.pb_projects(), da.petition_signatures()
        one_vote = da.pb_projects("ACT4")
    assert questions["question_id"].tolist() == ["Q1", "Q2", "Q6", "Q3", "Q4", "Q5"]  # activity opening order
    assert questions.loc[questions["question_id"] == "Q5", "activity_kind"].item() == "pb_vote"
    assert projects["project_id"].tolist() == ["PB1", "PB2", "PB3"] and one_vote.equals(projects)
    assert signatures["activity_id"].tolist() == ["ACT5", "ACT5"] and signatures["signatures"].tolist() == [1, 1]
    assert signatures["ward_code"].iloc[0] == W3 and pd.isna(signatures["ward_code"].iloc[1])  # R0011: outside


def test_who_keeps_answering(said):
    with da.use_database(said):
        freq, fresh, made = da.response_frequency(), da.new_and_returning(), da.ward_yield()
    # P001 and P002 made 3 responses each (one of them from Brook), and both last answered from Ashby (W1);
    # P004 made 2 in Church (W3), P005 1 in Dale (W4); responses without a ward in the borough do not count.
    assert freq.groupby("ward_code")["respondents"].sum().to_dict() == {W1: 2, W3: 1, W4: 1}
    assert freq.loc[freq["ward_code"] == W1, "responses_each"].tolist() == [3]
    assert freq.loc[freq["ward_code"] == W3, "responses_each"].tolist() == [2]
    q1 = fresh[(fresh["ward_code"] == W1) & (fresh["quarter"] == "2026 Q1")].iloc[0]
    assert (q1["new"], q1["returning"], q1["untracked"]) == (2, 0, 0)
    q2 = fresh[(fresh["ward_code"] == W1) & (fresh["quarter"] == "2026 Q2")].iloc[0]
    assert (q2["new"], q2["returning"]) == (0, 2)
    ashby = made[made["ward_code"] == W1].iloc[0]
    assert (ashby["year"], ashby["activities"], ashby["responses"]) == (2026, 4, 4)
    for frame in (freq, fresh, made):
        assert not _IDS & set(frame.columns)


# ---------------------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo_said(tmp_path_factory):
    import demo
    from etl.build import build

    folder = tmp_path_factory.mktemp("demo-said")
    config = demo.write_demo_borough(folder / "inputs")
    db = folder / "demo.duckdb"
    build(load_config(config), db, say=lambda _m: None)
    return folder / "inputs", db


def test_demo_writes_the_three_files_and_they_load(demo_said):
    inputs, db = demo_said
    truth = json.loads((inputs / "truth.json").read_text())["answers"]
    counts = rows(db, "SELECT (SELECT count(*) FROM questions), (SELECT count(*) FROM answers), "
                      "(SELECT count(*) FROM pb_projects)")[0]
    assert counts == (truth["n_questions"], truth["n_answers"], truth["n_pb_projects"])
    kinds = dict(rows(db, "SELECT kind, count(*) FROM questions GROUP BY kind"))
    assert set(kinds) == {"single_choice", "multiple_choice", "scale", "free_text", "pb_approval", "map_comment"}
    options = {o for (o,) in rows(db, "SELECT DISTINCT options FROM questions")}
    assert {"Yes|No", "😞|🙁|😐|🙂|😀", "1|2|3|4|5", "Yes|No|Not sure"} <= options
    pb = rows(db, "SELECT a.activity_id, a.budget, count(*), sum(p.cost), count(p.ward_code), count(p.easting) "
                  "FROM activities a JOIN pb_projects p USING (activity_id) GROUP BY ALL")
    assert pb and all(b > 0 and 10 <= n <= 14 and 1.8 * b <= c and w == n - 1 and e == n - 1
                      for _a, b, n, c, w, e in pb)
    thresholds = rows(db, "SELECT debate_threshold FROM activities WHERE kind = 'petition'")
    assert thresholds and all(t >= 50 for (t,) in thresholds)
    comments = rows(db, "SELECT count(*), count(easting), count(*) FILTER (WHERE public), "
                        "count(*) FILTER (WHERE regexp_matches(value, '07700|@example.com|I live at')) "
                        "FROM answers JOIN questions USING (question_id) WHERE kind = 'map_comment'")[0]
    n, placed, public, personal = comments
    assert n > 500 and placed == n and 0.55 < public / n < 0.8 and 0.04 < personal / n < 0.12


def _age_standardised(cells: pd.DataFrame, population: pd.DataFrame, option: str) -> tuple[float, float, int]:
    """(raw share, share standardised to the residents' age bands, respondents) of one option."""
    n = cells["respondents"].sum()
    raw = cells.loc[cells["value"] == option, "respondents"].sum() / n
    age = population[population["dimension"] == "age"].groupby("category")["persons"].sum()
    by = cells.groupby(["age_band", "value"])["respondents"].sum().unstack(fill_value=0)
    by = by[by.index.isin(age.index)]
    weights = age.reindex(by.index) / age.reindex(by.index).sum()
    return raw, float((by[option] / by.sum(axis=1) * weights).sum()), int(n)


def test_demo_plants_one_opinion_difference_by_age_and_a_control(demo_said):
    inputs, db = demo_said
    truth = json.loads((inputs / "truth.json").read_text())["answers"]
    plant, control = truth["opinion_plant"], truth["no_plant"]
    assert plant["dimension"] == "age" and plant["option"] == "Yes"
    assert plant["yes_share_by_age"]["16-24"] - plant["yes_share_by_age"]["65+"] > 0.5
    with da.use_database(db):
        population = da.population()
        raw, standardised, n = _age_standardised(da.answer_cells(plant["question_id"]), population, "Yes")
        c_raw, c_standardised, c_n = _age_standardised(da.answer_cells(control["question_id"]), population, "Yes")
    half_width = 1.96 * (raw * (1 - raw) / n) ** 0.5
    assert standardised - raw > 2 * half_width  # the raw share leans to the old, who said No
    c_half_width = 1.96 * (c_raw * (1 - c_raw) / c_n) ** 0.5
    assert abs(c_standardised - c_raw) < c_half_width / 2
