"""Upload for officers (issue 12): services/upload.py on its own, and the Data page's "Load new data" section.

Unit tests: the TOML the staged config is written in, the config with the uploaded files put in place, the
candidate's report read and shown with response counts protected, the ETL's failure line, the officer-only
guard. AppTests of pages/data.py on a copy of the demo database (conftest's demo_db), each test its own copy:
an officer uploads a good responses file, reads the report, publishes, sees the new load and rolls back; a bad
file is reported by file, line and problem and the published database stays byte-identical; the public sees
no upload section. The ETL itself (`python -m etl build --stage`, `publish`, `rollback`) runs for real.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tomllib
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_access import roles
from geo.disclosure import DisclosurePolicy
from services import upload

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300
EXTRA = 500  # responses added to the demo's in the good file


# --- unit tests -------------------------------------------------------------------------------------------------


def test_toml_round_trip_keeps_every_value():
    table = {
        "council": {"name": "Borough \"of\" Tëst\\", "lad_code": "E06000034", "synthetic": False},
        "wards": {"file": "/data/wards.geojson", "date": date(2024, 5, 2)},
        "small_areas": {"oa": {"file": "oa.geojson"}, "lsoa": {"file": "lsoa.geojson"}},
        "statistics": [
            {"dimension": "age", "file": "a.csv", "categories": {"Aged 0 to 15": "0-15", "16+ (all)": "16+"}},
            {"dimension": "sex", "file": "s.csv", "categories": "census2021_sex", "national": True},
        ],
        "engagement": {"activities": "act.csv", "responses": "resp.csv", "min_age": 16,
                       "answers": {"age": {"Under 16": "0-15"}, "file": "answers.csv"}},
        "load": {"max_rejected_rows": 3, "share": 0.25, "list": [1, 2]},
    }
    assert tomllib.loads(upload.to_toml(table)) == table


def _config(folder: Path) -> Path:
    (folder / "sub").mkdir()
    config = folder / "sub" / "council.toml"
    config.write_text("""
[council]
name = "Test borough"
lad_code = "E06999999"

[wards]
file = "wards.geojson"
source = "OS"

[small_areas.lsoa]
file = "../lsoa.geojson"

[[statistics]]
dimension = "age"
file = "age.csv"
level = "lsoa"
layout = "wide"
code_column = "LSOA"
categories = "census2021_age6"

[[statistics]]
dimension = "sex"
file = "/abs/sex.csv"
level = "lsoa"
layout = "wide"
code_column = "LSOA"
categories = { "Female" = "Female", "Male" = "Male" }

[engagement]
activities = "activities.csv"
responses = "responses.csv"
answers = "answers.csv"
questions = "questions.csv"

