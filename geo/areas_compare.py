"""Comparing two area schemes, and what each area is made of.

A scheme is a ward → area assignment (geo.areas); its check table is geo.areas.check_scheme's.
An area's indicator is the resident-weighted mean of its wards' values, so a large ward counts
for more, as its residents do.
"""

from __future__ import annotations

import pandas as pd

from geo import indicators
from geo.areas import NO_AREA, clean_assignment


def moved_wards(first: pd.Series, second: pd.Series, names: dict[str, str] | None = None) -> pd.DataFrame:
    """Wards whose area differs between two schemes: Ward, area in the first, area in the second."""
    names = names or {}
    codes = sorted(set(first.index) | set(second.index), key=lambda c: (names.get(c, c), c))
    a, b = clean_assignment(first, codes), clean_assignment(second, codes)
    moved = [c for c in codes if a[c] != b[c]]
    return pd.DataFrame({"Ward": [names.get(c, c) for c in moved], "First scheme": [a[c] for c in moved],
                         "Second scheme": [b[c] for c in moved]})


def scheme_figures(check: pd.DataFrame) -> dict:
    """Headline figures of a scheme from check_scheme: areas, largest deviation, areas not contiguous or out of
    range, mean compactness."""
    named = check[check["area"] != NO_AREA]
    largest = round(float(named["deviation_pct"].abs().max()), 1) if len(named) else float("nan")
    return {"Areas": len(named), "Largest deviation from the mean (%)": largest,
            "Areas not contiguous": int((~named["contiguous"]).sum()),
            "Areas out of range": int((~named["within_tolerance"]).sum()),
            "Mean compactness (Polsby–Popper)": round(float(named["compactness"].mean()), 3) if len(named) else
            float("nan"),
            "Wards with no area": int(check.loc[check["area"] == NO_AREA, "wards"].sum())}


def compare_figures(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """scheme_figures of two check_scheme tables side by side, with the change."""
    a, b = scheme_figures(first), scheme_figures(second)
    return pd.DataFrame({"Figure": list(a), "First scheme": list(a.values()), "Second scheme": list(b.values()),
                         "Change": [b[k] - a[k] for k in a]})


def area_mix(assignment: pd.Series, values: pd.DataFrame, residents: pd.Series, assets: pd.DataFrame,
             keys: tuple[str, ...] = indicators.SIMILARITY_KEYS) -> pd.DataFrame:
    """Per area: resident-weighted means of ward indicators (from sv.indicator_values()) and community assets
    (places, not people). An area's rate is the mean of its wards' rates weighted by residents."""
    codes = list(assignment.index)
    areas = clean_assignment(assignment, codes)
    pop = residents.reindex(codes).fillna(0.0).astype(float)
    vals = values.reindex(index=codes, columns=list(keys)).astype(float)
    rows = {}
    for name, members in areas.groupby(areas, sort=True):
        idx = list(members.index)
        w = pop[idx]
        row = {}
        for key in keys:
            v = vals.loc[idx, key]
            ok = v.notna() & (w > 0)
            row[key] = float((v[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() else float("nan")
        row["assets"] = int(assets["ward_code"].isin(idx).sum())
        row["assets_per_1000"] = row["assets"] / w.sum() * 1000 if w.sum() > 0 else float("nan")
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("area").reset_index()
