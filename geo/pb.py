"""Participatory budgeting (PB): vote tallies, the funded sets under two rules, who was satisfied, who benefits,
and the pabulib `.pb` file format.

Inputs are the frames data_access gives, never a response row: `pb_projects()` rows of one activity
(project_id, title, cost, ward_code, category), `ballots(activity_id, flt)` — approval ballots aggregated by
identical ballot (ward_code, projects = the approved project ids sorted and joined by ';', voters) — and
`ward_deprivation()` (ward_code, domain, mean_rank). Empty ballots (nothing approved) and approvals of
projects not in the project list are left out: they fund nothing and have no satisfaction to measure.

The two rules, both computed by pabutools (Rey & Maly 2023) on the whole profile:

- **Greedy**: projects in order of votes, each funded if it still fits in what is left of the budget
  (ties: project id order). This is pabutools' `greedy_utilitarian_welfare` with `Cost_Sat` (a voter's
  satisfaction = the money spent on projects she approved), whose satisfaction per pound is exactly the
  project's votes — the rule most councils use. (With `Cardinality_Sat` it would rank votes ÷ cost instead.)
- **Method of Equal Shares** (MES; Peters, Pierczyński & Skowron 2021, "Proportional participatory
  budgeting with additive utilities", NeurIPS): the budget is split equally between the voters, and a
  project is funded only if its supporters can pay for it from their shares, each time choosing the project
  whose supporters pay least per pound of satisfaction (`Cost_Sat`, as for greedy). A group of voters with
  x% of the votes thus decides about x% of the money. MES alone can leave money unspent, so it is completed
  as equalshares.net recommends and pabutools implements: the voters' equal budget is raised in steps of
  1% of the budget (pabutools' iterated MES, `voter_budget_increment`; the step `exhaustion_by_budget_increase`
  takes by default) while the outcome still fits the real budget, then any money left goes greedily by votes
  (`greedy_utilitarian_welfare`, `Cost_Sat`); `completion_by_rule_combination` chains the two. Projects no
  voter approved are never funded.

Voter satisfaction is the share of a voter's approved projects that are funded (0–100%), averaged over
voters; "nothing funded" counts voters none of whose approved projects is funded. A ward's deprivation
decile is the IMD 2019 national decile of its population-weighted mean LSOA rank (ceil(rank × 10 ÷ 32,844)).

Disclosure (geo/disclosure.py): every count of voters is protected — project × ward tallies, voters and
"nothing funded" counts as ward × decile tables (so a ward's figure cannot be recovered from its decile's
total); no share on a base under `min_base`; a mean satisfaction is shown only where the rule's
"nothing funded" count is shown (with one-project ballots the mean would give that count away). The funded
sets and money are not counts of people. The `.pb` export holds the ballots without any voter attribute
(see `export_pabulib`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from pabutools.election import ApprovalBallot, ApprovalMultiProfile, ApprovalProfile, Cost_Sat, Instance, Project
from pabutools.election.ballot import FrozenApprovalBallot
from pabutools.election.pabulib import election_as_pabulib_string, parse_pabulib_from_string
from pabutools.fractions import frac, str_as_frac
from pabutools.rules import (
    completion_by_rule_combination,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

from geo.budgets import LSOAS_IN_ENGLAND
from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, protect_table, safe_rate

RULES = {"greedy": "Greedy (most votes first)", "mes": "Method of Equal Shares"}
UNPLACED = "Not placed"  # voters whose ward is not known
BOROUGH_WIDE = "Borough-wide"  # projects with no ward
UNKNOWN_DECILE = "Unknown"
PROJECT_COLUMNS = ["project_id", "activity_id", "title", "cost", "ward_code", "easting", "northing", "category"]


# ---------------------------------------------------------------- inputs and the pabutools election


def _approved(pattern: object) -> tuple[str, ...]:
    if pattern is None or (isinstance(pattern, float) and math.isnan(pattern)):
        return ()
    return tuple(sorted(p for p in str(pattern).split(";") if p))


def clean_ballots(projects: pd.DataFrame, ballots: pd.DataFrame) -> pd.DataFrame:
    """ballots as (ward_code, approved: tuple of known project ids, voters); unknown ward → UNPLACED, empty dropped."""
    known = set(projects["project_id"].astype(str))
    out = pd.DataFrame({
        "ward_code": ballots["ward_code"].astype(object).where(ballots["ward_code"].notna(), UNPLACED).astype(str),
        "approved": [tuple(p for p in _approved(v) if p in known) for v in ballots["projects"]],
        "voters": ballots["voters"].fillna(0).astype(int),
    }, index=ballots.index)
    return out[(out["approved"].map(len) > 0) & (out["voters"] > 0)].reset_index(drop=True)


def _exact(value: object, what: str) -> object:
    """Money as an exact number for pabutools (int, or an exact fraction of the decimal written)."""
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{what} must be a non-negative amount, not {value!r}")
    return int(number) if number.is_integer() else str_as_frac(repr(number))


def election(projects: pd.DataFrame, ballots: pd.DataFrame, budget: float) -> tuple[Instance, ApprovalMultiProfile]:
    """The pabutools instance (budget, and the projects at least one voter approved) and the approval multiprofile
    (one ballot per pattern, with its voters as multiplicity). Projects nobody approved are left out: pabutools'
    greedy would otherwise fund them with money left over, and no council funds a project without a vote."""
    patterns = clean_ballots(projects, ballots).groupby("approved")["voters"].sum()
    supported = {p for approved in patterns.index for p in approved}
    objects = {str(pid): Project(str(pid), _exact(cost, f"cost of {pid}"))
               for pid, cost in zip(projects["project_id"], projects["cost"], strict=True) if str(pid) in supported}
    instance = Instance(objects.values(), budget_limit=_exact(budget, "budget"))
    profile = ApprovalMultiProfile(instance=instance)
    for approved, voters in patterns.items():
        profile[FrozenApprovalBallot([objects[p] for p in approved])] = int(voters)
    return instance, profile


# ---------------------------------------------------------------- the two rules


def greedy_set(instance: Instance, profile) -> set[str]:
    """Greedy by votes: pabutools' greedy_utilitarian_welfare with Cost_Sat (satisfaction per pound = votes)."""
    return {p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)}


