"""Build a Wardscope database from a config, and publish it atomically.

Stages, in order (like a dbt DAG, each stage reads only what earlier stages produced):
wards → small areas and their best-fit wards → statistics apportioned to wards →
deprivation → postcodes → assets → engagement (activities, responses) → history.
Everything is written to a temporary file beside the target and moved over it with
os.replace only when every stage has passed, so a failed or interrupted load leaves the
published database exactly as it was. One writer at a time (a lock file).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import pyarrow as pa
import shapely

from etl.apportion import best_fit, place_points, to_wards, weights
from etl.checks import ACTIVITIES, ASSETS, DEMOGRAPHIC_COLUMNS, RESPONSES, RowProblem, parse_dates, validate
from etl.config import Config
from etl.deprivation import england_reference, read_deprivation, ward_summary
from etl.errors import InputError
from etl.mappings import map_answer
from etl.postcodes import PostcodeDirectory, is_valid, normalise, place_postcodes
from etl.readers import BNG, line_of, read_boundaries, read_table
from etl.reports import SourceReport, sha256_of
from etl.statistics import UNITEMISED, read_statistics
from vocabulary import duck
from vocabulary.schema import SCHEMA_VERSION, TABLES, column_names, ddl, post_load_indexes

DISPLAY_TOLERANCE_M = 20.0
Progress = Callable[[str], None]


def stderr_progress() -> Progress:
    start = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - start:6.1f}s] {message}", file=sys.stderr, flush=True)
    return say


@dataclass
class BuildResult:
    run_id: str
    db_path: Path
    reports: list[SourceReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def rows(self, key: str) -> int:
        return sum(getattr(r, key) for r in self.reports)


@contextmanager
def _writer_lock(db_path: Path):
    lock_path = db_path.parent / f".{db_path.name}.lock"
    with open(lock_path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another load is writing {db_path}; try again when it has finished") from None
        yield


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, geometry: tuple[str, ...] = ()) -> None:
    """Insert a DataFrame into a declared table; WKB columns named in `geometry` become GEOMETRY."""
    cols = column_names(table)
    select = ", ".join(f'ST_GeomFromWKB("{c}")' if c in geometry else f'"{c}"' for c in cols)
    con.register("_frame", frame[cols])
    con.execute(f'INSERT INTO "{table}" SELECT {select} FROM _frame')  # table/columns from the schema, not input
    con.unregister("_frame")


def _accept(problems: list[RowProblem], file: Path, report: SourceReport, limit: int) -> set[int]:
    """Stop on file-level problems or too many bad rows; else record rejections and return lines to drop."""
    if not problems:
        return set()
    first = problems[0]
    lines = {p.line for p in problems if p.line is not None}
    if first.line is None or len(lines) > limit:
        more = f" ({len(lines)} lines have problems; the load allows {limit})" if len(lines) > 1 else ""
        raise InputError(file, first.problem + more, row=first.line, column=first.column)
    report.rows_rejected = len(lines)
    # Residents' answers (postcodes, demographics) are personal data: keep where and why, not the value.
    redact = report.dataset == "responses"
    report.rejections = [{"line": p.line, "column": p.column,
                          "problem": re.sub(r"^'[^']*' ", "", p.problem) if redact else p.problem}
                         for p in problems[:1000]]
    return lines


class _Loader:
    def __init__(self, config: Config, con: duckdb.DuckDBPyConnection, say: Progress):
        self.config, self.con, self.say = config, con, say
        self.result_reports: list[SourceReport] = []
        self.notes: list[str] = []
        self.wards: gpd.GeoDataFrame | None = None
        self.areas: dict[str, gpd.GeoDataFrame] = {}
        self.fits: dict[str, pd.DataFrame] = {}
        self.directory = PostcodeDirectory(config.postcode_file)
        self.placed_postcodes: list[pd.DataFrame] = []

    def report(self, rep: SourceReport) -> SourceReport:
        self.result_reports.append(rep)
        return rep

    def _read_source(self, dataset: str, file: Path, source: str, date: str) -> tuple[pd.DataFrame, SourceReport]:
        """Read one of the council's CSV files and open its load report."""
        frame = read_table(file)
        return frame, self.report(SourceReport(dataset, file, rows_read=len(frame), source=source, data_date=date))

    # -- geography ---------------------------------------------------------------------------
    def load_wards(self) -> None:
        spec = self.config.wards
        b = read_boundaries(spec.file, r"WD\d{2}CD", r"WD\d{2}NM", code_column=spec.code_column,
                            name_column=spec.name_column, crs=spec.crs, lad_column=spec.lad_column,
                            lad_code=None if self.config.whole_country else self.config.lad_code)
        wards = b.frame.rename(columns={"code": "ward_code", "name": "ward_name"})
        if b.name_column is None:
            wards["ward_name"] = wards["ward_code"]
        display = wards.geometry.simplify(DISPLAY_TOLERANCE_M, preserve_topology=True).to_crs("EPSG:4326")
        frame = pd.DataFrame({
            "ward_code": wards["ward_code"], "ward_name": wards["ward_name"],
            # A national file names each ward's own district; a borough's file is the config's district.
            "lad_code": wards["lad"].where(wards["lad"].notna(), self.config.lad_code),
            "area_km2": wards.geometry.area / 1e6, "geom": shapely.to_wkb(wards.geometry.values),
            "display_wkb": shapely.to_wkb(display.values),
        })
        _insert(self.con, "wards", frame, geometry=("geom",))
        rep = self.report(SourceReport("wards", spec.file, rows_read=b.features_read, rows_loaded=len(wards),
                                       source=spec.source, data_date=spec.date))
        if b.repaired:
            rep.notes.append(f"{b.repaired} invalid ward geometr{'y was' if b.repaired == 1 else 'ies were'} repaired.")
        self.wards = wards
        self.say(f"wards: {len(wards)} loaded from {spec.file.name} ({b.code_column})")

    def load_small_areas(self) -> None:
        for level, spec in self.config.small_areas.items():
            pattern = r"OA\d{2}CD" if level == "oa" else r"LSOA\d{2}CD"
            b = read_boundaries(spec.file, pattern, r"LSOA\d{2}NM" if level == "lsoa" else None,
                                code_column=spec.code_column, name_column=spec.name_column, crs=spec.crs,
                                lad_column=spec.lad_column)
            fit = best_fit(b.frame, self.wards)
            inside = fit["ward_code"].notna().values
            areas = b.frame[inside].reset_index(drop=True)
            fit = fit[inside].reset_index(drop=True)
            frame = pd.DataFrame({"area_code": areas["code"], "area_name": areas["name"], "level": level,
                                  "ward_code": fit["ward_code"], "share_in_ward": fit["share_in_ward"],
                                  "geom": shapely.to_wkb(areas.geometry.values)})
            _insert(self.con, "small_areas", frame, geometry=("geom",))
            rep = self.report(SourceReport(f"{level}_boundaries", spec.file, rows_read=b.features_read,
                                           rows_loaded=len(areas), source=spec.source, data_date=spec.date))
            if b.repaired:
                rep.notes.append(f"{b.repaired} invalid {level.upper()} geometries were repaired (shapely make_valid).")
            if (~inside).any():
                rep.notes.append(f"{int((~inside).sum())} {level.upper()}s lie outside the borough's wards and were "
                                 "left out.")
            nearest = int((fit["placement"] == "nearest").sum())
            if nearest:
                rep.notes.append(f"{nearest} {level.upper()}(s) had their inside point just off the generalised ward "
                                 "boundaries and took the nearest ward within 250 m.")
            self.areas[level], self.fits[level] = areas, fit
            self.say(f"{level}: {len(areas)} areas placed in wards from {spec.file.name}")

    # -- statistics --------------------------------------------------------------------------
    def load_statistics(self) -> pd.DataFrame:
        cache: dict[tuple[str, str], pd.DataFrame] = {}
        populations = []
        for spec in self.config.statistics:
            key = (spec.level, spec.method)
            if key not in cache and spec.level == "ward":  # already by ward: each ward's own row, whole
                cache[key] = pd.DataFrame({"area_code": self.wards["ward_code"], "ward_code": self.wards["ward_code"],
                                           "weight": 1.0, "method": "ward"})
            elif key not in cache:
                cache[key] = weights(self.areas[spec.level], self.wards, self.fits[spec.level], spec.method)
                self._store_weights(spec.level, cache[key])
            areas = (pd.DataFrame({"code": self.wards["ward_code"], "name": None}) if spec.level == "ward"
                     else self.areas[spec.level])
            long, rep, england = read_statistics(spec, areas)
            self.report(rep)
            if england is not None:
                _insert(self.con, "england_population", england.assign(dimension=spec.dimension))
            ward = to_wards(long, cache[key]).assign(dimension=spec.dimension)
            total_in, total_out = float(long["value"].sum()), float(ward["persons"].sum())
            if abs(total_in - total_out) > 1e-6 * max(total_in, 1):
                raise RuntimeError(f"{spec.dimension}: apportioning changed the total ({total_in} → {total_out})")
            split = cache[key]["method"].eq("area_weighted")
            method = ("a ward-level table, loaded as it is" if spec.level == "ward" else
                      f"best fit for all {spec.level.upper()}s" if not split.any() else
                      f"best fit; {cache[key].loc[split, 'area_code'].nunique()} {spec.level.upper()}(s) straddling "
                      "ward boundaries shared by area (tobler)")
            _insert(self.con, "ward_population", ward)
            _insert(self.con, "datasets", pd.DataFrame([{
                "dimension": spec.dimension, "level": spec.level, "source": spec.source, "data_date": spec.date,
                "file": spec.file.name, "persons": total_in, "notes": " ".join([method + "."] + rep.notes)}]))
            populations.append(ward)
            self.say(f"{spec.dimension}: {total_in:,.0f} residents apportioned to wards ({method})")
        return pd.concat(populations, ignore_index=True) if populations else pd.DataFrame(
            columns=["ward_code", "dimension", "category", "persons"])

    def _store_weights(self, level: str, w: pd.DataFrame) -> None:
        existing = self.con.execute("SELECT count(*) FROM small_area_weights WHERE level = ?", [level]).fetchone()[0]
        if not existing:
            _insert(self.con, "small_area_weights", w.assign(level=level))

    def load_deprivation(self) -> None:
        spec = self.config.deprivation
        if spec is None:
            return
        lsoa = self.areas["lsoa"]
        dep, reps = read_deprivation(spec, set(lsoa["code"]))
        for r in reps:
            self.report(r)
        _insert(self.con, "lsoa_deprivation", dep)
        england = england_reference(spec.imd, spec.denominators)
        if england is not None:
            _insert(self.con, "england_deprivation", england)
        _insert(self.con, "ward_deprivation", ward_summary(dep, self.fits["lsoa"].assign(area_code=lsoa["code"])))
        self.say(f"deprivation: {dep['lsoa_code'].nunique()} LSOAs, {dep['domain'].nunique()} domains")

    # -- assets and engagement ---------------------------------------------------------------
    def _locate(self, postcodes: pd.Series) -> pd.DataFrame:
        """Look up and place distinct postcodes; unknown ones are absent from the result."""
        located = self.directory.lookup(postcodes)
        placed = place_postcodes(located, self.wards)
        self.placed_postcodes.append(placed)
        return placed

    def load_assets(self) -> None:
        spec = self.config.assets
        if spec is None:
            return
        frame, rep = self._read_source("assets", spec.file, spec.source, spec.date)
        problems = validate(frame, ASSETS)
        frame["postcode"] = normalise(frame["postcode"]) if "postcode" in frame else pd.NA
        for col in ("easting", "northing"):
            frame[col] = pd.to_numeric(frame[col], errors="coerce") if col in frame else float("nan")
        located = self._locate(frame["postcode"].dropna())
        by_pc = located.set_index("postcode")
        needs_pc = frame["easting"].isna() | frame["northing"].isna()
        unknown = needs_pc & frame["postcode"].notna() & ~frame["postcode"].isin(by_pc.index)
        problems += [RowProblem(line_of(i), "postcode", f"'{frame.at[i, 'postcode']}' is not in the postcode "
                                "directory") for i in frame.index[unknown]]
        problems.sort(key=lambda p: (p.line is not None, p.line or 0))
        drop = _accept(problems, spec.file, rep, self.config.max_rejected_rows)
        frame = frame[~frame.index.map(line_of).isin(drop)].copy()
        needs_pc = frame["easting"].isna() | frame["northing"].isna()
        frame.loc[needs_pc, "easting"] = frame.loc[needs_pc, "postcode"].map(by_pc["easting"])
        frame.loc[needs_pc, "northing"] = frame.loc[needs_pc, "postcode"].map(by_pc["northing"])
        points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["easting"], frame["northing"]), crs=BNG)
        frame["ward_code"] = place_points(points, self.wards)["ward_code"]
        frame["category"] = frame["category"].str.strip().str.lower()
        _insert(self.con, "assets", frame)
        rep.rows_loaded = len(frame)
        outside = int(frame["ward_code"].isna().sum())
        if outside:
            rep.notes.append(f"{outside} asset(s) lie outside the borough; kept, with no ward.")
        self.say(f"assets: {len(frame)} loaded, {outside} outside the borough")

    def ensure_synthetic_engagement(self, population: pd.DataFrame) -> None:
        eng = self.config.engagement
        if eng is None or eng.synthetic is None or (eng.activities.exists() and eng.responses.exists()):
            return
        from etl import synth

        self.say(f"engagement: generating {eng.synthetic.responses:,} synthetic responses for "
                 f"{self.config.council_name} postcodes (seed {eng.synthetic.seed})")
        district = place_postcodes(self.directory.in_district(self.config.lad_code, self.config.whole_country),
                                   self.wards)
        district = district[district["ward_code"].notna()]
        if eng.activities.parent != eng.responses.parent:
            raise InputError(self.config.path, "synthetic engagement needs activities and responses in one folder")
        eng.activities.parent.mkdir(parents=True, exist_ok=True)
        # The generator draws answers from the labelled census groups only.
        labelled = population[population["category"] != UNITEMISED]
        synth.write_engagement(eng.activities.parent, district[["postcode", "ward_code"]], labelled,
                               seed=eng.synthetic.seed, n_responses=eng.synthetic.responses)

    def load_engagement(self) -> None:
        eng = self.config.engagement
        if eng is None:
            return
        acts, rep = self._read_source("activities", eng.activities, eng.source, eng.date)
        drop = _accept(validate(acts, ACTIVITIES), eng.activities, rep, self.config.max_rejected_rows)
        acts = acts[~acts.index.map(line_of).isin(drop)].copy()
        for col in ("opened", "closed", "outcome_published_on"):
            acts[col] = parse_dates(acts[col]).dt.date if col in acts else None
        for col in ("owner", "scope"):
            if col not in acts:
                acts[col] = None
        acts["kind"] = acts["kind"].str.strip().str.lower()
        _insert(self.con, "activities", acts)
        rep.rows_loaded = len(acts)
        self.say(f"activities: {len(acts)} loaded")
        self._load_responses(set(acts["activity_id"]))

    def _load_responses(self, activity_ids: set[str]) -> None:
        eng = self.config.engagement
        frame, rep = self._read_source("responses", eng.responses, eng.source, eng.date)
        self.say(f"responses: {len(frame):,} read, checking")
        problems = validate(frame, RESPONSES)
        if "activity_id" in frame:
            orphan = frame["activity_id"].notna() & ~frame["activity_id"].isin(activity_ids)
            problems += [RowProblem(line_of(i), "activity_id", f"'{frame.at[i, 'activity_id']}' is not in activities")
                         for i in frame.index[orphan]]
        placed = pd.DataFrame(columns=["postcode", "ward_code"])
        if "postcode" in frame:
            frame["postcode"] = normalise(frame["postcode"])
            distinct = frame["postcode"].dropna().drop_duplicates()
            self.say(f"responses: geocoding {len(distinct):,} distinct postcodes")
            placed = self._locate(distinct)
            # Badly formed postcodes are already reported by the declared checks.
            unknown = is_valid(frame["postcode"]) & ~frame["postcode"].isin(set(placed["postcode"]))
            problems += [RowProblem(line_of(i), "postcode", f"'{frame.at[i, 'postcode']}' is not in the postcode "
                                    "directory") for i in frame.index[unknown]]
        problems.sort(key=lambda p: (p.line is not None, p.line or 0))
        drop = _accept(problems, eng.responses, rep, self.config.max_rejected_rows)
        if drop:
            frame = frame[~frame.index.map(line_of).isin(drop)].copy()
        loaded = self._insert_responses(frame, placed)
        rep.rows_loaded = loaded
        outside = self.con.execute("SELECT count(*) FROM responses WHERE ward_code IS NULL").fetchone()[0]
        if outside:
            rep.notes.append(f"{outside:,} response(s) have no postcode or one outside the borough; kept, no ward.")
        self.say(f"responses: {loaded:,} loaded ({outside:,} without a ward in the borough)")

    def _insert_responses(self, frame: pd.DataFrame, placed: pd.DataFrame) -> int:
        """Join responses to their placed postcode and mapped answers inside DuckDB.

        Only the distinct postcodes and distinct answers pass through Python; the million-row
        join is one hash join in DuckDB, which is what keeps large loads quick.
        """
        text = {c: frame[c] if c in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
                for c in ["response_id", "respondent_id", "activity_id", "postcode", "channel",
                          *DEMOGRAPHIC_COLUMNS]}
        raw = pd.DataFrame({c: v.astype("string[pyarrow]") for c, v in text.items()})
        raw["submitted_at"] = parse_dates(frame["submitted_at"])
        self.con.register("_raw", pa.Table.from_pandas(raw, preserve_index=False))
        self.con.register("_places", placed[["postcode", "ward_code"]])
        joins, picks = [], []
        for i, (col, dim) in enumerate(DEMOGRAPHIC_COLUMNS.items()):
            answers = raw[col].dropna().unique()
            mapping = pd.DataFrame({"answer": pd.Series(answers, dtype="string"),
                                    "category": pd.Series([map_answer(dim, a) for a in answers], dtype="string")})
            self.con.register(f"_map{i}", mapping)
            joins.append(f'LEFT JOIN _map{i} m{i} ON m{i}.answer = r."{col}"')
            picks.append(f"coalesce(m{i}.category, ?) AS \"{col}\"")
        # Identifiers are the schema's own column names, never input; values are bound parameters.
        self.con.execute(f"""
            INSERT INTO responses ({", ".join(column_names("responses"))})
            SELECT r.response_id, r.respondent_id, r.activity_id, r.submitted_at, r.postcode, p.ward_code,
                   lower(trim(r.channel)), {", ".join(picks)}
            FROM _raw r LEFT JOIN _places p USING (postcode) {" ".join(joins)}""",
                         [map_answer(dim, None) for dim in DEMOGRAPHIC_COLUMNS.values()])
        for name in ["_raw", "_places", *(f"_map{i}" for i in range(len(DEMOGRAPHIC_COLUMNS)))]:
            self.con.unregister(name)
        return len(raw)

    def store_postcodes(self) -> None:
        if not self.placed_postcodes:
            return
        frame = pd.concat(self.placed_postcodes, ignore_index=True).drop_duplicates("postcode")
        _insert(self.con, "postcodes", frame)
        if self.directory.file:
            self.report(SourceReport("postcodes", self.directory.file, rows_read=self.directory.rows_read,
                                     rows_loaded=len(frame), source=self.directory.source))


