"""The demo borough's postcodes, as an extract in the ONS Postcode Directory (ONSPD) layout.

Why: the ETL geocodes responses and assets through the ONSPD columns (pcd, pcds, oseast1m,
osnrth1m, oa11, lsoa11, ...), so the demo writes the same columns, with every postcode at a
point strictly inside its output area, so that it geocodes back into its own OA and ward.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from demo.clustering import kmeans
from demo.facts import BNG, COUNTRY_CODE, LAD_CODE, REGION_CODE, rng_for
from demo.geography import Geography

POSTCODE_AREA = "DM"  # not a real postcode area, so nothing can be mistaken for real
POSTCODE_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters Royal Mail uses in the inward unit
POSTCODE_COLUMNS = [  # a subset of the ONSPD/NSPL columns, in their order
    "pcd", "pcd2", "pcds", "dointr", "doterm", "usertype", "oseast1m", "osnrth1m",
    "osgrdind", "oa11", "cty", "ced", "laua", "ward", "ctry", "rgn", "lsoa11", "msoa11",
    "lat", "long", "imd",
]


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



def build_postcodes(geo: Geography, imd_rank: pd.Series, seed: int) -> pd.DataFrame:
    """An ONSPD-layout extract: 12-20 postcodes per OA, each at a point inside its OA.

    Postcode districts (DM1, DM2, ...) are contiguous clusters of OAs numbered outward
    from the town centre; sectors are clusters inside a district; unit letters use only
    the letters Royal Mail allows. pcd is the 7-character ONS format ("DM1 2AB",
    "DM102AB"), pcd2 the 8-character one, pcds the usual written form.
    """
    rng = rng_for(seed, "postcodes")
    oa = geo.oa
    oa_xy = shapely.get_coordinates(shapely.point_on_surface(oa.geometry.to_numpy()))
    per_oa = rng.integers(12, 21, len(oa))
    owner, xy = _points_in_polygons(oa.geometry.to_numpy(), per_oa, rng)
    oa_district = _districts(oa_xy, geo.land.town, rng)
    pc_oa = owner
    pc_dist = oa_district[pc_oa]
    sector, unit = _sectors_and_units(oa_xy, oa_district, per_oa, pc_oa, xy, rng)
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


def _districts(oa_xy: np.ndarray, town: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each OA's postcode district number: clusters of ~60 OAs, numbered outward from the town centre."""
    n_dist = max(4, round(len(oa_xy) / 60))
    dist_lab = kmeans(oa_xy, n_dist, rng)
    d_town = np.hypot(*(pd.DataFrame(oa_xy).groupby(dist_lab).mean().to_numpy() - town).T)
    dist_num = np.empty(n_dist, dtype=int)
    dist_num[np.argsort(d_town, kind="stable")] = np.arange(1, n_dist + 1)
    return dist_num[dist_lab]


def _sectors_and_units(oa_xy: np.ndarray, oa_district: np.ndarray, per_oa: np.ndarray, pc_oa: np.ndarray,
                       xy: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Each postcode's sector digit and two unit letters: sectors cluster OAs inside a district."""
    pc_dist = oa_district[pc_oa]
    sector = np.zeros(len(pc_oa), dtype=int)
    unit = np.empty(len(pc_oa), dtype=object)
    letters = np.array([a + b for a in POSTCODE_UNIT_LETTERS for b in POSTCODE_UNIT_LETTERS])
    for d in range(1, oa_district.max() + 1):
        oas = np.flatnonzero(oa_district == d)
        n_pc = int(per_oa[oas].sum())
        # At most 400 units (20 x 20 letters) fit in a sector: split until they do.
        for k in range(math.ceil(n_pc / 320), 11):
            sub = kmeans(oa_xy[oas], k, rng)
            if np.bincount(sub, weights=per_oa[oas]).max() <= len(POSTCODE_UNIT_LETTERS) ** 2:
                break
        else:
            raise RuntimeError("postcode district too large for ten sectors")
        digits = rng.permutation(10)[: sub.max() + 1]
        oa_sector = np.full(len(oa_xy), -1)
        oa_sector[oas] = digits[sub]
        for s in np.unique(digits[sub]):
            rows = np.flatnonzero((pc_dist == d) & (oa_sector[pc_oa] == s))
            # Units run roughly along the ground: order points north-west to south-east.
            rows = rows[np.lexsort((xy[rows, 0], -xy[rows, 1] // 150))]
            sector[rows] = s
            unit[rows] = letters[np.sort(rng.choice(len(letters), len(rows), replace=False))]
    return sector, unit
