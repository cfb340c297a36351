"""Issue 5 in a browser: filtering the Participation page by activity kind changes its map and its table.

Uses the server and Chromium helpers of tests/test_browser.py; skips without Chromium or Playwright
(fails on CI). Saves tests/artifacts/participation.png.
"""

from __future__ import annotations

import pytest
from test_browser import ARTIFACTS, _browser, _serve


@pytest.fixture(scope="module")
def served(demo_db):
    yield from _serve(demo_db)


def _state(page) -> tuple[str, list[str]]:
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
    frame.locator(".wardscope-legend").wait_for(timeout=60_000)
    legend = frame.locator(".wardscope-legend").inner_text()
    cells = page.locator('[data-testid="stDataFrame"]').first.locator('[role="gridcell"]').all_inner_texts()
    return legend, cells


def test_filtering_by_activity_kind_changes_map_and_table(served, demo_db):
    from playwright.sync_api import sync_playwright

    from vocabulary import duck

    con = duck.connect(demo_db, read_only=True)
    kind = con.execute("""SELECT a.kind FROM responses r JOIN activities a USING (activity_id)
                          WHERE r.ward_code IS NOT NULL GROUP BY 1 ORDER BY count(*) LIMIT 1""").fetchone()[0]
    total = con.execute("SELECT count(*) FROM responses r JOIN activities a USING (activity_id) "
                        "WHERE r.ward_code IS NOT NULL AND a.kind = ?", [kind]).fetchone()[0]
    con.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        # Open the app at its root and follow the sidebar link, as a user would.
        page.goto(served, timeout=60_000)
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Participation", exact=True).click(timeout=60_000)
        page.get_by_text("Taking part by ward", exact=True).wait_for(timeout=60_000)
        page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        legend_before, cells_before = _state(page)

        box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
        box.click()
        page.get_by_role("option", name=kind.replace("_", " "), exact=True).click()
        page.keyboard.press("Escape")
        deadline = 60
        legend_after, cells_after = legend_before, cells_before
        for _ in range(deadline * 2):
            page.wait_for_timeout(500)
            try:
                legend_after, cells_after = _state(page)
            except Exception:  # the map frame is being replaced
                continue
            if legend_after != legend_before and cells_after != cells_before:
                break
        assert cells_after != cells_before, "the table did not change"
        assert legend_after != legend_before, "the map's legend did not change"
        # the smallest kind hides small wards (the grid mirrors only the rows in view, not 'All wards')
        assert total < 1000 and "hidden" in cells_after and "hidden" not in cells_before
        page.screenshot(path=str(ARTIFACTS / "participation.png"), full_page=False)
        browser.close()
    assert (ARTIFACTS / "participation.png").stat().st_size > 10_000
