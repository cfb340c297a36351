"""Staging, publishing, rolling back, the drop check, and loads killed at several points (issue 12).

Every test builds the tiny synthetic borough (tests/etl_fixtures.py) in tmp_path.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import etl_fixtures as tiny
import pytest
from etl_fixtures import rows, run

from etl.__main__ import main
from etl.build import _writer_lock, candidate_path, previous_path, report_path
from etl.config import load_config
from etl.stages.publish import compare
from vocabulary import duck
from vocabulary.schema import TABLES, ddl

ROOT = Path(__file__).resolve().parent.parent
FEWER_RESPONSES = tiny.RESPONSE_ROWS[:2]  # 2 of 7: a fall of 71%


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def latest_run(db: Path) -> str:
    return rows(db, "SELECT run_id FROM load_runs ORDER BY finished_at DESC LIMIT 1")[0][0]


def leftovers(folder: Path, db: Path) -> list[str]:
    """Temporary files of loads (and any write-ahead log) beside the database."""
    return sorted(p.name for p in folder.iterdir()
                  if p.name.startswith(f".{db.name}.tmp-") or p.name.endswith(".wal"))


@pytest.fixture()
def published(tmp_path):
    config = tiny.write_tiny_borough(tmp_path)
    db = tmp_path / "tiny.duckdb"
    run(config, db)
    return config, db


def stage_fewer(tmp_path: Path, **config) -> Path:
    """The same borough's config with a responses file of 2 rows (written over the 7-row one)."""
    return tiny.write_tiny_borough(tmp_path, responses=tiny.responses_csv(FEWER_RESPONSES), **config)


# -- staging, publishing, rolling back --------------------------------------------------------
def test_stage_writes_candidate_and_report_and_leaves_the_database(published, capsys):
    config, db = published
    before = sha(db)
    assert main(["build", "--config", str(config), "--db", str(db), "--stage"]) == 0
    assert sha(db) == before
    report = json.loads(report_path(db).read_text(encoding="utf-8"))
    assert candidate_path(db).exists() and report["run_id"] == latest_run(candidate_path(db))
    assert {"run_id", "council", "datasets", "notes", "changes", "needs_accept_changes"} <= set(report)
    assert report["council"] == tiny.COUNCIL and report["needs_accept_changes"] is False
    responses = next(d for d in report["datasets"] if d["dataset"] == "responses")
    assert responses["rows_read"] == responses["rows_loaded"] == len(tiny.RESPONSE_ROWS)
    assert set(responses) == {"dataset", "file", "rows_read", "rows_loaded", "rows_rejected", "rejections", "notes"}
    changes = {c["measure"]: c for c in report["changes"]}
    assert changes["responses"] == {"measure": "responses", "published": 7, "candidate": 7, "change_pct": 0.0}
    assert {"wards", "residents", "residents (age)", "residents (ethnicity)"} <= set(changes)
    out = capsys.readouterr().out
    assert "Staged" in out and f"python -m etl publish --db {db}" in out
    assert leftovers(db.parent, db) == []


def test_a_staged_load_reports_rejected_rows_with_line_column_and_problem(tmp_path):
    bad = tiny.RESPONSE_ROWS[:3] + ["R0099,P099,NOPE,2026-01-05,TB1 1AA,online,25-34,Female,White British,No"]
    config = tiny.write_tiny_borough(tmp_path, responses=tiny.responses_csv(bad),
                                     config={"load": {"max_rejected_rows": 5}})
    db = tmp_path / "tiny.duckdb"
    assert main(["build", "--config", str(config), "--db", str(db), "--stage"]) == 0
    assert not db.exists()  # nothing published yet: no changes to compare
    report = json.loads(report_path(db).read_text(encoding="utf-8"))
    responses = next(d for d in report["datasets"] if d["dataset"] == "responses")
    assert responses["rows_rejected"] == 1
    assert responses["rejections"] == [{"line": 5, "column": "activity_id", "problem": "is not in activities"}]
    assert report["changes"] == [] and report["needs_accept_changes"] is False


def test_publish_keeps_the_previous_version_and_rollback_swaps_it_back(published, capsys):
    config, db = published
    first_run, first_sha = latest_run(db), sha(db)
    assert main(["build", "--config", str(config), "--db", str(db), "--stage"]) == 0
    staged_run = latest_run(candidate_path(db))
    assert main(["publish", "--db", str(db)]) == 0
    assert latest_run(db) == staged_run and staged_run != first_run
    assert sha(previous_path(db)) == first_sha
    assert not candidate_path(db).exists() and not report_path(db).exists()
    second_sha = sha(db)
    assert main(["rollback", "--db", str(db)]) == 0
    assert sha(db) == first_sha and sha(previous_path(db)) == second_sha
    assert f"run {first_run}" in capsys.readouterr().out
    assert main(["rollback", "--db", str(db)]) == 0  # a rollback is itself undone by rolling back
    assert sha(db) == second_sha and sha(previous_path(db)) == first_sha
    assert leftovers(db.parent, db) == []


