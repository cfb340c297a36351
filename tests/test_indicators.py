"""Each registry indicator against an independent hand calculation on a tiny two-ward fixture."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from geo import indicators
from geo.disclosure import DisclosurePolicy
from geo.profile import compare_wards, similar_wards

POLICY = DisclosurePolicy()


def _population() -> pd.DataFrame:
    rows = [
        # ward A: 1,000 residents, 200 children, 100 older; 700 White British of 1,000
        ("A", "age", "0-15", 200), ("A", "age", "16-24", 300), ("A", "age", "35-49", 400), ("A", "age", "65+", 100),
        ("A", "ethnicity", "White British", 700), ("A", "ethnicity", "Indian", 300),
        # ward B: 3,000 residents, 300 children, 900 older; 2,700 White British of 3,000
        ("B", "age", "0-15", 300), ("B", "age", "25-34", 1800), ("B", "age", "65+", 900),
        ("B", "ethnicity", "White British", 2700), ("B", "ethnicity", "Black African", 300),
    ]
    return pd.DataFrame(rows, columns=["ward_code", "dimension", "category", "persons"])


def _deprivation() -> pd.DataFrame:
    return pd.DataFrame([
        {"ward_code": "A", "domain": "IMD", "lsoa_count": 2, "population": 1000.0, "mean_rank": 3000.0,
         "most_deprived_20_count": 1, "most_deprived_20_share": 0.5},
        {"ward_code": "B", "domain": "IMD", "lsoa_count": 4, "population": 3000.0, "mean_rank": 20000.0,
         "most_deprived_20_count": 0, "most_deprived_20_share": 0.0},
    ])


def _assets() -> pd.DataFrame:
    return pd.DataFrame({"asset_id": ["1", "2", "3"], "category": ["faith", "youth", "sport"],
                         "ward_code": ["A", "A", "B"]})


def _engagement() -> pd.DataFrame:
    return pd.DataFrame({"ward_code": ["A", "B"], "responses": [50, 4], "respondents": [30, 3]})


@pytest.fixture()
def values() -> pd.DataFrame:
    return indicators.ward_indicators(["A", "B"], _population(), _deprivation(), _assets(), _engagement(), POLICY)


def test_every_registry_indicator_is_computed(values):
    assert list(values.columns) == [i.key for i in indicators.INDICATORS]


def test_residents(values):
    assert values.at["A", "residents"] == 1000 and values.at["B", "residents"] == 3000
    assert values.at[indicators.BOROUGH, "residents"] == 4000


def test_age_shares(values):
    assert values.at["A", "pct_under_16"] == pytest.approx(20.0)
    assert values.at["B", "pct_65_plus"] == pytest.approx(30.0)
    assert values.at[indicators.BOROUGH, "pct_under_16"] == pytest.approx(500 / 4000 * 100)
    assert values.at[indicators.BOROUGH, "pct_65_plus"] == pytest.approx(1000 / 4000 * 100)


def test_minority_ethnic_share(values):
    assert values.at["A", "pct_minority_ethnic"] == pytest.approx(30.0)
    assert values.at[indicators.BOROUGH, "pct_minority_ethnic"] == pytest.approx(600 / 4000 * 100)


def test_deprivation(values):
    assert values.at["A", "imd_mean_rank"] == pytest.approx(3000)
    # borough: population-weighted mean of the wards' weighted means
    assert values.at[indicators.BOROUGH, "imd_mean_rank"] == pytest.approx((3000 * 1000 + 20000 * 3000) / 4000)
    assert values.at["A", "pct_lsoas_most_deprived"] == pytest.approx(50.0)
    assert values.at[indicators.BOROUGH, "pct_lsoas_most_deprived"] == pytest.approx(1 / 6 * 100)


def test_assets_per_1000(values):
    assert values.at["A", "assets_per_1000"] == pytest.approx(2.0)
    assert values.at["B", "assets_per_1000"] == pytest.approx(1 / 3)
    assert values.at[indicators.BOROUGH, "assets_per_1000"] == pytest.approx(3 / 4)


def test_engagement_rates_hide_small_counts(values):
    # B has 4 responses (<10): hidden, and so is A (else A = total − B); the borough total 54 is shown.
    assert math.isnan(values.at["B", "responses_per_1000"])
    assert math.isnan(values.at["A", "responses_per_1000"])
    assert values.at[indicators.BOROUGH, "responses_per_1000"] == pytest.approx(54 / 4000 * 1000)
    assert values.at[indicators.BOROUGH, "respondents_per_1000"] == pytest.approx(33 / 4000 * 1000)


def test_no_assets_loaded_is_not_zero_assets():
    v = indicators.ward_indicators(["A", "B"], _population(), _deprivation(), _assets().iloc[0:0], _engagement())
    assert v["assets_per_1000"].isna().all()


def test_england_values():
    england_pop = pd.DataFrame({"dimension": ["age", "age", "ethnicity", "ethnicity"],
                                "category": ["0-15", "65+", "White British", "Indian"],
                                "persons": [20.0, 80.0, 75.0, 25.0]})
    england_dep = pd.DataFrame({"domain": ["IMD"], "mean_rank": [16000.0], "most_deprived_20_share": [0.2]})
    e = indicators.england_values(england_pop, england_dep)
    assert e["pct_under_16"] == pytest.approx(20.0) and e["pct_65_plus"] == pytest.approx(80.0)
    assert e["pct_minority_ethnic"] == pytest.approx(25.0)
    assert e["imd_mean_rank"] == 16000 and e["pct_lsoas_most_deprived"] == pytest.approx(20.0)


def test_compare_to_borough_respects_direction(values):
    marks = indicators.compare_to_borough(values)
    assert marks.at["A", "imd_mean_rank"] == "worse"  # lower rank = more deprived
    assert marks.at["B", "imd_mean_rank"] == "better"
    assert marks.at["B", "pct_lsoas_most_deprived"] == "better"


def test_similar_wards_uses_standardised_distance():
    v = pd.DataFrame({"pct_under_16": [10.0, 11.0, 30.0, 20.0], "pct_65_plus": [20.0, 21.0, 5.0, 12.0]},
                     index=["A", "B", "C", "D"]).reindex(columns=[i.key for i in indicators.INDICATORS])
    v.loc[indicators.BOROUGH] = v.mean()
    near = similar_wards(v, "A", n=2)
    assert list(near["ward_code"]) == ["B", "D"]


def test_compare_wards_table(values):
    table = compare_wards(values, "A", "B", {"A": "Alpha", "B": "Beta"}).set_index("Indicator")
    assert table.at["Children (aged 15 and under) (%)", "Higher"] == "Alpha"
    assert table.at["Residents (people)", "Beta"] == "3,000"


def test_similar_wards_set_is_declared_once_in_the_registry():
    from geo import proposals

    assert indicators.SIMILARITY_KEYS == ("pct_under_16", "pct_65_plus", "pct_minority_ethnic", "imd_mean_rank",
                                          "pct_lsoas_most_deprived")
    assert all(indicators.BY_KEY[k].similarity for k in indicators.SIMILARITY_KEYS)
    assert proposals.SIMILARITY_KEYS is indicators.SIMILARITY_KEYS
