"""What residents said: shares, weighting, polls, petitions and who keeps answering (geo.answers, geo.weighting,
geo.engagement_habits), on tiny frames shaped like data_access.answers' queries, with hand-worked answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from geo import answers as ga
from geo import engagement_habits as gh
from geo import weighting as gw
from geo.disclosure import DEFAULT_POLICY, TOTAL, no_small_counts
from geo.proportions import wilson_interval
from vocabulary import NOT_STATED

KEYS = gw.KEYS


def _cells(rows) -> pd.DataFrame:
    """answer_cells rows: (value, ward, age, sex, ethnicity, disability, respondents)."""
    return pd.DataFrame(rows, columns=["value", *KEYS, "respondents"])


def _population(wards, age=None, sex=None, ethnicity=None) -> pd.DataFrame:
    rows = []
    for ward in wards:
        for dim, cats in (("age", age), ("sex", sex), ("ethnicity", ethnicity)):
            rows += [(ward, dim, c, float(p)) for c, p in (cats or {}).items()]
    return pd.DataFrame(rows, columns=["ward_code", "dimension", "category", "persons"])


def _young_old(yes_young: int, yes_old: int) -> pd.DataFrame:
    """One ward, 40 young (16-24) and 160 older (25-34) respondents; the residents are half and half."""
    other = ("Female", "White British", "Not disabled")
    return _cells([("Yes", "W1", "16-24", *other, yes_young), ("No", "W1", "16-24", *other, 40 - yes_young),
                   ("Yes", "W1", "25-34", *other, yes_old), ("No", "W1", "25-34", *other, 160 - yes_old)])


HALF_AND_HALF = _population(["W1"], age={"16-24": 1000, "25-34": 1000})


# --- raking ---------------------------------------------------------------------------------------

def test_samplics_raking_of_a_2x2_table_gives_the_known_solution():
    """Cells 30, 10 / 20, 40 raked to rows 50, 50 and columns 60, 40: the fitted table is 40, 10 / 20, 30
    (it keeps the odds ratio 30·40 / (10·20) = 6 and has the target margins)."""
    rows = pd.Series(["y", "y", "o", "o"])
    cols = pd.Series(["F", "M", "F", "M"])
    result = gw.rake(pd.Series([30.0, 10, 20, 40]), {"age": rows, "sex": cols},
                     {"age": pd.Series({"y": 50.0, "o": 50.0}), "sex": pd.Series({"F": 60.0, "M": 40.0})})
    fitted = result.weights * np.array([30.0, 10, 20, 40])
    np.testing.assert_allclose(fitted, [40, 10, 20, 30], atol=1e-6)
    assert result.raked


def test_raking_reproduces_the_eligible_residents_margins_with_not_stated_kept_at_its_share():
    pop = _population(["W1", "W2"], age={"16-24": 300, "25-64": 500, "65+": 200}, sex={"Female": 520, "Male": 480},
                      ethnicity={"White British": 800, "Indian": 150, "Black African": 50})
    rng = np.random.default_rng(7)
    rows = [(w, a, s, e, "Not disabled", int(rng.integers(1, 30)))
            for w in ("W1", "W2") for a in ("16-24", "25-64", "65+", NOT_STATED)
            for s in ("Female", "Male", NOT_STATED) for e in ("White British", "Indian", "Black African")]
    cells = pd.DataFrame(rows, columns=[*KEYS, "respondents"])
    weighted, summary = gw.respondent_weights(cells, pop)
    _, cats = gw.margins(pop, gw.prepare_cells(cells))
    achieved = gw.achieved_margins(weighted, cats, "weight_borough")
    total = 2000.0
    for dim, census in (("age", {"16-24": 600, "25-64": 1000, "65+": 400}), ("sex", {"Female": 1040, "Male": 960}),
                        ("ethnicity", {"White British": 1600, "Indian": 300, "Black African": 100})):
        start = cells["respondents"].groupby(cats[dim].to_numpy()).sum()
        no_group = start.get(gw.NO_COMPARATOR, 0.0) / start.sum()
        for category, persons in census.items():
            target = persons / total * (1 - no_group) * total
            assert achieved[dim][category] == pytest.approx(target, abs=1e-6)
        if no_group:
            assert achieved[dim][gw.NO_COMPARATOR] == pytest.approx(no_group * total, abs=1e-6)
    assert bool(summary.loc[0, "raked"])


def test_ward_raking_needs_100_respondents_else_the_borough_weights():
    pop = _population(["W1", "W2"], age={"16-24": 500, "25-34": 500})
    other = ("Female", "White British", "Not disabled")
    cells = pd.DataFrame([("W1", "16-24", *other, 30), ("W1", "25-34", *other, 90),
                          ("W2", "16-24", *other, 20), ("W2", "25-34", *other, 40)], columns=[*KEYS, "respondents"])
    weighted, summary = gw.respondent_weights(cells, pop)
    by_scope = summary.set_index("scope")
    assert bool(by_scope.loc["W1", "raked"]) and not bool(by_scope.loc["W2", "raked"])
    assert "fewer than 100" in by_scope.loc["W2", "reason"]
    w1 = weighted[weighted["ward_code"] == "W1"].set_index("age_band")
    assert w1.loc["16-24", "weight_ward"] == pytest.approx(500 / 30)  # the ward's own residents
    assert w1.loc["25-34", "weight_ward"] == pytest.approx(500 / 90)
    w2 = weighted[weighted["ward_code"] == "W2"]
    assert (w2["ward_basis"] == "borough").all()
    np.testing.assert_allclose(w2["weight_ward"], w2["weight_borough"])
    assert w1.loc["16-24", "weight_borough"] == pytest.approx(1000 / 50)  # borough: 1000 young, 50 replied


def test_a_group_with_residents_and_no_respondent_is_left_out_and_reported():
    pop = _population(["W1"], age={"16-24": 200, "25-34": 300, "35-49": 500})
    cells = pd.DataFrame([("W1", "25-34", "Female", "White British", "Not disabled", 50),
                          ("W1", "35-49", "Female", "White British", "Not disabled", 50)],
                         columns=[*KEYS, "respondents"])
    weighted, summary = gw.respondent_weights(cells, pop)
    assert "16-24" in summary.loc[0, "missing_groups"]
    # the two groups answered share all 1,000 residents in proportion 300 : 500
    np.testing.assert_allclose(weighted["weight_borough"] * 50, [375.0, 625.0])


# --- effective sample size and the weighted share ---------------------------------------------------

def test_kish_effective_size_by_hand():
    assert gw.kish_effective_size([1, 1, 2, 4]) == pytest.approx(64 / 22)
    assert gw.kish_effective_size([1, 2], counts=[3, 1]) == pytest.approx(25 / 7)
    assert gw.kish_effective_size([5, 5, 5]) == pytest.approx(3)


def test_weighted_share_equals_the_hand_computation_and_is_flagged():
    """Young 30 yes of 40, older 40 yes of 160; residents half and half. Weights: young 1000/40 = 25, older
    1000/160 = 6.25. Weighted yes = (30·25 + 40·6.25) / 2000 = 50%; raw 70/200 = 35%. Kish: 2000² ÷
    (40·25² + 160·6.25²) = 4,000,000 ÷ 31,250 = 128."""
    result = ga.question_results(_young_old(30, 40), "single_choice", ["Yes", "No"], HALF_AND_HALF)
    yes = result.rows[(result.rows["level"] == "borough") & (result.rows["option"] == "Yes")].iloc[0]
    assert yes["share"] == pytest.approx(35.0)
    assert yes["weighted_share"] == pytest.approx(50.0)
    assert yes["effective_size"] == pytest.approx(128.0)
    low, high = wilson_interval(np.array([64.0]), np.array([128.0]))
    assert yes["weighted_low"] == pytest.approx(low[0] * 100) and yes["weighted_high"] == pytest.approx(high[0] * 100)
    raw_low, raw_high = wilson_interval(np.array([70]), np.array([200]))
    assert yes["share_low"] == pytest.approx(raw_low[0] * 100) and yes["share_high"] == pytest.approx(raw_high[0] * 100)
    assert yes["depends_on_who_replied"] and result.depends_on_who_replied


def test_no_flag_when_the_groups_agree():
    result = ga.question_results(_young_old(20, 80), "single_choice", ["Yes", "No"], HALF_AND_HALF)
    borough = result.rows[result.rows["level"] == "borough"]
    np.testing.assert_allclose(borough["weighted_share"], [50.0, 50.0])
    assert not result.depends_on_who_replied


def _planted(seed: int, young_yes: float, others_yes: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six wards; the young reply least (5% of respondents, 20% of residents)."""
    rng = np.random.default_rng(seed)
    wards = [f"W{i}" for i in range(6)]
    ages = ["16-24", "25-34", "35-49", "50-64", "65+"]
    pop = _population(wards, age=dict.fromkeys(ages, 1000), sex={"Female": 2600, "Male": 2400},
                      ethnicity={"White British": 4000, "Indian": 1000})
    n = 3000
    frame = pd.DataFrame({"ward_code": rng.choice(wards, n), "age_band": rng.choice(ages, n, p=[.05, .1, .2, .3, .35]),
                          "sex": rng.choice(["Female", "Male", NOT_STATED], n, p=[.5, .45, .05]),
                          "ethnicity": rng.choice(["White British", "Indian"], n, p=[.85, .15]),
                          "disability": "Not disabled"})
    p_yes = np.where(frame["age_band"] == "16-24", young_yes, others_yes)
    frame["value"] = np.where(rng.random(n) < p_yes, "Yes", "No")
    cells = frame.value_counts().rename("respondents").reset_index()
    return cells, pop


