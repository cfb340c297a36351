"""How the answers residents give on engagement forms map onto the database's labels.

The labels live in the vocabulary package; this module knows the wordings forms use:

* ethnicity: the GSS harmonised standard (England: "Asian or Asian British: Indian"), the ONS
  Census 2021 wording (England and Wales: "Black, Black British, Black Welsh, Caribbean or
  African: African"), the Census 2011 form ("Black/African/Caribbean/Black British: African")
  and short forms ("Black African"), onto the 2011-based labels of the census comparator
  (docs/data-contract.md, "Demographic mapping", says which group goes where and why);
* sex, with answers beyond the census categories ("Non-binary", "Prefer to self-describe")
  kept as OTHER_ANSWER;
* disability: the Census 2021 / Equality Act question and the GSS two-question wording;
* age: an exact age, a year of birth, or any band a form offers ("18-24", "45 to 54", "75+", "Under 18").

Keys are compared after `answer_key`: case, spacing, punctuation and the words "and"/"or" do
not matter, so "Mixed/multiple ethnic groups" and "Mixed or Multiple ethnic groups" meet. A
council's own wording is mapped in its config (`[engagement.answers.<dimension>]`, read by
`config_answers`), never by editing this file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from etl.errors import InputError
from vocabulary import (
    AGE,
    CENSUS_AGE6,
    CENSUS_DISABILITY,
    CENSUS_ETHNICITY_2011,
    CENSUS_SEX,
    DISABILITY,
    DISABILITY_GROUPS,
    ETHNIC_GROUPS,
    ETHNICITY,
    NOT_STATED,
    OTHER_ANSWER,
    SEX,
    SEXES,
)

_STOP_WORDS = {"and", "or"}


def answer_key(answer: object) -> str:
    """The comparable form of an answer: lower case, punctuation and "and"/"or" dropped, single spaces."""
    words = re.sub(r"[^a-z0-9+<]+", " ", str(answer).lower().replace("’", "'").replace("'", "")).split()
    return " ".join(w for w in words if w not in _STOP_WORDS)


def _keyed(table: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for wording, label in table.items():
        key = answer_key(wording)
        if out.get(key, label) != label:  # a wording must never mean two groups
            raise ValueError(f"ambiguous answer wording {wording!r}: {out[key]!r} or {label!r}")
        out[key] = label
    return out


# --- ethnicity ------------------------------------------------------------------------------------
#: Section headings of the ethnicity question, by family: ONS Census 2021 (England and Wales), the GSS
#: harmonised standard for England, the Census 2011 form, and the short headings some forms use.
_ETHNIC_HEADINGS = {
    "white": ["White"],
    "mixed": ["Mixed or Multiple ethnic groups", "Mixed/multiple ethnic groups", "Mixed or multiple ethnic group",
              "Mixed", "Mixed or Multiple"],
    "asian": ["Asian, Asian British or Asian Welsh", "Asian or Asian British", "Asian/Asian British", "Asian"],
    "black": ["Black, Black British, Black Welsh, Caribbean or African", "Black, Black British, Caribbean or African",
              "Black/African/Caribbean/Black British", "Black or Black British", "Black"],
    "other": ["Other ethnic group", "Other"],
}
#: The groups under each heading (all 19 of Census 2021, their 2011 and GSS wordings) -> 2011-based label.
_ETHNIC_GROUPS_BY_FAMILY = {
    "white": {
        "English, Welsh, Scottish, Northern Irish or British": "White British",
        "English/Welsh/Scottish/Northern Irish/British": "White British",
        "British": "White British", "English": "White British", "Welsh": "White British",
        "Scottish": "White British", "Northern Irish": "White British",
        "Irish": "White Irish",
        # Census 2011 counted Gypsy or Irish Traveller residents (and Roma, written in) in "Other White"
        # in the comparator table (MLID OtherWhite), so these answers join that group.
        "Gypsy or Irish Traveller": "Other White", "Roma": "Other White",
        "Other White": "Other White", "Any other White background": "Other White", "Other": "Other White",
    },
    "mixed": {
        "White and Black Caribbean": "Mixed or multiple", "White and Black African": "Mixed or multiple",
        "White and Asian": "Mixed or multiple", "Other Mixed or Multiple ethnic groups": "Mixed or multiple",
        "Any other Mixed or Multiple ethnic background": "Mixed or multiple",
        "Any other Mixed/Multiple ethnic background": "Mixed or multiple",
        "Any other Mixed background": "Mixed or multiple", "Other Mixed": "Mixed or multiple",
        "Other": "Mixed or multiple",
    },
    "asian": {
        "Indian": "Indian", "Pakistani": "Pakistani", "Bangladeshi": "Bangladeshi", "Chinese": "Chinese",
        "Other Asian": "Other Asian", "Any other Asian background": "Other Asian", "Other": "Other Asian",
    },
    "black": {
        "African": "Black African", "Caribbean": "Black Caribbean",
        "Other Black": "Other Black", "Any other Black, Black British, or Caribbean background": "Other Black",
        "Any other Black, Black British, Black Welsh, Caribbean or African background": "Other Black",
        "Any other Black/African/Caribbean background": "Other Black",
        "Any other Black background": "Other Black", "Other": "Other Black",
    },
    "other": {
        "Arab": "Arab", "Any other ethnic group": "Other ethnic group", "Other": "Other ethnic group",
    },
}


def _ethnicity_wordings() -> dict[str, str]:
    """Every heading × group wording ("Heading: Group"), the groups alone where unambiguous, and short forms."""
    out: dict[str, str] = {label: label for label in ETHNIC_GROUPS}
    for family, groups in _ETHNIC_GROUPS_BY_FAMILY.items():
        for heading in _ETHNIC_HEADINGS[family]:
            out |= {f"{heading}: {group}": label for group, label in groups.items()}
        out |= {f"{heading}": next(iter(set(groups.values())))
                for heading in _ETHNIC_HEADINGS[family] if len(set(groups.values())) == 1}
    meaning: dict[str, set[str]] = {}
    for groups in _ETHNIC_GROUPS_BY_FAMILY.values():
        for group, label in groups.items():
            meaning.setdefault(answer_key(group), set()).add(label)
    out |= {group: label for groups in _ETHNIC_GROUPS_BY_FAMILY.values() for group, label in groups.items()
            if len(meaning[answer_key(group)]) == 1}
    return out | {
        "White British": "White British", "White Irish": "White Irish", "White other": "Other White",
        "Mixed": "Mixed or multiple", "Asian other": "Other Asian", "Black African": "Black African",
        "Black Caribbean": "Black Caribbean", "Black other": "Other Black", "Other": "Other ethnic group",
    }


# --- sex, disability, declined --------------------------------------------------------------------
_SEX_WORDINGS = {
    "Female": "Female", "F": "Female", "Woman": "Female", "Male": "Male", "M": "Male", "Man": "Male",
    # Real answers with no census sex category: kept and reported, never compared with residents.
    "Non-binary": OTHER_ANSWER, "Nonbinary": OTHER_ANSWER, "Prefer to self-describe": OTHER_ANSWER,
    "Prefer to self describe": OTHER_ANSWER, "Self-describe": OTHER_ANSWER, "Other": OTHER_ANSWER,
    "In another way": OTHER_ANSWER, "Prefer to use another term": OTHER_ANSWER,
    "Prefer to use my own term": OTHER_ANSWER,
}
#: Census 2021 asks the Equality Act question in one ("Yes, limited a lot / a little / No"); the GSS
#: harmonised standard asks two (a long-term condition? then "Yes, a lot / Yes, a little / Not at all"),
#: exported as the second answer, or "No" for no condition. Limited a lot or a little = disabled.
_DISABILITY_WORDINGS = {
    "Yes": "Disabled", "Disabled": "Disabled",
    "Yes, limited a lot": "Disabled", "Yes, limited a little": "Disabled",
    "Yes, a lot": "Disabled", "Yes, a little": "Disabled", "Limited a lot": "Disabled",
    "Limited a little": "Disabled",
    "Disabled under the Equality Act": "Disabled",
    "Disabled under the Equality Act: Day-to-day activities limited a lot": "Disabled",
    "Disabled under the Equality Act: Day-to-day activities limited a little": "Disabled",
    "No": "Not disabled", "Not disabled": "Not disabled", "Not at all": "Not disabled",
    "Not disabled under the Equality Act": "Not disabled",
    "Not disabled under the Equality Act: Has long term physical or mental health condition but day-to-day "
    "activities are not limited": "Not disabled",
    "Not disabled under the Equality Act: No long term physical or mental health conditions": "Not disabled",
}
_DECLINED = {answer_key(w) for w in ["", "Prefer not to say", "Prefer not to answer", "Rather not say",
                                     "I would prefer not to say", "Not stated", "Unknown", "Not known",
                                     "Don't know", "Do not know", "N/A", "NA", "None given", "Declined"]}

RESPONSE_ANSWER_MAPS: dict[str, dict[str, str]] = {
    SEX: _keyed(_SEX_WORDINGS),
    ETHNICITY: _keyed(_ethnicity_wordings()),
    DISABILITY: _keyed(_DISABILITY_WORDINGS),
}

#: Labels a config's [engagement.answers.<dimension>] may map onto (age takes any band, e.g. "45-54").
ANSWER_LABELS: dict[str, list[str]] = {
    SEX: [*SEXES, OTHER_ANSWER, NOT_STATED],
    ETHNICITY: [*ETHNIC_GROUPS, OTHER_ANSWER, NOT_STATED],
    DISABILITY: [*DISABILITY_GROUPS, OTHER_ANSWER, NOT_STATED],
}

#: A config's own wordings: dimension -> {answer_key(answer): label}.
Answers = dict[str, dict[str, str]]


def map_answer(dimension: str, answer: object, council: Answers | None = None) -> str | None:
    """Map one answer to its label; the council's config wording first, then the standard wordings.

    Returns NOT_STATED for blanks and "prefer not to say", and None for an answer no mapping knows
    (the ETL lists those rather than guessing). For age, a year of birth needs the submission date:
    use etl.ages.age_labels; here an answer that is only a year of birth is None.
    """
    if answer is None or (isinstance(answer, float) and answer != answer):
        return NOT_STATED
    own = (council or {}).get(dimension, {})
    if dimension == AGE:
        return age_answer(answer, own).label
    key = answer_key(answer)
    if key in own:
        return own[key]
    if key in _DECLINED:
        return NOT_STATED
    return RESPONSE_ANSWER_MAPS[dimension].get(key)


def known_wordings(dimension: str) -> dict[str, str]:
    """The standard wordings of a dimension (keys in answer_key form), for suggestions."""
    return RESPONSE_ANSWER_MAPS.get(dimension, {})


def config_answers(table: object, cfg: Path) -> Answers:
    """Check `[engagement.answers.<dimension>]` tables: known dimensions, labels the database uses."""
    if not isinstance(table, dict):
        raise InputError(cfg, "[engagement.answers] must hold tables such as [engagement.answers.ethnicity]")
    out: Answers = {}
    for dimension, wordings in table.items():
        where = f"[engagement.answers.{dimension}]"
        if dimension not in (AGE, *ANSWER_LABELS):
            raise InputError(cfg, f"{where}: '{dimension}' is not a dimension; use age, sex, ethnicity or disability")
        if not isinstance(wordings, dict):
            raise InputError(cfg, f"{where} must be a table of \"answer as typed\" = \"label\"")
        own: dict[str, str] = {}
        for answer, label in wordings.items():
            label = _config_label(dimension, label, f"{where} \"{answer}\"", cfg)
            key = answer_key(answer) if dimension != AGE else age_key(answer)
            if own.get(key, label) != label:
                raise InputError(cfg, f"{where}: \"{answer}\" is mapped twice, to different labels")
            own[key] = label
        out[dimension] = own
    return out


def _config_label(dimension: str, label: object, where: str, cfg: Path) -> str:
    if dimension == AGE:
        if label == NOT_STATED:
            return NOT_STATED
        band = parse_band(str(label)) if isinstance(label, str) else None
        if band is None:
            raise InputError(cfg, f"{where} = {label!r}: an age answer maps to a band such as \"45-54\", \"75+\" "
                                  f"or a census band ({', '.join(CENSUS_AGE6.values())}), or \"{NOT_STATED}\"")
        return band_label(*band)
    if label not in ANSWER_LABELS[dimension]:
        raise InputError(cfg, f"{where} = {label!r} is not a label; use one of "
                              + ", ".join(f'"{x}"' for x in ANSWER_LABELS[dimension]))
    return str(label)


# --- age ---------------------------------------------------------------------------------------------
#: Census 2021 "Age (6 categories)" bands as (youngest, oldest) years; None = open top band.
CENSUS_BANDS: dict[tuple[int, int | None], str] = {
    (0, 15): "0-15", (16, 24): "16-24", (25, 34): "25-34", (35, 49): "35-49", (50, 64): "50-64", (65, None): "65+"}
OLDEST_AGE = 120
_RANGE = re.compile(r"^(?:aged )?(\d{1,3}) ?(?:-|to) ?(\d{1,3})(?: ?(?:years|yrs))?(?: old)?$")
_OPEN = re.compile(r"^(?:aged )?(\d{1,3}) ?(?:years ?)?(?:\+|plus|and over|or over|and above|or above|and older"
                   r"|or older)$")
_UNDER = re.compile(r"^(?:aged )?(?:under|below|less than|<) ?(\d{1,3})(?: ?years)?$")
_UP_TO = re.compile(r"^(?:aged )?(\d{1,3}) ?(?:years ?)?(?:and under|or under|and younger|or younger)$")
_EXACT = re.compile(r"^(?:aged )?(\d{1,3})(?: ?(?:years|yrs))?(?: old)?$")
_YEAR = re.compile(r"^(?:born (?:in )?)?((?:19|20)\d\d)$")


class AgeAnswer(NamedTuple):
    """An age answer: its label (a band, NOT_STATED), or a year of birth still to be turned into a band."""
    label: str | None
    birth_year: int | None = None


def age_key(answer: object) -> str:
    """Comparable form of an age answer: lower case, dashes unified, single spaces."""
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", str(answer).strip().lower())
    return re.sub(r"\s+", " ", text)


def band_label(lo: int, hi: int | None) -> str:
    """The census band's own label when (lo, hi) is one, else the form's band as "LO-HI" or "LO+"."""
    return CENSUS_BANDS.get((lo, hi)) or (f"{lo}+" if hi is None else f"{lo}-{hi}")


def census_band(age: int) -> str:
    """The census age band (Census 2021, 6 categories) holding an exact age."""
    return next(label for (lo, hi), label in CENSUS_BANDS.items() if lo <= age and (hi is None or age <= hi))


def parse_band(answer: str) -> tuple[int, int | None] | None:
    """A band answer as (youngest, oldest) whole years, oldest None for an open top band; None if not a band."""
    key = age_key(answer)
    if m := _RANGE.match(key):
        lo, hi = int(m[1]), int(m[2])
        return (lo, hi) if lo <= hi <= OLDEST_AGE else None
    if m := _OPEN.match(key):
        return (int(m[1]), None) if int(m[1]) <= OLDEST_AGE else None
    if m := _UNDER.match(key):
        return (0, int(m[1]) - 1) if 0 < int(m[1]) <= OLDEST_AGE else None
    if m := _UP_TO.match(key):
        return (0, int(m[1])) if int(m[1]) <= OLDEST_AGE else None
    return None


def age_answer(answer: object, own: dict[str, str] | None = None) -> AgeAnswer:
    """Read one age answer: the council's own wording, declined, a band, an exact age or a year of birth.

    A band is stored as the census band only when it is literally one ("16-24", "Under 16",
    "65 and over"); any other band keeps its own bounds ("18-24", "45-54", "75+") and the analysis
    builds comparable groups from the bands present (docs/methods.md). An exact age goes to the
    census band holding it. A year of birth (four digits) is returned as such: the age it gives
    depends on the submission date (age_at).
    """
    if answer is None or (isinstance(answer, float) and answer != answer):
        return AgeAnswer(NOT_STATED)
    key = age_key(answer)
    if own and key in own:
        return AgeAnswer(own[key])
    if answer_key(answer) in _DECLINED:
        return AgeAnswer(NOT_STATED)
    if (band := parse_band(key)) is not None:
        return AgeAnswer(band_label(*band))
    if (m := _EXACT.match(key)) and int(m[1]) <= OLDEST_AGE:
        return AgeAnswer(census_band(int(m[1])))
    if m := _YEAR.match(key):
        return AgeAnswer(None, int(m[1]))
    return AgeAnswer(None)


def age_at(birth_year: ArrayLike, year: ArrayLike, month: ArrayLike) -> ArrayLike:
    """Age at submission from a year of birth, taking the birthday at mid-year (1 July); numbers or arrays.

    The day of birth is unknown: before July most people born in `birth_year` have not had that
    year's birthday, from July most have, so this is the likelier of the two possible ages.
    """
    return year - birth_year - (np.asarray(month) < 7).astype(int)


#: Named category mappings a [[statistics]] table in a config can refer to by name.
CATEGORY_MAPS: dict[str, dict[str, str]] = {
    "census2021_age6": CENSUS_AGE6,
    "census2011_ethnicity": CENSUS_ETHNICITY_2011,
    "census2021_sex": CENSUS_SEX,
    "census2021_disability": CENSUS_DISABILITY,
}
