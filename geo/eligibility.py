"""Who could take part: the age groups of an analysis and the residents eligible for the activities in a filter.

Age groups (`age_groups`). Respondents' ages arrive as census bands ("0-15" … "65+", from an exact age
or a year of birth) or as a form's own bands ("18-24", "45-54", "75+"), and a filter can mix both. The
analysis groups are the intervals of the categories respondents gave, with overlapping intervals merged
(so "35-49" and "45-54" become "35-54": mixed band sets coarsen to the bands they share), and the ages
no respondent category covers filled with the census bands clipped to the gap (so "0-15" and, under a
form starting at 18, "16-17" stay visible as groups of residents). Each respondent category falls in
exactly one group.

The census comparator rebuilt for those groups (`age_comparator`): each census band's residents are
spread uniformly over its single years of age, the open top band "65+" over ages 65 to 89 (up to 90),
and a group gets the single years it covers. This is the usual proportional (uniform) split used to
re-band grouped population counts when no single-year table is loaded (e.g. ONS, "Population
estimates: methods guide", uniform disaggregation within age groups); its error is largest in bands
whose age structure is far from flat (the top band, where numbers fall with age).

Eligible residents (`eligible_population`). An activity may say who could take part (activities.min_age
/ max_age; NULL = no limit). Under a filter the widest limits of its activities apply (the lowest minimum,
the highest maximum, no limit if any activity has none), and each age group keeps only the single years
inside them, by the same uniform split. Other dimensions keep their shares within a ward and are scaled by
the ward's eligible fraction: the stated assumption that every sex, ethnic group and disability group has
the ward's age structure (the census margins loaded do not cross age with the other dimensions).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from vocabulary import AGE

#: The open top band ("65+", "75+") is spread over single years up to this age (exclusive): 65+ is ages 65–89.
TOP_AGE = 90

_BAND = re.compile(r"^\s*(\d{1,3})\s*(?:-|–|to)\s*(\d{1,3})\s*$|^\s*(\d{1,3})\s*\+\s*$")


def band_interval(label: object) -> tuple[int, int] | None:
    """An age band as the half-open interval of single years [lo, hi): '16-24' → (16, 25), '65+' → (65, 90).

    None for anything that is not a band ('Not stated', another answer, a typo)."""
    if not isinstance(label, str):
        return None
    m = _BAND.match(label)
    if not m:
        return None
    if m.group(3) is not None:
        lo = int(m.group(3))
        return lo, max(TOP_AGE, lo + 1)
    lo, hi = int(m.group(1)), int(m.group(2)) + 1
    return (lo, hi) if hi > lo else None


def band_label(lo: int, hi: int) -> str:
    """The label of [lo, hi): 'LO-HI' (inclusive), or 'LO+' for a band reaching the top age."""
    return f"{lo}+" if hi >= TOP_AGE else f"{lo}-{hi - 1}"


def band_sort_key(label: object) -> tuple[int, int, str]:
    """Order age groups by their youngest age; labels that are not bands after all bands, by name."""
    interval = band_interval(label)
    return (0, interval[0], "") if interval else (1, 0, str(label))


def age_groups(respondent_categories: list, census_bands: list) -> tuple[list[tuple[int, int]], dict[str, str]]:
    """The analysis age groups and where each respondent category goes.

    respondent_categories: the age answers respondents gave (labels; anything not a band is ignored here);
    census_bands: the census age categories of ward_population. Returns (the groups as [lo, hi) intervals in
    age order, covering every age a census band covers; {respondent category: group label}). Overlapping
    respondent intervals are merged (transitively); ages no respondent interval covers take the census bands
    clipped to the gap, so where respondents answered in census bands the groups are the census bands.
    """
    answers = sorted({band_interval(c) for c in respondent_categories} - {None})
    merged: list[list[int]] = []
    for lo, hi in answers:
        if merged and lo < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    groups = [(lo, hi) for lo, hi in merged]
    for c_lo, c_hi in sorted({band_interval(c) for c in census_bands} - {None}):
        pieces = [(c_lo, c_hi)]
        for g_lo, g_hi in merged:  # cut the census band around every respondent group
            pieces = [p for a, b in pieces for p in ((a, min(b, g_lo)), (max(a, g_hi), b)) if p[1] > p[0]]
        groups += pieces
    groups = sorted(set(groups))
    where = {}
    for c in set(respondent_categories):
        interval = band_interval(c)
        if interval is not None:
            where[c] = next(band_label(lo, hi) for lo, hi in merged if lo <= interval[0] < hi)
    return groups, where


def _overlap(a_lo, a_hi, b_lo, b_hi):
    """Single years in [a_lo, a_hi) ∩ [b_lo, b_hi) (arrays broadcast)."""
    return np.clip(np.minimum(a_hi, b_hi) - np.maximum(a_lo, b_lo), 0, None)


def age_comparator(population: pd.DataFrame, groups: list[tuple[int, int]],
                   limits: tuple[int | None, int | None] = (None, None)) -> pd.DataFrame:
    """Residents per ward in each age group, eligible ones only: long ward_code, dimension, category, persons.

    population: long ward_population (its age rows are read; a census category that is not a band, such
    as the unitemised remainder, is kept as it is); groups: [lo, hi) intervals (`age_groups`);
    limits: (min_age, max_age), inclusive, None = no limit. Uniform split by single year within each
    census band (65+ over 65–89); persons are floats.
    """
    pop = population[population["dimension"] == AGE]
    intervals = pop["category"].map(band_interval)
    banded = pop[intervals.notna()]
    other = pop[intervals.isna()]
    lo_lim = -1 if limits[0] is None or pd.isna(limits[0]) else int(limits[0])
    hi_lim = 10**6 if limits[1] is None or pd.isna(limits[1]) else int(limits[1]) + 1
    c_lo = np.array([i[0] for i in intervals.dropna()], dtype=float)
    c_hi = np.array([i[1] for i in intervals.dropna()], dtype=float)
    persons = banded["persons"].to_numpy(dtype=float)
    frames = []
    for g_lo, g_hi in groups:
        years = _overlap(c_lo, c_hi, max(g_lo, lo_lim), min(g_hi, hi_lim))
        frames.append(pd.DataFrame({"ward_code": banded["ward_code"].to_numpy(), "dimension": AGE,
                                    "category": band_label(g_lo, g_hi), "persons": persons * years / (c_hi - c_lo)}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(pop.columns))
    out = out.groupby(["ward_code", "dimension", "category"], as_index=False, sort=False)["persons"].sum()
    return pd.concat([out, other[["ward_code", "dimension", "category", "persons"]]], ignore_index=True)


def eligible_population(population: pd.DataFrame, dimension: str, respondent_categories: list,
                        limits: tuple[int | None, int | None] = (None, None)) -> pd.DataFrame:
    """The comparator of one dimension: long ward_population rows of eligible residents (persons as floats).

    Age: `age_comparator` for the `age_groups` of the respondents' answers. Another dimension: its census
    groups scaled, ward by ward, by the share of the ward's residents inside the age limits (the same in
    every group: the stated assumption). With no limits, or no age rows loaded, the census rows as they are.
    """
    if dimension == AGE:
        census = population.loc[population["dimension"] == AGE, "category"].drop_duplicates().tolist()
        groups, _ = age_groups(list(respondent_categories), census)
        return age_comparator(population, groups, limits)
    rows = population[population["dimension"] == dimension].copy()
    rows["persons"] = rows["persons"].astype(float)
    no_limits = all(v is None or pd.isna(v) for v in limits)
    if no_limits or not (population["dimension"] == AGE).any():
        return rows
    ages = population[population["dimension"] == AGE]
    everyone = ages[ages["category"].map(band_interval).notna()].groupby("ward_code")["persons"].sum()
    eligible = age_comparator(population, [(0, TOP_AGE)], limits)
    eligible = eligible[eligible["category"] == band_label(0, TOP_AGE)].set_index("ward_code")["persons"]
    fraction = (eligible / everyone.where(everyone > 0)).fillna(0.0)
    rows["persons"] = rows["persons"] * rows["ward_code"].map(fraction).fillna(1.0).to_numpy()
    return rows


def respondent_age_groups(groups: pd.DataFrame, census_bands: list) -> pd.DataFrame:
    """Respondent counts with each age answer moved into its analysis group (`age_groups`), summed."""
    _, where = age_groups(list(groups["category"].dropna().unique()), census_bands)
    mapped = groups.assign(category=groups["category"].map(lambda c: where.get(c, c)))
    return mapped.groupby(["ward_code", "category"], as_index=False, dropna=False, sort=False)["respondents"].sum()