def _carry_history(con: duckdb.DuckDBPyConnection, previous: Path, notes: list[str]) -> None:
    """Copy load_runs and load_sources from the published database, so history is never lost."""
    if not previous.exists():
        return
    quoted = str(previous).replace("'", "''")
    try:
        con.execute(f"ATTACH '{quoted}' AS previous (READ_ONLY)")
        for table in ("load_runs", "load_sources"):
            cols = ", ".join(f'"{c}"' for c in column_names(table))
            con.execute(f'INSERT INTO "{table}" SELECT {cols} FROM previous."{table}"')
        con.execute("DETACH previous")
    except duckdb.Error as exc:
        notes.append(f"Load history of the previous database could not be carried over ({exc}).")


def _write_run(con, config: Config, run_id: str, started: datetime, reports: list[SourceReport],
               notes: list[str]) -> None:
    all_notes = notes + [f"{r.dataset}: {n}" for r in reports for n in r.notes]
    _insert(con, "load_runs", pd.DataFrame([{
        "run_id": run_id, "started_at": started.replace(tzinfo=None),
        "finished_at": datetime.now(UTC).replace(tzinfo=None),
        "status": "published", "config": str(config.path), "council": config.council_name,
        "synthetic": config.synthetic, "rows_read": sum(r.rows_read for r in reports),
        "rows_loaded": sum(r.rows_loaded for r in reports), "rows_rejected": sum(r.rows_rejected for r in reports),
        "notes": "\n".join(all_notes)}]))
    _insert(con, "load_sources", pd.DataFrame([{
        "run_id": run_id, "dataset": r.dataset, "file": str(r.file), "sha256": sha256_of(r.file),
        "rows_read": r.rows_read, "rows_loaded": r.rows_loaded, "rows_rejected": r.rows_rejected,
        "rejections": json.dumps(r.rejections), "source": r.source, "data_date": r.data_date} for r in reports]))


