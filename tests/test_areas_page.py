"""AppTests of the Areas page on the demo database (AppTest cannot see st_folium: edits go through the table).

Saved schemes go to a workspace file in tmp_path (WARDSCOPE_WORKSPACE), never to the published database.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "areas.py")
TIMEOUT = 120


@pytest.fixture()
def page_env(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("WARDSCOPE_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    return app_env


def run(tab: str | None = None, **params) -> AppTest:
    """The page with these query parameters, on the tab `tab` below the builder (only the open tab runs)."""
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    if tab:
        at.session_state["areas_tab"] = tab
    return at.run()


def open_tab(at: AppTest, tab: str) -> AppTest:
    at.session_state["areas_tab"] = tab
    return at.run()


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with {column!r}")


def edit(at: AppTest, rows: dict[int, str]) -> AppTest:
    """Type area names into the builder's table (rows in ward-name order)."""
    n, version = at.session_state["areas_start_n"], at.session_state["areas_version"]
    key = f"areas_editor_{n}" if version == 0 else f"areas_editor_{n}_{version}"  # as the page keys it
    at.session_state[key] = {"edited_rows": {i: {"Area": a} for i, a in rows.items()}, "added_rows": [],
                             "deleted_rows": []}
    return at.run()


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def test_builder_figures_edit_and_undo(page_env):
    at = run()
    ok(at)
    table = frame_with(at, "Contiguous").set_index("Area")
    assert len(table.drop("All areas")) == 6
    detail = frame_with(at, "Compactness (Polsby–Popper, 0–1)").set_index("Area")
    assert ((detail["Compactness (Polsby–Popper, 0–1)"] > 0) & (detail["Compactness (Polsby–Popper, 0–1)"] <= 1)).all()
    assert (detail["Wards cut off from the rest"] == "").all()
    before = dict(at.session_state["areas_scheme"])
    at = edit(at, {0: "Pilot", 1: "Pilot"})
    ok(at)
    table = frame_with(at, "Contiguous").set_index("Area")
    assert table.at["Pilot", "Wards"] == "2"
    assert any("Pilot" in w.value for w in at.warning)  # out of range (and maybe not contiguous)
    button(at, "areas_undo").click().run()
    ok(at)
    assert dict(at.session_state["areas_scheme"]) == before
    assert "Pilot" not in set(frame_with(at, "Contiguous")["Area"])


def test_out_of_range_is_warned(page_env):
    at = run()
    at.number_input[1].set_value(1.0).run()  # ±1%: the demo's areas cannot all be that even
    ok(at)
    assert any("outside the ±1% range" in w.value for w in at.warning)


def test_proposals_open_in_the_builder(page_env):
    at = run()
    button(at, "areas_propose").click().run()
    ok(at)
    table = frame_with(at, "Score (lower is better)")
    assert len(table) >= 1 and list(table["Score (lower is better)"]) == sorted(table["Score (lower is better)"])
    button(at, "areas_open_proposal").click().run()
    ok(at)
    detail = frame_with(at, "Compactness (Polsby–Popper, 0–1)")
    assert (detail[[c for c in detail.columns if c.startswith("Within ±")][0]] == "yes").all()
    assert not any("not contiguous" in w.value or "range" in w.value for w in at.warning)


