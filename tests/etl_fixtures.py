"""A tiny synthetic borough ("Tinyborough"), built from code, whose right answers are known.

Geography (EPSG:27700, metres), a 2×2 grid of 1 km² wards around (530000, 180000):

    W3 E05900003 Church | W4 E05900004 Dale        y 180000–181000
    --------------------+-------------------
    W1 E05900001 Ashby  | W2 E05900002 Brook       y 179000–180000
    x 529000–530000       x 530000–531000

Each ward holds 4 output areas (its 500 m quadrants: SW, SE, NW, NE) and 2 LSOAs (its
south half "A" = the SW and SE quadrants, its north half "B" = NW and NE), so every
OA and LSOA lies wholly in one ward. `wards_gdf(redrawn=True)` moves W1's SE quadrant
into W2 (wards redrawn after the census): LSOA E01900001 then straddles W1 and W2 50/50.

Every input file is written as the publishers write them (ONS census tables, MHCLG
Indices of Deprivation files with BOM, CRLF and quoted thousands separators, an ONSPD-style
postcode CSV) plus the council's own assets, activities and responses.

`write_tiny_borough(dir, **overrides)` writes the lot and a config, and returns the config
path. Overrides, by file key (see FILES): a str/bytes replaces the file's content, a
callable receives the default text and returns the new text, None leaves the file out.
`config={...}` is deep-merged into the config (a None value deletes a key or section),
`extra_toml="..."` is appended verbatim to the config file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Polygon, box

BNG = "EPSG:27700"
LAD_CODE = "E06900001"
COUNCIL = "Tinyborough"
X0, Y0, SIDE = 529_000.0, 179_000.0, 1_000.0

WARDS: dict[str, str] = {
    "E05900001": "Ashby",
    "E05900002": "Brook",
    "E05900003": "Church",
    "E05900004": "Dale",
}
WARD_CODES = list(WARDS)
# (column, row) of each ward in the grid
_WARD_CELL = {"E05900001": (0, 0), "E05900002": (1, 0), "E05900003": (0, 1), "E05900004": (1, 1)}
_QUADRANTS = [(0, 0), (1, 0), (0, 1), (1, 1)]  # SW, SE, NW, NE

ETHNICITY_COLUMNS = ["WhiteBrit", "Irish", "OtherWhite", "Mixed", "Indian", "Pakistani", "Bangladeshi", "Chinese",
                     "OtherAsian", "BlkAfrican", "BlkCaribbean", "OtherBlk", "Arab", "Other"]
AGE_CATEGORIES = ["Aged 15 years and under", "Aged 16 to 24 years", "Aged 25 to 34 years", "Aged 35 to 49 years",
                  "Aged 50 to 64 years", "Aged 65 years and over"]
AGE_HEADER = ["Lower layer Super Output Areas Code", "Lower layer Super Output Areas", "Age (6 categories)",
              "Observation"]
UNITEMISED_OA = "E00900016"  # its Persons exceeds the sum of its categories by UNITEMISED_EXTRA
UNITEMISED_EXTRA = 4

# Headers copied from the first line of the real MHCLG files (BOM added when written).
IMD_HEADER = ("LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
              "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
              "Index of Multiple Deprivation (IMD) Decile")
DOMAINS_HEADER = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),"
    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
    "Income Rank (where 1 is most deprived),Income Decile (where 1 is most deprived 10% of LSOAs),"
    "Employment Rank (where 1 is most deprived),Employment Decile (where 1 is most deprived 10% of LSOAs),"
    "\"Education, Skills and Training Rank (where 1 is most deprived)\","
    "\"Education, Skills and Training Decile (where 1 is most deprived 10% of LSOAs)\","
    "Health Deprivation and Disability Rank (where 1 is most deprived),"
    "Health Deprivation and Disability Decile (where 1 is most deprived 10% of LSOAs),"
    "Crime Rank (where 1 is most deprived),Crime Decile (where 1 is most deprived 10% of LSOAs),"
    "Barriers to Housing and Services Rank (where 1 is most deprived),"
    "Barriers to Housing and Services Decile (where 1 is most deprived 10% of LSOAs),"
    "Living Environment Rank (where 1 is most deprived),"
    "Living Environment Decile (where 1 is most deprived 10% of LSOAs)")
DOMAINS = ["Income", "Employment", "Education, Skills and Training", "Health Deprivation and Disability", "Crime",
           "Barriers to Housing and Services", "Living Environment"]
DENOMINATORS_HEADER = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),Local Authority District name (2019),"
    "Total population: mid 2015 (excluding prisoners),Dependent Children aged 0-15: mid 2015 (excluding prisoners),"
    "Population aged 16-59: mid 2015 (excluding prisoners),"
    "Older population aged 60 and over: mid 2015 (excluding prisoners),"
    "Working age population 18-59/64: for use with Employment Deprivation Domain (excluding prisoners)")
N_LSOAS = 32_844

FILES = {
    "wards": "wards.geojson",
    "oa": "oa.geojson",
    "lsoa": "lsoa.geojson",
    "ethnicity": "census2011_ethnicity_oa.csv",
    "age": "census2021_age6_lsoa.csv",
    "imd": "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
    "domains": "File_2_-_IoD2019_Domains_of_Deprivation.csv",
    "denominators": "File_6_-_IoD2019_Population_Denominators.csv",
    "postcodes": "postcodes.csv",
    "assets": "assets.csv",
    "activities": "activities.csv",
    "responses": "responses.csv",
    "questions": "questions.csv",
    "answers": "answers.csv",
    "pb_projects": "pb_projects.csv",
}


# -- geography -------------------------------------------------------------------------------
def ward_polygons(redrawn: bool = False) -> dict[str, Polygon]:
    """Ward polygons in EPSG:27700. redrawn: W1's SE quadrant is moved into W2."""
    out = {}
    for code, (c, r) in _WARD_CELL.items():
        x, y = X0 + c * SIDE, Y0 + r * SIDE
        out[code] = box(x, y, x + SIDE, y + SIDE)
    if redrawn:
        h = SIDE / 2
        out["E05900001"] = Polygon([(X0, Y0), (X0 + h, Y0), (X0 + h, Y0 + h), (X0 + SIDE, Y0 + h),
                                    (X0 + SIDE, Y0 + SIDE), (X0, Y0 + SIDE)])
        out["E05900002"] = Polygon([(X0 + h, Y0), (X0 + 2 * SIDE, Y0), (X0 + 2 * SIDE, Y0 + SIDE),
                                    (X0 + SIDE, Y0 + SIDE), (X0 + SIDE, Y0 + h), (X0 + h, Y0 + h)])
    return out


