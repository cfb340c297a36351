"""Issue 11: participatory budgeting (geo/pb.py) — greedy and the Method of Equal Shares against pabutools and a
hand-worked instance, satisfaction and "who benefits" by ward and deprivation decile by hand, the pabulib .pb
round trip, and no count 1–9 in any output.

The known instance (budget £10, 4 projects, 7 voters):

    project  cost  ward  approved by                       votes
    A        5     W1    W1 ×3 (A,B), W2 ×1 (A,B,D)         4
    B        5     W1    the same four                     4
    C        5     W3    W2 ×2, W3 ×1                      3
    D        1     —     the W2 voter with A,B,D            1

Greedy by votes: A (4), B (4) → £10 spent, nothing else fits: {A, B}.
Equal Shares: each voter holds 10/7. A's 4 supporters pay 5/4 each (cheapest per pound of satisfaction, 1/4);
they are then left with 10/7 − 5/4 = 5/28 each, too little for B; C's 3 supporters hold 30/7 < 5. MES alone: {A}.
Completion: the voters' budget rises in steps of 1% of £10; once it reaches 5/3 each (a budget of 11.67), C's
supporters can pay 5 and the outcome {A, C} costs exactly £10 — feasible and exhaustive: {A, C}.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pabutools.election import ApprovalBallot, ApprovalProfile, Cardinality_Sat, Cost_Sat, Instance, Project
from pabutools.election.pabulib import parse_pabulib
from pabutools.rules import (
    completion_by_rule_combination,
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

from geo import pb
from geo.disclosure import TOTAL, DisclosurePolicy, no_small_counts
from render import charts

OPEN = DisclosurePolicy(threshold=1, min_base=1)  # shows every count: for hand-worked values only
POLICY = DisclosurePolicy()

PROJECTS = pd.DataFrame({
    "project_id": ["A", "B", "C", "D"], "activity_id": "pb1",
    "title": ["New play park", "Street lights", "Library; longer hours", "Bench"],
    "cost": [5.0, 5.0, 5.0, 1.0], "ward_code": ["W1", "W1", "W3", None], "easting": None, "northing": None,
    "category": ["green", "streets", None, "green"]})
BALLOTS = pd.DataFrame({"ward_code": ["W1", "W2", "W2", "W3"], "projects": ["A;B", "A;B;D", "C", "C"],
                        "voters": [3, 1, 2, 1]})
# Mean ranks → deciles: 30,000 → ceil(9.13) = 10; 5,000 → ceil(1.52) = 2; 1,000 → ceil(0.30) = 1.
DEPRIVATION = pd.DataFrame({"ward_code": ["W1", "W2", "W3", "W1"], "domain": ["IMD", "IMD", "IMD", "Income"],
                            "mean_rank": [30000.0, 5000.0, 1000.0, 10.0]})
SETS = {"greedy": {"A", "B"}, "mes": {"A", "C"}}


def _scaled(factor: int) -> pd.DataFrame:
    return BALLOTS.assign(voters=BALLOTS["voters"] * factor)


def _pabutools_by_hand(projects: pd.DataFrame, ballots: pd.DataFrame, budget: float):
    """The same election built voter by voter, the way pabutools' own documentation does."""
    objects = {p: Project(p, int(c)) for p, c in zip(projects["project_id"], projects["cost"], strict=True)}
    instance = Instance(objects.values(), budget_limit=int(budget))
    profile = ApprovalProfile(instance=instance)
    for pattern, voters in zip(ballots["projects"], ballots["voters"], strict=True):
        for _ in range(int(voters)):
            profile.append(ApprovalBallot(objects[p] for p in pattern.split(";")))
    return instance, profile