[engagement.synthetic]
seed = 1
""", encoding="utf-8")
    return config


def test_slots_name_the_published_files(tmp_path):
    found = {s.key: s for s in upload.slots(_config(tmp_path))}
    assert list(found) == ["wards", "statistics:age", "statistics:sex", "assets", "activities", "responses"]
    assert found["statistics:sex"].current == "sex.csv" and found["wards"].current == "wards.geojson"
    assert found["assets"].current == ""  # optional: this load has none, an upload adds one


def test_staged_config_puts_the_uploads_in_place_and_keeps_the_rest(tmp_path):
    config = _config(tmp_path)
    staging = tmp_path / "staging"
    staging.mkdir()
    new_responses, new_age = staging / "r.csv", staging / "age 2.csv"
    staged = upload.staged_config(config, {"responses": new_responses, "statistics:age": new_age}, staging)
    raw = tomllib.loads(staged.read_text(encoding="utf-8"))
    base = config.parent.resolve()
    assert staged.parent == staging
    assert raw["engagement"]["responses"] == str(new_responses.resolve())
    assert raw["statistics"][0]["file"] == str(new_age.resolve())
    assert raw["statistics"][1]["file"] == "/abs/sex.csv"  # absolute paths stay
    assert raw["statistics"][1]["categories"] == {"Female": "Female", "Male": "Male"}
    assert raw["wards"] == {"file": str(base / "wards.geojson"), "source": "OS"}
    assert raw["small_areas"]["lsoa"]["file"] == str((base / "../lsoa.geojson").resolve())
    assert raw["engagement"]["activities"] == str(base / "activities.csv")
    assert raw["engagement"]["answers"] == str(base / "answers.csv")
    assert "synthetic" not in raw["engagement"]  # a real responses file: the generator must not overwrite it
    with pytest.raises(ValueError, match="no file called"):
        upload.staged_config(config, {"boundaries": new_age}, staging)


def test_an_assets_upload_adds_the_section(tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    staged = upload.staged_config(_config(tmp_path), {"assets": staging / "assets.csv"}, staging)
    assert tomllib.loads(staged.read_text(encoding="utf-8"))["assets"] == {"file": str(staging / "assets.csv")}


REPORT = {
    "run_id": "abc123", "council": "Test borough",
    "datasets": [
        {"dataset": "wards", "file": "/x/wards.geojson", "rows_read": 20, "rows_loaded": 20, "rows_rejected": 0,
         "rejections": [], "notes": []},
        {"dataset": "assets", "file": "/x/assets.csv", "rows_read": 12, "rows_loaded": 10, "rows_rejected": 2,
         "rejections": [{"line": 7, "column": "postcode", "problem": "'ZZ1 1ZZ' is not a postcode"}],
         "notes": ["2 postcodes match no ward"]},
        {"dataset": "responses", "file": "/x/responses.csv", "rows_read": 1203, "rows_loaded": 1200,
         "rows_rejected": 3, "rejections": [], "notes": ["3 responses have terminated postcodes"]},
    ],
    "notes": ["statistics codes: 4 codes match no ward"],
    "changes": [{"measure": "responses", "published": 1100, "candidate": 1200, "change_pct": 9.09},
                {"measure": "wards", "published": 20, "candidate": 20, "change_pct": 0.0}],
    "needs_accept_changes": True,
}


def test_report_is_read_and_shown_with_response_counts_protected():
    report = upload.parse_report(REPORT)
    policy = DisclosurePolicy.from_env()
    assert report.ok and report.run_id == "abc123" and report.needs_accept_changes
    assert report.datasets[1].rejections[0] == upload.Rejection(7, "postcode", "'ZZ1 1ZZ' is not a postcode")
    table = upload.datasets_table(report, policy).set_index("Dataset")
    assert table.loc["assets", "Rows rejected"] == "2"  # assets are counted exactly
    assert table.loc["responses", "Rows rejected"] == policy.label  # 3 responses: hidden
    assert table.loc["responses", "File"] == "responses.csv"
    changes = upload.changes_table(report, policy).set_index("Measure")
    assert changes.loc["Wards", "New"] == "20" and changes.loc["Responses", "Change"] == "+9.1%"
    notes = upload.report_notes(report, policy)
    assert "statistics codes: 4 codes match no ward" in notes and "assets: 2 postcodes match no ward" in notes
    assert f"responses: fewer than {policy.threshold} responses have terminated postcodes" in notes
    assert list(upload.rejections_table(report.datasets[1]).columns) == ["Line", "Column", "Problem"]


def test_failure_message_is_the_etls_own_line_never_a_traceback():
    said = subprocess.CompletedProcess([], 2, "", "reading…\nLoad failed, nothing was changed: r.csv, line 7: oops\n")
    assert upload.failure_message(said) == "Load failed, nothing was changed: r.csv, line 7: oops"
    crashed = subprocess.CompletedProcess([], 1, "", "Traceback (most recent call last):\n  File …\nKeyError: 'x'\n")
    assert upload.failure_message(crashed) == "The command stopped unexpectedly (exit 1): KeyError: 'x'"


def test_only_officers_can_stage_publish_or_roll_back(tmp_path):
    for role in (roles.PUBLIC, roles.COUNCILLOR):
        with roles.acting_as(role):
            for call in (lambda: upload.slots(tmp_path / "x.toml"), upload.published_config, upload.can_roll_back,
                         upload.roll_back, lambda: upload.publish("x"), lambda: upload.validate({}),
                         lambda: upload.save_uploads({}, tmp_path / "db.duckdb")):
                with pytest.raises(roles.NotPermitted):
                    call()


# --- the page (AppTest) -----------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def served_copy(demo_db, tmp_path, monkeypatch) -> Path:
    """A copy of the demo database of this test's own (its config still names the demo's input files)."""
    db = tmp_path / "published" / "demo.duckdb"
    db.parent.mkdir()
    shutil.copy2(demo_db, db)
    monkeypatch.setenv("WARDSCOPE_DB", str(db))
    monkeypatch.delenv("WARDSCOPE_ROLE", raising=False)
    return db


def responses_file(demo_db: Path) -> Path:
    """The demo's responses.csv (beside the config its load recorded)."""
    from vocabulary import duck

    con = duck.connect(demo_db, read_only=True)
    try:
        config = con.execute("SELECT config FROM load_runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()
    return Path(config).parent / "responses.csv"


def good_responses(demo_db: Path) -> bytes:
    """The demo's responses and EXTRA more (copies of the first ones, as new responses of new people)."""
    lines = responses_file(demo_db).read_text(encoding="utf-8").splitlines()
    extra = []
    for i, line in enumerate(lines[1:EXTRA + 1]):
        fields = line.split(",")
        fields[0], fields[1] = f"R9{i:06d}", f"PX{i:07d}"
        extra.append(",".join(fields))
    return ("\n".join(lines + extra) + "\n").encode()


def bad_responses(demo_db: Path) -> bytes:
    """The demo's responses with line 7 (header = line 1) cut short."""
    lines = responses_file(demo_db).read_text(encoding="utf-8").splitlines()
    lines[6] = ",".join(lines[6].split(",")[:5])
    return ("\n".join(lines) + "\n").encode()


def page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=TIMEOUT)


