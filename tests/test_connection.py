"""The app's read-only connection follows the published file: a newly published load is served at once."""

from __future__ import annotations

import os
import shutil

import duckdb

import data_access as da


def test_a_file_published_over_the_old_one_is_read_at_once(demo_db, tmp_path):
    served = tmp_path / "wardscope.duckdb"
    shutil.copy(demo_db, served)
    with da.use_database(served):
        before = da.query("SELECT count(*) AS n FROM activities").at[0, "n"]
        replacement = tmp_path / ".wardscope.duckdb.tmp"
        shutil.copy(demo_db, replacement)
        with duckdb.connect(str(replacement)) as con:
            con.execute("DELETE FROM activities WHERE activity_id NOT IN (SELECT activity_id FROM responses)")
            con.execute("DELETE FROM activities WHERE activity_id = (SELECT min(activity_id) FROM activities)")
        os.replace(replacement, served)  # as the ETL publishes
        os.utime(served, ns=(os.stat(served).st_atime_ns, os.stat(served).st_mtime_ns + 1_000_000))
        after = da.query("SELECT count(*) AS n FROM activities").at[0, "n"]
    assert after < before
