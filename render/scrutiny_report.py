"""The participation scrutiny report as a printable page (HTML, PDF) and one CSV of its tables.

The tables arrive as disclosure-protected strings (the geo.scrutiny, geo.participation and
geo.ward_engagement *_table outputs), so nothing here can print a count the app would hide.
The page is templates/scrutiny_report.html (Jinja2, autoescaped); each table is written by
pandas' DataFrame.to_html, which escapes the cells itself.

The CSV is tidy, for a clerk's spreadsheet: one row per observation (section, ward or area, group, period,
measure, value as a number, unit, flag), parsed back from the same protected strings, so a hidden count stays
hidden (an empty value flagged 'hidden') and "15.6 ▼" becomes 15.6 with the flag 'below target'.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd
from markupsafe import Markup

from render.csv_export import safe_csv
from render.templating import render

#: The tidy CSV's columns, in order.
TIDY_COLUMNS = ["section", "ward_or_area", "group", "period", "measure", "value", "unit", "flag"]
_PLACE = ("Ward", "Area")
_GROUP = ("Dimension", "Group")
_PERIOD = ("Quarter",)
_VERDICTS = ("Status", "Flag", "Funnel plot")  # text columns that judge the row: the flag of its every value
_QUARTER = re.compile(r"^\d{4} Q\d")
_NUMBER = re.compile(r"^([<>]\s*)?([+-]?[\d,]*\.?\d+)\s*(%?)\s*(▼|▲)?$")
_INTERVAL = re.compile(r"^([+-]?[\d,]*\.?\d+) to ([+-]?[\d,]*\.?\d+)$")
_MARKS = {"▼": "below target", "▲": "above"}


def report_html(title: str, sections: list[tuple[str, str, pd.DataFrame]], about: Sequence[str] = (),
                footer: Sequence[str] = ()) -> str:
    """A printable HTML report: each section a heading, a sentence and a table of strings.

    Tables must already be disclosure-protected strings (the page passes the *_table outputs). about: lines
    under the title (council, when the data were built, a synthetic-data notice); footer: sources, dates and
    the licence attribution, so a printed copy says where its figures come from. Sized for A4 landscape.
    """
    shown = [{"heading": heading, "text": text,
              # escape=True: pandas escapes every cell, so the table is markup as it stands; no name over the
              # columns (a pivot's 'label' or 'channel' would print as a stray header row)
              "table": Markup(table.rename_axis(index=None, columns=None).to_html(index=False, escape=True, border=0))
              if len(table) else None}
             for heading, text, table in sections]
    return render("scrutiny_report.html", title=title, about=list(about), sections=shown, footer=list(footer))


def report_pdf(html_text: str) -> bytes:
    """report_html as a PDF (WeasyPrint, A4 landscape, as many pages as the tables need)."""
    from weasyprint import HTML

    return HTML(string=html_text).write_pdf()


def report_csv(sections: list[tuple[str, str, pd.DataFrame]]) -> str:
    """All sections' tables as one tidy CSV (TIDY_COLUMNS): one row per value shown, the value as a number."""
    rows = [row for heading, _text, table in sections for row in tidy_rows(heading, table)]
    return safe_csv(pd.DataFrame(rows, columns=TIDY_COLUMNS))


def _unit(measure: str, percent: bool) -> str:
    """The unit of a measure, from its heading (and a '%' on its value)."""
    low = measure.lower()
    if "index" in low or "interval" in low:
        return "ratio (1 = in proportion)"
    if percent or "%" in low or "share" in low:
        return "%"
    if "per 1,000" in low:
        return "per 1,000 residents"
    if low.endswith(" p") or "p-value" in low:
        return "p-value"
    if any(w in low for w in ("respondents", "people", "residents", "responses")):
        return "people"
    return "count"


def parse_cell(text: object) -> tuple[list[tuple[str, float | None]], str, bool]:
    """A shown cell as ([(suffix, number)], flag, percent): '15.6 ▼' → ([('', 15.6)], 'below target', False);
    'hidden' → ([('', None)], 'hidden', False); '0.50 to 0.80' → lower and upper; '< 0.001' → 0.001 flagged
    'less than 0.001'; other text → no number, the text as the flag."""
    cell = str(text).strip()
    if (m := _NUMBER.match(cell)) is not None:
        value = float(m.group(2).replace(",", ""))
        flag = _MARKS.get(m.group(4) or "", "") or (f"less than {m.group(2)}" if m.group(1) else "")
        return [("", value)], flag, bool(m.group(3))
    if (m := _INTERVAL.match(cell)) is not None:
        return [(" (lower)", float(m.group(1).replace(",", ""))),
                (" (upper)", float(m.group(2).replace(",", "")))], "", False
    return [("", None)], cell, False  # 'hidden', 'hidden (0.5–0.8)' or words: no number, the text as the flag


def tidy_rows(section: str, table: pd.DataFrame) -> list[list]:
    """One section's table of strings as tidy rows: its place, group and period columns say where a value belongs,
    a verdict column (Status, Flag, Funnel plot) is the flag of the row's every value, every other cell a row."""
    table = table.rename_axis(index=None, columns=None).astype(str)
    place = next((c for c in _PLACE if c in table), None)
    groups = [c for c in _GROUP if c in table]
    period = next((c for c in _PERIOD if c in table), None)
    verdicts = [c for c in _VERDICTS if c in table]
    measures = [c for c in table.columns if c not in {place, period, *groups, *verdicts}]
    out = []
    for _, row in table.iterrows():
        verdict = "; ".join(row[c] for c in verdicts if row[c])
        group = ": ".join(row[c] for c in groups if row[c])
        for column in measures:
            if not row[column].strip():
                continue  # a blank cell: the figure does not apply
            quarter = bool(_QUARTER.match(str(column)))
            measure = "People taking part per 1,000 residents" if quarter else str(column)
            where = row[place] if place else ""
            if quarter and where.startswith("Target"):  # the quarterly table's row of targets
                where, measure = "", "Target: people taking part per 1,000 residents"
            values, flag, percent = parse_cell(row[column])
            flag = "; ".join(f for f in (flag, verdict) if f)
            for suffix, value in values:
                out.append([section, where, group, column if quarter else
                            (row[period] if period else ""), measure + suffix, value, _unit(measure, percent), flag])
    return out
