"""What residents said: the answers to one question by borough, ward, area and group, raw and weighted, protected.

Inputs are aggregated cells (data_access.answers.answer_cells): respondents per answer value, ward, age, sex,
ethnic group and disability — never a response. Each breakdown is one table, groups × answer options:
  single choice and scale: each group's row adds up to its respondents (one answer each);
  multiple choice (and PB approval): respondents choosing each option, beside the respondents who answered the
  question (the base), so the shares of a row can add up to more than 100% (`MULTIPLE_NOTE`).
Disclosure (geo.disclosure): every table is protected whole — the wards × options table with its borough row,
each demographic dimension's table, the areas' table — so a hidden cell cannot be recovered from the totals;
the borough row is one and the same in every table (a cell hidden in one is hidden in all, repeated until no
table hides more), and an area's cell is hidden whenever one of its wards' cells is (as geo.representation
does). No count 1–9 is shown; a share needs a shown count and a shown base of at least `policy.min_base`.
Intervals: the Wilson (1927) score interval, 95% (geo.proportions). Weighted results (geo.weighting: raking to
the eligible residents, Deville & Särndal 1992) are shown only beside a raw share that is shown, with the
Wilson interval on the Kish (1965) effective sample size; "depends on who replied" when the weighted share lies
outside the raw interval. Ward rows use the ward's own weights where it could be raked, else the borough's;
the borough, area and group rows use the borough's.
Scale questions also get the mean score (`scale_scores`: the options' numbers, or 1…k in form order for an
emoji scale) with a 95% interval (t for the raw mean, the
normal with the effective sample size for the weighted mean), shown only for a group whose whole distribution
is shown: with a hidden cell, the mean and the row total together would give the hidden counts away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from geo import weighting as gw
from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, protect_long, protect_table, safe_rate
from geo.eligibility import band_sort_key
from geo.proportions import wilson_interval
from vocabulary import (
    AGE,
    DISABILITY,
    DISABILITY_GROUPS,
    ETHNIC_GROUPS,
    ETHNICITY,
    NOT_STATED,
    OPTION_SEPARATOR,
    OTHER_ANSWER,
    RESPONSE_COLUMNS,
    SEX,
    SEXES,
)

BOROUGH = gw.BOROUGH
NO_AREA = "(no area)"  # as geo.areas.NO_AREA: a ward no area of the scheme holds
UNPLACED = "Outside the borough or not placed"
BASE = "Respondents answering"
GROUP_DIMENSIONS = (AGE, SEX, ETHNICITY, DISABILITY)
ADDITIVE_KINDS = ("single_choice", "scale")
NON_ADDITIVE_KINDS = ("multiple_choice", "pb_approval")
MULTIPLE_NOTE = "Respondents could choose more than one answer, so a group's shares can add up to more than 100%."
ROW_COLUMNS = ["level", "dimension", "group", "option", "respondents", "base", "share", "share_low", "share_high",
               "weighted_share", "weighted_low", "weighted_high", "effective_size", "weights",
               "depends_on_who_replied"]
MEAN_COLUMNS = ["level", "dimension", "group", "base", "mean", "mean_low", "mean_high", "weighted_mean",
                "weighted_low", "weighted_high", "effective_size", "weights", "depends_on_who_replied"]
_ORDER = {SEX: SEXES, ETHNICITY: ETHNIC_GROUPS, DISABILITY: DISABILITY_GROUPS}


def option_list(kind: str, options_text: str | None, values=()) -> list[str]:
    """The answer options in form order (questions.options split on '|'), then any value given outside them."""
    form = [o.strip() for o in str(options_text).split(OPTION_SEPARATOR) if o.strip()] if options_text else []
    extra = sorted({str(v) for v in values if pd.notna(v)} - set(form))
    return form + extra


def question_base(cells: pd.DataFrame, kind: str, base: pd.DataFrame | None = None) -> pd.DataFrame:
    """The question's respondents per cell (gw.KEYS + respondents).

    Single choice and scale: the answer cells summed over the values (one answer each). Multiple choice: `base`
    must be given (respondents who answered, per cell), since one person appears under each option chosen.
    """
    if base is not None:
        base = gw.prepare_cells(base)
    elif kind in NON_ADDITIVE_KINDS:
        raise ValueError("a multiple-choice question needs its respondents per cell (base): the answer cells "
                         "count a person once per option chosen")
    else:
        base = gw.prepare_cells(cells)
    return base.groupby(gw.KEYS, as_index=False, sort=False)["respondents"].sum()


def _order(labels, dimension: str | None) -> list:
    labels = list(dict.fromkeys(labels))
    if dimension == AGE:
        return sorted(labels, key=lambda c: (c in (NOT_STATED, OTHER_ANSWER), c == NOT_STATED, band_sort_key(c)))
    known = _ORDER.get(dimension, [])
    return sorted(labels, key=lambda c: (c in (NOT_STATED, NO_AREA), c == OTHER_ANSWER, c not in known,
                                         known.index(c) if c in known else 0, str(c)))


# --- counting and protecting ------------------------------------------------------------------

@dataclass
class _Breakdown:
    level: str
    dimension: str | None
    cell_key: pd.Series   # each answer cell's group
    base_key: pd.Series   # each base cell's group
    weight: str           # which weight column the weighted shares use


def _breakdowns(cells: pd.DataFrame, base: pd.DataFrame, assignment: pd.Series | None, dimensions) -> dict:
    """ward, area (with a scheme) and each dimension: the group of each answer cell and each base cell."""
    out = {"ward": _Breakdown("ward", None, cells["ward_code"], base["ward_code"], "weight_ward")}
    if assignment is not None:
        area = assignment.astype(object).where(assignment.notna() & (assignment.astype(str).str.strip() != ""))
        area_of = lambda codes: codes.map(area).fillna(NO_AREA).astype(str).str.strip()  # noqa: E731
        out["area"] = _Breakdown("area", None, area_of(cells["ward_code"]), area_of(base["ward_code"]),
                                 "weight_borough")
    for dim in dimensions:
        column = RESPONSE_COLUMNS[dim]
        out[dim] = _Breakdown("group", dim, cells[column], base[column], "weight_borough")
    return out


def _grid(cells: pd.DataFrame, base: pd.DataFrame, part: _Breakdown, options: list, additive: bool) -> pd.DataFrame:
    """Raw counts, groups × options (+ the base column for multiple choice), groups in display order."""
    grid = cells.assign(_g=part.cell_key.to_numpy()).pivot_table(
        index="_g", columns="value", values="respondents", aggfunc="sum", fill_value=0)
    grid = grid.reindex(columns=options, fill_value=0)
    if not additive:
        grid[BASE] = base.groupby(part.base_key.to_numpy())["respondents"].sum()
    groups = set(grid.index) | set(part.base_key)
    grid = grid.reindex(_order(groups, part.dimension)).fillna(0.0)
    grid.columns = grid.columns.astype(object)
    grid.index = grid.index.astype(object)
    return grid


def _protect_all(grids: dict[str, pd.DataFrame], areas: pd.Series | None, additive: bool,
                 policy: DisclosurePolicy) -> dict[str, pd.DataFrame]:
    """Protect every breakdown's table, sharing one borough row; areas hide what any of their wards hides."""
    columns = list(next(iter(grids.values())).columns) + ([TOTAL] if additive else [])
    borough_hidden = pd.Series(False, index=columns)
    while True:
        out = {}
        for name, grid in grids.items():
            given = pd.DataFrame(False, index=[*grid.index, TOTAL], columns=columns)
            given.loc[TOTAL] = borough_hidden.to_numpy()
            if name == "area" and areas is not None:
                wards = out["ward"].drop(index=TOTAL)
                by_area = wards.isna().groupby(wards.index.map(areas).fillna(NO_AREA)).any()
                given.loc[by_area.index] |= by_area.reindex(columns=columns, fill_value=False)
            out[name] = protect_table(grid, policy, row_totals=additive, column_totals=True, hidden=given).values
        hidden = borough_hidden.copy()
        for table in out.values():
            hidden |= table.loc[TOTAL].isna()
        if hidden.equals(borough_hidden):
            return out
        borough_hidden = hidden


