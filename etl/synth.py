"""Synthetic input files for a fictional borough, "Demoborough (synthetic)".

Why this exists: the dashboard has to be demonstrated, tested and benchmarked without
real residents' data, and the ETL must be exercised on files that look *exactly* like
the ones councils download (ONS boundaries and census tables, the MHCLG Indices of
Deprivation, the ONS Postcode Directory, an engagement-portal export). So everything
here is written in the published layouts - headers, quoting, BOMs, thousands
separators and all - and the real pipeline loads it unchanged via ``demo.toml``.

Two rules shape the code:

* Determinism. Every random draw comes from ``numpy.random.default_rng`` seeded from
  the caller's seed (one independent stream per component, see ``_rng``), and files
  are written with fixed line endings and float formats, so the same seed gives
  byte-identical files. Tests and screenshots can then rely on exact numbers.
* Known ground truth. Responses are biased against a few demographic groups in a few
  wards *on purpose* ("planted" under-representation) and in no other way, and the
  plant is written to ``truth.json``. The representation analytics can be checked
  against it: planted groups should be flagged, everyone else should look fine.

Responses are generated with vectorised numpy (no per-row Python loops), so a
million-response export takes seconds, which lets the same code drive benchmarks.
"""

from __future__ import annotations

import csv
import json
import math
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from scipy.stats import norm

from vocabulary import (
    AGE,
    AGE_BANDS,
    CENSUS_AGE6,
    CENSUS_DISABILITY,
    CENSUS_ETHNICITY_2011,
    CENSUS_SEX,
    DISABILITY,
    DISABILITY_GROUPS,
    ETHNIC_GROUPS,
    ETHNICITY,
    SEX,
    SEXES,
)

__all__ = ["write_demo_borough", "write_engagement"]

# --------------------------------------------------------------------------------------
# Fixed facts about the fictional borough
# --------------------------------------------------------------------------------------

COUNCIL_NAME = "Demoborough (synthetic)"
LAD_NAME = "Demoborough"  # what ONS/MHCLG tables would print in their LA name columns
LAD_CODE = "E06999999"
REGION_NAME = "West Midlands"
REGION_CODE = "E12000005"
COUNTRY_CODE = "E92000001"
BNG = "EPSG:27700"
CENTRE = (452_000.0, 288_000.0)  # easting, northing of the borough's middle
HALF_WIDTH, HALF_HEIGHT = 6_000.0, 4_500.0  # ~12 km x 9 km
N_OA = 600
NATIONAL_LSOAS = 32_844  # LSOAs in England in IoD2019: ranks run 1..32844
POSTCODE_AREA = "DM"  # not a real postcode area, so nothing can be mistaken for real
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters Royal Mail uses in the inward unit
LINE = "\n"

WARD_NAMES = [
    "Ashby North", "Ashby South", "Brookfield", "Castle Green", "Dunmore", "Elmstead",
    "Fairholme", "Greystone", "Hadley Cross", "Hollins Park", "Kingsmead", "Larkhill",
    "Marston Vale", "Millbrook", "Northgate", "Oakwood", "Priory", "Queensway",
    "Redhill", "St Anne's", "Sandford", "Southgate", "Thornbury Heath", "Upton Meadows",
    "Victoria", "Westfield", "Whitmore", "Willow Bank", "Woodside", "Yewtree", "Abbey",
    "Bramley", "Church End", "Eastbrook", "Foxley", "Goldthorn", "Harwood", "Lowfield",
    "Moorside", "Netherton", "Orchard", "Parkfield", "Riverside", "Stonebridge",
    "Tollgate", "Wharfside",
]
TOWN_CENTRE_WARD = "Town Centre"

ETHNICITY_COLUMNS = list(CENSUS_ETHNICITY_2011)  # MLID column order
AGE_LABELS = list(CENSUS_AGE6)  # ONS labels, youngest first
SEX_LABELS = list(CENSUS_SEX)
DISABILITY_LABELS = list(CENSUS_DISABILITY)

IMD_FILE1_COLUMNS = [
    "LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
    "Local Authority District name (2019)", "Index of Multiple Deprivation (IMD) Rank",
    "Index of Multiple Deprivation (IMD) Decile",
]
_W = " (where 1 is most deprived)"
_D = " (where 1 is most deprived 10% of LSOAs)"
IMD_DOMAINS = [  # name, weight in the IMD (MHCLG 2019 technical report)
    ("Income", 0.225), ("Employment", 0.225), ("Education, Skills and Training", 0.135),
    ("Health Deprivation and Disability", 0.135), ("Crime", 0.093),
    ("Barriers to Housing and Services", 0.093), ("Living Environment", 0.094),
]
IMD_FILE2_COLUMNS = IMD_FILE1_COLUMNS[:4] + [
    "Index of Multiple Deprivation (IMD) Rank" + _W,
    "Index of Multiple Deprivation (IMD) Decile" + _D,
] + [c for name, _ in IMD_DOMAINS for c in (f"{name} Rank{_W}", f"{name} Decile{_D}")]
IMD_FILE6_COLUMNS = IMD_FILE1_COLUMNS[:4] + [
    "Total population: mid 2015 (excluding prisoners)",
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "Population aged 16-59: mid 2015 (excluding prisoners)",
    "Older population aged 60 and over: mid 2015 (excluding prisoners)",
    ("Working age population 18-59/64: for use with Employment Deprivation Domain "
     "(excluding prisoners)"),
]
POSTCODE_COLUMNS = [  # a subset of the ONSPD/NSPL columns, in their order
    "pcd", "pcd2", "pcds", "dointr", "doterm", "usertype", "oseast1m", "osnrth1m",
    "osgrdind", "oa11", "cty", "ced", "laua", "ward", "ctry", "rgn", "lsoa11", "msoa11",
    "lat", "long", "imd",
]
ACTIVITY_COLUMNS = ["activity_id", "title", "kind", "opened", "closed", "owner",
                    "outcome_published_on", "scope"]
RESPONSE_COLUMNS = ["response_id", "respondent_id", "activity_id", "submitted_at",
                    "postcode", "age_band", "sex", "ethnicity", "disability", "channel"]
ASSET_COLUMNS = ["asset_id", "name", "category", "postcode", "easting", "northing"]


def _rng(seed: int, stream: str) -> np.random.Generator:
    """One independent, reproducible generator per component.

    Seeding each component from (seed, stream name) rather than sharing one generator
    means that changing how, say, assets are drawn does not reshuffle every postcode,
    so diffs between generator versions stay local.
    """
    return np.random.default_rng([int(seed), zlib.crc32(stream.encode())])


# --------------------------------------------------------------------------------------
# Geography
# --------------------------------------------------------------------------------------


@dataclass
class _Landscape:
    """Smooth surfaces that give the borough its spatial character.

    A town centre (young, diverse, deprived), a few villages, a peripheral estate,
    a student quarter and two community concentrations. All statistics are driven by
    these surfaces so that neighbouring areas look alike, as they do in real data.
    """

    town: np.ndarray
    villages: np.ndarray
    estate: np.ndarray
    students: np.ndarray
    african: np.ndarray
    pakistani: np.ndarray
    field_centres: np.ndarray
    field_amplitudes: np.ndarray

    @staticmethod
    def create(seed: int) -> _Landscape:
        rng = _rng(seed, "landscape")
        cx, cy = CENTRE
        town = np.array([cx + rng.uniform(-1200, 1200), cy + rng.uniform(-900, 900)])

        def around(dist_lo: float, dist_hi: float, n: int = 1) -> np.ndarray:
            ang = rng.uniform(0, 2 * np.pi, n)
            dist = rng.uniform(dist_lo, dist_hi, n)
            return town + np.c_[dist * np.cos(ang) * 1.2, dist * np.sin(ang) * 0.9]

        african = around(1200, 2200)[0]
        # Keep the Pakistani community concentration on the other side of town.
        pk_angle = math.atan2(*(african - town)[::-1]) + np.pi + rng.uniform(-0.7, 0.7)
        pk_dist = rng.uniform(1000, 2000)
        pakistani = town + pk_dist * np.array([math.cos(pk_angle), math.sin(pk_angle)])
        return _Landscape(
            town=town,
            villages=around(3000, 4200, 3),
            estate=around(2500, 3500)[0],
            students=around(500, 1000)[0],
            african=african,
            pakistani=pakistani,
            field_centres=np.c_[rng.uniform(cx - 6000, cx + 6000, 10),
                                rng.uniform(cy - 4500, cy + 4500, 10)],
            field_amplitudes=rng.normal(0, 0.35, 10),
        )

    @staticmethod
    def _bump(xy: np.ndarray, at: np.ndarray, sigma: float) -> np.ndarray:
        d2 = ((xy - at) ** 2).sum(axis=1)
        return np.exp(-d2 / (2 * sigma**2))

    def centrality(self, xy: np.ndarray) -> np.ndarray:
        return self._bump(xy, self.town, 2200)

    def student(self, xy: np.ndarray) -> np.ndarray:
        return self._bump(xy, self.students, 550)

    def african_share(self, xy: np.ndarray) -> np.ndarray:
        return self._bump(xy, self.african, 1300)

    def pakistani_share(self, xy: np.ndarray) -> np.ndarray:
        return self._bump(xy, self.pakistani, 1100)

    def deprivation(self, xy: np.ndarray) -> np.ndarray:
        z = 1.3 * self._bump(xy, self.town, 1800) + 1.0 * self._bump(xy, self.estate, 650)
        for at, amp in zip(self.field_centres, self.field_amplitudes, strict=True):
            z += amp * self._bump(xy, at, 1300)
        return z


