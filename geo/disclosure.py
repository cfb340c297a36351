"""Statistical disclosure control for every count of respondents the app shows or exports.

Rules (after the ONS/GSS guidance on small counts and table-level protection):
1. Primary suppression: counts 1 to threshold-1 (default 1–9) are hidden.
   Zero is shown as 0: it reveals no one.
2. Secondary suppression: every published table is a set of additive equations (each row
   sums to its row total, each column to its column total, totals to the grand total).
   An equation with exactly one hidden value would let a reader recover it by
   subtraction, so the smallest other value in that equation is hidden too, repeating
   until every equation hides none or at least two values.
3. No percentage or rate on a base below `min_base` (default 25) or on a hidden count.
4. Differencing defence: every count that is shown is rounded to a multiple of `rounding` (the app's
   policy: the threshold, 10) by keyed random rounding (vocabulary.cell_key, after the ONS cell key
   method): the same count always rounds the same way, and the difference of any two shown counts —
   two filter settings one slice apart — is a multiple of 10, never a count from 1 to 9.
   docs/methods.md gives the effect on accuracy (each count within 9 of the truth, unbiased).
Rates derived from a hidden count are hidden with it, since count = rate × population.
Every hidden count reads "hidden" (`DisclosurePolicy.label`), whichever rule hid it: a cell hidden by
rule 2 may hold 10 or more, so "<10" would misstate it, and one label for both rules does not tell a
reader which hidden cell is the small one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vocabulary import cell_key

TOTAL = "Total"


@dataclass(frozen=True)
class DisclosurePolicy:
    """Thresholds; set WARDSCOPE_MIN_COUNT / WARDSCOPE_MIN_BASE to change the app's default."""

    threshold: int = 10
    min_base: int = 25
    #: Shown counts are multiples of this (1 = as counted). The app's policy (from_env) rounds to the threshold.
    rounding: int = 1

    @property
    def label(self) -> str:
        """How a hidden count reads in every table and export."""
        return "hidden"

    @property
    def explanation(self) -> str:
        """One plain sentence for captions: what 'hidden' means."""
        return (f"'hidden' = fewer than {self.threshold}, or hidden so that a small count cannot be worked out "
                "from the totals")

    @classmethod
    def from_env(cls) -> DisclosurePolicy:
        threshold = int(os.environ.get("WARDSCOPE_MIN_COUNT", cls.threshold))
        min_base = int(os.environ.get("WARDSCOPE_MIN_BASE", cls.min_base))
        if threshold < 1 or min_base < threshold:
            raise ValueError("WARDSCOPE_MIN_COUNT must be ≥ 1 and WARDSCOPE_MIN_BASE ≥ WARDSCOPE_MIN_COUNT")
        return cls(threshold, min_base, rounding=threshold)

    def publish(self, values):
        """Counts as shown: rounded to a multiple of `rounding` by the keyed rounding (NaN stays NaN)."""
        return cell_key.round_counts(values, self.rounding)


DEFAULT_POLICY = DisclosurePolicy()


def _primary(values: np.ndarray, policy: DisclosurePolicy) -> np.ndarray:
    return (values > 0) & (values < policy.threshold)


def _secondary(values: np.ndarray, hidden: np.ndarray, equations: list[np.ndarray]) -> np.ndarray:
    """Hide more cells until no equation (an index array over the flat table) has exactly one hidden cell."""
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for eq in equations:
            if hidden[eq].sum() != 1:
                continue
            open_cells = eq[~hidden[eq]]
            if open_cells.size == 0:
                continue
            # Prefer the smallest non-zero value: hiding a zero protects less and confuses readers.
            order = np.lexsort((values[open_cells], values[open_cells] == 0))
            hidden[open_cells[order[0]]] = True
            changed = True
    return hidden


@dataclass
class ProtectedTable:
    """Counts with totals, and which of them are hidden. `values` is NaN where hidden."""

    values: pd.DataFrame
    hidden: pd.DataFrame
    policy: DisclosurePolicy

    def display(self) -> pd.DataFrame:
        """Strings for screens and exports: thousands separators, hidden counts as "hidden"."""
        shown = self.values.map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
        return shown.mask(self.hidden, self.policy.label)


