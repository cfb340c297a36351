"""Area-based working: the wards' crossings, the builder's starting scheme and a national map's districts."""

from __future__ import annotations

import pandas as pd

import data_access as da
from geo import areas, indicators, proposals
from render import maps
from services.caching import analysis


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
