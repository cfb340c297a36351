"""Assets: the council's community asset register, placed in wards by grid reference or, failing that, postcode.

A register as councils keep it: an id, name, category, address, postcode and/or grid reference (easting and
northing, or an OS grid reference such as "SK 52000 88000"), opening hours or session times, contact, when the
entry was last verified and where it comes from. Common header wordings are read onto these names ("Organisation
name", "Last verified", "Grid ref", …: `HEADERS`); the council's own categories are mapped onto the standard set
by the config's `[assets] categories`, and a category no mapping knows stops the load with every unknown wording
listed once and the TOML that would map it. A postcode the directory does not know is a rejected row (or stops
the load beyond max_rejected_rows); assets outside the borough are kept, with no ward.

Register upkeep (`record_changes`, run when the load is finished): the register is compared with the published
one by asset_id, and every asset added, changed or removed is a row of asset_changes, carried from load to load
like the load history.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd

from etl.apportion import place_points
from etl.checks import ASSETS, RowProblem, parse_dates, validate
from etl.errors import InputError
from etl.grid import parse_grid_reference
from etl.postcodes import normalise, terminated_note
from etl.readers import BNG, line_of
from etl.stages.context import LoadContext, accept, insert
from vocabulary import ASSET_CATEGORIES, ASSET_CATEGORY_LABELS, ASSET_STALE_AFTER_DAYS, duck
from vocabulary.schema import column_names

#: A register's header wordings of each column (compared in lower case, punctuation and spacing ignored).
HEADERS: dict[str, tuple[str, ...]] = {
    "asset_id": ("asset id", "id", "asset ref", "asset reference", "reference", "ref", "record id",
                 "organisation id", "organization id", "group id", "uid"),
    "name": ("name", "organisation name", "organization name", "organisation", "organization", "group name",
             "asset name", "venue name", "venue"),
    "category": ("category", "type", "asset type", "organisation type", "organization type", "group type",
                 "asset category"),
    "address": ("address", "full address", "street address", "address line 1", "address line 2", "address line 3",
                "address 1", "address 2", "address 3", "street", "town", "locality"),
    "postcode": ("postcode", "post code", "postal code", "pcd", "pcds"),
    "easting": ("easting", "x", "os easting", "grid easting"),
    "northing": ("northing", "y", "os northing", "grid northing"),
    "grid_reference": ("grid reference", "grid ref", "os grid reference", "os grid ref", "ngr",
                       "national grid reference"),
    "hours": ("hours", "opening hours", "opening times", "session times", "sessions", "meeting times", "when open"),
    "contact": ("contact", "contact details", "contact name", "email", "email address", "e mail", "phone",
                "telephone", "phone number", "telephone number"),
    "last_verified": ("last verified", "date verified", "verified", "verified on", "last checked", "date checked",
                      "date last verified", "last reviewed", "reviewed", "last updated"),
    "source": ("source", "data source", "register", "listed by", "source of entry"),
}
#: Columns a register may split over several headers (address lines, phone and email), joined in file order.
JOINED = {"address": ", ", "contact": "; "}
#: The columns compared from one register version to the next (ward_code follows from the place).
COMPARED = ("name", "category", "address", "postcode", "easting", "northing", "hours", "contact", "last_verified",
            "source")
#: Words that suggest a standard category in the help for an unknown wording (a guess to check, never applied).
_HINTS = {"faith": ("church", "chapel", "mosque", "masjid", "temple", "gurdwara", "synagogue", "mandir", "parish",
                    "faith", "quaker"),
          "sport": ("sport", "football", "cricket", "rugby", "leisure", "fc", "boxing", "running", "bowls"),
          "youth": ("youth", "young", "scout", "guide", "brownie", "cadet", "children"),
          "library": ("library",), "health": ("health", "nhs", "surgery", "medical", "wellbeing", "pharmacy", "care"),
          "voluntary": ("charity", "charitable", "voluntary", "volunteer", "cvs", "trust", "food bank"),
          "community": ("community", "centre", "hall", "residents", "tenants", "neighbourhood")}


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(header).casefold()).strip()


_ALIAS = {_key(alias): column for column, aliases in HEADERS.items() for alias in (column, *aliases)}


def read_register(frame: pd.DataFrame, file: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """The register on the standard column names, and standard name → the file's own header (for messages)."""
    found: dict[str, list[str]] = {}
    for header in frame.columns:
        column = _ALIAS.get(_key(header))
        if column is not None:
            found.setdefault(column, []).append(header)
    out = pd.DataFrame(index=frame.index)
    for column, headers in found.items():
        if len(headers) > 1 and column not in JOINED:
            raise InputError(file, f"columns {', '.join(repr(h) for h in headers)} all read as the register's "
                                   f"{column}; keep one (or rename the others)", column=headers[1])
        parts = frame[headers].astype("string")
        out[column] = (parts.iloc[:, 0] if len(headers) == 1 else parts.apply(
            lambda row, sep=JOINED[column]: sep.join(v.strip() for v in row.dropna() if v.strip()) or pd.NA,
            axis=1).astype("string"))
    return out, {column: headers[0] for column, headers in found.items()}


