"""Automatic proposals: several alternative schemes of k contiguous areas, each within a population
range (a minimum and a maximum: the mean area ± tolerance %), grouping similar wards.

Method, in three steps for each alternative:

1. **Similarity** (PySAL spopt). Wards are described by the documented "similar wards" indicators
   of geo.indicators (children, older people, ethnic groups other than White British, average
   deprivation rank, share of most-deprived neighbourhoods), each standardised to mean 0 and
   standard deviation 1 (missing = the borough mean). Neighbours are libpysal Queen contiguity on
   the full-resolution EPSG:27700 boundaries. SKATER (Assunção, Neves, Câmara & Freitas 2006)
   cuts the minimum spanning tree of the neighbour graph, weighted by indicator dissimilarity,
   into k contiguous regions; AZP (Openshaw 1977; Openshaw & Rao 1995) searches contiguous
   regions from a random start (one alternative per random seed). Neither bounds population
   from both sides (max-p only has a floor), so:
2. **Population repair** (a documented local-move step). While an area is outside the range, the
   move of one boundary ward to a neighbouring area that most reduces the total shortfall and excess
   of residents is made (ties: the move adding least indicator dissimilarity), never emptying or
   splitting the area it leaves, so contiguity is kept. It stops when every area is within range.
3. **Balancing fallback** (MGGG gerrychain ReCom; DeFord, Duchin & Solomon 2021). If local moves
   get stuck, ReCom steps merge two neighbouring areas and re-split them along a random spanning
   tree into two contiguous parts each within the range, until every area is within range.
   When no similarity-led start can be balanced (common on large maps with many areas), gerrychain's
   recursive spanning-tree partition cuts a balanced contiguous start directly (it ignores
   similarity; the score still ranks it). When too few alternatives are valid, further ReCom steps
   from the best valid scheme give more (a ReCom step keeps a scheme in range), as in an MCMC ensemble,
   and, if still too few, more spanning-tree partitions with other seeds (each is ranked by the score).

A map in separate parts (wards either side of an estuary, an island) is first joined at its
nearest wards (geo.areas.crossings), so every ward can be reached; a proposal lists the crossings
that lie inside one of its areas.

Alternatives are ranked by a score, lower is better, each part on a 0–1 scale:

    score = max |deviation| ÷ tolerance                 (population balance)
          + within-area sum of squares ÷ total sum of squares of the standardised indicators
                                                         (dissimilarity inside areas; 1 − R²)
          + (1 − mean Polsby–Popper compactness)         (Polsby & Popper 1991)

Identical schemes found by different methods are listed once. SKATER is deterministic and AZP and
ReCom are given seeds; neighbour lists are in a fixed order and gerrychain sees numbered nodes, so the
same seed gives the same proposals in every process (libpysal and gerrychain otherwise iterate sets of
ward codes, whose order changes with Python's per-process string hashing).
"""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass, field
from functools import partial

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geo import areas as ga
from geo.indicators import SIMILARITY_KEYS

DEFAULT_K = 6
DEFAULT_TOLERANCE = 10.0
#: How many alternative schemes propose() looks for by default.
ALTERNATIVES = 4
#: Population ranges the builder starts from, narrowest first: ±10% is the Local Government Boundary Commission
#: for England's guide for electoral equality between wards; with "around half a dozen" areas of 3–4 wards each,
#: one ward is a quarter to a third of an area, so it is not always possible (20 equal wards cannot make 6 areas
#: within ±10%: 3 wards are 10% under the mean, 4 wards 33% over), and the builder then starts wider.
STANDARD_RANGES = (10.0, 15.0, 20.0, 25.0)
#: AZP's local search grows quickly with the number of wards (36 s for 400 wards, 0.2 s for 20): on larger maps
#: only SKATER runs and the alternatives come from the ReCom chain.
AZP_MAX_WARDS = 150
#: ReCom steps tried to balance one similarity-led start. A step that finds no balanced split is cheap on a
#: borough (2 ms at 20 wards) but not on a large map (0.16 s at 700), where successes came within 6 steps and
#: a start that needs more is better replaced by a spanning-tree partition (see propose).
BALANCE_STEPS = {"small": 60, "large": 20}


