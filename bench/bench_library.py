"""Time the findings library (search plus two facet filters) beside Datasette and the raw SQL floor.

    python bench/bench_library.py                          # SQLite in a temporary folder, 10,000 findings
    python bench/bench_library.py --findings 10000 100000  # both sizes in turn, and the growth between them
    python bench/bench_library.py --url postgresql+psycopg://ctdash_test:ctdash_pw@127.0.0.1:5432/ctdash_test

Datasette is never one of the app's requirements: it runs from its own virtual environment
(``--datasette``, default /tmp/bench-venv/bin/datasette; see bench/requirements-datasette.txt), as a
subprocess on 127.0.0.1, immutable over the same SQLite file. On PostgreSQL it is left out (it reads
SQLite only). Every figure is an anonymous visitor's: published, public findings.

In one loop, so machine load falls on all alike, each round times: the library service call just after
one finding's title was changed from another connection (so its version and the findings revision
move), just after the revision alone was bumped (another replica's write that changed no finding), and
with its index current; the raw SQL floor (the same work in plain SQL on a DBAPI connection of the same
engine); Datasette's HTML page for the equivalent view; and full AppTest reruns of the library page on
a cache miss after each of those two changes, the cache hit right after the first, and a cache miss
with the revision unchanged but a new search word (a person changing the view).
Prints medians and 95th percentiles in milliseconds and the ratios against the budgets; exits with
status 1 when a budget is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import logging
import os
import platform
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``ctdash`` and ``bench`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.bench_home import (
    APP,
    ROOT,
    Figure,
    bench_database,
    dataset_arguments,
    describe,
    print_table,
    run_app_py_every_time,
)
from ctdash import db
from ctdash.config import get_settings
from ctdash.models import Finding
from ctdash.search import STOP_WORDS
from ctdash.viewer import ANONYMOUS

HIT_BUDGET_MS = 25
DATASETTE_RATIO_BUDGET = 0.35  # cache-miss rerun against Datasette's page, at 10,000 findings
FLOOR_RATIO_BUDGET = 2.0  # cache-miss rerun against the raw SQL floor, at 10,000 findings
GROWTH_BUDGET = 3.0  # from 10,000 to 100,000 findings
BASE = 10_000
PAGE_SIZE = 25
DEFAULT_DATASETTE = "/tmp/bench-venv/bin/datasette"
LIBRARY_PAGE = "pages/library.py"
MISS = "library page rerun, cache miss, one finding changed"
MISS_BUMP = "library page rerun, cache miss, revision bumped alone"
MISS_WORD = "library page rerun, cache miss, new search word"
MISSES = (MISS, MISS_BUMP, MISS_WORD)
SHELL = "app shell and a one-line page (AppTest)"

# The query every measurement answers: a word search plus two facet filters (a theme and a kind). The
# word is in 7% of the generated findings (a title's "in secondary schools"); --search transport, in half
# of them, is the broad case.
SEARCH = "secondary"
THEME = "rural-and-geographic-access"
KIND = "barrier"
# The "new search word" rerun's words, one a round in turn: each in 6-9% of the generated findings
# (610-900 at 10,000), so 32-57 of them with the theme and kind (2-3 times the default query's 16).
OTHER_WORDS = (
    "tuition",
    "ensembles",
    "loan",
    "remission",
    "special",
    "lessons",
    "courses",
    "band",
    "singing",
    "clubs",
    "partnership",
    "progression",
    "strategy",
    "instrument",
    "meals",
    "carers",
    "send",
    "teenagers",
    "english",
    "asian",
    "girls",
    "holidays",
    "loses",
    "confuses",
    "shuts",
    "reach",
)
CHANGED = " (revised)"  # added to, then taken from, the title of the finding changed in a round

# Datasette facets a table's own columns, and themes are a many-to-many table: its honest equivalent of
# the library is a view with one row per finding an anonymous visitor may see, its partner's name, its
# publication year and its themes as a JSON array (``_facet_array``), searched through the same FTS5
# table (named in the metadata, since Datasette detects full-text search only for tables).
VIEW = "bench_library_findings"
VIEW_SQL = f"""CREATE VIEW IF NOT EXISTS {VIEW} AS
SELECT f.id, f.title, f.kind, p.short_name AS partner, f.cycle, f.evidence_type,
       CAST(strftime('%Y', f.published_at) AS INTEGER) AS year,
       (SELECT json_group_array(t.slug) FROM finding_themes ft JOIN themes t ON t.id = ft.theme_id
        WHERE ft.finding_id = f.id) AS themes,
       f.published_at
