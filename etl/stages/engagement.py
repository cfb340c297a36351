"""Engagement: the portal export's activities and responses, each response placed in its ward.

When the config asks for synthetic engagement ([engagement.synthetic]) and the files are not
there yet, a generator supplied by the caller writes them first for the district's real
postcodes and census groups. The loader never imports a generator itself (the demo package
sits beside the loader, not under it); the command line passes demo.write_engagement.

Responses can number millions: only distinct postcodes and distinct answers pass through
Python, and the join of responses to them is one hash join in DuckDB (`_insert_responses`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyarrow as pa

from etl.answers import map_demographics, unknown_answers_help, unknown_problems
from etl.checks import ACTIVITIES, DEMOGRAPHIC_COLUMNS, RESPONSES, RowProblem, parse_dates, validate
from etl.config import Config
from etl.errors import InputError
from etl.postcodes import is_valid, normalise, place_postcodes, terminated_note
from etl.readers import line_of
from etl.stages.context import LoadContext, accept, insert
from vocabulary import UNITEMISED
from vocabulary.schema import column_names


class EngagementGenerator(Protocol):
    """Writes activities.csv, responses.csv, questions.csv, answers.csv, pb_projects.csv (and truth.json) into
    out_dir for residents at the given postcodes.

    postcodes: columns postcode, ward_code, easting, northing; population: columns ward_code, dimension,
    category, persons. demo.write_engagement is one.
    """

    def __call__(self, out_dir: Path, postcodes: pd.DataFrame, population: pd.DataFrame, *, seed: int,
                 n_responses: int) -> object: ...


def needs_synthetic_engagement(config: Config) -> bool:
    """True when the config asks for synthetic engagement and its files have not been generated yet."""
    eng = config.engagement
    return not (eng is None or eng.synthetic is None or all(f.exists() for f in engagement_files(eng)))


def engagement_files(eng) -> list[Path]:
    """The engagement files a config names: activities, responses and, when named, questions, answers and
    pb_projects (a generator writes them all into one folder)."""
    return [f for f in (eng.activities, eng.responses, eng.questions, eng.answers_file, eng.pb_projects)
            if f is not None]


def require_generator(config: Config, generator: EngagementGenerator | None) -> None:
    """Stop before loading anything when the config needs synthetic engagement and no generator was given."""
    if generator is None and needs_synthetic_engagement(config):
        raise InputError(config.path, "[engagement.synthetic] asks for generated engagement, but this build was given "
                         "no generator: call build(..., synthetic_engagement=demo.write_engagement), as "
                         "python -m etl build does")


def ensure_synthetic_engagement(ctx: LoadContext, population: pd.DataFrame, generator: EngagementGenerator) -> None:
    """Generate the engagement files for the district's placed postcodes when the config asks and they are absent.

    build() has already checked (require_generator) that a generator was given if one is needed.
    """
    if not needs_synthetic_engagement(ctx.config):
        return
    eng = ctx.config.engagement
    ctx.say(f"engagement: generating {eng.synthetic.responses:,} synthetic responses for "
            f"{ctx.config.council_name} postcodes (seed {eng.synthetic.seed})")
    district = place_postcodes(ctx.directory.in_district(ctx.config.lad_code, ctx.config.whole_country), ctx.wards)
    district = district[district["ward_code"].notna()]
    if len({f.parent for f in engagement_files(eng)}) > 1:
        raise InputError(ctx.config.path, "synthetic engagement needs its files (activities, responses, questions, "
                         "answers, pb_projects) in one folder")
    eng.activities.parent.mkdir(parents=True, exist_ok=True)
    # The generator draws answers from the labelled census groups only.
    labelled = population[population["category"] != UNITEMISED]
    generator(eng.activities.parent, district[["postcode", "ward_code", "easting", "northing"]], labelled,
              seed=eng.synthetic.seed, n_responses=eng.synthetic.responses)


def load_engagement(ctx: LoadContext) -> None:
    """Check and load activities, then the responses to them."""
    eng = ctx.config.engagement
    if eng is None:
        return
    acts, rep = ctx.read_source("activities", eng.activities, eng.source, eng.date)
    _refuse_empty(acts, eng.activities, "activities")
    drop = accept(validate(acts, ACTIVITIES), eng.activities, rep, ctx.config.max_rejected_rows)
    acts = acts[~acts.index.map(line_of).isin(drop)].copy()
    for col in ("opened", "closed", "outcome_published_on"):
        acts[col] = parse_dates(acts[col]).dt.date if col in acts else None
    for col in ("owner", "scope"):
        if col not in acts:
            acts[col] = None
    acts["kind"] = acts["kind"].str.strip().str.lower()
    _age_limits(acts, eng.min_age, eng.max_age, eng.activities)
    _budgets_and_thresholds(acts, eng.petition_debate_threshold)
    _scopes(acts, set(ctx.wards["ward_code"]) if ctx.wards is not None else set(), eng.activities)
    insert(ctx.con, "activities", acts)
    rep.rows_loaded = len(acts)
    ctx.say(f"activities: {len(acts)} loaded")
    _load_responses(ctx, set(acts["activity_id"]))


def _age_limits(acts: pd.DataFrame, min_age: int | None, max_age: int | None, file: Path) -> None:
    """Who could take part: an activity's own min_age/max_age, else the config's default (None = no limit).

    The representation analysis compares respondents with the residents eligible for the activities
    in view, so a 16+ consultation is not measured against under-16s (docs/data-contract.md).
    """
    for col, default in (("min_age", min_age), ("max_age", max_age)):
        given = pd.to_numeric(acts[col], errors="coerce") if col in acts else pd.Series(float("nan"), index=acts.index)
        acts[col] = given.fillna(default if default is not None else float("nan")).astype("Int64")
    wrong = acts["min_age"].notna() & acts["max_age"].notna() & (acts["min_age"] > acts["max_age"])
    if wrong.any():
        i = acts.index[wrong.to_numpy()][0]
        raise InputError(file, f"min_age {acts.at[i, 'min_age']} is above max_age {acts.at[i, 'max_age']}",
                         row=line_of(i), column="min_age")


def _budgets_and_thresholds(acts: pd.DataFrame, debate_threshold: int | None) -> None:
    """A PB vote's budget (the money to allocate) as given; a petition's debate threshold as given, else the
    config's petition_debate_threshold. Neither means anything for other kinds, where both are stored NULL."""
    budget = pd.to_numeric(acts["budget"], errors="coerce") if "budget" in acts else None
    acts["budget"] = (budget if budget is not None else pd.Series(float("nan"), index=acts.index)).where(
        acts["kind"] == "pb_vote")
    given = (pd.to_numeric(acts["debate_threshold"], errors="coerce") if "debate_threshold" in acts
             else pd.Series(float("nan"), index=acts.index))
    if debate_threshold is not None:
        given = given.fillna(debate_threshold)
    acts["debate_threshold"] = given.where(acts["kind"] == "petition").astype("Int64")


