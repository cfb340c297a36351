"""Load-configuration files (TOML): which files describe a council and how to read them.

The format is documented in docs/data-contract.md. Paths are relative to the config
file, so a config can sit beside the data it describes. Unknown keys are errors rather
than silently ignored, so a typo cannot drop a dataset.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from etl.errors import InputError
from etl.mappings import CATEGORY_MAPS, config_answers
from vocabulary import ASSET_CATEGORIES


@dataclass
class BoundarySpec:
    file: Path
    code_column: str | None = None
    name_column: str | None = None
    crs: str | None = None
    lad_column: str | None = None
    source: str = ""
    date: str = ""


@dataclass
class AssetsSpec(BoundarySpec):
    """[assets]: the register file, and the council's own category wordings → the standard set (categories)."""
    categories: dict[str, str] = field(default_factory=dict)


@dataclass
class StatisticsSpec:
    dimension: str
    file: Path
    level: str
    layout: str
    code_column: str
    categories: dict[str, str]
    name_column: str | None = None
    category_column: str | None = None
    value_column: str | None = None
    total_column: str | None = None
    code_vintage: int | None = None
    lookup: Path | None = None
    method: str = "auto"
    national: bool = False  # the file covers all of England: also store England's totals as a reference
    allow_unmatched: bool = False  # rows whose codes match no loaded area are rejected and counted, not an error
    source: str = ""
    date: str = ""


@dataclass
class DeprivationSpec:
    imd: Path
    domains: Path | None = None
    denominators: Path | None = None
    source: str = "Ministry of Housing, Communities and Local Government, English Indices of Deprivation 2019 (OGL v3)"
    date: str = "2019-09-26"


@dataclass
class SyntheticEngagementSpec:
    seed: int = 20261123
    responses: int = 20_000


@dataclass
class EngagementSpec:
    activities: Path
    responses: Path
    source: str = ""
    date: str = ""
    synthetic: SyntheticEngagementSpec | None = None
    min_age: int | None = None  # default age limits of every activity whose row does not say (NULL = none)
    max_age: int | None = None
    answers: dict[str, dict[str, str]] = field(default_factory=dict)  # [engagement.answers.*], etl.mappings.Answers
    questions: Path | None = None  # questions.csv: what each activity asked
    answers_file: Path | None = None  # answers.csv: what each response said (`answers = "…"` or `answers.file`)
    pb_projects: Path | None = None  # pb_projects.csv: the projects of the participatory budgeting votes
    petition_debate_threshold: int | None = None  # signatures for a council debate, for petitions whose row is blank


@dataclass
class Config:
    path: Path
    council_name: str
    lad_code: str
    synthetic: bool
    wards: BoundarySpec
    small_areas: dict[str, BoundarySpec]
    statistics: list[StatisticsSpec] = field(default_factory=list)
    deprivation: DeprivationSpec | None = None
    postcode_file: Path | None = None
    assets: AssetsSpec | None = None
    engagement: EngagementSpec | None = None
    max_rejected_rows: int = 0
    overlap_tolerance_m2: float = 1000.0  # [boundaries]: ward overlaps or gaps larger than this stop the load
    max_drop_share: float = 0.2  # [checks]: a larger fall in responses, wards or residents needs --accept-changes
    keep_postcodes: bool = False  # [privacy]: keep response postcodes in the published database
    retention_months: int | None = None  # [privacy]: drop responses older than this many months

    @property
    def whole_country(self) -> bool:
        """A country code (E92…, W92…) as lad_code loads every ward of the file, e.g. all of England."""
        return self.lad_code[1:3] == "92"


#: Levels a statistics table can be at: output areas and LSOAs are apportioned to wards through their
#: boundaries ([small_areas.*]); a ward-level table (e.g. a Nomis census table by electoral ward) is keyed by
#: the wards' own codes and loaded as it is.
STATISTICS_LEVELS = ("oa", "lsoa", "ward")

