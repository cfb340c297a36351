"""What the demo's residents said: questions.csv, answers.csv, pb_projects.csv, and the activities' terms.

Why: the "What residents said" analyses (shares by place and group, raking to the census, PB rules, map
comment themes) must be demonstrated and checked against a known answer. Every response answers its
activity's questions: consultations ask for support (Yes/No/Not sure), anything else (free text) and a
pinned comment; surveys ask how often (single choice), what first (multiple choice) and how satisfied
(1-5 scale); quick polls are yes/no or an emoji scale; ideas are pinned comments; a PB vote approves some of
its ~12 projects (a budget, costs, wards, places); a petition's signatures are its responses and it has a
debate threshold.

Known ground truth (truth.json "answers"): opinions are the same in every group and ward, with one
exception, planted on one named question: the 16-34s answer "Yes" far more than the 65+, and the older
people answer that question more often (as they do in practice), so the raw share leans to the old and the
share weighted to the census differs ("depends on who replied"). A control question asked in the same
way, with the same lean in who answers but no difference in opinion, must not be flagged.

All draws come from streams of their own ("answers", "pb projects", "activity terms"), so the existing
files (responses.csv and the rest) are byte-for-byte what they were without this module.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer

from demo.facts import rng_for, write_csv

QUESTION_COLUMNS = ["question_id", "activity_id", "kind", "text", "options"]
ANSWER_COLUMNS = ["response_id", "question_id", "value", "easting", "northing", "latitude", "longitude", "public"]
PROJECT_COLUMNS = ["project_id", "activity_id", "title", "cost", "ward_code", "easting", "northing", "category"]

SUPPORT = ["Yes", "No", "Not sure"]
FREQUENCY = ["Every week", "Every month", "A few times a year", "Never"]
PRIORITIES = ["Cleaner streets", "Safer crossings", "More seating", "Better lighting", "Play areas",
              "Trees and planting"]
SCALE = ["1", "2", "3", "4", "5"]
EMOJI = ["😞", "🙁", "😐", "🙂", "😀"]

#: The planted opinion difference: share answering "Yes" by (true) age band; "Not sure" is NOT_SURE for all.
PLANTED_QUESTION = "Should the town centre be car-free on Saturdays?"
PLANTED_YES = {"0-15": 0.80, "16-24": 0.82, "25-34": 0.74, "35-49": 0.50, "50-64": 0.32, "65+": 0.16}
NOT_SURE = 0.08
#: The control: the same lean in who answers, one opinion for everyone.
CONTROL_QUESTION = "Should the council publish its spending online every month?"
CONTROL_SHARES = {"Yes": 0.56, "No": 0.31, "Not sure": 0.13}
#: Who answers the planted and the control question: the share of each age band's respondents who do.
ANSWER_RATE = {"0-15": 0.30, "16-24": 0.32, "25-34": 0.42, "35-49": 0.70, "50-64": 0.86, "65+": 0.95}

#: Themes of the free text and map comments: words residents use, several ways of saying each.
THEMES = {
    "potholes": ["Potholes on this road need fixing", "The road surface here is full of potholes",
                 "Deep pothole by the junction, dangerous for cyclists", "Road repairs needed, potholes everywhere"],
    "lighting": ["Street lighting is too dark here at night", "Broken street light, feels unsafe after dark",
                 "More lighting needed on this path at night", "Dark alley, please add lighting"],
    "litter": ["Fly-tipping and litter dumped here every week", "Bins overflowing and litter everywhere",
               "Rubbish dumped by the garages, fly-tipping again", "Litter in the park, more bins please"],
    "speeding": ["Cars speeding down this road, need speed bumps", "Traffic far too fast past the school",
                 "Speeding traffic makes crossing dangerous", "Please slow the traffic, cars race here"],
    "parking": ["Parking on the pavement blocks pushchairs", "Not enough parking near the shops",
                "Cars parked on the verge and double yellow lines", "Parking permits needed for residents"],
    "play": ["The play area is run down and needs new equipment", "Children need a safe play area here",
             "Swings broken in the play park", "More play equipment for younger children"],
    "trees": ["Plant more trees along this street", "Trees and green space make this place better",
              "Please keep the trees and the green space", "A wildflower verge and more trees would help"],
    "buses": ["The bus stop needs a shelter and seating", "Buses are too infrequent from this stop",
              "Bus shelter glass smashed, bus stop unusable", "Need a bus route to the hospital from here"],
}
#: Share of comments public on the portal; share with a phone number, e-mail or postcode to scrub.
PUBLIC_SHARE, PERSONAL_SHARE = 0.68, 0.08

PROJECT_IDEAS = [
    ("parks", "New benches in the park"), ("parks", "Wildflower meadow"), ("streets", "Safer crossing by the shops"),
    ("streets", "Better street lighting"), ("youth", "Youth club equipment"), ("youth", "Skate park repairs"),
    ("community", "Community fridge"), ("community", "Defibrillator at the community centre"),
    ("environment", "Street trees"), ("environment", "Recycling point"), ("sport", "Outdoor gym"),
    ("sport", "Football pitch drainage"), ("culture", "Summer festival"), ("culture", "Mural trail"),
]
BOROUGH_PROJECT = ("environment", "Borough-wide tree planting")

_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def add_activity_terms(activities: pd.DataFrame, responses: pd.DataFrame, seed: int) -> pd.DataFrame:
    """activities with budget (pb_vote: the money to allocate) and debate_threshold (petitions: about half
    reach theirs; the last petition's is left blank, so the config's petition_debate_threshold applies)."""
    rng = rng_for(seed, "activity terms")
    out = activities.copy()
    kinds = out["kind"].to_numpy()
    budgets = rng.choice([40_000, 60_000, 80_000, 100_000], size=len(out))
    out["budget"] = np.where(kinds == "pb_vote", budgets.astype(str), "")
    signatures = responses.groupby("activity_id").size().reindex(out["activity_id"]).fillna(0).to_numpy()
    threshold = np.maximum(50, np.round(signatures * rng.uniform(0.6, 1.5, len(out)) / 50) * 50).astype(int)
    petitions = np.flatnonzero(kinds == "petition")
    out["debate_threshold"] = np.where(kinds == "petition", threshold.astype(str), "")
    if len(petitions):
        out.loc[out.index[petitions[-1]], "debate_threshold"] = ""
    return out


def _topic(title: str) -> str:
    for prefix in ("Quick poll: ", "Petition: ", "Community fund vote: ", "Ideas wanted: ", "Drop-in event: "):
        title = title.removeprefix(prefix)
    for suffix in (" consultation", " survey"):
        title = title.removesuffix(suffix)
    return title.split(" (phase")[0]


def _planted_activities(activities: pd.DataFrame, responses: pd.DataFrame) -> tuple[str | None, str | None]:
    """The borough-wide consultations and surveys with the most responses: the plant's and the control's."""
    counts = responses.groupby("activity_id").size()
    fit = activities[activities["kind"].isin(["consultation", "survey"]) & (activities["scope"] == "borough")]
    ranked = (counts.reindex(fit["activity_id"]).fillna(0).astype(int).reset_index(name="n")
              .sort_values(["n", "activity_id"], ascending=[False, True])["activity_id"].tolist())
    return (ranked[0] if ranked else None), (ranked[1] if len(ranked) > 1 else None)


def make_questions(activities: pd.DataFrame, responses: pd.DataFrame) -> list[dict]:
    """Each activity's questions, with how they are answered: rate (share of responses answering), p (option
    probabilities, drawn later where None) and plant ('opinion', 'control' or None)."""
    plant, control = _planted_activities(activities, responses)
    specs: list[dict] = []
    polls = 0
    for act in activities.itertuples(index=False):
        topic, kind = _topic(act.title), act.kind
        asked: list[tuple] = []
        if act.activity_id == plant:
            asked.append(("single_choice", PLANTED_QUESTION, SUPPORT, None, "opinion"))
        if act.activity_id == control:
            asked.append(("single_choice", CONTROL_QUESTION, SUPPORT, None, "control"))
        if kind == "consultation":
            asked += [("single_choice", f"Do you support the proposals for {topic}?", SUPPORT, 0.95, None),
                      ("free_text", "Is there anything else you would like to tell us?", [], 0.2, None),
                      ("map_comment", "Pin a place on the map and tell us about it", [], 0.3, None)]
        elif kind == "survey":
            asked += [("single_choice", f"How often do you use {topic}?", FREQUENCY, 0.92, None),
                      ("multiple_choice", "What should we improve first? Choose any", PRIORITIES, 0.85, None),
                      ("scale", f"How satisfied are you with {topic}? (1 = very dissatisfied, 5 = very satisfied)",
                       SCALE, 0.9, None)]
        elif kind == "quick_poll":
            asked.append(("single_choice", f"Do you agree with the plans for {topic}?", ["Yes", "No"], 1.0, None)
                         if polls % 2 == 0 else ("scale", f"How do you feel about {topic}?", EMOJI, 1.0, None))
            polls += 1
        elif kind == "ideas":
            asked.append(("map_comment", "Where is your idea, and what is it?", [], 0.85, None))
        elif kind == "pb_vote":
            asked.append(("pb_approval", "Choose the projects you would like to see funded", [], 1.0, None))
        for n, (qkind, text, options, rate, planted) in enumerate(asked, start=1):
            specs.append({"question_id": f"{act.activity_id}-Q{n}", "activity_id": act.activity_id, "kind": qkind,
                          "text": text, "options": options, "rate": rate, "plant": planted})
    return specs


def make_projects(activities: pd.DataFrame, wards: list[str], homes: pd.DataFrame | None,
                  seed: int) -> pd.DataFrame:
    """~12 projects per PB vote (10-14), costing two to three times its budget in all, each in a ward of the
    vote's scope at a place in that ward (when postcodes have coordinates); one borough-wide project each."""
    rng = rng_for(seed, "pb projects")
    rows = []
    for act in activities[activities["kind"] == "pb_vote"].itertuples(index=False):
        n = int(rng.integers(10, 15))
        ideas = [PROJECT_IDEAS[i] for i in rng.choice(len(PROJECT_IDEAS), size=n - 1, replace=False)]
        ideas.append(BOROUGH_PROJECT)
        budget = float(act.budget)
        costs = budget * rng.uniform(2.0, 3.0) * rng.dirichlet(np.full(n, 3.0))
        costs = np.maximum(1_000, np.round(costs / 500) * 500)
        scope = [act.scope] if act.scope in wards else wards
        where = rng.choice(scope, size=n)
        for i, ((category, title), cost) in enumerate(zip(ideas, costs, strict=True)):
            ward = "" if (category, title) == BOROUGH_PROJECT else str(where[i])
            x, y = _point_in(homes, ward, rng) if ward else ("", "")
            rows.append((f"{act.activity_id}-P{i + 1:02d}", act.activity_id, title, f"{cost:.0f}", ward, x, y,
                         category))
    return pd.DataFrame(rows, columns=PROJECT_COLUMNS)


