"""Wardscope ETL command line.

    python -m etl build --config examples/thurrock.toml --db data/thurrock.duckdb [--accept-changes]
    python -m etl build --config examples/thurrock.toml --db data/thurrock.duckdb --stage
    python -m etl publish --db data/thurrock.duckdb [--accept-changes]
    python -m etl rollback --db data/thurrock.duckdb
    python -m etl demo --db data/wardscope.duckdb
    python -m etl profiles --db data/thurrock.duckdb --out profiles/ [--format html,pdf] [--ward CODE]
    python -m etl report --db data/thurrock.duckdb --out papers/ [--kind K] [--channel C] [--from D] [--to D]

`build` loads a council's real files described by a TOML config (docs/data-contract.md);
`demo` generates a synthetic borough with the demo package and loads it the same way.
This is the one place that wires the loader (etl) and the demo generator (demo): a config
with [engagement.synthetic] gets its engagement files from demo.write_engagement.
Both write a new database file and publish it atomically: if anything fails, the
database already at --db is left exactly as it was, and the replaced file is kept as .NAME.previous.
`build --stage` loads and checks into a candidate beside the database (.NAME.candidate) with its
validation report (.NAME.candidate.json), leaving the database alone; `publish` moves the candidate
into place; `rollback` swaps the previous version back (a rollback can itself be rolled back). A fall of
more than [checks] max_drop_share (default 20%) in responses, wards or residents against the published
database needs --accept-changes (build, publish). Every failure prints "Load failed, nothing was
changed: …" and exits with status 2. `profiles` writes a one-page A4 profile
of every ward (HTML and/or PDF), indicators.csv and index.html from a published database;
`report` the participation scrutiny report (HTML, PDF, its tables as CSV) with representation.csv
and reach.csv, under the same filters as the app's sidebar.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from etl.errors import LoadError

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "wardscope.duckdb"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="load a council's files described by a TOML config")
    b.add_argument("--config", required=True, type=Path, help="TOML config (see docs/data-contract.md)")
    b.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database to publish (default {DEFAULT_DB})")
    b.add_argument("--stage", action="store_true",
                   help="load and check into .NAME.candidate beside the database, with its report "
                        "(.NAME.candidate.json); publish it with `publish`")
    b.add_argument("--accept-changes", action="store_true",
                   help="publish even if responses, wards or residents fall by more than [checks] max_drop_share")
    pub = sub.add_parser("publish", help="publish the load staged with build --stage (keeps the replaced version)")
    pub.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database to publish (default {DEFAULT_DB})")
    pub.add_argument("--accept-changes", action="store_true",
                     help="publish even if responses, wards or residents fall by more than [checks] max_drop_share")
    rb = sub.add_parser("rollback", help="put the previous version of the database back (again to undo)")
    rb.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database to roll back (default {DEFAULT_DB})")
    d = sub.add_parser("demo", help="generate and load the synthetic demo borough")
    d.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database to publish (default {DEFAULT_DB})")
    d.add_argument("--seed", type=int, default=20261123, help="random seed (same seed, same data)")
    d.add_argument("--responses", type=int, default=24_000, help="number of synthetic responses")
    d.add_argument("--inputs", type=Path, default=None,
                   help="folder for the generated input files (default: demo-inputs beside the database)")
    p = sub.add_parser("profiles", help="write printable ward profiles (HTML/PDF), indicators.csv and index.html")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database to read (default {DEFAULT_DB})")
    p.add_argument("--out", type=Path, required=True, help="folder to write the profiles to (created if needed)")
    p.add_argument("--format", default="html,pdf", help="html, pdf or html,pdf (default html,pdf)")
    p.add_argument("--ward", action="append", default=None, metavar="CODE",
                   help="only this ward (repeat for more; default every ward)")
    r = sub.add_parser("report", help="write the participation scrutiny report (HTML, PDF, CSV), representation.csv "
                       "and reach.csv")
    r.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database to read (default {DEFAULT_DB})")
    r.add_argument("--out", type=Path, required=True, help="folder to write the papers to (created if needed)")
    r.add_argument("--kind", action="append", default=[], help="only this kind of activity (repeat for more)")
    r.add_argument("--owner", action="append", default=[], help="only this council service (repeat for more)")
    r.add_argument("--channel", action="append", default=[], help="only this channel (repeat for more)")
    r.add_argument("--from", dest="start", type=date.fromisoformat, default=None,
                   help="responses submitted on or after this day (YYYY-MM-DD)")
    r.add_argument("--to", dest="end", type=date.fromisoformat, default=None,
                   help="responses submitted on or before this day (YYYY-MM-DD)")
    r.add_argument("--target", type=float, default=20.0,
                   help="people taking part per 1,000 residents per year, in every ward (default 20)")
    return parser


def _report(args: argparse.Namespace) -> int:
    """`report`: the filter from the options, then services.exports (the same view model as the page)."""
    from data_access import EngagementFilter
    from services.exports import run_report

    flt = EngagementFilter(kinds=tuple(args.kind), owners=tuple(args.owner), channels=tuple(args.channel),
                           start=args.start, end=args.end)
    return run_report(args.db, args.out, flt, args.target)


def _summary(result) -> None:
    """What a build or a staged build did: rows, notes and the changes against the published database."""
    from etl.build import candidate_path, report_path

    verb = f"Staged {candidate_path(result.db_path)}" if result.staged else f"Published {result.db_path}"
    print(f"{verb}: {result.rows('rows_loaded'):,} rows loaded, {result.rows('rows_rejected'):,} rejected.")
    for note in result.notes + [f"{r.dataset}: {n}" for r in result.reports for n in r.notes]:
        print(f"  note: {note}")
    for change in result.changes.changes:
        pct = "new" if change["change_pct"] is None else f"{change['change_pct']:+.1f}%"
        print(f"  change: {change['measure']}: {change['published']:,.0f} published, "
              f"{change['candidate']:,.0f} now ({pct})")
    if result.staged:
        print(f"  report: {report_path(result.db_path)}")
        if result.changes.needs_accept_changes:
            print(f"  needs --accept-changes to publish: {'; '.join(result.changes.drops)}")
        accept = " --accept-changes" if result.changes.needs_accept_changes else ""
        print(f"  publish with: python -m etl publish --db {result.db_path}{accept}")


def _load(args: argparse.Namespace) -> int:
    """build, demo, publish, rollback: every failure is "Load failed, nothing was changed: …" and exit 2."""
    from demo import write_demo_borough, write_engagement
    from etl.build import build, previous_path, publish, rollback
    from etl.config import load_config

    if args.command == "publish":
        report = publish(args.db, accept_changes=args.accept_changes)
        print(f"Published {args.db.resolve()} (run {report.get('run_id')}); the replaced version is kept as "
              f"{previous_path(args.db)} (python -m etl rollback --db {args.db} puts it back).")
        return 0
    if args.command == "rollback":
        run_id = rollback(args.db)
        print(f"Rolled back {args.db.resolve()} to its previous version (run {run_id}); the version replaced is "
              f"now the previous one (roll back again to undo).")
        return 0
    if args.command == "build":
        result = build(load_config(args.config), args.db, synthetic_engagement=write_engagement,
                       stage=args.stage, accept_changes=args.accept_changes)
    else:
        inputs = args.inputs or args.db.resolve().parent / "demo-inputs"
        config_path = write_demo_borough(inputs, seed=args.seed, n_responses=args.responses)
        # The demo is synthetic: a rebuild replaces it whatever its size (no drop check).
        result = build(load_config(config_path), args.db, synthetic_engagement=write_engagement,
                       accept_changes=True)
    _summary(result)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "profiles":
        from services.exports import run

        return run(args.db, args.out, args.format, args.ward)
    if args.command == "report":
        return _report(args)
    try:
        return _load(args)
    except LoadError as exc:
        print(f"Load failed, nothing was changed: {exc}", file=sys.stderr)
    except Exception as exc:  # a bug, not bad input: still the promised message and status, and no traceback
        if os.environ.get("WARDSCOPE_DEBUG"):
            raise
        print(f"Load failed, nothing was changed: an unexpected error stopped the load ({type(exc).__name__}: "
              f"{exc}); run with WARDSCOPE_DEBUG=1 for the details", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
