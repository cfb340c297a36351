"""No page ever shows a traceback: app.py turns an unexpected error into a plain message and a log entry,
and lets st.stop / st.rerun (Streamlit's control-flow exceptions) through untouched.

The Overview page (the router's default) is made to fail by replacing a service it calls; AppTest runs the
script in this process, so the replacement is what the page calls.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

import services

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TIMEOUT = 90
SECRET = "/very/secret/path/module.py"


def shown_text(at: AppTest) -> str:
    """Every text element of the page (titles, markdown, captions, alerts, exceptions), joined."""
    parts = [e.value for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning",
                                  "info", "success") for e in getattr(at, kind)]
    parts += [e.message for e in at.exception] + [" ".join(e.stack_trace) for e in at.exception]
    return "\n".join(str(p) for p in parts)


def test_a_failing_page_shows_a_plain_message_and_logs_the_traceback(app_env, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError(f"boom in {SECRET}")

    monkeypatch.setattr(services, "indicator_values", broken)
    with caplog.at_level(logging.ERROR, logger="wardscope"):
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, "the error reached Streamlit's exception box"
    assert any(e.value.startswith("Something went wrong on this page; it has been logged") for e in at.error)
    text = shown_text(at)
    assert "Traceback" not in text and SECRET not in text and "RuntimeError" not in text
    logged = [r for r in caplog.records if r.name == "wardscope"]
    assert logged and logged[0].exc_info is not None, "the traceback was not logged"
    assert "boom" in str(logged[0].exc_info[1]) and "Overview" in logged[0].getMessage()


def test_st_stop_passes_through(app_env, monkeypatch):
    monkeypatch.setattr(services, "indicator_values", lambda *_a, **_k: st.stop())
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Overview"  # drawn before the stop
    assert not at.metric, "the page ran on past st.stop"


def test_st_rerun_passes_through(app_env, monkeypatch):
    real, calls = services.indicator_values, []

    def rerun_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            st.rerun()
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "indicator_values", rerun_once)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(calls) >= 2, "st.rerun did not rerun the script"
    assert any(m.label == "Wards" for m in at.metric)


def test_streamlit_config_hides_error_details():
    """Legacy `showErrorDetails = false` means "stacktrace" in current Streamlit: only "none" hides it all."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
