"""English Indices of Deprivation 2019 (MHCLG) for the borough's LSOAs, and per ward.

Reads Files 1 (IMD rank and decile), 2 (the seven domains) and 6 (population
denominators) as published: UTF-8 with BOM, ranks with quoted thousands separators,
long column names. Ward figures follow common practice for ward profiles (e.g. OCSI,
Trafford Data Lab): count and share of the ward's LSOAs in England's most deprived 20%,
and the population-weighted mean national rank, using each LSOA's best-fit ward.
"""

from __future__ import annotations

import re

import pandas as pd

from etl.config import DeprivationSpec
from etl.errors import InputError
from etl.readers import read_table, to_number
from etl.reports import SourceReport

CODE = "LSOA code (2011)"
_RANK = re.compile(r"^(?P<domain>.+?) Rank(?: \(where 1 is most deprived\))?$")
_DECILE = re.compile(r"^(?P<domain>.+?) Decile(?: \(where 1 is most deprived 10% of LSOAs\))?$")
_POP = "Total population: mid 2015 (excluding prisoners)"
N_LSOAS = 32_844


def _domain_label(raw: str) -> str:
    return "IMD" if raw.startswith("Index of Multiple Deprivation") else raw


def _ranks(file, lsoas: set[str], dataset: str, source: str, date: str) -> tuple[pd.DataFrame, SourceReport]:
    frame = read_table(file, usecols=[CODE])
    report = SourceReport(dataset=dataset, file=file, rows_read=len(frame), source=source, data_date=date)
    frame = frame[frame[CODE].str.strip().isin(lsoas)]
    rows = []
    for col in frame.columns:
        m = _RANK.match(col)
        if not m:
            continue
        domain = m.group("domain")
        decile_col = next((c for c in frame.columns if (d := _DECILE.match(c)) and d.group("domain") == domain), None)
        if decile_col is None:
            raise InputError(file, f"rank column '{col}' has no matching decile column")
        rank = to_number(frame, col, file)
        if ((rank < 1) | (rank > N_LSOAS)).any():
            bad = rank[(rank < 1) | (rank > N_LSOAS)]
            raise InputError(file, f"rank {bad.iloc[0]:.0f} is outside 1–{N_LSOAS:,}",
                             row=int(bad.index[0]) + 2, column=col)
        rows.append(pd.DataFrame({"lsoa_code": frame[CODE].str.strip().values, "domain": _domain_label(domain),
                                  "rank": rank.astype(int).values,
                                  "decile": to_number(frame, decile_col, file).astype(int).values}))
    if not rows:
        raise InputError(file, "no '… Rank' columns found; is this an Indices of Deprivation file?")
    report.rows_loaded = len(frame)
    return pd.concat(rows, ignore_index=True), report


def read_deprivation(spec: DeprivationSpec, lsoas: set[str]) -> tuple[pd.DataFrame, list[SourceReport]]:
    """Long table lsoa_code, domain, rank, decile, population for the borough's LSOAs."""
    imd, rep1 = _ranks(spec.imd, lsoas, "imd", spec.source, spec.date)
    reports = [rep1]
    if spec.domains:
        domains, rep2 = _ranks(spec.domains, lsoas, "imd_domains", spec.source, spec.date)
        imd = pd.concat([imd, domains[domains["domain"] != "IMD"]], ignore_index=True)
        reports.append(rep2)
    imd["population"] = 1.0
    if spec.denominators:
        den = read_table(spec.denominators, usecols=[CODE, _POP])
        rep6 = SourceReport(dataset="imd_population", file=spec.denominators, rows_read=len(den), source=spec.source,
                            data_date=spec.date)
        den = den[den[CODE].str.strip().isin(lsoas)]
        pop = pd.Series(to_number(den, _POP, spec.denominators).values, index=den[CODE].str.strip().values)
        rep6.rows_loaded = len(den)
        imd["population"] = imd["lsoa_code"].map(pop).fillna(0.0)
        reports.append(rep6)
    missing = lsoas - set(imd["lsoa_code"])
    if missing:
        reports[0].notes.append(f"{len(missing)} LSOA(s) of the borough have no IMD row: {', '.join(sorted(missing))}.")
    return imd, reports


def england_reference(imd_file, denominators_file=None) -> pd.DataFrame | None:
    """Population-weighted mean IMD rank and most-deprived-20% share over all of England.

    Only from a complete national File 1 (all 32,844 LSOAs): a file cut to one borough
    would make the "England" figure the borough's own.
    """
    frame = read_table(imd_file, usecols=[CODE])
    if frame[CODE].nunique() != N_LSOAS:
        return None
    lsoas = set(frame[CODE].str.strip())
    dep, _ = read_deprivation(DeprivationSpec(imd=imd_file, denominators=denominators_file), lsoas)
    dep = dep[dep["domain"] == "IMD"]
    weight = dep["population"].where(dep["population"] > 0, 1.0)
    return pd.DataFrame([{"domain": "IMD", "mean_rank": float((dep["rank"] * weight).sum() / weight.sum()),
                          "most_deprived_20_share": float((dep["decile"] <= 2).mean())}])


def ward_summary(lsoa_dep: pd.DataFrame, best_fit: pd.DataFrame) -> pd.DataFrame:
    """Per ward and domain: LSOA count, population, weighted mean rank, most-deprived-20% count and share.

    best_fit: area_code, ward_code for LSOAs.
    """
    d = lsoa_dep.merge(best_fit.rename(columns={"area_code": "lsoa_code"})[["lsoa_code", "ward_code"]], on="lsoa_code")
    d["weighted"] = d["rank"] * d["population"]
    d["top20"] = (d["decile"] <= 2).astype(int)
    g = d.groupby(["ward_code", "domain"])
    out = g.agg(lsoa_count=("lsoa_code", "count"), population=("population", "sum"),
                weighted=("weighted", "sum"), most_deprived_20_count=("top20", "sum"),
                plain_mean=("rank", "mean")).reset_index()
    out["mean_rank"] = (out["weighted"] / out["population"]).where(out["population"] > 0, out["plain_mean"])
    out["most_deprived_20_share"] = out["most_deprived_20_count"] / out["lsoa_count"]
    return out[["ward_code", "domain", "lsoa_count", "population", "mean_rank", "most_deprived_20_count",
                "most_deprived_20_share"]]
