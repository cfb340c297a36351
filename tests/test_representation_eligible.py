"""Issue 10: eligible residents, age groups rebuilt for the bands respondents used, both directions, one number per
dimension, and flags that survive suppression without giving a count away.

Everything is built here in code (a tiny borough, a 16+ consultation, planted groups chosen here, not the demo's),
so every expected answer is known.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from geo import eligibility as el
from geo import representation as rp
from geo import representativeness as rs
from geo.disclosure import DisclosurePolicy, no_small_counts
from render import charts, tables
from vocabulary import AGE_BANDS, NOT_STATED, OTHER_ANSWER, UNITEMISED

POLICY = DisclosurePolicy()
CENSUS = list(AGE_BANDS)  # 0-15, 16-24, 25-34, 35-49, 50-64, 65+


# --- age groups and the rebuilt comparator ---------------------------------------------------

def test_band_intervals():
    assert el.band_interval("16-24") == (16, 25)
    assert el.band_interval("65+") == (65, 90) and el.band_interval("75+") == (75, 90)
    assert el.band_interval(NOT_STATED) is None and el.band_interval(None) is None
    assert el.band_label(16, 25) == "16-24" and el.band_label(65, 90) == "65+"


def test_form_bands_that_straddle_census_bands_are_kept_and_gaps_take_census_bands():
    form = ["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+", NOT_STATED]
    groups, where = el.age_groups(form, CENSUS)
    assert [el.band_label(*g) for g in groups] == ["0-15", "16-17", "18-24", "25-34", "35-44", "45-54", "55-64",
                                                   "65-74", "75+"]
    assert where == {b: b for b in form if b != NOT_STATED}


def test_overlapping_band_sets_coarsen_to_common_bands():
    # Exact ages gave census bands (35-49, 50-64); a form gave 45-54: 35-49 ∪ 45-54 ∪ 50-64 = 35-64.
    groups, where = el.age_groups(["16-24", "35-49", "45-54", "50-64", "65+"], CENSUS)
    assert [el.band_label(*g) for g in groups] == ["0-15", "16-24", "25-34", "35-64", "65+"]
    assert where == {"16-24": "16-24", "35-49": "35-64", "45-54": "35-64", "50-64": "35-64", "65+": "65+"}


def test_census_bands_stay_census_bands():
    groups, _ = el.age_groups(CENSUS, CENSUS)
    assert [el.band_label(*g) for g in groups] == CENSUS


def _age_pop(wards: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame([{"ward_code": w, "dimension": "age", "category": c, "persons": p}
                         for w, values in wards.items() for c, p in zip(CENSUS, values, strict=True)])


def test_comparator_uniform_split_by_single_year_and_age_limits():
    pop = _age_pop({"A": [160, 90, 100, 150, 150, 250]})
    groups, _ = el.age_groups(["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"], CENSUS)
    got = el.age_comparator(pop, groups).set_index("category")["persons"]
    # 16-24 is 9 single years: 16-17 gets 2/9 of 90, 18-24 7/9; 35-49 (15 years) gives 35-44 10/15 and 45-54
    # 5/15, with 50-64 (15 years) giving 45-54 5/15 and 55-64 10/15; 65+ is 65–89 (25 years): 65-74 10/25.
    assert got["16-17"] == pytest.approx(20) and got["18-24"] == pytest.approx(70)
    assert got["35-44"] == pytest.approx(100) and got["45-54"] == pytest.approx(50 + 50)
    assert got["55-64"] == pytest.approx(100)
    assert got["65-74"] == pytest.approx(100) and got["75+"] == pytest.approx(150)
    assert got.sum() == pytest.approx(900)
    # An 18–70 programme: nobody under 18 or over 70 could take part.
    eligible = el.age_comparator(pop, groups, (18, 70)).set_index("category")["persons"]
    assert eligible["0-15"] == 0 and eligible["16-17"] == 0 and eligible["75+"] == 0
    assert eligible["65-74"] == pytest.approx(250 * 6 / 25)  # 65..70


def test_other_dimensions_keep_their_shares_scaled_by_the_eligible_fraction():
    pop = pd.concat([_age_pop({"A": [200, 90, 100, 150, 150, 110]}),
                     pd.DataFrame({"ward_code": "A", "dimension": "sex", "category": ["Female", "Male"],
                                   "persons": [480.0, 320.0]})])
    got = el.eligible_population(pop, "sex", ["Female", "Male"], (16, None)).set_index("category")["persons"]
    assert got["Female"] == pytest.approx(480 * 600 / 800) and got["Male"] == pytest.approx(320 * 600 / 800)
    unchanged = el.eligible_population(pop, "sex", [], (None, None)).set_index("category")["persons"]
    assert unchanged["Female"] == 480


def test_respondent_answers_move_into_their_group():
    groups = pd.DataFrame({"ward_code": ["A"] * 4, "category": ["35-49", "45-54", NOT_STATED, "16-24"],
                           "respondents": [30, 20, 5, 40]})
    got = el.respondent_age_groups(groups, CENSUS).set_index("category")["respondents"]
    assert got.to_dict() == {"35-54": 50, NOT_STATED: 5, "16-24": 40}


def test_activity_age_limits_are_the_widest_of_the_filter(tmp_path):
    import data_access as da
    from data_access import EngagementFilter

    path = tmp_path / "limits.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""CREATE TABLE activities (activity_id VARCHAR, kind VARCHAR, owner VARCHAR, opened DATE,
                   closed DATE, min_age INTEGER, max_age INTEGER)""")
    con.execute("""INSERT INTO activities VALUES ('a', 'consultation', 'x', '2025-01-01', '2025-02-01', 16, NULL),
                   ('b', 'survey', 'x', '2025-03-01', '2025-04-01', 18, 70),
                   ('c', 'survey', 'y', '2025-05-01', '2025-06-01', 11, 25)""")
    con.close()
    with da.use_database(path):
        assert da.activity_age_limits(EngagementFilter()) == (11, None)
        assert da.activity_age_limits(EngagementFilter(kinds=("survey",))) == (11, 70)
        assert da.activity_age_limits(EngagementFilter(activity_ids=("b",))) == (18, 70)
        assert da.activity_age_limits(EngagementFilter(owners=("nobody",))) == (None, None)


