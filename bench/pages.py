"""Time a rerun of every page and the main interactions, server-side, under AppTest on the generated data.

    python bench/pages.py                      # SQLite in a temporary folder, 10,000 findings
    python bench/pages.py --url postgresql+psycopg://ctdash_test:ctdash_pw@127.0.0.1:5432/postgres
    python bench/pages.py --findings 500 --projects 60 --services 20 --repeat 2   # a quick look

Each page is opened as the viewer it is for (an anonymous visitor, a member of the generated service
with the most findings, a facilitator or an administrator; accounts made for the run) in its own
``AppTest``, then, in turns, ``--repeat`` times: a cold rerun (every data revision bumped from another
connection just before, so every cached read misses, as after a write on another replica) and a warm
rerun (the cache hit right after). The interactions are timed the same way, each round a new choice:
a theme filter and a search word in the findings library, opening a finding, moving a project's stage
on the research board (committed), and submitting a finding with a 10 MB attachment (committed).
Prints medians and 95th percentiles in milliseconds against the budgets of issue #11 (warm ≤ 50 ms and
cold ≤ 150 ms median; the 10 MB submission ≤ 1 s) and writes them to bench/results/ with the machine
description. Exits with status 1 when a median misses its budget.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import logging
import os
import secrets
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``ctdash`` and ``bench`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bench import machine
from bench.bench_home import (
    APP,
    Figure,
    bench_database,
    busiest_member,
    dataset_arguments,
    print_table,
    run_app_py_every_time,
    title_token,
)
from bench.bench_library import OTHER_WORDS
from ctdash import db, sign_in, users
from ctdash.config import get_settings
from ctdash.models import (
    Attachment,
    AuditEvent,
    Finding,
    FindingStatus,
    Meeting,
    Partner,
    Project,
    ProjectStage,
    Theme,
    Visibility,
    WallPost,
)

WARM_BUDGET_MS = 50
COLD_BUDGET_MS = 150
UPLOAD_BUDGET_MS = 1000
UPLOAD_MB = 10
ANONYMOUS, MEMBER, FACILITATOR, ADMIN = "anonymous", "member", "facilitator", "admin"


@dataclass(frozen=True)
class PageCase:
    file: str
    viewer: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Dataset:
    """Ids of rows the pages are opened on, and the accounts made for the run."""

    partner_id: int
    finding_ids: list[int]  # published, public
    project_ids: list[int]  # of the research board, to move
    meeting_id: int
    join_code: str
    themes: list[str]
    usernames: dict[str, str]
    sessions: dict[str, str]


def pages(data: Dataset) -> list[PageCase]:
    """Every page of the app, as the viewer it is for (setup.py is shown only before the first account)."""
    return [
        PageCase("home.py", ANONYMOUS),
        PageCase("library.py", ANONYMOUS),
        PageCase("partners.py", ANONYMOUS),
        PageCase("partner.py", ANONYMOUS, {"id": str(data.partner_id)}),
        PageCase("finding.py", ANONYMOUS, {"id": str(data.finding_ids[0])}),
        PageCase("wall.py", ANONYMOUS, {"s": data.join_code}),
        PageCase("sign_in.py", ANONYMOUS),
        PageCase("share.py", MEMBER),
        PageCase("my_findings.py", MEMBER),
        PageCase("account.py", MEMBER),
        PageCase("research.py", FACILITATOR),
        PageCase("project.py", FACILITATOR, {"id": str(data.project_ids[0])}),
        PageCase("review.py", FACILITATOR),
        PageCase("sessions.py", FACILITATOR),
        PageCase("session.py", FACILITATOR, {"id": str(data.meeting_id)}),
        PageCase("present.py", FACILITATOR, {"session": str(data.meeting_id)}),
        PageCase("report.py", FACILITATOR),
        PageCase("people.py", ADMIN),
        PageCase("import.py", ADMIN),
        PageCase("audit_log.py", ADMIN),
    ]


def prepare(engine, rounds: int) -> Dataset:
    """Accounts for each role, signed in, and the rows the pages and interactions are opened on."""
    member = busiest_member(engine)
    usernames, sessions = {}, {}
    with db.session_scope(engine) as session:
        partner_name = session.scalar(select(Partner.name).where(Partner.id == member.partner_id))
        for role in (MEMBER, FACILITATOR, ADMIN):
            username = f"bench-{role}-{secrets.token_hex(3)}"
            users.create_user_from_cli(
                session,
                username=username,
                display_name=f"Bench {role} (test data)",
                email=None,
                role=role,
                partner_name=partner_name if role == MEMBER else None,
                password=secrets.token_urlsafe(16) + "-Aa1",
            )
            usernames[role] = username
    with db.session_scope(engine) as session:
        for role, username in usernames.items():
            sessions[role] = sign_in.start_session(session, users.user_id_of(session, username))
        finding_ids = list(
            session.scalars(
                select(Finding.id)
                .where(Finding.status == FindingStatus.PUBLISHED, Finding.visibility == Visibility.PUBLIC)
                .order_by(Finding.id)
                .limit(rounds + 2)
            )
        )
        # The project with the longest history first (the project page's widest case), then ones whose
        # cards the board draws: each stage column draws its most recently updated cards first. Each
        # round moves the newest card of another stage (never "proposed", where the moves land, as
        # stage_figures chooses the first other stage), so the next card of a stage is its newest then.
        busiest = session.scalar(
            select(AuditEvent.entity_id)
            .where(AuditEvent.entity_type == "project")
            .group_by(AuditEvent.entity_id)
            .order_by(func.count().desc())
            .limit(1)
        )
        by_stage: dict[ProjectStage, list[int]] = {}
        for project_id, stage in session.execute(
            select(Project.id, Project.stage).order_by(Project.updated_at.desc(), Project.id.desc())
        ):
            by_stage.setdefault(stage, []).append(project_id)
        columns = [by_stage.get(stage, []) for stage in ProjectStage if stage != ProjectStage.PROPOSED]
        depth = max(map(len, columns))
        movable = [column[rank] for rank in range(depth) for column in columns if rank < len(column)][:rounds]
        meeting_id = session.scalar(
            select(WallPost.meeting_id).group_by(WallPost.meeting_id).order_by(func.count().desc()).limit(1)
        ) or session.scalar(select(Meeting.id).limit(1))
        meeting = session.get(Meeting, meeting_id)
        meeting.wall_open = True  # so the wall page shows its form, as during a session
        join_code = meeting.join_code
        themes = list(session.scalars(select(Theme.slug).where(Theme.active).order_by(Theme.position)))
    return Dataset(
        partner_id=member.partner_id,
        finding_ids=finding_ids,
        project_ids=[busiest, *movable],
        meeting_id=meeting_id,
        join_code=join_code,
        themes=themes,
        usernames=usernames,
        sessions=sessions,
    )


class Harness:
    """AppTest instances of app.py for each viewer, with their failures raised and their prints kept aside."""

    def __init__(self, url: str, data: Dataset) -> None:
        from streamlit.testing.v1 import AppTest

        self.AppTest = AppTest
        run_app_py_every_time()
        logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
            lambda record: "missing ScriptRunContext" not in record.getMessage()
        )
        os.environ["CTDASH_DATABASE_URL"] = url
        os.environ.setdefault("CTDASH_COOKIE_KEY", secrets.token_urlsafe(48))
        get_settings.cache_clear()
        self.data = data
        # An exception inside a fragment is logged by Streamlit, not shown in AppTest's elements: count those too.
        self.logged: list[str] = []
        handler = logging.Handler(logging.ERROR)
        handler.emit = lambda record: self.logged.append(record.getMessage()[:300])
        logging.getLogger().addHandler(handler)
        self.writer = db.make_engine(url)  # another replica's writes, as far as the app's cache can tell
        self.printed = io.StringIO()

    def open(self, case: PageCase):
        """A new AppTest on ``case``'s page, as its viewer; returns it after its first run and the first run's ms."""
        from ctdash.ui import auth

        with contextlib.redirect_stdout(self.printed):
            at = self.AppTest.from_file(APP, default_timeout=300)
            if case.viewer != ANONYMOUS:
                at.session_state["authentication_status"] = True
                at.session_state["username"] = self.data.usernames[case.viewer]
                at.session_state[auth.SESSION_ID] = self.data.sessions[case.viewer]
            self.check(at.run(), case.file)
            for name, value in case.params.items():
                at.query_params[name] = value
            started = time.perf_counter()
            self.check(at.switch_page(f"pages/{case.file}").run(), case.file)
            return at, (time.perf_counter() - started) * 1000

    def check(self, at, what: str):
        problems = [str(item.value) for item in at.exception] + [str(item.value) for item in at.error]
        problems += self.logged
        self.logged.clear()
        if problems:
            raise PageFailed(f"{what}: " + " | ".join(problems)[:500])
        return at

    def timed(self, action: Callable[[], object], what: str) -> float:
        with contextlib.redirect_stdout(self.printed):
            started = time.perf_counter()
            self.check(action(), what)
            return (time.perf_counter() - started) * 1000

    def bump(self) -> None:
        with db.session_scope(self.writer) as session:
            db.bump_revision(session)


class PageFailed(RuntimeError):
    pass


def page_figures(harness: Harness, repeat: int, only: set[str] | None = None) -> tuple[list[Figure], list[str]]:
    figures, failures = [], []
    for case in pages(harness.data):
        if only is not None and case.file.removesuffix(".py") not in only:
            continue
        label = f"{case.file} ({case.viewer})"
        try:
            at, first = harness.open(case)
            cold, warm = [], []
            for _ in range(repeat):
                harness.bump()
                cold.append(harness.timed(at.run, case.file))
                warm.append(harness.timed(at.run, case.file))
        except PageFailed as failure:
            failures.append(str(failure))
            continue
        figures.append(Figure(f"{label}, first visit", [first], None, "first run of this AppTest on the page"))
        figures.append(Figure(f"{label}, cold rerun", cold, COLD_BUDGET_MS, "every revision bumped"))
        figures.append(Figure(f"{label}, warm rerun", warm, WARM_BUDGET_MS, "cache hit"))
    return figures, failures


def _generation_key(at, form: str, name: str) -> str:
    """The key of ``form``'s widget ``name`` (a new one after each save, see ctdash.ui.forms)."""
    from ctdash.ui.forms import GENERATIONS

    generation = at.session_state[GENERATIONS].get(form, 0) if GENERATIONS in at.session_state else 0
    return f"{form}_{name}" + (f"_{generation}" if generation else "")


