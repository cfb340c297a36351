"""Display tables: geo's result frames as tables of strings for the screen, the CSV downloads and the reports.

No analysis here: every figure arrives already computed and protected by geo (hidden counts are
NaN), and each formatter only chooses the columns, their headings and how a value reads. One
rule for every table: a hidden count reads "hidden" (geo.disclosure.format_count), a rate that
is hidden or has too small a base "hidden or n/a", a share or index that does not apply is blank.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import funnel as gf
from geo import indicators
from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, format_count
from geo.participation import COUNT_LABELS, EB_KEYS, KINDS, RATE_KEYS
from geo.representation import index_band
from render.columns import p_value
from vocabulary import ACTIVITY_KIND_LABELS

HIDDEN_RATE = "hidden or n/a"

def _pct(v: float) -> str:
    """A share to one decimal with '%'; blank when it does not apply or is hidden."""
    return "" if pd.isna(v) else f"{v:.1f}%"


def _rate(v: float) -> str:
    """A rate per 1,000 to one decimal; 'hidden or n/a' when hidden or on too small a base."""
    return HIDDEN_RATE if pd.isna(v) else f"{v:,.1f}"


def _people(v: float) -> str:
    """Residents (never protected: a census count of everyone), with thousands separators."""
    return f"{v:,.0f}"


# --- participation (geo.participation) -------------------------------------------------------

def ward_table(rates: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.participation.rates_by_ward as strings: counts with "hidden", rates to one decimal."""
    out = pd.DataFrame({"Ward": rates["ward_name"], "Residents": rates["residents"].map(_people)})
    for kind in KINDS:
        ind = indicators.BY_KEY[RATE_KEYS[kind]]
        out[COUNT_LABELS[kind]] = rates[kind].map(lambda v: format_count(v, policy))
        out[ind.label] = rates[RATE_KEYS[kind]].map(ind.format)
    return out


