"""How a display table's columns read on screen: short headings for a narrow grid (the full wording as the
column's help), number formats with units, and p-values as a committee paper prints them. Plain data and functions
(no Streamlit): ui.frame.table turns them into st.column_config settings."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Long column headings as a narrow grid shows them (short heading, the full wording as the column's help), so the
#: key columns fit at a laptop's width (1366 px); the frames keep their full headings (CSV, printed reports).
SHORT_HEADINGS: dict[str, tuple[str, str]] = {
    "Share of respondents who stated a group": ("% of respondents", "Share of the respondents who stated a group "
                                                "(blank when the count is hidden, or the row is not a census group)"),
    "Residents who could take part": ("Eligible residents", "Residents who could take part (census, within the age "
                                      "limits of the activities)"),
    "Share of residents": ("% of eligible residents", "Share of the residents who could take part"),
    "Representation index (1.00 = in proportion)": ("Index (1 = in proportion)", "Representation index: share of "
                                                    "respondents ÷ share of eligible residents; 1.00 = in proportion"),
    "95% interval of the index": ("95% interval", "95% interval of the representation index (Wilson)"),
    "Flag (two-sided test)": ("Flag", "▼ under- / ▲ over-represented by a two-sided exact binomial test (Holm)"),
    "Rank among wards (1 = highest)": ("Rank (1 = highest)", "Rank among the wards of the borough, 1 = the highest "
                                       "value"),
    "Rank among areas (1 = highest)": ("Rank (1 = highest)", "Rank among the areas, 1 = the highest value"),
    "Compared with the borough": ("vs borough", "More than 10% better or worse than the borough value, else similar"),
    "Assets per 1,000 residents": ("Per 1,000 residents", "Community assets per 1,000 residents"),
    "Community assets per 1,000 residents": ("Assets per 1,000", "Community assets per 1,000 residents"),
    "Deviation from mean area population (%)": ("Deviation (%)", "Residents compared with the mean of the areas"),
    "Responses per 1,000 residents": ("Responses per 1,000", "Responses per 1,000 residents"),
    "People per 1,000 residents": ("People per 1,000", "People taking part per 1,000 residents"),
    "Borough: people per 1,000 residents": ("Borough per 1,000", "Borough: people taking part per 1,000 residents"),
    "People per 1,000 residents in the group": ("Per 1,000 in the group", "People taking part per 1,000 residents "
                                                "in the group (census)"),
    "Neighbourhoods in England's most deprived 20% (%)": ("In most deprived 20% (%)", "Neighbourhoods (LSOAs) in "
                                                          "England's most deprived 20% (IMD 2019)"),
    "Ethnic groups other than White British (%)": ("Not White British (%)", "Ethnic groups other than White British "
                                                   "(%)"),
    "Compactness (Polsby–Popper, 0–1)": ("Compactness (0–1)", "Polsby–Popper score of the area's boundary, 1 for a "
                                         "circle"),
    "Average deprivation rank (1 = most deprived)": ("Deprivation rank (1 = most)", "Average national IMD 2019 rank "
                                                     "of the neighbourhoods, weighted by residents; 1 = England's most "
                                                     "deprived of 32,844"),
    "Holm-adjusted p": ("p (Holm)", "Holm-adjusted p-value of the two-sided exact binomial test"),
}
#: Help for columns whose heading is short enough but whose meaning is not obvious.
COLUMN_HELP: dict[str, str] = {
    "Respondents": "People who took part, each counted once; 'hidden' protects a small count",
    "Residents": "Usual residents (census)",
}


def number_format(values: pd.Series) -> str:
    """How a grid shows a numeric column (a printf format for st.column_config.NumberColumn): years as they are,
    pounds as £1,234.56, other numbers with thousands separators and the decimals they carry (at most 3, so 0.66
    reads 0.66, never 0)."""
    name = str(values.name)
    if "year" in name.lower():
        return "%d"
    if "(£)" in name:
        return "£%,.2f"
    finite = values.dropna().astype(float)
    decimals = next((d for d in range(4) if np.allclose(finite, finite.round(d))), 3) if len(finite) else 0
    return f"%,.{decimals}f"


def p_value(p: float) -> str:
    """A p-value as a committee paper prints it: '< 0.001', else to three decimals; blank when there is none."""
    if pd.isna(p):
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
