"""Property-based tests (hypothesis): the parsers never fail with anything but an InputError and read back what
was written; disclosure control never shows a small count or an equation that gives a hidden cell away; the
keyed rounding (the differencing defence) keeps every published count and every difference of two a multiple
of the base, near the truth and unbiased.

Runs are kept short (max_examples ≤ 100, no deadline): these guard properties, not performance.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from etl.errors import InputError
from etl.mappings import ANSWER_LABELS, age_answer, answer_key, band_label, map_answer, parse_band
from etl.postcodes import POSTCODE_RE, is_valid, normalise
from etl.readers import line_of, read_table, to_number
from geo.disclosure import TOTAL, DisclosurePolicy, protect_table
from vocabulary import AGE, NOT_STATED
from vocabulary.cell_key import round_counts

SHORT = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _read(data: bytes, name: str = "input.csv") -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        return read_table(path)


# -- (a) parsers ------------------------------------------------------------------------------------------------
_csvish = st.lists(st.sampled_from([*'ab,;"\n\r \t\ufeff\x00é1=', "\r\n", "inf", "nan"]), max_size=40).map("".join)


@SHORT
@given(st.one_of(_csvish, st.text(max_size=80)))
def test_read_table_fails_only_with_an_input_error_on_any_text(text):
    try:
        _read(text.encode("utf-8"))
    except InputError as err:
        assert "input.csv" in str(err)


@SHORT
@given(st.binary(max_size=120))
def test_read_table_fails_only_with_an_input_error_on_any_bytes(data):
    try:
        _read(data)
    except InputError:
        pass


_cell = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\ufeff"),
                max_size=12).map(str.strip)
_names = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=5, unique=True)


@SHORT
@given(_names.flatmap(lambda names: st.tuples(
    st.just(names), st.lists(st.lists(_cell, min_size=len(names), max_size=len(names)), min_size=1, max_size=6),
    st.booleans(), st.booleans())))
def test_read_table_reads_back_what_a_csv_writer_wrote(example):
    """Any text values (commas, quotes, line breaks inside quotes, formulas, non-Latin text) round-trip;
    blank reads as missing. With a BOM and CRLF, as Excel writes CSV UTF-8, too."""
    names, rows, bom, crlf = example
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(names)
    writer.writerows(rows)
    frame = _read((("\ufeff" if bom else "") + out.getvalue()).encode("utf-8"))
    assert list(frame.columns) == names
    got = [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]
    want = [[v or None for v in row] for row in rows]  # a blank single value is written '""': still a row
    assert got == want


@SHORT
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=12), st.data())
def test_a_bad_number_is_reported_on_its_true_file_line_after_blank_lines(values, data):
    """Issue 12: after blank lines the line named is the line an editor shows."""
    bad = data.draw(st.integers(0, len(values) - 1), label="bad row")
    blanks = data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values)), label="blank before")
    lines, bad_line = ["code,n"], None
    for i, v in enumerate(values):
        if blanks[i] and i:
            lines.append("")
        lines.append(f"A{i},{'n/a' if i == bad else v}")
        if i == bad:
            bad_line = len(lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        frame = read_table(path)
        assert [line_of(i) for i in frame.index][bad] == bad_line
        with pytest.raises(InputError) as caught:
            to_number(frame, "n", path)
    assert caught.value.row == bad_line and caught.value.column == "n"


@SHORT
@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=8), st.booleans())
def test_numbers_with_thousands_separators_read_as_written(values, quoted):
    text = "n\n" + "".join((f'"{v:,}"' if quoted else str(v)) + "\n" for v in values)
    frame = _read(text.encode("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        assert to_number(frame, "n", Path(tmp) / "x.csv").tolist() == [float(v) for v in values]


_outward = st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]?", fullmatch=True)
_inward = st.from_regex(r"[0-9][A-Z]{2}", fullmatch=True)


@SHORT
@given(_outward, _inward, st.sampled_from(["", " ", "  ", "\t", " - "]), st.booleans())
def test_any_spacing_or_case_of_a_postcode_normalises_to_one_valid_form(outward, inward, gap, lower):
    typed = f" {outward}{gap}{inward} "
    typed = typed.lower() if lower else typed
    got = normalise(pd.Series([typed])).iloc[0]
    assert got == outward + inward
    assert bool(is_valid(pd.Series([got])).iloc[0])


@SHORT
@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=10))
def test_postcode_normalisation_is_idempotent_and_never_fails(values):
    once = normalise(pd.Series(values, dtype="object"))
    assert once.equals(normalise(once))
    assert all(re.fullmatch(r"[A-Z0-9]*", v) for v in once.dropna())
    valid = is_valid(once)
    assert valid.dtype == bool
    assert all(POSTCODE_RE.fullmatch(v) for v in once[valid])


@SHORT
@given(st.sampled_from(sorted(ANSWER_LABELS)), st.one_of(st.none(), st.text(max_size=40), st.floats(),
                                                         st.integers()))
def test_any_answer_maps_to_a_known_label_or_to_none(dimension, answer):
    label = map_answer(dimension, answer)
    assert label is None or label in ANSWER_LABELS[dimension]


@SHORT
@given(st.sampled_from(sorted(ANSWER_LABELS)), st.data())
def test_answers_map_the_same_whatever_their_case_spacing_or_punctuation(dimension, data):
    from etl.mappings import known_wordings
    key = data.draw(st.sampled_from(sorted(known_wordings(dimension))), label="wording")
    label = map_answer(dimension, key)
    noisy = data.draw(st.sampled_from([key.upper(), key.title(), f"  {key}  ", key.replace(" ", " / "),
                                       key.replace(" ", ",  "), key + "."]), label="typed")
    assert map_answer(dimension, noisy) == label
    assert answer_key(answer_key(noisy)) == answer_key(noisy)


@SHORT
@given(st.one_of(st.none(), st.text(max_size=30), st.integers(-5, 3000)))
def test_any_age_answer_is_a_band_a_year_of_birth_or_unknown(answer):
    got = age_answer(answer)
    if got.birth_year is not None:
        assert got.label is None and 1900 <= got.birth_year <= 2099
    elif got.label is not None and got.label != NOT_STATED:
        assert parse_band(got.label) is not None
    assert map_answer(AGE, answer) == got.label


@SHORT
@given(st.integers(0, 120), st.integers(0, 120), st.booleans(), st.sampled_from(["{}-{}", "{} to {}", "Aged {} - {}",
                                                                                   "{} to {} years"]))
def test_age_bands_round_trip(a, b, open_top, form):
    lo, hi = min(a, b), max(a, b)
    band = (lo, None) if open_top else (lo, hi)
    assert parse_band(band_label(*band)) == band
    typed = f"{lo}+" if open_top else form.format(lo, hi)
    assert age_answer(typed).label == band_label(*band)


@SHORT
@given(st.integers(0, 120))
def test_an_exact_age_lands_in_the_census_band_holding_it(age):
    lo, hi = parse_band(age_answer(str(age)).label)
    assert lo <= age and (hi is None or age <= hi)


# -- (b) disclosure control -------------------------------------------------------------------------------------
_small_biased = st.one_of(st.integers(0, 12), st.integers(0, 60), st.integers(0, 400))


@st.composite
def count_tables(draw, max_rows: int = 5, max_cols: int = 5) -> pd.DataFrame:
    n_rows = draw(st.integers(1, max_rows))
    n_cols = draw(st.integers(1, max_cols))
    values = draw(st.lists(st.lists(_small_biased, min_size=n_cols, max_size=n_cols), min_size=n_rows,
                           max_size=n_rows))
    return pd.DataFrame(values, index=[f"r{i}" for i in range(n_rows)], columns=[f"c{j}" for j in range(n_cols)])


def _equations(hidden: pd.DataFrame, row_totals: bool, column_totals: bool) -> list[pd.Series]:
    out = []
    if row_totals:
        out += [hidden.loc[r] for r in hidden.index]
    if column_totals:
        out += [hidden[c] for c in hidden.columns]
    return out


@SHORT
@given(count_tables(), st.booleans(), st.booleans(), st.sampled_from([1, 10]), st.sampled_from([5, 10]))
def test_no_small_count_is_shown_and_no_equation_hides_exactly_one_cell(counts, row_totals, column_totals,
                                                                        rounding, threshold):
    policy = DisclosurePolicy(threshold=threshold, min_base=max(threshold, 25), rounding=min(rounding, threshold))
    table = protect_table(counts, policy, row_totals=row_totals, column_totals=column_totals)
    shown = table.values.to_numpy(dtype=float)
    shown = shown[~np.isnan(shown)]
    assert not ((shown > 0) & (shown < threshold)).any()
    assert table.values.isna().equals(table.hidden)
    for eq in _equations(table.hidden, row_totals, column_totals):
        assert eq.sum() != 1, eq
    true = counts.astype(float)
    interior = table.values.loc[list(counts.index), list(counts.columns)]
    assert ((interior - true).abs().fillna(0) < policy.rounding).all().all()


def _range_of_hidden(counts: pd.DataFrame, table) -> dict[tuple, tuple[float, float]]:
    """For each hidden cell, the least and most it can be given every shown value and the table's equations
    (cells are counts ≥ 0): an attacker's best bounds, by linear programming. A shown value v rounded to a
    multiple of policy.rounding only says the count lies within rounding − 1 of v."""
    shown = table.values.loc[table.hidden.index, table.hidden.columns]
    slack = max(table.policy.rounding - 1, 0)
    cells = [(r, c) for r in shown.index for c in shown.columns]
    where = {cell: k for k, cell in enumerate(cells)}
    bounds = [(0, None) if table.hidden.at[cell] else (max(shown.at[cell] - slack, 0), shown.at[cell] + slack)
              for cell in cells]
    rows = [r for r in shown.index if r != TOTAL]
    cols = [c for c in shown.columns if c != TOTAL]
    lines = [([(r, c) for c in cols], (r, TOTAL)) for r in rows if TOTAL in shown.columns]
    lines += [([(r, c) for r in rows], (TOTAL, c)) for c in shown.columns if TOTAL in shown.index]
    a_eq = []
    for parts, total in lines:
        coef = np.zeros(len(cells))
        for cell in parts:
            coef[where[cell]] += 1
        coef[where[total]] -= 1
        a_eq.append(coef)
    out = {}
    for cell, k in where.items():
        if not table.hidden.at[cell]:
            continue
        objective = np.zeros(len(cells))
        objective[k] = 1
        lo = linprog(objective, A_eq=np.array(a_eq), b_eq=np.zeros(len(a_eq)), bounds=bounds, method="highs")
        hi = linprog(-objective, A_eq=np.array(a_eq), b_eq=np.zeros(len(a_eq)), bounds=bounds, method="highs")
        assert lo.status == 0 and hi.status in (0, 3), (lo.message, hi.message)
        out[cell] = (lo.fun, -hi.fun if hi.status == 0 else np.inf)  # 3: unbounded above
    return out


#: Found by this test: every equation hides 0 or ≥ 2 cells, yet column c3's total (2) is the grand total (12)
#: less row r2's total (10) — a combination of equations (c3 = r0 + r1, and r0 + r1 = 12 − 10) gives it away.
_RECOVERABLE = pd.DataFrame([[0, 0, 0, 1], [0, 0, 0, 1], [0, 1, 9, 0]], index=["r0", "r1", "r2"],
                            columns=["c0", "c1", "c2", "c3"])


def _recoverable_small_counts(counts: pd.DataFrame, policy: DisclosurePolicy, one_way: bool) -> list[str]:
    table = protect_table(counts, policy, row_totals=True, column_totals=not one_way)
    full = counts.astype(float).copy()
    full[TOTAL] = full.sum(axis=1)
    if not one_way:
        full.loc[TOTAL] = full.sum(axis=0)
    found = []
    for (r, c), (lo, hi) in _range_of_hidden(counts, table).items():
        truth = full.at[r, c]
        assert lo - 1e-6 <= truth <= hi + 1e-6
        if 0 < truth < policy.threshold and hi - lo <= 0.5:
            found.append(f"hidden {truth:g} at {(r, c)} recoverable: {lo:g}..{hi:g}")
    return found


@pytest.mark.xfail(strict=True, reason="suppression alone checks each equation on its own: a sum of equations can "
                                       "still give a hidden small count (_RECOVERABLE); the app rounds as well")
def test_suppression_alone_leaves_a_combination_of_equations_open():
    assert not _recoverable_small_counts(_RECOVERABLE, DisclosurePolicy(10, 25, rounding=1), one_way=False)


@SHORT
@given(count_tables(max_rows=4, max_cols=4), st.booleans())
@example(counts=_RECOVERABLE, one_way=False)
def test_a_small_hidden_count_cannot_be_worked_out_from_the_shown_values_and_totals(counts, one_way):
    """With the app's policy (suppression, then keyed rounding to 10), every hidden cell whose true value is
    1..threshold-1 has more than one value consistent with everything shown (bounds by linear programming
    over the row and column equations, cells ≥ 0, each shown count within 9 of its published value)."""
    assert not _recoverable_small_counts(counts, DisclosurePolicy(10, 25, rounding=10), one_way)


# -- (c) keyed rounding: the differencing defence ---------------------------------------------------------------
_counts = st.lists(st.integers(0, 10**7), min_size=1, max_size=50)


@SHORT
@given(_counts, st.integers(2, 20), st.one_of(st.none(), st.text(max_size=12)))
def test_rounded_counts_are_multiples_of_the_base_and_near_the_truth(values, base, key):
    out = round_counts(values, base, key)
    arr = np.asarray(values, dtype=float)
    assert (out % base == 0).all()
    assert (np.abs(out - arr) < base).all()
    assert (out[arr % base == 0] == arr[arr % base == 0]).all()  # already a multiple: unchanged (0 stays 0)
    assert (out >= 0).all()


@SHORT
@given(_counts, st.integers(2, 20), st.one_of(st.none(), st.text(max_size=12)))
def test_the_same_count_always_rounds_the_same_way(values, base, key):
    out = round_counts(values, base, key)
    assert np.array_equal(out, round_counts(values, base, key))
    again = round_counts(list(reversed(values)), base, key)
    assert np.array_equal(out, again[::-1])
    for v, o in zip(values, out, strict=True):
        assert round_counts([v], base, key)[0] == o  # one at a time or in a batch: the same


@SHORT
@given(_counts, st.integers(2, 20))
def test_no_difference_of_two_published_counts_is_a_small_count(values, base):
    out = round_counts(values, base)
    diff = np.abs(out[:, None] - out[None, :])
    assert not ((diff >= 1) & (diff <= base - 1)).any()


@FEW
@given(st.integers(0, 10**8), st.integers(2, 20), st.one_of(st.none(), st.text(max_size=12)))
def test_rounding_is_unbiased_over_a_range_of_counts(start, base, key):
    counts = np.arange(start, start + 20_000)
    error = round_counts(counts, base, key) - counts
    # Each error lies in (-base, base) with standard deviation below base/2: over 20,000 counts the mean
    # error's standard deviation is below base/280, so base/20 is far outside chance.
    assert abs(error.mean()) < base / 20
    # Each remainder rounds up about remainder/base of the time.
    remainder = counts % base
    for r in range(1, base):
        up = (error[remainder == r] > 0).mean()
        assert abs(up - r / base) < 0.1, (r, up)


@SHORT
@given(st.lists(st.one_of(st.integers(0, 1000), st.just(float("nan"))), min_size=1, max_size=20))
def test_missing_counts_stay_missing(values):
    out = round_counts(values, 10)
    assert np.array_equal(np.isnan(out), np.isnan(np.asarray(values, dtype=float)))


@SHORT
@given(st.one_of(st.integers(-10**6, -1).map(float), st.floats(0.01, 10**6).filter(lambda v: v % 1 != 0)))
def test_only_whole_non_negative_counts_are_rounded(bad):
    with pytest.raises(ValueError):
        round_counts([3, bad], 10)
