"""Benchmark: script-run time of the ward profile page (pages/ward_profile.py), cold and warm.

    python bench/pages.py [--runs 10] [--rebuild] [--profile 15] [--only demo thurrock england]

Three databases, each built only when absent (`--rebuild` forces it; build time is printed):
  demo      the synthetic demo borough (`python -m etl demo`);
  thurrock  examples/thurrock.toml on the real files in ../shared/data;
  england   every ward of England (2013 wards, E92000001), wards only: no small areas,
            statistics or engagement.
Each database is measured in its own subprocess, so Streamlit's caches and the page's
imports start cold: the page runs under streamlit.testing's AppTest with WARDSCOPE_DB set
and ?ward= the first ward (by name, the page's default); cold is the first run, warm the
median and 90th percentile of --runs further runs of the same AppTest (st.cache_* stay
warm within the process). `--profile N` adds one cProfiled warm run per database and lists
the N project functions with the most cumulative time, and the library functions with the
most own time. Prints a table; the last line is a one-line summary.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, for `bench`, `etl`, `data_access`

from bench.common import (  # noqa: E402
    OUT,
    ROOT,
    SHARED_MISSING,
    build_database,
    code_version,
    england_toml,
    format_table,
    percentile,
    shared_data_available,
    thurrock_toml,
)

PAGE = ROOT / "pages" / "ward_profile.py"
TARGET_MS = 150.0
RESULT_MARK = "BENCH-RESULT "


@dataclass
class Database:
    key: str
    label: str
    borough: bool  # the ≤150 ms warm target applies to a borough
    needs_shared: bool
    wards: int | None = None
    ward: str | None = None
    build_seconds: float | None = None
    skipped: str | None = None
    result: dict = field(default_factory=dict)


# --- the measuring subprocess ---------------------------------------------------------------

def _errors(at) -> list[str]:
    return [f"{e.message}\n{''.join(e.stack_trace[-6:]) if e.stack_trace else ''}".strip() for e in at.exception]


def _profile_rows(profiler: cProfile.Profile, top: int) -> dict:
    """Top project functions (cumulative), library calls made by project code, and library hot spots (own time)."""
    stats = pstats.Stats(profiler)
    venv = str(ROOT / ".venv")

    def ours(file: str) -> bool:
        return file.startswith(str(ROOT)) and not file.startswith(venv)

    def where(file: str, line: int) -> str:
        return f"{Path(file).relative_to(ROOT)}:{line}" if ours(file) else f"{file.replace(venv + '/lib', '…')}:{line}"

    own, lib, calls_out = [], [], []
    for (file, line, func), (_cc, calls, tottime, cumtime, callers) in stats.stats.items():
        row = {"where": where(file, line), "function": func, "calls": calls, "own_ms": tottime * 1000,
               "cum_ms": cumtime * 1000}
        (own if ours(file) else lib).append(row)
        if not ours(file):
            for (cfile, cline, cfunc), (_ccc, cnc, _ctt, cct) in callers.items():
                if ours(cfile):
                    calls_out.append({"where": f"{where(cfile, cline)} {cfunc}", "function": f"{func} ({row['where']})",
                                      "calls": cnc, "own_ms": 0.0, "cum_ms": cct * 1000})
    return {"total_ms": max((r["cum_ms"] for r in own), default=0.0),
            "project": sorted(own, key=lambda r: -r["cum_ms"])[:top],
            "calls_out": sorted(calls_out, key=lambda r: -r["cum_ms"])[:top],
            "library": sorted(lib, key=lambda r: -r["own_ms"])[:top]}


def measure(ward: str, runs: int, profile_top: int, timeout: float) -> dict:
    """Run the page cold once and warm `runs` times in this (fresh) process; WARDSCOPE_DB is set by the caller."""
    from streamlit import config
    from streamlit.testing.v1 import AppTest
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    config.set_option("client.showErrorDetails", "full")  # the real error in at.exception, not a redacted one
    at = AppTest.from_file(str(PAGE), default_timeout=timeout)
    at.query_params["ward"] = ward
    t = time.perf_counter()
    at.run()
    cold_ms = (time.perf_counter() - t) * 1000
    errors = _errors(at)
    shown_cold = at.selectbox[0].value if len(at.selectbox) else None
    warm = []
    for _ in range(runs):
        t = time.perf_counter()
        at.run()
        warm.append((time.perf_counter() - t) * 1000)
        errors += [e for e in _errors(at) if e not in errors]
    shown_warm = at.selectbox[0].value if len(at.selectbox) else None
    result = {"cold_ms": cold_ms, "warm_ms": warm, "errors": errors, "shown": [shown_cold, shown_warm]}
    if profile_top:
        # AppTest runs the script in a thread of its own: profile inside that thread.
        profiler = cProfile.Profile()
        original = LocalScriptRunner._run_script_thread

        def profiled(self) -> None:
            profiler.enable()
            try:
                original(self)
            finally:
                profiler.disable()

        LocalScriptRunner._run_script_thread = profiled
        try:
            at.run()
        finally:
            LocalScriptRunner._run_script_thread = original
        result["profile"] = _profile_rows(profiler, profile_top)
    return result


def _measure_in_subprocess(db: Path, ward: str, args: argparse.Namespace) -> dict:
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", "--ward", ward, "--runs", str(args.runs),
         "--profile", str(args.profile), "--timeout", str(args.timeout)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "WARDSCOPE_DB": str(db)})
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT_MARK)]
    if done.returncode != 0 or not lines:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        return {"crashed": f"measuring subprocess failed (exit {done.returncode}):\n{tail}"}
    return json.loads(lines[-1][len(RESULT_MARK):])


# --- building the databases -----------------------------------------------------------------

def _build(db: Database, path: Path, out: Path) -> None:
    if db.key == "demo":
        argv = ["demo", "--db", str(path)]
    else:
        config = out / f"{db.key}.toml"
        config.write_text(thurrock_toml() if db.key == "thurrock" else england_toml(), encoding="utf-8")
        argv = ["build", "--config", str(config), "--db", str(path)]
    print(f"{db.label}: building {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
          f"(python -m etl {' '.join(argv[:1])}) …", flush=True)
    db.build_seconds, db.skipped = build_database(db.label, argv)


def _ward_facts(path: Path) -> tuple[int, str]:
    from vocabulary import duck

    con = duck.connect(path, read_only=True)
    try:
        count = con.execute("SELECT count(*) FROM wards").fetchone()[0]
        first = con.execute("SELECT ward_code FROM wards ORDER BY ward_name, ward_code LIMIT 1").fetchone()[0]
    finally:
        con.close()
    return count, first


# --- report -----------------------------------------------------------------------------------

def _ms(value: float) -> str:
    return f"{value:,.0f}"


def _print_profile(db: Database) -> None:
    prof = db.result.get("profile")
    if not prof:
        return
    right = [True, True, True, False, False]
    print(f"\nProfile of one warm run, {db.label} ({prof['total_ms']:,.0f} ms in the page under cProfile)")
    print("  project functions by cumulative time:")
    print(format_table(["cum ms", "own ms", "calls", "function", "where"],
                       [[_ms(r["cum_ms"]), _ms(r["own_ms"]), str(r["calls"]), r["function"], r["where"]]
                        for r in prof["project"]], right=right))
    print("  library calls made directly by project code, by cumulative time:")
    print(format_table(["cum ms", "calls", "caller", "library function"],
                       [[_ms(r["cum_ms"]), str(r["calls"]), r["where"], r["function"]] for r in prof["calls_out"]],
                       right=[True, True, False, False]))
    print("  library functions by own time:")
    print(format_table(["own ms", "cum ms", "calls", "function", "where"],
                       [[_ms(r["own_ms"]), _ms(r["cum_ms"]), str(r["calls"]), r["function"], r["where"]]
                        for r in prof["library"]], right=right))


def _summary(dbs: list[Database]) -> str:
    def failed(db: Database) -> bool:
        return bool(db.skipped) or "crashed" in db.result

    def text(db: Database) -> str:
        out = f"{_ms(statistics.median(db.result['warm_ms']))} ms {db.label.split(' (')[0]}"
        if db.result["errors"]:
            out += " (page raised an exception)"
        return out if db.borough else f"{out} ({db.wards:,} wards)"

    boroughs = [db for db in dbs if db.borough and not failed(db)]
    pieces = []
    if boroughs:
        met = all(_met(db) == "yes" for db in boroughs)
        pieces.append(", ".join(text(db) for db in boroughs)
                      + f" (target ≤{TARGET_MS:.0f} ms: {'met' if met else 'NOT met'})")
    pieces += [text(db) for db in dbs if not db.borough and not failed(db)]
    line = "Summary: ward profile warm median " + ", ".join(pieces) if pieces else "Summary: ward profile not measured"
    missed = [f"{db.label.split(' (')[0]} {db.skipped or 'measuring failed'}" for db in dbs if failed(db)]
    return line + "".join(f"; {m}" for m in missed)


def _met(db: Database) -> str:
    r = db.result
    if not db.borough:
        return "n/a"
    return "yes" if not r["errors"] and statistics.median(r["warm_ms"]) <= TARGET_MS else "no"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="warm runs after the cold one (default 10)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the databases even if they exist")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="cProfile one extra warm run per database and list the top N functions")
    parser.add_argument("--only", nargs="+", choices=["demo", "thurrock", "england"],
                        default=["demo", "thurrock", "england"], help="databases to measure")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the databases (default bench/out)")
    parser.add_argument("--timeout", type=float, default=1800, help="AppTest timeout per run, seconds")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--ward", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(RESULT_MARK + json.dumps(measure(args.ward, args.runs, args.profile, args.timeout)), flush=True)
        return

    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"Ward profile page benchmark on {code_version()}, Python {sys.version.split()[0]}", flush=True)
    dbs = [db for db in (Database("demo", "demo (synthetic borough)", True, False),
                         Database("thurrock", "Thurrock", True, True),
                         Database("england", "England (all wards)", False, True)) if db.key in args.only]
    for db in dbs:
        path = args.out / f"{db.key}.duckdb"
        if db.needs_shared and not shared_data_available():
            db.skipped = SHARED_MISSING
            print(f"{db.label}: {SHARED_MISSING}", flush=True)
            continue
        if args.rebuild or not path.exists():
            _build(db, path, args.out)
            if db.skipped:
                continue
        else:
            print(f"{db.label}: using existing {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} "
                  "(--rebuild to rebuild)", flush=True)
        db.wards, db.ward = _ward_facts(path)
        t = time.perf_counter()
        db.result = _measure_in_subprocess(path, db.ward, args)
        if "crashed" in db.result:
            print(f"{db.label}: {db.result['crashed']}", flush=True)
        else:
            print(f"{db.label}: measured {db.wards:,} wards, ward {db.ward}, cold + {args.runs} warm runs in "
                  f"{time.perf_counter() - t:.1f} s", flush=True)

    for db in dbs:
        _print_profile(db)

    header = ["database", "wards", "build s", "cold ms", "warm median ms", "warm p90 ms", "target", "met",
              "exception"]
    rows = []
    for db in dbs:
        r = db.result
        built = f"{db.build_seconds:.1f}" if db.build_seconds is not None else "existing"
        if db.skipped or "crashed" in r:
            status = db.skipped or "measuring failed"
            rows.append([db.label, f"{db.wards:,}" if db.wards else "-", built if not db.skipped else "-",
                         "-", "-", "-", f"≤{TARGET_MS:.0f} ms" if db.borough else "n/a", "-", status])
            continue
        exc = "none" if not r["errors"] else f"YES ({len(r['errors'])})"
        if r["shown"] != [db.ward, db.ward]:
            exc += "; WRONG WARD shown (see below)"
        rows.append([db.label, f"{db.wards:,}", built, _ms(r["cold_ms"]), _ms(statistics.median(r["warm_ms"])),
                     _ms(percentile(r["warm_ms"], 90)), f"≤{TARGET_MS:.0f} ms" if db.borough else "n/a", _met(db),
                     exc])
    print()
    print(format_table(header, rows, right=[False, True, True, True, True, True, False, False, False]))
    print(f"(cold = first AppTest run in a fresh process: imports + empty caches; warm = {args.runs} further runs; "
          "ward = the first by name)")
    for db in dbs:
        for error in db.result.get("errors", []):
            print(f"{db.label} exception: " + error.replace("\n", "\n    "))
        shown = db.result.get("shown")
        if shown and shown != [db.ward, db.ward]:
            print(f"{db.label}: ?ward={db.ward} but the ward selectbox showed {shown[0]} after the cold run and "
                  f"{shown[1]} after the warm reruns")
    print(_summary(dbs))


if __name__ == "__main__":
    main()
