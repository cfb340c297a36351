"""Issue 5: themed groups (no differencing against published tables), channel mix by group, outreach score,
the scrutiny report's exports, and the page's themed-group and report views (AppTest)."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo import scrutiny as sc
from geo.disclosure import TOTAL, DisclosurePolicy, no_small_counts
from render import scrutiny_report as sr
from render import tables
from vocabulary import NOT_STATED

POLICY = DisclosurePolicy()
ROOT = Path(__file__).resolve().parent.parent

POP = pd.DataFrame([{"ward_code": w, "dimension": "ethnicity", "category": c, "persons": p}
                    for w, cats in {"A": {"Black African": 400, "Black Caribbean": 300, "White British": 3000},
                                    "B": {"Black African": 200, "Black Caribbean": 100, "White British": 2000}}.items()
                    for c, p in cats.items()])


def _groups(rows: dict[str, dict[str, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"ward_code": w, "category": c, "respondents": n} for w, cats in rows.items()
                         for c, n in cats.items()])


def test_themed_group_hides_a_sum_that_would_reveal_a_small_count():
    # In A, Black Caribbean is 5 (hidden); Black African 20 is published elsewhere, so "BA + BC = 25" must not be.
    groups = _groups({"A": {"Black African": 20, "Black Caribbean": 5, "White British": 200, NOT_STATED: 30},
                      "B": {"Black African": 30, "Black Caribbean": 40, "White British": 150, NOT_STATED: 12}})
    theme = sc.group_definition("Black", "ethnicity", ["Black African", "Black Caribbean"])
    out = sc.group_by_ward(POP, groups, ["A", "B"], theme, POLICY).set_index("ward_code")
    assert math.isnan(out.at["A", "respondents"]) and math.isnan(out.at["A", "per_1000"])
    assert no_small_counts(out["respondents"])
    assert out.at["A", "residents"] == 700 and out.at[TOTAL, "residents"] == 1000


def test_themed_group_sum_and_rate_when_everything_is_shown():
    groups = _groups({"A": {"Black African": 20, "Black Caribbean": 15, "White British": 200, NOT_STATED: 30},
                      "B": {"Black African": 30, "Black Caribbean": 40, "White British": 150, NOT_STATED: 12}})
    theme = sc.group_definition("Black", "ethnicity", ["Black African", "Black Caribbean"])
    out = sc.group_by_ward(POP, groups, ["A", "B"], theme, POLICY).set_index("ward_code")
    assert out.at["A", "respondents"] == 35 and out.at["A", "per_1000"] == pytest.approx(35 / 700 * 1000)
    assert out.at[TOTAL, "respondents"] == 105
    table = tables.group_table(out.reset_index(), "ward_code", {"A": "Ash", "B": "Beech"}, POLICY)
    assert list(table["Ward"]) == ["Ash", "Beech", "All wards"]


def test_themed_group_by_quarter():
    quarterly = pd.DataFrame({"quarter": ["2025 Q4", "2025 Q4", "2026 Q1", "2026 Q1", "2026 Q1"],
                              "category": ["Black African", "White British", "Black African", "Black Caribbean",
                                           "White British"],
                              "respondents": [30, 300, 3, 40, 200]})
    theme = sc.group_definition("Black", "ethnicity", ["Black African", "Black Caribbean"])
    out = sc.group_by_quarter(POP, quarterly, theme, POLICY).set_index("quarter")
    assert out.at["2025 Q4", "respondents"] == 30
    assert math.isnan(out.at["2026 Q1", "respondents"])  # Black African 3 hidden → the theme's sum hidden
    with pytest.raises(ValueError):
        sc.group_definition("empty", "ethnicity", [])


def test_channel_mix_by_group_shares_and_protection():
    channels = pd.DataFrame({"category": ["A", "A", "B", "B"], "channel": ["online", "paper", "online", "paper"],
                             "respondents": [80, 30, 40, 4]})
    totals = pd.DataFrame({"ward_code": ["x", "x"], "category": ["A", "B"], "respondents": [100, 42]})
    mix = sc.channel_mix_by_group(channels, totals, ["A", "B"], POLICY)
    a = mix[(mix["group"] == "A") & (mix["channel"] == "online")].iloc[0]
    assert a["share"] == pytest.approx(80.0)
    assert no_small_counts(mix["respondents"])
    assert mix.loc[(mix["group"] == "B") & (mix["channel"] == "paper"), "respondents"].isna().all()
    table = tables.channel_mix_table(mix)
    assert list(table["Group"]) == ["A", "B", "All groups"]


def test_outreach_score_follows_its_documented_formula():
    geoms = [shapely.box(i * 2000, 0, (i + 1) * 2000, 2000) for i in range(3)]
    wards = gpd.GeoDataFrame({"ward_code": ["A", "B", "C"]}, geometry=geoms, crs="EPSG:27700")
    reach = pd.DataFrame({"ward_code": ["A", "B", "C", TOTAL], "respondents_per_1000_eb": [10.0, 20.0, 30.0, 20.0]})
    dep = pd.DataFrame({"ward_code": ["A", "B", "C"], "domain": "IMD", "mean_rank": [30000.0, 1000.0, 15000.0]})
    assets = pd.DataFrame({"asset_id": [1], "name": ["Hall"], "category": ["Community centre"],
                           "easting": [1000.0], "northing": [1000.0]})
    out = sc.outreach_targets(reach, dep, wards, assets, {"A": "Ash", "B": "Beech", "C": "Cedar"}).set_index(
        "ward_code")
    low = {"A": 1 - 1 / 3, "B": 1 - 2 / 3, "C": 0.0}
    need = {"A": 1 - 3 / 3, "B": 1 - 1 / 3, "C": 1 - 2 / 3}
    host = {"A": 1.0, "B": 1.0, "C": (5000 - 3000) / 4000}  # C starts 3 km from the hall
    for code in "ABC":
        assert out.at[code, "score"] == pytest.approx(0.5 * low[code] + 0.3 * need[code] + 0.2 * host[code])
    assert out.at["A", "nearest_asset"] == "Hall (Community centre)"


def test_report_exports_protected_strings():
    sections = [("Reach", "Target 20.", pd.DataFrame({"Ward": ["Ash"], "People": ["hidden"]})),
                ("Groups", "Holm.", pd.DataFrame({"Ward": ["Beech"], "Group": ["16-24"]}))]
    text = sr.report_html("Report <x>", sections, about=["Demoborough; database built 2026-12-01."],
                          footer=["Engagement: the council's own records."])
    assert "<h1>Report &lt;x&gt;</h1>" in text and "hidden" in text
    assert "database built 2026-12-01" in text and "<footer><p>Engagement: the council" in text
    pdf = sr.report_pdf(text)
    assert pdf.startswith(b"%PDF")
    csv = sr.report_csv(sections)
    assert csv.splitlines()[0].startswith("section,") and "Reach" in csv and "hidden" in csv


def test_demo_themed_group_by_ward_never_shows_a_small_count(app_env):
    import services as sv

    by_ward, by_quarter = sv.themed_group("age", ("16-24",))
    assert no_small_counts(by_ward["respondents"]) and no_small_counts(by_quarter["respondents"])
    # where every constituent is shown, the theme equals the ward's published 16-24 count (the heatmap's)
    matrix = sv.representation_matrix("age").set_index(["ward_code", "group"])["respondents"]
    for row in by_ward[by_ward["ward_code"] != TOTAL].itertuples():
        shown = matrix[(row.ward_code, "16-24")]
        assert (np.isnan(shown) and np.isnan(row.respondents)) or shown == row.respondents


def _page(tmp_path, monkeypatch, tab: str) -> AppTest:
    monkeypatch.setenv("WARDSCOPE_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    at = AppTest.from_file(str(ROOT / "pages" / "participation.py"), default_timeout=120)
    at.session_state["participation_tab"] = tab
    return at.run()


def test_page_saves_renames_and_deletes_a_themed_group(app_env, tmp_path, monkeypatch):
    import data_access as da

    at = _page(tmp_path, monkeypatch, "Themed groups")
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="themed_dimension").select("ethnicity").run()
    at.multiselect(key="themed_categories_ethnicity_(define a new group)").set_value(
        ["Black African", "Black Caribbean"]).run()
    at.text_input(key="themed_name").set_value("Black residents")
    at.button(key="themed_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    saved = da.saved_items(sc.KIND)
    assert list(saved["name"]) == ["Black residents"]
    assert at.selectbox(key="themed_saved").options == ["(define a new group)", "Black residents"]
    at.selectbox(key="themed_saved").select("Black residents").run()
    assert at.selectbox(key="themed_dimension").value == "ethnicity"
    at.text_input(key="themed_name").set_value("Black African and Caribbean residents")
    at.button(key="themed_save").click().run()
    assert list(da.saved_items(sc.KIND)["name"]) == ["Black African and Caribbean residents"]
    at.selectbox(key="themed_saved").select("Black African and Caribbean residents").run()
    at.button(key="themed_delete").click().run()
    assert da.saved_items(sc.KIND).empty


def test_page_scrutiny_report_and_outreach(app_env, tmp_path, monkeypatch):
    at = _page(tmp_path, monkeypatch, "Scrutiny report")
    at.toggle(key="scrutiny_prepare").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("download_button")) == 3  # HTML, PDF, CSV
    assert any("online" in f.value.columns for f in at.dataframe)  # channel mix by group
    at.session_state["participation_tab"] = "Outreach targets"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Score" in f.value.columns for f in at.dataframe)


def test_quarterly_target_table_marks_wards_below_the_quarters_share_of_the_target():
    """Issue 10: a quarter is compared with its share of the yearly target (÷ 4; a part quarter pro rata by days),
    not with the whole year's target (which marked ▼ in every cell)."""
    from datetime import date

    quarterly = pd.DataFrame({
        "ward_code": ["A", "A", "B", "B"], "quarter": ["2026 Q1", "2026 Q2"] * 2, "complete": [True, False] * 2,
        "start": [date(2026, 1, 1), date(2026, 4, 1)] * 2, "end": [date(2026, 3, 31), date(2026, 6, 30)] * 2,
        "respondents_per_1000": [12.0, 9.0, float("nan"), 30.0],
        "borough_respondents_per_1000": [15.0, 27.0, 15.0, 27.0]})
    # 80 a year: 20 in a full quarter; Q2 covered up to 15 May, 45 of its 91 days: 20 × 45 / 91 = 9.89
    targets = sc.quarter_targets(quarterly, 80.0, last_day=date(2026, 5, 15))
    table = tables.quarterly_target_table(quarterly, {"A": "Ash", "B": "Beech"}, targets).set_index("Ward")
    assert list(table.columns) == ["2026 Q1", "2026 Q2 (part: 45 of 91 days)"]
    assert table.at["Ash", "2026 Q1"] == "12.0 ▼" and table.at["Ash", "2026 Q2 (part: 45 of 91 days)"] == "9.0 ▼"
    assert table.at["Beech", "2026 Q1"] == "hidden" and table.at["Beech", "2026 Q2 (part: 45 of 91 days)"] == "30.0"
    assert table.at["Borough (sum over wards)", "2026 Q1"] == "15.0 ▼"
    assert table.at["Borough (sum over wards)", "2026 Q2 (part: 45 of 91 days)"] == "27.0"  # below 80, above 9.89
    assert list(table.loc[tables.QUARTER_TARGET_ROW]) == ["20.0", "9.9"]


