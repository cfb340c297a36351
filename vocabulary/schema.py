"""The database schema, defined once.

Each table is declared with a plain-English description of the table and every column.
`ddl()` turns the declarations into CREATE TABLE statements for the ETL; the data
contract (docs/data-contract.md) lists the same tables and a test checks that the two
agree. Geometries are stored in EPSG:27700 (British National Grid, metres); a
pre-simplified WGS84 copy for maps is stored as WKB so the app never simplifies on a
page run.
"""

from __future__ import annotations

from dataclasses import dataclass

#: 2: england_population, england_deprivation, wards.lad_code per ward; 3: activities.min_age/max_age;
#: 4: questions, answers, pb_projects, activities.budget and debate_threshold; 5: responses.small_area_code,
#: responses.postcode NULL and postcodes holding assets' postcodes only unless [privacy] keep_postcodes;
#: 6: the asset register's shape (category_given, address, hours, contact, last_verified, source), asset_changes,
#: small_area_population.
SCHEMA_VERSION = 6


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    unique_after_load: tuple[str, ...] = ()  # for big tables: a unique index built once, after the bulk insert


def _t(name: str, description: str, cols: list[tuple[str, str, str]], pk: tuple[str, ...] = (),
       unique_after_load: tuple[str, ...] = ()) -> Table:
    return Table(name, description, tuple(Column(*c) for c in cols), pk, unique_after_load)


