"""Keyed random rounding of counts: the differencing defence shared by data access and disclosure control.

A count is published as a multiple of `base` (the disclosure threshold, 10 by default): it is rounded up
with probability (count mod base) / base and down otherwise, so on average it is unbiased. The "random"
draw is a keyed hash of the count itself (after the cell key method of ONS Census 2021 outputs: the same
cell always gets the same perturbation), so asking for the same figure twice, or through another route,
gives the same published value and averaging repeated queries learns nothing.

Why it defeats differencing: every published count is a multiple of `base`, so the difference of any two
published counts (two filter settings one slice apart, a total minus its parts) is a multiple of `base`
too, and can never be a count from 1 to base−1. Each published count is within base−1 of the truth.
References: ONS (2022) "Protecting personal data in Census 2021 results" (cell key perturbation);
Statistics New Zealand, random rounding to base 3 (RR3).
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

#: The key used when none is configured. A deployment sets its own secret in WARDSCOPE_CELL_KEY, so that
#: no one can compute which way a given count rounds (the guarantee above holds either way).
DEFAULT_KEY = "wardscope-cell-key"
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _seed(key: str) -> np.uint64:
    return np.uint64(int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "little"))


def configured_key() -> str:
    """The deployment's secret (WARDSCOPE_CELL_KEY), else the documented default."""
    return os.environ.get("WARDSCOPE_CELL_KEY") or DEFAULT_KEY


def base_from_env() -> int:
    """The rounding base: the disclosure threshold (WARDSCOPE_MIN_COUNT, default 10), so no published count
    or difference of published counts lies between 1 and the threshold."""
    return int(os.environ.get("WARDSCOPE_MIN_COUNT", 10))


def _uniform(counts: np.ndarray, key: str) -> np.ndarray:
    """A number in [0, 1) per count, fixed by the count and the key (splitmix64 finaliser, Steele et al. 2014)."""
    with np.errstate(over="ignore"):
        z = (counts.astype(np.uint64) ^ _seed(key)) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def round_counts(values, base: int = 10, key: str | None = None) -> np.ndarray:
    """Whole counts (array-like, NaN kept as NaN) rounded to a multiple of `base`, the same count always the same way.

    base 1 returns the counts unchanged. Negative or fractional values are an error: only counts are rounded.
    """
    arr = np.asarray(values, dtype=float)
    if base <= 1:
        return arr.copy()
    known = ~np.isnan(arr)
    whole = arr[known]
    if (whole < 0).any() or (whole % 1 != 0).any():
        raise ValueError("keyed rounding expects whole, non-negative counts")
    out = arr.copy()
    counts = whole.astype(np.int64)
    remainder = counts % base
    up = _uniform(counts, key or configured_key()) < remainder / base
    out[known] = (counts - remainder + np.where(up, base, 0)).astype(float)
    return out
