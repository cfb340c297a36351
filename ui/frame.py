"""Page furniture every page shares: the header, the engagement filter, source captions and tables.

app.py draws the filters once in the sidebar and keeps the chosen EngagementFilter in
session state; pages read it here, so a page run on its own (AppTest, a bookmarked
URL) still gets sensible defaults.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import geopandas as gpd
import pandas as pd
import streamlit as st

import data_access as da
import services as sv
from render import columns, maps
from render.report import synthetic_notice
from services.captions import real_data_notice, source_lines

FILTER_KEY = "engagement_filter"
#: What Wardscope shows and for whom, in one sentence: the first thing the Overview says.
ABOUT = ("**Wardscope shows council officers, councillors and residents, ward by ward, who lives in the borough and "
         "who its consultations and engagement reach — and who they miss.**")


def header(title: str, intro: str, about: str | None = None) -> dict:
    """Title, one-line purpose, and whether the data are real or synthetic (a plain warning when synthetic, a
    short note when real). about: a sentence saying what Wardscope is and for whom (the Overview's). Returns meta."""
    meta = da.meta()
    st.title(title)
    if about:
        st.markdown(about)
    notice = synthetic_notice(meta)  # the printed profiles' wording, so screen and paper say the same
    if notice:
        st.warning(f"**{notice[0]}** {notice[1]}", icon="⚠️")
    elif about:
        st.info(real_data_notice(meta), icon=":material/verified:")
    st.caption(f"{intro} — {plain(meta['council'])}, database built {meta['built_at'][:10]}"
               f"{'' if notice or about else '; real data'}.")
    return meta


def engagement_filter() -> da.EngagementFilter:
    """The filter chosen in the sidebar, or no filter at all."""
    return st.session_state.get(FILTER_KEY, da.EngagementFilter())


def sources(*datasets: str) -> None:
    """Caption naming the source and reference date of each dataset used on the view."""
    st.caption(" ".join(source_lines(*datasets)))


def table(frame: pd.DataFrame, column_config: dict | None = None, **kwargs) -> None:
    """A table alternative to a map or chart, without the index column, readable at a laptop's width: the first
    column pinned, long headings shortened with the full heading as the column's help (render.columns.SHORT_HEADINGS),
    numbers with thousands separators. column_config: the page's own settings, which win."""
    config = column_settings(frame)
    config.update(column_config or {})
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config, **kwargs)


def column_settings(frame: pd.DataFrame) -> dict:
    """st.column_config for each column of a display table (see `table`)."""
    config = {}
    for i, column in enumerate(frame.columns):
        name = str(column)
        short, help_text = columns.SHORT_HEADINGS.get(name, (name, columns.COLUMN_HELP.get(name)))
        if help_text is None and len(name) > 30:
            help_text = name  # the grid may cut a long heading: its full text on hover
        settings = {"label": short, "help": help_text, "pinned": True if i == 0 else None}
        if pd.api.types.is_bool_dtype(frame[column]):
            config[column] = st.column_config.CheckboxColumn(**settings)
        elif pd.api.types.is_numeric_dtype(frame[column]):
            config[column] = st.column_config.NumberColumn(**settings, format=columns.number_format(frame[column]))
        else:
            config[column] = st.column_config.Column(**settings)
    return config


def lazy_tabs(sections: Mapping[str, Callable[[], None]], key: str) -> None:
    """One tab per section (label → function drawing it), of which only the open one runs: st.tabs with
    on_change="rerun", so a visit costs the server one section and the browser one section's tables and charts,
    not the whole page (measured by bench/browser.py). The open tab's label is st.session_state[key], so a test
    can open one. A hidden tab's widgets are not kept, as on any page the user leaves."""
    for tab, section in zip(st.tabs(list(sections), key=key, on_change="rerun"), sections.values(), strict=True):
        if tab.open:
            with tab:
                section()


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
