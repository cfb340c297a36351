"""Disclosure control: no published count 1–9, and no hidden count recoverable from totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.disclosure import (
    TOTAL,
    DisclosurePolicy,
    format_count,
    no_small_counts,
    protect_counts,
    protect_long,
    protect_note,
    protect_single,
    protect_table,
    safe_rate,
)


def _hidden_per_equation(hidden: pd.DataFrame) -> list[int]:
    return list(hidden.sum(axis=1)) + list(hidden.sum(axis=0))


def test_small_counts_shown_as_less_than_ten():
    table = protect_table(pd.DataFrame({"a": [5, 40], "b": [30, 50]}, index=["x", "y"]))
    shown = table.display()
    assert shown.at["x", "a"] == "hidden"
    assert no_small_counts(table.values)


def test_zero_is_shown():
    table = protect_table(pd.DataFrame({"a": [0, 40], "b": [30, 50]}, index=["x", "y"]))
    assert table.display().at["x", "a"] == "0"
    assert not table.hidden.any().any()


def test_single_hidden_cell_gets_a_partner_in_row_and_column():
    counts = pd.DataFrame({"a": [4, 40, 35], "b": [30, 50, 60], "c": [25, 45, 70]}, index=["x", "y", "z"])
    table = protect_table(counts)
    assert table.hidden.at["x", "a"]
    # Row x and column a each need a second hidden cell, else 4 = total − others.
    assert table.hidden.loc["x"].sum() >= 2
    assert table.hidden["a"].sum() >= 2
    assert all(n != 1 for n in _hidden_per_equation(table.hidden))


def test_totals_below_threshold_are_hidden_too():
    table = protect_table(pd.DataFrame({"a": [3], "b": [4]}, index=["x"]))
    assert table.hidden.at["x", TOTAL]


@pytest.mark.parametrize("seed", range(200))
def test_random_tables_never_publish_small_counts_or_a_lone_hidden_cell(seed):
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 8)), int(rng.integers(1, 8)))
    counts = pd.DataFrame(rng.choice([0, 1, 2, 5, 9, 10, 11, 25, 80], size=shape))
    table = protect_table(counts)
    assert no_small_counts(table.values)
    assert all(n != 1 for n in _hidden_per_equation(table.hidden)), table.display()


def test_threshold_is_configurable():
    policy = DisclosurePolicy(threshold=5, min_base=10)
    assert protect_counts(pd.Series([6, 40]), policy, total=False).tolist() == [6, 40]
    table = protect_table(pd.DataFrame({"a": [6, 40], "b": [30, 3]}), policy)
    assert table.display().at[1, "b"] == "hidden"
    assert "fewer than 5" in policy.explanation


def test_env_policy(monkeypatch):
    monkeypatch.setenv("WARDSCOPE_MIN_COUNT", "20")
    monkeypatch.setenv("WARDSCOPE_MIN_BASE", "50")
    assert DisclosurePolicy.from_env() == DisclosurePolicy(20, 50, rounding=20)  # shown counts: multiples of 20
    monkeypatch.setenv("WARDSCOPE_MIN_BASE", "5")
    with pytest.raises(ValueError):
        DisclosurePolicy.from_env()


def test_series_with_total():
    out = protect_counts(pd.Series([3, 50, 60], index=["x", "y", "z"]))
    assert np.isnan(out["x"]) and np.isnan(out["y"])  # y hidden so x cannot be recovered from the total
    assert out["z"] == 60 and out[TOTAL] == 113


def test_rates_hidden_with_their_counts_and_on_small_bases():
    counts = pd.Series([np.nan, 30.0, 12.0], index=["a", "b", "c"])
    base = pd.Series([1000.0, 2000.0, 20.0], index=["a", "b", "c"])
    rate = safe_rate(counts, base, 1000)
    assert np.isnan(rate["a"])  # hidden count
    assert rate["b"] == pytest.approx(15.0)
    assert np.isnan(rate["c"])  # base below 25


def test_format_count():
    assert format_count(np.nan) == "hidden"
    assert format_count(12345.0) == "12,345"


def test_fractional_counts_rejected():
    with pytest.raises(ValueError):
        protect_table(pd.DataFrame({"a": [1.5]}))


def test_hidden_cells_do_not_depend_on_row_order():
    counts = pd.DataFrame({"a": [4, 12, 12, 30], "b": [20, 11, 11, 40]}, index=["w1", "w2", "w3", "w4"])
    forward = protect_table(counts).hidden
    backward = protect_table(counts.iloc[::-1]).hidden
    pd.testing.assert_frame_equal(forward.loc[forward.index], backward.loc[forward.index])


def test_cells_hidden_elsewhere_count_as_hidden_and_get_a_partner():
    # b is hidden by another table (e.g. it sums a hidden ward): alone in the equation with its total,
    # it would be recovered by subtraction, so the smallest other non-zero value (c) is hidden too.
    counts = pd.Series({"a": 50.0, "b": 0.0, "c": 20.0, "d": 0.0})
    out = protect_counts(counts, total=True, hidden=pd.Series({"a": False, "b": True, "c": False, "d": False}))
    assert np.isnan(out["b"]) and np.isnan(out["c"])
    assert out["a"] == 50 and out["d"] == 0 and out[TOTAL] == 70
    assert protect_counts(counts, total=True).notna().all()  # nothing hidden without it


def test_protect_long_pivots_sums_and_protects_the_whole_table():
    long = pd.DataFrame({"ward_code": ["A", "A", "B", "B", "C", "A", "A"],
                         "quarter": ["q1", "q2", "q1", "q2", "q1", "q1", "q3"], "n": [30, 4, 40, 50, 20, 10, 15]})
    table = protect_long(long, "quarter", "n", keys=["q1", "q2", "q3"])
    assert list(table.columns) == ["q1", "q2", "q3", TOTAL] and list(table.index) == ["A", "B", "C", TOTAL]
    assert table.at["A", "q1"] == 40  # repeated keys summed
    assert np.isnan(table.at["A", "q2"]) and np.isnan(table.at["A", "q3"]) and table.at["C", "q3"] == 0
    assert no_small_counts(table)
    assert all(n != 1 for n in _per_equation_hidden(table))
    empty = protect_long(long.iloc[0:0], "quarter", "n", keys=["q1"])
    assert list(empty.index) == [TOTAL] and (empty == 0).all().all()


def _per_equation_hidden(table: pd.DataFrame) -> list[int]:
    return _hidden_per_equation(table.isna())


def test_protect_single_and_note():
    assert protect_single(0) == "0" and protect_single(7) == "hidden" and protect_single(1234) == "1,234"
    assert protect_note("responses: 3 response(s) with no ward") == "responses: fewer than 10 response(s) with no ward"
    assert protect_note("wards: 3 geometries repaired.") == "wards: 3 geometries repaired."