def test_planted_age_difference_is_flagged_and_a_question_without_one_is_not():
    cells, pop = _planted(11, young_yes=0.85, others_yes=0.3)
    planted = ga.poll_results(cells, ["Yes", "No"], pop)
    assert planted.depends_on_who_replied
    flat_cells, _ = _planted(12, young_yes=0.4, others_yes=0.4)
    flat = ga.poll_results(flat_cells, ["Yes", "No"], pop)
    assert not flat.depends_on_who_replied
    borough = flat.rows[flat.rows["level"] == "borough"]
    assert (borough["weighted_share"] - borough["share"]).abs().max() < 2.0


# --- shares by place and group, disclosure ---------------------------------------------------------

def _small_cells(seed: int, values: list[str]) -> pd.DataFrame:
    """Many small cells: counts from 0 to 14 over 5 wards, 3 ages, 2 sexes."""
    rng = np.random.default_rng(seed)
    rows = [(v, w, a, s, "White British", "Not disabled", int(rng.integers(0, 15)))
            for v in values for w in ("W1", "W2", "W3", "W4", "W5") for a in ("16-24", "25-64", "65+")
            for s in ("Female", "Male")]
    return _cells(rows)


def _check_protected(result: ga.QuestionResults, additive: bool, policy=DEFAULT_POLICY) -> None:
    rows = result.rows
    assert no_small_counts(rows[["respondents", "base"]], policy)
    shown = rows["share"].notna()
    assert (rows.loc[shown, "base"] >= policy.min_base).all() and rows.loc[shown, "respondents"].notna().all()
    assert rows.loc[~shown, ["share_low", "share_high", "weighted_share", "weighted_low"]].isna().all().all()
    assert rows.loc[rows["base"].isna() | (rows["base"] < policy.min_base), "effective_size"].isna().all()
    borough = rows[rows["level"] == "borough"].set_index("option")
    for (_, _), table in rows[rows["level"] != "borough"].groupby(["level", "dimension"], dropna=False):
        for option, column in table.groupby("option"):  # each option: the groups and the borough
            hidden = column["respondents"].isna().sum() + int(pd.isna(borough.loc[option, "respondents"]))
            assert hidden != 1
        if additive:  # each group: its options and its base
            for _, row in table.groupby("group"):
                assert row["respondents"].isna().sum() + int(pd.isna(row["base"].iloc[0])) != 1
    if result.means is not None:
        means = result.means
        assert means.loc[means["mean"].notna(), "base"].ge(policy.min_base).all()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_small_count_and_no_share_on_a_small_base_in_any_output(seed):
    pop = _population([f"W{i}" for i in range(1, 6)], age={"16-24": 300, "25-64": 500, "65+": 200},
                      sex={"Female": 500, "Male": 500})
    scheme = pd.Series({"W1": "North", "W2": "North", "W3": "South", "W4": "South"})
    single = _small_cells(seed, ["Yes", "No", "Don't know"])
    _check_protected(ga.question_results(single, "single_choice", ["Yes", "No", "Don't know"], pop,
                                         assignment=scheme), additive=True)
    scale = _small_cells(seed + 10, ["1", "2", "3", "4", "5"])
    _check_protected(ga.question_results(scale, "scale", ["1", "2", "3", "4", "5"], pop, assignment=scheme),
                     additive=True)
    multi = _small_cells(seed + 20, ["Parks", "Roads", "Buses"])
    base = multi.groupby(KEYS, as_index=False)["respondents"].sum()
    base["respondents"] = base["respondents"] + 3
    _check_protected(ga.question_results(multi, "multiple_choice", ["Parks", "Roads", "Buses"], pop, base=base,
                                         assignment=scheme), additive=False)


