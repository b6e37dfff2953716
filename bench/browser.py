"""Time the findings library in a real browser (Playwright, Debian's Chromium) beside Datasette on the same file.

    python bench/browser.py                        # SQLite in a temporary folder, 10,000 findings, 20 rounds
    python bench/browser.py --repeat 5 --skip-datasette   # the app alone, a quick look

The app runs as ``streamlit run app.py`` (headless, no file watcher: tests/browser/server.py) and Datasette
as bench/bench_library.py runs it (its own virtual environment, immutable, the same SQLite file, its
view of the findings an anonymous visitor may see). Both start from the same view, every finding, and
a facet click chooses bench_library's kind (barrier):

- fresh load: a new browser context (empty cache, no cookies) opens the view; the time from asking
  for the page to the view's rows being on screen (their titles, or Datasette's ids, in order);
- filter change: in that page, choosing the kind (the option in the app's Kind box, the value's link
  in Datasette's kind facet); the time from the click to the filtered view's rows being on screen.

Each round times the app, then Datasette, so machine load falls on both alike; the first round warms
up and is not kept. Before the rounds, one more fresh load of each is recorded request by request:
what the first load transfers (by kind), its websocket messages and how many times the app's script
ran for it. Prints medians and 95th percentiles in milliseconds and the ratios against the budgets of
issue #11 (filter change ≤ ×0.5 Datasette's, fresh load ≤ ×1.2), writes them to bench/results/ with
the machine description, and exits with status 1 when a budget is missed. Waits are on what the page
shows, polled at each animation frame; never on fixed sleeps.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
import time
import urllib.parse
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``ctdash``, ``bench`` and ``tests`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench import machine
from bench.bench_home import Figure, bench_database, dataset_arguments, print_table
from bench.bench_library import DEFAULT_DATASETTE, KIND, datasette_server, fetch
from ctdash import db, library
from ctdash.models import Finding
from ctdash.viewer import ANONYMOUS
from tests.browser.conftest import RECORDER, settle
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, streamlit_server

FILTER_BUDGET = 0.5  # the app's filter change against Datasette's facet navigation, medians
FRESH_BUDGET = 1.2  # the app's fresh load against Datasette's
TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1400, "height": 1000}
FRESH, FILTER = "fresh load to the first rows", "facet click to the new rows"
FLOOR = "Streamlit floor"  # bench/streamlit_floor.py
APP_ROWS = ".st-key-library_results a[href*='finding?id=']"  # each listed finding's title, a link
DATASETTE_ROWS = "table.rows-and-columns tbody td.col-id"

# Once the elements ``selector`` finds read ``expected`` (their texts, one a line, in order) and the
# first is laid out on screen: the time since the document's navigation began; until then false.
SHOWN = """([selector, expected]) => {
  const found = document.querySelectorAll(selector);
  if (!found.length) return false;
  const box = found[0].getBoundingClientRect();
  return box.width > 0 && box.height > 0
    && Array.from(found, element => element.textContent.trim()).join("\\n") === expected && performance.now();
}"""


@dataclass
class Side:
    """One server compared: where its view is, what it should show, and how its facet is clicked."""

    name: str
    start_url: str
    rows: str  # the selector of the rows' identifying cells
    before: str  # what they read for the starting view
    after: str  # and once the kind is chosen
    click: Callable  # (page) -> None: the facet click itself, everything before it done
    prepare: Callable  # (page) -> None: what comes before the click (the page settled, a box opened)
    recorder: bool = False
    samples: dict[str, list[float]] = field(default_factory=dict)

    def wait(self, page, expected: str) -> float:
        """Wait until the rows read ``expected``; return when that was, in the document's time (ms)."""
        return page.wait_for_function(SHOWN, arg=[self.rows, expected], polling="raf", timeout=TIMEOUT_MS).json_value()

    def open(self, browser):
        context = browser.new_context(viewport=VIEWPORT)
        if self.recorder:
            context.add_init_script(RECORDER)  # what settle() reads
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    def round(self, browser) -> tuple[float, float]:
        """One fresh load and one facet click, in milliseconds."""
        page = self.open(browser)
        try:
            started = time.perf_counter()
            page.goto(self.start_url, wait_until="commit")
            self.wait(page, self.before)
            fresh = (time.perf_counter() - started) * 1000
            self.prepare(page)
            started = time.perf_counter()
            self.click(page)
            self.wait(page, self.after)
            filtered = (time.perf_counter() - started) * 1000
        finally:
            page.context.close()
        return fresh, filtered

    def add(self, fresh: float, filtered: float) -> None:
        self.samples.setdefault(FRESH, []).append(fresh)
        self.samples.setdefault(FILTER, []).append(filtered)