# --- shares -----------------------------------------------------------------------------------

def _weighted(cells: pd.DataFrame, base: pd.DataFrame, cell_key, base_key, weight: str) -> dict[str, pd.Series]:
    """Weighted sums by group: per (group, option) Σ respondents × weight, the weighted base, the Kish
    effective size of the group's respondents."""
    mass = cells["respondents"] * cells[weight]
    nw = base["respondents"] * base[weight]
    sums = pd.DataFrame({"nw": nw, "nw2": nw * base[weight]}).groupby(np.asarray(base_key)).sum()
    return {"sums": mass.groupby([np.asarray(cell_key), cells["value"].to_numpy()]).sum(),
            "base": sums["nw"], "ess": sums["nw"] ** 2 / sums["nw2"].where(sums["nw2"] > 0)}


def _raw_columns(long: pd.DataFrame, policy: DisclosurePolicy) -> pd.Series:
    """Shares (%) and Wilson intervals from the protected counts; returns the share as a fraction."""
    share = safe_rate(long["respondents"], long["base"], 1.0, policy)
    low, high = wilson_interval(long["respondents"].where(share.notna()), long["base"].where(share.notna()))
    long["share"], long["share_low"], long["share_high"] = share * 100, low * 100, high * 100
    return share


def _rows(level: str, dimension, table: pd.DataFrame, options: list, base_col: str, weighted: dict | None,
          basis: pd.Series | None, policy: DisclosurePolicy) -> pd.DataFrame:
    """Long rows (one per group and option) from a protected table (its groups as rows) and the weighted sums."""
    long = table[options].stack(future_stack=True).rename("respondents").reset_index()
    long.columns = ["group", "option", "respondents"]
    long["base"] = long["group"].map(table[base_col]).to_numpy(dtype=float)
    share = _raw_columns(long, policy)
    long.insert(0, "dimension", dimension)
    long.insert(0, "level", level)
    long["weights"] = "" if basis is None else long["group"].map(basis).fillna("")
    if weighted is None:
        long[["weighted_share", "weighted_low", "weighted_high", "effective_size"]] = np.nan
        long["depends_on_who_replied"] = False
        return long[ROW_COLUMNS]
    pairs = pd.MultiIndex.from_arrays([long["group"], long["option"]])
    num = weighted["sums"].reindex(pairs).fillna(0.0).to_numpy()
    den = long["group"].map(weighted["base"]).to_numpy(dtype=float)
    ess = long["group"].map(weighted["ess"]).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ws = np.where(share.notna() & (den > 0), num / den, np.nan)
    low, high = gw.weighted_interval(ws, np.where(np.isnan(ws), np.nan, ess))
    long["weighted_share"], long["weighted_low"], long["weighted_high"] = ws * 100, low * 100, high * 100
    long["effective_size"] = np.where(long["base"] >= policy.min_base, np.round(ess, 1), np.nan)
    long["depends_on_who_replied"] = _outside(long["weighted_share"], long["share_low"], long["share_high"])
    return long[ROW_COLUMNS]


