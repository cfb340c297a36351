"""Folium map builders. They return folium objects and never render (pages do that).

Colours: viridis, a perceptually uniform palette readable with the common forms of
colour blindness (Nuñez et al. 2018, "Optimizing colormaps with consideration for color
vision deficiency"); classes from mapclassify so the legend states the breaks. Hidden
or missing values are light grey and say so. Geometry arrives pre-simplified (the ETL
simplifies to 20 m), in WGS84 for display only.
"""

from __future__ import annotations

import functools
import html
import os
import re
import warnings

import branca.element
import folium
import geopandas as gpd
import jinja2
import mapclassify
import pandas as pd
import shapely
import shapely.geometry
import xyzservices

VIRIDIS = {3: ["#440154", "#21918c", "#fde725"],
           4: ["#440154", "#31688e", "#35b779", "#fde725"],
           5: ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"],
           6: ["#440154", "#414487", "#2a788e", "#22a884", "#7ad151", "#fde725"]}
NO_DATA = "#d9d9d9"
OUTLINE = "#333333"
CATEGORY_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
"""Okabe–Ito palette, distinguishable under colour-vision deficiency, for categories."""


#: Where the browser loads Leaflet from. The default is the copy vendored in static/ and
#: served by Streamlit at /app/static/, relative to streamlit-folium's component frame
#: (/component/streamlit_folium.st_folium/), so maps draw without public CDNs.
LEAFLET_URL = os.environ.get("WARDSCOPE_LEAFLET_URL", "../../app/static/vendor/leaflet-1.9.4")
TILES_URL = os.environ.get("WARDSCOPE_TILES", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
#: Given with the URL rather than by the provider's name, which makes folium read xyzservices' whole provider
#: list (a JSON file) for every map built: ~10 ms a map.
TILES_ATTRIBUTION = os.environ.get("WARDSCOPE_TILES_ATTRIBUTION",
                                   '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
                                   "contributors")
#: As a provider object: folium looks a plain string up by name in xyzservices' list first (~4 ms a map).
_TILES = xyzservices.TileProvider(name="tiles", url=TILES_URL, attribution=TILES_ATTRIBUTION)


def _features(frame: gpd.GeoDataFrame) -> dict:
    """The frame as a GeoJSON FeatureCollection dict, made once: folium asks a GeoDataFrame for its
    __geo_interface__ twice (a hasattr test, then the value), each a full conversion.

    Built directly rather than by GeoDataFrame.to_geo_dict, whose pandas copies and masks took a third of a
    borough map's build time; missing values become null, numpy numbers plain Python ones, as there.

    Text is HTML-escaped (&, <, >): folium's tooltips insert property values into the page as HTML, and ward,
    asset and area names come from files and users, so a name such as `<img src=x onerror=…>` must show as text."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    records = frame[columns].astype(object).to_numpy().tolist()
    features = []
    for row, geometry in zip(records, frame.geometry.to_numpy(), strict=True):
        properties = {c: (None if _missing(v) else html.escape(v, quote=False) if isinstance(v, str)
                          else v.item() if hasattr(v, "item") else v) for c, v in zip(columns, row, strict=True)}
        features.append({"type": "Feature", "properties": properties,
                         "geometry": None if geometry is None else shapely.geometry.mapping(geometry)})
    return {"type": "FeatureCollection", "features": features}


def _missing(value) -> bool:
    """True for None, NaN, NaT and pandas' NA (a feature property that GeoJSON writes as null)."""
    return value is None or (not isinstance(value, str | bytes | list | dict) and bool(pd.isna(value)))


JINJA_SYNTAX = ("{{", "{%", "{#", "\r")


class _VerbatimTemplate:
    """Stands in for a jinja template whose source holds no jinja syntax: render() gives what jinja's would (the
    text, less one trailing newline: jinja's keep_trailing_newline=False) without compiling anything. Anything
    else asked of it (e.g. .module) goes to the real template, compiled then."""

    __slots__ = ("_source", "_real")

    def __init__(self, source: str):
        self._source, self._real = source, None

    def render(self, *args, **kwargs) -> str:
        return self._source[:-1] if self._source.endswith("\n") else self._source

    def __getattr__(self, name: str):
        if self._real is None:
            self._real = jinja2.Template(self._source)
        return getattr(self._real, name)


def _element_template(source: str):
    """The template branca makes for an element: verbatim text, or compiled once per distinct source.

    branca compiles a jinja template for every element it creates (Element.__init__): 30-odd per map, ~1 ms each,
    on every rerun of a page. Most hold already-rendered text with the element's random id in it (folium wraps
    each rendered part of a map in a new Element), so they never repeat: those are passed through verbatim.
    The rest (fixed snippets) are compiled once; a compiled jinja template keeps no render state, so one serves
    every map and session."""
    if not any(mark in source for mark in JINJA_SYNTAX):
        return _VerbatimTemplate(source)
    return _compiled(source)


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> jinja2.Template:
    return jinja2.Template(source)


branca.element.Template = _element_template  # Element.__init__ looks the name up in branca.element


class _GeoJson(folium.GeoJson):
    """folium.GeoJson told its bounds: folium would find them by walking every coordinate in Python
    (get_bounds), about a quarter of drawing a borough map on each run."""

    def __init__(self, data, bounds, **kwargs):
        super().__init__(data, **kwargs)
        minx, miny, maxx, maxy = (float(v) for v in bounds)
        # no features: folium's own answer (an empty frame's total_bounds are NaN, which JSON cannot carry)
        empty = any(v != v for v in (minx, miny, maxx, maxy))
        self._bounds = [[None, None], [None, None]] if empty else [[miny, minx], [maxy, maxx]]

    def _get_self_bounds(self):
        return self._bounds


def _layer(frame: gpd.GeoDataFrame, **kwargs) -> _GeoJson:
    """A GeoJSON layer of the frame's rows (WGS84) with its bounds from the frame (shapely, vectorised)."""
    return _GeoJson(_features(frame), frame.total_bounds, **kwargs)


def _base_map(frame: gpd.GeoDataFrame) -> folium.Map:
    """An empty map fitted to `frame`, loading only Leaflet (no jQuery, Bootstrap or d3 from CDNs)."""
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise ValueError("map builders expect WGS84 (EPSG:4326) display geometry")
    minx, miny, maxx, maxy = frame.total_bounds
    # SVG paths (clickable, testable) for a borough; canvas only when there are very many shapes.
    fmap = folium.Map(tiles=_TILES if TILES_URL != "none" else None, control_scale=True,
                      prefer_canvas=len(frame) > 500)
    fmap.default_js = [("leaflet", f"{LEAFLET_URL}/leaflet.js")]
    fmap.default_css = [("leaflet_css", f"{LEAFLET_URL}/leaflet.css")]
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def _legend(fmap: folium.Map, caption: str, entries: list[tuple[str, str]]) -> None:
    """A plain HTML legend (colour swatch + text) in the map's corner; no d3 needed."""
    rows = "".join(f"<div><span style='background:{colour};width:12px;height:12px;display:inline-block;"
                   f"margin-right:4px;border:1px solid #666'></span>{text}</div>" for colour, text in entries)
    fmap.get_root().html.add_child(folium.Element(
        f"<div class='wardscope-legend' style='position:absolute;bottom:24px;right:10px;z-index:9999;"
        f"background:white;padding:6px 8px;font:12px sans-serif;border:1px solid #999;max-width:45%'>"
        f"<b>{caption}</b>{rows}</div>"))


def classify(values: pd.Series, k: int = 5, scheme: str = "auto") -> tuple[pd.Series, list[float]]:
    """Class (0..k-1, -1 for missing) of each value and the upper bounds, via mapclassify.

    scheme "auto": Fisher–Jenks (optimal natural breaks) for a borough's wards — exact, ~1 ms
    where mapclassify's sampled NaturalBreaks takes 90–200 ms — and quantiles beyond 150
    values, since Fisher–Jenks without numba grows with the square of the count (0.8 s for 700).
    """
    if scheme == "auto":
        scheme = "FisherJenks" if values.notna().sum() <= 150 else "Quantiles"
    valid = values.dropna()
    classes = pd.Series(-1, index=values.index)
    if valid.nunique() < 2:
        classes[valid.index] = 0
        return classes, [float(valid.max())] if len(valid) else []
    k = int(min(k, valid.nunique(), 6))
    with warnings.catch_warnings():  # "Numba not installed": expected; borough-sized inputs need no JIT
        warnings.filterwarnings("ignore", message="Numba not installed")
        classifier = getattr(mapclassify, scheme)(valid.to_numpy(dtype=float), k=k)
    classes[valid.index] = classifier.yb
    return classes, [float(b) for b in classifier.bins]


def choropleth(frame: gpd.GeoDataFrame, column: str, caption: str, tooltip: dict[str, str],
               k: int = 5, scheme: str = "auto", highlight: str | None = None,
               decimals: int = 1, missing_label: str = "count hidden, or no data",
               ) -> folium.Map:
    """Wards coloured by `column` in classes; `tooltip` maps column names to labels.

    frame needs ward_code and geometry; `highlight` outlines one ward heavily.
    """
    fmap = _base_map(frame)
    classes, bins = classify(frame[column], k, scheme)
    palette = VIRIDIS.get(max(len(bins), 3), VIRIDIS[5])[: max(len(bins), 1)]
    data = frame.assign(_fill=[palette[c] if c >= 0 else NO_DATA for c in classes])
    keep = ["ward_code", "_fill", "geometry", *[c for c in tooltip if c not in ("ward_code",)]]
    data = data[list(dict.fromkeys(keep))]
    _layer(
        data,
        name=caption,
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"], "fillOpacity": 0.75, "color": OUTLINE,
            "weight": 3.5 if f["properties"]["ward_code"] == highlight else 0.8,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=list(tooltip), aliases=list(tooltip.values()), localize=True),
    ).add_to(fmap)
    if bins:
        lows = [float(frame[column].min())] + bins[:-1]
        entries = [(palette[i], f"{lo:,.{decimals}f} to {hi:,.{decimals}f}" if hi > lo else f"{hi:,.{decimals}f}")
                   for i, (lo, hi) in enumerate(zip(lows, bins, strict=True))]
        if (classes < 0).any():
            entries.append((NO_DATA, missing_label))
        _legend(fmap, caption, entries)
    return fmap