FROM findings f JOIN partners p ON p.id = f.partner_id
WHERE f.status = 'published' AND f.visibility = 'public'"""
DATASETTE_FACETS = [("_facet", "kind"), ("_facet", "partner"), ("_facet", "cycle")]
DATASETTE_FACETS += [("_facet", "evidence_type"), ("_facet", "year"), ("_facet_array", "themes")]


@dataclass
class Round:
    """The samples of one dataset, in the order the loop took them."""

    label: str
    findings: int
    backend: str
    samples: dict[str, list[float]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, milliseconds: float) -> None:
        self.samples.setdefault(name, []).append(milliseconds)

    def figure(self, name: str, target: float | None = None) -> Figure | None:
        if name not in self.samples:
            return None
        return Figure(name, self.samples[name], target, self.notes.get(name, ""))


def clock(function: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


# --- the raw SQL floor --------------------------------------------------------------------------------

# Every finding matching the search that a visitor may see, with its facet columns, its themes and its
# rank (the lower, the better): one pass, from which the count, every facet's counts (each with the
# other facet's filter applied, as the library counts them) and the order are all worked out.
SQLITE_MATCHED = """
SELECT f.id, f.kind, f.partner_id, f.cycle, f.evidence_type, coalesce(f.published_at, f.updated_at),
       bm25(findings_search, 10.0, 4.0, 2.0),
       (SELECT group_concat(t.slug, ' ') FROM finding_themes ft JOIN themes t ON t.id = ft.theme_id
        WHERE ft.finding_id = f.id)
FROM findings_search JOIN findings f ON f.id = findings_search.rowid
WHERE findings_search MATCH :q AND f.status = 'published' AND f.visibility = 'public'"""
POSTGRES_MATCHED = """
SELECT f.id, f.kind::text, f.partner_id, f.cycle, f.evidence_type, coalesce(f.published_at, f.updated_at),
       -ts_rank(f.search_vector, to_tsquery('english', :q)),
       (SELECT string_agg(t.slug, ' ') FROM finding_themes ft JOIN themes t ON t.id = ft.theme_id
        WHERE ft.finding_id = f.id)