def check(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="upload_responses").set_value((name, data, "text/csv"))
    at.button(key="upload_check").click()
    return at.run()


def texts(at: AppTest) -> str:
    return "\n".join(e.value for kind in ("markdown", "success", "error", "warning", "info")
                     for e in getattr(at, kind))


def latest_run(db: Path) -> str:
    """The latest run of the file now at `db`: attached to a database of its own, as DuckDB would otherwise hand
    back the file the app's connection still has open, even after it was replaced."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{str(db).replace(chr(39), chr(39) * 2)}' AS published (READ_ONLY)")
        return con.execute("SELECT run_id FROM published.load_runs ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()


def test_officer_uploads_checks_publishes_and_rolls_back(served_copy, demo_db):
    first_run = latest_run(served_copy)
    at = page().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [u.label for u in at.file_uploader][-1] == "Responses"
    at = check(at, "responses_new.csv", good_responses(demo_db))
    assert not at.exception, [e.value for e in at.exception]
    assert any("passed every check" in s.value for s in at.success), texts(at)
    report = at.session_state["upload_report"]
    rows = next(f.value for f in at.dataframe if "Rows read" in f.value.columns and "File" in f.value.columns
                and "responses_new.csv" in set(f.value["File"]))
    assert rows.set_index("Dataset").loc["responses", "Rows read"] == f"{24_000 + EXTRA:,}"
    assert any("Measure" in f.value.columns for f in at.dataframe), "the changes against the published load"
    assert sha256(served_copy) == sha256(demo_db), "checking must not publish"

    at.button(key="upload_publish").click()
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"Published: load {report.run_id}" in s.value for s in at.success), texts(at)
    assert latest_run(served_copy) == report.run_id
    assert f"run **{report.run_id}**" in texts(at), "the page shows the new load"
    assert "upload_publish" not in [b.key for b in at.button]

    at.button(key="upload_rollback").click()
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Rolled back" in s.value for s in at.success), texts(at)
    assert latest_run(served_copy) == first_run and sha256(served_copy) == sha256(demo_db)
    assert f"run **{first_run}**" in texts(at)


def test_a_bad_file_is_reported_by_line_and_nothing_changes(served_copy, demo_db):
    before = sha256(served_copy)
    at = check(page().run(), "responses_cut.csv", bad_responses(demo_db))
    assert not at.exception, [e.value for e in at.exception]
    error = next(e.value for e in at.error)
    assert error.startswith("Load failed, nothing was changed: responses_cut.csv, line 7"), error
    assert "upload_publish" not in [b.key for b in at.button]
    assert sha256(served_copy) == before
    assert not (served_copy.parent / f".{served_copy.name}.previous").exists()


def test_large_changes_must_be_accepted_before_publishing(served_copy):
    at = page()
    at.session_state["upload_report"] = upload.parse_report(REPORT)
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.button(key="upload_publish").disabled
    assert any("Accept the large changes" in w.value for w in at.warning)
    at.checkbox(key="upload_accept").check()
    at = at.run()
    assert not at.button(key="upload_publish").disabled
    at.button(key="upload_publish").click()
    at = at.run()  # the candidate waiting is not run abc123: refused in words, nothing published
    assert any("Nothing was published" in e.value for e in at.error), texts(at)


@pytest.mark.parametrize("role", [roles.PUBLIC, roles.COUNCILLOR])
def test_only_officers_see_the_upload_section(served_copy, monkeypatch, role):
    monkeypatch.setenv("WARDSCOPE_ROLE", role)
    at = page().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.file_uploader and "upload_check" not in [b.key for b in at.button]
    assert any(i.value == "Loading data needs an officer sign-in." for i in at.info)


def staging_folders(db: Path) -> list[Path]:
    root = db.parent / f".{db.name}.uploads"
    return sorted(root.iterdir()) if root.exists() else []


def test_uploaded_files_are_kept_only_while_they_may_be_published(served_copy, demo_db):
    """Residents' postcodes are not kept without a reason: a check replaced by another before it was published, or
    one that failed, leaves no staging folder; the published load's files stay (its provenance names them)."""
    at = check(page().run(), "responses_new.csv", good_responses(demo_db))
    first = staging_folders(served_copy)
    assert len(first) == 1
    at = check(at, "responses_new.csv", good_responses(demo_db))
    second = staging_folders(served_copy)
    assert len(second) == 1 and second != first, "the replaced check's files are deleted"
    at.button(key="upload_publish").click()
    at = at.run()
    assert any("Published" in s.value for s in at.success), texts(at)
    at = check(at, "responses_cut.csv", bad_responses(demo_db))
    assert any(e.value.startswith("Load failed") for e in at.error), texts(at)
    assert staging_folders(served_copy) == second, "a failed check keeps nothing; the published load's files stay"
    assert list((second[0]).rglob("responses_new.csv")), "the published load's file is still there"
