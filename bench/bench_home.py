"""Time the home page: the overview service call per viewer, the per-rerun revision query, and full reruns.

    python bench/bench_home.py                      # SQLite in a temporary folder, 10,000 findings
    python bench/bench_home.py --findings 100000    # the 100,000-findings scale target
    python bench/bench_home.py --url sqlite:////tmp/ctdash-bench.db   # reuse (or fill) that file
    python bench/bench_home.py --url postgresql+psycopg://ctdash_test:ctdash_pw@127.0.0.1:5432/ctdash_test

With a PostgreSQL URL the named database is only used to connect: a fresh database
``ctdash_bench_<random>`` is created next to it (the role needs CREATEDB) and dropped at the end.
Prints medians and 95th percentiles in milliseconds, next to the targets in DESIGN.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import math
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``ctdash`` and ``bench`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from bench.generate import generate, has_bench_data
from ctdash import db
from ctdash.config import get_settings, normalise_database_url
from ctdash.models import Finding, Partner, Project, Role
from ctdash.overview import load_overview
from ctdash.viewer import ANONYMOUS, Viewer

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
WARM_TARGET_MS = 50
MISS_TARGET_MS = 100
MISS_TARGET_AT_SCALE_MS = 400
SCALE = 100_000


@dataclass
class Figure:
    name: str
    samples_ms: list[float]
    target_ms: float | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)  # nearest rank: with 20 samples, the 19th
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        if self.p95 <= self.target_ms:
            return "ok"
        return "p95 over" if self.median <= self.target_ms else "MISSED"


def title_token(length: int = 6) -> str:
    """A random tag for a benchmark's finding titles, in letters only: a hexadecimal one can read as a
    postcode ("d002be": D00 2BE, about 1 in 50), and the safeguarding check then holds the submission back."""
    return "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(length))


def timed(function: Callable[[], object], repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


@contextlib.contextmanager
def bench_database(args: argparse.Namespace) -> Iterator[str]:
    """Yield the URL of a database holding the generated dataset; clean up what this run created."""
    if args.url and make_url(normalise_database_url(args.url)).get_backend_name() == "postgresql":
        server = make_url(normalise_database_url(args.url))
        name = f"ctdash_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
        try:
            fill(url, args)
            yield url
        finally:
            if args.keep:
                print(f"Kept database {name}.")
            else:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    elif args.url:
        url = normalise_database_url(args.url)
        fill(url, args, reuse=True)
        yield url
    else:
        folder = Path(tempfile.mkdtemp(prefix="ctdash-bench-"))
        url = f"sqlite:///{folder / 'bench.db'}"
        try:
            fill(url, args)
            yield url
        finally:
            if args.keep:
                print(f"Kept {folder / 'bench.db'}.")
            else:
                shutil.rmtree(folder, ignore_errors=True)


def fill(url: str, args: argparse.Namespace, reuse: bool = False) -> None:
    engine = db.make_engine(url)
    try:
        if reuse:
            with contextlib.suppress(Exception), db.session_scope(engine) as session:
                if has_bench_data(session):
                    print("Reusing the generated dataset already in the database.")
                    return
        report = generate(
            engine, services=args.services, projects=args.projects, findings=args.findings, seed=args.seed
        )
        print(f"Generated {report}.")
    finally:
        engine.dispose()


def describe(engine) -> tuple[str, dict[str, int]]:
    with db.session_scope(engine) as session:
        counts = {
            "services": session.scalar(select(func.count(Partner.id))) or 0,
            "projects": session.scalar(select(func.count(Project.id))) or 0,
            "findings": session.scalar(select(func.count(Finding.id))) or 0,
        }
        if engine.dialect.name == "postgresql":
            version = "PostgreSQL " + session.scalar(text("SHOW server_version"))
        else:
            version = "SQLite " + session.scalar(text("SELECT sqlite_version()"))
    return version, counts


def busiest_member(engine) -> Viewer:
    """A member of the generated service with the most findings: the widest member scope."""
    with db.session_scope(engine) as session:
        partner_id = session.scalar(
            select(Finding.partner_id).group_by(Finding.partner_id).order_by(func.count().desc()).limit(1)
        )
    return Viewer(user_id=None, role=Role.MEMBER, partner_id=partner_id, name="Bench member")


def bench_viewers(engine) -> dict[str, Viewer]:
    return {
        "anonymous": ANONYMOUS,
        "member": busiest_member(engine),
        "facilitator": Viewer(role=Role.FACILITATOR, name="Bench facilitator"),
        "admin": Viewer(role=Role.ADMIN, name="Bench admin"),
    }


def service_figures(engine, repeat: int, miss_target: float) -> list[Figure]:
    figures = []
    for label, viewer in bench_viewers(engine).items():

        def call(viewer: Viewer = viewer) -> None:
            with db.session_scope(engine, read_only=True) as session:
                load_overview(session, viewer=viewer)

        note = f"partner_id={viewer.partner_id}" if viewer.partner_id else ""
        figures.append(Figure(f"load_overview, {label}", timed(call, repeat), miss_target, note))

    def revision() -> None:
        with db.session_scope(engine, read_only=True) as session:
            db.current_revisions(session, db.areas_read_by(load_overview))

    figures.append(Figure("current_revisions (every rerun)", timed(revision, repeat), WARM_TARGET_MS))
    return figures


def overview_statements(engine, viewer: Viewer) -> list[tuple[str, object]]:
    """The SELECT statements (with their parameters) that one load_overview call sends."""
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with db.session_scope(engine) as session:
            load_overview(session, viewer=viewer)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def explain(engine, repeat: int) -> None:
    """Each statement load_overview runs, per viewer: its time with every row fetched, and its plan."""
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " if postgres else "EXPLAIN QUERY PLAN "
    for label, viewer in bench_viewers(engine).items():
        print(f"\n== load_overview, {label} ==")
        with engine.connect() as connection:
            for statement, parameters in overview_statements(engine, viewer):
                run = partial(connection.exec_driver_sql, statement, parameters)
                samples = timed(lambda run=run: run().fetchall(), max(3, repeat // 4))
                plan = connection.exec_driver_sql(prefix + statement, parameters).fetchall()
                lines = [row[0] for row in plan] if postgres else [row[3] for row in plan]
                print(f"{statistics.median(samples):8.2f} ms  {' '.join(statement.split())[:150]}")
                for line in lines:
                    print(f"             {line}")


def time_reruns(at, check: Callable, bump: Callable[[], None], repeat: int) -> tuple[float, list[float], list[float]]:
    """Run ``at``: its first run, then ``repeat`` warm reruns, then ``repeat`` reruns each after ``bump()``."""
    started = time.perf_counter()
    check(at.run())
    first = (time.perf_counter() - started) * 1000
    warm = timed(lambda: check(at.run()), repeat)
    misses = []
    for _ in range(repeat):
        bump()
        started = time.perf_counter()
        check(at.run())
        misses.append((time.perf_counter() - started) * 1000)
    return first, warm, misses


def run_app_py_every_time() -> None:
    """Make every AppTest run go through app.py, as every run on the real server does.

    AppTest 1.67 resets ``PagesManager.uses_pages_directory`` before each run, which puts a checkout
    with a pages/ folder in legacy multipage mode: each timed run would first run the page alone,
    which (``ui.guard``) reruns at once through app.py, so one figure held two runs. The server leaves
    that mode for good on its first request; tests/pages/conftest.py does the same.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


