"""Census-like small-area tables for the demo borough, in the published ONS layouts.

Ethnicity by output area in the layout of the 2011 census table as the MLID republished it
(column names WhiteBrit, Irish, ...; "Mixed" printed as a float), and age, sex and disability
by LSOA in the long layout of a Census 2021 download (code, name, category, Observation).
Shares come from the landscape surfaces, with Dirichlet noise for local variation, and
counts are multinomial draws from one fixed person count per OA, so every table describes
the same people, as census tables do (barring ONS's small-cell perturbation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from demo.deprivation import deprivation_tables
from demo.facts import LAD_NAME, N_OA, REGION_NAME, rng_for
from demo.geography import Geography
from vocabulary import CENSUS_AGE6, CENSUS_DISABILITY, CENSUS_ETHNICITY_2011, CENSUS_SEX

ETHNICITY_COLUMNS = list(CENSUS_ETHNICITY_2011)  # MLID column order
AGE_LABELS = list(CENSUS_AGE6)  # ONS labels, youngest first
SEX_LABELS = list(CENSUS_SEX)
DISABILITY_LABELS = list(CENSUS_DISABILITY)

# Ethnic mix (MLID column order) far from and right in the town centre; the two
# community concentrations are added on top.
_ETH_OUTER = np.array([0.890, 0.010, 0.030, 0.018, 0.014, 0.008, 0.002, 0.004, 0.006,
                       0.007, 0.005, 0.002, 0.001, 0.003])
_ETH_INNER = np.array([0.470, 0.015, 0.090, 0.050, 0.080, 0.070, 0.025, 0.020, 0.040,
                       0.070, 0.035, 0.015, 0.010, 0.020])
# Age (6 categories) for outer (older) areas and the young town centre; student quarter.
_AGE_OUTER = np.array([0.170, 0.085, 0.095, 0.185, 0.225, 0.240])
_AGE_INNER = np.array([0.205, 0.145, 0.200, 0.205, 0.140, 0.105])
_AGE_STUDENT = np.array([0.040, 0.600, 0.170, 0.080, 0.060, 0.050])


def _dirichlet(rng: np.random.Generator, alpha: np.ndarray) -> np.ndarray:
    """Row-wise Dirichlet draws (local variation around a smooth profile)."""
    g = rng.gamma(alpha)
    return g / g.sum(axis=1, keepdims=True)


def build_statistics(geo: Geography, seed: int) -> dict[str, pd.DataFrame]:
    """Census-like counts per OA / LSOA that add up consistently.

    One person count per OA is fixed first; ethnicity is split per OA, and age, sex
    and disability per LSOA from the same LSOA totals, so every table describes the
    same people (as census tables do, barring ONS's small-cell perturbation).
    """
    rng = rng_for(seed, "statistics")
    persons = np.clip(np.round(rng.normal(315, 38, N_OA)), 250, 400).astype(int)
    tables = {"ethnicity": _ethnicity_table(geo, persons, rng)}
    tables.update(_lsoa_tables(geo, persons, rng))
    return tables


def _ethnicity_table(geo: Geography, persons: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Ethnic group by OA: a mix between the outer and town-centre profiles, plus the two communities."""
    land = geo.land
    oa_xy = shapely.get_coordinates(shapely.point_on_surface(geo.oa.geometry.to_numpy()))
    cen = land.centrality(oa_xy)[:, None]
    eth_p = (1 - cen) * _ETH_OUTER + cen * _ETH_INNER
    col = {c: i for i, c in enumerate(ETHNICITY_COLUMNS)}
    af = land.african_share(oa_xy)
    pk = land.pakistani_share(oa_xy)
    eth_p[:, col["BlkAfrican"]] += 0.20 * af
    eth_p[:, col["OtherBlk"]] += 0.02 * af
    eth_p[:, col["Pakistani"]] += 0.32 * pk
    eth_p[:, col["Bangladeshi"]] += 0.04 * pk
    eth_p[:, col["Indian"]] += 0.03 * pk
    eth_p[:, col["WhiteBrit"]] -= 0.8 * (eth_p.sum(axis=1) - 1)
    eth_p = np.clip(eth_p, 1e-4, None)
    eth_p /= eth_p.sum(axis=1, keepdims=True)
    eth_p = _dirichlet(rng, 400 * eth_p)
    eth = rng.multinomial(persons, eth_p)

    oa = geo.oa
    ethnicity = pd.DataFrame(eth, columns=ETHNICITY_COLUMNS)
    ethnicity.insert(0, "OA", oa["oa_code"].to_numpy())
    ethnicity.insert(1, "Persons", persons)
    ethnicity["Mixed"] = ethnicity["Mixed"].astype(float)  # the MLID file has "10.0"
    ethnicity["LSOA"] = oa["lsoa_code"].to_numpy()
    ethnicity["MSOA"] = oa["msoa_code"].to_numpy()
    ethnicity["LAD"] = LAD_NAME
    ethnicity["RGN"] = REGION_NAME
    return ethnicity


def _lsoa_tables(geo: Geography, persons: np.ndarray, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """Age, sex and disability by LSOA from the OAs' person counts, then the IoD2019 files."""
    land = geo.land
    oa = geo.oa
    lsoa = geo.lsoa
    lsoa_total = pd.Series(persons).groupby(oa["lsoa_code"].to_numpy()).sum()
    lsoa_total = lsoa_total.reindex(lsoa["lsoa_code"]).to_numpy()
    lsoa_xy = shapely.get_coordinates(shapely.point_on_surface(lsoa.geometry.to_numpy()))
    young = np.clip(land.centrality(lsoa_xy), 0, 1)[:, None]
    stud = 0.45 * land.student(lsoa_xy)[:, None]
    age_p = (1 - stud) * ((1 - young) * _AGE_OUTER + young * _AGE_INNER) + stud * _AGE_STUDENT
    age_p = _dirichlet(rng, 600 * age_p)
    age = rng.multinomial(lsoa_total, age_p)
    share65 = age[:, -1] / lsoa_total

    female_p = np.clip(0.507 + 0.10 * (share65 - 0.18) - 0.02 * stud[:, 0]
                       + rng.normal(0, 0.006, len(lsoa_total)), 0.45, 0.56)
    female = rng.binomial(lsoa_total, female_p)

    depr = land.deprivation(lsoa_xy) + rng.normal(0, 0.25, len(lsoa_total))
    zdep = (depr - depr.mean()) / depr.std()
    disabled_p = np.clip(0.165 + 0.03 * zdep + 0.35 * (share65 - 0.18), 0.08, 0.32)
    disabled = rng.binomial(lsoa_total, disabled_p)

    def long_table(dim_column: str, labels: list[str], counts: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({
            "Lower layer Super Output Areas Code": np.repeat(lsoa["lsoa_code"].to_numpy(), len(labels)),
            "Lower layer Super Output Areas": np.repeat(lsoa["lsoa_name"].to_numpy(), len(labels)),
            dim_column: np.tile(labels, len(lsoa)),
            "Observation": counts.ravel(),
        })

    tables = {
        "age": long_table("Age (6 categories)", AGE_LABELS, age),
        "sex": long_table("Sex (2 categories)", SEX_LABELS, np.c_[female, lsoa_total - female]),
        "disability": long_table("Disability (2 categories)", DISABILITY_LABELS,
                                 np.c_[disabled, lsoa_total - disabled]),
    }
    tables.update(deprivation_tables(lsoa, zdep, age, lsoa_xy, land, rng))
    return tables
