"""Who takes part: reach, representation, cold spots, respondent density, themed groups and the
scrutiny report's pieces, each computed by geo/ from data_access's counts and cached per filter."""

from __future__ import annotations

from datetime import date

import pandas as pd

import data_access as da
from data_access import EngagementFilter
from geo import density, hotspots, indicators, scrutiny
from geo import eligibility as el
from geo import funnel as gf
from geo import participation as gp
from geo import representation as rp
from geo import representativeness as rs
from geo import ward_engagement as we
from geo.disclosure import DisclosurePolicy
from render import charts, tables
from services.caching import analysis, ward_name_lookup
from vocabulary import AGE, RESPONSE_COLUMNS


@analysis(max_entries=256)
def participation_reach(flt: EngagementFilter = EngagementFilter(), policy: DisclosurePolicy | None = None
                        ) -> pd.DataFrame:
    """geo.participation.reach (protected counts, raw and Empirical Bayes rates per 1,000), cached per filter."""
    return gp.reach(da.wards(), da.population(), da.ward_engagement(flt), policy)


@analysis(max_entries=256)
def comparison(dimension: str, flt: EngagementFilter = EngagementFilter()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What respondents are compared with, cached: (eligible residents per ward and group, respondents per ward
    and group), both in the analysis groups (geo.eligibility: age groups rebuilt for the bands respondents used,
    residents inside the widest age limits of the filter's activities, in the wards of their scope: residents of a
    ward no activity in the filter was open to are not compared with anyone)."""
    groups = da.respondent_groups(dimension, flt)
    population = da.population()
    answers = list(groups["category"].dropna().unique())
    scope = da.activity_scope_wards(flt)
    in_scope = population if scope is None else population[population["ward_code"].isin(scope)]
    eligible = el.eligible_population(in_scope, dimension, answers, da.activity_age_limits(flt))
    if dimension == AGE:
        census = population.loc[population["dimension"] == AGE, "category"].drop_duplicates().tolist()
        groups = el.respondent_age_groups(groups, census)
    return eligible, groups


@analysis(max_entries=256)
def representation_matrix(dimension: str, flt: EngagementFilter = EngagementFilter(),
                          policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """geo.representation.representation_matrix (every ward × group, the ward profile's test), cached."""
    eligible, groups = comparison(dimension, flt)
    return rp.representation_matrix(eligible, groups, list(da.wards()["ward_code"]), dimension, policy)


@analysis(max_entries=256)
def borough_representation(dimension: str, flt: EngagementFilter = EngagementFilter(),
                           policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """geo.representation.borough_representation for one dimension, cached."""
    eligible, groups = comparison(dimension, flt)
    return rp.borough_representation(eligible, groups, dimension, policy)


@analysis(max_entries=64)
def representativeness(dimensions: tuple[str, ...], flt: EngagementFilter = EngagementFilter(),
                       policy: DisclosurePolicy | None = None) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """geo.representativeness.summary over the borough tables of `dimensions`: the representation score and the
    R-indicator per dimension (with intervals) and each dimension's partial indicators, cached."""
    return rs.summary({d: borough_representation(d, flt, policy) for d in dimensions})


@analysis(max_entries=256)
def cold_spots(kind: str = "respondents", flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """geo.hotspots.local_moran of the Empirical Bayes rate of `kind` per 1,000 residents, cached per filter."""
    if kind not in ("responses", "respondents"):
        raise ValueError(f"unknown measure {kind!r}")
    eng = da.ward_engagement(flt).set_index("ward_code")[kind]
    pop = indicators.residents(da.population())
    codes = list(da.ward_geometry_bng()["ward_code"])
    values = gp.eb_rates(eng.reindex(codes).fillna(0.0), pop.reindex(codes).fillna(0.0))
    return hotspots.local_moran(values, da.ward_geometry_bng())


@analysis(max_entries=32)
def hexagon_cells(size_m: float, flt: EngagementFilter = EngagementFilter(), policy: DisclosurePolicy | None = None
                  ) -> tuple:
    """geo.density.hexagons of respondent_hexes: cells of at least the threshold (EPSG:27700) and the raw number
    of people in smaller cells anywhere, cached."""
    return density.hexagons(da.respondent_hexes(size_m, flt), float(size_m), policy)


@analysis(max_entries=64)
def hexagon_layer(size_m: float, flt: EngagementFilter = EngagementFilter(), policy: DisclosurePolicy | None = None,
                  lad_code: str | None = None) -> tuple:
    """hexagon_cells, and the cells reprojected for the map (None when none), cached.

    lad_code: only the cells near that district (geo.density.within), for a national map that draws one district;
    each district is cached on its own, so a run reads back its few hundred cells rather than England's (reading
    and reprojecting all of them cost about a second a run)."""
    cells, dropped = hexagon_cells(float(size_m), flt, policy)
    if lad_code is not None:
        every = da.wards()
        cells = density.within(cells, every[every["lad_code"] == lad_code])
    return cells, dropped, density.for_map(cells) if len(cells) else None


@analysis(max_entries=64)
def outreach_targets(flt: EngagementFilter = EngagementFilter(), policy: DisclosurePolicy | None = None
                     ) -> pd.DataFrame:
    """geo.scrutiny.outreach_targets (documented score), cached per filter."""
    return scrutiny.outreach_targets(participation_reach(flt, policy), da.ward_deprivation(), da.ward_geometry_bng(),
                                     da.assets(), ward_name_lookup())


@analysis(max_entries=128)
def themed_group(dimension: str, categories: tuple[str, ...], flt: EngagementFilter = EngagementFilter(),
                 policy: DisclosurePolicy | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """geo.scrutiny.group_by_ward and group_by_quarter for a themed group, cached."""
    definition = scrutiny.group_definition("", dimension, list(categories))
    return (scrutiny.group_by_ward(da.population(), da.respondent_groups(dimension, flt),
                                   list(da.wards()["ward_code"]), definition, policy),
            scrutiny.group_by_quarter(da.population(), da.respondent_groups_quarterly(dimension, flt), definition,
                                      policy))


@analysis(max_entries=64)
def scrutiny_parts(flt: EngagementFilter = EngagementFilter(), policy: DisclosurePolicy | None = None) -> dict:
    """The scrutiny report's protected pieces, cached: flagged cells per dimension (tables of strings),
    outcome share of activities with responses, channel mix by group per dimension."""
    pop = da.population()
    names = ward_name_lookup()
    dims = gp.dimensions_available(pop, list(RESPONSE_COLUMNS))
    flagged = {d: tables.flagged_table(representation_matrix(d, flt, policy), names, policy) for d in dims}
    everywhere = da.ward_activities(flt).assign(ward_code="all")
    outcomes = we.outcome_share(we.activities_reached(everywhere, da.activities(), "all", policy))
    mixes = {}
    for d in dims:
        groups = list(dict.fromkeys(pop.loc[pop["dimension"] == d, "category"]))
        mixes[d] = tables.channel_mix_table(scrutiny.channel_mix_by_group(
            da.group_channels(d, flt), da.respondent_groups(d, flt), groups, policy))
    return {"flagged": flagged, "outcomes": outcomes, "channel_mix": mixes}


@analysis(max_entries=128)
def representation_view(dimension: str, flt: EngagementFilter = EngagementFilter(),
                        policy: DisclosurePolicy | None = None, title: str = "", group_label: str = "Group",
                        heatmap_wards: tuple[str, ...] | None = None) -> dict:
    """What the Participation page shows for one dimension, built once and cached: the borough test
    (frame and table of strings), the ward × group heatmap (plotly dict; only heatmap_wards when given, e.g.
    one district of a national database), the flagged cells table (every ward, both directions) and the age
    limits of the filter's activities (who could take part). Groups nobody could take part in are not columns
    of the heatmap (they are rows of the borough table, "not tested")."""
    names = ward_name_lookup()
    rep = borough_representation(dimension, flt, policy)
    groups = rep[(rep["kind"] == "group") & (rep["residents"] > 0)]
    matrix = representation_matrix(dimension, flt, policy)
    shown = matrix if heatmap_wards is None else matrix[matrix["ward_code"].isin(tuple(heatmap_wards))]
    return {"borough": rep, "borough_table": tables.representation_table(rep, group_label, policy),
            "heatmap": charts.heatmap_figure(shown, names, list(groups["group"]), title),
            "flagged": tables.flagged_table(matrix, names, policy), "limits": da.activity_age_limits(flt)}


def _last_day(flt: EngagementFilter) -> date:
    """The last day the data can cover: the filter's end, else the day the database was built (as the ward
    profile's trend)."""
    return flt.end or date.fromisoformat(da.meta()["built_at"][:10])


@analysis(max_entries=64)
def quarterly_reach(flt: EngagementFilter = EngagementFilter(), policy: DisclosurePolicy | None = None
                    ) -> pd.DataFrame:
    """geo.ward_engagement.quarterly_trend for every ward (long, with ward_code), cached: people taking part
    per 1,000 residents per ward and quarter, protected, for the scrutiny report. A quarter is complete when
    it lies between the filter's start and `_last_day`."""
    return we.quarterly_trends(da.ward_quarterly(flt), list(da.wards()["ward_code"]), da.population(), policy,
                               flt.start, _last_day(flt))


@analysis(max_entries=64)
def quarter_targets(target: float, flt: EngagementFilter = EngagementFilter(),
                    policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """geo.scrutiny.quarter_targets: each quarter's share of the yearly `target` (÷ 4, a part quarter pro rata
    by days), cached."""
    return scrutiny.quarter_targets(quarterly_reach(flt, policy), float(target), flt.start, _last_day(flt))


@analysis(max_entries=64)
def quarterly_target_table(target: float, flt: EngagementFilter = EngagementFilter(),
                           policy: DisclosurePolicy | None = None) -> pd.DataFrame:
    """render.tables.quarterly_target_table of quarterly_reach for every ward against each quarter's share of the
    yearly `target`, cached (7,681 wards × quarters of formatted cells is worth keeping between runs)."""
    return tables.quarterly_target_table(quarterly_reach(flt, policy), ward_name_lookup(),
                                         quarter_targets(target, flt, policy))


@analysis(max_entries=64)
def funnel(flt: EngagementFilter = EngagementFilter(), policy: DisclosurePolicy | None = None,
           kind: str = "respondents") -> gf.Funnel:
    """geo.funnel.funnel of the protected reach (people taking part per 1,000 residents against residents, 95% and
    99.8% limits, over-dispersion allowed for), cached per filter."""
    return gf.funnel(participation_reach(flt, policy), kind)
