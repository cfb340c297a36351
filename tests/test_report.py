"""Printable profiles (render/report.py) and `python -m etl profiles` on the demo borough and on real Thurrock.

The page must carry every headline figure of the Profile it renders, the synthetic-data
warning and the attributions; the PDF must be exactly one A4 page; no printed count of
people may lie between 1 and 9; the CSV must match data_access.indicator_values().
"""

from __future__ import annotations

import html
import io
import re
import struct
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from etl.__main__ import main
from geo import indicators
from geo.disclosure import DEFAULT_POLICY, no_small_counts
from render import report, ward_map

ATTRIBUTION_START = "Contains OS data © Crown copyright"
COUNT_CELL = re.compile(r'<td class="[^"]*\bcount\b[^"]*">([^<]*)</td>')


# --- helpers ---------------------------------------------------------------------------------

def inflated(pdf: bytes) -> bytes:
    """The PDF's bytes followed by every stream inflated (WeasyPrint packs objects into compressed streams)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            chunks.append(zlib.decompressobj().decompress(pdf[match.end():]))
        except zlib.error:
            continue
    return b"\n".join(chunks)


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF: pypdf if installed, else "/Type /Page" objects (not the "/Type /Pages" tree) counted."""
    try:
        from pypdf import PdfReader
    except ImportError:
        return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", inflated(pdf)))
    return len(PdfReader(io.BytesIO(pdf)).pages)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def printed_counts(page: str) -> list[str]:
    """The text of every cell the page marks as a count of people."""
    return COUNT_CELL.findall(page)


def assert_counts_safe(page: str) -> None:
    cells = printed_counts(page)
    assert cells, "no count cells found"
    for cell in cells:
        text = html.unescape(cell).strip()
        if text == DEFAULT_POLICY.label:
            continue
        value = float(text.replace(",", ""))
        assert value == 0 or value >= DEFAULT_POLICY.threshold, f"small count printed: {text}"


@pytest.fixture()
def demo(app_env):
    """(data_access, profile inputs, meta, names) on the demo database."""
    import data_access as da
    import services as sv

    inputs = sv.profile_inputs()
    names = dict(zip(inputs.wards["ward_code"], inputs.wards["ward_name"], strict=True))
    return da, inputs, da.meta(), names


@pytest.fixture()
def attribution() -> str:
    from render.attribution import ATTRIBUTION

    return ATTRIBUTION


# --- the map ---------------------------------------------------------------------------------

def test_ward_map_is_a_png_from_grid_or_wgs84_geometry(demo):
    da, inputs, _, _ = demo
    code = inputs.wards["ward_code"].iloc[0]
    bng = da.ward_geometry_bng().merge(inputs.wards[["ward_code", "ward_name"]], on="ward_code")
    for frame in (bng, inputs.wards):  # EPSG:27700 as given; WGS84 projected to it
        png = ward_map.ward_map_png(frame, code)
        assert png_size(png) == (600, 450)
        assert len(png) > 5_000
    with pytest.raises(ValueError, match="CRS"):
        ward_map.ward_map_png(gpd.GeoDataFrame(inputs.wards.drop(columns="geometry"),
                                             geometry=list(inputs.wards.geometry), crs=None), code)
    with pytest.raises(KeyError):
        ward_map.ward_map_png(bng, "E00000000")


def test_ward_map_keeps_true_proportions():
    """A 2 km × 1 km ward in EPSG:27700 is drawn twice as wide as it is tall (no WGS84 stretch)."""
    wards = gpd.GeoDataFrame({"ward_code": ["A", "B"], "ward_name": ["Wide", "Next"]},
                             geometry=[shapely.box(500_000, 200_000, 502_000, 201_000),
                                       shapely.box(502_000, 200_000, 503_000, 201_000)], crs="EPSG:27700")
    png = ward_map.ward_map_png(wards, "A")
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(png))[..., :3]
    fill = np.array([0x3B, 0x52, 0x8B]) / 255
    mask = (np.abs(pixels - fill) < 0.02).all(axis=2)
    rows, cols = np.nonzero(mask)
    width, height = cols.max() - cols.min(), rows.max() - rows.min()
    assert width / height == pytest.approx(2.0, rel=0.05)


# --- the HTML page ---------------------------------------------------------------------------

