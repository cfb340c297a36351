"""Printable exports of a published database, the same figures as the app shows:

- ward profiles: one A4 page per ward (HTML and/or PDF), indicators.csv and an index page (`python -m etl
  profiles`, and the Ward profile page's "all wards" button);
- the participation scrutiny report as committee papers: HTML, PDF, its tables as CSV, representation.csv and
  reach.csv (`python -m etl report`).

    python -m etl profiles --db data/thurrock.duckdb --out profiles/ [--format html,pdf] [--ward CODE]
    python -m etl report --db data/thurrock.duckdb --out papers/ [--kind K] [--channel C] [--from D] [--to D]

Reads the database through data_access (chosen with `data_access.use_database`, the environment left
alone) and the cached profiles of services.profiles, so a file reads exactly as the page does; outside a
Streamlit server the caches fall back to memory. Engagement is unfiltered; counts of people are
disclosure-controlled as in the app.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import data_access as da
from geo.disclosure import DisclosurePolicy
from render import report, ward_map
from render import scrutiny_report as sr
from render.attribution import ATTRIBUTION
from services import captions, said, scrutiny_report
from services.profiles import indicator_values, profile_inputs, ward_profile

FORMATS = ("html", "pdf")


def parse_formats(text: str) -> tuple[str, ...]:
    """'html,pdf' → ('html', 'pdf'); anything else is an error."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ValueError(f"--format takes html, pdf or html,pdf (got {text!r})")
    return chosen


@contextlib.contextmanager
def _quiet_bare_mode() -> Iterator[None]:
    """Streamlit's "no runtime" cache warnings quietened for the duration (they mean nothing to a CLI user)."""
    from streamlit.runtime.caching import cache_data_api  # creates the logger whose level is set below

    logger = logging.getLogger(cache_data_api.__name__)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _write_ward(code: str, geometry, meta: dict, out: Path, formats: tuple[str, ...], policy) -> dict:
    """One ward's profile files; returns its index entry."""
    profile = ward_profile(code)
    html_text = report.profile_html(profile, meta, ward_map.ward_map_png(geometry, code), ATTRIBUTION, policy,
                                    said=said.said_here((code,), policy=policy))
    stem = f"{code}-{report.slug(profile.name)}"
    entry = {"code": code, "name": profile.name}
    if "html" in formats:
        (out / f"{stem}.html").write_text(html_text, encoding="utf-8")
        entry["html"] = f"{stem}.html"
    if "pdf" in formats:
        (out / f"{stem}.pdf").write_bytes(report.profile_pdf(html_text))
        entry["pdf"] = f"{stem}.pdf"
    return entry


def export_profiles(db: Path, out: Path, formats: tuple[str, ...] = FORMATS, wards: list[str] | None = None,
                    say: Callable[[str], None] = print) -> list[dict]:
    """Write the profiles, indicators.csv and index.html; returns one entry per ward written.

    Raises FileNotFoundError if `db` is missing and KeyError for an unknown ward code.
    """
    db = Path(db).resolve()
    if not db.is_file():
        raise FileNotFoundError(db)
    with da.use_database(db), _quiet_bare_mode():
        started = time.perf_counter()
        meta = da.meta()
        inputs = profile_inputs()
        names = dict(zip(inputs.wards["ward_code"], inputs.wards["ward_name"], strict=True))
        codes = list(wards) if wards else list(inputs.wards["ward_code"])  # wards() is ordered by name
        unknown = [c for c in codes if c not in names]
        if unknown:
            raise KeyError(f"no ward {', '.join(unknown)} in {db.name}")
        geometry = da.ward_geometry_bng().merge(inputs.wards[["ward_code", "ward_name"]], on="ward_code")
        out.mkdir(parents=True, exist_ok=True)
        say(f"Exporting {len(codes)} ward profile(s) of {meta.get('council', '')} from {db} to {out} "
            f"({', '.join(formats)})")
        entries = []
        for i, code in enumerate(codes, 1):
            t = time.perf_counter()
            entries.append(_write_ward(code, geometry, meta, out, formats, inputs.policy))
            say(f"  [{i}/{len(codes)}] {entries[-1]['name']} ({code}): {', '.join(entries[-1][f] for f in formats)} "
                f"({time.perf_counter() - t:.1f}s)")
        (out / "indicators.csv").write_text(report.indicators_csv(indicator_values(policy=inputs.policy), names),
                                            encoding="utf-8")
        (out / "index.html").write_text(report.index_html(meta, entries, ATTRIBUTION, policy=inputs.policy),
                                        encoding="utf-8")
        say(f"Wrote indicators.csv and index.html; {len(entries)} ward(s) in {time.perf_counter() - started:.1f}s.")
    return entries


