"""Area-based working: the wards' crossings, the builder's starting scheme and a national map's districts."""

from __future__ import annotations

import pandas as pd

import data_access as da
from data_access import EngagementFilter
from geo import areas, areas_compare, indicators, proposals
from geo import participation as gp
from geo.disclosure import DisclosurePolicy
from render import maps
from services.caching import analysis
from services.profiles import indicator_values


@analysis
def ward_crossings() -> pd.DataFrame:
    """Links joining wards with no shared boundary to the rest of the map (geo.areas.crossings); usually none."""
    return areas.crossings(da.ward_geometry_bng().set_index("ward_code"))


@analysis
def starting_scheme(n_areas: int) -> tuple[float, dict[str, str]]:
    """The builder's starting grouping into n areas and the narrowest standard population range it meets."""
    tolerance, start = proposals.starting_range(da.ward_geometry_bng(), indicators.residents(da.population()),
                                                int(n_areas))
    return tolerance, start.to_dict()


@analysis
def districts() -> pd.DataFrame:
    """render.maps.districts of the loaded wards (lad_code, wards, label), cached: a national map's chooser."""
    return maps.districts(da.wards())


# A scheme's figures, cached per scheme (ward_code → area, as the builder holds it): the Areas page shows them on
# every run, and the map's first render reruns the page, so each would otherwise be worked out twice per visit.

@analysis(max_entries=256)
def scheme_check(assignment: pd.Series, tolerance_pct: float) -> pd.DataFrame:
    """geo.areas.check_scheme on the full-resolution boundaries with the wards' crossings."""
    return areas.check_scheme(assignment, da.ward_geometry_bng(), indicators.residents(da.population()),
                              tolerance_pct, links=ward_crossings())


@analysis(max_entries=256)
def scheme_summary(assignment: pd.Series, flt: EngagementFilter = EngagementFilter(),
                   policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """geo.areas.area_summary: residents, protected responses and their rates per area and for all areas."""
    responses = gp.protected_ward_counts(da.wards()["ward_code"], da.ward_engagement(flt), "responses", policy)
    return areas.area_summary(assignment, da.ward_geometry_bng(), indicators.residents(da.population()), responses,
                              policy=policy, links=ward_crossings())


@analysis(max_entries=256)
def scheme_mix(assignment: pd.Series, flt: EngagementFilter = EngagementFilter(),
               policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """geo.areas_compare.area_mix: resident-weighted ward indicators and community assets per area."""
    return areas_compare.area_mix(assignment, indicator_values(flt, policy), indicators.residents(da.population()),
                                  da.assets())