@dataclass
class Proposal:
    """One alternative scheme: ward_code → 'Area 1'…, how it was found, and its score and parts."""

    name: str
    method: str
    assignment: pd.Series
    score: float = float("nan")
    parts: dict = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return bool(self.parts.get("contiguous")) and bool(self.parts.get("within_tolerance"))


def standardise(features: pd.DataFrame) -> pd.DataFrame:
    """Each column to z-scores (population SD); missing = 0 (the mean); constant columns = 0."""
    out = features.astype(float)
    sd = out.std(ddof=0).replace(0, np.nan)
    return ((out - out.mean()) / sd).fillna(0.0)


def similarity_features(values: pd.DataFrame, ward_codes: list[str], keys=SIMILARITY_KEYS) -> pd.DataFrame:
    """The chosen indicators per ward from sv.indicator_values() (rows: codes, columns: keys), standardised."""
    return standardise(values.reindex(index=ward_codes, columns=list(keys)))


def _dissimilarity(labels: dict[str, int], z: pd.DataFrame) -> float:
    """Within-area sum of squares ÷ total sum of squares (0 = areas internally identical)."""
    total = float(((z - z.mean()) ** 2).to_numpy().sum())
    if total == 0:
        return 0.0
    lab = pd.Series(labels).reindex(z.index)
    within = float(z.groupby(lab).transform(lambda c: c - c.mean()).pow(2).to_numpy().sum())
    return within / total


def _outside(p: float, lo: float, hi: float) -> float:
    """How far one area's residents are outside [lo, hi] (0 inside)."""
    return max(0.0, p - hi) + max(0.0, lo - p)


def repair(labels: dict[str, int], neighbours: dict, pop: pd.Series, z: pd.DataFrame, lo: float, hi: float,
           max_moves: int = 500) -> dict[str, int]:
    """Local moves of boundary wards until every area's residents are in [lo, hi] or no move helps.

    Each step makes the move that most reduces the total excess and shortfall (ties: least added
    dissimilarity, then ward code); a move never empties or splits the area it leaves. Only the two
    areas a move touches change, so each candidate is scored from their totals, and whether an area stays
    connected without a ward is checked best candidate first and remembered until that area changes.
    """
    labels = dict(labels)
    people = {c: float(pop[c]) for c in labels}
    zs = {c: z.loc[c].to_numpy(dtype=float) for c in labels}
    members: dict[int, set] = {}
    for code, k in labels.items():
        members.setdefault(k, set()).add(code)
    load = {k: sum(people[c] for c in m) for k, m in members.items()}
    zsum = {k: np.sum([zs[c] for c in m], axis=0) for k, m in members.items()}
    order = sorted(labels)
    can_leave: dict[str, bool] = {}  # ward → its area stays connected without it (kept until the area changes)

    def leaves_connected(code: str) -> bool:
        if code not in can_leave:
            rest = members[labels[code]] - {code}
            can_leave[code] = bool(rest) and ga._connected(rest, neighbours)
        return can_leave[code]

    for _ in range(max_moves):
        if sum(_outside(p, lo, hi) for p in load.values()) <= 0:
            break
        centre = {k: zsum[k] / len(members[k]) for k in members}
        candidates = []
        for code in order:
            a, x = labels[code], people[code]
            for b in {labels[n] for n in neighbours[code]} - {a}:
                gain = (_outside(load[a], lo, hi) + _outside(load[b], lo, hi)
                        - _outside(load[a] - x, lo, hi) - _outside(load[b] + x, lo, hi))
                if gain > 1e-9:
                    extra = float(np.sum((zs[code] - centre[b]) ** 2) - np.sum((zs[code] - centre[a]) ** 2))
                    candidates.append((-gain, extra, code, b))
        move = next(((code, b) for _, _, code, b in sorted(candidates) if leaves_connected(code)), None)
        if move is None:
            break
        code, b = move
        a = labels[code]
        labels[code] = b
        members[a].discard(code)
        members[b].add(code)
        load[a] -= people[code]
        load[b] += people[code]
        zsum[a] = zsum[a] - zs[code]
        zsum[b] = zsum[b] + zs[code]
        for c in members[a] | members[b] | {code}:
            can_leave.pop(c, None)
    return labels


