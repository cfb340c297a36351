"""Areas: wards grouped into areas for area-based working, and ward-level summaries of places.

Contiguity rule: QUEEN. Two wards are neighbours when their boundaries share at least one
point, a corner included (libpysal.weights.Queen, vertex-based, on the full-resolution
EPSG:27700 boundaries). An area is contiguous when its wards form a single connected
group of neighbours. Rook contiguity (a shared edge needed; corners not enough) is
available with rule="rook" for comparison. Real ward boundaries almost never meet only
at a corner, so the two rules rarely differ in practice.

Crossings: some maps fall into parts with no shared boundary, most often either side of an
estuary or around an island (the 700 wards nearest Thurrock fall into three parts: Canvey Island,
cut off by Benfleet Creek, and central London wards whose boundaries follow the Thames's banks
rather than its middle). `crossings` joins such parts at
their nearest wards: the parts are linked by Borůvka's minimum spanning tree over the shortest
boundary-to-boundary distance between wards of different parts (Borůvka 1926), so the fewest,
shortest links join the map, and each link is reported with its length. Callers pass them as
`links` to treat the two wards as neighbours (an area may then span the crossing). A map in one
part needs none (Thurrock has none).

`starting_areas` is only a starting point for a planner to edit, not a recommended
scheme: it seeds the areas at the wards farthest apart (farthest-point sampling on ward
centroids), grows them greedily over Queen neighbours, always growing the area with
the fewest residents so far, then moves boundary wards from larger to smaller neighbouring
areas while that evens out residents without splitting an area. (spopt's regionalisation
methods do better: see geo/proposals.py for automatic proposals.)

Compactness is the Polsby–Popper score (Polsby & Popper 1991), 4π × area ÷ perimeter², of
the area's dissolved boundary in EPSG:27700: 1 for a circle, near 0 for a long thin or
ragged shape. Area boundaries are dissolved (shapely union) from the full-resolution
ward boundaries, so neighbouring areas share their edges exactly and leave no slivers.

Repair before union: published boundaries can be invalid (self-touching rings, slivers that cross;
Birmingham's and some of Thurrock's output areas are), and a simplified or reprojected copy of a valid
boundary can become invalid too (Thurrock's display wards do). GEOS refuses to union invalid polygons
("TopologyException: side location conflict"), so every union here first repairs its inputs in
EPSG:27700 (`valid_polygons`: shapely.make_valid, the OGC repair of GEOS's MakeValid, keeping only the
polygonal parts), and falls back to a 1 mm snap-rounded union should GEOS still refuse.

The ward → area lookup CSV and the GeoJSON export are in geo.areas_lookup; comparing two schemes
and the make-up of areas in geo.areas_compare.
"""

from __future__ import annotations

import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.weights import Queen, Rook, W
from shapely.errors import GEOSException

from geo.disclosure import DEFAULT_POLICY, TOTAL, DisclosurePolicy, protect_counts, safe_rate

ALL_AREAS = "All areas"
NO_AREA = "(no area)"
RULES = {"queen": Queen, "rook": Rook}


