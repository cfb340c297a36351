"""The Areas page's scheme builder as a plain state machine: the scheme being built, its undo history and
everything the page remembers between runs, with one method per transition.

Why a class: the page used to keep about a dozen `st.session_state` keys and change them in several places,
so which changes go together (a new scheme goes on the undo list and gets a new table; opening a saved
scheme names it; a proposal drops the name) was stated nowhere. Each transition is now one documented
method, unit-tested on a dictionary (tests/test_area_builder.py).

Where the state lives: in a mutable mapping handed to the builder — `st.session_state` on the page, a
plain dict in tests — under the page's existing keys (`areas_scheme`, `areas_version`, `areas_start_n`,
`areas_current_name`, … listed in `AreaBuilder.KEYS`). The page builds an `AreaBuilder` over session state
on every run and changes state only through it; the keys stay as they were because the page's AppTests
(tests/test_areas_page.py) read four of them. No Streamlit here: widgets and reruns stay in the page.

States and transitions:

- *not started* → `start(n, start)` → *building* a scheme with an empty undo list, table version 0.
  Choosing another number of starting areas starts again (the undo list is dropped).
- Every change of scheme (`edit_table`, `click`, `use_lookup`, `open_saved`, `open_proposal`, a link's
  `follow`) puts the previous scheme on the undo list (the last `HISTORY_LIMIT` are kept);
  all but `edit_table` give the table a new version, so the page draws a fresh table widget.
  `undo` takes the last one back (a new table version, nothing put on the list).
- The *name* of the saved scheme being worked on is set by `open_saved`, a link and `saved_as`,
  follows `renamed`, and is dropped by `open_proposal`; edits keep it (nothing is saved until saved).
- Painting on the map: the area to paint into is the page's widget; the builder remembers the last click
  seen (so a map reporting the same click again changes nothing) and the area a click painted into, which
  the page selects on the next run (`paint_after_click`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, MutableMapping, Sequence
from typing import Any

import pandas as pd

from geo.proposals import Proposal

#: The workspace kind saved schemes are stored under (data_access.workspace), read by every page that lists them.
SCHEME_KIND = "scheme"


class AreaBuilder:
    """The scheme being built (ward_code → area name, "" for no area) and the page's memory around it.

    `store` is where the state is kept between page runs (st.session_state on the page); `codes` are the
    ward codes of the map, in the order every scheme is kept in.
    """

    #: Session-state keys (the names the page has always used; its AppTests read the first four).
    SCHEME, VERSION, START_N, CURRENT_NAME = "areas_scheme", "areas_version", "areas_start_n", "areas_current_name"
    HISTORY, LINK, LAST_CLICK, PAINT_NEXT = "areas_history", "areas_link_loaded", "areas_last_click", "areas_paint_next"
    PROPOSALS, PROPOSALS_FOR, UNDOS = "areas_proposals", "areas_proposals_for", "areas_undos"
    KEYS = (SCHEME, VERSION, START_N, CURRENT_NAME, HISTORY, LINK, LAST_CLICK, PAINT_NEXT, PROPOSALS, PROPOSALS_FOR,
            UNDOS)
    #: How many earlier schemes Undo can go back to.
    HISTORY_LIMIT = 50

    def __init__(self, store: MutableMapping[str, Any], codes: Sequence[str]) -> None:
        self._ss = store
        self.codes = list(codes)

    # -- what the page reads -------------------------------------------------------------------------------

    @property
    def scheme(self) -> dict[str, str]:
        """The scheme being built: ward_code → area name ("" = in no area)."""
        return self._ss[self.SCHEME]

    @property
    def version(self) -> int:
        """How many times the scheme was replaced other than by typing in the table (names the table widget)."""
        return self._ss.get(self.VERSION, 0)

    @property
    def start_n(self) -> int | None:
        """The number of areas of the starting grouping the builder was started from."""
        return self._ss.get(self.START_N)

    @property
    def current_name(self) -> str | None:
        """The saved scheme being worked on (None or "" when the scheme is not one opened or saved)."""
        return self._ss.get(self.CURRENT_NAME)

    @property
    def can_undo(self) -> bool:
        """Whether there is an earlier scheme to go back to."""
        return bool(self._ss.get(self.HISTORY))

    @property
    def map_key(self) -> str:
        """The key of the map widget: a new one after each undo, so the map starts with no click to report (st_folium
        reports its last click again on later runs, which would otherwise paint the undone click back)."""
        return f"areas_map_{self._ss.get(self.UNDOS, 0)}"

    @property
    def editor_key(self) -> str:
        """The key of the table widget: a new one for each version, so a scheme changed elsewhere (map,
        undo, a proposal, a saved scheme) is shown by a fresh table rather than under the old table's edits;
        typing in the table keeps the version (the table already shows what was typed)."""
        n = self.start_n
        return f"areas_editor_{n}" if self.version == 0 else f"areas_editor_{n}_{self.version}"

    # -- starting ------------------------------------------------------------------------------------------

    def start(self, n_areas: int, start: Mapping[str, str]) -> bool:
        """Start from `start` (the starting grouping into n_areas) when nothing is being built yet or
        another number of starting areas was chosen: the undo list is emptied and the table version is 0.
        Returns whether it started again. The name of a saved scheme being worked on is kept, as it was."""
        if self._ss.get(self.START_N) == n_areas and self.SCHEME in self._ss:
            return False
        self._ss[self.START_N] = n_areas
        self._ss[self.HISTORY] = []
        self._ss[self.VERSION] = 0
        self._ss[self.SCHEME] = dict(start)
        return True

    def _replace(self, assignment: Mapping[str, Any], new_version: bool = True) -> None:
        """Make `assignment` the scheme (every ward code of the map, names stripped), the previous scheme
        going on the undo list; `new_version` gives the table a new key."""
        if self.SCHEME in self._ss:
            history = [*self._ss.get(self.HISTORY, []), dict(self._ss[self.SCHEME])]
            self._ss[self.HISTORY] = history[-self.HISTORY_LIMIT:]
        self._ss[self.SCHEME] = {c: str(assignment.get(c, "")).strip() for c in self.codes}
        if new_version:
            self._ss[self.VERSION] = self.version + 1

    # -- editing -------------------------------------------------------------------------------------------

    def edit_table(self, typed: Mapping[str, str]) -> bool:
        """The table's Area column as typed (ward_code → stripped name): when it differs from the scheme it
        becomes the scheme (undoable) under the same table version. Returns whether anything changed."""
        shown = {c: _text(self.scheme.get(c)) for c in self.codes}
        if dict(typed) == shown:
            return False
        self._replace(typed, new_version=False)
        return True

    def click(self, ward: str | None, click: tuple | None, paint: str) -> bool:
        """A click on the map (`ward` clicked, `click` its render.maps.click_id) while painting into `paint`:
        a new click on a ward not already in `paint` puts it there, and `paint` is remembered so the page
        can keep painting into it (`paint_after_click`). Returns whether the scheme changed (the page then
        reruns). Any other report of the map (the same click again, no click yet) is only remembered."""
        paint = paint.strip()
        changed = bool(click and click != self._ss.get(self.LAST_CLICK) and paint and self.scheme.get(ward) != paint)
        self._ss[self.LAST_CLICK] = click
        if changed:
            self._replace({**self.scheme, ward: paint})
            self._ss[self.PAINT_NEXT] = paint
        return changed

    def paint_after_click(self, area_names: Collection[str]) -> str | None:
        """The area a click just painted into, once it is among `area_names` (a click can make a new area):
        the page selects it in the 'puts it in' box, so the next click paints there too. None otherwise."""
        if self._ss.get(self.PAINT_NEXT) in area_names:
            return self._ss.pop(self.PAINT_NEXT)
        return None

    def undo(self) -> None:
        """Back to the scheme before the last change, in a new table version (nothing when there is none)."""
        if not self.can_undo:
            return
        self._ss[self.SCHEME] = self._ss[self.HISTORY].pop()
        self._ss[self.VERSION] = self.version + 1
        self._ss[self.UNDOS] = self._ss.get(self.UNDOS, 0) + 1  # a fresh map (map_key), with no click to re-report

    def use_lookup(self, assignment: Mapping[str, str]) -> None:
        """An imported ward → area lookup becomes the scheme (undoable; the name being worked on is kept)."""
        self._replace(assignment)

    # -- saved schemes and links ---------------------------------------------------------------------------

    def open_saved(self, name: str, assignment: Mapping[str, str]) -> None:
        """The saved scheme `name` becomes the scheme being worked on (undoable); a link to it counts as
        followed, so it is not opened again over later edits."""
        self._replace(assignment)
        self._ss[self.CURRENT_NAME] = name
        self._ss[self.LINK] = name

    def follow(self, asked: str | None, saved_scheme: Callable[[str], Mapping[str, str] | None]) -> bool:
        """A link `?scheme=<name>`: each name asked is opened once (later runs keep the user's edits), through
        `saved_scheme(name)`, the saved scheme's ward → area or None when there is none (called only for a
        link not followed yet). Returns False when the link names no saved scheme (the page warns)."""
        if not asked or self._ss.get(self.LINK) == asked:
            return True
        self._ss[self.LINK] = asked
        assignment = saved_scheme(asked)
        if assignment is None:
            return False
        self.open_saved(asked, assignment)
        return True

    def saves_over(self, name: str) -> bool:
        """Whether saving as `name` replaces a saved scheme: only the one being worked on may be replaced."""
        return name.strip() == self.current_name

    def saved_as(self, name: str) -> None:
        """The scheme was saved as `name`, which is now the scheme being worked on."""
        self._ss[self.CURRENT_NAME] = name.strip()

    def renamed(self, old: str, new: str) -> None:
        """A saved scheme was renamed: if it is the one being worked on, the new name follows."""
        if self.current_name == old:
            self._ss[self.CURRENT_NAME] = new.strip()

    # -- proposals -----------------------------------------------------------------------------------------

    def keep_proposals(self, found: Sequence[Proposal], k: int, tolerance: float) -> None:
        """Remember worked-out proposals (and the number of areas and range they were for) across runs."""
        self._ss[self.PROPOSALS] = [(p.name, p.method, p.score, p.parts, p.assignment.to_dict()) for p in found]
        self._ss[self.PROPOSALS_FOR] = (k, tolerance)

    @property
    def proposals(self) -> list[Proposal] | None:
        """The proposals last worked out, best first; [] when none met the range, None before any were asked."""
        if self.PROPOSALS not in self._ss:
            return None
        return [Proposal(n, m, pd.Series(a), s, parts) for n, m, s, parts, a in self._ss[self.PROPOSALS]]

    @property
    def proposals_for(self) -> tuple[int, float] | None:
        """(number of areas, ± range %) the remembered proposals were worked out for."""
        return self._ss.get(self.PROPOSALS_FOR)

    def open_proposal(self, proposal: Proposal) -> None:
        """A proposal becomes the scheme (undoable); it is no saved scheme, so the name is dropped."""
        self._replace(proposal.assignment.to_dict())
        self._ss[self.CURRENT_NAME] = None


def _text(value: Any) -> str:
    """An Area cell as the table shows it: missing (None, NaN) as "", otherwise the stripped text."""
    return "" if value is None or value != value else str(value).strip()
