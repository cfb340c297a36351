"""The residents part of a profile, drawn the same way for a ward (Ward profile page) and an area (Areas page)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import data_access as da
from geo.disclosure import DisclosurePolicy
from render import charts, said_tables
from services import assets as asset_service
from services.captions import filter_summary
from ui.frame import plain, sources, table
from vocabulary import AGE, DIMENSION_LABELS, DISABILITY, ETHNICITY, SEX

#: Column names of a ward profile's tables, and what they read when the profile is of an area of wards.
AREA_WORDING = {"This ward": "This area", "Rank among wards (1 = highest)": "Rank among areas (1 = highest)",
                "Ward %": "Area %", "Ward average rank": "Area average rank", "In this ward": "In this area"}
PROFILE_DIMENSIONS = tuple((DIMENSION_LABELS[d], d) for d in (AGE, ETHNICITY, SEX, DISABILITY))


def profile_sections(prof, flt: da.EngagementFilter, unit: str = "ward", key: str = "profile") -> None:
    """The residents part of a profile (geo.profile.Profile) in one go: headline indicators, deprivation and assets,
    then the make-up of residents (the Areas page's area profile; the Ward profile page gives each a tab)."""
    headline_section(prof, flt, unit)
    deprivation_and_assets(prof, unit)
    composition_sections(prof, unit, key)


def headline_section(prof, flt: da.EngagementFilter, unit: str = "ward") -> None:
    """The headline indicators against the borough and England, and where each comes from.

    The Ward profile page shows a ward with it and the Areas page an area of wards (unit="area"), so the two read
    the same and a change reaches both."""
    st.header("Headline indicators")
    table(prof.headline.drop(columns=["Source", "Date"]).rename(columns=AREA_WORDING if unit == "area" else {}))
    st.caption(f"Better/similar/worse: more than 10% better or worse than the borough value, else similar; blank "
               f"where higher is neither better nor worse. Rank among the {unit}s of the borough. England values come "
               f"from the national census and IMD files where they were loaded. {filter_summary(flt)}.")
    with st.expander("Sources and dates of the headline indicators"):  # a list: a table here would be a second grid
        st.markdown("\n".join(f"- **{plain(i)}**: {plain(s)}, {plain(d)}" for i, s, d in
                               prof.headline[["Indicator", "Source", "Date"]].itertuples(index=False)))


def deprivation_and_assets(prof, unit: str = "ward") -> None:
    """Deprivation (IMD ranks by domain) and community assets, with their sources."""
    words = AREA_WORDING if unit == "area" else {}
    if not prof.deprivation.empty:
        st.header("Deprivation")
        table(prof.deprivation.rename(columns=words))
        st.caption("Ranks are national among 32,844 LSOAs (1 = most deprived), weighted by mid-2015 population.")
        sources("deprivation")
    st.header("Community assets")
    if not asset_service.loaded():
        st.info("No community asset register is loaded, so community assets are left out of this profile (not "
                "counted as none).", icon=":material/info:")
        return
    table(prof.assets.rename(columns=words))
    sources("assets")


def composition_sections(prof, unit: str = "ward", key: str = "profile") -> None:
    """The make-up of residents by age, ethnic group, sex and disability: a chart beside its table, with sources.
    key: prefix for the charts' element keys, unique per page."""
    words = AREA_WORDING if unit == "area" else {}
    for title, dimension in PROFILE_DIMENSIONS:
        if dimension not in prof.compositions:
            continue
        st.header(title)
        comp = prof.compositions[dimension].rename(columns=words)
        share = words.get("Ward %", "Ward %")
        chart, tab = st.columns([3, 2])
        fig = charts.grouped_bars(comp, "Group", {f"This {unit}": share, "Borough": "Borough %"}, "% of residents")
        chart.plotly_chart(fig, width="stretch", key=f"{key}_{dimension}_chart")
        with tab:
            table(comp)
        sources(dimension)


def said_section(rows: pd.DataFrame, unit: str = "ward") -> None:
    """"What residents here said": the questions this ward's (area's) residents answered most, share beside the
    borough's (services.said.said_here)."""
    st.header(f"What residents of this {unit} said")
    if rows.empty:
        st.caption(f"No question has answers from this {unit}'s residents under the filter.")
        return
    table(said_tables.said_here_table(rows, unit, DisclosurePolicy.from_env()))
    st.caption(f"The single-choice questions this {unit}'s residents answered most. Shares are of those who answered "
               "from here; the borough's is also shown weighted to the residents who could take part. More on the "
               "What residents said page.")
