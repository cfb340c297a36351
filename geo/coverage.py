"""Community assets: how many residents have one within reach, where none is ("asset deserts"), and how
much of it each has to share (two-step floating catchment area).

Everything is measured in EPSG:27700 (British National Grid, metres) as straight-line distance; a
walking route is longer, often by a third or more, so these figures are an upper bound on access on foot.

Residents. The smallest areas loaded carry the residents: output areas (OA) when any are loaded with
residents, else lower layer super output areas (LSOA). Each small area's usual residents (the total of the
dimension with most residents, data_access.small_area_population) are placed at the small area's one point
(data_access.small_area_points: a point inside the area, ST_PointOnSurface, as no finer population is loaded to
weight it by). A small area counts as within reach of
a category when its point lies within the distance of at least one asset of that category; the share of
residents within reach is the population-weighted share of those small areas:

    share within d = Σ persons of small areas with an asset within d ÷ Σ persons of all small areas × 100

By ward: over the small areas whose best-fit ward is that ward (the ward containing the area's point);
borough: over every small area. Distance bands: 400 m (about five minutes' walk), 800 m (ten) and 1,600 m
(twenty), the bands of UK walkable-neighbourhood guidance (e.g. the Chartered Institution of Highways and
Transportation's "Guidelines for Providing for Journeys on Foot", 2000). Assets without a grid reference
are left out (they cannot be placed); assets outside the borough count, as residents can use them.

Asset deserts: small areas with no asset of the chosen categories within the distance.

Accessibility score: the two-step floating catchment area (2SFCA; Luo & Wang 2002) from PySAL's `access`
package (access.Access.two_stage_fca), with straight-line distance as the cost and the chosen distance as
the catchment: step 1, each asset's ratio = 1 ÷ residents within the distance of it; step 2, a small area's
score = the sum of the ratios of the assets within the distance of it. Reported per 1,000 residents
(assets available per 1,000 residents, sharing each asset with everyone else in its reach).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

#: The distance bands offered (metres, straight line).
DISTANCES_M = (400, 800, 1600)
#: The word for every category together.
ALL = "all"
ALL_LABEL = "All assets"
BOROUGH = "Borough"
#: An asset not verified for longer than this is flagged as stale.
STALE_AFTER = timedelta(days=365)


def smallest_areas(points: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """One row per small area of the smallest level loaded with residents: level, area_code, ward_code, persons,
    easting, northing (EPSG:27700). OA when any OA has residents, else LSOA; areas without a point are left out.

    points: level, area_code, easting, northing, ward_code (best-fit ward); population: level, area_code, persons.
    """
    merged = points.drop(columns=["persons"], errors="ignore").merge(
        population[["level", "area_code", "persons"]], on=["level", "area_code"], how="inner")
    merged = merged.dropna(subset=["easting", "northing"])
    merged = merged[merged["persons"].fillna(0) > 0]
    for level in ("oa", "lsoa"):
        chosen = merged[merged["level"] == level]
        if len(chosen):
            return chosen[["level", "area_code", "ward_code", "persons", "easting", "northing"]].reset_index(drop=True)
    return pd.DataFrame(columns=["level", "area_code", "ward_code", "persons", "easting", "northing"])


def placed(assets: pd.DataFrame, categories: list[str] | None = None) -> pd.DataFrame:
    """Assets with a grid reference, of the categories (all when None)."""
    out = assets.dropna(subset=["easting", "northing"])
    return out if categories is None else out[out["category"].isin(categories)]


def nearest_distance(areas: pd.DataFrame, assets: pd.DataFrame) -> np.ndarray:
    """Straight-line distance (m) from each small area's point to the nearest of `assets` (inf when none),
    by a k-d tree (scipy.spatial.cKDTree) on EPSG:27700 coordinates."""
    if areas.empty:
        return np.zeros(0)
    if assets.empty:
        return np.full(len(areas), np.inf)
    tree = cKDTree(assets[["easting", "northing"]].to_numpy(dtype=float))
    distance, _ = tree.query(areas[["easting", "northing"]].to_numpy(dtype=float), k=1)
    return np.asarray(distance, dtype=float)


def nearest_by_category(areas: pd.DataFrame, assets: pd.DataFrame, categories: list[str]) -> pd.DataFrame:
    """Distance (m) from each small area to the nearest asset of each category and of them all (column ALL),
    indexed like `areas`."""
    located = placed(assets)
    out = {c: nearest_distance(areas, located[located["category"] == c]) for c in categories}
    out[ALL] = nearest_distance(areas, located[located["category"].isin(categories)])
    return pd.DataFrame(out, index=areas.index)


def _share(persons: pd.Series, reached: pd.Series) -> float:
    total = float(persons.sum())
    return float(persons[reached].sum()) / total * 100 if total > 0 else float("nan")


def ward_coverage(areas: pd.DataFrame, nearest: pd.Series, distance_m: float, ward_codes: list[str],
                  names: dict[str, str]) -> pd.DataFrame:
    """Per ward (in `ward_codes` order) and the borough: residents (of the small areas), residents with an asset
    within `distance_m`, their share (%), and the number of asset deserts (small areas with none within reach).

    nearest: the distance to the nearest asset of the chosen categories per small area (index of `areas`)."""
    reached = nearest.reindex(areas.index) <= distance_m
    frame = areas.assign(reached=reached.to_numpy(), within=areas["persons"].where(reached, 0.0),
                         desert=(~reached).astype(int).to_numpy())
    grouped = frame.groupby("ward_code").agg(residents=("persons", "sum"), within=("within", "sum"),
                                             areas=("area_code", "size"), deserts=("desert", "sum"))
    grouped = grouped.reindex(ward_codes).fillna(0)
    grouped.loc[BOROUGH] = [frame["persons"].sum(), frame["within"].sum(), len(frame), frame["desert"].sum()]
    grouped["share"] = (grouped["within"] / grouped["residents"] * 100).where(grouped["residents"] > 0)
    grouped.insert(0, "ward_name", [names.get(c, c) if c != BOROUGH else "All wards" for c in grouped.index])
    return grouped.rename_axis("ward_code").reset_index()


def band_table(areas: pd.DataFrame, nearest: pd.DataFrame, labels: dict[str, str],
               distances: tuple[float, ...] = DISTANCES_M) -> pd.DataFrame:
    """The borough's share of residents (%) within each distance of at least one asset, per category and of the
    chosen categories together (row ALL): one row per category, one column per distance."""
    rows = []
    for column in nearest.columns:
        dist = nearest[column]
        rows.append({"category": column, "label": ALL_LABEL if column == ALL else labels.get(column, column),
                     **{d: _share(areas["persons"], dist <= d) for d in distances}})
    return pd.DataFrame(rows)


def ward_comparison(areas: pd.DataFrame, nearest: pd.DataFrame, distance_m: float, ward_codes: list[str],
                    names: dict[str, str], labels: dict[str, str]) -> pd.DataFrame:
    """Ward × category: the share of the ward's residents (%) within `distance_m` of an asset of each category
    (and of them all), with the borough as the last row."""
    out = pd.DataFrame({"ward_code": [*ward_codes, BOROUGH]})
    for column in nearest.columns:
        share = ward_coverage(areas, nearest[column], distance_m, ward_codes, names)
        out[ALL_LABEL if column == ALL else labels.get(column, column)] = share["share"].to_numpy()
    out.insert(1, "ward_name", [names.get(c, c) if c != BOROUGH else "All wards" for c in out["ward_code"]])
    return out


def deserts(areas: pd.DataFrame, nearest: pd.Series, distance_m: float) -> pd.DataFrame:
    """The small areas with no asset of the chosen categories within `distance_m` (asset deserts), farthest
    first: level, area_code, ward_code, persons, easting, northing, nearest_m (inf when there is no asset)."""
    out = areas.assign(nearest_m=nearest.reindex(areas.index).to_numpy())
    out = out[~(out["nearest_m"] <= distance_m)]
    return out.sort_values(["nearest_m", "area_code"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _cost_pairs(areas: pd.DataFrame, assets: pd.DataFrame, distance_m: float) -> pd.DataFrame:
    """origin (area_code), dest (asset_id), cost (m): every small area–asset pair within `distance_m`."""
    area_xy = areas[["easting", "northing"]].to_numpy(dtype=float)
    asset_xy = assets[["easting", "northing"]].to_numpy(dtype=float)
    pairs = cKDTree(area_xy).sparse_distance_matrix(cKDTree(asset_xy), max_distance=float(distance_m),
                                                    output_type="ndarray")  # zero distances included
    return pd.DataFrame({"origin": areas["area_code"].to_numpy()[pairs["i"]],
                         "dest": assets["asset_id"].to_numpy()[pairs["j"]], "cost": pairs["v"]})


def two_step_fca(areas: pd.DataFrame, assets: pd.DataFrame, distance_m: float) -> pd.Series:
    """Two-step floating catchment area score per small area (module docstring), per 1,000 residents, by
    access.Access.two_stage_fca on straight-line distances within `distance_m`; 0 where no asset is in reach.
    Indexed by area_code."""
    import access  # PySAL's access package; imported here as it is used by this one analysis

    index = pd.Index(areas["area_code"], name="area_code")
    located = placed(assets)
    if areas.empty or located.empty:
        return pd.Series(0.0, index=index, name="score")
    located = located.drop_duplicates("asset_id")
    costs = _cost_pairs(areas, located, distance_m)
    if costs.empty:
        return pd.Series(0.0, index=index, name="score")
    demand = pd.DataFrame({"area_code": areas["area_code"].to_numpy(), "persons": areas["persons"].to_numpy(float)})
    supply = pd.DataFrame({"asset_id": located["asset_id"].to_numpy(), "assets": 1.0})
    model = access.Access(demand_df=demand, demand_index="area_code", demand_value="persons", supply_df=supply,
                          supply_index="asset_id", supply_value="assets", cost_df=costs, cost_origin="origin",
                          cost_dest="dest", cost_name="cost")
    result = model.two_stage_fca(name="fca", max_cost=float(distance_m))
    score = result["fca_assets"].reindex(index).fillna(0.0) * 1000
    return score.rename("score")


STALE, UNDATED, CURRENT = "Not verified for over a year", "No date of verification", "Verified within a year"


def upkeep_status(assets: pd.DataFrame, as_of: date, after: timedelta = STALE_AFTER) -> pd.Series:
    """Per asset: STALE when last verified more than `after` (a year) before `as_of`, UNDATED when the register
    gives no date (or has no last_verified column), else CURRENT."""
    if "last_verified" not in assets.columns:
        return pd.Series(UNDATED, index=assets.index)
    verified = pd.to_datetime(assets["last_verified"], errors="coerce")
    status = pd.Series(CURRENT, index=assets.index)
    status[verified < pd.Timestamp(as_of - after)] = STALE
    status[verified.isna()] = UNDATED
    return status
