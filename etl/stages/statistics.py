"""Statistics and deprivation: census tables apportioned to wards, and the IoD2019 by LSOA and ward.

Small-area counts reach wards by best fit, with areas that straddle ward boundaries shared by
area (areal interpolation, tobler; etl.apportion), and every table's total is checked to be
unchanged by apportioning. Weights are stored once per level (small_area_weights).
"""

from __future__ import annotations

import pandas as pd

from etl.apportion import to_wards, weights
from etl.deprivation import england_reference, read_deprivation, ward_summary
from etl.stages.context import LoadContext, insert
from etl.statistics import read_statistics


def load_statistics(ctx: LoadContext) -> pd.DataFrame:
    """Load every census table into ward_population and datasets; return the ward population (long)."""
    cache: dict[tuple[str, str], pd.DataFrame] = {}
    populations = []
    by_area: dict[tuple[str, str], pd.Series] = {}  # (level, dimension) → residents per small area
    for spec in ctx.config.statistics:
        key = (spec.level, spec.method)
        if key not in cache and spec.level == "ward":  # already by ward: each ward's own row, whole
            cache[key] = pd.DataFrame({"area_code": ctx.wards["ward_code"], "ward_code": ctx.wards["ward_code"],
                                       "weight": 1.0, "method": "ward"})
        elif key not in cache:
            cache[key] = weights(ctx.areas[spec.level], ctx.wards, ctx.fits[spec.level], spec.method)
            _store_weights(ctx, spec.level, cache[key])
        areas = (pd.DataFrame({"code": ctx.wards["ward_code"], "name": None}) if spec.level == "ward"
                 else ctx.areas[spec.level])
        long, rep, england = read_statistics(spec, areas)
        if spec.level != "ward":
            by_area[(spec.level, spec.dimension)] = long.groupby("area_code")["value"].sum()
        ctx.report(rep)
        if england is not None:
            insert(ctx.con, "england_population", england.assign(dimension=spec.dimension))
        ward = to_wards(long, cache[key]).assign(dimension=spec.dimension)
        total_in, total_out = float(long["value"].sum()), float(ward["persons"].sum())
        if abs(total_in - total_out) > 1e-6 * max(total_in, 1):
            raise RuntimeError(f"{spec.dimension}: apportioning changed the total ({total_in} → {total_out})")
        split = cache[key]["method"].eq("area_weighted")
        method = ("a ward-level table, loaded as it is" if spec.level == "ward" else
                  f"best fit for all {spec.level.upper()}s" if not split.any() else
                  f"best fit; {cache[key].loc[split, 'area_code'].nunique()} {spec.level.upper()}(s) straddling "
                  "ward boundaries shared by area (tobler)")
        insert(ctx.con, "ward_population", ward)
        insert(ctx.con, "datasets", pd.DataFrame([{
            "dimension": spec.dimension, "level": spec.level, "source": spec.source, "data_date": spec.date,
            "file": spec.file.name, "persons": total_in, "notes": " ".join([method + "."] + rep.notes)}]))
        populations.append(ward)
        ctx.say(f"{spec.dimension}: {total_in:,.0f} residents apportioned to wards ({method})")
    _store_small_area_population(ctx, by_area)
    return pd.concat(populations, ignore_index=True) if populations else pd.DataFrame(
        columns=["ward_code", "dimension", "category", "persons"])


def _store_small_area_population(ctx: LoadContext, by_area: dict[tuple[str, str], pd.Series]) -> None:
    """small_area_population: per level, each area's residents in the dimension with most residents in all."""
    for level in dict.fromkeys(lvl for lvl, _ in by_area):
        totals = {dim: s for (lvl, dim), s in by_area.items() if lvl == level}
        persons = max(totals.values(), key=lambda s: float(s.sum()))
        insert(ctx.con, "small_area_population", pd.DataFrame({"level": level, "area_code": persons.index.astype(str),
                                                               "persons": persons.to_numpy(dtype=float)}))


def _store_weights(ctx: LoadContext, level: str, w: pd.DataFrame) -> None:
    existing = ctx.con.execute("SELECT count(*) FROM small_area_weights WHERE level = ?", [level]).fetchone()[0]
    if not existing:
        insert(ctx.con, "small_area_weights", w.assign(level=level))


def load_deprivation(ctx: LoadContext) -> None:
    """The IoD2019 by LSOA (in the borough), England's reference distribution, and each ward's summary."""
    spec = ctx.config.deprivation
    if spec is None:
        return
    lsoa = ctx.areas["lsoa"]
    dep, reps = read_deprivation(spec, set(lsoa["code"]))
    for r in reps:
        ctx.report(r)
    insert(ctx.con, "lsoa_deprivation", dep)
    england = england_reference(spec.imd, spec.denominators)
    if england is not None:
        insert(ctx.con, "england_deprivation", england)
    insert(ctx.con, "ward_deprivation", ward_summary(dep, ctx.fits["lsoa"].assign(area_code=lsoa["code"])))
    ctx.say(f"deprivation: {dep['lsoa_code'].nunique()} LSOAs, {dep['domain'].nunique()} domains")