def _reference_mes(instance, profile) -> set[str]:
    """pabutools' documented completion: MES raised by exhaustion_by_budget_increase, then greedy (Cost_Sat)."""
    outcome = completion_by_rule_combination(
        instance, profile, [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
        [{"rule": method_of_equal_shares, "rule_params": {"sat_class": Cost_Sat}}, {"sat_class": Cost_Sat}])
    return {p.name for p in outcome}


# --- the two rules ------------------------------------------------------------------------------------------


def test_funded_sets_equal_the_hand_worked_answer_and_pabutools():
    assert pb.funded_sets(PROJECTS, BALLOTS, 10) == SETS
    instance, profile = pb.election(PROJECTS, BALLOTS, 10)
    assert pb.mes_set(instance, profile, completion=False) == {"A"}  # MES alone leaves £5 unspent
    hand_instance, hand_profile = _pabutools_by_hand(PROJECTS, BALLOTS, 10)
    greedy = greedy_utilitarian_welfare(hand_instance, hand_profile, sat_class=Cost_Sat)
    assert {p.name for p in greedy} == SETS["greedy"]
    assert _reference_mes(hand_instance, hand_profile) == SETS["mes"]
    # Greedy is by votes (Cost_Sat), not votes per pound (Cardinality_Sat would take A and the cheap D).
    assert {p.name for p in greedy_utilitarian_welfare(hand_instance, hand_profile, sat_class=Cardinality_Sat)} \
        == {"A", "D"}


def test_funded_sets_do_not_depend_on_scale():
    assert pb.funded_sets(PROJECTS, _scaled(10), 10) == SETS


def test_project_nobody_voted_for_is_never_funded():
    projects = pd.concat([PROJECTS, pd.DataFrame({"project_id": ["E"], "title": ["Unloved"], "cost": [1.0],
                                                  "ward_code": ["W2"]})], ignore_index=True)
    # Budget 12: greedy takes A, B, then D (1) → £1 left, which would fit E; E has no vote.
    sets = pb.funded_sets(projects, BALLOTS, 12)
    assert sets["greedy"] == {"A", "B", "D"}
    assert "E" not in sets["mes"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_completed_mes_agrees_with_pabutools_exhaustion_by_budget_increase(seed):
    rng = np.random.default_rng(seed)
    ids = [f"P{i}" for i in range(8)]
    projects = pd.DataFrame({"project_id": ids, "cost": rng.integers(2, 30, 8).astype(float), "ward_code": None})
    patterns = [";".join(sorted(rng.choice(ids, size=rng.integers(1, 4), replace=False))) for _ in range(25)]
    ballots = pd.DataFrame({"ward_code": "W1", "projects": patterns, "voters": rng.integers(1, 5, 25)})
    ballots = ballots.groupby(["ward_code", "projects"], as_index=False)["voters"].sum()
    instance, profile = _pabutools_by_hand(projects, ballots, 60)
    ours = pb.funded_sets(projects, ballots, 60)
    assert ours["mes"] == _reference_mes(instance, profile)
    assert ours["greedy"] == {p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)}


def test_project_results_side_by_side():
    out = pb.project_results(PROJECTS, BALLOTS, 10, OPEN)
    assert out["project_id"].tolist() == ["A", "B", "C", "D"]  # by votes, ties by id
    assert out["votes"].tolist() == [4, 4, 3, 1]
    assert out["funded_greedy"].tolist() == [True, True, False, False]
    assert out["funded_mes"].tolist() == [True, False, True, False]
    summary = pb.rule_summary(out, 10).set_index("rule")
    assert summary.loc["greedy", "spent"] == 10 and summary.loc["mes", "projects_funded"] == 2
    hidden = pb.project_results(PROJECTS, BALLOTS, 10, POLICY, sets=SETS)
    assert hidden["votes"].isna().all()  # 4, 4, 3, 1 are all under 10
    assert hidden["funded_mes"].tolist() == [True, False, True, False]


def test_tallies_by_ward_protected_as_one_table():
    grid = pb.tallies_by_ward(PROJECTS, _scaled(10), OPEN)
    assert grid.loc["W2"].tolist() == [10, 10, 20, 10] and grid.loc[TOTAL].tolist() == [40, 40, 30, 10]
    shown = pb.tallies_by_ward(PROJECTS, BALLOTS.assign(voters=[30, 5, 20, 12]), POLICY)
    assert pd.isna(shown.loc["W2", "A"])  # 5 hidden …
    assert shown["A"].isna().sum() >= 2  # … and another cell of A's column, so 35 − 30 gives nothing away
    assert no_small_counts(shown)


# --- satisfaction -----------------------------------------------------------------------------------------


def test_ward_deciles_from_mean_rank():
    assert pb.ward_deciles(DEPRIVATION).to_dict() == {"W1": 10, "W2": 2, "W3": 1}


def test_satisfaction_by_ward_by_hand():
    # Greedy {A,B}: W1 3 voters fully satisfied; W2 the A,B,D voter 2/3, the two C voters 0; W3 the C voter 0.
    # MES {A,C}: W1 1/2 each; W2 1/3, 1, 1; W3 1.
    out = pb.satisfaction(PROJECTS, BALLOTS, SETS, DEPRIVATION, OPEN).by_ward
    assert out["voters"].to_dict() == {"W1": 3, "W2": 3, "W3": 1, TOTAL: 7}
    assert out["nothing_greedy"].to_dict() == {"W1": 0, "W2": 2, "W3": 1, TOTAL: 3}
    assert out["nothing_mes"].to_dict() == {"W1": 0, "W2": 0, "W3": 0, TOTAL: 0}
    expected = {"satisfaction_greedy": [100, 200 / 9, 0, 100 * 11 / 21],
                "satisfaction_mes": [50, 700 / 9, 100, 100 * 29 / 42],
                "nothing_share_greedy": [0, 200 / 3, 100, 300 / 7]}
    for column, values in expected.items():
        assert out[column].tolist() == pytest.approx(values)
    assert out["decile"].tolist()[:3] == [10, 2, 1] and pd.isna(out["decile"].iloc[3])


def test_satisfaction_by_decile_by_hand():
    out = pb.satisfaction(PROJECTS, BALLOTS, SETS, DEPRIVATION, OPEN).by_decile
    assert out.index.tolist() == ["1", "2", "10", TOTAL]
    assert out["voters"].tolist() == [1, 3, 3, 7]
    assert out["satisfaction_mes"].tolist() == pytest.approx([100, 700 / 9, 50, 100 * 29 / 42])


def test_satisfaction_under_the_disclosure_rules():
    out = pb.satisfaction(PROJECTS, _scaled(10), SETS, DEPRIVATION, POLICY).by_ward
    assert out.loc["W3", "voters"] == 10  # shown, but a base under 25:
    assert out.loc[["W3"], ["satisfaction_greedy", "nothing_share_greedy", "satisfaction_mes"]].isna().all(axis=None)
    assert out.loc["W2", "satisfaction_mes"] == pytest.approx(700 / 9)
    small = pb.satisfaction(PROJECTS, BALLOTS, SETS, DEPRIVATION, POLICY)
    assert small.by_ward["voters"].drop(TOTAL).isna().all()
    assert small.by_ward.filter(like="satisfaction").isna().all(axis=None)


def test_hidden_ward_count_cannot_be_recovered_from_its_decile():
    # W1 and W4 share decile 10: 5 voters in W4 are hidden, and so must be W1's or the decile's total.
    deprivation = pd.concat([DEPRIVATION, pd.DataFrame({"ward_code": ["W4"], "domain": ["IMD"],
                                                        "mean_rank": [31000.0]})])
    ballots = pd.concat([_scaled(10), pd.DataFrame({"ward_code": ["W4"], "projects": ["A"], "voters": [5]})])
    out = pb.satisfaction(PROJECTS, ballots, SETS, deprivation, POLICY)
    assert pd.isna(out.by_ward.loc["W4", "voters"])
    assert pd.isna(out.by_ward.loc["W1", "voters"]) or pd.isna(out.by_decile.loc["10", "voters"])
    assert no_small_counts(out.by_ward[["voters", "nothing_greedy", "nothing_mes"]])


# --- who benefits ----------------------------------------------------------------------------------------


def test_who_benefits_by_hand():
    out = pb.who_benefits(PROJECTS, _scaled(10), SETS, DEPRIVATION, POLICY)
    ward = out.by_ward
    assert ward.index.tolist() == ["W1", "W2", "W3", pb.BOROUGH_WIDE, TOTAL]
    assert ward["money_greedy"].tolist() == [10, 0, 0, 0, 10]
    assert ward["money_mes"].tolist() == [5, 0, 5, 0, 10]
    assert ward["money_share_mes"].tolist() == [50, 0, 50, 0, 100]
    assert ward["voters"].tolist() == [30, 30, 10, 0, 70]
    assert ward["voter_share"].tolist() == pytest.approx([300 / 7, 300 / 7, 100 / 7, 0, 100])
    # Greedy puts all the money in the least deprived ward (decile 10); Equal Shares half in decile 1.
    decile = out.by_decile
    assert decile.loc["10", "money_share_greedy"] == 100 and decile.loc["1", "money_share_mes"] == 50
    sat = pb.satisfaction(PROJECTS, _scaled(10), SETS, DEPRIVATION, POLICY).by_ward
    assert ward["voters"].drop(pb.BOROUGH_WIDE).equals(sat["voters"])  # one table, the same cells


# --- pabulib .pb files --------------------------------------------------------------------------------------


def _section(text: str, name: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(name) + 1
    ends = [i for i in range(start, len(lines)) if lines[i] in ("META", "PROJECTS", "VOTES")]
    return lines[start:ends[0] if ends else len(lines)]


def test_pabulib_round_trip(tmp_path):
    ballots = _scaled(10)
    text = pb.export_pabulib(PROJECTS, ballots, 10, {"unit": "Demo borough", "instance": "pb1"})
    path = tmp_path / "pb1.pb"
    path.write_text(text, encoding="utf-8")
    instance, profile = parse_pabulib(str(path))  # pabutools' own file reader
    assert instance.budget_limit == 10 and profile.num_ballots() == 70 and instance.meta["unit"] == "Demo borough"
    assert {p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)} == SETS["greedy"]
    assert _reference_mes(instance, profile) == SETS["mes"]
    back = pb.import_pabulib(path.read_text(encoding="utf-8"), "pb1")
    assert back.budget == 10
    assert back.projects[["project_id", "cost"]].to_dict("list") == {
        "project_id": ["A", "B", "C", "D"], "cost": [5.0, 5.0, 5.0, 1.0]}
    assert back.projects["ward_code"].tolist()[:3] == ["W1", "W1", "W3"] and pd.isna(back.projects["ward_code"][3])
    assert back.projects["title"].tolist() == ["New play park", "Street lights", "Library, longer hours", "Bench"]
    assert back.ballots.set_index("projects")["voters"].to_dict() == {"A;B": 30, "A;B;D": 10, "C": 30}
    assert back.ballots["ward_code"].isna().all()
    assert pb.funded_sets(back.projects, back.ballots, back.budget) == SETS


def test_pabulib_export_holds_ballots_only():
    text = pb.export_pabulib(PROJECTS, _scaled(10), 10)
    votes = _section(text, "VOTES")
    assert votes[0] == "voter_id;vote"  # no ward, age or sex
    assert [line.split(";")[0] for line in votes[1:]] == [str(i) for i in range(1, 71)]
    assert not any(w in line for line in votes for w in ("W1", "W2", "W3"))
    with pytest.raises(ValueError, match="at least 25 voters"):
        pb.export_pabulib(PROJECTS, BALLOTS, 10)  # 7 voters: a file of so few ballots is not exported


def test_pabulib_import_reads_a_voter_ward_and_pence():
    text = "\n".join([
        "META", "key;value", "description;test", "country;UK", "unit;x", "instance;y", "num_projects;2",
        "num_votes;3", "budget;20.5", "vote_type;approval", "rule;greedy",
        "PROJECTS", "project_id;cost;name", "1;12.5;Swings", "2;8;Bins",
        "VOTES", "voter_id;ward_code;vote", "a;E05000001;1,2", "b;E05000001;2,1", "c;None;2"])
    back = pb.import_pabulib(text, "imported")
    assert back.budget == 20.5 and back.projects["cost"].tolist() == [12.5, 8.0]
    assert back.projects["activity_id"].unique().tolist() == ["imported"]
    rows = {(None if pd.isna(w) else w, p): n for w, p, n in back.ballots.itertuples(index=False)}
    assert rows == {("E05000001", "1;2"): 2, (None, "2"): 1}
    assert pb.funded_sets(back.projects, back.ballots, back.budget)["greedy"] == {"1", "2"}


# --- disclosure over every output ------------------------------------------------------------------------------


@pytest.mark.parametrize("factor", [1, 3, 10])
def test_no_count_from_1_to_9_in_any_output(factor):
    ballots = pd.concat([_scaled(factor), pd.DataFrame({"ward_code": [None, "W1"], "projects": ["D", "C;D"],
                                                        "voters": [4, 2 * factor]})])
    results = pb.project_results(PROJECTS, ballots, 10, POLICY)
    sets = pb.funded_sets(PROJECTS, ballots, 10)
    sat = pb.satisfaction(PROJECTS, ballots, sets, DEPRIVATION, POLICY)
    who = pb.who_benefits(PROJECTS, ballots, sets, DEPRIVATION, POLICY)
    counts = [results["votes"], pb.tallies_by_ward(PROJECTS, ballots, POLICY), who.by_ward["voters"],
              who.by_decile["voters"]]
    counts += [frame[["voters", "nothing_greedy", "nothing_mes"]] for frame in (sat.by_ward, sat.by_decile)]
    assert all(no_small_counts(c) for c in counts)
    for frame in (sat.by_ward, sat.by_decile):  # shares of the row's voters: a base of at least 25
        small_base = frame["voters"].isna() | (frame["voters"] < POLICY.min_base)
        assert frame.loc[small_base].filter(regex="satisfaction|nothing_share").isna().all(axis=None)
    for frame in (who.by_ward, who.by_decile):  # shares of all voters: hidden with the count
        assert frame.loc[frame["voters"].isna(), "voter_share"].isna().all()


# --- chart ------------------------------------------------------------------------------------------------------------


def test_pb_figure_colours_by_outcome_and_hides_small_counts():
    figure = charts.pb_figure(pb.project_results(PROJECTS, _scaled(10), 10, POLICY, sets=SETS), "Votes <b>")
    names = {t["name"]: t for t in figure["data"]}
    assert set(names) == {"Funded under both rules", "Greedy only", "Equal Shares only", "Not funded"}
    assert names["Greedy only"]["x"] == [40.0] and names["Equal Shares only"]["y"] == ["Library; longer hours"]
    assert names["Not funded"]["x"] == [10.0]
    hidden = charts.pb_figure(pb.project_results(PROJECTS, BALLOTS, 10, POLICY, sets=SETS))
    assert all(v is None for t in hidden["data"] for v in t["x"])
    assert all(text == "hidden" for t in hidden["data"] for text in t["text"])
    assert figure["layout"]["title"]["text"] == "Votes &lt;b&gt;"
    assert math.isfinite(figure["layout"]["height"])


def test_no_ballots_and_no_budget():
    empty = BALLOTS.iloc[0:0]
    assert pb.funded_sets(PROJECTS, empty, 10) == {"greedy": set(), "mes": set()}
    sat = pb.satisfaction(PROJECTS, empty, {"greedy": set(), "mes": set()}, DEPRIVATION, POLICY)
    assert sat.by_ward["voters"].tolist() == [0, 0, 0, 0] and sat.by_ward["satisfaction_mes"].isna().all()
    assert pb.project_results(PROJECTS, empty, 10, POLICY)["votes"].tolist() == [0, 0, 0, 0]
    with pytest.raises(ValueError, match="budget"):
        pb.funded_sets(PROJECTS, BALLOTS, float("nan"))
