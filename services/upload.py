"""Upload for officers: stage a council's new files, read the validation report, publish and roll back.

The app never writes the published database: every step here runs the ETL's own command line in a
process of its own (`python -m etl build --stage`, `publish`, `rollback`; etl/__main__.py), which is the
only writer and publishes atomically. What this module writes is private to the upload:

- the uploaded files and the config to build with, in a staging folder beside the database,
  `DB.parent/.DB.name.uploads/<UTC timestamp>/` (one sub-folder per uploaded file, so two files of the
  same name never collide). The config is the published load's (`load_runs.config` of the latest run)
  with every path made absolute and the uploaded files' paths put in place of the files they replace,
  so the folder of a published check must stay: the load names its files. The folder of a check that failed is
  deleted at once, and that of a check never published when the next check replaces it: nothing was loaded from
  them, and residents' postcodes are not kept without a reason.
- nothing else: the candidate database and its report (`.DB.name.candidate`, `.candidate.json`) and the
  previous version (`.DB.name.previous`) are the ETL's.

Every function that reads or writes files or runs the ETL needs an officer (`roles.requires`); the
report is turned into the page's tables here, response counts passed through disclosure control as
everywhere else on the Data page.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

import pandas as pd

import data_access as da
from data_access import roles
from geo.disclosure import DisclosurePolicy, protect_note, protect_single

ROOT = Path(__file__).resolve().parent.parent
#: How long one ETL command may run before the page gives up on it (seconds).
ETL_TIMEOUT = 3600
#: Datasets and change measures whose figures are counts of responses: disclosure-controlled on screen.
RESPONSE_COUNTS = frozenset({"responses"})
#: The TOML keys (of etl/config.py) that hold file paths, each a path of keys into the parsed config.
_SINGLE_PATHS = (("wards", "file"), ("deprivation", "imd"), ("deprivation", "domains"),
                 ("deprivation", "denominators"), ("postcodes", "file"), ("assets", "file"),
                 ("engagement", "activities"), ("engagement", "responses"), ("engagement", "questions"),
                 ("engagement", "pb_projects"), ("engagement", "answers"), ("engagement", "answers", "file"))

Key = tuple[str | int, ...]


@dataclass(frozen=True)
class Slot:
    """One file an officer can upload: `key` names it, `where` is its path of keys in the config."""

    key: str
    label: str
    where: Key
    current: str = ""  # the file name in the published load ("" when that load has none)


@dataclass(frozen=True)
class Upload:
    """An uploaded file: the name it had on the officer's computer and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Rejection:
    line: int | None
    column: str
    problem: str


