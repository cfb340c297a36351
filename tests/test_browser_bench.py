"""bench/browser.py runs end to end on the demo database: its table, the naive page's rows and the ratio line.

Only what the script prints is checked, never a timing. Needs Chromium (/usr/bin/chromium) and Playwright; skips
without them unless CI=true.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
PAGES = ["Overview", "Ward profile", "Participation", "What residents said", "Areas", "Community assets",
         "Data and sources"]


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


def test_browser_bench_prints_each_page_and_the_ratio():
    missing = _browser_missing()
    if missing and os.environ.get("CI") != "true":
        pytest.skip(missing)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "browser.py"), "--rounds", "1", "--databases", "demo"],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("page ") and "median s" in line)
    assert re.fullmatch(r"page +tab +first s +median s +max s +received KB +failed", lines[header])
    assert set(lines[header + 1]) <= {"-", " "}
    rows = {line.split("  ")[0].strip() for line in lines[header + 2:] if line.strip() and not line.startswith("(")}
    assert set(PAGES) <= rows
    assert {"Naive empty page", "Naive ward profile"} <= rows
    tabs = [line for line in lines[header + 2:] if line.startswith("Participation ") and "Who takes part" in line]
    assert tabs, "the Participation tabs have rows of their own"
    assert any(re.match(r"Ward profile ratio naive / Wardscope, demo: (\d+\.\d\d s / \d+\.\d\d s = \d+\.\d×|n/a)",
                        line) for line in lines)
    assert lines[-1].startswith("Summary (1 round(s)") and "demo:" in lines[-1] and "naive / Wardscope" in lines[-1]
