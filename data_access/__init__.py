"""The app's only door to the database: read-only, cached, parameterised SQL, and nothing else.

- `connection`: which database file is read, its one shared read-only connection, and `cached`,
  the one cache decorator (keyed on the database's version and the call's arguments).
- `filters`: EngagementFilter, the sidebar's choice of responses, as a SQL condition.
- `reference`: the council, wards, residents, deprivation, assets (the register, its changes, residents per
  small area and their points), activities, provenance.
- `engagement`: responses only ever aggregated (counts per ward, group, quarter, channel, hexagon).
- `answers`: what residents said, only ever aggregated (answer cells, PB ballots, map comments without ids,
  petition signatures, how often people answer).
- `workspace`: the small separate file where users' saved schemes and groups live (the only writes).

Analysis of these tables (protection, rates, tests) lives in geo/ and is cached for the app by services/.
"""

from data_access import roles
from data_access.answers import (
    answer_cells,
    ballots,
    comments,
    new_and_returning,
    pb_projects,
    petition_signatures,
    question_reach,
    question_respondents,
    questions,
    response_frequency,
    ward_yield,
)
from data_access.connection import cached, db_path, query, use_database, version
from data_access.engagement import (
    activity_age_limits,
    activity_scope_wards,
    borough_totals,
    engagement_options,
    group_channels,
    respondent_groups,
    respondent_groups_quarterly,
    respondent_hexes,
    ward_activities,
    ward_channels,
    ward_engagement,
    ward_quarterly,
)
from data_access.filters import EngagementFilter
from data_access.reference import (
    activities,
    asset_changes,
    assets,
    assets_loaded,
    datasets,
    england,
    load_history,
    lsoa_deprivation,
    meta,
    population,
    provenance,
    small_area_points,
    small_area_population,
    small_area_shapes,
    sources_by_dataset,
    ward_deprivation,
    ward_geometry_bng,
    ward_names,
    wards,
)
from data_access.workspace import (
    delete_item,
    duplicate_item,
    rename_item,
    save_item,
    saved_items,
    workspace_path,
)

__all__ = [
    "answer_cells", "ballots", "comments", "new_and_returning", "pb_projects", "petition_signatures",
    "question_reach", "question_respondents", "roles", "questions", "response_frequency", "ward_yield",
    "EngagementFilter", "activities", "activity_age_limits", "activity_scope_wards", "asset_changes", "assets",
    "assets_loaded", "borough_totals", "small_area_points", "small_area_population", "small_area_shapes",
    "cached", "datasets", "db_path", "delete_item", "duplicate_item", "engagement_options", "england",
    "group_channels", "load_history", "lsoa_deprivation", "meta", "population", "provenance", "query", "rename_item",
    "respondent_groups", "respondent_groups_quarterly", "respondent_hexes", "save_item", "saved_items",
    "sources_by_dataset", "use_database", "version", "ward_activities", "ward_channels", "ward_deprivation",
    "ward_engagement", "ward_geometry_bng", "ward_names", "ward_quarterly", "wards", "workspace_path",
]
