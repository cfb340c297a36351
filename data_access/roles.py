"""Who is asking: the three roles, checked here in the data-access layer and not only in the menu.

- public: protected aggregates only. Every count this layer returns to the public is already rounded by
  the keyed rounding (vocabulary.cell_key), and response-level data (comment texts and points, PB ballots)
  are refused with NotPermitted.
- councillor: the aggregates as counted (disclosure control is still applied before anything is shown),
  and what residents wrote.
- officer: all of the above, and can load, publish and roll back data.

The app sets the role of each session from its sign-in (ui.frame). Where nothing set it, the role is
WARDSCOPE_ROLE, else the officer's: whoever runs a command on the server (the ETL's exports, tests,
notebooks) can read the file anyway, and a single-machine install is its officer's own.
The role is part of every cache key (data_access.connection.cached), so no figure cached for one role
is served to another.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TypeVar

PUBLIC, COUNCILLOR, OFFICER = "public", "councillor", "officer"
ROLES = (PUBLIC, COUNCILLOR, OFFICER)
LABELS = {PUBLIC: "Public", COUNCILLOR: "Councillor", OFFICER: "Council officer"}
_RANK = {role: rank for rank, role in enumerate(ROLES)}

_CURRENT: ContextVar[str | None] = ContextVar("wardscope_role", default=None)

F = TypeVar("F", bound=Callable)


class NotPermitted(PermissionError):
    """The current role may not read this: said to the user in plain words, never a traceback."""


def check(role: str) -> str:
    """`role` if it is one of ROLES, else ValueError naming the allowed ones."""
    if role not in _RANK:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def default_role() -> str:
    """The role where nothing set one: WARDSCOPE_ROLE, else officer."""
    return check(os.environ.get("WARDSCOPE_ROLE") or OFFICER)


def current() -> str:
    """The role of this session (or command): the one set, else the default."""
    return _CURRENT.get() or default_role()


def set_current(role: str) -> None:
    """Set the role for the rest of this script run (the app's frame calls this once per run)."""
    _CURRENT.set(check(role))


def allows(minimum: str, role: str | None = None) -> bool:
    """True when `role` (default: the current one) is at least `minimum`."""
    return _RANK[check(role or current())] >= _RANK[check(minimum)]


@contextlib.contextmanager
def acting_as(role: str) -> Iterator[str]:
    """Read as `role` inside the block (this thread and context only)."""
    token = _CURRENT.set(check(role))
    try:
        yield role
    finally:
        _CURRENT.reset(token)


def requires(minimum: str) -> Callable[[F], F]:
    """Refuse the decorated data-access function to roles below `minimum` (NotPermitted)."""
    check(minimum)

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def guarded(*args, **kwargs):
            if not allows(minimum):
                raise NotPermitted(f"{LABELS[current()]} users cannot see {func.__name__.replace('_', ' ')}: "
                                   f"it needs a {LABELS[minimum].lower()} sign-in.")
            return func(*args, **kwargs)
        guarded.required_role = minimum
        return guarded  # type: ignore[return-value]
    return decorate
