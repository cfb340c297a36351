"""One number per dimension: the representation score and the R-indicator, with intervals.

Both are read off the borough table of geo.representation (protected counts; eligible residents of
geo.eligibility), one dimension at a time.

Participation rate of a group g: rho_g = respondents_g × (all / stated) ÷ eligible residents_g. Respondents
who gave no census group (Not stated, another answer) are spread over the groups in proportion (the
assumption that their answers would follow those who gave one), so the rates add up to the borough's.

Representation score = the lowest group rate ÷ the highest (1 = every group takes part at the same rate;
0.5 = the least-reached group takes part half as much as the most-reached).

R-indicator (Schouten, Cobben & Bethlehem 2009, "Indicators for the representativeness of survey
response", Survey Methodology 35(1)): R = 1 − 2·S(rho), S the standard deviation of the response
propensities over the eligible residents, S² = Σ_g N_g (rho_g − rho̅)² / (N − 1), the propensities
estimated by the group rates (a model with the dimension as its one variable). R = 1 is fully
representative; R ≥ 1 − 2·sqrt(rho̅(1 − rho̅)), so with participation of a few per cent R stays near 1
and is read beside the rate. Partial indicators (Schouten, Shlomo & Skinner 2011, J. Official Statistics
27(2)): the unconditional category-level indicator P_u(g) = sqrt(N_g / N)·(rho_g − rho̅), negative for a
group taking part less than the borough; their squares add up to the between-group variance.

Intervals: parametric bootstrap (Efron & Tibshirani 1993): the eligible residents held fixed, each
group's respondents redrawn as Binomial(N_g, rho_g) (B = 2,000 replicates, fixed seed), both numbers
recomputed, and the 2.5th and 97.5th percentiles reported.

Disclosure: each figure is a function of every group's count, so it is given only when the borough
table shows every count (groups, answers outside the base and the total); otherwise it reads "hidden".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REPLICATES = 2000
SEED = 20090601
SUMMARY_COLUMNS = ["dimension", "groups", "score", "score_low", "score_high", "lowest", "highest", "r", "r_low",
                   "r_high", "rate_per_1000", "note"]


def _r_and_score(x: np.ndarray, n: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """R-indicator and representation score for respondents x (groups, or replicates × groups) over residents n."""
    rho = x * scale / n
    total = n.sum()
    mean = (rho * n).sum(axis=-1, keepdims=True) / total
    s = np.sqrt((n * (rho - mean) ** 2).sum(axis=-1) / max(total - 1, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        score = rho.min(axis=-1) / rho.max(axis=-1)
    return 1 - 2 * s, score


def _compared(rep: pd.DataFrame) -> pd.DataFrame:
    """The groups that enter both numbers: census groups with eligible residents and at least one answer."""
    g = rep[rep["kind"] == "group"]
    return g[(g["residents"] > 0) & (g["status"] != "no respondents")]


def dimension_summary(rep: pd.DataFrame, dimension: str, replicates: int = REPLICATES, seed: int = SEED
                      ) -> tuple[dict, pd.DataFrame]:
    """The score, the R-indicator and their intervals for one dimension's borough table, and its partial indicators.

    rep: geo.representation.borough_representation. Returns ({SUMMARY_COLUMNS}, partial indicators: group,
    rate_per_1000, partial); the figures are NaN, the partials empty and `note` says why when a count they
    need is hidden or fewer than two groups can be compared.
    """
    groups = _compared(rep)
    counts = rep[rep["kind"].isin(["group", "not_eligible", "not_stated", "other_answer", "total"])]["respondents"]
    row = dict.fromkeys(SUMMARY_COLUMNS, np.nan) | {"dimension": dimension, "groups": len(groups), "lowest": "",
                                                    "highest": "", "note": ""}
    empty = pd.DataFrame(columns=["group", "rate_per_1000", "partial"])
    if counts.isna().any():
        return row | {"note": "hidden"}, empty
    if len(groups) < 2:
        return row | {"note": "too few groups"}, empty
    # Respondents in a group nobody could be in (a data error, or answers from outside the limits) are not
    # among the eligible residents' responses.
    total = float(rep.loc[rep["kind"] == "total", "respondents"].iloc[0]
                  - rep.loc[rep["kind"] == "not_eligible", "respondents"].sum())
    stated = float(rep.loc[rep["kind"] == "group", "respondents"].sum())
    if stated <= 0:
        return row | {"note": "no respondents"}, empty
    scale = total / stated
    x = groups["respondents"].to_numpy(dtype=float)
    n = groups["residents"].to_numpy(dtype=float)
    r, score = _r_and_score(x, n, scale)
    rho = x * scale / n
    rng = np.random.default_rng(seed)
    draws = rng.binomial(np.round(n).astype(np.int64), np.clip(x / n, 0, 1), size=(replicates, len(n)))
    r_boot, score_boot = _r_and_score(draws.astype(float), n, scale)
    mean = (rho * n).sum() / n.sum()
    names = groups["group"].to_numpy()
    row |= {"score": float(score), "score_low": float(np.nanpercentile(score_boot, 2.5)),
            "score_high": float(np.nanpercentile(score_boot, 97.5)), "lowest": str(names[np.argmin(rho)]),
            "highest": str(names[np.argmax(rho)]), "r": float(r), "r_low": float(np.percentile(r_boot, 2.5)),
            "r_high": float(np.percentile(r_boot, 97.5)), "rate_per_1000": mean * 1000}
    partials = pd.DataFrame({"group": names, "rate_per_1000": rho * 1000,
                             "partial": np.sqrt(n / n.sum()) * (rho - mean)})
    return row, partials


def summary(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """`dimension_summary` for each dimension's borough table: (one row per dimension, {dimension: partials})."""
    rows, partials = [], {}
    for dimension, rep in tables.items():
        row, part = dimension_summary(rep, dimension)
        rows.append(row)
        partials[dimension] = part
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS), partials
