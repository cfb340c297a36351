"""The participation scrutiny report as one view model: every section a committee paper needs, built once from
the cached analyses, so the Participation page and `python -m etl report` show the same figures.

Each section is (heading, one sentence saying what it shows and how, table of strings already protected by
geo.disclosure). The command also writes two machine-readable CSVs (`representation.csv`, `reach.csv`) from the
same protected frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

import data_access as da
from data_access import EngagementFilter
from geo import funnel as gf
from geo import participation as gp
from geo.disclosure import DisclosurePolicy
from render import tables
from services.captions import filter_summary
from services.participation import funnel, participation_reach, quarterly_target_table, scrutiny_parts
from vocabulary import DIMENSION_LABELS, RESPONSE_COLUMNS

Section = tuple[str, str, pd.DataFrame]
REACH_COLUMNS = {"ward_name": "Ward", "rate": "People per 1,000 residents", "status": "Status"}


@dataclass(frozen=True)
class ScrutinyReport:
    """Every part of the report; `sections` is what the printed report and its CSV contain, in order."""

    target: float
    status: pd.DataFrame
    reach: pd.DataFrame
    by_quarter: pd.DataFrame
    quarter_text: str
    funnel: gf.Funnel
    funnel_flagged: pd.DataFrame
    funnel_text: str
    flagged: pd.DataFrame
    outcome_text: str
    outcome_table: pd.DataFrame
    mix_title: str
    mix: pd.DataFrame
    filter_text: str

    @property
    def sections(self) -> list[Section]:
        """Heading, sentence and table of every section, in the printed order."""
        return [
            ("Reach by quarter", self.quarter_text, self.by_quarter),
            ("Reach by ward", f"Target: {self.target:,.0f} people taking part per 1,000 residents in every ward. "
             f"{self.filter_text}.", self.reach),
            ("Significantly low reach (funnel plot)", self.funnel_text, self.funnel_flagged),
            ("Groups flagged under- or over-represented", "Respondents against the residents who could take part; "
             "Wilson interval, two-sided exact binomial test, Holm across the groups of each ward (5%); ▼ under-, ▲ "
             "over-represented.", self.flagged),
            ("You said, we did", self.outcome_text, self.outcome_table),
            (self.mix_title, "Share of each group's people who used each channel (online vs paper/event: a "
             "digital-exclusion signal).", self.mix),
        ]


def _rate_text(rate: pd.Series) -> pd.Series:
    return rate.map(lambda v: "hidden" if v != v else f"{v:,.1f}")


def quarter_sentence(target: float) -> str:
    """What the quarterly table compares: each quarter with its share of the yearly target."""
    return (f"People taking part per 1,000 residents in each quarter; ▼ below the quarter's share of the "
            f"yearly target of {target:,.0f}: {target / 4:,.1f} for a full quarter (the target ÷ 4), and "
            "for a part quarter pro rata by the days it covers (last row). A person taking part in two "
            "quarters counts in each.")


def _funnel_parts(flt: EngagementFilter, policy: DisclosurePolicy) -> tuple[gf.Funnel, pd.DataFrame, str]:
    result = funnel(flt, policy)
    flagged = tables.funnel_table(result, policy)
    flagged = flagged[flagged["Funnel plot"].isin([gf.LOW, gf.HIGH])].drop(columns=["95% limits"])
    counts = result.wards["status"].value_counts()
    text = (f"{counts.get(gf.LOW, 0)} of {len(result.wards)} wards are significantly low reach (below the "
            f"lower 99.8% limit of the funnel plot of people taking part per 1,000 residents against residents) "
            f"and {counts.get(gf.HIGH, 0)} significantly high; {counts.get(gf.HIDDEN, 0)} cannot be judged "
            f"because their count is hidden. {gf.method_sentence(result)}")
    return result, flagged, text


def _outcome_sentence(outcomes: dict) -> str:
    if not outcomes["closed"]:
        return "No activity with responses has closed yet."
    median = outcomes["median_days_to_outcome"]
    return (f"{outcomes['with_outcome']} of {outcomes['closed']} closed activities with responses have published an "
            "outcome" + (f", a median of {median:.0f} days after closing" if median is not None else "") + ".")


def build(target: float, flt: EngagementFilter = EngagementFilter(),
          policy: DisclosurePolicy | None = None) -> ScrutinyReport:
    """The report for a yearly target of `target` people taking part per 1,000 residents in every ward."""
    policy = policy or DisclosurePolicy.from_env()
    status = gp.below_target(participation_reach(flt, policy), target, "respondents")
    parts = scrutiny_parts(flt, policy)
    flagged = (pd.concat([t.assign(Dimension=DIMENSION_LABELS[d]) for d, t in parts["flagged"].items()],
                         ignore_index=True) if parts["flagged"] else pd.DataFrame(columns=["Ward", "Group"]))
    available = gp.dimensions_available(da.population(), [d for d in DIMENSION_LABELS if d in RESPONSE_COLUMNS])
    mix_dim = available[0] if available else None
    result, funnel_flagged, funnel_text = _funnel_parts(flt, policy)
    outcomes = parts["outcomes"]
    return ScrutinyReport(
        target=target, status=status,
        reach=status.assign(rate=_rate_text(status["rate"])).rename(columns=REACH_COLUMNS).drop(columns=["ward_code"]),
        by_quarter=quarterly_target_table(target, flt, policy), quarter_text=quarter_sentence(target),
        funnel=result, funnel_flagged=funnel_flagged, funnel_text=funnel_text, flagged=flagged,
        outcome_text=_outcome_sentence(outcomes),
        mix_title=f"Channel mix by {DIMENSION_LABELS.get(mix_dim, '').lower()}",
        mix=parts["channel_mix"].get(mix_dim, pd.DataFrame()), filter_text=filter_summary(flt),
        outcome_table=pd.DataFrame({"Closed": [outcomes["closed"]], "With outcome": [outcomes["with_outcome"]]}))


# --- the committee papers: `python -m etl report` ---------------------------------------------------------------

REPRESENTATION_COLUMNS = ["level", "ward_code", "dimension", "group", "respondents", "index", "index_low",
                          "index_high", "index_band", "flag"]
REACH_CSV_COLUMNS = ["ward_code", "residents", "respondents", "per_1000", "funnel_flag"]


def _shown(values: pd.Series, policy: DisclosurePolicy) -> pd.Series:
    """Counts as the page shows them: whole numbers, or the policy's label where hidden."""
    return values.map(lambda v: policy.label if pd.isna(v) else f"{v:.0f}")


