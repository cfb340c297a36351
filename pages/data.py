"""Data and sources: every load, every source file, the statistics and how residents' privacy is protected."""

import json

import pandas as pd
import streamlit as st

import data_access as da
import ui
from data_access import roles
from geo.disclosure import DisclosurePolicy, protect_note, protect_single
from services import assets, upload

meta = ui.header("Data and sources", "Where every figure comes from, and how residents' privacy is protected")
policy = DisclosurePolicy.from_env()
runs, files = da.load_history()
datasets = da.datasets()
RESPONSE_FILES = {"responses"}  # counts of responses: passed through disclosure control like any other
REPORT, DONE = "upload_report", "upload_done"  # session state: the last validation report, the last publish/rollback


def when(value) -> str:
    return "" if pd.isna(value) else f"{pd.Timestamp(value):%d/%m/%Y %H:%M}"


def rows(value, dataset: str) -> str:
    if pd.isna(value):
        return ""
    return protect_single(value, policy) if dataset in RESPONSE_FILES else f"{value:,.0f}"


st.header("Loads")
if runs.empty:
    st.info("No load is recorded in this database.")
else:
    latest = runs.iloc[0]
    st.markdown(f"Latest load: run **{latest['run_id']}**, {latest['status']}, finished {when(latest['finished_at'])} "
                f"UTC, for {latest['council']}.")
    ui.table(pd.DataFrame({
        "Run": runs["run_id"], "Status": runs["status"],
        "Started (UTC)": runs["started_at"].map(when), "Finished (UTC)": runs["finished_at"].map(when),
        "Rows read": runs["rows_read"].map(lambda v: rows(v, "")),
        "Rows loaded": runs["rows_loaded"].map(lambda v: rows(v, "")),
        "Rows rejected": runs["rows_rejected"].map(lambda v: rows(v, "")),
        "Notes": runs["notes"].fillna("").map(lambda n: len([line for line in n.splitlines() if line.strip()])),
        "Config": runs["config"],
    }), column_config={"Notes": st.column_config.NumberColumn("Notes", help="How many notes the load made: read "
                                                              "them below, load by load")})
    st.caption("Newest first. Each load builds a new database and publishes it only if every check passes; the "
               "history of earlier loads is carried into each new file.")
    for load in runs.itertuples():  # each load's notes in full, as a list (a table cell would cut them)
        text = load.notes if isinstance(load.notes, str) else ""
        notes = [protect_note(line, policy) for line in text.splitlines() if line.strip()]
        if notes:
            with st.expander(f"Notes of run {load.run_id} ({load.status}, {when(load.finished_at)} UTC): "
                             f"{len(notes)}", expanded=load.Index == runs.index[0]):
                st.markdown("\n".join(f"- {ui.plain(note)}" for note in notes))

    st.header("Source files of the latest load")
    mine = files[files["run_id"] == latest["run_id"]]
    ui.table(pd.DataFrame({
        "Dataset": mine["dataset"],
        "File": mine["file"].map(lambda f: str(f).replace("\\", "/").rsplit("/", 1)[-1]),
        "SHA-256 (first 12 characters)": mine["sha256"].fillna("").str[:12] + "…",
        "Rows read": [rows(v, d) for v, d in zip(mine["rows_read"], mine["dataset"], strict=True)],
        "Rows loaded": [rows(v, d) for v, d in zip(mine["rows_loaded"], mine["dataset"], strict=True)],
        "Rows rejected": [rows(v, d) for v, d in zip(mine["rows_rejected"], mine["dataset"], strict=True)],
        "Source": mine["source"].fillna(""), "Reference date": mine["data_date"].fillna(""),
    }))
    for _, source in mine[(mine["rows_rejected"] > 0) & ~mine["dataset"].isin(RESPONSE_FILES)].iterrows():
        with st.expander(f"Rows rejected from {source['dataset']}"):
            ui.table(pd.DataFrame(json.loads(source["rejections"] or "[]")).rename(
                columns={"line": "Line", "column": "Column", "problem": "Problem"}))
    st.caption("The SHA-256 checksum identifies the exact file loaded: the same file always gives the same checksum. "
               "Reasons for rejected rows of the responses file are not shown here, as they can quote a resident's "
               "postcode; the load report on the server lists them.")



def show_report(report: upload.Validation) -> None:
    """The validation report of the staged files: the failure first, then each file, the notes and the changes."""
    if report.uploaded:
        st.markdown("Checked: " + ", ".join(ui.plain(name) for name in report.uploaded) + ".")
    if report.ok:
        st.success("The files passed every check and are ready to publish; nothing is published yet.",
                   icon=":material/check_circle:")
    else:
        st.error(report.error, icon=":material/error:")
    if report.datasets:
        ui.table(upload.datasets_table(report, policy))
    if any(check.rejections for check in report.datasets):
        st.caption("Rejected rows are listed here for officers, by line as an editor shows it (the header is line 1); "
                   "a reason can quote a resident's postcode, so they are not shown with the published load.")
    for check in report.datasets:
        if check.rejections:
            with st.expander(f"Rows rejected from {check.dataset} ({upload.file_name(check.file)})"):
                ui.table(upload.rejections_table(check))
    notes = upload.report_notes(report, policy)
    if notes:
        st.markdown("\n".join(f"- {ui.plain(note)}" for note in notes))
    if report.changes:
        st.markdown("**Changes against the published load**")
        ui.table(upload.changes_table(report, policy))
    if report.needs_accept_changes:
        st.warning("Some figures fall by more than the load allows against the published load: publish only if "
                   "the change is expected, by ticking “Accept the large changes”.", icon=":material/warning:")


