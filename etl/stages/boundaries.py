"""Boundaries: the wards, then each level of small areas placed in its best-fit ward.

Wards are stored with a display copy simplified to DISPLAY_TOLERANCE_M (Douglas-Peucker,
topology preserved) so maps draw quickly; small areas keep only the ones inside the
borough's wards, with the share of each area in its ward (etl.apportion.best_fit).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from etl.apportion import best_fit
from etl.errors import InputError
from etl.readers import read_boundaries
from etl.reports import SourceReport
from etl.stages.context import LoadContext, insert

DISPLAY_TOLERANCE_M = 20.0


def load_wards(ctx: LoadContext) -> None:
    """Read the ward boundaries (only the config's district from a national file) into wards."""
    spec = ctx.config.wards
    b = read_boundaries(spec.file, r"WD\d{2}CD", r"WD\d{2}NM", code_column=spec.code_column,
                        name_column=spec.name_column, crs=spec.crs, lad_column=spec.lad_column,
                        lad_code=None if ctx.config.whole_country else ctx.config.lad_code)
    wards = b.frame.rename(columns={"code": "ward_code", "name": "ward_name"})
    if b.name_column is None:
        wards["ward_name"] = wards["ward_code"]
    check_tiling(wards, spec.file, ctx.config.overlap_tolerance_m2)
    display = wards.geometry.simplify(DISPLAY_TOLERANCE_M, preserve_topology=True).to_crs("EPSG:4326")
    frame = pd.DataFrame({
        "ward_code": wards["ward_code"], "ward_name": wards["ward_name"],
        # A national file names each ward's own district; a borough's file is the config's district.
        "lad_code": wards["lad"].where(wards["lad"].notna(), ctx.config.lad_code),
        "area_km2": wards.geometry.area / 1e6, "geom": shapely.to_wkb(wards.geometry.values),
        "display_wkb": shapely.to_wkb(display.values),
    })
    insert(ctx.con, "wards", frame, geometry=("geom",))
    rep = ctx.report(SourceReport("wards", spec.file, rows_read=b.features_read, rows_loaded=len(wards),
                                  source=spec.source, data_date=spec.date))
    if b.repaired:
        rep.notes.append(f"{b.repaired} invalid ward geometr{'y was' if b.repaired == 1 else 'ies were'} repaired.")
    ctx.wards = wards
    ctx.say(f"wards: {len(wards)} loaded from {spec.file.name} ({b.code_column})")


def _ward(wards: gpd.GeoDataFrame, i: int) -> str:
    code, name = wards["ward_code"].iloc[i], wards["ward_name"].iloc[i]
    return code if name == code else f"{name} ({code})"


def check_tiling(wards: gpd.GeoDataFrame, file: Path, tolerance_m2: float) -> None:
    """Wards must tile the borough: no two overlap, and no gap inside the borough belongs to no ward, by more
    than `tolerance_m2` (EPSG:27700 square metres; [boundaries] overlap_tolerance_m2).

    An overlap would place a response, or share a small area, into two wards at once; a gap loses the people
    in it. Published generalised boundaries tile to well under a square metre, so the default of 1,000 m²
    catches real mistakes only. A gap is a hole inside the union of the wards (the borough's outer edge,
    the coast and any enclave of another district touching it are not gaps).
    """
    geoms = wards.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right])) if len(left) else np.array([])
    over = np.flatnonzero(shared > tolerance_m2)
    if len(over):
        k = over[np.argmax(shared[over])]
        raise InputError(file, f"wards overlap: {_ward(wards, left[k])} and {_ward(wards, right[k])} share "
                               f"{shared[k]:,.0f} m² (the tolerance is {tolerance_m2:,.0f} m², [boundaries] "
                               f"overlap_tolerance_m2); {len(over)} pair(s) of wards overlap by more")
    # On a 1 cm grid: wards reprojected from WGS84 leave sub-millimetre slivers between neighbours, which would
    # split the union into pieces with no enclosed hole (a real gap between them would go unseen).
    union = shapely.union_all(shapely.set_precision(geoms, 0.01))
    holes = [shapely.Polygon(ring) for part in getattr(union, "geoms", [union]) for ring in part.interiors]
    big = sorted((h for h in holes if h.area > tolerance_m2), key=lambda h: -h.area)
    if big:
        hole = big[0]
        around = sorted(set(tree.query(hole.buffer(1.0), predicate="intersects").tolist()))
        listed = [_ward(wards, i) for i in around[:5]]
        names = (", ".join(listed[:-1]) + " and " + listed[-1] if len(listed) > 1 else "".join(listed)) + (
            " …" if len(around) > 5 else "")
        point = hole.representative_point()
        raise InputError(file, f"gap between wards {names}: {hole.area:,.0f} m² inside the borough belong to no ward "
                               f"(around easting {point.x:,.0f}, northing {point.y:,.0f}; the tolerance is "
                               f"{tolerance_m2:,.0f} m², [boundaries] overlap_tolerance_m2); {len(big)} gap(s) "
                               "larger than that")


def load_small_areas(ctx: LoadContext) -> None:
    """Read each level of small areas (OA, LSOA) and place every area in its best-fit ward."""
    for level, spec in ctx.config.small_areas.items():
        pattern = r"OA\d{2}CD" if level == "oa" else r"LSOA\d{2}CD"
        b = read_boundaries(spec.file, pattern, r"LSOA\d{2}NM" if level == "lsoa" else None,
                            code_column=spec.code_column, name_column=spec.name_column, crs=spec.crs,
                            lad_column=spec.lad_column)
        fit = best_fit(b.frame, ctx.wards)
        inside = fit["ward_code"].notna().values
        areas = b.frame[inside].reset_index(drop=True)
        fit = fit[inside].reset_index(drop=True)
        frame = pd.DataFrame({"area_code": areas["code"], "area_name": areas["name"], "level": level,
                              "ward_code": fit["ward_code"], "share_in_ward": fit["share_in_ward"],
                              "geom": shapely.to_wkb(areas.geometry.values)})
        insert(ctx.con, "small_areas", frame, geometry=("geom",))
        rep = ctx.report(SourceReport(f"{level}_boundaries", spec.file, rows_read=b.features_read,
                                      rows_loaded=len(areas), source=spec.source, data_date=spec.date))
        if b.repaired:
            rep.notes.append(f"{b.repaired} invalid {level.upper()} geometries were repaired (shapely make_valid).")
        if (~inside).any():
            rep.notes.append(f"{int((~inside).sum())} {level.upper()}s lie outside the borough's wards and were "
                             "left out.")
        nearest = int((fit["placement"] == "nearest").sum())
        if nearest:
            rep.notes.append(f"{nearest} {level.upper()}(s) had their inside point just off the generalised ward "
                             "boundaries and took the nearest ward within 250 m.")
        ctx.areas[level], ctx.fits[level] = areas, fit
        ctx.say(f"{level}: {len(areas)} areas placed in wards from {spec.file.name}")
