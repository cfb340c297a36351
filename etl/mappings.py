"""How the answers residents give on engagement forms map onto the census categories.

The category labels themselves live in the vocabulary package; this module knows the
wordings a form may use ("16-24", "Black African", "prefer not to say") and which
census tables a config may name. Documented in docs/data-contract.md ("Demographic mapping").
"""

from __future__ import annotations

from vocabulary import (
    AGE,
    CENSUS_AGE6,
    CENSUS_DISABILITY,
    CENSUS_ETHNICITY_2011,
    CENSUS_SEX,
    DISABILITY,
    ETHNIC_GROUPS,
    ETHNICITY,
    NOT_STATED,
    SEX,
)

_AGE_ANSWERS = {
    "under 16": "0-15", "0-15": "0-15", "<16": "0-15", "15 or under": "0-15",
    "16-24": "16-24", "16 to 24": "16-24", "18-24": "16-24",
    "25-34": "25-34", "25 to 34": "25-34",
    "35-49": "35-49", "35 to 49": "35-49", "35-44": "35-49",
    "50-64": "50-64", "50 to 64": "50-64", "55-64": "50-64",
    "65+": "65+", "65 and over": "65+", "65 or over": "65+", "65-74": "65+", "75+": "65+",
}
_SEX_ANSWERS = {"female": "Female", "f": "Female", "woman": "Female",
                "male": "Male", "m": "Male", "man": "Male"}
_ETHNICITY_ANSWERS = {label.lower(): label for label in ETHNIC_GROUPS} | {
    "white: english, welsh, scottish, northern irish or british": "White British",
    "white british": "White British", "british": "White British",
    "irish": "White Irish", "white irish": "White Irish",
    "white other": "Other White", "other white": "Other White",
    "gypsy or irish traveller": "Other White", "roma": "Other White",
    "mixed": "Mixed or multiple", "mixed or multiple ethnic groups": "Mixed or multiple",
    "asian other": "Other Asian", "other asian": "Other Asian",
    "black african": "Black African", "african": "Black African",
    "black caribbean": "Black Caribbean", "caribbean": "Black Caribbean",
    "black other": "Other Black", "other black": "Other Black",
    "arab": "Arab", "other": "Other ethnic group", "any other ethnic group": "Other ethnic group",
}
_DISABILITY_ANSWERS = {"yes": "Disabled", "disabled": "Disabled", "yes, limited a lot": "Disabled",
                       "yes, limited a little": "Disabled", "no": "Not disabled",
                       "not disabled": "Not disabled"}
_DECLINED = {"", "prefer not to say", "not stated", "unknown", "n/a", "na", "none given"}

RESPONSE_ANSWER_MAPS: dict[str, dict[str, str]] = {
    AGE: _AGE_ANSWERS,
    SEX: _SEX_ANSWERS,
    ETHNICITY: _ETHNICITY_ANSWERS,
    DISABILITY: _DISABILITY_ANSWERS,
}


def map_answer(dimension: str, answer: object) -> str | None:
    """Map one free-text answer to its census category.

    Returns NOT_STATED for blanks and "prefer not to say", and None for an answer the
    mapping does not know (the ETL reports those rows rather than guessing).
    """
    if answer is None or (isinstance(answer, float) and answer != answer):
        return NOT_STATED
    key = str(answer).strip().lower()
    if key in _DECLINED:
        return NOT_STATED
    return RESPONSE_ANSWER_MAPS[dimension].get(key)

#: Named category mappings a [[statistics]] table in a config can refer to by name.
CATEGORY_MAPS: dict[str, dict[str, str]] = {
    "census2021_age6": CENSUS_AGE6,
    "census2011_ethnicity": CENSUS_ETHNICITY_2011,
    "census2021_sex": CENSUS_SEX,
    "census2021_disability": CENSUS_DISABILITY,
}
