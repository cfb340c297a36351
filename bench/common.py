"""Shared helpers for the benchmark scripts in bench/ (paths, the real-data configs, tables).

Scripts run as `python bench/NAME.py` from anywhere; each puts the project root first on
sys.path (bench/etl.py must, being named like the `etl` package) and imports this module
as `bench.common`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "bench" / "out"
SHARED_MISSING = "skipped: ../shared/data not found"


def shared_data_available() -> bool:
    """True when the real reference files (../shared/data beside the project) are present."""
    return SHARED_DATA.is_dir()


def thurrock_toml() -> str:
    """examples/thurrock.toml with its relative `../../shared/data` paths made absolute."""
    text = (ROOT / "examples" / "thurrock.toml").read_text(encoding="utf-8")
    return text.replace("../../shared/data", str(SHARED_DATA))


def england_toml() -> str:
    """Every ward of England (2013), nothing else: no small areas, statistics or engagement."""
    wards = SHARED_DATA / "national" / "england_wards_2013.geojson.gz"
    return ("[council]\n"
            'name = "England (all wards)"\n'
            'lad_code = "E92000001"\n'
            "\n"
            "[wards]\n"
            f"file = {json.dumps(str(wards))}\n")


def run_etl(args: Sequence[str], *, env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess]:
    """Run `python -m etl ARGS` from the project root; return (seconds, completed process)."""
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    return time.perf_counter() - t, done


def code_version() -> str:
    """The commit measured, and how many files differ from it (benchmarks run on the working tree)."""
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"git {sha}" + (f" + {len(dirty)} modified file(s)" if dirty else "")


def percentile(values: Sequence[float], q: int) -> float:
    """The q-th percentile (1–99) by linear interpolation between the nearest ranks."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool] | None = None) -> str:
    """A plain-text table; `right` says which columns are right-aligned (numbers)."""
    right = right or [False] * len(header)
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).rjust(w) if r else str(c).ljust(w)
                         for c, w, r in zip(cells, widths, right, strict=True)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def build_database(label: str, argv: Sequence[str]) -> tuple[float | None, str | None]:
    """Run a `python -m etl` build for a benchmark database, saying so; returns (seconds, None) when built, or
    (None, why it was skipped) with the command's last lines printed when it failed."""
    seconds, done = run_etl(argv)
    if done.returncode != 0:
        tail = "\n".join(("  " + ln) for ln in (done.stderr or done.stdout).strip().splitlines()[-15:])
        print(f"{label}: build FAILED after {seconds:.1f} s:\n{tail}", flush=True)
        return None, f"build failed (exit {done.returncode})"
    print(f"{label}: built in {seconds:.1f} s", flush=True)
    return seconds, None