def test_every_profile_page_carries_its_figures_warning_and_attribution(demo, attribution):
    from geo.profile import build_profile

    _, inputs, meta, names = demo
    assert meta["synthetic"]
    for code, name in names.items():
        prof = build_profile(inputs, code)
        page = report.profile_html(prof, meta, None, attribution)
        assert html.escape(name) in page
        assert html.escape(meta["council"]) in page
        for column in ("This ward", "Borough", "England", "Compared with the borough",
                       "Rank among wards (1 = highest)"):
            for value in prof.headline[column]:
                assert html.escape(value) in page, (name, column, value)
        for indicator in prof.headline["Indicator"]:
            assert html.escape(indicator) in page
        for sentence in prof.summary:
            assert html.escape(sentence) in page
        for source, date in zip(prof.headline["Source"], prof.headline["Date"], strict=True):
            assert html.escape(source) in page and html.escape(date) in page
        for similar in prof.similar["Ward"]:
            assert html.escape(similar) in page
        assert "Synthetic data." in page and html.escape(report.SYNTHETIC_WARNING[1]) in page
        assert html.escape(attribution) in page and ATTRIBUTION_START in page
        assert "<script" not in page.lower()
        assert not re.search(r'(src|href)="(https?:)?//', page), "the page must not load anything"
        assert "@page { size: A4; margin: 12mm; }" in page
        assert_counts_safe(page)


def test_page_embeds_the_map_and_escapes_text(demo, attribution):
    from geo.profile import build_profile

    da, inputs, meta, _ = demo
    code = inputs.wards["ward_code"].iloc[0]
    prof = build_profile(inputs, code)
    prof.name = "Smith's <Ward> & Co"
    png = ward_map.ward_map_png(inputs.wards, code)
    page = report.profile_html(prof, meta, png, attribution)
    assert "Smith&#x27;s &lt;Ward&gt; &amp; Co" in page and "<Ward>" not in page
    assert 'src="data:image/png;base64,' in page
    real = report.profile_html(prof, {**meta, "synthetic": False}, None, attribution)
    assert "Synthetic data" not in real


def test_composition_counts_are_protected_before_printing():
    comp = pd.DataFrame({"Group": ["A", "B", "C", "D"], "Residents": [3.0, 500.0, 40.0, 0.0],
                         "Ward %": [0.6, 92.0, 7.4, 0.0], "Borough %": [1.0, 90.0, 8.0, 1.0]})
    table = report.composition_table(comp).set_index("Group")
    assert np.isnan(table.at["A", "Residents"]) and np.isnan(table.at["A", "Ward %"])  # primary: 1–9
    assert np.isnan(table.at["C", "Residents"]) and np.isnan(table.at["C", "Ward %"])  # secondary: smallest other
    assert table.at["B", "Residents"] == 500 and table.at["D", "Residents"] == 0
    assert no_small_counts(table["Residents"])
    page = report._composition_html("Test", table.reset_index(), DEFAULT_POLICY)
    assert printed_counts(page) == ["hidden", "500", "hidden", "0"]  # C (40) is hidden too: not "<10"


def test_no_exported_table_has_a_small_count(demo):
    from geo.profile import build_profile

    _, inputs, _, names = demo
    for code in names:
        tables = report.report_tables(build_profile(inputs, code))
        for dim in ("age", "ethnicity", "sex", "disability"):
            if dim in tables:
                assert no_small_counts(tables[dim]["Residents"]), (code, dim)
        residents = tables["headline"].set_index("Indicator").loc["Residents", ["This ward", "Borough"]]
        assert no_small_counts(residents.str.replace(",", "").astype(float))


# --- PDF and CSV -----------------------------------------------------------------------------

def test_pdf_is_one_a4_page_even_when_the_page_is_long(demo, attribution):
    from geo.profile import build_profile

    _, inputs, meta, _ = demo
    prof = build_profile(inputs, inputs.wards["ward_code"].iloc[0])
    page = report.profile_html(prof, meta, ward_map.ward_map_png(inputs.wards, prof.code), attribution)
    pdf = report.profile_pdf(page)
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == 1
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+595\.\d*\s+841\.\d*", inflated(pdf))  # A4 in points
    longer = page.replace("</footer>", "<p>" + "More notes to print. " * 400 + "</p></footer>")
    assert pdf_pages(report.profile_pdf(longer)) == 1  # the type is set smaller rather than run over


def test_indicators_csv_matches_the_indicator_values(demo):
    import services as sv

    da, _, _, names = demo
    values = sv.indicator_values()
    text = report.indicators_csv(values, names)
    assert text.splitlines()[0].startswith("Code,Area,")
    csv = pd.read_csv(io.StringIO(text), dtype={"Code": str})
    expected_rows = list(names) + [indicators.BOROUGH] + ([indicators.ENGLAND] if indicators.ENGLAND in values.index
                                                          else [])
    assert sorted(csv["Code"]) == sorted(expected_rows) and len(csv) == len(expected_rows)
    assert dict(zip(csv["Code"], csv["Area"], strict=True))[list(names)[0]] == names[list(names)[0]]
    csv = csv.set_index("Code")
    for ind in indicators.INDICATORS:
        column = f"{ind.label} ({ind.unit})"
        assert column in csv.columns
        for code in expected_rows:
            want, got = values.at[code, ind.key], csv.at[code, column]
            if pd.isna(want):
                assert pd.isna(got), (code, column)
            else:
                assert got == pytest.approx(round(float(want), ind.decimals), abs=0.51 * 10 ** -ind.decimals)
    assert no_small_counts(csv["Residents (people)"])


