"""Ward profile: who lives in a ward, how deprived it is, its assets and how much it takes part."""

import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import services as sv
import ui
from geo import profile
from geo import ward_engagement as we
from geo.disclosure import DisclosurePolicy
from render import maps, report, tables, ward_map
from services import said
from services.exports import profiles_archive
from ui.outreach import partners_section
from vocabulary import AGE, DIMENSION_LABELS

ui.header("Ward profile", "One ward against the borough and England")
flt = ui.engagement_filter()
policy = DisclosurePolicy.from_env()
names = sv.ward_labels()
codes = list(names)
asked = st.query_params.get("ward")
code = st.selectbox("Ward", codes, index=codes.index(asked) if asked in names else 0, format_func=names.get)
if asked and asked not in names and asked != code:
    st.warning(f"There is no ward with the code '{ui.plain(asked)}' in this database: showing {ui.plain(names[code])} "
               "instead. Choose another ward above.", icon=":material/warning:")
st.query_params["ward"] = code
prof = sv.ward_profile(code, flt)
part = sv.ward_participation(code, flt, policy)

left, right = st.columns([2, 3])
with left:
    surroundings = sv.ward_surroundings(code)
    st_folium(maps.outline_map(surroundings, focus=code), height=320, width="100%", returned_objects=[],
              key="ward_map")
    # the map's text alternative: the neighbours it shows, by name (issue 14)
    around = sorted(n for n in surroundings["ward_name"] if n != prof.name)
    st.caption(f"{prof.name} (filled) and its neighbours" + (f": {ui.plain(', '.join(around))}." if around else "."))
with right:
    st.markdown("**In short:** " + " ".join([*prof.summary, we.trend_sentence(part["trend"], policy=policy)]))
meta = da.meta()
engagement_note = ui.filter_summary(flt)


def _printable() -> str:
    """This profile as one printable A4 page (runs when a download button is clicked)."""
    geometry = da.ward_geometry_bng().assign(ward_name=lambda d: d["ward_code"].map(names))
    return report.profile_html(prof, meta, ward_map.ward_map_png(geometry, code), ui.ATTRIBUTION, policy,
                               engagement_note=engagement_note, said=said.said_here((code,), flt, policy))


# One button opening the downloads: four buttons in a row cost the browser more to draw than the rest of the
# page's top (bench/browser.py), and a councillor reads the profile before printing it.
with st.popover("Download or print this profile", icon=":material/download:"):
    st.download_button("Profile (PDF)", lambda: report.profile_pdf(_printable()), f"{code}-profile.pdf",
                       mime="application/pdf", icon=":material/picture_as_pdf:")
    st.download_button("Profile (printable HTML)", _printable, f"{code}-profile.html", mime="text/html",
                       icon=":material/print:")
    st.download_button("All indicators, all wards (CSV)",
                       lambda: report.indicators_csv(sv.indicator_values(flt, policy), names),
                       "ward-indicators.csv", mime="text/csv", icon=":material/table:")
    st.download_button("Every ward's profile, all engagement (zip, about 1 s a ward)",
                       lambda: profiles_archive(da.db_path()), "ward-profiles.zip",
                       mime="application/zip", icon=":material/folder_zip:")

def similar_wards() -> None:
    """The five wards most like this one, each a button that opens it, and a side-by-side comparison."""
    st.header("Similar wards")
    st.caption("The five wards most like this one on age, ethnic mix and deprivation (standardised indicators, "
               "straight-line distance; 0 = identical). Open one to compare.")
    ui.table(prof.similar.drop(columns=["ward_code"]).round({"distance": 2}))
    buttons = st.columns(max(len(prof.similar), 1))
    for slot, row in zip(buttons, prof.similar.itertuples(), strict=False):
        if slot.button(f"Open {row.Ward}", key=f"similar_{row.ward_code}", icon=":material/arrow_forward:"):
            st.query_params["ward"] = row.ward_code
            st.rerun()
    st.header("Compare with another ward")
    others = [c for c in codes if c != code]
    default = others.index(prof.similar["ward_code"].iloc[0]) if len(prof.similar) else 0
    other = st.selectbox("Compare with", others, index=default, format_func=names.get)
    ui.table(profile.compare_wards(sv.indicator_values(flt, policy), code, other, names))


def taking_part() -> None:
    """People taking part by quarter, the activities that reached the ward and the channels they used."""
    st.header("Taking part")
    st.markdown(we.trend_sentence(part["trend"], policy=policy))
    ui.table(tables.quarterly_table(part["trend"], policy))
    st.caption("Quarters by date of response. Per 1,000 residents; hidden where a count is below "
               f"{policy.threshold}. {ui.filter_summary(flt)}.")
    st.subheader("Activities that reached the ward")
    st.markdown(we.outcome_sentence(part["outcomes"]))
    ui.table(tables.activities_table(part["reached"], policy))
    st.subheader("How people take part")
    ui.table(tables.channel_table(part["channels"], policy))
    st.caption("Share of the ward's people taking part who used each channel (a person may use several). Few "
               "online responses from a group can signal digital exclusion.")
    ui.sources("engagement")


def who_takes_part() -> None:
    """Respondents against the residents who could take part, group by group, with the method in words."""
    st.header("Who takes part, against who lives here")
    labels = DIMENSION_LABELS | {AGE: "Age band"}  # the table lists bands
    for dimension in [d for d in labels if d in prof.compositions]:
        rep = sv.ward_representation(code, dimension, flt, policy)
        st.markdown(f"**{labels[dimension]}**")
        ui.table(tables.representation_table(rep, labels[dimension], policy))
    st.caption("Representation index = share of respondents who stated a group ÷ share of the residents who could "
               "take part (the age limits of the activities in the filter; 1 = in proportion). 95% interval: Wilson "
               "score interval of the respondent share, the census share taken as known. ▼ under- / ▲ "
               "over-represented only when a two-sided exact binomial test stays significant at 5% after Holm's "
               "correction across the groups of the table and the whole interval lies below (above) 1. Where a count "
               "is hidden the flag is judged on the least favourable values the published figures allow and the "
               "index shows as a band. People who did not state a group, or gave an answer with no census group, "
               "are their own rows and left out of the shares; a group nobody in it could take part in is not "
               "tested. Age groups: the bands respondents used, the census rebuilt for them by a uniform split by "
               "single year of age (65+ up to 90).")
    st.caption("**Why a share or index is blank:** the group's count of respondents is hidden (fewer than "
               f"{policy.threshold}, or one that would give a hidden count away), its base is below {policy.min_base}, "
               "or the row is not a census group ('Not stated', other answers) and so has no share of residents; the "
               "Flag column says which.")
    ui.sources("engagement")


def outreach_partners() -> None:
    """Community assets near the ward that could help reach the people it under-represents."""
    st.header("Outreach partners near this ward")
    partners_section(code, names[code], key="ward")


#: The profile's sections, each a tab of its own; only the open one runs (ui.lazy_tabs).
SECTIONS = {
    "At a glance": lambda: ui.headline_section(prof, flt),
    "Who lives here": lambda: ui.composition_sections(prof, key="ward"),
    "Deprivation and assets": lambda: ui.deprivation_and_assets(prof),
    "Taking part": taking_part,
    "Who takes part": who_takes_part,
    "What residents said": lambda: ui.said_section(said.said_here((code,), flt, policy)),
    "Similar wards": similar_wards,
    "Outreach partners": outreach_partners,
}
ui.lazy_tabs(SECTIONS, key="ward_tab")
