"""Issue 12 (links): what a link carries is shown as plain text, and a link to something that is not there says so."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def test_plain_escapes_every_markdown_mark():
    import ui

    shown = ui.plain("[sign in again](https://evil.example) **now** `x` :material/lock:")
    assert "](" not in shown and "\\[" in shown and "\\*\\*" in shown and "\\`" in shown and "\\:" in shown


def test_an_unknown_ward_code_is_said_not_silently_replaced(app_env):
    at = AppTest.from_file(str(ROOT / "pages" / "ward_profile.py"), default_timeout=120)
    at.query_params["ward"] = "E0500XXXX"
    at.run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("no ward with the code" in w and "E0500XXXX" in w for w in warnings), warnings


def test_a_scheme_link_is_plain_text_in_the_warning(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("WARDSCOPE_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    at = AppTest.from_file(str(ROOT / "pages" / "areas.py"), default_timeout=180)
    at.query_params["scheme"] = "[sign in again](https://evil.example)"
    at.run()
    assert not at.exception
    warning = next(w.value for w in at.warning if "no saved scheme" in w.value)
    assert "](https://" not in warning and "\\[sign in again\\]" in warning