def test_an_area_hides_what_its_wards_hide():
    other = ("Female", "White British", "Not disabled")
    cells = _cells([("Yes", "W1", "16-24", *other, 4), ("No", "W1", "16-24", *other, 40),
                    ("Yes", "W2", "16-24", *other, 30), ("No", "W2", "16-24", *other, 30),
                    ("Yes", "W3", "16-24", *other, 30), ("No", "W3", "16-24", *other, 30)])
    result = ga.question_results(cells, "single_choice", ["Yes", "No"], assignment=pd.Series({"W1": "A", "W2": "A"}))
    rows = result.rows.set_index(["level", "group", "option"])
    assert pd.isna(rows.loc[("ward", "W1", "Yes"), "respondents"])
    assert pd.isna(rows.loc[("area", "A", "Yes"), "respondents"])  # 34 = 4 + 30 would give W1's 4 away
    assert no_small_counts(result.rows[["respondents", "base"]])


def test_shares_by_ward_and_group_by_hand_without_weighting():
    cells = _cells([("Yes", "W1", "16-24", "Female", "White British", "Not disabled", 30),
                    ("No", "W1", "25-34", "Male", "White British", "Not disabled", 20),
                    ("Yes", "W2", "25-34", "Female", NOT_STATED, "Not disabled", 25),
                    ("No", "W2", "16-24", "Male", "White British", "Not disabled", 25)])
    result = ga.question_results(cells, "single_choice", ["Yes", "No"])
    rows = result.rows.set_index(["level", "dimension", "group", "option"])
    assert rows.loc[("borough", None, "Borough", "Yes"), "share"] == pytest.approx(55.0)
    assert rows.loc[("ward", None, "W1", "Yes"), "share"] == pytest.approx(60.0)
    assert rows.loc[("group", "sex", "Female", "Yes"), "share"] == pytest.approx(100.0)
    assert rows.loc[("group", "ethnicity", NOT_STATED, "Yes"), "base"] == 25
    assert rows["weighted_share"].isna().all() and not result.depends_on_who_replied


