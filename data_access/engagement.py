"""Engagement, aggregated only: counts of responses and of distinct people per ward, group, quarter,
activity, channel or hexagon, never a response row.

Every count here is raw (small numbers included): geo.disclosure protects them before anything is shown.
A filter's SQL condition and parameters come from EngagementFilter.where(); column names spliced
into SQL come from vocabulary.RESPONSE_COLUMNS, never from user input.
"""

from __future__ import annotations

import pandas as pd

from data_access.connection import cached, query
from data_access.filters import EngagementFilter
from vocabulary import RESPONSE_COLUMNS

#: One person: their respondent id, else the response itself (an anonymous response is one person).
_RESPONDENT = "coalesce(r.respondent_id, 'response:' || r.response_id)"


def _column(dimension: str) -> str:
    """The responses column holding a demographic dimension (checked against the vocabulary)."""
    if dimension not in RESPONSE_COLUMNS:
        raise ValueError(f"unknown dimension {dimension!r}")
    return RESPONSE_COLUMNS[dimension]


@cached(counts=("responses", "respondents"))
def ward_engagement(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Responses and distinct respondents per ward of residence (raw counts: pass through geo.disclosure)."""
    where, params = flt.where()
    # An anonymous response (no respondent_id) is one person of its own: counting those rows beside the
    # distinct ids gives the same number as counting distinct _RESPONDENT keys, without building a string per row
    # (1.6 s instead of 2.6-3.1 s over England's 10,000,000 responses).
    return query(f"""
        SELECT r.ward_code, count(*) AS responses,
               count(DISTINCT r.respondent_id) + count(*) FILTER (WHERE r.respondent_id IS NULL) AS respondents
        FROM responses r JOIN activities a USING (activity_id)
        WHERE r.ward_code IS NOT NULL AND {where}
        GROUP BY r.ward_code""", params)


@cached(counts=("respondents",))
def respondent_groups(dimension: str, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents per ward and demographic category, 'Not stated' included (raw counts).

    Each person is counted once, in the ward and with the answer of their latest response.
    """
    column = _column(dimension)
    where, params = flt.where()
    return query(f"""
        SELECT ward_code, category, count(*) AS respondents FROM (
            SELECT {_RESPONDENT} AS who, arg_max(r.ward_code, r.submitted_at) AS ward_code,
                   arg_max(r.{column}, r.submitted_at) AS category
            FROM responses r JOIN activities a USING (activity_id)
            WHERE r.ward_code IS NOT NULL AND {where}
            GROUP BY who)
        GROUP BY ward_code, category""", params)


@cached
def engagement_options() -> dict:
    """Values the engagement filters can take: date span and channels."""
    span = query("SELECT min(submitted_at)::DATE AS first, max(submitted_at)::DATE AS last FROM responses")
    channels = query("SELECT DISTINCT channel FROM responses WHERE channel IS NOT NULL ORDER BY 1")
    first, last = (pd.Timestamp(span.at[0, c]).date() for c in ("first", "last"))
    return {"first": first, "last": last, "channels": channels["channel"].tolist()}


@cached(counts=("responses", "respondents", "unplaced"))
def borough_totals(flt: EngagementFilter = EngagementFilter()) -> dict:
    """Borough-wide responses, distinct respondents, and responses not placed in a ward (raw counts)."""
    where, params = flt.where()
    row = query(f"""SELECT count(*) AS responses, count(DISTINCT {_RESPONDENT}) AS respondents,
                           count(*) FILTER (WHERE r.ward_code IS NULL) AS unplaced
                    FROM responses r JOIN activities a USING (activity_id) WHERE {where}""", params)
    return row.iloc[0].to_dict()


@cached(counts=("responses", "respondents"))
def ward_quarterly(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Responses and distinct respondents per ward of residence and calendar quarter ('2025 Q4'), raw counts.

    A person who took part in two quarters counts in each (geo.ward_engagement protects these).
    """
    where, params = flt.where()
    return query(f"""
        SELECT r.ward_code, year(r.submitted_at)::VARCHAR || ' Q' || quarter(r.submitted_at)::VARCHAR AS quarter,
               count(*) AS responses, count(DISTINCT {_RESPONDENT}) AS respondents
        FROM responses r JOIN activities a USING (activity_id)
        WHERE r.ward_code IS NOT NULL AND {where}
        GROUP BY ALL ORDER BY r.ward_code, quarter""", params)


@cached(counts=("responses",))
def ward_activities(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Responses per ward of residence and activity, for activities with at least one (raw counts)."""
    where, params = flt.where()
    return query(f"""
        SELECT r.ward_code, r.activity_id, count(*) AS responses
        FROM responses r JOIN activities a USING (activity_id)
        WHERE r.ward_code IS NOT NULL AND {where}
        GROUP BY ALL ORDER BY r.ward_code, r.activity_id""", params)


@cached(counts=("respondents",))
def ward_channels(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents per ward of residence and channel (raw counts).

    A person who used two channels counts under each, so a ward's channels add up to more
    than its people taking part.
    """
    where, params = flt.where()
    return query(f"""
        SELECT r.ward_code, coalesce(r.channel, 'not recorded') AS channel,
               count(DISTINCT {_RESPONDENT}) AS respondents
        FROM responses r JOIN activities a USING (activity_id)
        WHERE r.ward_code IS NOT NULL AND {where}
        GROUP BY ALL ORDER BY r.ward_code, channel""", params)


@cached(max_entries=64, counts=("respondents",))
def respondent_hexes(size_m: float, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents per hexagon of circumradius size_m metres (EPSG:27700), by small area.

    Each person is placed at the inside point (ST_PointOnSurface) of the small area (output area, else LSOA)
    of their latest response: the published database keeps no resident's postcode unless configured, and
    only then, for a response outside every small area, is the postcode's point used.
    Raw counts per cell (q, r axial coordinates), never a postcode or a point: geo.density
    builds the hexagons and drops cells below the disclosure threshold.
    """
    size_m = float(size_m)
    where, params = flt.where()
    # Each person once, at the small area of their latest response; the hexagon (pointy-top, axial
    # coordinates q, r, circumradius size_m) is found in SQL by cube rounding, so only cells leave.
    return query(f"""
        WITH people AS (
            SELECT {_RESPONDENT} AS who, arg_max(r.small_area_code, r.submitted_at) AS area_code,
                   arg_max(r.postcode, r.submitted_at) AS postcode
            FROM responses r JOIN activities a USING (activity_id)
            WHERE r.ward_code IS NOT NULL AND {where} GROUP BY who),
        places AS (
            SELECT area_code, ST_X(pt) AS easting, ST_Y(pt) AS northing
            FROM (SELECT area_code, ST_PointOnSurface(geom) AS pt FROM small_areas)),
        located AS (
            SELECT coalesce(s.easting, pc.easting) AS easting, coalesce(s.northing, pc.northing) AS northing
            FROM people LEFT JOIN places s USING (area_code) LEFT JOIN postcodes pc USING (postcode)),
        axial AS (
            SELECT (sqrt(3) / 3 * easting - northing / 3) / ? AS x, (2.0 / 3 * northing) / ? AS z
            FROM located WHERE easting IS NOT NULL),
        rounded AS (
            SELECT x, z, -x - z AS y, round(x) AS rx, round(z) AS rz, round(-x - z) AS ry FROM axial),
        cells AS (
            SELECT CASE WHEN abs(rx - x) > abs(ry - y) AND abs(rx - x) > abs(rz - z) THEN -ry - rz ELSE rx END
                       AS q,
                   CASE WHEN abs(rx - x) > abs(ry - y) AND abs(rx - x) > abs(rz - z) THEN rz
                        WHEN abs(ry - y) > abs(rz - z) THEN rz ELSE -rx - ry END AS r
            FROM rounded)
        SELECT q::BIGINT AS q, r::BIGINT AS r, count(*) AS respondents FROM cells GROUP BY ALL""",
        [*params, size_m, size_m])


@cached(counts=("respondents",))
def respondent_groups_quarterly(dimension: str, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents per calendar quarter and demographic category (raw counts; 'Not stated' included).

    A person who took part in two quarters counts in each, with their latest answer in that quarter.
    """
    column = _column(dimension)
    where, params = flt.where()
    return query(f"""
        SELECT quarter, category, count(*) AS respondents FROM (
            SELECT {_RESPONDENT} AS who,
                   year(r.submitted_at)::VARCHAR || ' Q' || quarter(r.submitted_at)::VARCHAR AS quarter,
                   arg_max(r.{column}, r.submitted_at) AS category
            FROM responses r JOIN activities a USING (activity_id)
            WHERE r.ward_code IS NOT NULL AND {where}
            GROUP BY who, quarter)
        GROUP BY ALL ORDER BY quarter, category""", params)


@cached(counts=("respondents",))
def group_channels(dimension: str, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents per demographic category (latest answer) and channel used (raw counts).

    A person who used two channels counts under each.
    """
    column = _column(dimension)
    where, params = flt.where()
    return query(f"""
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


def _activities_in(flt: EngagementFilter) -> tuple[str, list]:
    """SQL condition on the activities table for the filter's activities: its kinds, owners and activity ids,
    open at some time in its date range (channels do not restrict who could take part)."""
    where, params = flt.activities_where()
    parts = [where]
    if flt.start:
        parts.append("(closed IS NULL OR closed >= ?)")
        params.append(flt.start)
    if flt.end:
        parts.append("(opened IS NULL OR opened <= ?)")
        params.append(flt.end)
    return " AND ".join(parts), params


@cached
def activity_age_limits(flt: EngagementFilter = EngagementFilter()) -> tuple[int | None, int | None]:
    """The widest age limits of the activities in the filter: (lowest min_age, highest max_age), None = no limit.

    An activity with no limit (NULL) lifts that limit for the whole filter; no activity at all gives no limits.
    """
    where, params = _activities_in(flt)
    row = query(f"""SELECT count(*) AS n, min(min_age) AS lo, max(max_age) AS hi,
                           bool_or(min_age IS NULL) AS lo_open, bool_or(max_age IS NULL) AS hi_open
                    FROM activities WHERE {where}""", params).iloc[0]
    if not row["n"]:
        return None, None
    return (None if row["lo_open"] else int(row["lo"]), None if row["hi_open"] else int(row["hi"]))


@cached
def activity_scope_wards(flt: EngagementFilter = EngagementFilter()) -> tuple[str, ...] | None:
    """The wards whose residents could take part in the filter's activities: None for the whole borough (an
    activity open to the borough, or none at all), else the union of the activities' scope wards, in code order."""
    where, params = _activities_in(flt)
    scopes = query(f"SELECT DISTINCT coalesce(scope, 'borough') AS scope FROM activities WHERE {where}", params)
    if scopes.empty or (scopes["scope"].str.lower() == "borough").any():
        return None
    return tuple(sorted({code for scope in scopes["scope"] for code in scope.split(";") if code}))