# --- the app ------------------------------------------------------------------------------------------


def app_side(base: str, engine, *, name: str = "ctdash", path: str = "library") -> Side:
    """The library at ``base``, or (``path`` "") bench/streamlit_floor.py, which shows the same rows and Kind box."""
    start, chosen = library.Query(), library.Query(kinds=(KIND,))
    with db.session_scope(engine, read_only=True) as session:
        before = library.browse(session, viewer=ANONYMOUS, query=start)
        after = library.browse(session, viewer=ANONYMOUS, query=chosen)
    titles = ["\n".join(row.title.strip() for row in results.rows) for results in (before, after)]
    if titles[0] == titles[1] or not after.rows:
        raise SystemExit(f"Choosing the kind {KIND!r} does not change the first page of the view: pick another query.")
    (kind,) = [facet for facet in before.facets if facet.key == "kind"]
    (value,) = [value for value in kind.values if value.value == KIND]
    option = re.compile(rf"^{re.escape(value.label)} \({value.count:,}\)")

    def prepare(page) -> None:
        settle(page)  # the cookie component's rerun done: a click during it can be lost
        page.get_by_role("combobox", name="Kind").click()
        page.get_by_role("option", name=option).wait_for()

    return Side(
        name=name,
        start_url=f"{base}/{path}?{urllib.parse.urlencode(start.params(), doseq=True)}",
        rows=APP_ROWS,
        before=titles[0],
        after=titles[1],
        click=lambda page: page.get_by_role("option", name=option).click(),
        prepare=prepare,
        recorder=True,
    )


# --- Datasette ----------------------------------------------------------------------------------------


def datasette_side(page_url: str) -> Side:
    """Datasette's view of every finding with its facets (its start) and, a link away, with the kind chosen."""
    parts = urllib.parse.urlsplit(page_url)
    # bench_library's page also searches a word and chooses a theme and the kind: the start here has none.
    query = [pair for pair in urllib.parse.parse_qsl(parts.query) if pair[0] in ("_facet", "_facet_array")]
    start_url = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    page_url = f"{start_url}&kind={KIND}"

    def ids(url: str) -> str:
        json_url = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path=parts.path + ".json"))
        data = json.loads(fetch(json_url + "&_shape=objects"))
        return "\n".join(str(row["id"]) for row in data["rows"])

    before, after = ids(start_url), ids(page_url)
    if before == after or not after:
        raise SystemExit(f"Datasette shows the same rows with and without the kind {KIND!r}: pick another query.")
    link = f'.facet-info[data-column="kind"] a[href*="kind={KIND}"]'

    def click(page) -> None:
        with page.expect_navigation(wait_until="commit"):
            page.locator(link).click()

    return Side(
        name="Datasette",
        start_url=start_url,
        rows=DATASETTE_ROWS,
        before=before,
        after=after,
        click=click,
        prepare=lambda page: page.locator(link).wait_for(),
    )


# --- what the first load sends ------------------------------------------------------------------------


# When, since navigation began, the document had arrived and was parsed, and (the app's recorder) the
# app was first drawn, asked for its first run, and that run started and finished on the server.
TIMELINE = """() => {
  const navigation = performance.getEntriesByType("navigation")[0], events = window.__events || [];
  const first = kind => (events.find(event => event.kind === kind) || {}).at ?? null;
  return {document: navigation.responseEnd, parsed: navigation.domContentLoadedEventEnd,
          app_drawn: first("initial"), run_asked: first("request"), run_started: first("started"),
          run_finished: first("finished")};
}"""


