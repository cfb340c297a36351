"""Open DuckDB with the spatial extension loaded from its PyPI wheel (no network).

`duckdb-extension-spatial` ships the signed extension binary for the pinned DuckDB
version; LOADing that file keeps signature checks on and never calls INSTALL, so the
app and the ETL work offline.
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def spatial_extension_path() -> Path:
    """Path of the spatial extension shipped for the installed DuckDB version."""
    import duckdb_extension_spatial

    base = Path(duckdb_extension_spatial.__file__).parent / "extensions"
    wanted = base / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
    if wanted.exists():
        return wanted
    found = sorted(base.glob("*/spatial.duckdb_extension"))
    if not found:
        raise RuntimeError(f"duckdb-extension-spatial has no extension file under {base}")
    raise RuntimeError(
        f"duckdb {duckdb.__version__} needs duckdb-extension-spatial of the same version; found {found[0].parent.name}"
    )


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Connect to a database file with spatial loaded."""
    con = duckdb.connect(str(path), read_only=read_only)
    # LOAD takes no bound parameters; the path is the package's own, quoted defensively.
    extension = str(spatial_extension_path()).replace("'", "''")
    con.execute(f"LOAD '{extension}'")
    return con


def attach_read_only(con: duckdb.DuckDBPyConnection, path: str | Path, alias: str) -> None:
    """ATTACH the database file at `path` read-only as `alias` (duckdb.Error when it cannot be opened).

    ATTACH takes no bound parameter for its path, so the path is quoted here, once; `alias` is the caller's own
    constant, never user input. Used to read the published file beside a load, and by the app's connection.
    """
    quoted = str(path).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS {alias} (READ_ONLY)")