def _point_in(homes: pd.DataFrame | None, ward: str, rng: np.random.Generator) -> tuple[str, str]:
    """A place in the ward: one of its postcodes, moved up to ~100 m (blank when postcodes have no coordinates)."""
    if homes is None:
        return "", ""
    here = homes[homes["ward_code"] == ward]
    if here.empty:
        return "", ""
    pick = here.iloc[int(rng.integers(len(here)))]
    dx, dy = rng.normal(0, 60, 2)
    return f"{pick['easting'] + dx:.0f}", f"{pick['northing'] + dy:.0f}"


def write_answers(out_dir: Path, activities: pd.DataFrame, responses: pd.DataFrame, age: np.ndarray,
                  homes: pd.DataFrame | None, wards: list[str], seed: int) -> dict:
    """Write questions.csv, answers.csv and pb_projects.csv; return the ground truth for truth.json.

    activities: with budget (add_activity_terms); responses: as written (response order); age: each response's
    true age band (the census band of the person, whatever they typed); homes: postcode, ward_code, easting,
    northing (None: comments and projects get no place).
    """
    specs = make_questions(activities, responses)
    projects = make_projects(activities, wards, homes, seed)
    answers = _answers(specs, responses, age, projects, homes, rng_for(seed, "answers"))
    questions = pd.DataFrame([{**{k: s[k] for k in QUESTION_COLUMNS if k != "options"},
                               "options": "|".join(s["options"])} for s in specs], columns=QUESTION_COLUMNS)
    write_csv(questions, Path(out_dir) / "questions.csv")
    write_csv(answers, Path(out_dir) / "answers.csv")
    write_csv(projects, Path(out_dir) / "pb_projects.csv")
    by_plant = {s["plant"]: s for s in specs if s["plant"]}
    return {
        "n_questions": len(specs), "n_answers": len(answers), "n_pb_projects": len(projects),
        "opinion_plant": None if "opinion" not in by_plant else {
            "question_id": by_plant["opinion"]["question_id"], "text": PLANTED_QUESTION, "dimension": "age",
            "option": "Yes", "yes_share_by_age": PLANTED_YES, "not_sure_share": NOT_SURE,
            "answer_rate_by_age": ANSWER_RATE,
            "expect": "raw and weighted shares differ: flagged 'depends on who replied'"},
        "no_plant": None if "control" not in by_plant else {
            "question_id": by_plant["control"]["question_id"], "text": CONTROL_QUESTION,
            "shares": CONTROL_SHARES, "answer_rate_by_age": ANSWER_RATE,
            "expect": "raw and weighted shares agree: not flagged"},
        "other_questions": "one opinion for every group and ward (no planted difference)",
    }