def _measured(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is None or frame.crs.to_epsg() != 27700:
        raise ValueError("contiguity is measured on EPSG:27700 (British National Grid) geometry")
    return frame


CROSSING_COLUMNS = ["ward_a", "ward_b", "distance_m"]


def _pairs(links) -> list[tuple[str, str]]:
    """(ward, ward) pairs from a crossings table or any iterable of pairs; none for None."""
    if links is None:
        return []
    if isinstance(links, pd.DataFrame):
        return list(zip(links["ward_a"], links["ward_b"], strict=True))
    return [(a, b) for a, b in links]


def contiguity(frame: gpd.GeoDataFrame, rule: str = "queen", links=None) -> W:
    """libpysal weights over the frame's rows (ids = the frame's index), warnings about islands silenced.

    links: extra neighbour pairs (see `crossings`); pairs with a ward outside the frame are ignored.
    Each ward's neighbours are listed in a fixed order (as the frame lists them): libpysal builds them from sets,
    whose order changes with Python's per-process string hashing, and the regionalisation and ReCom steps that
    walk them would then give different proposals for the same seed in another process.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = RULES[rule].from_dataframe(_measured(frame), use_index=True, silence_warnings=True)
        extra = [(a, b) for a, b in _pairs(links) if a in w.neighbors and b in w.neighbors and a != b]
        neighbours = {c: list(n) for c, n in w.neighbors.items()}
        for a, b in extra:
            for x, y in ((a, b), (b, a)):
                if y not in neighbours[x]:
                    neighbours[x].append(y)
        position = {c: i for i, c in enumerate(w.id_order)}
        ordered = {c: sorted(neighbours[c], key=position.get) for c in w.id_order}
        return W(ordered, id_order=list(w.id_order), silence_warnings=True)


def components(frame: gpd.GeoDataFrame, rule: str = "queen", links=None) -> int:
    """Number of separate connected groups the wards form (0 for no wards)."""
    if len(frame) == 0:
        return 0
    if len(frame) == 1:
        return 1
    return int(contiguity(frame, rule, links).n_components)


def is_contiguous(frame: gpd.GeoDataFrame, rule: str = "queen", links=None) -> bool:
    """True when the wards (rows) form one connected group under the rule (queen by default).

    A single ward is contiguous; no wards is not.
    """
    return components(frame, rule, links) == 1


def crossings(frame: gpd.GeoDataFrame, rule: str = "queen") -> pd.DataFrame:
    """The shortest links that join a map's separate parts into one: ward_a, ward_b, distance_m.

    frame: EPSG:27700 boundaries indexed by ward_code. Borůvka's method: every part (a group of
    wards joined by shared boundaries, or by links already chosen) takes the shortest
    boundary-to-boundary link to a ward outside it, until one part remains. Empty for a map in
    one part. Distances are measured on the full-resolution boundaries, in metres.
    """
    frame = _measured(frame)
    found: list[tuple[str, str, float]] = []
    if len(frame) < 2:
        return pd.DataFrame(found, columns=CROSSING_COLUMNS)
    labels = pd.Series(contiguity(frame, rule).component_labels, index=frame.index)
    while labels.nunique() > 1:
        best: dict = {}
        for part in sorted(labels.unique()):
            inside = frame.geometry[labels == part]
            outside = frame.geometry[labels != part]
            (i, j), distance = outside.sindex.nearest(inside.to_numpy(), return_distance=True)
            candidates = sorted(zip(distance, inside.index[i], outside.index[j], strict=True))
            d, a, b = candidates[0]
            best[tuple(sorted((str(a), str(b))))] = float(d)
        for (a, b), d in sorted(best.items(), key=lambda kv: (kv[1], kv[0])):
            if labels[a] != labels[b]:  # Borůvka: each part's cheapest link, without making a loop
                labels[labels == labels[b]] = labels[a]
                found.append((a, b, round(d, 1)))
    return pd.DataFrame(found, columns=CROSSING_COLUMNS)


def starting_areas(wards_bng: gpd.GeoDataFrame, n_areas: int = 6, residents: pd.Series | None = None,
                   links=None) -> pd.Series:
    """A contiguous starting grouping: ward_code → 'Area 1' … 'Area n' (Area 1 the northernmost seed).

    wards_bng: ward_code and geometry in EPSG:27700. residents: per ward_code, for balancing
    (each ward counts 1 without it). Wards that cannot be reached from any seed over
    neighbours (islands) join the area with the nearest seed, and are then not contiguous.
    """
    frame = _measured(wards_bng).set_index("ward_code")
    codes = list(frame.index)
    n = max(1, min(int(n_areas), len(codes)))
    if not codes:
        return pd.Series(dtype=object, name="area")
    weight = (residents.reindex(codes).fillna(0.0) if residents is not None
              else pd.Series(1.0, index=codes)).astype(float)
    xy = np.column_stack([frame.geometry.centroid.x, frame.geometry.centroid.y])

    # Seeds: the ward farthest from the centre, then repeatedly the ward farthest from all seeds so far.
    seeds = [int(np.argmax(np.hypot(*(xy - xy.mean(axis=0)).T)))]
    nearest_seed = np.hypot(*(xy - xy[seeds[0]]).T)
    while len(seeds) < n:
        nxt = int(np.argmax(nearest_seed))
        seeds.append(nxt)
        nearest_seed = np.minimum(nearest_seed, np.hypot(*(xy - xy[nxt]).T))
    seeds.sort(key=lambda i: (-xy[i, 1], xy[i, 0]))

    neighbours = contiguity(frame, links=links).neighbors
    position = {c: i for i, c in enumerate(codes)}
    area = {codes[s]: k for k, s in enumerate(seeds)}
    load = [weight.iloc[s] for s in seeds]
    while len(area) < len(codes):
        frontier = {k: [c for member, a in area.items() if a == k for c in neighbours[member] if c not in area]
                    for k in range(n)}
        growing = [k for k in range(n) if frontier[k]]
        if not growing:
            break
        k = min(growing, key=lambda a: (load[a], a))
        seed_xy = xy[seeds[k]]
        pick = min(set(frontier[k]), key=lambda c: (np.hypot(*(xy[position[c]] - seed_xy)), c))
        area[pick] = k
        load[k] += weight[pick]
    for code in codes:  # islands: nearest seed
        if code not in area:
            area[code] = int(np.argmin([np.hypot(*(xy[position[code]] - xy[s])) for s in seeds]))
    area = _balance(area, neighbours, weight)
    return pd.Series({c: f"Area {area[c] + 1}" for c in codes}, name="area").rename_axis("ward_code")


def _connected(members: set[str], neighbours: dict) -> bool:
    """Whether the members form one group over the neighbour lists (breadth-first search)."""
    if not members:
        return False
    start = next(iter(members))
    seen, queue = {start}, [start]
    while queue:
        for nxt in neighbours[queue.pop()]:
            if nxt in members and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen == members


def _balance(area: dict[str, int], neighbours: dict, weight: pd.Series, max_moves: int = 1000) -> dict[str, int]:
    """Even out the areas' residents by moving boundary wards to a smaller neighbouring area.

    Moving a ward of x residents from A to B lowers the sum of squared deviations by
    2x(pop A − pop B − x), so only moves with pop A − pop B > x are made, the best first;
    a move that would empty or split A is never made. The sum falls at every move, so it stops.
    """
    area = dict(area)
    for _ in range(max_moves):
        load: dict[int, float] = {}
        for code, k in area.items():
            load[k] = load.get(k, 0.0) + float(weight[code])
        moves = []
        for code in sorted(area):
            a, x = area[code], float(weight[code])
            for b in sorted({area[n] for n in neighbours[code]} - {a}):
                gain = x * (load[a] - load[b] - x)
                if gain > 1e-9:
                    moves.append((-gain, code, b))
        for _, code, b in sorted(moves):
            rest = {c for c, k in area.items() if k == area[code] and c != code}
            if _connected(rest, neighbours):
                area[code] = b
                break
        else:
            break
    return area


def area_summary(assignment: pd.Series, wards_bng: gpd.GeoDataFrame, residents: pd.Series,
                 ward_responses: pd.Series, rule: str = "queen",
                 policy: DisclosurePolicy = DEFAULT_POLICY, links=None) -> pd.DataFrame:
    """One row per area (sorted by name) and an 'All areas' row.

    assignment: ward_code → area name (blank or missing = NO_AREA); residents: per ward_code;
    ward_responses: PROTECTED responses per ward (NaN = hidden), as shown on the Participation
    page (geo.participation.protected_ward_counts), with its 'Total'.
    Columns: area, wards, residents, deviation_pct (residents vs the mean area, %), contiguous,
    components, responses (NaN = hidden), responses_per_1000.

    An area's responses are hidden when any of its wards is hidden on the ward table, so the
    two tables cannot be subtracted to recover a ward's small count; if that leaves exactly one
    area hidden, the next smallest is hidden too (the table's total would otherwise give it away).
    """
    frame = _measured(wards_bng).set_index("ward_code")
    codes = list(frame.index)
    areas = assignment.reindex(codes).astype(object).where(lambda s: s.notna() & (s.astype(str).str.strip() != ""),
                                                           NO_AREA).astype(str).str.strip()
    pop = residents.reindex(codes).fillna(0.0).astype(float)
    counts = ward_responses.reindex(codes)
    neighbours = contiguity(frame, rule, links).neighbors
    rows = []
    for name, members in areas.groupby(areas, sort=True):
        wards_in = list(members.index)
        n_comp = len(_groups(wards_in, neighbours))
        hidden = bool(counts[wards_in].isna().any())
        rows.append({"area": name, "wards": len(wards_in), "residents": pop[wards_in].sum(),
                     "contiguous": n_comp == 1, "components": n_comp,
                     "responses": 0.0 if hidden else float(counts[wards_in].sum()), "ward_hidden": hidden})
    out = pd.DataFrame(rows).set_index("area")
    out["responses"] = _protected_area_counts(out["responses"], out.pop("ward_hidden"), policy)
    mean = out.loc[out.index != NO_AREA, "residents"].mean()
    out["deviation_pct"] = (out["residents"] - mean) / mean * 100 if mean else np.nan
    out.loc[out.index == NO_AREA, "deviation_pct"] = np.nan
    total = ward_responses.get(TOTAL, counts.sum(min_count=len(codes)))
    out["contiguous"] = out["contiguous"].astype(object)  # the 'All areas' row has none
    out.loc[ALL_AREAS] = {"wards": len(codes), "residents": pop.sum(), "contiguous": np.nan, "components": np.nan,
                          "responses": total, "deviation_pct": np.nan}
    out["responses_per_1000"] = safe_rate(out["responses"], out["residents"], 1000, policy)
    out["wards"] = out["wards"].astype(int)
    return out.reset_index()[["area", "wards", "residents", "deviation_pct", "contiguous", "components",
                              "responses", "responses_per_1000"]]


def _protected_area_counts(responses: pd.Series, ward_hidden: pd.Series, policy: DisclosurePolicy) -> np.ndarray:
    """The areas' responses protected as one equation with their total (geo.disclosure.protect_counts).

    An area with a ward hidden on the ward table starts hidden (its value is taken as 0: it is never
    shown, and the equation's total is then the sum of the areas that can be shown, so the total is never
    the cell picked to hide). Secondary suppression then hides one more area when exactly one is hidden.
    The total itself is the ward table's, shown or not there; it is not taken from here. Keyed by position
    (in area-name order), so no area's name can meet the 'Total' row.
    """
    keys = [f"{i:09d}" for i in range(len(responses))]
    protected = protect_counts(pd.Series(responses.to_numpy(dtype=float), index=keys), policy, total=True,
                               hidden=pd.Series(ward_hidden.to_numpy(dtype=bool), index=keys))
    return protected[keys].to_numpy()


def assets_by_ward(assets: pd.DataFrame, wards: pd.DataFrame, residents: pd.Series,
                   categories: list[str] | None = None) -> pd.DataFrame:
    """Community assets (places, not people: no disclosure control) per ward × category.

    assets: ward_code, category; wards: ward_code, ward_name (row order kept); residents: per
    ward_code. Returns Ward, one column per category (capitalised), Total, and assets per
    1,000 residents, with an 'All wards' row; assets outside the borough are left out.
    """
    chosen = assets if categories is None else assets[assets["category"].isin(categories)]
    cats = sorted(chosen["category"].dropna().unique()) if categories is None else list(categories)
    placed = chosen[chosen["ward_code"].notna()]
    table = pd.crosstab(placed["ward_code"], placed["category"]).reindex(index=list(wards["ward_code"]),
                                                                         columns=cats, fill_value=0)
    table = table.fillna(0).astype(int)
    table[TOTAL] = table.sum(axis=1)
    table.loc[TOTAL] = table.sum(axis=0)
    table = table.astype(int).rename_axis(index=None, columns=None)
    pop = residents.reindex(list(wards["ward_code"])).fillna(0.0)
    pop[TOTAL] = pop.sum()
    per_1000 = (table[TOTAL] / pop * 1000).where(pop > 0)
    names = dict(zip(wards["ward_code"], wards["ward_name"], strict=True)) | {TOTAL: "All wards"}
    out = table.rename(columns={c: str(c).capitalize() for c in cats})
    out.insert(0, "Ward", [names[c] for c in table.index])
    out["Assets per 1,000 residents"] = per_1000.round(2)
    return out.reset_index(drop=True)


# --- checks, compactness and dissolved boundaries ---------------------------------------------

def clean_assignment(assignment: pd.Series, codes: list[str]) -> pd.Series:
    """assignment reindexed to codes, names stripped, blank or missing = NO_AREA."""
    raw = assignment.reindex(codes).astype(object)
    text = raw.where(raw.notna(), "").astype(str).str.strip()
    return text.where(text != "", NO_AREA).rename("area").rename_axis("ward_code")


def _groups(members: list[str], neighbours: dict) -> list[list[str]]:
    """The connected groups the members form over the neighbour lists (each sorted, in order of first code).

    Queen (and rook) adjacency is a property of each pair of wards, so the whole map's neighbour lists
    restricted to an area give the area's own: one weights object serves every area of a scheme."""
    inside, seen, out = set(members), set(), []
    for start in sorted(inside):
        if start in seen:
            continue
        seen.add(start)
        group, queue = [start], [start]
        while queue:
            for nxt in neighbours[queue.pop()]:
                if nxt in inside and nxt not in seen:
                    seen.add(nxt)
                    group.append(nxt)
                    queue.append(nxt)
        out.append(sorted(group))
    return out


def _cut_off(members: list[str], neighbours: dict, residents: pd.Series | None) -> list[str]:
    """The members outside the connected group with the most residents (ties: the group of the first code)."""
    groups = _groups(members, neighbours)
    if len(groups) <= 1:
        return []
    weight = (residents.reindex(members).fillna(0.0) if residents is not None else pd.Series(1.0, index=members))
    main = max(range(len(groups)), key=lambda i: (float(weight[groups[i]].sum()), -i))
    return sorted(c for i, g in enumerate(groups) if i != main for c in g)


def breaking_wards(frame: gpd.GeoDataFrame, residents: pd.Series | None = None, rule: str = "queen",
                   links=None) -> list[str]:
    """Wards (index of frame) cut off from the area's main group: every ward outside the connected group
    with the most residents (most wards without residents; ties to the group holding the first ward code).
    Empty for a contiguous area."""
    if len(frame) <= 1:
        return []
    return _cut_off(list(frame.index), contiguity(frame, rule, links).neighbors, residents)


def polsby_popper(geometry) -> float:
    """Polsby–Popper compactness (Polsby & Popper 1991): 4π·area / perimeter², in [0, 1]; NaN when empty."""
    if geometry is None or geometry.is_empty or geometry.length == 0:
        return float("nan")
    return 4 * math.pi * geometry.area / geometry.length ** 2


UNION_GRID_M = 0.001  # the snap-rounding grid of the fallback union: 1 mm, far below the boundaries' accuracy


def valid_polygons(geometries) -> np.ndarray:
    """Each geometry made valid, keeping only its polygonal parts (an empty polygon when none is left).

    shapely.make_valid (GEOS MakeValid, 'linework' method: every edge kept, rings re-noded) repairs
    self-intersecting and self-touching rings; the points and lines it may also return (a collapsed sliver)
    have no area and are dropped, as etl.readers does when loading. Valid geometries are passed through
    untouched, so a clean map costs one validity check per geometry.
    """
    geoms = np.asarray(geometries, dtype=object).copy()
    for i in np.flatnonzero(~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)):
        parts = [p for p in shapely.get_parts(shapely.make_valid(geoms[i]))
                 if p.geom_type in ("Polygon", "MultiPolygon")]
        fixed = shapely.union_all(parts) if parts else shapely.Polygon()
        geoms[i] = fixed if fixed.is_valid else fixed.buffer(0)
    return geoms


