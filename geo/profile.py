"""Profiles: everything a councillor reads about one ward (or a group of wards), as plain tables.

`build_profile` turns the database's tables (bundled in `ProfileInputs`) into a
`Profile`: headline indicators against the borough and England with rank, source and
date; a plain-English summary; the make-up of residents; deprivation; assets; similar
wards. The ward page, the printable export and the all-wards command all render the same
`Profile`, so a figure cannot differ between screen and paper.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import indicators
from geo.areas import union_valid, valid_polygons
from geo.disclosure import DEFAULT_POLICY, DisclosurePolicy
from vocabulary import AGE_BANDS

SIMILAR_WARDS = 5


@dataclass
class ProfileInputs:
    """The tables a profile is built from (all plain DataFrames, from the data-access module)."""

    wards: gpd.GeoDataFrame  # ward_code, ward_name, geometry (display)
    population: pd.DataFrame  # ward_code, dimension, category, persons
    deprivation: pd.DataFrame  # ward_deprivation
    lsoa_deprivation: pd.DataFrame  # lsoa_deprivation + ward_code
    assets: pd.DataFrame  # asset_id, name, category, ward_code
    engagement: pd.DataFrame  # ward_code, responses, respondents (raw counts)
    provenance: pd.DataFrame  # dataset, source, data_date
    england_population: pd.DataFrame | None = None
    england_deprivation: pd.DataFrame | None = None
    policy: DisclosurePolicy = DEFAULT_POLICY
    precomputed_values: pd.DataFrame | None = field(default=None, repr=False)
    wards_bng: gpd.GeoDataFrame | None = field(default=None, repr=False)  # ward_code, full-resolution EPSG:27700

    @property
    def values(self) -> pd.DataFrame:
        """Every indicator for every ward, the borough and England (given, e.g. from a cache, or computed once)."""
        if self.precomputed_values is None:
            self.precomputed_values = indicators.ward_indicators(
                list(self.wards["ward_code"]), self.population, self.deprivation, self.assets, self.engagement,
                self.policy, indicators.england_values(self.england_population, self.england_deprivation))
        return self.precomputed_values


@dataclass
class Profile:
    code: str
    name: str
    values: pd.Series  # this ward's indicator values (NaN where hidden or absent)
    headline: pd.DataFrame
    summary: list[str]
    compositions: dict[str, pd.DataFrame]
    deprivation: pd.DataFrame
    assets: pd.DataFrame
    similar: pd.DataFrame
    sources: list[str]


def composition(population: pd.DataFrame, dimension: str, ward_code: str) -> pd.DataFrame:
    """Share of residents in each category: this ward vs the borough (percent)."""
    d = population[population["dimension"] == dimension]
    ward = d[d["ward_code"] == ward_code].groupby("category")["persons"].sum()
    borough = d.groupby("category")["persons"].sum()
    out = pd.DataFrame({"Residents": ward.round(0), "Ward %": ward / ward.sum() * 100,
                        "Borough %": borough / borough.sum() * 100}).fillna(0.0)
    if dimension == "age":
        out = out.reindex([b for b in AGE_BANDS if b in out.index])
    else:
        out = out.sort_values("Borough %", ascending=False)
    return out.round(1).rename_axis("Group").reset_index()


def deprivation_domains(ward_dep: pd.DataFrame, ward_code: str) -> pd.DataFrame:
    """Per domain: the ward's LSOAs in England's most deprived 20% and its mean rank vs the borough's."""
    d = ward_dep.copy()
    d["weighted"] = d["mean_rank"] * d["population"]
    borough = d.groupby("domain").agg(weighted=("weighted", "sum"), population=("population", "sum"))
    ward = d[d["ward_code"] == ward_code].set_index("domain")
    out = pd.DataFrame({
        "LSOAs in most deprived 20%": ward["most_deprived_20_count"].astype(int).astype(str) + " of "
        + ward["lsoa_count"].astype(int).astype(str),
        "Ward average rank": ward["mean_rank"].round(0),
        "Borough average rank": (borough["weighted"] / borough["population"]).round(0),
    }).dropna(subset=["Ward average rank"])
    order = ["IMD"] + sorted(i for i in out.index if i != "IMD")
    return out.reindex([o for o in order if o in out.index]).rename_axis("Domain").reset_index()


