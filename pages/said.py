"""What residents said: each question's answers by ward and group, raw beside weighted to the residents who
could take part; participatory budgeting under two rules; petitions; comments on maps (hexagons, themes, public
quotes only); and who keeps answering."""

import json

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

import data_access as da
import services as sv
import ui
from geo import comments as gc
from geo.disclosure import DisclosurePolicy, format_count
from render import charts, maps, said_tables, tables
from render.csv_export import safe_csv
from services import said
from services.area_builder import SCHEME_KIND
from vocabulary import DIMENSION_LABELS

ui.header("What residents said", "Answers, votes, petitions and comments — and whether they depend on who replied")
policy = DisclosurePolicy.from_env()
flt = ui.engagement_filter()
names = sv.ward_labels()
wards = da.wards()
acts = da.activities()
titles = dict(zip(acts["activity_id"], acts["title"], strict=True))
questions = da.questions()


def _question_label(row) -> str:
    return f"{titles.get(row.activity_id, row.activity_id)}: {row.text}"


def _choose_question(kinds: tuple[str, ...], key: str) -> str | None:
    """A question of the given kinds from the activities in the sidebar filter, or None (said on screen)."""
    keep = pd.Series(True, index=acts.index)
    for column, values in (("kind", flt.kinds), ("owner", flt.owners), ("activity_id", flt.activity_ids)):
        keep &= acts[column].isin(values) if values else True
    shown = acts[keep]
    chosen = questions[questions["kind"].isin(kinds) & questions["activity_id"].isin(shown["activity_id"])]
    if chosen.empty:
        st.info("No question of this kind in the activities the filter covers.")
        return None
    labels = {row.question_id: _question_label(row) for row in chosen.itertuples()}
    return st.selectbox("Question", list(labels), format_func=labels.get, key=key)


def _share_chart(rows: pd.DataFrame) -> dict:
    borough = rows[rows["level"] == "borough"].assign(raw=lambda f: f["share"], weighted=lambda f: f["weighted_share"])
    return charts.grouped_bars(borough.fillna({"raw": 0.0, "weighted": 0.0}), "option",
                               {"Respondents": "raw", "Weighted to residents": "weighted"}, "% of respondents")


def answers_tab() -> None:
    """One question: the borough raw beside weighted, each ward on a map with its table, each group."""
    qid = _choose_question(said.SHARE_KINDS, "said_question")
    if qid is None:
        return
    result = said.question_results(qid, flt, policy)
    rows = result.rows
    if result.weighting.empty or not (rows["level"] == "borough").any():
        st.info("No one in a ward of the borough answered this question under the filter.")
        return
    if result.depends_on_who_replied:
        st.warning("**Depends on who replied.** Weighted to the residents who could take part, at least one borough "
                   "share falls outside the 95% interval of the raw share: the answer would change if those who "
                   "replied looked like the borough.", icon=":material/balance:")
    else:
        st.success("Weighting to the residents who could take part leaves every borough share inside its raw 95% "
                   "interval.", icon=":material/balance:")
    chart, table = st.columns([3, 2])
    chart.plotly_chart(_share_chart(rows), width="stretch", key="said_chart")
    with table:
        ui.table(tables.answer_table(rows[rows["level"] == "borough"], names, policy)[
            ["Answer", "Respondents choosing it", "Share (95% interval)", "Weighted to residents (95% interval)"]])
    if result.means is not None:
        ui.table(tables.mean_table(result.means[result.means["level"] == "borough"], names, policy))
    if result.note:
        st.caption(result.note)
    _answers_by_ward(rows, result.options)
    _answers_by_area(qid)
    _answers_by_group(rows)
    with st.expander("How the answers were weighted"):
        ui.table(tables.weighting_table(result.weighting, names, policy))
        st.caption("Raking (Deville & Särndal 1992, samplics) of respondents to the census margins of the residents "
                   "who could take part (the activity's wards and ages): age, sex where loaded and ethnic group. "
                   "Effective sample size: Kish (1965). 'Depends on who replied': the weighted share lies outside "
                   "the raw 95% Wilson interval. See docs/methods.md.")
    st.download_button("Download this question's results (CSV)", safe_csv(tables.answer_table(rows, names, policy)),
                       file_name=f"answers-{qid}.csv", mime="text/csv", key="said_csv")
    ui.sources("engagement", "age", "ethnicity")


