"""Read published boundary and table files as they come, quirks included.

Boundaries: GeoJSON, GeoPackage or zipped Shapefile of any ONS vintage; code and name
columns detected from the ONS naming pattern (WD13CD/WD13NM, LSOA11CD, OA21CD, …);
CRS checked against the coordinates, repaired, and returned in EPSG:27700.
Tables: CSV (optionally gzipped), UTF-8 with or without BOM, numbers with quoted
thousands separators ("29,199") as MHCLG publishes them.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from etl.errors import InputError

BNG = "EPSG:27700"
# Generous bounds of Great Britain and its waters, in each CRS we expect.
_GB_BNG = (-100_000, -100_000, 800_000, 1_300_000)
_GB_WGS84 = (-10.0, 49.0, 3.5, 61.5)


@dataclass
class Boundaries:
    """Polygons with their code and name, in EPSG:27700, plus what was done to them."""

    frame: gpd.GeoDataFrame  # columns: code, name, lad (None when the file has no LADnnCD column), geometry
    features_read: int
    repaired: int
    code_column: str
    name_column: str | None


def _pick_column(columns: list[str], pattern: str, given: str | None, file: Path, what: str,
                 required: bool = True) -> str | None:
    if given:
        if given not in columns:
            raise InputError(file, f"{what} column '{given}' named in the config is not in the file "
                                   f"(columns: {columns})")
        return given
    found = [c for c in columns if re.fullmatch(pattern, c, flags=re.IGNORECASE)]
    if len(found) == 1:
        return found[0]
    if not found and not required:
        return None
    problem = "no" if not found else f"several ({found})"
    raise InputError(file, f"{problem} {what} column found matching {pattern}; name it in the config")


def _check_bounds(frame: gpd.GeoDataFrame, file: Path) -> None:
    """Refuse coordinates that cannot be in Great Britain under the CRS the file declares."""
    minx, miny, maxx, maxy = frame.total_bounds
    epsg = frame.crs.to_epsg() if frame.crs else None
    box = _GB_WGS84 if frame.crs.is_geographic else _GB_BNG if epsg == 27700 else None
    if box is None:
        frame = frame.to_crs(BNG)
        minx, miny, maxx, maxy = frame.total_bounds
        box = _GB_BNG
    if minx < box[0] or miny < box[1] or maxx > box[2] or maxy > box[3]:
        hint = ""
        if frame.crs.is_geographic and maxx > 1000:
            hint = " The coordinates look like metres (British National Grid): set crs = \"EPSG:27700\" in the config."
        elif not frame.crs.is_geographic and maxx < 100:
            hint = " The coordinates look like longitude/latitude: set crs = \"EPSG:4326\" in the config."
        raise InputError(file, f"coordinates ({minx:.6g}, {miny:.6g}) to ({maxx:.6g}, {maxy:.6g}) are outside Great "
                               f"Britain for the declared CRS {frame.crs.to_string()}.{hint}")


def _repair(geoms: gpd.GeoSeries) -> tuple[gpd.GeoSeries, int]:
    """Make invalid polygons valid (shapely.make_valid), keeping only their polygonal parts."""
    invalid = ~geoms.is_valid
    if not invalid.any():
        return geoms, 0
    fixed = shapely.make_valid(geoms[invalid].values)
    polys = [
        g if g.geom_type in ("Polygon", "MultiPolygon")
        else shapely.union_all([p for p in getattr(g, "geoms", [g]) if p.geom_type in ("Polygon", "MultiPolygon")])
        for g in fixed
    ]
    out = geoms.copy()
    out[invalid] = polys
    return out, int(invalid.sum())


#: The parts of a shapefile beside its .shp, and what each holds.
_SHAPEFILE_PARTS = {".shx": "the index of its shapes", ".dbf": "its attributes (the codes and names)",
                    ".prj": "its coordinate reference system"}


def _check_shapefile_parts(file: Path, crs_given: bool) -> None:
    """A shapefile (zipped, or a .shp on disk) needs its .shx and .dbf parts, and its .prj unless the config
    names the CRS; GDAL would otherwise read it without codes or fail obscurely."""
    if file.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(file) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
        except zipfile.BadZipFile:
            return  # not a zip after all: the reader says what it is not
    elif file.suffix.lower() == ".shp":
        names = [p.name for p in file.parent.iterdir()]
    else:
        return
    stems = {n.rsplit(".", 1)[0] for n in names if n.lower().endswith(".shp")}
    have = {n.lower() for n in names}
    for stem in sorted(stems):
        for part, holds in _SHAPEFILE_PARTS.items():
            if f"{stem}{part}".lower() not in have and not (part == ".prj" and crs_given):
                fix = ("set crs = \"EPSG:…\" in the config or add the .prj file" if part == ".prj"
                       else f"add {Path(stem).name}{part} from the download")
                raise InputError(file, f"the shapefile is missing its {part} part ({holds}) for "
                                       f"{Path(stem).name}.shp; {fix}")


def read_boundaries(file: Path, code_pattern: str, name_pattern: str | None, *, code_column: str | None = None,
                    name_column: str | None = None, crs: str | None = None, lad_column: str | None = None,
                    lad_code: str | None = None) -> Boundaries:
    """Read polygons from GeoJSON, GeoPackage or a zipped Shapefile into EPSG:27700.

    A CRS named in the config overrides the file's (for files that declare the wrong one
    or none); otherwise the file's own CRS is used, GeoJSON defaulting to WGS84 as RFC 7946
    says. Coordinates must then fall inside Great Britain, which catches a wrong CRS.
    """
    file = Path(file)
    if not file.exists():
        raise InputError(file, "file not found")
    _check_shapefile_parts(file, crs_given=bool(crs))
    try:
        # GDAL reads gzipped files through its /vsigzip/ handler; .zip is recognised by pyogrio.
        frame = gpd.read_file(f"/vsigzip/{file}" if file.suffix == ".gz" else file)
    except Exception as exc:  # pyogrio raises its own DataSourceError and friends
        raise InputError(file, f"could not be read as GeoJSON, GeoPackage or zipped Shapefile ({exc})") from None
    features_read = len(frame)
    if features_read == 0:
        raise InputError(file, "contains no features")
    columns = [c for c in frame.columns if c != "geometry"]
    code_col = _pick_column(columns, code_pattern, code_column, file, "code")
    name_col = _pick_column(columns, name_pattern, name_column, file, "name", required=False) if name_pattern else None
    if crs:
        frame = frame.set_crs(crs, allow_override=True)
    elif frame.crs is None:
        raise InputError(file, "declares no CRS; set crs = \"EPSG:…\" in the config")
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        first = int(np.flatnonzero(empty.values)[0]) + 1
        raise InputError(file, f"{int(empty.sum())} feature(s) have an empty geometry", row=first, row_label="feature")
    kinds = set(frame.geometry.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        bad = int(np.flatnonzero(~frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).values)[0]) + 1
        raise InputError(file, f"expected polygons, found {sorted(kinds)}", row=bad, row_label="feature")
    _check_bounds(frame, file)
    codes = frame[code_col].astype("string").str.strip()
    missing = codes.isna() | (codes == "")
    if missing.any():
        raise InputError(file, "code is blank", row=int(np.flatnonzero(missing.values)[0]) + 1, column=code_col,
                         row_label="feature")
    lad_col = lad_column or _pick_column(columns, r"LAD\d{2}CD", None, file, "LAD", required=False)
    if lad_code:
        if lad_col and frame[lad_col].nunique() > 1:
            keep = (frame[lad_col] == lad_code).values
            if not keep.any():
                raise InputError(file, f"no feature has {lad_col} = {lad_code}")
            frame, codes = frame[keep], codes[keep]
    dup = codes.duplicated(keep=False)
    if dup.any():
        label = dup.index[dup.values][0]  # labels are positions in the file, kept through the LAD filter
        raise InputError(file, f"code '{codes.loc[label]}' appears more than once", row=int(label) + 1,
                         column=code_col, row_label="feature")
    geoms = frame.geometry.to_crs(BNG)
    geoms, repaired = _repair(geoms)
    out = gpd.GeoDataFrame(
        {"code": codes.astype(str).values,
         "name": frame[name_col].astype(str).values if name_col else None,
         "lad": frame[lad_col].astype(str).values if lad_col else None},
        geometry=geoms.values, crs=BNG,
    )
    return Boundaries(out.reset_index(drop=True), features_read, repaired, code_col, name_col)


def read_table(file: Path, usecols: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV (plain or .gz) as text, header checked, BOM stripped; numbers are parsed later.

    Reading everything as text keeps leading zeros in codes and lets `to_number` report
    the exact line of a value that is not a number. The frame's index is the file line of
    each row less 2 (`line_of` gives the line an editor shows, even after blank lines or
    values spanning lines). A file cut short is refused: a last line with too few fields,
    a quoted field never closed, or (when the file does not end with a line break) a last
    value that is only the start of a value found on other lines ('onl' for 'online').
    """
    file = Path(file)
    if not file.exists():
        raise InputError(file, "file not found")
    data = _bytes(file)
    frame = _read_fast(file)
    if frame is None:
        starts = _scan(file, data)
        frame = _read_pandas(file)
    else:
        physical = data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        # The common case, one line per row and no blank lines, needs no scan; otherwise find each row's line.
        needs_scan = len(frame) != physical - 1 or data.count(b'"') % 2
        starts = _scan(file, data) if needs_scan else None
    if starts is not None and len(starts) == len(frame):
        frame.index = pd.Index(np.asarray(starts, dtype="int64") - 2)
    frame = _checked_columns(frame, file, usecols)
    if data and not data.endswith((b"\n", b"\r")) and len(frame):
        frame.attrs["unterminated_line"] = line_of(frame.index[-1])
        _check_cut_value(frame, file)
    return frame