@dataclass(frozen=True)
class UnknownCategory:
    wording: str
    count: int
    first_line: int


def map_categories(given: pd.Series, own: dict[str, str]) -> tuple[pd.Series, list[UnknownCategory]]:
    """Standard categories for the register's wordings (the config's mapping, then the standard names and labels,
    without regard to case), and every wording neither knows; their rows hold NA."""
    known = {_key(k): k for k in ASSET_CATEGORIES} | {_key(v): k for k, v in ASSET_CATEGORY_LABELS.items()}
    known |= {_key(k): v for k, v in own.items()}
    text = given.astype("string").str.strip()
    out = text.map(lambda v: known.get(_key(v)) if pd.notna(v) else pd.NA, na_action="ignore").astype("string")
    bad = out.isna() & text.notna()
    counts = text[bad].value_counts(sort=False)
    firsts = text[bad][~text[bad].duplicated()]
    return out, [UnknownCategory(str(w), int(counts[w]), line_of(i)) for i, w in firsts.items()]


def _guess(wording: str) -> str | None:
    words = _key(wording)
    for category, hints in _HINTS.items():
        if any(re.search(rf"\b{re.escape(h)}", words) for h in hints):
            return category
    close = difflib.get_close_matches(words, ASSET_CATEGORIES, n=1, cutoff=0.75)
    return close[0] if close else None


def unknown_categories_help(unknown: list[UnknownCategory]) -> str:
    """Every category no mapping knows (rows, first line) and the TOML that would map them."""
    lines = ["", "", "Categories no mapping knows (every distinct one, with its rows and first line):"]
    lines += [f"  {json.dumps(u.wording, ensure_ascii=False)}: {u.count:,} row(s), first line {u.first_line}"
              for u in unknown]
    lines += ["", "To map them, add these lines to the config (check each category; replace every \"?\" with one of "
                  f"{', '.join(ASSET_CATEGORIES)}):", "[assets.categories]"]
    for u in unknown:
        guess = _guess(u.wording)
        note = "  # a guess from the wording: check it" if guess else ""
        lines.append(f"{json.dumps(u.wording, ensure_ascii=False)} = {json.dumps(guess or '?')}{note}")
    return "\n".join(lines)


def _duplicates(ids: pd.Series) -> list[RowProblem]:
    text = ids.astype("string").str.strip()
    first = {v: line_of(i) for i, v in text[text.notna() & ~text.duplicated()].items()}
    again = text.notna() & text.duplicated()
    return [RowProblem(line_of(i), "asset_id", f"'{text[i]}' appears more than once (first on line {first[text[i]]}):"
                       " each asset needs an id of its own, kept from one version of the register to the next")
            for i in text.index[again]]


def _places(reg: pd.DataFrame) -> pd.DataFrame:
    """postcode (normalised), easting and northing: the grid reference's where easting/northing are not given."""
    out = pd.DataFrame(index=reg.index)
    out["postcode"] = normalise(reg["postcode"]) if "postcode" in reg else pd.Series(pd.NA, index=reg.index)
    for col in ("easting", "northing"):
        text = reg[col].astype("string").str.replace(",", "", regex=False) if col in reg else pd.Series(
            pd.NA, index=reg.index, dtype="string")
        out[col] = pd.to_numeric(text, errors="coerce").astype(float)
    if "grid_reference" in reg:
        grid = reg["grid_reference"].map(parse_grid_reference, na_action="ignore")
        todo = (out["easting"].isna() | out["northing"].isna()) & grid.notna()
        out.loc[todo, "easting"] = [g[0] for g in grid[todo]]
        out.loc[todo, "northing"] = [g[1] for g in grid[todo]]
    return out