def first_load(side: Side, browser) -> dict:
    """One more fresh load, recorded: requests and bytes by kind, websocket messages, script runs."""
    page = side.open(browser)
    requests: list = []
    frames = {"received": 0, "received_bytes": 0, "sent": 0, "sent_bytes": 0}

    def on_websocket(socket) -> None:
        def note(direction: str, payload) -> None:
            frames[direction] += 1
            frames[f"{direction}_bytes"] += len(payload)

        socket.on("framereceived", lambda payload: note("received", payload))
        socket.on("framesent", lambda payload: note("sent", payload))

    page.on("requestfinished", lambda request: requests.append(request))
    page.on("websocket", on_websocket)
    try:
        page.goto(side.start_url, wait_until="commit")
        shown = side.wait(page, side.before)
        if side.recorder:
            settle(page)
        timeline = page.evaluate(TIMELINE) | {"rows_on_screen": shown}
        by_kind: Counter = Counter()
        count: Counter = Counter()
        for request in requests:
            kind = request.resource_type
            if kind == "other" and re.search(r"\.(woff2?|ttf)(\?|$)", request.url):
                kind = "font"
            count[kind] += 1
            by_kind[kind] += request.sizes()["responseBodySize"]  # as sent: compressed if it was
        runs = None
        if side.recorder:
            events = page.evaluate("window.__events.map(event => event.kind)")
            runs = events.count("started")
        return {
            "requests": sum(count.values()),
            "bytes": sum(by_kind.values()),
            "by_kind": {kind: {"requests": count[kind], "bytes": by_kind[kind]} for kind in sorted(count)},
            "websocket": frames,
            "script_runs": runs,
            "timeline_ms": {name: round(at) for name, at in timeline.items() if at is not None},
        }
    finally:
        page.context.close()


def describe_load(name: str, load: dict) -> str:
    kinds = ", ".join(
        f"{kind} {figures['requests']} ({figures['bytes'] / 1024:,.0f} KB)" for kind, figures in load["by_kind"].items()
    )
    line = f"{name} first load: {load['requests']} requests, {load['bytes'] / 1024:,.0f} KB as sent ({kinds})"
    frames = load["websocket"]
    if frames["received"] or frames["sent"]:
        line += (
            f"; websocket {frames['received']} messages in ({frames['received_bytes'] / 1024:,.0f} KB), "
            f"{frames['sent']} out"
        )
    if load["script_runs"] is not None:
        line += f"; the script ran {load['script_runs']} times"
    steps = ", ".join(f"{name.replace('_', ' ')} {at:,}" for name, at in load["timeline_ms"].items())
    return line + f"\n  ms from navigation: {steps}"


# --- the run ------------------------------------------------------------------------------------------


def measure(url: str, args: argparse.Namespace) -> tuple[dict, list[Side], dict]:
    from playwright.sync_api import sync_playwright

    engine = db.make_engine(url)
    about = machine.describe(engine)
    with db.session_scope(engine, read_only=True) as session:
        about["findings"] = session.scalar(select(func.count(Finding.id)))
    sqlite = engine.dialect.name == "sqlite"
    print(machine.machine_line(about) + f"; {about['findings']} findings; {args.repeat} rounds")
    print(f"View: every finding an anonymous visitor may see; the facet click chooses the kind {KIND!r}.")
    with contextlib.ExitStack() as stack:
        stack.callback(engine.dispose)
        sides = []
        if not args.skip_datasette:
            if not sqlite:
                print("Datasette reads SQLite only: it is left out on PostgreSQL.")
            elif not Path(args.datasette).exists():
                raise SystemExit(
                    f"No Datasette at {args.datasette}. Make its own environment with:\n"
                    "  python3 -m venv /tmp/bench-venv && "
                    "/tmp/bench-venv/bin/pip install -r bench/requirements-datasette.txt\n"
                    "or pass --skip-datasette."
                )
            else:  # the view is written and the log checkpointed before the app's server opens the file
                page_url = stack.enter_context(datasette_server(args.datasette, Path(make_url(url).database)))
                sides.append(datasette_side(page_url))
        if args.floor:
            floor = stack.enter_context(streamlit_server(url, timeout=120, script="bench/streamlit_floor.py"))
            sides.insert(0, app_side(floor, engine, name=FLOOR, path=""))
        base = stack.enter_context(streamlit_server(url, timeout=120))
        sides.insert(0, app_side(base, engine))
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stack.callback(browser.close)
        for side in sides:
            side.round(browser)  # warms the server (a first session, its caches) before the first record
        loads = {side.name: first_load(side, browser) for side in sides}
        for side in sides:
            print(describe_load(side.name, loads[side.name]))
        for index in range(args.repeat + 1):  # the first round warms up and is not kept
            for side in sides:
                fresh, filtered = side.round(browser)
                if index:
                    side.add(fresh, filtered)
    print(f"Load average {os.getloadavg()[0]:.2f} at the end.")
    return about, sides, loads


