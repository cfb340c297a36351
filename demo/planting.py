"""The planted under-representation: the demo engagement's one deliberate demographic bias.

Why: representation analytics must be checked against a known answer. A "plant" makes one
group in one ward respond at a fraction of the normal rate; plants are the only demographic
bias in the generated responses and are written to truth.json, so planted groups should be
flagged and every other group should look fine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demo.facts import rng_for
from vocabulary import AGE, ETHNIC_GROUPS, ETHNICITY

#: A plant must leave the group this many respondents in the ward, on average: twice the default disclosure
#: threshold, so its count is published (a hidden count can only be tested on bounds, and a shortfall no
#: published table shows is not one any analysis could find).
VISIBLE_PLANT = 20
#: Respondents per response, on average: a quarter of responses are anonymous (one person each); the rest come
#: from people answering 2.8 times on average (see write_engagement).
_PEOPLE_PER_RESPONSE = 0.25 + 0.75 / 2.8


def _default_planted(shares: dict[str, pd.DataFrame], rng: np.random.Generator,
                     people: pd.Series | None = None) -> list[dict]:
    """About six plants that a representation check should be able to detect.

    16-24s in up to 4 wards and Black African residents in up to 2 wards (topped up
    from other minority groups if too few wards qualify), only where the group is at
    least 8% of the ward's population, so the shortfall is statistically visible, and (given
    `people`, the expected respondents per ward) where the planted group keeps at least
    VISIBLE_PLANT respondents on average, so its count is shown rather than hidden.
    """
    planted: list[dict] = []

    def pick(dimension: str, categories: list[str], k: int) -> None:
        share = shares[dimension]
        factors = [(w, c, float(rng.choice([0.25, 0.3, 0.35, 0.4]))) for c in categories if c in share.columns
                   for w in share.index]
        pairs = [(w, c, f) for w, c, f in factors if share.at[w, c] >= 0.08
                 and (people is None or people[w] * share.at[w, c] * f >= VISIBLE_PLANT)
                 and not any(p["ward_code"] == w and p["dimension"] == dimension for p in planted)]
        if not pairs or k <= 0:
            return
        chosen = rng.choice(len(pairs), size=min(k, len(pairs)), replace=False)
        for i in sorted(chosen):
            w, c, f = pairs[i]
            planted.append({"ward_code": str(w), "dimension": dimension, "category": c, "factor": f})

    pick(AGE, ["16-24"], 4)
    pick(ETHNICITY, ["Black African"], 2)
    found = sum(p["category"] == "Black African" for p in planted)
    if found < 2:
        others = [c for c in ETHNIC_GROUPS if c not in ("White British", "Black African")]
        pick(ETHNICITY, others, 2 - found)
    return planted


def plant_factors(comps: dict[str, pd.DataFrame], n_responses: int, seed: int,
                  planted: list[dict] | None) -> tuple[list[dict], dict[str, np.ndarray]]:
    """The plants (given, or chosen from the seed when None) and the response-rate factor of every ward x group.

    comps: each dimension's ward composition (rows: wards, columns: categories). A plant naming an
    unknown ward, dimension or category, or with a negative factor, is a ValueError.
    """
    wards = list(comps[AGE].index)
    ward_index = {w: i for i, w in enumerate(wards)}
    ward_pop = comps[AGE].sum(axis=1).to_numpy()
    shares = {d: c.div(c.sum(axis=1).replace(0, 1), axis=0) for d, c in comps.items()}

    if planted is None:
        expected = pd.Series(ward_pop / max(ward_pop.sum(), 1.0) * n_responses * _PEOPLE_PER_RESPONSE, index=wards)
        planted = _default_planted(shares, rng_for(seed, "planted"), expected)
    planted = [{"ward_code": str(p["ward_code"]), "dimension": str(p["dimension"]),
                "category": str(p["category"]), "factor": float(p["factor"])} for p in planted]
    factors = {d: np.ones(c.shape) for d, c in comps.items()}
    for p in planted:
        if p["ward_code"] not in ward_index or p["dimension"] not in comps \
                or p["category"] not in comps[p["dimension"]].columns or p["factor"] < 0:
            raise ValueError(f"cannot plant {p}")
        j = list(comps[p["dimension"]].columns).index(p["category"])
        factors[p["dimension"]][ward_index[p["ward_code"]], j] *= p["factor"]
    return planted, factors