def _relabel(problems: list[RowProblem], headers: dict[str, str]) -> list[RowProblem]:
    """Problems naming the file's own headers; a missing column with the wordings read as it."""
    out = []
    for p in problems:
        text = p.problem
        if p.line is None and text == "required column is missing" and p.column in HEADERS:
            text += f" (headings read as {p.column}: {', '.join(repr(h) for h in HEADERS[p.column][:4])}, …)"
        out.append(RowProblem(p.line, headers.get(p.column, p.column), text))
    return out


def _check(ctx: LoadContext, reg: pd.DataFrame, headers: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame,
                                                                                  list[UnknownCategory], set[int]]:
    """Checks, category mapping and places; returns (places, located postcodes, unknown categories, lines dropped)."""
    spec = ctx.config.assets
    problems = validate(reg, ASSETS)
    unknown: list[UnknownCategory] = []
    if not problems or problems[0].line is not None:
        problems += _duplicates(reg["asset_id"])
        reg["category_given"] = reg["category"].astype("string").str.strip()
        reg["category"], unknown = map_categories(reg["category_given"], spec.categories)
        problems += [RowProblem(line_of(i), "category", f"'{reg.at[i, 'category_given']}' is not a category the "
                                "config maps ([assets] categories) nor a standard one")
                     for i in reg.index[reg["category"].isna() & reg["category_given"].notna()]]
    places = _places(reg)
    located = ctx.locate(places["postcode"].dropna().drop_duplicates())
    needs_pc = places["easting"].isna() | places["northing"].isna()
    unknown_pc = needs_pc & places["postcode"].notna() & ~places["postcode"].isin(set(located["postcode"]))
    problems += [RowProblem(line_of(i), "postcode", f"'{places.at[i, 'postcode']}' is not in the postcode directory")
                 for i in reg.index[unknown_pc]]
    problems = _relabel(sorted(dict.fromkeys(problems), key=lambda p: (p.line is not None, p.line or 0)), headers)
    rep = next(r for r in reversed(ctx.reports) if r.dataset == "assets")
    drop = accept(problems, spec.file, rep, ctx.config.max_rejected_rows,
                  help_text=unknown_categories_help(unknown) if unknown else "")
    if unknown:
        rep.notes.append(f"{sum(u.count for u in unknown):,} asset(s) rejected for a category no mapping knows: "
                         + ", ".join(json.dumps(u.wording, ensure_ascii=False) for u in unknown))
    return places, located, unknown, drop


def load_assets(ctx: LoadContext) -> None:
    """Check, map, geocode and place the asset register (when the config names one) into assets."""
    spec = ctx.config.assets
    if spec is None:
        return
    raw, rep = ctx.read_source("assets", spec.file, spec.source, spec.date)
    reg, headers = read_register(raw, spec.file)
    places, located, _, drop = _check(ctx, reg, headers)
    keep = ~reg.index.map(line_of).isin(drop)
    reg, places = reg[keep].copy(), places[keep].copy()
    by_pc = located.set_index("postcode")
    needs_pc = places["easting"].isna() | places["northing"].isna()
    places.loc[needs_pc, "easting"] = places.loc[needs_pc, "postcode"].map(by_pc["easting"])
    places.loc[needs_pc, "northing"] = places.loc[needs_pc, "postcode"].map(by_pc["northing"])
    points = gpd.GeoDataFrame(places, geometry=gpd.points_from_xy(places["easting"], places["northing"]), crs=BNG)
    frame = _rows(reg, places, spec.source)
    frame["ward_code"] = place_points(points, ctx.wards)["ward_code"]
    insert(ctx.con, "assets", frame)
    rep.rows_loaded = len(frame)
    outside = int(frame["ward_code"].isna().sum())
    if outside:
        rep.notes.append(f"{outside} asset(s) lie outside the borough; kept, with no ward.")
    note = terminated_note(located, places.loc[needs_pc, "postcode"], "asset(s) placed by postcode")
    if note:
        rep.notes.append(note)
    rep.notes += stale_notes(frame["last_verified"], datetime.now(UTC).date())
    ctx.say(f"assets: {len(frame)} loaded, {outside} outside the borough")