def test_multiple_choice_shares_of_respondents_can_add_up_to_more_than_100():
    other = ("Female", "White British", "Not disabled")
    cells = _cells([("Parks", "W1", "16-24", *other, 40), ("Roads", "W1", "16-24", *other, 30),
                    ("Parks", "W1", "25-34", *other, 20), ("Buses", "W1", "25-34", *other, 20)])
    with pytest.raises(ValueError, match="base"):
        ga.question_results(cells, "multiple_choice", ["Parks", "Roads", "Buses"])
    base = pd.DataFrame([("W1", "16-24", *other, 50), ("W1", "25-34", *other, 30)], columns=[*KEYS, "respondents"])
    result = ga.question_results(cells, "multiple_choice", ["Parks", "Roads", "Buses"], base=base)
    borough = result.rows[result.rows["level"] == "borough"].set_index("option")
    assert borough.loc["Parks", "share"] == pytest.approx(60 / 80 * 100)
    assert borough.loc["Roads", "share"] == pytest.approx(30 / 80 * 100)
    assert borough["share"].sum() > 100 and "more than 100%" in result.note
    assert (borough["base"] == 80).all()


def test_scale_mean_by_hand_and_no_mean_beside_a_hidden_cell():
    other = ("Female", "White British", "Not disabled")
    counts = {"W1": [40, 40, 60, 40, 40], "W2": [3, 20, 30, 20, 27], "W3": [11, 25, 30, 20, 27]}
    rows = [(str(v), w, "16-24", *other, n) for w, ns in counts.items() for v, n in zip(range(1, 6), ns, strict=True)]
    result = ga.question_results(_cells(rows), "scale", ["1", "2", "3", "4", "5"])
    means = result.means.set_index(["level", "group"])
    w1 = means.loc[("ward", "W1")]
    scores = np.repeat([1, 2, 3, 4, 5], counts["W1"])
    assert w1["mean"] == pytest.approx(scores.mean())
    half = stats.t.ppf(0.975, scores.size - 1) * scores.std(ddof=1) / np.sqrt(scores.size)
    assert w1["mean_low"] == pytest.approx(scores.mean() - half)
    assert w1["mean_high"] == pytest.approx(scores.mean() + half)
    assert np.isnan(means.loc[("ward", "W2"), "mean"])  # its 3 is hidden: mean and total would give it away
    assert np.isnan(means.loc[("ward", "W3"), "mean"])  # its 11 is hidden as the 3's partner
    everyone = np.repeat([1, 2, 3, 4, 5], np.sum(list(counts.values()), axis=0))
    assert means.loc[("borough", "Borough"), "mean"] == pytest.approx(everyone.mean())  # shown in full


