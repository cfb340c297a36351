"""Issue 10: the funnel plot of ward reach (Spiegelhalter 2005) — limits against hand-computed values, the
over-dispersion estimate, planted low-reach wards, the error rate with no plant, disclosure, the chart, the
table, the page and the scrutiny report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo import funnel as gf
from geo import participation as gp
from geo.disclosure import TOTAL, DisclosurePolicy, no_small_counts
from render import charts, tables

POLICY = DisclosurePolicy()


def _rates(counts, residents, names=None) -> pd.DataFrame:
    """geo.participation.rates_by_ward (protected) for wards W00, W01, … with these raw counts and residents."""
    codes = [f"W{i:02d}" for i in range(len(counts))]
    wards = pd.DataFrame({"ward_code": codes, "ward_name": names or [f"Ward {i}" for i in range(len(codes))]})
    population = pd.DataFrame({"ward_code": codes, "dimension": "age", "category": "25-34",
                               "persons": np.asarray(residents, dtype=float)})
    engagement = pd.DataFrame({"ward_code": codes, "responses": counts, "respondents": counts})
    return gp.rates_by_ward(wards, population, engagement, POLICY)


# --- limits: hand-computed ---------------------------------------------------------------------

def test_exact_binomial_limits_interpolate_as_spiegelhalter():
    # Binomial(10, 0.5): F(1) = 11/1024, F(2) = 56/1024, so the 2.5% point is r = 2 and
    # α = (56/1024 − 0.025) ÷ (45/1024) = 0.675556; limit (2 − α)/10.
    assert gf.binomial_limit(10, 0.5, 0.025) == pytest.approx((2 - (56 / 1024 - 0.025) / (45 / 1024)) / 10)
    assert gf.binomial_limit(10, 0.5, 0.025) == pytest.approx(0.1324444, abs=1e-7)
    # the 97.5% point: F(7) = 968/1024, F(8) = 1013/1024, r = 8, α = 0.324444
    assert gf.binomial_limit(10, 0.5, 0.975) == pytest.approx(0.7675556, abs=1e-7)
    # continuous in p: just above F(1) the limit tends to (r − 1)/n = 0.1, at F(2) to r/n = 0.2
    assert gf.binomial_limit(10, 0.5, 11 / 1024 + 1e-12) == pytest.approx(0.1, abs=1e-6)
    assert gf.binomial_limit(10, 0.5, 56 / 1024) == pytest.approx(0.2)
    assert np.isnan(gf.binomial_limit(0, 0.5, 0.5))


def test_normal_limits_with_and_without_tau():
    assert gf.normal_limit(1000, 0.05, 0.975) == pytest.approx(0.05 + 1.959964 * np.sqrt(0.0475 / 1000), abs=1e-6)
    assert gf.normal_limit(1000, 0.05, 0.975) == pytest.approx(0.063508, abs=1e-6)
    assert gf.normal_limit(1000, 0.05, 0.001, tau2=1e-4) == pytest.approx(
        0.05 - 3.090232 * np.sqrt(0.0475 / 1000 + 1e-4), abs=1e-6)
    assert gf.normal_limit(10, 0.05, 0.001) == 0.0  # cut at zero


def test_winsorise_sets_the_most_extreme_tenth_to_the_next_value_in():
    z = np.array([-9.0, -1, 0, 0, 0, 0, 0, 0, 1, 7])
    assert list(gf.winsorise(z)) == [-1, -1, 0, 0, 0, 0, 0, 0, 1, 1]
    assert list(gf.winsorise(z[:9])) == list(z[:9])  # fewer than ten wards: ⌊0.9⌋ = 0, nothing changed


# ten wards of 10,000 residents, borough rate 5,000 / 100,000 = 0.05; after Winsorising (380 → 440, 620 → 560)
# the deviations from 500 are ±60 (×2 each side), ±40, ±20, 0, 0: Σ(y − 500)² = 18,400 and nθ(1 − θ) = 475.
OVERDISPERSED = [380, 440, 460, 480, 500, 500, 520, 540, 560, 620]


def test_overdispersion_phi_and_tau_by_hand():
    test = gf.overdispersion(OVERDISPERSED, [10_000] * 10, 0.05)
    assert test["phi"] == pytest.approx(18_400 / (10 * 475))
    assert test["statistic"] == pytest.approx(18_400 / 475)
    assert test["critical"] == pytest.approx(16.918978, abs=1e-5)  # χ²(9) 95% point
    assert test["overdispersed"]
    # equal weights w = 1/s²: τ² = (Iφ − (I − 1)) ÷ ((I − 1) w) = (18,400 − 9 × 475) ÷ (9 × 10,000²)
    assert test["tau2"] == pytest.approx(14_125 / 9e8)
    calm = gf.overdispersion([480, 490, 495, 500, 500, 500, 505, 510, 520, 500], [10_000] * 10, 0.05)
    assert not calm["overdispersed"] and calm["tau2"] == 0.0
    assert gf.overdispersion([10, 20], [100, 100], 0.15)["overdispersed"] is False  # too few wards to test


def test_funnel_on_the_overdispersed_fixture_uses_random_effects_limits():
    result = gf.funnel(_rates(OVERDISPERSED, [10_000] * 10))
    assert result.overdispersed and result.method.startswith("normal approximation")
    assert result.borough_rate == pytest.approx(50.0)
    assert result.tau == pytest.approx(np.sqrt(14_125 / 9e8) * 1000)
    sd = np.sqrt(4.75e-6 + 14_125 / 9e8) * 1000  # per 1,000
    w = result.wards.set_index("ward_code")
    assert w.at["W00", "lower_998"] == pytest.approx(50 - 3.090232 * sd, abs=1e-4)  # 36.027
    assert w.at["W00", "lower_95"] == pytest.approx(50 - 1.959964 * sd, abs=1e-4)  # 41.138
    # 38.0 per 1,000 lies between the 99.8% and 95% lower limits; 62.0 between the upper ones
    assert w.at["W00", "status"] == gf.LOW_95 and w.at["W09", "status"] == gf.HIGH_95
    assert (w["flag"] == "").all()
    assert (w.drop(["W00", "W09"])["status"] == gf.WITHIN).all()


def test_funnel_without_overdispersion_uses_exact_limits_and_flags_both_ways():
    counts = [500, 505, 495, 510, 490, 500, 500, 505, 300, 700]
    result = gf.funnel(_rates(counts, [10_000] * 10))
    w = result.wards.set_index("ward_code")
    # Winsorising sets 300 → 490 and 700 → 510: the rest vary less than chance, so exact binomial limits
    assert not result.overdispersed and result.method == "exact binomial" and result.tau == 0
    theta = sum(counts) / 100_000
    assert w.at["W00", "lower_998"] == pytest.approx(gf.binomial_limit(10_000, theta, 0.001) * 1000)
    assert w.at["W08", "status"] == gf.LOW and w.at["W08", "flag"] == "low"
    assert w.at["W09", "status"] == gf.HIGH and w.at["W09", "flag"] == "high"
    assert set(w.loc[w["flag"] != "", "flag"].index) == {"W08", "W09"}
    # the lines are drawn across every ward
    assert result.lines["residents"].min() <= 10_000 <= result.lines["residents"].max()


# --- planted low-reach wards -------------------------------------------------------------------

def _borough(seed: int, plants=(), tau: float = 0.0, base: float = 30.0, low: float = 10.0, n: int = 20):
    """A borough of n wards (5,000–14,000 residents), people taking part Binomial(residents, rate) with rate
    `base` per 1,000 (drawn from Normal(base, tau) per ward when tau > 0) and `low` in the planted wards."""
    rng = np.random.default_rng(seed)
    residents = rng.integers(5_000, 14_000, n)
    rate = rng.normal(base, tau, n) if tau else np.full(n, base)
    rate[list(plants)] = low
    counts = rng.binomial(residents, np.clip(rate, 0.5, None) / 1000)
    return _rates(counts, residents)


def _flagged(result: gf.Funnel, flag: str) -> set[str]:
    return set(result.wards.loc[result.wards["flag"] == flag, "ward_code"])


def test_planted_low_reach_wards_are_flagged_exactly():
    result = gf.funnel(_borough(7, plants=(3, 11)))
    assert _flagged(result, "low") == {"W03", "W11"}
    assert _flagged(result, "high") == set()


def test_planted_wards_are_found_among_overdispersed_wards():
    result = gf.funnel(_borough(11, plants=(5, 16), tau=4.0, low=8.0))
    assert result.overdispersed and result.tau > 2.0
    assert _flagged(result, "low") == {"W05", "W16"}
    assert _flagged(result, "high") == set()
    # the unadjusted exact limits would flag ordinary wards too: that is what the adjustment is for
    exact = gf.funnel(_borough(11, plants=(5, 16), tau=4.0, low=8.0), share=0.0)
    assert exact.overdispersed  # without Winsorising the plants themselves inflate φ
    theta = result.borough_rate / 1000
    w = result.wards
    unadjusted = (w["per_1000"] < gf.binomial_limit(w["residents"], theta, 0.001) * 1000) | (
        w["per_1000"] > gf.binomial_limit(w["residents"], theta, 0.999) * 1000)
    assert set(w.loc[unadjusted, "ward_code"]) > {"W05", "W16"}


def test_plants_are_found_on_most_seeds_and_ordinary_wards_rarely_flagged():
    """Over 50 boroughs: both plants flagged every time; an unplanted ward beyond the 99.8% limits about 0.2% of
    the time (18 wards × 50 boroughs = 900 chances, about 1.8 expected; at most 8 allowed, P(more) ≈ 0.0003)."""
    found, false = 0, 0
    for seed in range(50):
        result = gf.funnel(_borough(1000 + seed, plants=(0, 1)))
        found += _flagged(result, "low") >= {"W00", "W01"}
        false += len((_flagged(result, "low") | _flagged(result, "high")) - {"W00", "W01"})
    assert found == 50
    assert false <= 8


def test_no_bias_flags_about_the_stated_rate():
    """No plant, no over-dispersion: 100 boroughs × 20 wards, each ward beyond the 99.8% limits with probability
    0.2% (4 expected; P(more than 12) ≈ 0.0003)."""
    flagged = 0
    for seed in range(100):
        result = gf.funnel(_borough(5000 + seed))
        flagged += len(_flagged(result, "low") | _flagged(result, "high"))
    assert flagged <= 12


# --- disclosure ----------------------------------------------------------------------------------

def test_a_hidden_ward_has_no_point_and_no_flag():
    counts = [3, 500, 505, 495, 510, 490, 500, 500, 505, 700]
    rates = _rates(counts, [10_000] * 10)
    hidden = set(rates.loc[rates["respondents"].isna(), "ward_code"])
    assert "W00" in hidden and len(hidden) >= 2  # the small count, and one more so it cannot be subtracted out
    result = gf.funnel(rates)
    w = result.wards.set_index("ward_code")
    assert (w.loc[sorted(hidden), "status"] == gf.HIDDEN).all()
    assert w.loc[sorted(hidden), "per_1000"].isna().all() and (w.loc[sorted(hidden), "flag"] == "").all()
    assert result.wards_used == 10 - len(hidden)  # φ and τ from the shown wards only
    # the target is the published borough rate ('All wards'), never recomputed from hidden counts
    published = rates.set_index("ward_code").at[TOTAL, gp.RATE_KEYS["respondents"]]
    assert result.borough_rate == pytest.approx(published)
    table = tables.funnel_table(result, POLICY)
    assert no_small_counts(w["count"])
    assert (table.loc[table["Funnel plot"] == gf.HIDDEN, "People taking part"] == "hidden").all()
    fig = charts.funnel_figure(result)
    plotted = [x for t in fig["data"] if t["mode"] == "markers" for x in t["customdata"]]
    assert len(plotted) == 10 - len(hidden)


def test_a_ward_with_too_few_residents_is_not_tested():
    rates = _rates([12, 500, 505, 495, 510], [20, 10_000, 10_000, 10_000, 10_000])
    w = gf.funnel(rates).wards.set_index("ward_code")
    assert w.at["W00", "status"] == gf.NO_BASE and np.isnan(w.at["W00", "per_1000"])


def test_no_one_taking_part_tests_nothing():
    result = gf.funnel(_rates([0] * 5, [1000] * 5))
    assert (result.wards["status"] == gf.NO_RATE).all() and (result.wards["flag"] == "").all()
    assert gf.method_sentence(result).startswith("No one took part")
    assert charts.funnel_figure(result)["data"]


# --- chart and table -----------------------------------------------------------------------------

def test_funnel_figure_draws_limits_and_escapes_ward_names():
    counts = [500, 505, 495, 510, 490, 500, 500, 505, 300, 700]
    names = ["<b>Ash</b>", *[f"Ward {i}" for i in range(1, 10)]]
    fig = charts.funnel_figure(gf.funnel(_rates(counts, [10_000] * 10, names)))
    by_name = {t["name"]: t for t in fig["data"]}
    assert {"99.8% limits", "95% limits"} <= set(by_name)
    assert any(name.startswith("Borough rate") for name in by_name)
    assert by_name["99.8% limits"]["line"]["dash"] == "solid" and by_name["95% limits"]["line"]["dash"] == "dash"
    low = by_name[charts.FUNNEL_MARKERS[gf.LOW][0]]
    assert low["customdata"] == ["Ward 8"] and low["marker"]["symbol"] == "triangle-down"
    names_drawn = [n for t in fig["data"] if t["mode"] == "markers" for n in t["customdata"]]
    assert "&lt;b&gt;Ash&lt;/b&gt;" in names_drawn and "<b>Ash</b>" not in names_drawn
    assert fig["layout"]["xaxis"]["title"]["text"] == "Residents (people)"
    assert "per 1,000 residents" in fig["layout"]["yaxis"]["title"]["text"]


def test_funnel_table_lists_flagged_wards_first():
    counts = [500, 505, 495, 510, 490, 500, 500, 505, 300, 700]
    table = tables.funnel_table(gf.funnel(_rates(counts, [10_000] * 10)), POLICY)
    assert list(table["Funnel plot"][:2]) == [gf.LOW, gf.HIGH]
    assert list(table["Ward"][:2]) == ["Ward 8", "Ward 9"]
    assert table.at[0, "People per 1,000 residents"] == "30.0"
    assert table.at[0, "People taking part"] == "300"
    assert " to " in table.at[0, "99.8% limits"]


# --- the page and the scrutiny report ------------------------------------------------------------

def test_page_funnel_view_and_scrutiny_section(app_env):
    from streamlit.testing.v1 import AppTest

    import services as sv
    from tests.test_participation_page import PAGE, TIMEOUT

    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.session_state["participation_view"] = "funnel"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    result = sv.funnel()
    table = next(f.value for f in at.dataframe if "Funnel plot" in f.value.columns)
    assert len(table) == len(result.wards)
    assert any("Spiegelhalter" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 1
    at.session_state["participation_tab"] = "Scrutiny report"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Significantly low reach (funnel plot)" in m.value for m in at.markdown)
    n_low = int((result.wards["status"] == gf.LOW).sum())
    assert any(m.value.startswith(f"{n_low} of {len(result.wards)} wards are significantly low") for m in at.markdown)


def test_thurrock_funnel_runs_on_the_real_wards(thurrock_db, monkeypatch):
    monkeypatch.setenv("WARDSCOPE_DB", str(thurrock_db))
    import services as sv

    result = sv.funnel()
    w = result.wards
    assert len(w) == 20 and w["status"].isin(gf.STATUS_ORDER).all()
    shown = w[w["per_1000"].notna()]
    assert (shown["lower_998"] < result.borough_rate).all() and (shown["upper_998"] > result.borough_rate).all()
    assert (shown["lower_998"] <= shown["lower_95"]).all() and (shown["upper_95"] <= shown["upper_998"]).all()
    assert charts.funnel_figure(result)["data"]