@dataclass(frozen=True)
class DatasetCheck:
    """What the candidate load made of one file."""

    dataset: str
    file: str
    rows_read: int | None
    rows_loaded: int | None
    rows_rejected: int | None
    rejections: tuple[Rejection, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """One measure of the candidate against the published load."""

    measure: str
    published: float | None
    candidate: float | None
    change_pct: float | None


@dataclass(frozen=True)
class Validation:
    """The outcome of staging a load: its report (when the ETL wrote one) and, if it failed, why."""

    ok: bool
    error: str = ""
    run_id: str = ""
    council: str = ""
    datasets: tuple[DatasetCheck, ...] = ()
    notes: tuple[str, ...] = ()
    changes: tuple[Change, ...] = ()
    needs_accept_changes: bool = False
    uploaded: tuple[str, ...] = field(default=())  # the labels of the files uploaded


@dataclass(frozen=True)
class Outcome:
    """What publishing or rolling back did, in words for the page."""

    ok: bool
    message: str


# --- the published config and what can be uploaded ---------------------------------------------------------


@roles.requires(roles.OFFICER)
def published_config() -> Path | None:
    """The config file of the latest load of the database the app serves, or None when none is recorded or the
    file is no longer on this server (then only `python -m etl build` can load new data)."""
    runs, _files = da.load_history()
    if runs.empty or not str(runs.iloc[0]["config"] or "").strip():
        return None
    path = Path(str(runs.iloc[0]["config"]))
    return path if path.is_file() else None


def _get(table: object, where: Key) -> object:
    for key in where:
        if isinstance(key, int):
            if not isinstance(table, list) or key >= len(table):
                return None
        elif not isinstance(table, dict) or key not in table:
            return None
        table = table[key]
    return table


def _set(table: dict, where: Key, value: object) -> None:
    for key in where[:-1]:
        table = table[key] if isinstance(key, int) else table.setdefault(key, {})
    table[where[-1]] = value


def file_name(value: object) -> str:
    """The last part of a path as text (either kind of slash), "" for anything but text."""
    return str(value).replace("\\", "/").rsplit("/", 1)[-1] if isinstance(value, str) else ""


@roles.requires(roles.OFFICER)
def slots(config: Path) -> list[Slot]:
    """The files an officer can upload for the load described by `config`: the ward boundaries, one statistics
    file per [[statistics]] block (a new file replaces that dimension's, read the same way), the assets, the
    activities and the responses. Each is optional: what is not uploaded stays as published."""
    raw = tomllib.loads(Path(config).read_text(encoding="utf-8"))
    found = [Slot("wards", "Ward boundaries", ("wards", "file"))]
    for i, stats in enumerate(raw.get("statistics", [])):
        dimension = str(stats.get("dimension", i + 1))
        found.append(Slot(f"statistics:{dimension}", f"Statistics: {dimension}", ("statistics", i, "file")))
    found += [Slot("assets", "Community assets", ("assets", "file")),
              Slot("activities", "Engagement activities", ("engagement", "activities")),
              Slot("responses", "Responses", ("engagement", "responses"))]
    return [Slot(s.key, s.label, s.where, file_name(_get(raw, s.where))) for s in found]


# --- the staged config -------------------------------------------------------------------------------------


def _path_keys(raw: dict) -> Iterator[Key]:
    yield from _SINGLE_PATHS
    for level in raw.get("small_areas", {}):
        yield ("small_areas", level, "file")
    for i in range(len(raw.get("statistics", []))):
        yield ("statistics", i, "file")
        yield ("statistics", i, "lookup")


def absolute_paths(raw: dict, base: Path) -> dict:
    """`raw` (a parsed config) with every relative file path made absolute against `base` (the config's folder),
    so the config can be written anywhere and still name the same files."""
    raw = json.loads(json.dumps(raw, default=str))  # a deep copy (dates become text, as TOML strings again)
    for where in _path_keys(raw):
        value = _get(raw, where)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            _set(raw, where, str((base / value).resolve()))
    return raw


@roles.requires(roles.OFFICER)
def staged_config(config: Path, uploads: Mapping[str, Path], folder: Path) -> Path:
    """Write `folder`/config.toml: the published `config` with its paths made absolute and, for each slot key in
    `uploads`, the uploaded file's path in place of the published one. A new engagement file turns off
    [engagement.synthetic] (the generator would otherwise write over it). Returns the new config's path."""
    config = Path(config)
    raw = absolute_paths(tomllib.loads(config.read_text(encoding="utf-8")), config.resolve().parent)
    by_key = {slot.key: slot for slot in slots(config)}
    unknown = set(uploads) - set(by_key)
    if unknown:
        raise ValueError(f"no file called {sorted(unknown)} in this load; choose from {sorted(by_key)}")
    for key, path in uploads.items():
        _set(raw, by_key[key].where, str(Path(path).resolve()))
    if {"activities", "responses"} & set(uploads) and isinstance(raw.get("engagement"), dict):
        raw["engagement"].pop("synthetic", None)
    target = Path(folder) / "config.toml"
    target.write_text(f"# Staged by Wardscope's upload page from {config}\n{to_toml(raw)}", encoding="utf-8")
    return target


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else
                                                          ("inf" if value > 0 else "-inf"))
    if isinstance(value, (date, time, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return _toml_string(str(value))


def _is_table_array(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def to_toml(table: dict, prefix: str = "") -> str:
    """`table` (as tomllib parses it) written back as TOML: values first, then sub-tables and arrays of tables."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()
             if not isinstance(v, dict) and not _is_table_array(v)]
    for key, value in table.items():
        name = f"{prefix}.{_toml_key(key)}" if prefix else _toml_key(key)
        if isinstance(value, dict):
            lines.append(f"\n[{name}]\n{to_toml(value, name)}".rstrip("\n"))
        elif _is_table_array(value):
            lines.extend(f"\n[[{name}]]\n{to_toml(item, name)}".rstrip("\n") for item in value)
    return "\n".join(lines) + "\n"


# --- staging, the report, publishing and rolling back --------------------------------------------------------


def _beside(db: Path, suffix: str) -> Path:
    return db.parent / f".{db.name}.{suffix}"


def candidate_report_path(db: Path) -> Path:
    """Where `python -m etl build --stage` writes the validation report of the candidate for `db`."""
    return _beside(Path(db), "candidate.json")


def _safe_name(name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip("._")
    return base or "upload"


@roles.requires(roles.OFFICER)
def save_uploads(files: Mapping[str, Upload], db: Path) -> tuple[Path, dict[str, Path]]:
    """Write the uploaded files into a new private staging folder beside `db` (one sub-folder per slot key);
    returns the folder and slot key → file path."""
    root = _beside(Path(db), "uploads")
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = root / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder.mkdir(mode=0o700)
    paths = {}
    for i, (key, upload) in enumerate(files.items()):
        sub = folder / f"{i + 1:02d}-{_safe_name(key.replace(':', '-'))}"
        sub.mkdir(mode=0o700)
        paths[key] = sub / _safe_name(upload.name)
        paths[key].write_bytes(upload.data)
    return folder, paths


def _etl(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m etl ARGS` from the project folder; a run past ETL_TIMEOUT counts as failed (exit 124)."""
    command = [sys.executable, "-m", "etl", *args]
    try:
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=ETL_TIMEOUT,
                              env=dict(os.environ, PYTHONUNBUFFERED="1"))
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command, 124, "", f"Load failed, nothing was changed: the command took "
                                                             f"longer than {ETL_TIMEOUT // 60} minutes and was stopped")


def failure_message(done: subprocess.CompletedProcess[str]) -> str:
    """The ETL's own words for a failed command: its 'Load failed, nothing was changed: …' line, else its last
    line of output, never a traceback."""
    lines = [line.strip() for line in (done.stderr or "").splitlines() + (done.stdout or "").splitlines()
             if line.strip()]
    said = [line for line in lines if line.startswith("Load failed")]
    if said:
        return said[-1]
    last = lines[-1] if lines else "no message"
    return f"The command stopped unexpectedly (exit {done.returncode}): {last}"


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _count(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def parse_report(data: Mapping) -> Validation:
    """The candidate's JSON report (the contract of `python -m etl build --stage`) as a Validation (ok=True)."""
    datasets = tuple(DatasetCheck(
        dataset=str(d.get("dataset", "")), file=str(d.get("file", "")), rows_read=_count(d.get("rows_read")),
        rows_loaded=_count(d.get("rows_loaded")), rows_rejected=_count(d.get("rows_rejected")),
        rejections=tuple(Rejection(_count(r.get("line")), str(r.get("column") or ""), str(r.get("problem") or ""))
                         for r in d.get("rejections") or []),
        notes=tuple(str(n) for n in d.get("notes") or [])) for d in data.get("datasets") or [])
    changes = tuple(Change(str(c.get("measure", "")), _number(c.get("published")), _number(c.get("candidate")),
                           _number(c.get("change_pct"))) for c in data.get("changes") or [])
    return Validation(ok=True, run_id=str(data.get("run_id") or ""), council=str(data.get("council") or ""),
                      datasets=datasets, notes=tuple(str(n) for n in data.get("notes") or []), changes=changes,
                      needs_accept_changes=bool(data.get("needs_accept_changes", False)))


def _read_report(path: Path) -> Validation | None:
    try:
        return parse_report(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError, TypeError):
        return None


@roles.requires(roles.OFFICER)
def validate(files: Mapping[str, Upload], labels: Mapping[str, str] | None = None) -> Validation:
    """Stage the uploaded files (slot key → Upload) into a candidate of the served database and return its
    validation report. Nothing is published: the ETL builds `.DB.candidate` and its report, and the published
    database is left exactly as it was whatever the files hold."""
    db = da.db_path()
    config = published_config()
    if config is None:
        return Validation(ok=False, error="The latest load's config file is not on this server, so there is nothing "
                                          "to replace files in: load the data with `python -m etl build`.")
    folder, paths = save_uploads(files, db)
    staged = staged_config(config, paths, folder)
    report_path = candidate_report_path(db)
    before, replaced = _identity(report_path), _read_report(report_path)
    done = _etl("build", "--config", str(staged), "--db", str(db), "--stage")
    _forget_unpublished(replaced, db)
    fresh = _identity(report_path)
    report = _read_report(report_path) if fresh is not None and fresh != before else None
    named = tuple((labels or {}).get(key, key) for key in files)
    if done.returncode == 0 and report is not None:
        return Validation(**{**report.__dict__, "uploaded": named})
    error = failure_message(done) if done.returncode != 0 else "The check wrote no validation report."
    error = re.sub(re.escape(str(folder)) + r"[/\\][^/\\]+[/\\]", "", error)  # the uploaded file's own name
    shutil.rmtree(folder, ignore_errors=True)  # nothing was loaded from it: the uploaded files are not kept
    base = report.__dict__ if report is not None else {}
    return Validation(**{**base, "ok": False, "error": error, "uploaded": named})


def _forget_unpublished(replaced: Validation | None, db: Path) -> None:
    """Delete the staging folder of the check a new one replaced (staging discards its candidate), unless it was
    published before the new check took the ETL's lock: its files were never loaded, and residents' postcodes are
    not kept without a reason. Called after the new check, so the old candidate can no longer be published."""
    if replaced is None or replaced.run_id in set(da.load_history()[0]["run_id"]):
        return
    root = _beside(Path(db), "uploads")
    for check in replaced.datasets:
        parts = Path(check.file).relative_to(root).parts if Path(check.file).is_relative_to(root) else ()
        if len(parts) > 1:  # <check's folder>/<slot>/<file>: delete the check's own staging folder
            shutil.rmtree(root / parts[0], ignore_errors=True)


@roles.requires(roles.OFFICER)
def publish(run_id: str, accept_changes: bool = False) -> Outcome:
    """Publish the candidate of run `run_id` (the one whose report the officer read) over the served database;
    refused when another candidate has been staged since."""
    db = da.db_path()
    waiting = _read_report(candidate_report_path(db))
    if waiting is None or waiting.run_id != run_id:
        return Outcome(False, "Nothing was published: the checked files are no longer waiting to be published "
                              "(someone checked other files since, or they were published). Check the files again.")
    done = _etl("publish", "--db", str(db), *(["--accept-changes"] if accept_changes else []))
    if done.returncode != 0:
        return Outcome(False, failure_message(done))
    return Outcome(True, f"Published: load {run_id} is now the data everyone sees. The version it replaced is kept, "
                         "and “Roll back to the previous version” brings it back.")


@roles.requires(roles.OFFICER)
def can_roll_back() -> bool:
    """True when the ETL kept a previous version of the served database to roll back to."""
    return _beside(da.db_path(), "previous").exists()


@roles.requires(roles.OFFICER)
def roll_back() -> Outcome:
    """Put the previous version of the served database back (the ETL keeps the replaced one, so this can itself
    be undone by rolling back again)."""
    done = _etl("rollback", "--db", str(da.db_path()))
    if done.returncode != 0:
        return Outcome(False, failure_message(done))
    return Outcome(True, "Rolled back: the previous version of the data is published again. The version it "
                         "replaced is kept, so rolling back again undoes this.")


# --- the report as the page shows it ------------------------------------------------------------------------


def _shown(value: float | None, counts_responses: bool, policy: DisclosurePolicy) -> str:
    if value is None:
        return ""
    return protect_single(value, policy) if counts_responses else f"{value:,.0f}"


def datasets_table(report: Validation, policy: DisclosurePolicy) -> pd.DataFrame:
    """One row per file of the candidate load: rows read, loaded and rejected (response counts protected)."""
    return pd.DataFrame({
        "Dataset": [d.dataset for d in report.datasets],
        "File": [file_name(d.file) for d in report.datasets],
        **{title: [_shown(getattr(d, attr), d.dataset in RESPONSE_COUNTS, policy) for d in report.datasets]
           for title, attr in (("Rows read", "rows_read"), ("Rows loaded", "rows_loaded"),
                                ("Rows rejected", "rows_rejected"))},
    })


def rejections_table(check: DatasetCheck) -> pd.DataFrame:
    """The rows of one file the candidate load rejected: line (as an editor shows it), column and problem."""
    return pd.DataFrame({"Line": [r.line for r in check.rejections], "Column": [r.column for r in check.rejections],
                         "Problem": [r.problem for r in check.rejections]})


def changes_table(report: Validation, policy: DisclosurePolicy) -> pd.DataFrame:
    """The candidate against the published load, measure by measure (response counts protected)."""
    return pd.DataFrame({
        "Measure": [c.measure.replace("_", " ").capitalize() for c in report.changes],
        "Published": [_shown(c.published, c.measure in RESPONSE_COUNTS, policy) for c in report.changes],
        "New": [_shown(c.candidate, c.measure in RESPONSE_COUNTS, policy) for c in report.changes],
        "Change": ["" if c.change_pct is None else f"{c.change_pct:+.1f}%" for c in report.changes],
    })


def report_notes(report: Validation, policy: DisclosurePolicy) -> list[str]:
    """The load's notes and each file's (unmatched postcodes, code mismatches, …), counts protected."""
    notes = list(report.notes) + [f"{d.dataset}: {n}" for d in report.datasets for n in d.notes]
    return [protect_note(note, policy) for note in notes if note.strip()]