def test_an_emoji_scale_scores_its_options_in_form_order():
    assert ga.scale_scores(["1", "2", "3", "4", "5"]) == {"1": 1.0, "2": 2.0, "3": 3.0, "4": 4.0, "5": 5.0}
    assert ga.scale_scores(["0", "5", "10"]) == {"0": 0.0, "5": 5.0, "10": 10.0}
    emoji = ["😞", "🙁", "😐", "🙂", "😀"]
    assert ga.scale_scores(emoji) == {e: float(i) for i, e in enumerate(emoji, start=1)}
    other = ("Female", "White British", "Not disabled")
    cells = _cells([(e, "W1", "16-24", *other, 20) for e in emoji])
    means = ga.question_results(cells, "scale", emoji).means
    assert means.loc[means["level"] == "borough", "mean"].iloc[0] == pytest.approx(3.0)


def test_the_weighting_summary_gives_no_respondent_count():
    other = ("Female", "White British", "Not disabled")
    cells = pd.DataFrame([("W1", "16-24", *other, 4), ("W1", "25-34", *other, 150)], columns=[*KEYS, "respondents"])
    _, summary = gw.respondent_weights(cells, _population(["W1"], age={"16-24": 500, "25-34": 500}))
    assert "respondents" not in summary.columns
    assert summary["effective_size"].notna().all()  # 154 respondents: at least 100
    _, small = gw.respondent_weights(cells.assign(respondents=[4, 30]),
                                     _population(["W1"], age={"16-24": 500, "25-34": 500}))
    assert small["effective_size"].isna().all()  # 34 respondents: close to a count, not given


# --- petitions ---------------------------------------------------------------------------------------