def _read_pandas(file: Path) -> pd.DataFrame:
    """The slower all-text read that names the line of a problem (after `_scan` found no ragged rows)."""
    try:
        with warnings.catch_warnings():
            # index_col=False stops pandas silently turning the first column into row labels when a
            # row has one field too many; pandas then warns instead, and we report that line.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(file, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[""],
                               skipinitialspace=True, index_col=False)
    except pd.errors.ParserWarning:
        line, expected, saw = _first_ragged_line(file)
        raise InputError(file, f"has {saw} fields where the header has {expected}; check quotes and commas",
                         row=line) from None
    except UnicodeDecodeError as exc:
        raise InputError(file, f"is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as CSV UTF-8") from None
    except pd.errors.EmptyDataError:
        raise InputError(file, "is empty") from None
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise InputError(file, f"has {m.group(3)} fields where the header has {m.group(1)}; check quotes and "
                                   "commas", row=int(m.group(2))) from None
        raise InputError(file, f"could not be parsed as CSV ({exc})") from None


def _bytes(file: Path) -> bytes:
    try:
        return gzip.decompress(file.read_bytes()) if file.suffix == ".gz" else file.read_bytes()
    except (OSError, EOFError) as exc:
        raise InputError(file, f"could not be read ({exc})") from None


