"""Ward profile tables: a ward's make-up against the borough's, as plain DataFrames."""

from __future__ import annotations

import pandas as pd

from etl.mappings import AGE_BANDS


def composition(population: pd.DataFrame, dimension: str, ward_code: str) -> pd.DataFrame:
    """Share of residents in each category: this ward vs the borough (percent)."""
    d = population[population["dimension"] == dimension]
    ward = d[d["ward_code"] == ward_code].groupby("category")["persons"].sum()
    borough = d.groupby("category")["persons"].sum()
    out = pd.DataFrame({"Residents": ward, "Ward %": ward / ward.sum() * 100,
                        "Borough %": borough / borough.sum() * 100}).fillna(0.0)
    if dimension == "age":
        out = out.reindex([b for b in AGE_BANDS if b in out.index])
    else:
        out = out.sort_values("Borough %", ascending=False)
    return out.rename_axis("Group").reset_index()


def deprivation_domains(ward_dep: pd.DataFrame, ward_code: str) -> pd.DataFrame:
    """Per domain: the ward's LSOAs in England's most deprived 20% and its mean rank vs the borough's."""
    d = ward_dep.copy()
    d["weighted"] = d["mean_rank"] * d["population"]
    borough = d.groupby("domain").agg(weighted=("weighted", "sum"), population=("population", "sum"),
                                      top=("most_deprived_20_count", "sum"), n=("lsoa_count", "sum"))
    ward = d[d["ward_code"] == ward_code].set_index("domain")
    out = pd.DataFrame({
        "LSOAs in most deprived 20%": ward["most_deprived_20_count"].astype(int).astype(str) + " of "
        + ward["lsoa_count"].astype(int).astype(str),
        "Ward average rank": ward["mean_rank"].round(0),
        "Borough average rank": (borough["weighted"] / borough["population"]).round(0),
    }).dropna(subset=["Ward average rank"])
    order = ["IMD"] + sorted(i for i in out.index if i != "IMD")
    return out.reindex(order).rename_axis("Domain").reset_index()


def assets_by_category(assets: pd.DataFrame, ward_code: str) -> pd.DataFrame:
    """Count of community assets in the ward and the borough by category."""
    ward = assets[assets["ward_code"] == ward_code].groupby("category").size()
    borough = assets[assets["ward_code"].notna()].groupby("category").size()
    out = pd.DataFrame({"In this ward": ward, "In the borough": borough}).fillna(0).astype(int)
    return out.rename_axis("Category").reset_index()


def headline_table(values: pd.DataFrame, code: str) -> pd.DataFrame:
    """Each available indicator for one ward: value, borough value, comparison and rank among wards."""
    from geo import indicators

    marks = indicators.compare_to_borough(values)
    wards_only = values.drop(indicators.BOROUGH)
    rows = []
    for ind in indicators.INDICATORS:
        if ind.key not in values or values[ind.key].isna().all():
            continue
        rank = wards_only[ind.key].rank(ascending=False, method="min").get(code)
        rows.append({"Indicator": ind.label, "Unit": ind.unit, "This ward": ind.format(values.at[code, ind.key]),
                     "Borough": ind.format(values.at[indicators.BOROUGH, ind.key]),
                     "Compared with the borough": marks.at[code, ind.key] or "",
                     "Rank among wards (1 = highest)": "" if rank != rank else f"{rank:.0f} of {len(wards_only)}"})
    return pd.DataFrame(rows)
