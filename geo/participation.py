"""Participation: how much each ward takes part, as plain DataFrames (who takes part: geo.representation).

Every count of responses or respondents leaves this module protected by geo.disclosure
(hidden counts are NaN, shown as "hidden"), and every rate or share is computed from the
protected count with `safe_rate`, so a rate never reveals a hidden count.

Ward counts are protected in the order of the ward list the caller passes (the pages
pass `data_access.wards()`, ordered by name, exactly as the Overview does), because
secondary suppression breaks ties by position: the same order on every page means the
same cells are hidden everywhere, so two pages cannot be subtracted from each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import indicators
from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, protect_counts, safe_rate

ALL_WARDS = "All wards"
KINDS = ("responses", "respondents")
RATE_KEYS = {"responses": "responses_per_1000", "respondents": "respondents_per_1000"}
COUNT_LABELS = {"responses": "Responses", "respondents": "People taking part"}


def protected_ward_counts(ward_codes: list[str], engagement: pd.DataFrame, kind: str,
                          policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.Series:
    """Protected `kind` ('responses' or 'respondents') per ward, in the given order, ending with 'Total'.

    Wards with no engagement count 0. Mirrors geo.indicators.ward_indicators exactly, so the
    Overview, Participation and Areas pages hide the same wards.
    """
    eng = engagement.set_index("ward_code").reindex(list(ward_codes)).fillna(0)
    return protect_counts(eng[kind], policy, total=True)


def rates_by_ward(wards: pd.DataFrame, population: pd.DataFrame, engagement: pd.DataFrame,
                  policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Residents, protected responses and respondents, and both per 1,000 residents, per ward.

    wards: ward_code, ward_name (the order sets the tie-breaks of secondary suppression);
    population: long ward_population; engagement: ward_code, responses, respondents (raw).
    Returns one row per ward plus an 'All wards' row (ward_code 'Total'); counts are floats,
    NaN where hidden; rates NaN where the count is hidden or the base is below min_base.
    The respondents total is the sum over wards (a person answering from two wards counts
    in each), so that the column adds up.
    """
    codes = list(wards["ward_code"])
    pop = indicators.residents(population).reindex(codes, fill_value=0.0)
    base = pd.concat([pop, pd.Series({TOTAL: pop.sum()})])
    out = pd.DataFrame(index=pd.Index(codes + [TOTAL], name="ward_code"))
    out["ward_name"] = pd.Series(dict(zip(wards["ward_code"], wards["ward_name"], strict=True))).reindex(out.index)
    out.loc[TOTAL, "ward_name"] = ALL_WARDS
    out["residents"] = base
    for kind in KINDS:
        counts = protected_ward_counts(codes, engagement, kind, policy)
        out[kind] = counts
        out[RATE_KEYS[kind]] = safe_rate(counts, base, 1000, policy)
    return out.reset_index()


def dimensions_available(population: pd.DataFrame, candidates: list[str]) -> list[str]:
    """Demographic dimensions that have census population loaded, in the order given."""
    present = set(population["dimension"].unique())
    return [d for d in candidates if d in present]


# --- reach: raw and Empirical-Bayes-smoothed rates per 1,000 residents ----------------------

EB_KEYS = {"responses": "responses_per_1000_eb", "respondents": "respondents_per_1000_eb"}


def eb_rates(events: pd.Series, residents: pd.Series, per: float = 1000.0) -> pd.Series:
    """Global Empirical Bayes smoothed rate per `per` residents (Marshall 1991, via esda.smoothing).

    Each ward's raw rate is shrunk towards the borough rate, the more so the fewer its residents,
    so a small ward's chance high or low does not dominate the map. Raw counts in, one value per
    ward out (NaN where residents ≤ 0). Not itself protected: callers hide it with the raw rate.
    """
    from esda.smoothing import Empirical_Bayes

    e = events.astype(float)
    b = residents.reindex(e.index).astype(float)
    ok = b > 0
    out = pd.Series(np.nan, index=e.index)
    if ok.sum() >= 2:
        smoothed = Empirical_Bayes(e[ok].to_numpy().reshape(-1, 1), b[ok].to_numpy().reshape(-1, 1)).r
        out[ok] = np.asarray(smoothed, dtype=float).ravel() * per
    elif ok.any():
        out[ok] = e[ok] / b[ok] * per
    return out


def reach(wards: pd.DataFrame, population: pd.DataFrame, engagement: pd.DataFrame,
          policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """rates_by_ward plus the Empirical Bayes smoothed rate of each measure (`EB_KEYS`).

    The smoothed rate is computed from the raw counts of every ward and then hidden wherever the
    raw rate is hidden (a hidden count, or residents below min_base): the smoothed rate, the
    residents and the borough rate together would give the count back. The 'All wards' row keeps
    the borough rate, which smoothing does not change.
    """
    out = rates_by_ward(wards, population, engagement, policy)
    codes = list(wards["ward_code"])
    pop = indicators.residents(population).reindex(codes, fill_value=0.0)
    eng = engagement.set_index("ward_code").reindex(codes).fillna(0)
    for kind in KINDS:
        smoothed = eb_rates(eng[kind], pop).reindex(out["ward_code"])
        smoothed[TOTAL] = out.set_index("ward_code").at[TOTAL, RATE_KEYS[kind]]
        out[EB_KEYS[kind]] = smoothed.to_numpy()
        out[EB_KEYS[kind]] = out[EB_KEYS[kind]].where(out[RATE_KEYS[kind]].notna())
    return out


def below_target(rates: pd.DataFrame, target: float, kind: str = "respondents") -> pd.DataFrame:
    """Wards whose raw rate per 1,000 is shown and below `target` (a ward with a hidden rate is listed
    as 'cannot tell', never guessed)."""
    wards_only = rates[rates["ward_code"] != TOTAL]
    rate = wards_only[RATE_KEYS[kind]]
    status = np.where(rate.isna(), "cannot tell (hidden)", np.where(rate < target, "below target", "meets target"))
    return pd.DataFrame({"ward_code": wards_only["ward_code"], "ward_name": wards_only["ward_name"],
                         "rate": rate, "status": status}).reset_index(drop=True)
