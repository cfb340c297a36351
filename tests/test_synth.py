"""Tests for the demo package, the synthetic "Demoborough" generator.

The generated files stand in for real ONS/MHCLG downloads, so these tests check the
things a real pipeline relies on: exact headers and quoting, nesting of geographies,
consistent totals, and that the only demographic bias in the responses is the one
that was planted (and reported in truth.json).
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import demo  # noqa: E402
from demo import assets as demo_assets  # noqa: E402
from demo import geography, planting  # noqa: E402
from etl.mappings import map_answer  # noqa: E402
from vocabulary import CENSUS_AGE6, CENSUS_DISABILITY, CENSUS_ETHNICITY_2011, CENSUS_SEX, NOT_STATED  # noqa: E402

SEED = 4242
N_WARDS = 12
N_RESPONSES = 3000

HEADERS = {
    "ethnicity_oa.csv": "OA,Persons,WhiteBrit,Irish,OtherWhite,Mixed,Indian,Pakistani,Bangladeshi,"
    "Chinese,OtherAsian,BlkAfrican,BlkCaribbean,OtherBlk,Arab,Other,LSOA,MSOA,LAD,RGN",
    "age_lsoa.csv": "Lower layer Super Output Areas Code,Lower layer Super Output Areas,"
    "Age (6 categories),Observation",
    "sex_lsoa.csv": "Lower layer Super Output Areas Code,Lower layer Super Output Areas,"
    "Sex (2 categories),Observation",
    "disability_lsoa.csv": "Lower layer Super Output Areas Code,Lower layer Super Output Areas,"
    "Disability (2 categories),Observation",
    "imd_file1.csv": "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile",
    "imd_file2.csv": "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),"
    "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),"
    "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
    "Income Rank (where 1 is most deprived),"
    "Income Decile (where 1 is most deprived 10% of LSOAs),"
    "Employment Rank (where 1 is most deprived),"
    "Employment Decile (where 1 is most deprived 10% of LSOAs),"
    '"Education, Skills and Training Rank (where 1 is most deprived)",'
    '"Education, Skills and Training Decile (where 1 is most deprived 10% of LSOAs)",'
    "Health Deprivation and Disability Rank (where 1 is most deprived),"
    "Health Deprivation and Disability Decile (where 1 is most deprived 10% of LSOAs),"
    "Crime Rank (where 1 is most deprived),"
    "Crime Decile (where 1 is most deprived 10% of LSOAs),"
    "Barriers to Housing and Services Rank (where 1 is most deprived),"
    "Barriers to Housing and Services Decile (where 1 is most deprived 10% of LSOAs),"
    "Living Environment Rank (where 1 is most deprived),"
    "Living Environment Decile (where 1 is most deprived 10% of LSOAs)",
    "imd_file6.csv": "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Total population: mid 2015 (excluding prisoners),"
    "Dependent Children aged 0-15: mid 2015 (excluding prisoners),"
    "Population aged 16-59: mid 2015 (excluding prisoners),"
    "Older population aged 60 and over: mid 2015 (excluding prisoners),"
    "Working age population 18-59/64: for use with Employment Deprivation Domain "
    "(excluding prisoners)",
    "activities.csv": "activity_id,title,kind,opened,closed,owner,outcome_published_on,scope,budget,debate_threshold",
    "responses.csv": "response_id,respondent_id,activity_id,submitted_at,postcode,age_band,sex,"
    "ethnicity,disability,channel",
    "assets.csv": "ID,Organisation name,Type,Address,Postcode,Easting,Northing,Opening hours,Contact,Last verified,"
    "Source",
}
BOM = b"\xef\xbb\xbf"
LSOA_CODE = "Lower layer Super Output Areas Code"


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demoborough")
    config = demo.write_demo_borough(out, seed=SEED, n_wards=N_WARDS, n_responses=N_RESPONSES)
    assert config == out / "demo.toml"
    return out


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, encoding="utf-8-sig")


def _bng(path: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(path).to_crs(27700)


def _ward_population(borough: Path) -> pd.DataFrame:
    """Ward population (long) from the published-layout files, as the ETL would build it."""
    pcs = pd.read_csv(borough / "postcodes.csv")
    lsoa_ward = pcs.drop_duplicates("lsoa11").set_index("lsoa11")["ward"]
    oa_ward = pcs.drop_duplicates("oa11").set_index("oa11")["ward"]
    parts = []
    for dim, file, column, labels in [
        ("age", "age_lsoa.csv", "Age (6 categories)", CENSUS_AGE6),
        ("sex", "sex_lsoa.csv", "Sex (2 categories)", CENSUS_SEX),
        ("disability", "disability_lsoa.csv", "Disability (2 categories)", CENSUS_DISABILITY),
    ]:
        t = pd.read_csv(borough / file)
        parts.append(pd.DataFrame({"ward_code": t[LSOA_CODE].map(lsoa_ward), "dimension": dim,
                                   "category": t[column].map(labels), "persons": t["Observation"]}))
    eth = pd.read_csv(borough / "ethnicity_oa.csv")
    long = eth.assign(ward_code=eth["OA"].map(oa_ward)).melt(
        id_vars="ward_code", value_vars=list(CENSUS_ETHNICITY_2011), var_name="col", value_name="persons")
    parts.append(pd.DataFrame({"ward_code": long["ward_code"], "dimension": "ethnicity",
                               "category": long["col"].map(CENSUS_ETHNICITY_2011),
                               "persons": long["persons"]}))
    return (pd.concat(parts).groupby(["ward_code", "dimension", "category"])["persons"]
            .sum().reset_index())


def _respondents(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent: each identified person once, each anonymous response once."""
    anonymous = responses[responses["respondent_id"] == ""]
    named = responses[responses["respondent_id"] != ""].drop_duplicates("respondent_id")
    people = pd.concat([anonymous, named])
    for dim, column in [("age", "age_band"), ("sex", "sex"), ("ethnicity", "ethnicity"),
                        ("disability", "disability")]:
        people[dim] = people[column].map(lambda a, d=dim: map_answer(d, a))
    return people


