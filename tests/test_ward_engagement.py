"""geo.ward_engagement on tiny hand-made tables with known answers, and on the demo database.

Expected values are worked out here independently: the Wilson interval from its formula
(and statsmodels' proportion_confint), Holm's adjustment by hand, rates by division.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from geo import representation as rp
from geo import ward_engagement as we
from geo.disclosure import DisclosurePolicy, no_small_counts
from render import tables
from vocabulary import NOT_STATED

POLICY = DisclosurePolicy()
SMALL = re.compile(r"^[1-9]$")  # a displayed count of 1–9: must never appear


def _hand_wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def _hand_holm(p: list[float]) -> list[float]:
    """Holm step-down: sort, multiply the k-th smallest by (m − k + 1), carry the running maximum, cap at 1."""
    m = len(p)
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda j: p[j])):
        running = max(running, (m - rank) * p[i])
        adjusted[i] = min(1.0, running)
    return adjusted


def _no_small_strings(frame: pd.DataFrame) -> bool:
    return not frame.astype(str).map(lambda s: bool(SMALL.match(s.strip()))).to_numpy().any()


# --- Wilson interval --------------------------------------------------------------------------

def test_wilson_interval_12_of_100_matches_the_formula_and_statsmodels():
    lo, hi = rp.wilson_interval(np.array([12]), np.array([100]), 0.05)
    hand = _hand_wilson(12, 100)
    sm = proportion_confint(12, 100, alpha=0.05, method="wilson")
    assert lo[0] == pytest.approx(hand[0], abs=1e-12) and hi[0] == pytest.approx(hand[1], abs=1e-12)
    assert (lo[0], hi[0]) == pytest.approx(sm, abs=1e-12)
    assert (lo[0], hi[0]) == pytest.approx((0.0700, 0.1981), abs=5e-5)  # the textbook values


def test_wilson_interval_edges():
    lo, hi = rp.wilson_interval(np.array([0, 50, 0]), np.array([50, 50, 0]), 0.05)
    assert lo[0] == 0 and 0 < hi[0] < 0.1
    assert hi[1] == pytest.approx(1.0) and 0.9 < lo[1] < 1
    assert math.isnan(lo[2]) and math.isnan(hi[2])


# --- representation in one ward ---------------------------------------------------------------

ETH_POP = pd.DataFrame([
    {"ward_code": w, "dimension": "ethnicity", "category": c, "persons": p}
    for w, cats in {"A": {"White British": 600, "Black African": 200, "Pakistani": 200},
                    "B": {"White British": 800, "Black African": 100, "Pakistani": 100},
                    "C": {"White British": 700, "Black African": 150, "Pakistani": 150}}.items()
    for c, p in cats.items()])


def _groups(ward_a: dict[str, int]) -> pd.DataFrame:
    """Respondents per group: ward A as given, wards B and C large enough never to be hidden."""
    rows = {"A": ward_a,
            "B": {"White British": 300, "Black African": 40, "Pakistani": 35, NOT_STATED: 25},
            "C": {"White British": 280, "Black African": 45, "Pakistani": 50, NOT_STATED: 30}}
    return pd.DataFrame([{"ward_code": w, "category": c, "respondents": n}
                         for w, cats in rows.items() for c, n in cats.items()])


def test_planted_under_represented_group_is_flagged_and_proportional_one_is_not():
    # Ward A: 200 stated a group. Black African 12 of 200 (6%) against 20% of residents: far too few.
    # Pakistani 40 of 200 = 20% exactly, as among residents. White British 148 of 200 (74% vs 60%).
    rep = rp.ward_representation(ETH_POP, _groups({"White British": 148, "Black African": 12, "Pakistani": 40,
                                              NOT_STATED: 30}), "A", "ethnicity", POLICY).set_index("group")
    groups = ["White British", "Black African", "Pakistani"]
    assert list(rep.index[:3]) == groups  # largest resident group first, as geo.participation orders them
    pi = {"White British": 0.6, "Black African": 0.2, "Pakistani": 0.2}
    x = {"White British": 148, "Black African": 12, "Pakistani": 40}
    for g in groups:
        assert rep.at[g, "respondents"] == x[g]
        assert rep.at[g, "respondent_share"] == pytest.approx(x[g] / 200 * 100)
        assert rep.at[g, "resident_share"] == pytest.approx(pi[g] * 100)
        assert rep.at[g, "index"] == pytest.approx(x[g] / 200 / pi[g])
        lo, hi = _hand_wilson(x[g], 200)
        assert rep.at[g, "index_low"] == pytest.approx(lo / pi[g])
        assert rep.at[g, "index_high"] == pytest.approx(hi / pi[g])
        # Two-sided since issue 10: the doubled smaller tail of the exact binomial.
        two_sided = min(1.0, 2 * min(stats.binom.cdf(x[g], 200, pi[g]), stats.binom.sf(x[g] - 1, 200, pi[g])))
        assert rep.at[g, "p_value"] == pytest.approx(two_sided)
        assert rep.at[g, "test_basis"] == "count"
    hand = _hand_holm([rep.at[g, "p_value"] for g in groups])
    assert [rep.at[g, "p_adjusted"] for g in groups] == pytest.approx(hand)
    assert bool(rep.at["Black African", "under_represented"])
    assert not rep.at["Pakistani", "under_represented"] and not rep.at["White British", "under_represented"]
    assert rp.under_represented_groups(rep.reset_index()) == ["Black African"]
    # Issue 10: both directions. White British 74% against 60% (two-sided p = 9e-5, interval above 1) is
    # over-represented; Pakistani, exactly in proportion, is neither.
    assert rp.over_represented_groups(rep.reset_index()) == ["White British"]
    assert list(rep.loc[groups, "flag"]) == ["over", "under", ""]
    # Not stated is its own row, outside the base of the shares.
    assert rep.at[NOT_STATED, "respondents"] == 30 and math.isnan(rep.at[NOT_STATED, "index"])
    assert rep.loc[rep["kind"] == "stated", "respondents"].iloc[0] == 200
    assert rep.loc[rep["kind"] == "total", "respondents"].iloc[0] == 230
    assert not rep.loc[["Stated a group (base of the shares)", NOT_STATED, "All respondents"],
                       "under_represented"].any()


def test_holm_stops_a_flag_the_interval_alone_would_give():
    # Black African 28 of 200 against 20%: one-sided p = 0.0179 (two-sided 0.0358) and the 95% interval of
    # the index ends at 0.974 (< 1), but it is one of three tests: Holm gives 3 × 0.0358 > 0.05, so no flag.
    rep = rp.ward_representation(ETH_POP, _groups({"White British": 132, "Black African": 28, "Pakistani": 40,
                                              NOT_STATED: 30}), "A", "ethnicity", POLICY).set_index("group")
    p = stats.binom.cdf(28, 200, 0.2)
    assert p == pytest.approx(0.0179, abs=1e-4)
    assert rep.at["Black African", "index_high"] == pytest.approx(_hand_wilson(28, 200)[1] / 0.2)
    assert rep.at["Black African", "index_high"] < 1
    assert rep.at["Black African", "p_adjusted"] == pytest.approx(min(1.0, 3 * 2 * p))
    assert not rep["under_represented"].any() and not rep["over_represented"].any()


def test_holm_adjustment_of_three_p_values_by_hand():
    # A direct check of the hand rule against the library call the module uses.
    from statsmodels.stats.multitest import multipletests

    p = [0.01, 0.04, 0.03]
    assert _hand_holm(p) == pytest.approx([0.03, 0.06, 0.06])
    reject, adjusted, _, _ = multipletests(p, alpha=0.05, method="holm")
    assert list(adjusted) == pytest.approx([0.03, 0.06, 0.06]) and list(reject) == [True, False, False]


def test_hidden_group_is_flagged_on_bounds_without_showing_anything_small():
    # Ward A: Black African 3 (hidden: 1–9), so a second cell in A's row is hidden (Not stated, 20, the
    # smallest) and a second Black African cell in another ward (so the borough total gives nothing away).
    ward_a = {"White British": 150, "Black African": 3, "Pakistani": 97, NOT_STATED: 20}
    rep = rp.ward_representation(ETH_POP, _groups(ward_a), "A", "ethnicity", POLICY).set_index("group")
    assert math.isnan(rep.at["Black African", "respondents"]) and math.isnan(rep.at[NOT_STATED, "respondents"])
    assert rep.at["All respondents", "respondents"] == 270
    # Nothing derived from the hidden cells is shown.
    for col in ("respondent_share", "index", "index_low", "index_high"):
        assert rep[col].iloc[:3].isna().all()
    # From the published row: hidden cells add up to 270 − 150 − 97 = 23. Worst case for the test: all 23
    # are Black African and none Not stated, so n = 270: 23 of 270 against 20% is still far too few.
    assert rep.at["Black African", "test_basis"] == "bounds"
    assert rep.at["Black African", "p_value"] == pytest.approx(2 * stats.binom.cdf(23, 270, 0.2))  # two-sided
    # The banded index: every index the row allows (0 to 23 of 247–270, against 20%) lies below 0.5.
    assert rep.at["Black African", "index_min"] == 0
    assert rep.at["Black African", "index_max"] == pytest.approx(23 / 270 / 0.2)
    assert rp.index_band(rep.at["Black African", "index_min"], rep.at["Black African", "index_max"]) == "below 0.5"
    assert bool(rep.at["Black African", "under_represented"])
    assert not rep.at["Pakistani", "under_represented"]
    assert no_small_counts(rep["respondents"])
    table = tables.representation_table(rep.reset_index(), "Ethnic group", POLICY)
    assert _no_small_strings(table)
    assert table.set_index("Ethnic group").at["Black African", "Respondents"] == "hidden"
    assert table.set_index("Ethnic group").at["Black African", "Flag (two-sided test)"] == "▼ under-represented"
    assert table.set_index("Ethnic group").at["Black African", "Representation index (1.00 = in proportion)"] == \
        "hidden (below 0.5)"
    # The other wards' pages hide a second Black African cell, so borough − others reveals nothing.
    others = [rp.ward_representation(ETH_POP, _groups(ward_a), w, "ethnicity", POLICY).set_index("group")
              for w in ("B", "C")]
    assert sum(math.isnan(o.at["Black African", "respondents"]) for o in others) >= 1


def test_no_test_on_a_base_below_25():
    ward_a = {"White British": 12, "Black African": 0, "Pakistani": 10, NOT_STATED: 0}
    rep = rp.ward_representation(ETH_POP, _groups(ward_a), "A", "ethnicity", POLICY)
    groups = rep[rep["kind"] == "group"]
    assert (groups["test_basis"] == "").all() and not groups["under_represented"].any()
    assert groups["index"].isna().all() and groups["index_low"].isna().all()
    table = tables.representation_table(rep, "Ethnic group", POLICY)
    assert set(table.loc[rep["kind"] == "group", "Flag (two-sided test)"]) == {"not tested (too few)"}


# --- quarterly trend --------------------------------------------------------------------------

RESIDENTS = pd.Series({"A": 2000.0, "B": 3000.0, "C": 5000.0})


def _quarterly(rows: dict[str, dict[str, tuple[int, int]]]) -> pd.DataFrame:
    return pd.DataFrame([{"ward_code": w, "quarter": q, "responses": r, "respondents": p}
                         for w, qs in rows.items() for q, (r, p) in qs.items()])


def test_quarterly_trend_rates_gaps_and_borough():
    q = _quarterly({"A": {"2025 Q4": (60, 40), "2026 Q2": (90, 50)},
                    "B": {"2025 Q4": (100, 80), "2026 Q1": (30, 20), "2026 Q2": (120, 90)},
                    "C": {"2025 Q4": (200, 150), "2026 Q1": (70, 60), "2026 Q2": (210, 160)}})
    t = we.quarterly_trend(q, "A", RESIDENTS, POLICY).set_index("quarter")
    assert list(t.index) == ["2025 Q4", "2026 Q1", "2026 Q2"]  # the gap in A is a quarter with none
    assert t.at["2026 Q1", "responses"] == 0 and t.at["2026 Q1", "respondents"] == 0
    assert t.at["2025 Q4", "responses"] == 60 and t.at["2025 Q4", "respondents"] == 40
    assert t.at["2025 Q4", "respondents_per_1000"] == pytest.approx(40 / 2000 * 1000)
    assert t.at["2025 Q4", "responses_per_1000"] == pytest.approx(60 / 2000 * 1000)
    assert t.at["2026 Q2", "borough_respondents_per_1000"] == pytest.approx((50 + 90 + 160) / 10000 * 1000)
    assert t.at["2026 Q1", "borough_responses_per_1000"] == pytest.approx(100 / 10000 * 1000)
    assert t.at["2025 Q4", "start"] == date(2025, 10, 1) and t.at["2025 Q4", "end"] == date(2025, 12, 31)
    assert t["complete"].all()


def test_quarterly_trend_hides_small_counts_and_their_partner():
    # 2026 Q1: A has 4 responses (hidden); the quarter's borough total is shown, so the smallest other ward
    # in that quarter (B, 30) is hidden too, and B's page must not show it either.
    q = _quarterly({"A": {"2025 Q4": (60, 40), "2026 Q1": (4, 4)},
                    "B": {"2025 Q4": (100, 80), "2026 Q1": (30, 20)},
                    "C": {"2025 Q4": (200, 150), "2026 Q1": (70, 60)}})
    a = we.quarterly_trend(q, "A", RESIDENTS, POLICY).set_index("quarter")
    b = we.quarterly_trend(q, "B", RESIDENTS, POLICY).set_index("quarter")
    assert math.isnan(a.at["2026 Q1", "responses"]) and math.isnan(a.at["2026 Q1", "responses_per_1000"])
    assert math.isnan(a.at["2026 Q1", "respondents"]) and math.isnan(a.at["2026 Q1", "respondents_per_1000"])
    assert math.isnan(b.at["2026 Q1", "responses"]) and math.isnan(b.at["2026 Q1", "respondents"])
    for frame in (a, b):
        assert no_small_counts(frame[["responses", "respondents"]])
        assert _no_small_strings(tables.quarterly_table(frame.reset_index(), POLICY))
    assert tables.quarterly_table(a.reset_index(), POLICY).set_index("Quarter").at["2026 Q1", "Responses"] == "hidden"


@pytest.mark.parametrize("seed", range(6))
def test_quarterly_trends_for_all_wards_equal_the_ward_by_ward_trend(seed):
    # Protection must not depend on which wards are asked for: each ward alone gives its rows of the whole table.
    rng = np.random.default_rng(seed)
    wards = [f"W{i:02d}" for i in range(25)]
    quarters = ["2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2", "2026 Q3"]
    rows = {}
    for w in wards[:-2]:  # the last two wards have no responses at all
        picked = rng.choice(quarters, size=int(rng.integers(1, len(quarters) + 1)), replace=False)
        rows[w] = {}
        for q in picked:
            people = int(rng.choice([rng.integers(1, 10), rng.integers(10, 200)]))  # small counts, hidden
            rows[w][str(q)] = (people + int(rng.integers(0, 30)), people)
    q = _quarterly(rows)
    residents = pd.Series(rng.integers(0, 9000, len(wards)).astype(float), index=wards)  # some below min_base
    first = date(2025, 10, 1) if seed % 2 else None
    fast = we.quarterly_trends(q, wards + ["W99"], residents, POLICY, first, date(2026, 9, 30))
    slow = pd.concat([we.quarterly_trend(q, w, residents, POLICY, first, date(2026, 9, 30)).assign(ward_code=w)
                      for w in wards + ["W99"]], ignore_index=True)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True, check_dtype=False)
    assert fast["responses"].isna().any() and (fast["responses"] == 0).any()  # hidden cells and gaps both met


def _trend(counts: list[float], complete: list[bool] | None = None) -> pd.DataFrame:
    quarters = ["2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2"][-len(counts):]
    borough = [10.0, 10.0, 11.0, 12.0][-len(counts):]
    return pd.DataFrame({"quarter": quarters, "complete": complete or [True] * len(counts),
                         "respondents": counts, "borough_respondents_per_1000": borough})


@pytest.mark.parametrize("counts, direction, word", [
    ([100, 120], "rose", "rose"),       # +20%
    ([100, 80], "fell", "fell"),        # −20%
    ([100, 105], "steady", "steady"),   # +5%
    ([100, 110], "steady", "steady"),   # exactly +10%: not beyond the tolerance
    ([100, 89], "fell", "fell"),        # −11%
    ([0, 15], "rose", "rose"),          # from none to some
])
def test_trend_rule(counts, direction, word):
    t = _trend(counts)
    assert we.trend(t)["direction"] == direction
    assert word in we.trend_sentence(t, policy=POLICY)


def test_trend_uses_the_last_two_complete_quarters_only():
    # The last quarter is still running (complete False): compare 2025 Q4 → 2026 Q1 (100 → 70, fell),
    # not 2026 Q1 → 2026 Q2 (70 → 200).
    t = _trend([50, 100, 70, 200], [True, True, True, False])
    result = we.trend(t)
    assert (result["previous"], result["latest"], result["direction"]) == ("2025 Q4", "2026 Q1", "fell")
    assert result["change"] == pytest.approx(-0.3)
    sentence = we.trend_sentence(t, policy=POLICY)
    assert "fell" in sentence and "2026 Q1" in sentence and "30%" in sentence and "+10%" in sentence


def test_trend_not_described_on_hidden_counts_or_too_few_quarters():
    hidden = we.trend_sentence(_trend([100, float("nan")]), policy=POLICY)
    assert "hidden" in hidden and not any(w in hidden for w in ("rose", "fell", "steady"))
    assert we.trend(_trend([100, float("nan")]))["direction"] is None
    one = _trend([100, 120], [False, True])
    assert we.trend(one)["direction"] is None and "not yet two complete quarters" in we.trend_sentence(one)


def test_complete_quarters_follow_the_period_covered():
    q = _quarterly({"A": {"2025 Q4": (60, 40), "2026 Q1": (50, 30), "2026 Q2": (90, 50)}})
    t = we.quarterly_trend(q, "A", RESIDENTS, POLICY, first_day=date(2025, 11, 15), last_day=date(2026, 6, 29))
    assert list(t["complete"]) == [False, True, False]
    t = we.quarterly_trend(q, "A", RESIDENTS, POLICY, first_day=date(2025, 10, 1), last_day=date(2026, 6, 30))
    assert t["complete"].all()


# --- activities -------------------------------------------------------------------------------

ACTIVITIES = pd.DataFrame({
    "activity_id": ["X1", "X2", "X3"], "title": ["Parks survey", "Bus poll", "Library event"],
    "kind": ["survey", "quick_poll", "event"],
    "opened": pd.to_datetime(["2025-10-01", "2025-11-01", "2026-01-10"]).date,
    "closed": pd.to_datetime(["2025-12-31", "2025-11-30", "2026-01-10"]).date,
    "outcome_published_on": pd.to_datetime(["2026-01-31", None, "2026-03-01"]).date,
})


def test_activities_reached_and_outcomes():
    wa = pd.DataFrame({"ward_code": ["A", "A", "B", "B", "B", "C", "C"],
                       "activity_id": ["X1", "X2", "X1", "X2", "X3", "X1", "X2"],
                       "responses": [30, 4, 40, 20, 15, 50, 25]})
    reached = we.activities_reached(wa, ACTIVITIES, "A", POLICY)
    assert list(reached["activity_id"]) == ["X2", "X1"]  # newest opened first; X3 had no one from A
    r = reached.set_index("activity_id")
    assert math.isnan(r.at["X2", "responses"])  # 4: hidden
    assert math.isnan(r.at["X1", "responses"])  # A's total is in the table, so a second cell of A's row hides
    assert bool(r.at["X1", "outcome_published"]) and r.at["X1", "days_to_outcome"] == 31
    assert not r.at["X2", "outcome_published"]
    table = tables.activities_table(reached, POLICY)
    assert _no_small_strings(table) and list(table["Outcome published"]) == ["no", "yes, 2026-01-31"]
    assert list(table["Kind"]) == ["Quick poll", "Survey"]
    summary = we.outcome_share(reached)
    assert summary == {"activities": 2, "closed": 2, "with_outcome": 1, "share_with_outcome": 50.0,
                       "median_days_to_outcome": 31.0}
    # Before X1 closed, only X2 had closed, without an outcome.
    early = we.outcome_share(reached, as_of=date(2025, 12, 1))
    assert early["closed"] == 1 and early["with_outcome"] == 0 and early["median_days_to_outcome"] is None
    assert "1 (50%) have published an outcome, a median of 31 days" in we.outcome_sentence(summary)

    b = we.activities_reached(wa, ACTIVITIES, "B", POLICY).set_index("activity_id")
    assert b.at["X3", "responses"] == 15 and b.at["X3", "days_to_outcome"] == 50
    assert no_small_counts(b["responses"])


# --- channels ---------------------------------------------------------------------------------

def test_channel_mix_shares_of_people():
    channels = pd.DataFrame({"ward_code": ["A", "A", "A", "B", "B", "B"],
                             "channel": ["online", "paper", "phone", "online", "paper", "phone"],
                             "respondents": [80, 30, 3, 150, 40, 12]})
    engagement = pd.DataFrame({"ward_code": ["A", "B"], "responses": [200, 400], "respondents": [100, 180]})
    mix = we.channel_mix(channels, engagement, "A", POLICY).set_index("channel")
    assert list(mix.index) == ["online", "paper", "phone"]
    assert mix.at["online", "ward_respondents"] == 80
    assert mix.at["online", "ward_share"] == pytest.approx(80.0)  # 80 of A's 100 people
    assert mix.at["paper", "ward_share"] == pytest.approx(30.0)
    assert math.isnan(mix.at["phone", "ward_respondents"]) and math.isnan(mix.at["phone", "ward_share"])
    # The borough's phone total is shown, so B's phone count (12) is hidden with A's (3).
    assert mix.at["phone", "borough_respondents"] == 15
    b = we.channel_mix(channels, engagement, "B", POLICY).set_index("channel")
    assert math.isnan(b.at["phone", "ward_respondents"])
    assert mix.at["online", "borough_respondents"] == 230
    assert mix.at["online", "borough_share"] == pytest.approx(230 / 280 * 100)
    assert _no_small_strings(tables.channel_table(mix.reset_index(), POLICY))


# --- on the demo database ---------------------------------------------------------------------

def _query(db, sql: str, params: list | None = None) -> list[tuple]:
    from vocabulary import duck

    con = duck.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_demo_quarterly_totals_match_an_independent_count(app_env):
    import data_access as da

    ward = _query(app_env, "SELECT ward_code FROM responses WHERE ward_code IS NOT NULL "
                           "GROUP BY 1 ORDER BY count(*) LIMIT 1")[0][0]
    expected = {f"{q.year} Q{(q.month - 1) // 3 + 1}": (n, people) for q, n, people in _query(app_env, """
        SELECT date_trunc('quarter', submitted_at)::DATE, count(*),
               count(DISTINCT coalesce(respondent_id, 'response:' || response_id))
        FROM responses WHERE ward_code = ? GROUP BY 1""", [ward])}
    got = da.ward_quarterly().query("ward_code == @ward").set_index("quarter")
    assert {q: (int(r.responses), int(r.respondents)) for q, r in got.iterrows()} == expected
    assert sum(n for n, _ in expected.values()) == _query(
        app_env, "SELECT count(*) FROM responses WHERE ward_code = ?", [ward])[0][0]

    trend = we.quarterly_trend(da.ward_quarterly(), ward, da.population(), POLICY).set_index("quarter")
    for q, (n, people) in expected.items():
        assert pd.isna(trend.at[q, "responses"]) or trend.at[q, "responses"] == n
        assert pd.isna(trend.at[q, "respondents"]) or trend.at[q, "respondents"] == people
    assert no_small_counts(trend[["responses", "respondents"]])


def test_demo_activities_and_channels_match_the_database(app_env):
    import data_access as da

    ward = _query(app_env, "SELECT ward_code FROM wards ORDER BY ward_name LIMIT 1")[0][0]
    reached = we.activities_reached(da.ward_activities(), da.activities(), ward, POLICY)
    ids = {a for (a,) in _query(app_env, "SELECT DISTINCT activity_id FROM responses WHERE ward_code = ?", [ward])}
    assert set(reached["activity_id"]) == ids
    assert no_small_counts(reached["responses"])
    mix = we.channel_mix(da.ward_channels(), da.ward_engagement(), ward, POLICY).set_index("channel")
    online = _query(app_env, """SELECT count(DISTINCT coalesce(respondent_id, 'response:' || response_id))
                                FROM responses WHERE ward_code = ? AND channel = 'online'""", [ward])[0][0]
    assert mix.at["online", "ward_respondents"] == online
    assert no_small_counts(mix[["ward_respondents", "borough_respondents"]])


def test_demo_representation_flags_planted_groups(app_env):
    import data_access as da

    planted = json.loads(da.meta()["synthetic_truth"])["planted"]
    population = da.population()
    flagged = set()
    for dimension in sorted({p["dimension"] for p in planted}):
        groups = da.respondent_groups(dimension)
        for ward in sorted({p["ward_code"] for p in planted}):
            rep = rp.ward_representation(population, groups, ward, dimension, POLICY)
            assert no_small_counts(rep["respondents"])
            flagged |= {(ward, dimension, g) for g in rp.under_represented_groups(rep)}
    truth = {(p["ward_code"], p["dimension"], p["category"]) for p in planted}
    assert flagged & truth, f"no planted group flagged: flagged {flagged}, planted {truth}"
    assert len(flagged - truth) <= 1, f"groups flagged that were not planted: {flagged - truth}"


def test_numpy_holm_matches_statsmodels_on_random_p_values():
    import numpy as np
    from statsmodels.stats.multitest import multipletests

    from geo.representation import holm

    rng = np.random.default_rng(7)
    for _ in range(200):
        p = rng.uniform(0, 0.2, size=int(rng.integers(1, 12)))
        reject, adjusted = holm(p)
        expected_reject, expected_adjusted, _, _ = multipletests(p, alpha=0.05, method="holm")
        assert np.allclose(adjusted, expected_adjusted)
        assert (reject == expected_reject).all()