# --- the command -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_export(demo_db, tmp_path_factory) -> tuple[Path, str]:
    """`python -m etl profiles` on the demo database: every ward, HTML and PDF."""
    out = tmp_path_factory.mktemp("profiles")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WARDSCOPE_DB", str(demo_db))
        captured = io.StringIO()
        import contextlib

        with contextlib.redirect_stdout(captured):
            assert main(["profiles", "--db", str(demo_db), "--out", str(out), "--format", "html,pdf"]) == 0
    return out, captured.getvalue()


def test_cli_writes_a_page_and_pdf_per_ward_the_csv_and_an_index(demo_export, demo_db):
    from vocabulary.duck import connect

    out, printed = demo_export
    con = connect(demo_db, read_only=True)
    wards = con.execute("SELECT ward_code, ward_name FROM wards ORDER BY ward_name").fetchall()
    con.close()
    assert len(wards) == 20
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="indicators.csv"' in index and "Synthetic data." in index
    for code, name in wards:
        stem = f"{code}-{report.slug(name)}"
        page = (out / f"{stem}.html").read_text(encoding="utf-8")
        assert html.escape(name) in page
        assert_counts_safe(page)
        pdf = (out / f"{stem}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == 1, stem
        assert f'href="{stem}.html"' in index and f'href="{stem}.pdf"' in index
        assert f"{name} ({code})" in printed  # progress
    csv = pd.read_csv(out / "indicators.csv", dtype={"Code": str})
    assert len(csv) == 21 and set(csv["Code"]) == {c for c, _ in wards} | {indicators.BOROUGH}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{c}-{report.slug(n)}.{ext}" for c, n in wards for ext in ("html", "pdf")] + ["index.html", "indicators.csv"])


def test_cli_one_ward_html_only(demo_db, tmp_path, monkeypatch):
    monkeypatch.setenv("WARDSCOPE_DB", "/elsewhere.duckdb")
    assert main(["profiles", "--db", str(demo_db), "--out", str(tmp_path), "--format", "html",
                 "--ward", "E05900003"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["E05900003-bramley.html", "index.html", "indicators.csv"]
    import os

    assert os.environ["WARDSCOPE_DB"] == "/elsewhere.duckdb"  # restored after the command


def test_cli_refuses_a_missing_database_unknown_ward_or_format(demo_db, tmp_path, capsys):
    missing = tmp_path / "nope.duckdb"
    assert main(["profiles", "--db", str(missing), "--out", str(tmp_path / "out")]) == 2
    assert "Database not found" in capsys.readouterr().err and not (tmp_path / "out").exists()
    assert main(["profiles", "--db", str(demo_db), "--out", str(tmp_path / "out"), "--ward", "E00000000"]) == 2
    assert "no ward E00000000" in capsys.readouterr().err
    assert main(["profiles", "--db", str(demo_db), "--out", str(tmp_path / "out"), "--format", "docx"]) == 2
    assert "--format" in capsys.readouterr().err


# --- real data -------------------------------------------------------------------------------

def test_every_thurrock_ward_exports_to_html_and_one_page_pdf(thurrock_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WARDSCOPE_DB", str(thurrock_db))
    assert main(["profiles", "--db", str(thurrock_db), "--out", str(tmp_path), "--format", "html,pdf"]) == 0
    pages = sorted(tmp_path.glob("E05*.html"))
    pdfs = sorted(tmp_path.glob("E05*.pdf"))
    assert len(pages) == len(pdfs) == 20
    small_hidden = False
    for page_path, pdf_path in zip(pages, pdfs, strict=True):
        page = page_path.read_text(encoding="utf-8")
        assert len(page) > 10_000 and "Thurrock" in page
        assert "The engagement figures (activities and responses) are invented" in page  # real census, fake engagement
        assert "England" in page and "Indices of Deprivation" in page
        assert_counts_safe(page)
        small_hidden |= "hidden" in printed_counts(page)
        pdf = pdf_path.read_bytes()
        assert pdf.startswith(b"%PDF") and len(pdf) > 20_000 and pdf_pages(pdf) == 1, pdf_path.name
    assert small_hidden, "Thurrock's small ethnic groups should be hidden somewhere"
    csv = pd.read_csv(tmp_path / "indicators.csv", dtype={"Code": str})
    assert len(csv) == 22 and list(csv["Code"][-2:]) == [indicators.BOROUGH, indicators.ENGLAND]