_SECTIONS = {"council", "wards", "small_areas", "statistics", "deprivation", "postcodes", "assets",
             "engagement", "load", "checks", "privacy", "boundaries"}


def _take(table: dict, allowed: set[str], where: str, cfg: Path) -> dict:
    unknown = set(table) - allowed
    if unknown:
        raise InputError(cfg, f"unknown key(s) {sorted(unknown)} in [{where}]; allowed: {sorted(allowed)}")
    return table


def _path(base: Path, value: object, where: str, cfg: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise InputError(cfg, f"[{where}] needs a file path")
    p = Path(value)
    return p if p.is_absolute() else (base / p)


def _boundary(table: dict, where: str, cfg: Path) -> BoundarySpec:
    t = _take(table, {"file", "code_column", "name_column", "crs", "lad_column", "source", "date"}, where, cfg)
    others = {k: v for k, v in t.items() if k != "file"}
    return BoundarySpec(file=_path(cfg.parent, t.get("file"), where, cfg), **others)


def _categories(value: object, where: str, cfg: Path) -> dict[str, str]:
    if isinstance(value, str):
        if value not in CATEGORY_MAPS:
            raise InputError(cfg, f"[{where}] categories '{value}' is not a known mapping ({sorted(CATEGORY_MAPS)})")
        return dict(CATEGORY_MAPS[value])
    if isinstance(value, dict) and value:
        return {str(k): str(v) for k, v in value.items()}
    raise InputError(cfg, f"[{where}] needs categories: a mapping name or a table of source value = label")


def _statistics(table: dict, i: int, cfg: Path) -> StatisticsSpec:
    where = f"statistics #{i + 1}"
    allowed = {"dimension", "file", "level", "layout", "code_column", "categories", "name_column", "category_column",
               "value_column", "total_column", "code_vintage", "lookup", "method", "national", "allow_unmatched",
               "source", "date"}
    t = dict(_take(table, allowed, where, cfg))
    for key in ("dimension", "file", "level", "layout", "code_column", "categories"):
        if key not in t:
            raise InputError(cfg, f"[{where}] is missing '{key}'")
    if t["level"] not in STATISTICS_LEVELS:
        raise InputError(cfg, f"[{where}] level must be 'oa', 'lsoa' or 'ward', not '{t['level']}'")
    if t["layout"] not in ("wide", "long"):
        raise InputError(cfg, f"[{where}] layout must be 'wide' or 'long', not '{t['layout']}'")
    if t["layout"] == "long" and not (t.get("category_column") and t.get("value_column")):
        raise InputError(cfg, f"[{where}] a long table needs category_column and value_column")
    if t.get("method", "auto") not in ("auto", "best_fit", "area_weighted"):
        raise InputError(cfg, f"[{where}] method must be auto, best_fit or area_weighted")
    if not isinstance(t.get("allow_unmatched", False), bool):
        raise InputError(cfg, f"[{where}] allow_unmatched must be true or false")
    t["file"] = _path(cfg.parent, t["file"], where, cfg)
    t["categories"] = _categories(t["categories"], where, cfg)
    if "lookup" in t:
        t["lookup"] = _path(cfg.parent, t["lookup"], where, cfg)
    return StatisticsSpec(**t)


def _age_limit(value: object, key: str, cfg: Path) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
        raise InputError(cfg, f"[engagement] {key} must be a whole number of years (0-120), not {value!r}")
    return value


def _threshold(value: object, cfg: Path) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(cfg, f"[engagement] petition_debate_threshold must be a whole number of signatures (1 or "
                              f"more), not {value!r}")
    return value


def _answer_files(e: dict, cfg: Path) -> tuple[dict, dict[str, Path | None]]:
    """The optional answer files, and the wording tables of [engagement.answers.*].

    `answers` is either the answers.csv path (`answers = "answers.csv"`) or a table holding the council's own
    wordings ([engagement.answers.age] …) and, beside them, the file as `answers.file`.
    """
    wordings = e.get("answers", {})
    answers_file = None
    if isinstance(wordings, str):
        answers_file, wordings = wordings, {}
    elif isinstance(wordings, dict) and "file" in wordings:
        wordings = dict(wordings)
        answers_file = wordings.pop("file")
    files = {key: _path(cfg.parent, value, "engagement", cfg) if value is not None else None
             for key, value in (("questions", e.get("questions")), ("answers_file", answers_file),
                                ("pb_projects", e.get("pb_projects")))}
    if (files["answers_file"] is None) != (files["questions"] is None):
        raise InputError(cfg, "[engagement] answers and questions go together: name both files or neither")
    return wordings, files


def _engagement(table: dict, cfg: Path) -> EngagementSpec:
    e = _take(table, {"activities", "responses", "source", "date", "synthetic", "min_age", "max_age", "answers",
                      "questions", "pb_projects", "petition_debate_threshold"}, "engagement", cfg)
    synth = None
    if "synthetic" in e:
        s = _take(e["synthetic"], {"seed", "responses"}, "engagement.synthetic", cfg)
        synth = SyntheticEngagementSpec(**s)
    min_age, max_age = (_age_limit(e.get(k), k, cfg) for k in ("min_age", "max_age"))
    if min_age is not None and max_age is not None and min_age > max_age:
        raise InputError(cfg, f"[engagement] min_age {min_age} is above max_age {max_age}")
    wordings, files = _answer_files(e, cfg)
    return EngagementSpec(
        activities=_path(cfg.parent, e.get("activities"), "engagement", cfg),
        responses=_path(cfg.parent, e.get("responses"), "engagement", cfg),
        source=e.get("source", ""), date=e.get("date", ""), synthetic=synth, min_age=min_age, max_age=max_age,
        answers=config_answers(wordings, cfg), petition_debate_threshold=_threshold(
            e.get("petition_debate_threshold"), cfg), **files,
    )


def _checks_and_privacy(raw: dict, cfg: Path) -> dict:
    """[checks] max_drop_share (0-1, default 0.2); [privacy] keep_postcodes (default false), retention_months."""
    checks = _take(raw.get("checks", {}), {"max_drop_share"}, "checks", cfg)
    share = checks.get("max_drop_share", 0.2)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise InputError(cfg, f"[checks] max_drop_share must be a share between 0 and 1 (0.2 = 20%), not {share!r}")
    privacy = _take(raw.get("privacy", {}), {"keep_postcodes", "retention_months"}, "privacy", cfg)
    keep = privacy.get("keep_postcodes", False)
    if not isinstance(keep, bool):
        raise InputError(cfg, f"[privacy] keep_postcodes must be true or false, not {keep!r}")
    months = privacy.get("retention_months")
    if months is not None and (isinstance(months, bool) or not isinstance(months, int) or months < 1):
        raise InputError(cfg, f"[privacy] retention_months must be a whole number of months (1 or more), "
                              f"not {months!r}")
    return {"max_drop_share": float(share), "keep_postcodes": keep, "retention_months": months}


def _overlap_tolerance(raw: dict, cfg: Path) -> float:
    """[boundaries] overlap_tolerance_m2: the largest overlap of two wards, or gap between wards, accepted (m²)."""
    value = _take(raw.get("boundaries", {}), {"overlap_tolerance_m2"}, "boundaries", cfg).get(
        "overlap_tolerance_m2", 1000.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < float("inf"):
        raise InputError(cfg, f"[boundaries] overlap_tolerance_m2 must be an area in square metres (0 or more), "
                              f"not {value!r}")
    return float(value)


def _assets(table: dict, cfg: Path) -> AssetsSpec:
    """[assets] file, source, date and categories: { "council's wording" = "standard category", … }."""
    a = _take(table, {"file", "source", "date", "categories"}, "assets", cfg)
    categories = a.get("categories", {})
    if not isinstance(categories, dict):
        raise InputError(cfg, "[assets] categories must be a table of the register's wording = standard category, "
                              'e.g. categories = { "Faith group" = "faith" }')
    wrong = {k: v for k, v in categories.items() if v not in ASSET_CATEGORIES}
    if wrong:
        raise InputError(cfg, f"[assets] categories maps {', '.join(f'{k!r} to {v!r}' for k, v in wrong.items())}: "
                              f"each must map to one of {', '.join(ASSET_CATEGORIES)}")
    return AssetsSpec(file=_path(cfg.parent, a.get("file"), "assets", cfg), source=a.get("source", ""),
                      date=a.get("date", ""), categories={str(k): v for k, v in categories.items()})


def load_config(path: str | Path) -> Config:
    """Parse and check a config file; every problem is an InputError naming the file."""
    cfg = Path(path).resolve()
    if not cfg.exists():
        raise InputError(cfg, "config file not found")
    try:
        raw = tomllib.loads(cfg.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(cfg, f"not valid TOML: {exc}") from None
    _take(raw, _SECTIONS, "top level", cfg)
    council = _take(raw.get("council", {}), {"name", "lad_code", "synthetic"}, "council", cfg)
    if "lad_code" not in council or "name" not in council:
        raise InputError(cfg, "[council] needs name and lad_code")
    if "wards" not in raw:
        raise InputError(cfg, "[wards] section is required")
    small = raw.get("small_areas", {})
    _take(small, {"oa", "lsoa"}, "small_areas", cfg)
    small_areas = {lvl: _boundary(t, f"small_areas.{lvl}", cfg) for lvl, t in small.items()}
    stats = [_statistics(t, i, cfg) for i, t in enumerate(raw.get("statistics", []))]
    for s in stats:
        if s.level != "ward" and s.level not in small_areas:
            raise InputError(cfg, f"statistics '{s.dimension}' is at level '{s.level}' "
                                  f"but [small_areas.{s.level}] is missing")
    dims = [s.dimension for s in stats]
    if len(dims) != len(set(dims)):
        raise InputError(cfg, f"each statistics dimension may appear once; got {dims}")
    dep = None
    if "deprivation" in raw:
        d = _take(raw["deprivation"], {"imd", "domains", "denominators", "source", "date"}, "deprivation", cfg)
        if "lsoa" not in small_areas:
            raise InputError(cfg, "[deprivation] needs [small_areas.lsoa] boundaries")
        dep = DeprivationSpec(
            imd=_path(cfg.parent, d.get("imd"), "deprivation", cfg),
            domains=_path(cfg.parent, d["domains"], "deprivation", cfg) if "domains" in d else None,
            denominators=_path(cfg.parent, d["denominators"], "deprivation", cfg) if "denominators" in d else None,
            **{k: d[k] for k in ("source", "date") if k in d},
        )
    pc = _take(raw.get("postcodes", {}), {"file", "source"}, "postcodes", cfg)
    postcode_file = _path(cfg.parent, pc["file"], "postcodes", cfg) if "file" in pc else None
    assets = _assets(raw["assets"], cfg) if "assets" in raw else None
    eng = _engagement(raw["engagement"], cfg) if "engagement" in raw else None
    load = _take(raw.get("load", {}), {"max_rejected_rows"}, "load", cfg)
    return Config(
        path=cfg,
        council_name=str(council["name"]),
        lad_code=str(council["lad_code"]),
        synthetic=bool(council.get("synthetic", False)) or (eng is not None and eng.synthetic is not None),
        wards=_boundary(raw["wards"], "wards", cfg),
        small_areas=small_areas,
        statistics=stats,
        deprivation=dep,
        postcode_file=postcode_file,
        assets=assets,
        engagement=eng,
        max_rejected_rows=int(load.get("max_rejected_rows", 0)),
        **_checks_and_privacy(raw, cfg),
        overlap_tolerance_m2=_overlap_tolerance(raw, cfg),
    )