def library_figures(harness: Harness, repeat: int) -> list[Figure]:
    from ctdash.ui.library_views import FACET_KEYS, SEARCH_KEY

    at, _ = harness.open(PageCase("library.py", ANONYMOUS))
    filtering, searching = [], []
    themes = itertools.cycle(harness.data.themes)
    words = itertools.cycle(OTHER_WORDS)
    for _ in range(repeat):
        theme = next(themes)
        at.multiselect(key=FACET_KEYS["theme"]).set_value([theme])
        filtering.append(harness.timed(at.run, "library filter"))
        at.text_input(key=SEARCH_KEY).input(next(words))
        searching.append(harness.timed(at.run, "library search"))
        at.text_input(key=SEARCH_KEY).input("")
        at.multiselect(key=FACET_KEYS["theme"]).set_value([])
        harness.timed(at.run, "library cleared")
    return [
        Figure("library: choose a theme filter", filtering, COLD_BUDGET_MS, "a new view, revision unchanged"),
        Figure("library: search a word (theme chosen)", searching, COLD_BUDGET_MS, "a new word each round"),
    ]


def finding_figures(harness: Harness, repeat: int) -> list[Figure]:
    ids = harness.data.finding_ids[1 : repeat + 1]
    at, _ = harness.open(PageCase("finding.py", ANONYMOUS, {"id": str(harness.data.finding_ids[0])}))
    opening = []
    for finding_id in ids:
        at.query_params["id"] = str(finding_id)
        opening.append(harness.timed(at.run, f"finding {finding_id}"))
    return [Figure("open a finding (another each round)", opening, COLD_BUDGET_MS, "anonymous, published")]


