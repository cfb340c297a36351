"""The indicator registry: one definition per indicator, read by pages, exports and tests.

Each indicator states its label, unit, formula in words, the dataset it comes from (for
source and date, looked up in the database's `datasets` table or given here), and
whether higher is better. `ward_indicators` computes every indicator for every ward
and for the borough as a whole from plain DataFrames; counts of respondents pass
through geo.disclosure first, so a rate never reveals a hidden count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.disclosure import DEFAULT_POLICY, DisclosurePolicy, protect_counts, safe_rate

BOROUGH = "Borough"
ENGLAND = "England"
NON_MINORITY = "White British"
#: Which load_sources dataset carries an indicator's source and date, when not a census dimension.
PROVENANCE_DATASET = {"deprivation": "imd", "engagement": "responses", "assets": "assets"}


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str
    formula: str
    dataset: str  # dimension in `datasets`, or 'deprivation', 'assets', 'engagement'
    higher_is_better: bool | None
    decimals: int = 1
    similarity: bool = False  # part of the documented set used to find similar wards

    def provenance(self, sources: pd.DataFrame) -> tuple[str, str]:
        """(source, reference date) from the database's provenance table (dataset, source, data_date)."""
        key = PROVENANCE_DATASET.get(self.dataset, self.dataset)
        hit = sources[sources["dataset"] == key]
        if hit.empty:
            return "", ""
        row = hit.iloc[-1]
        return str(row["source"] or ""), str(row["data_date"] or "")

    def format(self, value: float, missing: str = "hidden or n/a") -> str:
        if pd.isna(value):
            return missing
        suffix = "%" if self.unit == "%" else ""
        return f"{value:,.{self.decimals}f}{suffix}"


INDICATORS: tuple[Indicator, ...] = (
    Indicator("residents", "Residents", "people", "Usual residents, apportioned from LSOAs to wards", "age", None, 0),
    Indicator("pct_under_16", "Children (aged 15 and under)", "%", "Residents aged 0–15 ÷ residents × 100", "age",
              None, similarity=True),
    Indicator("pct_65_plus", "Older people (65 and over)", "%", "Residents aged 65+ ÷ residents × 100", "age", None,
              similarity=True),
    Indicator("pct_minority_ethnic", "Ethnic groups other than White British", "%",
              "Residents not White British ÷ residents × 100 (Census 2011 ethnic group)", "ethnicity", None,
              similarity=True),
    Indicator("imd_mean_rank", "Average deprivation rank", "rank of 32,844",
              "Population-weighted mean of the national IMD 2019 rank of the ward's LSOAs (1 = most deprived)",
              "deprivation", True, 0, similarity=True),
    Indicator("pct_lsoas_most_deprived", "Neighbourhoods in England's most deprived 20%", "%",
              "LSOAs in IMD 2019 deciles 1–2 ÷ LSOAs in the ward × 100", "deprivation", False, 0,
              similarity=True),
    Indicator("assets_per_1000", "Community assets per 1,000 residents", "per 1,000 residents",
              "Community groups and places in the ward ÷ residents × 1,000", "assets", True, 2),
    Indicator("responses_per_1000", "Responses per 1,000 residents", "per 1,000 residents",
              "Responses from residents of the ward ÷ residents × 1,000 (hidden when the count is below 10)",
              "engagement", True),
    Indicator("respondents_per_1000", "People taking part per 1,000 residents", "per 1,000 residents",
              "Distinct respondents (counted once across activities and channels) ÷ residents × 1,000",
              "engagement", True),
)
BY_KEY = {i.key: i for i in INDICATORS}
#: The documented set of indicators used to find similar wards (profile) and to group similar wards (proposals).
SIMILARITY_KEYS: tuple[str, ...] = tuple(i.key for i in INDICATORS if i.similarity)


def _share(population: pd.DataFrame, dimension: str, categories: list[str] | None = None,
           exclude: list[str] | None = None) -> tuple[pd.Series, pd.Series]:
    """(numerator, denominator) per ward for a share of a dimension's residents."""
    d = population[population["dimension"] == dimension]
    total = d.groupby("ward_code")["persons"].sum()
    mask = d["category"].isin(categories) if categories else ~d["category"].isin(exclude or [])
    part = d[mask].groupby("ward_code")["persons"].sum().reindex(total.index, fill_value=0.0)
    return part, total


def _with_borough(num: pd.Series, den: pd.Series, scale: float) -> pd.Series:
    out = num / den * scale
    out[BOROUGH] = num.sum() / den.sum() * scale if den.sum() else float("nan")
    return out


def residents(population: pd.DataFrame) -> pd.Series:
    """Residents per ward from the age table if loaded, else the first dimension available."""
    dims = population["dimension"].unique()
    dim = "age" if "age" in dims else (sorted(dims)[0] if len(dims) else None)
    return population[population["dimension"] == dim].groupby("ward_code")["persons"].sum()


