"""Plotly chart specifications (returned as plain figure dicts, never rendered here).

Colour-blind-safe Okabe–Ito colours. Plain dicts rather than plotly.graph_objects or
plotly.express: building validated figure objects costs 40–90 ms per chart (mostly
template expansion), a large share of a page's 150 ms budget; st.plotly_chart takes the
dict as it is.
"""

from __future__ import annotations

import html

import pandas as pd

from geo import funnel as gf
from geo.representation import INDEX_BANDS, index_band
from render.maps import CATEGORY_COLOURS


def grouped_bars(frame: pd.DataFrame, category: str, series: dict[str, str], axis_title: str) -> dict:
    """Horizontal grouped bars: one bar per series (label → column) for each category row, in row order."""
    traces = [{"type": "bar", "orientation": "h", "name": label,
               "y": frame[category].astype(str).tolist(), "x": frame[column].astype(float).round(2).tolist(),
               "marker": {"color": CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)]},
               "hovertemplate": f"%{{y}}: %{{x:.1f}} ({label})<extra></extra>"}
              for i, (label, column) in enumerate(series.items())]
    layout = {"barmode": "group", "height": 120 + 28 * len(frame), "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
              "xaxis": {"title": {"text": axis_title}}, "yaxis": {"autorange": "reversed"},
              "legend": {"orientation": "h", "y": -0.25}}
    return {"data": traces, "layout": layout}


def _band_value(low: float, high: float) -> float | None:
    """Where a hidden cell's banded index is coloured: the middle of its band on the 0–2 scale (None: no band)."""
    band = index_band(low, high)
    if not band or band == "any":
        return None
    cuts = [0.0, *INDEX_BANDS, 2.5]
    lo = max(c for c in cuts if c <= low) if low == low else 0.0
    hi = min((c for c in cuts if c > high), default=2.5)
    return round((lo + min(hi, 2.5)) / 2, 3)


