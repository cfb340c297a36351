"""Printable ward profiles: a static map, one self-contained HTML page, its PDF, and the indicators CSV.

Everything here renders a `geo.profile.Profile` (the same object the ward page shows), so a
figure cannot differ between screen and paper. Plain functions: no Streamlit, no SQL.

- `ward_map_png`: the ward filled, its neighbours outlined and named, drawn with matplotlib
  (Agg, no basemap tiles, nothing fetched). Geometry in EPSG:27700 (British National Grid,
  metres) is drawn as given, so shapes keep their true proportions and the scale bar is
  exact; geographic geometry (e.g. the app's WGS84 display geometry) is projected to
  EPSG:27700 first. A frame without a CRS is refused.
- `profile_html`: one HTML page with inline CSS, the map as a base64 data URI and simple
  inline-SVG bars; no JavaScript, no external files, readable in black and white (values
  are printed beside every bar; the ward is a solid bar, the borough a tick). Sized to
  print on one A4 page.
- `profile_pdf`: the page through WeasyPrint; the type is stepped down if needed so the
  profile always fits one A4 page.
- `indicators_csv`: every indicator for every ward, the borough and England, one row each.

Disclosure: headline rates arrive protected (geo.indicators). The only counts of people
the profile carries unprotected are the residents in each composition group; they are
passed through `geo.disclosure.protect_counts` here (1–9 hidden, secondary cells
hidden) and a ward percentage is hidden with its count. In the HTML every cell holding a
count of people has the class "count", so tests can check what was printed.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import textwrap
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import indicators
from geo.disclosure import DEFAULT_POLICY, DisclosurePolicy, format_count, protect_counts
from geo.profile import Profile

FOCUS_FILL = "#3b528b"
MAP_ATTRIBUTION = "Contains OS data © Crown copyright and database right 2014"
BNG = "EPSG:27700"
#: The synthetic-data notice, as on the app's pages (ui.header): whole borough, or engagement only.
SYNTHETIC_WARNING = ("Synthetic data.", "These figures describe an invented borough made by Wardscope's demo "
                     "generator. They are not real people or real responses.")
SYNTHETIC_ENGAGEMENT_WARNING = ("Synthetic data.", "The engagement figures (activities and responses) are invented by "
                                "Wardscope's demo generator for real postcodes; they are not real responses. "
                                "Boundaries, census and deprivation figures are real.")
COMPOSITION_TITLES = {"age": "Age", "ethnicity": "Ethnic group", "sex": "Sex", "disability": "Disability"}


# --- map ------------------------------------------------------------------------------------

def _in_metres(wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if wards.crs is None:
        raise ValueError("ward_map_png needs geometry with a CRS (EPSG:27700 preferred, or WGS84)")
    return wards.to_crs(BNG) if wards.crs.is_geographic else wards


def _nice_length(target: float) -> float:
    """The round length (1, 2 or 5 × 10^n metres) at or below `target`."""
    power = 10 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target)


def ward_map_png(wards: gpd.GeoDataFrame, code: str, width_px: int = 600, height_px: int = 450) -> bytes:
    """A static PNG of ward `code` (filled) among the wards around it (outlined, named).

    `wards` needs ward_code and geometry, optionally ward_name (for labels). EPSG:27700 is
    drawn as given (true proportions, exact scale bar); a geographic CRS is projected to
    EPSG:27700 first. Only the ward and wards within the frame are drawn; no basemap.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle
    from shapely.geometry import box

    frame = _in_metres(wards)
    focus = frame[frame["ward_code"] == code]
    if focus.empty:
        raise KeyError(f"ward {code!r} is not in the frame")
    minx, miny, maxx, maxy = focus.total_bounds
    w, h = maxx - minx, maxy - miny
    pad = 0.3 * max(w, h, 200.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = w / 2 + pad, h / 2 + pad
    aspect = width_px / height_px
    if half_w / half_h < aspect:
        half_w = half_h * aspect
    else:
        half_h = half_w / aspect
    view = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    window = box(*view)
    around = frame[frame.intersects(window) & (frame["ward_code"] != code)]

    # 4 × 3 inches: printed about 84 mm wide, so the type below prints at roughly 0.83 × its size.
    dpi = width_px / 4
    fig = Figure(figsize=(4, 4 * height_px / width_px), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    if not around.empty:
        around.plot(ax=ax, facecolor="#f4f4f4", edgecolor="#555555", linewidth=0.8)
    focus.plot(ax=ax, facecolor=FOCUS_FILL, edgecolor="#000000", linewidth=1.6)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect("equal")

    if "ward_name" in frame:
        # Labels keep clear of the edges and of the scale bar (bottom left) and credit (bottom right).
        inner = box(view[0] + 0.06 * 2 * half_w, view[1] + 0.16 * 2 * half_h,
                    view[2] - 0.06 * 2 * half_w, view[3] - 0.05 * 2 * half_h)
        renderer = FigureCanvasAgg(fig).get_renderer()
        placed = []

        def label(x: float, y: float, text: str, **style) -> None:
            """Draw a label unless it would overlap one already drawn."""
            artist = ax.text(x, y, textwrap.fill(text, 16), ha="center", va="center", linespacing=1.0, **style)
            extent = artist.get_window_extent(renderer)
            frame_px = ax.get_window_extent(renderer)
            dx = max(frame_px.x0 + 3 - extent.x0, 0) - max(extent.x1 - (frame_px.x1 - 3), 0)
            dy = max(frame_px.y0 + 3 - extent.y0, 0) - max(extent.y1 - (frame_px.y1 - 3), 0)
            if dx or dy:  # keep the whole label inside the frame
                per_px = (2 * half_w) / frame_px.width
                artist.set_position((x + dx * per_px, y + dy * per_px))
                extent = artist.get_window_extent(renderer)
            extent = extent.expanded(1.05, 1.1)
            if any(extent.overlaps(other) for other in placed):
                artist.remove()
            else:
                placed.append(extent)

        pt = focus.geometry.iloc[0].intersection(inner).representative_point() \
            if focus.geometry.iloc[0].intersects(inner) else focus.geometry.iloc[0].representative_point()
        label(pt.x, pt.y, str(focus["ward_name"].iloc[0]), fontsize=8.5, fontweight="bold", color="white",
              bbox={"boxstyle": "round,pad=0.2", "facecolor": FOCUS_FILL, "edgecolor": "none"})
        parts = [(row.geometry.intersection(inner), str(row["ward_name"])) for _, row in around.iterrows()]
        for part, name in sorted(parts, key=lambda p: -p[0].area):  # larger areas have first claim on space
            if part.is_empty or part.area < 0.01 * (2 * half_w) * (2 * half_h):
                continue
            pt = part.representative_point()
            label(pt.x, pt.y, name, fontsize=6.5, color="#222222",
                  bbox={"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.75})

    # Scale bar (metres, exact in EPSG:27700) and a north note, bottom left.
    length = _nice_length(0.25 * 2 * half_w)
    x0, y0 = view[0] + 0.04 * 2 * half_w, view[1] + 0.07 * 2 * half_h
    bar_h = 0.012 * 2 * half_h
    ax.add_patch(Rectangle((x0, y0), length / 2, bar_h, facecolor="black", edgecolor="black", linewidth=0.8))
    ax.add_patch(Rectangle((x0 + length / 2, y0), length / 2, bar_h, facecolor="white", edgecolor="black",
                           linewidth=0.8))
    scale_text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    halo = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.75}
    ax.text(x0, y0 + 1.8 * bar_h, "0", fontsize=7, va="bottom", ha="center", bbox=halo)
    ax.text(x0 + length, y0 + 1.8 * bar_h, scale_text, fontsize=7, va="bottom", ha="center", bbox=halo)
    ax.text(x0, y0 - 1.2 * bar_h, "Grid north is up", fontsize=6.5, va="top", ha="left", color="#333333", bbox=halo)
    fig.text(0.995, 0.008, MAP_ATTRIBUTION, fontsize=5.5, ha="right", va="bottom", color="#222222",
             bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    fig.patch.set_facecolor("white")
    ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, edgecolor="#999999", linewidth=1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


# --- tables as printed ----------------------------------------------------------------------

def composition_table(comp: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """A composition (Group, Residents, Ward %, Borough %) with its resident counts protected.

    Residents becomes NaN where hidden (printed "hidden"), a "Total" row is added, and the
    ward percentage is hidden with its count (a share of a known total reveals the count).
    """
    counts = pd.Series(comp["Residents"].to_numpy(dtype=float), index=comp["Group"].astype(str))
    protected = protect_counts(counts.round(0), policy, total=True)
    out = pd.DataFrame({"Group": list(protected.index), "Residents": protected.to_numpy()})
    ward_pct = dict(zip(comp["Group"].astype(str), comp["Ward %"], strict=True))
    borough_pct = dict(zip(comp["Group"].astype(str), comp["Borough %"], strict=True))
    out["Ward %"] = [100.0 if g == "Total" else ward_pct.get(g) for g in out["Group"]]
    out["Borough %"] = [100.0 if g == "Total" else borough_pct.get(g) for g in out["Group"]]
    out["Ward %"] = out["Ward %"].astype(float).where(out["Residents"].notna())
    out["Borough %"] = out["Borough %"].astype(float)
    return out


def report_tables(profile: Profile, policy: DisclosurePolicy = DEFAULT_POLICY) -> dict[str, pd.DataFrame]:
    """Every table the printed profile shows, as data (counts of people already protected)."""
    tables = {"headline": profile.headline.drop(columns=["Source", "Date"], errors="ignore")}
    for dim, comp in profile.compositions.items():
        tables[dim] = composition_table(comp, policy)
    if not profile.deprivation.empty:
        tables["deprivation"] = profile.deprivation
    tables["assets"] = profile.assets
    tables["similar"] = profile.similar
    return tables


# --- HTML -----------------------------------------------------------------------------------

def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _pct(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.1f}"


def _bar(ward: float | None, borough: float | None, scale: float, width: int = 60) -> str:
    """Inline SVG: the ward's share as a solid bar, the borough's as a black tick (no colour needed)."""
    height = 9
    parts = [f'<svg class="bar" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             'xmlns="http://www.w3.org/2000/svg" aria-hidden="true">']
    if ward is not None and pd.notna(ward) and scale > 0:
        parts.append(f'<rect x="0" y="1.5" width="{min(ward / scale, 1) * width:.1f}" height="6" '
                     f'fill="{FOCUS_FILL}"/>')
    if borough is not None and pd.notna(borough) and scale > 0:
        x = min(max(borough / scale * width - 0.75, 0), width - 1.5)
        parts.append(f'<rect x="{x:.1f}" y="0" width="1.5" height="{height}" fill="#000"/>')
    parts.append("</svg>")
    return "".join(parts)


def _table(head: Iterable[str], rows: Iterable[Iterable[tuple[str, str]]], cls: str = "", align: str = "") -> str:
    """rows: sequences of (cell html, css class); align: one letter per column, "r" right-aligns its header."""
    th = "".join(f'<th class="num">{_e(h)}</th>' if align[i:i + 1] == "r" else f"<th>{_e(h)}</th>"
                 for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td class="{c}">{v}</td>' if c else f"<td>{v}</td>" for v, c in row)
                   + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def _composition_html(title: str, table: pd.DataFrame, policy: DisclosurePolicy, unit: str = "ward") -> str:
    """One composition without its Total row (the ward's residents are in the headline table)."""
    groups = table[table["Group"] != "Total"]
    scale = float(np.nanmax([groups["Ward %"].max(skipna=True), groups["Borough %"].max(skipna=True), 1.0]))
    rows = [[(_e(r["Group"]), ""), (_e(format_count(r["Residents"], policy)), "num count"),
             (_e(_pct(r["Ward %"]) or "hidden"), "num"), (_e(_pct(r["Borough %"])), "num"),
             (_bar(r["Ward %"], r["Borough %"], scale), "barcell")] for _, r in groups.iterrows()]
    return (f'<div class="block"><h3>{_e(title)}</h3>'
            + _table(["Group", "Residents", f"{unit.capitalize()} %", "Borough %", ""], rows, "comp", align="lrrrl")
            + "</div>")


def _assets_html(assets: pd.DataFrame, unit: str = "ward") -> tuple[str, float]:
    """Assets by category, two categories to a row to save space."""
    title = "<h3>Community assets (groups and places, not people)</h3>"
    if assets.empty:
        return f'<div class="block">{title}<p>No asset map loaded.</p></div>', 3.0
    cells = [[(_e(r["Category"]), ""), (_e(f"{r['In this ward']:,}"), "num"), (_e(f"{r['In the borough']:,}"), "num")]
             for _, r in assets.iterrows()]
    half = math.ceil(len(cells) / 2)
    rows = [cells[i] + (cells[i + half] if i + half < len(cells) else [("", ""), ("", ""), ("", "")])
            for i in range(half)]
    head = ["Category", unit.capitalize(), "Borough"]
    return (f'<div class="block">{title}' + _table(head + head, rows, "assets", align="lrrlrr") + "</div>",
            half + 2.5)


def _balance(blocks: list[tuple[str, float]]) -> tuple[list[str], list[str]]:
    """Split blocks between two columns, each keeping reading order, so the longer column is as short as can be."""
    best, best_height = 0, float("inf")
    for mask in range(2 ** len(blocks)):
        sides = [sum(h for i, (_, h) in enumerate(blocks) if (mask >> i) & 1 == side) for side in (0, 1)]
        if mask & 1 == 0 and max(sides) < best_height:  # the first block always opens the left column
            best, best_height = mask, max(sides)
    return ([b for i, (b, _) in enumerate(blocks) if not (best >> i) & 1],
            [b for i, (b, _) in enumerate(blocks) if (best >> i) & 1])


def _headline_html(headline: pd.DataFrame, unit: str = "ward") -> str:
    rows = []
    for _, r in headline.iterrows():
        count_cls = " count" if r["Indicator"] == indicators.BY_KEY["residents"].label else ""
        rows.append([(_e(r["Indicator"]), ""), (_e(r["Unit"]), "unit"), (_e(r["This ward"]), "num strong" + count_cls),
                     (_e(r["Borough"]), "num"), (_e(r["England"]), "num"),
                     (_e(r["Compared with the borough"]), "cmp"),
                     (_e(r["Rank among wards (1 = highest)"]), "num")])
    return _table(["Indicator", "Unit", f"This {unit}", "Borough", "England", "Compared with borough",
                   "Rank (1 = highest)"], rows, "headline", align="llrrrlr")


def _sources_html(profile: Profile) -> str:
    lines, used = [], set()
    head = profile.headline
    if {"Source", "Date"} <= set(head.columns):
        for (source, date), group in head.groupby(["Source", "Date"], sort=False):
            if not source:
                continue
            used.add(source)
            when = f" ({_e(date)})" if date else ""
            lines.append(f"<li><b>{_e(source)}</b>{when}: {_e('; '.join(group['Indicator']))}.</li>")
    others = [s for s in profile.sources if s not in used]
    if others:
        lines.append(f"<li>Also used: {_e('; '.join(others))}.</li>")
    return "<ul class='sources'>" + "".join(lines) + "</ul>"


BASE_FONT_PT = 7.0
CSS = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
html { font-size: %(base)spt; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #111; margin: 0;
       line-height: 1.18; }
h1 { font-size: 2.3rem; margin: 0; line-height: 1.1; }
h2 { font-size: 1.2rem; margin: 2mm 0 0.6mm; border-bottom: 0.6pt solid #444; padding-bottom: 0.2mm; }
h3 { font-size: 1.05rem; margin: 1.4mm 0 0.3mm; }
p { margin: 0.5mm 0; }
header .sub { font-size: 1.05rem; color: #333; margin-top: 0.5mm; }
.warning { border: 1.2pt solid #000; background: #fff3cd; padding: 0.8mm 2mm; margin: 1.4mm 0 0;
           font-size: 1rem; }
.top { display: flex; gap: 4mm; margin-top: 1.6mm; }
.map { flex: 0 0 80mm; }
.map img { width: 80mm; height: 60mm; display: block; }
.caption { font-size: 0.9rem; color: #333; margin-top: 0.3mm; }
.intro { flex: 1 1 auto; min-width: 0; }
.intro h2 { margin-top: 0; }
.intro ul { margin: 0.5mm 0 0 0; padding-left: 3.5mm; }
.intro li { margin-bottom: 0.6mm; font-size: 1.05rem; }
.cols { display: flex; gap: 5mm; }
.col { flex: 1 1 0; min-width: 0; }
table { border-collapse: collapse; width: 100%%; }
th { text-align: left; font-weight: bold; border-bottom: 0.6pt solid #000; padding: 0.2mm 0.8mm;
     vertical-align: bottom; font-size: 0.92rem; }
td { border-bottom: 0.3pt solid #bbb; padding: 0.15mm 0.8mm; vertical-align: middle; }
th.num { text-align: right; }
td.num { text-align: right; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
td.strong { font-weight: bold; }
td.unit { color: #333; white-space: nowrap; }
td.cmp { font-style: italic; white-space: nowrap; }
td.total { font-weight: bold; }
td.barcell { width: 62px; padding: 0 0 0 1mm; }
table.assets td:nth-child(4), table.assets th:nth-child(4) { padding-left: 4mm; }
svg.bar { display: block; }
.note { font-size: 0.88rem; color: #333; margin-top: 0.4mm; }
.legend svg { display: inline; vertical-align: middle; }
footer { margin-top: 2mm; border-top: 0.6pt solid #444; padding-top: 0.6mm; font-size: 0.86rem; color: #222; }
footer ul.sources { margin: 0.3mm 0; padding-left: 3.5mm; columns: 2; column-gap: 6mm; }
footer ul.sources li { break-inside: avoid; }
footer p { margin: 0.4mm 0; }
"""


def synthetic_notice(meta: dict) -> tuple[str, str] | None:
    """(bold lead, text) of the synthetic-data warning for this database, or None for real data."""
    if not meta.get("synthetic"):
        return None
    return SYNTHETIC_ENGAGEMENT_WARNING if meta.get("synthetic_scope") == "engagement" else SYNTHETIC_WARNING


def profile_html(profile: Profile, meta: dict, map_png: bytes | None, attribution: str,
                 policy: DisclosurePolicy = DEFAULT_POLICY, engagement_note: str = "All engagement",
                 unit: str = "ward") -> str:
    """The profile as one self-contained HTML page sized for one A4 sheet (inline CSS and images, no JS).

    meta: the database's meta (council, built_at, synthetic); attribution: the licence text
    to print (the app's ui.ATTRIBUTION; geo/ cannot import ui); engagement_note: which
    responses the engagement rates count (e.g. ui.filter_summary of the sidebar filter); unit: "ward", or
    "area" for an area of wards (geo.profile.area_inputs), which changes the words, not the figures.
    """
    tables = report_tables(profile, policy)
    council = meta.get("council", "")
    built = str(meta.get("built_at", ""))[:10]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(profile.name)} {unit} profile — {_e(council)}</title>",
        f"<style>{CSS % {'base': BASE_FONT_PT}}</style></head><body>",
        f"<header><h1>{_e(profile.name)}</h1>",
        f'<div class="sub">{unit.capitalize()} profile · {_e(council)}'
        + (f" · ward code {_e(profile.code)}" if unit == "ward" else "")
        + (f" · database built {_e(built)}" if built else "") + "</div></header>",
    ]
    notice = synthetic_notice(meta)
    if notice:
        parts.append(f'<div class="warning" role="alert"><b>⚠ {_e(notice[0])}</b> {_e(notice[1])}</div>')

    map_html = ""
    if map_png:
        data = base64.b64encode(map_png).decode("ascii")
        map_html = (f'<div class="map"><img src="data:image/png;base64,{data}" '
                    f'alt="Map of {_e(profile.name)} (filled) and the {unit}s around it">'
                    f'<div class="caption">{_e(profile.name)} (filled) and the {unit}s around it (outlined).</div>'
                    "</div>")
    summary = "".join(f"<li>{_e(s)}</li>" for s in profile.summary)
    beside = [d for d in ("sex", "disability") if d in tables]
    if not beside and "age" in tables:  # no sex or disability tables: age fills the space beside the map
        beside = ["age"]
    small = [_composition_html(COMPOSITION_TITLES[d], tables[d], policy, unit) for d in beside]
    side = f'<h2>In short</h2><ul>{summary}</ul>' + "".join(small)
    parts.append(f'<section class="top">{map_html}<div class="intro">{side}</div></section>')

    parts.append("<h2>Headline indicators</h2>")
    parts.append(_headline_html(tables["headline"], unit))
    parts.append('<p class="note">Compared with borough: more than 10% better or worse than the borough, else '
                 "similar; blank where higher is neither better nor worse. “hidden or n/a”: too few people to show "
                 f"safely, or not available. Engagement: {_e(engagement_note)}.</p>")

    blocks: list[tuple[str, float]] = []  # (html, estimated height in table rows)
    if "age" in tables and "age" not in beside:
        blocks.append((_composition_html(COMPOSITION_TITLES["age"], tables["age"], policy, unit),
                       len(tables["age"]) + 1.5))
    if "ethnicity" in tables:
        blocks.append((_composition_html(COMPOSITION_TITLES["ethnicity"], tables["ethnicity"], policy, unit),
                       len(tables["ethnicity"]) + 1.5))
    if "deprivation" in tables:
        dep = tables["deprivation"]
        rows = [[(_e(r["Domain"]), "nowrap"), (_e(r["LSOAs in most deprived 20%"]), "num"),
                 (_e(f"{r['Ward average rank']:,.0f}"), "num"), (_e(f"{r['Borough average rank']:,.0f}"), "num")]
                for _, r in dep.iterrows()]
        blocks.append(('<div class="block"><h3>Deprivation (English Indices of Deprivation 2019)</h3>'
                       + _table(["Domain", "LSOAs in most deprived 20%", f"{unit.capitalize()} avg rank",
                                 "Borough avg rank"],
                                rows, "dep", align="lrrr")
                       + '<p class="note">Ranks are national among 32,844 LSOAs (1 = most deprived), weighted by '
                       "population.</p></div>", len(dep) + 5))
    blocks.append(_assets_html(tables["assets"], unit))
    similar = tables["similar"]
    coded = unit == "ward"  # an area's name is its code
    rows = [[(_e(r["Ward"]), ""), *([(_e(r["ward_code"]), "")] if coded else []),
             (_e(f"{r['distance']:.2f}"), "num")] for _, r in similar.iterrows()]
    head = [unit.capitalize(), *(["Code"] if coded else []), "Distance"]
    blocks.append((f'<div class="block"><h3>Similar {unit}s</h3>'
                   + (_table(head, rows, align="llr" if coded else "lr") if rows
                      else f"<p>Not enough {unit}s.</p>")
                   + f'<p class="note">Nearest to this {unit} on age, ethnic mix and deprivation (standardised '
                   "indicators, straight-line distance; 0 = identical).</p></div>", len(similar) + 4.5))
    columns = _balance(blocks)
    legend = ('<p class="note legend">Bars: ' + _bar(100, None, 100, 16) + f" the {unit}'s share, "
              + _bar(None, 50, 100, 4) + " the borough's share (the scale differs between tables). Counts of residents "
              "from 1 to 9 read “hidden”, and so do other cells that would let them be worked out from totals.</p>")
    columns[1].append(legend)
    parts.append("<h2>Residents, deprivation and community assets</h2>")
    parts.append(f'<div class="cols"><div class="col">{"".join(columns[0])}</div>'
                 f'<div class="col">{"".join(columns[1])}</div></div>')

    parts.append("<footer><b>Sources and dates</b>" + _sources_html(profile))
    parts.append(f"<p>{_e(attribution)}</p>")
    parts.append("<p>Printed from Wardscope"
                 + (f" (database built {_e(built)})" if built else "")
                 + ". Every count of people is disclosure-controlled."
                 + (f" <b>{_e(notice[0])}</b>" if notice else "") + "</p>")
    parts.append("</footer></body></html>")
    return "\n".join(parts)


def index_html(meta: dict, entries: list[dict], attribution: str, csv_name: str | None = "indicators.csv") -> str:
    """A page linking every exported profile. entries: dicts with code, name and html and/or pdf (file names)."""
    notice = synthetic_notice(meta)
    council = meta.get("council", "")
    rows = []
    for entry in entries:
        links = [f'<a href="{_e(entry[k])}">{k.upper()}</a>' for k in ("html", "pdf") if entry.get(k)]
        rows.append(f"<tr><td>{_e(entry['name'])}</td><td>{_e(entry['code'])}</td><td>{' · '.join(links)}</td></tr>")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Ward profiles — {_e(council)}</title>",
        "<style>body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;"
        "color:#111;line-height:1.4} table{border-collapse:collapse;width:100%} th,td{text-align:left;"
        "padding:.2rem .6rem;border-bottom:1px solid #bbb} th{border-bottom:2px solid #000}"
        ".warning{border:2px solid #000;background:#fff3cd;padding:.5rem .8rem} .small{font-size:.85rem;color:#333}"
        "</style></head><body>",
        f"<h1>Ward profiles — {_e(council)}</h1>",
        (f'<p class="warning" role="alert"><b>⚠ {_e(notice[0])}</b> {_e(notice[1])}</p>' if notice else ""),
        f"<p>One printable page per ward ({len(entries)} wards), database built "
        f"{_e(str(meta.get('built_at', ''))[:10])}."
        + (f' All indicators for all wards, the borough and England: <a href="{_e(csv_name)}">{_e(csv_name)}</a>.'
           if csv_name else "") + "</p>",
        "<table><thead><tr><th>Ward</th><th>Code</th><th>Profile</th></tr></thead><tbody>",
        *rows,
        "</tbody></table>",
        f'<p class="small">{_e(attribution)} Every count of people is disclosure-controlled: counts from 1 to 9, and '
        "any count that would let one be worked out, read “hidden”, and no rate is shown on a hidden count.</p>",
        "</body></html>"])


# --- PDF ------------------------------------------------------------------------------------

FONT_STEPS = (1.0, 0.93, 0.86, 0.8, 0.74, 0.68)


def profile_pdf(html_text: str) -> bytes:
    """The page as a one-page A4 PDF (WeasyPrint). Should it run over, the type is set smaller until it fits."""
    from weasyprint import CSS as WeasyCSS  # noqa: N811
    from weasyprint import HTML

    document = None
    for step in FONT_STEPS:
        # A user stylesheet needs !important to override the page's own (author) font size.
        css = [WeasyCSS(string=f"html {{ font-size: {BASE_FONT_PT * step:.2f}pt !important; }}")] if step < 1 else []
        document = HTML(string=html_text).render(stylesheets=css)
        if len(document.pages) == 1:
            break
    return document.write_pdf()


# --- CSV ------------------------------------------------------------------------------------

def indicators_csv(values: pd.DataFrame, names: dict[str, str]) -> str:
    """Every indicator for every ward plus the Borough and England rows, as CSV text.

    values: `data_access.indicator_values()` (index ward_code + 'Borough' [+ 'England'];
    rates already protected). Columns: Code, Area, then "label (unit)" per indicator,
    rounded to the indicator's decimals, without thousands separators; empty where hidden
    or not available. The first line is the header (no comment lines).
    """
    keys = [i.key for i in indicators.INDICATORS if i.key in values.columns]
    rows = [c for c in values.index if c not in (indicators.BOROUGH, indicators.ENGLAND)]
    rows += [c for c in (indicators.BOROUGH, indicators.ENGLAND) if c in values.index]
    area = {indicators.BOROUGH: "Borough (all wards)", indicators.ENGLAND: "England"}
    out = pd.DataFrame({"Code": rows, "Area": [names.get(c, area.get(c, c)) for c in rows]})
    for key in keys:
        ind = indicators.BY_KEY[key]
        out[f"{ind.label} ({ind.unit})"] = [
            "" if pd.isna(v) else f"{v:.{ind.decimals}f}" for v in values.loc[rows, key].astype(float)]
    return out.to_csv(index=False, lineterminator="\n")


def slug(text: str) -> str:
    """'St. Mary's & Little Thurrock' → 'st-mary-s-little-thurrock' (file names)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "ward"
