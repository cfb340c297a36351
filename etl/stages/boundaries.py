"""Boundaries: the wards, then each level of small areas placed in its best-fit ward.

Wards are stored with a display copy simplified to DISPLAY_TOLERANCE_M (Douglas-Peucker,
topology preserved) so maps draw quickly; small areas keep only the ones inside the
borough's wards, with the share of each area in its ward (etl.apportion.best_fit).
"""

from __future__ import annotations

import pandas as pd
import shapely

from etl.apportion import best_fit
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