def _gerrychain_graph(graph: nx.Graph):
    """The neighbour graph for gerrychain, its nodes numbered 0… in the graph's own (ward) order.

    gerrychain draws from sets of nodes and cut edges; with ward codes (strings) as nodes their order, and so
    the plans drawn, would change with Python's per-process string hashing even for the same seed. Numbered
    nodes make a seed give the same proposals in every process; the ward code travels as node data."""
    from gerrychain import Graph

    return Graph.from_networkx(nx.convert_node_labels_to_integers(graph))


def _recom_balance(labels: dict[str, int], graph: nx.Graph, pop: pd.Series, lo: float, hi: float, seed: int,
                   max_steps: int = 60, extra: int = 0) -> list[dict[str, int]]:
    """ReCom steps (gerrychain) until all areas are in [lo, hi], then `extra` more steps (ReCom keeps a
    plan in range, so each is another valid plan). Returns the valid plans met (empty when none)."""
    from gerrychain import Partition
    from gerrychain.proposals import recom
    from gerrychain.tree import bipartition_tree
    from gerrychain.updaters import Tally

    g = _gerrychain_graph(graph)
    part = Partition(g, {n: labels[g.node_data(n)["code"]] for n in g.node_indices},
                     updaters={"population": Tally("population")})
    ideal = (lo + hi) / 2
    eps = (hi - lo) / 2 / ideal * 0.999
    rng = random.Random(seed)
    split = partial(bipartition_tree, max_attempts=50, warn_attempts=10**6, allow_pair_reselection=True)

    def done(p) -> bool:
        return all(lo <= v <= hi for v in p["population"].values())

    def plan(p) -> dict[str, int]:
        return {p.graph.node_data(n)["code"]: int(p.assignment[n]) for n in p.graph.node_indices}

    plans: list[dict[str, int]] = []
    steps = 0
    while steps < max_steps + extra:
        if done(part):
            plans.append(plan(part))
            if len(plans) > extra:
                break
        steps += 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                part = recom(part, "population", ideal, eps, node_repeats=2, rng=rng, bipartition_tree_fn=split)
        except Exception:  # noqa: BLE001, S112 - gerrychain raises several kinds when a pair cannot be split
            continue
    return plans


def _tree_seed(graph: nx.Graph, k: int, lo: float, hi: float, seed: int) -> dict[str, int] | None:
    """gerrychain's recursive_tree_part: k contiguous parts, each in [lo, hi], cut one by one from random
    spanning trees (a balanced start that ignores similarity); None when it finds no such cut."""
    from gerrychain.partition import recursive_tree_part
    from gerrychain.tree import bipartition_tree

    g = _gerrychain_graph(graph)
    ideal = (lo + hi) / 2
    eps = (hi - lo) / 2 / ideal * 0.999
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts = recursive_tree_part(g, range(k), ideal, "population", eps, node_repeats=2, rng=random.Random(seed),
                                        bipartition_tree_fn=partial(bipartition_tree, max_attempts=500))
    except Exception:  # noqa: BLE001 - gerrychain raises several kinds when no balanced cut is found
        return None
    return {g.node_data(n)["code"]: int(p) for n, p in parts.items()}


