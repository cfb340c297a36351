"""The frame (app.py): a missing database is said, never built; the session's role is said and enforced."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 120


def _texts(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("error", "warning", "info", "caption", "markdown")
                     for e in getattr(at, kind))


def test_a_missing_database_is_said_and_not_built(tmp_path, monkeypatch):
    missing = tmp_path / "typo" / "wardscope.duckdb"
    monkeypatch.setenv("WARDSCOPE_DB", str(missing))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("There is no Wardscope database at" in e.value for e in at.error)
    assert "./wardscope app" in at.error[0].value
    assert not missing.exists() and not missing.parent.exists()


def test_the_sidebar_says_the_role_from_the_local_setting(app_env, monkeypatch):
    monkeypatch.setenv("WARDSCOPE_ROLE", "public")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    said = _texts(at)
    assert "Viewing as **Public**" in said
    assert "WARDSCOPE_ROLE" in said


def test_public_sees_no_comments_as_written(app_env, monkeypatch):
    monkeypatch.setenv("WARDSCOPE_ROLE", "public")
    at = AppTest.from_file(str(ROOT / "pages" / "said.py"), default_timeout=TIMEOUT)
    at.session_state["said_tab"] = "Comments on the map"
    at.run()
    assert not at.exception
    assert any("shown to signed-in councillors and officers only" in e.value for e in at.info)
    monkeypatch.setenv("WARDSCOPE_ROLE", "councillor")
    at = AppTest.from_file(str(ROOT / "pages" / "said.py"), default_timeout=TIMEOUT)
    at.session_state["said_tab"] = "Comments on the map"
    at.run()
    assert not at.exception
    assert not any("signed-in" in e.value for e in at.info)
