"""The app's only door to the database: read-only, cached, parameterised SQL.

Every query the pages need lives here, and so does every `st.cache_*`. The connection
is opened read-only once per database file (`st.cache_resource`); results are cached as
data (`st.cache_data`) keyed on the file's path and modification time, so a newly
published load is picked up without restarting the app. Responses are only ever
returned aggregated (counts per ward and group), never row by row.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from vocabulary import duck

ROOT = Path(__file__).resolve().parent
DEFAULT_DB = ROOT / "data" / "wardscope.duckdb"


def db_path() -> Path:
    """Database the app serves: $WARDSCOPE_DB, else data/wardscope.duckdb."""
    return Path(os.environ.get("WARDSCOPE_DB", DEFAULT_DB)).resolve()


def ensure_database() -> Path:
    """Build the synthetic demo on first start when the default database is absent."""
    path = db_path()
    if not path.exists():
        from etl.build import build
        from etl.config import load_config
        from etl.synth import write_demo_borough

        config = write_demo_borough(path.parent / "demo-inputs")
        build(load_config(config), path)
    return path


def _version() -> tuple[str, float]:
    path = db_path()
    return str(path), path.stat().st_mtime


@st.cache_resource(show_spinner=False)
def _connection(path: str, mtime: float) -> duckdb.DuckDBPyConnection:
    return duck.connect(path, read_only=True)


def _query(sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one parameterised query on a cursor of the shared read-only connection."""
    cursor = _connection(*_version()).cursor()
    try:
        return cursor.execute(sql, params or []).df()
    finally:
        cursor.close()


@dataclass(frozen=True)
class EngagementFilter:
    """Which responses count: by activity kind, owner, channel, activity and date range (inclusive)."""

    kinds: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    activity_ids: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None

    def where(self) -> tuple[str, list]:
        """SQL condition on responses r joined to activities a, with its parameters."""
        parts, params = ["TRUE"], []
        for column, values in (("a.kind", self.kinds), ("a.owner", self.owners), ("r.channel", self.channels),
                               ("r.activity_id", self.activity_ids)):
            if values:
                parts.append(f"{column} IN (SELECT unnest(?))")
                params.append(list(values))
        if self.start:
            parts.append("r.submitted_at >= ?")
            params.append(self.start)
        if self.end:
            parts.append("r.submitted_at < ? + INTERVAL 1 DAY")
            params.append(self.end)
        return " AND ".join(parts), params


# --- reference data -------------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def _meta(version: tuple) -> dict[str, str]:
    frame = _query("SELECT key, value FROM meta")
    return dict(zip(frame["key"], frame["value"], strict=False))


def meta() -> dict:
    """Council name, LAD code, synthetic flag (bool), built_at, postcode source, …"""
    m = dict(_meta(_version()))
    m["synthetic"] = json.loads(m.get("synthetic", "false"))
    return m


@st.cache_data(show_spinner=False)
def _wards(version: tuple) -> gpd.GeoDataFrame:
    frame = _query("SELECT ward_code, ward_name, lad_code, area_km2, display_wkb FROM wards ORDER BY ward_name")
    from geo.maps import display_precision

    geoms = display_precision(shapely.from_wkb(frame.pop("display_wkb").map(bytes).values))
    return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")


def wards() -> gpd.GeoDataFrame:
    """Wards with their map geometry (simplified in the ETL, WGS84, display only)."""
    return _wards(_version())


@st.cache_data(show_spinner=False)
def _ward_geometry_bng(version: tuple) -> gpd.GeoDataFrame:
    frame = _query("SELECT ward_code, ST_AsWKB(geom) AS wkb FROM wards")
    return gpd.GeoDataFrame(frame[["ward_code"]], geometry=shapely.from_wkb(frame["wkb"].map(bytes).values),
                            crs="EPSG:27700")


def ward_geometry_bng() -> gpd.GeoDataFrame:
    """Full-resolution ward boundaries in EPSG:27700, for measuring (adjacency, dissolves)."""
    return _ward_geometry_bng(_version())


@st.cache_data(show_spinner=False)
def _population(version: tuple) -> pd.DataFrame:
    return _query("SELECT ward_code, dimension, category, persons FROM ward_population")


def population() -> pd.DataFrame:
    """Residents per ward, dimension and category (long)."""
    return _population(_version())


@st.cache_data(show_spinner=False)
def _datasets(version: tuple) -> pd.DataFrame:
    return _query("SELECT * FROM datasets ORDER BY dimension")


def datasets() -> pd.DataFrame:
    """Statistical datasets loaded, with source, date and method notes."""
    return _datasets(_version())


@st.cache_data(show_spinner=False)
def _deprivation(version: tuple) -> pd.DataFrame:
    return _query("SELECT * FROM ward_deprivation")


def ward_deprivation() -> pd.DataFrame:
    """Deprivation per ward and domain (IoD2019)."""
    return _deprivation(_version())


