"""The engagement filter shared by every page: which responses count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class EngagementFilter:
    """Which responses count: by activity kind, owner, channel, activity and date range (inclusive)."""

    kinds: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    activity_ids: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None

    def where(self) -> tuple[str, list]:
        """SQL condition on responses r joined to activities a, with its parameters."""
        parts, params = ["TRUE"], []
        for column, values in (("a.kind", self.kinds), ("a.owner", self.owners), ("r.channel", self.channels),
                               ("r.activity_id", self.activity_ids)):
            if values:
                parts.append(f"{column} IN (SELECT unnest(?))")
                params.append(list(values))
        if self.start:
            parts.append("r.submitted_at >= ?")
            params.append(self.start)
        if self.end:
            parts.append("r.submitted_at < ? + INTERVAL 1 DAY")
            params.append(self.end)
        return " AND ".join(parts), params

    def activities_where(self, alias: str = "") -> tuple[str, list]:
        """SQL condition on the activities table (columns prefixed by `alias`, e.g. "a.") for the filter's kinds,
        owners and activity ids, with its parameters: which activities are in view, whatever their responses."""
        parts, params = ["TRUE"], []
        for column, values in (("kind", self.kinds), ("owner", self.owners), ("activity_id", self.activity_ids)):
            if values:
                parts.append(f"{alias}{column} IN (SELECT unnest(?))")
                params.append(list(values))
        return " AND ".join(parts), params