def _outside(value: pd.Series, low: pd.Series, high: pd.Series) -> pd.Series:
    """The flag: value outside [low, high] by more than rounding (a 100% share against an interval ending at
    99.99999…% is not a difference)."""
    slack = 1e-9 * np.maximum(1.0, np.abs(value))
    return ((value < low - slack) | (value > high + slack)).fillna(False).astype(bool)


# --- scale: the mean ---------------------------------------------------------------------------

def scale_scores(form: list) -> dict[str, float]:
    """The score of each option of a scale: its number when every option is a number ('1'…'5'), else its place
    in the form (an emoji scale 😞…😀 scores 1…5). An answer outside the form has no score."""
    numbers = pd.to_numeric(pd.Series(form, dtype=object), errors="coerce")
    if len(form) and numbers.notna().all():
        return dict(zip(form, numbers.astype(float), strict=True))
    return {o: float(i) for i, o in enumerate(form, start=1)}


def _means(level: str, dimension, table: pd.DataFrame, options: list, scores: dict[str, float],
           weighted: dict | None, basis: pd.Series | None, policy: DisclosurePolicy) -> pd.DataFrame:
    """Mean score per group where its whole distribution is shown and its base is at least min_base."""
    numeric = [o for o in options if o in scores]
    values = np.array([scores[o] for o in numeric], dtype=float)
    every = table[options].to_numpy(dtype=float)
    counts = table[numeric].to_numpy(dtype=float)
    n = counts.sum(axis=1)
    shown = ~np.isnan(every).any(axis=1) & ~np.isnan(table[TOTAL].to_numpy(dtype=float)) & (n >= policy.min_base)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = (counts * values).sum(axis=1) / n
        sd = np.sqrt((counts * (values - mean[:, None]) ** 2).sum(axis=1) / (n - 1))
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    out = pd.DataFrame({"level": level, "dimension": dimension, "group": table.index, "base": table[TOTAL],
                        "mean": np.where(shown, mean, np.nan)})
    out["mean_low"], out["mean_high"] = out["mean"] - half, out["mean"] + half
    out["weights"] = "" if basis is None else out["group"].map(basis).fillna("")
    out[["weighted_mean", "weighted_low", "weighted_high", "effective_size"]] = np.nan
    out["depends_on_who_replied"] = False
    if weighted is not None:
        sums = weighted["sums"]
        score = pd.Series(sums.index.get_level_values(1).map(scores), index=sums.index, dtype=float)
        sums, score = sums[score.notna()], score[score.notna()]
        first = (sums * score).groupby(level=0).sum()
        second = (sums * score * score).groupby(level=0).sum()
        den = sums.groupby(level=0).sum()
        w_mean = out["group"].map(first / den).to_numpy(dtype=float)
        w_sd = np.sqrt(np.maximum(out["group"].map(second / den).to_numpy(dtype=float) - w_mean ** 2, 0))
        ess = out["group"].map(weighted["ess"]).to_numpy(dtype=float)
        w_half = stats.norm.ppf(0.975) * w_sd / np.sqrt(ess)
        out["weighted_mean"] = np.where(shown, w_mean, np.nan)
        out["weighted_low"], out["weighted_high"] = out["weighted_mean"] - w_half, out["weighted_mean"] + w_half
        out["effective_size"] = np.where(shown, np.round(ess, 1), np.nan)
        out["depends_on_who_replied"] = _outside(out["weighted_mean"], out["mean_low"], out["mean_high"])
    return out[MEAN_COLUMNS]


