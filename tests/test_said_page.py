"""Issue 11: the "What residents said" page — every tab runs, no count 1–9 in any table under two filters, a
question's tables follow the question chosen, and the demo's planted opinion difference by age is flagged
"depends on who replied" while its control question is not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_pages import assert_no_small_counts, small_activity

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "pages" / "said.py"
TABS = ["Answers", "Participatory budgeting", "Petitions", "Comments on the map", "Who keeps answering"]


def _run(**state) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=300)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_runs_and_shows_no_small_count(app_env, tab):
    import data_access as da
    import ui

    for flt in (da.EngagementFilter(), da.EngagementFilter(activity_ids=(small_activity(app_env),))):
        at = _run(said_tab=tab, **{ui.FILTER_KEY: flt})
        assert not at.exception, [e.value for e in at.exception]
        assert [t.label for t in at.tabs] == TABS
        assert_no_small_counts(at)


def test_the_tables_follow_the_question_chosen(app_env):
    import data_access as da
    from services import said

    at = _run(said_tab="Answers")
    first = [f.value.to_dict() for f in at.dataframe]
    box = at.selectbox(key="said_question")
    questions = da.questions()
    others = questions[questions["kind"].isin(said.SHARE_KINDS) & (questions["question_id"] != box.value)][
        "question_id"]
    at = box.set_value(others.iloc[-1]).run()
    assert not at.exception
    assert at.selectbox(key="said_question").value == others.iloc[-1]
    assert [f.value.to_dict() for f in at.dataframe] != first


def test_the_planted_question_depends_on_who_replied_and_the_control_does_not(app_env):
    import data_access as da
    from services import said

    truth = json.loads(da.meta()["synthetic_truth"])["answers"]
    planted, control = truth["opinion_plant"]["question_id"], truth["no_plant"]["question_id"]
    assert said.question_results(planted).depends_on_who_replied
    assert not said.question_results(control).depends_on_who_replied
    at = _run(said_tab="Answers", said_question=planted)
    assert any("Depends on who replied" in w.value for w in at.warning)


def test_no_pin_and_no_private_quote_reaches_the_comments_tab(app_env):
    import data_access as da
    from services import said

    for qid in da.questions().query("kind == 'map_comment'")["question_id"]:
        cells = said.comment_cells(qid, 500)
        assert (cells.cells["comments"] >= 10).all() if len(cells.cells) else True
        comments = da.comments(qid)
        private = set(comments.loc[comments["public"] != True, "value"]) - set(  # noqa: E712 (NA counts as private)
            comments.loc[comments["public"] == True, "value"])  # noqa: E712 (texts only ever written privately)
        quotes = said.comment_themes(qid)["quotes"]
        assert not any(q in private for q in quotes.get("quote", []))


def test_answers_by_area_of_a_saved_scheme(app_env, tmp_path, monkeypatch):
    import data_access as da

    monkeypatch.setenv("WARDSCOPE_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    codes = list(da.wards()["ward_code"])
    assignment = {code: ("North" if i < len(codes) // 2 else "South") for i, code in enumerate(codes)}
    da.save_item("scheme", "Two halves", {"assignment": assignment, "tolerance": 10})
    borough_wide = json.loads(da.meta()["synthetic_truth"])["answers"]["no_plant"]["question_id"]
    activity = da.questions().set_index("question_id").at[borough_wide, "activity_id"]
    assert da.activity_scope_wards(da.EngagementFilter(activity_ids=(activity,))) is None
    at = _run(said_tab="Answers", said_question=borough_wide, said_scheme="Two halves")
    assert not at.exception, [e.value for e in at.exception]
    areas = next(f.value for f in at.dataframe if "Area" in f.value.columns)
    assert set(areas["Area"]) == {"North", "South"}
    assert_no_small_counts(at)


def test_the_printable_profile_says_what_the_wards_residents_said(app_env, tmp_path):
    import html

    import data_access as da
    from etl.__main__ import main
    from services import said

    code = da.wards()["ward_code"].iloc[0]
    assert main(["profiles", "--db", str(app_env), "--out", str(tmp_path), "--format", "html", "--ward", code]) == 0
    page = next(tmp_path.glob(f"{code}-*.html")).read_text(encoding="utf-8")
    assert "What residents of this ward said" in page
    asked = said.said_here((code,))
    assert asked["question"].nunique() >= 1
    assert html.escape(asked["question"].iloc[0], quote=False) in page
