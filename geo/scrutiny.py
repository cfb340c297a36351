"""Themed groups, quarterly targets, channel mix by group and outreach targets: the scrutiny report's analysis.

Themed groups. A themed group is one demographic dimension and some of its census categories
(e.g. age 16-24; ethnicity Black African + Black Caribbean; disability Disabled). Its count in a
ward is the *sum of its categories' protected counts* in the full wards × categories table (the
very table the ward profile and the heatmap protect, Not stated included), and is hidden when any
of them is hidden. A sum of published figures reveals nothing new, whereas protecting the themed
sum on its own could publish e.g. "Black African + Black Caribbean = 25" beside a published
"Black African = 20" and give away a 5. Over time, the same rule on the quarters × categories
table. Rates are per 1,000 of the group's residents (census), hidden on a hidden count or a base
below min_base (geo.disclosure.safe_rate).

Outreach score (documented, 0–1, higher = more in need of outreach), per ward:
    score = 0.5 × low_reach + 0.3 × deprivation + 0.2 × host_nearby
  low_reach   = 1 − percentile rank of the ward's Empirical Bayes rate of people taking part
                per 1,000 residents (so the lowest reach is 1);
  deprivation = percentile rank of the ward's IMD average rank, most deprived = 1;
  host_nearby = 1 when a community asset that could host an event lies within 1 km of the
                ward (distance on EPSG:27700 from the ward boundary), falling linearly to 0 at 5 km.
Ranks, not raw values, so the three parts share a scale; the weights favour reach, then need,
then the practical chance of outreach. The nearest asset is named.
With no asset register loaded (no asset with a grid reference) host_nearby is unknown, not 0: it is left out
(NaN) and the score is the other two parts reweighted to sum to 1: (0.5 × low_reach + 0.3 × deprivation) ÷ 0.8.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, protect_counts, protect_table, safe_rate
from vocabulary import NOT_STATED

KIND = "themed_group"
WEIGHTS = {"low_reach": 0.5, "deprivation": 0.3, "host_nearby": 0.2}
NEAR_M, FAR_M = 1000.0, 5000.0


def group_definition(name: str, dimension: str, categories: list[str]) -> dict:
    """The payload saved for a themed group (data_access.save_item('themed_group', name, payload))."""
    if not categories:
        raise ValueError("a themed group needs at least one category")
    return {"name": name, "dimension": dimension, "categories": list(categories)}


def _protected_grid(long: pd.DataFrame, index: str, keys: list[str], policy: DisclosurePolicy,
                    column_totals: bool) -> pd.DataFrame:
    g = long.assign(category=long["category"].fillna(NOT_STATED))
    grid = g.pivot_table(index=index, columns="category", values="respondents", aggfunc="sum", fill_value=0)
    grid = grid.reindex(columns=list(dict.fromkeys(keys + list(grid.columns))), fill_value=0)
    grid.columns = grid.columns.astype(object)
    return protect_table(grid, policy, row_totals=True, column_totals=column_totals).values


def _categories(population: pd.DataFrame, dimension: str) -> list[str]:
    return list(dict.fromkeys(population.loc[population["dimension"] == dimension, "category"])) + [NOT_STATED]


def group_by_ward(population: pd.DataFrame, groups: pd.DataFrame, ward_codes: list[str], definition: dict,
                  policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Per ward (and 'Total'): the group's residents, people taking part (protected sum) and per 1,000.

    groups: data_access.respondent_groups(definition['dimension']) (raw, every ward).
    """
    dim, cats = definition["dimension"], list(definition["categories"])
    values = _protected_grid(groups, "ward_code", _categories(population, dim), policy, column_totals=True)
    values = values.reindex([*ward_codes, TOTAL]).reindex(columns=list(dict.fromkeys([*values.columns, *cats])))
    counts = values[cats].sum(axis=1, min_count=1).where(values[cats].notna().all(axis=1))
    # wards with no one at all in the table are zeros, not hidden
    counts = counts.where(~values.isna().all(axis=1), 0.0) if len(values) else counts
    pop = population[(population["dimension"] == dim) & population["category"].isin(cats)]
    residents = pop.groupby("ward_code")["persons"].sum().reindex(ward_codes, fill_value=0.0)
    residents[TOTAL] = residents.sum()
    out = pd.DataFrame({"ward_code": counts.index, "residents": residents.reindex(counts.index).to_numpy(),
                        "respondents": counts.to_numpy(dtype=float)})
    out["per_1000"] = safe_rate(out["respondents"], out["residents"], 1000, policy).to_numpy()
    return out


