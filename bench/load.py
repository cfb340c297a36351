"""Benchmark: N concurrent browser sessions clicking through every page of a served Wardscope.

    python bench/load.py [--sessions 20] [--rounds 1] [--db DB | --url URL [--pid PID]] [--no-warmup]

Without --url, starts its own server on a free loopback port (as `./wardscope app` starts it) on --db,
default bench/out/demo.duckdb (the synthetic demo borough, built when absent; build time printed).
One headless Chromium (Debian's /usr/bin/chromium, Playwright's async API) opens N browser contexts at
once; each session opens the app (the Overview page), then clicks every page of the sidebar navigation
in order, --rounds times. A page's time runs from the click (or, for the first Overview, from opening
the URL) until Streamlit is idle: the page's own title is the h1, the app says
data-test-script-state="notRunning", no status widget ("Running…") is shown, and that lasts 0.5 s
(the 0.5 s is not counted). Requests to other hosts (map tiles, icon fonts) are answered empty, so an
offline machine measures the app rather than DNS failures.

Errors, per page: failed visits (a timeout or a browser error), uncaught page errors, console errors,
and "went wrong" messages on screen (app.py's "Something went wrong on this page", an exception box, a
"Traceback"); plus, for a server this script started, failures logged by the server.

Server memory is its resident set size (VmRSS in /proc/PID/status; a --url server's PID is found from
the socket listening on its port, or given by --pid): when started; the baseline, after one warm-up
session has visited every page (imports loaded, caches filled) and closed; the peak while the N
sessions run (VmHWM); and --after seconds (default 10) after every session closed. A server this
script starts forgets a closed session after --session-ttl seconds (Streamlit's
server.disconnectedSessionTTL, 120 s by default, kept for reconnecting browsers), so that the last
figure shows what the sessions leave behind rather than that grace period.

Prints a table per page, the memory figures and, last, a one-line summary.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # the project root, for `bench`

from bench.common import OUT, ROOT, build_database, code_version, format_table, percentile  # noqa: E402

PAGES = ["Overview", "Ward profile", "Participation", "What residents said", "Areas", "Community assets",
         "Data and sources"]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
QUIET_MS = 500
WENT_WRONG = ("Something went wrong on this page", "Traceback")
# `./wardscope app`'s way of starting the server: Streamlit's legacy pages/ discovery off before it starts.
SERVE = """
import sys
from streamlit.runtime.pages_manager import PagesManager
from streamlit.web.cli import main
PagesManager.uses_pages_directory = False
sys.argv = ["streamlit", "run", *sys.argv[1:]]
main()"""
# In the page: how long Streamlit has been idle on the page titled `title` (ms), or false while it is not.
SETTLED_JS = """([title, quietMs]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const titled = [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title);
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  const idle = app && app.getAttribute('data-test-script-state') === 'notRunning' && titled
               && !(status && status.offsetParent !== null && status.innerText.trim());
  const now = performance.now();
  if (!idle) { window.__wardscopeQuiet = null; return false; }
  if (window.__wardscopeQuiet == null) window.__wardscopeQuiet = now;
  return now - window.__wardscopeQuiet >= quietMs ? now - window.__wardscopeQuiet : false;
}"""
PROBLEMS_JS = """(needles) => {
  const text = document.body ? document.body.innerText : '';
  return [...document.querySelectorAll('[data-testid="stException"]')]
    .map(e => 'exception box: ' + e.innerText.slice(0, 200))
    .concat(needles.filter(n => text.includes(n)).map(n => JSON.stringify(n) + ' on screen'));
}"""


@dataclass
class Visit:
    page: str
    seconds: float | None  # None: the visit failed
    went_wrong: list[str] = field(default_factory=list)
    failure: str | None = None


@dataclass
class Session:
    number: int
    visits: list[Visit] = field(default_factory=list)
    page_errors: dict[str, list[str]] = field(default_factory=dict)  # page → uncaught errors
    console_errors: dict[str, list[str]] = field(default_factory=dict)
    off_host: int = 0
    current: str = PAGES[0]

    @property
    def name(self) -> str:
        return "warm-up session" if self.number == 0 else f"session {self.number}"


# --- the server and its memory --------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, log: Path, session_ttl: float, script: str = "app.py") -> tuple[subprocess.Popen, str]:
    """Serve `script` (app.py) on `db` on a free loopback port; return the process and its URL once it answers."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, script, "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.fileWatcherType", "none",
         "--server.disconnectedSessionTTL", str(session_ttl), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "WARDSCOPE_DB": str(db)}, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped at once (exit {proc.returncode}); its log: {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"the server did not answer within 90 s; its log: {log}")


