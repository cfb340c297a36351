"""Build a Wardscope database from a config, and publish it atomically; stage, publish and roll back.

Stages, in order (like a dbt DAG, each stage reads only what earlier stages produced; see
etl/stages): wards → small areas and their best-fit wards → statistics apportioned to wards →
deprivation → assets → engagement (activities, responses) → answers (PB projects, questions, answers)
→ postcodes and privacy (small areas, retention, postcodes dropped) → history.
Everything is written to a temporary file beside the target (`.NAME.tmp-PID`) and moved over it with
os.replace only when every stage has passed, so a failed or interrupted load leaves the
published database exactly as it was. One writer at a time (a lock file, `.NAME.lock`); under the lock,
every load first removes the temporary files of loads that were killed (their process is gone).

Beside the published `NAME` (docs/data-contract.md, "Staging, publishing and rolling back"):
`.NAME.candidate` and `.NAME.candidate.json` (a staged load and its validation report, `build(stage=True)`),
`.NAME.previous` (the version a publish replaced; `rollback` swaps it back). A new load whose responses,
wards or residents fall by more than `[checks] max_drop_share` against the published database is refused
unless accept_changes.

A config with [engagement.synthetic] needs a generator for the engagement files: the loader
does not import one (the demo package is not part of it); the caller passes it, as
`build(config, db, synthetic_engagement=demo.write_engagement)`; etl/__main__.py does.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from etl.config import Config
from etl.errors import LoadBusy, LoadError
from etl.reports import SourceReport
from etl.stages.answers import load_answers
from etl.stages.assets import load_assets
from etl.stages.boundaries import DISPLAY_TOLERANCE_M, load_small_areas, load_wards
from etl.stages.context import LoadContext, Progress
from etl.stages.engagement import EngagementGenerator, ensure_synthetic_engagement, load_engagement, require_generator
from etl.stages.postcodes import store_postcodes
from etl.stages.publish import Changes, compare, finish, validation_report
from etl.stages.statistics import load_deprivation, load_statistics
from vocabulary import duck
from vocabulary.schema import TABLES, ddl

__all__ = ["DISPLAY_TOLERANCE_M", "BuildResult", "EngagementGenerator", "Progress", "build", "candidate_path",
           "previous_path", "publish", "report_path", "rollback", "stderr_progress"]


def stderr_progress() -> Progress:
    """Progress lines on stderr, each with the seconds since the load started."""
    start = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f}s] {message}", file=sys.stderr, flush=True)
    return say


@dataclass
class BuildResult:
    run_id: str
    db_path: Path
    reports: list[SourceReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: Changes = field(default_factory=Changes)
    staged: bool = False  # True: written to candidate_path(db_path), not published
    report: dict = field(default_factory=dict)  # the validation report (written beside a staged candidate)

    def rows(self, key: str) -> int:
        return sum(getattr(r, key) for r in self.reports)


def _beside(db_path: Path, suffix: str) -> Path:
    return db_path.parent / f".{db_path.name}.{suffix}"


def candidate_path(db_path: str | Path) -> Path:
    """Where `build(stage=True)` puts the staged database: `.NAME.candidate` beside NAME."""
    return _beside(Path(db_path).resolve(), "candidate")


def report_path(db_path: str | Path) -> Path:
    """The staged load's validation report (JSON): `.NAME.candidate.json`."""
    return _beside(Path(db_path).resolve(), "candidate.json")


def previous_path(db_path: str | Path) -> Path:
    """The version the last publish (or rollback) replaced: `.NAME.previous`."""
    return _beside(Path(db_path).resolve(), "previous")