def _answers(specs: list[dict], responses: pd.DataFrame, age: np.ndarray, projects: pd.DataFrame,
             homes: pd.DataFrame | None, rng: np.random.Generator) -> pd.DataFrame:
    """Every answer row, question by question (in file order of the questions, then of the responses)."""
    by_activity = responses.groupby("activity_id", sort=False).indices
    ward_of = homes.set_index(_bare(homes["postcode"]))["ward_code"] if homes is not None else None
    parts = []
    for spec in specs:
        rows = np.sort(by_activity.get(spec["activity_id"], np.zeros(0, dtype=int)))
        if spec["plant"]:
            rate = np.array([ANSWER_RATE.get(a, 0.6) for a in age[rows]])
        else:
            rate = np.full(len(rows), spec["rate"])
        rows = rows[rng.random(len(rows)) < rate]
        kind = spec["kind"]
        if kind in ("single_choice", "scale"):
            part = _single(spec, rows, age, rng)
        elif kind == "multiple_choice":
            part = _multiple(spec, rows, rng)
        elif kind == "pb_approval":
            voter_ward = (_bare(responses["postcode"].iloc[rows]).map(ward_of).to_numpy() if ward_of is not None
                          else np.full(len(rows), "", dtype=object))
            part = _ballots(spec, rows, voter_ward, projects[projects["activity_id"] == spec["activity_id"]], rng)
        else:
            part = _texts(spec, rows, responses, homes, rng)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["row", *ANSWER_COLUMNS[1:]])
    out = out.sort_values(["row", "question_id"], kind="stable")
    out.insert(0, "response_id", responses["response_id"].to_numpy()[out.pop("row").to_numpy(dtype=int)])
    for col in ANSWER_COLUMNS:
        if col not in out:
            out[col] = ""
    return out[ANSWER_COLUMNS].fillna("").reset_index(drop=True)


