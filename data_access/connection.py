"""Which database the app reads, its one read-only connection, and the cache keyed on its version.

The app never writes the published database (the ETL replaces it whole and atomically), so
one read-only connection per database file is shared by every session (`st.cache_resource`),
each query on a cursor of its own. Results are cached as data (`st.cache_data`) keyed on the
file's path and modification time (its *version*) plus the call's arguments, so a newly
published load is picked up without restarting the app and two databases never share a cache.
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

from vocabulary import duck

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


@st.cache_resource(show_spinner=False)
def _connection(path: str, mtime: float) -> duckdb.DuckDBPyConnection:
    return duck.connect(path, read_only=True)


def query(sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one parameterised query on a cursor of the shared read-only connection."""
    cursor = _connection(*version()).cursor()
    try:
        return cursor.execute(sql, params or []).df()
    finally:
        cursor.close()


def cached(func: F | None = None, *, max_entries: int | None = None) -> F | Callable[[F], F]:
    """Cache `func`'s result per database version and arguments (`st.cache_data`: each caller gets a copy).

    Used bare (`@cached`) or with a bound on the entries kept (`@cached(max_entries=64)`). The cached
    function is keyed by the decorated function's module and qualified name, so every decorated query
    has a cache of its own. Outside a Streamlit server (tests, the profiles command) the cache lives in
    memory. `.clear()` empties it.
    """
    def decorate(f: F) -> F:
        def keyed(database_version: tuple[str, float], *args, **kwargs):
            return f(*args, **kwargs)

        keyed.__module__, keyed.__name__, keyed.__qualname__ = f.__module__, f.__name__, f.__qualname__
        in_cache = st.cache_data(show_spinner=False, max_entries=max_entries)(keyed)

        @functools.wraps(f)
        def call(*args, **kwargs):
            return in_cache(version(), *args, **kwargs)

        call.clear = in_cache.clear
        return call  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate
