"""Participation: how much each ward takes part, and who takes part, as plain DataFrames.

Every count of responses or respondents leaves this module protected by geo.disclosure
(hidden counts are NaN, shown as "hidden"), and every rate or share is computed from the
protected count with `safe_rate`, so a rate never reveals a hidden count.

Ward counts are protected in the order of the ward list the caller passes (the pages
pass `data_access.wards()`, ordered by name, exactly as the Overview does), because
secondary suppression breaks ties by position: the same order on every page means the
same cells are hidden everywhere, so two pages cannot be subtracted from each other.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geo import indicators
from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, format_count, protect_counts, safe_rate
from vocabulary import AGE_BANDS, NOT_STATED

ALL_WARDS = "All wards"
ALL_RESPONDENTS = "All respondents"
STATED = "Stated a group (base of the shares)"
KINDS = ("responses", "respondents")
RATE_KEYS = {"responses": "responses_per_1000", "respondents": "respondents_per_1000"}
COUNT_LABELS = {"responses": "Responses", "respondents": "People taking part"}


def protected_ward_counts(ward_codes: list[str], engagement: pd.DataFrame, kind: str,
                          policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.Series:
    """Protected `kind` ('responses' or 'respondents') per ward, in the given order, ending with 'Total'.

    Wards with no engagement count 0. Mirrors geo.indicators.ward_indicators exactly, so the
    Overview, Participation and Areas pages hide the same wards.
    """
    eng = engagement.set_index("ward_code").reindex(list(ward_codes)).fillna(0)
    return protect_counts(eng[kind], policy, total=True)


def rates_by_ward(wards: pd.DataFrame, population: pd.DataFrame, engagement: pd.DataFrame,
                  policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Residents, protected responses and respondents, and both per 1,000 residents, per ward.

    wards: ward_code, ward_name (the order sets the tie-breaks of secondary suppression);
    population: long ward_population; engagement: ward_code, responses, respondents (raw).
    Returns one row per ward plus an 'All wards' row (ward_code 'Total'); counts are floats,
    NaN where hidden; rates NaN where the count is hidden or the base is below min_base.
    The respondents total is the sum over wards (a person answering from two wards counts
    in each), so that the column adds up.
    """
    codes = list(wards["ward_code"])
    pop = indicators.residents(population).reindex(codes, fill_value=0.0)
    base = pd.concat([pop, pd.Series({TOTAL: pop.sum()})])
    out = pd.DataFrame(index=pd.Index(codes + [TOTAL], name="ward_code"))
    out["ward_name"] = pd.Series(dict(zip(wards["ward_code"], wards["ward_name"], strict=True))).reindex(out.index)
    out.loc[TOTAL, "ward_name"] = ALL_WARDS
    out["residents"] = base
    for kind in KINDS:
        counts = protected_ward_counts(codes, engagement, kind, policy)
        out[kind] = counts
        out[RATE_KEYS[kind]] = safe_rate(counts, base, 1000, policy)
    return out.reset_index()


