"""Page furniture every page shares: the header, the engagement filter, source captions and tables.

app.py draws the filters once in the sidebar and keeps the chosen EngagementFilter in
session state; pages read it here, so a page run on its own (AppTest, a bookmarked
URL) still gets sensible defaults.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import streamlit as st

import data_access as da
import services as sv
from render import maps
from render.report import synthetic_notice
from services.captions import source_lines

FILTER_KEY = "engagement_filter"


def header(title: str, intro: str) -> dict:
    """Title, one-line purpose, and a plain warning when the data are synthetic. Returns meta."""
    meta = da.meta()
    st.title(title)
    notice = synthetic_notice(meta)  # the printed profiles' wording, so screen and paper say the same
    if notice:
        st.warning(f"**{notice[0]}** {notice[1]}", icon="⚠️")
    st.caption(f"{intro} — {meta['council']}, database built {meta['built_at'][:10]}.")
    return meta


def engagement_filter() -> da.EngagementFilter:
    """The filter chosen in the sidebar, or no filter at all."""
    return st.session_state.get(FILTER_KEY, da.EngagementFilter())


def sources(*datasets: str) -> None:
    """Caption naming the source and reference date of each dataset used on the view."""
    st.caption(" ".join(source_lines(*datasets)))


def table(frame: pd.DataFrame, **kwargs) -> None:
    """A table alternative to a map or chart, without the index column."""
    st.dataframe(frame, hide_index=True, width="stretch", **kwargs)


def map_wards(wards: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    """The wards a map draws: all of them for a borough; for a national database (more than
    render.maps.MAP_WARD_LIMIT wards) one district at a time, chosen here, with a note saying so."""
    if len(wards) <= maps.MAP_WARD_LIMIT:
        return wards
    choices = sv.districts()
    label = dict(zip(choices["lad_code"], choices["label"], strict=True))
    lad = st.selectbox("District shown on the map", list(choices["lad_code"]), format_func=label.get, key=key)
    st.caption(f"There are {len(wards):,} wards, too many to draw at once: the map shows one district; the tables "
               "list every ward.")
    return wards[wards["lad_code"] == lad]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$:])")


def plain(text: object) -> str:
    """Text from a link or a user shown as itself inside Markdown (st.warning, st.caption, …): every character
    Markdown or Streamlit would read as formatting, a link or an icon is backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
