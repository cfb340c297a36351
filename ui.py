"""Shared page furniture: the header every page opens with, and the engagement filter.

app.py draws the filters once in the sidebar and keeps the chosen EngagementFilter in
session state; pages read it here, so a page run on its own (AppTest, a bookmarked
URL) still gets sensible defaults.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

import data_access as da
from geo import charts, maps
from geo.attribution import ATTRIBUTION  # re-exported for pages

FILTER_KEY = "engagement_filter"


def header(title: str, intro: str) -> dict:
    """Title, one-line purpose, and a plain warning when the data are synthetic. Returns meta."""
    meta = da.meta()
    st.title(title)
    if meta["synthetic"] and meta.get("synthetic_scope") == "engagement":
        st.warning("**Synthetic data.** The engagement figures (activities and responses) are invented by "
                   "Wardscope's demo generator for real postcodes; they are not real responses. Boundaries, census "
                   "and deprivation figures are real.", icon="⚠️")
    elif meta["synthetic"]:
        st.warning("**Synthetic data.** These figures describe an invented borough made by Wardscope's demo "
                   "generator. They are not real people or real responses.", icon="⚠️")
    st.caption(f"{intro} — {meta['council']}, database built {meta['built_at'][:10]}.")
    return meta


def engagement_filter() -> da.EngagementFilter:
    """The filter chosen in the sidebar, or no filter at all."""
    return st.session_state.get(FILTER_KEY, da.EngagementFilter())


def filter_summary(flt: da.EngagementFilter) -> str:
    parts = []
    if flt.kinds:
        parts.append("kinds: " + ", ".join(flt.kinds))
    if flt.owners:
        parts.append("services: " + ", ".join(flt.owners))
    if flt.channels:
        parts.append("channels: " + ", ".join(flt.channels))
    if flt.start or flt.end:
        parts.append(f"{flt.start or '…'} to {flt.end or '…'}")
    return "All engagement" if not parts else "Filtered to " + "; ".join(parts)


def source_lines(*datasets: str) -> list[str]:
    """One sentence per dataset naming its source and reference date (for captions and printed reports)."""
    from geo.disclosure import DisclosurePolicy
    from geo.indicators import PROVENANCE_DATASET

    known = da.sources_by_dataset()
    lines = []
    for name in datasets:
        source, date = known.get(PROVENANCE_DATASET.get(name, name), ("", ""))
        label = name.capitalize()
        if source:
            lines.append(f"{label}: {source}" + (f" ({date})." if date else "."))
        elif name == "deprivation":
            lines.append("Deprivation: MHCLG English Indices of Deprivation 2019 (OGL v3).")
        elif name in ("engagement", "assets"):
            lines.append(f"{label}: the council's own records.")
        if name == "engagement":
            lines.append(f"Counts below {DisclosurePolicy.from_env().threshold} people are hidden.")
    return lines


def sources(*datasets: str) -> None:
    """Caption naming the source and reference date of each dataset used on the view."""
    st.caption(" ".join(source_lines(*datasets)))


def report_about(meta: dict, flt: da.EngagementFilter) -> list[str]:
    """Lines under a printed report's title: council, build date, which engagement, a synthetic-data notice."""
    from geo.report import synthetic_notice

    lines = [f"{meta['council']}; database built {str(meta.get('built_at', ''))[:10]}; {filter_summary(flt)}."]
    notice = synthetic_notice(meta)
    return lines + ([f"{notice[0]} {notice[1]}"] if notice else [])


def report_footer(*datasets: str) -> list[str]:
    """A printed report's footer: the sources and dates of its datasets, then the licence attribution."""
    return [*source_lines(*datasets), ATTRIBUTION]


def table(frame: pd.DataFrame, **kwargs) -> None:
    """A table alternative to a map or chart, without the index column."""
    st.dataframe(frame, hide_index=True, width="stretch", **kwargs)


def map_wards(wards: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    """The wards a map draws: all of them for a borough; for a national database (more than
    geo.maps.MAP_WARD_LIMIT wards) one district at a time, chosen here, with a note saying so."""
    if len(wards) <= maps.MAP_WARD_LIMIT:
        return wards
    choices = da.districts()
    label = dict(zip(choices["lad_code"], choices["label"], strict=True))
    lad = st.selectbox("District shown on the map", list(choices["lad_code"]), format_func=label.get, key=key)
    st.caption(f"There are {len(wards):,} wards, too many to draw at once: the map shows one district; the tables "
               "list every ward.")
    return wards[wards["lad_code"] == lad]


#: Column names of a ward profile's tables, and what they read when the profile is of an area of wards.
AREA_WORDING = {"This ward": "This area", "Rank among wards (1 = highest)": "Rank among areas (1 = highest)",
                "Ward %": "Area %", "Ward average rank": "Area average rank", "In this ward": "In this area"}
PROFILE_DIMENSIONS = (("Age", "age"), ("Ethnic group", "ethnicity"), ("Sex", "sex"), ("Disability", "disability"))


def profile_sections(prof, flt: da.EngagementFilter, unit: str = "ward", key: str = "profile") -> None:
    """The residents part of a profile (geo.profile.Profile): headline indicators, the make-up of residents as
    charts with tables, deprivation and community assets, with their sources.

    The Ward profile page shows a ward with it and the Areas page an area of wards (unit="area"), so the two read
    the same and a change reaches both. key: prefix for the charts' element keys, unique per page."""
    words = AREA_WORDING if unit == "area" else {}
    st.subheader("Headline indicators")
    table(prof.headline.drop(columns=["Source", "Date"]).rename(columns=words))
    st.caption(f"Better/similar/worse: more than 10% better or worse than the borough value, else similar; blank "
               f"where higher is neither better nor worse. Rank among the {unit}s of the borough. England values come "
               f"from the national census and IMD files where they were loaded. {filter_summary(flt)}.")
    with st.expander("Sources and dates of the headline indicators"):
        table(prof.headline[["Indicator", "Source", "Date"]])
    for title, dimension in PROFILE_DIMENSIONS:
        if dimension not in prof.compositions:
            continue
        st.subheader(title)
        comp = prof.compositions[dimension].rename(columns=words)
        share = words.get("Ward %", "Ward %")
        chart, tab = st.columns([3, 2])
        fig = charts.grouped_bars(comp, "Group", {f"This {unit}": share, "Borough": "Borough %"}, "% of residents")
        chart.plotly_chart(fig, width="stretch", key=f"{key}_{dimension}_chart")
        with tab:
            table(comp)
        sources(dimension)
    if not prof.deprivation.empty:
        st.subheader("Deprivation")
        table(prof.deprivation.rename(columns=words))
        st.caption("Ranks are national among 32,844 LSOAs (1 = most deprived), weighted by mid-2015 population.")
        sources("deprivation")
    st.subheader("Community assets")
    table(prof.assets.rename(columns=words))
    sources("assets")
