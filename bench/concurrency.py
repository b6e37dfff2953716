"""Many people at once: browsing sessions and uploaders in real threads against one committed database.

    python bench/concurrency.py                      # SQLite in a temporary folder
    python bench/concurrency.py --url postgresql+psycopg://ctdash_test:ctdash_pw@127.0.0.1:5432/postgres
    python bench/concurrency.py --sessions 4 --views 3 --uploaders 2 --each 2 --findings 300   # a quick look

Two phases, one process (one engine and its pool, as one replica of the app serves everyone):
- ``--sessions`` threads browse at once, ``--views`` page views each: the services the home page, the
  library (a search word and a theme), a finding and the research board call, each view in its own
  read-only session. No Streamlit cache sits in front, so every view reads the database (the cold case).
- ``--uploaders`` threads, each a member of a different generated service, each share ``--each``
  findings: ``findings.save_draft`` with one CSV attachment (``--attachment-kb``, its bytes different
  for every finding) and then ``findings.submit``, each in its own committed transaction. A failed
  save is retried with the same save token, as the Share form does; every failure is counted.
Prints throughput, the 50th and 95th percentiles and the errors, then checks that every finding sent
is in the database exactly once, submitted, with exactly one attachment whose stored bytes have the
SHA-256 of the bytes sent. Writes the figures to bench/results/ with the machine's description.
Exits with status 1 when anything is lost, duplicated or corrupted, or a budget is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import math
import random
import statistics
import sys
import threading
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``ctdash`` and ``bench`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from bench import machine
from bench.bench_home import bench_database, dataset_arguments, title_token
from bench.bench_library import OTHER_WORDS
from ctdash import db, findings, library, projects
from ctdash.models import (
    Attachment,
    AttachmentBlob,
    Finding,
    FindingStatus,
    Partner,
    Role,
    Theme,
    User,
    Visibility,
)
from ctdash.overview import load_overview
from ctdash.ui import project_views
from ctdash.viewer import ANONYMOUS, Viewer

BROWSE_P95_BUDGET_MS = 1000
TITLE_PREFIX = "Concurrent upload"


@dataclass
class Phase:
    """What one phase measured: each operation's milliseconds, its wall time and the errors seen."""

    name: str
    unit: str
    samples_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    by_kind: dict[str, list[float]] = field(default_factory=dict)

    def record(self, milliseconds: float, kind: str | None = None) -> None:
        with self.lock:
            self.samples_ms.append(milliseconds)
            if kind:
                self.by_kind.setdefault(kind, []).append(milliseconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")

    def summary(self) -> dict:
        count = len(self.samples_ms)
        return {
            "name": self.name,
            "operations": count,
            "unit": self.unit,
            "seconds": round(self.seconds, 2),
            "throughput_per_second": round(count / self.seconds, 1) if self.seconds else None,
            "median_ms": round(statistics.median(self.samples_ms), 1) if count else None,
            "p95_ms": round(self.percentile(0.95), 1) if count else None,
            "max_ms": round(max(self.samples_ms), 1) if count else None,
            "errors": len(self.errors),
            "first_errors": sorted(Counter(self.errors).items(), key=lambda item: -item[1])[:5],
            "by_kind": {
                kind: {
                    "operations": len(samples),
                    "median_ms": round(statistics.median(samples), 1),
                    "p95_ms": round(sorted(samples)[max(0, math.ceil(0.95 * len(samples)) - 1)], 1),
                    "max_ms": round(max(samples), 1),
                }
                for kind, samples in sorted(self.by_kind.items())
            },
        }


def _describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0][:160] if str(error) else ''}"


# --- browsing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrowseData:
    finding_ids: list[int]
    themes: list[str]
    member: Viewer


def browse_data(engine) -> BrowseData:
    with db.session_scope(engine, read_only=True) as session:
        finding_ids = list(
            session.scalars(
                select(Finding.id).where(
                    Finding.status == FindingStatus.PUBLISHED, Finding.visibility == Visibility.PUBLIC
                )
            )
        )
        themes = list(session.scalars(select(Theme.slug).where(Theme.active)))
        partner_id = session.scalar(
            select(Finding.partner_id).group_by(Finding.partner_id).order_by(func.count().desc()).limit(1)
        )
    return BrowseData(finding_ids, themes, Viewer(role=Role.MEMBER, partner_id=partner_id, name="Bench member"))