def stage_figures(harness: Harness, repeat: int) -> list[Figure]:
    """Move a project on the research board: open its card's popover, choose a stage, save (committed)."""
    at, _ = harness.open(PageCase("research.py", FACILITATOR))
    opening, saving = [], []
    for project_id in harness.data.project_ids[1 : repeat + 1]:
        form = f"stage_{project_id}"
        at.session_state[_generation_key(at, form, "popover")] = True
        opening.append(harness.timed(at.run, "open a card"))
        stage = at.selectbox(key=_generation_key(at, form, "stage"))
        stage.select(next(option for option in stage.options if option != stage.value))
        saving.append(harness.timed(at.button(key=f"FormSubmitter:{form}-Save stage").click().run, "save stage"))
        if not at.success:
            raise PageFailed("research.py: the stage change was not confirmed")
    return [
        Figure("research: open a card's Move popover", opening, COLD_BUDGET_MS, "facilitator, board of every project"),
        Figure("research: save a project's new stage", saving, COLD_BUDGET_MS, "committed, then the board redrawn"),
    ]


def register(megabytes: float, seed: int) -> bytes:
    """A CSV file of ``megabytes`` (a class register's shape), different for each ``seed``."""
    header = b"school,pupil,week,attended,instrument\n"
    line = f"Example school {seed},pupil-{{:06d}},{{}},yes,violin\n"
    target = int(megabytes * 1024 * 1024)
    lines, size, number = [header], len(header), 0
    while size < target:
        row = line.format(number, number % 39 + 1).encode()
        lines.append(row)
        size += len(row)
        number += 1
    return b"".join(lines)


