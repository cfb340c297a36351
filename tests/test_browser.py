"""What only a browser shows: the served app renders its map and figures (Playwright + Debian Chromium).

Starts `streamlit run app.py` on a free local port against the demo database, opens the
Overview page in headless Chromium, waits for the folium map, and saves a screenshot to
tests/artifacts/. Skips without Chromium or Playwright, except on CI where they are installed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def _need_browser():
    reason = None
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} not found (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: browser tests must run)")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(db: Path):
    """Start `streamlit run app.py` on a free port against `db`; yield its URL; stop it afterwards."""
    _need_browser()
    port = _free_port()
    env = dict(os.environ, WARDSCOPE_DB=str(db))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start within 60 s")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def served_app(demo_db):
    yield from _serve(demo_db)


@pytest.fixture(scope="module")
def served_thurrock(thurrock_db):
    yield from _serve(thurrock_db)


def _browser(p):
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def test_first_visit_by_ward_link_opens_that_ward(served_app, demo_db):
    """Runs first against a fresh server: Streamlit's legacy pages/ discovery must not swallow the link."""
    from playwright.sync_api import sync_playwright

    from vocabulary import duck

    con = duck.connect(demo_db, read_only=True)
    code, name = con.execute("SELECT ward_code, ward_name FROM wards ORDER BY ward_code DESC LIMIT 1").fetchone()
    con.close()
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{served_app}/ward?ward={code}", timeout=60_000)
        page.get_by_text("Headline indicators", exact=True).wait_for(timeout=60_000)
        page.get_by_text(f"{name} (filled) and its neighbours").wait_for(timeout=30_000)
        browser.close()


def test_overview_renders_map_and_headlines(served_app, demo_db):
    from playwright.sync_api import sync_playwright

    from vocabulary import duck

    con = duck.connect(demo_db, read_only=True)
    n_wards = con.execute("SELECT count(*) FROM wards").fetchone()[0]
    con.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(served_app, timeout=60_000)
        page.get_by_text("These figures describe an invented").first.wait_for(timeout=60_000)
        # the metric whose label is exactly "Wards": has_text alone is a case-insensitive substring match,
        # which "Responses from the wards" also satisfies
        label = page.get_by_test_id("stMetricLabel").get_by_text("Wards", exact=True)
        metric = page.get_by_test_id("stMetric").filter(has=label)
        metric.wait_for(timeout=60_000)
        assert metric.count() == 1
        assert metric.get_by_test_id("stMetricValue").inner_text().strip() == str(n_wards)
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
        frame.locator(".leaflet-interactive").first.wait_for(timeout=60_000)
        assert frame.locator("path.leaflet-interactive").count() >= n_wards
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=False)
        browser.close()
    assert (ARTIFACTS / "overview.png").stat().st_size > 10_000


def test_thurrock_ward_profile_by_link_matches_the_database(served_thurrock, thurrock_db):
    """Issue 3: open a real ward by its link, check headline figures against the database, keep a screenshot."""
    from playwright.sync_api import sync_playwright

    from vocabulary import duck

    code = "E05002229"  # Aveley and Uplands
    con = duck.connect(thurrock_db, read_only=True)
    name = con.execute("SELECT ward_name FROM wards WHERE ward_code = ?", [code]).fetchone()[0]
    residents = con.execute("SELECT sum(persons) FROM ward_population WHERE ward_code = ? AND dimension = 'age'",
                            [code]).fetchone()[0]
    lsoas, top20 = con.execute("SELECT lsoa_count, most_deprived_20_count FROM ward_deprivation "
                               "WHERE ward_code = ? AND domain = 'IMD'", [code]).fetchone()
    con.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(f"{served_thurrock}/ward?ward={code}", timeout=60_000)
        page.get_by_text(f"{name} (filled) and its neighbours").wait_for(timeout=60_000)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.wait_for(timeout=30_000)
        summary = page.locator('[data-testid="stMarkdownContainer"]', has_text="In short:").first.inner_text()
        assert f"{top20} of its {lsoas} neighbourhoods" in summary or (top20 == 0 and f"None of its {lsoas}" in summary)
        # The headline grid is a canvas (glide-data-grid); its cells are mirrored in an accessible table.
        cells: list[str] = []
        for _ in range(60):  # the grid mirrors its cells for assistive technology once drawn
            cells = page.locator('[data-testid="stDataFrame"] [role="gridcell"]').all_inner_texts()
            if f"{residents:,.0f}" in cells:
                break
            page.wait_for_timeout(500)
        assert f"{residents:,.0f}" in cells, cells[:20]
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "thurrock-ward-profile.png"), full_page=False)
        browser.close()


def test_clicking_a_ward_on_the_overview_map_opens_its_profile(served_app, demo_db):
    """Issue 3: a ward's profile opens from a click on the Overview map."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(served_app, timeout=60_000)
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]')
        ward = frame.locator("path.leaflet-interactive").nth(3)
        ward.wait_for(timeout=60_000)
        # The map sits below the fold since the Overview says what Wardscope is: bring it into view first, so the
        # click is not made while the page scrolls (Leaflet then takes it for the end of a drag, not a click).
        page.locator('iframe[title="streamlit_folium.st_folium"]').scroll_into_view_if_needed()
        page.wait_for_timeout(1500)
        ward.click(force=True)
        page.wait_for_url("**/ward?ward=E05*", timeout=60_000)
        code = page.url.rsplit("ward=", 1)[-1]
        page.get_by_text("Headline indicators", exact=True).wait_for(timeout=60_000)
        browser.close()
    from vocabulary import duck

    con = duck.connect(demo_db, read_only=True)
    assert con.execute("SELECT count(*) FROM wards WHERE ward_code = ?", [code]).fetchone()[0] == 1
    con.close()