def test_activity_scope_wards_are_the_union_unless_one_is_borough_wide(tmp_path):
    import data_access as da
    from data_access import EngagementFilter

    path = tmp_path / "scope.duckdb"
    con = duckdb.connect(str(path))
    con.execute("""CREATE TABLE activities (activity_id VARCHAR, kind VARCHAR, owner VARCHAR, opened DATE,
                   closed DATE, scope VARCHAR)""")
    con.execute("""INSERT INTO activities VALUES ('a', 'consultation', 'x', '2025-01-01', '2025-02-01', 'W2;W1'),
                   ('b', 'survey', 'x', '2025-03-01', '2025-04-01', 'W3'),
                   ('c', 'event', 'y', '2025-05-01', '2025-06-01', 'borough')""")
    con.close()
    with da.use_database(path):
        assert da.activity_scope_wards(EngagementFilter(owners=("x",))) == ("W1", "W2", "W3")
        assert da.activity_scope_wards(EngagementFilter(activity_ids=("b",))) == ("W3",)
        assert da.activity_scope_wards(EngagementFilter()) is None  # 'c' is open to the whole borough
        assert da.activity_scope_wards(EngagementFilter(kinds=("petition",))) is None  # no activity: no limit


def test_scope_is_checked_against_the_wards_and_stored_as_codes():
    from etl.errors import InputError
    from etl.stages.engagement import _scopes, scope_wards

    assert scope_wards(" Borough ") == [] and scope_wards(None) == [] and scope_wards("W1; W2,W3") == ["W1", "W2", "W3"]
    acts = pd.DataFrame({"scope": ["borough", "W1, W2", None]}, index=[2, 3, 4])
    _scopes(acts, {"W1", "W2"}, Path("activities.csv"))
    assert list(acts["scope"]) == ["borough", "W1;W2", "borough"]
    with pytest.raises(InputError, match="W9"):
        _scopes(pd.DataFrame({"scope": ["W9"]}, index=[2]), {"W1"}, Path("activities.csv"))


