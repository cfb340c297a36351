"""The Community assets page, outreach partners and every view that would use assets when no register is loaded
(issue 13), run with streamlit.testing (AppTest) on the demo borough and on a tiny borough without a register."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.etl_fixtures import run, write_tiny_borough

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120


def _page(name: str, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _frame(at: AppTest, column: str):
    return next(f.value for f in at.dataframe if column in f.value.columns)


@pytest.fixture(scope="module")
def no_register_db(tmp_path_factory) -> Path:
    """Tinyborough built by the ETL with no asset register in its config."""
    folder = tmp_path_factory.mktemp("no_register")
    config = write_tiny_borough(folder / "inputs", assets=None, config={"assets": None})
    db = folder / "tiny.duckdb"
    run(config, db)
    return db


@pytest.fixture()
def without_register(no_register_db, monkeypatch, tmp_path) -> Path:
    monkeypatch.setenv("WARDSCOPE_DB", str(no_register_db))
    monkeypatch.setenv("WARDSCOPE_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    return no_register_db


def test_page_shows_coverage_and_changes_with_the_filter(app_env):
    at = _page("assets", assets_view="deserts")
    _ok(at)
    every = _metrics(at)
    assert every["Assets shown"] == "150"
    assert every["Residents within 800 m of one"].endswith("%")
    wards = _frame(at, "% of residents within 800 m")
    assert wards["Ward"].iloc[-1] == "All wards"
    assert every["Residents within 800 m of one"] == wards["% of residents within 800 m"].iloc[-1] + "%"
    assert list(_frame(at, "% within 400 m")["Category"])[-1] == "All assets"
    assert any("Straight-line distance on the British National Grid" in c.value for c in at.caption)
    assert any("Community groups and places" in c.value or "Assets:" in c.value for c in at.caption)  # the source
    deserts = _frame(at, "Nearest asset (m)")
    assert every["Asset deserts"] == f"{len(deserts):,}"

    at.multiselect(key="assets_categories").set_value(["youth"]).run()
    _ok(at)
    youth = _metrics(at)
    assert int(youth["Assets shown"]) < 150
    share = float(youth["Residents within 800 m of one"].rstrip("%"))
    assert share < float(every["Residents within 800 m of one"].rstrip("%"))
    assert len(_frame(at, "Nearest asset (m)")) > len(deserts)

    at.radio(key="assets_distance").set_value(1600).run()
    _ok(at)
    assert float(_metrics(at)["Residents within 1,600 m of one"].rstrip("%")) >= share
    at.radio(key="assets_view").set_value("assets").run()
    _ok(at)
    per_ward = _frame(at, "Assets per 1,000 residents").set_index("Ward")
    assert list(per_ward.columns[:1]) == ["Youth"] and per_ward.at["All wards", "Total"] <= int(youth["Assets shown"])
    assert any("were last verified more than a year ago" in m.value for m in at.markdown)


def test_upkeep_counts_stale_assets(app_env):
    import data_access as da
    from geo import coverage as cv
    from services import assets as sa

    care = sa.upkeep()
    status = cv.upkeep_status(da.assets(), __import__("datetime").date.today())
    assert care["stale"] == int((status == cv.STALE).sum()) > 0  # the demo register has stale entries
    assert len(care["table"]) == care["stale"] + care["undated"]


def test_no_category_chosen_says_so(app_env):
    at = _page("assets")
    at.multiselect(key="assets_categories").set_value([]).run()
    _ok(at)
    assert any("Choose at least one category" in i.value for i in at.info)
    assert not at.metric


def test_outreach_partners_on_participation_page(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("WARDSCOPE_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    at = _page("participation", participation_tab="Outreach targets")
    _ok(at)
    assert "Asset" in _frame(at, "In ward").columns
    chooser = at.selectbox(key="participation_partner_group")
    assert "Age: 16-24" in chooser.options and chooser.options[0] == "Everyone in the ward (low reach)"
    chooser.set_value(("age", "16-24")).run()
    _ok(at)
    found = _frame(at, "In ward")
    assert "Youth" in set(found["Category"])
    assert list(found["Distance (m)"]) == sorted(found["Distance (m)"])
    assert any(b.label == "Download the outreach partners (CSV)" for b in at.get("download_button"))


def test_public_role_sees_no_contacts(app_env, monkeypatch):
    from data_access import roles
    from services import assets as sa

    names = __import__("data_access").ward_names()
    code = names["ward_code"].iloc[0]
    with roles.acting_as(roles.OFFICER):
        officer = sa.outreach_partners(code, ("community", "faith"))
    with roles.acting_as(roles.PUBLIC):
        public = sa.outreach_partners(code, ("community", "faith"))
    assert "Contact" in officer.columns and "Contact" not in public.columns
    assert list(officer["Asset"]) == list(public["Asset"])


def test_ward_profile_lists_outreach_partners(app_env):
    at = _page("ward_profile", ward_tab="Outreach partners")
    _ok(at)
    assert any(s.value == "Outreach partners near this ward" for s in at.header)
    assert "In ward" in _frame(at, "In ward").columns


def test_assets_page_without_a_register_says_so(without_register):
    at = _page("assets")
    _ok(at)
    assert any("No community asset register is loaded" in i.value for i in at.info)
    assert not at.metric and not at.dataframe


def test_outreach_score_without_a_register_says_it_leaves_assets_out(without_register):
    at = _page("participation", participation_tab="Outreach targets")
    _ok(at)
    targets = _frame(at, "Host nearby")
    assert set(targets["Host nearby"]) == {"no asset register loaded: left out"}
    assert any("leaves out the 'host nearby' part" in i.value for i in at.info)
    assert any("no outreach partners can be suggested" in i.value for i in at.info)


def test_pb_pilot_and_profiles_without_a_register_say_so(without_register):
    at = _page("areas", areas_tab="Budgets and pilot")
    _ok(at)
    pilot = _frame(at, "Community assets per 1,000 residents")
    assert set(pilot["Community assets per 1,000 residents"]) == {"no register loaded"}
    assert any("No community asset register is loaded" in c.value for c in at.caption)
    profile = _page("ward_profile", ward_tab="Deprivation and assets")
    _ok(profile)
    assert any("community assets are left out of this profile" in i.value for i in profile.info)