def _share(people: pd.DataFrame, dimension: str, category: str) -> float:
    stated = people[people[dimension] != NOT_STATED]
    return float((stated[dimension] == category).mean())


def _pop_share(pop: pd.DataFrame, dimension: str, category: str, ward: str | None = None) -> float:
    sub = pop[pop["dimension"] == dimension]
    if ward is not None:
        sub = sub[sub["ward_code"] == ward]
    return float(sub.loc[sub["category"] == category, "persons"].sum() / sub["persons"].sum())


# ---------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes_and_other_seed_differs(borough: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    demo.write_demo_borough(again, seed=SEED, n_wards=N_WARDS, n_responses=N_RESPONSES)
    files = sorted(p.name for p in borough.iterdir())
    assert files == sorted(p.name for p in again.iterdir())
    for name in files:
        assert (borough / name).read_bytes() == (again / name).read_bytes(), name

    other = tmp_path / "other"
    demo.write_demo_borough(other, seed=SEED + 1, n_wards=N_WARDS, n_responses=N_RESPONSES)
    for name in ["wards.geojson", "oa.geojson", "ethnicity_oa.csv", "imd_file1.csv",
                 "postcodes.csv", "responses.csv", "activities.csv", "assets.csv"]:
        assert (borough / name).read_bytes() != (other / name).read_bytes(), name


