"""Upload for officers in a browser (issue 12): on the served app's Data and sources page, an officer uploads a
responses file through the real file picker (Playwright `set_input_files`), reads the validation report,
publishes it and sees the new load; then rolls back and sees the previous one.

Uses the server and Chromium helpers of tests/test_browser.py on a copy of the demo database of this module's
own (conftest's demo_db stays as it is), with no sign-in configured and WARDSCOPE_ROLE unset, so the session is
the local install's officer. No exception box or traceback may be on screen at any step. Skips without Chromium
or Playwright (fails on CI). Saves tests/artifacts/upload-report.png and
upload-published.png.
"""

from __future__ import annotations

import json
import shutil

import pytest
from test_browser import ARTIFACTS, _browser, _serve
from test_browser_thurrock import _problems, _settle
from test_upload import good_responses, latest_run

WAIT_MS = 120_000


@pytest.fixture(scope="module")
def published(demo_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("upload_browser") / "demo.duckdb"
    shutil.copy2(demo_db, db)
    return db


@pytest.fixture(scope="module")
def served(published):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("WARDSCOPE_ROLE", raising=False)  # the server reads it when it starts
        yield from _serve(published)


def _button(page, label: str):
    return page.get_by_test_id("stButton").filter(has_text=label).get_by_role("button")


def test_officer_uploads_publishes_and_rolls_back_in_the_browser(served, published, demo_db, tmp_path):
    from playwright.sync_api import sync_playwright

    first_run = latest_run(published)
    new_file = tmp_path / "responses_new.csv"
    new_file.write_bytes(good_responses(demo_db))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        # the server's first session opens the main page (a fresh server answers a first deep link with a
        # "Page not found" dialog before it switches page); this test's session then opens the Data page
        page.goto(served, timeout=60_000)
        page.get_by_text("These figures describe an invented").first.wait_for(timeout=WAIT_MS)
        page.goto(f"{served}/sources", timeout=60_000)
        page.get_by_text("Load new data", exact=True).wait_for(timeout=WAIT_MS)
        _settle(page)
        uploader = page.get_by_test_id("stFileUploader").filter(has=page.get_by_text("Responses", exact=True))
        uploader.locator("input[type=file]").set_input_files(str(new_file))
        uploader.get_by_text("responses_new.csv").wait_for(timeout=WAIT_MS)
        _settle(page)

        _button(page, "Check the files").click()
        page.get_by_text("The files passed every check").wait_for(timeout=WAIT_MS)
        _settle(page)
        assert not _problems(page, "report"), _problems(page, "report")
        page.get_by_text("The files passed every check").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "upload-report.png"))
        run_id = json.loads((published.parent / f".{published.name}.candidate.json").read_text())["run_id"]
        assert latest_run(published) == first_run, "checking must not publish"

        _button(page, "Publish").click()
        page.get_by_text(f"Published: load {run_id}").wait_for(timeout=WAIT_MS)
        _settle(page)
        assert latest_run(published) == run_id
        latest = page.get_by_test_id("stMarkdown").filter(has_text="Latest load: run").first.inner_text()
        assert run_id in latest, latest
        page.get_by_text(f"Published: load {run_id}").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "upload-published.png"))
        assert not _problems(page, "published"), _problems(page, "published")

        _button(page, "Roll back to the previous version").click()
        page.get_by_text("Rolled back: the previous version").wait_for(timeout=WAIT_MS)
        _settle(page)
        assert latest_run(published) == first_run
        assert first_run in page.get_by_test_id("stMarkdown").filter(has_text="Latest load: run").first.inner_text()
        assert not _problems(page, "rolled back"), _problems(page, "rolled back")
        browser.close()
