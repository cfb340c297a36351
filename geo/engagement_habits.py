"""Who keeps answering: the "usual suspects" and "consultation fatigue", from aggregated counts only.

Why: a high response count can hide a small circle of people answering everything, and a council that
consults more can hear less from each consultation. Three measures (inputs from data_access.answers):
* Most active 10% (`most_active_share`): of the people taking part (a person counts in the ward of their latest
  response; a response with no respondent id is one person with one response), the share of all responses made
  by the 10% who made the most. 10% means k = 0.1 × people; people are taken in order of responses made and the
  boundary level contributes the fraction needed to make k (so ties do not move the answer). 10% when everyone
  made the same number of responses; near 100% when a few people made nearly all. Shown only when the 10%
  holds at least the disclosure threshold of people (100 people taking part, with threshold 10) and the
  responses number at least min_base: otherwise the share would describe fewer than 10 people.
* New against returning (`new_and_returning`): per ward and quarter, people whose first response in the
  database falls in the quarter against those who had responded before (responses with no respondent id
  cannot be followed and are reported apart). Each quarter's wards × (new, returning) table is protected whole
  with its totals (geo.disclosure); the returning share needs a shown base of at least min_base.
* Response yield (`response_yield`): per ward and year, responses ÷ activities open to the ward ÷ residents ×
  1,000 (responses per activity per 1,000 residents); the borough's is Σ responses ÷ Σ (activities × residents)
  × 1,000, the same figure for the borough as a whole. The responses table (wards × years) is protected
  whole; a yield on a hidden count is not given. "Consultation fatigue" is flagged for a ward whose yield fell
  in each of the last two years (three years in a row, each lower) and by at least `FATIGUE_FALL` (10%) over
  the two, on complete years only (the caller says which: an activity opened this year may still be open).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, protect_long, protect_table, safe_rate

BOROUGH = "Borough"
TOP_SHARE = 0.10
FATIGUE_FALL = 0.10


def top_share(histogram: pd.DataFrame, share: float = TOP_SHARE) -> float:
    """Share (0–1) of responses made by the most active `share` of people, from people per responses_each."""
    h = histogram.groupby("responses_each")["respondents"].sum().sort_index(ascending=False)
    people = float(h.sum())
    total = float((h.index.to_numpy(dtype=float) * h.to_numpy(dtype=float)).sum())
    if people <= 0 or total <= 0:
        return np.nan
    k = share * people
    before = h.cumsum().shift(fill_value=0).to_numpy(dtype=float)
    taken = np.clip(k - before, 0, h.to_numpy(dtype=float))
    return float((taken * h.index.to_numpy(dtype=float)).sum() / total)


def most_active_share(frequency: pd.DataFrame, share: float = TOP_SHARE,
                      policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Per ward and for the borough: people, responses (protected) and the % of responses made by the top `share`.

    frequency: data_access.answers.response_frequency (ward_code, responses_each, respondents). Columns ward_code
    ('Borough' last), people, responses, top_people (how many people the top share is), top_share_pct.
    """
    f = frequency.assign(made=frequency["responses_each"] * frequency["respondents"])
    grid = f.groupby("ward_code")[["respondents", "made"]].sum().sort_index()
    grid.index = grid.index.astype(object)
    grid.columns = grid.columns.astype(object)
    table = protect_table(grid, policy, row_totals=False, column_totals=True).values
    pct = {w: top_share(f[f["ward_code"] == w], share) for w in grid.index}
    pct[TOTAL] = top_share(f, share)
    out = table.rename(columns={"respondents": "people", "made": "responses"}).rename_axis("ward_code").reset_index()
    raw_people = pd.concat([grid["respondents"], pd.Series({TOTAL: grid["respondents"].sum()})])
    out["top_people"] = out["ward_code"].map(raw_people).to_numpy(dtype=float) * share
    ok = (out["people"].notna() & out["responses"].notna() & (out["top_people"] >= policy.threshold)
          & (out["responses"] >= policy.min_base))
    out["top_share_pct"] = np.where(ok, out["ward_code"].map(pct).to_numpy(dtype=float) * 100, np.nan)
    out["top_people"] = np.where(ok, np.floor(out["top_people"]), np.nan)
    out["ward_code"] = out["ward_code"].replace({TOTAL: BOROUGH})
    return out[["ward_code", "people", "responses", "top_people", "top_share_pct"]]


