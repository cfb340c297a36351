"""Benchmark: how fast each page and tab answers a click in a real browser, against a naive page.

    python bench/browser.py [--rounds 5] [--databases demo,thurrock | --db DB] [--timeout 180]

For each database (the synthetic demo, bench/out/demo.duckdb, and Thurrock, bench/out/thurrock.duckdb, each
built when absent or built by another schema version; Thurrock is skipped with the reason when ../shared/data
is absent), this script starts two servers on loopback ports (as bench/load.py starts them): Wardscope
(app.py) and a naive ward-profile app it writes to bench/out/naive_ward_app.py — an Overview page and a Ward
profile page that reads the ward boundaries from the DuckDB file on every run (no cache, full-resolution
geometry) and draws a folium choropleth of residents through st_folium.

One headless Chromium (1400×1000) then opens each app once and clicks through it, all in one browser session:
in Wardscope every page of the sidebar navigation, and on each page every tab of its first tab bar (the tabs
after the one open on arrival, then the first again); in the naive app Overview, then Ward profile. The
first pass warms the server (its times are the "first" column, the first Overview being the opening of the
app); then --rounds timed passes, each Wardscope pass followed by a naive one so that both see the same load.

A time runs from the click until Streamlit is idle (bench/load.py's test: the page's title is the h1, the
app's script state is "notRunning", no "Running…" status, for 0.5 s that are not counted). Bytes received
are what the browser took in over that time: every HTTP response (Chrome's encodedDataLength, headers
included) and every WebSocket frame from the server (Streamlit's deltas; maps and charts travel there).
Requests to other hosts (map tiles, CDN scripts) are answered empty, so an offline machine measures the
app. Prints a table per database (median and max over the rounds), the Ward profile's ratio naive /
Wardscope, any errors and, last, a one-line summary.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, for `bench`

from bench.common import (  # noqa: E402
    OUT,
    ROOT,
    SHARED_MISSING,
    build_database,
    code_version,
    format_table,
    shared_data_available,
)
from bench.load import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGES,
    PROBLEMS_JS,
    QUIET_MS,
    SETTLED_JS,
    WENT_WRONG,
    _schema_of,
    server_failures,
    start_server,
)

NAIVE_PAGES = ["Overview", "Ward profile"]
NAIVE_ROW = "Naive ward profile"
NAIVE_NAMES = {"Overview": "Naive empty page", "Ward profile": NAIVE_ROW}
TABS = '[data-testid="stTabs"] >> nth=0 >> [role="tablist"] >> nth=0 >> [role="tab"]'
NAIVE_APP = '''"""A naive ward-profile page for bench/browser.py (written by it): no cache, full-resolution geometry."""
import os
import sys

import branca.colormap as cm
import duckdb
import folium
import geopandas as gpd
import shapely
import streamlit as st
from streamlit_folium import st_folium

sys.path.insert(0, {root!r})
from vocabulary.duck import spatial_extension_path  # noqa: E402


def overview():
    st.title("Overview")
    st.write("A naive app for comparison: its Ward profile reads the ward boundaries on every run.")


def ward_profile():
    st.title("Ward profile")
    con = duckdb.connect(os.environ["WARDSCOPE_DB"], read_only=True)
    con.execute("LOAD '" + str(spatial_extension_path()) + "'")
    wards = con.execute("SELECT ward_code, ward_name, ST_AsWKB(geom) AS wkb FROM wards ORDER BY ward_name").df()
    residents = con.execute("""SELECT ward_code, sum(persons) AS residents FROM ward_population
        WHERE dimension = (SELECT min(dimension) FROM ward_population) GROUP BY ward_code""").df()
    con.close()
    gdf = gpd.GeoDataFrame(wards[["ward_code", "ward_name"]], crs="EPSG:27700",
                           geometry=shapely.from_wkb(wards["wkb"].map(bytes).values)).to_crs("EPSG:4326")
    gdf = gdf.merge(residents, on="ward_code", how="left")
    code = st.selectbox("Ward", list(gdf["ward_code"]), format_func=dict(zip(gdf["ward_code"], gdf["ward_name"])).get)
    st.metric("Residents", f"{{gdf.loc[gdf['ward_code'] == code, 'residents'].iloc[0]:,.0f}}")
    bounds = gdf.total_bounds
    m = folium.Map(location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2], zoom_start=12)
    m.default_js = [("leaflet", "../../app/static/vendor/leaflet-1.9.4/leaflet.js")]  # as Wardscope loads it
    m.default_css = [("leaflet_css", "../../app/static/vendor/leaflet-1.9.4/leaflet.css")]
    colour = cm.linear.YlGnBu_09.scale(gdf["residents"].min(), gdf["residents"].max())
    folium.GeoJson(gdf.to_json(), tooltip=folium.GeoJsonTooltip(["ward_name", "residents"]),
                   style_function=lambda f: {{"fillColor": colour(f["properties"]["residents"]), "color": "#333",
                                             "weight": 1, "fillOpacity": 0.7}}).add_to(m)
    st_folium(m, height=450, width=900)


st.navigation([st.Page(overview, title="Overview", default=True),
               st.Page(ward_profile, title="Ward profile", url_path="ward")]).run()
'''


@dataclass
class Times:
    """One row of the table: the first pass, then each timed round (seconds, bytes)."""
    first: tuple[float | None, int] | None = None
    rounds: list[tuple[float | None, int]] = field(default_factory=list)

    def median(self) -> float | None:
        done = [s for s, _ in self.rounds if s is not None]
        return statistics.median(done) if done else None


@dataclass
class Run:
    """What one app did in the browser: a row per page and tab, in the order first met, and the errors."""
    rows: dict[str, Times] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    received: int = 0  # bytes since the meter was last reset
    off_host: int = 0
    current: str = ""  # the row being measured, for the errors it raises


class Browser:
    """One page of a headless Chromium on one app, counting the bytes it receives (Chrome DevTools protocol)."""

    def __init__(self, playwright_browser, base: str, run: Run):
        self.run, self.base = run, base
        self.context = playwright_browser.new_context(viewport={"width": 1400, "height": 1000})
        host = urlparse(base).netloc

        def answer_empty(route) -> None:
            run.off_host += 1
            route.fulfill(status=204, body="")

        self.context.route(lambda u: urlparse(u).scheme in ("http", "https") and urlparse(u).netloc != host,
                           answer_empty)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: run.problems.append(f"{run.current}: page error: {str(exc)[:200]}"))
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Network.enable")
        cdp.on("Network.loadingFinished", lambda e: self._add(int(e.get("encodedDataLength", 0))))
        cdp.on("Network.webSocketFrameReceived", self._frame)

    def _add(self, n: int) -> None:
        self.run.received += n

    def _frame(self, event: dict) -> None:
        frame = event["response"]
        data = frame.get("payloadData", "")
        self._add(len(base64.b64decode(data)) if frame.get("opcode") == 2 else len(data.encode()))

    def visit(self, title: str, row: str, click, timeout_ms: float) -> tuple[float | None, int]:
        """Run `click` (None: open the app's URL) and time it until Streamlit is idle on the page `title`."""
        self.run.received, self.run.current = 0, row
        started = time.monotonic()
        try:
            if click is None:
                self.page.goto(self.base, timeout=timeout_ms)
            else:
                self.page.evaluate("window.__wardscopeQuiet = null")
                click.click(timeout=timeout_ms)
            quiet = self.page.wait_for_function(SETTLED_JS, arg=[title, QUIET_MS], polling=100, timeout=timeout_ms)
            seconds = max(time.monotonic() - started - quiet.json_value() / 1000, 0.0)
            self.run.problems += [f"{row}: {p}" for p in self.page.evaluate(PROBLEMS_JS, list(WENT_WRONG))]
            return seconds, self.run.received
        except Exception as exc:  # a timeout or a browser error: the visit failed, the pass goes on
            self.run.problems.append(f"{row}: {type(exc).__name__}: {str(exc).splitlines()[0][:150]}")
            return None, self.run.received

    def nav(self, title: str):
        return self.page.locator('[data-testid="stSidebarNav"] a').filter(
            has=self.page.get_by_text(title, exact=True)).first


def one_pass(browser: Browser, pages: list[str], timeout_ms: float, first: bool, names: dict[str, str]) -> None:
    """Every page of `pages` (and each tab of its first tab bar) once; results added to browser.run.rows."""
    for i, title in enumerate(pages):
        opening = first and i == 0
        result = browser.visit(title, title, None if opening else browser.nav(title), timeout_ms)
        _record(browser.run, names.get(title, title), result, first)
        if result[0] is None:
            continue
        tabs = [t.strip() for t in browser.page.locator(TABS).all_inner_texts()]
        for j in [*range(1, len(tabs)), 0] if len(tabs) > 1 else []:
            row = f"{title} › {tabs[j]}"
            _record(browser.run, row, browser.visit(title, row, browser.page.locator(TABS).nth(j), timeout_ms), first)


def _record(run: Run, row: str, result: tuple[float | None, int], first: bool) -> None:
    times = run.rows.setdefault(row, Times())
    if first:
        times.first = result
    else:
        times.rounds.append(result)


def measure(db: Path, rounds: int, timeout_ms: float, tmp: Path) -> tuple[Run, Run, list[str]]:
    """Both servers on `db`, one browser; the first pass, then `rounds` passes of Wardscope then naive."""
    from playwright.sync_api import sync_playwright

    naive_script = OUT / "naive_ward_app.py"
    naive_script.write_text(NAIVE_APP.format(root=str(ROOT)), encoding="utf-8")
    shutil.copytree(ROOT / "static", OUT / "static", dirs_exist_ok=True)  # the vendored Leaflet, served beside it
    logs = [tmp / f"{db.stem}-wardscope.log", tmp / f"{db.stem}-naive.log"]
    procs = []
    try:
        for log, script in zip(logs, ["app.py", str(naive_script)], strict=True):
            procs.append(start_server(db, log, 60, script))
        wardscope, naive = Run(), Run()
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                apps = [(Browser(chromium, procs[0][1], wardscope), PAGES, {}),
                        (Browser(chromium, procs[1][1], naive), NAIVE_PAGES, NAIVE_NAMES)]
                for round_ in range(rounds + 1):
                    started = time.monotonic()
                    for browser, pages, names in apps:
                        one_pass(browser, pages, timeout_ms, round_ == 0, names)
                    print(f"  {db.stem}: {'first pass' if round_ == 0 else f'round {round_}/{rounds}'} in "
                          f"{time.monotonic() - started:.0f} s", flush=True)
            finally:
                chromium.close()
    finally:
        for proc, _url in procs:
            proc.terminate()
            proc.wait(timeout=30)
    return wardscope, naive, [f"{app} server log: {f}" for app, log in zip(["Wardscope", "naive"], logs, strict=True)
                              for f in server_failures(log)]


# --- report ---------------------------------------------------------------------------------------

def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _kb(values: list[int]) -> str:
    return f"{statistics.median(values) / 1024:,.0f}" if values else "-"


def table_rows(run: Run) -> list[list[str]]:
    rows = []
    for name, t in run.rows.items():
        done = [s for s, _ in t.rounds if s is not None]
        page, _, tab = name.partition(" › ")
        rows.append([page, tab, _s(t.first[0] if t.first else None), _s(t.median()), _s(max(done) if done else None),
                     _kb([b for s, b in t.rounds if s is not None]), str(sum(s is None for s, _ in t.rounds))])
    return rows


def ratio_line(label: str, wardscope: Run, naive: Run, rounds: int) -> tuple[str, float | None]:
    ours = wardscope.rows.get("Ward profile", Times()).median()
    theirs = naive.rows.get(NAIVE_ROW, Times()).median()
    if not ours or not theirs:
        return f"Ward profile ratio naive / Wardscope, {label}: n/a (a median is missing)", None
    return (f"Ward profile ratio naive / Wardscope, {label}: {theirs:.2f} s / {ours:.2f} s = {theirs / ours:.1f}× "
            f"(median of {rounds} click(s) each)"), theirs / ours


def report(label: str, db: Path, wardscope: Run, naive: Run, server: list[str], rounds: int) -> str:
    """Print the database's table, ratio and errors; return its part of the summary line."""
    rows = table_rows(wardscope)
    naive_rows = table_rows(naive)
    print(f"\n{label} ({db}):")
    print(format_table(["page", "tab", "first s", "median s", "max s", "received KB", "failed"], rows + naive_rows,
                       right=[False, False, True, True, True, True, True]))
    print(f"(first = the warming pass, the first Overview being the opening of the app; median, max and received KB "
          f"(median) over {rounds} round(s); a tab row is a click on that tab; requests to other hosts answered "
          f"empty: {wardscope.off_host + naive.off_host:,})")
    line, ratio = ratio_line(label, wardscope, naive, rounds)
    print(line)
    problems = wardscope.problems + [f"naive app: {p}" for p in naive.problems] + server
    if problems:
        print("Errors:")
        for problem in sorted(set(problems), key=problems.index)[:20]:
            print(f"  {problems.count(problem)}× {problem}")
    pages = [(name, t.median()) for name, t in wardscope.rows.items() if " › " not in name]
    slowest = max(((m, n) for n, m in pages if m is not None), default=(None, "-"))
    return (f"{label}: slowest page {slowest[1]} {_s(slowest[0])} s median, Ward profile "
            f"{_s(wardscope.rows.get('Ward profile', Times()).median())} s, naive / Wardscope "
            f"{'n/a' if ratio is None else f'{ratio:.1f}×'}, {len(problems)} error(s)")


# --- main -----------------------------------------------------------------------------------------

def database(name: str) -> tuple[Path | None, str | None]:
    """bench/out/NAME.duckdb, built when absent or of another schema; (None, why) when it cannot be."""
    from vocabulary.schema import SCHEMA_VERSION

    db = OUT / f"{name}.duckdb"
    if db.exists() and _schema_of(db) == str(SCHEMA_VERSION):
        return db, None
    if name == "demo":
        argv = ["demo", "--db", str(db)]
    elif name == "thurrock":
        if not shared_data_available():
            return None, SHARED_MISSING
        argv = ["build", "--config", str(ROOT / "examples" / "thurrock.toml"), "--db", str(db)]
    else:
        return None, f"unknown database {name!r} (demo or thurrock; --db for a file)"
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"{name}: building {db} …", flush=True)
    _seconds, skipped = build_database(name, argv)
    return (None, skipped) if skipped else (db, None)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="timed passes after the first (default 5)")
    parser.add_argument("--databases", default="demo,thurrock", help="which of demo,thurrock (default both)")
    parser.add_argument("--db", type=Path, help="measure this database file instead of --databases")
    parser.add_argument("--timeout", type=float, default=180, help="seconds a click may take before it fails")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if not Path(CHROMIUM).exists():
        parser.error(f"{CHROMIUM} not found (apt-get install chromium)")
    return args


def main() -> None:
    args = parse_args()
    print(f"Browser benchmark on {code_version()}, Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.db:
        if not args.db.exists():
            raise SystemExit(f"{args.db} does not exist")
        wanted = [(args.db.stem, args.db.resolve(), None)]
    else:
        wanted = [(name, *database(name)) for name in args.databases.split(",") if name.strip()]
    summaries = []
    with tempfile.TemporaryDirectory(prefix="wardscope-browser-") as tmp:
        for label, db, skipped in wanted:
            if db is None:
                print(f"\n{label}: skipped: {skipped}")
                summaries.append(f"{label} skipped")
                continue
            wardscope, naive, server = measure(db, args.rounds, args.timeout * 1000, Path(tmp))
            summaries.append(report(label, db, wardscope, naive, server, args.rounds))
    print(f"Summary ({args.rounds} round(s), load average {os.getloadavg()[0]:.1f}): " + "; ".join(summaries))


if __name__ == "__main__":
    main()
