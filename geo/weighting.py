"""Weighting respondents to the residents who could take part: raking, the effective sample size and weighted shares.

Why: those who answer a question rarely look like the borough (geo.representation shows who is missing), so a
raw share answers "what did those who replied say?". Weighting asks "what would they have said had the replies
looked like the eligible residents?" — as far as age, sex and ethnic group can tell.

Method. Raking (iterative proportional fitting; Deming & Stephan 1940), the calibration estimator of Deville &
Särndal (1992) with the raking distance, computed by `samplics` (SampleWeight.rake). The inputs are respondent
*cells* — counts of respondents per ward, age, sex, ethnic group and disability (data_access.answers.answer_cells),
never one row per person — used as frequency weights: each cell starts with its count as its weight and the
rake scales it; a respondent's weight is the cell's weight ÷ its count.
  Targets: the eligible residents (geo.eligibility.eligible_population: the activities' age limits, age groups
rebuilt for the bands respondents used), the same comparator as the representation test, so "under-represented"
there and "weighted up" here speak of the same groups. The census's unitemised remainder is left out.
  Dimensions: age, sex and ethnic group (`RAKING_DIMENSIONS`), each only where the census dimension is loaded.
  'Not stated', another answer (no census group), a band no eligible resident is in: these respondents form one
class per dimension (`NO_COMPARATOR`) whose target is its own share of the respondents (by the starting
weights) × the residents; the groups stated share the rest in census proportions. So those who did not say
are neither dropped nor pushed into a group; their weight on that dimension keeps its starting share (scaled to
the residents), while the other dimensions still adjust it.
  A census group with eligible residents but no respondent cannot be weighted up (there is no one to carry its
weight): it is left out of the targets, the groups stated share its residents, and it is reported
(`Raking.missing`). Weighting cannot speak for people nobody heard from.
  Per ward: a ward's respondents are raked to the ward's own residents when at least `MIN_WARD_RESPONDENTS`
(100) answered and every group holding at least `MIN_GROUP_SHARE` (5%) of the ward's eligible residents on a
dimension has a respondent; otherwise the ward's respondents keep the borough weights (`ward_basis`).
  Effective sample size: Kish (1965), n_eff = (Σw)² ÷ Σw², over respondents (a cell of n respondents of weight
w adds n·w and n·w²). It is n when every weight is equal and falls as weights spread; a weighted share's 95%
interval is the Wilson interval with n_eff in place of n.
  "Depends on who replied": the weighted share lies outside the raw share's 95% interval.

Limits (docs/methods.md): weighting corrects only for the dimensions raked, assumes those who replied in a
group speak for those who did not (missing at random given the groups), cannot create groups nobody in replied,
and the census margins are not crossed (age × sex × ethnicity jointly unknown), so only margins are matched.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.eligibility import age_groups, eligible_population
from geo.proportions import wilson_interval
from vocabulary import AGE, ETHNICITY, NOT_STATED, RESPONSE_COLUMNS, SEX, UNITEMISED

with warnings.catch_warnings():  # samplics 0.6.1 announces its archiving on import (FutureWarning); it is pinned
    warnings.simplefilter("ignore", FutureWarning)
    from samplics.weighting import SampleWeight

#: The columns that identify a respondent cell (data_access.answers.answer_cells without `value`).
KEYS = ["ward_code", *RESPONSE_COLUMNS.values()]
RAKING_DIMENSIONS = (AGE, SEX, ETHNICITY)
MIN_WARD_RESPONDENTS = 100
MIN_GROUP_SHARE = 0.05
NO_COMPARATOR = "Not stated or no census group"
BOROUGH = "Borough"
TOLERANCE = 1e-10


def kish_effective_size(weights, counts=None) -> float:
    """Kish (1965) effective sample size (Σw)² ÷ Σw², over respondents; `counts`: respondents per weight (cells).

    NaN with no positive weight."""
    w = np.asarray(weights, dtype=float)
    n = np.ones_like(w) if counts is None else np.asarray(counts, dtype=float)
    total, squares = float((n * w).sum()), float((n * w * w).sum())
    return total * total / squares if squares > 0 else np.nan


def weighted_interval(share, effective_size, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson interval of a weighted share (0–1) with the effective sample size in place of n (arrays)."""
    p, n = np.asarray(share, dtype=float), np.asarray(effective_size, dtype=float)
    return wilson_interval(p * n, n, alpha)


def prepare_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """Respondent cells as every function here reads them: demographic gaps as 'Not stated', respondents as
    floats, cells with no respondent and cells outside every ward (no residents to weight to) dropped."""
    out = cells.copy()
    for column in KEYS[1:]:
        out[column] = out[column].astype(object).where(out[column].notna(), NOT_STATED)
    out["respondents"] = out["respondents"].astype(float)
    return out[out["ward_code"].notna() & (out["respondents"] > 0)].reset_index(drop=True)


