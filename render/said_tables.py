"""Display tables for "What residents said" (participatory budgeting, comment themes), as strings: hidden counts
read "hidden", money in pounds, shares to one decimal. Nothing here computes a result."""

from __future__ import annotations

import pandas as pd

from geo.disclosure import DEFAULT_POLICY, DisclosurePolicy, format_count


def _pounds(v: float) -> str:
    return "" if pd.isna(v) else f"£{v:,.0f}"


def _pct(v: float) -> str:
    return "hidden or n/a" if pd.isna(v) else f"{v:.1f}%"


def pb_projects_table(results: pd.DataFrame, names: dict[str, str], policy: DisclosurePolicy = DEFAULT_POLICY
                      ) -> pd.DataFrame:
    """geo.pb.project_results: each project's cost, votes and whether each rule funds it."""
    return pd.DataFrame({
        "Project": results["title"], "Ward": results["ward_code"].map(lambda c: names.get(c, "Borough-wide")),
        "Category": results["category"].fillna(""), "Cost": results["cost"].map(_pounds),
        "Votes (approvals)": results["votes"].map(lambda v: format_count(v, policy)),
        "Funded: greedy by votes": results["funded_greedy"].map({True: "yes", False: "no"}),
        "Funded: Method of Equal Shares": results["funded_mes"].map({True: "yes", False: "no"}),
    }).reset_index(drop=True)


def pb_breakdown_table(frame: pd.DataFrame, label: str, names: dict[str, str] | None = None,
                       policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.pb satisfaction / who-benefits frames (by ward or decile) as strings; `label` names the index."""
    names = names or {}
    out = pd.DataFrame({label: [names.get(i, i) for i in frame.index.astype(str)]})
    titles = {"voters": "Voters", "voter_share": "Share of voters"}
    for rule, words in (("greedy", "greedy"), ("mes", "Equal Shares")):
        titles |= {f"nothing_{rule}": f"Voters with nothing funded ({words})",
                   f"nothing_share_{rule}": f"Share with nothing funded ({words})",
                   f"satisfaction_{rule}": f"Satisfaction ({words})",
                   f"money_{rule}": f"Money funded here ({words})",
                   f"money_share_{rule}": f"Share of the money ({words})"}
    for column, title in titles.items():
        if column not in frame:
            continue
        values = frame[column].reset_index(drop=True)
        if column.startswith("money_") and "share" not in column:
            out[title] = values.map(_pounds)
        elif "share" in column or column.startswith("satisfaction"):
            out[title] = values.map(_pct)
        else:
            out[title] = values.map(lambda v: format_count(v, policy))
    return out


def themes_table(themes: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """geo.comments.theme_table: each shown theme, its top words and its comments (hidden where small)."""
    return pd.DataFrame({
        "Theme": themes["label"], "Words that mark it": themes["terms"].map(
            lambda t: ", ".join(t) if isinstance(t, list | tuple) else str(t or "")),
        "Comments": themes["comments"].map(lambda v: format_count(v, policy)),
    }).reset_index(drop=True)


def counts_table(frame: pd.DataFrame, index_label: str, names: dict[str, str] | None = None,
                 policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """A protected counts grid (rows × columns, NaN = hidden) as strings, rows named by `names`."""
    names = names or {}
    out = frame.apply(lambda col: col.map(lambda v: format_count(v, policy)))
    out.insert(0, index_label, [names.get(str(i), str(i)) for i in frame.index])
    out.columns = [str(c) for c in out.columns]
    return out.reset_index(drop=True)


def pb_summary_table(summary: pd.DataFrame) -> pd.DataFrame:
    """geo.pb.rule_summary: per rule, projects funded and the money spent and left."""
    return pd.DataFrame({"Rule": summary["label"], "Projects funded": summary["projects_funded"],
                         "Money spent": summary["spent"].map(_pounds), "Money left": summary["left"].map(_pounds)})


def said_here_table(rows: pd.DataFrame, unit: str = "ward", policy: DisclosurePolicy = DEFAULT_POLICY
                    ) -> pd.DataFrame:
    """services.said.said_here: per question and answer, the share here beside the borough's (raw and weighted)."""
    def share(v: float) -> str:
        return "hidden or n/a" if pd.isna(v) else f"{v:.1f}%"

    return pd.DataFrame({
        "Question": rows["question"], "Answer": rows["option"],
        f"Residents of this {unit} choosing it": rows["respondents"].map(lambda v: format_count(v, policy)),
        f"This {unit}": rows["share"].map(share), "Borough": rows["borough_share"].map(share),
        "Borough, weighted to residents": rows["borough_weighted"].map(share),
    }).reset_index(drop=True)