def _representation_rows(frame: pd.DataFrame, level: str, dimension: str, policy: DisclosurePolicy) -> pd.DataFrame:
    """One CSV row per tested group: the index and its interval only where the count is shown (a hidden count's
    index reads as its band, as on the page)."""
    from geo.representation import index_band

    shown = frame["respondents"].notna()
    return pd.DataFrame({
        "level": level, "ward_code": frame.get("ward_code", pd.Series("", index=frame.index)).fillna(""),
        "dimension": dimension, "group": frame["group"], "respondents": _shown(frame["respondents"], policy),
        "index": frame["index"].where(shown).round(3), "index_low": frame["index_low"].where(shown).round(3),
        "index_high": frame["index_high"].where(shown).round(3),
        "index_band": [index_band(lo, hi) for lo, hi in zip(frame["index_min"], frame["index_max"], strict=True)],
        "flag": frame["flag"].fillna("")})[REPRESENTATION_COLUMNS]


def representation_csv(flt: EngagementFilter, policy: DisclosurePolicy) -> str:
    """representation.csv: the borough's and every ward's tested groups per dimension, as the page shows them."""
    from services.participation import borough_representation, representation_matrix

    available = gp.dimensions_available(da.population(), [d for d in DIMENSION_LABELS if d in RESPONSE_COLUMNS])
    parts = []
    for dimension in available:
        borough = borough_representation(dimension, flt, policy)
        borough = borough[(borough["kind"] == "group") & (borough["status"] == "tested")]
        matrix = representation_matrix(dimension, flt, policy)
        parts += [_representation_rows(borough.assign(ward_code=""), "borough", dimension, policy),
                  _representation_rows(matrix[matrix["status"] == "tested"], "ward", dimension, policy)]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REPRESENTATION_COLUMNS)
    return frame.to_csv(index=False, lineterminator="\n")


def reach_csv(flt: EngagementFilter, policy: DisclosurePolicy) -> str:
    """reach.csv: every ward's residents, people taking part as shown, rate per 1,000 and funnel-plot flag."""
    wards = funnel(flt, policy).wards
    return pd.DataFrame({
        "ward_code": wards["ward_code"], "residents": wards["residents"].round(0).astype("Int64"),
        "respondents": _shown(wards["count"], policy), "per_1000": wards["per_1000"].round(1),
        "funnel_flag": wards["flag"].fillna("")})[REACH_CSV_COLUMNS].to_csv(index=False, lineterminator="\n")
