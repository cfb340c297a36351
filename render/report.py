"""Printable ward and area profiles: one self-contained HTML page, its PDF, the index page and the indicators CSV.

Everything here renders a `geo.profile.Profile` (the same object the ward page shows), so a
figure cannot differ between screen and paper. Plain functions: no Streamlit, no SQL.

- `profile_html`: one HTML page (templates/profile.html, Jinja2 with autoescaping) with inline
  CSS, the map (render.ward_map.ward_map_png) as a base64 data URI and simple inline-SVG bars;
  no JavaScript, no external files, readable in black and white (values are printed beside
  every bar; the ward is a solid bar, the borough a tick). Sized to print on one A4 page.
  Python decides what the page holds (rows as strings, which blocks go in which column);
  the templates decide how it is marked up and worded.
- `profile_pdf`: the page through WeasyPrint; the type is stepped down if needed so the
  profile always fits one A4 page.
- `index_html`: a page linking every exported profile (templates/index.html).
- `indicators_csv`: every indicator for every ward, the borough and England, one row each.

Disclosure: headline rates arrive protected (geo.indicators). The only counts of people
the profile carries unprotected are the residents in each composition group; they are
passed through `geo.disclosure.protect_counts` here (counts below the policy's threshold
hidden, secondary cells hidden) and a ward percentage is hidden with its count. In the HTML
every cell holding a count of people has the class "count", so tests can check what was printed.
"""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pandas as pd

from geo import indicators
from geo.disclosure import DEFAULT_POLICY, DisclosurePolicy, format_count, protect_counts
from geo.profile import Profile
from render.templating import macros, render
from vocabulary import DIMENSION_LABELS

#: The synthetic-data notice, as on the app's pages (ui.header): whole borough, or engagement only.
SYNTHETIC_WARNING = ("Synthetic data.", "These figures describe an invented borough made by Wardscope's demo "
                     "generator. They are not real people or real responses.")
SYNTHETIC_ENGAGEMENT_WARNING = ("Synthetic data.", "The engagement figures (activities and responses) are invented by "
                                "Wardscope's demo generator for real postcodes; they are not real responses. "
                                "Boundaries, census and deprivation figures are real.")
BASE_FONT_PT = 7.0
FONT_STEPS = (1.0, 0.93, 0.86, 0.8, 0.74, 0.68)
PARTS = "profile_parts.html"


def synthetic_notice(meta: dict) -> tuple[str, str] | None:
    """(bold lead, text) of the synthetic-data warning for this database, or None for real data."""
    if not meta.get("synthetic"):
        return None
    return SYNTHETIC_ENGAGEMENT_WARNING if meta.get("synthetic_scope") == "engagement" else SYNTHETIC_WARNING


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


# --- the page's contents, as data for templates/profile.html ---------------------------------
# A table's rows are lists of (text, css class) cells; the templates escape the text.

def _pct(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.1f}"


def _bar(ward: float | None, borough: float | None, scale: float, width: int = 60) -> dict:
    """An inline bar's geometry: the ward's share as a solid bar, the borough's as a black tick (no colour needed);
    None for a part not drawn. The template draws it as SVG (macro `bar`)."""
    fill = tick = None
    if ward is not None and pd.notna(ward) and scale > 0:
        fill = f"{min(ward / scale, 1) * width:.1f}"
    if borough is not None and pd.notna(borough) and scale > 0:
        tick = f"{min(max(borough / scale * width - 0.75, 0), width - 1.5):.1f}"
    return {"bar": True, "width": width, "height": 9, "fill": fill, "tick": tick}


def _composition_block(title: str, table: pd.DataFrame, policy: DisclosurePolicy, unit: str = "ward") -> dict:
    """One composition without its Total row (the ward's residents are in the headline table)."""
    groups = table[table["Group"] != "Total"]
    scale = float(np.nanmax([groups["Ward %"].max(skipna=True), groups["Borough %"].max(skipna=True), 1.0]))
    rows = [[(r["Group"], ""), (format_count(r["Residents"], policy), "num count"),
             (_pct(r["Ward %"]) or "hidden", "num"), (_pct(r["Borough %"]), "num"),
             (_bar(r["Ward %"], r["Borough %"], scale), "barcell")] for _, r in groups.iterrows()]
    return {"kind": "composition", "title": title, "unit": unit, "rows": rows}


