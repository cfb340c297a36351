"""Benchmark: time to work out automatic area proposals (geo.proposals.propose), k = 4…7.

    python bench/areas.py [--runs 3] [--wards 700] [--tolerance 10]

Two maps:
  thurrock    the real Thurrock wards and figures (bench/out/thurrock.duckdb, built from
              examples/thurrock.toml when absent);
  nearest N   the N wards of England (2013) whose centroids are nearest Thurrock's centroid, cut from
              ../shared/data/national/england_wards_2013.geojson.gz, in EPSG:27700. That file has no
              statistics, so residents (5,000–15,000) and the five similarity indicators are random
              but seeded: the geometry and neighbour graph are real, the figures are not. The cut-out
              falls into parts with no shared boundary (Canvey Island; central London wards either side
              of the Thames); propose() joins them at their nearest wards (geo.areas.crossings), and the
              bench prints those links.
Each row: the median seconds of --runs calls of propose() (default 4 alternatives), how many valid
proposals came back, and the best score. Prints a table; the last line is a one-line summary.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root

from bench.common import (  # noqa: E402
    OUT,
    SHARED_DATA,
    SHARED_MISSING,
    code_version,
    format_table,
    run_etl,
    shared_data_available,
    thurrock_toml,
)


def thurrock_inputs():
    import os

    db = OUT / "thurrock.duckdb"
    if not db.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        config = OUT / "thurrock.toml"
        config.write_text(thurrock_toml(), encoding="utf-8")
        seconds, done = run_etl(["build", "--config", str(config), "--db", str(db)])
        if done.returncode:
            raise SystemExit(done.stderr)
    os.environ["WARDSCOPE_DB"] = str(db)
    import data_access as da
    import services as sv
    from geo import indicators, proposals

    bng = da.ward_geometry_bng()
    residents = indicators.residents(da.population())
    z = proposals.similarity_features(sv.indicator_values(), list(bng["ward_code"]))
    return bng, residents, z


def nearest_inputs(n: int, centre):
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from geo import proposals

    path = SHARED_DATA / "national" / "england_wards_2013.geojson.gz"
    england = gpd.read_file(f"/vsigzip/{path}").to_crs("EPSG:27700")
    england = england.rename(columns={"WD13CD": "ward_code", "WD13NM": "ward_name"})[["ward_code", "ward_name",
                                                                                   "geometry"]]
    england["geometry"] = england.geometry.make_valid()
    distance = england.geometry.centroid.distance(centre)
    cut = england.loc[distance.nsmallest(n).index].reset_index(drop=True)
    names = dict(zip(cut["ward_code"], cut["ward_name"], strict=True))
    cut = cut[["ward_code", "geometry"]]
    rng = np.random.default_rng(2013)
    residents = pd.Series(rng.integers(5000, 15001, len(cut)).astype(float), index=cut["ward_code"])
    raw = pd.DataFrame(rng.normal(size=(len(cut), len(proposals.SIMILARITY_KEYS))), index=cut["ward_code"],
                       columns=list(proposals.SIMILARITY_KEYS))
    return (cut, residents, proposals.standardise(raw)), names


def crossing_rows(cut, names: dict) -> list[list[str]]:
    """The links geo.areas.crossings adds to join the cut-out's separate parts, with the time it takes."""
    from geo import areas

    frame = cut.set_index("ward_code")
    started = time.perf_counter()
    links = areas.crossings(frame)
    seconds = time.perf_counter() - started
    parts = areas.components(frame)
    return [[f"{names[a]} ({a})", f"{names[b]} ({b})", f"{d:,.0f}", str(parts), f"{seconds:.2f}"]
            for a, b, d in links.itertuples(index=False)]


def measure(label: str, inputs, ks, runs: int, tolerance: float) -> list[list[str]]:
    from geo import proposals

    bng, residents, z = inputs
    rows = []
    for k in ks:
        times, found = [], []
        for _ in range(runs):
            started = time.perf_counter()
            found = proposals.propose(bng, residents, z, k, tolerance)
            times.append(time.perf_counter() - started)
        best = f"{found[0].score:.3f}" if found else "-"
        rows.append([label, str(len(bng)), str(k), f"±{tolerance:g}%", f"{statistics.median(times):.2f}",
                     f"{max(times):.2f}", str(len(found)), best])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wards", type=int, default=700)
    parser.add_argument("--tolerance", type=float, default=10.0)
    args = parser.parse_args(argv)
    if not shared_data_available():
        print(SHARED_MISSING)
        return 0
    warnings.filterwarnings("ignore")
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    import shapely

    rows = []
    thurrock = thurrock_inputs()
    rows += measure("Thurrock", thurrock, (4, 5, 6, 7), args.runs, args.tolerance)
    centre = shapely.union_all(thurrock[0].geometry.to_numpy()).centroid
    nearest, names = nearest_inputs(args.wards, centre)
    print(f"{args.wards} wards nearest Thurrock: parts with no shared boundary, joined at their nearest wards")
    print(format_table(["ward", "joined to", "gap m", "parts before", "seconds"], crossing_rows(nearest[0], names),
                       [False, False, True, True, True]))
    print()
    rows += measure(f"{args.wards} nearest Thurrock", nearest, (4, 5, 6, 7), args.runs, args.tolerance)
    print(format_table(["map", "wards", "k", "range", "median s", "max s", "valid proposals", "best score"], rows,
                       [False, True, True, True, True, True, True, True]))
    worst = {label: max(float(r[4]) for r in rows if r[0] == label) for label in dict.fromkeys(r[0] for r in rows)}
    print(f"areas bench ({code_version()}): proposals for k=4-7 take at most "
          + ", ".join(f"{s:.2f} s on {label}" for label, s in worst.items()) + f" (median of {args.runs} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
