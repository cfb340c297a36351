"""Issue 10: `python -m etl report` writes the committee papers, and their figures are the page's.

The command and the Participation page's Scrutiny report tab share one view model (services.scrutiny_report),
so the report's CSV is compared with the tables the page shows; representation.csv and reach.csv are compared
with what the page's "Who takes part" tab and funnel plot show, on the real Thurrock boundaries and census.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from etl.__main__ import main
from services.exports import REPORT_FILES

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "pages" / "participation.py"


def _page(**state) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=180)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _table(at: AppTest, column: str) -> pd.DataFrame:
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with {column!r}")


@pytest.fixture(scope="module")
def papers(thurrock_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("papers")
    assert main(["report", "--db", str(thurrock_db), "--out", str(out)]) == 0
    return out


def test_the_command_writes_the_five_files(papers):
    assert sorted(p.name for p in papers.iterdir()) == sorted(REPORT_FILES)
    assert (papers / "participation-scrutiny.pdf").read_bytes().startswith(b"%PDF")
    html = (papers / "participation-scrutiny.html").read_text(encoding="utf-8")
    assert "Thurrock" in html and "Significantly low reach (funnel plot)" in html
    representation = pd.read_csv(papers / "representation.csv", dtype=str, keep_default_na=False)
    assert list(representation.columns) == ["level", "ward_code", "dimension", "group", "respondents", "index",
                                            "index_low", "index_high", "index_band", "flag"]
    assert set(representation["level"]) == {"borough", "ward"} and set(representation["flag"]) <= {"", "under", "over"}
    counts = pd.to_numeric(representation["respondents"], errors="coerce").dropna()
    assert not counts.between(1, 9).any()  # disclosure control: no count 1-9 in the file
    reach = pd.read_csv(papers / "reach.csv", dtype=str, keep_default_na=False)
    assert list(reach.columns) == ["ward_code", "residents", "respondents", "per_1000", "funnel_flag"]
    assert len(reach) == 20 and set(reach["funnel_flag"]) <= {"", "low", "high"}
    assert not pd.to_numeric(reach["respondents"], errors="coerce").dropna().between(1, 9).any()


def _cells(frame: pd.DataFrame) -> list[list[str]]:
    return frame.fillna("").astype(str).values.tolist()


def test_the_report_tables_are_the_pages(thurrock_db, monkeypatch, tmp_path):
    """At a target most wards miss (60 per 1,000 a year), the page lists them: the same rows as the report."""
    assert main(["report", "--db", str(thurrock_db), "--out", str(tmp_path), "--target", "60"]) == 0
    monkeypatch.setenv("WARDSCOPE_DB", str(thurrock_db))
    at = _page(participation_tab="Scrutiny report")
    at.number_input(key="participation_target").set_value(60.0).run()
    assert not at.exception
    report_csv = pd.read_csv(tmp_path / "participation-scrutiny.csv", dtype=str, keep_default_na=False)
    quarters = next(f.value for f in at.dataframe  # reach by quarter against the quarter's share of the target
                    if any(re.fullmatch(r"\d{4} Q\d", str(c)) for c in f.value.columns))
    from render import scrutiny_report as sr  # the CSV is tidy: the page's table, one row per value

    expected = pd.DataFrame(sr.tidy_rows("Reach by quarter", quarters), columns=sr.TIDY_COLUMNS)
    expected["value"] = expected["value"].map(lambda v: "" if v is None or v != v else str(v))
    assert _cells(report_csv[report_csv["section"] == "Reach by quarter"]) == _cells(expected)
    below = _table(at, "Status")
    assert len(below) > 0
    by_ward = report_csv[report_csv["section"] == "Reach by ward"]
    assert set(by_ward.loc[~by_ward["flag"].str.contains("meets target"), "ward_or_area"]) == set(below["Ward"])


def test_reach_csv_is_the_funnel_plot_on_the_page(papers, thurrock_db, monkeypatch):
    monkeypatch.setenv("WARDSCOPE_DB", str(thurrock_db))
    at = _page()
    at.radio(key="participation_view").set_value("funnel").run()
    assert not at.exception
    page = _table(at, "Funnel plot")
    reach = pd.read_csv(papers / "reach.csv", dtype=str, keep_default_na=False)
    import data_access as da

    with da.use_database(thurrock_db):
        names = dict(zip(da.wards()["ward_code"], da.wards()["ward_name"], strict=True))
    reach["Ward"] = reach["ward_code"].map(names)
    merged = page.merge(reach, on="Ward", how="outer", validate="one_to_one")
    assert len(merged) == 20
    for row in merged.itertuples():
        shown = str(row._4).replace(",", "")  # "People per 1,000 residents"
        assert shown == (row.per_1000 or "hidden or n/a") or shown.startswith("hidden"), row
        flagged = {"significantly low reach": "low", "significantly high reach": "high"}.get(row._7, "")
        assert flagged == row.funnel_flag, row


def test_representation_csv_is_the_pages_borough_table(papers, thurrock_db, monkeypatch):
    monkeypatch.setenv("WARDSCOPE_DB", str(thurrock_db))
    at = _page(participation_tab="Who takes part")
    assert not at.exception
    flagged = _table(at, "Holm-adjusted p")
    representation = pd.read_csv(papers / "representation.csv", dtype=str, keep_default_na=False)
    ward_age_flags = representation[(representation["level"] == "ward") & (representation["dimension"] == "age")
                                    & (representation["flag"] != "")]
    assert len(ward_age_flags) == len(flagged)  # the flagged cells the page lists for its first dimension (age)


def test_filters_reach_the_command(thurrock_db, tmp_path):
    assert main(["report", "--db", str(thurrock_db), "--out", str(tmp_path / "all")]) == 0
    assert main(["report", "--db", str(thurrock_db), "--out", str(tmp_path / "online"), "--channel", "online",
                 "--from", "2026-01-01"]) == 0
    everyone = pd.read_csv(tmp_path / "all" / "reach.csv", dtype=str)
    online = pd.read_csv(tmp_path / "online" / "reach.csv", dtype=str)
    assert not everyone["respondents"].equals(online["respondents"])
    html = (tmp_path / "online" / "participation-scrutiny.html").read_text(encoding="utf-8")
    assert "channels: online" in html


def test_a_missing_database_is_refused(tmp_path, capsys):
    assert main(["report", "--db", str(tmp_path / "nope.duckdb"), "--out", str(tmp_path / "out")]) == 2
    assert "Database not found" in capsys.readouterr().err and not (tmp_path / "out").exists()