def outline_map(frame: gpd.GeoDataFrame, focus: str | None = None, label_column: str = "ward_name") -> folium.Map:
    """Ward outlines, one ward filled (the focus) with its neighbours visible around it."""
    fmap = _base_map(frame if focus is None else frame[frame["ward_code"] == focus])
    _layer(
        frame[["ward_code", label_column, "geometry"]],
        style_function=lambda f: {
            "fillColor": "#3b528b" if f["properties"]["ward_code"] == focus else "#ffffff",
            "fillOpacity": 0.55 if f["properties"]["ward_code"] == focus else 0.1,
            "color": OUTLINE, "weight": 2.5 if f["properties"]["ward_code"] == focus else 0.8,
        },
        tooltip=folium.GeoJsonTooltip(fields=[label_column], aliases=["Ward"]),
    ).add_to(fmap)
    return fmap


def category_map(frame: gpd.GeoDataFrame, column: str, caption: str, tooltip: dict[str, str]) -> folium.Map:
    """Wards coloured by a category (e.g. area of a scheme), with an Okabe–Ito legend."""
    fmap = _base_map(frame)
    cats = natural_sorted(frame[column].dropna().astype(str).unique())
    colour = {c: CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i, c in enumerate(cats)}
    data = frame.assign(_fill=frame[column].astype(str).map(colour).fillna(NO_DATA))
    _layer(
        data[list(dict.fromkeys(["ward_code", "_fill", "geometry", *tooltip]))],
        style_function=lambda f: {"fillColor": f["properties"]["_fill"], "fillOpacity": 0.7, "color": OUTLINE,
                                  "weight": 0.8},
        tooltip=folium.GeoJsonTooltip(fields=list(tooltip), aliases=list(tooltip.values())),
    ).add_to(fmap)
    _legend(fmap, caption, [(colour[c], c) for c in cats])
    return fmap


