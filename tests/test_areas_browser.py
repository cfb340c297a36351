"""Issue 4 in a real browser: click two wards on the Areas map into a new area and see the figures update.

Uses the server fixture pattern of tests/test_browser.py (streamlit run app.py on the demo database,
headless Debian Chromium); saves a screenshot to tests/artifacts/areas-builder.png.
"""

from __future__ import annotations

import pytest

from tests.test_browser import ARTIFACTS, _browser, _serve


@pytest.fixture(scope="module")
def served_areas(demo_db, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("WARDSCOPE_WORKSPACE", str(tmp_path_factory.mktemp("workspace") / "workspace.duckdb"))
    yield from _serve(demo_db)
    mp.undo()


def _cells(page) -> list[str]:
    return page.locator('[data-testid="stDataFrame"] [role="gridcell"]').all_inner_texts()


def _wards_in(cells: list[str], area: str) -> str | None:
    """The Wards cell of an area's row in the areas table (the editor's Area cells are followed by ward names)."""
    return next((nxt for c, nxt in zip(cells, cells[1:], strict=False) if c == area and nxt.isdigit()), None)


def test_click_two_wards_into_a_new_area(served_areas):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.goto(f"{served_areas}/area-working", timeout=60_000)
        page.get_by_text("The areas", exact=True).wait_for(timeout=60_000)
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"] >> nth=-1')
        frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        if page.get_by_text("Page not found").count():  # Streamlit's notice for the routed url_path: close it
            page.keyboard.press("Escape")
            page.wait_for_timeout(500)
        # paint into a new area, "Area 7"
        page.locator('[data-testid="stSelectbox"]', has_text="Clicking a ward on the map puts it in").click()
        page.get_by_role("option", name="A new area…").click()
        page.get_by_label("Name of the new area").wait_for(timeout=30_000)
        for index in (0, 1):
            page.wait_for_timeout(3000)  # let the previous run finish and the map settle
            before = len([c for c in _cells(page) if c == "Area 7"])
            frame.locator("path.leaflet-interactive").nth(index).click()
            for _ in range(60):
                page.wait_for_timeout(500)
                if len([c for c in _cells(page) if c == "Area 7"]) > before:
                    break
            frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / "areas-builder.png"), full_page=False)
        text = page.locator("body").inner_text()
        cells = _cells(page)
        # the ward clicked last, clicked again while painting into another area, moves again
        page.locator('[data-testid="stSelectbox"]', has_text="Clicking a ward on the map puts it in").click()
        page.get_by_role("option", name="Area 1", exact=True).click()
        page.wait_for_timeout(3000)
        frame.locator("path.leaflet-interactive").nth(1).click()
        for _ in range(60):
            page.wait_for_timeout(500)
            if _wards_in(_cells(page), "Area 7") == "1":
                break
        again = _cells(page)
        browser.close()
    # the area table's row for Area 7 now counts 2 wards, and the builder re-checked contiguity
    assert any(c == "Area 7" and nxt == "2" for c, nxt in zip(cells, cells[1:], strict=False)), cells
    assert "Area 7" in text
    assert (ARTIFACTS / "areas-builder.png").stat().st_size > 10_000
    assert _wards_in(again, "Area 7") == "1", again
