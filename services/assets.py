"""Community assets: coverage, asset deserts, register upkeep and outreach partners (geo.coverage, geo.outreach)
over data_access's register and small areas, cached per database, as the tables the pages show.

Imported by name (`from services import assets`). Contact details come from data_access.assets(), which leaves
them out for the public role; every cache here is per role (data_access.cached).
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import pandas as pd

import data_access as da
from geo import coverage as cv
from geo import outreach as ot
from services.caching import analysis, ward_name_lookup
from vocabulary import ASSET_CATEGORIES

#: What a standard category is called on screen.
CATEGORY_LABELS = {c: c.capitalize() for c in ASSET_CATEGORIES}
NO_REGISTER = ("No community asset register is loaded for this council, so there is nothing to show here: "
               "load one (assets.csv, see docs/data-contract.md) to see coverage, asset deserts and outreach partners.")
LEFT_OUT = "no asset register loaded: left out"


def category_label(category: str) -> str:
    """A category as the screen names it."""
    return CATEGORY_LABELS.get(category, str(category).capitalize())


def reach_bands(distance_m: int) -> list[str]:
    """The labels of how far the nearest asset is, for small areas with none within `distance_m`."""
    steps = [d for d in cv.DISTANCES_M if d >= distance_m]
    return [f"{lo:,}–{hi:,} m away" for lo, hi in zip(steps, steps[1:], strict=False)] + [f"over {steps[-1]:,} m away"]


def reach_band(metres: float, distance_m: int) -> str:
    """Which of reach_bands(distance_m) a distance beyond `distance_m` falls in."""
    steps = [d for d in cv.DISTANCES_M if d >= distance_m]
    for (lo, hi), label in zip(zip(steps, steps[1:], strict=False), reach_bands(distance_m), strict=False):
        if lo < metres <= hi:
            return label
    return reach_bands(distance_m)[-1]


def residents_sources(level: str) -> list[str]:
    """The statistics loaded at `level` (the small areas' residents come from the one with most residents)."""
    loaded_sets = da.datasets()
    return list(loaded_sets.loc[loaded_sets["level"] == level, "dimension"])


@analysis
def loaded() -> bool:
    """True when a register with at least one asset is loaded (data_access.assets_loaded)."""
    check = getattr(da, "assets_loaded", None)
    return bool(check()) if check is not None else not da.assets().empty


@analysis
def categories() -> list[str]:
    """The standard categories the register uses, in the standard order (others after, sorted)."""
    used = set(da.assets()["category"].dropna())
    return [c for c in ASSET_CATEGORIES if c in used] + sorted(used - set(ASSET_CATEGORIES))


@analysis
def small_areas() -> pd.DataFrame:
    """geo.coverage.smallest_areas of data_access.small_area_points and small_area_population; each small area's
    ward is its best-fit ward (else the ward containing its point)."""
    points = da.small_area_points()
    if "ward_code" not in points.columns:
        located = gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points["easting"], points["northing"]),
                                   crs="EPSG:27700")
        joined = gpd.sjoin(located, da.ward_geometry_bng(), how="left", predicate="within")
        points = pd.DataFrame(joined.drop(columns=["geometry", "index_right"]).drop_duplicates(["level", "area_code"]))
    return cv.smallest_areas(points, da.small_area_population())


@analysis(max_entries=128)
def nearest(chosen: tuple[str, ...]) -> pd.DataFrame:
    """geo.coverage.nearest_by_category for the chosen categories (column 'all': any of them), cached."""
    return cv.nearest_by_category(small_areas(), da.assets(), list(chosen))


def _pct(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:.1f}"


def _metres(value: float) -> str:
    return "no asset" if pd.isna(value) or value == float("inf") else f"{value:,.0f}"


@analysis(max_entries=128)
def coverage(chosen: tuple[str, ...], distance_m: int) -> dict:
    """What the Community assets page shows for the chosen categories and distance, built once and cached:
    borough figures, the per-ward table, the distance-band table, the ward × category comparison, the asset
    deserts (frame and table) and the level of the small areas used."""
    areas, dist = small_areas(), nearest(chosen)
    names = ward_name_lookup()
    codes = list(names)
    wards = cv.ward_coverage(areas, dist[cv.ALL], distance_m, codes, names)
    score = cv.two_step_fca(areas, cv.placed(da.assets(), list(chosen)), distance_m)
    by_area = areas.assign(score=score.reindex(areas["area_code"]).to_numpy())
    weighted = by_area.assign(w=by_area["score"] * by_area["persons"]).groupby("ward_code")[["w", "persons"]].sum()
    ward_score = (weighted["w"] / weighted["persons"]).reindex(codes)
    total = by_area["persons"].sum()
    ward_score[cv.BOROUGH] = (by_area["score"] * by_area["persons"]).sum() / total if total else float("nan")
    within = f"within {distance_m:,} m"
    ward_table = pd.DataFrame({
        "Ward": wards["ward_name"], "Residents": wards["residents"].map(lambda v: f"{v:,.0f}"),
        f"Residents {within}": wards["within"].map(lambda v: f"{v:,.0f}"),
        f"% of residents {within}": wards["share"].map(_pct),
        "Asset deserts (small areas)": wards["deserts"].astype(int),
        "Accessibility score (per 1,000 residents)": ward_score.reindex(wards["ward_code"]).map(
            lambda v: "n/a" if pd.isna(v) else f"{v:.2f}").to_numpy()})
    labels = {c: category_label(c) for c in chosen}
    bands = cv.band_table(areas, dist, labels)
    band_view = pd.DataFrame({"Category": bands["label"],
                              **{f"% within {d:,} m": bands[d].map(_pct) for d in cv.DISTANCES_M}})
    comparison = cv.ward_comparison(areas, dist, distance_m, codes, names, labels)
    comparison_view = comparison.drop(columns=["ward_code"]).rename(columns={"ward_name": "Ward"})
    for column in comparison_view.columns[1:]:
        comparison_view[column] = comparison_view[column].map(_pct)
    gaps = cv.deserts(areas, dist[cv.ALL], distance_m).merge(by_area[["area_code", "score"]], on="area_code")
    desert_table = pd.DataFrame({
        "Small area": gaps["area_code"], "Ward": gaps["ward_code"].map(names).fillna("(no ward)"),
        "Residents": gaps["persons"].map(lambda v: f"{v:,.0f}"), "Nearest asset (m)": gaps["nearest_m"].map(_metres)})
    borough = wards.iloc[-1]
    return {"level": str(areas["level"].iloc[0]) if len(areas) else "", "areas": len(areas),
            "share": float(borough["share"]), "residents": float(borough["residents"]),
            "within": float(borough["within"]), "deserts": gaps, "desert_table": desert_table,
            "ward_table": ward_table, "bands": band_view, "comparison": comparison_view,
            "assets_placed": int(len(cv.placed(da.assets(), list(chosen))))}