def test_demo_quarterly_reach_matches_an_independent_count(app_env):
    import services as sv
    from vocabulary import duck

    q = sv.quarterly_reach()
    row = q[q["respondents"].notna() & (q["respondents"] > 0)].iloc[0]
    con = duck.connect(app_env, read_only=True)
    n = con.execute("""SELECT count(DISTINCT coalesce(respondent_id, 'response:' || response_id)) FROM responses
                       WHERE ward_code = ? AND year(submitted_at)::VARCHAR || ' Q' || quarter(submitted_at)::VARCHAR
                       = ?""", [row["ward_code"], row["quarter"]]).fetchone()[0]
    con.close()
    assert row["respondents"] == DisclosurePolicy.from_env().publish([n])[0]  # as shown: rounded


def test_demo_people_per_ward_match_an_independent_count(app_env):
    # ward_engagement counts anonymous responses as one person each beside the distinct ids; the reference here
    # is the plain definition: distinct coalesce(respondent_id, the response) per ward.
    import data_access as da
    from vocabulary import duck

    eng = da.ward_engagement().set_index("ward_code")["respondents"]
    con = duck.connect(app_env, read_only=True)
    expected = dict(con.execute("""SELECT ward_code, count(DISTINCT coalesce(respondent_id, 'response:' || response_id))
                                   FROM responses WHERE ward_code IS NOT NULL GROUP BY 1""").fetchall())
    anonymous = con.execute("SELECT count(*) FROM responses WHERE respondent_id IS NULL").fetchone()[0]
    con.close()
    assert anonymous > 0 and eng.to_dict() == expected
