"""Publish: the last writes before the new database replaces the old one, and what changed.

Post-load indexes (created after the bulk inserts, which is quicker than maintaining them
during), the meta table (council, synthetic scope, schema version, the generator's ground
truth when there is one), and the load history: every earlier run carried over from the
published database, plus this run with one row per source file and its SHA-256.

`compare` measures a new database against the published one (responses, wards, residents in
total and per dimension) for the drop check: a fall of more than the config's
`[checks] max_drop_share` needs --accept-changes. `validation_report` is the JSON written beside a
staged candidate (docs/data-contract.md, "Staging, publishing and rolling back").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from etl.config import Config
from etl.postcodes import PostcodeDirectory
from etl.reports import SourceReport, sha256_of
from etl.stages.assets import record_changes
from etl.stages.context import LoadContext, insert
from vocabulary import duck
from vocabulary.schema import SCHEMA_VERSION, TABLES, column_names, post_load_indexes


def finish(ctx: LoadContext, previous: Path, run_id: str, started: datetime) -> None:
    """Indexes, meta, the history carried from `previous` (the published database) and this run's record."""
    for table in TABLES:
        for statement in post_load_indexes(table):
            ctx.con.execute(statement)
    _write_meta(ctx.con, ctx.config, ctx.directory)
    _carry_history(ctx.con, previous, ctx.notes)
    record_changes(ctx, previous, run_id)  # the register against the published one (asset_changes)
    _write_run(ctx.con, ctx.config, run_id, started, ctx.reports, ctx.notes)


def _carry_history(con: duckdb.DuckDBPyConnection, previous: Path, notes: list[str]) -> None:
    """Copy load_runs, load_sources and asset_changes from the published database, so history is never lost."""
    if not previous.exists():
        return
    try:
        duck.attach_read_only(con, previous, "previous")
        for table in ("load_runs", "load_sources", "asset_changes"):
            if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'previous' AND "
                               "table_name = ?", [table]).fetchone()[0]:
                continue  # a table newer than the published database's schema
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


def measures(con: duckdb.DuckDBPyConnection, catalog: str = "") -> dict[str, float]:
    """What the drop check compares: responses, wards, residents (the largest dimension total) and residents per
    dimension, of the database `catalog` (an attached name, or "" for the connection's own). A table missing
    (an older schema) leaves its measures out."""
    prefix = f'"{catalog}".' if catalog else ""
    out: dict[str, float] = {}
    for name in ("responses", "wards"):
        try:
            out[name] = con.execute(f'SELECT count(*) FROM {prefix}"{name}"').fetchone()[0]
        except duckdb.Error:
            pass
    try:
        per_dimension = con.execute(f"SELECT dimension, sum(persons) FROM {prefix}ward_population GROUP BY 1 "
                                    "ORDER BY 1").fetchall()
    except duckdb.Error:
        per_dimension = []
    if per_dimension:
        out["residents"] = max(float(v or 0) for _, v in per_dimension)
        out |= {f"residents ({d})": float(v or 0) for d, v in per_dimension}
    return out


@dataclass
class Changes:
    """The measures of a new database against the published one, and the falls beyond the allowed share."""

    changes: list[dict] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)  # "responses fell from 24,000 to 11,999 (-50.0%)"
    notes: list[str] = field(default_factory=list)

    @property
    def needs_accept_changes(self) -> bool:
        return bool(self.drops)

    def refusal(self, max_drop_share: float) -> str:
        """The message of a load or publish refused by the drop check."""
        return (f"{'; '.join(self.drops)}: a fall of more than {max_drop_share:.0%} against the published database "
                "([checks] max_drop_share). Check the files; if the change is meant, publish with --accept-changes")


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def compare(con: duckdb.DuckDBPyConnection, published: Path, max_drop_share: float) -> Changes:
    """Changes of the database open on `con` against the published file (none when nothing is published yet)."""
    result = Changes()
    if not published.exists():
        return result
    try:
        duck.attach_read_only(con, published, "published")
    except duckdb.Error as exc:
        result.notes.append(f"The published database could not be read for the drop check ({exc}).")
        return result
    try:
        before, after = measures(con, "published"), measures(con)
    finally:
        con.execute("DETACH published")
    for measure in [m for m in before if m in after] + [m for m in before if m not in after]:
        old, new = before[measure], after.get(measure, 0)
        pct = round((new - old) / old * 100, 1) if old else None
        result.changes.append({"measure": measure, "published": old, "candidate": new, "change_pct": pct})
        if old > 0 and (old - new) / old > max_drop_share:
            result.drops.append(f"{measure} fell from {_number(old)} to {_number(new)} ({pct:+.1f}%)")
    result.changes += [{"measure": m, "published": 0, "candidate": v, "change_pct": None}
                       for m, v in after.items() if m not in before]
    return result


def validation_report(run_id: str, council: str, reports: list[SourceReport], notes: list[str], changes: Changes,
                      max_drop_share: float) -> dict:
    """The staged load's validation report (the JSON beside the candidate)."""
    datasets = [{"dataset": r.dataset, "file": str(r.file), "rows_read": r.rows_read, "rows_loaded": r.rows_loaded,
                 "rows_rejected": r.rows_rejected,
                 "rejections": [{"line": x.get("line", x.get("row")), "column": x.get("column"),
                                 "problem": x.get("problem")} for x in r.rejections],
                 "notes": list(r.notes)} for r in reports]
    return {"run_id": run_id, "council": council, "datasets": datasets, "notes": notes + changes.notes,
            "changes": changes.changes, "needs_accept_changes": changes.needs_accept_changes,
            "drops": changes.drops, "max_drop_share": max_drop_share,
            "staged_at": datetime.now(UTC).isoformat(timespec="seconds")}