def _composition_html(title: str, table: pd.DataFrame, policy: DisclosurePolicy, unit: str = "ward") -> str:
    """One composition block as HTML, as the page prints it."""
    return str(macros(PARTS).block(_composition_block(title, table, policy, unit)))


def _assets_block(assets: pd.DataFrame, unit: str = "ward") -> tuple[dict, float]:
    """Assets by category, two categories to a row to save space; with its height in table rows."""
    if assets.empty:
        return {"kind": "assets", "unit": unit, "rows": []}, 3.0
    cells = [[(r["Category"], ""), (f"{r['In this ward']:,}", "num"), (f"{r['In the borough']:,}", "num")]
             for _, r in assets.iterrows()]
    half = math.ceil(len(cells) / 2)
    rows = [cells[i] + (cells[i + half] if i + half < len(cells) else [("", ""), ("", ""), ("", "")])
            for i in range(half)]
    return {"kind": "assets", "unit": unit, "rows": rows}, half + 2.5


def _deprivation_block(dep: pd.DataFrame, unit: str = "ward") -> tuple[dict, float]:
    rows = [[(r["Domain"], "nowrap"), (r["LSOAs in most deprived 20%"], "num"),
             (f"{r['Ward average rank']:,.0f}", "num"), (f"{r['Borough average rank']:,.0f}", "num")]
            for _, r in dep.iterrows()]
    return {"kind": "deprivation", "unit": unit, "rows": rows}, len(dep) + 5


def _similar_block(similar: pd.DataFrame, unit: str = "ward") -> tuple[dict, float]:
    coded = unit == "ward"  # an area's name is its code
    rows = [[(r["Ward"], ""), *([(r["ward_code"], "")] if coded else []), (f"{r['distance']:.2f}", "num")]
            for _, r in similar.iterrows()]
    return {"kind": "similar", "unit": unit, "coded": coded, "rows": rows}, len(similar) + 4.5


def _said_block(said: pd.DataFrame, unit: str = "ward") -> tuple[dict, float]:
    """services.said.said_here: each question's most chosen answer here (by shown share) beside the borough's."""
    rows = []
    for question, answers in said.groupby("question", sort=False):
        shown = answers.dropna(subset=["share"])
        if shown.empty:
            continue
        top = shown.loc[shown["share"].idxmax()]
        borough = "" if pd.isna(top["borough_share"]) else f"{top['borough_share']:.0f}%"
        rows.append([(str(question), ""), (str(top["option"]), ""), (f"{top['share']:.0f}%", "num"),
                     (borough, "num")])
    return {"kind": "said", "unit": unit, "rows": rows}, 2 * len(rows) + 3.0


def _balance(blocks: list[tuple[object, float]]) -> tuple[list, list]:
    """Split blocks between two columns, each keeping reading order, so the longer column is as short as can be."""
    best, best_height = 0, float("inf")
    for mask in range(2 ** len(blocks)):
        sides = [sum(h for i, (_, h) in enumerate(blocks) if (mask >> i) & 1 == side) for side in (0, 1)]
        if mask & 1 == 0 and max(sides) < best_height:  # the first block always opens the left column
            best, best_height = mask, max(sides)
    return ([b for i, (b, _) in enumerate(blocks) if not (best >> i) & 1],
            [b for i, (b, _) in enumerate(blocks) if (best >> i) & 1])