def pid_listening_on(port: int) -> int | None:
    """The process with a socket listening on `port` (via /proc/net/tcp*), when this user can see it."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{cols[9]}]")
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if any(os.readlink(fd) in inodes for fd in (proc / "fd").iterdir()):
                return int(proc.name)
        except OSError:
            continue
    return None


def memory_mb(pid: int | None) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak since start) of `pid` in MB; empty when unknown or gone."""
    if pid is None:
        return {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {m.group(1): int(m.group(2)) / 1024 for m in re.finditer(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M)}


class PeakSampler:
    """Samples the server's VmRSS every 0.2 s in a thread; `peak` is the highest seen since start()."""

    def __init__(self, pid: int | None):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, memory_mb(self.pid).get("VmRSS", 0.0))

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()


# --- one browser session --------------------------------------------------------------------------

async def _visit(page, session: Session, title: str, url: str | None, timeout_ms: float) -> Visit:
    """Open `url` (the first visit) or click `title` in the sidebar; time it until Streamlit is idle."""
    session.current = title
    started = time.monotonic()
    try:
        if url is not None:
            await page.goto(url, timeout=timeout_ms)
        else:
            await page.evaluate("window.__wardscopeQuiet = null")
            link = page.locator('[data-testid="stSidebarNav"] a').filter(
                has=page.get_by_text(title, exact=True)).first
            await link.click(timeout=timeout_ms)
        quiet = await page.wait_for_function(SETTLED_JS, arg=[title, QUIET_MS], polling=100, timeout=timeout_ms)
        seconds = time.monotonic() - started - await quiet.json_value() / 1000
        return Visit(title, max(seconds, 0.0), await page.evaluate(PROBLEMS_JS, list(WENT_WRONG)))
    except Exception as exc:  # a timeout or a closed page: the visit failed, the session goes on
        try:
            shown = " ".join((await page.evaluate("document.body.innerText")).split())[:200]
        except Exception:
            shown = "(page closed)"
        return Visit(title, None, failure=f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}; on screen: {shown}")


async def run_session(browser, number: int, base: str, rounds: int, timeout_ms: float) -> Session:
    """One user: a browser context of its own, every page of the navigation `rounds` times."""
    session = Session(number)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    host = urlparse(base).netloc

    async def answer_empty(route) -> None:
        session.off_host += 1
        await route.fulfill(status=204, body="")

    await context.route(lambda u: urlparse(u).scheme in ("http", "https") and urlparse(u).netloc != host,
                        answer_empty)
    page = await context.new_page()
    page.on("pageerror", lambda exc: session.page_errors.setdefault(session.current, []).append(str(exc)[:300]))
    page.on("console", lambda msg: session.console_errors.setdefault(session.current, []).append(msg.text[:300])
            if msg.type == "error" else None)
    try:
        for round_ in range(rounds):
            for title in PAGES:
                first = round_ == 0 and title == PAGES[0]
                visit = await _visit(page, session, title, base if first else None, timeout_ms)
                session.visits.append(visit)
                if visit.failure and first:
                    return session  # the app never opened: nothing to click
    finally:
        await context.close()
    return session


