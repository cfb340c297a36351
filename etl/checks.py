"""Declared checks on the council's own CSV files (assets, activities, responses), with pandera.

Like dbt's declared tests, each rule is stated once, next to the column it guards, in
words a data owner understands; `validate` turns pandera's failure cases into
(line, column, problem) tuples so the ETL can name the exact line of the file.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from etl.postcodes import is_valid, normalise
from vocabulary import ACTIVITY_KINDS, AGE, ASSET_CATEGORIES, DISABILITY, ETHNICITY, SEX

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


def _ages() -> pa.Check:
    def ok(s: pd.Series) -> pd.Series:
        n = pd.to_numeric(s, errors="coerce")
        return s.isna() | (n.notna() & (n % 1 == 0) & n.between(0, 120))
    return pa.Check(ok, error="is not an age in whole years (0-120)")


def _numbers() -> pa.Check:
    return pa.Check(lambda s: s.isna() | pd.to_numeric(s, errors="coerce").notna(), error="is not a number")


_TEXT = {"dtype": "string", "coerce": True}

ASSETS = pa.DataFrameSchema({
    "asset_id": pa.Column(nullable=False, unique=True, **_TEXT),
    "name": pa.Column(nullable=False, **_TEXT),
    "category": pa.Column(checks=pa.Check(lambda s: s.str.strip().str.lower().isin(ASSET_CATEGORIES),
                                          error=f"is not one of {ASSET_CATEGORIES}"), **_TEXT),
    "postcode": pa.Column(nullable=True, required=False, checks=_postcodes(optional=True), **_TEXT),
    "easting": pa.Column(nullable=True, required=False, checks=_numbers(), **_TEXT),
    "northing": pa.Column(nullable=True, required=False, checks=_numbers(), **_TEXT),
}, checks=[pa.Check(lambda df: df.get("postcode", pd.Series(pd.NA, index=df.index)).notna()
                    | (df.get("easting", pd.Series(pd.NA, index=df.index)).notna()
                       & df.get("northing", pd.Series(pd.NA, index=df.index)).notna()),
                    error="needs a postcode or both easting and northing")])

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
    problems = []
    for case in cases.itertuples(index=False):
        index = case.index if pd.notna(case.index) else None
        whole_row = case.schema_context == "DataFrameSchema"
        column = None if whole_row or not isinstance(case.column, str) else case.column
        check = str(case.check)
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
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: (p.line is not None, p.line or 0))
    return unique
