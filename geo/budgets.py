"""Devolved budgets: a total split between areas, and each area's share between its wards.

Everything is in whole pence. Shares are worked out exactly (fractions, no rounding on the
way) and rounded by the largest-remainder method (Hamilton's method): every part first gets
the whole pence of its exact share, then the pence left over go one each to the parts with
the largest fractions of a penny left (ties: the part named first). So the parts always add
up to the total, to the penny, and no part is more than a penny from its exact share.

Formulas (weights of each area or ward):

- equal: every area the same (and, within an area, every ward the same);
- per resident: residents;
- deprivation-weighted: residents × need, where need = (32,845 − average IMD 2019 rank) ÷ 32,844,
  1 for the most deprived neighbourhood in England and close to 0 for the least
  (the average rank is the population-weighted mean LSOA rank, geo.indicators' imd_mean_rank);
- blend: a mix of the three shares, e.g. 20% equal + 50% per resident + 30% deprivation.

An area's need is the resident-weighted mean of its wards' needs, so "deprivation-weighted"
gives the same area total whether it is worked out for areas or summed over wards.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

import pandas as pd

LSOAS_IN_ENGLAND = 32_844
FORMULAS = {"equal": "Equal shares", "per_resident": "Per resident", "deprivation": "Deprivation-weighted",
            "blend": "Blend"}


def to_pence(amount: str | int | float | Decimal) -> int:
    """'£1,000,000.01' → 100000001. Raises ValueError for anything not a non-negative amount of money."""
    text = str(amount).replace("£", "").replace(",", "").strip()
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{amount!r} is not an amount of money") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"{amount!r} is not an amount of money")
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def format_pounds(pence: int) -> str:
    """100000001 → '£1,000,000.01'."""
    sign = "-" if pence < 0 else ""
    pounds, p = divmod(abs(int(pence)), 100)
    return f"{sign}£{pounds:,}.{p:02d}"


def largest_remainder(total_pence: int, weights: pd.Series) -> pd.Series:
    """Split total_pence in proportion to weights (≥ 0), in whole pence summing exactly to the total.

    All weights zero: equal split. Ties in the remainder go to the earlier index label.
    """
    total_pence = int(total_pence)
    if total_pence < 0:
        raise ValueError("the total cannot be negative")
    if len(weights) == 0:
        if total_pence:
            raise ValueError("nothing to share the budget between")
        return pd.Series(dtype="int64")
    exact = [Fraction(float(w)) for w in weights.fillna(0.0)]
    if any(w < 0 for w in exact):
        raise ValueError("weights cannot be negative")
    whole = sum(exact)
    if whole == 0:
        exact, whole = [Fraction(1)] * len(exact), Fraction(len(exact))
    quotas = [total_pence * w / whole for w in exact]
    floors = [q.numerator // q.denominator for q in quotas]
    left = total_pence - sum(floors)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return pd.Series(floors, index=weights.index, dtype="int64")


def need(imd_mean_rank: pd.Series) -> pd.Series:
    """(32,845 − average rank) ÷ 32,844: 1 = most deprived in England, → 0 least; missing rank = 0.5."""
    return ((LSOAS_IN_ENGLAND + 1 - imd_mean_rank.astype(float)) / LSOAS_IN_ENGLAND).clip(0, 1).fillna(0.5)


def _shares(units: pd.DataFrame) -> dict[str, pd.Series]:
    """Each pure formula's share per unit (rows: residents, need), summing to 1 (or all zero)."""
    def norm(s: pd.Series) -> pd.Series:
        tot = s.sum()
        return s / tot if tot > 0 else pd.Series(1.0 / len(s), index=s.index)
    return {"equal": norm(pd.Series(1.0, index=units.index)), "per_resident": norm(units["residents"].astype(float)),
            "deprivation": norm(units["residents"].astype(float) * units["need"].astype(float))}


def weights(units: pd.DataFrame, formula: str, blend: dict[str, float] | None = None) -> pd.Series:
    """Weights of each unit (index) under a formula. blend: {'equal': a, 'per_resident': b, 'deprivation': c}."""
    if formula not in FORMULAS:
        raise ValueError(f"unknown formula {formula!r}")
    shares = _shares(units)
    if formula != "blend":
        return shares[formula]
    mix = {k: float(v) for k, v in (blend or {}).items() if float(v) > 0}
    if not mix or set(mix) - set(shares):
        raise ValueError("a blend needs positive parts of equal, per_resident and/or deprivation")
    total = sum(mix.values())
    return sum((shares[k] * (v / total) for k, v in mix.items()), pd.Series(0.0, index=units.index))


def allocate(total_pence: int, assignment: pd.Series, residents: pd.Series, imd_mean_rank: pd.Series,
             formula: str, blend: dict[str, float] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(areas, wards): the total split between areas, then each area's amount between its wards, by the formula.

    assignment: ward_code → area name. areas: area, wards, residents, need, pence (sorted by area);
    wards: ward_code, area, residents, need, pence. Both pence columns sum exactly to total_pence,
    and each area's wards sum exactly to the area.
    """
    codes = list(assignment.index)
    ward = pd.DataFrame({"area": assignment.astype(str).to_numpy(),
                         "residents": residents.reindex(codes).fillna(0.0).to_numpy(dtype=float),
                         "need": need(imd_mean_rank.reindex(codes)).to_numpy()},
                        index=pd.Index(codes, name="ward_code"))
    grouped = ward.groupby("area", sort=True)
    area = pd.DataFrame({"wards": grouped.size(), "residents": grouped["residents"].sum()})
    weighted = (ward["need"] * ward["residents"]).groupby(ward["area"]).sum()
    area["need"] = (weighted / area["residents"]).where(area["residents"] > 0, grouped["need"].mean())
    area["pence"] = largest_remainder(total_pence, weights(area, formula, blend))
    ward["pence"] = 0
    for name, members in grouped:
        ward.loc[members.index, "pence"] = largest_remainder(int(area.at[name, "pence"]),
                                                             weights(members, formula, blend)).to_numpy()
    ward["pence"] = ward["pence"].astype("int64")
    return area.rename_axis("area").reset_index(), ward.reset_index()