def _answers_by_ward(rows: pd.DataFrame, options: list) -> None:
    ward_rows = rows[rows["level"] == "ward"]
    if ward_rows.empty:
        return
    st.header("By ward")
    option = st.selectbox("Answer shown on the map", list(dict.fromkeys(ward_rows["option"])), key="said_option")
    shown = ward_rows[ward_rows["option"] == option]
    frame = ui.map_wards(wards, "said_district").merge(
        shown[["group", "share"]].rename(columns={"group": "ward_code", "share": "value"}), on="ward_code", how="left")
    left, right = st.columns([3, 2])
    with left:
        fmap = maps.choropleth(frame, "value", f"% answering '{option}'", {"ward_name": "Ward"},
                               missing_label="hidden (a small count or base), or no answers")
        st_folium(fmap, height=460, width="100%", returned_objects=[], key="said_map")
    with right:
        ui.table(tables.answer_table(shown, names, policy)[
            ["Group", "Respondents choosing it", "Respondents answering", "Share (95% interval)",
             "Weighted to residents (95% interval)"]].rename(columns={"Group": "Ward"}), height=460)


def _answers_by_area(qid: str) -> None:
    """The question's answers in each area of a scheme saved on the Areas page."""
    schemes = da.saved_items(SCHEME_KIND)
    if schemes.empty:
        st.caption("Save a scheme of areas on the Areas page to see these answers area by area.")
        return
    name = st.selectbox("Answers by area of a saved scheme", list(schemes["name"]), index=None,
                        placeholder="Choose a saved scheme", key="said_scheme")
    if name is None:
        return
    assignment = json.loads(schemes.set_index("name").at[name, "payload"])["assignment"]
    scheme = tuple(sorted((code, area) for code, area in assignment.items() if area))
    rows = said.question_results(qid, flt, policy, scheme).rows
    ui.table(tables.answer_table(rows[rows["level"] == "area"], names, policy).rename(columns={"Group": "Area"}))
    st.caption("An area's count is hidden whenever one of its wards' counts is hidden, so areas and wards cannot be "
               "subtracted from each other.")


def _answers_by_group(rows: pd.DataFrame) -> None:
    group_rows = rows[rows["level"] == "group"]
    if group_rows.empty:
        return
    st.header("By group")
    dims = list(dict.fromkeys(group_rows["dimension"]))
    dim = st.selectbox("Group by", dims, format_func=lambda d: DIMENSION_LABELS.get(d, d), key="said_dimension")
    ui.table(tables.answer_table(group_rows[group_rows["dimension"] == dim], names, policy))


def pb_tab() -> None:
    """A PB vote: tallies, the funded sets under the greedy rule and the Method of Equal Shares, who benefits."""
    if not ui.allowed(da.roles.COUNCILLOR, "The participatory budgeting ballots"):
        return
    pb_acts = said.pb_activities()
    if pb_acts.empty:
        st.info("No participatory budgeting vote with projects is loaded.")
        return
    activity = st.selectbox("Participatory budgeting vote", list(pb_acts["activity_id"]), format_func=titles.get,
                            key="said_pb")
    try:
        outcome = said.pb_outcome(activity, flt, policy)
    except ValueError as error:
        st.warning(str(error))
        return
    st.markdown(f"Budget **£{outcome['budget']:,.0f}**. Greedy: projects by votes while the money lasts. Method of "
                "Equal Shares (Peters, Pierczyński & Skowron 2021, pabutools): each voter gets an equal share of the "
                "budget to spend on the projects they approved, so a large group cannot take everything.")
    chart, table = st.columns([3, 2])
    chart.plotly_chart(charts.pb_figure(outcome["results"], "Votes per project"), width="stretch", key="said_pb_chart")
    with table:
        ui.table(said_tables.pb_projects_table(outcome["results"], names, policy))
    ui.table(said_tables.pb_summary_table(outcome["summary"]))
    st.header("Voters' satisfaction")
    ui.table(said_tables.pb_breakdown_table(outcome["satisfaction"].by_ward, "Ward", names, policy))
    ui.table(said_tables.pb_breakdown_table(outcome["satisfaction"].by_decile, "Deprivation decile", None, policy))
    st.caption("Satisfaction: the share of a voter's approved projects that are funded, averaged over voters. "
               "Deprivation decile of the voter's ward (IMD 2019 mean rank; 1 = most deprived).")
    st.header("Who benefits")
    ui.table(said_tables.pb_breakdown_table(outcome["benefits"].by_ward, "Ward", names, policy))
    st.caption("Where the funded projects are (money by ward) against where the voters live (share of voters).")
    try:
        pb_text = said.pb_export(activity, outcome["budget"], flt, policy)
        st.download_button("Download the vote in pabulib format (.pb)", pb_text, file_name=f"{activity}.pb",
                           mime="text/plain", key="said_pb_export")
    except ValueError as error:
        st.caption(f"No .pb export: {error}")