def test_write_engagement_is_deterministic(borough: Path, tmp_path: Path) -> None:
    pcs = pd.read_csv(borough / "postcodes.csv")
    postcodes = pd.DataFrame({"postcode": pcs["pcds"], "ward_code": pcs["ward"]})
    pop = _ward_population(borough)
    t1 = demo.write_engagement(tmp_path / "a", postcodes, pop, seed=9, n_responses=2000)
    t2 = demo.write_engagement(tmp_path / "b", postcodes, pop, seed=9, n_responses=2000)
    assert t1 == t2
    for name in ["activities.csv", "responses.csv", "truth.json", "questions.csv", "answers.csv", "pb_projects.csv"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_what_residents_said_draws_from_streams_of_its_own(borough: Path, tmp_path: Path, monkeypatch) -> None:
    """Without the answers (demo.answers stubbed out) responses.csv is byte-identical and activities.csv differs
    only by its budget and debate_threshold columns: the new draws shift none of the existing ones."""
    import demo.engagement

    pcs = pd.read_csv(borough / "postcodes.csv")
    postcodes = pd.DataFrame({"postcode": pcs["pcds"], "ward_code": pcs["ward"], "easting": pcs["oseast1m"],
                              "northing": pcs["osnrth1m"]})
    pop = _ward_population(borough)
    demo.write_engagement(tmp_path / "with", postcodes, pop, seed=9, n_responses=2000)
    monkeypatch.setattr(demo.engagement, "write_answers", lambda *args, **kwargs: {})
    monkeypatch.setattr(demo.engagement, "add_activity_terms", lambda activities, *args: activities)
    demo.write_engagement(tmp_path / "without", postcodes, pop, seed=9, n_responses=2000)
    assert (tmp_path / "with" / "responses.csv").read_bytes() == (tmp_path / "without" / "responses.csv").read_bytes()
    with_terms = _read(tmp_path / "with" / "activities.csv").drop(columns=["budget", "debate_threshold"])
    assert with_terms.equals(_read(tmp_path / "without" / "activities.csv"))
    assert not (tmp_path / "without" / "answers.csv").exists() and (tmp_path / "with" / "answers.csv").exists()


# ---------------------------------------------------------------------------- formats


def test_every_csv_has_exactly_the_published_header(borough: Path) -> None:
    for name, header in HEADERS.items():
        first = (borough / name).read_bytes().split(b"\n", 1)[0]
        assert first.removeprefix(BOM).removesuffix(b"\r").decode("utf-8") == header, name
    pcd_header = (borough / "postcodes.csv").read_text().split("\n", 1)[0].replace('"', "").split(",")
    assert {"pcd", "oseast1m", "osnrth1m", "laua", "doterm"} <= set(pcd_header)


def test_deprivation_files_match_the_mhclg_layout(borough: Path) -> None:
    for name in ["imd_file1.csv", "imd_file2.csv", "imd_file6.csv"]:
        raw = (borough / name).read_bytes()
        assert raw.startswith(BOM), name
        assert raw.count(b"\r\n") == raw.count(b"\n"), f"{name}: Excel-made CSVs end lines with CRLF"
    text1 = (borough / "imd_file1.csv").read_bytes().decode("utf-8-sig")
    assert re.search(r',"\d{1,2},\d{3}",\d+\r\n', text1), "File 1 ranks need quoted thousands separators"
    assert re.search(r'"\d,\d{3}"', (borough / "imd_file6.csv").read_text(encoding="utf-8-sig"))
    body2 = (borough / "imd_file2.csv").read_text(encoding="utf-8-sig").split("\n", 1)[1]
    assert '"' not in body2 and re.search(r",\d{5},", body2), "File 2 has plain integers"

    f1 = pd.read_csv(borough / "imd_file1.csv", encoding="utf-8-sig", thousands=",")
    f2 = pd.read_csv(borough / "imd_file2.csv", encoding="utf-8-sig")
    rank, decile = f1.iloc[:, 4], f1.iloc[:, 5]
    assert rank.between(1, 32844).all() and rank.is_unique
    assert (decile == np.clip(np.ceil(rank / 3284.4), 1, 10)).all()
    assert (f2.iloc[:, 4] == rank).all()
    assert 0.1 <= (decile <= 2).mean() <= 0.3
    assert (f1.iloc[:, 2] == "E06999999").all()
    # Domains are correlated with the IMD, income strongly.
    assert np.corrcoef(f2.iloc[:, 4], f2.iloc[:, 6])[0, 1] > 0.7
    f6 = pd.read_csv(borough / "imd_file6.csv", encoding="utf-8-sig", thousands=",")
    assert (f6.iloc[:, 4] == f6.iloc[:, 5] + f6.iloc[:, 6] + f6.iloc[:, 7]).all()


def test_ethnicity_file_looks_like_the_mlid_table(borough: Path) -> None:
    lines = (borough / "ethnicity_oa.csv").read_text().split("\n")
    mixed = [row.split(",")[5] for row in lines[1:] if row]
    assert all(re.fullmatch(r"\d+\.0", m) for m in mixed)
    eth = pd.read_csv(borough / "ethnicity_oa.csv")
    assert (eth[list(CENSUS_ETHNICITY_2011)].sum(axis=1) == eth["Persons"]).all()
    assert (eth["RGN"] == "West Midlands").all() and eth["LAD"].nunique() == 1
    assert eth["OA"].str.fullmatch(r"E009\d{5}").all() and eth["LSOA"].str.fullmatch(r"E019\d{5}").all()
    assert eth["Persons"].between(250, 400).all()
    assert 160_000 <= eth["Persons"].sum() <= 200_000


def test_boundaries_have_ons_properties_in_crs84(borough: Path) -> None:
    wards = gpd.read_file(borough / "wards.geojson")
    oa = gpd.read_file(borough / "oa.geojson")
    lsoa = gpd.read_file(borough / "lsoa.geojson")
    assert wards.crs.to_epsg() == 4326 and oa.crs.to_epsg() == 4326
    assert '"urn:ogc:def:crs:OGC:1.3:CRS84"' in (borough / "wards.geojson").read_text()
    assert set(wards.columns) == {"WD24CD", "WD24NM", "LAD24CD", "geometry"}
    assert set(oa.columns) == {"OA11CD", "LAD11CD", "geometry"}
    assert set(lsoa.columns) == {"LSOA11CD", "LSOA11NM", "geometry"}
    assert len(wards) == N_WARDS and wards["WD24NM"].is_unique
    assert wards["WD24CD"].str.fullmatch(r"E059\d{5}").all() and (wards["LAD24CD"] == "E06999999").all()
    assert oa["OA11CD"].str.fullmatch(r"E009\d{5}").all() and 550 <= len(oa) <= 650
    assert lsoa["LSOA11NM"].str.fullmatch(r"Demoborough \d{3}[A-Z]").all() and lsoa["LSOA11NM"].is_unique
    assert 100 <= len(lsoa) <= 140
    minx, miny, maxx, maxy = wards.to_crs(27700).total_bounds
    assert 10_000 <= maxx - minx <= 14_000 and 7_000 <= maxy - miny <= 11_000
    assert abs((minx + maxx) / 2 - 452_000) < 2_000 and abs((miny + maxy) / 2 - 288_000) < 2_000


# ---------------------------------------------------------------------------- geography


def test_wards_cover_the_outline_without_overlaps(borough: Path) -> None:
    wards = _bng(borough / "wards.geojson")
    outline = geography._borough_outline(SEED)
    geoms = wards.geometry.to_numpy()
    assert all(g.geom_type == "Polygon" for g in geoms), "every ward is one contiguous piece"
    union = shapely.union_all(geoms)
    # Only the ~1 cm rounding of the published coordinates may differ.
    assert union.symmetric_difference(outline).area < 1e-5 * outline.area
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    overlaps = shapely.area(shapely.intersection(geoms[i[keep]], geoms[j[keep]]))
    assert overlaps.max() < 1.0


def test_postcodes_lie_in_their_oa_and_oas_nest_in_wards_and_lsoas(borough: Path) -> None:
    oa = _bng(borough / "oa.geojson").set_index("OA11CD")
    wards = _bng(borough / "wards.geojson").set_index("WD24CD")
    lsoa = _bng(borough / "lsoa.geojson").set_index("LSOA11CD")
    pcs = pd.read_csv(borough / "postcodes.csv", keep_default_na=False)

    assert pcs["pcd"].str.len().eq(7).all() and pcs["pcd"].is_unique
    assert pcs["pcd"].str.fullmatch(r"DM\d[\d ]\d[ABDEFGHJLNPQRSTUWXYZ]{2}").all()
    assert pcs["pcds"].str.fullmatch(r"DM\d{1,2} \d[A-Z]{2}").all()
    assert (pcs["doterm"] == "").all() and (pcs["laua"] == "E06999999").all()
    assert pcs["oseast1m"].dtype.kind == "i" and pcs["osnrth1m"].dtype.kind == "i"
    assert pcs.groupby("oa11").size().between(12, 20).all()

    inside = shapely.contains_xy(oa.loc[pcs["oa11"]].geometry.to_numpy(), pcs["oseast1m"], pcs["osnrth1m"])
    assert inside.all()
    inside_ward = shapely.contains_xy(wards.loc[pcs["ward"]].geometry.to_numpy(),
                                      pcs["oseast1m"], pcs["osnrth1m"])
    assert inside_ward.all()

    oa_ward = pcs.drop_duplicates("oa11").set_index("oa11")
    oa_geoms = oa.loc[oa_ward.index].geometry.to_numpy()
    outside_ward = shapely.area(shapely.difference(oa_geoms, wards.loc[oa_ward["ward"]].geometry.to_numpy()))
    outside_lsoa = shapely.area(shapely.difference(oa_geoms, lsoa.loc[oa_ward["lsoa11"]].geometry.to_numpy()))
    assert outside_ward.max() < 1.0 and outside_lsoa.max() < 1.0
    # LSOAs nest in wards.
    assert (pcs.groupby("lsoa11")["ward"].nunique() == 1).all()


def test_census_totals_agree_across_tables(borough: Path) -> None:
    eth = pd.read_csv(borough / "ethnicity_oa.csv")
    totals = {"ethnicity": eth.groupby("LSOA")["Persons"].sum()}
    for dim, column, labels in [("age", "Age (6 categories)", CENSUS_AGE6),
                                ("sex", "Sex (2 categories)", CENSUS_SEX),
                                ("disability", "Disability (2 categories)", CENSUS_DISABILITY)]:
        t = pd.read_csv(borough / f"{dim}_lsoa.csv")
        assert set(t[column]) == set(labels)
        assert (t.groupby(LSOA_CODE).size() == len(labels)).all()
        totals[dim] = t.groupby(LSOA_CODE)["Observation"].sum()
    base = totals["age"].sort_index()
    for dim, series in totals.items():
        assert series.sort_index().equals(base), dim
    sex = pd.read_csv(borough / "sex_lsoa.csv")
    female = sex.loc[sex["Sex (2 categories)"] == "Female", "Observation"].sum() / sex["Observation"].sum()
    assert 0.48 < female < 0.54


def test_assets(borough: Path) -> None:
    assets = _read(borough / "assets.csv")
    pcs = pd.read_csv(borough / "postcodes.csv")
    assert 130 <= len(assets) <= 170 and assets["ID"].is_unique and assets["Organisation name"].is_unique
    mapped = tomllib.loads((borough / "demo.toml").read_text())["assets"]["categories"]
    standard = {"voluntary", "faith", "community", "sport", "youth", "library", "health", "other"}
    label_words = {"health and wellbeing": "health"}  # a standard label, which needs no mapping
    categories = assets["Type"].map(lambda t: mapped.get(t) or label_words.get(t.lower()) or t.lower())
    assert set(categories) == standard
    assert (assets["Type"] != categories).mean() > 0.5  # mostly the council's own wordings, mapped by the config
    gridded = assets["Easting"] != ""
    assert 0.1 <= gridded.mean() <= 0.3
    assert (assets.loc[gridded, "Postcode"] == "").all()
    assert (assets.loc[gridded, ["Easting", "Northing"]] != "").all().all()
    assert assets.loc[~gridded, "Postcode"].isin(pcs["pcds"]).all()
    verified = pd.to_datetime(assets["Last verified"], format="%d/%m/%Y", errors="coerce")
    stale = verified < pd.Timestamp(demo_assets.REGISTER_DATE) - pd.Timedelta(days=365)
    assert 0.1 <= stale.mean() <= 0.35 and 0 < verified.isna().sum() < 0.1 * len(assets)
    assert assets["Source"].nunique() >= 3
    for column in ("Address", "Opening hours", "Contact"):
        assert (assets[column] != "").mean() > 0.5, column


def test_demo_toml_parses_and_points_at_existing_files(borough: Path) -> None:
    config = tomllib.loads((borough / "demo.toml").read_text())
    assert config["council"] == {"name": "Demoborough (synthetic)", "lad_code": "E06999999",
                                 "synthetic": True}
    files = [config["wards"]["file"], config["small_areas"]["oa"]["file"],
             config["small_areas"]["lsoa"]["file"], config["postcodes"]["file"],
             config["assets"]["file"], config["engagement"]["activities"],
             config["engagement"]["responses"], config["deprivation"]["imd"],
             config["deprivation"]["domains"], config["deprivation"]["denominators"]]
    files += [s["file"] for s in config["statistics"]]
    for f in files:
        assert (borough / f).is_file(), f
    stats = {s["dimension"]: s for s in config["statistics"]}
    assert set(stats) == {"ethnicity", "age", "sex", "disability"}
    assert stats["ethnicity"]["layout"] == "wide" and stats["ethnicity"]["total_column"] == "Persons"
    assert stats["age"]["category_column"] == "Age (6 categories)"
    assert stats["disability"]["categories"] == "census2021_disability"
    for dim in ["age", "sex", "disability"]:
        s = stats[dim]
        assert s["level"] == "lsoa" and s["layout"] == "long" and s["value_column"] == "Observation"
        assert s["code_column"] == LSOA_CODE and str(s["date"]) == "2021-03-21"
        header = (borough / s["file"]).read_text().split("\n", 1)[0].split(",")
        assert s["category_column"] in header and s["name_column"] in header


# ---------------------------------------------------------------------------- engagement


def test_activities_and_responses_are_well_formed(borough: Path) -> None:
    acts = _read(borough / "activities.csv")
    resp = _read(borough / "responses.csv")
    pcs = pd.read_csv(borough / "postcodes.csv")
    start, end = pd.Timestamp("2025-10-01"), pd.Timestamp("2026-09-30")

    assert 50 <= len(acts) <= 70 and acts["activity_id"].is_unique and acts["title"].is_unique
    assert set(acts["kind"]) <= {"consultation", "survey", "quick_poll", "petition", "pb_vote",
                                 "ideas", "event"}
    opened, closed = pd.to_datetime(acts["opened"]), pd.to_datetime(acts["closed"])
    assert (opened >= start).all() and (closed <= end).all() and (closed >= opened).all()
    published = acts["outcome_published_on"] != ""
    assert 0.25 <= 1 - published.mean() <= 0.6
    delay = (pd.to_datetime(acts.loc[published, "outcome_published_on"]) - closed[published]).dt.days
    assert delay.between(14, 112).all()
    assert (pd.to_datetime(acts.loc[published, "outcome_published_on"]) <= end).all()
    assert set(acts["scope"]) - {"borough"} <= set(pcs["ward"])

    assert len(resp) == N_RESPONSES and resp["response_id"].is_unique
    assert resp["response_id"].str.fullmatch(r"R\d{7}").all()
    window = resp.merge(acts, on="activity_id", validate="many_to_one")
    submitted = pd.to_datetime(window["submitted_at"], format="%Y-%m-%dT%H:%M:%S")
    assert (submitted >= pd.to_datetime(window["opened"])).all()
    assert (submitted < pd.to_datetime(window["closed"]) + pd.Timedelta(days=1)).all()
    assert resp["postcode"].isin(pcs["pcds"]).all()

    named = resp[resp["respondent_id"] != ""]
    assert 0.2 <= 1 - len(named) / len(resp) <= 0.3
    assert named["respondent_id"].nunique() < 0.6 * len(named)
    assert (named.groupby("respondent_id")["postcode"].nunique() == 1).all()
    assert 0.6 <= (resp["channel"] == "online").mean() <= 0.8
    assert set(resp["channel"]) == {"online", "paper", "event", "email", "phone"}

    for dim, column in [("age", "age_band"), ("sex", "sex"), ("ethnicity", "ethnicity"),
                        ("disability", "disability")]:
        mapped = resp[column].map(lambda a, d=dim: map_answer(d, a))
        assert mapped.notna().all(), f"{column} has answers map_answer does not know"
        assert 0.04 <= (mapped == NOT_STATED).mean() <= 0.10
        # Answers given are the same person's across their responses.
        stated = named.assign(m=mapped[named.index])
        stated = stated[stated["m"] != NOT_STATED]
        assert (stated.groupby("respondent_id")["m"].nunique() == 1).all()


def test_responses_follow_ward_population_times_reach(borough: Path) -> None:
    truth = json.loads((borough / "truth.json").read_text())
    pop = _ward_population(borough)
    ward_pop = pop[pop["dimension"] == "age"].groupby("ward_code")["persons"].sum()
    expected = ward_pop * pd.Series(truth["ward_reach"])
    expected = expected / expected.sum()
    pcs = pd.read_csv(borough / "postcodes.csv").set_index("pcds")
    resp = _read(borough / "responses.csv")
    observed = resp["postcode"].map(pcs["ward"]).value_counts(normalize=True)
    assert np.corrcoef(observed.reindex(expected.index).fillna(0), expected)[0, 1] > 0.9
    assert all(0.6 <= r <= 1.4 for r in truth["ward_reach"].values())


def test_default_plants_are_detectable_groups(borough: Path) -> None:
    """Plants go only where the group is ≥ 8% of the ward and keeps ~VISIBLE_PLANT respondents, so its count
    is published. This borough's 3,000 responses are too few for that; at the demo's 24,000 about six qualify."""
    truth = json.loads((borough / "truth.json").read_text())
    assert truth["seed"] == SEED and truth["n_responses"] == N_RESPONSES
    pop = _ward_population(borough)
    residents = pop[pop["dimension"] == "age"].groupby("ward_code")["persons"].sum()
    shares = {d: (sub.pivot_table(index="ward_code", columns="category", values="persons", aggfunc="sum")
                  .pipe(lambda t: t.div(t.sum(axis=1), axis=0)))
              for d, sub in pop.groupby("dimension")}

    def people(n_responses: int) -> pd.Series:
        return residents / residents.sum() * n_responses * planting._PEOPLE_PER_RESPONSE

    def check(planted: list[dict], n_responses: int) -> None:
        for p in planted:
            share = _pop_share(pop, p["dimension"], p["category"], p["ward_code"])
            assert 0 < p["factor"] < 0.5 and share >= 0.08
            assert people(n_responses)[p["ward_code"]] * share * p["factor"] >= demo.VISIBLE_PLANT

    check(truth["planted"], N_RESPONSES)
    assert len(truth["planted"]) < 4  # 3,000 responses over 12 wards: few or no plants could be seen
    demo_size = planting._default_planted(shares, np.random.default_rng(SEED), people(24_000))
    check(demo_size, 24_000)
    assert 4 <= len(demo_size) <= 7
    assert sum(p["category"] == "16-24" for p in demo_size) >= 3
    assert any(p["dimension"] == "ethnicity" for p in demo_size)


def test_planted_groups_are_under_represented_and_others_are_not(borough: Path, tmp_path: Path) -> None:
    """A large sample (200,000 responses; also the speed check) against the planted truth."""
    pcs = pd.read_csv(borough / "postcodes.csv")
    postcodes = pd.DataFrame({"postcode": pcs["pcds"], "ward_code": pcs["ward"]})
    pop = _ward_population(borough)
    age_share = (pop[pop["dimension"] == "age"].pivot(index="ward_code", columns="category",
                                                      values="persons"))
    age_share = age_share.div(age_share.sum(axis=1), axis=0)
    young_wards = age_share["16-24"].sort_values(ascending=False).index[:2]
    eth_share = pop[(pop["dimension"] == "ethnicity") & (pop["category"] == "Black African")]
    eth_share = eth_share.set_index("ward_code")["persons"] / pop[pop["dimension"] == "ethnicity"].groupby(
        "ward_code")["persons"].sum()
    african_ward = eth_share.idxmax()
    assert eth_share.max() >= 0.08
    planted = [
        {"ward_code": young_wards[0], "dimension": "age", "category": "16-24", "factor": 0.25},
        {"ward_code": young_wards[1], "dimension": "age", "category": "16-24", "factor": 0.4},
        {"ward_code": african_ward, "dimension": "ethnicity", "category": "Black African", "factor": 0.3},
    ]
    truth = demo.write_engagement(tmp_path, postcodes, pop, seed=11, n_responses=200_000,
                                   planted=planted)
    assert truth["planted"] == planted and truth["n_responses"] == 200_000
    assert json.loads((tmp_path / "truth.json").read_text()) == truth

    resp = _read(tmp_path / "responses.csv")
    assert len(resp) == 200_000
    people = _respondents(resp)
    people["ward"] = people["postcode"].map(pcs.set_index("pcds")["ward"])
    for p in planted:
        here = people[people["ward"] == p["ward_code"]]
        ratio = _share(here, p["dimension"], p["category"]) / _pop_share(
            pop, p["dimension"], p["category"], p["ward_code"])
        assert ratio < 0.6, (p, ratio)
    # Unplanted groups: in proportion, borough-wide and inside a planted ward.
    for dim, cat in [("age", "35-49"), ("age", "65+"), ("ethnicity", "White British"),
                     ("ethnicity", "Pakistani"), ("sex", "Female"), ("disability", "Disabled")]:
        ratio = _share(people, dim, cat) / _pop_share(pop, dim, cat)
        assert 0.75 <= ratio <= 1.25, (dim, cat, ratio)
    here = people[people["ward"] == young_wards[0]]
    ratio = _share(here, "age", "65+") / _pop_share(pop, "age", "65+", young_wards[0])
    assert 0.75 <= ratio <= 1.25
    # Black African residents outside the planted ward respond in proportion.
    others = people[people["ward"] != african_ward]
    pop_others = pop[pop["ward_code"] != african_ward]
    ratio = _share(others, "ethnicity", "Black African") / _pop_share(pop_others, "ethnicity", "Black African")
    assert 0.75 <= ratio <= 1.25


def test_engagement_without_sex_or_disability_tables_uses_borough_rates(borough: Path, tmp_path: Path) -> None:
    pcs = pd.read_csv(borough / "postcodes.csv")
    postcodes = pd.DataFrame({"postcode": pcs["pcds"], "ward_code": pcs["ward"]})
    pop = _ward_population(borough)
    pop = pop[pop["dimension"].isin(["age", "ethnicity"])]
    demo.write_engagement(tmp_path, postcodes, pop, seed=3, n_responses=20_000, planted=[])
    people = _respondents(_read(tmp_path / "responses.csv"))
    assert abs(_share(people, "sex", "Female") - 0.51) < 0.03
    assert abs(_share(people, "disability", "Disabled") - 0.17) < 0.03


def test_write_engagement_rejects_impossible_plants(borough: Path, tmp_path: Path) -> None:
    pcs = pd.read_csv(borough / "postcodes.csv")
    postcodes = pd.DataFrame({"postcode": pcs["pcds"], "ward_code": pcs["ward"]})
    pop = _ward_population(borough)
    bad = [{"ward_code": "E05999999", "dimension": "age", "category": "16-24", "factor": 0.3}]
    with pytest.raises(ValueError):
        demo.write_engagement(tmp_path, postcodes, pop, seed=1, n_responses=10, planted=bad)
