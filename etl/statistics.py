"""Small-area statistics tables (wide or long) for the borough, ready to apportion.

Handles the quirks of published census tables: wide tables with one column per
category (Census 2011 ethnicity by OA), long tables with one row per area and category
(Census 2021 age by LSOA), totals that exceed the itemised categories, and codes of a
later vintage than the boundaries (2021 LSOAs against 2011 boundaries). Mismatched codes
are reported and their residents re-assigned, never dropped.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd

from etl.config import StatisticsSpec
from etl.errors import InputError
from etl.readers import line_of, read_table, to_number
from etl.reports import SourceReport
from vocabulary import UNITEMISED

_NAME_SUFFIX = re.compile(r"^(?P<msoa>(?P<lad>.+) \d{3})[A-Z]$")


def _first_line(mask: pd.Series) -> int:
    return line_of(mask.index[mask.values][0])


def _wide(frame: pd.DataFrame, spec: StatisticsSpec) -> pd.DataFrame:
    missing = [c for c in spec.categories if c not in frame.columns]
    if missing:
        raise InputError(spec.file, f"missing category column(s) {missing}; found {list(frame.columns)}")
    values = {label: to_number(frame, col, spec.file) for col, label in spec.categories.items()}
    wide = pd.DataFrame(values, index=frame.index)
    if spec.total_column:
        total = to_number(frame, spec.total_column, spec.file)
        residual = (total - wide.sum(axis=1)).round(6)
        if (residual < -0.5).any():
            raise InputError(spec.file, f"categories add up to more than {spec.total_column}",
                             row=_first_line(residual < -0.5), column=spec.total_column)
        if (residual > 0).any():
            wide[UNITEMISED] = residual.clip(lower=0)
    wide.insert(0, "area_code", frame[spec.code_column].values)
    wide["line"] = frame.index.values + 2
    return wide.melt(id_vars=["area_code", "line"], var_name="category", value_name="value")


def _long(frame: pd.DataFrame, spec: StatisticsSpec) -> pd.DataFrame:
    cats = frame[spec.category_column].str.strip()
    unknown = ~cats.isin(list(spec.categories))
    if unknown.any():
        i = _first_line(unknown)
        raise InputError(spec.file, f"category '{cats[unknown].iloc[0]}' is not in the mapping "
                                    f"({sorted(spec.categories)})", row=i, column=spec.category_column)
    return pd.DataFrame({
        "area_code": frame[spec.code_column].values,
        "line": frame.index.values + 2,
        "category": cats.map(spec.categories).values,
        "value": to_number(frame, spec.value_column, spec.file).values,
    })


def _lookup_candidates(spec: StatisticsSpec, new_codes: list[str]) -> dict[str, list[str]]:
    table = read_table(spec.lookup)
    cols = list(table.columns)
    old = [c for c in cols if re.fullmatch(r"(LSOA|OA)11CD", c, re.I)]
    new = [c for c in cols if re.fullmatch(r"(LSOA|OA)2\dCD", c, re.I)]
    if len(old) != 1 or len(new) != 1:
        raise InputError(spec.lookup, "a lookup needs one 2011 and one 2021 code column "
                                      f"(e.g. LSOA11CD, LSOA21CD); found {cols}")
    sub = table[table[new[0]].isin(new_codes)]
    return sub.groupby(new[0])[old[0]].apply(list).to_dict()


def _name_candidates(names: dict[str, str], retired: pd.DataFrame) -> dict[str, list[str]]:
    """Heuristic predecessors of later-vintage codes, when no lookup file is given.

    A 2021 LSOA named like a 2011 MSOA ("Thurrock 006G") came from the retired 2011 LSOAs
    of that MSOA ("Thurrock 006D"); one in a new MSOA ("Thurrock 022C") from the retired
    areas no same-MSOA code claimed, else from all retired areas.
    """
    msoa = retired["name"].str.extract(_NAME_SUFFIX)["msoa"]
    by_msoa = retired.assign(msoa=msoa).groupby("msoa")["code"].apply(list).to_dict()
    out: dict[str, list[str]] = {}
    for code, name in names.items():
        m = _NAME_SUFFIX.match(name or "")
        if m and m.group("msoa") in by_msoa:
            out[code] = by_msoa[m.group("msoa")]
    claimed = {c for targets in out.values() for c in targets}
    unclaimed = [c for c in retired["code"] if c not in claimed] or retired["code"].tolist()
    for code in names:
        out.setdefault(code, unclaimed)
    return out


def _reassign(long: pd.DataFrame, spec: StatisticsSpec, areas: gpd.GeoDataFrame, names: dict[str, str],
              report: SourceReport) -> pd.DataFrame:
    """Give residents of later-vintage codes to the boundary areas they came from, shared by area."""
    new_codes = sorted(names)
    present = set(long["area_code"])
    retired = areas[~areas["code"].isin(present)][["code", "name"]]
    candidates = (_lookup_candidates(spec, new_codes) if spec.lookup else _name_candidates(names, retired))
    area_of = areas.set_index("code").geometry.area
    rows = []
    for code in new_codes:
        targets = [t for t in candidates.get(code, []) if t in area_of.index]
        if not targets:
            line = int(long.loc[long["area_code"] == code, "line"].iloc[0])
            raise InputError(spec.file, f"code {code} ({names[code]}) is not in the {spec.level.upper()} "
                                        "boundaries and no earlier area can take its residents; give a lookup "
                                        "file in the config",
                             row=line, column=spec.code_column)
        share = area_of.loc[targets] / area_of.loc[targets].sum()
        sub = long[long["area_code"] == code]
        for target, s in share.items():
            rows.append(sub.assign(area_code=target, value=sub["value"] * s))
        persons = sub["value"].sum()
        report.notes.append(f"{spec.level.upper()} {code} ({names[code]}, {persons:,.0f} residents) is not in the "
                            f"boundary file; its residents were given to {', '.join(targets)} "
                            f"({'lookup' if spec.lookup else 'same MSOA name, else other areas without data'}, "
                            "shared by area).")
    kept = long[~long["area_code"].isin(new_codes)]
    return pd.concat([kept, *rows], ignore_index=True)


def _unmatched(outside: pd.DataFrame, spec: StatisticsSpec, report: SourceReport, absent: list[str]) -> None:
    """Rows whose codes match no area of the loaded boundaries, in a file (not `national`) that leaves some of the
    borough's areas without rows: most likely the borough's own rows under codes of another vintage. An error,
    unless the config says allow_unmatched = true: then they are rejected, counted and noted with their persons.

    (In a file that covers every area of the borough, other rows are other districts' and are left out quietly.)
    """
    what = "ward" if spec.level == "ward" else spec.level.upper()
    codes = outside[spec.code_column].astype("string").str.strip().fillna("(blank)")
    first, line = codes.iloc[0], line_of(outside.index[0])
    if not spec.allow_unmatched:
        raise InputError(spec.file, f"codes match no {what} of the loaded boundaries on {len(outside):,} row(s) "
                                    f"(first: {first}), and {len(absent)} of the borough's {what}s have no rows "
                                    f"({', '.join(absent[:3])}{' …' if len(absent) > 3 else ''}): are the codes of "
                                    "another vintage? Correct them, or set allow_unmatched = true in this "
                                    "[[statistics]] block to load the other rows and count these as rejected",
                         row=line, column=spec.code_column)
    parsed = _wide(outside, spec) if spec.layout == "wide" else _long(outside, spec)
    persons = float(parsed["value"].sum())
    report.rows_rejected += len(outside)
    report.rejections += [{"line": line_of(i), "column": spec.code_column,
                           "problem": f"'{code}' matches no {what} of the loaded boundaries"}
                          for i, code in list(codes.items())[:1000]]
    report.notes.append(f"{len(outside):,} row(s) whose codes match no {what} of the loaded boundaries were left out "
                        f"({persons:,.0f} persons dropped; allow_unmatched = true); first: {first}, line {line}.")


def england_totals(frame: pd.DataFrame, spec: StatisticsSpec) -> pd.DataFrame:
    """Persons per category over every English area of a national file (codes starting E), for comparison."""
    english = frame[frame[spec.code_column].str.strip().str.startswith("E")]
    long = _wide(english, spec) if spec.layout == "wide" else _long(english, spec)
    return long.groupby("category", as_index=False)["value"].sum().rename(columns={"value": "persons"})


def read_statistics(spec: StatisticsSpec, areas: gpd.GeoDataFrame
                    ) -> tuple[pd.DataFrame, SourceReport, pd.DataFrame | None]:
    """Rows of one statistics file for the borough as long (area_code, category, value).

    areas: the borough's small areas at spec.level (code, name, geometry in EPSG:27700).
    Also returns England's totals per category when the config marks the file `national`.
    """
    report = SourceReport(dataset=spec.dimension, file=spec.file, source=spec.source, data_date=spec.date)
    need = [spec.code_column] + [c for c in (spec.name_column, spec.category_column, spec.value_column,
                                                spec.total_column) if c]
    frame = read_table(spec.file, usecols=need)
    report.rows_read = len(frame)
    codes = frame[spec.code_column].str.strip()
    borough_codes = set(areas["code"])
    in_borough = codes.isin(borough_codes)
    names: dict[str, str] = {}
    if spec.name_column and areas["name"].notna().any():
        prefixes = set(areas["name"].dropna().str.extract(_NAME_SUFFIX)["lad"].dropna())
        stem = frame[spec.name_column].str.extract(_NAME_SUFFIX)["lad"]
        later = ~in_borough & stem.isin(prefixes)
        names = dict(zip(codes[later], frame.loc[later, spec.name_column], strict=False))
        in_borough = in_borough | later
    england = england_totals(frame, spec) if spec.national else None
    outside = frame[~in_borough.values]
    frame = frame[in_borough.values]
    if frame.empty:
        raise InputError(spec.file, f"no row has a {spec.level.upper()} code of the borough "
                                    f"in column '{spec.code_column}'")
    long = _wide(frame, spec) if spec.layout == "wide" else _long(frame, spec)
    dup = long.duplicated(["area_code", "category"], keep=False)
    if dup.any():
        raise InputError(spec.file, f"{long.loc[dup, 'area_code'].iloc[0]} has '{long.loc[dup, 'category'].iloc[0]}' "
                                    "more than once", row=int(long.loc[dup, "line"].iloc[0]))
    if (long["value"] < 0).any():
        raise InputError(spec.file, "negative count", row=int(long.loc[long["value"] < 0, "line"].iloc[0]))
    if names:
        long = _reassign(long, spec, areas, names, report)
    absent = sorted(borough_codes - set(long["area_code"]))
    if absent and len(outside) and not spec.national:
        _unmatched(outside, spec, report, absent)
    if absent:
        report.notes.append(f"{len(absent)} {spec.level.upper()}(s) of the borough have no rows in this file: "
                            f"{', '.join(absent[:10])}{' …' if len(absent) > 10 else ''}.")
    report.rows_loaded = len(frame)
    return long[["area_code", "category", "value"]], report, england
