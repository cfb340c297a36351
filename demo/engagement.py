"""The demo engagement portal's export: activities.csv, responses.csv, what they said (demo.answers:
questions.csv, answers.csv, pb_projects.csv) and the ground truth.

Responses are generated with vectorised numpy (no per-row Python loops), so a
million-response export takes seconds, which lets the same code drive benchmarks; the
categorical draws use one binary search over row-offset cumulative probabilities
(`_sample_rows`). Steps, in the order their random draws are made: who responds, where
each person lives and who they are, which activity they answer, when, by which channel,
and how they type their answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from demo.activities import KINDS, make_activities
from demo.answers import add_activity_terms, write_answers
from demo.facts import LINE, rng_for, write_csv
from demo.planting import plant_factors
from vocabulary import (
    AGE,
    AGE_BANDS,
    DISABILITY,
    DISABILITY_GROUPS,
    ETHNIC_GROUPS,
    ETHNICITY,
    SEX,
    SEXES,
)

RESPONSE_COLUMNS = ["response_id", "respondent_id", "activity_id", "submitted_at",
                    "postcode", "age_band", "sex", "ethnicity", "disability", "channel"]
_CHANNELS = np.array(["online", "paper", "event", "email", "phone"], dtype=object)
_CHANNEL_P = np.array([0.72, 0.12, 0.07, 0.05, 0.04])

#: How residents actually type each answer (all spellings etl.mappings.map_answer knows),
#: with how often each spelling is used. Age answers are census bands in other words: a form band
#: such as "18-24" or "75+" is stored as its own band (docs/data-contract.md), not as a census one.
_SPELLINGS: dict[str, dict[str, list[tuple[str, float]]]] = {
    AGE: {
        "0-15": [("Under 16", 0.6), ("15 or under", 0.2), ("0-15", 0.2)],
        "16-24": [("16-24", 0.75), ("16 to 24", 0.25)],
        "25-34": [("25-34", 0.8), ("25 to 34", 0.2)],
        "35-49": [("35-49", 0.8), ("35 to 49", 0.2)],
        "50-64": [("50-64", 0.8), ("50 to 64", 0.2)],
        "65+": [("65+", 0.6), ("65 and over", 0.25), ("65 or over", 0.15)],
    },
    SEX: {
        "Female": [("Female", 0.85), ("Woman", 0.1), ("F", 0.05)],
        "Male": [("Male", 0.85), ("Man", 0.1), ("M", 0.05)],
    },
    ETHNICITY: {
        "White British": [("White British", 0.6), ("British", 0.15),
                          ("White: English, Welsh, Scottish, Northern Irish or British", 0.25)],
        "White Irish": [("Irish", 0.5), ("White Irish", 0.5)],
        "Other White": [("Other White", 0.5), ("White other", 0.4), ("Roma", 0.05),
                        ("Gypsy or Irish Traveller", 0.05)],
        "Mixed or multiple": [("Mixed", 0.6), ("Mixed or multiple ethnic groups", 0.4)],
        "Indian": [("Indian", 1.0)],
        "Pakistani": [("Pakistani", 1.0)],
        "Bangladeshi": [("Bangladeshi", 1.0)],
        "Chinese": [("Chinese", 1.0)],
        "Other Asian": [("Other Asian", 0.6), ("Asian other", 0.4)],
        "Black African": [("Black African", 0.8), ("African", 0.2)],
        "Black Caribbean": [("Black Caribbean", 0.8), ("Caribbean", 0.2)],
        "Other Black": [("Other Black", 0.6), ("Black other", 0.4)],
        "Arab": [("Arab", 1.0)],
        "Other ethnic group": [("Other", 0.6), ("Any other ethnic group", 0.4)],
    },
    DISABILITY: {
        "Disabled": [("Yes", 0.6), ("Yes, limited a lot", 0.2), ("Yes, limited a little", 0.2)],
        "Not disabled": [("No", 1.0)],
    },
}
_DIM_CATEGORIES = {AGE: AGE_BANDS, SEX: SEXES, ETHNICITY: ETHNIC_GROUPS,
                   DISABILITY: DISABILITY_GROUPS}
#: Borough-wide rates used when the population has no table for a dimension.
_DEFAULT_RATES = {SEX: {"Female": 0.51, "Male": 0.49},
                  DISABILITY: {"Disabled": 0.17, "Not disabled": 0.83}}
DECLINE_RATE = 0.07


def _cumulative(p: np.ndarray) -> np.ndarray:
    """Row-wise cumulative probabilities, safe for ``_sample_rows``."""
    p = np.asarray(p, dtype=float)
    p = p / p.sum(axis=1, keepdims=True)
    cum = np.minimum(np.cumsum(p, axis=1), 1.0)
    cum[:, -1] = 1.0
    return cum


def _sample_rows(cum: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Draw one column per element, each from the distribution of its own row.

    Vectorised categorical sampling: offset each row's CDF by its row number, flatten,
    and binary-search ``row + u``. Zero-probability columns are never chosen.
    """
    k = cum.shape[1]
    flat = (np.arange(cum.shape[0])[:, None] + cum).ravel()
    u = np.minimum(u, 1 - 1e-12)
    idx = np.searchsorted(flat, rows + u, side="right") - rows * k
    return np.clip(idx, 0, k - 1)


