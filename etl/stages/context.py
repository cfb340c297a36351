"""What a load carries from stage to stage, and the two helpers every stage uses to write rows.

`LoadContext` holds the config, the connection to the new database, and what earlier stages
produced (wards, small areas and their fits, the postcodes placed so far, one report per
source file). `insert` writes a DataFrame into a declared table; `accept` decides whether a
file's bad rows stop the load or are rejected and reported (the config's max_rejected_rows).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from etl.checks import RowProblem
from etl.config import Config
from etl.errors import InputError
from etl.postcodes import PostcodeDirectory, place_postcodes
from etl.readers import read_table
from etl.reports import SourceReport
from vocabulary.schema import column_names

Progress = Callable[[str], None]


def insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, geometry: tuple[str, ...] = ()) -> None:
    """Insert a DataFrame into a declared table; WKB columns named in `geometry` become GEOMETRY."""
    cols = column_names(table)
    select = ", ".join(f'ST_GeomFromWKB("{c}")' if c in geometry else f'"{c}"' for c in cols)
    con.register("_frame", frame[cols])
    con.execute(f'INSERT INTO "{table}" SELECT {select} FROM _frame')  # table/columns from the schema, not input
    con.unregister("_frame")


def accept(problems: list[RowProblem], file: Path, report: SourceReport, limit: int, help_text: str = "") -> set[int]:
    """Stop on file-level problems or too many bad rows; else record rejections and return lines to drop.
    help_text: said after the problem when the load stops (how to map wordings the load did not know)."""
    if not problems:
        return set()
    first = problems[0]
    lines = {p.line for p in problems if p.line is not None}
    if first.line is None or len(lines) > limit:
        more = f" ({len(lines)} lines have problems; the load allows {limit})" if len(lines) > 1 else ""
        raise InputError(file, first.problem + more + help_text, row=first.line, column=first.column)
    report.rows_rejected = len(lines)
    # Residents' answers (postcodes, demographics, what they said) are personal data: keep where and why, not the
    # value.
    redact = report.dataset in ("responses", "answers")
    report.rejections = [{"line": p.line, "column": p.column,
                          "problem": re.sub(r"^'[^']*' ", "", p.problem) if redact else p.problem}
                         for p in problems[:1000]]
    return lines


class LoadContext:
    """One load's config, database connection and everything the stages have produced so far."""

    def __init__(self, config: Config, con: duckdb.DuckDBPyConnection, say: Progress):
        self.config, self.con, self.say = config, con, say
        self.reports: list[SourceReport] = []
        self.notes: list[str] = []
        self.wards: gpd.GeoDataFrame | None = None
        self.areas: dict[str, gpd.GeoDataFrame] = {}
        self.fits: dict[str, pd.DataFrame] = {}
        self.directory = PostcodeDirectory(config.postcode_file)
        self.placed_postcodes: list[pd.DataFrame] = []
        self.rejected_responses: set[str] = set()  # ids of responses rejected as bad rows: their answers are left out

    def report(self, rep: SourceReport) -> SourceReport:
        """Keep a source file's report for load_sources, and return it for the stage to fill in."""
        self.reports.append(rep)
        return rep

    def read_source(self, dataset: str, file: Path, source: str, date: str) -> tuple[pd.DataFrame, SourceReport]:
        """Read one of the council's CSV files and open its load report."""
        frame = read_table(file)
        return frame, self.report(SourceReport(dataset, file, rows_read=len(frame), source=source, data_date=date))

    def locate(self, postcodes: pd.Series) -> pd.DataFrame:
        """Look up and place distinct postcodes; unknown ones are absent from the result.

        Every placed postcode is kept for the postcodes table (etl.stages.postcodes).
        """
        located = self.directory.lookup(postcodes)
        placed = place_postcodes(located, self.wards)
        self.placed_postcodes.append(placed)
        return placed
