"""Areas to and from files: the ward → area lookup CSV, and the dissolved areas as GeoJSON.

The lookup CSV has the columns ward_code, ward_name, area (UTF-8, "\n" line ends, wards in the
order given); `lookup_from_csv` reads what `lookup_to_csv` writes, and writing it back gives the
same text byte for byte, so a planner's file survives a round trip through the app unchanged.
"""

from __future__ import annotations

import io
import json

import geopandas as gpd
import pandas as pd

from geo.areas import clean_assignment, dissolve
from vocabulary import SPREADSHEET_FORMULA_START

LOOKUP_COLUMNS = ["ward_code", "ward_name", "area"]


def lookup_from_csv(text: str | bytes, ward_codes: list[str]) -> pd.Series:
    """Read a ward → area lookup CSV (ward_code and area columns needed; others ignored), as
    render.csv_export.lookup_to_csv writes it.

    Raises ValueError naming the line for an unknown or repeated ward code or a blank area, and naming
    any ward left out. Returns ward_code → area in the file's row order.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = {"ward_code", "area"} - set(frame.columns)
    if missing:
        raise ValueError(f"the lookup needs the column(s) {', '.join(sorted(missing))}")
    # An area name the export neutralised for spreadsheets ("'=Area") reads back as it was typed ("=Area").
    frame["area"] = [a[1:] if a[:1] == "'" and a[1:2] in SPREADSHEET_FORMULA_START else a for a in frame["area"]]
    known, seen = set(ward_codes), set()
    for i, (code, area) in enumerate(zip(frame["ward_code"], frame["area"], strict=True), start=2):
        if code not in known:
            raise ValueError(f"line {i}: ward code {code!r} is not a ward of this council")
        if code in seen:
            raise ValueError(f"line {i}: ward code {code!r} appears twice")
        if not area.strip():
            raise ValueError(f"line {i}: ward {code} has no area")
        seen.add(code)
    left = [c for c in ward_codes if c not in seen]
    if left:
        raise ValueError(f"{len(left)} ward(s) missing from the lookup: {', '.join(left[:5])}")
    return pd.Series(list(frame["area"]), index=list(frame["ward_code"]), name="area").rename_axis("ward_code")


def areas_geojson(assignment: pd.Series, wards_bng: gpd.GeoDataFrame, residents: pd.Series | None = None) -> str:
    """Dissolved areas as GeoJSON (WGS84, as the format requires): area, wards, residents per feature."""
    dissolved = dissolve(assignment, wards_bng)  # raises unless the boundaries are in EPSG:27700
    if residents is not None:
        codes = list(wards_bng["ward_code"])
        areas = clean_assignment(assignment, codes)
        pop = residents.reindex(codes).fillna(0.0).groupby(areas).sum()
        dissolved["residents"] = dissolved["area"].map(pop).round().astype(int)
    return json.dumps(json.loads(dissolved.to_crs("EPSG:4326").to_json(drop_id=True)))


