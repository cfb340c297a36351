"""The static map of a printable profile: the ward (or area) filled, its neighbours outlined and named.

Drawn with matplotlib (Agg, no basemap tiles, nothing fetched), so a printed page needs nothing
from the network. Geometry in EPSG:27700 (British National Grid, metres) is drawn as given, so
shapes keep their true proportions and the scale bar is exact; geographic geometry (e.g. the
app's WGS84 display geometry) is projected to EPSG:27700 first. A frame without a CRS is refused.
Only the ward and the wards within the drawn window are drawn.
"""

from __future__ import annotations

import io
import math
import textwrap
from typing import NamedTuple

import geopandas as gpd

FOCUS_FILL = "#3b528b"
MAP_ATTRIBUTION = "Contains OS data © Crown copyright and database right 2014"
BNG = "EPSG:27700"


class _View(NamedTuple):
    """The window drawn, in metres: its corners, and half its width and height."""

    x0: float
    y0: float
    x1: float
    y1: float
    half_w: float
    half_h: float


def _in_metres(wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if wards.crs is None:
        raise ValueError("ward_map_png needs geometry with a CRS (EPSG:27700 preferred, or WGS84)")
    return wards.to_crs(BNG) if wards.crs.is_geographic else wards


def _nice_length(target: float) -> float:
    """The round length (1, 2 or 5 × 10^n metres) at or below `target`."""
    power = 10 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target)


def _view(focus: gpd.GeoDataFrame, width_px: int, height_px: int) -> _View:
    """The focus ward's bounds padded by 30% of its larger side (at least 60 m), widened to the image's shape."""
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
    return _View(cx - half_w, cy - half_h, cx + half_w, cy + half_h, half_w, half_h)


def ward_map_png(wards: gpd.GeoDataFrame, code: str, width_px: int = 600, height_px: int = 450) -> bytes:
    """A static PNG of ward `code` (filled) among the wards around it (outlined, named).

    `wards` needs ward_code and geometry, optionally ward_name (for labels). EPSG:27700 is
    drawn as given (true proportions, exact scale bar); a geographic CRS is projected to
    EPSG:27700 first. Only the ward and wards within the frame are drawn; no basemap.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle
    from shapely.geometry import box

    frame = _in_metres(wards)
    focus = frame[frame["ward_code"] == code]
    if focus.empty:
        raise KeyError(f"ward {code!r} is not in the frame")
    view = _view(focus, width_px, height_px)
    around = frame[frame.intersects(box(*view[:4])) & (frame["ward_code"] != code)]

    # 4 × 3 inches: printed about 84 mm wide, so the type below prints at roughly 0.83 × its size.
    dpi = width_px / 4
    fig = Figure(figsize=(4, 4 * height_px / width_px), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    if not around.empty:
        around.plot(ax=ax, facecolor="#f4f4f4", edgecolor="#555555", linewidth=0.8)
    focus.plot(ax=ax, facecolor=FOCUS_FILL, edgecolor="#000000", linewidth=1.6)
    ax.set_xlim(view.x0, view.x1)
    ax.set_ylim(view.y0, view.y1)
    ax.set_aspect("equal")
    if "ward_name" in frame:
        _draw_labels(fig, ax, focus, around, view)
    _draw_scale_bar(ax, view)
    fig.text(0.995, 0.008, MAP_ATTRIBUTION, fontsize=5.5, ha="right", va="bottom", color="#222222",
             bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    fig.patch.set_facecolor("white")
    ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, edgecolor="#999999", linewidth=1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


def _draw_labels(fig, ax, focus: gpd.GeoDataFrame, around: gpd.GeoDataFrame, view: _View) -> None:
    """Ward names: the focus ward's in bold on its fill, then its neighbours', larger areas first, each left out
    if it would overlap one already drawn. Labels keep clear of the edges and of the scale bar (bottom left) and
    credit (bottom right)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from shapely.geometry import box

    half_w, half_h = view.half_w, view.half_h
    inner = box(view.x0 + 0.06 * 2 * half_w, view.y0 + 0.16 * 2 * half_h,
                view.x1 - 0.06 * 2 * half_w, view.y1 - 0.05 * 2 * half_h)
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


def _draw_scale_bar(ax, view: _View) -> None:
    """Scale bar (metres, exact in EPSG:27700, a round length near a quarter of the width) and a north note,
    bottom left."""
    from matplotlib.patches import Rectangle

    half_w, half_h = view.half_w, view.half_h
    length = _nice_length(0.25 * 2 * half_w)
    x0, y0 = view.x0 + 0.04 * 2 * half_w, view.y0 + 0.07 * 2 * half_h
    bar_h = 0.012 * 2 * half_h
    ax.add_patch(Rectangle((x0, y0), length / 2, bar_h, facecolor="black", edgecolor="black", linewidth=0.8))
    ax.add_patch(Rectangle((x0 + length / 2, y0), length / 2, bar_h, facecolor="white", edgecolor="black",
                           linewidth=0.8))
    scale_text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    halo = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.75}
    ax.text(x0, y0 + 1.8 * bar_h, "0", fontsize=7, va="bottom", ha="center", bbox=halo)
    ax.text(x0 + length, y0 + 1.8 * bar_h, scale_text, fontsize=7, va="bottom", ha="center", bbox=halo)
    ax.text(x0, y0 - 1.2 * bar_h, "Grid north is up", fontsize=6.5, va="top", ha="left", color="#333333", bbox=halo)