def reach_table(rates: pd.DataFrame, kind: str, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """One measure of geo.participation.reach as strings: count, raw rate and smoothed rate side by side."""
    return pd.DataFrame({
        "Ward": rates["ward_name"], "Residents": rates["residents"].map(_people),
        COUNT_LABELS[kind]: rates[kind].map(lambda v: format_count(v, policy)),
        f"{COUNT_LABELS[kind]} per 1,000 residents (raw)": rates[RATE_KEYS[kind]].map(_rate),
        f"{COUNT_LABELS[kind]} per 1,000 residents (smoothed)": rates[EB_KEYS[kind]].map(_rate),
    })


def cell_table(cells: pd.DataFrame) -> pd.DataFrame:
    """geo.density's hexagons beside the density map: by people taking part, largest first."""
    table = cells[["cell", "respondents"]].sort_values("respondents", ascending=False)
    return pd.DataFrame({"Hexagon (q, r)": table["cell"],
                         "People taking part": table["respondents"].map("{:,.0f}".format)})


def cold_spot_table(result: pd.DataFrame, ward_names: dict[str, str]) -> pd.DataFrame:
    """geo.hotspots.local_moran as strings, significant wards first: clusters and spatial outliers named."""
    r = result.sort_values(["significant", "p_sim"], ascending=[False, True], kind="stable")
    return pd.DataFrame({
        "Ward": r["ward_code"].map(lambda c: ward_names.get(c, c)),
        "Cluster or outlier": r["label"],
        "Kind": r["kind"].map(lambda k: k.capitalize() if k else ""),
        "Local Moran's I": r["local_i"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
        "Pseudo p (999 permutations)": r["p_sim"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}"),
    }).reset_index(drop=True)


def funnel_table(result: gf.Funnel, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.funnel.Funnel's wards as strings beside the funnel plot: flagged wards first (significantly low,
    then high, then beyond the 95% limit only), each with its rate and the limits at its residents."""
    w = result.wards.assign(_order=result.wards["status"].map({s: i for i, s in enumerate(gf.STATUS_ORDER)}))
    w = w.sort_values("_order", kind="stable")

    def limits(lo: pd.Series, hi: pd.Series) -> list[str]:
        return ["" if pd.isna(a) or pd.isna(b) else f"{a:,.1f} to {b:,.1f}" for a, b in zip(lo, hi, strict=True)]

    return pd.DataFrame({
        "Ward": w["ward_name"], "Residents": w["residents"].map(_people),
        "People taking part": w["count"].map(lambda v: format_count(v, policy)),
        "People per 1,000 residents": w["per_1000"].map(_rate),
        "95% limits": limits(w["lower_95"], w["upper_95"]),
        "99.8% limits": limits(w["lower_998"], w["upper_998"]),
        "Funnel plot": w["status"],
    }).reset_index(drop=True)


# --- one ward (geo.ward_engagement) ----------------------------------------------------------

def quarterly_table(trend_frame: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.ward_engagement.quarterly_trend as strings ("hidden" for hidden counts)."""
    return pd.DataFrame({
        "Quarter": [q if c else f"{q} (incomplete)" for q, c in zip(trend_frame["quarter"], trend_frame["complete"],
                                                                    strict=True)],
        "Responses": trend_frame["responses"].map(lambda v: format_count(v, policy)),
        "Responses per 1,000 residents": trend_frame["responses_per_1000"].map(_rate),
        "People taking part": trend_frame["respondents"].map(lambda v: format_count(v, policy)),
        "People per 1,000 residents": trend_frame["respondents_per_1000"].map(_rate),
        "Borough: people per 1,000 residents": trend_frame["borough_respondents_per_1000"].map(_rate),
    })


def activities_table(reached: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.ward_engagement.activities_reached as strings."""
    return pd.DataFrame({
        "Activity": reached["title"],
        "Kind": reached["kind"].map(lambda k: ACTIVITY_KIND_LABELS.get(k, str(k).replace("_", " ").capitalize())),
        "Opened": reached["opened"].map(str), "Closed": reached["closed"].map(str),
        "Responses from this ward": reached["responses"].map(lambda v: format_count(v, policy)),
        "Outcome published": [f"yes, {d}" if p else "no" for p, d in zip(reached["outcome_published"],
                                                                           reached["outcome_published_on"],
                                                                           strict=True)],
    })


def channel_table(mix: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.ward_engagement.channel_mix as strings."""
    return pd.DataFrame({
        "Channel": mix["channel"].map(lambda c: str(c).capitalize()),
        "People in this ward": mix["ward_respondents"].map(lambda v: format_count(v, policy)),
        "% of the ward's people": mix["ward_share"].map(_pct),
        "People in the borough": mix["borough_respondents"].map(lambda v: format_count(v, policy)),
        "% of the borough's people": mix["borough_share"].map(_pct),
    })


# --- who takes part (geo.representation) -----------------------------------------------------

#: What a representation row's flag reads, by flag and status (geo.representation): ▼/▲ so it never relies on colour.
FLAG_TEXT = {"under": "▼ under-represented", "over": "▲ over-represented"}
STATUS_TEXT = {"too few": "not tested (too few)", "no eligible residents": "not tested (no one in it could take part)",
               "no respondents": "no respondents (check who could take part)"}


def _index_text(index: float, low: float, high: float, basis: str) -> str:
    """The index to two decimals; for a tested row whose figures are hidden, its band (from published figures)."""
    if not pd.isna(index):
        return f"{index:.2f}"
    if basis == "bounds":
        band = index_band(low, high)
        return f"hidden ({band})" if band and band != "any" else "hidden"
    return ""


def shares_table(rep: pd.DataFrame, group_label: str, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.representation.borough_shares (or the first columns of any representation table) as strings;
    blanks where a figure does not apply or is hidden; a hidden index of a tested row reads as its band."""
    basis = rep["test_basis"] if "test_basis" in rep else pd.Series("", index=rep.index)
    low = rep["index_min"] if "index_min" in rep else pd.Series(float("nan"), index=rep.index)
    high = rep["index_max"] if "index_max" in rep else pd.Series(float("nan"), index=rep.index)
    return pd.DataFrame({
        group_label: rep["group"],
        "Respondents": rep["respondents"].map(lambda v: format_count(v, policy)),
        "Share of respondents who stated a group": rep["respondent_share"].map(_pct),
        "Residents who could take part": rep["residents"].map(lambda v: "" if pd.isna(v) else _people(v)),
        "Share of residents": rep["resident_share"].map(_pct),
        "Representation index (1.00 = in proportion)": [
            _index_text(i, lo, hi, b) for i, lo, hi, b in zip(rep["index"], low, high, basis, strict=True)],
    })


def flag_text(flag: str, basis: str, status: str, kind: str) -> str:
    """One row's verdict: ▼/▲ when flagged, 'no' when tested on counts, why not otherwise."""
    if flag in FLAG_TEXT:
        return FLAG_TEXT[flag]
    if basis == "count":
        return "no"
    if basis:
        return "cannot tell (figures hidden)"
    if kind == "unitemised":
        return "not tested (no one can give this answer)"
    if kind == "not_eligible":
        return STATUS_TEXT["no eligible residents"]
    if kind in ("other_answer", "not_stated"):
        return "not tested (no census group)"
    return STATUS_TEXT.get(status, "") if kind == "group" else ""


def representation_table(rep: pd.DataFrame, group_label: str,
                         policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.representation.ward_representation or borough_representation as strings: `shares_table` plus the
    interval and the two-sided flag (▼ under- / ▲ over-represented)."""
    out = shares_table(rep, group_label, policy)
    out["95% interval of the index"] = [
        "" if pd.isna(lo) else f"{lo:.2f} to {hi:.2f}" for lo, hi in zip(rep["index_low"], rep["index_high"],
                                                                         strict=True)]
    out["Flag (two-sided test)"] = [flag_text(f, b, s, k) for f, b, s, k in
                                    zip(rep["flag"], rep["test_basis"], rep["status"], rep["kind"], strict=True)]
    return out


def flagged_table(matrix: pd.DataFrame, ward_names: dict[str, str], policy: DisclosurePolicy = DEFAULT_POLICY
                  ) -> pd.DataFrame:
    """The flagged cells of geo.representation.representation_matrix as strings (the table beside the heatmap),
    both directions: under-represented first, then over-represented."""
    f = matrix[matrix["flag"].isin(list(FLAG_TEXT))]
    f = f.assign(_order=(f["flag"] == "over").astype(int)).sort_values("_order", kind="stable")
    return pd.DataFrame({
        "Ward": f["ward_code"].map(lambda c: ward_names.get(c, c)), "Group": f["group"],
        "Flag": f["flag"].map(FLAG_TEXT),
        "Respondents": f["respondents"].map(lambda v: format_count(v, policy)),
        "Representation index": [_index_text(i, lo, hi, b) for i, lo, hi, b in
                                 zip(f["index"], f["index_min"], f["index_max"], f["test_basis"], strict=True)],
        "95% interval": ["hidden (judged on bounds)" if pd.isna(lo) else f"{lo:.2f} to {hi:.2f}"
                         for lo, hi in zip(f["index_low"], f["index_high"], strict=True)],
        "Holm-adjusted p": f["p_adjusted"].map(p_value),
    }).reset_index(drop=True)


def representativeness_table(summary: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """geo.representativeness.summary as strings: one row per dimension, the score and the R-indicator with
    their 95% intervals ('hidden' when a count they are worked out from is hidden)."""
    def num(v: float) -> str:
        return "" if pd.isna(v) else f"{v:.2f}"

    def interval(lo: float, hi: float) -> str:
        return "" if pd.isna(lo) else f"{lo:.2f} to {hi:.2f}"

    hidden = summary["note"] != ""
    return pd.DataFrame({
        "Dimension": summary["dimension"].map(lambda d: labels.get(d, d)),
        "Representation score (lowest ÷ highest rate)": [n if h else num(v) for v, h, n in
                                                         zip(summary["score"], hidden, summary["note"], strict=True)],
        "Score 95% interval": [interval(lo, hi) for lo, hi in zip(summary["score_low"], summary["score_high"],
                                                                   strict=True)],
        "Lowest rate": summary["lowest"], "Highest rate": summary["highest"],
        "R-indicator": [n if h else f"{v:.3f}" for v, h, n in zip(summary["r"], hidden, summary["note"], strict=True)],
        "R 95% interval": ["" if pd.isna(lo) else f"{lo:.3f} to {hi:.3f}" for lo, hi in
                           zip(summary["r_low"], summary["r_high"], strict=True)],
        "People taking part per 1,000 eligible residents": summary["rate_per_1000"].map(
            lambda v: "" if pd.isna(v) else f"{v:,.1f}"),
    })


def partial_indicators_table(partials: pd.DataFrame, group_label: str) -> pd.DataFrame:
    """geo.representativeness partial indicators of one dimension as strings (negative = taking part less)."""
    return pd.DataFrame({
        group_label: partials["group"],
        "People taking part per 1,000 eligible residents": partials["rate_per_1000"].map(lambda v: f"{v:,.1f}"),
        "Partial indicator (unconditional)": partials["partial"].map(lambda v: f"{v:+.4f}"),
    })


# --- scrutiny (geo.scrutiny) -----------------------------------------------------------------

def group_table(frame: pd.DataFrame, label: str, names: dict[str, str] | None = None,
                policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.scrutiny.group_by_ward / group_by_quarter as strings."""
    first = frame[label] if names is None else \
        frame[label].map(lambda c: "All wards" if c == TOTAL else names.get(c, c))
    out = pd.DataFrame({"Ward" if names is not None else "Quarter": first})
    if "residents" in frame:
        out["Residents in the group"] = frame["residents"].map(_people)
    out["People taking part"] = frame["respondents"].map(lambda v: format_count(v, policy))
    out["People per 1,000 residents in the group"] = frame["per_1000"].map(_rate)
    return out.reset_index(drop=True)


def channel_mix_table(mix: pd.DataFrame) -> pd.DataFrame:
    """geo.scrutiny.channel_mix_by_group as a groups × channels table of '% of the group's people'."""
    wide = mix.pivot(index="group", columns="channel", values="share").rename_axis(columns=None)
    wide = wide.reindex([g for g in dict.fromkeys(mix["group"])])
    return wide.map(lambda v: "" if pd.isna(v) else f"{v:.0f}%").reset_index().rename(columns={"group": "Group"})


QUARTER_TARGET_ROW = "Target for the quarter (yearly target ÷ 4; a part quarter pro rata by days)"


def quarterly_target_table(quarterly: pd.DataFrame, names: dict[str, str], targets: pd.DataFrame) -> pd.DataFrame:
    """Wards × quarters of people taking part per 1,000 residents (protected rates from
    geo.ward_engagement.quarterly_trends), each marked '▼' when below *that quarter's* target; 'hidden'
    when the count is hidden; then the borough row and the row of quarterly targets.

    targets: geo.scrutiny.quarter_targets (quarter, days, days_covered, target): the yearly target's share
    for each quarter, so a quarter is never held to a whole year's target. Quarters not complete are
    marked '(part: covered of days days)'."""
    if quarterly.empty:
        return pd.DataFrame()
    by_quarter = targets.set_index("quarter")
    q = quarterly.assign(label=[
        a if c else f"{a} (part: {by_quarter.at[a, 'days_covered']} of {by_quarter.at[a, 'days']} days)"
        for a, c in zip(quarterly["quarter"], quarterly["complete"], strict=True)])
    cols = list(dict.fromkeys(q["label"]))
    goal = q.drop_duplicates("label").set_index("label")["quarter"].map(by_quarter["target"]).reindex(cols)

    def cells(values: pd.Series) -> list[str]:
        return ["hidden" if pd.isna(v) else f"{v:,.1f}{' ▼' if v < goal[c] else ''}" for c, v in values.items()]

    wide = q.pivot(index="ward_code", columns="label", values="respondents_per_1000").reindex(columns=cols)
    out = pd.DataFrame([cells(row) for _, row in wide.iterrows()], index=wide.index, columns=cols).rename_axis(
        columns=None)
    out.insert(0, "Ward", [names.get(c, c) for c in out.index])
    borough = q.drop_duplicates("label").set_index("label")["borough_respondents_per_1000"].reindex(cols)
    out.loc["borough"] = ["Borough (sum over wards)", *cells(borough)]
    out.loc["target"] = [QUARTER_TARGET_ROW, *[f"{v:,.1f}" for v in goal]]
    return out.reset_index(drop=True)


# --- areas (geo.areas, geo.budgets) ----------------------------------------------------------

def area_table(summary: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.areas.area_summary as strings."""
    return pd.DataFrame({
        "Area": summary["area"],
        "Wards": summary["wards"].astype(int).astype(str),
        "Residents": summary["residents"].map(_people),
        "Deviation from mean area population (%)": summary["deviation_pct"].map(
            lambda v: "" if pd.isna(v) else f"{v:+.1f}%"),
        "Contiguous": summary["contiguous"].map(lambda v: "" if pd.isna(v) else ("yes" if v else "no")),
        "Responses": summary["responses"].map(lambda v: format_count(v, policy)),
        "Responses per 1,000 residents": summary["responses_per_1000"].map(_rate),
    })


def allocation_table(frame: pd.DataFrame, label: str, names: dict[str, str] | None = None) -> pd.DataFrame:
    """geo.budgets.allocate's areas or wards for the screen and CSV: name, residents, need, amount (£), per
    resident."""
    names = names or {}
    first = frame[label].map(lambda v: names.get(v, v))
    return pd.DataFrame({
        "Area" if label == "area" else "Ward": first,
        **({"Area": frame["area"]} if label != "area" else {}),
        "Residents": frame["residents"].round().astype(int),
        "Need (0–1)": frame["need"].round(3),
        "Allocation (£)": (frame["pence"] / 100).round(2),
        "Per resident (£)": (frame["pence"] / 100 / frame["residents"].where(frame["residents"] > 0)).round(2),
    })


# --- what residents said (geo.answers, geo.weighting, geo.engagement_habits) --------------------

LEVEL_LABELS = {"borough": "Borough", "ward": "Ward", "area": "Area", "group": "Group"}


def _share_text(share: float, low: float, high: float) -> str:
    """'42.0% (38.1–46.0)', blank where the share is not given (hidden or too small a base)."""
    return "" if pd.isna(share) else f"{share:.1f}% ({low:.1f}–{high:.1f})"


def answer_table(rows: pd.DataFrame, names: dict[str, str] | None = None,
                 policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.answers.QuestionResults.rows (any selection of them) as strings: raw share beside weighted share,
    each with its 95% interval, the effective sample size and the 'depends on who replied' flag."""
    names = names or {}
    return pd.DataFrame({
        "Level": rows["level"].map(LEVEL_LABELS).fillna(rows["level"]),
        "Group": [names.get(g, g) if lv == "ward" else g for g, lv in zip(rows["group"], rows["level"], strict=True)],
        "Answer": rows["option"],
        "Respondents choosing it": rows["respondents"].map(lambda v: format_count(v, policy)),
        "Respondents answering": rows["base"].map(lambda v: format_count(v, policy)),
        "Share (95% interval)": [_share_text(*v) for v in zip(rows["share"], rows["share_low"], rows["share_high"],
                                                              strict=True)],
        "Weighted to residents (95% interval)": [
            _share_text(*v) for v in zip(rows["weighted_share"], rows["weighted_low"], rows["weighted_high"],
                                         strict=True)],
        "Effective sample size": rows["effective_size"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
        "Weights": rows["weights"].map({"ward": "the ward's own", "borough": "the borough's"}).fillna(""),
        "Depends on who replied": rows["depends_on_who_replied"].map(lambda v: "yes" if v else ""),
    }).reset_index(drop=True)


def mean_table(means: pd.DataFrame, names: dict[str, str] | None = None,
               policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.answers.QuestionResults.means (a scale question) as strings: raw and weighted mean with intervals."""
    names = names or {}

    def mean_text(m: float, lo: float, hi: float) -> str:
        return "" if pd.isna(m) else f"{m:.2f} ({lo:.2f}–{hi:.2f})"

    return pd.DataFrame({
        "Level": means["level"].map(LEVEL_LABELS).fillna(means["level"]),
        "Group": [names.get(g, g) if lv == "ward" else g for g, lv in zip(means["group"], means["level"],
                                                                          strict=True)],
        "Respondents answering": means["base"].map(lambda v: format_count(v, policy)),
        "Mean (95% interval)": [mean_text(*v) for v in zip(means["mean"], means["mean_low"], means["mean_high"],
                                                           strict=True)],
        "Weighted mean (95% interval)": [mean_text(*v) for v in zip(means["weighted_mean"], means["weighted_low"],
                                                                    means["weighted_high"], strict=True)],
        "Effective sample size": means["effective_size"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
        "Depends on who replied": means["depends_on_who_replied"].map(lambda v: "yes" if v else ""),
    }).reset_index(drop=True)


def weighting_table(summary: pd.DataFrame, names: dict[str, str] | None = None,
                    policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.weighting.respondent_weights' summary: per scope, raked or not and why, the effective sample size of
    the scopes raked on their own (no respondent count: those are in the protected answer tables)."""
    names = names or {}
    return pd.DataFrame({
        "Weighted to": summary["scope"].map(lambda s: names.get(s, s)),
        "Weights": [("its own residents" if r else "the borough's weights") if s != "Borough" else
                    ("the borough's residents" if r else "not weighted") for s, r in
                    zip(summary["scope"], summary["raked"], strict=True)],
        "Why not": summary["reason"],
        "Effective sample size": [f"{e:,.0f}" if r and pd.notna(e) else "" for e, r in  # raked: 100 or more
                                  zip(summary["effective_size"], summary["raked"], strict=True)],
        "Largest ÷ smallest weight": summary["max_weight_ratio"].map(lambda v: "" if pd.isna(v) else f"{v:,.1f}"),
        "Groups nobody in replied (not weighted up)": summary["missing_groups"],
    })


def petition_table(progress: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.answers.petition_progress's petitions: signatures, threshold and progress to a council debate."""
    return pd.DataFrame({
        "Petition": progress["title"],
        "Signatures": progress["signatures"].map(lambda v: format_count(v, policy)),
        "Signatures for a debate": progress["debate_threshold"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}"),
        "Progress": progress["progress_pct"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}%"),
        "Debate threshold reached": progress["reached"].map(lambda v: "yes" if v else "no"),
    })


def habits_table(frame: pd.DataFrame, names: dict[str, str] | None = None,
                 policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.engagement_habits' tables (most active share, new and returning, response yield) as strings:
    counts with 'hidden', shares and yields to one decimal, wards by name."""
    names = names or {}
    labels = {"ward_code": "Ward", "quarter": "Quarter", "year": "Year", "people": "People taking part",
              "responses": "Responses", "top_people": "People in the most active 10%",
              "top_share_pct": "Share of responses from the most active 10%", "new": "New", "returning": "Returning",
              "returning_pct": "Returning (%)", "activities": "Activities open to the ward",
              "residents": "Residents", "yield_per_1000": "Responses per activity per 1,000 residents",
              "years": "Complete years with a yield", "latest_year": "Latest year",
              "change_pct": "Yield, change over the last two years", "fatigue": "Falling yield (consultation fatigue)"}
    out = pd.DataFrame(index=frame.index)
    for column in [c for c in frame.columns if c in labels]:
        values = frame[column]
        if column == "ward_code":
            out[labels[column]] = values.map(lambda c: names.get(c, c))
        elif column in ("year", "quarter", "latest_year"):
            out[labels[column]] = values.map(lambda v: "" if pd.isna(v) else str(int(v)) if isinstance(
                v, (int, float, np.integer, np.floating)) else str(v))
        elif column == "fatigue":
            out[labels[column]] = values.map(lambda v: "yes" if v else "")
        elif column == "change_pct":
            out[labels[column]] = values.map(lambda v: "" if pd.isna(v) else f"{v:+.1f}%")
        elif column in ("people", "responses", "new", "returning"):
            out[labels[column]] = values.map(lambda v: format_count(v, policy))
        elif column.endswith("_pct"):
            out[labels[column]] = values.map(_pct)
        elif column == "yield_per_1000":
            out[labels[column]] = values.map(lambda v: HIDDEN_RATE if pd.isna(v) else f"{v:,.2f}")
        else:
            out[labels[column]] = values.map(lambda v: "" if pd.isna(v) else f"{v:,.0f}" if isinstance(
                v, (int, float, np.integer, np.floating)) else str(v))
    return out.reset_index(drop=True)
