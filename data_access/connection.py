"""Which database the app reads, its one read-only connection, and the cache keyed on its version.

The app never writes the published database (the ETL replaces it whole and atomically), so
one read-only connection per database file is shared by every session (`st.cache_resource`),
each query on a cursor of its own. Results are cached as data (`st.cache_data`) keyed on the
file's path and modification time (its *version*), the reader's role and the call's arguments, so a
newly published load is picked up without restarting the app, two databases never share a cache and
no figure read for one role is served to another. For the public role, the count columns a function
declares (`cached(counts=...)`) leave this layer already rounded (vocabulary.cell_key).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd
import streamlit as st

from data_access import roles
from vocabulary import cell_key, duck

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "data" / "wardscope.duckdb"

#: A database chosen for this context by `use_database` (the profiles command), ahead of $WARDSCOPE_DB.
_CHOSEN: ContextVar[Path | None] = ContextVar("wardscope_database", default=None)

F = TypeVar("F", bound=Callable)


def db_path() -> Path:
    """Database the app serves: one chosen with `use_database`, else $WARDSCOPE_DB, else data/wardscope.duckdb."""
    chosen = _CHOSEN.get()
    return chosen if chosen is not None else Path(os.environ.get("WARDSCOPE_DB", DEFAULT_DB)).resolve()


@contextlib.contextmanager
def use_database(path: Path) -> Iterator[Path]:
    """Read `path` inside the block (this thread and context only; the environment is left alone)."""
    token = _CHOSEN.set(Path(path).resolve())
    try:
        yield Path(path).resolve()
    finally:
        _CHOSEN.reset(token)


def version() -> tuple[str, float]:
    """The database's identity for caching: its path and modification time."""
    path = db_path()
    return str(path), path.stat().st_mtime


#: The name the published file is attached under in each connection's in-memory database.
_PUBLISHED = "published"


@st.cache_resource(show_spinner=False, max_entries=8)
def _connection(path: str, mtime: float) -> duckdb.DuckDBPyConnection:
    """The file attached read-only to an in-memory database of its own.

    Not `duckdb.connect(path)`: DuckDB keeps one instance per path in a process, so after the ETL publishes a
    new file over the old one (os.replace) a new connect to the same path would be handed the old, still open,
    file and keep serving the data that were replaced. ATTACH opens the file now at that path.
    """
    con = duck.connect(":memory:")
    duck.attach_read_only(con, path, _PUBLISHED)
    return con


def query(sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one parameterised query on a cursor of the shared read-only connection."""
    cursor = _connection(*version()).cursor()
    cursor.execute(f"USE {_PUBLISHED}")  # a cursor starts in the in-memory catalogue
    try:
        return cursor.execute(sql, params or []).df()
    finally:
        cursor.close()


def cached(func: F | None = None, *, max_entries: int | None = None,
           counts: tuple[str, ...] = ()) -> F | Callable[[F], F]:
    """Cache `func`'s result per database version, role and arguments (`st.cache_data`: each caller gets a copy).

    Used bare (`@cached`) or with options (`@cached(max_entries=64, counts=("respondents",))`). `counts` names
    the result's count columns (or keys, for a dict): for the public role they are rounded here
    (`protect_for_role`), so the public never receives a count as counted. The cached function is keyed by
    the decorated function's module and qualified name, so every decorated query has a cache of its own.
    Outside a Streamlit server (tests, the profiles command) the cache lives in memory. `.clear()` empties it.
    """
    def decorate(f: F) -> F:
        def keyed(database_version: tuple[str, float], role: str, *args, **kwargs):
            with roles.acting_as(role):
                return protect_for_role(f(*args, **kwargs), counts, role)

        keyed.__module__, keyed.__name__, keyed.__qualname__ = f.__module__, f.__name__, f.__qualname__
        in_cache = st.cache_data(show_spinner=False, max_entries=max_entries)(keyed)

        @functools.wraps(f)
        def call(*args, **kwargs):
            return in_cache(version(), roles.current(), *args, **kwargs)

        call.clear = in_cache.clear
        call.count_columns = counts
        return call  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate


def protect_for_role(result: pd.DataFrame | dict, counts: tuple[str, ...], role: str) -> pd.DataFrame | dict:
    """`result` with its `counts` columns (DataFrame) or keys (dict) rounded by the keyed rounding when `role` is
    public (vocabulary.cell_key, base = the disclosure threshold); unchanged for every other role."""
    if role != roles.PUBLIC or not counts:
        return result
    base = cell_key.base_from_env()
    if isinstance(result, dict):
        return {k: (float(cell_key.round_counts([v], base)[0]) if k in counts and v is not None else v)
                for k, v in result.items()}
    result = result.copy()
    for column in counts:
        if column in result.columns:
            result[column] = cell_key.round_counts(result[column].to_numpy(dtype=float), base)
    return result
