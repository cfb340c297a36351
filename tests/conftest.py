"""Shared fixtures: a demo database built once per test session from code, in a temp folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def require_shared_data() -> Path:
    """The real ONS/MHCLG files beside the project; skip without them, but never on CI."""
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    reason = f"{SHARED_DATA} not found: the real ONS/MHCLG reference files are needed for this test"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " (CI=true: real-data tests must run, not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The synthetic demo borough, built through the real pipeline (etl demo)."""
    from etl.__main__ import main

    folder = tmp_path_factory.mktemp("demo")
    db = folder / "demo.duckdb"
    assert main(["demo", "--db", str(db), "--inputs", str(folder / "inputs")]) == 0
    return db


@pytest.fixture()
def app_env(demo_db, monkeypatch) -> Path:
    """Point the app's data-access module at the demo database."""
    monkeypatch.setenv("WARDSCOPE_DB", str(demo_db))
    return demo_db


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data (the real ONS/MHCLG files). Skips without it, fails instead on CI."""
    return require_shared_data()


@pytest.fixture(scope="session")
def thurrock_db(tmp_path_factory) -> Path:
    """examples/thurrock.toml built once per session from a copy in a temp folder (generated files stay out
    of the repository). Skips without ../shared/data, fails instead on CI."""
    shared = require_shared_data()
    from demo import write_engagement
    from etl.build import build
    from etl.config import load_config

    folder = tmp_path_factory.mktemp("thurrock")
    text = (ROOT / "examples" / "thurrock.toml").read_text(encoding="utf-8")
    config = folder / "thurrock.toml"
    config.write_text(text.replace("../../shared/data", shared.as_posix()), encoding="utf-8")
    db = folder / "thurrock.duckdb"
    build(load_config(config), db, say=lambda _message: None, synthetic_engagement=write_engagement)
    return db


@pytest.fixture(scope="session")
def good_database(tmp_path_factory) -> Path:
    """The valid tiny borough (tests/etl_fixtures.py) loaded once: the published database refused loads must leave
    byte-identical (the bad-input tests copy it before each case)."""
    import etl_fixtures as tiny

    folder = tmp_path_factory.mktemp("tiny-good")
    db = folder / "good.duckdb"
    tiny.run(tiny.write_tiny_borough(folder), db)
    return db