def group_by_quarter(population: pd.DataFrame, quarterly: pd.DataFrame, definition: dict,
                     policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Per quarter, borough-wide: the group's people taking part (protected sum) and per 1,000 of its residents.

    quarterly: data_access.respondent_groups_quarterly(definition['dimension']) (raw).
    """
    dim, cats = definition["dimension"], list(definition["categories"])
    if quarterly.empty:
        return pd.DataFrame(columns=["quarter", "respondents", "per_1000"])
    values = _protected_grid(quarterly, "quarter", _categories(population, dim), policy, column_totals=False)
    values = values.reindex(columns=list(dict.fromkeys([*values.columns, *cats])))
    counts = values[cats].sum(axis=1).where(values[cats].notna().all(axis=1))
    residents = float(population.loc[(population["dimension"] == dim) & population["category"].isin(cats),
                                     "persons"].sum())
    out = pd.DataFrame({"quarter": counts.index, "respondents": counts.to_numpy(dtype=float)})
    out["per_1000"] = safe_rate(out["respondents"], pd.Series(residents, index=out.index), 1000, policy).to_numpy()
    return out.sort_values("quarter").reset_index(drop=True)


# --- quarterly targets ------------------------------------------------------------------------

def quarter_targets(quarterly: pd.DataFrame, target_per_year: float, first_day: date | None = None,
                    last_day: date | None = None) -> pd.DataFrame:
    """Each quarter's share of a yearly target of people taking part per 1,000 residents.

    A yearly target cannot be met in a quarter, so each quarter is compared with its share: the target ÷ 4
    for a full quarter, and for a part quarter (cut by the filter's first day or the data's last day) that
    share pro rata by days, (target ÷ 4) × days covered ÷ days in the quarter. quarterly: the quarters of
    geo.ward_engagement.quarterly_trends (quarter, start, end); first_day / last_day as given to it.
    Returns one row per quarter: quarter, days, days_covered, target (per 1,000 for that quarter).
    """
    columns = ["quarter", "days", "days_covered", "target"]
    if quarterly.empty:
        return pd.DataFrame(columns=columns)
    q = quarterly.drop_duplicates("quarter")[["quarter", "start", "end"]]
    rows = []
    for quarter, start, end in q.itertuples(index=False):
        days = (end - start).days + 1
        first = max(start, first_day) if first_day else start
        last = min(end, last_day) if last_day else end
        covered = max(0, (last - first).days + 1)
        rows.append({"quarter": quarter, "days": days, "days_covered": covered,
                     "target": float(target_per_year) / 4 * covered / days})
    return pd.DataFrame(rows, columns=columns)


# --- channel mix by group (digital exclusion) ------------------------------------------------

def channel_mix_by_group(channels: pd.DataFrame, groups_total: pd.DataFrame, categories: list[str],
                         policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Share of each group's people who used each channel (a person may use several).

    channels: data_access.group_channels (category, channel, respondents; raw); groups_total:
    data_access.respondent_groups (for each group's people, the base). Counts protected as
    groups × channels with column totals; shares on the group's protected people (protected as
    one list with its total, as on the borough representation table).
    """
    ch = channels.assign(category=channels["category"].fillna(NOT_STATED))
    grid = ch.pivot_table(index="category", columns="channel", values="respondents", aggfunc="sum", fill_value=0)
    grid = grid.reindex(index=[c for c in [*categories, NOT_STATED] if c in grid.index] or grid.index)
    grid.columns = grid.columns.astype(object)
    values = protect_table(grid, policy, row_totals=False, column_totals=True).values
    people = groups_total.assign(category=groups_total["category"].fillna(NOT_STATED)).groupby("category")[
        "respondents"].sum().reindex(values.index.drop(TOTAL), fill_value=0)
    base = protect_counts(people.astype(float), policy, total=True)
    rows = []
    for cat in values.index:
        for channel in values.columns:
            rows.append({"group": "All groups" if cat == TOTAL else cat, "channel": channel,
                         "respondents": values.at[cat, channel], "people": base.get(cat, np.nan)})
    out = pd.DataFrame(rows)
    out["share"] = safe_rate(out["respondents"], out["people"], 100, policy).to_numpy()
    return out


# --- outreach targets ------------------------------------------------------------------------

def outreach_targets(reach_rates: pd.DataFrame, deprivation: pd.DataFrame, wards_bng: gpd.GeoDataFrame,
                     assets: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Wards ranked by the outreach score (module docstring): ward, parts, score, nearest asset.

    reach_rates: geo.participation.reach (uses the smoothed respondents rate; a ward whose rate is
    hidden is ranked on the unsmoothed borough order only through the other parts and its low_reach
    set to 0.5 — unknown, neither low nor high); deprivation: ward_deprivation (domain 'IMD',
    column avg_rank or mean_rank, lower = more deprived); wards_bng: ward geometry in EPSG:27700;
    assets: asset_id, name, category, easting, northing.
    """
    codes = list(wards_bng["ward_code"])
    rate = reach_rates.set_index("ward_code")["respondents_per_1000_eb"].reindex(codes)
    low = 1 - rate.rank(pct=True)
    low = low.fillna(0.5)
    dep = deprivation[deprivation["domain"] == "IMD"].set_index("ward_code")
    rank_col = next((c for c in ("avg_rank", "mean_rank", "average_rank", "rank") if c in dep.columns), None)
    if rank_col is None:
        need = pd.Series(0.5, index=codes)
    else:
        need = (1 - dep[rank_col].reindex(codes).rank(pct=True)).fillna(0.5)
    near = pd.Series(np.nan, index=codes)  # no register: host_nearby is left out, not 0 (module docstring)
    nearest, dist = pd.Series("", index=codes), pd.Series(np.nan, index=codes)
    pts = assets.dropna(subset=["easting", "northing"])
    if len(pts):
        points = gpd.GeoSeries(gpd.points_from_xy(pts["easting"], pts["northing"]), crs="EPSG:27700")
        for geom, code in zip(wards_bng.geometry, wards_bng["ward_code"], strict=True):
            d = points.distance(geom).to_numpy()
            i = int(np.argmin(d))
            dist[code] = d[i]
            nearest[code] = f"{pts['name'].iloc[i]} ({pts['category'].iloc[i]})"
        near = ((FAR_M - dist.clip(NEAR_M, FAR_M)) / (FAR_M - NEAR_M)).fillna(0.0)
    score = WEIGHTS["low_reach"] * low + WEIGHTS["deprivation"] * need + WEIGHTS["host_nearby"] * near
    if not len(pts):
        score = (WEIGHTS["low_reach"] * low + WEIGHTS["deprivation"] * need) / (1 - WEIGHTS["host_nearby"])
    out = pd.DataFrame({"ward_code": codes, "ward_name": [names.get(c, c) for c in codes],
                        "low_reach": low.to_numpy(), "deprivation": need.to_numpy(), "host_nearby": near.to_numpy(),
                        "score": score.to_numpy(), "nearest_asset": nearest.to_numpy(),
                        "asset_distance_m": dist.to_numpy()})
    return out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