_CUT = "ends early (the file may be cut short)"


def _scan(file: Path, data: bytes) -> list[int]:
    """The file line where each data row starts (blank lines skipped, as the readers skip them).

    Refuses a quoted field that runs to the end of the file, and a row whose field count differs
    from the header's (on the last line of a file with no final line break: it ends early).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(file, f"is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as CSV UTF-8") from None
    try:
        rows = _records(text, strict=True)
    except csv.Error:
        rows = _records(text, strict=False)  # a quirk the strict reader refuses but pandas reads: lines only
    if rows and rows[-1][1] is None:
        raise InputError(file, f"{_CUT}: a quoted field opened on this line is never closed", row=rows[-1][0])
    if not rows:
        return []
    expected = len(rows[0][1])
    ends_cleanly = text.endswith(("\n", "\r"))
    for i, (line, fields) in enumerate(rows[1:], start=1):
        if len(fields) != expected:
            if i == len(rows) - 1 and not ends_cleanly and len(fields) < expected:
                raise InputError(file, f"{_CUT}: it has {len(fields)} field(s) where the header has {expected} "
                                       "and no line break at its end", row=line)
            raise InputError(file, f"has {len(fields)} fields where the header has {expected}; check quotes and "
                                   "commas", row=line)
    return [line for line, _ in rows[1:]]


def _records(text: str, strict: bool) -> list[tuple[int, list[str] | None]]:
    """(first line, fields) of every non-blank record, the header first; fields None for a quoted field left
    open at the end of the file (strict only)."""
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=strict)
    out: list[tuple[int, list[str] | None]] = []
    previous = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return out
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                return out + [(previous + 1, None)]
            raise
        start, previous = previous + 1, reader.line_num
        if fields and not (len(fields) == 1 and not fields[0].strip()):
            out.append((start, fields))


def _check_cut_value(frame: pd.DataFrame, file: Path) -> None:
    """A file with no final line break whose last value is only the start of values on other lines
    ('onl' where other rows say 'online') was cut inside that value."""
    if len(frame) < 2:
        return
    column, last = frame.columns[-1], frame.index[-1]
    value = frame.at[last, column]
    if pd.isna(value) or not str(value).strip() or pd.notna(pd.to_numeric(pd.Series([value]), errors="coerce")[0]):
        return
    value = str(value).strip()
    others = frame[column].iloc[:-1].dropna().astype(str).str.strip()
    if (others == value).any():
        return
    # Cut inside a word ('onl|ine'), not at a word's end ('Yes' beside 'Yes, a lot' is an answer of its own).
    longer = others[others.str.startswith(value) & (others.str.len() > len(value))
                    & others.str[len(value)].str.isalnum() & value[-1].isalnum()]
    if len(longer):
        raise InputError(file, f"{_CUT}: '{value}' is only the start of '{longer.iloc[0]}' found on other lines, "
                               "and the last line has no line break", row=line_of(last), column=str(column))


def _header(file: Path) -> list[str]:
    opener = gzip.open if file.suffix == ".gz" else open
    with opener(file, "rt", encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


def _read_fast(file: Path) -> pd.DataFrame | None:
    """All-text read with Arrow's multithreaded CSV reader, or None to fall back to pandas.

    Arrow is several times faster on large exports (a million responses) but its errors
    carry no line number, so any problem sends the file through the pandas reader, which
    reports the exact line.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        names = _header(file)
        table = pacsv.read_csv(str(file), convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""]))
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError, csv.Error):
        return None
    if table.num_columns != len(names) or len(set(names)) != len(names):
        return None
    frame = table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if t == pa.string() else None)
    for col in frame.columns:
        frame[col] = frame[col].str.strip().replace("", pd.NA)
    return frame


