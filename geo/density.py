"""Where respondents live, as hexagons: a disclosure-safe density map (never points).

data_access.respondent_hexes counts distinct respondents per hexagon in SQL (each person once,
at an inside point of the small area (output area) of their latest response; axial coordinates of a pointy-top hexagon
of circumradius `size` metres on the British National Grid, EPSG:27700). Here the cells are
built as shapely polygons and every cell with fewer respondents than the disclosure threshold
is dropped before anything is drawn or tabled: a shown cell always holds at least
`policy.threshold` people (10 by default). The number of people in dropped cells is reported
only as a protected total.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.disclosure import DEFAULT_POLICY, DisclosurePolicy

SIZES = {"500 m": 500.0, "1 km": 1000.0, "2 km": 2000.0}


def hex_centres(q: np.ndarray, r: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing of pointy-top hexagon centres from axial coordinates."""
    q, r = np.asarray(q, dtype=float), np.asarray(r, dtype=float)
    return size * math.sqrt(3) * (q + r / 2), size * 1.5 * r


def hex_axial(x: np.ndarray, y: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """The axial (q, r) of the hexagon containing each point: the same cube rounding the SQL does."""
    fx = (math.sqrt(3) / 3 * np.asarray(x, float) - np.asarray(y, float) / 3) / size
    fz = (2 / 3 * np.asarray(y, float)) / size
    fy = -fx - fz
    rx, ry, rz = np.round(fx), np.round(fy), np.round(fz)
    dx, dy, dz = abs(rx - fx), abs(ry - fy), abs(rz - fz)
    qx = np.where((dx > dy) & (dx > dz), -ry - rz, rx)
    qz = np.where((dx > dy) & (dx > dz), rz, np.where(dy > dz, rz, -rx - ry))
    return qx.astype(int), qz.astype(int)


def hexagons(cells: pd.DataFrame, size: float, policy: DisclosurePolicy = DEFAULT_POLICY
             ) -> tuple[gpd.GeoDataFrame, float]:
    """Hexagon polygons (EPSG:27700) for cells with at least policy.threshold respondents.

    cells: q, r, respondents (raw). Returns (shown cells: q, r, respondents, geometry;
    the number of respondents in cells too small to show, raw — protect it before showing).
    """
    keep = cells[cells["respondents"] >= policy.threshold]
    dropped = float(cells.loc[cells["respondents"] < policy.threshold, "respondents"].sum())
    cx, cy = hex_centres(keep["q"].to_numpy(), keep["r"].to_numpy(), size)
    angles = np.deg2rad(30 + 60 * np.arange(6))
    xs = cx[:, None] + size * np.cos(angles)[None, :]
    ys = cy[:, None] + size * np.sin(angles)[None, :]
    rings = np.stack([xs, ys], axis=-1)
    polys = shapely.polygons(rings) if len(keep) else np.array([], dtype=object)
    out = gpd.GeoDataFrame(keep[["q", "r", "respondents"]].reset_index(drop=True).astype({"respondents": float}),
                           geometry=list(polys), crs="EPSG:27700")
    out["cell"] = [f"{q},{r}" for q, r in zip(out["q"], out["r"], strict=True)]
    return out, dropped


def within(cells: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The cells (EPSG:27700) whose centre lies inside the bounding box of the wards (any CRS): the cells
    near one district, when a national map draws one district at a time."""
    minx, miny, maxx, maxy = wards.to_crs(cells.crs).total_bounds
    centre = cells.geometry.centroid
    return cells[centre.x.between(minx, maxx) & centre.y.between(miny, maxy)]


def for_map(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Shown hexagons reprojected to WGS84 for display only, keyed like wards for the map builders."""
    return cells.to_crs("EPSG:4326").assign(ward_code=cells["cell"], People=cells["respondents"])