TABLES: tuple[Table, ...] = (
    _t("meta", "Facts about this database: council, LAD code, whether the data are synthetic, schema version.", [
        ("key", "VARCHAR", "Name of the fact"),
        ("value", "VARCHAR", "Its value (JSON for structured values)"),
    ], ("key",)),
    _t("wards", "Electoral wards of the borough.", [
        ("ward_code", "VARCHAR", "ONS ward code (E05…)"),
        ("ward_name", "VARCHAR", "Ward name"),
        ("lad_code", "VARCHAR", "ONS local authority district code (E06…/E07…/E08…/E09…)"),
        ("area_km2", "DOUBLE", "Area in square kilometres, measured in EPSG:27700"),
        ("geom", "GEOMETRY", "Boundary in EPSG:27700, repaired to be valid"),
        ("display_wkb", "BLOB", "Boundary simplified (20 m) and reprojected to WGS84 for maps, as WKB"),
    ], ("ward_code",)),
    _t("small_areas", "Census output areas (OA) and lower layer super output areas (LSOA) with their best-fit ward.", [
        ("area_code", "VARCHAR", "OA or LSOA code"),
        ("area_name", "VARCHAR", "Name where published (LSOAs), else NULL"),
        ("level", "VARCHAR", "'oa' or 'lsoa'"),
        ("ward_code", "VARCHAR", "Best-fit ward: the ward containing a point inside the area"),
        ("share_in_ward", "DOUBLE", "Share of the area's land inside its best-fit ward (0–1)"),
        ("geom", "GEOMETRY", "Boundary in EPSG:27700"),
    ], ("level", "area_code")),
    _t("small_area_weights", "How each small area's counts are apportioned to wards (weights sum to 1 per area).", [
        ("level", "VARCHAR", "'oa' or 'lsoa'"),
        ("area_code", "VARCHAR", "OA or LSOA code"),
        ("ward_code", "VARCHAR", "Ward receiving a share"),
        ("weight", "DOUBLE", "Share of the area's counts given to the ward"),
        ("method", "VARCHAR", "'best_fit' or 'area_weighted'"),
    ], ("level", "area_code", "ward_code")),
    _t("datasets", "One row per statistical dataset loaded: what it measures, where from, how apportioned.", [
        ("dimension", "VARCHAR", "Dimension name used in ward_population (age, ethnicity, …)"),
        ("level", "VARCHAR", "Level of the source: 'oa' or 'lsoa' (apportioned to wards) or 'ward' (as it is)"),
        ("source", "VARCHAR", "Publisher and title, for attribution"),
        ("data_date", "VARCHAR", "Reference date of the data"),
        ("file", "VARCHAR", "File name loaded"),
        ("persons", "DOUBLE", "Total persons in the borough's rows of the source"),
        ("notes", "VARCHAR", "Method notes and reported mismatches, plain English"),
    ], ("dimension",)),
    _t("ward_population", "Residents of each ward by dimension and category, apportioned from small areas.", [
        ("ward_code", "VARCHAR", "Ward"),
        ("dimension", "VARCHAR", "age, sex, ethnicity, disability, or a configured dimension"),
        ("category", "VARCHAR", "Category label (see vocabulary/__init__.py)"),
        ("persons", "DOUBLE", "Usual residents (fractional where area-weighted)"),
    ], ("ward_code", "dimension", "category")),
    _t("lsoa_deprivation", "English Indices of Deprivation 2019 per LSOA of the borough, by domain.", [
        ("lsoa_code", "VARCHAR", "LSOA 2011 code"),
        ("domain", "VARCHAR", "IMD or one of the seven domains"),
        ("rank", "INTEGER", "Rank among England's 32,844 LSOAs (1 = most deprived)"),
        ("decile", "INTEGER", "National decile (1 = most deprived 10%)"),
        ("population", "DOUBLE", "Mid-2015 population (IoD2019 File 6), the weight for ward figures"),
    ], ("lsoa_code", "domain")),
    _t("england_population", "England's residents by dimension and category, from national files, for comparison.", [
        ("dimension", "VARCHAR", "Dimension (as in ward_population)"),
        ("category", "VARCHAR", "Category label"),
        ("persons", "DOUBLE", "Usual residents in England"),
    ], ("dimension", "category")),
    _t("england_deprivation", "England's reference values per deprivation domain (complete national files only).", [
        ("domain", "VARCHAR", "IMD or one of the seven domains"),
        ("mean_rank", "DOUBLE", "Population-weighted mean rank over England's LSOAs"),
        ("most_deprived_20_share", "DOUBLE", "Share of England's LSOAs in deciles 1–2 (0.2 by construction)"),
    ], ("domain",)),
    _t("ward_deprivation", "Deprivation summarised per ward and domain from its best-fit LSOAs.", [
        ("ward_code", "VARCHAR", "Ward"),
        ("domain", "VARCHAR", "IMD or one of the seven domains"),
        ("lsoa_count", "INTEGER", "LSOAs whose best-fit ward this is"),
        ("population", "DOUBLE", "Their mid-2015 population"),
        ("mean_rank", "DOUBLE", "Population-weighted mean national rank (lower = more deprived)"),
        ("most_deprived_20_count", "INTEGER", "LSOAs in England's most deprived 20% (deciles 1–2)"),
        ("most_deprived_20_share", "DOUBLE", "Share of the ward's LSOAs in the most deprived 20%"),
    ], ("ward_code", "domain")),
    _t("postcodes", "Distinct postcodes seen in assets (and in responses only when the config keeps postcodes: "
                    "[privacy] keep_postcodes), geocoded once.", [
        ("postcode", "VARCHAR", "Postcode, upper case without spaces"),
        ("easting", "DOUBLE", "OS grid easting (EPSG:27700)"),
        ("northing", "DOUBLE", "OS grid northing (EPSG:27700)"),
        ("ward_code", "VARCHAR", "Ward containing the point (nearest within 250 m for points just off the generalised "
                                 "boundary); NULL outside the borough"),
        ("placement", "VARCHAR", "'inside', 'nearest' or 'outside'"),
    ], ("postcode",)),
    _t("assets", "Community asset register: voluntary, faith and community groups and places (organisations, not "
                 "people).", [
        ("asset_id", "VARCHAR", "The register's own identifier, stable from one version of the register to the next"),
        ("name", "VARCHAR", "Name"),
        ("category", "VARCHAR", "Standard category: voluntary, faith, community, sport, youth, library, health or "
                                "other (the register's own wording mapped by the config's [assets] categories)"),
        ("category_given", "VARCHAR", "The category as the register says it"),
        ("address", "VARCHAR", "Address as given (parts joined by ', '); NULL when not given"),
        ("postcode", "VARCHAR", "Postcode (normalised) when given"),
        ("easting", "DOUBLE", "Easting (EPSG:27700): the grid reference given, else the postcode's"),
        ("northing", "DOUBLE", "Northing (EPSG:27700)"),
        ("ward_code", "VARCHAR", "Ward the asset lies in; NULL outside the borough"),
        ("hours", "VARCHAR", "Opening hours or session times as given; NULL when not given"),
        ("contact", "VARCHAR", "Contact details as given (never shown to the public role); NULL when not given"),
        ("last_verified", "DATE", "When the entry was last checked; NULL when not given"),
        ("source", "VARCHAR", "Where the entry comes from (council register, Charity Commission, community "
                              "directory, …): the row's own, else the config's [assets] source"),
    ], ("asset_id",)),
    _t("asset_changes", "How each loaded register differed from the one published before it, by asset_id: one row "
                        "per asset added, changed or removed. History is carried into every new file.", [
        ("run_id", "VARCHAR", "Load (load_runs.run_id)"),
        ("asset_id", "VARCHAR", "Asset"),
        ("name", "VARCHAR", "Its name (the removed asset's last name)"),
        ("change", "VARCHAR", "'added', 'changed' or 'removed'"),
        ("fields", "VARCHAR", "For 'changed': the columns that changed, joined by ', '; else NULL"),
    ], ("run_id", "asset_id")),
    _t("small_area_population", "Usual residents of each output area and LSOA, from the statistics loaded at that "
                                "level: per area, the total of the dimension with most residents.", [
        ("level", "VARCHAR", "'oa' or 'lsoa'"),
        ("area_code", "VARCHAR", "OA or LSOA code (small_areas.area_code)"),
        ("persons", "DOUBLE", "Usual residents"),
    ], ("level", "area_code")),
    _t("activities", "Engagement activities on the portal and off it.", [
        ("activity_id", "VARCHAR", "Identifier"),
        ("title", "VARCHAR", "Title"),
        ("kind", "VARCHAR", "consultation, survey, quick_poll, petition, pb_vote, ideas or event"),
        ("opened", "DATE", "Opening date"),
        ("closed", "DATE", "Closing date"),
        ("owner", "VARCHAR", "Owning service"),
        ("outcome_published_on", "DATE", "Date the outcome ('you said, we did') was published; NULL if not yet"),
        ("scope", "VARCHAR", "'borough' or the codes of the wards it was open to, joined by ';'"),
        ("min_age", "INTEGER", "Youngest age that could take part (activities.csv or the config's default); NULL = "
                               "no lower limit"),
        ("max_age", "INTEGER", "Oldest age that could take part; NULL = no upper limit"),
        ("budget", "DOUBLE", "Participatory budgeting (pb_vote): the money to allocate, in pounds; NULL for other "
                             "kinds or when not given"),
        ("debate_threshold", "INTEGER", "Petitions: signatures that trigger a council debate (activities.csv or the "
                                        "config's petition_debate_threshold); NULL for other kinds"),
    ], ("activity_id",)),
    _t("responses", "Every response, placed in a ward by its postcode. Never shown individually.", [
        ("response_id", "VARCHAR", "Identifier"),
        ("respondent_id", "VARCHAR", "Pseudonymous person id linking responses across activities and channels; "
                                      "NULL if unknown"),
        ("activity_id", "VARCHAR", "Activity responded to"),
        ("submitted_at", "TIMESTAMP", "When submitted"),
        ("postcode", "VARCHAR", "Residence postcode (normalised) when the config keeps postcodes ([privacy] "
                                 "keep_postcodes); else NULL: on load it becomes ward_code and small_area_code"),
        ("ward_code", "VARCHAR", "Ward of residence; NULL when the postcode is outside the borough"),
        ("small_area_code", "VARCHAR", "Output area (else LSOA, when no OA boundaries are loaded) containing the "
                                        "postcode's point; NULL outside them. The finest place kept: the density "
                                        "map counts people at its inside point"),
        ("channel", "VARCHAR", "online, paper, event, email, phone, …"),
        ("age_band", "VARCHAR", "Census age band (0-15 … 65+) for an exact age or year of birth; the form's own "
                                 "band ('18-24', '75+') where it is not a census band; or 'Not stated'"),
        ("sex", "VARCHAR", "Female, Male, 'Another answer (no census group)' or 'Not stated'"),
        ("ethnicity", "VARCHAR", "Census 2011 ethnic group or 'Not stated'"),
        ("disability", "VARCHAR", "Disabled, Not disabled or 'Not stated'"),
    ], unique_after_load=("response_id",)),
    _t("questions", "The questions of the activities (questions.csv): what was asked and the answers offered.", [
        ("question_id", "VARCHAR", "Identifier"),
        ("activity_id", "VARCHAR", "Activity the question belongs to"),
        ("kind", "VARCHAR", "single_choice, multiple_choice, scale, free_text, pb_approval or map_comment"),
        ("text", "VARCHAR", "The question as residents saw it"),
        ("options", "VARCHAR", "The answer options joined by '|' in form order (scale: '1|2|3|4|5'); NULL for "
                               "free_text and map_comment, and for pb_approval (the activity's pb_projects are "
                               "the options)"),
    ], ("question_id",)),
    _t("answers", "What each response said: one row per response, question and chosen value. Never shown "
                  "individually; ward and demographics come from responses (join on response_id).", [
        ("response_id", "VARCHAR", "Response (responses.response_id)"),
        ("question_id", "VARCHAR", "Question answered"),
        ("value", "VARCHAR", "The option chosen (single_choice, scale), one row per option chosen "
                             "(multiple_choice) or per project approved (pb_approval: the project_id); the text "
                             "(free_text, map_comment)"),
        ("easting", "DOUBLE", "map_comment: where the comment is pinned, EPSG:27700 (converted from latitude/"
                              "longitude where given so); else NULL"),
        ("northing", "DOUBLE", "map_comment: northing, EPSG:27700; else NULL"),
        ("public", "BOOLEAN", "map_comment: whether the comment was public on the portal (only these may be "
                              "quoted); else NULL"),
    ]),
    _t("pb_projects", "Participatory budgeting projects (pb_projects.csv): the options of a pb_vote activity.", [
        ("project_id", "VARCHAR", "Identifier"),
        ("activity_id", "VARCHAR", "The pb_vote activity"),
        ("title", "VARCHAR", "Title"),
        ("cost", "DOUBLE", "Cost in pounds (> 0)"),
        ("ward_code", "VARCHAR", "Ward where the project is (given, or the ward containing its point); NULL for "
                                 "borough-wide projects"),
        ("easting", "DOUBLE", "Where the project is, EPSG:27700; NULL when not given"),
        ("northing", "DOUBLE", "Northing, EPSG:27700; NULL when not given"),
        ("category", "VARCHAR", "Category (parks, streets, youth, …) as given; NULL when not given"),
    ], ("project_id",)),
    _t("load_runs", "One row per load: when, what and how it went. History is carried into every new file.", [
        ("run_id", "VARCHAR", "Unique id of the load"),
        ("started_at", "TIMESTAMP", "Start (UTC)"),
        ("finished_at", "TIMESTAMP", "Finish (UTC)"),
        ("status", "VARCHAR", "'published'"),
        ("config", "VARCHAR", "Config file used (or 'demo')"),
        ("council", "VARCHAR", "Council name"),
        ("synthetic", "BOOLEAN", "True when any loaded data are synthetic"),
        ("rows_read", "BIGINT", "Rows read across all sources"),
        ("rows_loaded", "BIGINT", "Rows loaded"),
        ("rows_rejected", "BIGINT", "Rows rejected"),
        ("notes", "VARCHAR", "Plain-English notes: mismatches reported and how they were handled"),
    ], ("run_id",)),
    _t("load_sources", "Every source file of every load, with its checksum and row counts.", [
        ("run_id", "VARCHAR", "Load"),
        ("dataset", "VARCHAR", "What the file provides (wards, age, imd, responses, …)"),
        ("file", "VARCHAR", "File path as given"),
        ("sha256", "VARCHAR", "SHA-256 of the file's bytes"),
        ("rows_read", "BIGINT", "Rows (or features) read"),
        ("rows_loaded", "BIGINT", "Rows loaded for the borough"),
        ("rows_rejected", "BIGINT", "Rows rejected"),
        ("rejections", "VARCHAR", "Reasons for rejected rows, JSON list of {row, problem}"),
        ("source", "VARCHAR", "Publisher / attribution"),
        ("data_date", "VARCHAR", "Reference date"),
    ], ("run_id", "dataset", "file")),
)