@contextmanager
def _writer_lock(db_path: Path):
    lock_path = _beside(db_path, "lock")
    try:
        fh = open(lock_path, "w")
    except OSError as exc:
        raise LoadError(f"cannot write beside {db_path} ({exc.strerror or exc})") from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LoadBusy(f"another load is writing {db_path}; try again when it has finished") from None
        yield


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _clean_stale(db_path: Path, say: Progress) -> None:
    """Under the lock: remove the temporary files of killed loads (`.NAME.tmp-PID…` whose process is gone) and a
    staged candidate whose report is missing or is not its own (a load killed while staging)."""
    pattern = re.compile(re.escape(f".{db_path.name}.tmp-") + r"(\d+)(\..*)?")
    removed = 0
    for path in db_path.parent.glob(f".{db_path.name}.tmp-*"):
        match = pattern.fullmatch(path.name)
        if match and int(match.group(1)) != os.getpid() and not _alive(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed += 1
    candidate = candidate_path(db_path)
    if (candidate.exists() or report_path(db_path).exists()) and not _candidate_is_whole(db_path):
        _discard_candidate(db_path)
        removed += 1
    if removed:
        say(f"removed {removed} file(s) left by interrupted loads of {db_path.name}")


def _candidate_is_whole(db_path: Path) -> bool:
    """A candidate and its report belong together: the report's run is the candidate's latest load."""
    candidate, report = candidate_path(db_path), report_path(db_path)
    if not (candidate.exists() and report.exists()):
        return False
    try:
        run_id = json.loads(report.read_text(encoding="utf-8"))["run_id"]
        con = duck.connect(candidate, read_only=True)
        try:
            found = con.execute("SELECT count(*) FROM load_runs WHERE run_id = ?", [run_id]).fetchone()[0]
        finally:
            con.close()
    except (OSError, ValueError, KeyError, TypeError, duckdb.Error):
        return False
    return found == 1


def _discard_candidate(db_path: Path) -> None:
    for path in (candidate_path(db_path), report_path(db_path), Path(f"{candidate_path(db_path)}.wal")):
        path.unlink(missing_ok=True)


def _replace_keeping_previous(new: Path, db_path: Path) -> None:
    """Move `new` over `db_path` atomically; the replaced file becomes `.NAME.previous` (a hard link, so
    `db_path` is never missing, not even for a moment)."""
    if db_path.exists():
        os.replace(_hold(db_path, "previous"), previous_path(db_path))
    os.replace(new, db_path)


def _hold(db_path: Path, suffix: str) -> Path:
    """A second name for the published file (`.NAME.tmp-PID.suffix`): a hard link, else a copy."""
    held = _beside(db_path, f"tmp-{os.getpid()}.{suffix}")
    held.unlink(missing_ok=True)
    try:
        os.link(db_path, held)
    except OSError:
        shutil.copy2(db_path, held)
    return held


def _run_stages(ctx: LoadContext, synthetic_engagement: EngagementGenerator | None) -> None:
    load_wards(ctx)
    load_small_areas(ctx)
    population = load_statistics(ctx)
    load_deprivation(ctx)
    load_assets(ctx)
    ensure_synthetic_engagement(ctx, population, synthetic_engagement)
    load_engagement(ctx)
    load_answers(ctx)
    store_postcodes(ctx)


def _load(config: Config, db_path: Path, tmp: Path, say: Progress, run_id: str,
          synthetic_engagement: EngagementGenerator | None) -> BuildResult:
    """Every stage into `tmp`, checkpointed and closed; its changes against the published database measured."""
    started = datetime.now(UTC)
    con = duck.connect(tmp)
    try:
        for table in TABLES:
            con.execute(ddl(table))
        ctx = LoadContext(config, con, say)
        _run_stages(ctx, synthetic_engagement)
        finish(ctx, db_path, run_id, started)
        changes = compare(con, db_path, config.max_drop_share)
        say("writing the new database")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return BuildResult(run_id, db_path, ctx.reports, ctx.notes, changes,
                       report=validation_report(run_id, config.council_name, ctx.reports, ctx.notes, changes,
                                                config.max_drop_share))


def _stage(result: BuildResult, tmp: Path, say: Progress) -> None:
    """The report first (under a temporary name), then the candidate, then the report in place: a kill between
    leaves a candidate without its report, which the next load removes."""
    db_path = result.db_path
    report_tmp = _beside(db_path, f"tmp-{os.getpid()}.json")
    report_tmp.write_text(json.dumps(result.report, indent=2, ensure_ascii=False), encoding="utf-8")
    say("staging the candidate")
    os.replace(tmp, candidate_path(db_path))
    os.replace(report_tmp, report_path(db_path))
    result.staged = True


def build(config: Config, db_path: str | Path, say: Progress | None = None, *,
          synthetic_engagement: EngagementGenerator | None = None, stage: bool = False,
          accept_changes: bool = False) -> BuildResult:
    """Load every source named in `config` into a new database and publish it at `db_path`.

    stage: write it to candidate_path(db_path) with its validation report (report_path) instead, leaving
    `db_path` alone; `publish` moves it into place. accept_changes: publish even when responses, wards or
    residents fall by more than `[checks] max_drop_share` (a plain build refuses otherwise; a staged build
    records it in the report, and `publish` refuses). synthetic_engagement: the generator for a config with
    [engagement.synthetic] whose files do not exist yet (demo.write_engagement); without one such a config is
    an InputError before anything loads.
    """
    say = say or stderr_progress()
    require_generator(config, synthetic_engagement)
    db_path = Path(db_path).resolve()
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LoadError(f"cannot create the folder of {db_path} ({exc.strerror or exc})") from None
    run_id = uuid.uuid4().hex[:12]
    with _writer_lock(db_path):
        _clean_stale(db_path, say)
        if stage:
            _discard_candidate(db_path)
        tmp = _beside(db_path, f"tmp-{os.getpid()}")
        try:
            tmp.unlink(missing_ok=True)
            result = _load(config, db_path, tmp, say, run_id, synthetic_engagement)
            if stage:
                _stage(result, tmp, say)
            elif result.changes.needs_accept_changes and not accept_changes:
                raise LoadError(result.changes.refusal(config.max_drop_share))
            else:
                say("publishing")
                _replace_keeping_previous(tmp, db_path)
        except OSError as exc:
            raise LoadError(f"could not write the new database beside {db_path} ({exc.strerror or exc})") from None
        finally:
            for path in (tmp, Path(f"{tmp}.wal"), _beside(db_path, f"tmp-{os.getpid()}.json")):
                path.unlink(missing_ok=True)
    say(f"staged {candidate_path(db_path)} (run {run_id})" if stage else f"published {db_path} (run {run_id})")
    return result


def publish(db_path: str | Path, *, accept_changes: bool = False, say: Progress | None = None) -> dict:
    """Move the staged candidate over `db_path` atomically, keeping the replaced file as previous_path.

    The drop check is made again against what is published now. Returns the validation report, its
    changes measured now. LoadError when there is no candidate or the check needs accept_changes.
    """
    say = say or stderr_progress()
    db_path = Path(db_path).resolve()
    with _writer_lock(db_path):
        _clean_stale(db_path, say)
        candidate, report_file = candidate_path(db_path), report_path(db_path)
        if not (candidate.exists() and report_file.exists()):
            raise LoadError(f"there is no staged load to publish for {db_path}: stage one first with "
                            f"python -m etl build --config FILE --db {db_path} --stage")
        try:
            report = json.loads(report_file.read_text(encoding="utf-8"))
            share = float(report.get("max_drop_share", 0.2))
            con = duck.connect(candidate, read_only=True)
            try:
                changes = compare(con, db_path, share)
            finally:
                con.close()
            if changes.needs_accept_changes and not accept_changes:
                raise LoadError(changes.refusal(share))
            say("publishing")
            _replace_keeping_previous(candidate, db_path)
            report_file.unlink(missing_ok=True)
        except (OSError, duckdb.Error) as exc:
            raise LoadError(f"could not publish the staged load of {db_path} ({exc})") from None
    report |= {"changes": changes.changes, "needs_accept_changes": changes.needs_accept_changes,
               "drops": changes.drops}
    say(f"published {db_path} (run {report.get('run_id')})")
    return report


def rollback(db_path: str | Path, say: Progress | None = None) -> str | None:
    """Swap previous_path back into place atomically; the version rolled back becomes the new previous (so a
    rollback can itself be undone). Returns the run id now published (its latest load). LoadError if none."""
    say = say or stderr_progress()
    db_path = Path(db_path).resolve()
    with _writer_lock(db_path):
        _clean_stale(db_path, say)
        previous = previous_path(db_path)
        if not previous.exists():
            raise LoadError(f"there is no previous version of {db_path} to roll back to")
        try:
            held = _hold(db_path, "rollback") if db_path.exists() else None
            say("rolling back")
            os.replace(previous, db_path)
            if held is not None:
                os.replace(held, previous)
        except OSError as exc:
            raise LoadError(f"could not roll back {db_path} ({exc.strerror or exc})") from None
    return latest_run(db_path)


def latest_run(db_path: Path) -> str | None:
    """The run id of the latest load of a database file (None when it cannot be read)."""
    try:
        con = duck.connect(db_path, read_only=True)
        try:
            row = con.execute("SELECT run_id FROM load_runs ORDER BY finished_at DESC LIMIT 1").fetchone()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return row[0] if row else None
