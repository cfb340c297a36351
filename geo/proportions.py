"""Statistics for one proportion, used by the representation test (geo.representation): the Wilson score interval
and Holm's step-down adjustment, vectorised over many tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats


def wilson_interval(successes: np.ndarray, n: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion, level 1 − alpha (arrays; NaN where n ≤ 0)."""
    x, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    bad = ~(n > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def holm_by_family(p_values: np.ndarray, family: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Holm–Bonferroni step-down (Holm 1979) within each family (integer labels): (reject at alpha, adjusted p).

    Each family's p-values are sorted (stably), the i-th smallest of m multiplied by m − i, made
    non-decreasing (running maximum) and capped at 1: statsmodels' multipletests(method="holm") per
    family, in a few lines of numpy (that function calls gc.collect() on every use, 50–130 ms a call).
    """
    p = np.asarray(p_values, dtype=float)
    fam = np.asarray(family, dtype=np.int64)
    if p.size == 0:
        return np.zeros(0, dtype=bool), p
    order = np.lexsort((p, fam))
    sorted_family = fam[order]
    _, first, size = np.unique(sorted_family, return_index=True, return_counts=True)
    block = np.repeat(np.arange(first.size), size)
    rank = np.arange(p.size) - first[block]
    stepped = pd.Series((size[block] - rank) * p[order]).groupby(block).cummax().to_numpy()
    adjusted = np.empty(p.size)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted <= alpha, adjusted


def holm(p_values: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Holm–Bonferroni step-down adjustment (Holm 1979) of one family: (reject at alpha, adjusted p-values)."""
    p = np.asarray(p_values, dtype=float)
    return holm_by_family(p, np.zeros(p.size, dtype=np.int64), alpha)