def bowtie(code: str = "E05900004") -> Polygon:
    """A self-intersecting (invalid) bow-tie over the ward's square: two triangles meeting at its centre."""
    x, y = X0 + _WARD_CELL[code][0] * SIDE, Y0 + _WARD_CELL[code][1] * SIDE
    return Polygon([(x, y), (x + SIDE, y + SIDE), (x + SIDE, y), (x, y + SIDE)])


OAS: dict[str, tuple[str, Polygon]] = {}  # oa code -> (ward code, polygon)
LSOAS: dict[str, tuple[str, str, Polygon]] = {}  # lsoa code -> (ward code, name, polygon)
OA_LSOA: dict[str, str] = {}
for _k, (_code, (_c, _r)) in enumerate(_WARD_CELL.items()):
    _x, _y = X0 + _c * SIDE, Y0 + _r * SIDE
    _h = SIDE / 2
    for _q, (_qc, _qr) in enumerate(_QUADRANTS):
        _oa = f"E0090{_k * 4 + _q + 1:04d}"
        OAS[_oa] = (_code, box(_x + _qc * _h, _y + _qr * _h, _x + (_qc + 1) * _h, _y + (_qr + 1) * _h))
        OA_LSOA[_oa] = f"E0190{_k * 2 + _qr + 1:04d}"
    for _half, _letter in enumerate("AB"):
        LSOAS[f"E0190{_k * 2 + _half + 1:04d}"] = (_code, f"{COUNCIL} {_k + 1:03d}{_letter}",
                                                   box(_x, _y + _half * _h, _x + SIDE, _y + (_half + 1) * _h))
