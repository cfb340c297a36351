"""Plotly chart specifications (returned as plain figure dicts, never rendered here).

Colour-blind-safe Okabe–Ito colours. Plain dicts rather than plotly.graph_objects or
plotly.express: building validated figure objects costs 40–90 ms per chart (mostly
template expansion), a large share of a page's 150 ms budget; st.plotly_chart takes the
dict as it is.
"""

from __future__ import annotations

import pandas as pd

from geo.maps import CATEGORY_COLOURS


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
