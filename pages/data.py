"""Data and sources: every load, every source file, the statistics and how residents' privacy is protected."""

import json

import pandas as pd
import streamlit as st

import data_access as da
import ui
from geo.disclosure import DisclosurePolicy, protect_note, protect_single

meta = ui.header("Data and sources", "Where every figure comes from, and how residents' privacy is protected")
policy = DisclosurePolicy.from_env()
runs, files = da.load_history()
datasets = da.datasets()
RESPONSE_FILES = {"responses"}  # counts of responses: passed through disclosure control like any other


def when(value) -> str:
    return "" if pd.isna(value) else f"{pd.Timestamp(value):%d/%m/%Y %H:%M}"


def rows(value, dataset: str) -> str:
    if pd.isna(value):
        return ""
    return protect_single(value, policy) if dataset in RESPONSE_FILES else f"{value:,.0f}"


st.subheader("Loads")
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
        "Notes": runs["notes"].fillna("").map(
            lambda n: " · ".join(protect_note(line, policy) for line in n.splitlines() if line.strip())),
        "Config": runs["config"],
    }))
    st.caption("Newest first. Each load builds a new database and publishes it only if every check passes; the "
               "history of earlier loads is carried into each new file.")

    st.subheader("Source files of the latest load")
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

st.subheader("Statistics")
ui.table(pd.DataFrame({
    "Dimension": datasets["dimension"].str.capitalize(),
    "Small areas": datasets["level"].str.upper(),
    "Source": datasets["source"], "Reference date": datasets["data_date"], "File": datasets["file"],
    "Residents in the borough": datasets["persons"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
    "Method notes": datasets["notes"].fillna(""),
}))
st.caption("Census counts are published for small areas (output areas, OA, or lower layer super output areas, LSOA) "
           "and added up into wards; the method notes say how each was apportioned.")

st.subheader("Postcodes")
st.markdown("Responses and assets are placed in wards by postcode, using: "
            f"**{meta.get('postcode_source', 'not recorded')}**. "
            "A postcode's point is placed in the ward that contains it (or the nearest ward within 250 m, for points "
            "just off the simplified boundary); responses from outside the borough are kept but placed in no ward.")

st.subheader("Protecting residents' privacy")
st.markdown(
    f"- Counts of **1 to {policy.threshold - 1}** people or responses are shown as **{policy.label}**; zero is "
    "shown as 0, as it reveals no one.\n"
    "- When a table has totals, one hidden number could be worked out by subtraction, so a second number in the "
    f"same row or column is hidden too, and also reads **{policy.label}**: a hidden number may be "
    f"{policy.threshold} or more.\n"
    f"- No percentage or rate is shown on a base of fewer than **{policy.min_base}**, or when the count it comes "
    "from is hidden (a rate per 1,000 residents times the residents would give the count back).\n"
    "- Responses are never shown one by one: every figure is a count for a ward or a group.\n"
    "- Community assets are organisations and places, not people, so they are shown as points and counted exactly.")

st.subheader("Attributions")
texts = [ui.ATTRIBUTION] + list(dict.fromkeys(
    [s for s in pd.concat([datasets["source"], files["source"]]).dropna() if str(s).strip()]))
st.markdown("\n".join(f"- {t}" for t in texts))
ui.sources(*datasets["dimension"], "deprivation", "engagement", "assets")
