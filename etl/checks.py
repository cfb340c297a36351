"""Declared checks on the council's own CSV files (assets, activities, responses, questions, answers,
PB projects), with pandera.

Like dbt's declared tests, each rule is stated once, next to the column it guards, in
words a data owner understands; `validate` turns pandera's failure cases into
(line, column, problem) tuples so the ETL can name the exact line of the file. A rule that
needs several columns of a row is a frame-level check whose message starts with the column
it blames ("value: is not one of the question's options"), so the line and column are named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from etl.grid import parse_grid_reference
from etl.postcodes import is_valid, normalise
from etl.readers import non_finite
from vocabulary import (
    ACTIVITY_KINDS,
    AGE,
    DISABILITY,
    ETHNICITY,
    OPTION_SEPARATOR,
    QUESTION_KINDS,
    SEX,
)

DEMOGRAPHIC_COLUMNS = {"age_band": AGE, "sex": SEX, "ethnicity": ETHNICITY, "disability": DISABILITY}


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates or datetimes as ISO 8601 or UK day-first (DD/MM/YYYY[ HH:MM[:SS]]); NaT when neither."""
    text = values.astype("string").str.strip()
    out = pd.to_datetime(text, format="ISO8601", errors="coerce")
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        todo = out.isna() & text.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    return out