# --- targets --------------------------------------------------------------------------------

def _census_bands(population: pd.DataFrame) -> list:
    return population.loc[population["dimension"] == AGE, "category"].drop_duplicates().tolist()


def margins(population: pd.DataFrame, cells: pd.DataFrame, dimensions=RAKING_DIMENSIONS,
            limits: tuple[int | None, int | None] = (None, None)) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """(eligible residents per ward, dimension and category; each cell's category per dimension).

    Only dimensions with census rows are returned. A cell's category is its answer, the age group for age
    (geo.eligibility.age_groups of the answers in `cells`), and NO_COMPARATOR for 'Not stated', another answer,
    or a group with no eligible resident in the borough.
    """
    frames, categories = [], {}
    for dim in dimensions:
        if not (population["dimension"] == dim).any():
            continue
        column = RESPONSE_COLUMNS[dim]
        answers = list(cells[column].unique())
        pop = eligible_population(population, dim, answers, limits)
        pop = pop[(pop["dimension"] == dim) & (pop["category"] != UNITEMISED)]
        frames.append(pop[["ward_code", "dimension", "category", "persons"]])
        mapped = cells[column]
        if dim == AGE:
            _, where = age_groups(answers, _census_bands(population))
            mapped = mapped.map(where).fillna(mapped)
        resident = pop.groupby("category")["persons"].sum()
        known = set(resident.index[resident > 0])
        categories[dim] = mapped.where(mapped.isin(known), NO_COMPARATOR).astype(object)
    columns = ["ward_code", "dimension", "category", "persons"]
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)), categories


def _controls(residents: pd.Series, start: pd.Series) -> tuple[dict, list[str]] | None:
    """One dimension's targets for a scope: residents per category (eligible), starting weight per category of
    the cells in the scope (NO_COMPARATOR included). None when nobody in the scope stated a group."""
    residents = residents[residents > 0]
    total_start = float(start.sum())
    no_group = float(start.get(NO_COMPARATOR, 0.0))
    stated = start.drop(NO_COMPARATOR, errors="ignore")
    stated = stated[stated > 0]
    if stated.empty or total_start <= 0:
        return None
    missing = [c for c in residents.index if c not in stated.index]
    kept = residents.reindex(stated.index)
    return {"kept": kept, "no_group_share": no_group / total_start}, missing


@dataclass
class Raking:
    """One scope's raking: a weight per respondent of each cell (NaN when not raked), and what it matched."""

    weights: np.ndarray
    targets: dict[str, dict[str, float]] = field(default_factory=dict)
    missing: dict[str, list[str]] = field(default_factory=dict)
    converged: bool = False
    reason: str = ""

    @property
    def raked(self) -> bool:
        return self.converged and bool(self.targets)


def rake(respondents: pd.Series, categories: dict[str, pd.Series], residents: dict[str, pd.Series],
         total: float | None = None, max_iter: int = 1000) -> Raking:
    """Rake cells of `respondents` (frequency weights) to the residents of one scope, with samplics.

    categories: each dimension's category per cell (aligned with `respondents`); residents: each dimension's
    eligible residents per category in the scope; total: the residents the weights add up to (default: the
    first dimension's). Returns per-respondent weights. Every margin is scaled to the same total (the sources
    of the dimensions differ slightly in their totals; only shares are matched).
    """
    start = respondents.to_numpy(dtype=float)
    n = len(start)
    controls, domains, missing = {}, {}, {}
    for dim, cats in categories.items():
        here = residents[dim][residents[dim] > 0]
        cats = cats.where(cats.isin(set(here.index)), NO_COMPARATOR)  # no eligible resident in this scope
        found = _controls(here, pd.Series(start, index=cats.to_numpy()).groupby(level=0).sum())
        if found is None:
            continue
        spec, missing[dim] = found
        total = float(here.sum()) if total is None else total
        target = spec["kept"] / spec["kept"].sum() * (1 - spec["no_group_share"]) * total
        control = {str(k): float(v) for k, v in target.items()}
        if spec["no_group_share"] > 0:
            control[NO_COMPARATOR] = spec["no_group_share"] * total
        controls[dim], domains[dim] = control, cats.astype(str).to_numpy()
    if not controls or n == 0:
        return Raking(np.full(n, np.nan), reason="no group stated to weight to")
    raked = SampleWeight().rake(samp_weight=start, margins=domains, control=controls, tol=TOLERANCE,
                                ctrl_tol=TOLERANCE, max_iter=max_iter)
    achieved = all(abs(raked[domains[d] == k].sum() - v) <= 1e-6 * max(1.0, v)
                   for d in controls for k, v in controls[d].items())
    weights = np.asarray(raked, dtype=float) / start
    return Raking(weights, controls, missing, achieved, "" if achieved else "raking did not converge")


