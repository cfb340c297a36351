"""The workspace: what users save (area schemes, themed groups). The app's only writer.

The published database is read-only and replaced whole by every load, so what planners and
scrutiny officers author lives in a separate small DuckDB file, keyed by the council's district
so one workspace can serve several databases. Each write opens, writes and closes a connection.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import duckdb
import pandas as pd

from data_access.connection import db_path
from data_access.reference import meta

WORKSPACE_DDL = """CREATE TABLE IF NOT EXISTS saved_items (
    lad_code VARCHAR, kind VARCHAR, name VARCHAR, payload VARCHAR,
    created_at TIMESTAMP DEFAULT current_timestamp, updated_at TIMESTAMP DEFAULT current_timestamp,
    PRIMARY KEY (lad_code, kind, name))"""


def workspace_path() -> Path:
    """$WARDSCOPE_WORKSPACE, else workspace.duckdb beside the published database."""
    return Path(os.environ.get("WARDSCOPE_WORKSPACE", db_path().parent / "workspace.duckdb")).resolve()


#: One session at a time opens the workspace file: DuckDB refuses a second open of the same file from another
#: thread of the process while the first is attaching it ("Unique file handle conflict"; seen by bench/load.py).
_WORKSPACE_LOCK = threading.Lock()


def _workspace(sql: str, params: list) -> pd.DataFrame:
    with _WORKSPACE_LOCK:
        return _run_in_workspace(sql, params)


def _run_in_workspace(sql: str, params: list) -> pd.DataFrame:
    con = duckdb.connect(str(workspace_path()))
    try:
        con.execute(WORKSPACE_DDL)
        return con.execute(sql, params).df()
    finally:
        con.close()


def saved_items(kind: str) -> pd.DataFrame:
    """Saved items of one kind ('scheme', 'themed_group', …) for this council: name, payload (JSON), dates."""
    return _workspace("SELECT name, payload, created_at, updated_at FROM saved_items WHERE lad_code = ? AND kind = ? "
                      "ORDER BY name", [meta()["lad_code"], kind])


def save_item(kind: str, name: str, payload: dict, replace: bool = True) -> None:
    """Create or replace a named item (JSON-serialisable payload). With replace=False an item of that name
    already saved is left alone and a ValueError says so (saving must not overwrite another user's work)."""
    if not name.strip():
        raise ValueError("a name is needed")
    if not replace and name.strip() in set(saved_items(kind)["name"]):
        raise ValueError(f"'{name.strip()}' is already saved: choose another name, or open it to change it")
    _workspace("""INSERT INTO saved_items (lad_code, kind, name, payload) VALUES (?, ?, ?, ?)
                  ON CONFLICT (lad_code, kind, name) DO UPDATE SET payload = excluded.payload,
                  updated_at = now()""", [meta()["lad_code"], kind, name.strip(), json.dumps(payload)])


def rename_item(kind: str, old: str, new: str) -> None:
    """Rename a saved item; refuses a name already taken."""
    if not new.strip():
        raise ValueError("a name is needed")
    if new.strip() in set(saved_items(kind)["name"]):
        raise ValueError(f"'{new}' is already taken")
    _workspace("UPDATE saved_items SET name = ?, updated_at = now() WHERE lad_code = ? AND kind = ? "
               "AND name = ?", [new.strip(), meta()["lad_code"], kind, old])


def duplicate_item(kind: str, name: str) -> str:
    """Save a copy of an item as 'NAME (copy)', or 'NAME (copy 2)', … when taken; returns the copy's name."""
    items = saved_items(kind).set_index("name")
    taken, copy, n = set(items.index), f"{name} (copy)", 2
    while copy in taken:
        copy, n = f"{name} (copy {n})", n + 1
    save_item(kind, copy, json.loads(items.at[name, "payload"]), replace=False)
    return copy


def delete_item(kind: str, name: str) -> None:
    """Delete a saved item (nothing happens if it is not there)."""
    _workspace("DELETE FROM saved_items WHERE lad_code = ? AND kind = ? AND name = ?",
               [meta()["lad_code"], kind, name])
