"""geo.representation.representation_matrix (computed once for all wards) against the ward profile's method.

The reference is the per-ward path: representation.ward_representation for each
ward in turn (the whole table protected per ward), the group rows concatenated.
The fast path must give the same rows, in the same order, with the same values (to 1e-12), the
same NaNs, flags and test bases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo import participation as gp
from geo import representation as rp
from geo.disclosure import DEFAULT_POLICY, DisclosurePolicy
from vocabulary import AGE_BANDS, NOT_STATED

COLUMNS = ["ward_code", "group", "respondents", "index", "index_low", "index_high", "p_value", "p_adjusted",
           "under_represented", "test_basis", "flag", "over_represented", "index_min", "index_max", "status"]
DIMENSIONS = ["age", "sex", "ethnicity", "disability"]


def reference_matrix(population, groups, ward_codes, dimension, policy=DEFAULT_POLICY, alpha=0.05) -> pd.DataFrame:
    """The per-ward loop representation_matrix used before it was computed once (kept verbatim)."""
    frames = []
    for code in ward_codes:
        rep = rp.ward_representation(population, groups, code, dimension, policy, alpha)
        rep = rep[rep["kind"] == "group"].assign(ward_code=code)
        frames.append(rep)
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def assert_same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert list(fast.columns) == COLUMNS
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12, atol=0.0)
    for col in ["respondents", "index", "index_low", "index_high", "index_min", "index_max", "p_value", "p_adjusted"]:
        assert (fast[col].isna() == slow[col].isna()).all(), col
    for col in ["under_represented", "over_represented", "flag", "test_basis", "status"]:
        assert (fast[col] == slow[col]).all(), col


def synthetic(seed: int, n_wards: int = 30) -> tuple[pd.DataFrame, pd.DataFrame, list[str], str]:
    """A random borough for one dimension: census groups (some with no residents in a ward, ties in
    residents), responses with small counts (so that cells are hidden), a group only respondents used,
    blank answers, a ward with no responses, one with no residents and one outside the list."""
    rng = np.random.default_rng(seed)
    dimension = ["age", "ethnicity", "sex"][seed % 3]
    n_groups = int(rng.integers(3, 9))
    if dimension == "age":  # census order differs from band order; one category outside the bands
        cats = list(rng.permutation(AGE_BANDS))[: min(n_groups, len(AGE_BANDS))] + ["Unbanded"]
    else:
        cats = [f"{dimension} group {i}" for i in range(n_groups)]
    codes = [f"W{seed:03d}{i:02d}" for i in range(n_wards)]

    pop_rows = []
    for code in codes[:-1]:  # the last ward has no census rows
        for cat in cats:
            if rng.random() < 0.12:
                continue  # no residents of this group here
            persons = int(rng.choice([0, 500, 1000, int(rng.integers(1, 3000))]))  # ties and zeros
            pop_rows.append((code, dimension, cat, persons))
        pop_rows.append((code, "other dimension", "x", int(rng.integers(100, 1000))))
    population = pd.DataFrame(pop_rows, columns=["ward_code", "dimension", "category", "persons"])
    population = population.sample(frac=1.0, random_state=seed).reset_index(drop=True)

    answers = cats + ["Only in responses", "Also only in responses", NOT_STATED, None]
    resp_rows = []
    for i, code in enumerate(codes + ["OUTSIDE"]):
        if i == 1:
            continue  # a listed ward with no responses
        scale = rng.choice([3, 12, 40, 150])
        for cat in answers:
            r = rng.random()
            if r < 0.15:
                continue
            if r < 0.35:
                n = int(rng.integers(1, 10))  # primary suppression
            else:
                n = int(rng.poisson(scale * rng.uniform(0.2, 1.5)))
            resp_rows.append((code, cat, n))
            if rng.random() < 0.05:
                resp_rows.append((code, cat, int(rng.integers(0, 5))))  # duplicate key: summed
    groups = pd.DataFrame(resp_rows, columns=["ward_code", "category", "respondents"])
    return population, groups, codes, dimension


@pytest.mark.parametrize("policy, alpha", [(DEFAULT_POLICY, 0.05), (DisclosurePolicy(5, 15), 0.2)])
def test_fast_matrix_equals_the_per_ward_path_on_random_boroughs(policy, alpha):
    bases, flags = set(), set()
    for seed in range(8):
        population, groups, codes, dimension = synthetic(seed)
        fast = rp.representation_matrix(population, groups, codes, dimension, policy, alpha)
        slow = reference_matrix(population, groups, codes, dimension, policy, alpha)
        assert_same(fast, slow)
        bases |= set(fast["test_basis"])
        flags |= set(fast["under_represented"])
    assert {"count", "bounds", ""} <= bases  # both the shown-count and the hidden-value (bounds) paths ran
    assert flags == {True, False}


def test_fast_matrix_on_a_hidden_not_stated_and_hidden_groups():
    """A ward whose Not stated and several groups are hidden: candidates 0…S with a varying base."""
    codes = ["A", "B", "C"]
    cats = ["g1", "g2", "g3", "g4"]
    population = pd.DataFrame([(c, "ethnicity", g, p) for c in codes for g, p in zip(cats, [4000, 3000, 2000, 1000],
                                                                                       strict=True)],
                              columns=["ward_code", "dimension", "category", "persons"])
    groups = pd.DataFrame([("A", "g1", 300), ("A", "g2", 4), ("A", "g3", 6), ("A", "g4", 40), ("A", NOT_STATED, 3),
                           ("B", "g1", 200), ("B", "g2", 150), ("B", "g3", 2), ("B", "g4", 90), ("B", NOT_STATED, 30),
                           ("C", "g1", 100), ("C", "g2", 100), ("C", "g3", 100), ("C", "g4", 8),
                           ("C", NOT_STATED, 20)], columns=["ward_code", "category", "respondents"])
    fast = rp.representation_matrix(population, groups, codes, "ethnicity")
    assert_same(fast, reference_matrix(population, groups, codes, "ethnicity"))
    assert (fast.loc[fast["ward_code"] == "A", "test_basis"] == "bounds").any()


def test_fast_matrix_edge_cases():
    population, groups, codes, _ = synthetic(3, n_wards=6)
    # no wards; a dimension with no census rows (only groups respondents used); no responses at all
    assert_same(rp.representation_matrix(population, groups, [], "age"),
                reference_matrix(population, groups, [], "age"))
    assert_same(rp.representation_matrix(population, groups, codes, "disability"),
                reference_matrix(population, groups, codes, "disability"))
    empty = groups.iloc[0:0]
    assert_same(rp.representation_matrix(population, empty, codes, "age"),
                reference_matrix(population, empty, codes, "age"))
    # a ward listed twice, and wards in another order
    listed = [codes[2], codes[0], codes[2]]
    assert_same(rp.representation_matrix(population, groups, listed, "age"),
                reference_matrix(population, groups, listed, "age"))


def test_fast_matrix_equals_the_per_ward_path_on_the_demo(app_env):
    import data_access as da

    population = da.population()
    codes = list(da.wards()["ward_code"])
    dimensions = gp.dimensions_available(population, DIMENSIONS)
    assert dimensions
    bases = set()
    for dimension in dimensions:
        groups = da.respondent_groups(dimension)
        fast = rp.representation_matrix(population, groups, codes, dimension, DEFAULT_POLICY)
        assert_same(fast, reference_matrix(population, groups, codes, dimension, DEFAULT_POLICY))
        bases |= set(fast["test_basis"])
    assert "count" in bases


def test_shared_inputs_are_those_the_ward_page_always_used():
    """ward_engagement._representation_inputs (shared by both paths) against the original expressions."""
    for seed in range(6):
        population, groups, _, dimension = synthetic(seed)
        pop, g, census, extra, excluded, keys = rp._representation_inputs(population, groups, dimension)
        assert excluded == [NOT_STATED]
        expected_pop = population[population["dimension"] == dimension]
        expected_g = groups.assign(category=groups["category"].fillna(NOT_STATED))
        expected_census = list(dict.fromkeys(expected_pop["category"]))
        expected_extra = sorted(c for c in set(expected_g["category"]) - set(expected_census) if c != NOT_STATED)
        pd.testing.assert_frame_equal(pop, expected_pop)
        pd.testing.assert_frame_equal(g, expected_g)
        assert census == expected_census and extra == expected_extra
        assert keys == expected_census + expected_extra + [NOT_STATED]
        assert all(type(c) is str for c in keys)
