"""The demo borough's geography: its outline, output areas, LSOAs, wards and pseudo-MSOAs.

Output areas are Voronoi cells of seed points clipped to a noisy outline; LSOAs are
~5 contiguous OAs inside a ward and wards ~30 OAs of similar population (balanced
k-means, see demo.clustering), so every level nests in the next as ONS geographies
do. Codes and names follow ONS conventions (E00/E01/E02/E05 with fictional numbers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from demo.clustering import adjacency, balanced_kmeans, kmeans, make_contiguous
from demo.facts import BNG, CENTRE, HALF_HEIGHT, HALF_WIDTH, LAD_NAME, N_OA, TOWN_CENTRE_WARD, WARD_NAMES, rng_for
from demo.landscape import Landscape


@dataclass
class Geography:
    """Every boundary of the borough on the British National Grid, and the surfaces behind its statistics."""

    outline: shapely.Polygon
    oa: gpd.GeoDataFrame  # oa_code, lsoa_code, msoa_code, ward_code, geometry (BNG)
    lsoa: gpd.GeoDataFrame  # lsoa_code, lsoa_name, msoa_code, ward_code, geometry
    wards: gpd.GeoDataFrame  # ward_code, ward_name, geometry
    land: Landscape


def _borough_outline(seed: int) -> shapely.Polygon:
    """The borough boundary: a noisy ellipse ~12 km x 9 km on the British National Grid.

    Built from a low-frequency radial Fourier series (so it is star-shaped and always a
    valid simple polygon) plus a little high-frequency wobble, like a boundary that
    follows streams and field edges. Coordinates are rounded to the centimetre.
    """
    rng = rng_for(seed, "outline")
    theta = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    r = np.ones_like(theta)
    for k in range(2, 7):
        r += rng.uniform(0.4, 1.0) * 0.10 / k * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    for k in range(7, 40):
        r += rng.normal(0, 0.05 / k) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    x = CENTRE[0] + HALF_WIDTH * r * np.cos(theta)
    y = CENTRE[1] + HALF_HEIGHT * r * np.sin(theta)
    poly = shapely.Polygon(np.c_[x, y]).simplify(2.0)
    poly = shapely.set_precision(poly, 0.01)
    return shapely.normalize(poly)


def _seed_points(outline: shapely.Polygon, land: Landscape, rng: np.random.Generator,
                 n: int, min_dist: float = 70.0) -> np.ndarray:
    """n output-area seed points inside the outline, denser in the town and villages.

    Points closer than ``min_dist`` are thinned out so no output area is a sliver.
    """
    minx, miny, maxx, maxy = outline.bounds
    accepted = np.empty((0, 2))
    while len(accepted) < n:
        m = 4 * n
        comp = rng.choice(3, size=m, p=[0.40, 0.12, 0.48])
        pts = np.c_[rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)]
        town = comp == 0
        pts[town] = land.town + rng.normal(0, 1400, (town.sum(), 2)) * [1.2, 0.9]
        vil = comp == 1
        pick = rng.integers(0, len(land.villages), vil.sum())
        pts[vil] = land.villages[pick] + rng.normal(0, 350, (vil.sum(), 2))
        pts = pts[shapely.contains_xy(outline, pts[:, 0], pts[:, 1])]
        cand = np.vstack([accepted, pts])
        tree = cKDTree(cand)
        keep = np.zeros(len(cand), dtype=bool)
        blocked = np.zeros(len(cand), dtype=bool)
        neighbours = tree.query_ball_point(cand, min_dist)
        for i in range(len(cand)):  # greedy thinning; geometry only, not per response
            if blocked[i]:
                continue
            keep[i] = True
            blocked[neighbours[i]] = True
            if keep.sum() == n:
                break
        accepted = cand[keep]
    return accepted[:n]


def _polygon_parts(geom: shapely.Geometry) -> list[shapely.Polygon]:
    return [g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon) and g.area > 0]


def build_geography(seed: int, n_wards: int) -> Geography:
    """Output areas as Voronoi cells, nested into LSOAs and wards."""
    if not 1 <= n_wards <= min(len(WARD_NAMES) + 1, N_OA // 8):
        raise ValueError(f"n_wards must be between 1 and {min(len(WARD_NAMES) + 1, N_OA // 8)}")
    rng = rng_for(seed, "geography")
    outline = _borough_outline(seed)
    land = Landscape.create(seed)
    pts = _seed_points(outline, land, rng, N_OA)
    geoms = _output_areas(pts, outline)
    cents = shapely.get_coordinates(shapely.point_on_surface(geoms))
    adj = adjacency(geoms)
    ward_lab = _ward_labels(cents, adj, n_wards, rng)
    lsoa_lab = _lsoa_labels(cents, adj, ward_lab, rng)
    ward_geoms, names, ward_code = _name_wards(geoms, ward_lab, land, rng)
    lsoa_geoms, lsoa_ward, lsoa_df = _name_lsoas(geoms, ward_lab, lsoa_lab, rng)

    lsoa = gpd.GeoDataFrame({
        "lsoa_code": lsoa_df["code"].to_numpy(),
        "lsoa_name": lsoa_df["name"].to_numpy(),
        "msoa_code": lsoa_df["msoa_code"].to_numpy(),
        "ward_code": ward_code[lsoa_ward],
    }, geometry=list(lsoa_geoms), crs=BNG).sort_values("lsoa_code").reset_index(drop=True)

    oa_order = pd.DataFrame({"lsoa": lsoa_df["code"].to_numpy()[lsoa_lab],
                             "north": -cents[:, 1], "east": cents[:, 0]})
    oa_order = oa_order.sort_values(["lsoa", "north", "east"]).index.to_numpy()
    oa = gpd.GeoDataFrame({
        "oa_code": [f"E00{900001 + i}" for i in range(N_OA)],
        "lsoa_code": lsoa_df["code"].to_numpy()[lsoa_lab[oa_order]],
        "msoa_code": lsoa_df["msoa_code"].to_numpy()[lsoa_lab[oa_order]],
        "ward_code": ward_code[ward_lab[oa_order]],
    }, geometry=list(geoms[oa_order]), crs=BNG)
    wards = gpd.GeoDataFrame({"ward_code": ward_code, "ward_name": names},
                             geometry=list(ward_geoms), crs=BNG)
    wards = wards.sort_values("ward_code").reset_index(drop=True)
    return Geography(outline=outline, oa=oa, lsoa=lsoa, wards=wards, land=land)


def _output_areas(pts: np.ndarray, outline: shapely.Polygon) -> np.ndarray:
    """One single polygon per seed point: its Voronoi cell clipped to the outline."""
    vor = shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=outline.buffer(3000),
                                   ordered=True)
    cells = shapely.intersection(np.asarray(shapely.get_parts(vor)), outline)
    # Clipping a convex cell to a wiggly outline can leave detached crumbs: give each
    # crumb to the cell it shares most boundary with, so OAs are single polygons.
    main: list[shapely.Polygon] = []
    crumbs: list[shapely.Polygon] = []
    for i, cell in enumerate(cells):
        parts = _polygon_parts(cell)
        seed_pt = shapely.Point(pts[i])
        home = next((p for p in parts if p.covers(seed_pt)), max(parts, key=lambda p: p.area))
        main.append(home)
        crumbs.extend(p for p in parts if p is not home)
    main_arr = np.array(main, dtype=object)
    for crumb in crumbs:
        shared = shapely.length(shapely.intersection(shapely.boundary(main_arr),
                                                     shapely.buffer(crumb.boundary, 0.05)))
        k = int(np.argmax(shared))
        main_arr[k] = shapely.union(main_arr[k], crumb, grid_size=0.01)
    geoms = shapely.set_precision(main_arr, 0.01)
    return np.array([max(_polygon_parts(g), key=lambda p: p.area) for g in geoms], dtype=object)


def _ward_labels(cents: np.ndarray, adj: tuple[np.ndarray, np.ndarray, np.ndarray], n_wards: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Each OA's ward number (0..n-1).

    k-means of OA centres gives compact wards of similar population (OAs are built to
    have similar populations), then pieces are stitched into one.
    """
    ward_lab = make_contiguous(balanced_kmeans(cents, n_wards, rng), adj)
    _, ward_lab = np.unique(ward_lab, return_inverse=True)
    return ward_lab


