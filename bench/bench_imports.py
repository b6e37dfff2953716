"""Time importing research projects at the row limit: the dry run, the import, and importing it again as updates.

    python bench/bench_imports.py                          # SQLite in a temporary folder, 50,000 rows
    python bench/bench_imports.py --rows 20000
    python bench/bench_imports.py --url postgresql+psycopg://ctdash_test:ctdash_pw@127.0.0.1:5432/ctdash_test

The database first gets the generated dataset of generate.py (fictional "Example: " services and
their projects; a PostgreSQL URL's database is only used to connect: a fresh ``ctdash_bench_<random>``
is created beside it and dropped at the end). The upload is a UTF-8 CSV built in memory: projects
of the generated services, spread over every cycle and stage, with themes and day-first dates.

Prints, in seconds: reading the file alone (``read_table``), the dry run (``imports.plan`` in a
read-only session), the import (``imports.run`` and the commit), and how long the import's write
transaction was open, from BEGIN to COMMIT: on SQLite the time it holds the one write lock, which
other writers wait for (up to 5 seconds). Then the same for the file with every stage changed,
which updates all the projects.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``ctdash`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, event, select, text
from sqlalchemy.engine import make_url

from bench.generate import SLUG_PREFIX, generate
from ctdash import db, imports
from ctdash.config import normalise_database_url
from ctdash.models import Partner, ProjectStage, Role, Theme
from ctdash.spreadsheets import read_table
from ctdash.viewer import Viewer

ADMIN = Viewer(role=Role.ADMIN, name="bench")
CYCLES = [f"{year}-{(year + 1) % 100:02d}" for year in range(2018, 2027)]
WORDS = ["music", "young", "people", "band", "studio", "voice", "routes", "together", "after", "school"]


@contextlib.contextmanager
def bench_database(url: str | None, keep: bool) -> Iterator[str]:
    """A fresh database for the run (SQLite in a temporary folder, or a new PostgreSQL database)."""
    if url and make_url(normalise_database_url(url)).get_backend_name() == "postgresql":
        server = make_url(normalise_database_url(url))
        name = f"ctdash_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            if keep:
                print(f"Kept database {name}.")
            else:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        folder = Path(tempfile.mkdtemp(prefix="ctdash-bench-"))
        try:
            yield f"sqlite:///{folder / 'bench.db'}"
        finally:
            if keep:
                print(f"Kept {folder / 'bench.db'}.")
            else:
                shutil.rmtree(folder, ignore_errors=True)


def project_file(services: list[str], themes: list[str], count: int, seed: int, stage_shift: int = 0) -> bytes:
    """A CSV of ``count`` projects of the generated services; ``stage_shift`` moves every stage along."""
    chance = random.Random(seed)
    stages = [stage.value for stage in ProjectStage]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["Partner", "Cycle", "Title", "Stage", "Themes", "Start date", "End date", "Lead contact"])
    for number in range(1, count + 1):
        cycle = chance.choice(CYCLES)
        start = dt.date(int(cycle[:4]), 9, chance.randint(1, 28))
        words = " ".join(chance.choices(WORDS, k=chance.randint(2, 6)))
        writer.writerow(
            [
                chance.choice(services),
                cycle,
                f"Imported project {number}: {words} (bench data)",
                stages[(chance.randrange(len(stages)) + stage_shift) % len(stages)],
                "; ".join(chance.sample(themes, chance.randint(1, 3))),
                f"{start:%d/%m/%Y}",
                f"{start + dt.timedelta(days=chance.randint(60, 320)):%d/%m/%Y}",
                "Example lead (bench data)",
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


def import_once(engine, data: bytes, filename: str) -> tuple[float, float, float, float, imports.ImportPlan, str]:
    """Seconds to read, plan and import ``data``, and its write transaction's; the plan; the import's report."""
    started = time.perf_counter()
    read_table(data, filename, imports.PROJECT_COLUMNS, max_rows=imports.MAX_ROWS)
    reading = time.perf_counter() - started

    started = time.perf_counter()
    with db.session_scope(engine, read_only=True) as session:
        plan = imports.plan(session, viewer=ADMIN, kind=imports.PROJECTS, data=data, filename=filename)
    planning = time.perf_counter() - started
    if plan.has_errors:
        raise SystemExit("\n".join(list(plan.error_lines())[:10]))

    # The write transaction runs from its BEGIN (IMMEDIATE on SQLite: the write lock) to its COMMIT.
    marks: dict[str, float] = {}

    def begun(connection) -> None:
        if connection.get_execution_options().get("ctdash_write"):  # not the read before it
            marks.setdefault("begin", time.perf_counter())

    def committed(_connection) -> None:
        marks["commit"] = time.perf_counter()

    event.listen(engine, "begin", begun)
    event.listen(engine, "commit", committed)
    started = time.perf_counter()
    try:
        with db.session_scope(engine) as session:
            report = imports.run(
                session,
                viewer=ADMIN,
                kind=imports.PROJECTS,
                data=data,
                filename=filename,
                expected_signature=plan.signature,
            )
    finally:
        event.remove(engine, "begin", begun)
        event.remove(engine, "commit", committed)
    importing = time.perf_counter() - started
    return reading, planning, importing, marks["commit"] - marks["begin"], plan, report.message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=imports.MAX_ROWS)
    parser.add_argument("--url", help="a PostgreSQL server to use instead of a temporary SQLite file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)

    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at the start"
    )
    with bench_database(args.url, args.keep) as url:
        engine = db.make_engine(url)
        try:
            print(f"Generated {generate(engine, findings=1000, seed=args.seed)}.")
            with db.session_scope(engine, read_only=True) as session:
                services = list(session.scalars(select(Partner.name).where(Partner.slug.startswith(SLUG_PREFIX))))
                themes = list(session.scalars(select(Theme.name)))
            print(f"{engine.dialect.name}: importing {args.rows:,} projects of {len(services)} generated services")
            print(f"{'file':<22}  {'read':>6}  {'dry run':>8}  {'import':>7}  {'transaction':>11}  result")
            for label, shift in (("new projects", 0), ("every stage changed", 1)):
                data = project_file(services, themes, args.rows, args.seed, stage_shift=shift)
                reading, planning, importing, transaction, plan, message = import_once(engine, data, "projects.csv")
                print(
                    f"{label:<22}  {reading:6.2f}  {planning:8.2f}  {importing:7.2f}  {transaction:11.2f}  "
                    f"{plan.summary()} {message}"
                )
            print(
                f"(seconds; the file is {len(data) / 1_000_000:.1f} MB; "
                f"load average {os.getloadavg()[0]:.2f} at the end)"
            )
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