OA_WARD = {oa: ward for oa, (ward, _) in OAS.items()}
LSOA_WARD = {lsoa: ward for lsoa, (ward, _, _) in LSOAS.items()}
LSOA_NAME = {lsoa: name for lsoa, (_, name, _) in LSOAS.items()}
STRADDLER = "E01900001"  # straddles W1/W2 50/50 when the wards are redrawn
MOVED_OA = "E00900002"  # W1's SE quadrant: in W2 when the wards are redrawn


def wards_gdf(redrawn: bool = False, code_column: str = "WD24CD", name_column: str = "WD24NM",
              crs: str = "EPSG:4326", polygons: dict[str, Polygon] | None = None) -> gpd.GeoDataFrame:
    polys = polygons or ward_polygons(redrawn)
    gdf = gpd.GeoDataFrame({code_column: list(polys), name_column: [WARDS[c] for c in polys]},
                           geometry=list(polys.values()), crs=BNG)
    return gdf.to_crs(crs)


def oa_gdf(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"OA11CD": list(OAS), "LAD11CD": LAD_CODE},
                            geometry=[p for _, p in OAS.values()], crs=BNG).to_crs(crs)


def lsoa_gdf(crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"LSOA11CD": list(LSOAS), "LSOA11NM": list(LSOA_NAME.values())},
                            geometry=[p for _, _, p in LSOAS.values()], crs=BNG).to_crs(crs)


def geojson_dict(gdf: gpd.GeoDataFrame, declare_crs: bool = False) -> dict:
    """GeoJSON FeatureCollection of a GeoDataFrame in its own CRS; a 'crs' member only when asked."""
    data = json.loads(gdf.to_json(drop_id=True))
    if not declare_crs:
        data.pop("crs", None)
    return data


def geojson_text(gdf: gpd.GeoDataFrame, declare_crs: bool = False) -> str:
    return json.dumps(geojson_dict(gdf, declare_crs))


# -- known counts ----------------------------------------------------------------------------
def _ethnic_count(i: int, j: int) -> int:
    return (i * 7 + j * 3) % 11 + (100 + 3 * i if j == 0 else 0)


ETHNICITY: dict[str, dict[str, int]] = {
    oa: {col: _ethnic_count(i + 1, j) for j, col in enumerate(ETHNICITY_COLUMNS)} for i, oa in enumerate(OAS)}
OA_PERSONS: dict[str, int] = {oa: sum(v.values()) + (UNITEMISED_EXTRA if oa == UNITEMISED_OA else 0)
                              for oa, v in ETHNICITY.items()}
AGE: dict[str, dict[str, int]] = {
    lsoa: {cat: 40 + 5 * (m + 1) + 7 * c for c, cat in enumerate(AGE_CATEGORIES)} for m, lsoa in enumerate(LSOAS)}