def page_views(data: BrowseData, rng: random.Random) -> list[tuple[str, Callable]]:
    """What a visit's pages read, as (name, function of a session): the services behind each page."""
    facilitator = Viewer(role=Role.FACILITATOR, name="Bench facilitator")
    query = library.Query(text=rng.choice(OTHER_WORDS), themes=(rng.choice(data.themes),))
    finding_id = rng.choice(data.finding_ids)
    return [
        ("home", lambda session: load_overview(session, viewer=rng.choice([ANONYMOUS, data.member]))),
        ("library", lambda session: library.browse(session, viewer=ANONYMOUS, query=query)),
        ("finding", lambda session: findings.detail(session, viewer=ANONYMOUS, finding_id=finding_id)),
        # The board view reads each stage's count and the cards it draws first (the default view).
        (
            "research",
            lambda session: projects.board_columns(session, viewer=facilitator, per_stage=project_views.MAX_CARDS),
        ),
    ]


def browse(engine, data: BrowseData, sessions: int, views: int, seed: int, think: float = 0.0) -> Phase:
    pause = f", {think:g} s reading between views" if think else ", no pause between views"
    phase = Phase(f"{sessions} sessions browsing, {views} page views each{pause}", "page view")
    start = threading.Barrier(sessions)
    # A server that has served before: each view once, untimed, so the library's in-memory index is
    # built (the first view of a freshly started process builds it, about a second at 10,000 findings).
    for _name, read in page_views(data, random.Random(seed)):
        with db.session_scope(engine, read_only=True) as session:
            read(session)

    def visitor(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        start.wait()  # all at once
        for view in range(views):
            if think and view:
                time.sleep(rng.uniform(0.5 * think, 1.5 * think))  # a person reading the page
            name, read = rng.choice(page_views(data, rng))
            started = time.perf_counter()
            try:
                with db.session_scope(engine, read_only=True) as session:
                    read(session)
            except Exception as error:  # counted, and the visit carries on as a person would
                phase.error(f"{name}: {_describe_error(error)}")
                continue
            phase.record((time.perf_counter() - started) * 1000, name)

    started = time.perf_counter()
    with ThreadPoolExecutor(sessions) as pool:
        for future in [pool.submit(visitor, number) for number in range(sessions)]:
            future.result()
    phase.seconds = time.perf_counter() - started
    return phase


# --- uploading ----------------------------------------------------------------------------------


def uploaders_of(engine, count: int) -> list[Viewer]:
    """Generated members, one per generated service, as many as asked for."""
    with db.session_scope(engine, read_only=True) as session:
        rows = session.execute(
            select(User.id, User.partner_id, User.display_name)
            .join(Partner, Partner.id == User.partner_id)
            .where(User.role == Role.MEMBER, Partner.slug.startswith("bench-"), Partner.active)
            .order_by(User.partner_id, User.id)
        ).all()
    seen, members = set(), []
    for user_id, partner_id, name in rows:
        if partner_id not in seen:
            seen.add(partner_id)
            members.append(Viewer(user_id=user_id, role=Role.MEMBER, partner_id=partner_id, name=name))
    if len(members) < count:
        raise SystemExit(f"The dataset has {len(members)} generated services with members; ask for fewer uploaders.")
    return members[:count]


def attachment_bytes(run: str, uploader: int, number: int, kilobytes: int) -> bytes:
    """A CSV of about ``kilobytes``, its bytes unique to this run, uploader and finding."""
    header = f"school,pupil,week,attended\nExample school {run}-{uploader}-{number},pupil-0,0,yes\n".encode()
    seeded = random.Random(f"{run}-{uploader}-{number}")
    lines = [header]
    size = len(header)
    while size < kilobytes * 1024:
        line = f"Example school {seeded.randint(1, 99)},pupil-{seeded.randint(1, 99999)},{seeded.randint(1, 39)},yes\n"
        lines.append(line.encode())
        size += len(line)
    return b"".join(lines)


@dataclass(frozen=True)
class Sent:
    title: str
    sha256: str
    size: int


def upload(engine, members: list[Viewer], each: int, kilobytes: int, run: str, themes: list[str]) -> tuple[Phase, list]:
    phase = Phase(f"{len(members)} uploaders x {each} findings, {kilobytes} KB attachment each", "finding shared")
    sent: list[Sent] = []
    sent_lock = threading.Lock()
    start = threading.Barrier(len(members))

    def uploader(number: int, viewer: Viewer) -> None:
        start.wait()
        for index in range(each):
            data = attachment_bytes(run, number, index, kilobytes)
            title = f"{TITLE_PREFIX} {run} {number:02d}-{index:03d} (test data)"
            with sent_lock:
                sent.append(Sent(title, hashlib.sha256(data).hexdigest(), len(data)))
            fields = {
                "title": title,
                "summary": "Attendance over one term, shared during the concurrency benchmark (test data).",
                "kind": "insight",
                "themes": [themes[(number + index) % len(themes)]],
                "partner_id": viewer.partner_id,
                "project_id": None,
                "cycle": "2024-25",
                "evidence_type": "participation data",
                "visibility": "working_group",
            }
            token = f"bench-{run}-{number}-{index}"
            started = time.perf_counter()
            if share(engine, viewer, fields, data, token, phase):
                phase.record((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    with ThreadPoolExecutor(len(members)) as pool:
        for future in [pool.submit(uploader, number, viewer) for number, viewer in enumerate(members)]:
            future.result()
    phase.seconds = time.perf_counter() - started
    return phase, sent


def share(engine, viewer: Viewer, fields: dict, data: bytes, token: str, phase: Phase, attempts: int = 3) -> bool:
    """Save the draft with its file, then submit it; retry a failed step as the form would. True when submitted."""
    finding_id = None
    for _ in range(attempts):
        try:
            with db.session_scope(engine) as session:
                finding_id = findings.save_draft(
                    session,
                    viewer=viewer,
                    new_files=[
                        findings.NewAttachment(
                            name="register.csv", data=data, description="Attendance register", consent=True
                        )
                    ],
                    save_token=token,  # the same token again never saves twice
                    **fields,
                )
            break
        except Exception as error:
            phase.error(f"save_draft: {_describe_error(error)}")
    if finding_id is None:
        return False
    for _ in range(attempts):
        try:
            with db.session_scope(engine) as session:
                finding = session.get(Finding, finding_id)
                if finding.status == FindingStatus.SUBMITTED:
                    return True  # an earlier try was committed after all
                findings.submit(session, viewer=viewer, finding_id=finding_id, expected_version=finding.version)
            return True
        except Exception as error:
            phase.error(f"submit: {_describe_error(error)}")
    return False


def verify(engine, sent: list[Sent], run: str) -> dict:
    """Every finding sent stored once, submitted, with one attachment whose bytes are the ones sent."""
    expected = {item.title: item for item in sent}
    with db.session_scope(engine, read_only=True) as session:
        rows = session.execute(
            select(Finding.id, Finding.title, Finding.status).where(Finding.title.like(f"{TITLE_PREFIX} {run} %"))
        ).all()
        counts = Counter(row.title for row in rows)
        attachments = session.execute(
            select(Attachment.finding_id, Attachment.sha256, Attachment.size_bytes, AttachmentBlob.data)
            .join(AttachmentBlob, AttachmentBlob.attachment_id == Attachment.id)
            .where(Attachment.finding_id.in_([row.id for row in rows]))
        ).all()
    by_finding: dict[int, list] = {}
    for attachment in attachments:
        by_finding.setdefault(attachment.finding_id, []).append(attachment)
    problems: list[str] = []
    lost = sorted(set(expected) - set(counts))
    duplicated = sorted(title for title, count in counts.items() if count > 1)
    not_submitted = [row.title for row in rows if row.status != FindingStatus.SUBMITTED]
    wrong_files = []
    for row in rows:
        files = by_finding.get(row.id, [])
        want = expected.get(row.title)
        if want is None:
            problems.append(f"unexpected finding {row.title!r}")
            continue
        if len(files) != 1:
            wrong_files.append(f"{row.title}: {len(files)} attachments")
            continue
        stored = files[0]
        actual = hashlib.sha256(bytes(stored.data)).hexdigest()
        if not (stored.sha256 == actual == want.sha256 and stored.size_bytes == want.size == len(stored.data)):
            wrong_files.append(f"{row.title}: checksum or size differs")
    return {
        "sent": len(expected),
        "stored": len(rows),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "not_submitted": len(not_submitted),
        "attachment_problems": len(wrong_files),
        "examples": (lost[:3] + duplicated[:3] + not_submitted[:3] + wrong_files[:3] + problems[:3]),
    }


def table(phases: list[Phase], check: dict) -> str:
    lines = [
        f"{'phase':<58} {'ops':>6} {'seconds':>8} {'per s':>7} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>6}"
    ]
    for phase in phases:
        row = phase.summary()
        lines.append(
            f"{row['name']:<58} {row['operations']:>6} {row['seconds']:>8.1f} "
            f"{row['throughput_per_second'] or 0:>7.1f} "
            f"{row['median_ms'] or 0:>8.1f} {row['p95_ms'] or 0:>8.1f} {row['max_ms'] or 0:>8.1f} {row['errors']:>6}"
        )
        for kind, figures in row["by_kind"].items():
            lines.append(
                f"    {kind:<54} {figures['operations']:>6} {'':>8} {'':>7} {figures['median_ms']:>8.1f} "
                f"{figures['p95_ms']:>8.1f} {figures['max_ms']:>8.1f}"
            )
        for message, count in row["first_errors"]:
            lines.append(f"    {count} x {message}")
    lines.append(
        f"Check: {check['sent']} findings sent, {check['stored']} stored; lost {check['lost']}, duplicated "
        f"{check['duplicated']}, not submitted {check['not_submitted']}, attachments missing, doubled or with "
        f"other bytes {check['attachment_problems']}."
    )
    for example in check["examples"]:
        lines.append(f"    {example}")
    lines.append(
        f"Budgets (issue #11): browsing p95 ≤ {BROWSE_P95_BUDGET_MS} ms with no errors; "
        "zero lost or duplicated submissions."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    dataset_arguments(parser, results=True)
    parser.add_argument("--sessions", type=int, default=50, help="browsing sessions at once (default 50)")
    parser.add_argument("--views", type=int, default=20, help="page views per browsing session (default 20)")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds each browsing session reads a page before the next view, on average (default 0: "
        "every session asks again at once, the worst case; all start together either way)",
    )
    parser.add_argument("--uploaders", type=int, default=20, help="uploaders at once (default 20)")
    parser.add_argument("--each", type=int, default=50, help="findings each uploader shares (default 50)")
    parser.add_argument("--attachment-kb", type=int, default=64, help="size of each attachment (default 64 KB)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    run = title_token()

    with bench_database(args) as url:
        engine = db.make_engine(url)
        about = machine.describe(engine)
        print(machine.machine_line(about))
        data = browse_data(engine)
        members = uploaders_of(engine, args.uploaders)
        browsing = browse(engine, data, args.sessions, args.views, args.seed, args.think)
        print(f"Browsing done in {browsing.seconds:.1f} s.")
        uploading, sent = upload(engine, members, args.each, args.attachment_kb, run, data.themes)
        print(f"Uploading done in {uploading.seconds:.1f} s.")
        try:
            check = verify(engine, sent, run)
        except Exception:
            traceback.print_exc()
            check = {"sent": len(sent), "stored": 0, "lost": -1, "duplicated": -1, "not_submitted": -1,
                     "attachment_problems": -1, "examples": ["the check itself failed"]}  # fmt: skip
        engine.dispose()

    text = machine.machine_line(about) + "\n" + table([browsing, uploading], check)
    print(text)
    results = {"phases": [browsing.summary(), uploading.summary()], "check": check}
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        written = machine.write("concurrency", about, args, results, text)
    print(f"Written to {written} (and .txt).")
    browse_summary = browsing.summary()
    failed = (
        check["lost"] != 0
        or check["duplicated"] != 0
        or check["not_submitted"] != 0
        or check["attachment_problems"] != 0
        or browse_summary["errors"] > 0
        or (browse_summary["p95_ms"] or 0) > BROWSE_P95_BUDGET_MS
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
