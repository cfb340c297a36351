"""The demo borough's MHCLG English Indices of Deprivation 2019 (IoD2019) Files 1, 2 and 6.

Why: the ETL reads these published files as they come (UTF-8 with a BOM, CRLF, ranks with
thousands separators in File 1), so the demo writes them in exactly that layout. Domain
scores load on one deprivation surface with the correlations seen in the real IoD, and the
IMD is their weighted sum with the published weights (MHCLG 2019 technical report).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.stats import norm

from demo.facts import LAD_CODE, LAD_NAME
from demo.landscape import Landscape

NATIONAL_LSOAS = 32_844  # LSOAs in England in IoD2019: ranks run 1..32844
IMD_FILE1_COLUMNS = [
    "LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
    "Local Authority District name (2019)", "Index of Multiple Deprivation (IMD) Rank",
    "Index of Multiple Deprivation (IMD) Decile",
]
_W = " (where 1 is most deprived)"
_D = " (where 1 is most deprived 10% of LSOAs)"
IMD_DOMAINS = [  # name, weight in the IMD (MHCLG 2019 technical report)
    ("Income", 0.225), ("Employment", 0.225), ("Education, Skills and Training", 0.135),
    ("Health Deprivation and Disability", 0.135), ("Crime", 0.093),
    ("Barriers to Housing and Services", 0.093), ("Living Environment", 0.094),
]
IMD_FILE2_COLUMNS = IMD_FILE1_COLUMNS[:4] + [
    "Index of Multiple Deprivation (IMD) Rank" + _W,
    "Index of Multiple Deprivation (IMD) Decile" + _D,
] + [c for name, _ in IMD_DOMAINS for c in (f"{name} Rank{_W}", f"{name} Decile{_D}")]
IMD_FILE6_COLUMNS = IMD_FILE1_COLUMNS[:4] + [
    "Total population: mid 2015 (excluding prisoners)",
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "Population aged 16-59: mid 2015 (excluding prisoners)",
    "Older population aged 60 and over: mid 2015 (excluding prisoners)",
    ("Working age population 18-59/64: for use with Employment Deprivation Domain "
     "(excluding prisoners)"),
]


def _national_ranks(score: np.ndarray) -> np.ndarray:
    """Map local deprivation scores (higher = more deprived) to unique national ranks.

    The local order is kept; the distribution is squeezed slightly towards the middle
    (a normal-quantile transform with sd 0.8) but with exactly the national 20% of
    LSOAs expected in deciles 1-2, which is typical of a mixed town-and-country UA.
    """
    n = len(score)
    order = np.argsort(-score, kind="stable")  # most deprived first
    u = (np.arange(n) + 0.5) / n
    sd = 0.8
    mu = norm.ppf(0.2) * (1 - sd)  # keeps P(national percentile < 20%) at 20%
    p = norm.cdf(mu + sd * norm.ppf(u))
    rank_sorted = np.clip(np.ceil(p * NATIONAL_LSOAS), 1, NATIONAL_LSOAS).astype(int)
    steps = np.arange(n)
    rank_sorted = np.maximum.accumulate(rank_sorted - steps) + steps  # strictly increasing
    rank_sorted = np.minimum(rank_sorted, NATIONAL_LSOAS - (n - 1 - steps))
    ranks = np.empty(n, dtype=int)
    ranks[order] = rank_sorted
    return ranks


def _decile(rank: np.ndarray) -> np.ndarray:
    return np.clip(np.ceil(rank / (NATIONAL_LSOAS / 10)), 1, 10).astype(int)


def _thousands(values: np.ndarray) -> list[str]:
    """Numbers as the MHCLG spreadsheets print them: "29,199" (quoted once in a CSV)."""
    return [f"{int(v):,}" for v in values]


def deprivation_tables(lsoa: gpd.GeoDataFrame, zdep: np.ndarray, age: np.ndarray,
                        lsoa_xy: np.ndarray, land: Landscape,
                        rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """IoD2019 Files 1, 2 and 6. Domains share the deprivation surface; the IMD is their
    weighted sum (the published weights), so domains correlate with the IMD as they do
    in reality - strongly for income/employment, weakly for barriers to housing."""
    n = len(lsoa)
    rural = 1 - land.centrality(lsoa_xy)
    rural = (rural - rural.mean()) / (rural.std() or 1)
    loading = {"Income": 0.95, "Employment": 0.92, "Education, Skills and Training": 0.8,
               "Health Deprivation and Disability": 0.8, "Crime": 0.6,
               "Barriers to Housing and Services": 0.1, "Living Environment": 0.45}
    domain_scores = {}
    for name, _ in IMD_DOMAINS:
        rho = loading[name]
        s = rho * zdep + math.sqrt(1 - rho**2) * rng.normal(0, 1, n)
        if name == "Barriers to Housing and Services":
            s += 0.8 * rural  # distance to services bites in the countryside
        if name == "Living Environment":
            s -= 0.4 * rural  # old housing and air quality bite in the centre
        domain_scores[name] = s
    imd_score = sum(w * domain_scores[name] for name, w in IMD_DOMAINS)
    imd_rank = _national_ranks(imd_score)
    head = pd.DataFrame({
        IMD_FILE1_COLUMNS[0]: lsoa["lsoa_code"].to_numpy(),
        IMD_FILE1_COLUMNS[1]: lsoa["lsoa_name"].to_numpy(),
        IMD_FILE1_COLUMNS[2]: LAD_CODE,
        IMD_FILE1_COLUMNS[3]: LAD_NAME,
    })
    file1 = head.copy()
    file1[IMD_FILE1_COLUMNS[4]] = _thousands(imd_rank)
    file1[IMD_FILE1_COLUMNS[5]] = _decile(imd_rank)

    file2 = head.copy()
    file2[IMD_FILE2_COLUMNS[4]] = imd_rank
    file2[IMD_FILE2_COLUMNS[5]] = _decile(imd_rank)
    for name, _ in IMD_DOMAINS:
        r = _national_ranks(domain_scores[name])
        file2[f"{name} Rank{_W}"] = r
        file2[f"{name} Decile{_D}"] = _decile(r)

    # Mid-2015 denominators: a slightly smaller population than 2021, split from the
    # census age bands (50-64 straddles the 60 boundary; 16-24 straddles 18).
    scale = rng.uniform(0.93, 0.99, n)
    a = age * scale[:, None]
    children = np.round(a[:, 0]).astype(int)
    aged16_59 = np.round(a[:, 1] + a[:, 2] + a[:, 3] + a[:, 4] * 0.66).astype(int)
    older = np.round(a[:, 4] * 0.34 + a[:, 5]).astype(int)
    total = children + aged16_59 + older
    working = np.round(a[:, 1] * 7 / 9 + a[:, 2] + a[:, 3] + a[:, 4] * 0.85).astype(int)
    file6 = head.copy()
    for column, values in zip(IMD_FILE6_COLUMNS[4:], [total, children, aged16_59, older, working], strict=True):
        file6[column] = _thousands(values)
    return {"imd1": file1, "imd2": file2, "imd6": file6}
