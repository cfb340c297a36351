"""The demo borough's community asset register: ~150 groups and venues, written as a council keeps its register.

Why: the ETL reads a register in the council's own shape, so the demo's has every column a real one has, in
the headings councils use ("ID", "Organisation name", "Type", "Address", "Postcode", "Easting", "Northing",
"Opening hours", "Contact", "Last verified", "Source"): the council's own category wordings ("Faith group",
"Sports club", …, mapped onto the standard set by `demo.toml`'s `[assets] categories`, CATEGORY_WORDINGS),
entries from several sources, a fifth placed by grid reference only (as when a group is mapped from a site
visit) and the rest by postcode only, and about a fifth last verified more than a year before the register's
date (REGISTER_DATE), a few never, so the staleness flags have something to show.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from demo.facts import LAD_NAME, TOWN_CENTRE_WARD, rng_for
from demo.geography import Geography

ASSET_COLUMNS = ["ID", "Organisation name", "Type", "Address", "Postcode", "Easting", "Northing", "Opening hours",
                 "Contact", "Last verified", "Source"]
#: The day the demo register was exported (demo.toml's [assets] date); entries are verified on or before it.
REGISTER_DATE = date(2026, 10, 1)
#: The council's own category wordings in the register → the standard category (demo.toml maps the ones that are
#: not a standard name or label).
CATEGORY_WORDINGS = {
    "voluntary": ["Voluntary organisation", "Charity"],
    "faith": ["Faith group", "Place of worship"],
    "community": ["Community group", "Community centre"],
    "sport": ["Sports club"],
    "youth": ["Youth group", "Children and young people"],
    "library": ["Library"],
    "health": ["Health and wellbeing"],
    "other": ["Other"],
}
_SOURCES = {"Council community directory": 0.45, "Charity Commission register": 0.25,
            "Voluntary sector directory (CVS)": 0.2, "Ward councillor survey": 0.1}
_HOURS = {
    "voluntary": ["Mon-Fri 9am-5pm", "Tuesdays and Thursdays 10am-2pm", "By appointment"],
    "faith": ["Sundays 10:30am; Wednesdays 7pm", "Fridays 1pm", "Daily 5am-10pm", "Saturdays 11am"],
    "community": ["Mon-Sat 9am-9pm", "Weekdays 10am-4pm", "Monthly, first Monday 7pm"],
    "sport": ["Training Tuesdays and Thursdays 6-8pm", "Saturdays 9am-12pm", "Sundays 8am"],
    "youth": ["Mondays 6:30-8:30pm (term time)", "Fridays 7-9pm", "Wednesdays 4-6pm"],
    "library": ["Mon-Fri 9am-7pm, Sat 9am-1pm", "Tue, Thu, Sat 10am-4pm"],
    "health": ["Mon-Fri 8am-6:30pm", "Second Tuesday of the month, 2-4pm", "Thursdays 11am"],
    "other": ["Wednesdays 10am-1pm", "Thursdays 7:30pm", "First Saturday of the month, 10am-12pm"],
}
_STREETS = ["High Street", "Church Lane", "Mill Road", "Station Road", "Park Avenue", "Victoria Street",
            "Chapel Street", "Queen's Road", "The Green", "Market Place", "School Lane", "Canal Walk"]

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
    """~150 community assets with plausible names as the register's rows (ASSET_COLUMNS), mostly located by
    postcode; about a fifth carry grid references instead, so the ETL's two geocoding paths are both exercised.
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
            out.append((f"AS{k:04d}", name, category, "", int(pcs.at[i, "oseast1m"]), int(pcs.at[i, "osnrth1m"])))
        else:
            out.append((f"AS{k:04d}", name, category, pcs.at[i, "pcds"], None, None))
    return _register(pd.DataFrame(out, columns=["id", "name", "category", "postcode", "easting", "northing"]),
                     seed)


def _register(assets: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The register's other columns (from a stream of their own, so names and places stay as they were)."""
    rng = rng_for(seed, "asset register")
    n = len(assets)
    wording = [CATEGORY_WORDINGS[c][rng.integers(len(CATEGORY_WORDINGS[c]))] for c in assets["category"]]
    streets = [f"{rng.integers(1, 120)} {_STREETS[rng.integers(len(_STREETS))]}, {LAD_NAME}" for _ in range(n)]
    address = [s if pc or rng.random() < 0.5 else "" for s, pc in zip(streets, assets["postcode"], strict=True)]
    hours = [_HOURS[c][rng.integers(len(_HOURS[c]))] if rng.random() < 0.85 else "" for c in assets["category"]]
    contact = [_contact(rng, name) for name in assets["name"]]
    # Most entries checked within the last year; about a fifth one to three years before; a few never.
    age_days = [int(rng.integers(0, 330)) if rng.random() < 0.78 else int(rng.integers(400, 1100)) for _ in range(n)]
    verified = [(REGISTER_DATE - timedelta(days=d)).strftime("%d/%m/%Y") if rng.random() > 0.04 else ""
                for d in age_days]
    source = rng.choice(list(_SOURCES), size=n, p=list(_SOURCES.values()))
    out = pd.DataFrame({"ID": assets["id"], "Organisation name": assets["name"], "Type": wording, "Address": address,
                        "Postcode": assets["postcode"], "Easting": assets["easting"], "Northing": assets["northing"],
                        "Opening hours": hours, "Contact": contact, "Last verified": verified, "Source": source})
    out["Easting"] = out["Easting"].astype("Int64")
    out["Northing"] = out["Northing"].astype("Int64")
    return out[ASSET_COLUMNS]


def _contact(rng, name: str) -> str:
    """A fictional phone number (Ofcom's drama range 01632 960xxx) and/or an example.org address."""
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
    phone = f"01632 960{rng.integers(0, 1000):03d}"
    pick = rng.random()
    return phone if pick < 0.4 else f"hello@{slug}.example.org" if pick < 0.8 else f"{phone}; hello@{slug}.example.org"