def protect_table(counts: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY, row_totals: bool = True,
                  column_totals: bool = True, hidden: pd.DataFrame | None = None) -> ProtectedTable:
    """Protect a table of counts (rows × columns) with optional total column and row.

    hidden: cells (same shape and labels as counts) already hidden elsewhere — e.g. a sum of counts
    one of which another table hides — which are hidden here too and count as hidden in the equations;
    their value in `counts` only has to be a whole number (it is never shown).
    """
    values = counts.astype(float).fillna(0.0)
    if (values.to_numpy() % 1 != 0).any():
        raise ValueError("disclosure control expects whole counts")
    # Work in label order, so the same counts hide the same cells whatever order a page lists
    # them in; two views of one table must never hide different cells.
    original_rows, original_cols = values.index, values.columns
    values = values.sort_index(axis=0, key=_label_key).sort_index(axis=1, key=_label_key)
    table = values.copy()
    if row_totals:
        table[TOTAL] = values.sum(axis=1)
    if column_totals:
        table.loc[TOTAL] = table.sum(axis=0)
    n_rows, n_cols = table.shape
    flat = table.to_numpy().ravel()
    index = np.arange(flat.size).reshape(n_rows, n_cols)
    equations = []
    if row_totals:
        equations += [index[r, :] for r in range(n_rows)]
    if column_totals:
        equations += [index[:, c] for c in range(n_cols)]
    first = _primary(flat, policy)
    if hidden is not None:
        given = hidden.reindex(index=table.index, columns=table.columns, fill_value=False)
        first |= given.fillna(False).to_numpy(dtype=bool).ravel()
    hidden = _secondary(flat, first, equations).reshape(n_rows, n_cols)
    hidden_frame = pd.DataFrame(hidden, index=table.index, columns=table.columns)
    rows = list(original_rows) + ([TOTAL] if column_totals else [])
    cols = list(original_cols) + ([TOTAL] if row_totals else [])
    hidden_frame = hidden_frame.loc[rows, cols]
    shown = table.loc[rows, cols].mask(hidden_frame)
    if policy.rounding > 1:
        shown = pd.DataFrame(policy.publish(shown.to_numpy(dtype=float)), index=shown.index, columns=shown.columns)
    return ProtectedTable(shown, hidden_frame, policy)


def _label_key(labels: pd.Index) -> pd.Index:
    return pd.Index([str(v) for v in labels])


def protect_counts(counts: pd.Series, policy: DisclosurePolicy = DEFAULT_POLICY, total: bool = True,
                   hidden: pd.Series | None = None) -> pd.Series:
    """Protect a single list of counts (e.g. respondents per ward) that may be shown with its total.

    Returns floats, NaN where hidden; when `total` is True the result ends with a "Total" entry.
    hidden: entries already hidden elsewhere (see `protect_table`).
    """
    given = None if hidden is None else hidden.to_frame("n")
    table = protect_table(counts.to_frame("n"), policy, row_totals=False, column_totals=total, hidden=given)
    return table.values["n"]


def protect_long(long: pd.DataFrame, column: str, value: str, policy: DisclosurePolicy = DEFAULT_POLICY,
                 row_totals: bool = True, keys: list | None = None, index: str = "ward_code") -> pd.DataFrame:
    """The whole `index` × `column` table of `value` from long rows, protected: one row per `index` value, then 'Total'.

    Floats, NaN where hidden; repeated keys are summed, missing keys count 0 (`keys` fixes the columns);
    with row_totals each row ends with its 'Total' (sum over the columns). With no row at all, the table
    is just the 'Total' row, all 0. A ward's figures are one row of such a table, protected whole, so
    that no hidden cell can be recovered as "borough total minus the other wards".
    """
    grid = long.pivot_table(index=index, columns=column, values=value, aggfunc="sum", fill_value=0)
    if keys is not None:
        grid = grid.reindex(columns=keys, fill_value=0)
    grid.columns = grid.columns.astype(object)
    if grid.empty:
        cols = list(grid.columns) + ([TOTAL] if row_totals else [])
        return pd.DataFrame([[0.0] * len(cols)], index=[TOTAL], columns=cols)
    return protect_table(grid, policy, row_totals=row_totals, column_totals=True).values


def safe_rate(count: pd.Series, base: pd.Series, per: float = 1.0,
              policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.Series:
    """count / base × per, NaN where the count is hidden (NaN) or the base is below min_base.

    Use for percentages of respondents (base = respondents) and for rates per 1,000
    residents (base = residents): a rate on a hidden count would reveal the count.
    """
    count = pd.Series(count, dtype=float)
    base = pd.Series(base, dtype=float).reindex(count.index)
    ok = count.notna() & (base >= policy.min_base)
    return (count / base * per).where(ok)


def format_count(value: float, policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """One protected count as text: NaN (hidden) → "hidden"."""
    return policy.label if pd.isna(value) else f"{value:,.0f}"


def protect_single(value: float, policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """One stand-alone count (e.g. responses not placed in a ward) as text, "hidden" when 1–9."""
    if 0 < float(value) < policy.threshold:
        return policy.label
    return format_count(float(policy.publish([float(value)])[0]), policy)


def protect_note(note: str, policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """A load note about responses or respondents with any count below the threshold shown as "fewer than 10"
    (a number in a sentence that is below the threshold: no table to protect it by, so it is simply not given)."""
    if not re.search(r"respon", note, flags=re.IGNORECASE):
        return note

    def _mask(match: re.Match) -> str:
        value = int(match.group(0).replace(",", ""))
        return f"fewer than {policy.threshold}" if 0 < value < policy.threshold else match.group(0)

    return re.sub(r"(?<![\w.])\d[\d,]*(?![\w.])", _mask, note)


def no_small_counts(values: pd.Series | pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> bool:
    """True when nothing published lies in 1..threshold-1 (the check tests and exports use)."""
    arr = pd.DataFrame(values).to_numpy(dtype=float)
    arr = arr[~np.isnan(arr)]
    return not bool(((arr > 0) & (arr < policy.threshold)).any())