def _codes(prefix: str, numbers: np.ndarray, width: int, base: int) -> np.ndarray:
    """Zero-padded codes such as "R0000001" or "P3F9A01C2", built without a Python loop."""
    numbers = np.asarray(numbers, dtype=np.int64)
    digits = (numbers[:, None] // base ** np.arange(width - 1, -1, -1)) % base
    chars = np.empty((len(numbers), width + len(prefix)), dtype="S1")
    chars[:, : len(prefix)] = np.array(list(prefix), dtype="S1")
    chars[:, len(prefix):] = np.frombuffer(b"0123456789ABCDEF", dtype="S1")[digits]
    return chars.view(f"S{width + len(prefix)}").ravel().astype(str).astype(object)



def write_engagement(out_dir: Path, postcodes: pd.DataFrame, population: pd.DataFrame, seed: int,
                     n_responses: int, start: date = date(2025, 10, 1), days: int = 365,
                     planted: list[dict] | None = None) -> dict:
    """Write activities.csv, responses.csv and what they said (questions.csv, answers.csv, pb_projects.csv,
    see demo.answers) for residents living at the given postcodes.

    postcodes: columns postcode, ward_code (one row per postcode in the borough); an
    optional ``weight`` column (e.g. residents per postcode) makes some postcodes more
    likely, otherwise postcodes in a ward are equally likely; optional ``easting`` and
    ``northing`` (EPSG:27700) place map comments and PB projects (without them, none is placed).
    population: columns ward_code, dimension, category, persons (dimensions 'age',
    'ethnicity', optionally 'sex', 'disability'; categories are vocabulary labels).
    planted: list of {"ward_code", "dimension", "category", "factor"}: that group
    responds at ``factor`` times the normal rate in that ward. When None, about six
    detectable plants are chosen deterministically from the seed.

    Why it is built this way: each ward's responses are proportional to its population
    times a random "reach" factor (0.6-1.4; some wards simply engage more, which is not a
    demographic bias), and each respondent's groups are drawn from their ward's census
    composition times the planted factors. Those factors are the *only* demographic
    bias, so any group not planted is represented in proportion, and the analytics can
    be scored against the returned ground truth (also written to out_dir/truth.json).
    Identified respondents answer several activities with the same postcode and
    demographics; ~25% of responses are anonymous (blank respondent_id).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if n_responses < 0 or days < 1:
        raise ValueError("n_responses must be >= 0 and days >= 1")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if n_responses < 0 or days < 1:
        raise ValueError("n_responses must be >= 0 and days >= 1")
    pop = population.copy()
    pop["ward_code"] = pop["ward_code"].astype(str)
    pcs = postcodes.copy()
    pcs["ward_code"] = pcs["ward_code"].astype(str)
    wards = sorted(set(pop["ward_code"]) & set(pcs["ward_code"]))
    if not wards:
        raise ValueError("population and postcodes share no ward codes")
    comps = _compositions(pop, wards)
    planted, factors = plant_factors(comps, n_responses, seed, planted)

    rng = rng_for(seed, "engagement")
    activities = make_activities(wards, start, days, rng_for(seed, "activities"))
    reach = rng.uniform(0.6, 1.4, len(wards))
    who = _respondents(int(n_responses), rng)
    people = _people(who.n_people, pcs, comps, factors, comps[AGE].sum(axis=1).to_numpy() * reach, rng)
    activity = _choose_activities(activities, wards, who, people.ward[who.person], rng)
    submitted, is_event = _submission_times(activities, activity, rng)
    channel = _channels(people.habit[who.person], is_event, rng)
    answers = {dim: _answers(dim, people.categories[dim][who.person], rng) for dim in _DIM_CATEGORIES}
    responses = _responses(who, people, activities, activity, submitted, channel, answers, rng)
    activities = add_activity_terms(activities, responses, seed)
    write_csv(activities, out_dir / "activities.csv")
    write_csv(responses, out_dir / "responses.csv")
    order = np.lexsort((np.arange(len(submitted)), submitted))  # the responses' file order (see _responses)
    said = write_answers(out_dir, activities, responses,
                         np.array(AGE_BANDS, dtype=object)[people.categories[AGE][who.person[order]]],
                         _homes(pcs), wards, seed)

    truth = {
        "planted": planted,
        "seed": int(seed),
        "n_responses": len(who.person),
        "n_respondents": int(who.n_resp),
        "n_anonymous_responses": int(who.anonymous.sum()),
        "n_activities": len(activities),
        "start": start.isoformat(),
        "days": int(days),
        "ward_reach": {w: round(float(r), 4) for w, r in zip(wards, reach, strict=True)},
        "answers": said,
    }
    (out_dir / "truth.json").write_text(json.dumps(truth, indent=2) + LINE, encoding="utf-8")
    return truth


def _homes(pcs: pd.DataFrame) -> pd.DataFrame | None:
    """Postcodes with their grid reference (for pinned comments and PB project places), when given."""
    if not {"easting", "northing"} <= set(pcs.columns):
        return None
    return pcs[["postcode", "ward_code", "easting", "northing"]].astype({"easting": float, "northing": float})


def _compositions(pop: pd.DataFrame, wards: list[str]) -> dict[str, pd.DataFrame]:
    """Ward composition per dimension (rows: wards, columns: vocabulary labels).

    A dimension the population has no table for takes borough-wide default rates, where there are any.
    """
    n_w = len(wards)
    comps: dict[str, pd.DataFrame] = {}
    for dim, cats in _DIM_CATEGORIES.items():
        sub = pop[(pop["dimension"] == dim) & pop["ward_code"].isin(wards)]
        if sub.empty:
            if dim not in _DEFAULT_RATES:
                raise ValueError(f"population needs a '{dim}' dimension")
            rates = _DEFAULT_RATES[dim]
            comps[dim] = pd.DataFrame([[rates[c] for c in cats]] * n_w, index=wards, columns=cats)
            continue
        unknown = set(sub["category"]) - set(cats)
        if unknown:
            raise ValueError(f"unknown {dim} categories: {sorted(unknown)}")
        table = sub.pivot_table(index="ward_code", columns="category", values="persons",
                                aggfunc="sum").reindex(index=wards, columns=cats).fillna(0.0)
        comps[dim] = table.astype(float)
    return comps


@dataclass
class _Respondents:
    """Who gave each response: identified respondents answer several times, anonymous ones once."""

    anonymous: np.ndarray  # per response: no respondent_id
    person: np.ndarray  # per response: the person who answered (identified ones first, 0..n_resp-1)
    n_resp: int  # identified respondents
    n_people: int  # identified respondents plus one person per anonymous response


def _respondents(n: int, rng: np.random.Generator) -> _Respondents:
    """A quarter of responses anonymous; the rest from people answering 2.8 times on average (lognormal keenness)."""
    anonymous = rng.random(n) < 0.25
    n_ident = int((~anonymous).sum())
    n_resp = max(1, round(n_ident / 2.8)) if n_ident else 0
    extra = n_ident - n_resp
    propensity = rng.lognormal(0, 0.8, n_resp)
    ident_person = np.concatenate([
        np.arange(n_resp),
        rng.choice(n_resp, size=extra, p=propensity / propensity.sum()) if extra > 0 else [],
    ]).astype(np.int64)
    ident_person = rng.permutation(ident_person)
    person = np.empty(n, dtype=np.int64)
    person[~anonymous] = ident_person
    person[anonymous] = n_resp + np.arange(n - n_ident)
    return _Respondents(anonymous=anonymous, person=person, n_resp=n_resp, n_people=n_resp + (n - n_ident))


@dataclass
class _People:
    """Each person's ward (number), postcode as written, census groups (column numbers) and usual channel."""

    ward: np.ndarray
    postcode: np.ndarray
    categories: dict[str, np.ndarray]
    habit: np.ndarray


def _people(n_people: int, pcs: pd.DataFrame, comps: dict[str, pd.DataFrame], factors: dict[str, np.ndarray],
            ward_p: np.ndarray, rng: np.random.Generator) -> _People:
    """Each person: ward (population x reach), postcode, demographics, channel habit.

    A person's groups are drawn from their ward's census composition times the planted factors.
    """
    person_ward = rng.choice(len(ward_p), size=n_people, p=ward_p / ward_p.sum())
    person_postcode = _postcodes(pcs, list(comps[AGE].index), person_ward, rng)
    person_cat: dict[str, np.ndarray] = {}
    for dim in _DIM_CATEGORIES:
        cum = _cumulative(comps[dim].to_numpy() * factors[dim] + 1e-300)
        person_cat[dim] = _sample_rows(cum, person_ward, rng.random(n_people))
    habit = rng.choice(len(_CHANNELS), size=n_people, p=_CHANNEL_P)
    return _People(ward=person_ward, postcode=person_postcode, categories=person_cat, habit=habit)


def _postcodes(pcs: pd.DataFrame, wards: list[str], person_ward: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each person's postcode: one of their ward's, in proportion to its weight (equal without a weight column)."""
    n_w = len(wards)
    ward_index = {w: i for i, w in enumerate(wards)}
    pc_w = pcs["ward_code"].map(ward_index)
    pcs = pcs[pc_w.notna()].assign(_w=pc_w[pc_w.notna()].astype(int))
    pcs = pcs.sort_values(["_w"], kind="stable")
    weight = (pcs["weight"].to_numpy(float) if "weight" in pcs else np.ones(len(pcs)))
    cumw = np.cumsum(weight)
    ward_end = pd.Series(cumw).groupby(pcs["_w"].to_numpy()).max().reindex(range(n_w)).to_numpy()
    ward_start = np.r_[0.0, ward_end[:-1]]
    first = np.searchsorted(pcs["_w"].to_numpy(), np.arange(n_w), side="left")
    last = np.searchsorted(pcs["_w"].to_numpy(), np.arange(n_w), side="right") - 1
    target = ward_start[person_ward] + rng.random(len(person_ward)) * (ward_end - ward_start)[person_ward]
    pc_idx = np.clip(np.searchsorted(cumw, target, side="right"),
                     first[person_ward], last[person_ward])
    # Written as residents write them: "RM17 5TT", even if the directory gave "RM175TT".
    written = pcs["postcode"].astype(str).str.strip().str.upper()
    bare = ~written.str.contains(" ", regex=False) & (written.str.len() >= 5)
    written = written.where(~bare, written.str[:-3] + " " + written.str[-3:])
    return written.to_numpy(dtype=object)[pc_idx]


def _choose_activities(activities: pd.DataFrame, wards: list[str], who: _Respondents, resp_ward: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """Each response's activity (row number): borough-wide ones, or ones scoped to the person's ward."""
    n = len(who.person)
    kinds = activities["kind"].to_numpy()
    base = np.array([KINDS[k][2] for k in kinds]) * rng.lognormal(0, 0.7, len(activities))
    scope = activities["scope"].to_numpy()
    allowed = np.array([[s == "borough" or s == w for s in scope] for w in wards])
    allowed[~allowed.any(axis=1)] = True  # (only if every activity were ward-scoped)
    act_cum = _cumulative(allowed * np.where(scope == "borough", 1.0, 0.6) * base + 1e-300 * allowed)
    activity = _sample_rows(act_cum, resp_ward, rng.random(n))
    # Re-draw most repeat answers by one person to the same activity; a few remain, as
    # real portals do see duplicate submissions.
    for _ in range(8):
        key = pd.Series(np.where(who.anonymous, -1 - np.arange(n), who.person * len(activities) + activity))
        dup = key.duplicated().to_numpy()
        if not dup.any():
            break
        activity[dup] = _sample_rows(act_cum, resp_ward[dup], rng.random(int(dup.sum())))
    return activity


def _submission_times(activities: pd.DataFrame, activity: np.ndarray,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """When, inside the activity's window (surges at launch and just before close); and whether it was an event."""
    n = len(activity)
    kinds = activities["kind"].to_numpy()
    opened = activities["opened"].to_numpy().astype("datetime64[D]")
    closed = activities["closed"].to_numpy().astype("datetime64[D]")
    n_days = (closed - opened).astype(int) + 1
    day = np.minimum((rng.beta(0.8, 0.8, n) * n_days[activity]).astype(int), n_days[activity] - 1)
    hours = np.where(rng.random(n) < 0.55, rng.normal(13.0, 3.0, n), rng.normal(20.0, 1.6, n))
    is_event = kinds[activity] == "event"
    hours = np.where(is_event, rng.uniform(10, 21, n), hours % 24)
    seconds = np.clip((hours * 3600).astype(np.int64), 0, 86399)
    return (opened[activity] + day).astype("datetime64[s]") + seconds, is_event


def _channels(habit: np.ndarray, is_event: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """How (index into _CHANNELS): mostly a person's usual channel; events are answered at the event."""
    n = len(habit)
    fresh = rng.choice(len(_CHANNELS), size=n, p=_CHANNEL_P)
    channel = np.where(rng.random(n) < 0.75, habit, fresh)
    return np.where(is_event & (rng.random(n) < 0.85), 2, channel)


def _answers(dim: str, cat: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Answers to one question, as typed; skipped or declined ~7% of the time."""
    n = len(cat)
    cats = _DIM_CATEGORIES[dim]
    spell = _SPELLINGS[dim]
    width = max(len(spell[c]) for c in cats)
    words = np.full((len(cats), width), "", dtype=object)
    probs = np.zeros((len(cats), width))
    for i, c in enumerate(cats):
        for j, (word, pr) in enumerate(spell[c]):
            words[i, j], probs[i, j] = word, pr
    which = _sample_rows(_cumulative(probs), cat, rng.random(n))
    ans = words[cat, which]
    declined = rng.random(n) < DECLINE_RATE
    ans[declined] = np.where(rng.random(int(declined.sum())) < 0.5, "", "Prefer not to say")
    return ans


def _responses(who: _Respondents, people: _People, activities: pd.DataFrame, activity: np.ndarray,
               submitted: np.ndarray, channel: np.ndarray, answers: dict[str, np.ndarray],
               rng: np.random.Generator) -> pd.DataFrame:
    """The export, in submission order, with pseudonymous respondent ids."""
    n, n_resp, person = len(who.person), who.n_resp, who.person
    order = np.lexsort((np.arange(n), submitted))
    # Pseudonymous ids: random 8-hex-digit numbers, so ids reveal nothing about order.
    resp_codes = rng.choice(16**8, size=n_resp, replace=False) if n_resp else np.zeros(0, int)
    resp_ids = np.append(_codes("P", resp_codes, 8, 16), "")
    rid = np.where(who.anonymous, n_resp, person)  # index n_resp is the blank id
    return pd.DataFrame({
        "response_id": _codes("R", np.arange(1, n + 1), max(7, len(str(n))), 10),
        "respondent_id": resp_ids[rid[order]],
        "activity_id": activities["activity_id"].to_numpy()[activity[order]],
        "submitted_at": np.datetime_as_string(submitted[order], unit="s"),
        "postcode": people.postcode[person[order]],
        "age_band": answers[AGE][order],
        "sex": answers[SEX][order],
        "ethnicity": answers[ETHNICITY][order],
        "disability": answers[DISABILITY][order],
        "channel": _CHANNELS[channel[order]],
    })