FROM findings f
WHERE f.search_vector @@ to_tsquery('english', :q) AND f.status = 'published' AND f.visibility = 'public'"""
PAGE_ROWS = """
SELECT f.id, f.title, f.summary, f.kind, f.cycle, f.evidence_type, f.key_quote, f.published_at, p.short_name
FROM findings f JOIN partners p ON p.id = f.partner_id
WHERE f.id IN ({ids})"""


@dataclass(frozen=True)
class FloorResult:
    total: int
    page: list[tuple]  # (row, theme slugs), ranked
    facets: dict[str, Counter]


def raw_floor(connection, postgres: bool) -> FloorResult:
    """The library's work with no ORM and no framework, in two statements: the matched findings a visitor
    may see (one pass gives the count, every facet and the order) and the 25 rows of the first page."""
    # The search as the library sends it: the word, also as the start of a longer word (the text ends in it).
    matched = connection.execute(
        text(POSTGRES_MATCHED if postgres else SQLITE_MATCHED), {"q": f"'{SEARCH}':*" if postgres else f'"{SEARCH}"*'}
    ).all()
    facets = {name: Counter() for name in ("kind", "theme", "partner", "cycle", "evidence", "year")}
    shown = []
    for row in matched:
        finding_id, kind, partner_id, cycle, evidence, dated, rank, slugs = row
        themes = slugs.split() if slugs else []
        kind_ok, theme_ok = kind == KIND, THEME in themes
        if theme_ok:
            facets["kind"][kind] += 1
        if kind_ok:
            facets["theme"].update(themes)
        if kind_ok and theme_ok:
            shown.append((rank, -finding_id, themes))
            facets["partner"][partner_id] += 1
            facets["cycle"][cycle] += 1
            facets["evidence"][evidence] += 1
            facets["year"][dated.year if hasattr(dated, "year") else int(str(dated)[:4])] += 1
    shown.sort()
    first = shown[:PAGE_SIZE]
    page = []
    if first:
        ids = ",".join(str(-negative_id) for _rank, negative_id, _themes in first)  # integers from the database
        rows = {row[0]: row for row in connection.execute(text(PAGE_ROWS.format(ids=ids)))}
        page = [(rows[-negative_id], themes) for _rank, negative_id, themes in first]
    return FloorResult(len(shown), page, facets)


# --- Datasette -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def datasette_server(executable: str, sqlite_file: Path) -> Iterator[str]:
    """Datasette serving ``sqlite_file`` (immutable) on a free loopback port; yields the view's page URL."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(sqlite_file)) as connection:  # the one write: the view, before
        connection.execute(VIEW_SQL)
        connection.commit()
        # Immutable mode reads the database file alone, never its write-ahead log: move everything into it.
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            raise SystemExit(f"Could not move {sqlite_file}'s write-ahead log into it for Datasette: try again.")
    folder = Path(tempfile.mkdtemp(prefix="ctdash-datasette-"))
    metadata = folder / "metadata.json"
    metadata.write_text(
        json.dumps(
            {"databases": {sqlite_file.stem: {"tables": {VIEW: {"fts_table": "findings_search", "fts_pk": "id"}}}}}
        )
    )
    port = free_port()
    command = [executable, "serve", "-i", str(sqlite_file), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--metadata", str(metadata), "--setting", "default_page_size", str(PAGE_SIZE)]
    # Generous limits, so Datasette's facets and count finish instead of being cut off as "timed out"
    # (which would flatter its times); facet suggestions off, as the library suggests none.
    command += ["--setting", "facet_time_limit_ms", "60000", "--setting", "sql_time_limit_ms", "60000"]
    command += ["--setting", "suggest_facets", "off", "--setting", "num_sql_threads", "2"]
    log = (folder / "datasette.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    query = [("_search", SEARCH), *DATASETTE_FACETS, ("themes__arraycontains", THEME), ("kind", KIND)]
    page_url = f"http://127.0.0.1:{port}/{urllib.parse.quote(sqlite_file.stem)}/{VIEW}?{urllib.parse.urlencode(query)}"
    try:
        deadline = time.monotonic() + 120
        while True:  # until the page itself answers, not merely the server
            try:
                fetch(page_url)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        "Datasette did not serve the page: " + (folder / "datasette.log").read_text()[-2000:]
                    ) from None
                time.sleep(0.2)
        yield page_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        if response.status != 200:
            raise SystemExit(f"Datasette answered {response.status} for {url}")
        return response.read()


def datasette_total(url: str) -> int:
    """The number of matched rows Datasette reports, from the JSON of the same page."""
    parts = urllib.parse.urlsplit(url)
    data = json.loads(fetch(f"{parts.scheme}://{parts.netloc}{parts.path}.json?{parts.query}"))
    return data["filtered_table_rows_count"]


# --- the library service and page ---------------------------------------------------------------------


def library_call(engine) -> Callable[[], int] | None:
    """The library's service call for the query, or None while ctdash.library is not on this branch."""
    try:
        from ctdash import library
    except ImportError:
        return None
    query = library.Query(text=SEARCH, themes=(THEME,), kinds=(KIND,))

    def call() -> int:
        with db.session_scope(engine, read_only=True) as session:
            return library.browse(session, viewer=ANONYMOUS, query=query).total

    return call


class LibraryPage:
    """The library page under AppTest, as an anonymous visitor, with the query in its URL."""

    def __init__(self, url: str) -> None:
        from streamlit.testing.v1 import AppTest

        run_app_py_every_time()  # one figure, one run (see bench_home)

        logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
            lambda record: "missing ScriptRunContext" not in record.getMessage()
        )
        os.environ["CTDASH_DATABASE_URL"] = url
        os.environ.setdefault("CTDASH_COOKIE_KEY", secrets.token_urlsafe(48))
        get_settings.cache_clear()
        self.printed = io.StringIO()
        with contextlib.redirect_stdout(self.printed):
            self.at = AppTest.from_file(APP, default_timeout=300)
            self.check(self.at.run())
            self.at.query_params["q"] = SEARCH
            self.at.query_params["theme"] = THEME
            self.at.query_params["kind"] = KIND
            self.first, _ = clock(lambda: self.check(self.at.switch_page(LIBRARY_PAGE).run()))
        # What AppTest itself costs for a one-line script, to read the page figures against.
        self.harness = AppTest.from_string("import streamlit as st\nst.write('x')", default_timeout=60)
        self.harness.run()
        # The floor of any page of this app: app.py's shell (page setup, sign-in check, navigation) with
        # a page that writes one line. Its copy of app.py sits in a folder whose pages/ is this one's,
        # so the navigation finds every page as it does for app.py.
        self.folder = tempfile.TemporaryDirectory(prefix="ctdash-shell-floor-")
        (Path(self.folder.name) / "pages").symlink_to(ROOT / "pages")
        source = Path(APP).read_text()
        if "    page.run()\n" not in source:
            raise SystemExit("app.py no longer ends its shell with page.run(): update the shell floor.")
        shell = Path(self.folder.name) / "app.py"
        shell.write_text(source.replace("    page.run()\n", "    st.write('x')\n"))
        with contextlib.redirect_stdout(self.printed):
            self.shell = AppTest.from_file(str(shell), default_timeout=60)
            self.check(self.shell.run())
            self.check(self.shell.run())

    def shows(self, total: int) -> bool:
        """Whether the page says it found ``total`` findings (so the query reached it from the URL)."""
        return any(f"**{total:,}** finding" in str(item.value) for item in self.at.markdown)

    def check(self, at):
        problems = [str(item.value) for item in at.exception] + [str(item.value) for item in at.error]
        if problems:
            raise SystemExit(
                "The library page failed under AppTest:\n" + "\n".join(problems) + self.printed.getvalue()[-2000:]
            )
        return at

    def harness_run(self) -> float:
        return clock(self.harness.run)[0]

    def shell_run(self) -> float:
        with contextlib.redirect_stdout(self.printed):
            milliseconds, _ = clock(lambda: self.check(self.shell.run()))
        return milliseconds

    def rerun(self) -> float:
        with contextlib.redirect_stdout(self.printed):
            milliseconds, _ = clock(lambda: self.check(self.at.run()))
        return milliseconds


