"""The errors a load stops with: LoadError, said to the user as "Load failed, nothing was changed: …".

InputError is the one for bad input.

Every message names the file, the row (for CSV files the line number as a text editor or
spreadsheet shows it, the header being line 1; for map files the feature number, from 1;
None for whole-file problems) and the problem in plain English, so a
council analyst can open the file and fix it without reading a traceback.
"""

from __future__ import annotations

from pathlib import Path


class LoadError(Exception):
    """A load that stops before publishing anything, for a reason the user can act on (never a bug)."""


class LoadBusy(LoadError):
    """Another load is writing the same database: one writer at a time."""


class InputError(LoadError):
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