TABLE_BY_NAME = {t.name: t for t in TABLES}


def ddl(table: Table) -> str:
    """CREATE TABLE statement for one declared table."""
    cols = [f'"{c.name}" {c.type}' for c in table.columns]
    if table.primary_key:
        cols.append("PRIMARY KEY (" + ", ".join(f'"{k}"' for k in table.primary_key) + ")")
    return f'CREATE TABLE "{table.name}" (\n  ' + ",\n  ".join(cols) + "\n)"


def post_load_indexes(table: Table) -> list[str]:
    """Unique indexes created after the bulk load (much faster than a primary key during it)."""
    if not table.unique_after_load:
        return []
    cols = ", ".join(f'"{c}"' for c in table.unique_after_load)
    return [f'CREATE UNIQUE INDEX "{table.name}_unique" ON "{table.name}" ({cols})']


def column_names(name: str) -> list[str]:
    return [c.name for c in TABLE_BY_NAME[name].columns]


def markdown() -> str:
    """The output-table section of docs/data-contract.md, generated from TABLES.

    A test checks that the document contains exactly this text, so the contract cannot
    drift from the schema: after changing TABLES, paste the output of
    `python -c "import vocabulary.schema as s; print(s.markdown())"` into the document.
    """
    parts = []
    for t in TABLES:
        keys = t.primary_key or t.unique_after_load
        key = f" Unique key: ({', '.join(keys)})." if keys else ""
        parts.append(f"### `{t.name}`\n{t.description}{key}\n\n| column | type | meaning |\n|---|---|---|")
        parts += [f"| `{c.name}` | {c.type} | {c.description} |" for c in t.columns]
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"
