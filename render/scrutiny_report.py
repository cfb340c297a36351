"""The participation scrutiny report as a printable page (HTML, PDF) and one CSV of its tables.

The tables arrive as disclosure-protected strings (the geo.scrutiny, geo.participation and
geo.ward_engagement *_table outputs), so nothing here can print a count the app would hide.
The page is templates/scrutiny_report.html (Jinja2, autoescaped); each table is written by
pandas' DataFrame.to_html, which escapes the cells itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from markupsafe import Markup

from render.csv_export import safe_csv
from render.templating import render


def report_html(title: str, sections: list[tuple[str, str, pd.DataFrame]], about: Sequence[str] = (),
                footer: Sequence[str] = ()) -> str:
    """A printable HTML report: each section a heading, a sentence and a table of strings.

    Tables must already be disclosure-protected strings (the page passes the *_table outputs). about: lines
    under the title (council, when the data were built, a synthetic-data notice); footer: sources, dates and
    the licence attribution, so a printed copy says where its figures come from. Sized for A4 landscape.
    """
    shown = [{"heading": heading, "text": text,
              # escape=True: pandas escapes every cell, so the table is markup as it stands
              "table": Markup(table.to_html(index=False, escape=True, border=0)) if len(table) else None}
             for heading, text, table in sections]
    return render("scrutiny_report.html", title=title, about=list(about), sections=shown, footer=list(footer))


def report_pdf(html_text: str) -> bytes:
    """report_html as a PDF (WeasyPrint, A4 landscape, as many pages as the tables need)."""
    from weasyprint import HTML

    return HTML(string=html_text).write_pdf()


def report_csv(sections: list[tuple[str, str, pd.DataFrame]]) -> str:
    """All sections' tables in one CSV, a 'section' column first (strings, already protected)."""
    frames = [t.astype(str).assign(section=h)[["section", *t.columns]] for h, _text, t in sections]
    return safe_csv(pd.concat(frames, ignore_index=True)) if frames else ""
