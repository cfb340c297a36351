"""Issue 13 in a browser: filtering the Community assets page to one category changes its map (the asset deserts
drawn), its coverage figures and its table.

Uses the server and Chromium helpers of tests/test_browser.py; skips without Chromium or Playwright (fails on CI).
Saves tests/artifacts/community-assets.png.
"""

from __future__ import annotations

import pytest
from test_browser import ARTIFACTS, _browser, _serve

MAP = 'iframe[title="streamlit_folium.st_folium"]'


@pytest.fixture(scope="module")
def served(demo_db):
    yield from _serve(demo_db)


def _state(page) -> tuple[int, str, str, list[str]]:
    """Shapes drawn on the map, its legend, the share-of-residents metric and the first table's cells."""
    frame = page.frame_locator(MAP).first
    frame.locator(".wardscope-legend").wait_for(timeout=60_000)
    shapes = frame.locator("path.leaflet-interactive").count()
    legend = frame.locator(".wardscope-legend").inner_text()
    label = page.get_by_test_id("stMetricLabel").get_by_text("Residents within 800 m of one", exact=True)
    share = page.get_by_test_id("stMetric").filter(has=label).get_by_test_id("stMetricValue").inner_text().strip()
    cells = page.locator('[data-testid="stDataFrame"]').first.locator('[role="gridcell"]').all_inner_texts()
    return shapes, legend, share, cells


def test_filtering_a_category_changes_map_figures_and_table(served):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(served, timeout=60_000)
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Community assets", exact=True).click(timeout=60_000)
        page.get_by_text("Residents within 800 m of one", exact=True).wait_for(timeout=60_000)
        page.get_by_text("Asset deserts", exact=True).last.click(timeout=60_000)  # the map radio's option
        page.get_by_text("with no asset within 800 m").wait_for(timeout=60_000)
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        before = _state(page)
        assert before[2].endswith("%")

        box = page.locator('[data-testid="stMain"] [data-testid="stMultiSelect"]').first
        for category in ("Voluntary", "Faith", "Community", "Sport", "Library", "Health", "Other"):
            box.get_by_role("button", name=f"Remove {category}", exact=True).click(timeout=30_000)
            page.wait_for_timeout(300)
        after = before
        for _ in range(120):
            page.wait_for_timeout(500)
            try:
                after = _state(page)
            except Exception:  # the map frame is being replaced
                continue
            if after[0] != before[0] and after[2] != before[2] and after[3] != before[3]:
                break
        assert after[0] > before[0], "the map did not draw more asset deserts for youth groups alone"
        assert float(after[2].rstrip("%")) < float(before[2].rstrip("%")), "the coverage figure did not fall"
        assert after[3] != before[3], "the table did not change"
        page.screenshot(path=str(ARTIFACTS / "community-assets.png"), full_page=False)
        browser.close()
    assert (ARTIFACTS / "community-assets.png").stat().st_size > 10_000