@st.cache_data(show_spinner=False)
def _lsoa_deprivation(version: tuple) -> pd.DataFrame:
    return _query("""SELECT d.*, s.ward_code, s.area_name AS lsoa_name FROM lsoa_deprivation d
                     JOIN small_areas s ON s.level = 'lsoa' AND s.area_code = d.lsoa_code""")


def lsoa_deprivation() -> pd.DataFrame:
    """Deprivation per LSOA and domain with the LSOA's best-fit ward."""
    return _lsoa_deprivation(_version())


@st.cache_data(show_spinner=False)
def _assets(version: tuple) -> pd.DataFrame:
    return _query("SELECT asset_id, name, category, easting, northing, ward_code FROM assets ORDER BY name")


def assets() -> pd.DataFrame:
    """Community assets (organisations and places, not people) with their ward."""
    return _assets(_version())


@st.cache_data(show_spinner=False)
def _activities(version: tuple) -> pd.DataFrame:
    return _query("SELECT * FROM activities ORDER BY opened")


def activities() -> pd.DataFrame:
    """Engagement activities."""
    return _activities(_version())


@st.cache_data(show_spinner=False)
def _load_history(version: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = _query("SELECT * FROM load_runs ORDER BY started_at DESC")
    sources = _query("SELECT * FROM load_sources ORDER BY run_id, dataset")
    return runs, sources


def load_history() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load runs (newest first) and the source files of each."""
    return _load_history(_version())


# --- engagement, aggregated only ------------------------------------------------------------

_RESPONDENT = "coalesce(r.respondent_id, 'response:' || r.response_id)"


@st.cache_data(show_spinner=False)
def _ward_engagement(version: tuple, flt: EngagementFilter) -> pd.DataFrame:
    where, params = flt.where()
    # An anonymous response (no respondent_id) is one person of its own: counting those rows beside the
    # distinct ids gives the same number as counting distinct _RESPONDENT keys, without building a string per row
    # (1.6 s instead of 2.6-3.1 s over England's 10,000,000 responses).
    return _query(f"""
        SELECT r.ward_code, count(*) AS responses,
               count(DISTINCT r.respondent_id) + count(*) FILTER (WHERE r.respondent_id IS NULL) AS respondents
        FROM responses r JOIN activities a USING (activity_id)
        WHERE r.ward_code IS NOT NULL AND {where}
        GROUP BY r.ward_code""", params)


def ward_engagement(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Responses and distinct respondents per ward of residence (raw counts: pass through geo.disclosure)."""
    return _ward_engagement(_version(), flt)


@st.cache_data(show_spinner=False)
def _respondent_groups(version: tuple, column: str, flt: EngagementFilter) -> pd.DataFrame:
    where, params = flt.where()
    # `column` is checked against a fixed list below, never taken from user input.
    return _query(f"""
        SELECT ward_code, category, count(*) AS respondents FROM (
            SELECT {_RESPONDENT} AS who, arg_max(r.ward_code, r.submitted_at) AS ward_code,
                   arg_max(r.{column}, r.submitted_at) AS category
            FROM responses r JOIN activities a USING (activity_id)
            WHERE r.ward_code IS NOT NULL AND {where}
            GROUP BY who)
        GROUP BY ward_code, category""", params)


DEMOGRAPHIC_COLUMNS = {"age": "age_band", "sex": "sex", "ethnicity": "ethnicity", "disability": "disability"}


def respondent_groups(dimension: str, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents per ward and demographic category, 'Not stated' included (raw counts).

    Each person is counted once, in the ward and with the answer of their latest response.
    """
    if dimension not in DEMOGRAPHIC_COLUMNS:
        raise ValueError(f"unknown dimension {dimension!r}")
    return _respondent_groups(_version(), DEMOGRAPHIC_COLUMNS[dimension], flt)


@st.cache_data(show_spinner=False)
def _engagement_options(version: tuple) -> dict:
    span = _query("SELECT min(submitted_at)::DATE AS first, max(submitted_at)::DATE AS last FROM responses")
    channels = _query("SELECT DISTINCT channel FROM responses WHERE channel IS NOT NULL ORDER BY 1")
    first, last = (pd.Timestamp(span.at[0, c]).date() for c in ("first", "last"))
    return {"first": first, "last": last, "channels": channels["channel"].tolist()}


def engagement_options() -> dict:
    """Values the engagement filters can take: date span and channels."""
    return _engagement_options(_version())


@st.cache_data(show_spinner=False)
def _borough_totals(version: tuple, flt: EngagementFilter) -> dict:
    where, params = flt.where()
    row = _query(f"""SELECT count(*) AS responses, count(DISTINCT {_RESPONDENT}) AS respondents,
                            count(*) FILTER (WHERE r.ward_code IS NULL) AS unplaced
                     FROM responses r JOIN activities a USING (activity_id) WHERE {where}""", params)
    return row.iloc[0].to_dict()


def borough_totals(flt: EngagementFilter = EngagementFilter()) -> dict:
    """Borough-wide responses, distinct respondents, and responses not placed in a ward (raw counts)."""
    return _borough_totals(_version(), flt)


# --- references and provenance for profiles -------------------------------------------------

@st.cache_data(show_spinner=False)
def _england(version: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (_query("SELECT dimension, category, persons FROM england_population"),
            _query("SELECT domain, mean_rank, most_deprived_20_share FROM england_deprivation"))


def england() -> tuple[pd.DataFrame, pd.DataFrame]:
    """England's residents by dimension/category and England's deprivation reference (empty if not loaded)."""
    return _england(_version())


@st.cache_data(show_spinner=False)
def _provenance(version: tuple) -> pd.DataFrame:
    return _query("""
        SELECT s.dataset, s.source, s.data_date, s.file FROM load_sources s
        WHERE s.run_id = (SELECT run_id FROM load_runs ORDER BY started_at DESC LIMIT 1)
        UNION ALL
        SELECT dimension, source, data_date, file FROM datasets""")


def provenance() -> pd.DataFrame:
    """Source and reference date of every dataset of the latest load (dataset, source, data_date, file)."""
    return _provenance(_version())


@st.cache_data(show_spinner=False)
def _indicator_values(version: tuple, flt: EngagementFilter, policy) -> pd.DataFrame:
    from geo import indicators

    england_population, england_deprivation = england()
    return indicators.ward_indicators(list(wards()["ward_code"]), population(), ward_deprivation(), assets(),
                                      ward_engagement(flt), policy,
                                      indicators.england_values(england_population, england_deprivation))


def indicator_values(flt: EngagementFilter = EngagementFilter(), policy=None) -> pd.DataFrame:
    """Every registry indicator for every ward, the borough and England (geo.indicators), cached per filter."""
    from geo.disclosure import DisclosurePolicy

    return _indicator_values(_version(), flt, policy or DisclosurePolicy.from_env())


def profile_inputs(flt: EngagementFilter = EngagementFilter()):
    """Everything a ward profile is built from (geo.profile.ProfileInputs), from the cached tables."""
    from geo.disclosure import DisclosurePolicy
    from geo.profile import ProfileInputs

    policy = DisclosurePolicy.from_env()
    england_population, england_deprivation = england()
    return ProfileInputs(
        wards=wards(), population=population(), deprivation=ward_deprivation(), lsoa_deprivation=lsoa_deprivation(),
        assets=assets(), engagement=ward_engagement(flt), provenance=provenance(),
        england_population=england_population, england_deprivation=england_deprivation,
        policy=policy, precomputed_values=indicator_values(flt, policy))


# --- one ward's engagement over time, by activity and by channel (aggregated, raw counts) ----

@st.cache_data(show_spinner=False)
def _ward_quarterly(version: tuple, flt: EngagementFilter) -> pd.DataFrame:
    where, params = flt.where()
    return _query(f"""
        SELECT r.ward_code, year(r.submitted_at)::VARCHAR || ' Q' || quarter(r.submitted_at)::VARCHAR AS quarter,
               count(*) AS responses, count(DISTINCT {_RESPONDENT}) AS respondents
        FROM responses r JOIN activities a USING (activity_id)
        WHERE r.ward_code IS NOT NULL AND {where}
        GROUP BY ALL ORDER BY r.ward_code, quarter""", params)


def ward_quarterly(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Responses and distinct respondents per ward of residence and calendar quarter ('2025 Q4'), raw counts.

    A person who took part in two quarters counts in each (geo.ward_engagement protects these).
    """
    return _ward_quarterly(_version(), flt)


@st.cache_data(show_spinner=False)
def _ward_activities(version: tuple, flt: EngagementFilter) -> pd.DataFrame:
    where, params = flt.where()
    return _query(f"""
        SELECT r.ward_code, r.activity_id, count(*) AS responses
        FROM responses r JOIN activities a USING (activity_id)
        WHERE r.ward_code IS NOT NULL AND {where}
        GROUP BY ALL ORDER BY r.ward_code, r.activity_id""", params)


def ward_activities(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Responses per ward of residence and activity, for activities with at least one (raw counts)."""
    return _ward_activities(_version(), flt)


@st.cache_data(show_spinner=False)
def _ward_channels(version: tuple, flt: EngagementFilter) -> pd.DataFrame:
    where, params = flt.where()
    return _query(f"""
        SELECT r.ward_code, coalesce(r.channel, 'not recorded') AS channel,
               count(DISTINCT {_RESPONDENT}) AS respondents
        FROM responses r JOIN activities a USING (activity_id)
        WHERE r.ward_code IS NOT NULL AND {where}
        GROUP BY ALL ORDER BY r.ward_code, channel""", params)


def ward_channels(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents per ward of residence and channel (raw counts).

    A person who used two channels counts under each, so a ward's channels add up to more
    than its people taking part.
    """
    return _ward_channels(_version(), flt)


@st.cache_data(show_spinner=False, max_entries=512)
def _ward_representation(version: tuple, ward_code: str, dimension: str, flt: EngagementFilter, policy) -> pd.DataFrame:
    from geo import ward_engagement

    return ward_engagement.representation(population(), respondent_groups(dimension, flt), ward_code, dimension,
                                          policy)


def ward_representation(ward_code: str, dimension: str, flt: EngagementFilter = EngagementFilter(),
                        policy=None) -> pd.DataFrame:
    """geo.ward_engagement.representation for one ward, cached: its multiple-testing step is slow (~0.15 s)."""
    from geo.disclosure import DisclosurePolicy

    return _ward_representation(_version(), ward_code, dimension, flt, policy or DisclosurePolicy.from_env())


@st.cache_data(show_spinner=False, max_entries=512)
def _ward_profile(version: tuple, ward_code: str, flt: EngagementFilter):
    from geo.profile import build_profile

    return build_profile(profile_inputs(flt), ward_code)


def ward_profile(ward_code: str, flt: EngagementFilter = EngagementFilter()):
    """geo.profile.build_profile for one ward, cached per ward and filter (the page and exports share it)."""
    return _ward_profile(_version(), ward_code, flt)


@st.cache_data(show_spinner=False, max_entries=512)
def _ward_participation(version: tuple, ward_code: str, flt: EngagementFilter, policy, last_day: date) -> dict:
    from geo import ward_engagement as we

    trend = we.quarterly_trend(ward_quarterly(flt), ward_code, population(), policy, flt.start, last_day)
    reached = we.activities_reached(ward_activities(flt), activities(), ward_code, policy)
    mix = we.channel_mix(ward_channels(flt), ward_engagement(flt), ward_code, policy)
    return {"trend": trend, "reached": reached, "outcomes": we.outcome_share(reached, as_of=last_day), "channels": mix}


def ward_participation(ward_code: str, flt: EngagementFilter = EngagementFilter(), policy=None) -> dict:
    """Quarterly trend, activities reached, outcome share and channel mix of one ward (geo.ward_engagement), cached.

    Counts up to the filter's end date, or the database's build date.
    """
    from geo.disclosure import DisclosurePolicy

    last_day = flt.end or date.fromisoformat(meta()["built_at"][:10])
    return _ward_participation(_version(), ward_code, flt, policy or DisclosurePolicy.from_env(), last_day)


@st.cache_data(show_spinner=False)
def _ward_labels(version: tuple) -> dict[str, str]:
    from geo.profile import ward_labels

    names = _query("SELECT ward_code, ward_name, lad_code FROM wards ORDER BY ward_name, ward_code")
    return ward_labels(names).to_dict()


def ward_labels() -> dict[str, str]:
    """ward_code → unique label, in name order, without geometry (cheap to hand to every widget)."""
    return _ward_labels(_version())


@st.cache_data(show_spinner=False, max_entries=512)
def _ward_surroundings(version: tuple, ward_code: str) -> gpd.GeoDataFrame:
    from geo.profile import neighbours

    return neighbours(wards(), ward_code)


def ward_surroundings(ward_code: str) -> gpd.GeoDataFrame:
    """A ward and the wards touching it, display geometry (for the profile map), cached per ward."""
    return _ward_surroundings(_version(), ward_code)


# --- the workspace: what users save (area schemes, themed groups) ---------------------------
# The published database is read-only and replaced whole by every load, so what planners and
# scrutiny officers author lives in a separate small DuckDB file, keyed by the council's district
# so one workspace can serve several databases. Each write opens, writes and closes a connection.

WORKSPACE_DDL = """CREATE TABLE IF NOT EXISTS saved_items (
    lad_code VARCHAR, kind VARCHAR, name VARCHAR, payload VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp, updated_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (lad_code, kind, name))"""


def workspace_path() -> Path:
    """$WARDSCOPE_WORKSPACE, else workspace.duckdb beside the published database."""
    return Path(os.environ.get("WARDSCOPE_WORKSPACE", db_path().parent / "workspace.duckdb")).resolve()


def _workspace(sql: str, params: list) -> pd.DataFrame:
    con = duckdb.connect(str(workspace_path()))
    try:
        con.execute(WORKSPACE_DDL)
        return con.execute(sql, params).df()
    finally:
        con.close()


def saved_items(kind: str) -> pd.DataFrame:
    """Saved items of one kind ('scheme', 'themed_group', …) for this council: name, payload (JSON), dates."""
    return _workspace("SELECT name, payload, created_at, updated_at FROM saved_items WHERE lad_code = ? AND kind = ? "
                      "ORDER BY name", [meta()["lad_code"], kind])


def save_item(kind: str, name: str, payload: dict, replace: bool = True) -> None:
    """Create or replace a named item (JSON-serialisable payload). With replace=False an item of that name
    already saved is left alone and a ValueError says so (saving must not overwrite another user's work)."""
    if not name.strip():
        raise ValueError("a name is needed")
    if not replace and name.strip() in set(saved_items(kind)["name"]):
        raise ValueError(f"'{name.strip()}' is already saved: choose another name, or open it to change it")
    _workspace("""INSERT INTO saved_items (lad_code, kind, name, payload) VALUES (?, ?, ?, ?)
                  ON CONFLICT (lad_code, kind, name) DO UPDATE SET payload = excluded.payload,
                  updated_at = now()""", [meta()["lad_code"], kind, name.strip(), json.dumps(payload)])


def rename_item(kind: str, old: str, new: str) -> None:
    """Rename a saved item; refuses a name already taken."""
    if not new.strip():
        raise ValueError("a name is needed")
    if new.strip() in set(saved_items(kind)["name"]):
        raise ValueError(f"'{new}' is already taken")
    _workspace("UPDATE saved_items SET name = ?, updated_at = now() WHERE lad_code = ? AND kind = ? "
               "AND name = ?", [new.strip(), meta()["lad_code"], kind, old])


def duplicate_item(kind: str, name: str) -> str:
    """Save a copy of an item as 'NAME (copy)', or 'NAME (copy 2)', … when taken; returns the copy's name."""
    items = saved_items(kind).set_index("name")
    taken, copy, n = set(items.index), f"{name} (copy)", 2
    while copy in taken:
        copy, n = f"{name} (copy {n})", n + 1
    save_item(kind, copy, json.loads(items.at[name, "payload"]), replace=False)
    return copy


def delete_item(kind: str, name: str) -> None:
    _workspace("DELETE FROM saved_items WHERE lad_code = ? AND kind = ? AND name = ?",
               [meta()["lad_code"], kind, name])


# --- participation page: reach, representation matrix, cold spots, density (issue 5) -------

@st.cache_data(show_spinner=False, max_entries=256)
def _participation_reach(version: tuple, flt: EngagementFilter, policy) -> pd.DataFrame:
    from geo import participation as gp

    return gp.reach(wards(), population(), ward_engagement(flt), policy)


def participation_reach(flt: EngagementFilter = EngagementFilter(), policy=None) -> pd.DataFrame:
    """geo.participation.reach (protected counts, raw and Empirical Bayes rates per 1,000), cached per filter."""
    from geo.disclosure import DisclosurePolicy

    return _participation_reach(_version(), flt, policy or DisclosurePolicy.from_env())


@st.cache_data(show_spinner=False, max_entries=256)
def _representation_matrix(version: tuple, dimension: str, flt: EngagementFilter, policy) -> pd.DataFrame:
    from geo import participation as gp

    return gp.representation_matrix(population(), respondent_groups(dimension, flt), list(wards()["ward_code"]),
                                    dimension, policy)


def representation_matrix(dimension: str, flt: EngagementFilter = EngagementFilter(), policy=None) -> pd.DataFrame:
    """geo.participation.representation_matrix (every ward × group, the ward profile's test), cached."""
    from geo.disclosure import DisclosurePolicy

    return _representation_matrix(_version(), dimension, flt, policy or DisclosurePolicy.from_env())


@st.cache_data(show_spinner=False, max_entries=256)
def _borough_representation(version: tuple, dimension: str, flt: EngagementFilter, policy) -> pd.DataFrame:
    from geo import participation as gp

    return gp.borough_representation_test(population(), respondent_groups(dimension, flt), dimension, policy)


def borough_representation(dimension: str, flt: EngagementFilter = EngagementFilter(), policy=None) -> pd.DataFrame:
    """geo.participation.borough_representation_test for one dimension, cached."""
    from geo.disclosure import DisclosurePolicy

    return _borough_representation(_version(), dimension, flt, policy or DisclosurePolicy.from_env())


@st.cache_data(show_spinner=False, max_entries=256)
def _cold_spots(version: tuple, kind: str, flt: EngagementFilter) -> pd.DataFrame:
    from geo import hotspots, indicators
    from geo import participation as gp

    eng = ward_engagement(flt).set_index("ward_code")[kind]
    pop = indicators.residents(population())
    codes = list(ward_geometry_bng()["ward_code"])
    values = gp.eb_rates(eng.reindex(codes).fillna(0.0), pop.reindex(codes).fillna(0.0))
    return hotspots.local_moran(values, ward_geometry_bng())


def cold_spots(kind: str = "respondents", flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """geo.hotspots.local_moran of the Empirical Bayes rate of `kind` per 1,000 residents, cached per filter."""
    if kind not in ("responses", "respondents"):
        raise ValueError(f"unknown measure {kind!r}")
    return _cold_spots(_version(), kind, flt)


@st.cache_data(show_spinner=False, max_entries=64)
def _respondent_hexes(version: tuple, size_m: float, flt: EngagementFilter) -> pd.DataFrame:
    where, params = flt.where()
    # Each person once, at the postcode of their latest response; the hexagon (pointy-top, axial
    # coordinates q, r, circumradius size_m) is found in SQL by cube rounding, so only cells leave.
    return _query(f"""
        WITH people AS (
            SELECT {_RESPONDENT} AS who, arg_max(r.postcode, r.submitted_at) AS postcode
            FROM responses r JOIN activities a USING (activity_id)
            WHERE r.ward_code IS NOT NULL AND {where} GROUP BY who),
        axial AS (
            SELECT (sqrt(3) / 3 * p.easting - p.northing / 3) / ? AS x, (2.0 / 3 * p.northing) / ? AS z
            FROM people JOIN postcodes p USING (postcode) WHERE p.easting IS NOT NULL),
        rounded AS (
            SELECT x, z, -x - z AS y, round(x) AS rx, round(z) AS rz, round(-x - z) AS ry FROM axial),
        cells AS (
            SELECT CASE WHEN abs(rx - x) > abs(ry - y) AND abs(rx - x) > abs(rz - z) THEN -ry - rz ELSE rx END
                       AS q,
                   CASE WHEN abs(rx - x) > abs(ry - y) AND abs(rx - x) > abs(rz - z) THEN rz
                        WHEN abs(ry - y) > abs(rz - z) THEN rz ELSE -rx - ry END AS r
            FROM rounded)
        SELECT q::BIGINT AS q, r::BIGINT AS r, count(*) AS respondents FROM cells GROUP BY ALL""",
        [size_m, size_m, *params])


def respondent_hexes(size_m: float, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents per hexagon of circumradius size_m metres (EPSG:27700), by postcode centroid.

    Raw counts per cell (q, r axial coordinates), never a postcode or a point: geo.density
    builds the hexagons and drops cells below the disclosure threshold.
    """
    return _respondent_hexes(_version(), float(size_m), flt)


@st.cache_data(show_spinner=False, max_entries=32)
def _hexagon_cells(version: tuple, size_m: float, flt: EngagementFilter, policy) -> tuple:
    from geo import density

    return density.hexagons(respondent_hexes(size_m, flt), size_m, policy)


@st.cache_data(show_spinner=False, max_entries=64)
def _hexagon_layer(version: tuple, size_m: float, flt: EngagementFilter, policy, lad_code: str | None) -> tuple:
    from geo import density

    cells, dropped = _hexagon_cells(version, size_m, flt, policy)
    if lad_code is not None:
        every = wards()
        cells = density.within(cells, every[every["lad_code"] == lad_code])
    return cells, dropped, density.for_map(cells) if len(cells) else None


def hexagon_layer(size_m: float, flt: EngagementFilter = EngagementFilter(), policy=None,
                  lad_code: str | None = None) -> tuple:
    """geo.density.hexagons of respondent_hexes (cells of at least the threshold, EPSG:27700), the raw number of
    people in smaller cells anywhere, and the cells reprojected for the map (None when none), cached.

    lad_code: only the cells near that district (geo.density.within), for a national map that draws one district;
    each district is cached on its own, so a run reads back its few hundred cells rather than England's (reading
    and reprojecting all of them cost about a second a run)."""
    from geo.disclosure import DisclosurePolicy

    return _hexagon_layer(_version(), float(size_m), flt, policy or DisclosurePolicy.from_env(), lad_code)


@st.cache_data(show_spinner=False)
def _respondent_groups_quarterly(version: tuple, column: str, flt: EngagementFilter) -> pd.DataFrame:
    where, params = flt.where()
    # `column` is checked against DEMOGRAPHIC_COLUMNS by the caller, never taken from user input.
    return _query(f"""
        SELECT quarter, category, count(*) AS respondents FROM (
            SELECT {_RESPONDENT} AS who,
                   year(r.submitted_at)::VARCHAR || ' Q' || quarter(r.submitted_at)::VARCHAR AS quarter,
                   arg_max(r.{column}, r.submitted_at) AS category
            FROM responses r JOIN activities a USING (activity_id)
            WHERE r.ward_code IS NOT NULL AND {where}
            GROUP BY who, quarter)
        GROUP BY ALL ORDER BY quarter, category""", params)


def respondent_groups_quarterly(dimension: str, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents per calendar quarter and demographic category (raw counts; 'Not stated' included).

    A person who took part in two quarters counts in each, with their latest answer in that quarter.
    """
    if dimension not in DEMOGRAPHIC_COLUMNS:
        raise ValueError(f"unknown dimension {dimension!r}")
    return _respondent_groups_quarterly(_version(), DEMOGRAPHIC_COLUMNS[dimension], flt)


@st.cache_data(show_spinner=False)
def _group_channels(version: tuple, column: str, flt: EngagementFilter) -> pd.DataFrame:
    where, params = flt.where()
    return _query(f"""
        WITH people AS (
            SELECT {_RESPONDENT} AS who, arg_max(r.{column}, r.submitted_at) AS category
            FROM responses r JOIN activities a USING (activity_id)
            WHERE r.ward_code IS NOT NULL AND {where} GROUP BY who),
        used AS (
            SELECT DISTINCT {_RESPONDENT} AS who, coalesce(r.channel, 'not recorded') AS channel
            FROM responses r JOIN activities a USING (activity_id)
            WHERE r.ward_code IS NOT NULL AND {where})
        SELECT p.category, u.channel, count(*) AS respondents FROM people p JOIN used u USING (who)
        GROUP BY ALL ORDER BY 1, 2""", params + params)


def group_channels(dimension: str, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents per demographic category (latest answer) and channel used (raw counts).

    A person who used two channels counts under each.
    """
    if dimension not in DEMOGRAPHIC_COLUMNS:
        raise ValueError(f"unknown dimension {dimension!r}")
    return _group_channels(_version(), DEMOGRAPHIC_COLUMNS[dimension], flt)


@st.cache_data(show_spinner=False, max_entries=64)
def _outreach_targets(version: tuple, flt: EngagementFilter, policy) -> pd.DataFrame:
    from geo import scrutiny

    names = dict(zip(wards()["ward_code"], wards()["ward_name"], strict=True))
    return scrutiny.outreach_targets(participation_reach(flt, policy), ward_deprivation(), ward_geometry_bng(),
                                     assets(), names)


def outreach_targets(flt: EngagementFilter = EngagementFilter(), policy=None) -> pd.DataFrame:
    """geo.scrutiny.outreach_targets (documented score), cached per filter."""
    from geo.disclosure import DisclosurePolicy

    return _outreach_targets(_version(), flt, policy or DisclosurePolicy.from_env())


@st.cache_data(show_spinner=False, max_entries=128)
def _themed_group(version: tuple, dimension: str, categories: tuple[str, ...], flt: EngagementFilter,
                  policy) -> tuple[pd.DataFrame, pd.DataFrame]:
    from geo import scrutiny

    definition = scrutiny.group_definition("", dimension, list(categories))
    return (scrutiny.group_by_ward(population(), respondent_groups(dimension, flt), list(wards()["ward_code"]),
                                   definition, policy),
            scrutiny.group_by_quarter(population(), respondent_groups_quarterly(dimension, flt), definition, policy))


def themed_group(dimension: str, categories: tuple[str, ...], flt: EngagementFilter = EngagementFilter(),
                 policy=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """geo.scrutiny.group_by_ward and group_by_quarter for a themed group, cached."""
    from geo.disclosure import DisclosurePolicy

    return _themed_group(_version(), dimension, tuple(categories), flt, policy or DisclosurePolicy.from_env())


@st.cache_data(show_spinner=False, max_entries=64)
def _scrutiny_parts(version: tuple, flt: EngagementFilter, policy) -> dict:
    from geo import participation as gp
    from geo import scrutiny
    from geo import ward_engagement as we

    pop = population()
    names = dict(zip(wards()["ward_code"], wards()["ward_name"], strict=True))
    dims = gp.dimensions_available(pop, list(DEMOGRAPHIC_COLUMNS))
    flagged = {d: gp.flagged_table(representation_matrix(d, flt, policy), names, policy) for d in dims}
    everywhere = ward_activities(flt).assign(ward_code="all")
    outcomes = we.outcome_share(we.activities_reached(everywhere, activities(), "all", policy))
    mixes = {}
    for d in dims:
        groups = list(dict.fromkeys(pop.loc[pop["dimension"] == d, "category"]))
        mixes[d] = scrutiny.channel_mix_table(scrutiny.channel_mix_by_group(group_channels(d, flt),
                                                                            respondent_groups(d, flt), groups, policy))
    return {"flagged": flagged, "outcomes": outcomes, "channel_mix": mixes}


def scrutiny_parts(flt: EngagementFilter = EngagementFilter(), policy=None) -> dict:
    """The scrutiny report's protected pieces, cached: flagged cells per dimension (tables of strings),
    outcome share of activities with responses, channel mix by group per dimension."""
    from geo.disclosure import DisclosurePolicy

    return _scrutiny_parts(_version(), flt, policy or DisclosurePolicy.from_env())


@st.cache_data(show_spinner=False, max_entries=128)
def _representation_view(version: tuple, dimension: str, flt: EngagementFilter, policy, title: str,
                         group_label: str, heatmap_wards: tuple[str, ...] | None) -> dict:
    from geo import participation as gp
    from geo import ward_engagement as we

    names = dict(zip(wards()["ward_code"], wards()["ward_name"], strict=True))
    rep = borough_representation(dimension, flt, policy)
    groups = rep[rep["kind"] == "group"]
    matrix = representation_matrix(dimension, flt, policy)
    return {"borough": rep, "borough_table": we.representation_table(rep, group_label, policy),
            "heatmap": gp.heatmap_figure(matrix if heatmap_wards is None else
                                         matrix[matrix["ward_code"].isin(heatmap_wards)], names,
                                         list(groups["group"]), title),
            "flagged": gp.flagged_table(matrix, names, policy)}


def representation_view(dimension: str, flt: EngagementFilter = EngagementFilter(), policy=None, title: str = "",
                        group_label: str = "Group", heatmap_wards: tuple[str, ...] | None = None) -> dict:
    """What the Participation page shows for one dimension, built once and cached: the borough test
    (frame and table of strings), the ward × group heatmap (plotly dict; only heatmap_wards when given, e.g.
    one district of a national database) and the flagged cells table (every ward)."""
    from geo.disclosure import DisclosurePolicy

    return _representation_view(_version(), dimension, flt, policy or DisclosurePolicy.from_env(), title,
                                group_label, None if heatmap_wards is None else tuple(heatmap_wards))


@st.cache_data(show_spinner=False, max_entries=64)
def _quarterly_reach(version: tuple, flt: EngagementFilter, policy) -> pd.DataFrame:
    from geo import ward_engagement as we

    return we.quarterly_trends(ward_quarterly(flt), list(wards()["ward_code"]), population(), policy, flt.start)


@st.cache_data(show_spinner=False, max_entries=64)
def _quarterly_target_table(version: tuple, flt: EngagementFilter, policy, target: float) -> pd.DataFrame:
    from geo import scrutiny

    names = dict(zip(wards()["ward_code"], wards()["ward_name"], strict=True))
    return scrutiny.quarterly_target_table(quarterly_reach(flt, policy), names, target)


def quarterly_target_table(target: float, flt: EngagementFilter = EngagementFilter(), policy=None) -> pd.DataFrame:
    """geo.scrutiny.quarterly_target_table of quarterly_reach for every ward, cached (7,681 wards × quarters of
    formatted cells is worth keeping between runs)."""
    from geo.disclosure import DisclosurePolicy

    return _quarterly_target_table(_version(), flt, policy or DisclosurePolicy.from_env(), float(target))


def quarterly_reach(flt: EngagementFilter = EngagementFilter(), policy=None) -> pd.DataFrame:
    """geo.ward_engagement.quarterly_trend for every ward (long, with ward_code), cached: people taking part
    per 1,000 residents per ward and quarter, protected, for the scrutiny report."""
    from geo.disclosure import DisclosurePolicy

    return _quarterly_reach(_version(), flt, policy or DisclosurePolicy.from_env())


@st.cache_data(show_spinner=False, max_entries=256)
def _area_profile(version: tuple, scheme: tuple[tuple[str, str], ...], area: str, flt: EngagementFilter):
    from geo.profile import area_inputs, build_profile

    return build_profile(area_inputs(profile_inputs(flt), pd.Series(dict(scheme))), area)


def area_profile(assignment: dict[str, str], area: str, flt: EngagementFilter = EngagementFilter()):
    """The profile of one area of a scheme (ward_code → area), built by the ward-profile machinery, cached."""
    return _area_profile(_version(), tuple(sorted(assignment.items())), area, flt)


@st.cache_data(show_spinner=False)
def _sources_by_dataset(version: tuple) -> dict[str, tuple[str, str]]:
    frame = provenance()
    return {row.dataset: (str(row.source or ""), str(row.data_date or "")) for row in frame.itertuples()}


def sources_by_dataset() -> dict[str, tuple[str, str]]:
    """dataset → (source, reference date) of the latest load, as a small cached dict for captions."""
    return _sources_by_dataset(_version())


@st.cache_data(show_spinner=False)
def _ward_crossings(version: tuple) -> pd.DataFrame:
    from geo import areas

    return areas.crossings(ward_geometry_bng().set_index("ward_code"))


def ward_crossings() -> pd.DataFrame:
    """Links joining wards with no shared boundary to the rest of the map (geo.areas.crossings); usually none."""
    return _ward_crossings(_version())


@st.cache_data(show_spinner=False)
def _starting_scheme(version: tuple, n_areas: int) -> tuple[float, dict[str, str]]:
    from geo import indicators, proposals

    tolerance, start = proposals.starting_range(ward_geometry_bng(), indicators.residents(population()), n_areas)
    return tolerance, start.to_dict()


def starting_scheme(n_areas: int) -> tuple[float, dict[str, str]]:
    """The builder's starting grouping into n areas and the narrowest standard population range it meets."""
    return _starting_scheme(_version(), int(n_areas))


@st.cache_data(show_spinner=False)
def _districts(version: tuple) -> pd.DataFrame:
    from geo import maps

    return maps.districts(wards())


def districts() -> pd.DataFrame:
    """geo.maps.districts of the loaded wards (lad_code, wards, label), cached: a national map's chooser."""
    return _districts(_version())
