"""Who takes part against who lives there: the representation test, borough-wide and ward by ward.

One implementation for every view. A group's respondent share (of those who stated a group) is
compared with its share of residents (census, treated as known: it counts every resident):
  index = respondent share ÷ resident share (1 = in proportion);
  interval = the Wilson (1927) score interval of the respondent share ÷ the resident share;
  p-value = one-sided exact binomial test of "the group's share of respondents is at least its
    share of residents" (the binomial cdf, which is what scipy's binomtest(alternative='less') returns);
  p_adjusted = Holm (1979) step-down across the groups tested in one table (one ward, one dimension);
  under_represented = adjusted p ≤ alpha AND the whole interval below 1.
For each table the chance of flagging any proportionally represented group is at most alpha.

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
from scipy import stats

from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, protect_counts, protect_long
from vocabulary import AGE_BANDS, NOT_STATED

STATED = "Stated a group (base of the shares)"
ALL_RESPONDENTS = "All respondents"
SHARE_COLUMNS = ["group", "kind", "respondents", "respondent_share", "residents", "resident_share", "index"]
TEST_COLUMNS = ["index_low", "index_high", "p_value", "p_adjusted", "under_represented", "test_basis"]
MATRIX_COLUMNS = ["ward_code", "group", "respondents", "index", "index_low", "index_high", "p_value", "p_adjusted",
                  "under_represented", "test_basis"]


# --- the statistics -------------------------------------------------------------------------

def wilson_interval(successes: np.ndarray, n: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion, level 1 − alpha (arrays; NaN where n ≤ 0)."""
    x, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    bad = ~(n > 0)
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def holm_by_family(p_values: np.ndarray, family: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Holm–Bonferroni step-down (Holm 1979) within each family (integer labels): (reject at alpha, adjusted p).

    Each family's p-values are sorted (stably), the i-th smallest of m multiplied by m − i, made
    non-decreasing (running maximum) and capped at 1: statsmodels' multipletests(method="holm") per
    family, in a few lines of numpy (that function calls gc.collect() on every use, 50–130 ms a call).
    """
    p = np.asarray(p_values, dtype=float)
    fam = np.asarray(family, dtype=np.int64)
    if p.size == 0:
        return np.zeros(0, dtype=bool), p
    order = np.lexsort((p, fam))
    sorted_family = fam[order]
    _, first, size = np.unique(sorted_family, return_index=True, return_counts=True)
    block = np.repeat(np.arange(first.size), size)
    rank = np.arange(p.size) - first[block]
    stepped = pd.Series((size[block] - rank) * p[order]).groupby(block).cummax().to_numpy()
    adjusted = np.empty(p.size)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted <= alpha, adjusted


def holm(p_values: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Holm–Bonferroni step-down adjustment (Holm 1979) of one family: (reject at alpha, adjusted p-values)."""
    p = np.asarray(p_values, dtype=float)
    return holm_by_family(p, np.zeros(p.size, dtype=np.int64), alpha)


def _group_statistics(counts: np.ndarray, pi: np.ndarray, all_respondents: np.ndarray, not_stated: np.ndarray,
                      n_groups: int, policy: DisclosurePolicy, alpha: float) -> dict[str, np.ndarray]:
    """Interval, one-sided test, Holm adjustment and flag of every group of every table, from the published rows only.

    counts, pi: tables × groups flattened table by table (n_groups each): the groups' protected counts
    (NaN = hidden) and resident shares (0–1); all_respondents, not_stated: one per table, protected.
    A row's equation is groups + Not stated = all respondents, so its hidden cells add up to
    S = all − the shown cells. A group is tested when all respondents are shown, 0 < pi < 1 and the
    smallest base the row allows is at least min_base. Its candidate counts x are the shown count, or
    0…S for a hidden one, with the base n the shown stated subtotal or, with Not stated hidden,
    all − S + (x if the count is hidden); the p-value is the largest binomial cdf over the candidates
    and the upper limit the largest Wilson upper limit (the least favourable values). All the
    candidates of all the groups are one flat array, reduced per group with `np.maximum.reduceat`;
    Holm runs per table. Returns arrays basis ('count' | 'bounds' | ''), index_low, index_high
    (count basis only), p_value, p_adjusted, under_represented.
    """
    k = counts.size
    res = {"basis": np.full(k, "", dtype=object), "index_low": np.full(k, np.nan), "index_high": np.full(k, np.nan),
           "p_value": np.full(k, np.nan), "p_adjusted": np.full(k, np.nan), "under_represented": np.zeros(k, bool)}
    if k == 0:
        return res
    n_tables = all_respondents.size
    table = np.repeat(np.arange(n_tables), n_groups)
    ns_shown = ~np.isnan(not_stated)
    hidden_sum = (all_respondents - np.nansum(counts.reshape(n_tables, n_groups), axis=1)
                  - np.where(ns_shown, not_stated, 0.0))
    shown = ~np.isnan(counts)
    with np.errstate(invalid="ignore"):
        candidates = np.where(shown, 1, np.maximum(np.ceil(hidden_sum[table] + 1), 0))
        smallest_base = np.where(ns_shown, all_respondents - not_stated, all_respondents - hidden_sum)[table]
        tested = (~np.isnan(all_respondents[table]) & (pi > 0) & (pi < 1) & (candidates > 0)
                  & (smallest_base >= policy.min_base))
    rows = np.flatnonzero(tested)
    if rows.size == 0:
        return res

    # Every candidate count of every tested group, group by group.
    sizes = candidates[rows].astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    owner = np.repeat(np.arange(rows.size), sizes)
    step = (np.arange(sizes.sum()) - starts[owner]).astype(float)
    r, t = rows[owner], table[rows][owner]
    x = np.where(shown[r], counts[r], step)
    if_hidden_ns = all_respondents[t] - hidden_sum[t] + np.where(shown[r], 0.0, x)
    n = np.where(ns_shown[t], all_respondents[t] - not_stated[t], if_hidden_ns)
    p_all = stats.binom.cdf(x, n, pi[r])  # = binomtest(x, n, pi, alternative='less').pvalue
    lo, hi = wilson_interval(x, n, alpha)
    p_value = np.maximum.reduceat(p_all, starts)
    upper_limits = np.maximum.reduceat(hi, starts) / pi[rows]
    count_basis = shown[rows] & ns_shown[table[rows]]
    res["p_value"][rows] = p_value
    res["basis"][rows] = np.where(count_basis, "count", "bounds")
    res["index_low"][rows] = np.where(count_basis, lo[starts] / pi[rows], np.nan)
    res["index_high"][rows] = np.where(count_basis, hi[starts] / pi[rows], np.nan)
    reject, adjusted = holm_by_family(p_value, table[rows], alpha)
    res["p_adjusted"][rows] = adjusted
    res["under_represented"][rows] = reject & (upper_limits < 1)
    return res


# --- the tables: shares, index and test per group, then the summary rows --------------------

def _order(categories: pd.Series, dimension: str) -> list[str]:
    """Age in band order; other dimensions by residents, largest first (ties in the given order)."""
    if dimension == "age":
        return [b for b in AGE_BANDS if b in categories.index] + [c for c in categories.index if c not in AGE_BANDS]
    return list(categories.sort_values(ascending=False, kind="stable").index)


def _tested_groups(rows: np.ndarray, keys: list, residents: np.ndarray, pop_total: np.ndarray, position: np.ndarray,
                   policy: DisclosurePolicy, alpha: float) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The group rows of one or more tables: shares, index, interval, test and flag.

    rows: tables × (keys + Total), protected (NaN = hidden); keys: the groups, census groups first,
    then groups only respondents used, then 'Not stated'; residents: tables × census groups;
    pop_total: residents per table; position: tables × groups, the column of `keys` in each table's
    order. Returns (one row per table and group, with a `table` column; per-table totals: all,
    not_stated, stated_base, pop_total). Shares are on the protected counts; their base, the
    stated subtotal (all respondents − Not stated), is NaN when either is hidden or when it is
    itself below the threshold; no share on a base below min_base.
    """
    n_tables, n_groups = position.shape
    all_respondents, not_stated = rows[:, len(keys)], rows[:, len(keys) - 1]
    table = np.repeat(np.arange(n_tables), n_groups)
    key = position.ravel()
    counts = rows[table, key]
    res = np.concatenate([residents, np.zeros((n_tables, n_groups - residents.shape[1]))], axis=1)[table, key]
    stated_base = all_respondents - not_stated
    stated_base = np.where((stated_base > 0) & (stated_base < policy.threshold), np.nan, stated_base)
    base = stated_base[table]
    with np.errstate(divide="ignore", invalid="ignore"):
        respondent_share = np.where(~np.isnan(counts) & (base >= policy.min_base), counts / base * 100, np.nan)
        total = pop_total[table]
        resident_share = np.where(total != 0, res / total * 100, np.nan)
        index = np.where(resident_share > 0, respondent_share / resident_share, np.nan)
    stat = _group_statistics(counts, resident_share / 100, all_respondents, not_stated, n_groups, policy, alpha)
    visible = (stat["basis"] == "count") & ~np.isnan(index)
    out = pd.DataFrame({
        "table": table, "group": np.array(keys, dtype=object)[key] if key.size else np.array([], dtype=object),
        "kind": "group", "respondents": counts, "respondent_share": respondent_share, "residents": res,
        "resident_share": resident_share, "index": index,
        "index_low": np.where(visible, stat["index_low"], np.nan),
        "index_high": np.where(visible, stat["index_high"], np.nan),
        "p_value": stat["p_value"], "p_adjusted": stat["p_adjusted"],
        "under_represented": stat["under_represented"], "test_basis": stat["basis"]})
    totals = {"all": all_respondents, "not_stated": not_stated, "stated_base": stated_base, "pop_total": pop_total}
    return out, totals


def _with_summary(groups: pd.DataFrame, totals: dict[str, np.ndarray], i: int,
                  policy: DisclosurePolicy) -> pd.DataFrame:
    """Table i's group rows, then the stated subtotal, 'Not stated' and 'All respondents' (not tested)."""
    stated_base, pop_total = float(totals["stated_base"][i]), float(totals["pop_total"][i])
    summary = pd.DataFrame([
        {"group": STATED, "kind": "stated", "respondents": stated_base,
         "respondent_share": 100.0 if stated_base >= policy.min_base else np.nan,
         "residents": pop_total, "resident_share": 100.0 if pop_total else np.nan},
        {"group": NOT_STATED, "kind": "not_stated", "respondents": float(totals["not_stated"][i])},
        {"group": ALL_RESPONDENTS, "kind": "total", "respondents": float(totals["all"][i])},
    ])
    summary["under_represented"] = False
    summary["test_basis"] = ""
    own = groups[groups["table"] == i].drop(columns="table")
    out = pd.concat([own, summary], ignore_index=True)
    out["under_represented"] = out["under_represented"].astype(bool)
    return out[SHARE_COLUMNS + TEST_COLUMNS]


# --- borough-wide ---------------------------------------------------------------------------

def borough_representation(population: pd.DataFrame, groups: pd.DataFrame, dimension: str,
                           policy: DisclosurePolicy = DEFAULT_POLICY, alpha: float = 0.05) -> pd.DataFrame:
    """Borough-wide: each group's share of respondents vs share of residents, with the interval, test and flag.

    groups: ward_code, category, respondents (raw, from data_access.respondent_groups), 'Not stated'
    included. Rows: each census group (age in band order, else most residents first) and any group
    only respondents used, then the subtotal of those who stated a group, 'Not stated' and 'All
    respondents'. Columns: group, kind ('group' | 'stated' | 'not_stated' | 'total'), respondents
    (protected; NaN = hidden), respondent_share (% of respondents who stated a group), residents,
    resident_share (%), index, index_low, index_high, p_adjusted, under_represented, test_basis
    (see `ward_representation`).

    'Not stated' is its own row and left out of the base of the shares. The counts are protected as
    one equation (groups + Not stated = all respondents, a total that is public anyway), and the
    stated subtotal — the shares' base, which a share reveals as count ÷ share — is hidden whenever
    Not stated is, so no hidden count can be recovered by subtraction, from the counts or the shares.

    Caveat stated on the page: borough-wide the expected share is the census share, so a group living
    mostly in wards that take part less looks under-represented even when no one within a ward is
    missed; the ward × group matrix is the finer test.
    """
    pop = population[population["dimension"] == dimension].groupby("category")["persons"].sum()
    g = groups.assign(category=groups["category"].fillna(NOT_STATED))
    resp = g.groupby("category")["respondents"].sum()
    not_stated = float(resp.get(NOT_STATED, 0.0))
    stated = resp.drop(NOT_STATED, errors="ignore")
    census = _order(pop, dimension)
    order = census + sorted(c for c in stated.index if c not in pop.index)
    stated = stated.reindex(order, fill_value=0).astype(float)
    protected = protect_counts(pd.concat([stated, pd.Series({NOT_STATED: not_stated})]), policy, total=True)
    keys = order + [NOT_STATED]
    rows = protected.reindex(keys + [TOTAL]).to_numpy(dtype=float)[np.newaxis, :]
    residents = pop.reindex(census).to_numpy(dtype=float)[np.newaxis, :]
    position = np.arange(len(order), dtype=int)[np.newaxis, :]
    tested, totals = _tested_groups(rows, keys, residents, np.array([float(pop.sum())]), position, policy, alpha)
    return _with_summary(tested, totals, 0, policy).drop(columns="p_value")


def borough_shares(population: pd.DataFrame, groups: pd.DataFrame, dimension: str,
                   policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """`borough_representation` without the test: group, kind, respondents, respondent_share, residents,
    resident_share, index."""
    return borough_representation(population, groups, dimension, policy)[SHARE_COLUMNS]


# --- ward by ward ---------------------------------------------------------------------------

def _representation_inputs(population: pd.DataFrame, groups: pd.DataFrame, dimension: str
                           ) -> tuple[pd.DataFrame, pd.DataFrame, list, list, list]:
    """What the ward tables protect and test.

    Returns (the dimension's rows of ward_population, groups with a missing category as 'Not stated',
    the census groups in order of first appearance, the groups only respondents used (sorted), and the
    columns of the wards × groups table: census + respondents-only + ['Not stated']).
    """
    pop = population[population["dimension"] == dimension]
    g = groups.assign(category=groups["category"].fillna(NOT_STATED))
    census = pop["category"].drop_duplicates().tolist()  # in order of first appearance
    extra = sorted(c for c in set(g["category"].drop_duplicates()) - set(census) if c != NOT_STATED)
    return pop, g, census, extra, census + extra + [NOT_STATED]


def _ward_groups(population: pd.DataFrame, groups: pd.DataFrame, codes: list[str], dimension: str,
                 policy: DisclosurePolicy, alpha: float) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """`_tested_groups` for the wards `codes` (in that order; a ward with no response counts 0).

    The wards × (groups + Not stated) table of every ward in `groups` is protected once, with ward
    and borough totals (geo.disclosure works in label order, so every ward's page hides the same
    cells), and each ward's row is read from it. Each ward lists its census groups with most
    residents first (ties in census order; age in band order), then the groups only respondents used.
    """
    pop, g, census, extra, keys = _representation_inputs(population, groups, dimension)
    table = protect_long(g, "category", "respondents", policy, row_totals=True, keys=keys)
    rows = table.reindex(index=codes, fill_value=0.0).to_numpy(dtype=float)

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
    return _tested_groups(rows, keys, residents, pop_total, position, policy, alpha)


def ward_representation(population: pd.DataFrame, groups: pd.DataFrame, ward_code: str, dimension: str,
                        policy: DisclosurePolicy = DEFAULT_POLICY, alpha: float = 0.05) -> pd.DataFrame:
    """One ward: each group's share of respondents vs share of residents, with an interval and a flag.

    population: long ward_population; groups: ward_code, category, respondents (raw, every ward;
    data_access.respondent_groups(dimension)), 'Not stated' included.

    Rows and the first columns are those of `borough_shares` (one row per census group, then the
    stated subtotal, 'Not stated' and 'All respondents'):
      group, kind, respondents (protected; NaN = hidden), respondent_share (% of those who
      stated a group), residents, resident_share (% of the ward's residents), index
      (respondent share ÷ resident share; 1 = in proportion),
    and then:
      index_low, index_high — the (1 − alpha) Wilson score interval of the respondent share,
        divided by the resident share; hidden, like the share and index, when the count is hidden
        or the base (respondents who stated a group) is hidden or below min_base.
      p_value — one-sided exact binomial test (alternative 'less');
      p_adjusted — Holm–Bonferroni adjusted across the groups tested for this dimension in this ward;
      under_represented — True only when the Holm-adjusted p is below alpha AND the whole
        interval of the index lies below 1 (a group flagged never shows an interval reaching 1);
      test_basis — 'count' when the count and the base are shown; 'bounds' when either is
        hidden: the test and the interval then use the least favourable values the published
        row allows (`_group_statistics`), so a flag means "under-represented whatever the
        hidden values are" (interval, share and index stay hidden); '' when not tested (all
        respondents hidden, the smallest possible base below min_base, or a group with no
        residents in the ward).
    Only groups with a test_basis are in the Holm family. alpha sets both the interval's level
    (1 − alpha) and the family-wise error rate. This is `representation_matrix` for one ward.
    """
    tested, totals = _ward_groups(population, groups, [ward_code], dimension, policy, alpha)
    return _with_summary(tested, totals, 0, policy)


def representation_matrix(population: pd.DataFrame, groups: pd.DataFrame, ward_codes: list[str], dimension: str,
                          policy: DisclosurePolicy = DEFAULT_POLICY, alpha: float = 0.05) -> pd.DataFrame:
    """`ward_representation` for every ward, long: one row per ward and group (the group rows only).

    Columns: ward_code, group, respondents (protected), index, index_low, index_high, p_value,
    p_adjusted, under_represented, test_basis. Computed once for all wards, not ward by ward: the
    table is protected once and the shares, p-values (binomial cdf), Wilson intervals and Holm
    step-downs (per ward) are worked out on arrays over all wards × groups (England's 7,681 wards
    in seconds). The heatmap and each ward's page therefore agree cell for cell.
    """
    codes = list(ward_codes)
    if not codes:
        return pd.DataFrame(columns=MATRIX_COLUMNS)
    tested, _ = _ward_groups(population, groups, codes, dimension, policy, alpha)
    tested["ward_code"] = np.array(codes, dtype=object)[tested["table"].to_numpy()]
    return tested[MATRIX_COLUMNS]


def under_represented_groups(rep: pd.DataFrame) -> list[str]:
    """Names of the groups flagged by `ward_representation` (or `borough_representation`), in table order."""
    return list(rep.loc[rep["under_represented"] & (rep["kind"] == "group"), "group"])