def _dates(optional: bool) -> pa.Check:
    def ok(s: pd.Series) -> pd.Series:
        parsed = parse_dates(s)
        return parsed.notna() | (s.isna() if optional else False)
    return pa.Check(ok, error="is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def _postcodes(optional: bool) -> pa.Check:
    def ok(s: pd.Series) -> pd.Series:
        return is_valid(normalise(s)) | (s.isna() if optional else False)
    return pa.Check(ok, error="is not a UK postcode")


def _finite() -> pa.Check:
    """inf, -inf, nan or 1e309 in a number column: refused before any other rule reads it as a number."""
    return pa.Check(lambda s: s.isna() | ~non_finite(s), error="is not a finite number")


def _number_rule(rule, error: str) -> list[pa.Check]:
    """The finiteness check, then `rule` on the parsed numbers (a non-finite value is left to the first)."""
    def ok(s: pd.Series) -> pd.Series:
        return s.isna() | non_finite(s) | rule(pd.to_numeric(s, errors="coerce")).fillna(False).astype(bool)
    return [_finite(), pa.Check(ok, error=error)]


def _ages() -> list[pa.Check]:
    return _number_rule(lambda n: n.notna() & (n % 1 == 0) & n.between(0, 120), "is not an age in whole years (0-120)")


def _numbers() -> list[pa.Check]:
    return _number_rule(lambda n: n.notna(), "is not a number")


def _positive() -> list[pa.Check]:
    return _number_rule(lambda n: n.notna() & (n > 0), "is not a number above 0")


def _whole_positive() -> list[pa.Check]:
    return _number_rule(lambda n: n.notna() & (n % 1 == 0) & (n >= 1), "is not a whole number of 1 or more")


_TEXT = {"dtype": "string", "coerce": True}

ACTIVITIES = pa.DataFrameSchema({
    "activity_id": pa.Column(nullable=False, unique=True, **_TEXT),
    "title": pa.Column(nullable=False, **_TEXT),
    "kind": pa.Column(checks=pa.Check(lambda s: s.str.strip().str.lower().isin(ACTIVITY_KINDS),
                                      error=f"is not one of {ACTIVITY_KINDS}"), **_TEXT),
    "opened": pa.Column(checks=_dates(optional=False), **_TEXT),
    "closed": pa.Column(nullable=True, checks=_dates(optional=True), **_TEXT),
    "owner": pa.Column(nullable=True, required=False, **_TEXT),
    "outcome_published_on": pa.Column(nullable=True, required=False, checks=_dates(optional=True), **_TEXT),
    "scope": pa.Column(nullable=True, required=False, **_TEXT),
    "min_age": pa.Column(nullable=True, required=False, checks=_ages(), **_TEXT),
    "max_age": pa.Column(nullable=True, required=False, checks=_ages(), **_TEXT),
    "budget": pa.Column(nullable=True, required=False, checks=_positive(), **_TEXT),
    "debate_threshold": pa.Column(nullable=True, required=False, checks=_whole_positive(), **_TEXT),
}, checks=[pa.Check(lambda df: df["closed"].isna() | (parse_dates(df["closed"]) >= parse_dates(df["opened"]))
                    | parse_dates(df["closed"]).isna() | parse_dates(df["opened"]).isna(),
                    error="closes before it opens")])

RESPONSES = pa.DataFrameSchema({
    "response_id": pa.Column(nullable=False, unique=True, **_TEXT),
    "respondent_id": pa.Column(nullable=True, required=False, **_TEXT),
    "activity_id": pa.Column(nullable=False, **_TEXT),
    "submitted_at": pa.Column(checks=_dates(optional=False), **_TEXT),
    "postcode": pa.Column(nullable=True, checks=_postcodes(optional=True), **_TEXT),
    "channel": pa.Column(nullable=True, required=False, **_TEXT),
    # Answers are mapped, and unknown ones listed together, by etl.answers (they depend on the config).
    **{col: pa.Column(nullable=True, required=False, **_TEXT) for col in DEMOGRAPHIC_COLUMNS},
})


#: Question kinds whose options are listed in questions.csv (and an answer must be one of them).
OPTION_KINDS = ("single_choice", "multiple_choice", "scale")
#: Question kinds answered with one value per response (a second row for the same response is an error).
ONE_ANSWER_KINDS = ("single_choice", "scale")
#: Question kinds answered in words (any non-blank text).
TEXT_KINDS = ("free_text", "map_comment")
#: What a `public` flag may say (any case); blank is "no" (a comment is quoted only when the portal showed it).
PUBLIC_WORDS = {"yes": True, "true": True, "no": False, "false": False}
#: Generous bounds of Great Britain: (min, max) easting, northing (EPSG:27700), latitude, longitude (WGS84).
GB_BOUNDS = {"easting": (-100_000, 800_000), "northing": (-100_000, 1_300_000), "latitude": (49.0, 61.5),
             "longitude": (-10.0, 3.5)}


def _kinds(kinds: list[str]) -> pa.Check:
    return pa.Check(lambda s: s.str.strip().str.lower().isin(kinds), error=f"is not one of {kinds}")


def _blank(frame: pd.DataFrame, column: str) -> pd.Series:
    """True where the column is absent or blank."""
    if column not in frame:
        return pd.Series(True, index=frame.index)
    return frame[column].isna() | (frame[column].astype("string").str.strip() == "")


def split_options(options: pd.Series) -> pd.Series:
    """Each question's options as a list of stripped texts (blank → [])."""
    return options.fillna("").astype(str).map(
        lambda text: [o.strip() for o in text.split(OPTION_SEPARATOR)] if text.strip() else [])


def _gb_range(column: str) -> pa.Check:
    lo, hi = GB_BOUNDS[column]

    def ok(s: pd.Series) -> pd.Series:
        n = pd.to_numeric(s, errors="coerce")
        return s.isna() | non_finite(s) | (n.notna() & n.between(lo, hi))
    unit = "metres, EPSG:27700" if column in ("easting", "northing") else "degrees, WGS84"
    article = "an" if column[0] in "aeiou" else "a"
    return pa.Check(ok, error=f"is not {article} {column} in Great Britain ({unit}, {lo:g} to {hi:g})")


def _place_checks() -> list[pa.Check]:
    """A place is given as easting and northing or as latitude and longitude: both of a pair, one pair."""
    def pair(a: str, b: str) -> pa.Check:
        return pa.Check(lambda df: _blank(df, a) == _blank(df, b), error=f"{b}: {a} and {b} go together; give "
                        "both or neither")

    def one(df: pd.DataFrame) -> pd.Series:
        return _blank(df, "easting") | _blank(df, "latitude")
    return [pair("easting", "northing"), pair("latitude", "longitude"),
            pa.Check(one, error="latitude: give the place once, as easting/northing or as latitude/longitude")]


_PLACE_COLUMNS = {c: pa.Column(nullable=True, required=False, checks=[*_numbers(), _gb_range(c)], **_TEXT)
                  for c in GB_BOUNDS}


def _grid_easting_northing(column: str) -> list[pa.Check]:
    """A finite number (else left to the finiteness and number checks) within Great Britain's bounds."""
    lo, hi = GB_BOUNDS[column]

    def ok(s: pd.Series) -> pd.Series:
        n = pd.to_numeric(s.astype("string").str.replace(",", "", regex=False), errors="coerce")
        return n.isna() | non_finite(s) | n.between(lo, hi)
    return [*_numbers(), pa.Check(ok, error=f"is not an {column} in Great Britain (metres, EPSG:27700, {lo:g} to "
                                            f"{hi:g})")]


def _grid_references() -> pa.Check:
    def ok(s: pd.Series) -> pd.Series:
        return s.isna() | s.map(lambda v: parse_grid_reference(v) is not None, na_action="ignore").astype(bool)
    return pa.Check(ok, error="is not an OS grid reference (e.g. 'SK 52000 88000', 'SK5288' or '452000,288000')")


def _not_future() -> pa.Check:
    def ok(s: pd.Series) -> pd.Series:
        return s.isna() | ~(parse_dates(s) > pd.Timestamp.now() + pd.Timedelta(days=1)).fillna(False)
    return pa.Check(ok, error="is in the future: a last verified date is when the entry was checked")


def _placed(df: pd.DataFrame) -> pd.Series:
    return ~_blank(df, "postcode") | ~_blank(df, "grid_reference") | (~_blank(df, "easting") & ~_blank(df, "northing"))


#: assets.csv after etl.stages.assets has read its headers onto these names (a register's own wordings of them:
#: docs/data-contract.md). Ids are checked for duplicates, and categories mapped, by the stage.
ASSETS = pa.DataFrameSchema({
    "asset_id": pa.Column(nullable=False, **_TEXT),
    "name": pa.Column(nullable=False, **_TEXT),
    "category": pa.Column(nullable=False, **_TEXT),
    "postcode": pa.Column(nullable=True, required=False, checks=_postcodes(optional=True), **_TEXT),
    "easting": pa.Column(nullable=True, required=False, checks=_grid_easting_northing("easting"), **_TEXT),
    "northing": pa.Column(nullable=True, required=False, checks=_grid_easting_northing("northing"), **_TEXT),
    "grid_reference": pa.Column(nullable=True, required=False, checks=_grid_references(), **_TEXT),
    "last_verified": pa.Column(nullable=True, required=False, checks=[_dates(optional=True), _not_future()], **_TEXT),
}, checks=[pa.Check(lambda df: _placed(df), error="needs a postcode or both easting and northing (or a grid "
                                                  "reference)")])


def _options_ok(df: pd.DataFrame, rule) -> pd.Series:
    kinds = df["kind"].astype("string").str.strip().str.lower()
    return pd.Series([rule(k, o) for k, o in zip(kinds, split_options(df["options"]), strict=True)],
                     index=df.index)


QUESTIONS = pa.DataFrameSchema({
    "question_id": pa.Column(nullable=False, unique=True, **_TEXT),
    "activity_id": pa.Column(nullable=False, **_TEXT),
    "kind": pa.Column(checks=_kinds(QUESTION_KINDS), **_TEXT),
    "text": pa.Column(nullable=False, **_TEXT),
    "options": pa.Column(nullable=True, **_TEXT),
}, checks=[
    pa.Check(lambda df: _options_ok(df, lambda k, o: k not in OPTION_KINDS or len(o) >= 2),
             error=f"options: needs at least two options joined by '{OPTION_SEPARATOR}' for "
                   f"{', '.join(OPTION_KINDS)} questions (e.g. Yes|No; a scale's points lowest first, 1|2|3|4|5)"),
    pa.Check(lambda df: _options_ok(df, lambda k, o: k in OPTION_KINDS or k not in QUESTION_KINDS or not o),
             error="options: is given, but free_text, map_comment and pb_approval questions take no options (a PB "
                   "vote's options are its projects in pb_projects.csv); leave it blank"),
    pa.Check(lambda df: _options_ok(df, lambda k, o: all(o)), error=f"options: has a blank option (check the "
                                                                     f"'{OPTION_SEPARATOR}' separators)"),
    pa.Check(lambda df: _options_ok(df, lambda k, o: len({x.casefold() for x in o}) == len(o)),
             error="options: lists the same option twice"),
])


def _public() -> pa.Check:
    return pa.Check(lambda s: s.isna() | s.str.strip().str.lower().isin(PUBLIC_WORDS),
                    error=f"is not one of {sorted(PUBLIC_WORDS)} (blank = no)")


def answer_key(question_ids: pd.Series, values: pd.Series) -> pd.Series:
    """question id and value as one key, compared without regard to case or surrounding spaces."""
    return (question_ids.astype("string").str.strip() + "\x1f"
            + values.astype("string").str.strip().str.casefold())


def answer_keys(questions: pd.DataFrame, projects: pd.DataFrame) -> dict[str, str]:
    """Every value a question accepts, as answer_key → the value in its own spelling: the options of choice and
    scale questions, the project ids of a PB approval question's vote."""
    out = {}
    for q, kind, activity, opts in zip(questions["question_id"], questions["kind"], questions["activity_id"],
                                       split_options(questions["options"]), strict=True):
        if kind == "pb_approval":
            opts = projects.loc[projects["activity_id"] == activity, "project_id"].astype(str).str.strip().tolist()
        out |= {f"{q}\x1f{o.casefold()}": o for o in opts}
    return out


def answers_schema(questions: pd.DataFrame, projects: pd.DataFrame) -> pa.DataFrameSchema:
    """The checks of answers.csv against the questions (and PB projects) it answers.

    questions: question_id, activity_id, kind (lower case), options (as loaded); projects: project_id,
    activity_id. A value must be one of its question's options (single and multiple choice, matched without
    regard to case), a point of its scale, or a project of its PB vote; a text answer must not be blank; only
    a map comment has a place.
    """
    kind_of = dict(zip(questions["question_id"], questions["kind"], strict=True))
    allowed = set(answer_keys(questions, projects))

    def kinds(df: pd.DataFrame) -> pd.Series:
        return df["question_id"].astype("string").str.strip().map(kind_of)

    def value_in(df: pd.DataFrame, which: tuple[str, ...]) -> pd.Series:
        k = kinds(df)
        found = answer_key(df["question_id"], df["value"]).isin(allowed)
        return ~k.isin(which) | found.fillna(False) | df["value"].isna()

    def once(df: pd.DataFrame) -> pd.Series:
        return ~(kinds(df).isin(ONE_ANSWER_KINDS) & df.duplicated(["response_id", "question_id"], keep="first"))

    def twice(df: pd.DataFrame) -> pd.Series:
        values = df["value"].fillna("").str.strip().str.casefold()
        return ~pd.concat([df["response_id"], df["question_id"], values], axis=1).duplicated(keep="first")

    def placed_only_if_comment(df: pd.DataFrame) -> pd.Series:
        return (kinds(df) == "map_comment") | (_blank(df, "easting") & _blank(df, "latitude") & _blank(df, "public"))

    return pa.DataFrameSchema({
        "response_id": pa.Column(nullable=False, **_TEXT),
        "question_id": pa.Column(nullable=False, checks=pa.Check(
            lambda s: s.str.strip().isin(kind_of), error="is not in questions"), **_TEXT),
        "value": pa.Column(nullable=False, **_TEXT),
        **_PLACE_COLUMNS,
        "public": pa.Column(nullable=True, required=False, checks=_public(), **_TEXT),
    }, checks=[
        pa.Check(lambda df: value_in(df, ("single_choice", "multiple_choice")),
                 error="value: is not one of the question's options (questions.csv)"),
        pa.Check(lambda df: value_in(df, ("scale",)), error="value: is not a point of the question's scale "
                                                             "(its options in questions.csv)"),
        pa.Check(lambda df: value_in(df, ("pb_approval",)), error="value: is not a project of the question's "
                                                                   "PB vote (pb_projects.csv)"),
        pa.Check(once, error="question_id: is answered twice in one response, but takes one answer"),
        pa.Check(twice, error="value: appears twice for the same response and question"),
        pa.Check(placed_only_if_comment, error="question_id: is not a map_comment question, so the answer has no "
                                               "place or public flag; leave easting, northing, latitude, longitude "
                                               "and public blank"),
        *_place_checks(),
    ])


PB_PROJECTS = pa.DataFrameSchema({
    "project_id": pa.Column(nullable=False, unique=True, **_TEXT),
    "activity_id": pa.Column(nullable=False, **_TEXT),
    "title": pa.Column(nullable=False, **_TEXT),
    "cost": pa.Column(nullable=False, checks=_positive(), **_TEXT),
    "ward_code": pa.Column(nullable=True, required=False, **_TEXT),
    **_PLACE_COLUMNS,
    "category": pa.Column(nullable=True, required=False, **_TEXT),
}, checks=_place_checks())


#: A row rule's message that starts with one of these words reads after the value it blames ("'Maybe' is not …").
_VALUE_VERBS = {"is", "has", "lists", "appears", "needs"}


@dataclass(frozen=True)
class RowProblem:
    line: int | None
    column: str | None
    problem: str


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> list[RowProblem]:
    """Every failure of `schema` on `frame` as RowProblems, sorted by line; [] when clean.

    Problems without a row (a missing column) come first with line None.
    """
    try:
        schema.validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    missing = cases[cases["check"].astype(str) == "column_in_dataframe"]
    if len(missing):
        # Row rules cannot run without their columns: report the missing columns alone.
        return [RowProblem(None, str(c), "required column is missing") for c in missing["failure_case"]]
    problems = []
    blamed_rows: dict[tuple, str] = {}  # (index, column, problem) of row rules → the blamed column's value
    for case in cases.itertuples(index=False):
        index = case.index if pd.notna(case.index) else None
        whole_row = case.schema_context == "DataFrameSchema"
        column = None if whole_row or not isinstance(case.column, str) else case.column
        check = str(case.check)
        blamed = re.match(r"^(\w+): (.+)$", check, re.DOTALL) if whole_row else None
        if blamed:
            # A row rule naming the column it blames: pandera lists every non-blank cell of a failing row.
            key = (index, blamed.group(1), blamed.group(2))
            value = case.failure_case if case.column == blamed.group(1) and pd.notna(case.failure_case) else None
            if key not in blamed_rows or value is not None:
                blamed_rows[key] = value
            continue
        if check == "column_in_dataframe":
            problems.append(RowProblem(None, str(case.failure_case), "required column is missing"))
            continue
        if check in ("not_nullable",):
            text = "is blank"
        elif check == "field_uniqueness":
            text = f"'{case.failure_case}' appears more than once"
        elif check.startswith("dtype"):
            continue
        else:
            value = "" if column is None else f"'{case.failure_case}' "
            text = value + check
        problems.append(RowProblem(None if index is None else int(index) + 2, column, text))
    for (index, column, text), value in blamed_rows.items():
        said = f"'{value}' " if value is not None and text.split(" ", 1)[0] in _VALUE_VERBS else ""
        problems.append(RowProblem(None if index is None else int(index) + 2, column, said + text))
    cut = frame.attrs.get("unterminated_line")
    if cut is not None:  # the last line has no line break: its bad value may be one cut short
        problems = [RowProblem(p.line, p.column, p.problem + " (the last line has no line break: the file may be "
                               "cut short)") if p.line == cut else p for p in problems]
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: (p.line is not None, p.line or 0))
    return unique
