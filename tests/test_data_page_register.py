"""The Data and sources page shows the community asset register's history (issue 13, register upkeep)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from vocabulary import duck

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "data.py")


def test_the_register_history_lists_each_load_and_its_changes(app_env):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert "Community asset register" in [h.value for h in at.header]
    history = next(f.value for f in at.dataframe if "Added" in f.value.columns)
    assert list(history.columns) == ["Load", "Loaded (UTC)", "Added", "Changed", "Removed"]
    with duck.connect(app_env, read_only=True) as con:
        n_assets = con.execute("SELECT count(*) FROM assets").fetchone()[0]
    assert n_assets > 0
    assert history.iloc[0][["Added", "Changed", "Removed"]].tolist() == [n_assets, 0, 0]  # a first register
    every = next(f.value for f in at.dataframe if "Asset id" in f.value.columns)
    assert len(every) == n_assets and set(every["Change"]) == {"Added"}
