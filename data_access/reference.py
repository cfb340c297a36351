"""Reference tables: the council, its wards, residents, deprivation, assets, activities and provenance.

Each function is one parameterised query on the published database, cached per database version.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

from data_access import roles
from data_access.connection import cached, query

#: Display geometry is rounded to this grid (degrees; about 1 m, well inside the ETL's 20 m simplification):
#: half the text a map sends to the browser and a third less time serialising it on every run. Point by
#: point: the topology-preserving mode fails on some real England boundaries (GEOS TopologyException on a
#: 2013 Somerset ward), and the geometry is for display only.
DISPLAY_GRID_DEGREES = 1e-5


def display_precision(geometry):
    """WGS84 display geometry rounded to DISPLAY_GRID_DEGREES, point by point."""
    return shapely.set_precision(geometry, DISPLAY_GRID_DEGREES, mode="pointwise")


@cached
def _meta_rows() -> dict[str, str]:
    frame = query("SELECT key, value FROM meta")
    return dict(zip(frame["key"], frame["value"], strict=False))


def meta() -> dict:
    """Council name, LAD code, synthetic flag (bool), built_at, postcode source, …"""
    m = dict(_meta_rows())
    m["synthetic"] = json.loads(m.get("synthetic", "false"))
    return m


@cached
def wards() -> gpd.GeoDataFrame:
    """Wards with their map geometry (simplified in the ETL, WGS84, display only), in name order."""
    frame = query("SELECT ward_code, ward_name, lad_code, area_km2, display_wkb FROM wards ORDER BY ward_name")
    geoms = display_precision(shapely.from_wkb(frame.pop("display_wkb").map(bytes).values))
    return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")


@cached
def ward_names() -> pd.DataFrame:
    """ward_code, ward_name, lad_code in name order, without geometry (cheap for labels)."""
    return query("SELECT ward_code, ward_name, lad_code FROM wards ORDER BY ward_name, ward_code")


@cached(max_entries=4)
def small_area_shapes(level: str) -> gpd.GeoDataFrame:
    """Small areas' outlines at `level` ('oa' or 'lsoa'), EPSG:27700, simplified to 5 m for drawing (a map of
    areas, e.g. the asset deserts, not for measuring): area_code, geometry."""
    frame = query("""SELECT area_code, ST_AsWKB(ST_SimplifyPreserveTopology(geom, 5)) AS wkb FROM small_areas
                     WHERE level = ? ORDER BY area_code""", [level])
    return gpd.GeoDataFrame(frame[["area_code"]], geometry=shapely.from_wkb(frame["wkb"].map(bytes).values),
                            crs="EPSG:27700")


@cached
def ward_geometry_bng() -> gpd.GeoDataFrame:
    """Full-resolution ward boundaries in EPSG:27700, for measuring (adjacency, dissolves)."""
    frame = query("SELECT ward_code, ST_AsWKB(geom) AS wkb FROM wards")
    return gpd.GeoDataFrame(frame[["ward_code"]], geometry=shapely.from_wkb(frame["wkb"].map(bytes).values),
                            crs="EPSG:27700")


@cached
def population() -> pd.DataFrame:
    """Residents per ward, dimension and category (long)."""
    return query("SELECT ward_code, dimension, category, persons FROM ward_population")


@cached
def datasets() -> pd.DataFrame:
    """Statistical datasets loaded, with source, date and method notes."""
    return query("SELECT * FROM datasets ORDER BY dimension")


@cached
def ward_deprivation() -> pd.DataFrame:
    """Deprivation per ward and domain (IoD2019)."""
    return query("SELECT * FROM ward_deprivation")


@cached
def lsoa_deprivation() -> pd.DataFrame:
    """Deprivation per LSOA and domain with the LSOA's best-fit ward."""
    return query("""SELECT d.*, s.ward_code, s.area_name AS lsoa_name FROM lsoa_deprivation d
                    JOIN small_areas s ON s.level = 'lsoa' AND s.area_code = d.lsoa_code""")


