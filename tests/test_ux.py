"""Issue 14: every page as its users meet it — the words, tables, fallbacks and exports (AppTests on the demo
database and plain unit tests; what only a browser shows is in tests/test_ux_browser.py)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120


def page(name: str, params: dict | None = None, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.fixture()
def workspace(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("WARDSCOPE_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    return app_env


# --- 1. the first screen ----------------------------------------------------------------------------------------

def test_overview_says_what_wardscope_is_for_whom_and_that_the_data_are_synthetic(app_env):
    at = page("overview")
    ok(at)
    about = at.markdown[0].value
    assert "Wardscope shows" in about and "councillors" in about and "ward by ward" in about
    assert any("Synthetic data" in w.value for w in at.warning)
    assert not any("Real data" in i.value for i in at.info)


def test_overview_says_when_the_data_are_real(app_env, monkeypatch):
    import data_access as da

    real = {**da.meta(), "synthetic": ""}
    monkeypatch.setattr(da, "meta", lambda: real)
    at = page("overview")
    ok(at)
    assert not any("Synthetic" in w.value for w in at.warning)
    assert any(i.value.startswith("**Real data.**") for i in at.info)


def test_overview_metric_labels_are_short_and_explained(app_env):
    at = page("overview")
    ok(at)
    labels = {m.label: m for m in at.metric}
    assert set(labels) == {"Wards", "Residents", "Responses", "People taking part", "Activities"}
    assert all(len(label) <= 20 for label in labels)  # fits a fifth of the page at 1366 px
    assert "Per ward, summed" in labels["People taking part"].help


def test_overview_loads_under_a_spinner():
    """The first visit's computations run inside st.spinner, so the main area says it is loading (the browser test
    sees it on a cold server)."""
    text = (ROOT / "pages" / "overview.py").read_text(encoding="utf-8")
    spinner = text.index("with st.spinner(")
    assert spinner < text.index("values = sv.indicator_values") < text.index("cols = st.columns(5)")


# --- 2. fallbacks said in words -------------------------------------------------------------------------------

def test_an_unknown_ward_code_is_said(app_env):
    at = page("ward_profile", {"ward": "E0500XXXX"})
    ok(at)
    assert any("no ward with the code 'E0500XXXX'" in w.value and "instead" in w.value for w in at.warning)


def test_a_bad_scheme_link_keeps_saying_the_default_grouping_is_shown(workspace):
    at = page("areas", {"scheme": "Nowhere"})
    ok(at)
    said = [w.value for w in at.warning if "no saved scheme called 'Nowhere'" in w.value]
    assert said and "starting grouping" in said[0]
    at.run()  # any later run (a widget, the map reporting in) keeps the warning on screen
    assert any("no saved scheme called 'Nowhere'" in w.value for w in at.warning)


def test_saving_a_themed_group_confirms_and_selects_it(workspace):
    at = page("participation", participation_tab="Themed groups")
    ok(at)
    at.selectbox(key="themed_dimension").select("ethnicity").run()
    at.text_input(key="themed_name").set_value("My group")
    at.button(key="themed_save").click().run()
    ok(at)
    assert any("Saved the themed group 'My group'" in s.value for s in at.success)
    assert at.selectbox(key="themed_saved").value == "My group"
    at.run()  # the confirmation was said once; the selector keeps the group
    assert at.selectbox(key="themed_saved").value == "My group"


# --- 3. the Areas builder -------------------------------------------------------------------------------------

def test_undo_gives_the_map_a_new_key():
    """st_folium reports its last click again after a rerun; after an undo the map is a new widget with none."""
    from services.area_builder import AreaBuilder

    store: dict = {}
    builder = AreaBuilder(store, ["A", "B"])
    builder.start(2, {"A": "Area 1", "B": "Area 2"})
    first = builder.map_key
    click = ("B", 1, 51.5, 0.1)
    assert builder.click("B", click, "Area 1") and builder.map_key == first  # a click keeps the map and its zoom
    builder.undo()
    assert builder.scheme == {"A": "Area 1", "B": "Area 2"} and builder.map_key != first


def test_budget_amounts_are_numbers_shown_as_pounds(workspace):
    from render.columns import number_format

    at = page("areas", areas_tab="Budgets and pilot")
    ok(at)
    by_area = next(f.value for f in at.dataframe if "Allocation (£)" in f.value.columns)
    assert pd.api.types.is_float_dtype(by_area["Allocation (£)"])
    assert number_format(by_area["Allocation (£)"]) == "£%,.2f"
    assert number_format(by_area["Residents"]) == "%,.0f"  # 23,518, not 23518


# --- 4. tables ------------------------------------------------------------------------------------------------

def test_column_settings_shorten_long_headings_and_keep_decimals():
    from ui.frame import column_settings

    frame = pd.DataFrame({"Ward": ["Abbey"], "Assets per 1,000 residents": [0.66],
                          "95% interval of the index": ["0.50 to 0.80"], "Year": [2026]})
    config = column_settings(frame)
    assert config["Ward"]["pinned"] is True
    assert config["Assets per 1,000 residents"]["label"] == "Per 1,000 residents"
    assert config["Assets per 1,000 residents"]["type_config"]["format"] == "%,.2f"  # 0.66, never "0"
    assert config["95% interval of the index"]["label"] == "95% interval"
    assert config["Year"]["type_config"]["format"] == "%d"


def test_reach_table_is_sorted_by_rate(app_env):
    at = page("participation")
    ok(at)
    table = next(f.value for f in at.dataframe if "Ward" in f.value.columns and "Residents" in f.value.columns)
    rate = [c for c in table.columns if c.endswith(", smoothed")][0]
    wards = table[table["Ward"] != "All wards"]
    shown = pd.to_numeric(wards[rate].str.replace(",", ""), errors="coerce").dropna()
    assert shown.is_monotonic_increasing and len(shown) > 5
    assert table["Ward"].iloc[-1] == "All wards"


def test_ward_profile_explains_blank_shares(app_env):
    at = page("ward_profile", ward_tab="Who takes part")
    ok(at)
    assert any("Why a share or index is blank" in c.value for c in at.caption)


def test_data_page_lists_each_loads_notes(app_env):
    import data_access as da

    runs, _files = da.load_history()
    notes = [n for n in str(runs["notes"].iloc[0] or "").splitlines() if n.strip()]
    at = page("data")
    ok(at)
    assert int(next(f.value for f in at.dataframe if "Run" in f.value.columns)["Notes"].iloc[0]) == len(notes)
    listed = [e for e in at.expander if e.label.startswith("Notes of run")]
    assert listed and all(m.value.startswith("- ") for m in listed[0].markdown)
    assert len(listed[0].markdown[0].value.splitlines()) == len(notes)


# --- 5. words -------------------------------------------------------------------------------------------------

def test_deprivation_rank_says_which_end_is_most_deprived(app_env):
    at = page("ward_profile")
    ok(at)
    headline = next(f.value for f in at.dataframe if "This ward" in f.value.columns).set_index("Indicator")
    assert headline.at["Average deprivation rank", "Rank among wards (1 = highest)"].endswith("= most deprived)")
    areas = page("areas")
    assert any("Average deprivation rank (1 = most deprived)" in f.value.columns for f in areas.dataframe)


def test_source_captions_are_plain_english(app_env, monkeypatch):
    import data_access as da
    from services import captions

    monkeypatch.setattr(da, "sources_by_dataset", lambda: {"responses": ("held-out engagement", "2026-09-30")})
    lines = captions.source_lines("engagement", "age")
    assert lines[0] == ("Consultations and responses: the council's own records (held-out engagement), up to "
                        "30 September 2026.")
    monkeypatch.setattr(da, "assets_loaded", lambda: False)
    assert "no register of community groups and places was loaded" in captions.source_lines("assets")[0]


# --- 6. exports -----------------------------------------------------------------------------------------------

def test_p_values_read_as_a_committee_paper_prints_them():
    from render.columns import p_value

    assert [p_value(v) for v in (0.0000123, 0.0004, 0.01234, 0.5, float("nan"))] == [
        "< 0.001", "< 0.001", "0.012", "0.500", ""]


@pytest.fixture(scope="module")
def report(demo_db):
    import data_access as da
    from services import scrutiny_report

    with da.use_database(demo_db):
        yield scrutiny_report.build(60.0)


def test_scrutiny_report_has_no_stray_headers_or_scientific_p_values(report):
    from render import scrutiny_report as sr

    html = sr.report_html("Scrutiny", report.sections)
    heads = re.findall(r"<thead>(.*?)</thead>", html, flags=re.S)
    assert len(heads) >= 4 and all(head.count("<tr") == 1 for head in heads)  # no 'label' / 'channel' header row
    assert "<th>label</th>" not in html and "<th>channel</th>" not in html
    # a table whose columns carry a name (a pivot's) still prints one header row
    named = pd.DataFrame({"online": ["50%"]}).rename_axis(columns="channel")
    assert sr.report_html("x", [("Mix", "", named)]).count("<tr") == 2
    p = report.flagged["Holm-adjusted p"] if len(report.flagged) else pd.Series(dtype=str)
    assert not p.str.contains("e-").any()


def test_scrutiny_csv_is_tidy(report):
    from render import scrutiny_report as sr

    tidy = pd.read_csv(io.StringIO(sr.report_csv(report.sections)), keep_default_na=False)
    assert list(tidy.columns) == sr.TIDY_COLUMNS
    values = pd.to_numeric(tidy["value"].replace("", None), errors="raise")  # numbers, never "15.6 ▼"
    assert values.notna().sum() > 20
    quarters = tidy[tidy["section"] == "Reach by quarter"]
    assert quarters["period"].str.match(r"\d{4} Q\d").all()
    assert (quarters["flag"].str.contains("below target")).any()
    hidden = tidy[tidy["flag"].str.startswith("hidden")]
    assert (hidden["value"] == "").all()
    counts = pd.to_numeric(tidy.loc[tidy["unit"] == "people", "value"].replace("", None)).dropna()
    assert not counts.between(1, 9).any()  # disclosure control survives the reshaping


def test_heatmap_title_keeps_clear_of_its_column_labels():
    from render.charts import heatmap_figure

    matrix = pd.DataFrame({"ward_code": ["A", "A"], "group": ["16-24", "25-34"], "index": [0.5, 1.2],
                           "index_min": [0.5, 1.2], "index_max": [0.5, 1.2], "flag": ["under", ""],
                           "test_basis": ["count", "count"]})
    layout = heatmap_figure(matrix, {"A": "Abbey"}, ["16-24", "25-34"], "Representation <b>index</b>")["layout"]
    assert layout["xaxis"]["side"] == "top" and layout["margin"]["t"] >= 60  # room for the labels, then the title
    assert layout["title"]["yref"] == "container" and layout["title"]["yanchor"] == "top"
    assert layout["title"]["text"] == "Representation &lt;b&gt;index&lt;/b&gt;"