def heatmap_figure(matrix: pd.DataFrame, ward_names: dict[str, str], group_order: list[str],
                   title: str) -> dict:
    """Ward × group heatmap of the representation index as a plain plotly dict.

    Diverging red–blue centred on 1 (ColorBrewer RdBu, listed by ColorBrewer as safe for the common
    colour-vision deficiencies); flagged cells marked '▼' (under-represented) or '▲' (over-represented)
    so the flag does not rely on colour. A cell whose count is hidden but which was tested on the
    published figures keeps its flag and is coloured at the middle of its banded index (hover: "index
    hidden: below 0.5"); a cell with nothing to show is blank.
    """
    codes = list(dict.fromkeys(matrix["ward_code"]))

    def grid(column: str) -> pd.DataFrame:
        return matrix.pivot(index="ward_code", columns="group", values=column).reindex(index=codes,
                                                                                      columns=group_order)

    index, low, high, flags, basis = (grid(c) for c in ("index", "index_min", "index_max", "flag", "test_basis"))
    z, text, hover = [], [], []
    for i in range(len(codes)):
        z_row, t_row, h_row = [], [], []
        for j in range(len(group_order)):
            v, b = index.iat[i, j], basis.iat[i, j]
            band = index_band(low.iat[i, j], high.iat[i, j]) if b == "bounds" else ""
            band = "" if band == "any" else band
            if not pd.isna(v):
                z_row.append(round(float(v), 3))
                h_row.append(f"index {v:.2f}")
            elif band:
                z_row.append(_band_value(low.iat[i, j], high.iat[i, j]))
                h_row.append(f"index hidden: {band}")
            else:
                z_row.append(None)
                h_row.append("hidden or not tested")
            t_row.append({"under": "▼", "over": "▲"}.get(flags.iat[i, j], ""))
        z.append(z_row)
        text.append(t_row)
        hover.append(h_row)
    y = [ward_names.get(c, c) for c in codes]
    trace = {"type": "heatmap", "z": z, "x": group_order, "y": y, "text": text, "texttemplate": "%{text}",
             "customdata": hover, "colorscale": "RdBu", "zmid": 1.0, "zmin": 0.0, "zmax": 2.0,
             "colorbar": {"title": {"text": "Index"}},
             "hovertemplate": "%{y} · %{x}: %{customdata} %{text}<extra></extra>", "hoverongaps": False}
    # The group names sit above the grid (side top), so the top margin holds them and, above them, the title,
    # anchored to the top of the figure: the two never overlap, however long the names (slanted when many).
    slanted = len(group_order) > 6
    longest = max((len(str(g)) for g in group_order), default=0)
    labels_px = int(longest * 4) + 12 if slanted else 24
    layout = {"height": 180 + labels_px + 22 * len(codes), "margin": {"l": 0, "r": 0, "t": 44 + labels_px, "b": 0},
              "title": {"text": html.escape(title), "font": {"size": 14}, "x": 0, "xanchor": "left",
                        "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 8}},
              "yaxis": {"autorange": "reversed", "automargin": True},
              "xaxis": {"side": "top", "automargin": True, "tickangle": -30 if slanted else 0}}
    return {"data": [trace], "layout": layout}


# --- funnel plot (geo.funnel) ------------------------------------------------------------------

#: How each funnel status is drawn: (legend label, Okabe–Ito colour, marker symbol), so a status never rests on
#: colour alone.
FUNNEL_MARKERS = {
    gf.LOW: ("Significantly low reach (below 99.8%)", "#D55E00", "triangle-down"),
    gf.HIGH: ("Significantly high reach (above 99.8%)", "#0072B2", "triangle-up"),
    gf.LOW_95: ("Below the 95% limit only", "#E69F00", "triangle-down-open"),
    gf.HIGH_95: ("Above the 95% limit only", "#56B4E9", "triangle-up-open"),
    gf.WITHIN: ("Within the limits", "#999999", "circle"),
}


def _limit_trace(lines: pd.DataFrame, level: str, name: str, dash: str, colour: str) -> dict:
    """Lower and upper limit as one line trace (None between them), per 1,000."""
    x = [*lines["residents"].tolist(), None, *lines["residents"].tolist()]
    y = [*lines[f"lower_{level}"].round(3).tolist(), None, *lines[f"upper_{level}"].round(3).tolist()]
    return {"type": "scatter", "mode": "lines", "name": name, "x": x, "y": y,
            "line": {"color": colour, "dash": dash, "width": 1.5}, "hoverinfo": "skip"}


def funnel_figure(result: gf.Funnel, title: str = "") -> dict:
    """geo.funnel.Funnel as a plain plotly dict: the wards shown as points against residents, the 95% and 99.8%
    limits as lines and the borough rate.

    Ward names are HTML-escaped (plotly renders tags in hover text); hidden wards have no point.
    """
    wards, lines = result.wards, result.lines
    traces = [_limit_trace(lines, "998", "99.8% limits", "solid", "#000000"),
              _limit_trace(lines, "95", "95% limits", "dash", "#555555")]
    if len(lines):
        traces.append({"type": "scatter", "mode": "lines", "name": f"Borough rate ({result.borough_rate:,.1f})",
                       "x": [lines["residents"].iloc[0], lines["residents"].iloc[-1]],
                       "y": [round(result.borough_rate, 3)] * 2, "hoverinfo": "skip",
                       "line": {"color": "#009E73", "dash": "dot", "width": 1.5}})
    for status, (label, colour, symbol) in FUNNEL_MARKERS.items():
        points = wards[(wards["status"] == status) & wards["per_1000"].notna()]
        if points.empty:
            continue
        traces.append({"type": "scatter", "mode": "markers", "name": label,
                       "x": points["residents"].round(0).tolist(), "y": points["per_1000"].round(2).tolist(),
                       "customdata": [html.escape(str(n)) for n in points["ward_name"]],
                       "marker": {"color": colour, "symbol": symbol, "size": 11,
                                  "line": {"width": 2 if symbol.endswith("-open") else 1}},
                       "hovertemplate": "%{customdata}: %{y:.1f} per 1,000 of %{x:,.0f} residents<extra></extra>"})
    layout = {"height": 480, "margin": {"l": 60, "r": 10, "t": 30 if title else 10, "b": 50},
              "xaxis": {"title": {"text": "Residents (people)"}, "tickformat": ",d", "automargin": True},
              "yaxis": {"title": {"text": "People taking part per 1,000 residents"}, "rangemode": "tozero",
                        "automargin": True},
              "legend": {"orientation": "h", "y": -0.2}}
    if title:
        layout["title"] = {"text": html.escape(title), "font": {"size": 14}}
    return {"data": traces, "layout": layout}


#: Participatory budgeting outcome of a project under the two rules (geo.pb): label and colour (Okabe–Ito).
PB_OUTCOMES = {(True, True): ("Funded under both rules", "#009E73"), (True, False): ("Greedy only", "#E69F00"),
               (False, True): ("Equal Shares only", "#0072B2"), (False, False): ("Not funded", "#BBBBBB")}


def pb_figure(results: pd.DataFrame, title: str = "") -> dict:
    """geo.pb.project_results as a plain plotly dict: votes per project (bars, most first), coloured by whether the
    greedy rule, the Method of Equal Shares, both or neither fund it. Hidden vote counts draw no bar and read
    "hidden"; titles are HTML-escaped."""
    traces = []
    titles = results["title"].astype(str)
    twice = titles.duplicated(keep=False)
    names = [html.escape(f"{t} ({i})" if d else t) for t, i, d in
             zip(titles, results["project_id"], twice, strict=True)]
    for (greedy, mes), (label, colour) in PB_OUTCOMES.items():
        rows = (results["funded_greedy"] == greedy) & (results["funded_mes"] == mes)
        if not rows.any():
            continue
        part = results[rows]
        votes = [None if pd.isna(v) else float(v) for v in part["votes"]]
        traces.append({"type": "bar", "orientation": "h", "name": label, "marker": {"color": colour},
                       "y": [n for n, r in zip(names, rows, strict=True) if r], "x": votes,
                       "text": ["hidden" if v is None else f"{v:,.0f}" for v in votes], "textposition": "auto",
                       "customdata": [f"£{c:,.0f}" for c in part["cost"]],
                       "hovertemplate": "%{y}: %{text} votes, cost %{customdata}<extra>" + label + "</extra>"})
    layout = {"height": max(300, 28 * len(results) + 120), "barmode": "overlay",
              "margin": {"l": 10, "r": 10, "t": 30 if title else 10, "b": 50},
              "xaxis": {"title": {"text": "Votes (voters approving)"}, "tickformat": ",d", "rangemode": "tozero"},
              "yaxis": {"categoryorder": "array", "categoryarray": names[::-1], "automargin": True},
              "legend": {"orientation": "h", "y": -0.15}}
    if title:
        layout["title"] = {"text": html.escape(title), "font": {"size": 14}}
    return {"data": traces, "layout": layout}
