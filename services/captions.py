"""Words that go with every view and printed report: which engagement is counted, where each dataset comes from,
and a printed report's header and footer lines. Plain functions (no widgets), shared by the pages (through ui/) and
the command-line reports, so screen and paper say the same."""

from __future__ import annotations

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


def source_lines(*datasets: str) -> list[str]:
    """One sentence per dataset naming its source and reference date (for captions and printed reports)."""
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


def report_about(meta: dict, flt: da.EngagementFilter) -> list[str]:
    """Lines under a printed report's title: council, build date, which engagement, a synthetic-data notice."""
    lines = [f"{meta['council']}; database built {str(meta.get('built_at', ''))[:10]}; {filter_summary(flt)}."]
    notice = synthetic_notice(meta)
    return lines + ([f"{notice[0]} {notice[1]}"] if notice else [])


def report_footer(*datasets: str) -> list[str]:
    """A printed report's footer: the sources and dates of its datasets, then the licence attribution."""
    return [*source_lines(*datasets), ATTRIBUTION]
