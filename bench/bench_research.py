"""Time the research status page: its service calls, the timeline chart, and full reruns as a facilitator.

    python bench/bench_research.py                  # SQLite in a temporary folder, 1,500 projects
    python bench/bench_research.py --projects 300   # nearer the real programme's size
    python bench/bench_research.py --url postgresql+psycopg://ctdash_test:ctdash_pw@127.0.0.1:5432/ctdash_test

Uses the dataset and helpers of bench_home.py (same options for the database). Prints medians and
95th percentiles in milliseconds, next to the targets in DESIGN.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import platform
import secrets
import sys
import warnings
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``ctdash`` and ``bench`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench.bench_home import (
    APP,
    MISS_TARGET_MS,
    WARM_TARGET_MS,
    Figure,
    bench_database,
    dataset_arguments,
    describe,
    print_table,
    time_reruns,
    timed,
)
from ctdash import charts, db, projects, sign_in, users
from ctdash.config import get_settings
from ctdash.models import Project, Role
from ctdash.viewer import Viewer

FACILITATOR = Viewer(role=Role.FACILITATOR, name="Bench facilitator")


def service_figures(engine, repeat: int) -> list[Figure]:
    def read(func, **kwargs):
        def call():
            with db.session_scope(engine, read_only=True) as session:
                return func(session, viewer=FACILITATOR, **kwargs)

        return call

    with db.session_scope(engine, read_only=True) as session:
        newest = session.scalar(select(Project.cycle).order_by(Project.cycle.desc()).limit(1))
        project_id = session.scalar(select(Project.id).limit(1))
    frame = read(projects.board)()
    rows = [(row.partner, row.cycle, row.title, row.stage) for row in frame.itertuples()]
    cycles = sorted(set(frame["cycle"]))
    return [
        Figure("board, every project", timed(read(projects.board), repeat), MISS_TARGET_MS, f"{len(frame)} rows"),
        Figure("board, newest cycle", timed(read(projects.board, cycle=newest), repeat), MISS_TARGET_MS, newest),
        Figure("board_choices", timed(read(projects.board_choices), repeat), MISS_TARGET_MS),
        Figure("detail of one project", timed(read(projects.detail, project_id=project_id), repeat), MISS_TARGET_MS),
        Figure("summary (pandas, every rerun)", timed(lambda: projects.summary(frame), repeat), WARM_TARGET_MS),
        Figure(
            "timeline spec (Altair, once per change)",
            timed(lambda: charts.project_timeline(rows, cycles), max(3, repeat // 4)),
            MISS_TARGET_MS,
        ),
    ]


def apptest_figures(url: str, repeat: int) -> list[Figure]:
    from streamlit.testing.v1 import AppTest

    from ctdash.ui import auth

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    os.environ["CTDASH_DATABASE_URL"] = url
    os.environ.setdefault("CTDASH_COOKIE_KEY", secrets.token_urlsafe(48))
    get_settings.cache_clear()
    engine = db.make_engine(url)
    username = f"bench-{secrets.token_hex(4)}"
    with db.session_scope(engine) as session:
        users.create_user_from_cli(
            session,
            username=username,
            display_name="Bench facilitator",
            email=None,
            role="facilitator",
            partner_name=None,
            password=secrets.token_urlsafe(16) + "-Aa1",
        )
    with db.session_scope(engine) as session:
        session_id = sign_in.start_session(session, users.user_id_of(session, username))

    printed = io.StringIO()

    def check(at):
        problems = [str(item.value) for item in at.exception] + [str(item.value) for item in at.error]
        if problems:
            raise SystemExit("The research page failed:\n" + "\n".join(problems) + printed.getvalue()[-2000:])
        return at

    def bump():
        with db.session_scope(engine) as session:
            db.bump_revision(session, db.RESEARCH)

    with contextlib.redirect_stdout(printed):
        at = AppTest.from_file(APP, default_timeout=300)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = username
        at.session_state[auth.SESSION_ID] = session_id
        at.run()
        at.switch_page("pages/research.py")
        first, warm, misses = time_reruns(at, check, bump, repeat)
    engine.dispose()
    return [
        Figure("research page, first run", [first], None, "includes the first Altair import"),
        Figure("research page rerun, cache miss", misses, MISS_TARGET_MS, "research revision bumped"),
        Figure("research page rerun, warm", warm, WARM_TARGET_MS, "facilitator"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    dataset_arguments(parser, findings=2000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-apptest", action="store_true", help="time only the service calls")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    with bench_database(args) as url:
        engine = db.make_engine(url)
        version, counts = describe(engine)
        print(
            f"{version}; {counts['services']} services, {counts['projects']} projects; Python "
            f"{platform.python_version()}, {os.cpu_count()} CPUs; {args.repeat} repetitions; "
            f"load average {os.getloadavg()[0]:.2f} at the start"
        )
        figures = service_figures(engine, args.repeat)
        engine.dispose()
        if not args.skip_apptest:
            figures += apptest_figures(url, args.repeat)
        print()
        print_table(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