def _bare(postcodes: pd.Series) -> pd.Series:
    """Postcodes compared as written or as the directory gives them: upper case, no spaces."""
    return postcodes.astype(str).str.replace(" ", "", regex=False).str.upper()


def _frame(rows: np.ndarray, question_id: str, values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"row": rows, "question_id": question_id, "value": values})


def _single(spec: dict, rows: np.ndarray, age: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """One option each: the plant's Yes share by age band, the control's fixed shares, else shares drawn once."""
    options = np.array(spec["options"], dtype=object)
    if spec["plant"] == "opinion":
        yes = np.array([PLANTED_YES.get(a, 0.5) for a in age[rows]])
        p = np.column_stack([yes, 1 - NOT_SURE - yes, np.full(len(rows), NOT_SURE)])
    else:
        shares = (np.array([CONTROL_SHARES[o] for o in spec["options"]]) if spec["plant"] == "control"
                  else rng.dirichlet(np.full(len(options), 2.5)))
        p = np.tile(shares, (len(rows), 1))
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = 1.0
    pick = (rng.random(len(rows))[:, None] > cum).sum(axis=1)
    return _frame(rows, spec["question_id"], options[np.minimum(pick, len(options) - 1)])


def _multiple(spec: dict, rows: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Any of the options, each with a chance of its own (a response choosing none has no row)."""
    options = np.array(spec["options"], dtype=object)
    chance = rng.beta(2, 4, len(options))
    chosen = rng.random((len(rows), len(options))) < chance
    r, c = np.nonzero(chosen)
    return _frame(rows[r], spec["question_id"], options[c])


def _ballots(spec: dict, rows: np.ndarray, voter_ward: np.ndarray, projects: pd.DataFrame,
             rng: np.random.Generator) -> pd.DataFrame:
    """Approval ballots: 1-6 projects each, popular ones and those in the voter's own ward (three times as
    likely) more often; drawn without replacement by the Gumbel top-k trick."""
    if projects.empty or not len(rows):
        return _frame(np.zeros(0, dtype=int), spec["question_id"], np.zeros(0, dtype=object))
    ids = projects["project_id"].to_numpy(dtype=object)
    popularity = rng.lognormal(0, 0.6, len(ids))
    weight = popularity[None, :] * np.where(voter_ward[:, None] == projects["ward_code"].to_numpy()[None, :], 3, 1)
    keys = np.log(weight) + rng.gumbel(size=weight.shape)
    k = np.clip(1 + rng.poisson(2.0, len(rows)), 1, min(6, len(ids)))
    order = np.argsort(-keys, axis=1)
    take = np.arange(len(ids))[None, :] < k[:, None]
    r, pos = np.nonzero(take)
    return _frame(rows[r], spec["question_id"], ids[order[r, pos]])


def _texts(spec: dict, rows: np.ndarray, responses: pd.DataFrame, homes: pd.DataFrame | None,
           rng: np.random.Generator) -> pd.DataFrame:
    """Free text and map comments in a small vocabulary of themes; a few carry a phone number, an e-mail or the
    writer's postcode; map comments are pinned near home (WGS84 mostly, as portals export; some as grid
    references) and public on the portal or not."""
    n = len(rows)
    names = list(THEMES)
    theme = rng.choice(len(names), size=n, p=rng.dirichlet(np.full(len(names), 4.0)))
    phrase = rng.integers(0, 4, n)
    personal = rng.random(n) < PERSONAL_SHARE
    which = rng.integers(0, 3, n)
    number = rng.integers(0, 1000, n)
    postcodes = responses["postcode"].to_numpy(dtype=object)[rows]
    texts = []
    for i in range(n):
        text = THEMES[names[theme[i]]][phrase[i]]
        if personal[i]:
            text += (f". Call me on 07700 900{number[i]:03d}", f". Email me at resident{number[i]}@example.com",
                     f". I live at {postcodes[i]}")[which[i]]
        texts.append(text)
    out = _frame(rows, spec["question_id"], np.array(texts, dtype=object))
    if spec["kind"] != "map_comment":
        return out
    public = rng.random(n) < PUBLIC_SHARE
    out["public"] = np.where(public, "yes", "no")
    as_grid = rng.random(n) < 0.25
    jitter = rng.normal(0, 250, (n, 2))
    if homes is None:
        return out
    home = (homes.set_index(_bare(homes["postcode"]))[["easting", "northing"]]
            .reindex(_bare(pd.Series(postcodes))).to_numpy(float))
    x, y = home[:, 0] + jitter[:, 0], home[:, 1] + jitter[:, 1]
    lon, lat = _TO_WGS84.transform(x, y)
    known = ~np.isnan(x)
    out["easting"] = np.where(known & as_grid, np.char.mod("%.0f", x), "")
    out["northing"] = np.where(known & as_grid, np.char.mod("%.0f", y), "")
    out["latitude"] = np.where(known & ~as_grid, np.char.mod("%.6f", lat), "")
    out["longitude"] = np.where(known & ~as_grid, np.char.mod("%.6f", lon), "")
    return out
