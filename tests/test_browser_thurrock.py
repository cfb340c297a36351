"""No traceback anywhere: every page and every tab of the served app on the real Thurrock database, in a browser.

Serves `streamlit run app.py` against conftest's thurrock_db (the real ONS/MHCLG files with synthetic
engagement) with the server and Chromium helpers of tests/test_browser.py, opens each page from the sidebar as
a user would, clicks every tab (the Participation page runs only the open one), waits for each run to finish,
and checks that no exception box, no "Traceback" and no "Something went wrong" message (app.py's catch-all)
is on screen. Skips without Chromium, Playwright or ../shared/data, except on CI.
"""

from __future__ import annotations

import re

import pytest
from test_browser import ARTIFACTS, _browser, _serve

SETTLE_S = 180


@pytest.fixture(scope="module")
def served(thurrock_db):
    yield from _serve(thurrock_db)


def _settle(page) -> None:
    """Wait until the script run triggered by the last action has finished: Streamlit's app root says
    data-test-script-state="notRunning" twice in a row, half a second apart."""
    page.wait_for_timeout(500)
    app = page.locator('[data-testid="stApp"]')
    quiet = 0
    for _ in range(SETTLE_S * 2):
        quiet = quiet + 1 if app.get_attribute("data-test-script-state") == "notRunning" else 0
        if quiet >= 2:
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"the page was still running after {SETTLE_S} s")


def _problems(page, where: str) -> list[str]:
    """What on screen says something broke: exception boxes, a traceback, app.py's catch-all message."""
    found = [f"{where}: exception box: {text[:300]}"
             for text in page.locator('[data-testid="stException"]').all_inner_texts()]
    body = page.locator("body").inner_text()
    for needle in ("Traceback", "Something went wrong on this page", 'File "/'):
        if needle in body:
            found.append(f"{where}: {needle!r} on screen")
    return found


def test_every_page_and_tab_on_thurrock_shows_no_traceback(served):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    visited: list[str] = []
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(served, timeout=60_000)
        nav = page.locator('[data-testid="stSidebarNav"]')
        # The first run on a fresh server lists Streamlit's legacy pages/ files, then app.py's st.navigation takes
        # over: wait for the app's own titles.
        nav.get_by_text("Community assets", exact=True).wait_for(timeout=120_000)
        _settle(page)
        # A link's text is its icon's name, then its title.
        titles = [t.strip().splitlines()[-1].strip() for t in nav.locator("a").all_inner_texts() if t.strip()]
        assert len(titles) >= 6, titles
        for title in titles:
            nav.get_by_text(title, exact=True).first.click(timeout=60_000)
            page.locator("h1").filter(has_text=title).first.wait_for(timeout=120_000)
            _settle(page)
            visited.append(title)
            problems += _problems(page, title)
            tabs = page.locator('[data-testid="stTabs"] [role="tab"]')
            for name in [t.strip() for t in tabs.all_inner_texts()]:
                tabs.filter(has_text=name).first.click(timeout=60_000)
                _settle(page)
                visited.append(f"{title} › {name}")
                problems += _problems(page, f"{title} › {name}")
            page.screenshot(path=str(ARTIFACTS / f"thurrock-{re.sub(r'[^a-z]+', '-', title.lower())}.png"))
        browser.close()
    assert not problems, problems
    assert "Participation" in titles and "Areas" in titles
    assert sum(v.startswith("Participation ›") for v in visited) >= 5, visited