def _write_meta(con, config: Config, directory: PostcodeDirectory) -> None:
    scope = "all" if config.synthetic and (config.engagement is None or config.engagement.synthetic is None) \
        else "engagement" if config.synthetic else "none"
    meta = {"council": config.council_name, "lad_code": config.lad_code, "synthetic": json.dumps(config.synthetic),
            "synthetic_scope": scope,
            "schema_version": str(SCHEMA_VERSION), "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "postcode_source": directory.source}
    if config.engagement is not None:
        truth = config.engagement.responses.parent / "truth.json"
        if config.synthetic and truth.exists():
            meta["synthetic_truth"] = truth.read_text(encoding="utf-8")
    _insert(con, "meta", pd.DataFrame({"key": list(meta), "value": list(meta.values())}))


def build(config: Config, db_path: str | Path, say: Progress | None = None) -> BuildResult:
    """Load every source named in `config` into a new database and publish it at `db_path`."""
    say = say or stderr_progress()
    db_path = Path(db_path).resolve()
    db_path.parent.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:12]
    started = datetime.now(UTC)
    with _writer_lock(db_path):
        tmp = db_path.parent / f".{db_path.name}.tmp-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        con = duck.connect(tmp)
        try:
            for table in TABLES:
                con.execute(ddl(table))
            loader = _Loader(config, con, say)
            loader.load_wards()
            loader.load_small_areas()
            population = loader.load_statistics()
            loader.load_deprivation()
            loader.load_assets()
            loader.ensure_synthetic_engagement(population)
            loader.load_engagement()
            loader.store_postcodes()
            for table in TABLES:
                for statement in post_load_indexes(table):
                    con.execute(statement)
            _write_meta(con, config, loader.directory)
            _carry_history(con, db_path, loader.notes)
            _write_run(con, config, run_id, started, loader.result_reports, loader.notes)
            con.execute("CHECKPOINT")
            con.close()
            os.replace(tmp, db_path)
        except BaseException:
            con.close()
            tmp.unlink(missing_ok=True)
            Path(str(tmp) + ".wal").unlink(missing_ok=True)
            raise
    say(f"published {db_path} (run {run_id})")
    return BuildResult(run_id, db_path, loader.result_reports, loader.notes)
