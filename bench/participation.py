"""Benchmark and checks for the Participation page (issue 5).

    python bench/participation.py [--runs 10] [--only thurrock england] [--null-seeds 200]

1. Page times: pages/participation.py under AppTest in a fresh subprocess per database (cold =
   first run, warm = median and p90 of --runs further runs), for each map view (reach, cold spots,
   where respondents live). Databases:
     thurrock  examples/thurrock.toml with 1,000,000 synthetic responses (built into bench/out
               when absent; reuses bench/out/engagement-1000000 if bench/etl.py made it);
     england   the all-England wards with 10,000,000 responses: not built here (see the note printed).
2. Error rate with no bias: `--null-seeds N` writes unbiased engagement (etl.synth.write_engagement,
   planted=[]) for the demo borough's postcodes and population with seeds 0..N-1, aggregates each
   in memory (no database build) and runs the heatmap's test (geo.participation.representation_matrix)
   on every ward × dimension. Prints how often any group was flagged, against the stated 5%.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, for `bench`, `etl`, `geo`

from bench.common import (  # noqa: E402
    OUT,
    ROOT,
    SHARED_MISSING,
    code_version,
    format_table,
    percentile,
    run_etl,
    shared_data_available,
    thurrock_toml,
)

PAGE = ROOT / "pages" / "participation.py"
RESULT_MARK = "BENCH-RESULT "
VIEWS = ["reach", "cold", "density"]


# --- error rate on unbiased synthetic data ---------------------------------------------------

def _respondent_groups(responses, ward_of: dict, column: str, dimension: str):
    import pandas as pd

    from etl.mappings import NOT_STATED, map_answer

    frame = responses.assign(ward_code=responses["postcode"].str.replace(" ", "", regex=False).map(ward_of))
    frame = frame[frame["ward_code"].notna()]
    who = frame["respondent_id"].fillna("").where(frame["respondent_id"].fillna("") != "",
                                                   "response:" + frame["response_id"])
    latest = frame.assign(who=who).sort_values("submitted_at", kind="stable").groupby("who").tail(1)
    answers = {a: (map_answer(dimension, a) or NOT_STATED) for a in latest[column].fillna("").unique()}
    latest = latest.assign(category=latest[column].fillna("").map(answers))
    return pd.DataFrame(latest.groupby(["ward_code", "category"]).size().rename("respondents").reset_index())


def null_flags(seeds, postcodes, population, dimensions: list[str], folder: Path, n_responses: int = 24000) -> dict:
    """Flag frequencies on unbiased synthetic engagement (see the module docstring)."""
    import pandas as pd

    from etl.synth import write_engagement
    from geo import participation as gp
    from geo.disclosure import DisclosurePolicy

    columns = {"age": "age_band", "sex": "sex", "ethnicity": "ethnicity", "disability": "disability"}
    ward_of = dict(zip(postcodes["postcode"].str.replace(" ", "", regex=False), postcodes["ward_code"], strict=True))
    codes = sorted(set(postcodes["ward_code"]) & set(population["ward_code"]))
    policy = DisclosurePolicy()
    counts: dict[tuple, int] = {}
    families = families_flagged = 0
    n_seeds = 0
    for seed in seeds:
        n_seeds += 1
        out = Path(folder) / f"null-{seed}"
        write_engagement(out, postcodes, population, seed, n_responses, planted=[])
        responses = pd.read_csv(out / "responses.csv", dtype=str, keep_default_na=False)
        for dimension in dimensions:
            groups = _respondent_groups(responses, ward_of, columns[dimension], dimension)
            matrix = gp.representation_matrix(population, groups, codes, dimension, policy)
            for (ward, group), flag in zip(zip(matrix["ward_code"], matrix["group"], strict=True),
                                           matrix["under_represented"], strict=True):
                counts[(ward, dimension, group)] = counts.get((ward, dimension, group), 0) + int(flag)
            per_family = matrix.groupby("ward_code")["under_represented"].any()
            families += len(per_family)
            families_flagged += int(per_family.sum())
    rates = {k: v / n_seeds for k, v in counts.items()}
    worst = max(rates.items(), key=lambda kv: kv[1]) if rates else (None, 0.0)
    return {"seeds": n_seeds, "families": families, "families_with_a_flag": families_flagged,
            "family_rate": families_flagged / families if families else 0.0,
            "max_group_rate": worst[1], "worst_group": worst[0],
            "groups_over_5pct": sorted(k for k, v in rates.items() if v > 0.05)}


def _null_report(n: int) -> None:
    import tempfile

    from etl import duck

    demo = OUT / "participation-demo.duckdb"
    if not demo.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        run_etl(["demo", "--db", str(demo), "--inputs", str(OUT / "participation-demo-inputs")])
    con = duck.connect(demo, read_only=True)
    postcodes = con.execute("SELECT postcode, ward_code FROM postcodes WHERE ward_code IS NOT NULL").df()
    population = con.execute("SELECT * FROM ward_population").df()
    con.close()
    dims = sorted(set(population["dimension"]) & {"age", "sex", "ethnicity", "disability"})
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        result = null_flags(range(n), postcodes, population, dims, Path(folder))
    print(f"\nNo-bias check: {n} seeds × {len(set(postcodes['ward_code']))} wards × {len(dims)} dimensions "
          f"({', '.join(dims)}), 24,000 responses each, {time.perf_counter() - t:.0f} s")
    print(f"  ward × dimension tables with any group flagged: {result['families_with_a_flag']} of "
          f"{result['families']} ({result['family_rate']:.2%}; stated error rate ≤ 5% per table)")
    print(f"  most often flagged single group: {result['worst_group']} in {result['max_group_rate']:.1%} of seeds")
    print(f"  groups flagged in more than 5% of seeds: {result['groups_over_5pct'] or 'none'}")
    from scipy import stats

    k = round(result["max_group_rate"] * n)
    print(f"  if that group's true rate were exactly 5%, {k} or more flags in {n} seeds would happen with "
          f"probability {stats.binom.sf(k - 1, n, 0.05):.2f} (one group of many: the largest of several hundred "
          "groups at 5% would typically reach ~10%)")


# --- page timings -----------------------------------------------------------------------------

def measure(runs: int, timeout: float) -> dict:
    from streamlit.testing.v1 import AppTest

    out = {}
    at = AppTest.from_file(str(PAGE), default_timeout=timeout)
    t = time.perf_counter()
    at.run()
    out["cold_ms"] = (time.perf_counter() - t) * 1000
    errors = [e.value for e in at.exception]
    for view in VIEWS:
        at.radio(key="participation_view").set_value(view)
        t = time.perf_counter()
        at.run()
        first = (time.perf_counter() - t) * 1000
        warm = []
        for _ in range(runs):
            t = time.perf_counter()
            at.run()
            warm.append((time.perf_counter() - t) * 1000)
        errors += [e.value for e in at.exception]
        out[view] = {"first_ms": first, "warm_ms": warm}
    out["errors"] = errors
    return out


def _in_subprocess(db: Path, args) -> dict:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", "--runs", str(args.runs),
                           "--timeout", str(args.timeout)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "WARDSCOPE_DB": str(db)})
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith(RESULT_MARK)]
    if done.returncode != 0 or not lines:
        return {"crashed": "\n".join((done.stderr or done.stdout).strip().splitlines()[-12:])}
    return json.loads(lines[-1][len(RESULT_MARK):])


def _thurrock_db(out: Path) -> tuple[Path | None, str]:
    path = out / "participation-thurrock-1m.duckdb"
    if path.exists():
        return path, "existing"
    text = thurrock_toml().replace("responses = 20000", "responses = 1000000")
    text = text.replace("generated/thurrock-engagement/", "engagement-1000000/")
    config = out / "participation-thurrock-1m.toml"
    config.write_text(text, encoding="utf-8")
    seconds, done = run_etl(["build", "--config", str(config), "--db", str(path)])
    if done.returncode != 0:
        return None, "build failed: " + (done.stderr or done.stdout).strip().splitlines()[-1]
    return path, f"built in {seconds:.0f} s"


ENGLAND_NOTE = ("England (all wards) with 10,000,000 responses: not measured. The England bench database "
                "(bench/pages.py) holds wards only — no census population, so no rate or representation can be "
                "computed — and building one with national census statistics plus 10,000,000 synthetic responses "
                "over England's postcodes (a ~1 GB CSV through the ETL) did not fit in this session.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--only", nargs="+", choices=["thurrock", "england"], default=["thurrock", "england"])
    parser.add_argument("--null-seeds", type=int, default=0, metavar="N")
    parser.add_argument("--db", type=Path, help="measure this database instead of building Thurrock")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(RESULT_MARK + json.dumps(measure(args.runs, args.timeout)), flush=True)
        return
    print(f"Participation page benchmark on {code_version()}, Python {sys.version.split()[0]}", flush=True)
    rows = []
    if "thurrock" in args.only:
        if args.db:
            db, how = args.db, "given"
        elif not shared_data_available():
            db, how = None, SHARED_MISSING
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            db, how = _thurrock_db(OUT)
        print(f"Thurrock, 1,000,000 responses: {how}", flush=True)
        if db is not None:
            r = _in_subprocess(db, args)
            if "crashed" in r:
                print("measuring failed:\n" + r["crashed"])
            else:
                for view in VIEWS:
                    warm = r[view]["warm_ms"]
                    rows.append(["Thurrock 1M", view, f"{r['cold_ms']:,.0f}" if view == "reach" else "",
                                 f"{r[view]['first_ms']:,.0f}", f"{statistics.median(warm):,.0f}",
                                 f"{percentile(warm, 90):,.0f}", "yes" if statistics.median(warm) <= 150 else "no"])
                for e in r["errors"]:
                    print("exception:", e)
    if rows:
        print(format_table(["database", "view", "cold ms", "first ms", "warm median ms", "warm p90 ms",
                            "≤150 ms"], rows, right=[False, False, True, True, True, True, False]))
        print("(cold = first run in a fresh process; first = first run after switching to the view; warm = "
              f"{args.runs} further runs)")
    if "england" in args.only:
        print(ENGLAND_NOTE)
    if args.null_seeds:
        _null_report(args.null_seeds)


if __name__ == "__main__":
    main()
