"""The demo borough's community asset map: ~150 groups and venues with plausible names.

Why: the ETL places assets either by postcode or by grid reference, so the demo writes both
kinds (about a fifth carry grid references, as when a group is mapped from a site visit),
and the dashboard's asset layers have something realistic to show.
"""

from __future__ import annotations

import pandas as pd

from demo.facts import LAD_NAME, TOWN_CENTRE_WARD, rng_for
from demo.geography import Geography

ASSET_COLUMNS = ["asset_id", "name", "category", "postcode", "easting", "northing"]

_ASSET_TEMPLATES = {
    "voluntary": ["{p} Community Trust", "Friends of {p} Park", "{p} Food Bank",
                  "{p} Good Neighbours", "{p} Credit Union", "{p} Carers' Network",
                  "{p} Citizens Advice Outreach", "{p} Refugee Welcome"],
    "faith": ["St {s}'s Church, {p}", "{p} Methodist Church", "{p} Jamia Mosque",
              "Gurdwara Sahib {p}", "{p} Baptist Church", "{p} Pentecostal Fellowship",
              "{p} Hindu Mandir", "{p} Quaker Meeting House"],
    "community": ["{p} Community Centre", "{p} Residents' Association", "{p} Village Hall",
                  "{p} Tenants and Residents Association", "{p} Community Garden",
                  "{p} Neighbourhood Forum"],
    "sport": ["{p} Cricket Club", "{p} Boxing Club", "{p} Youth FC", "{p} Running Club",
              "{p} Bowls Club", "{p} Netball Club", "{p} Swimming Club"],
    "youth": ["{p} Youth Club", "1st {p} Scouts", "{p} Brownies", "{p} Young Carers",
              "{p} Detached Youth Project"],
    "library": ["{p} Library"],
    "health": ["{p} Medical Centre", "{p} Dementia Cafe", "{p} Wellbeing Hub",
               "{p} Pharmacy", "{p} Walking for Health"],
    "other": ["{p} Allotment Society", "{p} Men's Shed", "{p} Repair Cafe",
              "{p} History Society", "{p} Choir"],
}
_ASSET_MIX = {"voluntary": 30, "faith": 24, "community": 26, "sport": 24, "youth": 16,
              "library": 8, "health": 12, "other": 10}
_SAINTS = ["Mary", "John", "Peter", "Michael", "Andrew", "Anne", "Luke", "Mark", "Paul",
           "James", "Margaret", "Chad", "Alban", "Matthew"]
#: Neighbourhood names smaller than wards, for groups named after their street or estate.
_LOCALITIES = ["Mill Lane", "Hilltop", "Fenwick", "Cross Keys", "Beacon", "Holly Farm", "Old Town",
               "Station Road", "Canal Side", "Meadowbank", "Pinfold", "Cherry Tree", "Kiln Lane",
               "Spring Hill", "The Leys", "Lime Walk", "Hawthorn", "Ferry Lane", "Chapel Row",
               "Heron Way", "Nightingale", "Marsh End", "Rookery", "Poplar Grove", "Cobden",
               "Tanners Yard", "Glebe", "Orchard Way", "Quarry Bank", "Sycamore"]


def build_assets(geo: Geography, pcs: pd.DataFrame, seed: int) -> pd.DataFrame:
    """~150 community assets with plausible names, mostly located by postcode.

    About a fifth carry grid references instead (as when a group is mapped from a
    site visit), so the ETL's two geocoding paths are both exercised.
    """
    rng = rng_for(seed, "assets")
    ward_name = dict(zip(geo.wards["ward_code"], geo.wards["ward_name"], strict=True))
    pc_xy = pcs[["oseast1m", "osnrth1m"]].to_numpy(dtype=float)
    weight = 1 + 2 * geo.land.centrality(pc_xy)
    rows = []
    names: set[str] = set()
    for category, n in _ASSET_MIX.items():
        made = attempts = 0
        while made < n:
            attempts += 1
            if attempts > 100 * n:
                raise RuntimeError(f"cannot find {n} distinct {category} asset names")
            i = int(rng.choice(len(pcs), p=weight / weight.sum()))
            place = ward_name[pcs.at[i, "ward"]]
            if place == TOWN_CENTRE_WARD:
                place = LAD_NAME
            if rng.random() < 0.3:  # (also keeps names unique however few wards there are)
                place = _LOCALITIES[rng.integers(len(_LOCALITIES))]
            template = _ASSET_TEMPLATES[category][rng.integers(len(_ASSET_TEMPLATES[category]))]
            name = template.format(p=place, s=_SAINTS[rng.integers(len(_SAINTS))])
            if name in names:
                continue
            names.add(name)
            rows.append((name, category, i))
            made += 1
    order = rng.permutation(len(rows))
    out = []
    for k, j in enumerate(order, start=1):
        name, category, i = rows[j]
        if rng.random() < 0.2:
            out.append((f"AS{k:04d}", name, category, "", int(pcs.at[i, "oseast1m"]),
                        int(pcs.at[i, "osnrth1m"])))
        else:
            out.append((f"AS{k:04d}", name, category, pcs.at[i, "pcds"], None, None))
    df = pd.DataFrame(out, columns=ASSET_COLUMNS)
    df["easting"] = df["easting"].astype("Int64")
    df["northing"] = df["northing"].astype("Int64")
    return df
