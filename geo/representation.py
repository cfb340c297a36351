"""Who takes part against who lives there: the representation test, borough-wide and ward by ward.

One implementation for every view. A group's respondent share (of those who stated a group) is
compared with its share of the residents who could take part (geo.eligibility: the age limits of the
activities in the filter, age groups rebuilt for the bands respondents used; census treated as known):
  index = respondent share ÷ resident share (1 = in proportion);
  interval = the Wilson (1927) score interval of the respondent share ÷ the resident share;
  p-value = two-sided exact binomial test, the doubled smaller tail (min(1, 2·min(P(X ≤ x), P(X ≥ x))));
  p_adjusted = Holm (1979) step-down across the groups tested in one table (one ward, one dimension);
  flag = 'under' when adjusted p ≤ alpha, fewer than in proportion AND the whole interval below 1;
         'over' when adjusted p ≤ alpha, more than in proportion AND the whole interval above 1.
For each table the chance of flagging any proportionally represented group, in either direction, is at
most alpha. Answers with no census group (vocabulary.OTHER_ANSWER) and 'Not stated' are reported beside
the test and left out of the base of the shares; the census's unitemised remainder (vocabulary.UNITEMISED)
is left out of the residents' base; a group nobody could take part in, or that no respondent in the
borough gave, is reported and never tested.

Counts are protected by geo.disclosure before any figure is worked out, and every figure comes
from the protected counts. Where a figure the test needs is hidden, every value the published row
allows is tried (`_group_statistics`) and the least favourable kept, so a flag holds whatever the
hidden values are and reveals nothing the table does not.

The borough table (`borough_shares`, `borough_representation`) protects one list (groups + Not
stated = all respondents); the ward tables (`ward_representation`, `representation_matrix`) protect
the whole wards × (groups + Not stated) table with ward and borough totals, so no hidden ward count
can be recovered from the borough table and the other wards' pages. A ward's table is the matrix
worked out for that one ward: the same code gives both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, protect_counts, protect_long, protect_table
from geo.eligibility import band_sort_key
from geo.group_tests import group_statistics
from geo.proportions import holm, holm_by_family, wilson_interval  # noqa: F401 (holm: part of this API)
from vocabulary import NOT_STATED, OTHER_ANSWER, UNITEMISED

STATED = "Stated a group (base of the shares)"
ALL_RESPONDENTS = "All respondents"
SHARE_COLUMNS = ["group", "kind", "respondents", "respondent_share", "residents", "resident_share", "index"]
TEST_COLUMNS = ["index_low", "index_high", "index_min", "index_max", "p_value", "p_adjusted", "flag",
                "under_represented", "over_represented", "test_basis", "status"]
MATRIX_COLUMNS = ["ward_code", "group", "respondents", "index", "index_low", "index_high", "p_value", "p_adjusted",
                  "under_represented", "test_basis", "flag", "over_represented", "index_min", "index_max", "status"]


# --- the tables: shares, index and test per group, then the summary rows --------------------

def _order(categories: pd.Series, dimension: str) -> list[str]:
    """Age groups by youngest age; other dimensions by residents, largest first (ties in the given order)."""
    if dimension == "age":
        return sorted(categories.index, key=band_sort_key)
    return list(categories.sort_values(ascending=False, kind="stable").index)


def _status(basis: np.ndarray, residents: np.ndarray, testable: np.ndarray) -> np.ndarray:
    """Why a group row was or was not tested: 'tested', 'no eligible residents', 'no respondents', 'too few'."""
    return np.where(basis != "", "tested", np.where(residents <= 0, "no eligible residents",
                                                    np.where(~testable, "no respondents", "too few")))


def _tested_groups(rows: np.ndarray, keys: list, n_excluded: int, residents: np.ndarray, pop_total: np.ndarray,
                   position: np.ndarray, answered: np.ndarray, policy: DisclosurePolicy, alpha: float
                   ) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The group rows of one or more tables: shares, index, interval, test and flag.

    rows: tables × (keys + Total), protected (NaN = hidden); keys: the groups, census groups first,
    then groups only respondents used, then the n_excluded answers outside the base (another answer, Not
    stated); residents: tables × census groups (eligible residents); pop_total: their sum per table (the
    base of the resident shares); position: tables × groups, the column of `keys` in each table's order;
    answered: per key, whether anyone in the borough gave that answer (a group no respondent gave is
    reported, never tested). Returns (one row per table and group, with a `table` column; per-table
    totals: all, excluded, stated_base, pop_total). Shares are on the protected counts; their base, the
    stated subtotal (all respondents − the excluded answers), is NaN when any of them is hidden or when it
    is itself below the threshold; no share on a base below min_base.
    """
    n_tables, n_groups = position.shape
    n_keys = len(keys)
    all_respondents = rows[:, n_keys]
    excluded = rows[:, n_keys - n_excluded:n_keys]
    table = np.repeat(np.arange(n_tables), n_groups)
    key = position.ravel()
    counts = rows[table, key]
    res = np.concatenate([residents, np.zeros((n_tables, n_groups - residents.shape[1]))], axis=1)[table, key]
    stated_base = all_respondents - excluded.sum(axis=1)
    stated_base = np.where((stated_base > 0) & (stated_base < policy.threshold), np.nan, stated_base)
    base = stated_base[table]
    with np.errstate(divide="ignore", invalid="ignore"):
        respondent_share = np.where(~np.isnan(counts) & (base >= policy.min_base), counts / base * 100, np.nan)
        total = pop_total[table]
        resident_share = np.where(total != 0, res / total * 100, np.nan)
        index = np.where(resident_share > 0, respondent_share / resident_share, np.nan)
    testable = np.asarray(answered, dtype=bool)[key]
    stat = group_statistics(counts, resident_share / 100, all_respondents, excluded, n_groups, testable,
                             policy, alpha)
    visible = (stat["basis"] == "count") & ~np.isnan(index)
    out = pd.DataFrame({
        "table": table, "group": np.array(keys, dtype=object)[key] if key.size else np.array([], dtype=object),
        "kind": "group", "respondents": counts, "respondent_share": respondent_share, "residents": res,
        "resident_share": resident_share, "index": index,
        "index_low": np.where(visible, stat["index_low"], np.nan),
        "index_high": np.where(visible, stat["index_high"], np.nan),
        "index_min": np.where(visible, index, stat["index_min"]),
        "index_max": np.where(visible, index, stat["index_max"]),
        "p_value": stat["p_value"], "p_adjusted": stat["p_adjusted"], "flag": stat["flag"],
        "under_represented": stat["flag"] == "under", "over_represented": stat["flag"] == "over",
        "test_basis": stat["basis"], "status": _status(stat["basis"], res, testable)})
    totals = {"all": all_respondents, "excluded": excluded, "excluded_keys": keys[n_keys - n_excluded:],
              "stated_base": stated_base, "pop_total": pop_total}
    return out, totals