@cached
def assets() -> pd.DataFrame:
    """The community asset register (organisations and places, not people) with each asset's ward.

    asset_id, name, category (standard), category_given, address, postcode, easting, northing (EPSG:27700),
    ward_code, hours, contact, last_verified, source. `contact` is NULL for the public role: only councillors
    and officers see how to reach a group.
    """
    return query("""SELECT asset_id, name, category, category_given, address, postcode, easting, northing, ward_code,
                           hours, CASE WHEN ? THEN contact END AS contact, last_verified, source
                    FROM assets ORDER BY name, asset_id""", [roles.allows(roles.COUNCILLOR)])


@cached
def assets_loaded() -> bool:
    """True when a register with at least one asset is loaded (else views say no register is loaded, not 0)."""
    return bool(query("SELECT count(*) AS n FROM assets")["n"].iloc[0] > 0)


@cached
def asset_changes() -> pd.DataFrame:
    """The register's history: per load (newest first) the assets added, changed (with the columns that changed)
    and removed against the register published before it. run_id, loaded_at, asset_id, name, change, fields."""
    return query("""SELECT c.run_id, r.started_at AS loaded_at, c.asset_id, c.name, c.change, c.fields
                    FROM asset_changes c LEFT JOIN load_runs r USING (run_id)
                    ORDER BY r.started_at DESC NULLS LAST, c.run_id,
                             CASE c.change WHEN 'added' THEN 0 WHEN 'changed' THEN 1 ELSE 2 END, c.asset_id""")


@cached
def small_area_population() -> pd.DataFrame:
    """Usual residents of each OA and LSOA with statistics loaded at that level: level, area_code, persons."""
    return query("SELECT level, area_code, persons FROM small_area_population ORDER BY level, area_code")


@cached
def small_area_points(level: str | None = None) -> pd.DataFrame:
    """One point per small area (of `level`, 'oa' or 'lsoa'; every level when None) where its residents are
    counted: a point inside the area (ST_PointOnSurface; no finer population is loaded to weight it by), in
    EPSG:27700. level, area_code, ward_code (best fit), easting, northing, persons (NULL when no statistics
    were loaded at that level)."""
    return query("""SELECT s.level, s.area_code, s.ward_code, ST_X(s.point) AS easting, ST_Y(s.point) AS northing,
                           p.persons
                    FROM (SELECT level, area_code, ward_code, ST_PointOnSurface(geom) AS point FROM small_areas
                          WHERE ? IS NULL OR level = ?) s
                    LEFT JOIN small_area_population p USING (level, area_code)
                    ORDER BY s.level, s.area_code""", [level, level])


@cached
def activities() -> pd.DataFrame:
    """Engagement activities."""
    return query("SELECT * FROM activities ORDER BY opened")


@cached
def load_history() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load runs (newest first) and the source files of each."""
    return (query("SELECT * FROM load_runs ORDER BY started_at DESC"),
            query("SELECT * FROM load_sources ORDER BY run_id, dataset"))


@cached
def england() -> tuple[pd.DataFrame, pd.DataFrame]:
    """England's residents by dimension/category and England's deprivation reference (empty if not loaded)."""
    return (query("SELECT dimension, category, persons FROM england_population"),
            query("SELECT domain, mean_rank, most_deprived_20_share FROM england_deprivation"))


@cached
def provenance() -> pd.DataFrame:
    """Source and reference date of every dataset of the latest load (dataset, source, data_date, file)."""
    return query("""
        SELECT s.dataset, s.source, s.data_date, s.file FROM load_sources s
        WHERE s.run_id = (SELECT run_id FROM load_runs ORDER BY started_at DESC LIMIT 1)
        UNION ALL
        SELECT dimension, source, data_date, file FROM datasets""")


@cached
def sources_by_dataset() -> dict[str, tuple[str, str]]:
    """dataset → (source, reference date) of the latest load, as a small cached dict for captions."""
    return {row.dataset: (str(row.source or ""), str(row.data_date or "")) for row in provenance().itertuples()}
