"""What residents said: PB projects, the questions of the activities, and the answers of the responses.

Runs after the responses are loaded (an answer belongs to a loaded response, and its question to that
response's activity). Each file is checked by declared rules (etl.checks: QUESTIONS, PB_PROJECTS,
answers_schema) and by the joins to what is already loaded; bad input stops the load with
`FILE, line N, column 'C': problem` and nothing is published (or, within the config's max_rejected_rows,
the bad rows are rejected and recorded). Places given as latitude/longitude (WGS84) are converted to
British National Grid (EPSG:27700) with pyproj; a project with a place and no ward is placed in the ward
containing it.

Answers can number millions: the join of answers to responses is one hash join in DuckDB, and only the
rows in breach come back to Python.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
from pyproj import Transformer

from etl.apportion import place_points
from etl.checks import (
    OPTION_KINDS,
    PB_PROJECTS,
    PUBLIC_WORDS,
    QUESTIONS,
    RowProblem,
    answer_key,
    answer_keys,
    answers_schema,
    split_options,
    validate,
)
from etl.readers import BNG, line_of
from etl.stages.context import LoadContext, accept, insert
from vocabulary import OPTION_SEPARATOR
from vocabulary.schema import column_names

_TO_BNG = Transformer.from_crs("EPSG:4326", BNG, always_xy=True)


def load_answers(ctx: LoadContext) -> None:
    """Load pb_projects.csv, questions.csv and answers.csv when the config names them (after the responses)."""
    eng = ctx.config.engagement
    if eng is None or (eng.questions is None and eng.pb_projects is None):
        return
    acts = ctx.con.execute("SELECT activity_id, kind FROM activities").df()
    kind_of = dict(zip(acts["activity_id"], acts["kind"], strict=True))
    projects = (_load_projects(ctx, eng.pb_projects, kind_of) if eng.pb_projects is not None
                else pd.DataFrame(columns=["project_id", "activity_id"]))
    if eng.questions is None:
        return
    questions = _load_questions(ctx, eng.questions, kind_of)
    _load_answer_rows(ctx, eng.answers_file, questions, projects)


def _stop_or_drop(ctx: LoadContext, frame: pd.DataFrame, problems: list[RowProblem], file: Path, rep) -> pd.DataFrame:
    problems.sort(key=lambda p: (p.line is not None, p.line or 0))
    drop = accept(problems, file, rep, ctx.config.max_rejected_rows)
    return frame[~frame.index.map(line_of).isin(drop)].copy()


def _activity_problems(frame: pd.DataFrame, kind_of: dict[str, str], needs_kind: pd.Series | None) -> list[RowProblem]:
    """Rows whose activity_id is not loaded, or (where needs_kind is True) is not a pb_vote."""
    ids = frame["activity_id"].astype("string").str.strip()
    problems = [RowProblem(line_of(i), "activity_id", f"'{ids[i]}' is not in activities")
                for i in frame.index[ids.notna() & ~ids.isin(kind_of)]]
    if needs_kind is not None:
        wrong = needs_kind & ids.isin(kind_of) & (ids.map(kind_of) != "pb_vote")
        problems += [RowProblem(line_of(i), "activity_id", f"'{ids[i]}' is a {kind_of[ids[i]]} activity, not a "
                                "pb_vote (participatory budgeting)") for i in frame.index[wrong]]
    return problems


def to_bng(frame: pd.DataFrame) -> pd.DataFrame:
    """easting, northing (EPSG:27700) of each row: as given, or converted from latitude/longitude (WGS84)."""
    out = pd.DataFrame(index=frame.index)
    for col in ("easting", "northing", "latitude", "longitude"):
        out[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64") if col in frame else float("nan")
    wgs = out["easting"].isna() & out["latitude"].notna() & out["longitude"].notna()
    if wgs.any():
        x, y = _TO_BNG.transform(out.loc[wgs, "longitude"].to_numpy(), out.loc[wgs, "latitude"].to_numpy())
        out.loc[wgs, "easting"], out.loc[wgs, "northing"] = x.round(2), y.round(2)
    return out[["easting", "northing"]]


def _load_projects(ctx: LoadContext, file: Path, kind_of: dict[str, str]) -> pd.DataFrame:
    """pb_projects.csv: projects of pb_vote activities, cost > 0, ward given or found from the place."""
    eng = ctx.config.engagement
    frame, rep = ctx.read_source("pb_projects", file, eng.source, eng.date)
    problems = validate(frame, PB_PROJECTS)
    if not problems or problems[0].line is not None:
        problems += _activity_problems(frame, kind_of, pd.Series(True, index=frame.index))
        wards = set(ctx.wards["ward_code"]) if ctx.wards is not None else set()
        given = frame["ward_code"].astype("string").str.strip() if "ward_code" in frame else None
        if given is not None:
            problems += [RowProblem(line_of(i), "ward_code", f"'{given[i]}' is not a ward of the loaded boundaries")
                         for i in frame.index[given.notna() & (given != "") & ~given.isin(wards)]]
    frame = _stop_or_drop(ctx, frame, problems, file, rep)
    for col in ("project_id", "activity_id", "title"):
        frame[col] = frame[col].str.strip()
    frame["cost"] = pd.to_numeric(frame["cost"]).astype("float64")
    frame[["easting", "northing"]] = to_bng(frame)
    ward = frame["ward_code"].str.strip().replace("", pd.NA) if "ward_code" in frame else pd.Series(
        pd.NA, index=frame.index, dtype="string")
    todo = ward.isna() & frame["easting"].notna()
    if todo.any() and ctx.wards is not None:
        points = gpd.GeoDataFrame(index=frame.index[todo], geometry=gpd.points_from_xy(
            frame.loc[todo, "easting"], frame.loc[todo, "northing"]), crs=BNG)
        ward.loc[todo] = place_points(points, ctx.wards)["ward_code"]
    frame["ward_code"] = ward
    frame["category"] = frame["category"].str.strip() if "category" in frame else None
    insert(ctx.con, "pb_projects", frame)
    rep.rows_loaded = len(frame)
    ctx.say(f"pb_projects: {len(frame)} loaded")
    return frame[["project_id", "activity_id"]]


def _load_questions(ctx: LoadContext, file: Path, kind_of: dict[str, str]) -> pd.DataFrame:
    """questions.csv: each question of a loaded activity, its kind and its options (a PB approval question
    belongs to a pb_vote activity)."""
    eng = ctx.config.engagement
    frame, rep = ctx.read_source("questions", file, eng.source, eng.date)
    problems = validate(frame, QUESTIONS)
    if not problems or problems[0].line is not None:
        pb = frame["kind"].astype("string").str.strip().str.lower() == "pb_approval"
        problems += _activity_problems(frame, kind_of, pb.fillna(False))
    frame = _stop_or_drop(ctx, frame, problems, file, rep)
    for col in ("question_id", "activity_id", "text"):
        frame[col] = frame[col].str.strip()
    frame["kind"] = frame["kind"].str.strip().str.lower()
    options = split_options(frame["options"])
    frame["options"] = [OPTION_SEPARATOR.join(o) if k in OPTION_KINDS else None
                        for k, o in zip(frame["kind"], options, strict=True)]
    insert(ctx.con, "questions", frame)
    rep.rows_loaded = len(frame)
    ctx.say(f"questions: {len(frame)} loaded")
    return frame[["question_id", "activity_id", "kind", "options"]]


def _response_problems(ctx: LoadContext, frame: pd.DataFrame, questions: pd.DataFrame) -> tuple[list[RowProblem],
                                                                                                   set[int]]:
    """Answers whose response is not loaded, or whose question belongs to another activity (one DuckDB join).

    Returns the problems and the lines answering a response the responses stage rejected (left out, not errors).
    """
    keys = pd.DataFrame({"line": frame.index.map(line_of).astype("int64"),
                         "response_id": frame["response_id"].astype("string").str.strip(),
                         "question_activity": frame["question_id"].astype("string").str.strip().map(
                             dict(zip(questions["question_id"], questions["activity_id"], strict=True)))})
    ctx.con.register("_answer_keys", pa.Table.from_pandas(keys, preserve_index=False))
    bad = ctx.con.execute("""
        SELECT k.line, k.response_id, k.question_activity, r.activity_id
        FROM _answer_keys k LEFT JOIN responses r USING (response_id)
        WHERE k.response_id IS NOT NULL AND (r.response_id IS NULL OR k.question_activity <> r.activity_id)
        ORDER BY k.line""").df()
    ctx.con.unregister("_answer_keys")
    rejected = ctx.rejected_responses
    skipped = set(bad.loc[bad["response_id"].isin(rejected), "line"].astype(int))
    problems = []
    for row in bad[~bad["response_id"].isin(rejected)].itertuples(index=False):
        if pd.isna(row.activity_id):
            problems.append(RowProblem(int(row.line), "response_id", f"'{row.response_id}' is not in responses"))
        else:
            problems.append(RowProblem(int(row.line), "question_id", f"belongs to activity '{row.question_activity}'"
                                       f" but response '{row.response_id}' is to activity '{row.activity_id}'"))
    return problems, skipped


def _answer_values(frame: pd.DataFrame, questions: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """The rows to store: values in the options' own spelling, places in EPSG:27700, public for map comments."""
    qid = frame["question_id"].str.strip()
    kind = qid.map(dict(zip(questions["question_id"], questions["kind"], strict=True)))
    value = frame["value"].str.strip()
    spelled = answer_key(qid, value).map(answer_keys(questions, projects)).astype("string")
    comment = (kind == "map_comment").to_numpy()
    out = pd.DataFrame({"response_id": frame["response_id"].str.strip(), "question_id": qid,
                        "value": spelled.fillna(value)})
    out[["easting", "northing"]] = to_bng(frame).where(pd.Series(comment, index=frame.index), axis=0)
    public = frame["public"].str.strip().str.lower().map(PUBLIC_WORDS) if "public" in frame else None
    flag = public.fillna(False) if public is not None else pd.Series(False, index=frame.index)
    out["public"] = pd.Series(flag.astype(bool), dtype="boolean").where(comment)
    return out


def _load_answer_rows(ctx: LoadContext, file: Path, questions: pd.DataFrame, projects: pd.DataFrame) -> None:
    """answers.csv: each value checked against its question, each answer against its response."""
    eng = ctx.config.engagement
    frame, rep = ctx.read_source("answers", file, eng.source, eng.date)
    ctx.say(f"answers: {len(frame):,} read, checking")
    problems = validate(frame, answers_schema(questions, projects))
    skipped: set[int] = set()
    if not problems or problems[0].line is not None:
        more, skipped = _response_problems(ctx, frame, questions)
        problems += more
    frame = _stop_or_drop(ctx, frame, problems, file, rep)
    frame = frame[~frame.index.map(line_of).isin(skipped)]
    if skipped:
        rep.notes.append(f"{len(skipped):,} answer(s) to rejected responses were left out.")
    rows = _answer_values(frame, questions, projects)
    ctx.con.register("_answers", pa.Table.from_pandas(rows[column_names("answers")], preserve_index=False))
    ctx.con.execute(f'INSERT INTO answers SELECT {", ".join(column_names("answers"))} FROM _answers')
    ctx.con.unregister("_answers")
    rep.rows_loaded = len(rows)
    ctx.say(f"answers: {len(rows):,} loaded")
