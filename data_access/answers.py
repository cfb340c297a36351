"""What residents said, aggregated only: answer counts per value, ward and group, PB ballots per identical
ballot, map comments without any identifier, petition signatures per ward, and how often people answer.

Never a response row and never a response or respondent id: every query groups before it returns, and the
map comments come back as text, place and group only. Every count is raw (small numbers included):
geo.disclosure protects them before anything is shown. A filter's SQL condition and parameters come from
EngagementFilter.where() (on responses r joined to activities a); column names spliced into SQL come from
this module, never from user input.

One person is their respondent id, else the response itself (an anonymous response is one person of its
own); a person who answered a question twice counts once, with their latest answer (the latest response,
ties broken by response id, so the result does not depend on the order rows were read).
"""

from __future__ import annotations

import pandas as pd

from data_access import roles
from data_access.connection import cached, query
from data_access.filters import EngagementFilter

#: One person: their respondent id, else the response itself.
_RESPONDENT = "coalesce(r.respondent_id, 'response:' || r.response_id)"

#: The respondent columns every answer count is broken down by (responses' demographics, as loaded).
GROUP_COLUMNS = ("age_band", "sex", "ethnicity", "disability")


def _latest_responses(question_condition: str, ward_condition: str, where: str) -> str:
    """SQL of a CTE body: each person's latest response answering the questions matched by question_condition."""
    return f"""
        SELECT DISTINCT ON (who) who, response_id FROM (
            SELECT {_RESPONDENT} AS who, r.response_id, r.submitted_at
            FROM answers x JOIN responses r USING (response_id) JOIN activities a ON a.activity_id = r.activity_id
            WHERE {question_condition} AND {ward_condition} AND {where})
        ORDER BY who, submitted_at DESC, response_id DESC"""