def _checked_columns(frame: pd.DataFrame, file: Path, usecols: list[str] | None) -> pd.DataFrame:
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    if usecols:
        missing = [c for c in usecols if c not in frame.columns]
        if missing:
            raise InputError(file, f"missing column(s) {missing}; found {list(frame.columns)}")
    return frame


def _first_ragged_line(file: Path) -> tuple[int, int, int]:
    """(line, fields in header, fields on that line) of the first row whose field count differs."""
    opener = gzip.open if file.suffix == ".gz" else open
    with opener(file, "rt", encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh)
        expected = len(next(rows))
        for number, row in enumerate(rows, start=2):
            if len(row) != expected and any(row):
                return number, expected, len(row)
    return 0, expected, expected


def line_of(label: object) -> int:
    """File line of a row of a frame from `read_table` (labels 0… are data rows; the header is line 1).

    Filtering keeps the labels, so this stays right on a frame cut down to the borough.
    """
    return int(label) + 2


def non_finite(values: pd.Series) -> pd.Series:
    """True where a text value is a number that is not finite: inf, -inf, nan, Infinity, 1e309 (overflows)."""
    text = values.astype("string").str.replace(",", "", regex=False).str.strip()
    parsed = pd.to_numeric(text, errors="coerce")
    words = text.str.fullmatch(r"[+-]?(nan|inf|infinity)", case=False).fillna(False).astype(bool)
    return words | (parsed.notna() & ~np.isfinite(parsed.astype(float)))


def to_number(frame: pd.DataFrame, column: str, file: Path, *, allow_blank: bool = False) -> pd.Series:
    """Parse a text column as finite numbers, accepting thousands separators ("29,199")."""
    text = frame[column].astype("string").str.replace(",", "", regex=False).str.strip()
    values = pd.to_numeric(text, errors="coerce")
    infinite = non_finite(frame[column])
    if infinite.any():
        label = infinite.index[infinite.values][0]
        raise InputError(file, f"'{frame.at[label, column]}' is not a finite number", row=line_of(label),
                         column=column)
    bad = values.isna() & (text.notna() | (not allow_blank))
    if bad.any():
        label = bad.index[bad.values][0]
        raise InputError(file, f"'{frame.at[label, column]}' is not a number", row=line_of(label), column=column)
    return values.astype(float)