def _regions(method: str, frame: gpd.GeoDataFrame, w, z: pd.DataFrame, k: int, seed: int) -> dict[str, int]:
    """spopt SKATER or AZP labels (ward_code → 0…k−1) on the standardised indicators."""
    cols = list(z.columns)
    gdf = frame.join(z)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "skater":
            from spopt.region import Skater

            model = Skater(gdf, w, cols, n_clusters=k, floor=max(1, len(gdf) // (3 * k)), islands="ignore")
        else:
            from spopt.region import AZP

            np.random.seed(seed)
            model = AZP(gdf, w, cols, n_clusters=k, random_state=seed)
        model.solve()
    return {c: int(lab) for c, lab in zip(gdf.index, model.labels_, strict=True)}


def _renumber(labels: dict[str, int], frame: gpd.GeoDataFrame) -> pd.Series:
    """Names 'Area 1'… in order of each area's northernmost-then-westernmost centroid, so names are stable."""
    cent = frame.geometry.centroid
    lab = pd.Series(labels)
    pos = pd.DataFrame({"x": cent.x, "y": cent.y, "lab": lab.reindex(frame.index)}).groupby("lab")[["x", "y"]].mean()
    order = sorted(pos.index, key=lambda a: (-pos.at[a, "y"], pos.at[a, "x"]))
    rename = {a: f"Area {i + 1}" for i, a in enumerate(order)}
    return lab.map(rename).rename("area").rename_axis("ward_code")


def evaluate(assignment: pd.Series, wards_bng: gpd.GeoDataFrame, residents: pd.Series, z: pd.DataFrame,
             tolerance_pct: float, links=None, weights=None) -> tuple[float, dict]:
    """The documented score (lower is better) and its parts for one scheme (links, weights: see
    geo.areas.check_scheme)."""
    check = ga.check_scheme(assignment, wards_bng, residents, tolerance_pct, links=links, weights=weights)
    max_dev = float(check["deviation_pct"].abs().max())
    labels = {c: a for c, a in assignment.items()}
    parts = {"max_deviation_pct": max_dev, "dissimilarity": _dissimilarity(labels, z),
             "mean_compactness": float(check["compactness"].mean()),
             "contiguous": bool(check["contiguous"].all()), "within_tolerance": bool(check["within_tolerance"].all())}
    score = max_dev / tolerance_pct + parts["dissimilarity"] + (1 - parts["mean_compactness"])
    return score, parts


def _neighbour_graph(codes, pop: pd.Series, neighbours: dict) -> nx.Graph:
    """The wards as a networkx graph for gerrychain: nodes in `codes` order carrying population and ward code,
    an edge for each pair of neighbours (the order of nodes and edges fixes what a seed draws)."""
    graph = nx.Graph()
    graph.add_nodes_from((c, {"population": float(pop[c]), "code": c}) for c in codes)
    graph.add_edges_from((a, b) for a, ns in neighbours.items() for b in ns)
    return graph


def _population_range(pop: pd.Series, n_areas: int, tolerance_pct: float) -> tuple[float, float]:
    """The population range [lo, hi]: the mean area (all residents ÷ n areas) ± tolerance %."""
    mean = pop.sum() / n_areas
    return mean * (1 - tolerance_pct / 100), mean * (1 + tolerance_pct / 100)


def _in_range(labels: dict[str, int], pop: pd.Series, lo: float, hi: float) -> bool:
    """Whether every area of `labels` has its residents within [lo, hi]."""
    return bool(pop.groupby(pd.Series(labels).reindex(pop.index)).sum().between(lo, hi).all())


@dataclass
class _Map:
    """What propose() works on, built once: wards (indexed by code, measured), residents and standardised
    indicators in ward order, the crossings joining a map in parts, contiguity weights, neighbour lists in a
    fixed order, the neighbour graph for gerrychain, the number of areas and the population range."""

    frame: gpd.GeoDataFrame
    pop: pd.Series
    z: pd.DataFrame
    links: pd.DataFrame
    w: object
    neighbours: dict
    graph: nx.Graph
    k: int
    lo: float
    hi: float

    @classmethod
    def of(cls, wards_bng: gpd.GeoDataFrame, residents: pd.Series, features: pd.DataFrame, k: int,
           tolerance_pct: float) -> _Map:
        frame = ga._measured(wards_bng).set_index("ward_code")
        codes = list(frame.index)
        k = max(1, min(int(k), len(codes)))
        pop = residents.reindex(codes).fillna(0.0).astype(float)
        links = ga.crossings(frame)
        w = ga.contiguity(frame, links=links)
        neighbours = {c: list(n) for c, n in w.neighbors.items()}
        lo, hi = _population_range(pop, k, tolerance_pct)
        return cls(frame, pop, features.reindex(codes).fillna(0.0), links, w, neighbours,
                   _neighbour_graph(codes, pop, neighbours), k, lo, hi)

    @property
    def large(self) -> bool:
        """More wards than AZP is run on (AZP_MAX_WARDS): SKATER only, and fewer ReCom steps per start."""
        return len(self.frame) > AZP_MAX_WARDS


class _Shortlist:
    """The valid proposals found so far, each scheme once (schemes equal up to area names count as one)."""

    def __init__(self, m: _Map, wards_bng: gpd.GeoDataFrame, tolerance_pct: float, wanted: int) -> None:
        self.m, self.wards_bng, self.tolerance_pct, self.wanted = m, wards_bng, tolerance_pct, wanted
        self.found: list[Proposal] = []
        self.seen: set = set()

    @property
    def full(self) -> bool:
        return len(self.found) >= self.wanted

    def add(self, labels: dict[str, int], how: str) -> None:
        """Name the areas of `labels`, score the scheme (evaluate) and keep it when new and valid."""
        m = self.m
        assignment = _renumber(labels, m.frame)
        key = frozenset(frozenset(g.index) for _, g in assignment.groupby(assignment))
        if key in self.seen:
            return
        self.seen.add(key)
        score, parts = evaluate(assignment, self.wards_bng, m.pop, m.z, self.tolerance_pct, m.links, m.w)
        parts["crossings"] = [(a, b, d) for a, b, d in m.links.itertuples(index=False)
                              if assignment[a] == assignment[b]]
        proposal = Proposal("", how, assignment, score, parts)
        if proposal.valid:
            self.found.append(proposal)


def _similarity_led(m: _Map, shortlist: _Shortlist, seed: int) -> None:
    """Step 1 and 2 of the module docstring: SKATER, then AZP with seeds seed, seed+1, … (none on a large
    map), each start repaired by local moves or, when they are not enough, balanced by ReCom steps."""
    runs = [("SKATER", "skater", seed)] + [(f"AZP (seed {s})", "azp", s)
                                           for s in range(seed, seed + max(shortlist.wanted, 4) + 2)
                                           if not m.large]
    for label, method, s in runs:
        if shortlist.full:
            break
        try:
            labels = _regions(method, m.frame, m.w, m.z, m.k, s)
        except Exception:  # noqa: BLE001, S112 - a method that fails on this map is skipped, the others still run
            continue
        if len(set(labels.values())) != m.k:
            continue
        fixed = repair(labels, m.neighbours, m.pop, m.z, m.lo, m.hi)
        if _in_range(fixed, m.pop, m.lo, m.hi):
            shortlist.add(fixed, label + " + local moves")
        else:
            steps = BALANCE_STEPS["large" if m.large else "small"]
            for plan in _recom_balance(fixed, m.graph, m.pop, m.lo, m.hi, s, max_steps=steps):
                shortlist.add(plan, label + " + ReCom")


def _more_from_the_best(m: _Map, shortlist: _Shortlist, seed: int) -> None:
    """Step 3's ensemble: further valid plans along a ReCom chain from the best proposal so far."""
    best = min(shortlist.found, key=lambda p: p.score)
    numbers = {a: i for i, a in enumerate(sorted(best.assignment.unique()))}
    start = {c: numbers[a] for c, a in best.assignment.items()}
    for plan in _recom_balance(start, m.graph, m.pop, m.lo, m.hi, seed, extra=3 * shortlist.wanted)[1:]:
        if shortlist.full:
            break
        shortlist.add(plan, best.method + ", then ReCom steps")


def propose(wards_bng: gpd.GeoDataFrame, residents: pd.Series, features: pd.DataFrame, k: int = DEFAULT_K,
            tolerance_pct: float = DEFAULT_TOLERANCE, alternatives: int = ALTERNATIVES,
            seed: int = 0) -> list[Proposal]:
    """Up to `alternatives` schemes, every one contiguous and within range, ranked best (lowest score) first.

    wards_bng: ward_code + EPSG:27700 geometry; residents: per ward_code; features: standardised
    indicators per ward_code (similarity_features). Tries SKATER once, then AZP with seeds seed, seed+1, …
    (at most max(alternatives, 4) + 2; none above AZP_MAX_WARDS wards), each repaired as the module
    docstring says, then, when fewer than `alternatives` are valid, further plans along a ReCom chain
    from the best; a scheme that cannot be repaired is dropped, so the list can be shorter (or empty when
    the range cannot be met).
    A map in separate parts (an estuary, an island) is joined at its nearest wards first
    (geo.areas.crossings); the links used are in each proposal's parts["crossings"].
    """
    m = _Map.of(wards_bng, residents, features, k, tolerance_pct)
    shortlist = _Shortlist(m, wards_bng, tolerance_pct, alternatives)
    _similarity_led(m, shortlist, seed)
    if not shortlist.found:  # no similarity-led start could be balanced: a balanced start cut from spanning trees
        seeded = _tree_seed(m.graph, m.k, m.lo, m.hi, seed)
        if seeded is not None:
            shortlist.add(seeded, "ReCom spanning-tree partition")
    if shortlist.found and not shortlist.full:
        _more_from_the_best(m, shortlist, seed)
    for s in range(seed + 1, seed + 1 + 2 * alternatives):  # still short: more balanced spanning-tree starts
        if shortlist.full:
            break
        seeded = _tree_seed(m.graph, m.k, m.lo, m.hi, s)
        if seeded is not None:
            shortlist.add(seeded, "ReCom spanning-tree partition")
    found = sorted(shortlist.found, key=lambda p: p.score)
    for i, p in enumerate(found):
        p.name = f"Proposal {chr(ord('A') + i)}"
    return found


def proposals_table(found: list[Proposal]) -> pd.DataFrame:
    """The ranked proposals for the screen."""
    return pd.DataFrame({
        "Proposal": [p.name for p in found],
        "Found by": [p.method for p in found],
        "Score (lower is better)": [round(p.score, 3) for p in found],
        "Largest deviation (%)": [round(p.parts["max_deviation_pct"], 1) for p in found],
        "Dissimilarity inside areas (0–1)": [round(p.parts["dissimilarity"], 3) for p in found],
        "Mean compactness (0–1)": [round(p.parts["mean_compactness"], 3) for p in found],
    })


def balanced_start(wards_bng: gpd.GeoDataFrame, residents: pd.Series, n_areas: int,
                   tolerance_pct: float = DEFAULT_TOLERANCE) -> pd.Series:
    """geo.areas.starting_areas brought into the population range by the local-move repair above and, when
    single-ward moves are not enough, ReCom steps (a starting point for the builder: 'Area 1'… from the north)."""
    frame = ga._measured(wards_bng).set_index("ward_code")
    links = ga.crossings(frame)
    start = ga.starting_areas(wards_bng, n_areas, residents, links)
    neighbours = {c: list(n) for c, n in ga.contiguity(frame, links=links).neighbors.items()}
    pop = residents.reindex(start.index).fillna(0.0).astype(float)
    z = pd.DataFrame({"none": 0.0}, index=start.index)
    lo, hi = _population_range(pop, max(1, start.nunique()), tolerance_pct)
    numbers = {a: i for i, a in enumerate(sorted(start.unique()))}
    fixed = repair({c: numbers[a] for c, a in start.items()}, neighbours, pop, z, lo, hi)
    if not _in_range(fixed, pop, lo, hi):
        plans = _recom_balance(fixed, _neighbour_graph(start.index, pop, neighbours), pop, lo, hi, 0)
        fixed = plans[0] if plans else fixed
    return _renumber(fixed, frame).reindex(start.index)


def starting_range(wards_bng: gpd.GeoDataFrame, residents: pd.Series, n_areas: int,
                   ranges: tuple[float, ...] = STANDARD_RANGES) -> tuple[float, pd.Series]:
    """The narrowest of `ranges` (± % of the mean area) that the builder's balanced start into n areas meets,
    with that start; the widest range and its start when none is met."""
    for tolerance in ranges:
        start = balanced_start(wards_bng, residents, n_areas, tolerance)
        if ga.check_scheme(start, wards_bng, residents, tolerance)["within_tolerance"].all():
            break
    return tolerance, start
