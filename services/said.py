"""What residents said: each question's results raw and weighted, participatory budgeting, petitions, map
comments and who keeps answering — geo's analyses over data_access's aggregated answers, cached per filter.

Every result is compared with (and weighted to) the residents who could take part in the question's own
activity: the wards of its scope and its age limits, as the representation analysis does.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

import data_access as da
from data_access import EngagementFilter
from geo import answers as ga
from geo import comments as gc
from geo import engagement_habits as gh
from geo import indicators
from geo import pb as gpb
from geo.disclosure import DisclosurePolicy
from services.caching import analysis

#: Question kinds whose answers are shares of respondents (the others: PB ballots, comments, free text).
SHARE_KINDS = ga.ADDITIVE_KINDS + ("multiple_choice",)


def _eligible(activity_id: str) -> tuple[pd.DataFrame, tuple[int | None, int | None]]:
    """Residents of the activity's scope wards, and its age limits."""
    scope_filter = EngagementFilter(activity_ids=(activity_id,))
    scope = da.activity_scope_wards(scope_filter)
    population = da.population()
    in_scope = population if scope is None else population[population["ward_code"].isin(scope)]
    return in_scope, da.activity_age_limits(scope_filter)


def question(question_id: str) -> pd.Series:
    """One question's row (activity_id, kind, text, options); KeyError for an unknown id."""
    return da.questions().set_index("question_id").loc[question_id]


@analysis(max_entries=128)
def question_results(question_id: str, flt: EngagementFilter = EngagementFilter(),
                     policy: DisclosurePolicy | None = None,
                     scheme: tuple[tuple[str, str], ...] | None = None) -> ga.QuestionResults:
    """geo.answers.question_results of one question: borough, wards, areas of `scheme` (ward_code → area pairs)
    and groups, raw and weighted to the eligible residents, cached."""
    q = question(question_id)
    population, limits = _eligible(q["activity_id"])
    base = da.question_respondents(question_id, flt) if q["kind"] in ga.NON_ADDITIVE_KINDS else None
    return ga.question_results(da.answer_cells(question_id, flt), q["kind"], ga.option_list(q["kind"], q["options"]),
                               population, base=base, assignment=None if not scheme else pd.Series(dict(scheme)),
                               limits=limits, policy=policy)


def pb_activities() -> pd.DataFrame:
    """PB activities (kind pb_vote with projects), with their budget."""
    acts = da.activities()
    with_projects = set(da.pb_projects()["activity_id"])
    return acts[(acts["kind"] == "pb_vote") & acts["activity_id"].isin(with_projects)]


@analysis(max_entries=32)
def pb_outcome(activity_id: str, flt: EngagementFilter = EngagementFilter(),
               policy: DisclosurePolicy | None = None) -> dict:
    """Tallies and funded sets (greedy and Method of Equal Shares), satisfaction and who benefits, cached: the
    Equal Shares computation takes seconds on a large vote."""
    acts = da.activities().set_index("activity_id")
    budget = acts.at[activity_id, "budget"]
    if pd.isna(budget):
        raise ValueError(f"the PB activity {activity_id} has no budget in activities.csv")
    projects, ballots = da.pb_projects(activity_id), da.ballots(activity_id, flt)
    sets = gpb.funded_sets(projects, ballots, float(budget))
    results = gpb.project_results(projects, ballots, float(budget), policy, sets=sets)
    deprivation = da.ward_deprivation()
    return {"budget": float(budget), "results": results, "summary": gpb.rule_summary(results, float(budget)),
            "satisfaction": gpb.satisfaction(projects, ballots, sets, deprivation, policy),
            "benefits": gpb.who_benefits(projects, ballots, sets, deprivation, policy)}


