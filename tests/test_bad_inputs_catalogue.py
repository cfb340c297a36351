"""The bad-input catalogue (issue 12): every case in tests/bad_inputs/cases.toml, one small file in place of one
file of the valid tiny borough, loaded into a fresh config; a refused load names the file, line, column and
problem and leaves a previously published database byte-identical, a loaded one says what it did.

Cases marked `pending` wait for a check not implemented yet: they must still fail (xfail, strict), so the mark
is removed as soon as the check lands.
"""

from __future__ import annotations

import copy
import hashlib
import shutil
import tomllib
import zipfile
from pathlib import Path

import etl_fixtures as tiny
import pytest
from etl_fixtures import run

from etl.errors import LoadError

CATALOGUE = Path(__file__).parent / "bad_inputs"
CASES: list[dict] = tomllib.loads((CATALOGUE / "cases.toml").read_text(encoding="utf-8"))["case"]
KEYS = {"name", "why", "input", "replaces", "target", "fixture", "config", "statistics", "expect", "message",
        "note", "rejected", "loaded_rows", "query", "value", "onto", "pending"}


def _params():
    for case in CASES:
        marks = ([pytest.mark.xfail(strict=True, reason=f"pending: {case['pending']}")]
                 if case.get("pending") else [])
        yield pytest.param(case, id=case["name"], marks=marks)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_case(case: dict, folder: Path) -> Path:
    """The tiny borough with the case's file in place; returns the config path."""
    source = CATALOGUE / "files" / case["input"]
    overrides: dict[str, object] = {}
    config = copy.deepcopy(case.get("config", {}))
    if case.get("fixture") == "answers":
        overrides |= tiny.answer_files()
        config = tiny._merge(copy.deepcopy(tiny.ANSWER_CONFIG), config)
    if "statistics" in case:
        config["statistics"] = tiny.default_config()["statistics"] + [case["statistics"]]
    if "replaces" in case:
        overrides[case["replaces"]] = source.read_bytes()
    path = tiny.write_tiny_borough(folder, config=config, **overrides)
    if "target" in case:
        target = folder / case["target"]
        if source.is_dir():
            with zipfile.ZipFile(target, "w") as zf:
                for part in sorted(source.iterdir()):
                    zf.write(part, part.name)
        else:
            shutil.copy(source, target)
    return path


@pytest.fixture(scope="module")
def good_database(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("catalogue-good")
    db = folder / "good.duckdb"
    run(tiny.write_tiny_borough(folder), db)
    return db


def _refused(case: dict, config: Path, db: Path) -> None:
    digest, mtime = sha256(db), db.stat().st_mtime_ns
    with pytest.raises(LoadError) as caught:
        run(config, db)
    message = str(caught.value)
    for want in case["message"]:
        options = want if isinstance(want, list) else [want]
        assert any(o in message for o in options), f"{options} not in: {message}"
    assert sha256(db) == digest, "a refused load changed the published database"
    assert db.stat().st_mtime_ns == mtime
    assert not list(db.parent.glob(".*.tmp-*")), "temporary files were left behind"
    assert not list(db.parent.glob("*.wal"))


def _loaded(case: dict, config: Path, db: Path) -> None:
    result = run(config, db)
    notes = "\n".join(result.notes + [n for r in result.reports for n in r.notes])
    if "note" in case:
        assert case["note"] in notes, notes
    reports = {r.dataset: r for r in result.reports}
    for dataset, n in case.get("rejected", {}).items():
        assert reports[dataset].rows_rejected == n, (dataset, reports[dataset])
    for dataset, n in case.get("loaded_rows", {}).items():
        assert reports[dataset].rows_loaded == n, (dataset, reports[dataset])
    if "query" in case:
        assert str(tiny.rows(db, case["query"])[0][0]) == case["value"]


@pytest.mark.parametrize("case", _params())
def test_bad_input(case, tmp_path, good_database):
    onto = case.get("onto", "published" if case["expect"] == "refused" else "fresh")
    db = tmp_path / "published" / "wardscope.duckdb"
    db.parent.mkdir()
    if onto == "published":
        shutil.copy2(good_database, db)
    config = write_case(case, tmp_path / "inputs")
    if case["expect"] == "refused":
        _refused(case, config, db)
    else:
        _loaded(case, config, db)


def test_the_catalogue_is_complete_and_tidy():
    """At least 40 cases, every key known, every input file used and present, names unique."""
    assert len(CASES) >= 40
    names = [c["name"] for c in CASES]
    assert len(set(names)) == len(names)
    for case in CASES:
        assert set(case) <= KEYS, (case["name"], set(case) - KEYS)
        assert case["expect"] in ("refused", "loaded"), case["name"]
        assert case["expect"] == "loaded" or case.get("message"), case["name"]
        assert ("replaces" in case) != ("target" in case), case["name"]
        assert case.get("replaces", "wards") in tiny.FILES, case["name"]
        assert (CATALOGUE / "files" / case["input"]).exists(), case["name"]
    used = {c["input"] for c in CASES}
    assert {p.name for p in (CATALOGUE / "files").iterdir()} == used
    # Every case issue 12's "Why" names (items 2 and 7) is in the catalogue.
    why = {c["name"] for c in CASES if "why" in c}
    for needed in ("responses-header-only", "responses-cut-inside-the-last-field", "census-age-count-inf",
                   "wards-overlap", "statistics-ward-codes-half-from-another-vintage", "responses-dated-2099",
                   "postcodes-terminated-are-reported", "responses-blank-line-then-a-bad-row",
                   "wards-zipped-shapefile-without-dbf"):
        assert needed in why
