"""Ward and area profiles for the app and the printable exports, built by geo.profile and cached."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd

import data_access as da
from data_access import EngagementFilter
from geo import indicators
from geo import representation as rp
from geo import ward_engagement as we
from geo.disclosure import DisclosurePolicy
from geo.profile import ProfileInputs, area_inputs, build_profile, neighbours
from geo.profile import ward_labels as unique_ward_labels
from services.caching import analysis
from services.participation import comparison


@analysis
def indicator_values(flt: EngagementFilter = EngagementFilter(), policy: DisclosurePolicy | None = None
                     ) -> pd.DataFrame:
    """Every registry indicator for every ward, the borough and England (geo.indicators), cached per filter."""
    england_population, england_deprivation = da.england()
    return indicators.ward_indicators(list(da.wards()["ward_code"]), da.population(), da.ward_deprivation(),
                                      da.assets(), da.ward_engagement(flt), policy,
                                      indicators.england_values(england_population, england_deprivation))


def profile_inputs(flt: EngagementFilter = EngagementFilter()) -> ProfileInputs:
    """Everything a ward profile is built from (geo.profile.ProfileInputs), from the cached tables."""
    policy = DisclosurePolicy.from_env()
    england_population, england_deprivation = da.england()
    return ProfileInputs(
        wards=da.wards(), population=da.population(), deprivation=da.ward_deprivation(),
        lsoa_deprivation=da.lsoa_deprivation(), assets=da.assets(), engagement=da.ward_engagement(flt),
        provenance=da.provenance(), england_population=england_population, england_deprivation=england_deprivation,
        policy=policy, precomputed_values=indicator_values(flt, policy), wards_bng=da.ward_geometry_bng())


@analysis(max_entries=512)
def ward_profile(ward_code: str, flt: EngagementFilter = EngagementFilter()):
    """geo.profile.build_profile for one ward, cached per ward and filter (the page and exports share it)."""
    return build_profile(profile_inputs(flt), ward_code)


@analysis(max_entries=256)
def area_profile(assignment: dict[str, str], area: str, flt: EngagementFilter = EngagementFilter()):
    """The profile of one area of a scheme (ward_code → area), built by the ward-profile machinery, cached."""
    return build_profile(area_inputs(profile_inputs(flt), pd.Series(dict(sorted(assignment.items())))), area)


@analysis(max_entries=512)
def ward_representation(ward_code: str, dimension: str, flt: EngagementFilter = EngagementFilter(),
                        policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """geo.representation.ward_representation for one ward against its eligible residents
    (services.participation.comparison), cached: its multiple-testing step is slow (~0.15 s)."""
    eligible, groups = comparison(dimension, flt)
    return rp.ward_representation(eligible, groups, ward_code, dimension, policy)


@analysis(max_entries=256)
def area_representation(assignment: dict[str, str], area: str, dimension: str,
                        flt: EngagementFilter = EngagementFilter(), policy: DisclosurePolicy | None = None
                        ) -> pd.DataFrame:
    """geo.representation.area_representation for one area of a scheme (ward_code → area) against its eligible
    residents, cached: the same test, flags and banded index as a ward's table."""
    eligible, groups = comparison(dimension, flt)
    return rp.area_representation(eligible, groups, pd.Series(dict(sorted(assignment.items()))), area, dimension,
                                  policy)


def ward_participation(ward_code: str, flt: EngagementFilter = EngagementFilter(),
                       policy: DisclosurePolicy | None = None) -> dict:
    """Quarterly trend, activities reached, outcome share and channel mix of one ward (geo.ward_engagement), cached.

    Counts up to the filter's end date, or the database's build date.
    """
    last_day = flt.end or date.fromisoformat(da.meta()["built_at"][:10])
    return _ward_participation(ward_code, flt, policy, last_day)


@analysis(max_entries=512)
def _ward_participation(ward_code: str, flt: EngagementFilter, policy: DisclosurePolicy | None,
                        last_day: date) -> dict:
    trend = we.quarterly_trend(da.ward_quarterly(flt), ward_code, da.population(), policy, flt.start, last_day)
    reached = we.activities_reached(da.ward_activities(flt), da.activities(), ward_code, policy)
    mix = we.channel_mix(da.ward_channels(flt), da.ward_engagement(flt), ward_code, policy)
    return {"trend": trend, "reached": reached, "outcomes": we.outcome_share(reached, as_of=last_day), "channels": mix}


@analysis
def ward_labels() -> dict[str, str]:
    """ward_code → unique label, in name order, without geometry (cheap to hand to every widget)."""
    return unique_ward_labels(da.ward_names()).to_dict()


@analysis(max_entries=512)
def ward_surroundings(ward_code: str) -> gpd.GeoDataFrame:
    """A ward and the wards touching it, display geometry (for the profile map), cached per ward."""
    return neighbours(da.wards(), ward_code)
