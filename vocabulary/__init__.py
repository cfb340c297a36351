"""Wardscope's shared vocabulary: the words every layer uses for the same things.

The dimensions of residents and respondents, the category labels the database stores
(census labels such as "Aged 16 to 24 years" or the 2011 column "BlkAfrican" and the answers
residents give on forms meet on these words), age bands, "Not stated", activity kinds, asset
categories and the plain-English names of the dimensions. The ETL, the analysis in geo/,
the data-access layer and the app all import this package; it imports nothing of the
project. Documented in docs/data-contract.md ("Demographic mapping").
"""

from __future__ import annotations

# Dimension names used in ward_population.dimension and for respondents.
AGE = "age"
SEX = "sex"
ETHNICITY = "ethnicity"
DISABILITY = "disability"

#: Census 2021 "Age (6 categories)" as ONS publishes it -> database label.
CENSUS_AGE6 = {
    "Aged 15 years and under": "0-15",
    "Aged 16 to 24 years": "16-24",
    "Aged 25 to 34 years": "25-34",
    "Aged 35 to 49 years": "35-49",
    "Aged 50 to 64 years": "50-64",
    "Aged 65 years and over": "65+",
}
AGE_BANDS = list(CENSUS_AGE6.values())

#: Census 2011 ethnic group columns (KS201-style, as in the MLID OA table) -> label.
CENSUS_ETHNICITY_2011 = {
    "WhiteBrit": "White British",
    "Irish": "White Irish",
    "OtherWhite": "Other White",
    "Mixed": "Mixed or multiple",
    "Indian": "Indian",
    "Pakistani": "Pakistani",
    "Bangladeshi": "Bangladeshi",
    "Chinese": "Chinese",
    "OtherAsian": "Other Asian",
    "BlkAfrican": "Black African",
    "BlkCaribbean": "Black Caribbean",
    "OtherBlk": "Other Black",
    "Arab": "Arab",
    "Other": "Other ethnic group",
}
ETHNIC_GROUPS = list(CENSUS_ETHNICITY_2011.values())

#: Census 2021 sex (TS008) labels -> database label.
CENSUS_SEX = {"Female": "Female", "Male": "Male"}
SEXES = list(CENSUS_SEX.values())

#: Census 2021 disability (TS038, Equality Act) labels -> database label.
CENSUS_DISABILITY = {
    "Disabled under the Equality Act": "Disabled",
    "Not disabled under the Equality Act": "Not disabled",
}
DISABILITY_GROUPS = list(CENSUS_DISABILITY.values())

#: Label used for a respondent who skipped or declined a question. Such respondents
#: are kept and reported, never dropped.
NOT_STATED = "Not stated"

#: Kinds of engagement activity (activities.csv `kind`), in the order the app lists them.
ACTIVITY_KINDS = ["consultation", "survey", "quick_poll", "petition", "pb_vote", "ideas", "event"]

#: Categories of the community asset register (assets.csv `category`).
ASSET_CATEGORIES = ["voluntary", "faith", "community", "sport", "youth", "library", "health", "other"]

#: What an asset category (ASSET_CATEGORIES) is called on screen.
ASSET_CATEGORY_LABELS = {"voluntary": "Voluntary and charity", "faith": "Faith", "community": "Community",
                         "sport": "Sport and leisure", "youth": "Youth", "library": "Library", "health": "Health and "
                         "wellbeing", "other": "Other"}

#: An asset whose register entry was last verified more than this many days before a load is flagged as stale.
ASSET_STALE_AFTER_DAYS = 365

#: What a register reload records per asset (asset_changes.change), against the published register.
ASSET_CHANGE_KINDS = ["added", "changed", "removed"]

#: Demographic dimensions in the order views list them, and the column of the responses table holding each.
RESPONSE_COLUMNS = {AGE: "age_band", SEX: "sex", ETHNICITY: "ethnicity", DISABILITY: "disability"}

#: What a dimension is called on screen and in printed reports.
DIMENSION_LABELS = {AGE: "Age", SEX: "Sex", ETHNICITY: "Ethnic group", DISABILITY: "Disability"}

#: What an activity kind (ACTIVITY_KINDS) is called on screen.
ACTIVITY_KIND_LABELS = {"consultation": "Consultation", "survey": "Survey", "quick_poll": "Quick poll",
                        "petition": "Petition", "pb_vote": "Participatory budgeting vote", "ideas": "Ideas",
                        "event": "Event"}

#: Label for an answer that is real but has no census comparator (sex "Non-binary", "Prefer to self-describe",
#: "Other"): kept and reported like NOT_STATED, never tested, and not in the base of the shares.
OTHER_ANSWER = "Another answer (no census group)"

#: Census artefact category: residents a source's total counts but its categories do not itemise (the total
#: exceeds the sum of the categories). No respondent can give it, so it never enters a representation test.
UNITEMISED = "Other (not itemised in source)"

#: Kinds of question (questions.csv `kind`): what an answer's `value` holds. single_choice and scale: one option;
#: multiple_choice: one row per option chosen; pb_approval: one row per project approved (its project_id);
#: free_text and map_comment: the text (a map comment also has a place and whether it was public).
QUESTION_KINDS = ["single_choice", "multiple_choice", "scale", "free_text", "pb_approval", "map_comment"]

#: What a question kind (QUESTION_KINDS) is called on screen.
QUESTION_KIND_LABELS = {"single_choice": "Single choice", "multiple_choice": "Multiple choice", "scale": "Scale",
                        "free_text": "Free text", "pb_approval": "Participatory budgeting approval",
                        "map_comment": "Comment on a map"}

#: Separator of a question's answer options (questions.options: "Yes|No", "1|2|3|4|5").
OPTION_SEPARATOR = "|"

#: What a spreadsheet reads as the start of a formula (OWASP "CSV injection"): exported text beginning with one is
#: neutralised (render.csv_export) and read back as typed (geo.areas_lookup).
SPREADSHEET_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