def publish_controls(report: upload.Validation) -> None:
    """Publish the checked files (with the large-change tick when the report needs it)."""
    accept = (st.checkbox("Accept the large changes", key="upload_accept") if report.needs_accept_changes
              else False)
    if st.button("Publish", type="primary", disabled=report.needs_accept_changes and not accept,
                 icon=":material/publish:", key="upload_publish"):
        with st.spinner("Publishing…"):
            outcome = upload.publish(report.run_id, accept_changes=accept)
        finish(outcome)


def finish(outcome: upload.Outcome) -> None:
    """After publishing or rolling back: say what happened and, if anything changed, show the data now published."""
    if not outcome.ok:
        st.error(outcome.message, icon=":material/error:")
        return
    st.cache_data.clear()  # not needed for correctness (caches are keyed on the file's version): frees memory
    st.session_state.pop(REPORT, None)
    st.session_state[DONE] = outcome.message
    st.rerun()


def load_new_data() -> None:
    """Officers upload files to replace those of the published load, read the report, publish or roll back."""
    st.header("Load new data")
    if not roles.allows(roles.OFFICER):
        st.info("Loading data needs an officer sign-in.", icon=":material/lock:")
        return
    if DONE in st.session_state:
        st.success(st.session_state.pop(DONE), icon=":material/check_circle:")
    config = upload.published_config()
    if config is None:
        st.info("The latest load's config file is not on this server, so new files cannot be put in its place "
                "here: load the data with `python -m etl build --config …`.")
    else:
        st.markdown("Upload any of the files below to replace the file of the published load; what you do not "
                    "upload stays as it is. The files are checked first and published only when you say so.")
        slots = upload.slots(config)
        chosen = {slot: st.file_uploader(slot.label, key=f"upload_{slot.key}",
                                         help=f"Published now: {slot.current}" if slot.current else
                                         "Optional: the published load has none.") for slot in slots}
        if st.button("Check the files", icon=":material/fact_check:", key="upload_check"):
            files = {slot.key: upload.Upload(f.name, f.getvalue()) for slot, f in chosen.items() if f is not None}
            if not files:
                st.warning("Choose at least one file to check.")
            else:
                with st.spinner("Checking the files (a load of the whole borough, into a copy)…"):
                    st.session_state[REPORT] = upload.validate(files, {s.key: s.label for s in slots})
        report = st.session_state.get(REPORT)
        if report is not None:
            show_report(report)
            if report.ok:
                publish_controls(report)
    if upload.can_roll_back() and st.button("Roll back to the previous version", icon=":material/undo:",
                                              key="upload_rollback"):
        with st.spinner("Rolling back…"):
            finish(upload.roll_back())


load_new_data()

st.header("Community asset register")
history, changed = assets.register_history()
if not assets.loaded():
    st.info(assets.NO_REGISTER)
elif history.empty:
    st.info("The register has no recorded changes yet: loads before this version of Wardscope did not record them.")
else:
    ui.table(history)
    with st.expander("Every asset added, changed or removed"):
        ui.table(changed)
    st.caption("Each load of the register is compared with the register published before it, asset by asset, by "
               "the register's own id: an asset is added, changed (the columns that changed are listed) or removed.")

st.header("Statistics")
ui.table(pd.DataFrame({
    "Dimension": datasets["dimension"].str.capitalize(),
    "Small areas": datasets["level"].str.upper(),
    "Source": datasets["source"], "Reference date": datasets["data_date"], "File": datasets["file"],
    "Residents in the borough": datasets["persons"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
    "Method notes": datasets["notes"].fillna(""),
}))
st.caption("Census counts are published for small areas (output areas, OA, or lower layer super output areas, LSOA) "
           "and added up into wards; the method notes say how each was apportioned.")

st.header("Postcodes")
st.markdown("Responses and assets are placed in wards by postcode, using: "
            f"**{meta.get('postcode_source', 'not recorded')}**. "
            "A postcode's point is placed in the ward that contains it (or the nearest ward within 250 m, for points "
            "just off the simplified boundary); responses from outside the borough are kept but placed in no ward.")

st.header("Protecting residents' privacy")
st.markdown(
    f"- Counts of **1 to {policy.threshold - 1}** people or responses are shown as **{policy.label}**; zero is "
    "shown as 0, as it reveals no one.\n"
    "- When a table has totals, one hidden number could be worked out by subtraction, so a second number in the "
    f"same row or column is hidden too, and also reads **{policy.label}**: a hidden number may be "
    f"{policy.threshold} or more.\n"
    f"- No percentage or rate is shown on a base of fewer than **{policy.min_base}**, or when the count it comes "
    "from is hidden (a rate per 1,000 residents times the residents would give the count back).\n"
    f"- Every other count is rounded to a multiple of **{policy.rounding}** (up or down at random, but the same "
    "count always the same way), so two views cannot be subtracted to reveal a small group; each count is within "
    f"{policy.rounding - 1} of the true one, and percentages and rates are worked out from the rounded counts.\n"
    "- Residents' postcodes are turned into a ward and a small area when the data are loaded and are not kept.\n"
    "- Responses are never shown one by one: every figure is a count for a ward or a group.\n"
    "- Community assets are organisations and places, not people, so they are shown as points and counted exactly.")

st.header("Attributions")
texts = [ui.ATTRIBUTION] + list(dict.fromkeys(
    [s for s in pd.concat([datasets["source"], files["source"]]).dropna() if str(s).strip()]))
st.markdown("\n".join(f"- {t}" for t in texts))
ui.sources(*datasets["dimension"], "deprivation", "engagement", "assets")
