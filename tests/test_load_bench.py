"""Issue 12: `bench/load.py` in a reduced size (3 concurrent browser sessions, one round through every page).

Runs the benchmark as a subprocess on conftest's demo database (it starts its own server) and checks that it
finishes, prints its table and memory figures, and reports no errors. Timings are printed, never asserted.
Skips without /usr/bin/chromium or Playwright, except on CI (CI=true) where they must be there.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.test_browser import _need_browser

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["Overview", "Ward profile", "Participation", "What residents said", "Areas", "Community assets",
         "Data and sources"]


def test_load_bench_reduced_runs_clean(demo_db):
    _need_browser()
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "load.py"), "--sessions", "3", "--rounds", "1",
                           "--db", str(demo_db)], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    out = done.stdout
    assert done.returncode == 0, f"exit {done.returncode}\n{out[-3000:]}\n{done.stderr[-3000:]}"
    lines = out.strip().splitlines()
    header = next((ln for ln in lines if ln.startswith("page ") and "p95 s" in ln), None)
    assert header is not None, out
    for page in PAGES:  # a row per page, each visited by the 3 sessions
        assert any(re.match(rf"{re.escape(page)}\s+3\s", ln) for ln in lines), (page, out)
    assert any(ln.startswith("server memory") for ln in lines), out
    summary = lines[-1]
    assert summary.startswith("Summary: 3 concurrent sessions"), summary
    assert "; 0 errors;" in summary, out[-4000:]
    assert "server RSS baseline" in summary, summary
