"""Services: cached analysis calls and view models the pages use (between pages and geo/data_access).

Each function reads tables through data_access, runs geo's analysis on them and caches the result
per database version, filter and disclosure policy (`services.caching.analysis`), so a page run
costs a dictionary lookup. Nothing here draws widgets or runs SQL. `services.upload` (officers' uploads:
staging, the validation report, publish and roll back, each run by the ETL in a process of its own) is
imported by name, as it is used by the Data page only; so is `services.assets` (the community asset register's
coverage, asset deserts, upkeep and outreach partners).
"""

from services.areas import districts, scheme_check, scheme_mix, scheme_summary, starting_scheme, ward_crossings
from services.participation import (
    borough_representation,
    cold_spots,
    comparison,
    funnel,
    hexagon_cells,
    hexagon_layer,
    outreach_targets,
    participation_reach,
    quarter_targets,
    quarterly_reach,
    quarterly_target_table,
    representation_matrix,
    representation_view,
    representativeness,
    scrutiny_parts,
    themed_group,
)
from services.profiles import (
    area_profile,
    area_representation,
    indicator_values,
    profile_inputs,
    ward_labels,
    ward_participation,
    ward_profile,
    ward_representation,
    ward_surroundings,
)

__all__ = [
    "area_profile", "area_representation", "borough_representation", "cold_spots", "comparison", "districts",
    "funnel", "hexagon_cells", "hexagon_layer", "indicator_values", "outreach_targets", "participation_reach",
    "profile_inputs", "quarter_targets", "quarterly_reach", "quarterly_target_table", "representation_matrix",
    "representation_view", "representativeness", "scheme_check", "scheme_mix", "scheme_summary", "scrutiny_parts",
    "starting_scheme", "themed_group",
    "ward_crossings", "ward_labels", "ward_participation", "ward_profile", "ward_representation",
    "ward_surroundings",
]
