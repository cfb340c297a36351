"""The two-sided test, interval and flag of each group of a representation table, from the published rows only.

Split from geo/representation.py (which builds the tables and summaries): here only the statistics of
`group_statistics`, whose docstring gives the method. Counts come protected (NaN = hidden) and may be rounded
to a multiple of policy.rounding; the candidate values each hidden or rounded count allows are worked out
from the published row, so every flag holds whatever the counts behind them are.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from geo.disclosure import DisclosurePolicy
from geo.proportions import holm_by_family, wilson_interval


def _candidates(counts: np.ndarray, all_respondents: np.ndarray, excluded: np.ndarray, n_groups: int,
                slack: int = 0) -> dict:
    """What the published rows allow for each group: its candidate counts and bases (see `_group_statistics`).

    slack: how far a shown count may be from the count behind it (policy.rounding − 1): the hidden cells then add
    up to at most the published difference plus the slack of every shown cell in the row and of its total.
    """
    n_tables = all_respondents.size
    table = np.repeat(np.arange(n_tables), n_groups)
    grid = counts.reshape(n_tables, n_groups)
    excl_hidden = np.isnan(excluded).any(axis=1)
    known_base = all_respondents - np.nansum(excluded, axis=1)  # all − the excluded cells shown
    shown_cells = (~np.isnan(grid)).sum(axis=1) + (~np.isnan(excluded)).sum(axis=1) + 1
    # the hidden cells (groups and excluded) add up to this (at most, with rounded counts)
    hidden_sum = known_base - np.nansum(grid, axis=1) + slack * shown_cells
    hidden_groups = np.isnan(grid).sum(axis=1)
    shown = ~np.isnan(counts)
    with np.errstate(invalid="ignore"):
        candidates = np.where(shown, 1, np.maximum(np.ceil(hidden_sum[table] + 1), 0))
        smallest_base = np.where(excl_hidden, known_base - hidden_sum, known_base)[table]
    return {"table": table, "shown": shown, "candidates": candidates, "smallest_base": smallest_base,
            "excluded_shown": (~np.isnan(excluded)).sum(axis=1),
            "excl_hidden": excl_hidden, "known_base": known_base, "hidden_sum": hidden_sum,
            "hidden_groups": hidden_groups}


def _rounding_bounds(x: np.ndarray, n_lo: np.ndarray, n_hi: np.ndarray, shown: np.ndarray,
                     excluded_shown: np.ndarray, rounding: int) -> tuple[np.ndarray, ...]:
    """(x_up, x_down, n_lo, n_hi): the candidates widened for counts shown rounded to a multiple of `rounding`.

    A shown count may be up to rounding − 1 either side of the count behind it, so each tail of the test takes
    the least favourable one (x_up for 'under', x_down for 'over'); the base (all respondents − the excluded
    answers, each rounded) is as uncertain, so it is widened by the slack of each of its terms. With rounding 1
    nothing changes. A flag then holds whatever the counts behind the rounding are.
    """
    slack = max(rounding - 1, 0)
    per_count = np.where(shown, slack, 0)
    base_slack = slack * (1 + excluded_shown)
    n_lo, n_hi = np.maximum(n_lo - base_slack, 1), n_hi + base_slack
    return np.minimum(x + per_count, n_lo), np.maximum(x - per_count, 0), n_lo, n_hi


def group_statistics(counts: np.ndarray, pi: np.ndarray, all_respondents: np.ndarray, excluded: np.ndarray,
                      n_groups: int, testable: np.ndarray, policy: DisclosurePolicy, alpha: float
                      ) -> dict[str, np.ndarray]:
    """Interval, two-sided test, Holm adjustment and flag of every group of every table, from the published rows only.

    counts, pi, testable: tables × groups flattened table by table (n_groups each): the groups' protected
    counts (NaN = hidden), eligible-resident shares (0–1) and whether a group may be tested at all;
    all_respondents: one per table, protected; excluded: tables × the cells outside the base of the shares
    (another answer, Not stated), protected. A row's equation is groups + excluded = all respondents, so its
    hidden cells add up to S = all − the shown cells. A group is tested when all respondents are shown,
    0 < pi < 1 and the smallest base the row allows is at least min_base. Its candidate counts x are the
    shown count, or 0…S for a hidden one. With every excluded cell shown the base n is all − excluded; with
    one hidden it lies between n_lo = all − shown excluded − S + (x if hidden) (no other hidden group) and
    n_hi = all − shown excluded (when another hidden group could hold the rest).

    Two-sided test: the doubled smaller tail of the exact binomial (p = min(1, 2·min(P(X ≤ x), P(X ≥ x))), the
    "twice the one-sided p" rule; Agresti 2013, Categorical Data Analysis, 3rd ed.). On bounds each tail takes its
    least favourable candidate: P(X ≤ x) is largest at n_lo, P(X ≥ x) at n_hi, so the p-value holds whatever the
    hidden values are. Holm runs per table on the two-sided p. A group is flagged 'under' when it is rejected, its
    lower tail is the smaller, and the largest Wilson upper limit over the candidates ÷ pi is below 1; 'over' when
    rejected, the upper tail smaller and the smallest Wilson lower limit ÷ pi above 1. index_min/index_max: the
    range of the index over the candidates (the banded index of a hidden cell, a function of the published row
    only). Returns arrays basis ('count' | 'bounds' | ''), index_low, index_high (count
    basis), index_min, index_max, p_value, p_adjusted, flag ('under' | 'over' | '').
    """
    k = counts.size
    res = {"basis": np.full(k, "", dtype=object), "index_low": np.full(k, np.nan), "index_high": np.full(k, np.nan),
           "index_min": np.full(k, np.nan), "index_max": np.full(k, np.nan), "p_value": np.full(k, np.nan),
           "p_adjusted": np.full(k, np.nan), "flag": np.full(k, "", dtype=object)}
    if k == 0:
        return res
    c = _candidates(counts, all_respondents, excluded, n_groups, max(policy.rounding - 1, 0))
    table, shown = c["table"], c["shown"]
    with np.errstate(invalid="ignore"):
        tested = (~np.isnan(all_respondents[table]) & (pi > 0) & (pi < 1) & (c["candidates"] > 0)
                  & (c["smallest_base"] >= policy.min_base) & testable)
    rows = np.flatnonzero(tested)
    if rows.size == 0:
        return res

    # Every candidate count of every tested group, group by group.
    sizes = c["candidates"][rows].astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    owner = np.repeat(np.arange(rows.size), sizes)
    step = (np.arange(sizes.sum()) - starts[owner]).astype(float)
    r, t = rows[owner], table[rows][owner]
    x = np.where(shown[r], counts[r], step)
    base, hidden = c["known_base"][t], c["excl_hidden"][t]
    n_lo = np.where(hidden, base - c["hidden_sum"][t] + np.where(shown[r], 0.0, x), base)
    others_hidden = (c["hidden_groups"][t] - (~shown[r])) > 0
    n_hi = np.where(hidden & ~others_hidden, n_lo, base)
    x_up, x_down, n_lo, n_hi = _rounding_bounds(x, n_lo, n_hi, shown[r], c["excluded_shown"][t], policy.rounding)
    p_low = np.minimum(1.0, 2 * stats.binom.cdf(x_up, n_lo, pi[r]))
    p_high = np.minimum(1.0, 2 * stats.binom.sf(x_down - 1, n_hi, pi[r]))
    lo_at_hi, _ = wilson_interval(x_down, n_hi, alpha)
    _, hi_at_lo = wilson_interval(x_up, n_lo, alpha)
    p_under, p_over = np.maximum.reduceat(p_low, starts), np.maximum.reduceat(p_high, starts)
    upper = np.maximum.reduceat(hi_at_lo, starts) / pi[rows]
    lower = np.minimum.reduceat(lo_at_hi, starts) / pi[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        res["index_min"][rows] = np.minimum.reduceat(x / n_hi, starts) / pi[rows]
        res["index_max"][rows] = np.maximum.reduceat(x / n_lo, starts) / pi[rows]
    p_value = np.minimum(p_under, p_over)
    count_basis = shown[rows] & ~c["excl_hidden"][table[rows]]
    res["p_value"][rows] = p_value
    res["basis"][rows] = np.where(count_basis, "count", "bounds")
    res["index_low"][rows] = np.where(count_basis, lower, np.nan)
    res["index_high"][rows] = np.where(count_basis, upper, np.nan)
    reject, adjusted = holm_by_family(p_value, table[rows], alpha)
    res["p_adjusted"][rows] = adjusted
    under = reject & (p_under <= p_over) & (upper < 1)
    over = reject & (p_over < p_under) & (lower > 1)
    res["flag"][rows] = np.where(under, "under", np.where(over, "over", ""))
    return res