def union_valid(geometries):
    """The union of polygons, repaired first (`valid_polygons`); valid, or an empty polygon for none.

    A union of valid polygons can still fail on nearly coincident edges; GEOS's OverlayNG with a fixed
    precision grid (snap rounding, UNION_GRID_M) is robust to that, so it is the fallback.
    """
    geoms = valid_polygons(geometries)
    if len(geoms) == 0:
        return shapely.Polygon()
    try:
        out = shapely.union_all(geoms)
    except GEOSException:
        out = shapely.union_all(geoms, grid_size=UNION_GRID_M)
    return out if out.is_valid else valid_polygons([out])[0]


def dissolve(assignment: pd.Series, wards_bng: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per area (sorted by name): area, wards, geometry = union of its full-resolution wards (EPSG:27700),
    repaired before the union (`union_valid`), so the result is valid even from invalid boundaries."""
    frame = _measured(wards_bng).set_index("ward_code")
    areas = clean_assignment(assignment, list(frame.index))
    rows = []
    for name, members in areas.groupby(areas, sort=True):
        geom = union_valid(frame.geometry.loc[list(members.index)].to_numpy())
        rows.append({"area": name, "wards": len(members), "geometry": geom})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:27700")


def area_outlines(assignment: pd.Series, wards_bng: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The dissolved areas keyed like wards (ward_code = ward_name = area name, EPSG:27700), so the ward map
    builders and render.ward_map.ward_map_png draw an area among the scheme's other areas."""
    shapes = dissolve(assignment, wards_bng)
    return shapes.assign(ward_code=shapes["area"], ward_name=shapes["area"])[["ward_code", "ward_name", "geometry"]]


def compactness(assignment: pd.Series, wards_bng: gpd.GeoDataFrame) -> pd.Series:
    """Polsby–Popper score of each area's dissolved boundary, by area name."""
    dissolved = dissolve(assignment, wards_bng)
    return pd.Series([polsby_popper(g) for g in dissolved.geometry], index=dissolved["area"], name="compactness")


def check_scheme(assignment: pd.Series, wards_bng: gpd.GeoDataFrame, residents: pd.Series,
                 tolerance_pct: float | None = None, rule: str = "queen", links=None, weights: W | None = None
                 ) -> pd.DataFrame:
    """Per area: wards, residents, deviation_pct, contiguous, breaking (ward codes cut off), compactness,
    within_tolerance (|deviation| ≤ tolerance_pct; True when no tolerance is given), sorted by area.
    links: crossings counted as shared boundaries (see `crossings`); weights: contiguity(all wards, rule, links)
    when the caller already has it (proposals check many schemes of one map)."""
    frame = _measured(wards_bng).set_index("ward_code")
    codes = list(frame.index)
    areas = clean_assignment(assignment, codes)
    pop = residents.reindex(codes).fillna(0.0).astype(float)
    pp = compactness(areas, wards_bng)
    neighbours = (weights if weights is not None else contiguity(frame, rule, links)).neighbors
    rows = []
    for name, members in areas.groupby(areas, sort=True):
        wards_in = list(members.index)
        broken = _cut_off(wards_in, neighbours, pop)
        rows.append({"area": name, "wards": len(wards_in), "residents": float(pop[wards_in].sum()),
                     "contiguous": not broken, "breaking": broken, "compactness": float(pp[name])})
    out = pd.DataFrame(rows)
    named = out["area"] != NO_AREA
    mean = out.loc[named, "residents"].mean() if named.any() else float("nan")
    out["deviation_pct"] = ((out["residents"] - mean) / mean * 100).where(named) if mean else np.nan
    if tolerance_pct is None:
        out["within_tolerance"] = True
    else:
        out["within_tolerance"] = out["deviation_pct"].abs() <= tolerance_pct + 1e-9
    return out[["area", "wards", "residents", "deviation_pct", "within_tolerance", "contiguous", "breaking",
                "compactness"]]


def scheme_problems(check: pd.DataFrame, names: dict[str, str] | None = None, tolerance_pct: float | None = None
                    ) -> list[str]:
    """Plain-English warnings for check_scheme's table (not contiguous, out of tolerance, wards with no area)."""
    names = names or {}
    out = []
    for row in check.itertuples():
        if row.area == NO_AREA:
            out.append(f"{row.wards} ward(s) have no area: give every ward an area.")
            continue
        if not row.contiguous:
            cut = ", ".join(names.get(c, c) for c in row.breaking)
            out.append(f"{row.area} is not contiguous: {cut} cannot be reached from the rest of the area "
                       "without leaving it.")
        if tolerance_pct is not None and not row.within_tolerance:
            side = "above" if row.deviation_pct > 0 else "below"
            out.append(f"{row.area} has {row.residents:,.0f} residents, {abs(row.deviation_pct):.1f}% {side} the "
                       f"mean area: outside the ±{tolerance_pct:g}% range.")
    return out
