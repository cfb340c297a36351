"""CSV exports that a spreadsheet opens as data, never as a formula (OWASP "CSV injection").

A cell beginning with '=', '+', '-', '@', a tab or a carriage return is a formula to Excel and LibreOffice;
text from files and users (ward names, area names, comments) can begin with one. Such a text cell gets a
leading apostrophe, which spreadsheets show as text; a cell that is a plain number (e.g. "-1.5") is left alone.
"""

from __future__ import annotations

import re

import pandas as pd

from geo.areas import clean_assignment
from vocabulary import SPREADSHEET_FORMULA_START

_NUMBER = re.compile(r"^[+-]?(\d[\d,]*)?(\.\d+)?([eE][+-]?\d+)?%?$")


def neutralise(value: object) -> object:
    """One cell: text that a spreadsheet would run as a formula, prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(SPREADSHEET_FORMULA_START) and not _NUMBER.match(value.strip()):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame, **to_csv) -> str:
    """`frame` as CSV text with every formula-leading text cell (and header) neutralised."""
    out = frame.map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out.to_csv(index=False, lineterminator="\n", **to_csv)


def lookup_to_csv(assignment: pd.Series, wards: pd.DataFrame) -> str:
    """The ward → area lookup as CSV text: ward_code, ward_name, area, one row per ward in `wards` order
    (geo.areas_lookup.lookup_from_csv reads it back, area names as typed)."""
    codes = list(wards["ward_code"])
    return safe_csv(pd.DataFrame({"ward_code": codes, "ward_name": list(wards["ward_name"]),
                                  "area": list(clean_assignment(assignment, codes))}))
