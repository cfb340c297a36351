"""Benchmark: script-run time of the "What residents said" page (pages/said.py), tab by tab, cold and warm, on
databases with about 1,000,000 answers.

    python bench/answers.py [--answers 1000000 | --responses N] [--runs 5] [--rebuild] [--only demo thurrock]

Two databases, each built only when absent (`--rebuild` forces it; the build time is printed), named by their
number of responses so a small trial run and the full size live side by side in bench/out:
  demo      the synthetic demo borough (`python -m etl demo --responses N`);
  thurrock  examples/thurrock.toml on the real files in ../shared/data, its synthetic engagement (which writes
            questions, answers and PB projects with the responses, like the demo) generated at N responses.
The demo generator writes about ANSWERS_PER_RESPONSE answers per response (each response answers its activity's
questions; multiple-choice and PB ballots give a row per option; Thurrock's activities ask a little more), so
`--answers 1000000` asks for 493,000 demo and 461,000 Thurrock responses; the count loaded is printed.

Each (database, tab) is measured in its own subprocess, so Streamlit's caches and the page's imports start cold.
The worker first imports the page's modules (timed apart, as "imports": seconds of library loading that would
otherwise hide the data work), then runs the page under streamlit.testing's AppTest with WARDSCOPE_DB set and
session_state["said_tab"] the tab (the page runs only the open tab). Cold is that first run, with empty caches;
warm the median and 90th percentile of --runs further runs of the same AppTest (st.cache_* stay warm within the
process). Unlike bench/pages.py, cold here excludes the imports. The Answers tab is measured twice: with the
question the page opens on, and with the share question that has the most answers. Prints a table; the last
line is a one-line summary.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, for `bench`, `etl`, `services`

from bench.common import (  # noqa: E402
    OUT,
    ROOT,
    SHARED_MISSING,
    build_database,
    code_version,
    format_table,
    percentile,
    shared_data_available,
    thurrock_toml,
)

PAGE = ROOT / "pages" / "said.py"
RESULT_MARK = "BENCH-RESULT "
#: Answers per response the demo generator writes at about a million answers (demo: 967,729 for 476,000
#: responses; Thurrock's synthetic engagement: 916,593 for 422,000). Smaller runs write a little more per response
#: (demo 104,896 and Thurrock 118,498 for 50,000).
ANSWERS_PER_RESPONSE = {"demo": 2.03, "thurrock": 2.17}
TABS = ["Answers", "Participatory budgeting", "Petitions", "Comments on the map", "Who keeps answering"]


@dataclass
class Measure:
    """One row of the table: a tab (and, for Answers, which question) on one database."""

    label: str
    tab: str
    question: str | None = None  # None: the question the page opens on
    result: dict = field(default_factory=dict)


@dataclass
class Database:
    key: str
    label: str
    needs_shared: bool
    path: Path | None = None
    build_seconds: float | None = None
    skipped: str | None = None
    facts: dict = field(default_factory=dict)
    measures: list[Measure] = field(default_factory=list)


# --- the measuring subprocess ---------------------------------------------------------------

def _errors(at) -> list[str]:
    return [f"{e.message}\n{''.join(e.stack_trace[-6:]) if e.stack_trace else ''}".strip() for e in at.exception]


def _page_imports() -> list[str]:
    """The modules pages/said.py imports (its `import` and `from … import` lines), in its order."""
    tree = ast.parse(PAGE.read_text(encoding="utf-8"))
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return list(dict.fromkeys(names))


def measure(tab: str, question: str | None, runs: int, timeout: float) -> dict:
    """Run the page on `tab` cold once and warm `runs` times in this (fresh) process; WARDSCOPE_DB is set."""
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    config.set_option("client.showErrorDetails", "full")  # the real error in at.exception, not a redacted one
    t = time.perf_counter()
    for module in _page_imports():  # timed apart, so "cold" is the data work of a first visit, not the imports
        importlib.import_module(module)
    import_ms = (time.perf_counter() - t) * 1000
    at = AppTest.from_file(str(PAGE), default_timeout=timeout)
    at.session_state["said_tab"] = tab
    if question:
        at.session_state["said_question"] = question
    t = time.perf_counter()
    at.run()
    cold_ms = (time.perf_counter() - t) * 1000
    errors = _errors(at)
    warm = []
    for _ in range(runs):
        t = time.perf_counter()
        at.run()
        warm.append((time.perf_counter() - t) * 1000)
        errors += [e for e in _errors(at) if e not in errors]
    shown = [at.selectbox(key="said_question").value] if tab == "Answers" and len(at.selectbox) else []
    return {"import_ms": import_ms, "cold_ms": cold_ms, "warm_ms": warm, "errors": errors, "shown": shown,
            "tables": len(at.dataframe), "charts": len(at.get("plotly_chart"))}


def _measure_in_subprocess(db: Path, m: Measure, args: argparse.Namespace) -> dict:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", "--tab", m.tab, "--runs", str(args.runs),
            "--timeout", str(args.timeout)] + (["--question", m.question] if m.question else [])
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "WARDSCOPE_DB": str(db)})
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT_MARK)]
    if done.returncode != 0 or not lines:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        return {"crashed": f"measuring subprocess failed (exit {done.returncode}):\n{tail}"}
    return json.loads(lines[-1][len(RESULT_MARK):])


# --- building the databases -----------------------------------------------------------------

def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def _thurrock_config(folder: Path, responses: int) -> Path:
    """examples/thurrock.toml with absolute shared paths and its synthetic engagement at `responses`, written
    into its own folder so the generated engagement files (generated/… beside the config) are per size."""
    text = re.sub(r"(\[engagement\.synthetic\][^\[]*?\bresponses\s*=\s*)\d+", rf"\g<1>{responses}", thurrock_toml())
    if f"responses = {responses}" not in text:
        raise SystemExit("examples/thurrock.toml has no [engagement.synthetic] responses to scale")
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "thurrock.toml"
    config.write_text(text, encoding="utf-8")
    return config


def _build(db: Database, responses: int, out: Path) -> None:
    if db.key == "demo":
        argv = ["demo", "--responses", str(responses), "--db", str(db.path), "--inputs",
                str(out / f"said-demo-inputs-r{responses}")]
    else:
        config = _thurrock_config(out / f"said-thurrock-r{responses}", responses)
        argv = ["build", "--config", str(config), "--db", str(db.path)]
    print(f"{db.label}: building {_rel(db.path)} (python -m etl {argv[0]}, {responses:,} responses) …", flush=True)
    db.build_seconds, db.skipped = build_database(db.label, argv)


def _facts(path: Path) -> dict:
    """Counts of the database, and the share question with the most answers."""
    from streamlit import logger

    logger.set_log_level("error")  # importing the page's services outside a server warns "No runtime found"
    from services.said import SHARE_KINDS  # the page's own list of the questions it shares out
    from vocabulary import duck

    con = duck.connect(path, read_only=True)
    try:
        count = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 (fixed table names)
                 for t in ("wards", "responses", "questions", "answers", "pb_projects")}
        marks = ", ".join("?" for _ in SHARE_KINDS)
        largest = con.execute(
            f"SELECT a.question_id, count(*) AS n FROM answers a JOIN questions q USING (question_id) "  # noqa: S608
            f"WHERE q.kind IN ({marks}) GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1", list(SHARE_KINDS)).fetchone()
    finally:
        con.close()
    return {**count, "largest": largest[0] if largest else None, "largest_answers": largest[1] if largest else 0}


def _measures(db: Database) -> list[Measure]:
    out = [Measure("Answers (question shown first)", "Answers")]
    if db.facts.get("largest"):
        out.append(Measure(f"Answers ({db.facts['largest']}, {db.facts['largest_answers']:,} answers)", "Answers",
                           db.facts["largest"]))
    return out + [Measure(tab, tab) for tab in TABS[1:]]


# --- report -----------------------------------------------------------------------------------

def _ms(value: float) -> str:
    return f"{value:,.0f}"


def _failed(m: Measure) -> bool:
    return "crashed" in m.result


def _rows(dbs: list[Database]) -> list[list[str]]:
    rows = []
    for db in dbs:
        if db.skipped:
            rows.append([db.label, "-", "-", "-", "-", "-", "-", "-", db.skipped])
            continue
        answers = f"{db.facts['answers']:,}"
        for m in db.measures:
            r = m.result
            if _failed(m):
                rows.append([db.label, answers, m.label, "-", "-", "-", "-", "-", "measuring failed"])
                continue
            exc = "none" if not r["errors"] else f"YES ({len(r['errors'])})"
            if m.question and r["shown"] != [m.question]:
                exc += f"; showed {r['shown']}"
            rows.append([db.label, answers, m.label, _ms(r["import_ms"]), _ms(r["cold_ms"]),
                         _ms(statistics.median(r["warm_ms"])), _ms(percentile(r["warm_ms"], 90)),
                         f"{r['tables']} / {r['charts']}", exc])
    return rows


def _summary(dbs: list[Database]) -> str:
    pieces = []
    for db in dbs:
        name = db.label.split(" (")[0]
        if db.skipped:
            pieces.append(f"{name} {db.skipped}")
            continue
        ok = [m for m in db.measures if not _failed(m)]
        if not ok:
            pieces.append(f"{name} not measured")
            continue
        slowest = max(ok, key=lambda m: statistics.median(m.result["warm_ms"]))
        errors = sum(bool(m.result["errors"]) for m in ok) + sum(_failed(m) for m in db.measures)
        pieces.append(f"{name} {db.facts['answers']:,} answers: warm median "
                      f"{_ms(min(statistics.median(m.result['warm_ms']) for m in ok))}–"
                      f"{_ms(statistics.median(slowest.result['warm_ms']))} ms (slowest {slowest.label}), cold (after "
                      f"imports of about {_ms(statistics.median(m.result['import_ms'] for m in ok))} ms) up to "
                      f"{_ms(max(m.result['cold_ms'] for m in ok))} ms, "
                      + ("no exception" if not errors else f"{errors} tab(s) FAILED or raised"))
    return "Summary: What residents said page — " + "; ".join(pieces)


def _report(dbs: list[Database], runs: int) -> None:
    print()
    print(format_table(["database", "answers", "tab", "imports ms", "cold ms", "warm median ms", "warm p90 ms",
                        "tables / charts", "exception"], _rows(dbs),
                       right=[False, True, False, True, True, True, True, True, False]))
    print("(one fresh process per database and tab; imports = importing the page's modules first; cold = the first "
          f"AppTest run after that, with empty caches; warm = {runs} further runs of the same AppTest)")
    for db in dbs:
        if db.facts:
            f = db.facts
            print(f"{db.label}: {f['wards']:,} wards, {f['responses']:,} responses, {f['questions']:,} questions, "
                  f"{f['answers']:,} answers, {f['pb_projects']:,} PB projects; build "
                  + (f"{db.build_seconds:.1f} s" if db.build_seconds is not None else "existing (not rebuilt)"))
        for m in db.measures:
            for error in m.result.get("errors", []):
                print(f"{db.label} › {m.label} exception: " + error.replace("\n", "\n    "))
            if _failed(m):
                print(f"{db.label} › {m.label}: " + m.result["crashed"].replace("\n", "\n    "))
    print(_summary(dbs))


# --- main -------------------------------------------------------------------------------------

def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--answers", type=int, default=1_000_000,
                      help="answers per database (default 1,000,000): responses = answers / ANSWERS_PER_RESPONSE")
    size.add_argument("--responses", type=int, help="responses to generate in each database (instead of --answers)")
    parser.add_argument("--runs", type=int, default=5, help="warm runs after the cold one (default 5)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the databases even if they exist")
    parser.add_argument("--only", nargs="+", choices=["demo", "thurrock"], default=["demo", "thurrock"],
                        help="databases to measure")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the databases (default bench/out)")
    parser.add_argument("--timeout", type=float, default=1800, help="AppTest timeout per run, seconds")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tab", help=argparse.SUPPRESS)
    parser.add_argument("--question", help=argparse.SUPPRESS)
    return parser.parse_args()


def _prepare(db: Database, responses: int, args: argparse.Namespace) -> None:
    """Build the database when absent (or asked), then read its facts; says why when it cannot."""
    if db.needs_shared and not shared_data_available():
        db.skipped = SHARED_MISSING
        print(f"{db.label}: {SHARED_MISSING}", flush=True)
        return
    db.path = args.out / f"said-{db.key}-r{responses}.duckdb"
    if args.rebuild or not db.path.exists():
        _build(db, responses, args.out)
        if db.skipped:
            return
    else:
        print(f"{db.label}: using existing {_rel(db.path)} (--rebuild to rebuild)", flush=True)
    db.facts = _facts(db.path)
    if not db.facts["answers"]:
        db.skipped = "no answers in the database (its config names no questions.csv and answers.csv)"
        print(f"{db.label}: {db.skipped}", flush=True)


def main() -> None:
    args = _arguments()
    if args.worker:
        print(RESULT_MARK + json.dumps(measure(args.tab, args.question, args.runs, args.timeout)), flush=True)
        return
    args.out = args.out.resolve()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"What residents said page benchmark on {code_version()}, Python {sys.version.split()[0]}", flush=True)
    dbs = [db for db in (Database("demo", "demo (synthetic borough)", False),
                         Database("thurrock", "Thurrock (real geography, synthetic engagement)", True))
           if db.key in args.only]
    for db in dbs:
        responses = args.responses or round(args.answers / ANSWERS_PER_RESPONSE[db.key] / 1000) * 1000
        _prepare(db, responses, args)
        if db.skipped:
            continue
        db.measures = _measures(db)
        for m in db.measures:
            t = time.perf_counter()
            m.result = _measure_in_subprocess(db.path, m, args)
            state = "FAILED" if _failed(m) else f"cold + {args.runs} warm runs"
            print(f"{db.label} › {m.label}: {state} in {time.perf_counter() - t:.1f} s", flush=True)
    _report(dbs, args.runs)


if __name__ == "__main__":
    main()
