"""Words that go with every view and printed report: which engagement is counted, where each dataset comes from,
and a printed report's header and footer lines. Plain functions (no widgets), shared by the pages (through ui/) and
the command-line reports, so screen and paper say the same."""

from __future__ import annotations

import datetime

import data_access as da
from geo.disclosure import DisclosurePolicy
from geo.indicators import PROVENANCE_DATASET
from render.attribution import ATTRIBUTION
from render.report import synthetic_notice


def filter_summary(flt: da.EngagementFilter) -> str:
    """The sidebar filter in words ("All engagement", or "Filtered to kinds: …; 2026-01-01 to …")."""
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


#: What each dataset is, in words a resident would use (captions name it before its source).
DATASET_WORDS = {"age": "Residents by age", "sex": "Residents by sex", "ethnicity": "Residents by ethnic group",
                 "disability": "Residents by disability", "deprivation": "Deprivation",
                 "engagement": "Consultations and responses", "assets": "Community groups and places"}


def _date_words(date: str) -> str:
    """'2026-09-30' → '30 September 2026'; anything else (a year, a census day already in words) as it is."""
    try:
        day = datetime.date.fromisoformat(date[:10])
    except ValueError:
        return date
    return f"{day.day} {day:%B %Y}"


def _assets_loaded() -> bool:
    try:
        return da.assets_loaded()
    except Exception:  # an older database without the register's table: say nothing more than the source
        return True


def source_lines(*datasets: str) -> list[str]:
    """One plain sentence per dataset: what it is, where it comes from and the date it describes (for captions and
    printed reports), e.g. "Consultations and responses: the council's own records ("Engagement export"), up to
    30 September 2026." """
    known = da.sources_by_dataset()
    lines = []
    for name in datasets:
        source, date = known.get(PROVENANCE_DATASET.get(name, name), ("", ""))
        label = DATASET_WORDS.get(name, name.capitalize())
        if name == "assets" and not _assets_loaded():
            lines.append(f"{label}: no register of community groups and places was loaded for this council, so none "
                         "are shown.")
        elif name == "engagement":
            own = f"the council's own records ({source})" if source else "the council's own records"
            lines.append(f"{label}: {own}" + (f", up to {_date_words(date)}." if date else "."))
        elif source:
            lines.append(f"{label}: {source}" + (f", as at {_date_words(date)}." if date else "."))
        elif name == "deprivation":
            lines.append(f"{label}: MHCLG English Indices of Deprivation 2019 (OGL v3).")
        elif name == "assets":
            lines.append(f"{label}: the council's own records.")
        if name == "engagement":
            lines.append(f"Counts below {DisclosurePolicy.from_env().threshold} people are hidden.")
    return lines


def real_data_notice(meta: dict) -> str:
    """The first screen's line for a database of real data (the synthetic one has its own warning)."""
    return (f"**Real data.** The figures are {meta.get('council', 'the council')}'s own records of consultations and "
            "responses, with published census, deprivation and boundary statistics; counts of people are protected "
            "as the sidebar says.")


def report_about(meta: dict, flt: da.EngagementFilter) -> list[str]:
    """Lines under a printed report's title: council, build date, which engagement, a synthetic-data notice."""
    lines = [f"{meta['council']}; database built {str(meta.get('built_at', ''))[:10]}; {filter_summary(flt)}."]
    notice = synthetic_notice(meta)
    return lines + ([f"{notice[0]} {notice[1]}"] if notice else [])


def report_footer(*datasets: str) -> list[str]:
    """A printed report's footer: the sources and dates of its datasets, then the licence attribution."""
    return [*source_lines(*datasets), ATTRIBUTION]