# --- borough and wards ----------------------------------------------------------------------

def _ward_ready(ward_cats: dict[str, pd.Series], ward_residents: dict[str, pd.Series], respondents: float,
                min_respondents: int, min_share: float) -> str:
    """'' when a ward can be raked on its own, else why not (the ward keeps the borough weights)."""
    if respondents < min_respondents:
        return f"fewer than {min_respondents} respondents"
    for dim, residents in ward_residents.items():
        residents = residents[residents > 0]
        answered = set(ward_cats[dim].unique())
        big = residents[residents >= min_share * residents.sum()]
        if any(c not in answered for c in big.index):
            return f"no respondent in a group of {min_share:.0%} or more of the residents ({dim})"
    return ""


def respondent_weights(cells: pd.DataFrame, population: pd.DataFrame, dimensions=RAKING_DIMENSIONS,
                       limits: tuple[int | None, int | None] = (None, None),
                       min_respondents: int = MIN_WARD_RESPONDENTS, min_share: float = MIN_GROUP_SHARE
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Weights for every respondent cell: borough-wide raking, and ward raking where the ward qualifies.

    cells: KEYS + respondents (the question's respondents; `prepare_cells` is applied). Returns (the cells with
    weight_borough and weight_ward — per respondent; weight_ward is the ward's own where it was raked, else the
    borough's — and ward_basis 'ward' | 'borough'; a summary: one row per scope (the borough, then each ward)
    with raked, reason, effective_size (with 100 respondents or more), max_weight_ratio (largest ÷ smallest),
    missing_groups (groups with residents but no respondent, left out of the targets)).
    """
    cells = prepare_cells(cells)
    pop_rows, cats = margins(population, cells, dimensions, limits)
    by_dim = {d: pop_rows[pop_rows["dimension"] == d] for d in cats}
    borough = rake(cells["respondents"], cats, {d: r.groupby("category")["persons"].sum() for d, r in by_dim.items()})
    cells["weight_borough"] = borough.weights
    cells["weight_ward"] = borough.weights
    cells["ward_basis"] = BOROUGH.lower()
    rows = [_summary(BOROUGH, cells["respondents"], borough.weights, borough)]
    for ward, idx in cells.groupby("ward_code", sort=True).groups.items():
        ward_cats = {d: c.loc[idx] for d, c in cats.items()}
        ward_res = {d: r[r["ward_code"] == ward].groupby("category")["persons"].sum() for d, r in by_dim.items()}
        n = float(cells.loc[idx, "respondents"].sum())
        why = _ward_ready(ward_cats, ward_res, n, min_respondents, min_share)
        result = Raking(np.full(len(idx), np.nan), reason=why)
        if not why:
            result = rake(cells.loc[idx, "respondents"], ward_cats, ward_res)
        if result.raked:
            cells.loc[idx, "weight_ward"] = result.weights
            cells.loc[idx, "ward_basis"] = "ward"
        rows.append(_summary(ward, cells.loc[idx, "respondents"], cells.loc[idx, "weight_ward"], result))
    return cells, pd.DataFrame(rows)


def _summary(scope: str, counts: pd.Series, weights, result: Raking) -> dict:
    """One scope's line. No respondent count (it may be 1–9: the protected answer tables give the counts), and
    the effective sample size only where at least MIN_WARD_RESPONDENTS answered (it is close to the count)."""
    w = np.asarray(weights, dtype=float)
    ok = np.isfinite(w) & (w > 0)
    big = ok.any() and float(counts.sum()) >= MIN_WARD_RESPONDENTS
    return {"scope": scope, "raked": result.raked,
            "reason": result.reason or ("" if result.raked else "raking did not converge"),
            "effective_size": kish_effective_size(w[ok], np.asarray(counts, dtype=float)[ok]) if big else np.nan,
            "max_weight_ratio": float(w[ok].max() / w[ok].min()) if ok.any() else np.nan,
            "missing_groups": "; ".join(f"{d}: {', '.join(m)}" for d, m in result.missing.items() if m)}


def achieved_margins(cells: pd.DataFrame, categories: dict[str, pd.Series], weight: str) -> dict[str, pd.Series]:
    """Σ respondents × weight per category of each dimension (what the raking matched; for checks and tests)."""
    total = cells["respondents"] * cells[weight]
    return {d: total.groupby(c.to_numpy()).sum() for d, c in categories.items()}