def mes_set(instance: Instance, profile, completion: bool = True) -> set[str]:
    """Method of Equal Shares with Cost_Sat, by default completed: the voters' equal budget raised in steps of 1% of
    the budget while the outcome fits the budget (pabutools' iterated MES, `voter_budget_increment`: the steps
    `exhaustion_by_budget_increase` takes by default, about three times faster; tests/test_pb.py checks they
    agree), then greedy by votes for any money left — pabutools' completion_by_rule_combination."""
    if not completion:
        return {p.name for p in method_of_equal_shares(instance, profile, sat_class=Cost_Sat)}
    step = frac(instance.budget_limit, 100 * max(profile.num_ballots(), 1))
    outcome = completion_by_rule_combination(
        instance, profile, [method_of_equal_shares, greedy_utilitarian_welfare],
        [{"sat_class": Cost_Sat, "voter_budget_increment": step}, {"sat_class": Cost_Sat}])
    return {p.name for p in outcome}


def funded_sets(projects: pd.DataFrame, ballots: pd.DataFrame, budget: float) -> dict[str, set[str]]:
    """{'greedy': ids, 'mes': ids}: the funded project ids under each rule (no counts: safe to show)."""
    instance, profile = election(projects, ballots, budget)
    if profile.num_ballots() == 0:
        return {"greedy": set(), "mes": set()}
    return {"greedy": greedy_set(instance, profile), "mes": mes_set(instance, profile)}


# ---------------------------------------------------------------- tallies