def assets_by_category(assets: pd.DataFrame, ward_code: str) -> pd.DataFrame:
    """Count of community assets in the ward and the borough by category."""
    ward = assets[assets["ward_code"] == ward_code].groupby("category").size()
    borough = assets[assets["ward_code"].notna()].groupby("category").size()
    out = pd.DataFrame({"In this ward": ward, "In the borough": borough}).fillna(0).astype(int)
    return out.rename_axis("Category").reset_index()


def headline_table(values: pd.DataFrame, code: str, sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each available indicator for one ward: value, borough, England, comparison, rank, source, date."""
    marks = indicators.compare_to_borough(values)
    wards_only = values.drop(index=[indicators.BOROUGH, indicators.ENGLAND], errors="ignore")
    has_england = indicators.ENGLAND in values.index
    rows = []
    for ind in indicators.INDICATORS:
        if ind.key not in values or values[ind.key].isna().all():
            continue
        rank = wards_only[ind.key].rank(ascending=False, method="min").get(code)
        source, date = ind.provenance(sources) if sources is not None else ("", "")
        rows.append({
            "Indicator": ind.label, "Unit": ind.unit, "This ward": ind.format(values.at[code, ind.key]),
            "Borough": ind.format(values.at[indicators.BOROUGH, ind.key]),
            "England": ind.format(values.at[indicators.ENGLAND, ind.key], missing="n/a") if has_england else "n/a",
            "Compared with the borough": marks.at[code, ind.key] if isinstance(marks.at[code, ind.key], str) else "",
            "Rank among wards (1 = highest)": "" if rank != rank else f"{rank:.0f} of {len(wards_only)}" + (
                f" ({len(wards_only)} = most deprived)" if ind.key == "imd_mean_rank" else ""),
            "Source": source, "Date": date,
        })
    return pd.DataFrame(rows)


def similar_wards(values: pd.DataFrame, code: str, n: int = SIMILAR_WARDS) -> pd.DataFrame:
    """The n wards nearest to `code` on the registry's similarity set (z-scores, Euclidean distance).

    Indicators are standardised across the borough's wards so each counts equally; an
    indicator missing for any ward is left out. Distance 0 = identical on every indicator.
    """
    keys = [k for k in indicators.SIMILARITY_KEYS if k in values]
    wards = values.drop(index=[indicators.BOROUGH, indicators.ENGLAND], errors="ignore")[keys].dropna(axis=1)
    if wards.empty or code not in wards.index or len(wards) < 2:
        return pd.DataFrame(columns=["ward_code", "distance"])
    z = (wards - wards.mean()) / wards.std(ddof=0).replace(0, np.nan)
    z = z.dropna(axis=1)
    distance = np.sqrt(((z - z.loc[code]) ** 2).sum(axis=1)).drop(code)
    nearest = distance.sort_values(kind="stable").head(n)
    return nearest.rename("distance").rename_axis("ward_code").reset_index()


def summary_sentences(values: pd.DataFrame, code: str, lsoa_dep: pd.DataFrame) -> list[str]:
    """A few plain-English sentences from the indicators ("younger than the borough; …")."""
    v, b = values.loc[code], values.loc[indicators.BOROUGH]
    out = []
    if pd.notna(v.get("pct_65_plus")) and pd.notna(v.get("pct_under_16")):
        older = v["pct_65_plus"] - b["pct_65_plus"]
        younger = v["pct_under_16"] - b["pct_under_16"]
        if older > 2 and younger < 0:
            out.append(f"Older than the borough: {v['pct_65_plus']:.0f}% are 65 or over "
                       f"(borough {b['pct_65_plus']:.0f}%).")
        elif younger > 2 or older < -2:
            out.append(f"Younger than the borough: {v['pct_under_16']:.0f}% are 15 or under "
                       f"(borough {b['pct_under_16']:.0f}%) and {v['pct_65_plus']:.0f}% are 65 or over.")
        else:
            out.append("Similar in age to the borough.")
    if pd.notna(v.get("pct_minority_ethnic")):
        out.append(f"{v['pct_minority_ethnic']:.0f}% of residents are from ethnic groups other than White British "
                   f"(borough {b['pct_minority_ethnic']:.0f}%).")
    imd = lsoa_dep[(lsoa_dep["domain"] == "IMD") & (lsoa_dep["ward_code"] == code)]
    if not imd.empty:
        top = int((imd["decile"] <= 2).sum())
        n = len(imd)
        out.append(f"{top} of its {n} neighbourhoods (LSOAs) {'is' if top == 1 else 'are'} among England's most "
                   "deprived 20%." if top else f"None of its {n} neighbourhoods (LSOAs) is among England's most "
                   "deprived 20%.")
    rate, borough_rate = v.get("respondents_per_1000"), b.get("respondents_per_1000")
    if pd.notna(rate) and pd.notna(borough_rate) and borough_rate:
        ratio = rate / borough_rate
        word = "more" if ratio > 1.1 else "fewer" if ratio < 0.9 else "about as many"
        out.append(f"{rate:.0f} people per 1,000 residents took part: {word} than the borough's "
                   f"{borough_rate:.0f}." if word != "about as many" else
                   f"{rate:.0f} people per 1,000 residents took part, about the borough's {borough_rate:.0f}.")
    elif pd.isna(rate):
        out.append("Too few people took part to show a rate safely.")
    return out


def build_profile(inputs: ProfileInputs, code: str) -> Profile:
    """The profile of one ward."""
    names = dict(zip(inputs.wards["ward_code"], inputs.wards["ward_name"], strict=True))
    values = inputs.values
    similar = similar_wards(values, code)
    similar.insert(1, "Ward", similar["ward_code"].map(names))
    dims = [d for d in ("age", "ethnicity", "sex", "disability") if (inputs.population["dimension"] == d).any()]
    sources = sorted({s for s in inputs.provenance["source"].dropna() if s})
    return Profile(
        code=code, name=names[code], values=values.loc[code],
        headline=headline_table(values, code, inputs.provenance),
        summary=summary_sentences(values, code, inputs.lsoa_deprivation),
        compositions={d: composition(inputs.population, d, code) for d in dims},
        deprivation=deprivation_domains(inputs.deprivation, code) if not inputs.deprivation.empty else pd.DataFrame(),
        assets=assets_by_category(inputs.assets, code),
        similar=similar,
        sources=sources,
    )


def neighbours(wards: gpd.GeoDataFrame, code: str) -> gpd.GeoDataFrame:
    """The ward and the wards touching it (for a map that shows the ward in its surroundings)."""
    focus = wards.loc[wards["ward_code"] == code, "geometry"]
    if focus.empty:
        return wards.iloc[0:0]
    box = focus.iloc[0].buffer(0.002)
    return wards[wards.intersects(box)]


def compare_wards(values: pd.DataFrame, first: str, second: str, names: dict[str, str]) -> pd.DataFrame:
    """Side-by-side headline indicators of two wards, with the borough and which is higher."""
    rows = []
    for ind in indicators.INDICATORS:
        if ind.key not in values or values[ind.key].isna().all():
            continue
        a, b = values.at[first, ind.key], values.at[second, ind.key]
        higher = "" if pd.isna(a) or pd.isna(b) or a == b else names[first] if a > b else names[second]
        rows.append({"Indicator": f"{ind.label} ({ind.unit})", names[first]: ind.format(a),
                     names[second]: ind.format(b), "Borough": ind.format(values.at[indicators.BOROUGH, ind.key]),
                     "Higher": higher})
    return pd.DataFrame(rows)


def ward_labels(names: pd.DataFrame) -> pd.Series:
    """A unique, readable label per ward (indexed by ward_code): its name, with district and code where names repeat.

    Across England many names repeat ("Abbey" ×21); widgets match options by label, so
    labels must be unique.
    """
    name = names["ward_name"].astype(str)
    repeated = name.duplicated(keep=False)
    detail = name + " (" + names["lad_code"].astype(str) + ", " + names["ward_code"].astype(str) + ")"
    return pd.Series(name.where(~repeated, detail).tolist(), index=names["ward_code"].astype(str).tolist())


def area_inputs(inputs: ProfileInputs, assignment: pd.Series) -> ProfileInputs:
    """The same inputs with wards grouped into areas, so `build_profile` profiles an area like a ward.

    assignment: ward_code → area name. Counts are summed over each area's wards; deprivation
    keeps LSOA counts and the population-weighted mean rank; the map geometry is the union of
    the wards (`area_shapes`). Engagement: an area's rates are hidden whenever any of its wards' counts is
    hidden on the ward tables, so area and ward figures cannot be subtracted to recover a small
    count. People taking part are summed over wards (someone who responded from two wards of an
    area counts twice, as on the ward tables).
    """
    from geo.disclosure import protect_counts

    area_of = assignment.astype(str)
    regroup = lambda frame: frame.assign(ward_code=frame["ward_code"].map(area_of)).dropna(subset=["ward_code"])  # noqa: E731
    population = regroup(inputs.population).groupby(["ward_code", "dimension", "category"], as_index=False)[
        "persons"].sum()
    dep = regroup(inputs.deprivation).assign(weighted=lambda d: d["mean_rank"] * d["population"])
    dep = dep.groupby(["ward_code", "domain"], as_index=False).agg(
        lsoa_count=("lsoa_count", "sum"), population=("population", "sum"), weighted=("weighted", "sum"),
        most_deprived_20_count=("most_deprived_20_count", "sum"))
    dep["mean_rank"] = dep["weighted"] / dep["population"]
    dep["most_deprived_20_share"] = dep["most_deprived_20_count"] / dep["lsoa_count"]
    shapes, shapes_bng = area_shapes(inputs, area_of)
    engagement = regroup(inputs.engagement).groupby("ward_code", as_index=False)[["responses", "respondents"]].sum()
    ward_codes = list(inputs.wards["ward_code"])
    hidden_areas: set[str] = set()
    for kind in ("responses", "respondents"):
        shown = protect_counts(inputs.engagement.set_index("ward_code")[kind].reindex(ward_codes).fillna(0),
                               inputs.policy, total=True).drop("Total")
        hidden_areas |= set(area_of.reindex(shown[shown.isna()].index).dropna())
    grouped = ProfileInputs(
        wards=shapes, population=population, deprivation=dep.drop(columns="weighted"),
        lsoa_deprivation=regroup(inputs.lsoa_deprivation), assets=regroup(inputs.assets), engagement=engagement,
        provenance=inputs.provenance, england_population=inputs.england_population,
        england_deprivation=inputs.england_deprivation, policy=inputs.policy,
        wards_bng=shapes_bng)
    values = grouped.values.copy()
    values.loc[values.index.isin(hidden_areas), ["responses_per_1000", "respondents_per_1000"]] = np.nan
    grouped.precomputed_values = values
    return grouped


def _dissolved(wards_bng: gpd.GeoDataFrame, area_of: pd.Series) -> gpd.GeoDataFrame:
    """ward_code (= area name), geometry: the union of each area's wards in EPSG:27700, repaired first
    (geo.areas.union_valid); wards without an area are left out. Area names are kept exactly as given."""
    frame = wards_bng.assign(area=wards_bng["ward_code"].map(area_of)).dropna(subset=["area"])
    rows = [{"ward_code": name, "geometry": union_valid(group.geometry.to_numpy())}
            for name, group in frame.groupby("area", sort=True)]
    return gpd.GeoDataFrame(rows, columns=["ward_code", "geometry"], geometry="geometry", crs=wards_bng.crs)


def area_shapes(inputs: ProfileInputs, area_of: pd.Series) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Each area's wards dissolved: (display, full resolution), keyed like wards (ward_code = area name).

    The union is taken in EPSG:27700 from the full-resolution boundaries (inputs.wards_bng, valid as loaded)
    and only then reprojected to the display CRS: the display copies are simplified and reprojected, and
    on real boundaries some are invalid (two of Thurrock's wards in WGS84), which GEOS refuses to union
    ("TopologyException: side location conflict"). Without wards_bng the display geometry is projected to
    EPSG:27700 and repaired before the union (geo.areas.valid_polygons). A reprojected shape that comes out
    invalid is repaired again, so every shape returned is valid. The display frame has ward_name = the area.
    """
    source = inputs.wards_bng
    if source is None:
        source = inputs.wards[["ward_code", "geometry"]].to_crs("EPSG:27700")
    full = _dissolved(source[["ward_code", "geometry"]], area_of)
    shown = full.to_crs(inputs.wards.crs or "EPSG:4326")
    shown["geometry"] = valid_polygons(shown.geometry.to_numpy())
    shown["ward_name"] = shown["ward_code"]
    return shown[["ward_code", "ward_name", "geometry"]], full
