"""Reference tables: the council, its wards, residents, deprivation, assets, activities and provenance.

Each function is one parameterised query on the published database, cached per database version.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

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
    """Community assets (organisations and places, not people) with their ward."""
    return query("SELECT asset_id, name, category, easting, northing, ward_code FROM assets ORDER BY name")


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