def petitions_tab() -> None:
    """Signatures per 1,000 residents by ward and progress to a council debate."""
    by_ward, progress = said.petitions(flt, policy)
    if progress.empty:
        st.info("No petition is loaded.")
        return
    ui.table(tables.petition_table(progress, policy))
    st.caption("A petition reaching its threshold of signatures is debated by the council. Signatures from outside "
               "the borough count towards the threshold.")
    ui.table(by_ward.assign(Ward=by_ward["ward_code"].map(lambda c: names.get(c, c)),
                            Signatures=by_ward["signatures"].map(lambda v: format_count(v, policy)),
                            **{"Signatures per 1,000 residents": by_ward["per_1000"].map(
                                lambda v: "hidden or n/a" if pd.isna(v) else f"{v:.1f}")})[
        ["activity_id", "Ward", "Signatures", "Signatures per 1,000 residents"]].rename(
        columns={"activity_id": "Petition"}).replace({"Petition": titles}))


def comments_tab() -> None:
    """Comments pinned on maps: hexagon cells of at least the threshold, themes and public quotes."""
    if not ui.allowed(da.roles.COUNCILLOR, "Comments as residents wrote them"):
        return
    qid = _choose_question(("map_comment",), "said_comments")
    if qid is None:
        return
    size = st.select_slider("Hexagon size", options=[250, 500, 1000], value=500, format_func=lambda v: f"{v} m",
                            key="said_hex")
    cells = said.comment_cells(qid, size, flt, policy)
    left, right = st.columns([3, 2])
    if len(cells.cells):
        shown = gc.cells_for_map(cells.cells)
        with left:
            st_folium(maps.choropleth(shown, "Comments", "Comments in the cell", {"Comments": "Comments"}),
                      height=420, width="100%", returned_objects=[], key="said_comment_map")
        with right:
            ui.table(pd.DataFrame({"Cell": shown["cell"], "Comments": shown["Comments"].map(
                lambda v: format_count(v, policy))}), height=420)
    st.caption(f"Cells holding fewer than {policy.threshold} comments are not drawn (no single comment is ever "
               f"placed on a map): {format_count(cells.dropped, policy)} comment(s) in such cells; "
               f"{format_count(cells.unplaced, policy)} without a place.")
    found = said.comment_themes(qid, flt, policy)
    st.header("Themes")
    ui.table(said_tables.themes_table(found["themes"], policy))
    by_ward, by_age = st.columns(2)
    with by_ward:
        ui.table(said_tables.counts_table(found["by_ward"], "Ward", names, policy))
    with by_age:
        ui.table(said_tables.counts_table(found["by_age"], "Age group", None, policy))
    st.caption("Themes of the text: TF-IDF and non-negative matrix factorisation (Lee & Seung 1999, scikit-learn); "
               f"a theme is shown only where at least {policy.threshold} comments share it.")
    st.header("In residents' words")
    quotes = found["quotes"]
    ui.table(quotes.rename(columns={"label": "Theme", "quote": "Comment"})[["Theme", "Comment"]]
             if len(quotes) else pd.DataFrame({"Comment": []}))
    st.caption("Only comments that were public on the portal, with postcodes, e-mail addresses and phone numbers "
               "removed.")


def habits_tab() -> None:
    """The most active 10%, new and returning people, response yield and consultation fatigue."""
    found = said.habits(flt, policy)
    st.header("The most active 10%")
    ui.table(tables.habits_table(found["most_active"], names, policy))
    st.header("New and returning people, by quarter")
    ui.table(tables.habits_table(found["new_returning"], names, policy))
    st.header("Response yield and consultation fatigue")
    yields, fatigue = found["yield"]
    ui.table(tables.habits_table(yields, names, policy))
    ui.table(tables.habits_table(fatigue, names, policy))
    st.caption("Yield: responses per activity per 1,000 residents. Consultation fatigue: the yield fell in each of "
               "the last two complete years, by 10% or more in all.")


SECTIONS = {"Answers": answers_tab, "Participatory budgeting": pb_tab, "Petitions": petitions_tab,
            "Comments on the map": comments_tab, "Who keeps answering": habits_tab}
ui.lazy_tabs(SECTIONS, key="said_tab")