def new_and_returning(counts: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """New against returning people per ward and quarter, each quarter's table protected whole.

    counts: data_access.answers.new_and_returning (ward_code, quarter, new, returning[, untracked]). Columns
    quarter, ward_code ('Borough' = the quarter's totals), new, returning, people (new + returning), returning_pct.
    NaN = hidden. Untracked responses are not part of these tables (they are not people who can be followed).
    """
    frames = []
    for quarter, rows in counts.groupby("quarter", sort=True):
        grid = rows.groupby("ward_code")[["new", "returning"]].sum().sort_index()
        grid.index = grid.index.astype(object)
        grid.columns = grid.columns.astype(object)
        table = protect_table(grid, policy, row_totals=True, column_totals=True).values
        table = table.rename(columns={TOTAL: "people"}).rename(index={TOTAL: BOROUGH})
        table["returning_pct"] = safe_rate(table["returning"], table["people"], 100, policy)
        frames.append(table.rename_axis("ward_code").reset_index().assign(quarter=quarter))
    columns = ["quarter", "ward_code", "new", "returning", "people", "returning_pct"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def response_yield(counts: pd.DataFrame, residents: pd.Series, complete_years=None, fall: float = FATIGUE_FALL,
                   policy: DisclosurePolicy = DEFAULT_POLICY) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Activities per ward per year, responses (protected) and the yield per activity per 1,000 residents.

    counts: data_access.answers.ward_yield (ward_code, year, activities, responses); residents: per ward_code;
    complete_years: the years the fatigue flag may use (None = all). Returns (per ward and year, the borough
    as ward_code 'Borough': ward_code, year, activities, responses, residents, yield_per_1000; per ward and the
    borough: ward_code, years (complete years with a yield), latest_year, change_pct (latest against two
    years before), fatigue).
    """
    columns = ["ward_code", "year", "activities", "responses", "residents", "yield_per_1000"]
    if counts.empty:
        return pd.DataFrame(columns=columns), pd.DataFrame(columns=["ward_code", "years", "latest_year",
                                                                     "change_pct", "fatigue"])
    c = counts.assign(year=counts["year"].astype(int))
    table = protect_long(c, "year", "responses", policy, row_totals=False, keys=sorted(c["year"].unique()))
    long = table.stack(future_stack=True).rename("responses").reset_index()
    long.columns = ["ward_code", "year", "responses"]
    acts = c.groupby(["ward_code", "year"])["activities"].sum()
    people = residents.astype(float)
    long["activities"] = [acts.get((w, y), 0) for w, y in zip(long["ward_code"], long["year"], strict=True)]
    exposure = c.assign(x=c["activities"] * c["ward_code"].map(people)).groupby("year")["x"].sum()
    is_total = long["ward_code"] == TOTAL
    long["residents"] = np.where(is_total, np.nan, long["ward_code"].map(people).to_numpy(dtype=float))
    per_ward = safe_rate(long["responses"], long["residents"], 1000, policy) / long["activities"].where(
        long["activities"] > 0)
    borough = long["responses"] / long["year"].map(exposure).where(lambda x: x > 0) * 1000
    long["yield_per_1000"] = np.where(is_total, borough.where(long["responses"].notna()), per_ward)
    long.loc[is_total, "activities"] = np.nan  # a borough-wide activity is open to every ward: no one count
    long["ward_code"] = long["ward_code"].replace({TOTAL: BOROUGH})
    return long[columns], _fatigue(long, complete_years, fall)


def _fatigue(long: pd.DataFrame, complete_years, fall: float) -> pd.DataFrame:
    """Per ward: the falling-yield flag on its last three complete years with a yield."""
    rows = []
    for ward, g in long.groupby("ward_code", sort=False):
        g = g[g["yield_per_1000"].notna()]
        if complete_years is not None:
            g = g[g["year"].isin(list(complete_years))]
        g = g.sort_values("year")
        last = g.tail(3)
        ys = last["yield_per_1000"].to_numpy(dtype=float)
        consecutive = len(last) == 3 and bool((np.diff(last["year"].to_numpy()) == 1).all())
        change = (ys[-1] / ys[0] - 1) * 100 if consecutive and ys[0] > 0 else np.nan
        falling = consecutive and bool(ys[0] > ys[1] > ys[2]) and change <= -fall * 100
        rows.append({"ward_code": ward, "years": len(g), "latest_year": g["year"].max() if len(g) else np.nan,
                     "change_pct": change, "fatigue": falling})
    return pd.DataFrame(rows)
