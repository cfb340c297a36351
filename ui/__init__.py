"""Shared page furniture (widgets and captions every page uses), so page chrome is written once.

- `frame`: the header with the synthetic-data notice, the sidebar's engagement filter, source captions, tables,
  tabs of which only the open one runs, the district chooser of a national map (the words themselves come from
  services.captions).
- `profile_sections`: the residents part of a ward's or an area's profile, and what its residents said.
"""

from render.attribution import ATTRIBUTION
from services.captions import filter_summary, report_about, report_footer, source_lines
from ui.frame import ABOUT, FILTER_KEY, engagement_filter, header, lazy_tabs, map_wards, plain, sources, table
from ui.profile_sections import (
    AREA_WORDING,
    PROFILE_DIMENSIONS,
    composition_sections,
    deprivation_and_assets,
    headline_section,
    profile_sections,
    said_section,
)
from ui.sign_in import allowed, sign_in

__all__ = [
    "ABOUT", "AREA_WORDING", "ATTRIBUTION", "allowed", "composition_sections", "deprivation_and_assets",
    "engagement_filter", "FILTER_KEY", "filter_summary", "header", "headline_section", "lazy_tabs", "map_wards",
    "plain", "PROFILE_DIMENSIONS", "profile_sections", "report_about", "report_footer", "said_section", "sign_in",
    "source_lines", "sources", "table",
]
