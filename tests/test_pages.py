"""Every page runs on the demo database, warns that the data are synthetic, and shows real figures.

Each figure checked here is compared with an independent DuckDB query of the demo database,
not with the app's own data-access code. Pages are run with streamlit.testing (AppTest).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "ward_profile", "participation", "said", "areas", "assets", "data"]
TIMEOUT = 90
COUNT_WORDS = ("responses", "respondents", "people taking part", "residents")
NOT_COUNT_WORDS = ("per ", "share", "index", "%")
#: Pages in tabs of which only the open one runs: every tab is checked.
PAGE_TABS = {"participation": ["Taking part by ward", "Who takes part", "Themed groups", "Scrutiny report",
                               "Outreach targets"],
             "said": ["Answers", "Participatory budgeting", "Petitions", "Comments on the map", "Who keeps answering"]}
DIMENSION_LABELS = {"age": "Age", "sex": "Sex", "ethnicity": "Ethnic group", "disability": "Disability"}


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    from vocabulary import duck

    con = duck.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def shown(n: float) -> float:
    """A count as the app shows it: rounded to a multiple of 10 by the keyed rounding (the differencing defence)."""
    from geo.disclosure import DisclosurePolicy

    return float(DisclosurePolicy.from_env().publish([n])[0])


def scalar(db: Path, sql: str, params: list | None = None):
    return query(db, sql, params)[0][0]


def run(page: str, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def number(text: str) -> float | None:
    """A displayed count as a number, or None for "hidden", blanks and other text."""
    cleaned = str(text).replace(",", "").strip()
    return float(cleaned) if re.fullmatch(r"-?\d+(\.\d+)?", cleaned) else None


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert any("Synthetic data" in w.value for w in at.warning), "the synthetic-data warning is missing"


def table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first st.dataframe with this column."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with a column {column!r}: {[list(f.value.columns) for f in at.dataframe]}")


def count_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if any(w in str(c).lower() for w in COUNT_WORDS)
            and not any(w in str(c).lower() for w in NOT_COUNT_WORDS)]


def assert_no_small_counts(at: AppTest) -> int:
    """No cell of a count column in any st.dataframe is a number from 1 to 9; returns cells checked."""
    checked = 0
    for frame in at.dataframe:
        table = frame.value
        for column in count_columns(table):
            for cell in table[column]:
                value = cell if isinstance(cell, (int, float)) else number(cell)
                if value is not None and not pd.isna(value):
                    checked += 1
                    assert not 1 <= value <= 9, f"{column!r} shows a count of {value}"
    return checked


def small_activity(db: Path) -> str:
    """An activity with a few dozen responses: enough to show some wards, few enough to hide others."""
    return scalar(db, """SELECT activity_id FROM responses WHERE ward_code IS NOT NULL GROUP BY activity_id
                         HAVING count(*) BETWEEN 30 AND 200 ORDER BY count(*), activity_id LIMIT 1""")


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_with_synthetic_warning(app_env, page):
    assert (ROOT / "pages" / f"{page}.py").exists()
    at = run(page)
    assert_ok(at)
    assert at.title[0].value


def test_every_page_file_is_tested():
    assert sorted(p.stem for p in (ROOT / "pages").glob("*.py")) == sorted(PAGES)


def test_app_router_runs(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    assert_ok(at)
    assert at.title[0].value == "Overview"


def test_overview_wards_metric(app_env):
    at = run("overview")
    wards = {m.label: m.value for m in at.metric}["Wards"]
    assert int(wards) == scalar(app_env, "SELECT count(*) FROM wards")


def test_ward_profile_selects_ward_from_query_params(app_env):
    code, name = query(app_env, "SELECT ward_code, ward_name FROM wards ORDER BY ward_name DESC LIMIT 1")[0]
    at = AppTest.from_file(str(ROOT / "pages" / "ward_profile.py"), default_timeout=TIMEOUT)
    at.query_params["ward"] = code
    at.run()
    assert_ok(at)
    assert at.selectbox[0].value == code
    assert any(c.value.startswith(f"{name} (filled)") for c in at.caption)


def test_participation_totals_match_the_database(app_env):
    at = run("participation")
    assert_ok(at)
    table = table_with(at, "Responses").set_index("Ward")
    assert number(table.at["All wards", "Responses"]) == shown(scalar(
        app_env, "SELECT count(*) FROM responses WHERE ward_code IS NOT NULL"))
    ward, n = query(app_env, """SELECT w.ward_name, count(*) FROM responses r JOIN wards w USING (ward_code)
                                GROUP BY 1 ORDER BY 1 LIMIT 1""")[0]
    assert number(table.at[ward, "Responses"]) == shown(n)
    people = scalar(app_env, """SELECT count(DISTINCT coalesce(respondent_id, 'response:' || response_id))
                                FROM responses r JOIN wards w USING (ward_code) WHERE w.ward_name = ?""", [ward])
    assert number(table.at[ward, "People taking part"]) == shown(people)
    residents = scalar(app_env, """SELECT sum(persons) FROM ward_population p JOIN wards w USING (ward_code)
                                   WHERE dimension = 'age' AND w.ward_name = ?""", [ward])
    # the rate is worked out from the count as shown, so that rate × residents gives back no more than the count
    rate = float(table.at[ward, "Responses per 1,000 residents"])
    assert rate == pytest.approx(shown(n) / residents * 1000, abs=0.05)


def test_participation_not_stated_is_its_own_row(app_env):
    at = run("participation", participation_tab="Who takes part")
    table = table_with(at, "Representation index (1.00 = in proportion)").set_index("Age")
    not_stated = scalar(app_env, """
        SELECT count(*) FROM (
            SELECT ward_code, coalesce(respondent_id, 'response:' || response_id) AS who,
                   arg_max(age_band, submitted_at) AS band
            FROM responses WHERE ward_code IS NOT NULL GROUP BY ALL) WHERE band = 'Not stated'""")
    assert not_stated >= 10
    assert number(table.at["Not stated", "Respondents"]) == shown(not_stated)
    assert table.at["Not stated", "Share of respondents who stated a group"] == ""
    shares = [float(s.rstrip("%")) for s in table["Share of respondents who stated a group"] if s]
    assert sum(shares[:-1]) == pytest.approx(100, abs=0.5)  # groups add up to 100%; the last is the base row


def test_participation_dimensions_are_those_with_census_population(app_env):
    at = run("participation", participation_tab="Who takes part")
    loaded = {d for (d,) in query(app_env, "SELECT DISTINCT dimension FROM ward_population")}
    assert set(at.selectbox[0].options) == {DIMENSION_LABELS[d] for d in loaded & set(DIMENSION_LABELS)}


def test_participation_honours_the_engagement_filter(app_env):
    import data_access as da
    import ui

    activity = small_activity(app_env)
    at = run("participation", **{ui.FILTER_KEY: da.EngagementFilter(activity_ids=(activity,))})
    assert_ok(at)
    table = table_with(at, "Responses").set_index("Ward")
    assert number(table.at["All wards", "Responses"]) == shown(scalar(
        app_env, "SELECT count(*) FROM responses WHERE ward_code IS NOT NULL AND activity_id = ?", [activity]))
    assert (table["Responses"] == "hidden").any()  # this activity is small enough to hide some wards


def raw_option(page: str, label: str):
    """The value behind a formatted selectbox option (AppTest selects by value)."""
    from geo import indicators

    if page == "overview":
        return next(i for i in indicators.INDICATORS if f"{i.label} ({i.unit})" == label)
    return next(d for d, shown in DIMENSION_LABELS.items() if shown == label)


@pytest.mark.parametrize("page", ["participation", "overview"])
def test_no_count_from_1_to_9_in_any_table(app_env, page):
    import data_access as da
    import ui

    checked = 0
    for flt in (da.EngagementFilter(), da.EngagementFilter(activity_ids=(small_activity(app_env),))):
        for tab in PAGE_TABS.get(page, [None]):
            at = run(page, **{ui.FILTER_KEY: flt, **({"participation_tab": tab} if tab else {})})
            assert_ok(at)
            if tab:
                assert [t.label for t in at.tabs] == PAGE_TABS[page]
            checked += assert_no_small_counts(at)
            if tab in (None, "Who takes part"):  # every map measure (overview) or group dimension (participation)
                for label in at.selectbox[0].options:
                    at.selectbox[0].select(raw_option(page, label)).run()
                    assert_ok(at)
                    checked += assert_no_small_counts(at)
            for metric in at.metric:
                value = number(metric.value)
                assert value is None or not 1 <= value <= 9, (metric.label, metric.value)
    assert checked > 0 or page == "overview"


WARD_SECTIONS = ["At a glance", "Who lives here", "Deprivation and assets", "Taking part", "Who takes part",
                 "What residents said", "Similar wards", "Outreach partners"]


@pytest.mark.parametrize("section", WARD_SECTIONS)
def test_every_ward_profile_section_runs_without_small_counts(app_env, section):
    """Each tab of the Ward profile, opened on its own (only the open tab runs), under no filter and under an
    activity small enough to hide counts: it draws, and no table shows a count from 1 to 9."""
    import data_access as da
    import ui

    checked = 0
    for flt in (da.EngagementFilter(), da.EngagementFilter(activity_ids=(small_activity(app_env),))):
        at = run("ward_profile", **{ui.FILTER_KEY: flt, "ward_tab": section})
        assert_ok(at)
        assert [t.label for t in at.tabs] == WARD_SECTIONS
        assert at.dataframe or flt.activity_ids, f"{section}: no table drawn"  # a small activity may have no answers
        checked += assert_no_small_counts(at)
    if section in ("Taking part", "Who takes part"):
        assert checked > 0


def test_ward_profile_runs_only_the_open_section(app_env):
    """Lazy tabs: the default visit draws the headline section and not the others; opening another tab draws it
    instead (what keeps a visit to the page quick in the browser, bench/browser.py)."""
    default = run("ward_profile")
    headers = [h.value for h in default.header]
    assert "Headline indicators" in headers and "Similar wards" not in headers and not default.get("plotly_chart")
    similar = run("ward_profile", ward_tab="Similar wards")
    headers = [h.value for h in similar.header]
    assert "Similar wards" in headers and "Headline indicators" not in headers


def test_participation_both_measures_keep_small_counts_hidden(app_env):
    import data_access as da
    import ui

    at = run("participation", **{ui.FILTER_KEY: da.EngagementFilter(activity_ids=(small_activity(app_env),))})
    for measure in ("responses", "respondents"):
        at.radio[0].set_value(measure).run()
        assert_ok(at)
        assert assert_no_small_counts(at) > 0


def test_areas_table_matches_the_database(app_env):
    at = run("areas")
    assert_ok(at)
    table = table_with(at, "Contiguous").set_index("Area")
    total = table.loc["All areas"]
    assert int(total["Wards"]) == scalar(app_env, "SELECT count(*) FROM wards")
    assert number(total["Residents"]) == pytest.approx(
        scalar(app_env, "SELECT sum(persons) FROM ward_population WHERE dimension = 'age'"), abs=0.5)
    assert number(total["Responses"]) == scalar(app_env, "SELECT count(*) FROM responses WHERE ward_code IS NOT NULL")
    areas = table.drop("All areas")
    assert len(areas) == 6 and sum(int(w) for w in areas["Wards"]) == int(total["Wards"])
    assert (areas["Contiguous"] == "yes").all()  # the starting grouping is contiguous
    assert len(at.warning) == 1  # only the synthetic-data warning


def test_areas_warns_about_a_non_contiguous_area(app_env):
    names = [n for (n,) in query(app_env, "SELECT ward_name FROM wards ORDER BY ward_name")]
    first, second = query(app_env, """SELECT a.ward_name, b.ward_name FROM wards a, wards b
                                      WHERE a.ward_name < b.ward_name AND NOT ST_Intersects(a.geom, b.geom)
                                      ORDER BY 1, 2 LIMIT 1""")[0]
    at = run("areas")
    edits = {names.index(first): {"Area": "Split area"}, names.index(second): {"Area": "Split area"}}
    # the page keys its editor by the number of starting areas (6 by default)
    at.session_state["areas_editor_6"] = {"edited_rows": edits, "added_rows": [], "deleted_rows": []}
    at.run()
    assert_ok(at)
    table = table_with(at, "Contiguous").set_index("Area")
    assert table.at["Split area", "Contiguous"] == "no" and table.at["Split area", "Wards"] == "2"
    assert any("Split area" in w.value and "not contiguous" in w.value for w in at.warning)


def test_assets_counts_match_the_database(app_env):
    at = run("assets")
    assert_ok(at)
    table = table_with(at, "Assets per 1,000 residents").set_index("Ward")
    assert table.at["All wards", "Total"] == scalar(app_env, "SELECT count(*) FROM assets WHERE ward_code IS NOT NULL")
    category, n = query(app_env, """SELECT category, count(*) FROM assets WHERE ward_code IS NOT NULL
                                    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""")[0]
    assert table.at["All wards", category.capitalize()] == n
    at.multiselect[0].set_value([category]).run()
    assert_ok(at)
    shown = scalar(app_env, "SELECT count(*) FROM assets WHERE category = ?", [category])
    assert {m.label: m.value for m in at.metric}["Assets shown"] == f"{shown:,}"
    assert table_with(at, "Assets per 1,000 residents").set_index("Ward").at["All wards", "Total"] == n


def test_data_page_shows_latest_run_and_its_files(app_env):
    at = run("data")
    assert_ok(at)
    run_id, n_files = query(app_env, """SELECT r.run_id, (SELECT count(*) FROM load_sources s WHERE s.run_id = r.run_id)
                                        FROM load_runs r ORDER BY started_at DESC LIMIT 1""")[0]
    assert any(run_id in m.value for m in at.markdown)
    assert table_with(at, "Run")["Run"].iloc[0] == run_id
    files = table_with(at, "SHA-256 (first 12 characters)")
    assert len(files) == n_files
    sha = scalar(app_env, "SELECT sha256 FROM load_sources WHERE run_id = ? AND dataset = 'wards'", [run_id])
    assert files.set_index("Dataset").at["wards", "SHA-256 (first 12 characters)"] == sha[:12] + "…"
    postcode_source = scalar(app_env, "SELECT value FROM meta WHERE key = 'postcode_source'")
    assert any(postcode_source in m.value for m in at.markdown)
    assert any("Contains OS data" in m.value for m in at.markdown)