# --- one dataset --------------------------------------------------------------------------------------


def measure(url: str, args: argparse.Namespace) -> Round:
    engine = db.make_engine(url)
    postgres = engine.dialect.name == "postgresql"
    version, counts = describe(engine)
    result = Round(f"{version.split()[0]}, {counts['findings']:,} findings", counts["findings"], version)
    print(
        f"{version}; {counts['services']} services, {counts['projects']} projects, {counts['findings']} findings; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {args.repeat} repetitions; "
        f"load average {os.getloadavg()[0]:.2f} at the start"
    )
    with engine.connect() as connection:
        stored = set(connection.execute(text("SELECT DISTINCT kind FROM findings")).scalars())
    if KIND not in stored:
        raise SystemExit(f"Findings' kinds are stored as {sorted(stored)}, not as '{KIND}': update the floor's SQL.")

    service = library_call(engine)
    writer = db.make_engine(url)  # another replica's write, as far as the library's index and cache can tell

    def bump() -> None:
        with db.session_scope(writer) as session:
            db.bump_revision(session, db.FINDINGS)

    with engine.connect() as connection:
        finding_ids = list(connection.execute(text("SELECT id FROM findings ORDER BY id")).scalars())
    changes = iter(range(1, 10**9))

    def change_one() -> None:
        """A real change to one finding, a different one each time, spread over the ids: its title
        through the ORM in a committed session, so its version and the findings revision move."""
        with db.session_scope(writer) as session:
            finding = session.get(Finding, finding_ids[next(changes) * 7919 % len(finding_ids)])
            title = finding.title
            finding.title = title.removesuffix(CHANGED) if title.endswith(CHANGED) else title + CHANGED

    with engine.connect() as connection:
        floor = raw_floor(connection, postgres)
        connection.rollback()
    result.notes["raw SQL floor"] = f"{floor.total} matched, {len(floor.page)} on the page"
    if service is not None:
        total = service()
        result.notes["library service: browse, index current"] = f"{total} matched"
        if total != floor.total:
            print(f"Note: the service found {total} findings and the raw SQL floor {floor.total}.")
    else:
        print("ctdash.library is not on this branch yet: the service and page rows are left out.")

    with contextlib.ExitStack() as stack:
        stack.callback(writer.dispose)
        page_url = None
        if not postgres and not args.skip_datasette:
            if not Path(args.datasette).exists():
                raise SystemExit(
                    f"No Datasette at {args.datasette}. Make its own environment with:\n"
                    "  python3 -m venv /tmp/bench-venv && "
                    "/tmp/bench-venv/bin/pip install -r bench/requirements-datasette.txt\n"
                    "or pass --skip-datasette."
                )
            sqlite_file = Path(make_url(url).database)
            page_url = stack.enter_context(datasette_server(args.datasette, sqlite_file))
            result.notes["Datasette page (HTML)"] = f"{datasette_total(page_url)} matched"
        page = None
        if service is not None and not args.skip_apptest:
            if (ROOT / LIBRARY_PAGE).exists():
                page = LibraryPage(url)
                result.samples["library page, first run"] = [page.first]
                if not page.shows(total):
                    raise SystemExit(f"The library page did not say it found {total} findings: check its URL query.")
            else:
                print(f"{LIBRARY_PAGE} is not on this branch yet: the page rows are left out.")

        words = [word for word in OTHER_WORDS if word != SEARCH]
        for index in range(args.repeat + 1):  # the first round warms everything up and is not kept
            round_samples: list[tuple[str, float]] = []
            if service is not None:
                change_one()
                round_samples.append(("library service: browse, after a one-finding change", clock(service)[0]))
                bump()
                round_samples.append(("library service: browse, after a revision bump alone", clock(service)[0]))
                round_samples.append(("library service: browse, index current", clock(service)[0]))
            with engine.connect() as connection:
                round_samples.append(("raw SQL floor", clock(lambda c=connection: raw_floor(c, postgres))[0]))
                connection.rollback()
            if page_url:
                round_samples.append(("Datasette page (HTML)", clock(lambda: fetch(page_url))[0]))
            if page is not None:
                change_one()
                round_samples.append((MISS, page.rerun()))
                round_samples.append(("library page rerun, cache hit", page.rerun()))
                bump()
                round_samples.append((MISS_BUMP, page.rerun()))
                page.at.query_params["q"] = words[index % len(words)]
                round_samples.append((MISS_WORD, page.rerun()))
                page.at.query_params["q"] = SEARCH
                round_samples.append(("AppTest harness alone (1-line script)", page.harness_run()))
                round_samples.append((SHELL, page.shell_run()))
            if index:
                for name, milliseconds in round_samples:
                    result.add(name, milliseconds)
    if page is not None:
        from ctdash import library

        with db.session_scope(engine, read_only=True) as session:
            found = [
                library.browse(
                    session, viewer=ANONYMOUS, query=library.Query(text=w, themes=(THEME,), kinds=(KIND,))
                ).total
                for w in words[: args.repeat + 1]
            ]
        result.notes[MISS_WORD] = f"{min(found)}-{max(found)} matched"
    engine.dispose()
    print(f"Load average {os.getloadavg()[0]:.2f} at the end.")
    return result


