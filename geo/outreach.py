"""Outreach partners: the community assets nearest a ward that could help reach the people who take part least.

From a ward with low reach (everyone) or a group flagged as under-represented, the relevant categories of the
register (`partner_categories`: e.g. youth and sport groups for 16–24s; faith, community and voluntary groups for
an ethnic group; health and voluntary groups for disabled residents) and, for each, the nearest assets.

Distance is straight-line, in EPSG:27700 (metres), from the ward's population-weighted centre: the mean of its
small areas' points (data_access.small_area_points, the smallest level loaded) weighted by their usual residents.
A ward with no small area point falls back to a point inside its boundary (shapely's point_on_surface). An asset
in the ward still has a distance (from the centre), so near and in-ward assets rank together.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from vocabulary import AGE, ASSET_CATEGORIES, DISABILITY, ETHNICITY, SEX

#: Categories that could host outreach to everyone in a ward (low reach): every standard category.
EVERYONE = list(ASSET_CATEGORIES)
YOUNG = ["youth", "sport", "community", "voluntary"]
OLDER = ["community", "health", "faith", "library", "voluntary"]
COMMUNITIES = ["faith", "community", "voluntary"]
DISABLED = ["health", "voluntary", "community"]
#: Nearest assets listed per category.
PER_CATEGORY = 3
CENTRE_WORDS = "the ward's population-weighted centre (the residents-weighted mean of its small areas' points)"


def _age_bounds(label: str) -> tuple[int | None, int | None]:
    """Lowest and highest age of an age-band label ('16-24', 'Aged 16 to 24', '65+', '85 and over')."""
    numbers = [int(n) for n in re.findall(r"\d+", str(label))]
    if not numbers:
        return None, None
    open_ended = "+" in str(label) or "over" in str(label).lower()
    return numbers[0], None if open_ended or len(numbers) == 1 else numbers[-1]


def partner_categories(dimension: str | None = None, groups: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The register categories suited to reaching a group: `dimension` None (a ward's low reach) = every category;
    age: young people (a band ending at 24 or younger) → youth, sport, community, voluntary; older people (from
    60) → community, health, faith, library, voluntary; ethnic group → faith, community, voluntary; disability →
    health, voluntary, community; otherwise community and voluntary. Several groups: the union, in that order."""
    if dimension is None:
        return list(EVERYONE)
    chosen: list[str] = []
    for group in groups or [""]:
        if dimension == AGE:
            low, high = _age_bounds(group)
            cats = (YOUNG if high is not None and high <= 24 else OLDER if low is not None and low >= 60
                    else ["community", "voluntary"])
        elif dimension == ETHNICITY:
            cats = COMMUNITIES
        elif dimension == DISABILITY:
            cats = DISABLED
        elif dimension == SEX:
            cats = ["community", "voluntary"]
        else:
            cats = ["community", "voluntary"]
        chosen += [c for c in cats if c not in chosen]
    return chosen


def ward_centre(ward_code: str, areas: pd.DataFrame, wards_bng: gpd.GeoDataFrame) -> tuple[float, float]:
    """(easting, northing) of the ward's population-weighted centre (module docstring); a point inside the ward's
    boundary when none of its small areas has residents and a point."""
    mine = areas[(areas["ward_code"] == ward_code) & (areas["persons"] > 0)]
    if len(mine):
        weights = mine["persons"].to_numpy(dtype=float)
        return (float(np.average(mine["easting"], weights=weights)),
                float(np.average(mine["northing"], weights=weights)))
    shape = wards_bng.loc[wards_bng["ward_code"] == ward_code, "geometry"]
    if shape.empty:
        raise KeyError(f"no ward with the code {ward_code!r}")
    point = shape.iloc[0].point_on_surface()
    return float(point.x), float(point.y)


def nearest_partners(centre: tuple[float, float], assets: pd.DataFrame, categories: list[str],
                     per_category: int = PER_CATEGORY) -> pd.DataFrame:
    """The `per_category` assets of each category nearest `centre` (EPSG:27700), nearest first overall, with
    distance_m (straight line, metres). Assets without a grid reference are left out. Every column of `assets`
    is kept (asset_id, name, category, ward_code and any of address, postcode, hours, contact, …)."""
    located = assets.dropna(subset=["easting", "northing"])
    located = located[located["category"].isin(categories)]
    if located.empty:
        return located.assign(distance_m=pd.Series(dtype=float))
    dx = located["easting"].to_numpy(dtype=float) - centre[0]
    dy = located["northing"].to_numpy(dtype=float) - centre[1]
    ranked = located.assign(distance_m=np.hypot(dx, dy)).sort_values(["distance_m", "name"], kind="stable")
    nearest = ranked.groupby("category", sort=False).head(per_category)
    return nearest.reset_index(drop=True)