def natural_sorted(values) -> list[str]:
    """'Area 2' before 'Area 10'."""
    return sorted(values, key=lambda v: [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", str(v))])


def points_map(wards: gpd.GeoDataFrame, points: gpd.GeoDataFrame, category: str, tooltip: dict[str, str],
               categories: list[str] | None = None) -> folium.Map:
    """Places (e.g. community assets, never people) as circle markers in one GeoJSON layer, by category.

    `categories` fixes the colour of each category (pass the full list, so a filter does not
    recolour the map); a legend names them.
    """
    fmap = outline_map(wards)
    cats = list(categories) if categories else natural_sorted(points[category].dropna().unique())
    colour = {c: CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i, c in enumerate(cats)}
    shown = set(points[category].dropna())
    _legend(fmap, category, [(colour[c], c) for c in cats if c in shown])
    data = points.to_crs("EPSG:4326").assign(_colour=lambda d: d[category].map(colour))
    _layer(
        data[list(dict.fromkeys(["_colour", "geometry", *tooltip]))],
        marker=folium.CircleMarker(radius=5, fill=True, fill_opacity=0.9, weight=1),
        style_function=lambda f: {"fillColor": f["properties"]["_colour"], "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(fields=list(tooltip), aliases=list(tooltip.values())),
    ).add_to(fmap)
    return fmap


def as_points(frame: pd.DataFrame, x: str = "easting", y: str = "northing") -> gpd.GeoDataFrame:
    """Rows with grid references as points in EPSG:27700 (rows without are dropped)."""
    ok = frame[x].notna() & frame[y].notna()
    sub = frame[ok]
    return gpd.GeoDataFrame(sub, geometry=gpd.points_from_xy(sub[x], sub[y]), crs="EPSG:27700")


__all__ = ["choropleth", "outline_map", "category_map", "points_map", "classify", "as_points", "clicked_ward",
           "click_id", "CLICK_OBJECTS", "districts", "MAP_WARD_LIMIT"]

#: What a clickable map asks st_folium to return: the clicked feature and where it was clicked. Panning and
#: zooming change neither, so they do not rerun the page. Not "last_object_clicked_count": streamlit-folium 0.27.4
#: starts that count at 0 in the browser but declares None as its value before any click, so asking for it makes
#: every newly drawn map report a "change" at once and run the page a second time (measured by bench/browser.py:
#: Areas 2.1 s a visit with it). A map is drawn afresh after every change to it (st_folium keys the component by
#: its script), so a second click on the same ward still arrives as a new click.
CLICK_OBJECTS = ["last_active_drawing", "last_object_clicked"]


#: Above this many wards (a national database) a map shows one district at a time: 7,681 English wards are a
#: 33 MB page that takes ~8 s to build and render in folium and longer in the browser; a district takes
#: well under a second. Tables still list every ward.
MAP_WARD_LIMIT = 600


def districts(wards: pd.DataFrame) -> pd.DataFrame:
    """One row per local authority district in `wards` (lad_code): its number of wards and a plain label
    naming its first two wards, for choosing which district a national map shows; in code order."""
    out = wards.sort_values("ward_name").groupby("lad_code", sort=False).agg(
        wards=("ward_code", "size"), first=("ward_name", lambda s: ", ".join(s.iloc[:2])))
    out["label"] = [f"{code}: {n} wards ({first}, …)" for code, n, first in zip(out.index, out["wards"], out["first"],
                                                                               strict=True)]
    return out.sort_index().reset_index()[["lad_code", "wards", "label"]]


def clicked_ward(state: dict | None) -> str | None:
    """The ward_code of the feature last clicked on a map, from st_folium's 'last_active_drawing'."""
    feature = (state or {}).get("last_active_drawing") or {}
    code = (feature.get("properties") or {}).get("ward_code")
    return str(code) if code else None


def click_id(state: dict | None) -> tuple | None:
    """What tells one click from the next: the ward and the clicked point. None before any click. (st_folium
    reports its last click again on every later run; a map drawn afresh starts with no click.)"""
    code = clicked_ward(state)
    if code is None:
        return None
    point = (state or {}).get("last_object_clicked") or {}
    return code, point.get("lat"), point.get("lng")
