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
from geo import maps
from geo.attribution import ATTRIBUTION  # noqa: F401  (re-exported for pages)

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


def sources(*datasets: str) -> None:
    """Caption naming the source and reference date of each dataset used on the view."""
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
    st.caption(" ".join(lines))


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
