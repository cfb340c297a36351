"""Roles are checked in the data-access layer: the public role reaches only protected aggregates."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

import data_access as da
from data_access import answers, engagement, roles
from services.access import role_for

#: Arguments for the data-access functions that need some (the rest are called with their defaults).
ARGS = {"respondent_groups": ("ethnicity",), "respondent_groups_quarterly": ("age",), "group_channels": ("sex",),
        "respondent_hexes": (500.0,)}
#: Numeric columns that are not counts of people or responses (coordinates, costs, labels, sizes).
NOT_COUNTS = {"q", "r", "year", "responses_each", "activities", "n", "lo", "hi", "cost", "easting", "northing"}


def _cached_functions():
    for module in (engagement, answers):
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if func.__module__ == module.__name__ and hasattr(func, "count_columns"):
                yield name, func


def _call(name, func):
    if name in ("answer_cells", "question_respondents"):
        return func(da.questions()["question_id"].iloc[0])
    if name == "ballots":
        return func(da.pb_projects()["activity_id"].iloc[0])
    return func(*ARGS.get(name, ()))


@pytest.fixture()
def on_demo(demo_db):
    with da.use_database(demo_db):
        yield


def test_public_gets_only_rounded_counts_from_every_aggregate(on_demo):
    checked = 0
    with roles.acting_as(roles.PUBLIC):
        for name, func in _cached_functions():
            if getattr(func, "required_role", None) or name in ("ballots", "comments"):
                continue
            result = _call(name, func)
            if isinstance(result, dict):
                values = pd.Series({k: v for k, v in result.items() if k in func.count_columns}, dtype=float)
            elif isinstance(result, pd.DataFrame):
                numeric = result.select_dtypes("number").columns.difference(list(NOT_COUNTS))
                assert set(numeric) <= set(func.count_columns), f"{name}: undeclared count columns"
                values = result[list(numeric)].stack() if len(numeric) else pd.Series(dtype=float)
            else:
                continue
            values = values.dropna().astype(float)
            assert (np.mod(values, 10) == 0).all(), f"{name} gave the public an unrounded count"
            checked += 1
    assert checked >= 12


@pytest.mark.parametrize("name", ["comments", "ballots"])
def test_public_cannot_reach_response_level_data(on_demo, name):
    func = getattr(answers, name)
    with roles.acting_as(roles.PUBLIC), pytest.raises(roles.NotPermitted, match="sign-in"):
        _call(name, func)
    with roles.acting_as(roles.COUNCILLOR):
        assert len(_call(name, func)) > 0


def test_the_role_is_part_of_the_cache_key(on_demo):
    counted = da.ward_engagement()
    with roles.acting_as(roles.PUBLIC):
        public = da.ward_engagement()
    again = da.ward_engagement()
    assert not counted["responses"].equals(public["responses"])  # the public's copy was not the officer's
    assert (public["responses"] % 10 == 0).all()
    pd.testing.assert_frame_equal(counted, again)  # nor was the officer served the public's


def test_roles_default_from_the_environment(monkeypatch):
    monkeypatch.setenv("WARDSCOPE_ROLE", "public")
    assert roles.current() == roles.PUBLIC
    monkeypatch.setenv("WARDSCOPE_ROLE", "mayor")
    with pytest.raises(ValueError, match="unknown role"):
        roles.current()


@pytest.mark.parametrize(("email", "expected"), [
    ("data.team@council.gov.uk", roles.OFFICER), ("CLLR.Smith@council.gov.uk", roles.COUNCILLOR),
    ("anyone@members.council.gov.uk", roles.COUNCILLOR), ("resident@example.com", roles.PUBLIC),
    (None, roles.PUBLIC), ("x@evilmembers.council.gov.uk.example", roles.PUBLIC)])
def test_role_for_a_signed_in_email(email, expected):
    configured = {"officers": ["data.team@council.gov.uk"],
                  "councillors": ["cllr.smith@council.gov.uk", "@members.council.gov.uk"]}
    assert role_for(email, configured) == expected
