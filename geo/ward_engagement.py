"""One ward's engagement: over time, by activity and by channel, as plain DataFrames.

(Who takes part in the ward against who lives there is geo.representation.ward_representation.)
Inputs are the raw aggregated counts of the data-access module (`ward_quarterly`,
`ward_activities`, `ward_channels`, `ward_engagement`) for *every* ward; outputs are for one
ward and are already protected by geo.disclosure: counts of responses or people are floats,
NaN where hidden (shown as "hidden" by render.tables), and every rate or share is
computed from the protected counts.

Why every ward goes in when one ward comes out: a ward's figures are one row of a
wards × columns table whose column totals are the borough's figures (published on other
pages or beside the ward's). Protecting the ward's row on its own would let a reader
recover a hidden cell as "borough total minus the other wards", page by page. So each
table is protected whole — rows (wards) and columns (quarters, activities, channels)
with their totals — and the ward's row is read from it. geo.disclosure works
in label order, so every ward page hides the same cells.

A person who took part from two wards, in two quarters or by two channels is counted in
each, so borough figures here are the sum over wards (as on the Participation page).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from geo import indicators
from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, format_count, protect_long, safe_rate
from geo.participation import protected_ward_counts

#: Relative change in people taking part, between the last two complete quarters, beyond which
#: reach is said to have risen or fallen (strictly more than ±10%); otherwise it is "steady".
TREND_TOLERANCE = 0.10


# --- shared helpers -------------------------------------------------------------------------

def _protected_row(long: pd.DataFrame, ward_code: str, column: str, value: str, policy: DisclosurePolicy,
                   row_totals: bool, keys: list | None = None) -> tuple[pd.Series, pd.Series]:
    """Protect the whole wards × `column` table of `value`, return (this ward's row, the borough row).

    The borough row is the column totals (sum over wards). Both are floats, NaN where hidden;
    with row_totals the ward's row ends with its 'Total' (sum over the columns).
    Missing wards/keys count 0.
    """
    values = protect_long(long, column, value, policy, row_totals, keys)
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
        table = protect_long(quarterly, "quarter", kind, policy, row_totals, quarters)
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


# --- 3. channels ----------------------------------------------------------------------------

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
    people = protected_ward_counts(codes, engagement, "respondents", policy)
    raw_borough = channels.groupby("channel")["respondents"].sum()
    order = list(raw_borough.sort_values(ascending=False, kind="stable").index)
    out = pd.DataFrame({"channel": order})
    out["ward_respondents"] = ward.reindex(order).to_numpy(dtype=float)
    out["ward_share"] = safe_rate(out["ward_respondents"], pd.Series(people[ward_code], index=out.index), 100, policy)
    out["borough_respondents"] = borough.reindex(order).to_numpy(dtype=float)
    out["borough_share"] = safe_rate(out["borough_respondents"], pd.Series(people[TOTAL], index=out.index), 100,
                                     policy)
    return out[cols]
