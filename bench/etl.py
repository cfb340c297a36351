"""Benchmark: ETL time for Thurrock with 1,000,000 responses, against a naive spatial join.

    python bench/etl.py [--responses 1000000] [--out bench/out]

1. Generates 1,000,000 synthetic responses for real Thurrock postcodes (timed apart).
2. Times `python -m etl build` on examples/thurrock.toml with those files: the ETL
   geocodes each *distinct* postcode once and joins responses to it.
3. Times the naive alternative on the same responses: every response's point placed by
   a geopandas `sjoin` (plus `sjoin_nearest` within 250 m for points off the generalised
   boundary, as the ETL does), and checks both give the same ward for every response.
Prints a table; the last line is a one-line summary.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

# This script is named etl.py, like the package: put the project root first so `etl` is the package.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.common import OUT, shared_data_available, thurrock_toml  # noqa: E402
from demo import write_engagement  # noqa: E402
from etl.build import build  # noqa: E402
from etl.config import load_config  # noqa: E402
from etl.postcodes import PostcodeDirectory, normalise, place_postcodes  # noqa: E402
from vocabulary import duck  # noqa: E402


def _config(out: Path, responses: int) -> Path:
    text = re.sub(r"generated/thurrock-engagement", f"engagement-{responses}", thurrock_toml())
    text = re.sub(r"responses = \d+", f"responses = {responses}", text)
    path = out / f"thurrock-{responses}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if not shared_data_available():
        sys.exit("../shared/data not found: this benchmark needs the real Thurrock files")
    args.out.mkdir(parents=True, exist_ok=True)
    config = load_config(_config(args.out, args.responses))
    quiet = lambda message: None  # noqa: E731

    rows = []
    if not config.engagement.responses.exists():
        t = time.perf_counter()
        # generates the engagement files as a side effect
        build(config, args.out / "warmup.duckdb", quiet, synthetic_engagement=write_engagement)
        rows.append(("generate synthetic responses + first build", time.perf_counter() - t))
    db = args.out / "thurrock-bench.duckdb"
    t = time.perf_counter()
    build(config, db, quiet, synthetic_engagement=write_engagement)
    etl_seconds = time.perf_counter() - t
    rows.append((f"ETL build, Thurrock + {args.responses:,} responses (distinct postcodes)", etl_seconds))

    con = duck.connect(db, read_only=True)
    wards = con.execute("SELECT ward_code, ST_AsWKB(geom) AS wkb FROM wards").df()
    etl_wards = con.execute("SELECT response_id, ward_code FROM responses").df()
    con.close()
    wards = gpd.GeoDataFrame(wards[["ward_code"]], geometry=gpd.GeoSeries.from_wkb(wards["wkb"].map(bytes)),
                             crs="EPSG:27700")

    t = time.perf_counter()
    responses = pd.read_csv(config.engagement.responses, usecols=["response_id", "postcode"], dtype=str)
    responses["postcode"] = normalise(responses["postcode"])
    located = PostcodeDirectory().lookup(responses["postcode"])
    responses = responses.merge(located, on="postcode", how="left")
    points = gpd.GeoDataFrame(responses, geometry=gpd.points_from_xy(responses["easting"], responses["northing"]),
                              crs="EPSG:27700")
    joined = gpd.sjoin(points, wards, predicate="within", how="left")
    joined = joined[~joined.index.duplicated()]
    missing = joined["ward_code"].isna() & joined["easting"].notna()
    near = gpd.sjoin_nearest(points.loc[missing[missing].index, ["geometry"]], wards, how="left", max_distance=250)
    near = near[~near.index.duplicated()]
    joined.loc[near.index, "ward_code"] = near["ward_code"]
    naive_seconds = time.perf_counter() - t
    rows.append((f"naive per-response sjoin of {len(points):,} points (lookup + join only)", naive_seconds))

    t = time.perf_counter()
    distinct = pd.read_csv(config.engagement.responses, usecols=["response_id", "postcode"], dtype=str)
    distinct["postcode"] = normalise(distinct["postcode"])
    placed = place_postcodes(PostcodeDirectory().lookup(distinct["postcode"].drop_duplicates()), wards)
    distinct = distinct.merge(placed[["postcode", "ward_code"]], on="postcode", how="left")
    distinct_seconds = time.perf_counter() - t
    rows.append((f"ETL method: place {placed.shape[0]:,} distinct postcodes, join (lookup + join only)",
                 distinct_seconds))

    check = etl_wards.merge(joined[["response_id", "ward_code"]], on="response_id", suffixes=("_etl", "_naive"))
    same = (check["ward_code_etl"].fillna("-") == check["ward_code_naive"].fillna("-")).all()
    rows.append((f"responses compared: {len(check):,}; same ward for every response", float(same)))

    width = max(len(r[0]) for r in rows)
    print(f"{'step'.ljust(width)}  seconds")
    for name, seconds in rows:
        value = ("yes" if seconds == 1.0 else "NO") if name.startswith("responses compared") else f"{seconds:7.1f}"
        print(f"{name.ljust(width)}  {value}")
    print(f"Summary: whole ETL load {etl_seconds:.1f} s for Thurrock + {args.responses:,} responses; ward placement "
          f"{distinct_seconds:.1f} s by distinct postcode vs {naive_seconds:.1f} s by naive per-response sjoin "
          f"({naive_seconds / distinct_seconds:.1f}x); same ward for every response: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