def _rows(reg: pd.DataFrame, places: pd.DataFrame, source: str) -> pd.DataFrame:
    """The assets table's columns (ward_code still to place)."""
    def text(column: str) -> pd.Series:
        return reg[column].astype("string").str.strip() if column in reg else pd.Series(pd.NA, index=reg.index,
                                                                                          dtype="string")
    frame = pd.DataFrame({c: text(c) for c in ("asset_id", "name", "category", "category_given", "address",
                                                "hours", "contact")})
    frame[["postcode", "easting", "northing"]] = places[["postcode", "easting", "northing"]]
    frame["ward_code"] = None
    frame["last_verified"] = (parse_dates(reg["last_verified"]).dt.date if "last_verified" in reg
                              else pd.Series(None, index=reg.index, dtype=object))
    frame["source"] = text("source").fillna(source or pd.NA)
    return frame[column_names("assets")]


def stale_notes(last_verified: pd.Series, today) -> list[str]:
    """"N assets not verified for more than a year" (and those with no date), against the load day."""
    dates = pd.to_datetime(last_verified, errors="coerce")
    cutoff = pd.Timestamp(today - timedelta(days=ASSET_STALE_AFTER_DAYS))
    stale, undated = int((dates < cutoff).sum()), int(dates.isna().sum())
    notes = [f"{stale:,} {'asset' if stale == 1 else 'assets'} not verified for more than a year (last verified "
             f"before {cutoff:%Y-%m-%d})"] if stale else []
    if undated and undated < len(dates):
        notes.append(f"{undated:,} {'asset has' if undated == 1 else 'assets have'} no last verified date")
    return notes


def _published_register(con: duckdb.DuckDBPyConnection, previous: Path, notes: list[str]) -> pd.DataFrame | None:
    """The published database's assets (its register), or None when nothing is published (or it cannot be read)."""
    if not previous.exists():
        return None
    try:
        duck.attach_read_only(con, previous, "published_register")
    except duckdb.Error as exc:
        notes.append(f"The published register could not be read to report what changed ({exc}).")
        return None
    try:
        return con.execute("SELECT * FROM published_register.assets").df()
    except duckdb.Error as exc:
        notes.append(f"The published register could not be read to report what changed ({exc}).")
        return None
    finally:
        con.execute("DETACH published_register")


def _comparable(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The compared columns as text, blanks as "", places to the metre and dates as YYYY-MM-DD."""
    out = pd.DataFrame(index=frame["asset_id"].astype(str))
    for col in columns:
        values = frame[col]
        if col in ("easting", "northing"):
            values = pd.to_numeric(values, errors="coerce").round(0)
        elif col == "last_verified":
            values = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d")
        out[col] = values.astype("string").fillna("").to_numpy()
    return out


def register_changes(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """asset_id, name, change ('added' | 'changed' | 'removed') and fields (the changed columns, joined by ', ')
    of `new` against `old`, by asset_id: added, then changed, then removed, each in id order."""
    columns = [c for c in COMPARED if c in old.columns and c in new.columns]
    before, after = _comparable(old, columns), _comparable(new, columns)
    names = dict(zip(old["asset_id"].astype(str), old["name"], strict=True)) | dict(
        zip(new["asset_id"].astype(str), new["name"], strict=True))
    rows = [(a, "added", None) for a in sorted(set(after.index) - set(before.index))]
    for a in sorted(set(after.index) & set(before.index)):
        differ = [c for c in columns if before.at[a, c] != after.at[a, c]]
        if differ:
            rows.append((a, "changed", ", ".join(differ)))
    rows += [(a, "removed", None) for a in sorted(set(before.index) - set(after.index))]
    return pd.DataFrame({"asset_id": [r[0] for r in rows], "name": [names[r[0]] for r in rows],
                         "change": [r[1] for r in rows], "fields": [r[2] for r in rows]})


def record_changes(ctx: LoadContext, previous: Path, run_id: str) -> None:
    """This load's register against the published one: rows of asset_changes and a note in the assets report.

    Nothing when no register was loaded this time (a config without [assets] removes no assets).
    """
    rep = next((r for r in reversed(ctx.reports) if r.dataset == "assets"), None)
    if rep is None:
        return
    new = ctx.con.execute("SELECT * FROM assets").df()
    old = _published_register(ctx.con, previous, rep.notes)
    if old is None and previous.exists():
        return  # the published register could not be read (noted): no changes are claimed
    changes = register_changes(new.iloc[0:0] if old is None else old, new)
    insert(ctx.con, "asset_changes", changes.assign(run_id=run_id))
    count = changes["change"].value_counts()
    if old is None:
        rep.notes.append(f"{count.get('added', 0):,} added (no register was published before)")
    else:
        rep.notes.append(f"{count.get('added', 0):,} added, {count.get('changed', 0):,} changed, "
                         f"{count.get('removed', 0):,} removed since the published register")