#: What an activity's `scope` may say for "everyone in the borough" (blank too).
BOROUGH_SCOPE = "borough"


def scope_wards(scope: object) -> list[str]:
    """The ward codes an activity's scope names ([] = the whole borough): codes separated by ';', ',' or spaces."""
    text = "" if scope is None or (isinstance(scope, float) and scope != scope) else str(scope).strip()
    if not text or text.lower() == BOROUGH_SCOPE:
        return []
    return [code for code in re.split(r"[;,\s]+", text) if code]


def _scopes(acts: pd.DataFrame, ward_codes: set[str], file: Path) -> None:
    """Who could take part, by place: `scope` is 'borough' (or blank) or ward codes of the loaded boundaries,
    stored as 'borough' or the codes joined by ';'. An unknown code is an error naming the line, since the
    representation analysis compares respondents with the residents of the wards in scope."""
    cleaned = []
    for i, scope in acts["scope"].items():
        codes = scope_wards(scope)
        unknown = [c for c in codes if c not in ward_codes]
        if unknown:
            raise InputError(file, f"scope names ward code(s) not in the ward boundaries: {', '.join(unknown)}",
                             row=line_of(i), column="scope")
        cleaned.append(";".join(codes) if codes else BOROUGH_SCOPE)
    acts["scope"] = cleaned


def _refuse_empty(frame: pd.DataFrame, file: Path, what: str) -> None:
    """A file with its header and no rows loads nothing but would replace what is published with nothing:
    refused (every page would then have no engagement to show)."""
    if frame.empty:
        raise InputError(file, f"has a header but no {what}: nothing to load (the published database is unchanged)")


def _future_dates(frame: pd.DataFrame, submitted: pd.Series) -> list[RowProblem]:
    """Responses dated after the day of the load cannot have been made yet (a typing or export error, e.g. 2099):
    row problems, so they are refused or, within max_rejected_rows, rejected and counted."""
    today = pd.Timestamp(datetime.now(UTC).date())
    days = (submitted.dt.tz_localize(None) if submitted.dt.tz is not None else submitted).dt.normalize()
    late = submitted.notna() & (days > today)
    return [RowProblem(line_of(i), "submitted_at", f"'{frame.at[i, 'submitted_at']}' is after the day of the load "
                       f"({today.date()})") for i in frame.index[late]]