def apptest_figures(url: str, repeat: int, miss_target: float) -> tuple[list[Figure], dict[str, str]]:
    from streamlit.testing.v1 import AppTest

    run_app_py_every_time()

    # AppTest's constructor itself warns about running outside a script run; that is expected here.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )

    os.environ["CTDASH_DATABASE_URL"] = url
    # The app signs its sign-in cookie; PostgreSQL needs a key set, and SQLite would write one beside the file.
    os.environ.setdefault("CTDASH_COOKIE_KEY", secrets.token_urlsafe(48))
    get_settings.cache_clear()
    writer = db.make_engine(url)  # another process's write, as far as the app's cache can tell

    # The page's own prints (streamlit-authenticator prints a cookie decode error on every AppTest run,
    # which has no browser cookie) are kept out of the table and shown only if the page fails.
    printed = io.StringIO()

    def check(at: AppTest) -> AppTest:
        problems = [str(item.value) for item in at.exception] + [str(item.value) for item in at.error]
        if problems:
            raise SystemExit(
                "The home page failed under AppTest:\n" + "\n".join(problems) + "\n" + printed.getvalue()[-2000:]
            )
        return at

    def bump() -> None:
        with db.session_scope(writer) as session:
            db.bump_revision(session)

    # Floor: what AppTest itself costs for a one-line script, to read the page figures against.
    floor = AppTest.from_string("import streamlit as st\nst.write('x')", default_timeout=60)
    floor.run()
    harness = timed(lambda: floor.run(), repeat)

    with contextlib.redirect_stdout(printed):
        at = AppTest.from_file(APP, default_timeout=300)
        first, warm, misses = time_reruns(at, check, bump, repeat)
        metrics = {metric.label: metric.value for metric in at.metric}
    writer.dispose()
    return [
        Figure("AppTest harness alone (1-line script)", harness, None, "floor included in the rows below"),
        Figure("home rerun, first run of the process", [first], None, "engine, migration check, imports"),
        Figure("home rerun, cache miss (revision bumped)", misses, miss_target, "anonymous viewer"),
        Figure("home rerun, warm (cache hit)", warm, WARM_TARGET_MS, "anonymous viewer"),
    ], metrics