# --- a tiny borough, a 16+ consultation, planted groups ---------------------------------------

AGE_POP = _age_pop({  # residents by census age band
    "W1": [1800, 1100, 1300, 2000, 1800, 1500], "W2": [2000, 1000, 1500, 2100, 1700, 1400],
    "W3": [1500, 1200, 1400, 1900, 1900, 1600], "W4": [1700, 900, 1200, 2200, 2000, 1700],
    "W5": [1900, 1000, 1600, 2000, 1600, 1300], "W6": [1600, 1300, 1300, 1800, 1900, 1500]})
RESPONDENTS = {"W1": 600, "W2": 400, "W3": 300, "W4": 350, "W5": 320, "W6": 380}
PLANTED = {("W1", "16-24"): 0.25, ("W2", "65+"): 1.6}  # under in W1, over in W2


def _planted_responses(planted: dict, not_stated: float = 0.05) -> pd.DataFrame:
    """Respondents per ward and census band in proportion to the eligible residents (16+), rounded, except the
    planted cells, whose rate is multiplied by the factor given; a share say 'Not stated'. No one under 16."""
    eligible = el.eligible_population(AGE_POP, "age", CENSUS, (16, None))
    rows = []
    for ward, n in RESPONDENTS.items():
        pop = eligible[eligible["ward_code"] == ward].set_index("category")["persons"]
        weight = pop * pd.Series({c: planted.get((ward, c), 1.0) for c in pop.index})
        stated = n * (1 - not_stated)
        counts = (weight / weight.sum() * stated).round()
        rows += [{"ward_code": ward, "category": c, "respondents": int(v)} for c, v in counts.items() if v > 0]
        rows.append({"ward_code": ward, "category": NOT_STATED, "respondents": round(n * not_stated)})
    return pd.DataFrame(rows)


def test_exactly_the_planted_groups_are_flagged_in_each_direction():
    groups = _planted_responses(PLANTED)
    # A few answers of 0-15 (typing errors, or a parent answering for a child) in a 16+ consultation.
    groups = pd.concat([groups, pd.DataFrame({"ward_code": ["W1", "W3"], "category": "0-15",
                                              "respondents": [12, 15]})], ignore_index=True)
    eligible = el.eligible_population(AGE_POP, "age", list(groups["category"].unique()), (16, None))
    matrix = rp.representation_matrix(eligible, groups, list(RESPONDENTS), "age", POLICY)
    flagged = {(r.ward_code, r.group): r.flag for r in matrix.itertuples() if r.flag}
    assert flagged == {("W1", "16-24"): "under", ("W2", "65+"): "over"}
    # 0-15: no one under 16 could take part, so it is never tested, in any ward or borough-wide: its answers
    # are reported beside the table, outside the base of the shares.
    assert "0-15" not in set(matrix["group"])
    borough = rp.borough_representation(eligible, groups, "age", POLICY).set_index("group")
    assert borough.at["0-15", "kind"] == "not_eligible" and borough.at["0-15", "flag"] == ""
    assert borough.at["0-15", "respondents"] == 27 and borough.at["0-15", "residents"] == 0
    stated = borough.loc[borough["kind"] == "group", "respondents"].sum()
    assert borough.at[rp.STATED, "respondents"] == stated  # 0-15 answers not in the base
    ward = rp.ward_representation(eligible, groups, "W1", "age", POLICY)
    table = tables.representation_table(ward, "Age", POLICY).set_index("Age")
    assert table.at["0-15", "Flag (two-sided test)"] == "not tested (no one in it could take part)"
    assert table.at["16-24", "Flag (two-sided test)"] == "▼ under-represented"
    # Against every resident (under-16s in the denominator, as before issue 10) every adult group's index is
    # inflated by residents ÷ residents 16+, and 0-15 (which no one answered) is reported, not flagged.
    groups = _planted_responses(PLANTED)
    naive = rp.representation_matrix(AGE_POP, groups, list(RESPONDENTS), "age", POLICY)
    matrix = rp.representation_matrix(el.eligible_population(AGE_POP, "age", CENSUS, (16, None)), groups,
                                      list(RESPONDENTS), "age", POLICY)
    assert (naive.loc[naive["group"] == "0-15", "status"] == "no respondents").all()
    w3 = naive[(naive["ward_code"] == "W3") & (naive["group"] == "35-49")]["index"].iloc[0]
    fair = matrix[(matrix["ward_code"] == "W3") & (matrix["group"] == "35-49")]["index"].iloc[0]
    assert fair == pytest.approx(1.0, abs=0.02) and w3 == pytest.approx(fair * 9500 / 8000, rel=1e-6)