def _borough_outline(seed: int) -> shapely.Polygon:
    """The borough boundary: a noisy ellipse ~12 km x 9 km on the British National Grid.

    Built from a low-frequency radial Fourier series (so it is star-shaped and always a
    valid simple polygon) plus a little high-frequency wobble, like a boundary that
    follows streams and field edges. Coordinates are rounded to the centimetre.
    """
    rng = _rng(seed, "outline")
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


def _seed_points(outline: shapely.Polygon, land: _Landscape, rng: np.random.Generator,
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


def _adjacency(geoms: np.ndarray, min_shared: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i, j, shared boundary length) of polygons sharing more than a corner."""
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    bnd = shapely.boundary(geoms)
    shared = shapely.length(shapely.intersection(bnd[i], shapely.buffer(bnd[j], 0.05)))
    ok = shared > min_shared
    return i[ok], j[ok], shared[ok]


def _make_contiguous(labels: np.ndarray, adj: tuple[np.ndarray, np.ndarray, np.ndarray],
                     within: np.ndarray | None = None, min_size: int = 1) -> np.ndarray:
    """Relabel units so that every group is one contiguous piece (and >= min_size units).

    Detached pieces (and undersized groups) join the neighbouring group - restricted to
    the same ``within`` parent, e.g. the same ward for LSOAs - with which they share
    the longest boundary. Real statistical geographies are contiguous; a ward in two
    pieces would also make maps look broken.
    """
    labels = labels.copy()
    n = len(labels)
    pi, pj, w = adj
    parent = np.zeros(n, dtype=int) if within is None else within
    for _ in range(5 * n):  # each pass moves one piece; this bound is never reached
        changed = False
        for g in np.unique(labels):
            idx = np.flatnonzero(labels == g)
            same = (labels[pi] == g) & (labels[pj] == g)
            graph = coo_matrix((np.ones(same.sum()), (pi[same], pj[same])), shape=(n, n))
            _, comp = connected_components(graph, directed=False)
            comps, sizes = np.unique(comp[idx], return_counts=True)
            main = comps[np.argmax(sizes)]
            movers = [c for c in comps if c != main]
            if len(idx) < min_size:
                movers = list(comps)
            for c in movers:
                members = idx[comp[idx] == c]
                inside = np.isin(pi, members) ^ np.isin(pj, members)
                other = np.where(np.isin(pi, members), pj, pi)
                ok = inside & (labels[other] != g) & (parent[other] == parent[members[0]])
                if not ok.any():
                    continue
                cand = pd.Series(w[ok]).groupby(labels[other[ok]]).sum()
                labels[members] = int(cand.idxmax())
                changed = True
            if changed:
                break
        if not changed:
            return labels
    return labels


def _kmeans(x: np.ndarray, k: int, rng: np.random.Generator, iters: int = 60) -> np.ndarray:
    """Plain Lloyd k-means with k-means++ start; returns labels 0..k-1 (all non-empty)."""
    k = max(1, min(k, len(x)))
    centres = [x[rng.integers(len(x))]]
    for _ in range(1, k):
        d2 = np.min(((x[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        centres.append(x[rng.choice(len(x), p=d2 / d2.sum())] if d2.sum() > 0 else x[0])
    c = np.array(centres, dtype=float)
    labels = np.zeros(len(x), dtype=int)
    for _ in range(iters):
        d2 = ((x[:, None, :] - c[None]) ** 2).sum(-1)
        new = d2.argmin(axis=1)
        for g in range(k):  # refill an emptied cluster with the worst-served point
            if not (new == g).any():
                far = int(d2[np.arange(len(x)), new].argmax())
                new[far] = g
        if np.array_equal(new, labels):
            break
        labels = new
        c = np.array([x[labels == g].mean(axis=0) for g in range(k)])
    return labels


def _balanced_kmeans(x: np.ndarray, k: int, rng: np.random.Generator, tolerance: float = 0.08,
                     iters: int = 400) -> np.ndarray:
    """k-means whose clusters hold nearly equal numbers of points.

    Each cluster gets an additive weight (a power diagram), raised while it is too
    small and lowered while too large, so cells stay convex and compact. Used for
    wards, which boundary commissions keep to roughly equal electorates (+-10%).
    """
    labels = _kmeans(x, k, rng)
    k = labels.max() + 1
    target = len(x) / k
    centres = np.array([x[labels == g].mean(axis=0) for g in range(k)])
    lam = np.zeros(k)
    best, best_err = labels, np.inf
    for _ in range(iters):
        d2 = ((x[:, None, :] - centres[None]) ** 2).sum(-1)
        labels = (d2 - lam).argmin(axis=1)
        sizes = np.bincount(labels, minlength=k)
        err = np.abs(sizes - target).max() / target
        if err < best_err and sizes.min() > 0:
            best, best_err = labels, err
        if err <= tolerance:
            break
        scale = np.median(d2[np.arange(len(x)), labels])
        lam += 0.2 * scale * (target - sizes) / target
        for g in range(k):
            if sizes[g]:
                centres[g] = 0.8 * centres[g] + 0.2 * x[labels == g].mean(axis=0)
    return best


@dataclass
class _Geography:
    outline: shapely.Polygon
    oa: gpd.GeoDataFrame  # oa_code, lsoa_code, msoa_code, ward_code, geometry (BNG)
    lsoa: gpd.GeoDataFrame  # lsoa_code, lsoa_name, msoa_code, ward_code, geometry
    wards: gpd.GeoDataFrame  # ward_code, ward_name, geometry
    land: _Landscape


def _build_geography(seed: int, n_wards: int) -> _Geography:
    """Output areas as Voronoi cells, nested into LSOAs and wards."""
    if not 1 <= n_wards <= min(len(WARD_NAMES) + 1, N_OA // 8):
        raise ValueError(f"n_wards must be between 1 and {min(len(WARD_NAMES) + 1, N_OA // 8)}")
    rng = _rng(seed, "geography")
    outline = _borough_outline(seed)
    land = _Landscape.create(seed)
    pts = _seed_points(outline, land, rng, N_OA)

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
    geoms = np.array([max(_polygon_parts(g), key=lambda p: p.area) for g in geoms], dtype=object)
    cents = shapely.get_coordinates(shapely.point_on_surface(geoms))
    adj = _adjacency(geoms)

    # Wards: k-means of OA centres gives compact wards of similar population (OAs are
    # built to have similar populations), then pieces are stitched into one.
    ward_lab = _make_contiguous(_balanced_kmeans(cents, n_wards, rng), adj)
    _, ward_lab = np.unique(ward_lab, return_inverse=True)

    # LSOAs: ~5 contiguous OAs inside each ward (so LSOAs nest in wards).
    lsoa_lab = np.zeros(N_OA, dtype=int)
    nxt = 0
    for w in range(ward_lab.max() + 1):
        idx = np.flatnonzero(ward_lab == w)
        sub = _balanced_kmeans(cents[idx], round(len(idx) / 5), rng, tolerance=0.25)
        lsoa_lab[idx] = sub + nxt
        nxt += sub.max() + 1
    lsoa_lab = _make_contiguous(lsoa_lab, adj, within=ward_lab, min_size=3)
    _, lsoa_lab = np.unique(lsoa_lab, return_inverse=True)

    # Ward names: the ward holding the town centre is "Town Centre"; codes follow the
    # alphabetical order of names, as ONS ward codes within a district usually do.
    n_w = ward_lab.max() + 1
    ward_geoms = np.array([shapely.union_all(geoms[ward_lab == w], grid_size=0.01)
                           for w in range(n_w)], dtype=object)
    town_ward = int(np.argmax(shapely.contains_xy(ward_geoms, *land.town)))
    names = list(rng.permutation(WARD_NAMES)[: n_w - 1])
    names.insert(town_ward, TOWN_CENTRE_WARD)
    order = np.argsort(names, kind="stable")
    ward_code = np.empty(n_w, dtype=object)
    ward_code[order] = [f"E05{900001 + i}" for i in range(n_w)]

    # Pseudo-MSOAs (~5 LSOAs inside a ward) only give LSOAs ONS-style names
    # ("Demoborough 001A") and fill the MSOA column of the ethnicity table. ONS numbers
    # MSOAs roughly north to south.
    n_l = lsoa_lab.max() + 1
    lsoa_geoms = np.array([shapely.union_all(geoms[lsoa_lab == s], grid_size=0.01)
                           for s in range(n_l)], dtype=object)
    lsoa_xy = shapely.get_coordinates(shapely.point_on_surface(lsoa_geoms))
    lsoa_ward = np.array([ward_lab[lsoa_lab == s][0] for s in range(n_l)])
    msoa_lab = np.zeros(n_l, dtype=int)
    nxt = 0
    for w in range(n_w):
        idx = np.flatnonzero(lsoa_ward == w)
        sub = _kmeans(lsoa_xy[idx], math.ceil(len(idx) / 5), rng)
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
    lsoa_df = lsoa_df.set_index("s").sort_index()

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
    return _Geography(outline=outline, oa=oa, lsoa=lsoa, wards=wards, land=land)


# --------------------------------------------------------------------------------------
# Small-area statistics
# --------------------------------------------------------------------------------------

# Ethnic mix (MLID column order) far from and right in the town centre; the two
# community concentrations are added on top.
_ETH_OUTER = np.array([0.890, 0.010, 0.030, 0.018, 0.014, 0.008, 0.002, 0.004, 0.006,
                       0.007, 0.005, 0.002, 0.001, 0.003])
_ETH_INNER = np.array([0.470, 0.015, 0.090, 0.050, 0.080, 0.070, 0.025, 0.020, 0.040,
                       0.070, 0.035, 0.015, 0.010, 0.020])
# Age (6 categories) for outer (older) areas and the young town centre; student quarter.
_AGE_OUTER = np.array([0.170, 0.085, 0.095, 0.185, 0.225, 0.240])
_AGE_INNER = np.array([0.205, 0.145, 0.200, 0.205, 0.140, 0.105])
_AGE_STUDENT = np.array([0.040, 0.600, 0.170, 0.080, 0.060, 0.050])


def _dirichlet(rng: np.random.Generator, alpha: np.ndarray) -> np.ndarray:
    """Row-wise Dirichlet draws (local variation around a smooth profile)."""
    g = rng.gamma(alpha)
    return g / g.sum(axis=1, keepdims=True)


def _build_statistics(geo: _Geography, seed: int) -> dict[str, pd.DataFrame]:
    """Census-like counts per OA / LSOA that add up consistently.

    One person count per OA is fixed first; ethnicity is split per OA, and age, sex
    and disability per LSOA from the same LSOA totals, so every table describes the
    same people (as census tables do, barring ONS's small-cell perturbation).
    """
    rng = _rng(seed, "statistics")
    land = geo.land
    oa_xy = shapely.get_coordinates(shapely.point_on_surface(geo.oa.geometry.to_numpy()))
    persons = np.clip(np.round(rng.normal(315, 38, N_OA)), 250, 400).astype(int)

    cen = land.centrality(oa_xy)[:, None]
    eth_p = (1 - cen) * _ETH_OUTER + cen * _ETH_INNER
    col = {c: i for i, c in enumerate(ETHNICITY_COLUMNS)}
    af = land.african_share(oa_xy)
    pk = land.pakistani_share(oa_xy)
    eth_p[:, col["BlkAfrican"]] += 0.20 * af
    eth_p[:, col["OtherBlk"]] += 0.02 * af
    eth_p[:, col["Pakistani"]] += 0.32 * pk
    eth_p[:, col["Bangladeshi"]] += 0.04 * pk
    eth_p[:, col["Indian"]] += 0.03 * pk
    eth_p[:, col["WhiteBrit"]] -= 0.8 * (eth_p.sum(axis=1) - 1)
    eth_p = np.clip(eth_p, 1e-4, None)
    eth_p /= eth_p.sum(axis=1, keepdims=True)
    eth_p = _dirichlet(rng, 400 * eth_p)
    eth = rng.multinomial(persons, eth_p)

    oa = geo.oa
    ethnicity = pd.DataFrame(eth, columns=ETHNICITY_COLUMNS)
    ethnicity.insert(0, "OA", oa["oa_code"].to_numpy())
    ethnicity.insert(1, "Persons", persons)
    ethnicity["Mixed"] = ethnicity["Mixed"].astype(float)  # the MLID file has "10.0"
    ethnicity["LSOA"] = oa["lsoa_code"].to_numpy()
    ethnicity["MSOA"] = oa["msoa_code"].to_numpy()
    ethnicity["LAD"] = LAD_NAME
    ethnicity["RGN"] = REGION_NAME

    lsoa = geo.lsoa
    lsoa_total = pd.Series(persons).groupby(oa["lsoa_code"].to_numpy()).sum()
    lsoa_total = lsoa_total.reindex(lsoa["lsoa_code"]).to_numpy()
    lsoa_xy = shapely.get_coordinates(shapely.point_on_surface(lsoa.geometry.to_numpy()))
    young = np.clip(land.centrality(lsoa_xy), 0, 1)[:, None]
    stud = 0.45 * land.student(lsoa_xy)[:, None]
    age_p = (1 - stud) * ((1 - young) * _AGE_OUTER + young * _AGE_INNER) + stud * _AGE_STUDENT
    age_p = _dirichlet(rng, 600 * age_p)
    age = rng.multinomial(lsoa_total, age_p)
    share65 = age[:, -1] / lsoa_total

    female_p = np.clip(0.507 + 0.10 * (share65 - 0.18) - 0.02 * stud[:, 0]
                       + rng.normal(0, 0.006, len(lsoa_total)), 0.45, 0.56)
    female = rng.binomial(lsoa_total, female_p)

    depr = land.deprivation(lsoa_xy) + rng.normal(0, 0.25, len(lsoa_total))
    zdep = (depr - depr.mean()) / depr.std()
    disabled_p = np.clip(0.165 + 0.03 * zdep + 0.35 * (share65 - 0.18), 0.08, 0.32)
    disabled = rng.binomial(lsoa_total, disabled_p)

    def long_table(dim_column: str, labels: list[str], counts: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({
            "Lower layer Super Output Areas Code": np.repeat(lsoa["lsoa_code"].to_numpy(), len(labels)),
            "Lower layer Super Output Areas": np.repeat(lsoa["lsoa_name"].to_numpy(), len(labels)),
            dim_column: np.tile(labels, len(lsoa)),
            "Observation": counts.ravel(),
        })

    tables = {
        "ethnicity": ethnicity,
        "age": long_table("Age (6 categories)", AGE_LABELS, age),
        "sex": long_table("Sex (2 categories)", SEX_LABELS, np.c_[female, lsoa_total - female]),
        "disability": long_table("Disability (2 categories)", DISABILITY_LABELS,
                                 np.c_[disabled, lsoa_total - disabled]),
    }
    tables.update(_deprivation_tables(lsoa, zdep, age, lsoa_xy, land, rng))
    return tables


def _national_ranks(score: np.ndarray) -> np.ndarray:
    """Map local deprivation scores (higher = more deprived) to unique national ranks.

    The local order is kept; the distribution is squeezed slightly towards the middle
    (a normal-quantile transform with sd 0.8) but with exactly the national 20% of
    LSOAs expected in deciles 1-2, which is typical of a mixed town-and-country UA.
    """
    n = len(score)
    order = np.argsort(-score, kind="stable")  # most deprived first
    u = (np.arange(n) + 0.5) / n
    sd = 0.8
    mu = norm.ppf(0.2) * (1 - sd)  # keeps P(national percentile < 20%) at 20%
    p = norm.cdf(mu + sd * norm.ppf(u))
    rank_sorted = np.clip(np.ceil(p * NATIONAL_LSOAS), 1, NATIONAL_LSOAS).astype(int)
    steps = np.arange(n)
    rank_sorted = np.maximum.accumulate(rank_sorted - steps) + steps  # strictly increasing
    rank_sorted = np.minimum(rank_sorted, NATIONAL_LSOAS - (n - 1 - steps))
    ranks = np.empty(n, dtype=int)
    ranks[order] = rank_sorted
    return ranks


def _decile(rank: np.ndarray) -> np.ndarray:
    return np.clip(np.ceil(rank / (NATIONAL_LSOAS / 10)), 1, 10).astype(int)


def _thousands(values: np.ndarray) -> list[str]:
    """Numbers as the MHCLG spreadsheets print them: "29,199" (quoted once in a CSV)."""
    return [f"{int(v):,}" for v in values]


def _deprivation_tables(lsoa: gpd.GeoDataFrame, zdep: np.ndarray, age: np.ndarray,
                        lsoa_xy: np.ndarray, land: _Landscape,
                        rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """IoD2019 Files 1, 2 and 6. Domains share the deprivation surface; the IMD is their
    weighted sum (the published weights), so domains correlate with the IMD as they do
    in reality - strongly for income/employment, weakly for barriers to housing."""
    n = len(lsoa)
    rural = 1 - land.centrality(lsoa_xy)
    rural = (rural - rural.mean()) / (rural.std() or 1)
    loading = {"Income": 0.95, "Employment": 0.92, "Education, Skills and Training": 0.8,
               "Health Deprivation and Disability": 0.8, "Crime": 0.6,
               "Barriers to Housing and Services": 0.1, "Living Environment": 0.45}
    domain_scores = {}
    for name, _ in IMD_DOMAINS:
        rho = loading[name]
        s = rho * zdep + math.sqrt(1 - rho**2) * rng.normal(0, 1, n)
        if name == "Barriers to Housing and Services":
            s += 0.8 * rural  # distance to services bites in the countryside
        if name == "Living Environment":
            s -= 0.4 * rural  # old housing and air quality bite in the centre
        domain_scores[name] = s
    imd_score = sum(w * domain_scores[name] for name, w in IMD_DOMAINS)
    imd_rank = _national_ranks(imd_score)
    head = pd.DataFrame({
        IMD_FILE1_COLUMNS[0]: lsoa["lsoa_code"].to_numpy(),
        IMD_FILE1_COLUMNS[1]: lsoa["lsoa_name"].to_numpy(),
        IMD_FILE1_COLUMNS[2]: LAD_CODE,
        IMD_FILE1_COLUMNS[3]: LAD_NAME,
    })
    file1 = head.copy()
    file1[IMD_FILE1_COLUMNS[4]] = _thousands(imd_rank)
    file1[IMD_FILE1_COLUMNS[5]] = _decile(imd_rank)

    file2 = head.copy()
    file2[IMD_FILE2_COLUMNS[4]] = imd_rank
    file2[IMD_FILE2_COLUMNS[5]] = _decile(imd_rank)
    for name, _ in IMD_DOMAINS:
        r = _national_ranks(domain_scores[name])
        file2[f"{name} Rank{_W}"] = r
        file2[f"{name} Decile{_D}"] = _decile(r)

    # Mid-2015 denominators: a slightly smaller population than 2021, split from the
    # census age bands (50-64 straddles the 60 boundary; 16-24 straddles 18).
    scale = rng.uniform(0.93, 0.99, n)
    a = age * scale[:, None]
    children = np.round(a[:, 0]).astype(int)
    aged16_59 = np.round(a[:, 1] + a[:, 2] + a[:, 3] + a[:, 4] * 0.66).astype(int)
    older = np.round(a[:, 4] * 0.34 + a[:, 5]).astype(int)
    total = children + aged16_59 + older
    working = np.round(a[:, 1] * 7 / 9 + a[:, 2] + a[:, 3] + a[:, 4] * 0.85).astype(int)
    file6 = head.copy()
    for column, values in zip(IMD_FILE6_COLUMNS[4:], [total, children, aged16_59, older, working], strict=True):
        file6[column] = _thousands(values)
    return {"imd1": file1, "imd2": file2, "imd6": file6}


# --------------------------------------------------------------------------------------
# Postcodes and assets
# --------------------------------------------------------------------------------------


def _points_in_polygons(polys: np.ndarray, counts: np.ndarray, rng: np.random.Generator,
                        margin: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Integer grid points strictly inside each polygon, at least ``margin`` m from its edge.

    Vectorised rejection sampling over all polygons at once. The margin survives
    rounding and the round trip through WGS84 GeoJSON, so every point geocodes back
    into its own polygon.
    """
    inner = shapely.buffer(polys, -margin)
    thin = shapely.is_empty(inner)
    inner[thin] = shapely.buffer(polys[thin], -0.5)
    shapely.prepare(inner)
    bounds = shapely.bounds(inner)
    owner_out, x_out, y_out = [], [], []
    need = counts.astype(int).copy()
    taken: set[tuple[int, int, int]] = set()
    while need.sum() > 0:
        owner = np.repeat(np.arange(len(polys)), need * 4 + 4)
        x = np.round(rng.uniform(bounds[owner, 0], bounds[owner, 2]))
        y = np.round(rng.uniform(bounds[owner, 1], bounds[owner, 3]))
        ok = shapely.contains_xy(inner[owner], x, y)
        owner, x, y = owner[ok], x[ok].astype(int), y[ok].astype(int)
        for o, xi, yi in zip(owner, x, y, strict=True):  # few thousand points; keeps them distinct
            if need[o] > 0 and (o, xi, yi) not in taken:
                taken.add((o, xi, yi))
                owner_out.append(o)
                x_out.append(xi)
                y_out.append(yi)
                need[o] -= 1
    owner_arr = np.array(owner_out)
    order = np.argsort(owner_arr, kind="stable")
    return owner_arr[order], np.c_[np.array(x_out)[order], np.array(y_out)[order]]


def _build_postcodes(geo: _Geography, imd_rank: pd.Series, seed: int) -> pd.DataFrame:
    """An ONSPD-layout extract: 12-20 postcodes per OA, each at a point inside its OA.

    Postcode districts (DM1, DM2, ...) are contiguous clusters of OAs numbered outward
    from the town centre; sectors are clusters inside a district; unit letters use only
    the letters Royal Mail allows. pcd is the 7-character ONS format ("DM1 2AB",
    "DM102AB"), pcd2 the 8-character one, pcds the usual written form.
    """
    rng = _rng(seed, "postcodes")
    oa = geo.oa
    oa_xy = shapely.get_coordinates(shapely.point_on_surface(oa.geometry.to_numpy()))
    per_oa = rng.integers(12, 21, len(oa))
    owner, xy = _points_in_polygons(oa.geometry.to_numpy(), per_oa, rng)

    n_dist = max(4, round(len(oa) / 60))
    dist_lab = _kmeans(oa_xy, n_dist, rng)
    d_town = np.hypot(*(pd.DataFrame(oa_xy).groupby(dist_lab).mean().to_numpy() - geo.land.town).T)
    dist_num = np.empty(n_dist, dtype=int)
    dist_num[np.argsort(d_town, kind="stable")] = np.arange(1, n_dist + 1)

    pc_oa = owner
    pc_dist = dist_num[dist_lab[pc_oa]]
    sector = np.zeros(len(pc_oa), dtype=int)
    unit = np.empty(len(pc_oa), dtype=object)
    letters = np.array([a + b for a in POSTCODE_UNIT_LETTERS for b in POSTCODE_UNIT_LETTERS])
    for d in range(1, n_dist + 1):
        oas = np.flatnonzero(dist_num[dist_lab] == d)
        n_pc = int(per_oa[oas].sum())
        # At most 400 units (20 x 20 letters) fit in a sector: split until they do.
        for k in range(math.ceil(n_pc / 320), 11):
            sub = _kmeans(oa_xy[oas], k, rng)
            if np.bincount(sub, weights=per_oa[oas]).max() <= len(POSTCODE_UNIT_LETTERS) ** 2:
                break
        else:
            raise RuntimeError("postcode district too large for ten sectors")
        digits = rng.permutation(10)[: sub.max() + 1]
        oa_sector = np.full(len(oa), -1)
        oa_sector[oas] = digits[sub]
        for s in np.unique(digits[sub]):
            rows = np.flatnonzero((pc_dist == d) & (oa_sector[pc_oa] == s))
            # Units run roughly along the ground: order points north-west to south-east.
            rows = rows[np.lexsort((xy[rows, 0], -xy[rows, 1] // 150))]
            sector[rows] = s
            unit[rows] = letters[np.sort(rng.choice(len(letters), len(rows), replace=False))]
    outward = np.array([f"{POSTCODE_AREA}{d}" for d in pc_dist], dtype=object)
    inward = np.array([f"{s}{u}" for s, u in zip(sector, unit, strict=True)], dtype=object)
    to_wgs = Transformer.from_crs(BNG, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(xy[:, 0].astype(float), xy[:, 1].astype(float))
    oa_codes = oa["oa_code"].to_numpy()[pc_oa]
    lsoa_codes = oa["lsoa_code"].to_numpy()[pc_oa]
    intro = rng.choice(["198001", "198001", "198001", "199012", "200212", "201105",
                        "201608", "202102"], len(pc_oa))
    pcs = pd.DataFrame({
        "pcd": [f"{o:<4}{i}" for o, i in zip(outward, inward, strict=True)],
        "pcd2": [f"{o:<5}{i}" for o, i in zip(outward, inward, strict=True)],
        "pcds": [f"{o} {i}" for o, i in zip(outward, inward, strict=True)],
        "dointr": intro,
        "doterm": "",
        "usertype": "0",
        "oseast1m": xy[:, 0],
        "osnrth1m": xy[:, 1],
        "osgrdind": "1",
        "oa11": oa_codes,
        "cty": "E99999999",
        "ced": "E99999999",
        "laua": LAD_CODE,
        "ward": oa["ward_code"].to_numpy()[pc_oa],
        "ctry": COUNTRY_CODE,
        "rgn": REGION_CODE,
        "lsoa11": lsoa_codes,
        "msoa11": oa["msoa_code"].to_numpy()[pc_oa],
        "lat": np.round(lat, 6),
        "long": np.round(lon, 6),
        "imd": imd_rank.reindex(lsoa_codes).to_numpy(),
    })
    return pcs.sort_values("pcd", kind="stable").reset_index(drop=True)[POSTCODE_COLUMNS]


_ASSET_TEMPLATES = {
    "voluntary": ["{p} Community Trust", "Friends of {p} Park", "{p} Food Bank",
                  "{p} Good Neighbours", "{p} Credit Union", "{p} Carers' Network",
                  "{p} Citizens Advice Outreach", "{p} Refugee Welcome"],
    "faith": ["St {s}'s Church, {p}", "{p} Methodist Church", "{p} Jamia Mosque",
              "Gurdwara Sahib {p}", "{p} Baptist Church", "{p} Pentecostal Fellowship",
              "{p} Hindu Mandir", "{p} Quaker Meeting House"],
    "community": ["{p} Community Centre", "{p} Residents' Association", "{p} Village Hall",
                  "{p} Tenants and Residents Association", "{p} Community Garden",
                  "{p} Neighbourhood Forum"],
    "sport": ["{p} Cricket Club", "{p} Boxing Club", "{p} Youth FC", "{p} Running Club",
              "{p} Bowls Club", "{p} Netball Club", "{p} Swimming Club"],
    "youth": ["{p} Youth Club", "1st {p} Scouts", "{p} Brownies", "{p} Young Carers",
              "{p} Detached Youth Project"],
    "library": ["{p} Library"],
    "health": ["{p} Medical Centre", "{p} Dementia Cafe", "{p} Wellbeing Hub",
               "{p} Pharmacy", "{p} Walking for Health"],
    "other": ["{p} Allotment Society", "{p} Men's Shed", "{p} Repair Cafe",
              "{p} History Society", "{p} Choir"],
}
_ASSET_MIX = {"voluntary": 30, "faith": 24, "community": 26, "sport": 24, "youth": 16,
              "library": 8, "health": 12, "other": 10}
_SAINTS = ["Mary", "John", "Peter", "Michael", "Andrew", "Anne", "Luke", "Mark", "Paul",
           "James", "Margaret", "Chad", "Alban", "Matthew"]
#: Neighbourhood names smaller than wards, for groups named after their street or estate.
_LOCALITIES = ["Mill Lane", "Hilltop", "Fenwick", "Cross Keys", "Beacon", "Holly Farm", "Old Town",
               "Station Road", "Canal Side", "Meadowbank", "Pinfold", "Cherry Tree", "Kiln Lane",
               "Spring Hill", "The Leys", "Lime Walk", "Hawthorn", "Ferry Lane", "Chapel Row",
               "Heron Way", "Nightingale", "Marsh End", "Rookery", "Poplar Grove", "Cobden",
               "Tanners Yard", "Glebe", "Orchard Way", "Quarry Bank", "Sycamore"]


def _build_assets(geo: _Geography, pcs: pd.DataFrame, seed: int) -> pd.DataFrame:
    """~150 community assets with plausible names, mostly located by postcode.

    About a fifth carry grid references instead (as when a group is mapped from a
    site visit), so the ETL's two geocoding paths are both exercised.
    """
    rng = _rng(seed, "assets")
    ward_name = dict(zip(geo.wards["ward_code"], geo.wards["ward_name"], strict=True))
    pc_xy = pcs[["oseast1m", "osnrth1m"]].to_numpy(dtype=float)
    weight = 1 + 2 * geo.land.centrality(pc_xy)
    rows = []
    names: set[str] = set()
    for category, n in _ASSET_MIX.items():
        made = attempts = 0
        while made < n:
            attempts += 1
            if attempts > 100 * n:
                raise RuntimeError(f"cannot find {n} distinct {category} asset names")
            i = int(rng.choice(len(pcs), p=weight / weight.sum()))
            place = ward_name[pcs.at[i, "ward"]]
            if place == TOWN_CENTRE_WARD:
                place = LAD_NAME
            if rng.random() < 0.3:  # (also keeps names unique however few wards there are)
                place = _LOCALITIES[rng.integers(len(_LOCALITIES))]
            template = _ASSET_TEMPLATES[category][rng.integers(len(_ASSET_TEMPLATES[category]))]
            name = template.format(p=place, s=_SAINTS[rng.integers(len(_SAINTS))])
            if name in names:
                continue
            names.add(name)
            rows.append((name, category, i))
            made += 1
    order = rng.permutation(len(rows))
    out = []
    for k, j in enumerate(order, start=1):
        name, category, i = rows[j]
        if rng.random() < 0.2:
            out.append((f"AS{k:04d}", name, category, "", int(pcs.at[i, "oseast1m"]),
                        int(pcs.at[i, "osnrth1m"])))
        else:
            out.append((f"AS{k:04d}", name, category, pcs.at[i, "pcds"], None, None))
    df = pd.DataFrame(out, columns=ASSET_COLUMNS)
    df["easting"] = df["easting"].astype("Int64")
    df["northing"] = df["northing"].astype("Int64")
    return df


# --------------------------------------------------------------------------------------
# Engagement
# --------------------------------------------------------------------------------------

_KINDS = {  # kind: (share of activities, days open (lo, hi), response weight)
    "consultation": (0.24, (42, 84), 1.5),
    "survey": (0.24, (21, 56), 1.2),
    "quick_poll": (0.14, (7, 14), 1.4),
    "petition": (0.08, (28, 84), 0.8),
    "pb_vote": (0.06, (14, 28), 1.5),
    "ideas": (0.10, (28, 56), 0.5),
    "event": (0.14, (1, 1), 0.25),
}
_OWNERS = {
    "Planning": ["Local Plan preferred options", "Town centre masterplan",
                 "Conservation area appraisal", "Design code", "Neighbourhood plan"],
    "Housing": ["Housing allocations policy", "Tenant satisfaction", "Empty homes strategy",
                "Estate regeneration", "Homelessness strategy"],
    "Adult Social Care": ["Day opportunities review", "Carers' strategy",
                          "Home care charging policy", "Ageing well plan"],
    "Highways": ["20 mph limits", "School streets trial", "Cycle network plan",
                 "Parking permit changes", "Bus stop improvements"],
    "Leisure": ["Leisure centre refurbishment", "Parks and open spaces strategy",
                "Library opening hours", "Play area renewal"],
    "Children's Services": ["SEND local offer", "Youth services", "Early help strategy",
                            "Holiday activities programme"],
    "Communities": ["Community grants", "Community safety priorities",
                    "Budget 2026/27", "Cost of living support", "Equality objectives"],
}
_TITLE = {
    "consultation": "{t} consultation", "survey": "{t} survey", "quick_poll": "Quick poll: {t}",
    "petition": "Petition: {t}", "pb_vote": "Community fund vote: {t}",
    "ideas": "Ideas wanted: {t}", "event": "Drop-in event: {t}",
}
_CHANNELS = np.array(["online", "paper", "event", "email", "phone"], dtype=object)
_CHANNEL_P = np.array([0.72, 0.12, 0.07, 0.05, 0.04])

#: How residents actually type each answer (all spellings etl.mappings.map_answer knows),
#: with how often each spelling is used.
_SPELLINGS: dict[str, dict[str, list[tuple[str, float]]]] = {
    AGE: {
        "0-15": [("Under 16", 0.6), ("15 or under", 0.2), ("0-15", 0.2)],
        "16-24": [("16-24", 0.6), ("16 to 24", 0.25), ("18-24", 0.15)],
        "25-34": [("25-34", 0.8), ("25 to 34", 0.2)],
        "35-49": [("35-49", 0.8), ("35 to 49", 0.2)],
        "50-64": [("50-64", 0.8), ("50 to 64", 0.2)],
        "65+": [("65+", 0.5), ("65 and over", 0.2), ("65-74", 0.18), ("75+", 0.12)],
    },
    SEX: {
        "Female": [("Female", 0.85), ("Woman", 0.1), ("F", 0.05)],
        "Male": [("Male", 0.85), ("Man", 0.1), ("M", 0.05)],
    },
    ETHNICITY: {
        "White British": [("White British", 0.6), ("British", 0.15),
                          ("White: English, Welsh, Scottish, Northern Irish or British", 0.25)],
        "White Irish": [("Irish", 0.5), ("White Irish", 0.5)],
        "Other White": [("Other White", 0.5), ("White other", 0.4), ("Roma", 0.05),
                        ("Gypsy or Irish Traveller", 0.05)],
        "Mixed or multiple": [("Mixed", 0.6), ("Mixed or multiple ethnic groups", 0.4)],
        "Indian": [("Indian", 1.0)],
        "Pakistani": [("Pakistani", 1.0)],
        "Bangladeshi": [("Bangladeshi", 1.0)],
        "Chinese": [("Chinese", 1.0)],
        "Other Asian": [("Other Asian", 0.6), ("Asian other", 0.4)],
        "Black African": [("Black African", 0.8), ("African", 0.2)],
        "Black Caribbean": [("Black Caribbean", 0.8), ("Caribbean", 0.2)],
        "Other Black": [("Other Black", 0.6), ("Black other", 0.4)],
        "Arab": [("Arab", 1.0)],
        "Other ethnic group": [("Other", 0.6), ("Any other ethnic group", 0.4)],
    },
    DISABILITY: {
        "Disabled": [("Yes", 0.6), ("Yes, limited a lot", 0.2), ("Yes, limited a little", 0.2)],
        "Not disabled": [("No", 1.0)],
    },
}
_DIM_CATEGORIES = {AGE: AGE_BANDS, SEX: SEXES, ETHNICITY: ETHNIC_GROUPS,
                   DISABILITY: DISABILITY_GROUPS}
#: Borough-wide rates used when the population has no table for a dimension.
_DEFAULT_RATES = {SEX: {"Female": 0.51, "Male": 0.49},
                  DISABILITY: {"Disabled": 0.17, "Not disabled": 0.83}}
DECLINE_RATE = 0.07


def _cumulative(p: np.ndarray) -> np.ndarray:
    """Row-wise cumulative probabilities, safe for ``_sample_rows``."""
    p = np.asarray(p, dtype=float)
    p = p / p.sum(axis=1, keepdims=True)
    cum = np.minimum(np.cumsum(p, axis=1), 1.0)
    cum[:, -1] = 1.0
    return cum


def _sample_rows(cum: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draw one column per element, each from the distribution of its own row.

    Vectorised categorical sampling: offset each row's CDF by its row number, flatten,
    and binary-search ``row + u``. Zero-probability columns are never chosen.
    """
    k = cum.shape[1]
    flat = (np.arange(cum.shape[0])[:, None] + cum).ravel()
    u = np.minimum(u, 1 - 1e-12)
    idx = np.searchsorted(flat, rows + u, side="right") - rows * k
    return np.clip(idx, 0, k - 1)


def _codes(prefix: str, numbers: np.ndarray, width: int, base: int) -> np.ndarray:
    """Zero-padded codes such as "R0000001" or "P3F9A01C2", built without a Python loop."""
    numbers = np.asarray(numbers, dtype=np.int64)
    digits = (numbers[:, None] // base ** np.arange(width - 1, -1, -1)) % base
    chars = np.empty((len(numbers), width + len(prefix)), dtype="S1")
    chars[:, : len(prefix)] = np.array(list(prefix), dtype="S1")
    chars[:, len(prefix):] = np.frombuffer(b"0123456789ABCDEF", dtype="S1")[digits]
    return chars.view(f"S{width + len(prefix)}").ravel().astype(str).astype(object)


#: A plant must leave the group this many respondents in the ward, on average: twice the default disclosure
#: threshold, so its count is published (a hidden count can only be tested on bounds, and a shortfall no
#: published table shows is not one any analysis could find).
VISIBLE_PLANT = 20
#: Respondents per response, on average: a quarter of responses are anonymous (one person each); the rest come
#: from people answering 2.8 times on average (see write_engagement).
_PEOPLE_PER_RESPONSE = 0.25 + 0.75 / 2.8


def _default_planted(shares: dict[str, pd.DataFrame], rng: np.random.Generator,
                     people: pd.Series | None = None) -> list[dict]:
    """About six plants that a representation check should be able to detect.

    16-24s in up to 4 wards and Black African residents in up to 2 wards (topped up
    from other minority groups if too few wards qualify), only where the group is at
    least 8% of the ward's population, so the shortfall is statistically visible, and (given
    `people`, the expected respondents per ward) where the planted group keeps at least
    VISIBLE_PLANT respondents on average, so its count is shown rather than hidden.
    """
    planted: list[dict] = []

    def pick(dimension: str, categories: list[str], k: int) -> None:
        share = shares[dimension]
        factors = [(w, c, float(rng.choice([0.25, 0.3, 0.35, 0.4]))) for c in categories if c in share.columns
                   for w in share.index]
        pairs = [(w, c, f) for w, c, f in factors if share.at[w, c] >= 0.08
                 and (people is None or people[w] * share.at[w, c] * f >= VISIBLE_PLANT)
                 and not any(p["ward_code"] == w and p["dimension"] == dimension for p in planted)]
        if not pairs or k <= 0:
            return
        chosen = rng.choice(len(pairs), size=min(k, len(pairs)), replace=False)
        for i in sorted(chosen):
            w, c, f = pairs[i]
            planted.append({"ward_code": str(w), "dimension": dimension, "category": c, "factor": f})

    pick(AGE, ["16-24"], 4)
    pick(ETHNICITY, ["Black African"], 2)
    found = sum(p["category"] == "Black African" for p in planted)
    if found < 2:
        others = [c for c in ETHNIC_GROUPS if c not in ("White British", "Black African")]
        pick(ETHNICITY, others, 2 - found)
    return planted


def _write_csv(df: pd.DataFrame, path: Path, lineterminator: str = LINE, **kwargs: object) -> None:
    df.to_csv(path, index=False, lineterminator=lineterminator, **kwargs)


def _make_activities(wards: list[str], start: date, days: int,
                     rng: np.random.Generator) -> pd.DataFrame:
    """~60 activities spread over the period, owned by council services."""
    end = start + timedelta(days=days - 1)
    n = int(rng.integers(56, 65))
    kinds = list(_KINDS)
    kind_p = np.array([v[0] for v in _KINDS.values()])
    owners = list(_OWNERS)
    rows = []
    for _ in range(n):
        kind = kinds[rng.choice(len(kinds), p=kind_p / kind_p.sum())]
        owner = owners[rng.integers(len(owners))]
        topic = _OWNERS[owner][rng.integers(len(_OWNERS[owner]))]
        lo, hi = _KINDS[kind][1]
        length = min(int(rng.integers(lo, hi + 1)), days)
        opened = start + timedelta(days=int(rng.integers(0, days - length + 1)))
        closed = opened + timedelta(days=length - 1)
        outcome = ""
        room = (end - closed).days
        if rng.random() >= 0.4 and room >= 14:
            outcome = (closed + timedelta(days=int(rng.integers(14, min(112, room) + 1)))).isoformat()
        scope = "borough" if rng.random() < 0.7 or not wards else str(wards[rng.integers(len(wards))])
        rows.append((opened, closed, _TITLE[kind].format(t=topic), kind, owner, outcome, scope))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    titles = []
    for r in rows:  # a repeated title becomes "... (phase 2)", in date order
        title, phase = r[2], 2
        while title in titles:
            title, phase = f"{r[2]} (phase {phase})", phase + 1
        titles.append(title)
    return pd.DataFrame({
        "activity_id": [f"A{i:03d}" for i in range(1, len(rows) + 1)],
        "title": titles,
        "kind": [r[3] for r in rows],
        "opened": [r[0].isoformat() for r in rows],
        "closed": [r[1].isoformat() for r in rows],
        "owner": [r[4] for r in rows],
        "outcome_published_on": [r[5] for r in rows],
        "scope": [r[6] for r in rows],
    })


def write_engagement(out_dir: Path, postcodes: pd.DataFrame, population: pd.DataFrame, seed: int,
                     n_responses: int, start: date = date(2025, 10, 1), days: int = 365,
                     planted: list[dict] | None = None) -> dict:
    """Write activities.csv and responses.csv for residents living at the given postcodes.

    postcodes: columns postcode, ward_code (one row per postcode in the borough); an
    optional ``weight`` column (e.g. residents per postcode) makes some postcodes more
    likely, otherwise postcodes in a ward are equally likely.
    population: columns ward_code, dimension, category, persons (dimensions 'age',
    'ethnicity', optionally 'sex', 'disability'; categories are etl.mappings labels).
    planted: list of {"ward_code", "dimension", "category", "factor"}: that group
    responds at ``factor`` times the normal rate in that ward. When None, about six
    detectable plants are chosen deterministically from the seed.

    Why it is built this way: each ward's responses are proportional to its population
    times a random "reach" factor (0.6-1.4; some wards simply engage more, which is not a
    demographic bias), and each respondent's groups are drawn from their ward's census
    composition times the planted factors. Those factors are the *only* demographic
    bias, so any group not planted is represented in proportion, and the analytics can
    be scored against the returned ground truth (also written to out_dir/truth.json).
    Identified respondents answer several activities with the same postcode and
    demographics; ~25% of responses are anonymous (blank respondent_id).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if n_responses < 0 or days < 1:
        raise ValueError("n_responses must be >= 0 and days >= 1")
    pop = population.copy()
    pop["ward_code"] = pop["ward_code"].astype(str)
    pcs = postcodes.copy()
    pcs["ward_code"] = pcs["ward_code"].astype(str)
    wards = sorted(set(pop["ward_code"]) & set(pcs["ward_code"]))
    if not wards:
        raise ValueError("population and postcodes share no ward codes")
    ward_index = {w: i for i, w in enumerate(wards)}
    n_w = len(wards)

    # Ward composition per dimension (rows: wards, columns: etl.mappings labels).
    comps: dict[str, pd.DataFrame] = {}
    for dim, cats in _DIM_CATEGORIES.items():
        sub = pop[(pop["dimension"] == dim) & pop["ward_code"].isin(wards)]
        if sub.empty:
            if dim not in _DEFAULT_RATES:
                raise ValueError(f"population needs a '{dim}' dimension")
            rates = _DEFAULT_RATES[dim]
            comps[dim] = pd.DataFrame([[rates[c] for c in cats]] * n_w, index=wards, columns=cats)
            continue
        unknown = set(sub["category"]) - set(cats)
        if unknown:
            raise ValueError(f"unknown {dim} categories: {sorted(unknown)}")
        table = sub.pivot_table(index="ward_code", columns="category", values="persons",
                                aggfunc="sum").reindex(index=wards, columns=cats).fillna(0.0)
        comps[dim] = table.astype(float)
    ward_pop = comps[AGE].sum(axis=1).to_numpy()
    shares = {d: c.div(c.sum(axis=1).replace(0, 1), axis=0) for d, c in comps.items()}

    if planted is None:
        expected = pd.Series(ward_pop / max(ward_pop.sum(), 1.0) * n_responses * _PEOPLE_PER_RESPONSE, index=wards)
        planted = _default_planted(shares, _rng(seed, "planted"), expected)
    planted = [{"ward_code": str(p["ward_code"]), "dimension": str(p["dimension"]),
                "category": str(p["category"]), "factor": float(p["factor"])} for p in planted]
    factors = {d: np.ones(c.shape) for d, c in comps.items()}
    for p in planted:
        if p["ward_code"] not in ward_index or p["dimension"] not in comps \
                or p["category"] not in comps[p["dimension"]].columns or p["factor"] < 0:
            raise ValueError(f"cannot plant {p}")
        j = list(comps[p["dimension"]].columns).index(p["category"])
        factors[p["dimension"]][ward_index[p["ward_code"]], j] *= p["factor"]

    rng = _rng(seed, "engagement")
    activities = _make_activities(wards, start, days, _rng(seed, "activities"))
    reach = rng.uniform(0.6, 1.4, n_w)

    # --- who responds: identified respondents answer several times, anonymous once ---
    n = int(n_responses)
    anonymous = rng.random(n) < 0.25
    n_ident = int((~anonymous).sum())
    n_resp = max(1, round(n_ident / 2.8)) if n_ident else 0
    extra = n_ident - n_resp
    propensity = rng.lognormal(0, 0.8, n_resp)
    ident_person = np.concatenate([
        np.arange(n_resp),
        rng.choice(n_resp, size=extra, p=propensity / propensity.sum()) if extra > 0 else [],
    ]).astype(np.int64)
    ident_person = rng.permutation(ident_person)
    person = np.empty(n, dtype=np.int64)
    person[~anonymous] = ident_person
    person[anonymous] = n_resp + np.arange(n - n_ident)
    n_people = n_resp + (n - n_ident)

    # Each person: ward (population x reach), postcode, demographics, channel habit.
    ward_p = ward_pop * reach
    person_ward = rng.choice(n_w, size=n_people, p=ward_p / ward_p.sum())
    pc_w = pcs["ward_code"].map(ward_index)
    pcs = pcs[pc_w.notna()].assign(_w=pc_w[pc_w.notna()].astype(int))
    pcs = pcs.sort_values(["_w"], kind="stable")
    weight = (pcs["weight"].to_numpy(float) if "weight" in pcs else np.ones(len(pcs)))
    cumw = np.cumsum(weight)
    ward_end = pd.Series(cumw).groupby(pcs["_w"].to_numpy()).max().reindex(range(n_w)).to_numpy()
    ward_start = np.r_[0.0, ward_end[:-1]]
    first = np.searchsorted(pcs["_w"].to_numpy(), np.arange(n_w), side="left")
    last = np.searchsorted(pcs["_w"].to_numpy(), np.arange(n_w), side="right") - 1
    target = ward_start[person_ward] + rng.random(n_people) * (ward_end - ward_start)[person_ward]
    pc_idx = np.clip(np.searchsorted(cumw, target, side="right"),
                     first[person_ward], last[person_ward])
    # Written as residents write them: "RM17 5TT", even if the directory gave "RM175TT".
    written = pcs["postcode"].astype(str).str.strip().str.upper()
    bare = ~written.str.contains(" ", regex=False) & (written.str.len() >= 5)
    written = written.where(~bare, written.str[:-3] + " " + written.str[-3:])
    person_postcode = written.to_numpy(dtype=object)[pc_idx]

    person_cat: dict[str, np.ndarray] = {}
    for dim in _DIM_CATEGORIES:
        cum = _cumulative(comps[dim].to_numpy() * factors[dim] + 1e-300)
        person_cat[dim] = _sample_rows(cum, person_ward, rng.random(n_people))
    habit = rng.choice(len(_CHANNELS), size=n_people, p=_CHANNEL_P)

    # --- which activity: borough-wide ones, or ones scoped to the person's ward ---
    kinds = activities["kind"].to_numpy()
    base = np.array([_KINDS[k][2] for k in kinds]) * rng.lognormal(0, 0.7, len(activities))
    scope = activities["scope"].to_numpy()
    allowed = np.array([[s == "borough" or s == w for s in scope] for w in wards])
    allowed[~allowed.any(axis=1)] = True  # (only if every activity were ward-scoped)
    act_cum = _cumulative(allowed * np.where(scope == "borough", 1.0, 0.6) * base + 1e-300 * allowed)
    resp_ward = person_ward[person]
    activity = _sample_rows(act_cum, resp_ward, rng.random(n))
    # Re-draw most repeat answers by one person to the same activity; a few remain, as
    # real portals do see duplicate submissions.
    for _ in range(8):
        key = pd.Series(np.where(anonymous, -1 - np.arange(n), person * len(activities) + activity))
        dup = key.duplicated().to_numpy()
        if not dup.any():
            break
        activity[dup] = _sample_rows(act_cum, resp_ward[dup], rng.random(int(dup.sum())))

    # --- when: inside the activity's window; surges at launch and just before close ---
    opened = activities["opened"].to_numpy().astype("datetime64[D]")
    closed = activities["closed"].to_numpy().astype("datetime64[D]")
    n_days = (closed - opened).astype(int) + 1
    day = np.minimum((rng.beta(0.8, 0.8, n) * n_days[activity]).astype(int), n_days[activity] - 1)
    hours = np.where(rng.random(n) < 0.55, rng.normal(13.0, 3.0, n), rng.normal(20.0, 1.6, n))
    is_event = kinds[activity] == "event"
    hours = np.where(is_event, rng.uniform(10, 21, n), hours % 24)
    seconds = np.clip((hours * 3600).astype(np.int64), 0, 86399)
    submitted = (opened[activity] + day).astype("datetime64[s]") + seconds

    # --- how: mostly a person's usual channel; events are answered at the event ---
    fresh = rng.choice(len(_CHANNELS), size=n, p=_CHANNEL_P)
    channel = np.where(rng.random(n) < 0.75, habit[person], fresh)
    channel = np.where(is_event & (rng.random(n) < 0.85), 2, channel)

    # --- answers, as typed; each question skipped or declined ~7% of the time ---
    answers: dict[str, np.ndarray] = {}
    for dim, cats in _DIM_CATEGORIES.items():
        spell = _SPELLINGS[dim]
        width = max(len(spell[c]) for c in cats)
        words = np.full((len(cats), width), "", dtype=object)
        probs = np.zeros((len(cats), width))
        for i, c in enumerate(cats):
            for j, (word, pr) in enumerate(spell[c]):
                words[i, j], probs[i, j] = word, pr
        cat = person_cat[dim][person]
        which = _sample_rows(_cumulative(probs), cat, rng.random(n))
        ans = words[cat, which]
        declined = rng.random(n) < DECLINE_RATE
        ans[declined] = np.where(rng.random(int(declined.sum())) < 0.5, "", "Prefer not to say")
        answers[dim] = ans

    order = np.lexsort((np.arange(n), submitted))
    # Pseudonymous ids: random 8-hex-digit numbers, so ids reveal nothing about order.
    resp_codes = rng.choice(16**8, size=n_resp, replace=False) if n_resp else np.zeros(0, int)
    resp_ids = np.append(_codes("P", resp_codes, 8, 16), "")
    rid = np.where(anonymous, n_resp, person)  # index n_resp is the blank id
    responses = pd.DataFrame({
        "response_id": _codes("R", np.arange(1, n + 1), max(7, len(str(n))), 10),
        "respondent_id": resp_ids[rid[order]],
        "activity_id": activities["activity_id"].to_numpy()[activity[order]],
        "submitted_at": np.datetime_as_string(submitted[order], unit="s"),
        "postcode": person_postcode[person[order]],
        "age_band": answers[AGE][order],
        "sex": answers[SEX][order],
        "ethnicity": answers[ETHNICITY][order],
        "disability": answers[DISABILITY][order],
        "channel": _CHANNELS[channel[order]],
    })
    _write_csv(activities, out_dir / "activities.csv")
    _write_csv(responses, out_dir / "responses.csv")

    truth = {
        "planted": planted,
        "seed": int(seed),
        "n_responses": n,
        "n_respondents": int(n_resp),
        "n_anonymous_responses": int(n - n_ident),
        "n_activities": len(activities),
        "start": start.isoformat(),
        "days": int(days),
        "ward_reach": {w: round(float(r), 4) for w, r in zip(wards, reach, strict=True)},
    }
    (out_dir / "truth.json").write_text(json.dumps(truth, indent=2) + LINE, encoding="utf-8")
    return truth


# --------------------------------------------------------------------------------------
# The whole borough
# --------------------------------------------------------------------------------------

_DEMO_TOML = """\
# Synthetic demonstration borough written by etl/synth.py (seed {seed}).
# Every file is fictional but in the layout of the real ONS / MHCLG publication.
[council]
name = "{council}"
lad_code = "{lad}"
synthetic = true

[wards]
file = "wards.geojson"
source = "Synthetic boundaries generated by Wardscope (etl/synth.py)"
date = "2024-05-02"

[small_areas.oa]
file = "oa.geojson"

[small_areas.lsoa]
file = "lsoa.geojson"

[[statistics]]
dimension = "ethnicity"
file = "ethnicity_oa.csv"
level = "oa"
layout = "wide"
code_column = "OA"
categories = "census2011_ethnicity"
total_column = "Persons"
source = "Synthetic, in the layout of ONS Census 2011 ethnic group by output area"
date = "2011-03-27"
{census2021}
[deprivation]
imd = "imd_file1.csv"
domains = "imd_file2.csv"
denominators = "imd_file6.csv"
source = "Synthetic, in the layout of MHCLG English Indices of Deprivation 2019"
date = "2019-09-26"

[postcodes]
file = "postcodes.csv"

[assets]
file = "assets.csv"
source = "Synthetic community asset map"
date = "2026-10-01"

[engagement]
activities = "activities.csv"
responses = "responses.csv"
source = "Synthetic engagement portal export"
"""

_CENSUS2021_BLOCK = """
[[statistics]]
dimension = "{dimension}"
file = "{file}"
level = "lsoa"
layout = "long"
code_column = "Lower layer Super Output Areas Code"
name_column = "Lower layer Super Output Areas"
category_column = "{column}"
value_column = "Observation"
categories = "{categories}"
source = "Synthetic, in the layout of ONS Census 2021 {table} by LSOA"
date = "2021-03-21"
"""


def _write_geojson(gdf: gpd.GeoDataFrame, path: Path) -> None:
    """WGS84 GeoJSON as ONS publishes boundaries (CRS84, ~1 cm coordinate precision)."""
    if path.exists():
        path.unlink()
    gdf.to_crs("EPSG:4326").to_file(path, driver="GeoJSON", COORDINATE_PRECISION=7)


def write_demo_borough(out_dir: Path, seed: int = 20261123, n_wards: int = 20,
                       n_responses: int = 24_000) -> Path:
    """Write every input file of the synthetic borough plus `demo.toml` into out_dir; return the config path.

    The borough (~600 OAs, ~120 LSOAs, ``n_wards`` wards, ~190,000 residents) lives on
    the British National Grid around (452000, 288000) with fictional codes (LAD
    E06999999, OAs E009..., LSOAs E019..., wards E059...) and the fictional postcode area
    "DM", so nothing can be confused with a real place. All files are in published
    ONS/MHCLG layouts and ``demo.toml`` wires them into the normal ETL, so the demo
    exercises exactly the code path a real council's files take.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    geo = _build_geography(seed, n_wards)
    tables = _build_statistics(geo, seed)

    wards = geo.wards.rename(columns={"ward_code": "WD24CD", "ward_name": "WD24NM"})
    wards["LAD24CD"] = LAD_CODE
    _write_geojson(wards[["WD24CD", "WD24NM", "LAD24CD", "geometry"]], out_dir / "wards.geojson")
    oa = geo.oa.rename(columns={"oa_code": "OA11CD"}).assign(LAD11CD=LAD_CODE)
    _write_geojson(oa[["OA11CD", "LAD11CD", "geometry"]], out_dir / "oa.geojson")
    lsoa = geo.lsoa.rename(columns={"lsoa_code": "LSOA11CD", "lsoa_name": "LSOA11NM"})
    _write_geojson(lsoa[["LSOA11CD", "LSOA11NM", "geometry"]], out_dir / "lsoa.geojson")

    _write_csv(tables["ethnicity"], out_dir / "ethnicity_oa.csv")
    _write_csv(tables["age"], out_dir / "age_lsoa.csv")
    _write_csv(tables["sex"], out_dir / "sex_lsoa.csv")
    _write_csv(tables["disability"], out_dir / "disability_lsoa.csv")
    # MHCLG's CSVs come from Excel: UTF-8 with a BOM and CRLF line ends.
    _write_csv(tables["imd1"], out_dir / "imd_file1.csv", encoding="utf-8-sig", lineterminator="\r\n")
    _write_csv(tables["imd2"], out_dir / "imd_file2.csv", encoding="utf-8-sig", lineterminator="\r\n")
    _write_csv(tables["imd6"], out_dir / "imd_file6.csv", encoding="utf-8-sig", lineterminator="\r\n")

    imd_rank = tables["imd2"].set_index(IMD_FILE2_COLUMNS[0])[IMD_FILE2_COLUMNS[4]]
    pcs = _build_postcodes(geo, imd_rank, seed)
    # ONSPD quotes text fields and leaves numbers bare.
    _write_csv(pcs, out_dir / "postcodes.csv", quoting=csv.QUOTE_NONNUMERIC)
    _write_csv(_build_assets(geo, pcs, seed), out_dir / "assets.csv")

    # Ward populations from the same tables the ETL will load (LSOAs and OAs nest in
    # wards), and residents per postcode so responses follow where people live.
    lsoa_ward = geo.lsoa.set_index("lsoa_code")["ward_code"]
    parts = []
    for dim, column, mapping in [(AGE, "Age (6 categories)", CENSUS_AGE6),
                                 (SEX, "Sex (2 categories)", CENSUS_SEX),
                                 (DISABILITY, "Disability (2 categories)", CENSUS_DISABILITY)]:
        t = tables[dim]
        parts.append(pd.DataFrame({
            "ward_code": lsoa_ward.reindex(t["Lower layer Super Output Areas Code"]).to_numpy(),
            "dimension": dim,
            "category": t[column].map(mapping).to_numpy(),
            "persons": t["Observation"].to_numpy(),
        }))
    eth = tables["ethnicity"]
    eth_long = eth.assign(ward_code=geo.oa["ward_code"].to_numpy()).melt(
        id_vars="ward_code", value_vars=ETHNICITY_COLUMNS, var_name="column", value_name="persons")
    parts.append(pd.DataFrame({"ward_code": eth_long["ward_code"], "dimension": ETHNICITY,
                               "category": eth_long["column"].map(CENSUS_ETHNICITY_2011),
                               "persons": eth_long["persons"]}))
    population = (pd.concat(parts).groupby(["ward_code", "dimension", "category"], sort=True)
                  ["persons"].sum().astype(int).reset_index())
    oa_persons = eth.set_index("OA")["Persons"]
    per_oa = pcs.groupby("oa11")["pcds"].transform("size")
    engagement_pcs = pd.DataFrame({
        "postcode": pcs["pcds"], "ward_code": pcs["ward"],
        "weight": oa_persons.reindex(pcs["oa11"]).to_numpy() / per_oa.to_numpy(),
    })
    write_engagement(out_dir, engagement_pcs, population, seed, n_responses)

    census2021 = "".join(_CENSUS2021_BLOCK.format(dimension=d, file=f, column=c, categories=k, table=t)
                         for d, f, c, k, t in [
                             ("age", "age_lsoa.csv", "Age (6 categories)", "census2021_age6", "age"),
                             ("sex", "sex_lsoa.csv", "Sex (2 categories)", "census2021_sex", "sex"),
                             ("disability", "disability_lsoa.csv", "Disability (2 categories)",
                              "census2021_disability", "disability"),
                         ])
    config = out_dir / "demo.toml"
    config.write_text(_DEMO_TOML.format(seed=seed, council=COUNCIL_NAME, lad=LAD_CODE,
                                        census2021=census2021), encoding="utf-8")
    return config
