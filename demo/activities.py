"""The demo engagement portal's activities: ~60 consultations, surveys, polls and events.

Why: responses are drawn per activity (demo.engagement), and the dashboard's activity
pages need a plausible programme: kinds in realistic proportions and lengths, owned by
council services, some scoped to one ward, some with an outcome published afterwards.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

ACTIVITY_COLUMNS = ["activity_id", "title", "kind", "opened", "closed", "owner",
                    "outcome_published_on", "scope"]

KINDS = {  # kind: (share of activities, days open (lo, hi), response weight)
    "consultation": (0.24, (42, 84), 1.5),
    "survey": (0.24, (21, 56), 1.2),
    "quick_poll": (0.14, (7, 14), 1.4),
    "petition": (0.08, (28, 84), 0.8),
    "pb_vote": (0.06, (14, 28), 1.5),
    "ideas": (0.10, (28, 56), 0.5),
    "event": (0.14, (1, 1), 0.25),
}
_OWNERS = {
    "Planning": ["Local Plan preferred options", "Town centre masterplan",
                 "Conservation area appraisal", "Design code", "Neighbourhood plan"],
    "Housing": ["Housing allocations policy", "Tenant satisfaction", "Empty homes strategy",
                "Estate regeneration", "Homelessness strategy"],
    "Adult Social Care": ["Day opportunities review", "Carers' strategy",
                          "Home care charging policy", "Ageing well plan"],
    "Highways": ["20 mph limits", "School streets trial", "Cycle network plan",
                 "Parking permit changes", "Bus stop improvements"],
    "Leisure": ["Leisure centre refurbishment", "Parks and open spaces strategy",
                "Library opening hours", "Play area renewal"],
    "Children's Services": ["SEND local offer", "Youth services", "Early help strategy",
                            "Holiday activities programme"],
    "Communities": ["Community grants", "Community safety priorities",
                    "Budget 2026/27", "Cost of living support", "Equality objectives"],
}
_TITLE = {
    "consultation": "{t} consultation", "survey": "{t} survey", "quick_poll": "Quick poll: {t}",
    "petition": "Petition: {t}", "pb_vote": "Community fund vote: {t}",
    "ideas": "Ideas wanted: {t}", "event": "Drop-in event: {t}",
}

def make_activities(wards: list[str], start: date, days: int,
                     rng: np.random.Generator) -> pd.DataFrame:
    """~60 activities spread over the period, owned by council services."""
    end = start + timedelta(days=days - 1)
    n = int(rng.integers(56, 65))
    kinds = list(KINDS)
    kind_p = np.array([v[0] for v in KINDS.values()])
    owners = list(_OWNERS)
    rows = []
    for _ in range(n):
        kind = kinds[rng.choice(len(kinds), p=kind_p / kind_p.sum())]
        owner = owners[rng.integers(len(owners))]
        topic = _OWNERS[owner][rng.integers(len(_OWNERS[owner]))]
        lo, hi = KINDS[kind][1]
        length = min(int(rng.integers(lo, hi + 1)), days)
        opened = start + timedelta(days=int(rng.integers(0, days - length + 1)))
        closed = opened + timedelta(days=length - 1)
        outcome = ""
        room = (end - closed).days
        if rng.random() >= 0.4 and room >= 14:
            outcome = (closed + timedelta(days=int(rng.integers(14, min(112, room) + 1)))).isoformat()
        scope = "borough" if rng.random() < 0.7 or not wards else str(wards[rng.integers(len(wards))])
        rows.append((opened, closed, _TITLE[kind].format(t=topic), kind, owner, outcome, scope))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    titles = []
    for r in rows:  # a repeated title becomes "... (phase 2)", in date order
        title, phase = r[2], 2
        while title in titles:
            title, phase = f"{r[2]} (phase {phase})", phase + 1
        titles.append(title)
    return pd.DataFrame({
        "activity_id": [f"A{i:03d}" for i in range(1, len(rows) + 1)],
        "title": titles,
        "kind": [r[3] for r in rows],
        "opened": [r[0].isoformat() for r in rows],
        "closed": [r[1].isoformat() for r in rows],
        "owner": [r[4] for r in rows],
        "outcome_published_on": [r[5] for r in rows],
        "scope": [r[6] for r in rows],
    })