def ward_table(rates: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """rates_by_ward as strings for the screen: counts with "hidden", rates to one decimal."""
    out = pd.DataFrame({"Ward": rates["ward_name"], "Residents": rates["residents"].map(lambda v: f"{v:,.0f}")})
    for kind in KINDS:
        ind = indicators.BY_KEY[RATE_KEYS[kind]]
        out[COUNT_LABELS[kind]] = rates[kind].map(lambda v: format_count(v, policy))
        out[ind.label] = rates[RATE_KEYS[kind]].map(ind.format)
    return out


def protect_single(value: float, policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """One stand-alone count (e.g. responses not placed in a ward) as text, "hidden" when 1–9."""
    return policy.label if 0 < float(value) < policy.threshold else format_count(float(value), policy)


def protect_note(note: str, policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """A load note about responses or respondents with any count below the threshold shown as "fewer than 10"
    (a number in a sentence that is below the threshold: no table to protect it by, so it is simply not given)."""
    if not re.search(r"respon", note, flags=re.IGNORECASE):
        return note

    def _mask(match: re.Match) -> str:
        value = int(match.group(0).replace(",", ""))
        return f"fewer than {policy.threshold}" if 0 < value < policy.threshold else match.group(0)

    return re.sub(r"(?<![\w.])\d[\d,]*(?![\w.])", _mask, note)


def dimensions_available(population: pd.DataFrame, candidates: list[str]) -> list[str]:
    """Demographic dimensions that have census population loaded, in the order given."""
    present = set(population["dimension"].unique())
    return [d for d in candidates if d in present]


def _order(categories: pd.Series, dimension: str) -> list[str]:
    """Age in band order; other dimensions by residents, largest first."""
    if dimension == "age":
        return [b for b in AGE_BANDS if b in categories.index] + [c for c in categories.index if c not in AGE_BANDS]
    return list(categories.sort_values(ascending=False, kind="stable").index)


def group_shares(order: list[str], counts: pd.Series, stated_base: float, residents: pd.Series,
                 policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Rows of a representation table: protected respondents, their share of those who stated a group,
    the residents' share, and the representation index (respondent share ÷ resident share).

    Shared by the borough table here and the per-ward table in geo.ward_engagement.
    """
    out = pd.DataFrame({"group": order, "kind": "group"}, index=order)
    out["respondents"] = counts
    base = pd.Series(stated_base, index=order, dtype=float)
    out["respondent_share"] = safe_rate(counts, base, 100, policy)
    out["residents"] = residents.reindex(order, fill_value=0.0).astype(float)
    pop_total = float(residents.sum())
    out["resident_share"] = out["residents"] / pop_total * 100 if pop_total else np.nan
    out["index"] = (out["respondent_share"] / out["resident_share"]).where(out["resident_share"] > 0)
    return out


def representation(population: pd.DataFrame, respondents_by_group: pd.DataFrame, dimension: str,
                   policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Borough-wide: each group's share of respondents vs share of residents, and their ratio.

    respondents_by_group: ward_code, category, respondents (raw, from data_access.respondent_groups),
    'Not stated' included. Returns rows for each census group (and any group only respondents
    used), then the subtotal of those who stated a group, 'Not stated' and 'All respondents':
      group, kind ('group' | 'stated' | 'not_stated' | 'total'), respondents (protected; NaN = hidden),
      respondent_share (% of respondents who stated a group), residents, resident_share (%),
      index (respondent share ÷ resident share; 1 = in proportion).
    'Not stated' is reported as its own row and left out of the base of the shares.
    The counts are protected as one equation (groups + Not stated = all respondents), and the
    stated subtotal — the shares' base, which a share reveals as count ÷ share — is hidden
    whenever Not stated is, so no hidden count can be recovered by subtraction, from the counts
    or from the shares. Shares are also hidden on a base below min_base.
    """
    pop = population[population["dimension"] == dimension].groupby("category")["persons"].sum()
    groups = respondents_by_group.assign(category=respondents_by_group["category"].fillna(NOT_STATED))
    resp = groups.groupby("category")["respondents"].sum()
    not_stated = float(resp.get(NOT_STATED, 0.0))
    stated = resp.drop(NOT_STATED, errors="ignore")
    order = _order(pop, dimension) + sorted(c for c in stated.index if c not in pop.index)
    stated = stated.reindex(order, fill_value=0).astype(float)

    # One equation: the groups and Not stated add up to all respondents, a total that is public
    # anyway (it is the respondents total of the ward table). The stated subtotal is all respondents
    # minus Not stated, so it is shown only when Not stated is; it is the base of every share.
    protected = protect_counts(pd.concat([stated, pd.Series({NOT_STATED: not_stated})]), policy, total=True)
    counts = protected[order]
    all_respondents, not_stated_shown = protected[TOTAL], protected[NOT_STATED]
    stated_base = all_respondents - not_stated_shown  # NaN when either is hidden
    if 0 < stated_base < policy.threshold:
        stated_base = np.nan

    out = group_shares(order, counts, stated_base, pop, policy)
    pop_total = float(pop.sum())
    extra = pd.DataFrame([
        {"group": STATED, "kind": "stated", "respondents": stated_base,
         "respondent_share": 100.0 if stated_base >= policy.min_base else np.nan,
         "residents": pop_total, "resident_share": 100.0 if pop_total else np.nan, "index": np.nan},
        {"group": NOT_STATED, "kind": "not_stated", "respondents": not_stated_shown,
         "respondent_share": np.nan, "residents": np.nan, "resident_share": np.nan, "index": np.nan},
        {"group": ALL_RESPONDENTS, "kind": "total", "respondents": all_respondents,
         "respondent_share": np.nan, "residents": np.nan, "resident_share": np.nan, "index": np.nan},
    ], index=[STATED, NOT_STATED, ALL_RESPONDENTS])
    return pd.concat([out, extra]).reset_index(drop=True)


def representation_table(rep: pd.DataFrame, group_label: str,
                         policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """representation() as strings for the screen; blanks where a figure does not apply or is hidden."""
    def pct(v: float) -> str:
        return "" if pd.isna(v) else f"{v:.1f}%"

    return pd.DataFrame({
        group_label: rep["group"],
        "Respondents": rep["respondents"].map(lambda v: format_count(v, policy)),
        "Share of respondents who stated a group": rep["respondent_share"].map(pct),
        "Residents": rep["residents"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
        "Share of residents": rep["resident_share"].map(pct),
        "Representation index (1.00 = in proportion)": rep["index"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
    })


# --- reach: raw and Empirical-Bayes-smoothed rates per 1,000 residents ----------------------

EB_KEYS = {"responses": "responses_per_1000_eb", "respondents": "respondents_per_1000_eb"}


def eb_rates(events: pd.Series, residents: pd.Series, per: float = 1000.0) -> pd.Series:
    """Global Empirical Bayes smoothed rate per `per` residents (Marshall 1991, via esda.smoothing).

    Each ward's raw rate is shrunk towards the borough rate, the more so the fewer its residents,
    so a small ward's chance high or low does not dominate the map. Raw counts in, one value per
    ward out (NaN where residents ≤ 0). Not itself protected: callers hide it with the raw rate.
    """
    from esda.smoothing import Empirical_Bayes

    e = events.astype(float)
    b = residents.reindex(e.index).astype(float)
    ok = b > 0
    out = pd.Series(np.nan, index=e.index)
    if ok.sum() >= 2:
        smoothed = Empirical_Bayes(e[ok].to_numpy().reshape(-1, 1), b[ok].to_numpy().reshape(-1, 1)).r
        out[ok] = np.asarray(smoothed, dtype=float).ravel() * per
    elif ok.any():
        out[ok] = e[ok] / b[ok] * per
    return out


def reach(wards: pd.DataFrame, population: pd.DataFrame, engagement: pd.DataFrame,
          policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """rates_by_ward plus the Empirical Bayes smoothed rate of each measure (`EB_KEYS`).

    The smoothed rate is computed from the raw counts of every ward and then hidden wherever the
    raw rate is hidden (a hidden count, or residents below min_base): the smoothed rate, the
    residents and the borough rate together would give the count back. The 'All wards' row keeps
    the borough rate, which smoothing does not change.
    """
    out = rates_by_ward(wards, population, engagement, policy)
    codes = list(wards["ward_code"])
    pop = indicators.residents(population).reindex(codes, fill_value=0.0)
    eng = engagement.set_index("ward_code").reindex(codes).fillna(0)
    for kind in KINDS:
        smoothed = eb_rates(eng[kind], pop).reindex(out["ward_code"])
        smoothed[TOTAL] = out.set_index("ward_code").at[TOTAL, RATE_KEYS[kind]]
        out[EB_KEYS[kind]] = smoothed.to_numpy()
        out[EB_KEYS[kind]] = out[EB_KEYS[kind]].where(out[RATE_KEYS[kind]].notna())
    return out


def reach_table(rates: pd.DataFrame, kind: str, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """One measure of `reach` as strings: count, raw rate and smoothed rate side by side."""
    def rate(v: float) -> str:
        return "hidden or n/a" if pd.isna(v) else f"{v:,.1f}"

    return pd.DataFrame({
        "Ward": rates["ward_name"], "Residents": rates["residents"].map(lambda v: f"{v:,.0f}"),
        COUNT_LABELS[kind]: rates[kind].map(lambda v: format_count(v, policy)),
        f"{COUNT_LABELS[kind]} per 1,000 residents (raw)": rates[RATE_KEYS[kind]].map(rate),
        f"{COUNT_LABELS[kind]} per 1,000 residents (smoothed)": rates[EB_KEYS[kind]].map(rate),
    })


def below_target(rates: pd.DataFrame, target: float, kind: str = "respondents") -> pd.DataFrame:
    """Wards whose raw rate per 1,000 is shown and below `target` (a ward with a hidden rate is listed
    as 'cannot tell', never guessed)."""
    wards_only = rates[rates["ward_code"] != TOTAL]
    rate = wards_only[RATE_KEYS[kind]]
    status = np.where(rate.isna(), "cannot tell (hidden)", np.where(rate < target, "below target", "meets target"))
    return pd.DataFrame({"ward_code": wards_only["ward_code"], "ward_name": wards_only["ward_name"],
                         "rate": rate, "status": status}).reset_index(drop=True)


# --- representation: every ward × group, with the ward profile's test ----------------------

def representation_matrix(population: pd.DataFrame, groups: pd.DataFrame, ward_codes: list[str], dimension: str,
                          policy: DisclosurePolicy = DEFAULT_POLICY, alpha: float = 0.05) -> pd.DataFrame:
    """geo.ward_engagement.representation for every ward, long: one row per ward and census group.

    The method is the ward profile's, unchanged, so the heatmap and each ward's page agree:
    Wilson (1927) score interval of the respondent share divided by the census share; a
    one-sided exact binomial test; Holm (1979) across the groups of the ward's table; flagged
    only when the adjusted p < alpha and the interval lies below 1 (or, where counts are
    hidden, whatever the hidden values are). The stated error rate: for each ward and dimension,
    the chance of flagging any proportionally represented group is at most alpha.
    Columns: ward_code, group, respondents (protected), index, index_low, index_high, p_value,
    p_adjusted, under_represented, test_basis.

    Computed once for all wards, not ward by ward: the wards × (groups + Not stated) table is
    protected once (the very table, keys and call each ward's page protects), and every ward's
    row is read from it; the shares, the one-sided p-value (the binomial cdf, which is what
    binomtest(alternative='less') returns), the Wilson interval and the Holm step-down (per ward)
    are then worked out on arrays over all wards × groups (`_ward_group_statistics`). Where a
    ward's row hides a figure the test needs, every value the row allows is tried, as on the ward
    page, and the least favourable kept. The rows, their order and every value are those of
    concatenating `representation(...)` ward by ward (tests/test_representation_matrix_fast.py).
    """
    from geo import ward_engagement as we

    cols = ["ward_code", "group", "respondents", "index", "index_low", "index_high", "p_value", "p_adjusted",
            "under_represented", "test_basis"]
    codes = list(ward_codes)
    if not codes:
        return pd.DataFrame(columns=cols)
    pop, g, census, extra, keys = we._representation_inputs(population, groups, dimension)
    table = we._protected_values(g, "category", "respondents", policy, row_totals=True, keys=keys)
    # Each ward's protected row (a ward with no response counts 0), columns in `keys` order then Total.
    rows = table.reindex(index=codes, fill_value=0.0).to_numpy(dtype=float)
    all_respondents, not_stated = rows[:, len(keys)], rows[:, len(keys) - 1]

    # Residents per ward × census group, and each ward's order of the groups (`_order` on its residents).
    by_group = pop.groupby(["ward_code", "category"])["persons"].sum()
    pop_total = by_group.groupby(level="ward_code").sum().reindex(codes, fill_value=0.0).to_numpy(dtype=float)
    residents = by_group.unstack("category", fill_value=0).reindex(index=codes, columns=census, fill_value=0)
    residents = residents.to_numpy(dtype=float)
    n_wards, n_census, n_groups = len(codes), len(census), len(census) + len(extra)
    if dimension == "age":  # band order, the same in every ward
        position = {c: i for i, c in enumerate(census)}
        census_order = np.array([position[c] for c in _order(pd.Series(0.0, index=census), dimension)], dtype=int)
        perm = np.broadcast_to(census_order, (n_wards, n_census))
    else:  # most residents first, ties in census order (as Series.sort_values(ascending=False, kind='stable'))
        perm = np.argsort(-residents, axis=1, kind="stable")
    position = np.concatenate([perm, np.broadcast_to(np.arange(n_census, n_groups), (n_wards, len(extra)))],
                              axis=1).astype(int)  # wards × groups: the column of `keys` in each ward's order
    ward = np.repeat(np.arange(n_wards), n_groups)
    key = position.ravel()
    counts = rows[ward, key]
    res = np.concatenate([residents, np.zeros((n_wards, len(extra)))], axis=1)[ward, key]

    # As group_shares: shares on the protected counts, base = all respondents − Not stated.
    stated_base = all_respondents - not_stated
    stated_base = np.where((stated_base > 0) & (stated_base < policy.threshold), np.nan, stated_base)
    base = stated_base[ward]
    with np.errstate(divide="ignore", invalid="ignore"):
        respondent_share = np.where(~np.isnan(counts) & (base >= policy.min_base), counts / base * 100, np.nan)
        total = pop_total[ward]
        resident_share = np.where(total != 0, res / total * 100, np.nan)
        index = np.where(resident_share > 0, respondent_share / resident_share, np.nan)
    stat = _ward_group_statistics(counts, resident_share / 100, all_respondents, not_stated, n_groups, policy, alpha)
    visible = (stat["basis"] == "count") & ~np.isnan(index)
    return pd.DataFrame({
        "ward_code": np.repeat(np.array(codes, dtype=object), n_groups),
        "group": np.array(keys, dtype=object)[key] if n_groups else np.array([], dtype=object),
        "respondents": counts, "index": index,
        "index_low": np.where(visible, stat["index_low"], np.nan),
        "index_high": np.where(visible, stat["index_high"], np.nan),
        "p_value": stat["p_value"], "p_adjusted": stat["p_adjusted"],
        "under_represented": stat["under_represented"], "test_basis": stat["basis"],
    })[cols]


def _ward_group_statistics(counts: np.ndarray, pi: np.ndarray, all_respondents: np.ndarray,
                           not_stated: np.ndarray, n_groups: int, policy: DisclosurePolicy,
                           alpha: float) -> dict[str, np.ndarray]:
    """geo.ward_engagement._group_statistics for every ward at once, on arrays.

    counts, pi: wards × groups flattened ward by ward (n_groups per ward, in each ward's order);
    all_respondents, not_stated: one per ward, protected. The same rule, value for value:
    a group is tested when all respondents are shown, 0 < pi < 1 and the smallest base the
    row allows is at least min_base. Its candidate counts x are the shown count, or 0…S for a
    hidden one (S = all respondents − the shown cells), with the base n the shown stated
    subtotal or, with Not stated hidden, all − S + (x if the count is hidden); the p-value is the
    largest binomial cdf over them and the upper limit the largest Wilson upper limit. All the
    candidates of all the groups are one flat array, reduced per group with `np.maximum.reduceat`;
    Holm runs per ward on a sort by (ward, p). Returns the arrays of `_group_statistics`.
    """
    from scipy import stats

    from geo import ward_engagement as we

    k = counts.size
    res = {"basis": np.full(k, "", dtype=object), "index_low": np.full(k, np.nan), "index_high": np.full(k, np.nan),
           "p_value": np.full(k, np.nan), "p_adjusted": np.full(k, np.nan), "under_represented": np.zeros(k, bool)}
    if k == 0:
        return res
    n_wards = all_respondents.size
    ward = np.repeat(np.arange(n_wards), n_groups)
    ns_shown = ~np.isnan(not_stated)
    hidden_sum = (all_respondents - np.nansum(counts.reshape(n_wards, n_groups), axis=1)
                  - np.where(ns_shown, not_stated, 0.0))
    shown = ~np.isnan(counts)
    with np.errstate(invalid="ignore"):
        candidates = np.where(shown, 1, np.maximum(np.ceil(hidden_sum[ward] + 1), 0))
        smallest_base = np.where(ns_shown, all_respondents - not_stated, all_respondents - hidden_sum)[ward]
        tested = (~np.isnan(all_respondents[ward]) & (pi > 0) & (pi < 1) & (candidates > 0)
                  & (smallest_base >= policy.min_base))
    rows = np.flatnonzero(tested)
    if rows.size == 0:
        return res

    # Every candidate count of every tested group, group by group.
    sizes = candidates[rows].astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    owner = np.repeat(np.arange(rows.size), sizes)
    step = (np.arange(sizes.sum()) - starts[owner]).astype(float)
    r, w = rows[owner], ward[rows][owner]
    x = np.where(shown[r], counts[r], step)
    if_hidden_ns = all_respondents[w] - hidden_sum[w] + np.where(shown[r], 0.0, x)
    n = np.where(ns_shown[w], all_respondents[w] - not_stated[w], if_hidden_ns)
    p_all = stats.binom.cdf(x, n, pi[r])  # = binomtest(x, n, pi, alternative='less').pvalue
    lo, hi = we.wilson_interval(x, n, alpha)
    p_value = np.maximum.reduceat(p_all, starts)
    upper_limits = np.maximum.reduceat(hi, starts) / pi[rows]
    count_basis = shown[rows] & ns_shown[ward[rows]]
    res["p_value"][rows] = p_value
    res["basis"][rows] = np.where(count_basis, "count", "bounds")
    res["index_low"][rows] = np.where(count_basis, lo[starts] / pi[rows], np.nan)
    res["index_high"][rows] = np.where(count_basis, hi[starts] / pi[rows], np.nan)

    # Holm per ward: the tested groups sorted by p (stable) within each ward, as `holm` does.
    family = ward[rows]
    order = np.lexsort((p_value, family))
    sorted_family = family[order]
    size = np.bincount(family, minlength=n_wards)
    first = np.concatenate([[0], np.cumsum(size)[:-1]])
    rank = np.arange(rows.size) - first[sorted_family]
    raw = (size[sorted_family] - rank) * p_value[order]
    stepped = pd.Series(raw).groupby(sorted_family).cummax().to_numpy()
    adjusted = np.empty(rows.size)
    adjusted[order] = np.minimum(stepped, 1.0)
    res["p_adjusted"][rows] = adjusted
    res["under_represented"][rows] = (adjusted <= alpha) & (upper_limits < 1)
    return res


def borough_representation_test(population: pd.DataFrame, groups: pd.DataFrame, dimension: str,
                                policy: DisclosurePolicy = DEFAULT_POLICY, alpha: float = 0.05) -> pd.DataFrame:
    """Borough-wide `representation` with the ward profile's interval, test and flag (same method).

    Caveat stated on the page: borough-wide the expected share is the census share, so a group
    living mostly in wards that take part less looks under-represented even when no one within a
    ward is missed; the ward × group matrix is the finer test.
    """
    from geo import ward_engagement as we

    rep = representation(population, groups, dimension, policy)
    grp = rep["kind"] == "group"
    stat = we._group_statistics(rep.loc[grp, "respondents"].to_numpy(dtype=float),
                                (rep.loc[grp, "resident_share"] / 100).to_numpy(dtype=float),
                                float(rep.loc[rep["kind"] == "total", "respondents"].iloc[0]),
                                float(rep.loc[rep["kind"] == "not_stated", "respondents"].iloc[0]), policy, alpha)
    visible = (stat["basis"] == "count") & rep.loc[grp, "index"].notna().to_numpy()
    rep.loc[grp, "index_low"] = np.where(visible, stat["index_low"], np.nan)
    rep.loc[grp, "index_high"] = np.where(visible, stat["index_high"], np.nan)
    rep.loc[grp, "p_adjusted"] = stat["p_adjusted"]
    rep["under_represented"] = False
    rep.loc[grp, "under_represented"] = stat["under_represented"]
    rep["test_basis"] = ""
    rep.loc[grp, "test_basis"] = stat["basis"]
    return rep


def heatmap_figure(matrix: pd.DataFrame, ward_names: dict[str, str], group_order: list[str],
                   title: str) -> dict:
    """Ward × group heatmap of the representation index as a plain plotly dict.

    Diverging red–blue centred on 1 (ColorBrewer RdBu, safe for the common colour-vision
    deficiencies); hidden cells blank; flagged cells marked '▼' (under-represented) so the
    flag does not rely on colour.
    """
    codes = list(dict.fromkeys(matrix["ward_code"]))
    grid = matrix.pivot(index="ward_code", columns="group", values="index").reindex(index=codes, columns=group_order)
    flags = matrix.pivot(index="ward_code", columns="group", values="under_represented").reindex(
        index=codes, columns=group_order).fillna(False).astype(bool)
    z = [[None if pd.isna(v) else round(float(v), 3) for v in row] for row in grid.to_numpy()]
    text = [["▼" if f else "" for f in row] for row in flags.to_numpy()]
    y = [ward_names.get(c, c) for c in codes]
    trace = {"type": "heatmap", "z": z, "x": group_order, "y": y, "text": text, "texttemplate": "%{text}",
             "colorscale": "RdBu", "zmid": 1.0, "zmin": 0.0, "zmax": 2.0,
             "colorbar": {"title": {"text": "Index"}},
             "hovertemplate": "%{y} · %{x}: index %{z:.2f}<extra></extra>", "hoverongaps": False}
    layout = {"height": 160 + 22 * len(codes), "margin": {"l": 0, "r": 0, "t": 30, "b": 0},
              "title": {"text": title, "font": {"size": 14}}, "yaxis": {"autorange": "reversed"},
              "xaxis": {"side": "top"}}
    return {"data": [trace], "layout": layout}


def flagged_table(matrix: pd.DataFrame, ward_names: dict[str, str], policy: DisclosurePolicy = DEFAULT_POLICY
                  ) -> pd.DataFrame:
    """The flagged cells of `representation_matrix` as strings (the table beside the heatmap)."""
    f = matrix[matrix["under_represented"]]
    return pd.DataFrame({
        "Ward": f["ward_code"].map(lambda c: ward_names.get(c, c)), "Group": f["group"],
        "Respondents": f["respondents"].map(lambda v: format_count(v, policy)),
        "Representation index": f["index"].map(lambda v: "hidden" if pd.isna(v) else f"{v:.2f}"),
        "95% interval": ["hidden (judged on bounds)" if pd.isna(lo) else f"{lo:.2f} to {hi:.2f}"
                         for lo, hi in zip(f["index_low"], f["index_high"], strict=True)],
        "Holm-adjusted p": f["p_adjusted"].map(lambda v: f"{v:.2g}"),
    }).reset_index(drop=True)
