"""Plotly chart specifications (returned as plain figure dicts, never rendered here).

Colour-blind-safe Okabe–Ito colours. Plain dicts rather than plotly.graph_objects or
plotly.express: building validated figure objects costs 40–90 ms per chart (mostly
template expansion), a large share of a page's 150 ms budget; st.plotly_chart takes the
dict as it is.
"""

from __future__ import annotations

import pandas as pd

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


def heatmap_figure(matrix: pd.DataFrame, ward_names: dict[str, str], group_order: list[str],
                   title: str) -> dict:
    """Ward × group heatmap of the representation index as a plain plotly dict.

    Diverging red–blue centred on 1 (ColorBrewer RdBu, safe for the common colour-vision
    deficiencies); hidden cells blank; flagged cells marked '▼' (under-represented) so the
    flag does not rely on colour.
    """
    codes = list(dict.fromkeys(matrix["ward_code"]))
    grid = matrix.pivot(index="ward_code", columns="group", values="index").reindex(index=codes, columns=group_order)
    flags = matrix.pivot(index="ward_code", columns="group", values="under_represented").reindex(
        index=codes, columns=group_order).fillna(False).astype(bool)
    z = [[None if pd.isna(v) else round(float(v), 3) for v in row] for row in grid.to_numpy()]
    text = [["▼" if f else "" for f in row] for row in flags.to_numpy()]
    y = [ward_names.get(c, c) for c in codes]
    trace = {"type": "heatmap", "z": z, "x": group_order, "y": y, "text": text, "texttemplate": "%{text}",
             "colorscale": "RdBu", "zmid": 1.0, "zmin": 0.0, "zmax": 2.0,
             "colorbar": {"title": {"text": "Index"}},
             "hovertemplate": "%{y} · %{x}: index %{z:.2f}<extra></extra>", "hoverongaps": False}
    layout = {"height": 160 + 22 * len(codes), "margin": {"l": 0, "r": 0, "t": 30, "b": 0},
              "title": {"text": title, "font": {"size": 14}}, "yaxis": {"autorange": "reversed"},
              "xaxis": {"side": "top"}}
    return {"data": [trace], "layout": layout}
