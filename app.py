"""Wardscope: who the council reaches, ward by ward.

The router and the frame. Page config, sign-in (the session's role) and the engagement
filters shared by every page live here once; each page under pages/ is a thin script.
Run with `streamlit run app.py`; WARDSCOPE_DB chooses the database.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlparse

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

import data_access as da
import ui
from geo.disclosure import DisclosurePolicy
from vocabulary import ACTIVITY_KINDS
from vocabulary.schema import SCHEMA_VERSION

log = logging.getLogger("wardscope")
PAGE_FAILED = ("Something went wrong on this page; it has been logged. Try again, change the filters or choose "
               "another page; if it keeps happening, tell whoever looks after Wardscope.")


def run_page(page) -> None:
    """Run the chosen page; an unexpected error becomes a plain message on screen and a logged traceback.

    A traceback on screen tells a resident-facing user nothing and shows file paths, so it goes to the
    server's log (logging, with the page's title) and the page says only that something went wrong.
    st.stop, st.rerun and st.switch_page work by raising Streamlit's ScriptControlException (a BaseException,
    never caught by `except Exception`); it is re-raised explicitly all the same, so they keep working.
    """
    try:
        page.run()
    except ScriptControlException:
        raise
    except Exception:
        log.exception("The page %r failed", getattr(page, "title", page))
        st.error(PAGE_FAILED, icon=":material/error:")

# The first session after the server starts runs under Streamlit's legacy pages/ discovery, which
# knows none of the url paths below, so a link such as /ward?ward=E05002229 would land on a blank
# page. st.navigation turns that discovery off for the process; this session is then sent on to
# the page its link asked for.
legacy_first_run = bool(PagesManager.uses_pages_directory)
PagesManager.uses_pages_directory = False

# The tab's icon is a file of the project: a Material icon name would be fetched from Google's font servers,
# which a council network may block (nothing a page loads comes from the internet).
st.set_page_config(page_title="Wardscope", page_icon=Path(__file__).resolve().parent / "static" / "wardscope-icon.png",
                   layout="wide")

if not da.db_path().exists():
    # The app never writes a database, nor builds one at a path it was given: a mistyped WARDSCOPE_DB would
    # otherwise be served synthetic data without a word. `./wardscope app` builds the demo when none exists.
    st.error(f"There is no Wardscope database at {ui.plain(da.db_path())}. Check WARDSCOPE_DB, build one with "
             "`python -m etl build --config … --db …`, or start with `./wardscope app`, which builds the synthetic "
             "demo database on its first run.", icon=":material/database:")
    st.stop()

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/map:", default=True),
    st.Page("pages/ward_profile.py", title="Ward profile", icon=":material/location_city:", url_path="ward"),
    # url paths differ from the file names on purpose: on a fresh server Streamlit's legacy pages/ discovery
    # would otherwise serve /participation straight from pages/participation.py, without this frame.
    st.Page("pages/participation.py", title="Participation", icon=":material/how_to_vote:", url_path="taking-part"),
    st.Page("pages/said.py", title="What residents said", icon=":material/forum:", url_path="residents-said"),
    st.Page("pages/areas.py", title="Areas", icon=":material/grid_view:", url_path="area-working"),
    st.Page("pages/assets.py", title="Community assets", icon=":material/volunteer_activism:",
            url_path="community-assets"),
    st.Page("pages/data.py", title="Data and sources", icon=":material/database:", url_path="sources"),
]
navigation = st.navigation(pages)
built_with = da.meta().get("schema_version")
if built_with != str(SCHEMA_VERSION):
    st.error(f"This database ({da.db_path().name}) was built by a different version of Wardscope (schema "
             f"{built_with}, this app reads schema {SCHEMA_VERSION}). Rebuild it with `python -m etl build --config "
             "…` or `python -m etl demo`; nothing else needs to change.", icon=":material/database:")
    st.stop()
if legacy_first_run:
    asked = urlparse(st.context.url or "").path.rstrip("/").rsplit("/", 1)[-1]
    target = next((p for p in pages if asked and p.url_path == asked), None)
    if target is not None:
        st.switch_page(target, query_params=st.query_params.to_dict())
    st.rerun()

with st.sidebar:
    ui.sign_in()
    st.subheader("Engagement filter")
    options = da.engagement_options()
    acts = da.activities()
    kinds = st.multiselect("Kind of activity", ACTIVITY_KINDS, format_func=lambda k: k.replace("_", " "),
                           placeholder="All kinds")
    owners = st.multiselect("Council service", sorted(acts["owner"].dropna().unique()), placeholder="All services")
    channels = st.multiselect("Channel", options["channels"], placeholder="All channels")
    span = st.date_input("Responses submitted between", value=(options["first"], options["last"]),
                         min_value=options["first"], max_value=options["last"], format="DD/MM/YYYY")
    start, end = (span if isinstance(span, tuple) and len(span) == 2 else (options["first"], options["last"]))
    st.session_state[ui.FILTER_KEY] = da.EngagementFilter(
        kinds=tuple(kinds), owners=tuple(owners), channels=tuple(channels),
        start=None if start == options["first"] else start, end=None if end == options["last"] else end)
    policy = DisclosurePolicy.from_env()
    st.caption(f"To protect residents' privacy, a count of people reads 'hidden' when it is below {policy.threshold}, "
               "or when a small count could be worked out from it and the totals; every other count is rounded to "
               f"a multiple of {policy.rounding}, so that two filters cannot be subtracted to reveal a small group.")

run_page(navigation)