def print_table(figures: list[Figure]) -> None:
    width = max(len(figure.name) for figure in figures)
    print(f"{'measurement':<{width}}  {'median':>8}  {'p95':>8}  {'target':>8}  {'':8}  note")
    print("-" * (width + 60))
    for figure in figures:
        target = f"≤ {figure.target_ms:.0f}" if figure.target_ms is not None else "—"
        p95 = f"{figure.p95:8.1f}" if len(figure.samples_ms) > 1 else f"{'':8}"
        print(f"{figure.name:<{width}}  {figure.median:8.1f}  {p95}  {target:>8}  {figure.verdict:8}  {figure.note}")
    print("(milliseconds; verdict 'ok' means the 95th percentile meets the target)")


def dataset_arguments(parser, *, findings: int | None = 10000, results: bool = False) -> None:
    """The options of every benchmark on a generated dataset: where it is, its size, its seed, keeping it,
    and (``results``) where the figures are written. ``findings=None`` leaves that option to the caller."""
    parser.add_argument("--url", help="SQLite file to reuse or fill, or a PostgreSQL server URL (fresh database)")
    if findings is not None:
        parser.add_argument("--findings", type=int, default=findings)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--projects", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the generated database")
    if results:
        parser.add_argument("--results", type=Path, default=None, help="folder for the results (default bench/results)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    dataset_arguments(parser)
    parser.add_argument("--repeat", type=int, default=20, help="timed repetitions per figure (default 20)")
    parser.add_argument("--skip-apptest", action="store_true", help="time only the service calls")
    parser.add_argument("--explain", action="store_true", help="also time each overview query and show its plan")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")

    with bench_database(args) as url:
        engine = db.make_engine(url)
        version, counts = describe(engine)
        miss_target = MISS_TARGET_AT_SCALE_MS if counts["findings"] >= SCALE else MISS_TARGET_MS
        print(
            f"{version}; {counts['services']} services, {counts['projects']} projects, {counts['findings']} findings; "
            f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {args.repeat} repetitions; "
            f"load average {os.getloadavg()[0]:.2f} at the start"
        )
        figures = service_figures(engine, args.repeat, miss_target)
        if args.explain:
            explain(engine, args.repeat)
        engine.dispose()
        metrics: dict[str, str] = {}
        if not args.skip_apptest:
            page_figures, metrics = apptest_figures(url, args.repeat, miss_target)
            figures += page_figures
        print()
        print_table(figures)
        print(f"Load average {os.getloadavg()[0]:.2f} at the end: other work on the machine skews the figures.")
        if metrics:
            print("Home page numbers: " + ", ".join(f"{label} {value}" for label, value in metrics.items()))
        print(
            f"Targets (DESIGN.md, Performance): warm rerun ≤ {WARM_TARGET_MS} ms, cache miss ≤ {MISS_TARGET_MS} ms; "
            f"at {SCALE:,} findings a cache miss ≤ {MISS_TARGET_AT_SCALE_MS} ms."
        )
        missed = [figure.name for figure in figures if figure.verdict == "MISSED"]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