def test_schemes_save_duplicate_rename_delete_and_link(page_env):
    at = run("Saved schemes")
    at.text_input(key="areas_save_name").set_value("North and South").run()
    button(at, "areas_save").click().run()
    ok(at)
    assert list(frame_with(at, "Scheme")["Scheme"]) == ["North and South"]
    button(at, "areas_duplicate").click().run()
    ok(at)
    assert list(frame_with(at, "Scheme")["Scheme"]) == ["North and South", "North and South (copy)"]
    button(at, "areas_duplicate").click().run()
    assert set(frame_with(at, "Scheme")["Scheme"]) == {"North and South", "North and South (copy)",
                                                       "North and South (copy 2)"}
    at.selectbox(key="areas_saved_pick").set_value("North and South (copy 2)").run()
    button(at, "areas_delete").click().run()
    # saving again under the name being worked on replaces it; another session cannot overwrite it
    button(at, "areas_save").click().run()
    ok(at)
    assert not at.error
    other = run("Saved schemes")
    other.text_input(key="areas_save_name").set_value("North and South").run()
    button(other, "areas_save").click().run()
    assert any("already saved" in e.value for e in other.error)
    at.selectbox(key="areas_saved_pick").set_value("North and South (copy)").run()
    at.text_input(key="areas_rename_to").set_value("Second go").run()
    button(at, "areas_rename").click().run()
    ok(at)
    assert list(frame_with(at, "Scheme")["Scheme"]) == ["North and South", "Second go"]
    at.selectbox(key="areas_saved_pick").set_value("Second go").run()
    button(at, "areas_delete").click().run()
    ok(at)
    assert list(frame_with(at, "Scheme")["Scheme"]) == ["North and South"]
    saved_scheme = dict(at.session_state["areas_scheme"])

    linked = run(scheme="North and South")
    ok(linked)
    assert dict(linked.session_state["areas_scheme"]) == saved_scheme
    assert linked.session_state["areas_current_name"] == "North and South"
    missing = run(scheme="Nowhere")
    assert any("no saved scheme called 'Nowhere'" in w.value for w in missing.warning)


def test_compare_shows_moved_wards(page_env):
    at = run("Saved schemes")
    at.text_input(key="areas_save_name").set_value("Before").run()
    button(at, "areas_save").click().run()
    at = open_tab(edit(at, {0: "Moved here"}), "Compare schemes")
    at.selectbox(key="areas_cmp_b").set_value("Before").run()
    ok(at)
    moved = [f.value for f in at.dataframe if {"Ward", "First scheme"} <= set(f.value.columns)][0]
    assert len(moved) == 1 and moved.iloc[0]["First scheme"] == "Moved here"
    assert moved.iloc[0]["Second scheme"].startswith("Area ")
    figures = frame_with(at, "Change").set_index("Figure")
    assert figures.at["Areas", "Change"] == -1  # the built scheme has one more area than the saved one
    assert any("ward(s) in a different area" in m.value and m.value.startswith("**1 ") for m in at.markdown)


def test_budget_adds_up_to_the_penny(page_env):
    at = run("Budgets and pilot")
    at.text_input(key="areas_budget_total").set_value("£1,000,000.01").run()
    for formula in ("equal", "per_resident", "deprivation", "blend"):
        at.radio(key="areas_budget_formula").set_value(formula).run()
        ok(at)
        by_area = frame_with(at, "Allocation (£)")  # the area table comes first, the ward table after
        assert "Ward" not in by_area.columns and len(by_area) == 6
        assert sum(round(float(v) * 100) for v in by_area["Allocation (£)"]) == 100_000_001, formula
        by_ward = [f.value for f in at.dataframe
                   if "Ward" in f.value.columns and "Allocation (£)" in f.value.columns][0]
        assert sum(round(float(v) * 100) for v in by_ward["Allocation (£)"]) == 100_000_001, formula
    at.text_input(key="areas_budget_total").set_value("lots").run()
    assert any("not an amount of money" in e.value for e in at.error)


def test_area_profile_has_the_ward_profile_sections(page_env):
    """The area profile is drawn by the same ui.profile_sections as the Ward profile page, in area wording."""
    at = run("Area profile")
    ok(at)
    headline = frame_with(at, "This area").set_index("Indicator")
    assert headline["Rank among areas (1 = highest)"].str.endswith("of 6").any()
    subheaders = [h.value for h in [*at.header, *at.subheader]]  # sections are h2 (issue 14: heading order)
    for section in ("Area profile", "Headline indicators", "Age", "Ethnic group", "Deprivation", "Community assets"):
        assert section in subheaders, section
    frame_with(at, "Area %")             # a composition, in area wording
    frame_with(at, "Area average rank")  # deprivation
    frame_with(at, "In this area")       # assets
    assert len(at.get("plotly_chart")) >= 2