def test_planted_groups_with_a_form_band_set_and_an_18_plus_programme():
    # The form asks 18-24, 25-34, 35-44, 45-54, 55-64, 65-74, 75+; the programme is 18+.
    form = ["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
    groups_, _ = el.age_groups(form, CENSUS)
    comparator = el.age_comparator(AGE_POP, groups_, (18, None))
    rows = []
    for ward, n in RESPONDENTS.items():
        pop = comparator[comparator["ward_code"] == ward].set_index("category")["persons"].reindex(form)
        factor = pd.Series({b: {("W4", "75+"): 0.2, ("W5", "25-34"): 1.8}.get((ward, b), 1.0) for b in form})
        counts = (pop * factor / (pop * factor).sum() * n).round()
        rows += [{"ward_code": ward, "category": b, "respondents": int(v)} for b, v in counts.items()]
    groups = pd.DataFrame(rows)
    eligible = el.eligible_population(AGE_POP, "age", form, (18, None))
    matrix = rp.representation_matrix(eligible, groups, list(RESPONDENTS), "age", POLICY)
    assert {(r.ward_code, r.group): r.flag for r in matrix.itertuples() if r.flag} == \
        {("W4", "75+"): "under", ("W5", "25-34"): "over"}
    assert not set(matrix["group"]) & {"0-15", "16-17"}  # nobody under 18 could take part: never tested


def test_no_respondents_in_a_group_is_reported_not_flagged():
    # A 16+ programme whose form started at 18: 16-17 has eligible residents but nobody could answer it.
    form = ["18-24", "25-34", "35-49", "50-64", "65+"]
    groups = pd.DataFrame([{"ward_code": w, "category": b, "respondents": 60} for w in RESPONDENTS for b in form])
    eligible = el.eligible_population(AGE_POP, "age", form, (16, None))
    rep = rp.borough_representation(eligible, groups, "age", POLICY).set_index("group")
    assert rep.at["16-17", "residents"] > 0 and rep.at["16-17", "status"] == "no respondents"
    assert rep.at["16-17", "flag"] == "" and rep.at["16-17", "test_basis"] == ""
    table = tables.representation_table(rep.reset_index(), "Age", POLICY).set_index("Age")
    assert table.at["16-17", "Flag (two-sided test)"] == "no respondents (check who could take part)"
    assert table.at["0-15", "Flag (two-sided test)"] == "not tested (no one in it could take part)"


def test_other_answers_and_unitemised_residents_never_enter_the_test_or_the_base():
    pop = pd.DataFrame({"ward_code": "A", "dimension": "sex", "category": ["Female", "Male", UNITEMISED],
                        "persons": [500.0, 450.0, 50.0]})
    groups = pd.DataFrame({"ward_code": "A", "category": ["Female", "Male", OTHER_ANSWER, NOT_STATED],
                           "respondents": [100, 90, 12, 15]})
    rep = rp.borough_representation(pop, groups, "sex", POLICY).set_index("group")
    assert list(rep.index) == ["Female", "Male", rp.STATED, OTHER_ANSWER, NOT_STATED, rp.ALL_RESPONDENTS, UNITEMISED]
    assert rep.at[rp.STATED, "respondents"] == 190 and rep.at[rp.ALL_RESPONDENTS, "respondents"] == 217
    assert rep.at["Female", "respondent_share"] == pytest.approx(100 / 190 * 100)
    assert rep.at["Female", "resident_share"] == pytest.approx(500 / 950 * 100)  # unitemised not in the base
    assert rep.at["Female", "index"] == pytest.approx((100 / 190) / (500 / 950))
    for label in (OTHER_ANSWER, NOT_STATED, UNITEMISED):
        assert rep.at[label, "test_basis"] == "" and not rep.at[label, "under_represented"]
    assert rep.at[UNITEMISED, "residents"] == 50 and rep.at[UNITEMISED, "kind"] == "unitemised"
    table = tables.representation_table(rep.reset_index(), "Sex", POLICY).set_index("Sex")
    assert table.at[UNITEMISED, "Flag (two-sided test)"] == "not tested (no one can give this answer)"
    assert table.at[OTHER_ANSWER, "Flag (two-sided test)"] == "not tested (no census group)"


# --- with no bias, how often a table flags anything -------------------------------------------

def null_flag_rate(n_tables: int = 1000, seed: int = 10) -> float:
    """Share of tables (wards) with any group flagged, either direction, when respondents are drawn in proportion.

    Small tables: 5 groups with shares 0.35/0.25/0.2/0.12/0.08, 60–400 respondents, 5% Not stated, protected
    as one wards × groups table (so small cells take the bounds path, as on the real pages)."""
    rng = np.random.default_rng(seed)
    shares = np.array([0.35, 0.25, 0.2, 0.12, 0.08])
    cats = [f"g{i}" for i in range(len(shares))]
    codes = [f"T{i:04d}" for i in range(n_tables)]
    pop = pd.DataFrame({"ward_code": np.repeat(codes, len(cats)), "dimension": "x",
                        "category": np.tile(cats, n_tables), "persons": np.tile(shares * 10000, n_tables)})
    n = rng.integers(60, 401, n_tables)
    counts = rng.multinomial(n, np.append(shares * 0.95, 0.05))
    groups = pd.DataFrame({"ward_code": np.repeat(codes, len(cats) + 1),
                           "category": np.tile(cats + [NOT_STATED], n_tables), "respondents": counts.ravel()})
    matrix = rp.representation_matrix(pop, groups[groups["respondents"] > 0], codes, "x", POLICY)
    return float(matrix.groupby("ward_code")["flag"].apply(lambda f: (f != "").any()).mean())


def test_with_no_bias_at_most_five_percent_of_tables_flag_anything():
    assert null_flag_rate() <= 0.05


# --- one number per dimension ---------------------------------------------------------------

def test_representation_score_and_r_indicator_by_hand():
    pop = pd.DataFrame({"ward_code": "A", "dimension": "sex", "category": ["Female", "Male"],
                        "persons": [6000.0, 4000.0]})
    groups = pd.DataFrame({"ward_code": "A", "category": ["Female", "Male", NOT_STATED],
                           "respondents": [300, 100, 40]})
    rep = rp.borough_representation(pop, groups, "sex", POLICY)
    row, partials = rs.dimension_summary(rep, "sex")
    scale = 440 / 400  # Not stated spread over the groups in proportion
    rho = np.array([300 * scale / 6000, 100 * scale / 4000])
    mean = 440 / 10000
    s = math.sqrt((6000 * (rho[0] - mean) ** 2 + 4000 * (rho[1] - mean) ** 2) / 9999)
    assert row["r"] == pytest.approx(1 - 2 * s)
    assert row["score"] == pytest.approx(rho[1] / rho[0]) and row["lowest"] == "Male" and row["highest"] == "Female"
    assert row["r_low"] <= row["r"] <= row["r_high"] and row["score_low"] <= row["score"] <= row["score_high"]
    assert row["rate_per_1000"] == pytest.approx(44.0)
    assert list(partials["partial"]) == pytest.approx(list(np.sqrt([0.6, 0.4]) * (rho - mean)))
    assert (partials["partial"] ** 2).sum() == pytest.approx(((rho - mean) ** 2 * [0.6, 0.4]).sum())


def test_r_indicator_hidden_when_a_count_is_hidden():
    pop = pd.DataFrame({"ward_code": "A", "dimension": "sex", "category": ["Female", "Male"],
                        "persons": [6000.0, 4000.0]})
    groups = pd.DataFrame({"ward_code": "A", "category": ["Female", "Male", NOT_STATED], "respondents": [300, 4, 40]})
    row, partials = rs.dimension_summary(rp.borough_representation(pop, groups, "sex", POLICY), "sex")
    assert row["note"] == "hidden" and math.isnan(row["r"]) and partials.empty
    table = tables.representativeness_table(pd.DataFrame([row]), {"sex": "Sex"})
    assert table.at[0, "R-indicator"] == "hidden"


# --- flags survive suppression, and no count can be recovered -----------------------------------

def _suppressed_borough():
    """Ward A has a small group (4 of ~300, hidden) that is far below its 15% share; B and C are ordinary."""
    pop = pd.DataFrame([{"ward_code": w, "dimension": "ethnicity", "category": c, "persons": p}
                        for w, cats in {"A": {"G1": 6000, "G2": 2500, "G3": 1500},
                                        "B": {"G1": 5000, "G2": 3000, "G3": 2000},
                                        "C": {"G1": 7000, "G2": 2000, "G3": 1000}}.items()
                        for c, p in cats.items()])
    groups = pd.DataFrame([{"ward_code": w, "category": c, "respondents": n}
                           for w, cats in {"A": {"G1": 210, "G2": 80, "G3": 4, NOT_STATED: 12},
                                           "B": {"G1": 150, "G2": 95, "G3": 60, NOT_STATED: 20},
                                           "C": {"G1": 200, "G2": 60, "G3": 7, NOT_STATED: 25}}.items()
                           for c, n in cats.items()])
    return pop, groups


def test_hidden_cells_keep_their_flag_and_show_a_band_in_the_heatmap_and_ward_table():
    pop, groups = _suppressed_borough()
    matrix = rp.representation_matrix(pop, groups, ["A", "B", "C"], "ethnicity", POLICY).set_index(
        ["ward_code", "group"])
    cell = matrix.loc[("A", "G3")]
    assert math.isnan(cell["respondents"]) and math.isnan(cell["index"]) and cell["test_basis"] == "bounds"
    assert cell["flag"] == "under"
    band = rp.index_band(cell["index_min"], cell["index_max"])
    assert band == "below 0.5"
    fig = charts.heatmap_figure(matrix.reset_index(), {}, ["G1", "G2", "G3"], "t")
    trace = fig["data"][0]
    assert trace["text"][0][2] == "▼" and trace["z"][0][2] == pytest.approx(0.25)
    assert trace["customdata"][0][2] == "index hidden: below 0.5"
    ward = rp.ward_representation(pop, groups, "A", "ethnicity", POLICY)
    table = tables.representation_table(ward, "Ethnic group", POLICY).set_index("Ethnic group")
    assert table.at["G3", "Flag (two-sided test)"] == "▼ under-represented"
    assert table.at["G3", "Representation index (1.00 = in proportion)"] == "hidden (below 0.5)"


def _published(rep: pd.DataFrame) -> dict:
    """What a reader sees of one ward's table: shown counts, the totals, residents and the index bands."""
    return {"counts": dict(zip(rep["group"], rep["respondents"], strict=True)),
            "residents": dict(zip(rep["group"], rep["residents"], strict=True)),
            "bands": {g: rp.index_band(lo, hi) for g, lo, hi, b in
                      zip(rep["group"], rep["index_min"], rep["index_max"], rep["test_basis"], strict=True)
                      if b == "bounds"}}


def test_no_count_1_to_9_can_be_recovered_from_bands_residents_and_totals():
    """An attacker's search: every assignment of the hidden cells of a ward's row (groups and Not stated) that adds
    up to the shown total and gives every shown band is consistent with the table; a hidden count is recovered
    when all such assignments agree on it. None may be."""
    pop, groups = _suppressed_borough()
    for ward in ("A", "B", "C"):
        rep = rp.ward_representation(pop, groups, ward, "ethnicity", POLICY)
        seen = _published(rep)
        rows = rep[rep["kind"].isin(["group", "not_stated"])]
        hidden = [g for g in rows["group"] if math.isnan(seen["counts"][g])]
        if not hidden:
            continue
        total = seen["counts"][rp.ALL_RESPONDENTS]
        left = total - sum(v for g, v in seen["counts"].items() if g in set(rows["group"]) and not math.isnan(v))
        groups_only = [g for g in rows.loc[rows["kind"] == "group", "group"]]
        res = {g: seen["residents"][g] for g in groups_only}
        pop_total = sum(res.values())
        consistent = []
        for values in itertools.product(range(int(left) + 1), repeat=len(hidden)):
            if sum(values) != left:
                continue
            guess = dict(seen["counts"]) | dict(zip(hidden, values, strict=True))
            base = sum(guess[g] for g in groups_only)
            ok = True
            for g, band in seen["bands"].items():
                index = (guess[g] / base) / (res[g] / pop_total) if base else float("nan")
                if band != "any" and rp.index_band(index, index) not in _band_parts(band):
                    ok = False
            if ok:
                consistent.append(dict(zip(hidden, values, strict=True)))
        assert consistent, ward
        for g in hidden:
            values = {c[g] for c in consistent}
            assert len(values) > 1 or not (0 < next(iter(values)) < POLICY.threshold), (ward, g, values)


def _band_parts(band: str) -> set[str]:
    """The single bands a (possibly merged) band label covers."""
    cuts = [0.0, *rp.INDEX_BANDS, math.inf]
    singles = [rp.index_band(lo + 1e-9, lo + 1e-9) for lo in cuts[:-1]]
    lo_hi = {s: (cuts[i], cuts[i + 1]) for i, s in enumerate(singles)}
    start = 0.0 if band.startswith("below") else float(band.split("–")[0].split(" ")[0])
    end = math.inf if band.endswith("or more") else float(band.split("–")[-1].replace("below ", ""))
    return {s for s, (a, b) in lo_hi.items() if a >= start and b <= end}


def test_index_band_labels():
    assert rp.index_band(0.1, 0.3) == "below 0.5"
    assert rp.index_band(0.6, 0.7) == "0.5–0.8"
    assert rp.index_band(1.0, 1.0) == "0.8–1.25"
    assert rp.index_band(0.0, 1.0) == "below 1.25"
    assert rp.index_band(1.3, 5.0) == "1.25 or more"
    assert rp.index_band(0.0, 5.0) == "any"
    assert rp.index_band(float("nan"), 1.0) == ""


# --- areas of wards -----------------------------------------------------------------------------

def test_area_table_sums_its_wards_and_hides_a_cell_any_ward_hides():
    pop, groups = _suppressed_borough()
    assignment = pd.Series({"A": "North", "B": "North", "C": "South"})
    north = rp.area_representation(pop, groups, assignment, "North", "ethnicity", POLICY).set_index("group")
    # North = A + B: G1 210 + 150 and G2 80 + 95 are shown in both wards' tables, so the sums are shown.
    assert north.at["G1", "respondents"] == 360 and north.at["G2", "respondents"] == 175
    assert north.at["G1", "residents"] == 11000
    # G3 is hidden in ward A, so North's G3 is hidden too (else North − B would give A's small count back).
    assert math.isnan(north.at["G3", "respondents"])
    assert north.at[rp.ALL_RESPONDENTS, "respondents"] == 306 + 325
    assert set(north["flag"]) <= {"under", "over", ""}
    south = rp.area_representation(pop, groups, assignment, "South", "ethnicity", POLICY).set_index("group")
    ward_c = rp.ward_representation(pop, groups, "C", "ethnicity", POLICY).set_index("group")
    assert (south["respondents"].isna() == ward_c["respondents"].isna()).all()
    assert no_small_counts(pd.concat([north["respondents"], south["respondents"]]))
