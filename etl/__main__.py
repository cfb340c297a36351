"""Wardscope ETL command line.

    python -m etl build --config examples/thurrock.toml --db data/thurrock.duckdb
    python -m etl demo --db data/wardscope.duckdb
    python -m etl profiles --db data/thurrock.duckdb --out profiles/ [--format html,pdf] [--ward CODE]

`build` loads a council's real files described by a TOML config (docs/data-contract.md);
`demo` generates a synthetic borough with the demo package and loads it the same way.
This is the one place that wires the loader (etl) and the demo generator (demo): a config
with [engagement.synthetic] gets its engagement files from demo.write_engagement.
Both write a new database file and publish it atomically: if anything fails, the
database already at --db is left exactly as it was. `profiles` writes a one-page A4 profile
of every ward (HTML and/or PDF), indicators.csv and index.html from a published database.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl.errors import InputError

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "wardscope.duckdb"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="load a council's files described by a TOML config")
    b.add_argument("--config", required=True, type=Path, help="TOML config (see docs/data-contract.md)")
    b.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database to publish (default {DEFAULT_DB})")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "profiles":
        from services.exports import run

        return run(args.db, args.out, args.format, args.ward)
    from demo import write_demo_borough, write_engagement
    from etl.build import build
    from etl.config import load_config

    try:
        if args.command == "build":
            result = build(load_config(args.config), args.db, synthetic_engagement=write_engagement)
        else:
            inputs = args.inputs or args.db.resolve().parent / "demo-inputs"
            config_path = write_demo_borough(inputs, seed=args.seed, n_responses=args.responses)
            result = build(load_config(config_path), args.db, synthetic_engagement=write_engagement)
    except InputError as exc:
        print(f"Load failed, nothing was changed: {exc}", file=sys.stderr)
        return 2
    print(f"Published {result.db_path}: {result.rows('rows_loaded'):,} rows loaded, "
          f"{result.rows('rows_rejected'):,} rejected.")
    for note in result.notes + [f"{r.dataset}: {n}" for r in result.reports for n in r.notes]:
        print(f"  note: {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