def tallies_by_ward(projects: pd.DataFrame, ballots: pd.DataFrame,
                    policy: DisclosurePolicy = DEFAULT_POLICY) -> pd.DataFrame:
    """Approvals per ward (rows, then 'Total') × project (columns), protected as one table.

    Floats, NaN where hidden. Wards sum to the project's total, so the column totals are protected with the
    wards (secondary suppression); a project's approvals do not add across projects (a voter approves several),
    so there is no row total.
    """
    clean = clean_ballots(projects, ballots)
    ids = [str(p) for p in projects["project_id"]]
    rows = [(w, p, n) for w, approved, n in clean.itertuples(index=False) for p in approved]
    long = pd.DataFrame(rows, columns=["ward_code", "project_id", "votes"])
    grid = long.pivot_table(index="ward_code", columns="project_id", values="votes", aggfunc="sum", fill_value=0)
    grid = grid.reindex(columns=ids, fill_value=0)
    if grid.empty:
        grid = pd.DataFrame(0, index=[UNPLACED], columns=ids)
    grid.columns = grid.columns.astype(object)
    return protect_table(grid, policy, row_totals=False, column_totals=True).values


def project_results(projects: pd.DataFrame, ballots: pd.DataFrame, budget: float,
                    policy: DisclosurePolicy = DEFAULT_POLICY, sets: dict[str, set[str]] | None = None) -> pd.DataFrame:
    """One row per project: project_id, activity_id, title, cost, ward_code, category, votes (protected,
    NaN = hidden), funded_greedy, funded_mes (bool), sorted by votes (most first, exact order) then project id.

    votes is the 'Total' row of `tallies_by_ward`, so the per-project and per-ward views hide alike.
    sets: `funded_sets(projects, ballots, budget)` if already computed (MES takes seconds on a large vote).
    """
    sets = funded_sets(projects, ballots, budget) if sets is None else sets
    clean = clean_ballots(projects, ballots)
    exact = pd.Series(0, index=projects["project_id"].astype(str), dtype=float)
    for approved, voters in zip(clean["approved"], clean["voters"], strict=True):
        exact[list(approved)] += voters
    out = projects.assign(project_id=projects["project_id"].astype(str))
    out = out.reindex(columns=[c for c in PROJECT_COLUMNS if c in out.columns and c not in ("easting", "northing")])
    out["votes"] = tallies_by_ward(projects, ballots, policy).loc[TOTAL].reindex(out["project_id"]).to_numpy()
    out["funded_greedy"] = out["project_id"].isin(sets["greedy"])
    out["funded_mes"] = out["project_id"].isin(sets["mes"])
    order = exact.reindex(out["project_id"]).to_numpy()
    return (out.assign(_order=-order).sort_values(["_order", "project_id"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def rule_summary(results: pd.DataFrame, budget: float) -> pd.DataFrame:
    """Per rule: projects funded, money spent and left (from project_results; no counts of people)."""
    rows = []
    for rule, label in RULES.items():
        funded = results[results[f"funded_{rule}"]]
        spent = float(funded["cost"].sum())
        rows.append({"rule": rule, "label": label, "projects_funded": len(funded), "spent": spent,
                     "left": float(budget) - spent})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- deprivation


def ward_deciles(deprivation: pd.DataFrame) -> pd.Series:
    """Ward → IMD 2019 national decile (1 = most deprived) of the ward's population-weighted mean LSOA rank."""
    imd = deprivation[deprivation["domain"] == "IMD"] if "domain" in deprivation.columns else deprivation
    rank = imd.set_index("ward_code")["mean_rank"].astype(float)
    decile = (rank * 10 / LSOAS_IN_ENGLAND).apply(lambda r: math.ceil(r) if math.isfinite(r) else pd.NA)
    return decile.clip(lower=1, upper=10).astype("Int64")


def _decile_label(decile: object) -> str:
    return UNKNOWN_DECILE if pd.isna(decile) else str(int(decile))


def _ward_decile_table(counts: pd.Series, deciles: pd.Series,
                       policy: DisclosurePolicy) -> tuple[pd.Series, pd.Series]:
    """Protect counts per ward as a ward × decile table (each ward in its decile's column).

    Returns (per ward + 'Total', per decile label + 'Total'), floats with NaN where hidden. One table, so no
    hidden ward count can be worked out from its decile total or the borough total.
    """
    labels = pd.Series([_decile_label(deciles.get(w, pd.NA)) for w in counts.index], index=counts.index)
    grid = pd.DataFrame(0.0, index=counts.index, columns=sorted(set(labels), key=_decile_sort))
    for ward, label in labels.items():
        grid.loc[ward, label] = float(counts[ward])
    grid.columns = grid.columns.astype(object)
    values = protect_table(grid, policy, row_totals=True, column_totals=True).values
    return values[TOTAL], values.loc[TOTAL]


def _decile_sort(label: str) -> tuple[int, str]:
    return (11, label) if label == UNKNOWN_DECILE else (int(label), "")


# ---------------------------------------------------------------- satisfaction and who benefits


def _wards(clean: pd.DataFrame, deciles: pd.Series, projects: pd.DataFrame) -> list[str]:
    """Every ward a table lists: the borough's (from deprivation), the voters' and the projects' — one list, so every
    view of the voters per ward is the same table and hides the same cells."""
    placed = projects["ward_code"].dropna().astype(str) if "ward_code" in projects.columns else pd.Series([], dtype=str)
    return sorted(set(clean["ward_code"]) | {str(w) for w in deciles.index} | set(placed))


def _per_ward(projects: pd.DataFrame, ballots: pd.DataFrame, sets: dict[str, set[str]],
              deciles: pd.Series) -> pd.DataFrame:
    """Exact sums per ward: voters, and per rule the voters with nothing funded and the sum of satisfactions."""
    clean = clean_ballots(projects, ballots)
    sums = clean[["ward_code", "voters"]].copy()
    for rule in RULES:
        funded = [len(set(a) & sets[rule]) for a in clean["approved"]]
        share = pd.Series(funded, index=clean.index) / clean["approved"].map(len)
        sums[f"nothing_{rule}"] = clean["voters"] * (share == 0)
        sums[f"sat_{rule}"] = clean["voters"] * share
    return sums.groupby("ward_code").sum().reindex(_wards(clean, deciles, projects), fill_value=0).astype(float)


@dataclass
class Breakdown:
    """A PB result by ward (index: ward codes, then 'Total') and by deprivation decile (index: '1'…'10',
    'Unknown', then 'Total'); counts are floats with NaN where hidden."""

    by_ward: pd.DataFrame
    by_decile: pd.DataFrame


def _shares(out: pd.DataFrame, exact: pd.DataFrame, policy: DisclosurePolicy) -> pd.DataFrame:
    for rule in RULES:
        shown = out["voters"].notna() & (out["voters"] >= policy.min_base) & out[f"nothing_{rule}"].notna()
        voters = exact["voters"].astype(float).where(exact["voters"] > 0)
        out[f"satisfaction_{rule}"] = (exact[f"sat_{rule}"].astype(float) / voters * 100).where(shown)
        out[f"nothing_share_{rule}"] = safe_rate(out[f"nothing_{rule}"], out["voters"], 100, policy)
    return out


def satisfaction(projects: pd.DataFrame, ballots: pd.DataFrame, sets: dict[str, set[str]],
                 deprivation: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> Breakdown:
    """Voter satisfaction under each rule, by ward and by the deprivation decile of the voter's ward.

    Columns: voters, and per rule r: nothing_r (voters with none of their approved projects funded),
    nothing_share_r (%), satisfaction_r (mean share of a voter's approved projects funded, %). Counts are
    protected as ward × decile tables; shares need a shown base of at least min_base; satisfaction_r is hidden
    with nothing_r (see the module docstring). The by-ward frame has a 'decile' column (Int64, NA = unknown).
    """
    deciles = ward_deciles(deprivation)
    exact = _per_ward(projects, ballots, sets, deciles)
    ward_out, decile_out = pd.DataFrame(index=[*exact.index, TOTAL]), None
    labels = exact.index.map(lambda w: _decile_label(deciles.get(w, pd.NA)))
    exact_d = exact.groupby(labels).sum()
    exact_d.loc[TOTAL] = exact.sum()
    exact_w = pd.concat([exact, exact.sum().to_frame(TOTAL).T])
    for column in ["voters", *(f"nothing_{r}" for r in RULES)]:
        per_ward, per_decile = _ward_decile_table(exact[column], deciles, policy)
        ward_out[column] = per_ward.reindex(ward_out.index)
        decile_out = per_decile.to_frame(column) if decile_out is None else decile_out.join(per_decile.rename(column))
    ward_out = _shares(ward_out, exact_w, policy)
    decile_out = _shares(decile_out, exact_d.reindex(decile_out.index), policy)
    ward_out.insert(0, "decile", pd.array([deciles.get(w, pd.NA) for w in ward_out.index], dtype="Int64"))
    ward_out.index.name, decile_out.index.name = "ward_code", "decile"
    return Breakdown(ward_out, decile_out)


def _money(projects: pd.DataFrame, funded: set[str]) -> pd.Series:
    chosen = projects[projects["project_id"].astype(str).isin(funded)]
    ward = chosen["ward_code"].astype(object).where(chosen["ward_code"].notna(), BOROUGH_WIDE).astype(str)
    return chosen["cost"].astype(float).groupby(ward).sum()


def _with_money(frame: pd.DataFrame, money: pd.Series, rule: str) -> None:
    """Add money_r and money_share_r to a frame indexed by place then 'Total' (money: £ per place)."""
    frame[f"money_{rule}"] = money.reindex(frame.index.drop(TOTAL), fill_value=0.0)
    frame.loc[TOTAL, f"money_{rule}"] = money.sum()
    frame[f"money_share_{rule}"] = frame[f"money_{rule}"] / money.sum() * 100 if money.sum() > 0 else float("nan")


def who_benefits(projects: pd.DataFrame, ballots: pd.DataFrame, sets: dict[str, set[str]],
                 deprivation: pd.DataFrame, policy: DisclosurePolicy = DEFAULT_POLICY) -> Breakdown:
    """Where the money goes against where the voters live, by ward and by the ward's deprivation decile.

    Columns: money_r (£ of funded projects in the ward, rule r), money_share_r (% of the money funded under r),
    voters (protected, the same table as `satisfaction`), voter_share (% of all voters; hidden with the count or
    when the voters in total are under min_base). Projects without a ward are a row 'Borough-wide' in both frames
    (0 voters: nobody lives there).
    """
    deciles = ward_deciles(deprivation)
    exact = _per_ward(projects, ballots, sets, deciles)
    per_ward, per_decile = _ward_decile_table(exact["voters"], deciles, policy)
    extra = [BOROUGH_WIDE] if projects["ward_code"].isna().any() else []
    ward_out = pd.DataFrame(index=[*exact.index, *extra, TOTAL])
    decile_out = pd.DataFrame(index=[*per_decile.index.drop(TOTAL), *extra, TOTAL])
    place_label = {w: _decile_label(deciles.get(w, pd.NA)) for w in exact.index} | {BOROUGH_WIDE: BOROUGH_WIDE}
    for rule in RULES:
        money = _money(projects, sets[rule])
        _with_money(ward_out, money, rule)
        _with_money(decile_out, money.groupby(money.index.map(place_label)).sum(), rule)
    ward_out["voters"] = per_ward.reindex(ward_out.index)
    decile_out["voters"] = per_decile.reindex(decile_out.index)
    for frame in (ward_out, decile_out):
        if extra:
            frame.loc[BOROUGH_WIDE, "voters"] = 0.0
        base = pd.Series(frame.loc[TOTAL, "voters"], index=frame.index)
        frame["voter_share"] = safe_rate(frame["voters"], base, 100, policy)
    ward_out.insert(0, "decile", pd.array([deciles.get(w, pd.NA) for w in ward_out.index], dtype="Int64"))
    ward_out.index.name, decile_out.index.name = "ward_code", "decile"
    return Breakdown(ward_out, decile_out)


# ---------------------------------------------------------------- pabulib .pb files


def _money_text(value: object) -> Decimal:
    number = Decimal(repr(float(value)))
    return Decimal(int(number)) if number == number.to_integral_value() else number


def _text(value: object) -> str | None:
    """A free-text field made safe for pabulib's ';'-separated, unquoted lines."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return " ".join(str(value).replace(";", ",").split()) or None


def export_pabulib(projects: pd.DataFrame, ballots: pd.DataFrame, budget: float, meta: dict | None = None,
                   policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """One activity as a pabulib `.pb` text (Faliszewski et al. 2023, written by pabutools' writer).

    What is written: META (description, country, unit, instance, budget, vote_type approval, rule, a comment; `meta`
    adds or overrides keys), PROJECTS (project_id, cost, name = title, category, ward_code of the project) and
    VOTES: one line per voter with a synthetic voter_id 1…N and the approved projects — nothing else about the
    voter (no ward, age or sex: a ballot pattern held by few voters of a ward could single someone out; ballots
    alone carry no attribute to link). Ballots are grouped across wards and numbered in ballot order, so the ids
    do not follow wards or respondents. Refuses fewer than min_base voters in all (a filter that narrow would
    make the file a small group's ballots). Ids must not contain ',' or ';' (pabulib's separators).
    """
    clean = clean_ballots(projects, ballots)
    if clean["voters"].sum() < policy.min_base:
        raise ValueError(f"a .pb export needs at least {policy.min_base} voters")
    ids = projects["project_id"].astype(str)
    if ids.str.contains("[,;]").any():
        raise ValueError("project ids must not contain ',' or ';' in a .pb file")
    objects, instance = {}, Instance(budget_limit=_money_text(budget))
    for row in projects.assign(project_id=ids).itertuples(index=False):
        project = Project(row.project_id, _money_text(row.cost))
        category = _text(getattr(row, "category", None))
        project.categories = set(category.split(",")) if category else set()
        instance.add(project)
        instance.project_meta[project] = {k: v for k, v in {
            "name": _text(getattr(row, "title", None)), "ward_code": _text(getattr(row, "ward_code", None))}.items()
            if v is not None}
        objects[row.project_id] = project
    defaults = {"description": "Participatory budgeting ballots exported by Wardscope", "country": "United Kingdom",
                "unit": "Council", "instance": "PB", "rule": "greedy",
                "comment": "ballots only - voter ids are synthetic - no voter attribute"}
    instance.meta = {k: _text(v) for k, v in {**defaults, **(meta or {})}.items()}
    profile = ApprovalProfile(instance=instance)
    for approved, voters in clean.groupby("approved")["voters"].sum().sort_index().items():
        for _ in range(int(voters)):
            ballot = ApprovalBallot(objects[p] for p in approved)
            ballot.meta = {"voter_id": str(len(profile) + 1)}
            profile.append(ballot)
    return election_as_pabulib_string(instance, profile)


@dataclass
class PabulibElection:
    """A `.pb` file read into Wardscope's shapes: pb_projects rows, aggregated ballots, the budget and META."""

    projects: pd.DataFrame
    ballots: pd.DataFrame
    budget: float
    meta: dict


def import_pabulib(text: str, activity_id: str = "pabulib") -> PabulibElection:
    """Read a pabulib `.pb` text (pabutools' parser) into pb_projects rows and ballots aggregated by identical
    ballot (ward_code from a voter 'ward_code' field if the file has one, else unknown). Approval files only."""
    instance, profile = parse_pabulib_from_string(text)
    if instance.meta.get("vote_type") not in ("approval", "choose-1"):
        raise ValueError(f"only approval ballots can be read, not {instance.meta.get('vote_type')!r}")
    rows = []
    for project in sorted(instance, key=lambda p: p.name):
        extra = instance.project_meta.get(project, {})
        rows.append({"project_id": project.name, "activity_id": activity_id,
                     "title": extra.get("name") or extra.get("title") or project.name, "cost": float(project.cost),
                     "ward_code": extra.get("ward_code"), "easting": None, "northing": None,
                     "category": ",".join(sorted(project.categories)) or None})
    counts: dict[tuple, int] = {}
    for ballot in profile:
        key = (ballot.meta.get("ward_code"), ";".join(sorted(p.name for p in ballot)))
        counts[key] = counts.get(key, 0) + profile.multiplicity(ballot)
    ballots = pd.DataFrame([(w, p, n) for (w, p), n in counts.items()], columns=["ward_code", "projects", "voters"])
    ballots = ballots.sort_values(["projects", "ward_code"], na_position="first").reset_index(drop=True)
    return PabulibElection(pd.DataFrame(rows, columns=PROJECT_COLUMNS), ballots, float(instance.budget_limit),
                           dict(instance.meta))