def _missing_database(db: Path) -> int:
    """Say a command's database is missing (exit status 2)."""
    print(f"Database not found: {Path(db).resolve()}. Build one first with `python -m etl build --config …` "
          "or `python -m etl demo`.", file=sys.stderr)
    return 2


def run(db: Path, out: Path, formats: str = "html,pdf", wards: list[str] | None = None) -> int:
    """The command: 0 on success, 2 with a message on stderr when the input is wrong."""
    try:
        chosen = parse_formats(formats)
        export_profiles(db, out, chosen, wards)
    except FileNotFoundError:
        return _missing_database(db)
    except (KeyError, ValueError) as exc:
        print(f"Profiles not written: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    return 0


def profiles_archive(db: Path, formats: tuple[str, ...] = ("html", "pdf")) -> bytes:
    """Every ward's profile, indicators.csv and index.html as one zip (the app's "all wards" button)."""
    with tempfile.TemporaryDirectory() as tmp:
        export_profiles(db, Path(tmp), formats, say=lambda _message: None)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(Path(tmp).iterdir()):
                archive.write(file, file.name)
    return buffer.getvalue()


# --- `python -m etl report`: the scrutiny report as committee papers ----------------------------------------------

REPORT_FILES = ("participation-scrutiny.html", "participation-scrutiny.pdf", "participation-scrutiny.csv",
                "representation.csv", "reach.csv")


def write_scrutiny_report(db: Path, out: Path, flt: da.EngagementFilter = da.EngagementFilter(),
                          target: float = 20.0, say: Callable[[str], None] = print) -> list[Path]:
    """Write the scrutiny report (HTML, PDF, its tables as CSV) and representation.csv and reach.csv for `flt`,
    from the same view model as the Participation page (services.scrutiny_report); returns the files written."""
    db = Path(db).resolve()
    if not db.is_file():
        raise FileNotFoundError(db)
    with da.use_database(db), _quiet_bare_mode():
        policy = DisclosurePolicy.from_env()
        meta = da.meta()
        report = scrutiny_report.build(target, flt, policy)
        html = sr.report_html(f"Participation scrutiny report — {meta['council']}", report.sections,
                              about=captions.report_about(meta, flt),
                              footer=captions.report_footer("age", "engagement"))
        contents = {REPORT_FILES[0]: html, REPORT_FILES[1]: sr.report_pdf(html),
                    REPORT_FILES[2]: sr.report_csv(report.sections),
                    REPORT_FILES[3]: scrutiny_report.representation_csv(flt, policy),
                    REPORT_FILES[4]: scrutiny_report.reach_csv(flt, policy)}
    out.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        target_path = out / name
        target_path.write_bytes(content) if isinstance(content, bytes) else target_path.write_text(content,
                                                                                                  encoding="utf-8")
    say(f"Wrote {', '.join(contents)} to {out} ({captions.filter_summary(flt)}; target {target:,.0f} per 1,000).")
    return [out / name for name in contents]


def run_report(db: Path, out: Path, flt: da.EngagementFilter, target: float) -> int:
    """The `report` command: 0 on success, 2 with a message on stderr when the database is missing."""
    try:
        write_scrutiny_report(db, out, flt, target)
    except FileNotFoundError:
        return _missing_database(db)
    return 0