def england_values(england_population: pd.DataFrame | None, england_deprivation: pd.DataFrame | None) -> pd.Series:
    """England's value of each indicator the national reference files allow (others absent)."""
    out = {}
    pop = england_population if england_population is not None else pd.DataFrame(columns=["dimension"])
    for dimension, key, categories, exclude in (("age", "pct_under_16", ["0-15"], None),
                                                ("age", "pct_65_plus", ["65+"], None),
                                                ("ethnicity", "pct_minority_ethnic", None, [NON_MINORITY])):
        d = pop[pop["dimension"] == dimension]
        if d.empty:
            continue
        mask = d["category"].isin(categories) if categories else ~d["category"].isin(exclude)
        out[key] = d.loc[mask, "persons"].sum() / d["persons"].sum() * 100
    dep = england_deprivation if england_deprivation is not None else pd.DataFrame(columns=["domain"])
    imd = dep[dep["domain"] == "IMD"]
    if not imd.empty:
        out["imd_mean_rank"] = float(imd["mean_rank"].iloc[0])
        out["pct_lsoas_most_deprived"] = float(imd["most_deprived_20_share"].iloc[0]) * 100
    return pd.Series(out, dtype=float)


def ward_indicators(ward_codes: list[str], population: pd.DataFrame, deprivation: pd.DataFrame,
                    assets: pd.DataFrame, engagement: pd.DataFrame,
                    policy: DisclosurePolicy = DEFAULT_POLICY,
                    england: pd.Series | None = None) -> pd.DataFrame:
    """Every registry indicator for every ward, a 'Borough' row and, if given, an 'England' row.

    NaN where data are absent or hidden. engagement: ward_code, responses, respondents (raw
    counts from the data-access module); england: from `england_values`.
    """
    out = pd.DataFrame(index=pd.Index(list(ward_codes) + [BOROUGH], name="ward_code"))
    pop = residents(population).reindex(ward_codes, fill_value=0.0)
    out["residents"] = pop
    out.loc[BOROUGH, "residents"] = pop.sum()
    if (population["dimension"] == "age").any():
        out["pct_under_16"] = _with_borough(*_share(population, "age", ["0-15"]), 100)
        out["pct_65_plus"] = _with_borough(*_share(population, "age", ["65+"]), 100)
    if (population["dimension"] == "ethnicity").any():
        out["pct_minority_ethnic"] = _with_borough(*_share(population, "ethnicity", exclude=[NON_MINORITY]), 100)
    imd = deprivation[deprivation["domain"] == "IMD"].set_index("ward_code")
    if not imd.empty:
        out["imd_mean_rank"] = _with_borough(imd["mean_rank"] * imd["population"], imd["population"], 1)
        out["pct_lsoas_most_deprived"] = _with_borough(imd["most_deprived_20_count"], imd["lsoa_count"], 100)
    if not assets.empty:  # no asset map loaded is not the same as no assets
        counts = assets.groupby("ward_code").size().reindex(ward_codes, fill_value=0)
        out["assets_per_1000"] = _with_borough(counts.astype(float), pop, 1000)
    eng = engagement.set_index("ward_code").reindex(ward_codes).fillna(0)
    for kind in ("responses", "respondents"):
        protected = protect_counts(eng[kind], policy, total=True).rename({"Total": BOROUGH})
        base = pd.concat([pop, pd.Series({BOROUGH: pop.sum()})])
        out[f"{kind}_per_1000"] = safe_rate(protected, base, 1000, policy)
    out = out.reindex(columns=[i.key for i in INDICATORS])
    if england is not None and not england.empty:
        out.loc[ENGLAND] = england.reindex(out.columns)
    return out


def compare_to_borough(values: pd.DataFrame, tolerance: float = 0.1) -> pd.DataFrame:
    """'better', 'similar' or 'worse' than the borough for each indicator with a direction.

    Similar means within ±tolerance (10%) of the borough value: a plain rule a councillor
    can check by eye, stated on every page that uses it.
    """
    values = values.drop(index=ENGLAND, errors="ignore")
    borough = values.loc[BOROUGH]
    out = pd.DataFrame(index=values.index, columns=values.columns, dtype=object)
    for ind in INDICATORS:
        if ind.key not in values or ind.higher_is_better is None:
            continue
        ratio = values[ind.key] / borough[ind.key]
        better = ratio > 1 + tolerance if ind.higher_is_better else ratio < 1 - tolerance
        worse = ratio < 1 - tolerance if ind.higher_is_better else ratio > 1 + tolerance
        out[ind.key] = np.select([better.to_numpy(), worse.to_numpy(), ratio.notna().to_numpy()],
                                 ["better", "worse", "similar"], default="")
    return out
