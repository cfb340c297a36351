"""Map the demographic answers of a whole responses file, and explain every unknown answer at once.

Responses can number millions: each column is factorised, only its distinct answers are mapped
(etl.mappings), and the labels are taken back by code. A year of birth becomes an age band with
the response's own submission date. An answer no mapping knows is listed once per column with
its count and first line, with the config lines that would map it, so a council fixes a file in
one round trip rather than one per line (docs/data-contract.md, "Mapping your own wording").
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.checks import DEMOGRAPHIC_COLUMNS, RowProblem
from etl.mappings import (
    ANSWER_LABELS,
    OLDEST_AGE,
    Answers,
    age_answer,
    age_at,
    answer_key,
    census_band,
    known_wordings,
    map_answer,
)
from etl.readers import line_of
from vocabulary import AGE, CENSUS_AGE6, NOT_STATED


@dataclass(frozen=True)
class UnknownAnswer:
    """A distinct answer no mapping knows, in one column of the responses file."""
    column: str
    dimension: str
    answer: str
    count: int
    first_line: int


def _ages(raw: pd.Series, submitted: pd.Series, own: dict[str, str]) -> pd.Series:
    codes, uniques = pd.factorize(raw)
    read = [age_answer(u, own) for u in uniques]
    labels = np.array([r.label for r in read] + [NOT_STATED], dtype=object)
    out = pd.Series(labels[codes], index=raw.index, dtype=object)  # code -1 (blank) takes NOT_STATED
    births = np.array([np.nan if r.birth_year is None else r.birth_year for r in read] + [np.nan])[codes]
    todo = ~np.isnan(births) & submitted.notna().to_numpy()
    if todo.any():
        when = submitted[todo]
        ages = age_at(births[todo], when.dt.year.to_numpy(), when.dt.month.to_numpy()).astype(int)
        bands = {a: census_band(a) if 0 <= a <= OLDEST_AGE else None for a in np.unique(ages)}
        out[todo] = [bands[a] for a in ages]
    return out


def _labels(raw: pd.Series, dimension: str, council: Answers) -> pd.Series:
    codes, uniques = pd.factorize(raw)
    labels = np.array([map_answer(dimension, u, council) for u in uniques] + [NOT_STATED], dtype=object)
    return pd.Series(labels[codes], index=raw.index, dtype=object)


def map_demographics(frame: pd.DataFrame, submitted: pd.Series, council: Answers
                     ) -> tuple[pd.DataFrame, list[UnknownAnswer]]:
    """Labels for the four demographic columns (NOT_STATED where a column is absent), and the unknown answers.

    Rows with an unknown answer hold None in that column; `submitted` (parsed submitted_at) dates a
    year of birth.
    """
    out, unknown = {}, []
    for col, dim in DEMOGRAPHIC_COLUMNS.items():
        if col not in frame:
            out[col] = pd.Series(NOT_STATED, index=frame.index, dtype=object)
            continue
        raw = frame[col].astype("string")
        out[col] = _ages(raw, submitted, council.get(AGE, {})) if dim == AGE else _labels(raw, dim, council)
        bad = out[col].isna() & raw.notna()
        if bad.any():
            counts = raw[bad].value_counts(sort=False)
            firsts = raw[bad][~raw[bad].duplicated()]
            unknown += [UnknownAnswer(col, dim, str(a), int(counts[a]), line_of(i)) for i, a in firsts.items()]
    unknown.sort(key=lambda u: (list(DEMOGRAPHIC_COLUMNS).index(u.column), u.first_line))
    return pd.DataFrame(out, index=frame.index), unknown


def unknown_problems(labels: pd.DataFrame, frame: pd.DataFrame) -> list[RowProblem]:
    """One RowProblem per line and column holding an unknown answer, for the load's row accounting."""
    problems = []
    for col, dim in DEMOGRAPHIC_COLUMNS.items():
        if col not in frame:
            continue
        bad = labels[col].isna() & frame[col].notna()
        problems += [RowProblem(line_of(i), col, f"'{frame.at[i, col]}' is not an answer the {dim} mapping knows "
                                "(see docs/data-contract.md)") for i in frame.index[bad.to_numpy()]]
    return problems


def _suggestion(u: UnknownAnswer) -> str | None:
    if u.dimension == AGE:
        return None
    wordings = known_wordings(u.dimension)
    close = difflib.get_close_matches(answer_key(u.answer), list(wordings), n=1, cutoff=0.75)
    return wordings[close[0]] if close else None


def unknown_answers_help(unknown: list[UnknownAnswer]) -> str:
    """The list of unknown answers (count, first line) and the TOML that would map them.

    A suggested label comes from the closest standard wording and says so; "?" marks a line the
    council must fill in with one of the labels listed.
    """
    lines = ["", "", "Answers no mapping knows (every distinct answer, with its rows and first line):"]
    lines += [f"  {u.column}: {json.dumps(u.answer, ensure_ascii=False)}: {u.count:,} row(s), first line "
              f"{u.first_line}" for u in unknown]
    lines += ["", "To map them, add these lines to the config (check each label; docs/data-contract.md lists them):"]
    for dim in dict.fromkeys(u.dimension for u in unknown):
        lines.append(f"[engagement.answers.{dim}]")
        for u in (u for u in unknown if u.dimension == dim):
            guess = _suggestion(u)
            note = ("a guess from the closest standard wording: check it" if guess else
                    "a band such as \"45-54\" or \"75+\", or a census band: " + ", ".join(CENSUS_AGE6.values())
                    if dim == AGE else "one of " + ", ".join(f'"{x}"' for x in ANSWER_LABELS[dim]))
            lines.append(f"{json.dumps(u.answer, ensure_ascii=False)} = {json.dumps(guess or '?')}  # {note}")
    return "\n".join(lines)
