"""Apportion small-area counts (OA, LSOA) to wards.

Method (documented in docs/data-contract.md, "Apportioning"):
1. Best fit, as ONS does for its OA-to-ward lookups: each small area goes wholly to the
   ward containing a point inside it (`representative_point`, always inside the
   polygon, unlike a centroid). Points that fall just outside the generalised ward
   boundaries (coast, river) take the nearest ward within 250 m.
2. Where best fit is wrong, i.e. less than `SPLIT_THRESHOLD` of the area's land lies in
   its best-fit ward (the area really straddles a ward boundary, as happens when wards
   are redrawn after the census), its counts are shared by area with PySAL's tobler
   (`area_interpolate`, extensive variables, total preserved).
Weights per small area always sum to 1, so no resident is lost or counted twice.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from tobler.area_weighted import area_interpolate

from etl.readers import BNG

SPLIT_THRESHOLD = 0.8
NEAREST_WITHIN_M = 250.0


def _require_bng(*frames: gpd.GeoDataFrame) -> None:
    for f in frames:
        if f.crs is None or f.crs.to_epsg() != 27700:
            raise ValueError(f"expected EPSG:27700 before a spatial join, got {f.crs}")


def place_points(points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame,
                 nearest_within: float = NEAREST_WITHIN_M) -> pd.DataFrame:
    """Ward of each point: containing ward, else nearest within `nearest_within` metres.

    Returns columns ward_code and placement ('inside', 'nearest', 'outside'), aligned
    with `points`' index. Points on a shared boundary take the first ward found.
    """
    _require_bng(points, wards)
    w = wards[["ward_code", "geometry"]]
    inside = gpd.sjoin(points[["geometry"]], w, predicate="within", how="left")
    inside = inside[~inside.index.duplicated(keep="first")]
    ward = inside["ward_code"].reindex(points.index)
    placement = pd.Series(np.where(ward.notna(), "inside", "outside"), index=points.index, dtype=object)
    missing = ward.isna()
    if missing.any() and nearest_within > 0:
        near = gpd.sjoin_nearest(points.loc[missing, ["geometry"]], w, how="left", max_distance=nearest_within)
        near = near[~near.index.duplicated(keep="first")]["ward_code"].dropna()
        ward.loc[near.index] = near
        placement.loc[near.index] = "nearest"
    return pd.DataFrame({"ward_code": ward, "placement": placement}, index=points.index)


def best_fit(areas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> pd.DataFrame:
    """Best-fit ward of each small area and the share of its land inside that ward.

    areas: columns code, geometry; wards: ward_code, geometry; both EPSG:27700.
    Areas whose point is further than 250 m from every ward are outside the borough
    (ward_code NaN).
    """
    _require_bng(areas, wards)
    points = gpd.GeoDataFrame(index=areas.index, geometry=areas.representative_point(), crs=BNG)
    placed = place_points(points, wards)
    share = np.zeros(len(areas))
    has = placed["ward_code"].notna().values
    if has.any():
        ward_geom = wards.set_index("ward_code").geometry
        inter = shapely.intersection(areas.geometry.values[has], ward_geom.loc[placed["ward_code"][has]].values)
        share[has] = shapely.area(inter) / np.maximum(areas.geometry.area.values[has], 1e-9)
    return pd.DataFrame({"area_code": areas["code"].values, "ward_code": placed["ward_code"].values,
                         "share_in_ward": share, "placement": placed["placement"].values})


def weights(areas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, fit: pd.DataFrame, method: str = "auto") -> pd.DataFrame:
    """Weights (area_code, ward_code, weight, method) that apportion each area to wards.

    method 'best_fit' gives every area wholly to its best-fit ward; 'area_weighted' shares
    every area by area; 'auto' shares only areas with share_in_ward < SPLIT_THRESHOLD.
    Areas outside the borough get no rows.
    """
    inside = fit[fit["ward_code"].notna()]
    split = np.zeros(len(inside), dtype=bool)
    if method == "area_weighted":
        split[:] = True
    elif method == "auto":
        split = (inside["share_in_ward"] < SPLIT_THRESHOLD).values
    whole = inside.loc[~split, ["area_code", "ward_code"]].assign(weight=1.0, method="best_fit")
    if not split.any():
        return whole.reset_index(drop=True)
    shared_codes = inside.loc[split, "area_code"].tolist()
    src = areas.set_index("code").loc[shared_codes].reset_index()
    # One indicator column per shared area: interpolating it gives that area's weight in each ward.
    indicator = pd.DataFrame(np.eye(len(src)), columns=[f"a{i}" for i in range(len(src))])
    src = gpd.GeoDataFrame(pd.concat([src[["code"]], indicator], axis=1), geometry=src.geometry.values, crs=BNG)
    est = area_interpolate(src, wards[["ward_code", "geometry"]], extensive_variables=list(indicator.columns),
                           allocate_total=True)
    matrix = est[list(indicator.columns)].to_numpy()  # wards x shared areas
    w_idx, a_idx = np.nonzero(matrix > 1e-9)
    shared = pd.DataFrame({
        "area_code": np.asarray(shared_codes)[a_idx],
        "ward_code": wards["ward_code"].values[w_idx],
        "weight": matrix[w_idx, a_idx],
        "method": "area_weighted",
    })
    shared["weight"] = shared["weight"] / shared.groupby("area_code")["weight"].transform("sum")
    return pd.concat([whole, shared], ignore_index=True)


def to_wards(values: pd.DataFrame, area_weights: pd.DataFrame) -> pd.DataFrame:
    """Apportion long counts (area_code, category, value) to (ward_code, category, persons)."""
    merged = values.merge(area_weights[["area_code", "ward_code", "weight"]], on="area_code", how="inner")
    merged["persons"] = merged["value"] * merged["weight"]
    return merged.groupby(["ward_code", "category"], as_index=False)["persons"].sum()