def ratio(numerator: Figure | None, denominator: Figure | None) -> float | None:
    if numerator is None or denominator is None:
        return None
    return numerator.median / denominator.median


def report(rounds: list[Round]) -> list[str]:
    """Print each dataset's table and the ratios; return the budgets missed."""
    missed = []
    for result in rounds:
        print(f"\n== {result.label} ({result.backend}) ==")
        figures = [
            result.figure("library service: browse, after a one-finding change"),
            result.figure("library service: browse, after a revision bump alone"),
            result.figure("library service: browse, index current"),
            result.figure("raw SQL floor"),
            result.figure("Datasette page (HTML)"),
            result.figure("library page, first run"),
            *(result.figure(name) for name in MISSES),
            result.figure("library page rerun, cache hit", HIT_BUDGET_MS),
            result.figure("AppTest harness alone (1-line script)"),
            result.figure(SHELL),
        ]
        figures = [figure for figure in figures if figure is not None]
        print_table(figures)
        missed += [f"{result.label}: {figure.name}" for figure in figures if figure.verdict == "MISSED"]
        for miss_name in MISSES:
            miss = result.figure(miss_name)
            for name, budget in (
                ("Datasette page (HTML)", DATASETTE_RATIO_BUDGET),
                ("raw SQL floor", FLOOR_RATIO_BUDGET),
            ):
                value = ratio(miss, result.figure(name))
                if value is None:
                    continue
                applies = result.findings <= BASE
                verdict = ("ok" if value <= budget else "MISSED") if applies else "(budget applies at 10,000)"
                print(f"{miss_name} / {name}: ×{value:.2f} (medians; budget ≤ ×{budget}) {verdict}")
                if applies and value > budget:
                    missed.append(f"{result.label}: {miss_name} ×{value:.2f} of {name}")
        for name in (
            "library service: browse, after a one-finding change",
            "library service: browse, after a revision bump alone",
            "library service: browse, index current",
        ):
            value = ratio(result.figure(name), result.figure("raw SQL floor"))
            if value is not None:
                print(f"{name} / raw SQL floor: ×{value:.2f}")
        value = ratio(result.figure("Datasette page (HTML)"), result.figure("raw SQL floor"))
        if value is not None:
            print(f"Datasette page / raw SQL floor: ×{value:.2f}")
        # What no page of the app can go under: the shell and a one-line page, reading no findings.
        for name, budget in (("Datasette page (HTML)", DATASETTE_RATIO_BUDGET), ("raw SQL floor", FLOOR_RATIO_BUDGET)):
            value = ratio(result.figure(SHELL), result.figure(name))
            if value is not None:
                print(f"{SHELL} / {name}: ×{value:.2f} (the miss budget is ×{budget})")
        value = ratio(result.figure("library page rerun, cache hit"), result.figure(SHELL))
        if value is not None:
            print(f"library page rerun, cache hit / {SHELL}: ×{value:.2f}")

    by_backend: dict[str, list[Round]] = {}
    for result in rounds:
        by_backend.setdefault(result.backend.split()[0], []).append(result)
    for backend, results in by_backend.items():
        results.sort(key=lambda result: result.findings)
        if len(results) < 2:
            continue
        small, large = results[0], results[-1]
        print(f"\nGrowth on {backend}, {small.findings:,} to {large.findings:,} findings (medians):")
        for name in (
            "library service: browse, after a one-finding change",
            "library service: browse, after a revision bump alone",
            "library service: browse, index current",
            "raw SQL floor",
            "Datasette page (HTML)",
            *MISSES,
            "library page rerun, cache hit",
        ):
            value = ratio(large.figure(name), small.figure(name))
            if value is None:
                continue
            budgeted = name in MISSES
            verdict = ("ok" if value <= GROWTH_BUDGET else "MISSED") if budgeted else ""
            print(f"  {name}: ×{value:.2f} {f'(budget ≤ ×{GROWTH_BUDGET}) {verdict}' if budgeted else ''}")
            if budgeted and value > GROWTH_BUDGET:
                missed.append(f"growth of the {name} on {backend}: ×{value:.2f}")
    return missed


