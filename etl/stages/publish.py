"""Publish: the last writes before the new database replaces the old one.

Post-load indexes (created after the bulk inserts, which is quicker than maintaining them
during), the meta table (council, synthetic scope, schema version, the generator's ground
truth when there is one), and the load history: every earlier run carried over from the
published database, plus this run with one row per source file and its SHA-256.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from etl.config import Config
from etl.postcodes import PostcodeDirectory
from etl.reports import SourceReport, sha256_of
from etl.stages.context import LoadContext, insert
from vocabulary.schema import SCHEMA_VERSION, TABLES, column_names, post_load_indexes


def finish(ctx: LoadContext, previous: Path, run_id: str, started: datetime) -> None:
    """Indexes, meta, the history carried from `previous` (the published database) and this run's record."""
    for table in TABLES:
        for statement in post_load_indexes(table):
            ctx.con.execute(statement)
    _write_meta(ctx.con, ctx.config, ctx.directory)
    _carry_history(ctx.con, previous, ctx.notes)
    _write_run(ctx.con, ctx.config, run_id, started, ctx.reports, ctx.notes)


def _carry_history(con: duckdb.DuckDBPyConnection, previous: Path, notes: list[str]) -> None:
    """Copy load_runs and load_sources from the published database, so history is never lost."""
    if not previous.exists():
        return
    quoted = str(previous).replace("'", "''")
    try:
        con.execute(f"ATTACH '{quoted}' AS previous (READ_ONLY)")
        for table in ("load_runs", "load_sources"):
            cols = ", ".join(f'"{c}"' for c in column_names(table))
            con.execute(f'INSERT INTO "{table}" SELECT {cols} FROM previous."{table}"')
        con.execute("DETACH previous")
    except duckdb.Error as exc:
        notes.append(f"Load history of the previous database could not be carried over ({exc}).")


def _write_run(con: duckdb.DuckDBPyConnection, config: Config, run_id: str, started: datetime,
               reports: list[SourceReport], notes: list[str]) -> None:
    all_notes = notes + [f"{r.dataset}: {n}" for r in reports for n in r.notes]
    insert(con, "load_runs", pd.DataFrame([{
        "run_id": run_id, "started_at": started.replace(tzinfo=None),
        "finished_at": datetime.now(UTC).replace(tzinfo=None),
        "status": "published", "config": str(config.path), "council": config.council_name,
        "synthetic": config.synthetic, "rows_read": sum(r.rows_read for r in reports),
        "rows_loaded": sum(r.rows_loaded for r in reports), "rows_rejected": sum(r.rows_rejected for r in reports),
        "notes": "\n".join(all_notes)}]))
    insert(con, "load_sources", pd.DataFrame([{
        "run_id": run_id, "dataset": r.dataset, "file": str(r.file), "sha256": sha256_of(r.file),
        "rows_read": r.rows_read, "rows_loaded": r.rows_loaded, "rows_rejected": r.rows_rejected,
        "rejections": json.dumps(r.rejections), "source": r.source, "data_date": r.data_date} for r in reports]))


def _write_meta(con: duckdb.DuckDBPyConnection, config: Config, directory: PostcodeDirectory) -> None:
    scope = "all" if config.synthetic and (config.engagement is None or config.engagement.synthetic is None) \
        else "engagement" if config.synthetic else "none"
    meta = {"council": config.council_name, "lad_code": config.lad_code, "synthetic": json.dumps(config.synthetic),
            "synthetic_scope": scope,
            "schema_version": str(SCHEMA_VERSION), "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "postcode_source": directory.source}
    if config.engagement is not None:
        truth = config.engagement.responses.parent / "truth.json"
        if config.synthetic and truth.exists():
            meta["synthetic_truth"] = truth.read_text(encoding="utf-8")
    insert(con, "meta", pd.DataFrame({"key": list(meta), "value": list(meta.values())}))