async def run_sessions(base: str, n: int, rounds: int, timeout_ms: float) -> tuple[list[Session], float]:
    """N sessions at once in one headless Chromium; returns them and the wall time."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        started = time.monotonic()
        try:
            sessions = await asyncio.gather(*(run_session(browser, i + 1, base, rounds, timeout_ms)
                                              for i in range(n)))
        finally:
            await browser.close()
    return list(sessions), time.monotonic() - started


# --- report ---------------------------------------------------------------------------------------

def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def page_rows(sessions: list[Session], warmup: Session | None) -> tuple[list[list[str]], dict[str, int]]:
    """One row per page (times of the N sessions; errors of the warm-up too); and the error totals by kind."""
    rows, totals = [], {"failed visits": 0, "page errors": 0, "console errors": 0, "went wrong": 0}
    everyone = sessions + ([warmup] if warmup else [])
    for title in PAGES:
        visits = [v for s in sessions for v in s.visits if v.page == title]
        times = [v.seconds for v in visits if v.seconds is not None]
        cold = next((v.seconds for v in (warmup.visits if warmup else []) if v.page == title), None)
        checked = [v for s in everyone for v in s.visits if v.page == title]
        counts = {"failed visits": sum(v.seconds is None for v in checked),
                  "page errors": sum(len(s.page_errors.get(title, [])) for s in everyone),
                  "console errors": sum(len(s.console_errors.get(title, [])) for s in everyone),
                  "went wrong": sum(len(v.went_wrong) for v in checked)}
        for key, value in counts.items():
            totals[key] += value
        rows.append([title, str(len(visits)), _s(cold) if warmup else "-",
                     _s(percentile(times, 50) if times else None), _s(percentile(times, 95) if times else None),
                     _s(max(times) if times else None), *(str(v) for v in counts.values())])
    return rows, totals


def print_details(sessions: list[Session], server_failures: list[str]) -> None:
    """Each distinct error once, with how many times and in which sessions it happened."""
    seen: dict[str, list[str]] = {}
    for s in sessions:
        for v in s.visits:
            for problem in ([v.failure] if v.failure else []) + v.went_wrong:
                seen.setdefault(f"{v.page}: {problem}", []).append(s.name)
        for kind, found in (("page error", s.page_errors), ("console error", s.console_errors)):
            for page, errors in found.items():
                for error in errors:
                    seen.setdefault(f"{page}: {kind}: {error}", []).append(s.name)
    for failure in server_failures:
        seen.setdefault(f"server log: {failure}", []).append("server")
    for i, (problem, where) in enumerate(sorted(seen.items(), key=lambda kv: -len(kv[1]))):
        if i == 20:
            print(f"  … and {len(seen) - 20} more kinds")
            break
        who = sorted(set(where) - {"server"}, key=lambda n: int(n.split()[-1]) if n[-1].isdigit() else 0)
        print(f"  {len(where)}× {problem}" + (f" ({', '.join(who[:6])}{', …' if len(who) > 6 else ''})" if who else ""))


def server_failures(log: Path | None) -> list[str]:
    """Each failure the server logged (a traceback; app.py logs a failed page with one), as one line: the
    message logged with it and the exception it ended with."""
    if log is None or not log.exists():
        return []
    lines, found, message = log.read_text(errors="replace").splitlines(), [], ""
    for i, line in enumerate(lines):
        if not line.startswith("Traceback"):
            message = line.strip() or message
            continue
        last = next((ln for ln in lines[i + 1:] if ln and not ln.startswith((" ", "Traceback", "During", "The above"))),
                    "")
        found.append(f"{message[:120]} → {last.strip()[:200]}")
    return found


def memory_rows(memory: dict[str, float | None]) -> list[list[str]]:
    base = memory.get("baseline")
    rows = []
    for label, value in memory.items():
        change = "" if value is None or base is None or label in ("started", "baseline") else f"{value - base:+,.0f}"
        rows.append([label, "n/a" if value is None else f"{value:,.0f}", change])
    return rows


def summary(args, sessions: list[Session], wall: float, totals: dict[str, int],
            memory: dict[str, float | None]) -> str:
    times = [v.seconds for s in sessions for v in s.visits if v.seconds is not None]
    visits = sum(len(s.visits) for s in sessions)
    errors = sum(totals.values())
    line = (f"Summary: {args.sessions} concurrent sessions × {args.rounds} round(s), {visits} page visits in "
            f"{wall:.0f} s: page time p50 {_s(percentile(times, 50) if times else None)} s, "
            f"p95 {_s(percentile(times, 95) if times else None)} s; {errors} errors")
    if errors:
        line += " (" + ", ".join(f"{v} {k}" for k, v in totals.items() if v) + ")"
    base, peak, after = memory.get("baseline"), memory.get("peak"), memory.get(f"closed + {args.after:g} s")
    if base and peak and after:
        line += (f"; server RSS baseline {base:,.0f} MB, peak {peak:,.0f} MB, {after:,.0f} MB {args.after:g} s after "
                 f"the sessions closed ({after - base:+,.0f} MB, {(after - base) / base:+.0%} of baseline)")
    else:
        line += "; server memory not measured (no PID)"
    return line


# --- main -----------------------------------------------------------------------------------------

def _schema_of(db: Path) -> str | None:
    import duckdb

    try:
        con = duckdb.connect(str(db), read_only=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        finally:
            con.close()
    except duckdb.Error:
        return None
    return row[0] if row else None


def _database(args) -> Path:
    """--db, or the demo database in bench/out, built when absent or built by another schema version."""
    from vocabulary.schema import SCHEMA_VERSION

    db = (args.db or OUT / "demo.duckdb").resolve()
    if args.db and not db.exists():
        raise SystemExit(f"{db} does not exist")
    if not args.db and (not db.exists() or _schema_of(db) != str(SCHEMA_VERSION)):
        db.parent.mkdir(parents=True, exist_ok=True)
        print(f"demo: building {db} (python -m etl demo) …", flush=True)
        _seconds, skipped = build_database("demo", ["demo", "--db", str(db)])
        if skipped:
            raise SystemExit(f"demo database: {skipped}")
    return db


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (default 20)")
    parser.add_argument("--rounds", type=int, default=1, help="times each session clicks through every page")
    parser.add_argument("--db", type=Path, help="database to serve (default bench/out/demo.duckdb, built if absent)")
    parser.add_argument("--url", help="a running server to load instead of starting one (e.g. http://127.0.0.1:8501)")
    parser.add_argument("--pid", type=int, help="the --url server's process, for its memory (default: found by port)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds a page may take before it counts as failed")
    parser.add_argument("--after", type=float, default=10, help="seconds after the sessions close to read memory")
    parser.add_argument("--session-ttl", type=float, default=2,
                        help="server.disconnectedSessionTTL of a server this script starts (default 2 s)")
    parser.add_argument("--no-warmup", action="store_true", help="skip the warm-up session (no cold column)")
    parser.add_argument("--log", type=Path, help="keep the log of a server this script starts in this file")
    args = parser.parse_args()
    if args.sessions < 1 or args.rounds < 1:
        parser.error("--sessions and --rounds must be at least 1")
    if not Path(CHROMIUM).exists():
        parser.error(f"{CHROMIUM} not found (apt-get install chromium)")
    return args


def measure(args, base: str, pid: int | None) -> tuple[Session | None, list[Session], float, dict]:
    """The warm-up session, then the N sessions; memory read around them."""
    timeout_ms = args.timeout * 1000
    memory: dict[str, float | None] = {"started": memory_mb(pid).get("VmRSS")}
    warmup = None
    if not args.no_warmup:
        [warmup], wall = asyncio.run(run_sessions(base, 1, 1, timeout_ms))
        warmup.number = 0
        print(f"warm-up: 1 session through {len(PAGES)} pages in {wall:.1f} s", flush=True)
        time.sleep(args.session_ttl + 1)
    memory["baseline"] = memory_mb(pid).get("VmRSS")
    with PeakSampler(pid) as sampler:
        sessions, wall = asyncio.run(run_sessions(base, args.sessions, args.rounds, timeout_ms))
    memory["peak"] = max(sampler.peak, memory["baseline"] or 0.0) or None
    print(f"load: {args.sessions} sessions × {args.rounds} round(s) in {wall:.1f} s; waiting {args.after:g} s …",
          flush=True)
    time.sleep(args.after)
    memory[f"closed + {args.after:g} s"] = memory_mb(pid).get("VmRSS")
    return warmup, sessions, wall, memory


def main() -> None:
    args = parse_args()
    print(f"Load benchmark on {code_version()}, Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s)", flush=True)
    proc = log = None
    with tempfile.TemporaryDirectory(prefix="wardscope-load-") as tmp:
        try:
            if args.url:
                base = args.url.rstrip("/")
                pid = args.pid or pid_listening_on(urlparse(base).port or 80)
                print(f"server: {base} (PID {pid or 'unknown: memory not measured'})", flush=True)
            else:
                db, log = _database(args), (args.log or Path(tmp) / "server.log").resolve()
                proc, base = start_server(db, log, args.session_ttl)
                pid = proc.pid
                print(f"server: {base} on {db} (PID {pid})", flush=True)
            warmup, sessions, wall, memory = measure(args, base, pid)
            failures = server_failures(log)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    rows, totals = page_rows(sessions, warmup)
    if log is not None:
        totals["server log"] = len(failures)
    print()
    print(format_table(["page", "visits", "cold s", "p50 s", "p95 s", "max s", "failed", "page errors",
                        "console errors", "went wrong"], rows,
                       right=[False, True, True, True, True, True, True, True, True, True]))
    print(f"(cold = the warm-up session alone; p50/p95/max over {args.sessions} concurrent sessions × "
          f"{args.rounds} round(s); the first Overview of a session includes opening the app; requests to other "
          f"hosts answered empty: {sum(s.off_host for s in sessions):,})")
    print()
    print(format_table(["server memory", "RSS MB", "vs baseline"], memory_rows(memory), right=[False, True, True]))
    if sum(totals.values()):
        print("\nErrors:")
        print_details(sessions + ([warmup] if warmup else []), failures)
    print(summary(args, sessions, wall, totals, memory))


if __name__ == "__main__":
    main()