def main(argv: list[str] | None = None) -> int:
    global SEARCH, THEME, KIND  # the query, read by every measurement
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    dataset_arguments(parser, findings=None)
    parser.add_argument("--findings", type=int, nargs="+", default=[BASE], help="one or more sizes (default 10000)")
    parser.add_argument("--repeat", type=int, default=20, help="timed rounds per dataset (default 20)")
    parser.add_argument("--skip-apptest", action="store_true", help="leave out the page reruns")
    parser.add_argument("--skip-datasette", action="store_true", help="leave out Datasette")
    parser.add_argument("--datasette", default=DEFAULT_DATASETTE, help=f"its executable (default {DEFAULT_DATASETTE})")
    parser.add_argument("--search", default=SEARCH, help=f"one word to search for (default {SEARCH})")
    parser.add_argument("--theme", default=THEME, help=f"a theme's slug to filter by (default {THEME})")
    parser.add_argument("--kind", default=KIND, choices=("barrier", "enabler", "insight"))
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if not re.fullmatch(r"[a-z]+", args.search) or args.search in STOP_WORDS:
        parser.error("--search takes one lower-case word that is not a common word")
    SEARCH, THEME, KIND = args.search, args.theme, args.kind
    print(f"Query: search {SEARCH!r}, theme {THEME!r}, kind {KIND!r}.")
    if args.url and len(args.findings) > 1 and not args.url.startswith("postgres"):
        parser.error("a SQLite --url holds one dataset: give one --findings size with it")

    rounds = []
    for findings in args.findings:
        one = copy.copy(args)
        one.findings = findings
        started = time.perf_counter()
        with bench_database(one) as url:
            print(f"Dataset ready in {time.perf_counter() - started:.1f} s.")
            rounds.append(measure(url, one))
    missed = report(rounds)
    print(
        f"\nBudgets: cache-miss rerun ≤ ×{DATASETTE_RATIO_BUDGET} Datasette's page and ≤ ×{FLOOR_RATIO_BUDGET} "
        f"the raw SQL floor at {BASE:,} findings; cache-hit rerun ≤ {HIT_BUDGET_MS} ms; "
        f"growth from {BASE:,} to 100,000 findings ≤ ×{GROWTH_BUDGET}."
    )
    if missed:
        print("Missed: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