def _beside_map(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The compositions printed beside the map: sex and disability, or age when there are neither."""
    beside = [d for d in ("sex", "disability") if d in tables]
    if not beside and "age" in tables:
        beside = ["age"]
    return beside


def _column_blocks(tables: dict[str, pd.DataFrame], beside: list[str], policy: DisclosurePolicy,
                   unit: str) -> list[tuple[dict, float]]:
    """The blocks of the two columns, in reading order, each with its estimated height in table rows."""
    blocks: list[tuple[dict, float]] = []
    for dim in ("age", "ethnicity"):
        if dim in tables and dim not in beside:
            block = _composition_block(DIMENSION_LABELS[dim], tables[dim], policy, unit)
            blocks.append((block, len(tables[dim]) + 1.5))
    if "deprivation" in tables:
        blocks.append(_deprivation_block(tables["deprivation"], unit))
    blocks.append(_assets_block(tables["assets"], unit))
    blocks.append(_similar_block(tables["similar"], unit))
    return blocks


def _headline_rows(headline: pd.DataFrame) -> list[list[tuple[object, str]]]:
    residents = indicators.BY_KEY["residents"].label  # the one count of people in the headline table
    return [[(r["Indicator"], ""), (r["Unit"], "unit"),
             (r["This ward"], "num strong" + (" count" if r["Indicator"] == residents else "")),
             (r["Borough"], "num"), (r["England"], "num"), (r["Compared with the borough"], "cmp"),
             (r["Rank among wards (1 = highest)"], "num")] for _, r in headline.iterrows()]


def _sources(profile: Profile) -> tuple[list[dict], str | None]:
    """The headline's sources, each with its date and the indicators drawn from it; the others used (or None)."""
    listed, used = [], set()
    head = profile.headline
    if {"Source", "Date"} <= set(head.columns):
        for (source, date), group in head.groupby(["Source", "Date"], sort=False):
            if not source:
                continue
            used.add(source)
            listed.append({"source": source, "date": date, "indicators": "; ".join(group["Indicator"])})
    others = [s for s in profile.sources if s not in used]
    return listed, "; ".join(others) if others else None


def profile_html(profile: Profile, meta: dict, map_png: bytes | None, attribution: str,
                 policy: DisclosurePolicy = DEFAULT_POLICY, engagement_note: str = "All engagement",
                 unit: str = "ward", said: pd.DataFrame | None = None) -> str:
    """The profile as one self-contained HTML page sized for one A4 sheet (inline CSS and images, no JS).

    meta: the database's meta (council, built_at, synthetic); attribution: the licence text
    to print (render.attribution.ATTRIBUTION); engagement_note: which responses the engagement
    rates count (e.g. ui.filter_summary of the sidebar filter); unit: "ward", or "area" for an
    area of wards (geo.profile.area_inputs), which changes the words, not the figures; said: what the residents
    said (services.said.said_here), a block of its own when any question has a shown share.
    """
    tables = report_tables(profile, policy)
    beside = _beside_map(tables)
    blocks = _column_blocks(tables, beside, policy, unit)
    if said is not None and not said.empty:
        said_block = _said_block(said, unit)
        blocks += [said_block] if said_block[0]["rows"] else []
    left, right = _balance(blocks)
    sources, other_sources = _sources(profile)
    return render(
        "profile.html", name=profile.name, code=profile.code, unit=unit, council=meta.get("council", ""),
        built=str(meta.get("built_at", ""))[:10], notice=synthetic_notice(meta), base_font=BASE_FONT_PT,
        map_png=base64.b64encode(map_png).decode("ascii") if map_png else None, summary=profile.summary,
        beside=[_composition_block(DIMENSION_LABELS[d], tables[d], policy, unit) for d in beside],
        headline=_headline_rows(tables["headline"]), engagement_note=engagement_note, columns=(left, right),
        threshold=policy.threshold, legend_bars=(_bar(100, None, 100, 16), _bar(None, 50, 100, 4)),
        sources=sources, other_sources=other_sources, attribution=attribution)


def index_html(meta: dict, entries: list[dict], attribution: str, csv_name: str | None = "indicators.csv",
               policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """A page linking every exported profile. entries: dicts with code, name and html and/or pdf (file names);
    policy: the disclosure policy the profiles were printed with (its threshold is stated)."""
    return render("index.html", council=meta.get("council", ""), notice=synthetic_notice(meta), entries=entries,
                  built=str(meta.get("built_at", ""))[:10], csv_name=csv_name, attribution=attribution,
                  threshold=policy.threshold)


# --- PDF ------------------------------------------------------------------------------------

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