@analysis(max_entries=32)
def petitions(flt: EngagementFilter = EngagementFilter(), policy: DisclosurePolicy | None = None
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """geo.answers.petition_progress: signatures per 1,000 residents by ward, and progress to each debate."""
    acts = da.activities()
    chosen = acts[acts["kind"] == "petition"][["activity_id", "title", "debate_threshold"]]
    return ga.petition_progress(da.petition_signatures(flt), chosen, indicators.residents(da.population()), policy)


@analysis(max_entries=32)
def comment_themes(question_id: str, flt: EngagementFilter = EngagementFilter(),
                   policy: DisclosurePolicy | None = None) -> dict:
    """Themes of a map-comment question's text with their sizes overall, by ward and by age group, and quotes
    from public comments only (geo.comments), cached: the fit takes about a second."""
    fit = gc.fit_themes(da.comments(question_id, flt), policy)
    return {"themes": gc.theme_table(fit), "by_ward": gc.theme_by(fit, "ward_code"),
            "by_age": gc.theme_by(fit, "age_band"), "quotes": gc.quotes(fit)}


@analysis(max_entries=32)
def comment_cells(question_id: str, size_m: float, flt: EngagementFilter = EngagementFilter(),
                  policy: DisclosurePolicy | None = None) -> gc.CommentCells:
    """Map comments as hexagon cells of at least the threshold (never a pin), cached."""
    return gc.comment_cells(da.comments(question_id, flt), float(size_m), policy)


@analysis(max_entries=32)
def habits(flt: EngagementFilter = EngagementFilter(), policy: DisclosurePolicy | None = None) -> dict:
    """Who keeps answering: the most active 10%'s share of responses, new and returning people by ward and quarter,
    and response yield by ward and year with the consultation-fatigue flag (geo.engagement_habits)."""
    last_day = flt.end or date.fromisoformat(da.meta()["built_at"][:10])
    yields = da.ward_yield(flt)
    years = sorted(int(y) for y in yields["year"].unique() if date(int(y), 12, 31) <= last_day)  # complete years
    return {"most_active": gh.most_active_share(da.response_frequency(flt), policy=policy),
            "new_returning": gh.new_and_returning(da.new_and_returning(flt), policy),
            "yield": gh.response_yield(yields, indicators.residents(da.population()), complete_years=years,
                                       policy=policy)}


#: How many questions a profile's "what residents here said" shows: those its residents answered most.
PROFILE_QUESTIONS = 3


@analysis(max_entries=512)
def said_here(ward_codes: tuple[str, ...], flt: EngagementFilter = EngagementFilter(),
              policy: DisclosurePolicy | None = None, scheme: tuple[tuple[str, str], ...] | None = None,
              area: str | None = None) -> pd.DataFrame:
    """For a ward (or an area of `scheme`), the single-choice questions its residents answered most: each answer's
    share here beside the borough's, raw and weighted (rows of `question_results`, already protected). Cached:
    unpickling each question's full results on every profile run took about 0.15 s."""
    reach = da.question_reach(flt)
    kinds = da.questions().set_index("question_id")["kind"]
    here = reach[reach["ward_code"].isin(ward_codes) & reach["question_id"].map(kinds).eq("single_choice")]
    top = here.groupby("question_id")["respondents"].sum().sort_values(ascending=False, kind="stable")
    rows = []
    for qid in top.index[:PROFILE_QUESTIONS]:
        result = question_results(qid, flt, policy, scheme if area else None)
        level, group = ("area", area) if area else ("ward", ward_codes[0])
        mine = result.rows[(result.rows["level"] == level) & (result.rows["group"] == group)]
        borough = result.rows[result.rows["level"] == "borough"].set_index("option")
        rows.append(mine.assign(question=question(qid)["text"],
                                borough_share=mine["option"].map(borough["share"]),
                                borough_weighted=mine["option"].map(borough["weighted_share"])))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


@analysis(max_entries=32)
def pb_export(activity_id: str, budget: float, flt: EngagementFilter = EngagementFilter(),
              policy: DisclosurePolicy | None = None) -> str:
    """The vote in pabulib's .pb format (geo.pb.export_pabulib: synthetic voter ids, nothing about a voter), cached:
    expanding the ballots takes most of a run of the PB tab otherwise. ValueError when too few voted to export."""
    return gpb.export_pabulib(da.pb_projects(activity_id), da.ballots(activity_id, flt), budget, policy=policy)