def _load_responses(ctx: LoadContext, activity_ids: set[str]) -> None:
    eng = ctx.config.engagement
    frame, rep = ctx.read_source("responses", eng.responses, eng.source, eng.date)
    _refuse_empty(frame, eng.responses, "responses")
    ctx.say(f"responses: {len(frame):,} read, checking")
    problems = validate(frame, RESPONSES)
    if "activity_id" in frame:
        orphan = frame["activity_id"].notna() & ~frame["activity_id"].isin(activity_ids)
        problems += [RowProblem(line_of(i), "activity_id", f"'{frame.at[i, 'activity_id']}' is not in activities")
                     for i in frame.index[orphan]]
    submitted = parse_dates(frame["submitted_at"]) if "submitted_at" in frame else pd.Series(pd.NaT, index=frame.index)
    labels, unknown = map_demographics(frame, submitted, eng.answers)
    problems += unknown_problems(labels, frame) + _future_dates(frame, submitted)
    placed = pd.DataFrame(columns=["postcode", "ward_code"])
    if "postcode" in frame:
        frame["postcode"] = normalise(frame["postcode"])
        distinct = frame["postcode"].dropna().drop_duplicates()
        ctx.say(f"responses: geocoding {len(distinct):,} distinct postcodes")
        placed = ctx.locate(distinct)
        # Badly formed postcodes are already reported by the declared checks.
        unknown_pc = is_valid(frame["postcode"]) & ~frame["postcode"].isin(set(placed["postcode"]))
        problems += [RowProblem(line_of(i), "postcode", f"'{frame.at[i, 'postcode']}' is not in the postcode "
                                "directory") for i in frame.index[unknown_pc]]
    problems.sort(key=lambda p: (p.line is not None, p.line or 0))
    drop = accept(problems, eng.responses, rep, ctx.config.max_rejected_rows,
                  help_text=unknown_answers_help(unknown) if unknown else "")
    keep = ~frame.index.map(line_of).isin(drop)
    if drop and "response_id" in frame:
        ctx.rejected_responses = set(frame.loc[~keep, "response_id"].dropna().astype(str).str.strip())
    loaded = _insert_responses(ctx, frame[keep], submitted[keep], labels[keep], placed)
    rep.rows_loaded = loaded
    outside = ctx.con.execute("SELECT count(*) FROM responses WHERE ward_code IS NULL").fetchone()[0]
    if outside:
        rep.notes.append(f"{outside:,} response(s) have no postcode or one outside the borough; kept, no ward.")
    note = terminated_note(placed, frame.loc[keep, "postcode"], "response(s)") if "postcode" in frame else None
    if note:
        rep.notes.append(note)
    ctx.say(f"responses: {loaded:,} loaded ({outside:,} without a ward in the borough)")


def _insert_responses(ctx: LoadContext, frame: pd.DataFrame, submitted: pd.Series, labels: pd.DataFrame,
                      placed: pd.DataFrame) -> int:
    """Join responses to their placed postcode inside DuckDB, with their mapped answers (etl.answers).

    Only the distinct postcodes and distinct answers pass through Python; the million-row join is one
    hash join in DuckDB, which is what keeps large loads quick.
    """
    con = ctx.con
    text = {c: frame[c] if c in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
            for c in ["response_id", "respondent_id", "activity_id", "postcode", "channel"]}
    text |= {c: labels[c] for c in DEMOGRAPHIC_COLUMNS}
    raw = pd.DataFrame({c: v.astype("string[pyarrow]") for c, v in text.items()})
    raw["submitted_at"] = submitted
    con.register("_raw", pa.Table.from_pandas(raw, preserve_index=False))
    con.register("_places", placed[["postcode", "ward_code"]])
    answers = ", ".join(f'r."{c}"' for c in DEMOGRAPHIC_COLUMNS)
    # Identifiers are the schema's own column names, never input.
    # small_area_code (and dropping the postcode unless the config keeps it) is etl.stages.postcodes' work.
    con.execute(f"""
        INSERT INTO responses ({", ".join(c for c in column_names("responses") if c != "small_area_code")})
        SELECT r.response_id, r.respondent_id, r.activity_id, r.submitted_at, r.postcode, p.ward_code,
               lower(trim(r.channel)), {answers}
        FROM _raw r LEFT JOIN _places p USING (postcode)""")
    for name in ["_raw", "_places"]:
        con.unregister(name)
    return len(raw)
