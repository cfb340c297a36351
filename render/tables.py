"""Display tables: geo's result frames as tables of strings for the screen, the CSV downloads and the reports.

No analysis here: every figure arrives already computed and protected by geo (hidden counts are
NaN), and each formatter only chooses the columns, their headings and how a value reads. One
rule for every table: a hidden count reads "hidden" (geo.disclosure.format_count), a rate that
is hidden or has too small a base "hidden or n/a", a share or index that does not apply is blank.
"""

from __future__ import annotations

import pandas as pd

from geo import indicators
from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, format_count
from geo.participation import COUNT_LABELS, EB_KEYS, KINDS, RATE_KEYS
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
    """geo.hotspots.local_moran as strings, significant wards first."""
    r = result.sort_values(["significant", "p_sim"], ascending=[False, True], kind="stable")
    return pd.DataFrame({
        "Ward": r["ward_code"].map(lambda c: ward_names.get(c, c)),
        "Cluster": r["label"],
        "Local Moran's I": r["local_i"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
        "Pseudo p (999 permutations)": r["p_sim"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}"),
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

def shares_table(rep: pd.DataFrame, group_label: str, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.representation.borough_shares (or the first columns of any representation table) as strings;
    blanks where a figure does not apply or is hidden."""
    return pd.DataFrame({
        group_label: rep["group"],
        "Respondents": rep["respondents"].map(lambda v: format_count(v, policy)),
        "Share of respondents who stated a group": rep["respondent_share"].map(_pct),
        "Residents": rep["residents"].map(lambda v: "" if pd.isna(v) else _people(v)),
        "Share of residents": rep["resident_share"].map(_pct),
        "Representation index (1.00 = in proportion)": rep["index"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
    })


def representation_table(rep: pd.DataFrame, group_label: str,
                         policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.representation.ward_representation or borough_representation as strings: `shares_table` plus the
    interval and the flag."""
    out = shares_table(rep, group_label, policy)
    out["95% interval of the index"] = [
        "" if pd.isna(lo) else f"{lo:.2f} to {hi:.2f}" for lo, hi in zip(rep["index_low"], rep["index_high"],
                                                                         strict=True)]
    out["Under-represented"] = [
        "yes" if flag else "no" if basis == "count" else "cannot tell (figures hidden)" if basis
        else ("not tested (too few)" if kind == "group" else "")
        for flag, basis, kind in zip(rep["under_represented"], rep["test_basis"], rep["kind"], strict=True)]
    return out


def flagged_table(matrix: pd.DataFrame, ward_names: dict[str, str], policy: DisclosurePolicy = DEFAULT_POLICY
                  ) -> pd.DataFrame:
    """The flagged cells of geo.representation.representation_matrix as strings (the table beside the heatmap)."""
    f = matrix[matrix["under_represented"]]
    return pd.DataFrame({
        "Ward": f["ward_code"].map(lambda c: ward_names.get(c, c)), "Group": f["group"],
        "Respondents": f["respondents"].map(lambda v: format_count(v, policy)),
        "Representation index": f["index"].map(lambda v: "hidden" if pd.isna(v) else f"{v:.2f}"),
        "95% interval": ["hidden (judged on bounds)" if pd.isna(lo) else f"{lo:.2f} to {hi:.2f}"
                         for lo, hi in zip(f["index_low"], f["index_high"], strict=True)],
        "Holm-adjusted p": f["p_adjusted"].map(lambda v: f"{v:.2g}"),
    }).reset_index(drop=True)


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
    wide = mix.pivot(index="group", columns="channel", values="share")
    wide = wide.reindex([g for g in dict.fromkeys(mix["group"])])
    return wide.map(lambda v: "" if pd.isna(v) else f"{v:.0f}%").reset_index().rename(columns={"group": "Group"})


def quarterly_target_table(quarterly: pd.DataFrame, names: dict[str, str], target: float) -> pd.DataFrame:
    """Wards × quarters of people taking part per 1,000 residents (protected rates from
    geo.ward_engagement.quarterly_trends), each marked '▼' when below `target`; 'hidden' when the
    count is hidden; then the borough row. Quarters not complete are marked '(part)'."""
    if quarterly.empty:
        return pd.DataFrame()
    q = quarterly.assign(label=[f"{a}{'' if c else ' (part)'}" for a, c in
                                zip(quarterly["quarter"], quarterly["complete"], strict=True)])

    def cell(v: float) -> str:
        return "hidden" if pd.isna(v) else f"{v:,.1f}{' ▼' if v < target else ''}"

    wide = q.pivot(index="ward_code", columns="label", values="respondents_per_1000")
    cols = list(dict.fromkeys(q["label"]))
    out = wide.reindex(columns=cols).map(cell)
    out.insert(0, "Ward", [names.get(c, c) for c in out.index])
    borough = q.drop_duplicates("label").set_index("label")["borough_respondents_per_1000"].reindex(cols)
    out.loc["borough"] = ["Borough (sum over wards)", *[cell(v) for v in borough]]
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
        "Allocation (£)": (frame["pence"] / 100).map(lambda v: f"{v:.2f}"),
        "Per resident (£)": (frame["pence"] / 100 / frame["residents"].where(frame["residents"] > 0)).round(2),
    })