def test_petition_signatures_per_1000_and_progress_to_the_debate_threshold():
    signatures = pd.DataFrame({"activity_id": ["P1", "P1", "P1", "P2"], "ward_code": ["W1", "W2", None, "W1"],
                               "signatures": [300, 150, 50, 4]})
    petitions = pd.DataFrame({"activity_id": ["P1", "P2"], "title": ["Save the library", "Zebra crossing"],
                              "debate_threshold": [400, 1500]})
    by_ward, progress = ga.petition_progress(signatures, petitions, pd.Series({"W1": 6000.0, "W2": 5000.0}))
    cell = by_ward.set_index(["activity_id", "ward_code"])
    assert cell.loc[("P1", "W1"), "per_1000"] == pytest.approx(50.0)
    assert cell.loc[("P1", "W2"), "per_1000"] == pytest.approx(30.0)
    assert np.isnan(cell.loc[("P1", ga.UNPLACED), "per_1000"])  # no residents to divide by
    assert np.isnan(cell.loc[("P2", "W1"), "signatures"]) and no_small_counts(by_ward["signatures"])
    p = progress.set_index("activity_id")
    assert p.loc["P1", "signatures"] == 500 and p.loc["P1", "progress_pct"] == pytest.approx(125.0)
    assert bool(p.loc["P1", "reached"]) and p.loc["P1", "still_needed"] == 0
    assert np.isnan(p.loc["P2", "signatures"]) and np.isnan(p.loc["P2", "progress_pct"])
    assert not bool(p.loc["P2", "reached"])


# --- who keeps answering -------------------------------------------------------------------------------

def test_most_active_tenth_share_by_hand():
    assert gh.top_share(pd.DataFrame({"responses_each": [1, 10], "respondents": [90, 10]})) == pytest.approx(100 / 190)
    # ties: 95 people made 1 and 5 made 3; the top 10 are the 5 (15 responses) and 5 of the 95 (5)
    assert gh.top_share(pd.DataFrame({"responses_each": [1, 3], "respondents": [95, 5]})) == pytest.approx(20 / 110)
    assert gh.top_share(pd.DataFrame({"responses_each": [2], "respondents": [200]})) == pytest.approx(0.1)


def test_most_active_share_is_not_given_for_fewer_than_10_people():
    frequency = pd.DataFrame({"ward_code": ["W1", "W1", "W2", "W2"], "responses_each": [1, 10, 1, 4],
                              "respondents": [90, 10, 45, 5]})
    out = gh.most_active_share(frequency).set_index("ward_code")
    assert out.loc["W1", "top_share_pct"] == pytest.approx(100 / 190 * 100) and out.loc["W1", "top_people"] == 10
    assert np.isnan(out.loc["W2", "top_share_pct"])  # its top 10% would be 5 people
    assert out.loc["Borough", "people"] == 150 and out.loc["Borough", "responses"] == 255
    # borough: 150 people, top 15 = 10 making 10 each and 5 making 4 each: 120 of 255
    assert out.loc["Borough", "top_share_pct"] == pytest.approx(120 / 255 * 100)


def test_new_and_returning_by_ward_and_quarter_protected():
    counts = pd.DataFrame({"ward_code": ["W1", "W2", "W3", "W1", "W2", "W3"],
                           "quarter": ["2025 Q1"] * 3 + ["2025 Q2"] * 3,
                           "new": [40, 30, 20, 40, 15, 30], "returning": [0, 0, 0, 30, 4, 25]})
    out = gh.new_and_returning(counts).set_index(["quarter", "ward_code"])
    assert out.loc[("2025 Q2", "W1"), "returning_pct"] == pytest.approx(30 / 70 * 100)
    assert np.isnan(out.loc[("2025 Q2", "W2"), "returning"])  # 4
    assert out.loc[("2025 Q1", "Borough"), "people"] == 90
    assert no_small_counts(out[["new", "returning", "people"]])
    q2 = out.loc["2025 Q2"]
    assert q2["returning"].isna().sum() >= 2  # its partner in the column is hidden too


def test_response_yield_and_consultation_fatigue():
    years = [2021, 2022, 2023, 2024]
    counts = pd.DataFrame({"ward_code": ["W1"] * 4 + ["W2"] * 4, "year": years * 2,
                           "activities": [10, 12, 14, 16, 10, 10, 10, 10],
                           "responses": [1000, 900, 800, 700, 500, 500, 520, 510]})
    residents = pd.Series({"W1": 10000.0, "W2": 5000.0})
    long, flags = gh.response_yield(counts, residents, complete_years=years)
    cell = long.set_index(["ward_code", "year"])
    assert cell.loc[("W1", 2021), "yield_per_1000"] == pytest.approx(1000 / 10 / 10000 * 1000)
    assert cell.loc[("Borough", 2021), "yield_per_1000"] == pytest.approx(1500 / (10 * 10000 + 10 * 5000) * 1000)
    f = flags.set_index("ward_code")
    assert bool(f.loc["W1", "fatigue"]) and not bool(f.loc["W2", "fatigue"])
    assert f.loc["W1", "change_pct"] == pytest.approx(((700 / 16) / (900 / 12) - 1) * 100)
    _, partial = gh.response_yield(counts, residents, complete_years=[2021, 2022])
    assert not partial.set_index("ward_code")["fatigue"].any()  # two complete years cannot show two falls