def upkeep(as_of: date | None = None) -> dict:
    """Register upkeep: how many assets were last verified over a year ago (or never), and the table of them."""
    return _upkeep(as_of or date.today())


@analysis(max_entries=8)
def _upkeep(as_of: date) -> dict:
    register = da.assets()
    status = cv.upkeep_status(register, as_of)
    flagged = register[status != cv.CURRENT].assign(status=status[status != cv.CURRENT])
    verified = flagged["last_verified"] if "last_verified" in flagged.columns else pd.Series("", index=flagged.index)
    table = pd.DataFrame({"Asset": flagged["name"], "Category": flagged["category"].map(category_label),
                          "Last verified": verified.map(lambda v: "never" if pd.isna(v) else str(v)[:10]),
                          "Status": flagged["status"]})
    if "source" in flagged.columns:
        table["Source"] = flagged["source"].fillna("")
    return {"stale": int((status == cv.STALE).sum()), "undated": int((status == cv.UNDATED).sum()),
            "total": len(register), "table": table.reset_index(drop=True)}


@analysis(max_entries=256)
def outreach_partners(ward_code: str, chosen: tuple[str, ...], per_category: int = ot.PER_CATEGORY) -> pd.DataFrame:
    """The nearest assets of the chosen categories to a ward's population-weighted centre (geo.outreach), as a
    table to show and export: asset, category, ward, distance and whatever of address, postcode, hours, contact
    and last verified the register holds (contact only for roles allowed to see it: the cache is per role)."""
    centre = ot.ward_centre(ward_code, small_areas(), da.ward_geometry_bng())
    found = ot.nearest_partners(centre, da.assets(), list(chosen), int(per_category))
    names = ward_name_lookup()
    out = pd.DataFrame({"Asset": found["name"], "Category": found["category"].map(category_label),
                        "In ward": found["ward_code"].map(names).fillna("outside the borough"),
                        "Distance (m)": found["distance_m"].round(0).astype("Int64")})
    extra = {"address": "Address", "postcode": "Postcode", "hours": "Opening hours or sessions",
             "contact": "Contact", "last_verified": "Last verified"}
    for column, label in extra.items():
        if column in found.columns and found[column].notna().any():
            text = found[column].map(lambda v: "" if pd.isna(v) else str(v))
            out[label] = text.str[:10] if column == "last_verified" else text
    return out


CHANGE_WORDS = {"added": "Added", "changed": "Changed", "removed": "Removed"}


@analysis
def register_history() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The register's history for the Data page: (one row per load with how many assets it added, changed and
    removed against the register published before it, newest first; every change, with the columns changed)."""
    changes = da.asset_changes()
    if changes.empty:
        return pd.DataFrame(), pd.DataFrame()
    when = changes["loaded_at"].map(lambda v: "" if pd.isna(v) else f"{pd.Timestamp(v):%d/%m/%Y %H:%M}")
    detail = pd.DataFrame({"Load": changes["run_id"], "Loaded (UTC)": when, "Asset id": changes["asset_id"],
                           "Name": changes["name"], "Change": changes["change"].map(CHANGE_WORDS),
                           "Columns changed": changes["fields"].fillna("").str.replace(",", ", ")})
    summary = (changes.assign(when=when).pivot_table(index=["run_id", "when"], columns="change", values="asset_id",
                                                     aggfunc="count", fill_value=0)
               .reindex(columns=list(CHANGE_WORDS), fill_value=0).reset_index())
    order = changes.drop_duplicates("run_id")["run_id"].tolist()  # newest load first, as data_access orders them
    summary = summary.set_index("run_id").loc[order].reset_index()
    summary.columns = ["Load", "Loaded (UTC)", *CHANGE_WORDS.values()]
    return summary, detail


def desert_shapes(gaps: pd.DataFrame, level: str) -> gpd.GeoDataFrame:
    """The asset deserts (rows of `coverage(...)["deserts"]`) with their small areas' outlines, to shade on a map;
    a desert whose outline is not loaded keeps its point."""
    shapes = da.small_area_shapes(level) if level else gpd.GeoDataFrame(columns=["area_code", "geometry"])
    outline = dict(zip(shapes["area_code"], shapes.geometry, strict=True))
    points = gpd.GeoDataFrame(gaps, geometry=gpd.points_from_xy(gaps["easting"], gaps["northing"]), crs="EPSG:27700")
    return points.set_geometry([outline.get(code, point) for code, point in zip(points["area_code"], points.geometry,
                                                                                 strict=True)], crs="EPSG:27700")