def upload_figures(harness: Harness, repeat: int, engine) -> list[Figure]:
    """Fill the Share form, attach a 10 MB CSV and submit it: the submitting rerun commits finding and file."""
    at, _ = harness.open(PageCase("share.py", MEMBER))
    attaching, submitting = [], []
    for number in range(repeat):
        data = register(UPLOAD_MB, number)
        title = f"Bench upload {number} {title_token()} (test data)"
        at.text_input(key=_generation_key(at, "share", "title")).input(title)
        at.text_area(key=_generation_key(at, "share", "summary")).input(
            "Attendance registers for the first term, attached for the benchmark (test data)."
        )
        at.radio(key=_generation_key(at, "share", "kind")).set_value("insight")
        at.multiselect(key=_generation_key(at, "share", "themes")).set_value(harness.data.themes[:1])
        at.selectbox(key=_generation_key(at, "share", "evidence_type")).set_value("participation data")
        harness.timed(at.run, "share form filled")
        prefix = _generation_key(at, "share", "uploader")
        uploader = next(widget for widget in at.get("file_uploader") if widget.key.startswith(prefix))
        at.file_uploader(key=uploader.key).set_value([(f"register-{number}.csv", data, "text/csv")])
        attaching.append(harness.timed(at.run, "share upload"))
        for widget in at.text_input:
            if "description_new" in widget.key:
                widget.input("Attendance register, one row a pupil a week")
        for widget in at.checkbox:
            if "consent_new" in widget.key:
                widget.check()
        harness.timed(at.run, "share description")
        submit = at.button(key=_generation_key(at, "share", "submit")).click()
        submitting.append(harness.timed(submit.run, "share submit"))
        with db.session_scope(engine, read_only=True) as session:
            stored = session.scalar(
                select(Attachment.size_bytes).join(Finding).where(Finding.title == title, Finding.status != "draft")
            )
        if stored != len(data):
            raise PageFailed(f"share.py: the {UPLOAD_MB} MB attachment was not stored whole ({stored} bytes)")
        harness.timed(at.button(key="share_another").click().run, "share another")
    return [
        Figure(f"share: attach a {UPLOAD_MB} MB CSV (rerun)", attaching, None, "checked, not yet stored"),
        Figure(f"share: submit with the {UPLOAD_MB} MB CSV", submitting, UPLOAD_BUDGET_MS, "committed"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    dataset_arguments(parser, results=True)
    parser.add_argument("--repeat", type=int, default=10, help="rounds per figure (default 10)")
    parser.add_argument("--upload-repeat", type=int, default=5, help="10 MB submissions (default 5)")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help="time only these pages and interactions: page file names without .py (home, research, ...), "
        "and library, finding, stage, upload for the interactions",
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")

    with bench_database(args) as url:
        engine = db.make_engine(url)
        about = machine.describe(engine)
        with db.session_scope(engine, read_only=True) as session:
            about["findings"] = session.scalar(select(func.count(Finding.id)))
            about["projects"] = session.scalar(select(func.count(Project.id)))
        print(machine.machine_line(about) + f"; {about['findings']} findings; {args.repeat} rounds")
        data = prepare(engine, max(args.repeat, args.upload_repeat))
        harness = Harness(url, data)
        only = set(args.only) if args.only else None
        figures, failures = page_figures(harness, args.repeat, only)
        interactions = {"library": library_figures, "finding": finding_figures, "stage": stage_figures}
        for name, interaction in interactions.items():
            if only is not None and name not in only:
                continue
            try:
                figures += interaction(harness, args.repeat)
            except PageFailed as failure:
                failures.append(str(failure))
        if only is None or "upload" in only:
            try:
                figures += upload_figures(harness, args.upload_repeat, engine)
            except PageFailed as failure:
                failures.append(str(failure))
        harness.writer.dispose()
        engine.dispose()

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        print(machine.machine_line(about))
        print_table(figures)
        print(
            f"Budgets (issue #11): warm rerun ≤ {WARM_BUDGET_MS} ms and cold ≤ {COLD_BUDGET_MS} ms, median; "
            f"the {UPLOAD_MB} MB submission committed ≤ {UPLOAD_BUDGET_MS} ms. 'MISSED' means the median is over."
        )
        for failure in failures:
            print(f"FAILED {failure}")
    table = buffer.getvalue()
    print(table)
    results = {"figures": machine.figure_rows(figures), "failures": failures}
    written = machine.write("pages", about, args, results, table)
    print(f"Written to {written} (and .txt).")
    missed = [figure for figure in figures if figure.verdict == "MISSED"]
    return 1 if missed or failures else 0


if __name__ == "__main__":
    sys.exit(main())