def _lsoa_labels(cents: np.ndarray, adj: tuple[np.ndarray, np.ndarray, np.ndarray], ward_lab: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """Each OA's LSOA number: ~5 contiguous OAs inside each ward (so LSOAs nest in wards)."""
    lsoa_lab = np.zeros(N_OA, dtype=int)
    nxt = 0
    for w in range(ward_lab.max() + 1):
        idx = np.flatnonzero(ward_lab == w)
        sub = balanced_kmeans(cents[idx], round(len(idx) / 5), rng, tolerance=0.25)
        lsoa_lab[idx] = sub + nxt
        nxt += sub.max() + 1
    lsoa_lab = make_contiguous(lsoa_lab, adj, within=ward_lab, min_size=3)
    _, lsoa_lab = np.unique(lsoa_lab, return_inverse=True)
    return lsoa_lab


def _name_wards(geoms: np.ndarray, ward_lab: np.ndarray, land: Landscape,
                rng: np.random.Generator) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Ward outlines, names and codes, by ward number.

    The ward holding the town centre is "Town Centre"; codes follow the alphabetical
    order of names, as ONS ward codes within a district usually do.
    """
    n_w = ward_lab.max() + 1
    ward_geoms = np.array([shapely.union_all(geoms[ward_lab == w], grid_size=0.01)
                           for w in range(n_w)], dtype=object)
    town_ward = int(np.argmax(shapely.contains_xy(ward_geoms, *land.town)))
    names = list(rng.permutation(WARD_NAMES)[: n_w - 1])
    names.insert(town_ward, TOWN_CENTRE_WARD)
    order = np.argsort(names, kind="stable")
    ward_code = np.empty(n_w, dtype=object)
    ward_code[order] = [f"E05{900001 + i}" for i in range(n_w)]
    return ward_geoms, names, ward_code


def _name_lsoas(geoms: np.ndarray, ward_lab: np.ndarray, lsoa_lab: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """LSOA outlines, their ward numbers, and their codes, names and MSOA codes (by LSOA number).

    Pseudo-MSOAs (~5 LSOAs inside a ward) only give LSOAs ONS-style names
    ("Demoborough 001A") and fill the MSOA column of the ethnicity table. ONS numbers
    MSOAs roughly north to south.
    """
    n_w = ward_lab.max() + 1
    n_l = lsoa_lab.max() + 1
    lsoa_geoms = np.array([shapely.union_all(geoms[lsoa_lab == s], grid_size=0.01)
                           for s in range(n_l)], dtype=object)
    lsoa_xy = shapely.get_coordinates(shapely.point_on_surface(lsoa_geoms))
    lsoa_ward = np.array([ward_lab[lsoa_lab == s][0] for s in range(n_l)])
    msoa_lab = np.zeros(n_l, dtype=int)
    nxt = 0
    for w in range(n_w):
        idx = np.flatnonzero(lsoa_ward == w)
        sub = kmeans(lsoa_xy[idx], math.ceil(len(idx) / 5), rng)
        msoa_lab[idx] = sub + nxt
        nxt += sub.max() + 1
    msoa_north = pd.Series(lsoa_xy[:, 1]).groupby(msoa_lab).mean()
    msoa_west = pd.Series(lsoa_xy[:, 0]).groupby(msoa_lab).mean()
    msoa_rank = pd.DataFrame({"n": -msoa_north, "e": msoa_west}).sort_values(["n", "e"])
    msoa_number = pd.Series(np.arange(1, len(msoa_rank) + 1), index=msoa_rank.index)
    lsoa_df = pd.DataFrame({"s": np.arange(n_l), "msoa": msoa_number[msoa_lab].to_numpy(),
                            "north": -lsoa_xy[:, 1], "east": lsoa_xy[:, 0]})
    lsoa_df = lsoa_df.sort_values(["msoa", "north", "east"]).reset_index(drop=True)
    lsoa_df["letter"] = lsoa_df.groupby("msoa").cumcount().map(lambda i: chr(ord("A") + i))
    lsoa_df["code"] = [f"E01{900001 + i}" for i in range(n_l)]
    lsoa_df["name"] = [f"{LAD_NAME} {m:03d}{c}" for m, c in zip(lsoa_df["msoa"], lsoa_df["letter"], strict=True)]
    lsoa_df["msoa_code"] = [f"E02{900000 + m}" for m in lsoa_df["msoa"]]
    return lsoa_geoms, lsoa_ward, lsoa_df.set_index("s").sort_index()
