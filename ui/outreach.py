"""Outreach partners: the community assets nearest a ward that could host outreach to everyone there or to one
group, as a table with a CSV download (services.assets.outreach_partners). Shown on the Participation page and the
ward profile."""

from __future__ import annotations

import streamlit as st

import data_access as da
from geo import outreach as ot
from render.csv_export import safe_csv
from render.report import slug
from services import assets as sa
from ui.frame import plain, sources, table
from vocabulary import DIMENSION_LABELS

EVERYONE = ("", "")


def _groups() -> list[tuple[str, str]]:
    """Everyone, then every census group of the dimensions loaded, as (dimension, group)."""
    population = da.population()
    out = [EVERYONE]
    for dimension in DIMENSION_LABELS:
        cats = population.loc[population["dimension"] == dimension, "category"].drop_duplicates()
        out += [(dimension, c) for c in cats if c != "Not stated"]
    return out


def _label(choice: tuple[str, str]) -> str:
    return "Everyone in the ward (low reach)" if choice == EVERYONE else f"{DIMENSION_LABELS[choice[0]]}: {choice[1]}"


def partners_section(ward_code: str, ward_name: str, key: str) -> None:
    """Who could help reach people in the ward: pick everyone or a group, see the nearest relevant assets, download
    the list. `key` prefixes the widgets' keys (unique per page)."""
    if not sa.loaded():
        st.info("No community asset register is loaded, so no outreach partners can be suggested.",
                icon=":material/info:")
        return
    groups = _groups()
    left, right = st.columns(2)
    who = left.selectbox("Who to reach", groups, format_func=_label, key=f"{key}_partner_group",
                         help="Pick a group the ward under-represents (see 'Who takes part') or everyone there.")
    offered = sa.categories()
    suggested = [c for c in ot.partner_categories(who[0] or None, (who[1],) if who[1] else ()) if c in offered]
    chosen = right.multiselect("Kinds of group", offered, default=suggested or offered,
                               format_func=sa.category_label, key=f"{key}_partner_categories_{who[0]}_{who[1]}")
    if not chosen:
        st.info("Choose at least one kind of group.")
        return
    found = sa.outreach_partners(ward_code, tuple(chosen))
    if found.empty:
        st.info("No asset of these kinds has a grid reference or postcode to measure from.")
        return
    table(found)
    st.download_button("Download the outreach partners (CSV)", safe_csv(found).encode("utf-8"),
                       file_name=f"{slug(ward_name)}-outreach-partners.csv", mime="text/csv",
                       icon=":material/download:", key=f"{key}_partner_csv")
    st.caption(f"The {ot.PER_CATEGORY} nearest assets of each kind to {plain(ward_name)}, nearest first. Straight-line "
               f"distance on the British National Grid from {ot.CENTRE_WORDS}; a walk is longer. Suggested kinds for "
               "a group: young people → youth, sport, community and voluntary groups; older people → community, "
               "health, faith, library and voluntary; an ethnic group → faith, community and voluntary groups; "
               "disabled residents → health, voluntary and community groups. Check a group still runs before "
               "contacting it (see 'Last verified').")
    sources("assets")