def test_response_yield_hides_a_small_count_and_its_yield():
    counts = pd.DataFrame({"ward_code": ["W1", "W2", "W3"], "year": [2024] * 3, "activities": [3, 3, 3],
                           "responses": [5, 40, 60]})
    long, _ = gh.response_yield(counts, pd.Series({"W1": 1000.0, "W2": 1000.0, "W3": 1000.0}))
    cell = long.set_index("ward_code")
    assert np.isnan(cell.loc["W1", "responses"]) and np.isnan(cell.loc["W1", "yield_per_1000"])
    assert no_small_counts(long["responses"])
    assert TOTAL not in set(long["ward_code"])


def test_display_tables_show_hidden_not_small_counts():
    from render import tables as rt
    pop = _population([f"W{i}" for i in range(1, 6)], age={"16-24": 300, "25-64": 500, "65+": 200})
    other = ("16-24", "Female", "White British", "Not disabled")
    cells = pd.concat([_small_cells(5, ["Yes", "No"]), _cells([("Yes", "W6", *other, 3), ("No", "W6", *other, 30)])])
    result = ga.question_results(cells, "single_choice", ["Yes", "No"], pop)
    shown = rt.answer_table(result.rows, {"W1": "Ward One"})
    for column in ("Respondents choosing it", "Respondents answering"):
        assert not shown[column].str.fullmatch(r"[1-9]").any()
    assert (shown["Respondents choosing it"] == "hidden").any()
    assert "Ward One" in set(shown["Group"])
    assert set(shown["Depends on who replied"]) <= {"yes", ""}
    assert len(rt.weighting_table(result.weighting)) == len(result.weighting)
    years = rt.habits_table(pd.DataFrame({"ward_code": ["W1"], "year": [2024], "responses": [5.0]}))
    assert years.iloc[0].tolist() == ["W1", "2024", "5"]  # (a protected frame never holds a 5: format only)


# --- on the demo ---------------------------------------------------------------------------------------

def test_demo_planted_question_depends_on_who_replied_and_the_control_does_not(demo_db):
    """The demo plants one question where the young say yes and answer less (truth.json 'answers'), and a control
    asked the same way with one opinion for all: raw against weighted, flagged and not flagged."""
    import json

    import data_access as da
    from data_access.filters import EngagementFilter

    truth = json.loads((demo_db.parent / "inputs" / "truth.json").read_text(encoding="utf-8"))["answers"]
    with da.use_database(demo_db):
        questions = da.questions().set_index("question_id")
        population = da.population()
        flags = {}
        for plant in ("opinion_plant", "no_plant"):
            qid = truth[plant]["question_id"]
            q = questions.loc[qid]
            scope_filter = EngagementFilter(activity_ids=(q["activity_id"],))
            scope = da.activity_scope_wards(scope_filter)
            in_scope = population if scope is None else population[population["ward_code"].isin(scope)]
            result = ga.question_results(da.answer_cells(qid), q["kind"], ga.option_list(q["kind"], q["options"]),
                                         in_scope, limits=da.activity_age_limits(scope_filter))
            flags[plant] = result.depends_on_who_replied
            _check_protected(result, additive=True)
            if plant == "opinion_plant":
                yes = result.rows[(result.rows["level"] == "borough") & (result.rows["option"] == "Yes")].iloc[0]
                assert yes["weighted_share"] > yes["share_high"]  # the young, weighted up, say yes
    assert flags == {"opinion_plant": True, "no_plant": False}
