"""Assets: the council's community asset map, placed in wards by grid reference or, failing that, postcode.

A postcode the directory does not know is a rejected row (or stops the load beyond
max_rejected_rows); assets outside the borough are kept, with no ward.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from etl.apportion import place_points
from etl.checks import ASSETS, RowProblem, validate
from etl.postcodes import normalise
from etl.readers import BNG, line_of
from etl.stages.context import LoadContext, accept, insert


def load_assets(ctx: LoadContext) -> None:
    """Check, geocode and place the assets file (when the config names one) into assets."""
    spec = ctx.config.assets
    if spec is None:
        return
    frame, rep = ctx.read_source("assets", spec.file, spec.source, spec.date)
    problems = validate(frame, ASSETS)
    frame["postcode"] = normalise(frame["postcode"]) if "postcode" in frame else pd.NA
    for col in ("easting", "northing"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce") if col in frame else float("nan")
    located = ctx.locate(frame["postcode"].dropna())
    by_pc = located.set_index("postcode")
    needs_pc = frame["easting"].isna() | frame["northing"].isna()
    unknown = needs_pc & frame["postcode"].notna() & ~frame["postcode"].isin(by_pc.index)
    problems += [RowProblem(line_of(i), "postcode", f"'{frame.at[i, 'postcode']}' is not in the postcode "
                            "directory") for i in frame.index[unknown]]
    problems.sort(key=lambda p: (p.line is not None, p.line or 0))
    drop = accept(problems, spec.file, rep, ctx.config.max_rejected_rows)
    frame = frame[~frame.index.map(line_of).isin(drop)].copy()
    needs_pc = frame["easting"].isna() | frame["northing"].isna()
    frame.loc[needs_pc, "easting"] = frame.loc[needs_pc, "postcode"].map(by_pc["easting"])
    frame.loc[needs_pc, "northing"] = frame.loc[needs_pc, "postcode"].map(by_pc["northing"])
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["easting"], frame["northing"]), crs=BNG)
    frame["ward_code"] = place_points(points, ctx.wards)["ward_code"]
    frame["category"] = frame["category"].str.strip().str.lower()
    insert(ctx.con, "assets", frame)
    rep.rows_loaded = len(frame)
    outside = int(frame["ward_code"].isna().sum())
    if outside:
        rep.notes.append(f"{outside} asset(s) lie outside the borough; kept, with no ward.")
    ctx.say(f"assets: {len(frame)} loaded, {outside} outside the borough")