def _with_summary(groups: pd.DataFrame, totals: dict, i: int, policy: DisclosurePolicy,
                  unitemised: float = 0.0) -> pd.DataFrame:
    """Table i's group rows, then the stated subtotal, the excluded answers (groups nobody could take part in,
    another answer, 'Not stated'), 'All respondents' and, when the census has any, the residents it does not
    itemise (none of them tested)."""
    stated_base, pop_total = float(totals["stated_base"][i]), float(totals["pop_total"][i])
    summary = [{"group": STATED, "kind": "stated", "respondents": stated_base,
                "respondent_share": 100.0 if stated_base >= policy.min_base else np.nan,
                "residents": pop_total, "resident_share": 100.0 if pop_total else np.nan}]
    kinds = {NOT_STATED: "not_stated", OTHER_ANSWER: "other_answer"}
    summary += [{"group": k, "kind": kinds.get(k, "not_eligible"), "respondents": float(totals["excluded"][i, j]),
                 **({"residents": 0.0} if k not in kinds else {})} for j, k in enumerate(totals["excluded_keys"])]
    summary.append({"group": ALL_RESPONDENTS, "kind": "total", "respondents": float(totals["all"][i])})
    if unitemised > 0:
        summary.append({"group": UNITEMISED, "kind": "unitemised", "respondents": 0.0, "residents": unitemised})
    summary = pd.DataFrame(summary).assign(under_represented=False, over_represented=False, flag="",
                                           test_basis="", status="")
    own = groups[groups["table"] == i].drop(columns="table")
    out = pd.concat([own, summary], ignore_index=True)
    for column in ("under_represented", "over_represented"):
        out[column] = out[column].astype(bool)
    return out[SHARE_COLUMNS + TEST_COLUMNS]


