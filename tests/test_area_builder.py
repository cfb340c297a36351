"""services.area_builder.AreaBuilder: every transition of the Areas page's builder, with known answers on a
four-ward map (A–D) kept in a plain dict standing in for st.session_state."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.proposals import Proposal
from services.area_builder import AreaBuilder

CODES = ["A", "B", "C", "D"]
START = {"A": "Area 1", "B": "Area 1", "C": "Area 2", "D": "Area 2"}
CLICK_1 = ("B", 51.5, 0.3)   # render.maps.click_id: ward, where
CLICK_2 = ("C", 51.4, 0.2)


@pytest.fixture()
def store() -> dict:
    return {}


@pytest.fixture()
def builder(store) -> AreaBuilder:
    b = AreaBuilder(store, CODES)
    assert b.start(2, START)
    return b


def proposal(assignment: dict[str, str]) -> Proposal:
    return Proposal("Proposal A", "SKATER + local moves", pd.Series(assignment), 1.5, {"contiguous": True})


# -- starting -----------------------------------------------------------------------------------------------

def test_start_keeps_the_page_keys(store, builder):
    assert store == {"areas_start_n": 2, "areas_history": [], "areas_version": 0, "areas_scheme": START}
    assert builder.scheme == START and builder.scheme is not START   # a copy
    assert builder.version == 0 and builder.start_n == 2
    assert builder.editor_key == "areas_editor_2"
    assert not builder.can_undo and builder.current_name is None and builder.proposals is None


def test_start_again_only_for_another_number_of_areas(store, builder):
    builder.edit_table({**START, "A": "North"})
    assert not builder.start(2, START)          # the same number: the edits stay
    assert builder.scheme["A"] == "North" and builder.can_undo
    other = {c: "Area 1" for c in CODES}
    assert builder.start(1, other)              # another number: a fresh start, no undo
    assert builder.scheme == other and not builder.can_undo
    assert builder.version == 0 and builder.editor_key == "areas_editor_1"


def test_start_keeps_the_name_worked_on(builder):
    builder.saved_as("Mine")
    builder.start(3, START)
    assert builder.current_name == "Mine"


def test_the_page_state_survives_a_new_builder(store, builder):
    """The page makes a new AreaBuilder on every run: all state is in the store."""
    builder.click("A", CLICK_1, "Area 2")
    again = AreaBuilder(store, CODES)
    assert again.scheme == builder.scheme and again.version == 1 and again.can_undo


# -- the table ----------------------------------------------------------------------------------------------

def test_typing_in_the_table_changes_the_scheme_under_the_same_table(builder):
    assert builder.edit_table({**START, "D": "South"})
    assert builder.scheme == {"A": "Area 1", "B": "Area 1", "C": "Area 2", "D": "South"}
    assert builder.version == 0 and builder.editor_key == "areas_editor_2"
    assert builder.can_undo


def test_the_table_as_shown_is_no_change(builder):
    assert not builder.edit_table(dict(START))
    assert not builder.can_undo and builder.version == 0


def test_a_missing_area_shows_as_empty(store):
    b = AreaBuilder(store, CODES)
    b.start(2, {"A": "Area 1", "B": None, "C": float("nan"), "D": " Area 2 "})
    assert not b.edit_table({"A": "Area 1", "B": "", "C": "", "D": "Area 2"})


def test_the_scheme_covers_every_ward_with_names_stripped(builder):
    builder.edit_table({"A": "  East ", "B": "Area 1", "C": "Area 2", "D": "Area 2", "Z": "Elsewhere"})
    assert builder.scheme == {"A": "East", "B": "Area 1", "C": "Area 2", "D": "Area 2"}
    builder.use_lookup({"A": "X"})
    assert builder.scheme == {"A": "X", "B": "", "C": "", "D": ""}


# -- the map ------------------------------------------------------------------------------------------------

def test_a_click_paints_the_ward_and_keeps_painting_there(store, builder):
    assert builder.click("B", CLICK_1, " Area 7 ")
    assert builder.scheme == {"A": "Area 1", "B": "Area 7", "C": "Area 2", "D": "Area 2"}
    assert builder.version == 1 and builder.editor_key == "areas_editor_2_1"
    assert store["areas_last_click"] == CLICK_1
    assert builder.paint_after_click(["Area 1"]) is None        # not drawn yet: remembered
    assert builder.paint_after_click(["Area 1", "Area 2", "Area 7"]) == "Area 7"
    assert builder.paint_after_click(["Area 7"]) is None        # only once


def test_the_same_click_reported_again_is_not_applied_twice(builder):
    assert builder.click("B", CLICK_1, "Area 2")
    builder.edit_table({**builder.scheme, "B": "Area 1"})
    assert not builder.click("B", CLICK_1, "Area 2")
    assert builder.scheme["B"] == "Area 1"


@pytest.mark.parametrize(("ward", "click", "paint"), [
    (None, None, "Area 2"),          # no click yet
    ("A", CLICK_1, "   "),           # no area to paint into
    ("C", CLICK_1, "Area 2"),        # the ward is already there
])
def test_clicks_that_change_nothing(store, builder, ward, click, paint):
    assert not builder.click(ward, click, paint)
    assert builder.scheme == START and not builder.can_undo and builder.version == 0
    assert store["areas_last_click"] == click and "areas_paint_next" not in store


def test_a_new_drawing_without_a_click_forgets_the_last_click(store, builder):
    """As the page has always done: a redrawn map reports no click, so the same ward at the same point
    (st_folium's count restarts with each drawing) is a new click and moves again."""
    builder.click("B", CLICK_1, "Area 2")
    builder.click(None, None, "Area 1")
    assert store["areas_last_click"] is None
    assert builder.click("B", CLICK_1, "Area 1")
    assert builder.scheme["B"] == "Area 1"


# -- undo ---------------------------------------------------------------------------------------------------

def test_undo_goes_back_one_change_at_a_time(builder):
    builder.click("B", CLICK_1, "Area 2")                      # version 1
    builder.edit_table({**builder.scheme, "A": "West"})        # version stays 1
    builder.undo()
    assert builder.scheme == {"A": "Area 1", "B": "Area 2", "C": "Area 2", "D": "Area 2"}
    assert builder.version == 2                                 # a fresh table shows it
    builder.undo()
    assert builder.scheme == START and builder.version == 3 and not builder.can_undo
    builder.undo()                                              # nothing left: nothing happens
    assert builder.scheme == START and builder.version == 3


def test_undo_after_a_map_click_restores_the_scheme(store, builder):
    """Issue: 'Undo the last change after a map click does nothing'. The builder's part works: the click is
    undone and the same map report seen again is not re-applied."""
    builder.click("B", CLICK_1, "Area 2")
    builder.undo()
    assert builder.scheme == START
    assert not builder.click("B", CLICK_1, "Area 2")
    assert builder.scheme == START


def test_undo_is_not_itself_undoable(builder):
    builder.edit_table({**START, "A": "West"})
    builder.undo()
    assert not builder.can_undo


def test_the_undo_list_keeps_the_last_fifty(store, builder):
    for i in range(AreaBuilder.HISTORY_LIMIT + 5):
        builder.edit_table({**START, "A": f"Area {i + 10}"})
    assert len(store["areas_history"]) == AreaBuilder.HISTORY_LIMIT
    assert store["areas_history"][0]["A"] == "Area 14"   # the start and the first four edits fell off


# -- saved schemes and links --------------------------------------------------------------------------------

def test_opening_a_saved_scheme_names_it_and_counts_its_link_as_followed(store, builder):
    saved = {"A": "N", "B": "N", "C": "S", "D": "S"}
    builder.open_saved("North and South", saved)
    assert builder.scheme == saved and builder.current_name == "North and South"
    assert builder.version == 1 and builder.can_undo
    assert store["areas_link_loaded"] == "North and South"
    looked_up = []
    assert builder.follow("North and South", lambda name: looked_up.append(name) or saved)
    assert looked_up == []                                      # not opened again over later edits


def test_a_link_opens_its_scheme_once(builder):
    saved = {"A": "N", "B": "N", "C": "S", "D": "S"}
    assert builder.follow("North and South", {"North and South": saved}.get)
    assert builder.scheme == saved and builder.current_name == "North and South"
    builder.edit_table({**saved, "A": "S"})
    assert builder.follow("North and South", {"North and South": saved}.get)
    assert builder.scheme["A"] == "S"                           # the edit stays


def test_a_link_to_no_saved_scheme(store, builder):
    assert not builder.follow("Nowhere", {}.get)
    assert builder.scheme == START and builder.current_name is None
    assert builder.follow("Nowhere", {}.get)                    # warned once
    assert builder.follow(None, {}.get) and builder.follow("", {}.get)


def test_saving_and_renaming_the_scheme_worked_on(builder):
    assert not builder.saves_over("Mine")                       # nothing opened: a new name
    builder.saved_as("  Mine ")
    assert builder.current_name == "Mine" and builder.saves_over("Mine ")
    assert not builder.saves_over("Another")                    # another saved scheme is not overwritten
    builder.renamed("Another", "Third")
    assert builder.current_name == "Mine"
    builder.renamed("Mine", " Second go ")
    assert builder.current_name == "Second go"
    assert builder.scheme == START and not builder.can_undo     # names never change the scheme


def test_edits_keep_the_name_worked_on(builder):
    builder.open_saved("Mine", START)
    builder.edit_table({**START, "A": "West"})
    builder.click("B", CLICK_2, "West")
    builder.use_lookup(START)
    builder.undo()
    assert builder.current_name == "Mine"


# -- proposals ----------------------------------------------------------------------------------------------

def test_proposals_are_kept_between_runs(store, builder):
    found = [proposal({"A": "Area 1", "B": "Area 2", "C": "Area 2", "D": "Area 1"})]
    builder.keep_proposals(found, 2, 10.0)
    again = AreaBuilder(store, CODES).proposals
    assert [(p.name, p.method, p.score, p.parts) for p in again] == [
        ("Proposal A", "SKATER + local moves", 1.5, {"contiguous": True})]
    assert again[0].assignment.equals(found[0].assignment)
    assert builder.proposals_for == (2, 10.0)
    builder.keep_proposals([], 3, 5.0)
    assert builder.proposals == [] and builder.proposals_for == (3, 5.0)


def test_opening_a_proposal_drops_the_name(builder):
    builder.saved_as("Mine")
    builder.open_proposal(proposal({"A": "Area 1", "B": "Area 2", "C": "Area 2", "D": "Area 1"}))
    assert builder.scheme == {"A": "Area 1", "B": "Area 2", "C": "Area 2", "D": "Area 1"}
    assert builder.current_name is None and builder.version == 1
    builder.undo()
    assert builder.scheme == START


def test_every_key_written_is_a_listed_page_key(store, builder):
    builder.click("B", CLICK_1, "Area 7")
    builder.follow("Nowhere", {}.get)
    builder.saved_as("Mine")
    builder.keep_proposals([], 2, 10.0)
    builder.undo()
    assert set(store) == set(AreaBuilder.KEYS)