LSOA_AGE_TOTAL = {lsoa: sum(v.values()) for lsoa, v in AGE.items()}
# 2021 split: 2011 LSOA E01900008 (Tinyborough 004B) became E01900009 (004C) and E01900010 (004D).
SPLIT_RETIRED = "E01900008"
SPLIT_NEW = {"E01900009": f"{COUNCIL} 004C", "E01900010": f"{COUNCIL} 004D"}
SPLIT_AGE = {code: {cat: 20 + 3 * n + c for c, cat in enumerate(AGE_CATEGORIES)} for n, code in enumerate(SPLIT_NEW)}
IMD_RANK = {lsoa: 1_000 * (m + 1) + 2_345 for m, lsoa in enumerate(LSOAS)}  # 3,345 … 10,345
IMD_DECILE = {lsoa: rank * 10 // N_LSOAS + 1 for lsoa, rank in IMD_RANK.items()}
IMD_POPULATION = {lsoa: 1_500 + 10 * m for m, lsoa in enumerate(LSOAS)}  # written "1,500" …


def ward_ethnicity_totals(oa_ward: dict[str, str] | None = None) -> dict[str, float]:
    oa_ward = oa_ward or OA_WARD
    out = dict.fromkeys(WARDS, 0.0)
    for oa, persons in OA_PERSONS.items():
        out[oa_ward[oa]] += persons
    return out


def ward_age_totals(lsoa_weights: dict[str, dict[str, float]] | None = None) -> dict[str, float]:
    """Age residents per ward; lsoa_weights maps LSOA -> {ward: weight} (default: best fit)."""
    lsoa_weights = lsoa_weights or {lsoa: {ward: 1.0} for lsoa, ward in LSOA_WARD.items()}
    out = dict.fromkeys(WARDS, 0.0)
    for lsoa, total in LSOA_AGE_TOTAL.items():
        for ward, w in lsoa_weights[lsoa].items():
            out[ward] += total * w
    return out


# -- file contents ---------------------------------------------------------------------------
CRLF = "\r\n"
BOM = "\ufeff"


def _csv(header: str, rows: list[str], newline: str = "\n", bom: bool = False) -> str:
    return (BOM if bom else "") + newline.join([header, *rows]) + newline


def _q(n: int) -> str:
    """A number as MHCLG writes it: quoted with a thousands separator when >= 1,000."""
    return f'"{n:,}"' if n >= 1000 else str(n)


def ethnicity_csv() -> str:
    header = ",".join(["OA", "Persons", *ETHNICITY_COLUMNS, "LSOA", "MSOA", "LAD", "RGN"])
    rows = []
    for n in range(1, 4):  # another borough's OAs come first, as in the national file
        vals = [str(10 + n)] * len(ETHNICITY_COLUMNS)
        rows.append(",".join([f"E0080000{n}", str(10 * len(vals) + n * len(vals)), *vals, "E01800001", "E02800001",
                              "Otherton", "London"]))
    for oa, counts in ETHNICITY.items():
        vals = [f"{v}.0" if col == "Mixed" else str(v) for col, v in counts.items()]  # as in the real file
        rows.append(",".join([oa, str(OA_PERSONS[oa]), *vals, OA_LSOA[oa], "E02900001", COUNCIL, "London"]))
    return _csv(header, rows)


def age_rows(lsoa: str, name: str, counts: dict[str, int]) -> list[str]:
    return [f"{lsoa},{name},{cat},{v}" for cat, v in counts.items()]


def age_csv(split_2021: bool = False) -> str:
    rows = age_rows("E01800001", "Otherton 001A", {cat: 99 for cat in AGE_CATEGORIES})
    for lsoa, counts in AGE.items():
        if split_2021 and lsoa == SPLIT_RETIRED:
            for code, name in SPLIT_NEW.items():
                rows += age_rows(code, name, SPLIT_AGE[code])
            continue
        rows += age_rows(lsoa, LSOA_NAME[lsoa], counts)
    rows += age_rows("E01800002", "Otherton 001B", {cat: 77 for cat in AGE_CATEGORIES})
    return _csv(",".join(AGE_HEADER), rows)


def _lead(code: str, name: str, lad: str = LAD_CODE, lad_name: str = COUNCIL) -> str:
    return f"{code},{name},{lad},{lad_name}"


_OTHER = [("E01800001", "Otherton 001A", 12_001), ("E01800002", "Otherton 001B", 456)]


def imd_csv() -> str:
    rows = [f"{_lead(c, n, 'E06800001', 'Otherton')},{_q(r)},{r * 10 // N_LSOAS + 1}" for c, n, r in _OTHER]
    rows += [f"{_lead(lsoa, LSOA_NAME[lsoa])},{_q(IMD_RANK[lsoa])},{IMD_DECILE[lsoa]}" for lsoa in LSOAS]
    return _csv(IMD_HEADER, rows, CRLF, bom=True)


def domain_rank(lsoa: str, d: int) -> int:
    return (list(LSOAS).index(lsoa) * 3_001 + d * 4_567) % N_LSOAS + 1


def domains_csv() -> str:
    rows = []
    for c, n, r in _OTHER:
        rows.append(f"{_lead(c, n, 'E06800001', 'Otherton')},{r},{r * 10 // N_LSOAS + 1}"
                    + "".join(f",{r},{r * 10 // N_LSOAS + 1}" for _ in DOMAINS))
    for lsoa in LSOAS:
        vals = [str(IMD_RANK[lsoa]), str(IMD_DECILE[lsoa])]
        for d in range(len(DOMAINS)):
            rank = domain_rank(lsoa, d)
            vals += [str(rank), str(rank * 10 // N_LSOAS + 1)]
        rows.append(f"{_lead(lsoa, LSOA_NAME[lsoa])}," + ",".join(vals))
    return _csv(DOMAINS_HEADER, rows, CRLF, bom=True)


def denominators_csv() -> str:
    rows = [f"{_lead(c, n, 'E06800001', 'Otherton')},{_q(2_000)},400,1200,400,1300" for c, n, _ in _OTHER]
    rows += [f"{_lead(lsoa, LSOA_NAME[lsoa])},{_q(p)},300,{_q(p - 600)},300,{_q(p - 500)}"
             for lsoa, p in IMD_POPULATION.items()]
    return _csv(DENOMINATORS_HEADER, rows, CRLF, bom=True)


# Postcodes (ONSPD layout, 7-character pcd) and where they are.
POSTCODES = {
    "TB1 1AA": (529_250.0, 179_750.0, LAD_CODE, "E05900001"),
    "TB1 1AB": (530_500.0, 179_500.0, LAD_CODE, "E05900002"),
    "TB2 1AD": (529_500.0, 180_500.0, LAD_CODE, "E05900003"),
    "TB2 1AE": (530_500.0, 180_500.0, LAD_CODE, "E05900004"),
    "TB9 9ZZ": (545_000.0, 185_000.0, "E06800001", None),  # in the directory, outside the borough
    "OT1 2AB": (560_000.0, 190_000.0, "E06800001", None),
}


def postcodes_csv() -> str:
    rows = [f"{pc},{e:.0f},{n:.0f},{lad}" for pc, (e, n, lad, _) in POSTCODES.items()]
    return _csv("pcd,oseast1m,osnrth1m,laua", rows)


ASSETS_HEADER = "asset_id,name,category,postcode,easting,northing"
ASSET_ROWS = [
    "AS01,Tiny Library,Library,TB1 1AA,,",
    "AS02,St Mary's Hall,faith,,530500,180250",
    "AS03,Brook Youth Club,youth,tb1 1ab,,",
]
ASSET_WARD = {"AS01": "E05900001", "AS02": "E05900004", "AS03": "E05900002"}


def assets_csv() -> str:
    return _csv(ASSETS_HEADER, ASSET_ROWS)


ACTIVITIES_HEADER = "activity_id,title,kind,opened,closed,owner,outcome_published_on,scope"
ACTIVITY_ROWS = [
    "ACT1,Local Plan consultation,consultation,2026-01-01,2026-03-31,Planning,2026-05-01,borough",
    "ACT2,Parks survey,survey,01/02/2026,28/02/2026,Parks,,E05900001",
    "ACT3,Ward walk,event,2026-03-10,2026-03-10,Community,,E05900004",
]


def activities_csv() -> str:
    return _csv(ACTIVITIES_HEADER, ACTIVITY_ROWS)


RESPONSES_HEADER = ("response_id,respondent_id,activity_id,submitted_at,postcode,channel,"
                    "age_band,sex,ethnicity,disability")
RESPONSE_ROWS = [  # file lines 2 … 8
    "R0001,P001,ACT1,2026-01-05,TB1 1AA,online,25-34,Female,White British,No",
    "R0002,P002,ACT1,05/01/2026 14:30,tb1  1aa,Paper,65+,male,Indian,yes",
    "R0003,P003,ACT2,2026-02-03,,online,Prefer not to say,Prefer not to say,Prefer not to say,Prefer not to say",
    "R0004,P001,ACT2,2026-02-04T09:15:00,TB1 1AB,online,25-34,Female,White British,No",
    "R0005,P004,ACT3,2026-03-10,TB2 1AD,event,16-24,f,Black African,no",
    "R0006,P005,ACT3,2026-03-10,TB2 1AE,event,50-64,M,Other White,",
    "R0007,P006,ACT1,2026-02-01,TB9 9ZZ,email,35-49,Female,Chinese,No",
]
RESPONSE_WARD = {"R0001": "E05900001", "R0002": "E05900001", "R0003": None, "R0004": "E05900002",
                 "R0005": "E05900003", "R0006": "E05900004", "R0007": None}


def responses_csv(rows: list[str] | None = None, header: str = RESPONSES_HEADER) -> str:
    return _csv(header, RESPONSE_ROWS if rows is None else rows)


def replace_line(text: str, line: int, new: str) -> str:
    """Replace file line `line` (1 = header) of a CSV text, keeping its line endings."""
    newline = CRLF if CRLF in text else "\n"
    lines = text.split(newline)
    lines[line - 1] = new
    return newline.join(lines)


# -- what residents said (questions, answers, PB projects) ---------------------------------------
# A PB vote (ACT4, budget £10,000) and a petition (ACT5, debate threshold from the config) join the
# activities; four responses to them join the responses. `write_tiny_borough(dir, **ANSWER_FILES,
# config=ANSWER_CONFIG)` loads the lot.

ANSWER_ACTIVITIES_HEADER = ACTIVITIES_HEADER + ",budget,debate_threshold"
ANSWER_ACTIVITY_ROWS = [row + ",," for row in ACTIVITY_ROWS] + [
    "ACT4,Tiny PB,pb_vote,2026-04-01,2026-04-30,Community,,borough,10000,",
    "ACT5,Save the pond,petition,2026-04-01,,Parks,,borough,,",
]
ANSWER_RESPONSE_ROWS = RESPONSE_ROWS + [  # file lines 9 … 13
    "R0008,P001,ACT4,2026-04-02,TB1 1AA,online,25-34,Female,White British,No",
    "R0009,P002,ACT4,2026-04-03,TB1 1AA,online,65+,male,Indian,yes",
    "R0010,P004,ACT5,2026-04-05,TB2 1AD,online,16-24,f,Black African,no",
    "R0011,,ACT5,2026-04-06,TB9 9ZZ,online,,,,",
    "R0012,P002,ACT1,2026-02-10,TB1 1AB,online,65+,male,Indian,yes",  # P002 again, later, from Brook
]
QUESTIONS_HEADER = "question_id,activity_id,kind,text,options"
QUESTION_ROWS = [  # file lines 2 … 7
    "Q1,ACT1,single_choice,Do you support the plan?,Yes|No|Not sure",
    "Q2,ACT1,multiple_choice,Which matter most?,Housing | Transport | Green space",
    "Q3,ACT2,scale,How satisfied are you with the parks?,1|2|3|4|5",
    "Q4,ACT2,map_comment,Where should we improve the parks?,",
    "Q5,ACT4,pb_approval,Choose the projects you support,",
    "Q6,ACT1,Free_Text,Anything else?,",
]
PB_HEADER = "project_id,activity_id,title,cost,ward_code,easting,northing,latitude,longitude,category"
PB_ROWS = [  # file lines 2 … 4
    "PB1,ACT4,New benches,2000,E05900001,,,,,streets",
    "PB2,ACT4,Pond clean-up,5000.50,,530500,180500,,,parks",  # placed in Dale (E05900004) by its point
    "PB3,ACT4,Youth kit,4000,,,,51.508598853613414,-0.13537039529064496,youth",  # (529500, 180500): Church
]
PB_WARD = {"PB1": "E05900001", "PB2": "E05900004", "PB3": "E05900003"}
ANSWERS_HEADER = "response_id,question_id,value,easting,northing,latitude,longitude,public"
ANSWER_ROWS = [  # file lines 2 … 13
    "R0001,Q1,Yes,,,,,",
    "R0002,Q1,no,,,,,",  # stored in the option's own spelling, "No"
    "R0007,Q1,Not sure,,,,,",
    "R0001,Q2,Housing,,,,,",
    "R0001,Q2,Green space,,,,,",
    "R0003,Q3,5,,,,,",
    "R0004,Q4,\"Bins overflow by the gate, call 07700 900123\",529600,179600,,,Yes",
    "R0003,Q4,Needs more lights,,,51.498690593372494,-0.13433406571450435,no",  # (529600, 179400)
    "R0008,Q5,PB1,,,,,",
    "R0008,Q5,PB2,,,,,",
    "R0009,Q5,PB2,,,,,",
    "R0012,Q1,Yes,,,,,",  # P002's latest answer to Q1 (R0002 said No)
]
#: The FILES keys of the answers fixture: written only when a test passes answer_files(); not in the default config.
ANSWER_KEYS = ("questions", "answers", "pb_projects")
ANSWER_CONFIG = {"engagement": {"questions": "questions.csv", "answers": "answers.csv",
                                "pb_projects": "pb_projects.csv", "petition_debate_threshold": 50}}


def answer_files(questions: list[str] | None = None, answers: list[str] | None = None,
                 projects: list[str] | None = None) -> dict[str, str]:
    """The file texts of the answers fixture (activities and responses with the PB vote and the petition)."""
    return {"activities": _csv(ANSWER_ACTIVITIES_HEADER, ANSWER_ACTIVITY_ROWS),
            "responses": _csv(RESPONSES_HEADER, ANSWER_RESPONSE_ROWS),
            "questions": _csv(QUESTIONS_HEADER, QUESTION_ROWS if questions is None else questions),
            "answers": _csv(ANSWERS_HEADER, ANSWER_ROWS if answers is None else answers),
            "pb_projects": _csv(PB_HEADER, PB_ROWS if projects is None else projects)}


# -- config ----------------------------------------------------------------------------------
def default_config() -> dict:
    return {
        "council": {"name": COUNCIL, "lad_code": LAD_CODE},
        "wards": {"file": FILES["wards"], "source": "synthetic wards", "date": "2024-05"},
        "small_areas": {
            "oa": {"file": FILES["oa"], "source": "synthetic OAs", "date": "2011"},
            "lsoa": {"file": FILES["lsoa"], "source": "synthetic LSOAs", "date": "2011"},
        },
        "statistics": [
            {"dimension": "ethnicity", "file": FILES["ethnicity"], "level": "oa", "layout": "wide",
             "code_column": "OA", "categories": "census2011_ethnicity", "total_column": "Persons",
             "source": "synthetic census 2011", "date": "2011-03-27"},
            {"dimension": "age", "file": FILES["age"], "level": "lsoa", "layout": "long",
             "code_column": AGE_HEADER[0], "name_column": AGE_HEADER[1], "category_column": AGE_HEADER[2],
             "value_column": AGE_HEADER[3], "categories": "census2021_age6", "code_vintage": 2021,
             "source": "synthetic census 2021", "date": "2021-03-21"},
        ],
        "deprivation": {"imd": FILES["imd"], "domains": FILES["domains"], "denominators": FILES["denominators"]},
        "postcodes": {"file": FILES["postcodes"], "source": "synthetic ONSPD"},
        "assets": {"file": FILES["assets"], "source": "synthetic asset map", "date": "2026-01"},
        "engagement": {"activities": FILES["activities"], "responses": FILES["responses"],
                       "source": "synthetic portal export", "date": "2026-03-31"},
    }


def _merge(base: dict, changes: dict) -> dict:
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def _toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {v!r} as TOML")


def to_toml(data: dict, prefix: str = "") -> str:
    """A small TOML writer: scalars, inline lists, tables and arrays of tables."""
    def is_table_array(v: object) -> bool:
        return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)

    lines = [f"{_key(k)} = {_toml_value(v)}" for k, v in data.items()
             if not isinstance(v, dict) and not is_table_array(v)]
    chunks = ["\n".join(lines)] if lines else []
    for k, v in data.items():
        name = f"{prefix}{_key(k)}"
        if isinstance(v, dict):
            scalars = {kk: vv for kk, vv in v.items() if not isinstance(vv, dict) and not is_table_array(vv)}
            if scalars or not v:
                chunks.append(f"[{name}]\n" + to_toml(scalars))
            nested = {kk: vv for kk, vv in v.items() if kk not in scalars}
            if nested:
                chunks.append(to_toml(nested, prefix=f"{name}."))
        elif is_table_array(v):
            chunks += [f"[[{name}]]\n" + to_toml(item) for item in v]
    return "\n\n".join(c for c in chunks if c) + "\n"


Content = str | bytes | Callable[[str], str | bytes] | None

DEFAULTS: dict[str, Callable[[], str]] = {
    "wards": lambda: geojson_text(wards_gdf()),
    "oa": lambda: geojson_text(oa_gdf()),
    "lsoa": lambda: geojson_text(lsoa_gdf()),
    "ethnicity": ethnicity_csv,
    "age": age_csv,
    "imd": imd_csv,
    "domains": domains_csv,
    "denominators": denominators_csv,
    "postcodes": postcodes_csv,
    "assets": assets_csv,
    "activities": activities_csv,
    "responses": responses_csv,
    "questions": lambda: None,  # written only when a test asks (answer_files); not in the default config
    "answers": lambda: None,
    "pb_projects": lambda: None,
}


def write_tiny_borough(dir: Path, **overrides: object) -> Path:
    """Write Tinyborough's input files and config into `dir`; return the config path.

    overrides: a file key of FILES → new content (str/bytes), a callable(default text) → content, or
    None to leave the file out; config={...} deep-merged into the config (None deletes);
    extra_toml="..." appended to the config; config_name="..." the config's file name.
    """
    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    config_changes = overrides.pop("config", None) or {}
    extra_toml = overrides.pop("extra_toml", "")
    config_name = overrides.pop("config_name", "tinyborough.toml")
    unknown = set(overrides) - set(FILES)
    if unknown:
        raise TypeError(f"unknown override(s) {sorted(unknown)}; files are {sorted(FILES)}")
    for key, name in FILES.items():
        if key in overrides:
            content = overrides[key]
            if callable(content):
                content = content(DEFAULTS[key]())
        else:
            content = DEFAULTS[key]()
        if content is None:
            (dir / name).unlink(missing_ok=True)
            continue
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (dir / name).write_bytes(data)
    config = _merge(default_config(), config_changes)
    path = dir / config_name
    path.write_text(to_toml(config) + ("\n" + extra_toml + "\n" if extra_toml else ""), encoding="utf-8")
    return path


def run(config: Path, db: Path):
    """Build the database for a config quietly (the ETL's own progress lines are not needed in tests)."""
    from etl.build import build
    from etl.config import load_config

    return build(load_config(config), db, say=lambda _message: None)


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Run one query on a built database, read-only."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def sha256(path: Path) -> str:
    """The file's checksum: a refused load must leave the published database byte-identical."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
