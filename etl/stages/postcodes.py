"""Postcodes and privacy: every response's postcode becomes a ward and a small area, then (by default) goes.

Runs after engagement and answers. Each placed postcode is given the finest small area loaded (an output
area, else an LSOA) containing its point, and every response takes its postcode's small area
(`responses.small_area_code`: what the density map counts people at). Unless the config says
`[privacy] keep_postcodes = true`, the published database then keeps no resident's postcode: responses'
postcodes are set to NULL and the postcodes table holds only the assets' postcodes (public places).
`[privacy] retention_months = N` drops responses (and their answers) submitted more than N months before
the day of the load, counted in the responses' load notes.

Only the postcodes the council's files use are kept, not the whole directory, so the database stays small.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import geopandas as gpd
import pandas as pd

from etl.apportion import place_points
from etl.readers import BNG
from etl.reports import SourceReport
from etl.stages.context import LoadContext, insert


def store_postcodes(ctx: LoadContext, today: date | None = None) -> None:
    """Small area per response, retention, then the postcodes table (all placed ones, or the assets' only)."""
    frame = (pd.concat(ctx.placed_postcodes, ignore_index=True).drop_duplicates("postcode")
             if ctx.placed_postcodes else pd.DataFrame(columns=["postcode", "easting", "northing", "ward_code",
                                                                  "placement"]))
    if ctx.config.engagement is not None:
        _place_responses_in_small_areas(ctx, frame)
        _apply_retention(ctx, today or datetime.now(UTC).date())
    if not ctx.config.keep_postcodes:
        used = {p for (p,) in ctx.con.execute("SELECT DISTINCT postcode FROM assets WHERE postcode IS NOT NULL")
                .fetchall()}
        frame = frame[frame["postcode"].isin(used)]
    if not frame.empty:
        insert(ctx.con, "postcodes", frame)
    if ctx.directory.file and ctx.placed_postcodes:
        rep = ctx.report(SourceReport("postcodes", ctx.directory.file, rows_read=ctx.directory.rows_read,
                                      rows_loaded=len(frame), source=ctx.directory.source))
        if not ctx.config.keep_postcodes:
            rep.notes.append("Residents' postcodes were turned into ward and small area and not kept "
                             "([privacy] keep_postcodes = false); only the assets' postcodes are stored.")


def small_area_of(points: pd.DataFrame, areas: dict[str, gpd.GeoDataFrame]) -> pd.Series:
    """The finest loaded small area (OA, else LSOA) containing each point (columns easting, northing), or the
    nearest within 250 m for points just off generalised boundaries; None outside them. Index as `points`."""
    level = "oa" if "oa" in areas else "lsoa" if "lsoa" in areas else None
    if level is None or points.empty:
        return pd.Series(None, index=points.index, dtype=object)
    located = gpd.GeoDataFrame(points[[]], geometry=gpd.points_from_xy(points["easting"], points["northing"]),
                               crs=BNG)
    polygons = areas[level][["code", "geometry"]].rename(columns={"code": "ward_code"})
    return place_points(located, polygons)["ward_code"].astype(object).where(lambda s: s.notna(), None)


def _place_responses_in_small_areas(ctx: LoadContext, placed: pd.DataFrame) -> None:
    """responses.small_area_code from each postcode's small area; the postcode itself dropped unless kept."""
    keep = ctx.config.keep_postcodes
    mapping = pd.DataFrame({"postcode": placed["postcode"].astype(str),
                            "small_area_code": small_area_of(placed, ctx.areas)})
    mapping = mapping[mapping["small_area_code"].notna()]
    ctx.con.register("_small_areas_of", mapping)
    drop = "" if keep else ", postcode = NULL"
    ctx.con.execute(f"""UPDATE responses SET small_area_code = m.small_area_code{drop} FROM _small_areas_of m
                        WHERE responses.postcode = m.postcode""")
    ctx.con.unregister("_small_areas_of")
    if not keep:
        ctx.con.execute("UPDATE responses SET postcode = NULL WHERE postcode IS NOT NULL")


def retention_cutoff(today: date, months: int) -> date:
    """The first day kept: `months` calendar months before `today` (31 March - 1 month = 28/29 February)."""
    return (pd.Timestamp(today) - pd.DateOffset(months=months)).date()


def _apply_retention(ctx: LoadContext, today: date) -> None:
    """Drop responses submitted before the retention cutoff, and their answers; say how many."""
    months = ctx.config.retention_months
    if months is None:
        return
    cutoff = retention_cutoff(today, months)
    con = ctx.con
    con.execute("CREATE TEMP TABLE _expired AS SELECT response_id FROM responses WHERE submitted_at < ?",
                [pd.Timestamp(cutoff).to_pydatetime()])
    gone = con.execute("SELECT count(*) FROM _expired").fetchone()[0]
    answers = con.execute("SELECT count(*) FROM answers WHERE response_id IN (SELECT response_id FROM _expired)"
                          ).fetchone()[0]
    if gone:
        con.execute("DELETE FROM answers WHERE response_id IN (SELECT response_id FROM _expired)")
        con.execute("DELETE FROM responses WHERE response_id IN (SELECT response_id FROM _expired)")
    con.execute("DROP TABLE _expired")
    for rep in ctx.reports:
        if rep.dataset == "responses":
            rep.rows_loaded -= gone
            rep.notes.append(f"{gone:,} response(s) submitted before {cutoff.isoformat()} (more than {months} "
                             f"month(s) before the day of the load) were dropped, with {answers:,} answer(s) "
                             f"([privacy] retention_months = {months}).")
        elif rep.dataset == "answers":
            rep.rows_loaded -= answers
    ctx.say(f"responses: {gone:,} older than {months} month(s) dropped (retention)")
