"""Benchmark and checks for the Participation page (issue 5).

    python bench/participation.py [--runs 10] [--only thurrock england] [--null-seeds 200]

1. Page times: pages/participation.py under AppTest in a fresh subprocess per database (cold =
   first run, warm = median and p90 of --runs further runs), for each map view of the first tab (reach,
   cold spots, where respondents live) and for each other tab (only the open tab runs). Databases:
     thurrock  examples/thurrock.toml with 1,000,000 synthetic responses (built into bench/out
               when absent; reuses bench/out/engagement-1000000 if bench/etl.py made it);
     england   the all-England wards with 10,000,000 responses (bench/out/participation-england-10m.duckdb,
               built when absent by write_england_inputs + the ETL: real wards, postcodes and national
               census totals; ward populations and engagement synthetic, see its docstring).
2. Error rate with no bias: `--null-seeds N` writes unbiased engagement (demo.write_engagement,
   planted=[]) for the demo borough's postcodes and population with seeds 0..N-1, aggregates each
   in memory (no database build) and runs the heatmap's test (geo.representation.representation_matrix)
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
#: The page's other tabs (only the open tab runs), each timed too after the three map views of the first tab.
TABS = ["Who takes part", "Themed groups", "Scrutiny report", "Outreach targets"]


# --- error rate on unbiased synthetic data ---------------------------------------------------

def _respondent_groups(responses, ward_of: dict, column: str, dimension: str):
    import pandas as pd

    from etl.mappings import map_answer
    from vocabulary import NOT_STATED

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

    from demo import write_engagement
    from geo import representation as rp
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
            matrix = rp.representation_matrix(population, groups, codes, dimension, policy)
            for (ward, group), flag in zip(zip(matrix["ward_code"], matrix["group"], strict=True),
                                           matrix["flag"] != "", strict=True):  # either direction
                counts[(ward, dimension, group)] = counts.get((ward, dimension, group), 0) + int(flag)
            per_family = (matrix["flag"] != "").groupby(matrix["ward_code"]).any()
            families += len(per_family)
            families_flagged += int(per_family.sum())
    rates = {k: v / n_seeds for k, v in counts.items()}
    worst = max(rates.items(), key=lambda kv: kv[1]) if rates else (None, 0.0)
    return {"seeds": n_seeds, "families": families, "families_with_a_flag": families_flagged,
            "family_rate": families_flagged / families if families else 0.0,
            "max_group_rate": worst[1], "worst_group": worst[0],
            "groups_over_5pct": sorted(k for k, v in rates.items() if v > 0.05),
            "groups_clearly_over": groups_clearly_over(counts, n_seeds)}


def groups_clearly_over(counts: dict[tuple, int], n_seeds: int, rate: float = 0.05, alpha: float = 0.05) -> list:
    """Groups whose false-flag rate is statistically clearly above `rate`: the one-sided exact binomial test of
    "flagged in at most `rate` of seeds" for each group, Holm-adjusted across the groups (geo.representation.holm).

    Why a test: each group's rate over N seeds is an estimate, and among hundreds of groups whose true rate is
    5% some will show 6–8% by chance alone, so "no observed rate above 5%" would fail a method that keeps its
    stated error rate. A group listed here is one the method over-flags beyond that noise."""
    import numpy as np
    from scipy import stats

    from geo.representation import holm

    keys = sorted(counts)
    if not keys or not n_seeds:
        return []
    k = np.array([counts[key] for key in keys])
    p = stats.binom.sf(k - 1, n_seeds, rate)  # P(X ≥ k) when the group's true rate is `rate`
    reject, _ = holm(p, alpha=alpha)
    return [key for key, r in zip(keys, reject, strict=True) if r]


def _null_report(n: int) -> str:
    import tempfile

    import pandas as pd

    from vocabulary import duck

    demo = OUT / "participation-demo.duckdb"
    if not demo.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        run_etl(["demo", "--db", str(demo), "--inputs", str(OUT / "participation-demo-inputs")])
    con = duck.connect(demo, read_only=True)
    # The database keeps no resident's postcode ([privacy] keep_postcodes): the demo's own directory has them.
    pcs = pd.read_csv(OUT / "participation-demo-inputs" / "postcodes.csv", dtype=str)
    postcodes = pd.DataFrame({"postcode": pcs["pcds"], "ward_code": pcs["ward"]}).dropna()
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
    print(f"  groups flagged clearly more than 5% of the time (exact binomial test, Holm across all groups): "
          f"{result['groups_clearly_over'] or 'none'}")
    from scipy import stats

    k = round(result["max_group_rate"] * n)
    print(f"  if that group's true rate were exactly 5%, {k} or more flags in {n} seeds would happen with "
          f"probability {stats.binom.sf(k - 1, n, 0.05):.2f} (one group of many: the largest of several hundred "
          "groups at 5% would typically reach ~10%)")
    return (f"no bias: {result['family_rate']:.2%} of tables flagged (stated ≤ 5%), "
            f"{len(result['groups_clearly_over'])} group(s) clearly over 5%")


# --- page timings -----------------------------------------------------------------------------

def measure(runs: int, timeout: float) -> dict:
    from streamlit.testing.v1 import AppTest

    out = {}
    at = AppTest.from_file(str(PAGE), default_timeout=timeout)
    t = time.perf_counter()
    at.run()
    out["cold_ms"] = (time.perf_counter() - t) * 1000
    errors = [e.value for e in at.exception]

    def timed(label: str) -> None:
        """The first run after switching (the caller has switched), then `runs` warm runs."""
        t = time.perf_counter()
        at.run()
        first = (time.perf_counter() - t) * 1000
        warm = []
        for _ in range(runs):
            t = time.perf_counter()
            at.run()
            warm.append((time.perf_counter() - t) * 1000)
        errors.extend(e.value for e in at.exception)
        out[label] = {"first_ms": first, "warm_ms": warm}

    for view in VIEWS:
        at.radio(key="participation_view").set_value(view)
        timed(view)
    for tab in TABS:
        at.session_state["participation_tab"] = tab
        timed(tab)
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


ENGLAND_RESPONSES = 10_000_000


def _multinomial_rows(rng, totals, shares, concentration: float = 200.0):
    """Integer counts per ward: each ward's total split by its own shares, drawn around the national shares
    (Dirichlet with the given concentration, so wards differ as real wards do)."""
    import numpy as np

    own = rng.dirichlet(np.asarray(shares) * concentration, size=len(totals))
    return np.vstack([rng.multinomial(int(t), p) for t, p in zip(totals, own, strict=True)])


def write_england_inputs(folder: Path, responses: int = ENGLAND_RESPONSES, seed: int = 2013) -> Path:
    """Ward-level census tables for every ward of England and a config loading them with synthetic engagement.

    What is real and what is not: the wards (England 2013, 7,681) and postcodes (ONSPD, every English one)
    are real, and so are England's totals per age band (Census 2021) and ethnic group (Census 2011). No
    national small-area boundaries or OA→ward lookup are available here, so each ward's residents are
    England's total shared by its share of England's postcodes, and its mix is drawn around the national
    mix (seeded). Loaded through the ETL as ward-level tables (level = "ward"); engagement is generated
    by the ETL ([engagement.synthetic]) for every English postcode. For timing at England scale only.
    """
    import numpy as np

    from bench.common import SHARED_DATA

    folder.mkdir(parents=True, exist_ok=True)
    national = SHARED_DATA / "national"
    wards_file = national / "england_wards_2013.geojson.gz"
    codes, weight = _england_ward_weights(wards_file)
    _write_england_tables(folder, national, codes, weight, np.random.default_rng(seed))
    config = folder / "england.toml"
    config.write_text(_england_toml(wards_file, seed, responses), encoding="utf-8")
    return config


def _england_ward_weights(wards_file: Path):
    """Every English ward's code, and its share of England's postcodes (placed in wards as the ETL does)."""
    import geopandas as gpd

    from etl.postcodes import PostcodeDirectory, place_postcodes

    wards = gpd.read_file(f"/vsigzip/{wards_file}").to_crs("EPSG:27700")
    wards = wards.rename(columns={"WD13CD": "ward_code", "WD13NM": "ward_name"})
    wards["geometry"] = wards.geometry.make_valid()
    postcodes = PostcodeDirectory().in_district("E92000001", whole_country=True)
    placed = place_postcodes(postcodes, wards[["ward_code", "geometry"]])
    weight = placed["ward_code"].value_counts().reindex(wards["ward_code"], fill_value=0).to_numpy(dtype=float)
    return wards["ward_code"], weight / weight.sum()


def _write_england_tables(folder: Path, national: Path, codes, weight, rng) -> None:
    """age_by_ward.csv and ethnicity_by_ward.csv: England's totals shared by `weight`, each ward's mix drawn."""
    import numpy as np
    import pandas as pd

    from vocabulary import CENSUS_AGE6, CENSUS_ETHNICITY_2011

    age = pd.read_csv(national / "census2021_age6_lsoa.csv.gz", dtype={"Lower layer Super Output Areas Code": str})
    age = age[age["Lower layer Super Output Areas Code"].str.startswith("E")]
    age_totals = age.groupby("Age (6 categories)")["Observation"].sum().reindex(list(CENSUS_AGE6))
    eth = pd.read_csv(national / "census2011_ethnicity_oa.csv.gz", usecols=["OA", *CENSUS_ETHNICITY_2011])
    eth_totals = eth[eth["OA"].str.startswith("E")][list(CENSUS_ETHNICITY_2011)].sum()
    tables = {"age": ("Age (6 categories)", age_totals), "ethnicity": ("Ethnic group (2011 columns)", eth_totals)}
    for dimension, (column, totals) in tables.items():
        ward_totals = np.round(weight * totals.sum())
        counts = _multinomial_rows(rng, ward_totals, totals / totals.sum())
        long = pd.DataFrame(counts, index=codes, columns=list(totals.index)).stack()
        frame = long.rename("Observation").rename_axis(["electoral ward 2013 code", column]).reset_index()
        frame.to_csv(folder / f"{dimension}_by_ward.csv", index=False)


def _england_toml(wards_file: Path, seed: int, responses: int) -> str:
    """The config loading the England tables, with engagement generated by the ETL ([engagement.synthetic])."""
    return f"""[council]
