"""Build a Wardscope database from a config, and publish it atomically.

Stages, in order (like a dbt DAG, each stage reads only what earlier stages produced; see
etl/stages): wards → small areas and their best-fit wards → statistics apportioned to wards →
deprivation → assets → engagement (activities, responses) → answers (PB projects, questions, answers)
→ postcodes → history.
Everything is written to a temporary file beside the target and moved over it with
os.replace only when every stage has passed, so a failed or interrupted load leaves the
published database exactly as it was. One writer at a time (a lock file).

A config with [engagement.synthetic] needs a generator for the engagement files: the loader
does not import one (the demo package is not part of it); the caller passes it, as
`build(config, db, synthetic_engagement=demo.write_engagement)`; etl/__main__.py does.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from etl.config import Config
from etl.errors import LoadBusy
from etl.reports import SourceReport
from etl.stages.answers import load_answers
from etl.stages.assets import load_assets
from etl.stages.boundaries import DISPLAY_TOLERANCE_M, load_small_areas, load_wards
from etl.stages.context import LoadContext, Progress
from etl.stages.engagement import EngagementGenerator, ensure_synthetic_engagement, load_engagement, require_generator
from etl.stages.postcodes import store_postcodes
from etl.stages.publish import finish
from etl.stages.statistics import load_deprivation, load_statistics
from vocabulary import duck
from vocabulary.schema import TABLES, ddl

__all__ = ["DISPLAY_TOLERANCE_M", "BuildResult", "EngagementGenerator", "Progress", "build", "stderr_progress"]


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

    def rows(self, key: str) -> int:
        return sum(getattr(r, key) for r in self.reports)


@contextmanager
def _writer_lock(db_path: Path):
    lock_path = db_path.parent / f".{db_path.name}.lock"
    with open(lock_path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LoadBusy(f"another load is writing {db_path}; try again when it has finished") from None
        yield


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


def build(config: Config, db_path: str | Path, say: Progress | None = None, *,
          synthetic_engagement: EngagementGenerator | None = None) -> BuildResult:
    """Load every source named in `config` into a new database and publish it at `db_path`.

    synthetic_engagement: the generator for a config with [engagement.synthetic] whose files do not
    exist yet (demo.write_engagement); without one such a config is an InputError before anything loads.
    """
    say = say or stderr_progress()
    require_generator(config, synthetic_engagement)
    db_path = Path(db_path).resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:12]
    started = datetime.now(UTC)
    with _writer_lock(db_path):
        tmp = db_path.parent / f".{db_path.name}.tmp-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        con = duck.connect(tmp)
        try:
            for table in TABLES:
                con.execute(ddl(table))
            ctx = LoadContext(config, con, say)
            _run_stages(ctx, synthetic_engagement)
            finish(ctx, db_path, run_id, started)
            con.execute("CHECKPOINT")
            con.close()
            os.replace(tmp, db_path)
        except BaseException:
            con.close()
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
            raise
    say(f"published {db_path} (run {run_id})")
    return BuildResult(run_id, db_path, ctx.reports, ctx.notes)
