"""`python -m etl profiles`: a printable profile of every ward, the indicators CSV and an index page.

    python -m etl profiles --db data/thurrock.duckdb --out profiles/ [--format html,pdf] [--ward CODE]

Writes, in --out: `<ward_code>-<slug>.html` and/or `.pdf` for each ward (one A4 page,
rendered by geo/report.py from the same `Profile` the ward page shows), `indicators.csv`
(every indicator for every ward, the borough and England) and `index.html` linking them.
Reads the database through data_access.py in "bare mode" (no Streamlit server: its caches
fall back to memory), with WARDSCOPE_DB pointed at --db for the duration of the command.
Engagement is unfiltered; counts of people are disclosure-controlled as in the app.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

FORMATS = ("html", "pdf")


def parse_formats(text: str) -> tuple[str, ...]:
    """'html,pdf' → ('html', 'pdf'); anything else is an error."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise ValueError(f"--format takes html, pdf or html,pdf (got {text!r})")
    return chosen


@contextlib.contextmanager
def _database(db: Path) -> Iterator[None]:
    """WARDSCOPE_DB set to `db` (restored afterwards) and Streamlit's bare-mode cache warnings quietened."""
    before = os.environ.get("WARDSCOPE_DB")
    os.environ["WARDSCOPE_DB"] = str(db)
    from streamlit.runtime.caching import cache_data_api  # creates the logger whose level is set below

    levels = [(lg, lg.level) for lg in (logging.getLogger(cache_data_api.__name__),)]
    try:
        for lg, _ in levels:
            lg.setLevel(logging.ERROR)
        yield
    finally:
        for lg, level in levels:
            lg.setLevel(level)
        if before is None:
            os.environ.pop("WARDSCOPE_DB", None)
        else:
            os.environ["WARDSCOPE_DB"] = before


def export_profiles(db: Path, out: Path, formats: tuple[str, ...] = FORMATS, wards: list[str] | None = None,
                    say: Callable[[str], None] = print) -> list[dict]:
    """Write the profiles, indicators.csv and index.html; returns one entry per ward written.

    Raises FileNotFoundError if `db` is missing and KeyError for an unknown ward code.
    """
    db = Path(db).resolve()
    if not db.is_file():
        raise FileNotFoundError(db)
    with _database(db):
        import data_access as da  # after WARDSCOPE_DB is set: the module reads it on every call
        from geo import report
        from geo.attribution import ATTRIBUTION

        started = time.perf_counter()
        meta = da.meta()
        inputs = da.profile_inputs()
        names = dict(zip(inputs.wards["ward_code"], inputs.wards["ward_name"], strict=True))
        codes = list(wards) if wards else list(inputs.wards["ward_code"])  # wards() is ordered by name
        unknown = [c for c in codes if c not in names]
        if unknown:
            raise KeyError(f"no ward {', '.join(unknown)} in {db.name}")
        geometry = None
        if "html" in formats or "pdf" in formats:
            geometry = da.ward_geometry_bng().merge(inputs.wards[["ward_code", "ward_name"]], on="ward_code")
        out.mkdir(parents=True, exist_ok=True)
        say(f"Exporting {len(codes)} ward profile(s) of {meta.get('council', '')} from {db} to {out} "
            f"({', '.join(formats)})")
        entries = []
        for i, code in enumerate(codes, 1):
            t = time.perf_counter()
            profile = da.ward_profile(code)
            html_text = report.profile_html(profile, meta, report.ward_map_png(geometry, code), ATTRIBUTION,
                                            inputs.policy)
            stem = f"{code}-{report.slug(profile.name)}"
            entry = {"code": code, "name": profile.name}
            if "html" in formats:
                (out / f"{stem}.html").write_text(html_text, encoding="utf-8")
                entry["html"] = f"{stem}.html"
            if "pdf" in formats:
                (out / f"{stem}.pdf").write_bytes(report.profile_pdf(html_text))
                entry["pdf"] = f"{stem}.pdf"
            entries.append(entry)
            say(f"  [{i}/{len(codes)}] {profile.name} ({code}): {', '.join(entry[f] for f in formats)} "
                f"({time.perf_counter() - t:.1f}s)")
        (out / "indicators.csv").write_text(report.indicators_csv(da.indicator_values(policy=inputs.policy), names),
                                            encoding="utf-8")
        (out / "index.html").write_text(report.index_html(meta, entries, ATTRIBUTION), encoding="utf-8")
        say(f"Wrote indicators.csv and index.html; {len(entries)} ward(s) in {time.perf_counter() - started:.1f}s.")
    return entries


def run(db: Path, out: Path, formats: str = "html,pdf", wards: list[str] | None = None) -> int:
    """The command: 0 on success, 2 with a message on stderr when the input is wrong."""
    try:
        chosen = parse_formats(formats)
        export_profiles(db, out, chosen, wards)
    except FileNotFoundError:
        print(f"Database not found: {Path(db).resolve()}. Build one first with `python -m etl build --config …` "
              "or `python -m etl demo`.", file=sys.stderr)
        return 2
    except (KeyError, ValueError) as exc:
        print(f"Profiles not written: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    return 0


def profiles_archive(db: Path, formats: tuple[str, ...] = ("html", "pdf")) -> bytes:
    """Every ward's profile, indicators.csv and index.html as one zip (the app's "all wards" button)."""
    import io
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as tmp:
        export_profiles(db, Path(tmp), formats, say=lambda _message: None)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(Path(tmp).iterdir()):
                archive.write(file, file.name)
    return buffer.getvalue()