def _excluded_keys(categories, ineligible: list | None = None) -> list[str]:
    """The answers outside the base of the shares, in table order: the groups nobody in could take part
    (`ineligible`), another answer (when given), Not stated."""
    return list(ineligible or []) + ([OTHER_ANSWER] if OTHER_ANSWER in set(categories) else []) + [NOT_STATED]


def _ineligible(pop: pd.DataFrame) -> list[str]:
    """Census groups with no eligible resident anywhere (e.g. 0-15 in a 16+ programme), in census order: their
    answers (if any) are reported beside the table, outside the base of the shares, and never tested."""
    totals = pop.groupby("category", sort=False)["persons"].sum()
    return [c for c in totals.index if not totals[c] > 0]


def _split_unitemised(pop: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the census groups, the unitemised remainder) of a dimension's population rows."""
    remainder = pop["category"] == UNITEMISED
    return pop[~remainder], pop[remainder]


# --- borough-wide ---------------------------------------------------------------------------

def borough_representation(population: pd.DataFrame, groups: pd.DataFrame, dimension: str,
                           policy: DisclosurePolicy = DEFAULT_POLICY, alpha: float = 0.05) -> pd.DataFrame:
    """Borough-wide: each group's share of respondents vs share of (eligible) residents, with the interval,
    two-sided test and flag.

    population: long ward_population rows to compare with (the eligible residents of geo.eligibility, or the
    census); groups: ward_code, category, respondents (raw, from data_access.respondent_groups), 'Not stated'
    included. Rows: each census group (age by youngest age, else most residents first) and any group only
    respondents used, then the subtotal of those who stated a group, 'Another answer' (when given), 'Not
    stated', 'All respondents' and the unitemised residents (when the census has them). Columns: group, kind
    ('group' | 'stated' | 'not_eligible' | 'other_answer' | 'not_stated' | 'total' | 'unitemised'), respondents
    (protected;
    NaN = hidden), respondent_share (% of respondents who stated a group), residents, resident_share (%),
    index, index_low, index_high, index_min, index_max, p_adjusted, flag, under_represented,
    over_represented, test_basis, status (see `ward_representation`).

    The excluded answers are their own rows and left out of the base of the shares. The counts are protected
    as one equation (groups + excluded = all respondents, a total that is public anyway), and the stated
    subtotal — the shares' base, which a share reveals as count ÷ share — is hidden whenever an excluded
    count is, so no hidden count can be recovered by subtraction, from the counts or the shares.

    Caveat stated on the page: borough-wide the expected share is the census share, so a group living
    mostly in wards that take part less looks under-represented even when no one within a ward is
    missed; the ward × group matrix is the finer test.
    """
    pop, remainder = _split_unitemised(population[population["dimension"] == dimension])
    ineligible = _ineligible(pop)
    pop = pop.groupby("category", sort=False)["persons"].sum().drop(ineligible)
    g = groups.assign(category=groups["category"].fillna(NOT_STATED))
    resp = g.groupby("category")["respondents"].sum()
    excluded_keys = _excluded_keys(resp.index, ineligible)
    excluded = pd.Series({k: float(resp.get(k, 0.0)) for k in excluded_keys})
    stated = resp.drop(excluded_keys, errors="ignore")
    census = _order(pop, dimension)
    order = census + sorted(c for c in stated.index if c not in pop.index)
    stated = stated.reindex(order, fill_value=0).astype(float)
    protected = protect_counts(pd.concat([stated, excluded]), policy, total=True)
    keys = order + excluded_keys
    rows = protected.reindex(keys + [TOTAL]).to_numpy(dtype=float)[np.newaxis, :]
    residents = pop.reindex(census).to_numpy(dtype=float)[np.newaxis, :]
    position = np.arange(len(order), dtype=int)[np.newaxis, :]
    answered = stated.reindex(keys, fill_value=1).to_numpy() > 0
    tested, totals = _tested_groups(rows, keys, len(excluded_keys), residents, np.array([float(pop.sum())]),
                                    position, answered, policy, alpha)
    return _with_summary(tested, totals, 0, policy, float(remainder["persons"].sum())).drop(columns="p_value")