# --- one question ---------------------------------------------------------------------------

@dataclass
class QuestionResults:
    """A question's results: `rows` (ROW_COLUMNS: level 'borough' | 'ward' | 'area' | 'group'), for a scale
    `means` (MEAN_COLUMNS), the weighting summary per scope (geo.weighting.respondent_weights) and a note."""

    kind: str
    options: list
    rows: pd.DataFrame
    means: pd.DataFrame | None
    weighting: pd.DataFrame
    note: str

    @property
    def depends_on_who_replied(self) -> bool:
        """True when a borough-wide weighted share (or mean) lies outside its raw 95% interval."""
        frames = [self.rows] + ([self.means] if self.means is not None else [])
        return any(bool(f.loc[f["level"] == "borough", "depends_on_who_replied"].any()) for f in frames)


def _weights(cells: pd.DataFrame, base: pd.DataFrame, population, limits, raking_dimensions, min_ward: int):
    """(answer cells with weights, base cells with weights, summary), or the cells unweighted (no population)."""
    if population is None or base.empty:
        return cells, base, pd.DataFrame()
    weighted, summary = gw.respondent_weights(base, population, raking_dimensions, limits, min_ward)
    columns = ["weight_borough", "weight_ward", "ward_basis"]
    cells = cells.merge(weighted[gw.KEYS + columns], on=gw.KEYS, how="left")
    return cells, weighted, summary


def question_results(cells: pd.DataFrame, kind: str, options: list, population: pd.DataFrame | None = None, *,
                     base: pd.DataFrame | None = None, assignment: pd.Series | None = None,
                     dimensions=GROUP_DIMENSIONS, limits: tuple[int | None, int | None] = (None, None),
                     raking_dimensions=gw.RAKING_DIMENSIONS, min_ward_respondents: int = gw.MIN_WARD_RESPONDENTS,
                     policy: DisclosurePolicy = DEFAULT_POLICY) -> QuestionResults:
    """One question's shares for the borough, each ward, each area of a scheme and each demographic group.

    cells: answer_cells (value, ward_code, age_band, sex, ethnicity, disability, respondents); options: the form's
    options (`option_list`); population: ward_population rows in the activity's scope (None = no weighting);
    base: respondents per cell (multiple choice); assignment: ward_code → area of a saved scheme.
    Responses outside every ward are left out (no residents to compare with or weight to).
    """
    if kind not in ADDITIVE_KINDS + NON_ADDITIVE_KINDS:
        raise ValueError(f"no shares for a {kind} question")
    additive = kind in ADDITIVE_KINDS
    cells = gw.prepare_cells(cells)
    cells["value"] = cells["value"].astype(str)
    scores = scale_scores([str(o) for o in options]) if kind == "scale" else {}
    options = option_list(kind, OPTION_SEPARATOR.join(options), cells["value"].unique())
    base = question_base(cells, kind, base)
    cells, base, summary = _weights(cells, base, population, limits, raking_dimensions, min_ward_respondents)
    parts = _breakdowns(cells, base, assignment, dimensions)
    grids = {name: _grid(cells, base, part, options, additive) for name, part in parts.items()}
    areas = None if assignment is None else parts["area"].base_key.groupby(base["ward_code"].to_numpy()).first()
    tables = _protect_all(grids, areas, additive, policy)
    base_col = TOTAL if additive else BASE
    borough_table = tables["ward"].loc[[TOTAL]].rename(index={TOTAL: BOROUGH})
    is_weighted = "weight_borough" in cells
    ward_basis = base.groupby("ward_code")["ward_basis"].first() if is_weighted else None
    rows, means = [], []
    for level, dimension, table, weight, key, cell_key in _pieces(parts, tables, borough_table, cells, base):
        weighted = _weighted(cells, base, cell_key, key, weight) if is_weighted else None
        basis = None if not is_weighted else (ward_basis if level == "ward" else pd.Series(
            "borough", index=table.index))
        rows.append(_rows(level, dimension, table, options, base_col, weighted, basis, policy))
        if kind == "scale":
            means.append(_means(level, dimension, table, options, scores, weighted, basis, policy))
    note = "" if additive else MULTIPLE_NOTE
    return QuestionResults(kind, options, pd.concat(rows, ignore_index=True),
                           pd.concat(means, ignore_index=True) if means else None, summary, note)