@cached(counts=("respondents",))
def answer_cells(question_id: str, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents per answer value, ward of residence and demographic group, for one question.

    Columns value, ward_code, age_band, sex, ethnicity, disability, respondents. Each person counts once per
    value of their latest response to the question (multiple choice and PB approval: once per option chosen,
    so a cell's values add up to more than its people). Only residents placed in a ward of the borough:
    these cells are what raking to the census margins and every share are computed from (as frequency
    weights), never microdata.
    """
    where, params = flt.where()
    latest = _latest_responses("x.question_id = ?", "r.ward_code IS NOT NULL", where)
    groups = ", ".join(f"r.{c}" for c in GROUP_COLUMNS)
    return query(f"""
        WITH latest AS ({latest})
        SELECT x.value, r.ward_code, {groups}, count(*) AS respondents
        FROM latest l JOIN answers x ON x.response_id = l.response_id AND x.question_id = ?
             JOIN responses r ON r.response_id = l.response_id
        GROUP BY ALL ORDER BY ALL""", [question_id, *params, question_id])


@cached(counts=("respondents",))
def question_respondents(question_id: str, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct respondents who answered a question, per ward of residence and demographic group.

    Columns ward_code, age_band, sex, ethnicity, disability, respondents: the base of the shares of a
    multiple-choice or PB question, where answer_cells counts a person once per option chosen.
    """
    where, params = flt.where()
    latest = _latest_responses("x.question_id = ?", "r.ward_code IS NOT NULL", where)
    groups = ", ".join(f"r.{c}" for c in GROUP_COLUMNS)
    return query(f"""
        WITH latest AS ({latest})
        SELECT r.ward_code, {groups}, count(*) AS respondents
        FROM latest l JOIN responses r ON r.response_id = l.response_id
        GROUP BY ALL ORDER BY ALL""", [question_id, *params])


@cached(counts=("voters",))
@roles.requires(roles.COUNCILLOR)
def ballots(activity_id: str, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """PB approval ballots of one pb_vote activity, aggregated by identical ballot and the voter's ward.

    Columns ward_code (NULL: a voter not placed in a ward of the borough, whose vote still counts towards
    the outcome), projects (the approved project ids, sorted, joined by ';'), voters. Each person's latest
    ballot only; a ballot approving nothing has no answer rows and does not appear.
    """
    where, params = flt.where()
    condition = ("x.question_id IN (SELECT question_id FROM questions WHERE kind = 'pb_approval' "
                 "AND activity_id = ?)")
    latest = _latest_responses(condition, "TRUE", where)
    return query(f"""
        WITH latest AS ({latest}),
        ballot AS (
            SELECT l.response_id, string_agg(DISTINCT x.value, ';' ORDER BY x.value) AS projects
            FROM latest l JOIN answers x ON x.response_id = l.response_id
            WHERE {condition}
            GROUP BY l.response_id)
        SELECT r.ward_code, b.projects, count(*) AS voters
        FROM ballot b JOIN responses r ON r.response_id = b.response_id
        GROUP BY ALL ORDER BY ward_code NULLS LAST, projects""", [activity_id, *params, activity_id])


@cached
@roles.requires(roles.COUNCILLOR)
def comments(question_id: str | None = None, flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Map comments (one question, or every map_comment question when None): text, place, public, group.

    Columns value (the comment text), easting, northing (EPSG:27700; NULL when not pinned), public,
    ward_code (where the commenter lives; NULL outside the borough), age_band, sex, ethnicity, disability.
    Every comment, not only a person's latest; no id of any kind. Raw: geo.comments draws them only as
    hexagon cells of at least the threshold and quotes only public ones, scrubbed.
    """
    where, params = flt.where()
    condition, qparams = (("x.question_id = ?", [question_id]) if question_id is not None else
                          ("x.question_id IN (SELECT question_id FROM questions WHERE kind = 'map_comment')", []))
    groups = ", ".join(f"r.{c}" for c in GROUP_COLUMNS)
    return query(f"""
        SELECT x.value, x.easting, x.northing, x.public, r.ward_code, {groups}
        FROM answers x JOIN responses r USING (response_id) JOIN activities a ON a.activity_id = r.activity_id
        WHERE {condition} AND {where}
        ORDER BY ALL""", [*qparams, *params])


@cached
def questions() -> pd.DataFrame:
    """Every question with its activity: question_id, activity_id, kind, text, options, activity_title,
    activity_kind, in activity opening order then question id."""
    return query("""
        SELECT q.question_id, q.activity_id, q.kind, q.text, q.options, a.title AS activity_title,
               a.kind AS activity_kind
        FROM questions q JOIN activities a USING (activity_id)
        ORDER BY a.opened, q.activity_id, q.question_id""")


@cached
def pb_projects(activity_id: str | None = None) -> pd.DataFrame:
    """PB projects (of one activity, or all): project_id, activity_id, title, cost, ward_code, easting,
    northing, category."""
    condition, params = ("WHERE activity_id = ?", [activity_id]) if activity_id is not None else ("", [])
    return query(f"""SELECT project_id, activity_id, title, cost, ward_code, easting, northing, category
                     FROM pb_projects {condition} ORDER BY activity_id, project_id""", params)


@cached(counts=("signatures",))
def petition_signatures(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Signatures per petition and ward of the signer: activity_id, ward_code (NULL: outside the borough or
    no postcode; these count towards the debate threshold), signatures (distinct people)."""
    where, params = flt.where()
    return query(f"""
        SELECT r.activity_id, r.ward_code, count(DISTINCT {_RESPONDENT}) AS signatures
        FROM responses r JOIN activities a USING (activity_id)
        WHERE a.kind = 'petition' AND {where}
        GROUP BY ALL ORDER BY r.activity_id, r.ward_code NULLS LAST""", params)


@cached(counts=("respondents",))
def response_frequency(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """How many people made how many responses, per ward of residence ("usual suspects").

    Columns ward_code, responses_each (responses one person made in the filter), respondents (people who made
    that many). The share of responses from the most active 10% follows from this histogram. People without
    a respondent id are one response each. A person counts in the ward of their latest response.
    """
    where, params = flt.where()
    return query(f"""
        SELECT ward_code, responses_each, count(*) AS respondents FROM (
            SELECT {_RESPONDENT} AS who, arg_max(r.ward_code, r.submitted_at) AS ward_code,
                   count(*) AS responses_each
            FROM responses r JOIN activities a USING (activity_id)
            WHERE r.ward_code IS NOT NULL AND {where}
            GROUP BY who)
        GROUP BY ALL ORDER BY ward_code, responses_each""", params)


@cached(counts=("new", "returning", "untracked"))
def new_and_returning(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """New against returning people per ward of residence and calendar quarter ('2025 Q4').

    Columns ward_code, quarter, new (people whose first response in the database, whatever the filter, falls
    in that quarter), returning (people who had responded in an earlier quarter), untracked (responses with no
    respondent id: they cannot be followed over time).
    """
    where, params = flt.where()
    quarter = "year(r.submitted_at)::VARCHAR || ' Q' || quarter(r.submitted_at)::VARCHAR"
    return query(f"""
        WITH first_seen AS (
            SELECT respondent_id, min(submitted_at) AS first_at FROM responses
            WHERE respondent_id IS NOT NULL GROUP BY respondent_id),
        seen AS (
            SELECT r.ward_code, {quarter} AS quarter, r.respondent_id,
                   min(r.submitted_at) AS at, count(*) AS responses
            FROM responses r JOIN activities a USING (activity_id)
            WHERE r.ward_code IS NOT NULL AND {where}
            GROUP BY ALL)
        SELECT s.ward_code, s.quarter,
               count(*) FILTER (WHERE s.respondent_id IS NOT NULL
                                AND year(f.first_at) * 4 + quarter(f.first_at) = year(s.at) * 4 + quarter(s.at))
                   AS new,
               count(*) FILTER (WHERE s.respondent_id IS NOT NULL
                                AND year(f.first_at) * 4 + quarter(f.first_at) < year(s.at) * 4 + quarter(s.at))
                   AS returning,
               coalesce(sum(s.responses) FILTER (WHERE s.respondent_id IS NULL), 0)::BIGINT AS untracked
        FROM seen s LEFT JOIN first_seen f USING (respondent_id)
        GROUP BY ALL ORDER BY s.ward_code, s.quarter""", params)


@cached(counts=("responses",))
def ward_yield(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Activities open to each ward per year, and the responses its residents made to them ("consultation
    fatigue": more activities, fewer responses each).

    Columns ward_code, year (the year an activity opened), activities (activities of the filter's kinds,
    owners and ids, opened that year and within its dates, whose scope includes the ward: 'borough' or the
    ward's code), responses
    (responses from the ward's residents to those activities, within the filter).
    """
    where, params = flt.where()
    in_view, act_params = flt.activities_where("a.")
    act_parts = [in_view]
    for condition, value in (("a.opened >= ?", flt.start), ("a.opened <= ?", flt.end)):
        if value:
            act_parts.append(condition)
            act_params.append(value)
    acts = " AND ".join(act_parts)
    return query(f"""
        WITH open_to AS (
            SELECT w.ward_code, a.activity_id, year(a.opened) AS year
            FROM activities a JOIN wards w
              ON coalesce(a.scope, 'borough') = 'borough' OR list_contains(string_split(a.scope, ';'), w.ward_code)
            WHERE a.opened IS NOT NULL AND {acts}),
        made AS (
            SELECT r.ward_code, r.activity_id, count(*) AS responses
            FROM responses r JOIN activities a USING (activity_id)
            WHERE r.ward_code IS NOT NULL AND {where}
            GROUP BY ALL)
        SELECT o.ward_code, o.year::INTEGER AS year, count(*) AS activities,
               coalesce(sum(m.responses), 0)::BIGINT AS responses
        FROM open_to o LEFT JOIN made m USING (ward_code, activity_id)
        GROUP BY ALL ORDER BY o.ward_code, year""", [*act_params, *params])


@cached(counts=("respondents",))
def question_reach(flt: EngagementFilter = EngagementFilter()) -> pd.DataFrame:
    """Distinct people who answered each question, per ward of residence (question_id, ward_code, respondents):
    which questions a ward's residents answered most, for the profiles' "what residents here said" (raw counts)."""
    where, params = flt.where()
    return query(f"""
        SELECT x.question_id, r.ward_code, count(DISTINCT {_RESPONDENT}) AS respondents
        FROM answers x JOIN responses r USING (response_id) JOIN activities a ON a.activity_id = r.activity_id
        WHERE r.ward_code IS NOT NULL AND {where}
        GROUP BY ALL ORDER BY ALL""", params)