def borough_shares(population: pd.DataFrame, groups: pd.DataFrame, dimension: str,
                   policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """`borough_representation` without the test: group, kind, respondents, respondent_share, residents,
    resident_share, index."""
    return borough_representation(population, groups, dimension, policy)[SHARE_COLUMNS]


# --- ward by ward ---------------------------------------------------------------------------

def _representation_inputs(population: pd.DataFrame, groups: pd.DataFrame, dimension: str
                           ) -> tuple[pd.DataFrame, pd.DataFrame, list, list, list, list]:
    """What the ward tables protect and test.

    Returns (the dimension's census rows of the population (unitemised left out), groups with a missing
    category as 'Not stated', the census groups with eligible residents in order of first appearance, the
    groups only respondents used (sorted), the excluded answers (groups nobody could take part in, another
    answer, Not stated), and the columns of the wards × groups table: census + respondents-only + excluded).
    """
    pop, _ = _split_unitemised(population[population["dimension"] == dimension])
    ineligible = _ineligible(pop)
    pop = pop[~pop["category"].isin(ineligible)]
    g = groups.assign(category=groups["category"].fillna(NOT_STATED))
    census = pop["category"].drop_duplicates().tolist()  # in order of first appearance
    excluded_keys = _excluded_keys(g["category"], ineligible)
    extra = sorted(c for c in set(g["category"].drop_duplicates()) - set(census) if c not in excluded_keys)
    return pop, g, census, extra, excluded_keys, census + extra + excluded_keys


def _ward_groups(population: pd.DataFrame, groups: pd.DataFrame, codes: list[str], dimension: str,
                 policy: DisclosurePolicy, alpha: float, table: pd.DataFrame | None = None
                 ) -> tuple[pd.DataFrame, dict]:
    """`_tested_groups` for the wards `codes` (in that order; a ward with no response counts 0).

    The wards × (groups + excluded) table of every ward in `groups` is protected once, with ward
    and borough totals (geo.disclosure works in label order, so every ward's page hides the same
    cells), and each ward's row is read from it (`table`: that protected table when already built, as for
    areas). Each ward lists its census groups with most residents first (ties in census order; age by
    youngest age), then the groups only respondents used.
    """
    pop, g, census, extra, excluded_keys, keys = _representation_inputs(population, groups, dimension)
    if table is None:
        table = protect_long(g, "category", "respondents", policy, row_totals=True, keys=keys)
    rows = table.reindex(index=codes, fill_value=0.0).to_numpy(dtype=float)
    answered = (g.groupby("category")["respondents"].sum().reindex(keys, fill_value=0) > 0).to_numpy()

    by_group = pop.groupby(["ward_code", "category"])["persons"].sum()
    pop_total = by_group.groupby(level="ward_code").sum().reindex(codes, fill_value=0.0).to_numpy(dtype=float)
    residents = by_group.unstack("category", fill_value=0).reindex(index=codes, columns=census, fill_value=0)
    residents = residents.to_numpy(dtype=float)
    n_wards, n_census = len(codes), len(census)
    if dimension == "age":  # band order, the same in every ward
        where = {c: i for i, c in enumerate(census)}
        census_order = np.array([where[c] for c in _order(pd.Series(0.0, index=census), dimension)], dtype=int)
        perm = np.broadcast_to(census_order, (n_wards, n_census))
    else:  # most residents first, ties in census order (as Series.sort_values(ascending=False, kind='stable'))
        perm = np.argsort(-residents, axis=1, kind="stable")
    extra_columns = np.broadcast_to(np.arange(n_census, n_census + len(extra)), (n_wards, len(extra)))
    position = np.concatenate([perm, extra_columns], axis=1).astype(int)
    return _tested_groups(rows, keys, len(excluded_keys), residents, pop_total, position, answered, policy, alpha)


def ward_representation(population: pd.DataFrame, groups: pd.DataFrame, ward_code: str, dimension: str,
                        policy: DisclosurePolicy = DEFAULT_POLICY, alpha: float = 0.05) -> pd.DataFrame:
    """One ward: each group's share of respondents vs share of (eligible) residents, with an interval and a flag.

    population: long ward_population rows to compare with (geo.eligibility.eligible_population, or the
    census); groups: ward_code, category, respondents (raw, every ward; data_access.respondent_groups),
    'Not stated' included.

    Rows and the first columns are those of `borough_shares` (one row per census group, then the
    stated subtotal, the excluded answers, 'All respondents' and any unitemised residents):
      group, kind, respondents (protected; NaN = hidden), respondent_share (% of those who
      stated a group), residents, resident_share (% of the ward's eligible residents), index
      (respondent share ÷ resident share; 1 = in proportion),
    and then:
      index_low, index_high — the (1 − alpha) Wilson score interval of the respondent share,
        divided by the resident share; hidden, like the share and index, when the count is hidden
        or the base (respondents who stated a group) is hidden or below min_base.
      index_min, index_max — the index where it is shown; for a tested row whose count or base is
        hidden, the range of the index over every value the published row allows (for the banded index
        shown instead of the hidden one: it is worked out from published figures only, so it reveals
        nothing they do not).
      p_value — two-sided exact binomial test (the doubled smaller tail);
      p_adjusted — Holm–Bonferroni adjusted across the groups tested for this dimension in this ward;
      flag — 'under' only when the Holm-adjusted p is below alpha, the group has fewer respondents than
        in proportion AND the whole interval of the index lies below 1; 'over' likewise above 1; ''.
        under_represented / over_represented: the same as booleans.
      test_basis — 'count' when the count and the base are shown; 'bounds' when either is
        hidden: the test and the interval then use the least favourable values the published
        row allows (`_group_statistics`), so a flag means "under- (over-) represented whatever the
        hidden values are" (interval, share and index stay hidden); '' when not tested.
      status — 'tested'; 'no eligible residents' (nobody in the group could take part, or the census has
        none in the ward); 'no respondents' (no one in the borough gave this answer: check who could take
        part); 'too few' (all respondents hidden or the smallest possible base below min_base).
    Only groups with a test_basis are in the Holm family. alpha sets both the interval's level
    (1 − alpha) and the family-wise error rate. This is `representation_matrix` for one ward.
    """
    tested, totals = _ward_groups(population, groups, [ward_code], dimension, policy, alpha)
    pop = population[(population["dimension"] == dimension) & (population["ward_code"] == ward_code)]
    unitemised = float(pop.loc[pop["category"] == UNITEMISED, "persons"].sum())
    return _with_summary(tested, totals, 0, policy, unitemised)


def representation_matrix(population: pd.DataFrame, groups: pd.DataFrame, ward_codes: list[str], dimension: str,
                          policy: DisclosurePolicy = DEFAULT_POLICY, alpha: float = 0.05) -> pd.DataFrame:
    """`ward_representation` for every ward, long: one row per ward and group (the group rows only).

    Columns: ward_code, group, respondents (protected), index, index_low, index_high, p_value,
    p_adjusted, under_represented, test_basis, then flag, over_represented, index_min, index_max,
    status. Computed once for all wards, not ward by ward: the table is protected once and the shares,
    p-values (binomial tails), Wilson intervals and Holm step-downs (per ward) are worked out on arrays
    over all wards × groups (England's 7,681 wards in seconds). The heatmap and each ward's page
    therefore agree cell for cell.
    """
    codes = list(ward_codes)
    if not codes:
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    tested, _ = _ward_groups(population, groups, codes, dimension, policy, alpha)
    tested["ward_code"] = np.array(codes, dtype=object)[tested["table"].to_numpy()]
    return tested[MATRIX_COLUMNS]


def area_representation(population: pd.DataFrame, groups: pd.DataFrame, assignment: pd.Series, area: str,
                        dimension: str, policy: DisclosurePolicy = DEFAULT_POLICY, alpha: float = 0.05
                        ) -> pd.DataFrame:
    """`ward_representation` for an area of wards (assignment: ward_code → area): the same rows and columns.

    The area's counts are sums of its wards' counts, and an area cell is hidden whenever any of its wards'
    cells is hidden in the protected wards × groups table (geo.disclosure's `hidden`, then secondary
    suppression across the areas × groups table): every count it shows is a sum of counts the ward tables
    show, so the area table and the ward pages cannot be subtracted from each other.
    """
    _, g, _, _, _, keys = _representation_inputs(population, groups, dimension)
    wards = protect_long(g, "category", "respondents", policy, row_totals=True, keys=keys).drop(index=TOTAL)
    area_of = assignment.reindex(wards.index)
    raw = g.pivot_table(index="ward_code", columns="category", values="respondents", aggfunc="sum", fill_value=0)
    raw = raw.reindex(index=wards.index, columns=keys, fill_value=0)
    raw.columns = raw.columns.astype(object)
    hidden = wards.isna().groupby(area_of).any()
    table = protect_table(raw.groupby(area_of).sum(), policy, row_totals=True, column_totals=True,
                          hidden=hidden).values
    by_area = population.assign(ward_code=population["ward_code"].map(assignment)).dropna(subset=["ward_code"])
    tested, totals = _ward_groups(by_area, g.assign(ward_code=g["ward_code"].map(assignment)).dropna(
        subset=["ward_code"]), [area], dimension, policy, alpha, table=table)
    pop = by_area[(by_area["dimension"] == dimension) & (by_area["ward_code"] == area)]
    return _with_summary(tested, totals, 0, policy, float(pop.loc[pop["category"] == UNITEMISED, "persons"].sum()))


def under_represented_groups(rep: pd.DataFrame) -> list[str]:
    """Names of the groups flagged under-represented (`ward_representation` or `borough_representation`)."""
    return list(rep.loc[rep["under_represented"] & (rep["kind"] == "group"), "group"])


def over_represented_groups(rep: pd.DataFrame) -> list[str]:
    """Names of the groups flagged over-represented, in table order."""
    return list(rep.loc[rep["over_represented"] & (rep["kind"] == "group"), "group"])


# --- the banded index: what a hidden cell shows ------------------------------------------------

#: Cut points of the banded index (below 0.5 = fewer than half as many as in proportion; 2 or more = twice).
INDEX_BANDS = (0.5, 0.8, 1.25, 2.0)


def index_band(low: float, high: float) -> str:
    """The band (or run of bands) of INDEX_BANDS holding every index in [low, high]: 'below 0.5', '0.5–0.8',
    '0.8–1.25', '1.25–2', '2 or more', or a run such as 'below 0.8'; 'any' when it spans them all; '' for NaN."""
    if pd.isna(low) or pd.isna(high):
        return ""
    cuts = INDEX_BANDS
    first = int(np.searchsorted(cuts, low, side="right"))
    last = int(np.searchsorted(cuts, high, side="right"))
    lo = None if first == 0 else cuts[first - 1]
    hi = None if last == len(cuts) else cuts[last]
    if lo is None and hi is None:
        return "any"
    if lo is None:
        return f"below {hi:g}"
    if hi is None:
        return f"{lo:g} or more"
    return f"{lo:g}–{hi:g}"
