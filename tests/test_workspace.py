"""The workspace stores what users save, beside (never inside) the read-only published database."""

from __future__ import annotations

import json

import pytest


@pytest.fixture()
def workspace(app_env, tmp_path, monkeypatch):
    monkeypatch.setenv("WARDSCOPE_WORKSPACE", str(tmp_path / "ws.duckdb"))
    import data_access as da

    return da


def test_save_list_rename_delete(workspace, app_env):
    da = workspace
    before = app_env.stat().st_mtime
    da.save_item("scheme", "Six areas", {"E05900001": "North"})
    da.save_item("scheme", "Six areas", {"E05900001": "South"})  # replace
    da.save_item("scheme", "Four areas", {"E05900001": "A"})
    items = da.saved_items("scheme")
    assert list(items["name"]) == ["Four areas", "Six areas"]
    assert json.loads(items.set_index("name").at["Six areas", "payload"]) == {"E05900001": "South"}
    with pytest.raises(ValueError, match="already saved"):
        da.save_item("scheme", "Six areas", {"E05900001": "East"}, replace=False)
    assert json.loads(da.saved_items("scheme").set_index("name").at["Six areas", "payload"]) == {"E05900001": "South"}
    assert da.duplicate_item("scheme", "Six areas") == "Six areas (copy)"
    assert da.duplicate_item("scheme", "Six areas") == "Six areas (copy 2)"
    copies = da.saved_items("scheme").set_index("name")
    assert json.loads(copies.at["Six areas (copy 2)", "payload"]) == {"E05900001": "South"}
    da.delete_item("scheme", "Six areas (copy)")
    da.delete_item("scheme", "Six areas (copy 2)")
    da.rename_item("scheme", "Six areas", "Six areas v2")
    with pytest.raises(ValueError):
        da.rename_item("scheme", "Four areas", "Six areas v2")
    da.delete_item("scheme", "Four areas")
    assert list(da.saved_items("scheme")["name"]) == ["Six areas v2"]
    assert da.saved_items("themed_group").empty
    assert app_env.stat().st_mtime == before  # the published database is never written


def test_blank_name_refused(workspace):
    with pytest.raises(ValueError):
        workspace.save_item("scheme", "  ", {})


def test_sessions_at_once_never_collide_on_the_workspace_file(workspace):
    """Many sessions (threads of one server) reading and saving at once: no 'file handle conflict'."""
    from concurrent.futures import ThreadPoolExecutor

    da = workspace
    da.meta()  # warm the shared read-only connection first

    def session(k: int) -> int:
        for step in range(8):
            da.save_item("scheme", f"Scheme {k}", {"E05900001": f"Area {step}"})
            da.saved_items("scheme")
        return k

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sorted(pool.map(session, range(8))) == list(range(8))
    assert len(da.saved_items("scheme")) == 8
