"""Issue 14 in a real browser: what only a served page shows (Playwright + Debian Chromium).

The server fixture is tests/test_browser.py's (`streamlit run app.py` on the demo database); the saved schemes go
to a workspace file of their own. Skips without Chromium or Playwright, except on CI.
"""

from __future__ import annotations

import pytest

from tests.test_areas_browser import _cells, _wards_in
from tests.test_browser import _browser, _serve

PAINT = "Clicking a ward on the map puts it in"


@pytest.fixture(scope="module")
def served(demo_db, tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("WARDSCOPE_WORKSPACE", str(tmp_path_factory.mktemp("workspace") / "workspace.duckdb"))
    yield from _serve(demo_db)
    mp.undo()




def _idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished running the page (its status widget gone), then let the grid draw."""
    page.wait_for_timeout(500)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=timeout_ms)
    page.wait_for_timeout(1000)


def _wait_for(page, check, tries: int = 60) -> bool:
    for _ in range(tries):
        if check():
            return True
        page.wait_for_timeout(500)
    return check()


def _open(page, url: str, ready: str) -> None:
    page.goto(url, timeout=60_000)
    page.get_by_text(ready, exact=True).first.wait_for(timeout=90_000)
    if page.get_by_text("Page not found").count():  # Streamlit's notice for a routed url_path: close it
        page.keyboard.press("Escape")
    _idle(page)


def test_first_visit_shows_what_wardscope_is_while_it_loads(served):
    """Runs first, on a fresh server: the main area is never blank — the header and its one-sentence purpose come
    before the figures, with a spinner while they load; the metric labels are not cut."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(served, wait_until="commit", timeout=60_000)
        # the purpose and the data notice are drawn before any figure is worked out (then a spinner, st.spinner,
        # says the figures are loading: tests/test_ux.py checks the page does so)
        page.get_by_text("Wardscope shows council officers").wait_for(timeout=90_000)
        page.get_by_text("These figures describe an invented").first.wait_for(timeout=5_000)
        page.get_by_test_id("stMetric").first.wait_for(timeout=90_000)
        _idle(page)
        labels = page.get_by_test_id("stMetricLabel")
        cut = [labels.nth(i).inner_text() for i in range(labels.count())
               if labels.nth(i).evaluate("e => { const t = e.querySelector('p') || e; "
                                         "return t.scrollWidth > t.clientWidth + 1; }")]
        browser.close()
    assert not cut, f"metric labels cut at 1366 px: {cut}"


def test_a_bad_scheme_link_keeps_its_warning(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1366, "height": 1000})
        _open(page, f"{served}/area-working?scheme=Nowhere", "The areas")
        page.wait_for_timeout(3000)  # the map reports in and the page reruns
        _idle(page)
        warning = page.get_by_text("There is no saved scheme called 'Nowhere'")
        assert warning.count() == 1 and "starting grouping" in warning.inner_text()
        browser.close()


def test_heatmap_title_does_not_overlap_its_column_labels(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1366, "height": 1000})
        _open(page, f"{served}/taking-part", "Taking part by ward")
        page.get_by_role("tab", name="Who takes part").click()
        title = page.locator(".js-plotly-plot .gtitle").first
        title.wait_for(timeout=90_000)
        _idle(page)
        box = title.bounding_box()
        ticks = page.locator(".js-plotly-plot", has=page.locator(".gtitle")).locator(".xtick text")
        tops = [ticks.nth(i).bounding_box()["y"] for i in range(ticks.count())]
        browser.close()
    assert tops and min(tops) >= box["y"] + box["height"], (box, tops)


def test_undo_after_a_map_click_undoes_it(served):
    """The map re-reports its last click after a rerun: Undo must not see it as a new click and re-apply it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        _open(page, f"{served}/area-working", "The areas")
        frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"] >> nth=-1')
        frame.locator("path.leaflet-interactive").first.wait_for(timeout=60_000)
        page.locator('[data-testid="stSelectbox"]', has_text=PAINT).click()
        page.get_by_role("option", name="A new area…").click()
        page.get_by_label("Name of the new area").wait_for(timeout=30_000)
        _idle(page)
        frame.locator("path.leaflet-interactive").nth(0).click()
        assert _wait_for(page, lambda: _wards_in(_cells(page), "Area 7") == "1"), _cells(page)
        _idle(page)
        page.get_by_role("button", name="Undo the last change").click()
        _idle(page)
        page.wait_for_timeout(3000)  # give a re-reported click every chance to come back
        _idle(page)
        cells = _cells(page)
        browser.close()
    assert _wards_in(cells, "Area 7") is None, cells


def test_a_visit_to_a_page_with_a_map_runs_it_once(served):
    """Speed (issue 14): opening a page from the sidebar costs one run of its script. A map that reports a value
    as soon as it is drawn (st_folium asked for its click count, which it starts at 0 against a declared None)
    would run the page a second time on every visit and after every change, doubling what the user waits for."""
    from playwright.sync_api import sync_playwright

    sent: list[str] = []
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(page.url)))
        _open(page, served, "Overview")
        nav = page.locator('[data-testid="stSidebarNav"]')
        runs = {}
        for title in ("Areas", "Ward profile", "Overview", "Community assets", "Areas"):
            sent.clear()
            nav.get_by_text(title, exact=True).first.click(timeout=60_000)
            page.locator("h1").filter(has_text=title).first.wait_for(timeout=90_000)
            frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"] >> nth=0')
            frame.locator(".leaflet-container").first.wait_for(timeout=60_000)  # the map is drawn…
            page.wait_for_timeout(2000)  # …and has had time to report in
            _idle(page)
            runs[title] = runs.get(title, []) + [len(sent)]
        browser.close()
    assert runs == {"Areas": [1, 1], "Ward profile": [1], "Overview": [1], "Community assets": [1]}, runs
