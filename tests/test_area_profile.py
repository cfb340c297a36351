"""Area profiles reuse the ward profile: one ward per area gives the ward's figures; bigger areas add up."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import services as sv
from tests.test_report import pdf_pages


@pytest.fixture()
def da(app_env):
    import data_access

    return data_access


def test_an_area_of_one_ward_has_that_wards_profile(da):
    codes = list(sv.ward_labels())
    one_each = {c: f"Area {c}" for c in codes}
    ward = sv.ward_profile(codes[0])
    area = sv.area_profile(one_each, f"Area {codes[0]}")
    for key in ("residents", "pct_under_16", "pct_65_plus", "pct_minority_ethnic", "imd_mean_rank",
                "pct_lsoas_most_deprived", "assets_per_1000"):
        assert area.values[key] == pytest.approx(ward.values[key]), key


def test_an_area_of_two_wards_adds_them_up(da, app_env):
    from etl_fixtures import rows

    codes = list(sv.ward_labels())
    scheme = {c: ("Pair" if c in codes[:2] else "Rest") for c in codes}
    area = sv.area_profile(scheme, "Pair")
    (expected,) = rows(app_env, "SELECT sum(persons) FROM ward_population "
                                "WHERE dimension = 'age' AND ward_code IN (?, ?)", codes[:2])[0]
    assert area.values["residents"] == pytest.approx(expected)
    assert area.name == "Pair"
    headline = area.headline.set_index("Indicator")
    assert headline.at["Residents", "Rank among wards (1 = highest)"] == "2 of 2"


def test_area_engagement_hidden_when_a_ward_count_is_hidden(da):
    from geo.profile import area_inputs

    inputs = sv.profile_inputs()
    codes = list(inputs.wards["ward_code"])
    engagement = inputs.engagement.copy()
    engagement.loc[engagement["ward_code"] == codes[0], ["responses", "respondents"]] = 3  # a small, hidden count
    inputs.engagement, inputs.precomputed_values = engagement, None
    grouped = area_inputs(inputs, pd.Series({c: ("A" if c in codes[:3] else "B") for c in codes}))
    assert math.isnan(grouped.values.at["A", "responses_per_1000"])


def test_an_area_prints_like_a_ward_in_area_words(da):
    """The printable profile of an area: the ward profile's page, its words saying 'area', one A4 page."""
    from geo import areas
    from geo.disclosure import DisclosurePolicy
    from render import report, ward_map

    codes = list(sv.ward_labels())
    scheme = pd.Series({c: ("North" if i < len(codes) // 2 else "South") for i, c in enumerate(codes)})
    prof = sv.area_profile(scheme.to_dict(), "North")
    outlines = areas.area_outlines(scheme, da.ward_geometry_bng())
    page = report.profile_html(prof, da.meta(), ward_map.ward_map_png(outlines, "North"), "Attribution.",
                               DisclosurePolicy(), unit="area")
    assert "North area profile" in page and "Area profile ·" in page and "This area" in page
    assert "Area %" in page and "Similar areas" in page and "the areas around it" in page
    assert "This ward" not in page and "ward code" not in page
    assert f"{prof.values['residents']:,.0f}" in page
    pdf = report.profile_pdf(page)
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == 1