def _pieces(parts: dict, tables: dict, borough_table: pd.DataFrame, cells: pd.DataFrame, base: pd.DataFrame):
    """(level, dimension, protected table of its groups, weight column, base cells' group, answer cells' group)."""
    everyone_cells = pd.Series(BOROUGH, index=cells.index)
    everyone_base = pd.Series(BOROUGH, index=base.index)
    yield "borough", None, borough_table, "weight_borough", everyone_base, everyone_cells
    for name, part in parts.items():
        table = tables[name].drop(index=TOTAL)
        yield part.level, part.dimension, table, part.weight, part.base_key, part.cell_key


def poll_results(cells: pd.DataFrame, options: list, population: pd.DataFrame | None = None,
                 **kwargs) -> QuestionResults:
    """A quick poll (one answer each: yes/no, emoji) by ward and group, raw and weighted (`question_results`)."""
    return question_results(cells, "single_choice", options, population, **kwargs)


# --- petitions --------------------------------------------------------------------------------

def petition_progress(signatures: pd.DataFrame, petitions: pd.DataFrame, residents: pd.Series,
                      policy: DisclosurePolicy = DEFAULT_POLICY) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Signatures per 1,000 residents by ward, and each petition's progress to its debate threshold.

    signatures: activity_id, ward_code (missing = outside the borough or not placed), signatures;
    petitions: activity_id, title, debate_threshold; residents: per ward_code.
    Returns (by ward: activity_id, ward_code, signatures, per_1000 — the wards × petitions table protected whole,
    with the signatures not placed in a ward as a row of their own, so each petition's total is every signature;
    per petition: activity_id, title, signatures (protected total), debate_threshold, progress_pct, reached,
    still_needed). A rate or a progress on a hidden count is not given (it would reveal the count).
    """
    sig = signatures.assign(ward_code=signatures["ward_code"].astype(object).where(
        signatures["ward_code"].notna(), UNPLACED))
    keys = list(petitions["activity_id"])
    table = protect_long(sig, "activity_id", "signatures", policy, row_totals=False, keys=keys)
    wards = [w for w in table.index if w != TOTAL]
    long = table.loc[wards].stack(future_stack=True).rename("signatures").reset_index()
    long.columns = ["ward_code", "activity_id", "signatures"]
    people = long["ward_code"].map(residents).astype(float)
    long["per_1000"] = safe_rate(long["signatures"], people, 1000, policy)
    total = table.loc[TOTAL].reindex(keys)
    raw = sig.groupby("activity_id")["signatures"].sum().reindex(keys).fillna(0)
    out = petitions[["activity_id", "title", "debate_threshold"]].reset_index(drop=True).copy()
    out["signatures"] = total.to_numpy(dtype=float)
    threshold = out["debate_threshold"].astype(float)
    out["progress_pct"] = (out["signatures"] / threshold.where(threshold > 0) * 100)
    out["reached"] = (raw.to_numpy() >= threshold) & threshold.notna()
    out["still_needed"] = (threshold - out["signatures"]).clip(lower=0)
    return long[["activity_id", "ward_code", "signatures", "per_1000"]], out[
        ["activity_id", "title", "signatures", "debate_threshold", "progress_pct", "reached", "still_needed"]]
