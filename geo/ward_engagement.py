"""One ward's engagement: over time, by activity, by channel, and who it reaches, as plain DataFrames.

Inputs are the raw aggregated counts of the data-access module (`ward_quarterly`,
`ward_activities`, `ward_channels`, `respondent_groups`, `ward_engagement`) for *every*
ward; outputs are for one ward and are already protected by geo.disclosure: counts of
responses or people are floats, NaN where hidden (shown as "hidden" by the `*_table`
formatters), and every rate, share or interval is computed from the protected counts.

Why every ward goes in when one ward comes out: a ward's figures are one row of a
wards × columns table whose column totals are the borough's figures (published on other
pages or beside the ward's). Protecting the ward's row on its own would let a reader
recover a hidden cell as "borough total minus the other wards", page by page. So each
table is protected whole — rows (wards) and columns (quarters, activities, groups,
channels) with their totals — and the ward's row is read from it. geo.disclosure works
in label order, so every ward page hides the same cells.

A person who took part from two wards, in two quarters or by two channels is counted in
each, so borough figures here are the sum over wards (as on the Participation page).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy import stats

from geo import indicators
from geo import participation as gp
from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, format_count, protect_table, safe_rate
from vocabulary import NOT_STATED

#: Relative change in people taking part, between the last two complete quarters, beyond which
#: reach is said to have risen or fallen (strictly more than ±10%); otherwise it is "steady".
TREND_TOLERANCE = 0.10

KIND_LABELS = {"consultation": "Consultation", "survey": "Survey", "quick_poll": "Quick poll",
               "petition": "Petition", "pb_vote": "Participatory budgeting vote", "ideas": "Ideas",
               "event": "Event"}


# --- shared helpers -------------------------------------------------------------------------

def _protected_values(long: pd.DataFrame, column: str, value: str, policy: DisclosurePolicy, row_totals: bool,
                      keys: list | None = None) -> pd.DataFrame:
    """The whole wards × `column` table of `value`, protected: one row per ward in `long`, then 'Total'.

    Floats, NaN where hidden; with row_totals each row ends with its 'Total' (sum over the columns).
    With no ward at all, the table is just the 'Total' row, all 0. Missing keys count 0.
    """
    grid = long.pivot_table(index="ward_code", columns=column, values=value, aggfunc="sum", fill_value=0)
    if keys is not None:
        grid = grid.reindex(columns=keys, fill_value=0)
    grid.columns = grid.columns.astype(object)
    if grid.empty:
        cols = list(grid.columns) + ([TOTAL] if row_totals else [])
        return pd.DataFrame([[0.0] * len(cols)], index=[TOTAL], columns=cols)
    return protect_table(grid, policy, row_totals=row_totals, column_totals=True).values


def _protected_row(long: pd.DataFrame, ward_code: str, column: str, value: str, policy: DisclosurePolicy,
                   row_totals: bool, keys: list | None = None) -> tuple[pd.Series, pd.Series]:
    """Protect the whole wards × `column` table of `value`, return (this ward's row, the borough row).

    The borough row is the column totals (sum over wards). Both are floats, NaN where hidden;
    with row_totals the ward's row ends with its 'Total' (sum over the columns).
    Missing wards/keys count 0.
    """
    values = _protected_values(long, column, value, policy, row_totals, keys)
    borough = values.loc[TOTAL]
    ward = values.loc[ward_code] if ward_code in values.index else pd.Series(0.0, index=values.columns)
    return ward, borough


def _quarter_start(label: str) -> date:
    year, q = label.split(" Q")
    return date(int(year), 3 * (int(q) - 1) + 1, 1)


def _next_quarter(start: date) -> date:
    return date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)


def _label(start: date) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


def _quarters(labels: pd.Series) -> list[str]:
    """Every quarter from the first to the last label present, gaps filled."""
    if labels.empty:
        return []
    start, last = _quarter_start(min(labels)), _quarter_start(max(labels))
    out = []
    while start <= last:
        out.append(_label(start))
        start = _next_quarter(start)
    return out


def _residents(residents: pd.Series | pd.DataFrame) -> pd.Series:
    """Residents per ward: a Series ward_code → persons, or the long ward_population table."""
    if isinstance(residents, pd.DataFrame):
        return indicators.residents(residents)
    return residents.astype(float)


def _pct(v: float) -> str:
    return "" if pd.isna(v) else f"{v:.1f}%"


def _rate(v: float) -> str:
    return "hidden or n/a" if pd.isna(v) else f"{v:,.1f}"


# --- 1. over time ---------------------------------------------------------------------------

def quarterly_trend(quarterly: pd.DataFrame, ward_code: str, residents: pd.Series | pd.DataFrame,
                    policy: DisclosurePolicy = DEFAULT_POLICY, first_day: date | None = None,
                    last_day: date | None = None) -> pd.DataFrame:
    """Per calendar quarter: the ward's responses and people taking part, per 1,000 residents, and the borough's.

    quarterly: ward_code, quarter ('2025 Q4'), responses, respondents — raw, every ward
    (data_access.ward_quarterly). residents: ward_code → residents (geo.indicators.residents),
    or the long ward_population table. first_day / last_day: the first and last days the data
    can cover (the filter's dates; for last_day, else the date of the load): a quarter is
    `complete` when it lies wholly between them, and only complete quarters are compared by
    `trend_sentence`.

    Returns one row per quarter from the first to the last with any response in the borough:
      quarter, start, end, complete, responses, respondents (protected; NaN = hidden),
      responses_per_1000, respondents_per_1000 (the ward's; NaN when hidden or residents < min_base),
      borough_responses_per_1000, borough_respondents_per_1000 (sum over wards ÷ borough residents).
    Responses are protected as wards × quarters with ward and quarter totals; people as wards ×
    quarters with quarter totals only (one person in several quarters counts in each, so a
    ward's quarters do not add up to its people).
    """
    return quarterly_trends(quarterly, [ward_code], residents, policy, first_day, last_day).drop(columns="ward_code")


def quarterly_trends(quarterly: pd.DataFrame, ward_codes: list[str], residents: pd.Series | pd.DataFrame,
                     policy: DisclosurePolicy = DEFAULT_POLICY, first_day: date | None = None,
                     last_day: date | None = None) -> pd.DataFrame:
    """`quarterly_trend` (its docstring says what each column is) for every ward in ward_codes at once, long,
    with a ward_code column last. Each wards × quarters table is protected once, whichever wards are asked
    for, so one ward's rows are the same alone or among all (England's 7,681 wards: seconds, not hours);
    quarterly_trend is this for one ward.
    """
    columns = ["quarter", "start", "end", "complete", "responses", "respondents", "responses_per_1000",
               "respondents_per_1000", "borough_responses_per_1000", "borough_respondents_per_1000", "ward_code"]
    codes = list(ward_codes)
    quarters = _quarters(quarterly["quarter"])
    if not quarters or not codes:
        return pd.DataFrame(columns=columns)
    pop = _residents(residents)
    n_q = len(quarters)
    starts = [_quarter_start(q) for q in quarters]
    ends = [_next_quarter(s) - timedelta(days=1) for s in starts]
    complete = [(first_day is None or s >= first_day) and (last_day is None or e <= last_day)
                for s, e in zip(starts, ends, strict=True)]
    out = pd.DataFrame({"quarter": np.tile(np.array(quarters, dtype=object), len(codes)),
                        "start": np.tile(np.array(starts, dtype=object), len(codes)),
                        "end": np.tile(np.array(ends, dtype=object), len(codes)),
                        "complete": np.tile(np.array(complete, dtype=bool), len(codes))})
    ward_residents = pd.Series(np.repeat([float(pop.get(c, 0.0)) for c in codes], n_q))
    borough_residents = pd.Series(float(pop.sum()), index=out.index)
    for kind, row_totals in (("responses", True), ("respondents", False)):
        table = _protected_values(quarterly, "quarter", kind, policy, row_totals, quarters)
        out[kind] = table.reindex(index=codes, columns=quarters, fill_value=0.0).to_numpy(dtype=float).ravel()
        out[f"{kind}_per_1000"] = safe_rate(out[kind], ward_residents, 1000, policy)
        borough = np.tile(table.loc[TOTAL].reindex(quarters).to_numpy(dtype=float), len(codes))
        out[f"borough_{kind}_per_1000"] = safe_rate(pd.Series(borough), borough_residents, 1000, policy)
    out["ward_code"] = np.repeat(np.array(codes, dtype=object), n_q)
    return out[columns]


def trend(trend_frame: pd.DataFrame, tolerance: float = TREND_TOLERANCE) -> dict:
    """The rule behind `trend_sentence`, as data.

    Compares people taking part (protected) in the last two *complete* quarters. The change is
    (latest − previous) ÷ previous; beyond +tolerance "rose", beyond −tolerance "fell", else
    "steady" (exactly ±10% is steady). From none to some is "rose"; none in both is "steady".
    direction is None when there are fewer than two complete quarters ('quarters') or either
    count is hidden ('hidden'). Residents do not change between quarters, so the change in
    people per 1,000 residents is the same.
    Returns {direction, reason, latest, previous, latest_count, previous_count, change, borough_change}.
    """
    done = trend_frame[trend_frame["complete"].astype(bool)]
    result = {"direction": None, "reason": "", "latest": None, "previous": None, "latest_count": np.nan,
              "previous_count": np.nan, "change": np.nan, "borough_change": np.nan}
    if len(done) < 2:
        result["reason"] = "quarters"
        return result
    prev, last = done.iloc[-2], done.iloc[-1]
    result.update(latest=last["quarter"], previous=prev["quarter"], latest_count=last["respondents"],
                  previous_count=prev["respondents"])
    b_prev, b_last = prev["borough_respondents_per_1000"], last["borough_respondents_per_1000"]
    if pd.notna(b_prev) and pd.notna(b_last) and b_prev > 0:
        result["borough_change"] = b_last / b_prev - 1
    if pd.isna(last["respondents"]) or pd.isna(prev["respondents"]):
        result["reason"] = "hidden"
        return result
    if prev["respondents"] == 0:
        result["direction"] = "rose" if last["respondents"] > 0 else "steady"
        return result
    change = last["respondents"] / prev["respondents"] - 1
    result["change"] = change
    beyond = round(change, 9)  # so that exactly ±10% (110 after 100) is steady despite floating point
    result["direction"] = "rose" if beyond > tolerance else "fell" if beyond < -tolerance else "steady"
    return result


def trend_sentence(trend_frame: pd.DataFrame, tolerance: float = TREND_TOLERANCE,
                   policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """One plain-English line on whether the ward's reach rose, fell or held steady (rule: see `trend`)."""
    t = trend(trend_frame, tolerance)
    if t["reason"] == "quarters":
        return "There are not yet two complete quarters to compare, so no trend is shown."
    if t["reason"] == "hidden":
        return (f"The number of people taking part in {t['previous']} or {t['latest']} is hidden to protect "
                f"small counts (below {policy.threshold}), so no trend is shown.")
    latest, previous = t["latest"], t["previous"]
    n_last, n_prev = format_count(t["latest_count"], policy), format_count(t["previous_count"], policy)
    borough = "" if pd.isna(t["borough_change"]) else \
        f" Across the borough the change was {t['borough_change']:+.0%}."
    if t["previous_count"] == 0:
        if t["direction"] == "steady":
            return f"No one from this ward took part in {previous} or {latest}."
        return f"Reach rose in the latest complete quarter ({latest}): {n_last} people took part, none in {previous}."
    change = t["change"]
    if t["direction"] == "steady":
        return (f"Reach was steady in the latest complete quarter ({latest}): {n_last} people took part "
                f"against {n_prev} in {previous} ({change:+.0%}, within ±{tolerance:.0%}).{borough}")
    word, updown = ("rose", "up") if t["direction"] == "rose" else ("fell", "down")
    return (f"Reach {word} in the latest complete quarter ({latest}): {n_last} people took part, "
            f"{updown} {abs(change):.0%} on {previous} ({n_prev}).{borough}")


def quarterly_table(trend_frame: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """quarterly_trend as strings for the screen ("hidden" for hidden counts)."""
    return pd.DataFrame({
        "Quarter": [q if c else f"{q} (incomplete)" for q, c in zip(trend_frame["quarter"], trend_frame["complete"],
                                                                    strict=True)],
        "Responses": trend_frame["responses"].map(lambda v: format_count(v, policy)),
        "Responses per 1,000 residents": trend_frame["responses_per_1000"].map(_rate),
        "People taking part": trend_frame["respondents"].map(lambda v: format_count(v, policy)),
        "People per 1,000 residents": trend_frame["respondents_per_1000"].map(_rate),
        "Borough: people per 1,000 residents": trend_frame["borough_respondents_per_1000"].map(_rate),
    })


# --- 2. activities that reached the ward ----------------------------------------------------

def activities_reached(ward_activities: pd.DataFrame, activities: pd.DataFrame, ward_code: str,
                       policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Activities with at least one response from a resident of the ward, newest first.

    ward_activities: ward_code, activity_id, responses (raw, every ward; data_access.ward_activities);
    activities: the activities table. Returns activity_id, title, kind, opened, closed,
    responses (from the ward, protected as wards × activities with both totals; NaN = hidden),
    outcome_published (bool), outcome_published_on (date or NaT), days_to_outcome (close → outcome).
    """
    ward, _ = _protected_row(ward_activities, ward_code, "activity_id", "responses", policy, row_totals=True)
    raw = ward_activities[(ward_activities["ward_code"] == ward_code) & (ward_activities["responses"] > 0)]
    reached = list(raw["activity_id"])
    acts = activities[activities["activity_id"].isin(reached)].copy()
    out = pd.DataFrame({
        "activity_id": acts["activity_id"], "title": acts["title"], "kind": acts["kind"],
        "opened": pd.to_datetime(acts["opened"]).dt.date, "closed": pd.to_datetime(acts["closed"]).dt.date,
        "responses": acts["activity_id"].map(ward).astype(float),
    })
    published = pd.to_datetime(acts["outcome_published_on"])
    out["outcome_published"] = published.notna()
    out["outcome_published_on"] = published.dt.date
    out["days_to_outcome"] = (published - pd.to_datetime(acts["closed"])).dt.days
    return out.sort_values(["opened", "title"], ascending=[False, True], kind="stable").reset_index(drop=True)


def outcome_share(reached: pd.DataFrame, as_of: date | None = None) -> dict:
    """How many of the activities that reached the ward have told residents the outcome.

    Among those closed by `as_of` (all closed ones when None; still-open activities cannot
    have an outcome yet): activities, closed, with_outcome (published by as_of),
    share_with_outcome (% of closed; None when none closed) and median_days_to_outcome
    (median days from closing to publication over those with an outcome; None when none).
    These count activities, not people, so no disclosure control applies.
    """
    closed = reached[reached["closed"].notna()]
    if as_of is not None:
        closed = closed[closed["closed"] <= as_of]
    on = closed["outcome_published_on"]
    has = closed["outcome_published"].astype(bool) & (on.map(lambda d: as_of is None or (pd.notna(d) and d <= as_of)))
    n_closed, n_with = len(closed), int(has.sum())
    days = closed.loc[has, "days_to_outcome"]
    return {"activities": len(reached), "closed": n_closed, "with_outcome": n_with,
            "share_with_outcome": n_with / n_closed * 100 if n_closed else None,
            "median_days_to_outcome": float(days.median()) if n_with else None}


def outcome_sentence(summary: dict) -> str:
    """outcome_share as one line."""
    if not summary["activities"]:
        return "No activity has reached this ward with the current filters."
    if not summary["closed"]:
        return f"{summary['activities']} activities reached this ward; none has closed yet."
    text = (f"Of the {summary['closed']} closed activities that reached this ward, {summary['with_outcome']} "
            f"({summary['share_with_outcome']:.0f}%) have published an outcome")
    if summary["median_days_to_outcome"] is not None:
        text += f", a median of {summary['median_days_to_outcome']:.0f} days after closing"
    return text + "."


def activities_table(reached: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """activities_reached as strings for the screen."""
    return pd.DataFrame({
        "Activity": reached["title"],
        "Kind": reached["kind"].map(lambda k: KIND_LABELS.get(k, str(k).replace("_", " ").capitalize())),
        "Opened": reached["opened"].map(str), "Closed": reached["closed"].map(str),
        "Responses from this ward": reached["responses"].map(lambda v: format_count(v, policy)),
        "Outcome published": [f"yes, {d}" if p else "no" for p, d in zip(reached["outcome_published"],
                                                                           reached["outcome_published_on"],
                                                                           strict=True)],
    })


# --- 3. who takes part in the ward compared with who lives there ----------------------------

def holm(p_values: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Holm–Bonferroni step-down adjustment (Holm 1979): (reject at alpha, adjusted p-values).

    The same result as statsmodels' multipletests(method="holm"), in a few lines of numpy:
    that function calls gc.collect() on every use, which cost 50–130 ms per page run.
    """
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return np.zeros(0, dtype=bool), p
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted <= alpha, adjusted


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


def _group_statistics(counts: np.ndarray, pi: np.ndarray, all_respondents: float, not_stated: float,
                      policy: DisclosurePolicy, alpha: float) -> dict[str, np.ndarray]:
    """Interval, one-sided test, Holm adjustment and flag per group, from the published row only.

    counts: the groups' protected counts (NaN = hidden); pi: resident shares (0–1);
    all_respondents, not_stated: protected. The row's equation is groups + Not stated = all
    respondents, so the hidden cells add up to S = all − the shown cells. Where a figure the
    test needs is hidden, every value the published row allows is tried (a hidden group: 0…S;
    a hidden Not stated: whatever is left of S) and the least favourable one is used: the
    largest p-value and the highest upper limit. A flag then holds whatever the hidden values
    are, and can be worked out from the published table, so it reveals nothing more.
    """
    k = len(counts)
    res = {"basis": np.full(k, "", dtype=object), "index_low": np.full(k, np.nan), "index_high": np.full(k, np.nan),
           "p_value": np.full(k, np.nan), "p_adjusted": np.full(k, np.nan), "under_represented": np.zeros(k, bool)}
    if np.isnan(all_respondents):
        return res
    ns_shown = not np.isnan(not_stated)
    hidden_sum = all_respondents - np.nansum(counts) - (not_stated if ns_shown else 0.0)
    upper_limits = np.full(k, np.nan)
    for i in range(k):
        if not 0 < pi[i] < 1:
            continue
        shown = not np.isnan(counts[i])
        x = np.array([counts[i]]) if shown else np.arange(0, hidden_sum + 1)
        if ns_shown:
            n = np.full(x.shape, all_respondents - not_stated)
        else:  # Not stated can be as large as what the hidden groups leave of S
            n = np.broadcast_to(all_respondents - hidden_sum + (0 if shown else x), x.shape).astype(float)
        if n.min() < policy.min_base or x.size == 0:
            continue
        p_all = stats.binom.cdf(x, n, pi[i])  # = binomtest(x, n, pi, alternative='less').pvalue
        worst = int(np.argmax(p_all))
        res["p_value"][i] = stats.binomtest(int(x[worst]), int(n[worst]), float(pi[i]), alternative="less").pvalue
        lo, hi = wilson_interval(x, n, alpha)
        upper_limits[i] = hi.max() / pi[i]
        res["basis"][i] = "count" if shown and ns_shown else "bounds"
        if shown and ns_shown:
            res["index_low"][i], res["index_high"][i] = lo[0] / pi[i], hi[0] / pi[i]
    tested = res["basis"] != ""
    if tested.any():
        reject, p_adj = holm(res["p_value"][tested], alpha=alpha)
        res["p_adjusted"][tested] = p_adj
        res["under_represented"][tested] = reject & (upper_limits[tested] < 1)
    return res


def _representation_inputs(population: pd.DataFrame, groups: pd.DataFrame, dimension: str
                           ) -> tuple[pd.DataFrame, pd.DataFrame, list, list, list]:
    """What `representation` (and geo.participation.representation_matrix) protect and test.

    Returns (the dimension's rows of ward_population, groups with a missing category as 'Not stated',
    the census groups in order of first appearance, the groups only respondents used (sorted), and the
    columns of the wards × groups table: census + respondents-only + ['Not stated']).
    """
    pop = population[population["dimension"] == dimension]
    g = groups.assign(category=groups["category"].fillna(NOT_STATED))
    census = pop["category"].drop_duplicates().tolist()  # in order of first appearance
    extra = sorted(c for c in set(g["category"].drop_duplicates()) - set(census) if c != NOT_STATED)
    return pop, g, census, extra, census + extra + [NOT_STATED]


def representation(population: pd.DataFrame, groups: pd.DataFrame, ward_code: str, dimension: str,
                   policy: DisclosurePolicy = DEFAULT_POLICY, alpha: float = 0.05) -> pd.DataFrame:
    """One ward: each group's share of respondents vs share of residents, with an interval and a flag.

    population: long ward_population; groups: ward_code, category, respondents (raw, every ward;
    data_access.respondent_groups(dimension)), 'Not stated' included.

    Rows and the first columns are those of geo.participation.representation (one row per
    census group, then the stated subtotal, 'Not stated' and 'All respondents'):
      group, kind, respondents (protected; NaN = hidden), respondent_share (% of those who
      stated a group), residents, resident_share (% of the ward's residents), index
      (respondent share ÷ resident share; 1 = in proportion),
    and then:
      index_low, index_high — the (1 − alpha) Wilson score interval of the respondent share,
        divided by the resident share. The census share is treated as known (no sampling
        error: it is a count of every resident), so the interval reflects only how few people
        responded. Hidden, like the share and index, when the count is hidden or the base
        (respondents who stated a group) is hidden or below min_base.
      p_value — one-sided exact binomial test (scipy.stats.binomtest, alternative='less') of
        "the group's share of respondents is at least its share of residents";
      p_adjusted — Holm–Bonferroni adjusted (`holm`) across the groups
        tested for this dimension in this ward;
      under_represented — True only when the Holm-adjusted p is below alpha AND the whole
        interval of the index lies below 1 (a group flagged never shows an interval reaching 1);
      test_basis — 'count' when the count and the base are shown; 'bounds' when either is
        hidden: the test and the interval then use the least favourable values the published
        row allows (see `_group_statistics`), so a flag means "under-represented whatever the
        hidden values are" and reveals nothing the table does not (interval, share and index
        stay hidden); '' when not tested (all respondents hidden, the smallest possible base
        below min_base, or a group with no residents in the ward).
    Only groups with a test_basis are in the Holm family. alpha sets both the interval's level
    (1 − alpha) and the family-wise error rate.

    Counts are protected as the whole wards × (groups + Not stated) table with ward totals and
    borough totals (the borough's row is what the Participation page shows), so no hidden ward
    count can be recovered from the borough table and the other wards' pages.
    """
    pop, g, census, extra, keys = _representation_inputs(population, groups, dimension)
    ward_pop = pop[pop["ward_code"] == ward_code].groupby("category")["persons"].sum()
    row, _ = _protected_row(g, ward_code, "category", "respondents", policy, row_totals=True, keys=keys)

    order = gp._order(ward_pop.reindex(census, fill_value=0.0), dimension) + extra
    counts = row.reindex(order).astype(float)
    all_respondents, not_stated = float(row[TOTAL]), float(row[NOT_STATED])
    stated_base = all_respondents - not_stated  # NaN when either is hidden
    if 0 < stated_base < policy.threshold:
        stated_base = np.nan

    out = gp.group_shares(order, counts, stated_base, ward_pop, policy)
    pop_total = float(ward_pop.sum())

    stat = _group_statistics(out["respondents"].to_numpy(dtype=float), (out["resident_share"] / 100).to_numpy(),
                             all_respondents, not_stated, policy, alpha)
    visible = (stat["basis"] == "count") & out["index"].notna().to_numpy()
    out["index_low"] = np.where(visible, stat["index_low"], np.nan)
    out["index_high"] = np.where(visible, stat["index_high"], np.nan)
    out["p_value"], out["p_adjusted"] = stat["p_value"], stat["p_adjusted"]
    out["under_represented"] = stat["under_represented"]
    out["test_basis"] = stat["basis"]

    extra_rows = pd.DataFrame([
        {"group": gp.STATED, "kind": "stated", "respondents": stated_base,
         "respondent_share": 100.0 if stated_base >= policy.min_base else np.nan,
         "residents": pop_total, "resident_share": 100.0 if pop_total else np.nan},
        {"group": NOT_STATED, "kind": "not_stated", "respondents": not_stated},
        {"group": gp.ALL_RESPONDENTS, "kind": "total", "respondents": all_respondents},
    ], index=[gp.STATED, NOT_STATED, gp.ALL_RESPONDENTS])
    extra_rows["under_represented"] = False
    extra_rows["test_basis"] = ""
    result = pd.concat([out, extra_rows]).reset_index(drop=True)
    result["under_represented"] = result["under_represented"].astype(bool)
    return result[["group", "kind", "respondents", "respondent_share", "residents", "resident_share", "index",
                   "index_low", "index_high", "p_value", "p_adjusted", "under_represented", "test_basis"]]


def representation_table(rep: pd.DataFrame, group_label: str,
                         policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """representation() as strings: geo.participation's columns plus the interval and the flag."""
    out = gp.representation_table(rep, group_label, policy)
    out["95% interval of the index"] = [
        "" if pd.isna(lo) else f"{lo:.2f} to {hi:.2f}" for lo, hi in zip(rep["index_low"], rep["index_high"],
                                                                         strict=True)]
    out["Under-represented"] = [
        "yes" if flag else "no" if basis == "count" else "cannot tell (figures hidden)" if basis
        else ("not tested (too few)" if kind == "group" else "")
        for flag, basis, kind in zip(rep["under_represented"], rep["test_basis"], rep["kind"], strict=True)]
    return out


def under_represented_groups(rep: pd.DataFrame) -> list[str]:
    """Names of the groups flagged by `representation`, in table order."""
    return list(rep.loc[rep["under_represented"] & (rep["kind"] == "group"), "group"])


# --- 4. channels ----------------------------------------------------------------------------

def channel_mix(channels: pd.DataFrame, engagement: pd.DataFrame, ward_code: str,
                policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """People taking part by channel: the ward and the borough, each as a share of its people.

    channels: ward_code, channel, respondents (raw, every ward; data_access.ward_channels);
    engagement: ward_code, respondents (raw, every ward; data_access.ward_engagement), the base.
    Returns channel, ward_respondents, ward_share, borough_respondents, borough_share: counts
    protected as wards × channels with borough totals (NaN = hidden); a share is % of the
    people taking part (the ward's, or the sum over wards) who used that channel — a person
    who used two channels counts in both, so shares can add up to more than 100%. The ward's
    base is protected exactly as on the Overview and Participation pages. Channels in order of
    borough people, most first.
    """
    cols = ["channel", "ward_respondents", "ward_share", "borough_respondents", "borough_share"]
    if channels.empty:
        return pd.DataFrame(columns=cols)
    ward, borough = _protected_row(channels, ward_code, "channel", "respondents", policy, row_totals=False)
    codes = sorted(set(engagement["ward_code"]) | {ward_code})
    people = gp.protected_ward_counts(codes, engagement, "respondents", policy)
    raw_borough = channels.groupby("channel")["respondents"].sum()
    order = list(raw_borough.sort_values(ascending=False, kind="stable").index)
    out = pd.DataFrame({"channel": order})
    out["ward_respondents"] = ward.reindex(order).to_numpy(dtype=float)
    out["ward_share"] = safe_rate(out["ward_respondents"], pd.Series(people[ward_code], index=out.index), 100, policy)
    out["borough_respondents"] = borough.reindex(order).to_numpy(dtype=float)
    out["borough_share"] = safe_rate(out["borough_respondents"], pd.Series(people[TOTAL], index=out.index), 100,
                                     policy)
    return out[cols]


def channel_table(mix: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """channel_mix as strings for the screen."""
    return pd.DataFrame({
        "Channel": mix["channel"].map(lambda c: str(c).capitalize()),
        "People in this ward": mix["ward_respondents"].map(lambda v: format_count(v, policy)),
        "% of the ward's people": mix["ward_share"].map(_pct),
        "People in the borough": mix["borough_respondents"].map(lambda v: format_count(v, policy)),
        "% of the borough's people": mix["borough_share"].map(_pct),
    })