name = "England (all wards)"
lad_code = "E92000001"

[wards]
file = {json.dumps(str(wards_file))}
source = "ONS/OS electoral wards December 2013, generalised clipped (UK-GeoJSON, Martin Chorley, CC BY 4.0)"
date = "2013-12"

[[statistics]]
dimension = "age"
file = "age_by_ward.csv"
level = "ward"
layout = "long"
code_column = "electoral ward 2013 code"
category_column = "Age (6 categories)"
value_column = "Observation"
categories = "census2021_age6"
source = "England's Census 2021 totals by age, shared across wards by postcode counts (Wardscope bench; synthetic)"
date = "2021-03-21"

[[statistics]]
dimension = "ethnicity"
file = "ethnicity_by_ward.csv"
level = "ward"
layout = "long"
code_column = "electoral ward 2013 code"
category_column = "Ethnic group (2011 columns)"
value_column = "Observation"
categories = "census2011_ethnicity"
source = "England's Census 2011 totals by ethnic group, shared across wards by postcode counts (bench; synthetic)"
date = "2011-03-27"

[engagement]
activities = "engagement/activities.csv"
responses = "engagement/responses.csv"
source = "Synthetic engagement for every English postcode, generated by Wardscope (demo.write_engagement)"
date = "2026-09-30"