def test_a_plain_build_keeps_the_previous_version(published):
    config, db = published
    first = sha(db)
    assert main(["build", "--config", str(config), "--db", str(db)]) == 0
    assert sha(previous_path(db)) == first and sha(db) != first


def test_publish_without_a_candidate_and_rollback_without_a_previous_fail_cleanly(published, capsys):
    _, db = published
    before = sha(db)
    assert main(["publish", "--db", str(db)]) == 2
    assert "Load failed, nothing was changed: there is no staged load to publish" in capsys.readouterr().err
    assert main(["rollback", "--db", str(db)]) == 2
    assert "Load failed, nothing was changed: there is no previous version" in capsys.readouterr().err
    assert sha(db) == before


# -- the drop check -----------------------------------------------------------------------------
def test_a_plain_build_with_far_fewer_responses_needs_accept_changes(published, capsys):
    config, db = published
    before = sha(db)
    config = stage_fewer(db.parent)
    assert main(["build", "--config", str(config), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "Load failed, nothing was changed: responses fell from 7 to 2 (-71.4%)" in err
    assert "--accept-changes" in err and "20%" in err
    assert sha(db) == before and leftovers(db.parent, db) == [] and not previous_path(db).exists()
    assert main(["build", "--config", str(config), "--db", str(db), "--accept-changes"]) == 0
    assert rows(db, "SELECT count(*) FROM responses") == [(2,)]


def test_a_staged_drop_is_reported_and_publish_needs_accept_changes(published, capsys):
    config, db = published
    before = sha(db)
    config = stage_fewer(db.parent)
    assert main(["build", "--config", str(config), "--db", str(db), "--stage"]) == 0
    out = capsys.readouterr().out
    assert "needs --accept-changes" in out and "--accept-changes" in out.splitlines()[-1]
    report = json.loads(report_path(db).read_text(encoding="utf-8"))
    assert report["needs_accept_changes"] is True
    assert {"measure": "responses", "published": 7, "candidate": 2, "change_pct": -71.4} in report["changes"]
    assert main(["publish", "--db", str(db)]) == 2
    assert "Load failed, nothing was changed: responses fell from 7 to 2 (-71.4%)" in capsys.readouterr().err
    assert sha(db) == before and candidate_path(db).exists()
    assert main(["publish", "--db", str(db), "--accept-changes"]) == 0
    assert rows(db, "SELECT count(*) FROM responses") == [(2,)]


def test_the_allowed_fall_is_configurable(published):
    _, db = published
    config = stage_fewer(db.parent, config={"checks": {"max_drop_share": 0.75}})
    assert main(["build", "--config", str(config), "--db", str(db)]) == 0


@pytest.mark.parametrize("value", ["1.5", "-0.1", '"a lot"'])
def test_a_bad_max_drop_share_is_an_error_naming_the_key(tmp_path, value, capsys):
    config = tiny.write_tiny_borough(tmp_path, extra_toml=f"[checks]\nmax_drop_share = {value}")
    assert main(["build", "--config", str(config), "--db", str(tmp_path / "t.duckdb")]) == 2
    assert "max_drop_share must be a share between 0 and 1" in capsys.readouterr().err


def _database(path: Path, responses: int, wards: int, residents: dict[str, float]) -> Path:
    con = duck.connect(path)
    for table in TABLES:
        con.execute(ddl(table))
    con.execute("INSERT INTO responses (response_id) SELECT 'R' || i FROM range(?) t(i)", [responses])
    con.execute("INSERT INTO wards (ward_code) SELECT 'W' || i FROM range(?) t(i)", [wards])
    for dimension, persons in residents.items():
        con.execute("INSERT INTO ward_population VALUES ('W0', ?, 'All', ?)", [dimension, persons])
    con.close()
    return path


def test_falls_in_wards_and_in_one_dimension_of_residents_are_caught(tmp_path):
    published = _database(tmp_path / "p.duckdb", 100, 20, {"age": 30_000.0, "ethnicity": 30_000.0})
    _database(tmp_path / "c.duckdb", 95, 15, {"age": 30_000.0, "ethnicity": 15_000.0})
    con = duck.connect(tmp_path / "c.duckdb", read_only=True)
    try:
        changes = compare(con, published, 0.2)
    finally:
        con.close()
    assert changes.drops == ["wards fell from 20 to 15 (-25.0%)",
                             "residents (ethnicity) fell from 30,000 to 15,000 (-50.0%)"]
    got = {c["measure"]: (c["published"], c["candidate"], c["change_pct"]) for c in changes.changes}
    assert got["responses"] == (100, 95, -5.0) and got["residents"] == (30_000.0, 30_000.0, 0.0)
    assert "[checks] max_drop_share" in changes.refusal(0.2)


# -- one writer, every failure in the promised words ------------------------------------------
def test_a_second_concurrent_load_is_refused_with_exit_2(published, capsys):
    config, db = published
    before = sha(db)
    with _writer_lock(db.resolve()):
        for argv in (["build", "--config", str(config)], ["publish"], ["rollback"]):
            assert main([*argv, "--db", str(db)]) == 2
            err = capsys.readouterr().err
            assert err.startswith("Load failed, nothing was changed: another load is writing"), err
            assert "Traceback" not in err
    assert sha(db) == before


def test_an_unexpected_error_is_reported_in_the_same_words(published, monkeypatch, capsys):
    config, db = published
    monkeypatch.delenv("WARDSCOPE_DEBUG", raising=False)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr("etl.build.store_postcodes", broken)
    before = sha(db)
    assert main(["build", "--config", str(config), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert ("Load failed, nothing was changed: an unexpected error stopped the load (RuntimeError: disk on fire)"
            in err) and "Traceback" not in err
    assert sha(db) == before and leftovers(db.parent, db) == []


# -- killed loads ------------------------------------------------------------------------------
KILLER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from etl.build import build, publish
from etl.config import load_config

config, db, action, point = sys.argv[1:5]

def say(message):
    if message.startswith(point):
        os.kill(os.getpid(), signal.SIGKILL)

if action == "publish":
    publish(db, say=say)
else:
    build(load_config(config), db, say=say, stage=action == "stage")
raise SystemExit("the load was not killed: no progress line starts with " + repr(point))
"""


def kill_at(tmp_path: Path, config: Path, db: Path, action: str, point: str) -> None:
    script = tmp_path / "killer.py"
    script.write_text(KILLER.format(root=str(ROOT)), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(config), str(db), action, point], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]


@pytest.mark.parametrize(("action", "point"), [
    ("build", "wards:"), ("build", "responses:"), ("build", "writing the new database"), ("build", "publishing"),
    ("stage", "staging the candidate"), ("publish", "publishing"),
])
def test_a_killed_load_changes_nothing_and_the_next_load_cleans_up(published, tmp_path, action, point):
    config, db = published
    before, run_before = sha(db), latest_run(db)
    if action == "publish":
        assert main(["build", "--config", str(config), "--db", str(db), "--stage"]) == 0
    kill_at(tmp_path, config, db, action, point)
    assert sha(db) == before
    con = duck.connect(db, read_only=True)  # the published database still opens, with its data
    try:
        assert con.execute("SELECT count(*) FROM responses").fetchone()[0] == len(tiny.RESPONSE_ROWS)
    finally:
        con.close()
    assert latest_run(db) == run_before
    if action != "publish":
        assert leftovers(db.parent, db), "the kill should have left the load's temporary file behind"
    result = run(config, db)
    assert latest_run(db) == result.run_id
    assert leftovers(db.parent, db) == []


def test_a_candidate_without_its_report_is_removed_by_the_next_load(published, capsys):
    config, db = published
    candidate_path(db).write_bytes(b"half a database")
    Path(f"{candidate_path(db)}.wal").write_bytes(b"")
    assert main(["publish", "--db", str(db)]) == 2
    assert "there is no staged load to publish" in capsys.readouterr().err
    assert not candidate_path(db).exists() and not Path(f"{candidate_path(db)}.wal").exists()


def test_a_temporary_file_of_a_live_process_is_left_alone(published):
    config, db = published
    live = db.parent / f".{db.name}.tmp-{os.getppid()}"  # the test runner's parent: alive
    dead = db.parent / f".{db.name}.tmp-999999999"
    live.write_bytes(b"x")
    dead.write_bytes(b"x")
    run(config, db)
    assert live.exists() and not dead.exists()
    live.unlink()


def test_load_config_reads_the_checks_section(tmp_path):
    config = tiny.write_tiny_borough(tmp_path, config={"checks": {"max_drop_share": 0.5}})
    assert load_config(config).max_drop_share == 0.5
    assert load_config(tiny.write_tiny_borough(tmp_path / "b")).max_drop_share == 0.2