def report(sides: list[Side]) -> tuple[list[Figure], dict, list[str]]:
    figures = [Figure(f"{side.name}: {name}", side.samples[name]) for side in sides for name in (FRESH, FILTER)]
    print_table(figures)
    by_name = {side.name: side for side in sides}
    ratios, missed = {}, []

    def ratio(name: str, over: str, under: str) -> tuple[float, float]:
        top, bottom = Figure(name, by_name[over].samples[name]), Figure(name, by_name[under].samples[name])
        return top.median / bottom.median, top.p95 / bottom.p95

    for over, under in ((FLOOR, "Datasette"), ("ctdash", FLOOR)):  # where the time goes: Streamlit, then ctdash
        if over in by_name and under in by_name:
            for name in (FILTER, FRESH):
                median, p95 = ratio(name, over, under)
                ratios[f"{over} / {under}, {name}"] = {"median_ratio": round(median, 3), "p95_ratio": round(p95, 3)}
                print(f"{over} / {under}, {name}: ×{median:.2f} medians, ×{p95:.2f} p95")
    if "Datasette" in by_name:
        for name, budget in ((FILTER, FILTER_BUDGET), (FRESH, FRESH_BUDGET)):
            median, p95 = ratio(name, "ctdash", "Datasette")
            verdict = "ok" if median <= budget else "MISSED"
            ratios[name] = {"median_ratio": round(median, 3), "p95_ratio": round(p95, 3), "budget": budget}
            print(f"ctdash / Datasette, {name}: ×{median:.2f} medians, ×{p95:.2f} p95 (budget ≤ ×{budget}) {verdict}")
            if median > budget:
                missed.append(f"{name} ×{median:.2f} of Datasette's")
    else:
        print("Without Datasette there are no budgets to check.")
    print(f"Budgets (issue #11): filter change ≤ ×{FILTER_BUDGET} Datasette's, fresh load ≤ ×{FRESH_BUDGET}, medians.")
    return figures, ratios, missed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    dataset_arguments(parser, results=True)
    parser.add_argument("--repeat", type=int, default=20, help="timed rounds (default 20)")
    parser.add_argument("--skip-datasette", action="store_true", help="time the app alone")
    parser.add_argument("--floor", action="store_true", help="also time bench/streamlit_floor.py, the floor")
    parser.add_argument("--datasette", default=DEFAULT_DATASETTE, help=f"its executable (default {DEFAULT_DATASETTE})")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")

    with bench_database(args) as url:
        about, sides, loads = measure(url, args)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        print(machine.machine_line(about) + f"; {about['findings']} findings; {args.repeat} rounds")
        for name, load in loads.items():
            print(describe_load(name, load))
        figures, ratios, missed = report(sides)
    table = buffer.getvalue()
    print(table)
    results = {
        "facet_click": {"kind": KIND},
        "figures": machine.figure_rows(figures),
        "ratios": ratios,
        "first_load": loads,
        "missed": missed,
    }
    written = machine.write("browser", about, args, results, table)
    print(f"Written to {written} (and .txt).")
    if missed:
        print("Missed: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
