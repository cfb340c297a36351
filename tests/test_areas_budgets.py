"""geo.budgets: every formula splits the total exactly, to the penny (largest-remainder method)."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd
import pytest

from geo import budgets

WARDS = [f"W{i}" for i in range(1, 15)]
# 7 areas of 2 wards each, awkward residents and deprivation ranks
ASSIGN = pd.Series({w: f"Area {(i // 2) + 1}" for i, w in enumerate(WARDS)})
RESIDENTS = pd.Series({w: 5000.0 + 733 * i + (i % 3) * 17.5 for i, w in enumerate(WARDS)})
RANKS = pd.Series({w: 1 + (i * 2357) % 32844 for i, w in enumerate(WARDS)})


@pytest.mark.parametrize("text,pence", [("£1,000,000.01", 100_000_001), ("0.01", 1), ("12", 1200),
                                        ("£7.005", 701), ("0", 0)])
def test_to_pence(text, pence):
    assert budgets.to_pence(text) == pence
    if pence:
        assert budgets.to_pence(budgets.format_pounds(pence)) == pence


@pytest.mark.parametrize("bad", ["-1", "ten pounds", "nan", ""])
def test_to_pence_refuses(bad):
    with pytest.raises(ValueError):
        budgets.to_pence(bad)


def test_largest_remainder_by_hand():
    # 100p between 3 equal parts: 33.33 each, the one penny left goes to the first
    assert budgets.largest_remainder(100, pd.Series(1.0, index=list("abc"))).tolist() == [34, 33, 33]
    # 10p by 1:2:3 → 1.667, 3.333, 5 → floors 1,3,5 (9), remainders .667 .333 0 → a gets it
    assert budgets.largest_remainder(10, pd.Series([1.0, 2.0, 3.0], index=list("abc"))).tolist() == [2, 3, 5]
    assert budgets.largest_remainder(5, pd.Series([0.0, 0.0], index=list("ab"))).tolist() == [3, 2]
    assert budgets.largest_remainder(0, pd.Series([1.0, 2.0])).tolist() == [0, 0]


@pytest.mark.parametrize("total", [100_000_001, 1, 0, 7, 99_999_999_999, 1_234_567])
@pytest.mark.parametrize("formula,blend", [("equal", None), ("per_resident", None), ("deprivation", None),
                                           ("blend", {"equal": 0.2, "per_resident": 0.5, "deprivation": 0.3}),
                                           ("blend", {"per_resident": 1, "deprivation": 2})])
def test_allocation_sums_exactly(total, formula, blend):
    areas, wards = budgets.allocate(total, ASSIGN, RESIDENTS, RANKS, formula, blend)
    assert len(areas) == 7
    assert int(areas["pence"].sum()) == total
    assert int(wards["pence"].sum()) == total
    by_area = wards.groupby("area")["pence"].sum()
    assert (by_area == areas.set_index("area")["pence"]).all()
    # every part within a penny of its exact share
    w = budgets.weights(areas.set_index("area"), formula, blend)
    exact = [Fraction(total) * Fraction(float(x)) / sum(Fraction(float(v)) for v in w) for x in w]
    assert all(abs(p - e) < 1 for p, e in zip(areas["pence"], exact, strict=True))


def test_formulas_by_hand():
    assign = pd.Series({"a": "North", "b": "North", "c": "South"})
    res = pd.Series({"a": 1000.0, "b": 3000.0, "c": 4000.0})
    ranks = pd.Series({"a": 1, "b": 1, "c": 32844})  # North most deprived (need 1), South least (need ~0)
    areas, wards = budgets.allocate(1_000_000, assign, res, ranks, "equal")
    assert areas.set_index("area")["pence"].to_dict() == {"North": 500_000, "South": 500_000}
    assert wards.set_index("ward_code")["pence"].to_dict() == {"a": 250_000, "b": 250_000, "c": 500_000}
    areas, wards = budgets.allocate(1_000_000, assign, res, ranks, "per_resident")
    assert areas.set_index("area")["pence"].to_dict() == {"North": 500_000, "South": 500_000}
    assert wards.set_index("ward_code")["pence"].to_dict() == {"a": 125_000, "b": 375_000, "c": 500_000}
    areas, _ = budgets.allocate(1_000_000, assign, res, ranks, "deprivation")
    # South's need is 1/32844: its weight 4000/32844 against North's 4000
    south = 1_000_000 * (4000 / 32844) / (4000 + 4000 / 32844)
    assert areas.set_index("area").at["South", "pence"] == pytest.approx(south, abs=1)
    areas, _ = budgets.allocate(1_000_000, assign, res, ranks, "blend", {"equal": 1, "per_resident": 1})
    assert areas.set_index("area")["pence"].to_dict() == {"North": 500_000, "South": 500_000}


def test_bad_formula_and_blend():
    with pytest.raises(ValueError):
        budgets.allocate(100, ASSIGN, RESIDENTS, RANKS, "lottery")
    with pytest.raises(ValueError):
        budgets.allocate(100, ASSIGN, RESIDENTS, RANKS, "blend", {})