[engagement.synthetic]
seed = {seed}
responses = {responses}
"""


def _england_db(out: Path) -> tuple[Path | None, str]:
    path = out / "participation-england-10m.duckdb"
    if path.exists():
        return path, "existing"
    started = time.perf_counter()
    config = write_england_inputs(out / "england-10m-inputs")
    prepared = time.perf_counter() - started
    seconds, done = run_etl(["build", "--config", str(config), "--db", str(path)])
    if done.returncode != 0:
        return None, "build failed: " + (done.stderr or done.stdout).strip().splitlines()[-1]
    return path, f"inputs written in {prepared:.0f} s, built in {seconds:.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--only", nargs="*", choices=["thurrock", "england"], default=["thurrock", "england"],
                        help="databases to time (none: only the --null-seeds check)")
    parser.add_argument("--null-seeds", type=int, default=0, metavar="N")
    parser.add_argument("--db", type=Path, help="measure this database instead of building Thurrock")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(RESULT_MARK + json.dumps(measure(args.runs, args.timeout)), flush=True)
        return
    print(f"Participation page benchmark on {code_version()}, Python {sys.version.split()[0]}", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    targets = {"thurrock": ("Thurrock 1M", "Thurrock, 1,000,000 responses", _thurrock_db, 150.0),
               "england": ("England 10M", "England (7,681 wards), 10,000,000 responses", _england_db, 1000.0)}
    rows, met = [], {}
    for key in args.only:
        label, title, builder, target = targets[key]
        if args.db and key == "thurrock":
            db, how = args.db, "given"
        elif not shared_data_available():
            db, how = None, SHARED_MISSING
        else:
            db, how = builder(OUT)
        print(f"{title}: {how}", flush=True)
        if db is None:
            continue
        r = _in_subprocess(db, args)
        if "crashed" in r:
            print("measuring failed:\n" + r["crashed"])
            continue
        for view in VIEWS + TABS:
            warm = statistics.median(r[view]["warm_ms"])
            rows.append([label, view if view in TABS else f"map: {view}",
                         f"{r['cold_ms']:,.0f}" if view == "reach" else "",
                         f"{r[view]['first_ms']:,.0f}", f"{warm:,.0f}", f"{percentile(r[view]['warm_ms'], 90):,.0f}",
                         f"≤{target:,.0f}", "yes" if warm <= target else "no"])
            met[label] = met.get(label, True) and warm <= target
        for e in r["errors"]:
            print("exception:", e)
    if rows:
        print(format_table(["database", "view or tab", "cold ms", "first ms", "warm median ms", "warm p90 ms",
                            "target ms", "met"], rows, right=[False, False, True, True, True, True, True, False]))
        print("(cold = first run in a fresh process; first = first run after switching to the view; warm = "
              f"{args.runs} further runs, median)")
    summary = []
    if rows:
        summary.append("warm median target " + ", ".join(
            f"{label} {'met' if ok else 'NOT met'}" for label, ok in met.items()) + " for every view and tab")
    if args.null_seeds:
        summary.append(_null_report(args.null_seeds))
    if summary:
        print("participation bench: " + "; ".join(summary))


if __name__ == "__main__":
    main()
