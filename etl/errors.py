"""The one error type a load raises for bad input.

Every message names the file, the row (for CSV files the line number as a text editor or
spreadsheet shows it, the header being line 1; for map files the feature number, from 1;
None for whole-file problems) and the problem in plain English, so a
council analyst can open the file and fix it without reading a traceback.
"""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """A problem with one input file; the load stops and the published database is untouched."""

    def __init__(self, file: str | Path, problem: str, row: int | None = None, column: str | None = None,
                 row_label: str = "line"):
        self.file = str(file)
        self.row = row
        self.column = column
        self.problem = problem
        where = self.file
        if row is not None:
            where += f", {row_label} {row}"
        if column:
            where += f", column '{column}'"
        super().__init__(f"{where}: {problem}")
