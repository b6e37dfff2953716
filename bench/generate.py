"""Generate a realistic benchmark dataset: fictional services, projects, findings, comments, attachments.

    python bench/generate.py --url sqlite:////tmp/ctdash-bench.db [--findings 10000]

Migrates and seeds the database first (the 15 real partners and the themes), then bulk-inserts
the generated rows. Every generated row is flagged ``is_example`` and every service is fictional
("Example: " names, "bench-" slugs), so nothing is ever attributed to a real music service.
``python -m ctdash demo --remove`` takes it all out again.

Rows go in with multi-row INSERT statements in batches, never one ORM object per row.
The same ``seed`` gives the same dataset.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import secrets
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``ctdash`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bcrypt
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from bench.vocabulary import (
    AGENDA_SHAPE,
    AGENDA_TEXTS,
    COMMENT_COUNT_WEIGHTS,
    COMMENT_KIND_WEIGHTS,
    COMMENT_SENTENCES,
    GROUPS,
    KIND_WEIGHTS,
    LEADS,
    NAME_ENDS,
    NAME_STARTS,
    REGIONS,
    SENTENCES,
    SERVICE_KINDS,
    SESSION_PLACES,
    SESSION_TOPICS,
    STAGE_PATH,
    STAGE_WEIGHTS_CURRENT,
    STAGE_WEIGHTS_PAST,
    STAGE_WEIGHTS_RECENT,
    STATUS_WEIGHTS,
    SUBJECTS,
    VERBS_BARRIER,
    VERBS_ENABLER,
    VERBS_INSIGHT,
    WALL_KIND_WEIGHTS,
    WALL_SENTENCES,
    WALL_STATUS_WEIGHTS,
)
from ctdash.db import bump_revision, make_engine, migrate, session_scope
from ctdash.findings import EVIDENCE_TYPES
from ctdash.meetings import CHARTS, JOIN_ALPHABET, JOIN_CODE_LENGTH
from ctdash.models import (
    AgendaItem,
    AgendaKind,
    Attachment,
    AttachmentBlob,
    AuditEvent,
    Comment,
    Finding,
    FindingKind,
    FindingStatus,
    Meeting,
    Partner,
    PartnerRole,
    PartnerRoleKind,
    Project,
    ProjectStage,
    Role,
    Theme,
    User,
    Visibility,
    WallJoin,
    WallPost,
    WallPostStatus,
    finding_themes,
    project_themes,
)
from ctdash.seed import seed as seed_real_data

SLUG_PREFIX = "bench-"
NAME_PREFIX = "Example: "
BATCH = 2000
MB = 1024 * 1024
# Timestamps are anchored to a fixed day, not "now", so the same seed gives the same rows.
ANCHOR = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
CYCLES = [f"{year}-{(year + 1) % 100:02d}" for year in range(2018, 2027)]  # 2018-19 .. 2026-27


@dataclass(frozen=True)
class GenerateReport:
    services: int
    users: int
    projects: int
    findings: int
    comments: int
    attachments: int
    seconds: float
    history: int = 0  # audit rows on the projects' histories
    sessions: int = 0
    agenda_items: int = 0
    wall_posts: int = 0
    large_attachments: int = 0

    def __str__(self) -> str:
        return (
            f"{self.services} services, {self.users} users, {self.projects} projects "
            f"({self.history} history lines), {self.findings} findings, {self.comments} comments, "
            f"{self.attachments} attachments ({self.large_attachments} of 1 MB or more), {self.sessions} sessions "
            f"({self.agenda_items} agenda items, {self.wall_posts} wall posts) in {self.seconds:.1f} s"
        )


class AlreadyGenerated(RuntimeError):
    pass


def has_bench_data(session: Session) -> int:
    """How many generated services the database holds (0: none)."""
    return session.scalar(select(func.count(Partner.id)).where(Partner.slug.startswith(SLUG_PREFIX))) or 0


def _weighted(rng: random.Random, weights: dict, k: int | None = None):
    population, values = list(weights), list(weights.values())
    if k is None:
        return rng.choices(population, values)[0]
    return rng.choices(population, values, k=k)


def _batches(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert_returning_ids(session: Session, model, rows: list[dict]) -> list[int]:
    """Insert rows in batches; return their new ids in the order given."""
    ids: list[int] = []
    statement = insert(model).returning(model.id, sort_by_parameter_order=True)
    for batch in _batches(rows):
        ids.extend(session.scalars(statement, batch))
    return ids


def _insert(session: Session, table, rows: Iterable[dict]) -> int:
    """Core executemany in batches (no ids needed back)."""
    count = 0
    connection = session.connection()
    for batch in _batches(rows):
        connection.execute(insert(table), batch)
        count += len(batch)
    return count


def _text(rng: random.Random, low: int, high: int) -> str:
    """A summary of ``low``..``high`` characters made of plausible sentences."""
    target = rng.randint(low, high)
    parts: list[str] = []
    length = 0
    while length < target:
        sentence = rng.choice(SENTENCES).format(
            n=rng.randint(2, 40),
            group=rng.choice(GROUPS),
            subject=rng.choice(SUBJECTS),
            verb=rng.choice(VERBS_ENABLER + VERBS_BARRIER),
            change=rng.choice(["more likely to stay", "less likely to stay", "twice as likely to join"]),
        )
        parts.append(sentence)
        length += len(sentence) + 1
    return " ".join(parts)


def _title(rng: random.Random, kind: FindingKind) -> str:
    verbs = {FindingKind.ENABLER: VERBS_ENABLER, FindingKind.BARRIER: VERBS_BARRIER}.get(kind, VERBS_INSIGHT)
    subject = rng.choice(SUBJECTS)
    title = f"{subject[0].upper()}{subject[1:]} {rng.choice(verbs)} {rng.choice(GROUPS)}"
    if rng.random() < 0.3:
        title += f" in {rng.choice(['the first term', 'rural areas', 'secondary schools', 'the holidays'])}"
    return title[:200]


def _service_names(rng: random.Random, count: int, real_names: set[str]) -> list[tuple[str, str]]:
    """(name, short name) pairs, all fictional, all distinct, none equal to a real service's name."""
    names = []
    for number in range(1, count + 1):
        while True:
            place = rng.choice(NAME_STARTS) + rng.choice(NAME_ENDS)
            short = f"{place} {number:03d}"
            if place.lower() not in real_names:
                break
        names.append((f"{NAME_PREFIX}{place} {rng.choice(SERVICE_KINDS)} {number:03d}", short))
    return names


def _cycle_dates(cycle: str) -> tuple[dt.datetime, dt.datetime]:
    start_year = int(cycle[:4])
    return (
        dt.datetime(start_year, 9, 1, 9, 0, tzinfo=dt.UTC),
        min(dt.datetime(start_year + 1, 8, 31, 17, 0, tzinfo=dt.UTC), ANCHOR),
    )


def _stage(rng: random.Random, cycle: str) -> ProjectStage:
    index = CYCLES.index(cycle)
    if index == len(CYCLES) - 1:
        return _weighted(rng, STAGE_WEIGHTS_CURRENT)
    if index == len(CYCLES) - 2:
        return _weighted(rng, STAGE_WEIGHTS_RECENT)
    return _weighted(rng, STAGE_WEIGHTS_PAST)


def _between(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    seconds = max(0, int((end - start).total_seconds()))
    return start + dt.timedelta(seconds=rng.randint(0, seconds))


def _project_history(
    rng: random.Random, projects: Iterable[tuple[int, dict]], staff: list[tuple[int, str]]
) -> Iterator[dict]:
    """Audit rows as ``ctdash.projects`` writes them: the project's creation, then each stage it moved through."""
    for project_id, row in projects:
        title, stage, created, updated = row["title"], row["stage"], row["created_at"], row["updated_at"]
        if stage in STAGE_PATH:
            path = STAGE_PATH[: STAGE_PATH.index(stage) + 1]
        else:  # paused somewhere along the way
            path = [*STAGE_PATH[: rng.randint(1, len(STAGE_PATH) - 1)], stage]
        times = sorted(_between(rng, created, max(created, updated)) for _ in path[1:])
        actor_id, actor = rng.choice(staff)
        yield _audit_row(
            created,
            actor_id,
            actor,
            "project_created",
            project_id,
            f"{title}: created in {row['cycle']} at stage {path[0].value}",
        )
        for before, after, at in zip(path, path[1:], times, strict=False):
            actor_id, actor = rng.choice(staff)
            yield _audit_row(
                at,
                actor_id,
                actor,
                "project_stage_changed",
                project_id,
                f"{title}: stage: {before.value} -> {after.value}",
            )


def _audit_row(at: dt.datetime, actor_id: int, actor: str, action: str, project_id: int, summary: str) -> dict:
    return {
        "at": at,
        "actor_id": actor_id,
        "actor": actor,
        "action": action,
        "entity_type": "project",
        "entity_id": project_id,
        "summary": summary,
    }


def _csv_of_size(rng: random.Random, size: int) -> bytes:
    """A CSV table of about ``size`` bytes (a class register's shape), different for every call."""
    lines = ["school,pupil,week,attended,instrument\n"]
    length = len(lines[0])
    instruments = ["violin", "cornet", "clarinet", "drums", "voice", "ukulele", "keyboard"]
    while length < size:
        line = (
            f"{rng.choice(NAME_STARTS)} school {rng.randint(1, 99)},pupil-{rng.randint(1, 99999):05d},"
            f"{rng.randint(1, 39)},{rng.choice(['yes', 'no'])},{rng.choice(instruments)}\n"
        )
        lines.append(line)
        length += len(line)
    return "".join(lines).encode()


def _large_attachments(
    session: Session,
    rng: random.Random,
    finding_ids: list[int],
    user_ids: list[int],
    *,
    count: int,
    max_mb: float,
) -> int:
    """``count`` CSV attachments of 1 MB up to ``max_mb``, one statement each so no batch holds them all."""
    connection = session.connection()
    low = min(1.0, max_mb)
    for number in range(1, count + 1):
        megabytes = low + (max_mb - low) * (number - 1) / max(1, count - 1)
        # Whole lines, at least 1 MB (``low``) and never over ``max_mb``: a line is under 100 bytes.
        data = _csv_of_size(rng, max(int(low * MB), int(megabytes * MB) - 100))
        name = f"example-register-{number:03d}.csv"
        attachment_id = connection.execute(
            insert(Attachment).returning(Attachment.id),
            {
                "finding_id": rng.choice(finding_ids),
                "filename": name,
                "original_name": name,
                "content_type": "text/csv",
                "size_bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "uploaded_by_id": rng.choice(user_ids),
                "is_example": True,
                "created_at": ANCHOR - dt.timedelta(days=rng.randint(0, 2000)),
            },
        ).scalar_one()
        connection.execute(insert(AttachmentBlob.__table__), {"attachment_id": attachment_id, "data": data})
    return count


def _join_code(rng: random.Random, taken: set[str]) -> str:
    while True:
        code = "".join(rng.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if code not in taken:
            taken.add(code)
            return code


def _meetings(
    session: Session,
    rng: random.Random,
    count: int,
    public_ids: list[int],
    partner_ids: list[int],
    theme_ids: list[int],
    staff: list[tuple[int, str]],
    user_ids: list[int],
) -> tuple[int, int, int]:
    """Sessions over the last five years (a few still to come), their agendas and, once held, their walls.

    Rows shaped as ``ctdash.meetings`` and ``ctdash.wall`` make them; returns (sessions, items, posts).
    """
    taken = set(session.scalars(select(Meeting.join_code)))
    meeting_rows, shapes = [], []
    for number in range(1, count + 1):
        held_on = (ANCHOR + dt.timedelta(days=rng.randint(-5 * 365, 90))).date()
        created = min(ANCHOR, dt.datetime.combine(held_on, dt.time(9), tzinfo=dt.UTC) - dt.timedelta(days=21))
        anonymous = rng.random() < 0.5
        meeting_rows.append(
            {
                "title": f"{rng.choice(SESSION_TOPICS)} {number:03d} (example)",
                "held_on": held_on,
                "place": rng.choice(SESSION_PLACES),
                "description": "A generated session for benchmarks (example).",
                "join_code": _join_code(rng, taken),
                "wall_open": False,
                "anonymous_posts": anonymous,
                "public_only": rng.random() < 0.2,
                "created_by_id": rng.choice(staff)[0],
                "is_example": True,
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
        )
        shapes.append((held_on, anonymous, AGENDA_SHAPE[: rng.randint(4, len(AGENDA_SHAPE))]))
    meeting_ids = _insert_returning_ids(session, Meeting, meeting_rows)
    item_rows, post_rows, join_rows = [], [], []
    charts = sorted(CHARTS)
    for meeting_id, (held_on, anonymous, shape) in zip(meeting_ids, shapes, strict=True):
        for position, kind in enumerate(shape):  # from 0, as ctdash.meetings numbers them
            item_rows.append(
                {
                    "meeting_id": meeting_id,
                    "position": position,
                    "kind": AgendaKind(kind),
                    "title": rng.choice(AGENDA_TEXTS) if kind == "text" else None,
                    "body": "Points to discuss, written for the benchmark (example)." if kind == "text" else None,
                    "finding_id": rng.choice(public_ids) if kind == "finding" and public_ids else None,
                    "partner_id": rng.choice(partner_ids) if kind == "partner" else None,
                    "chart": rng.choice(charts) if kind == "chart" else None,
                }
            )
        if held_on > ANCHOR.date():
            continue  # not held yet: no wall
        start = dt.datetime.combine(held_on, dt.time(10), tzinfo=dt.UTC)
        devices = [hashlib.sha256(f"bench-device-{meeting_id}-{n}".encode()).hexdigest() for n in range(60)]
        joined = devices[: rng.randint(5, 60)]
        join_rows.extend({"meeting_id": meeting_id, "device": device, "joined_at": start} for device in joined)
        for _ in range(rng.randint(0, 3 * len(joined) // 2) if "wall" in shape else 0):
            device = rng.choice(joined)
            status = _weighted(rng, WALL_STATUS_WEIGHTS)
            signed_in = not anonymous or rng.random() < 0.4
            if signed_in and status == WallPostStatus.PENDING:
                status = WallPostStatus.SHOWN  # only an anonymous post waits for a facilitator
            moderated = status == WallPostStatus.HIDDEN or (not signed_in and status == WallPostStatus.SHOWN)
            at = start + dt.timedelta(seconds=rng.randint(0, 5400))
            post_rows.append(
                {
                    "meeting_id": meeting_id,
                    "kind": _weighted(rng, WALL_KIND_WEIGHTS),
                    "body": rng.choice(WALL_SENTENCES)
                    .format(
                        subject=rng.choice(SUBJECTS),
                        verb=rng.choice(VERBS_ENABLER + VERBS_BARRIER),
                        group=rng.choice(GROUPS),
                    )
                    .capitalize()[:400],
                    "theme_id": rng.choice(theme_ids) if rng.random() < 0.7 else None,
                    "partner_id": rng.choice(partner_ids) if rng.random() < 0.5 else None,
                    "author_id": rng.choice(user_ids) if signed_in else None,
                    "device": device,
                    "status": status,
                    "post_token": f"{rng.getrandbits(128):032x}",
                    "created_at": at,
                    "moderated_at": at + dt.timedelta(minutes=2) if moderated else None,
                    "moderated_by_id": rng.choice(staff)[0] if moderated else None,
                    "finding_id": None,
                }
            )
    _insert(session, AgendaItem.__table__, item_rows)
    _insert(session, WallJoin.__table__, join_rows)
    _insert(session, WallPost.__table__, post_rows)
    return len(meeting_ids), len(item_rows), len(post_rows)


def generate(
    engine: Engine,
    *,
    services: int = 200,
    projects: int = 1500,
    findings: int = 10000,
    attachments: int | None = None,
    large_attachments: int = 0,
    max_attachment_mb: float = 10,
    sessions: int | None = None,
    seed: int = 1,
) -> GenerateReport:
    """Migrate, seed and fill ``engine``'s database with a generated dataset; refuse if one is there.

    ``attachments`` small files (default 3% of findings) and ``large_attachments`` more, of sizes
    spread evenly from 1 MB to ``max_attachment_mb``; ``sessions`` working-group sessions (default one
    per 25 projects, at least 4) with their agendas and walls; every project gets its stage history.
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    attachments = max(50, findings * 3 // 100) if attachments is None else attachments
    migrate(engine)
    with session_scope(engine) as session:
        seed_real_data(session)
    with session_scope(engine) as session:
        if has_bench_data(session):
            raise AlreadyGenerated("this database already holds a generated dataset (slugs starting 'bench-')")
        real_names = {name.lower() for name in session.scalars(select(Partner.name))}
        real_names |= {name.lower() for name in session.scalars(select(Partner.short_name))}
        theme_ids = list(session.scalars(select(Theme.id).order_by(Theme.position)))

        # Services and their roles.
        names = _service_names(rng, services, real_names)
        partner_rows = []
        for number, (name, short) in enumerate(names, start=1):
            created = _between(rng, dt.datetime(2018, 1, 1, tzinfo=dt.UTC), dt.datetime(2018, 9, 1, tzinfo=dt.UTC))
            region = rng.choice(list(REGIONS))
            latitude, longitude, spread = REGIONS[region]
            partner_rows.append(
                {
                    "slug": f"{SLUG_PREFIX}{number:04d}",
                    "name": name,
                    "short_name": short,
                    "lead_organisation": f"{short.rsplit(' ', 1)[0]} {rng.choice(LEADS)} (fictional)",
                    "region": region,
                    "local_authority": "Example area (fictional)",
                    "latitude": round(latitude + rng.uniform(-spread, spread), 4),
                    "longitude": round(longitude + rng.uniform(-spread, spread) * 1.6, 4),
                    "website": None,
                    "active": rng.random() > 0.04,
                    "is_example": True,
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
            )
        partner_ids = _insert_returning_ids(session, Partner, partner_rows)
        role_rows = []
        for partner_id in partner_ids:
            for cycle in sorted(rng.sample(CYCLES, rng.randint(1, 4))):
                role_rows.append(
                    {
                        "partner_id": partner_id,
                        "role": PartnerRoleKind.ACTION_RESEARCH,
                        "cycle": cycle,
                        "since_year": None,
                        "note": None,
                    }
                )
            if rng.random() < 0.6:
                role_rows.append(
                    {
                        "partner_id": partner_id,
                        "role": PartnerRoleKind.WORKING_GROUP,
                        "cycle": None,
                        "since_year": rng.randint(2018, 2026),
                        "note": None,
                    }
                )
        _insert(session, PartnerRole.__table__, role_rows)

        # Accounts: one or two members per service, a few facilitators and admins. Nobody can sign in
        # as them: they share the bcrypt hash of random bytes that are thrown away at once.
        unusable_hash = bcrypt.hashpw(secrets.token_bytes(24), bcrypt.gensalt(rounds=4)).decode()
        user_rows = []
        user_partner: list[int | None] = []
        for partner_id in partner_ids:
            for _ in range(rng.choice([1, 1, 2])):
                user_partner.append(partner_id)
        user_partner += [None] * 8
        for number, partner_id in enumerate(user_partner, start=1):
            role = Role.MEMBER if partner_id else (Role.ADMIN if number % 4 == 0 else Role.FACILITATOR)
            user_rows.append(
                {
                    "username": f"bench-user-{number:04d}",
                    "display_name": f"Example person {number} (fictional)",
                    "email": None,
                    "password_hash": unusable_hash,
                    "role": role,
                    "partner_id": partner_id,
                    "active": True,
                    "must_change_password": True,
                    "created_at": ANCHOR,
                    "updated_at": ANCHOR,
                    "version": 1,
                }
            )
        user_ids = _insert_returning_ids(session, User, user_rows)
        staff = [  # facilitators and admins: who moves projects and runs sessions
            (user_id, row["display_name"])
            for user_id, row in zip(user_ids, user_rows, strict=True)
            if row["role"] != Role.MEMBER
        ]
        users_by_partner: dict[int, list[int]] = {}
        for user_id, partner_id in zip(user_ids, user_partner, strict=True):
            if partner_id is not None:
                users_by_partner.setdefault(partner_id, []).append(user_id)

        # Projects, spread over every cycle, with 1-3 themes each.
        project_rows = []
        project_cycle = []
        for _ in range(projects):
            partner_id = rng.choice(partner_ids)
            cycle = rng.choice(CYCLES)
            start, end = _cycle_dates(cycle)
            question = _title(rng, _weighted(rng, KIND_WEIGHTS)).rstrip(".") + "?"
            project_rows.append(
                {
                    "partner_id": partner_id,
                    "cycle": cycle,
                    "title": _title(rng, FindingKind.INSIGHT),
                    "research_question": f"Why {question[0].lower()}{question[1:]}",
                    "stage": _stage(rng, cycle),
                    "start_date": start.date(),
                    "end_date": dt.date(start.year + 1, 7, 31),
                    "lead_contact": "Example contact (fictional)",
                    "summary": _text(rng, 150, 500),
                    "is_example": True,
                    "created_at": start,
                    "updated_at": _between(rng, start, end),
                    "version": 1,
                }
            )
            project_cycle.append((partner_id, cycle))
        project_ids = _insert_returning_ids(session, Project, project_rows)
        history_count = _insert(
            session, AuditEvent.__table__, _project_history(rng, zip(project_ids, project_rows, strict=True), staff)
        )
        del project_rows
        _insert(
            session,
            project_themes,
            (
                {"project_id": project_id, "theme_id": theme_id}
                for project_id in project_ids
                for theme_id in rng.sample(theme_ids, rng.randint(1, 3))
            ),
        )

        # Findings (in chunks, so 100,000 of them never sit in memory as dicts at once),
        # with themes and comments.
        all_user_ids = user_ids
        finding_ids: list[int] = []
        public_ids: list[int] = []  # published and public: what a session's agenda shows
        comment_count = 0
        for chunk_start in range(0, findings, BATCH * 5):
            chunk = range(chunk_start, min(findings, chunk_start + BATCH * 5))
            rows = []
            meta = []
            for _ in chunk:
                index = rng.randrange(len(project_ids))
                partner_id, cycle = project_cycle[index]
                project_id = project_ids[index]
                if rng.random() < 0.08:  # a few findings belong to no project
                    project_id = None
                kind = _weighted(rng, KIND_WEIGHTS)
                status = _weighted(rng, STATUS_WEIGHTS)
                published = status == FindingStatus.PUBLISHED
                public_share = 0.6 if published else 0.3
                visibility = Visibility.PUBLIC if rng.random() < public_share else Visibility.GROUP
                start, end = _cycle_dates(cycle)
                created = _between(rng, start, end)
                latest = min(created + dt.timedelta(days=60), ANCHOR)
                published_at = _between(rng, created, latest) if published else None
                updated = published_at or _between(rng, created, min(created + dt.timedelta(days=90), ANCHOR))
                authors = users_by_partner.get(partner_id)
                rows.append(
                    {
                        "title": _title(rng, kind),
                        "summary": _text(rng, 200, 700),
                        "kind": kind,
                        "partner_id": partner_id,
                        "project_id": project_id,
                        "cycle": cycle,
                        "evidence_type": rng.choice(EVIDENCE_TYPES),
                        "status": status,
                        "return_reason": "Please add how many pupils took part."
                        if status == FindingStatus.RETURNED
                        else None,
                        "visibility": visibility,
                        "author_id": rng.choice(authors) if authors else None,
                        "is_example": True,
                        "created_at": created,
                        "updated_at": updated,
                        "submitted_at": None if status == FindingStatus.DRAFT else created,
                        "published_at": published_at,
                        "version": 1,
                    }
                )
                meta.append((status, updated, published and visibility == Visibility.PUBLIC))
            ids = _insert_returning_ids(session, Finding, rows)
            finding_ids.extend(ids)
            del rows
            _insert(
                session,
                finding_themes,
                (
                    {"finding_id": finding_id, "theme_id": theme_id}
                    for finding_id in ids
                    for theme_id in rng.sample(theme_ids, _weighted(rng, {1: 40, 2: 40, 3: 20}))
                ),
            )
            comment_rows = []
            public_ids.extend(finding_id for finding_id, (*_, public) in zip(ids, meta, strict=True) if public)
            for finding_id, (status, updated, _public) in zip(ids, meta, strict=True):
                if status == FindingStatus.DRAFT:
                    continue
                for _ in range(_weighted(rng, COMMENT_COUNT_WEIGHTS)):
                    at = min(updated + dt.timedelta(hours=rng.randint(1, 24 * 30)), ANCHOR)
                    body = " ".join(rng.sample(COMMENT_SENTENCES, rng.randint(1, 3)))
                    comment_rows.append(
                        {
                            "finding_id": finding_id,
                            "author_id": rng.choice(all_user_ids),
                            "kind": _weighted(rng, COMMENT_KIND_WEIGHTS),
                            "body": body,
                            "is_example": True,
                            "created_at": at,
                            "updated_at": at,
                            "version": 1,
                        }
                    )
            comment_count += _insert(session, Comment.__table__, comment_rows)

        # Attachments with small blobs.
        attachment_rows = []
        blobs = []
        for number, finding_id in enumerate(rng.sample(finding_ids, min(attachments, len(finding_ids))), start=1):
            if rng.random() < 0.5:
                lines = ["school,pupils_start,pupils_after_one_term\n"] + [
                    f"{chr(65 + i % 26)},{rng.randint(10, 35)},{rng.randint(0, 20)}\n"
                    for i in range(rng.randint(3, 80))
                ]
                data, content_type, ext = "".join(lines).encode(), "text/csv", "csv"
            else:
                data, content_type, ext = rng.randbytes(rng.randint(200, 4000)), "application/pdf", "pdf"
            attachment_rows.append(
                {
                    "finding_id": finding_id,
                    "filename": f"example-evidence-{number:05d}.{ext}",
                    "original_name": f"example-evidence-{number:05d}.{ext}",
                    "content_type": content_type,
                    "size_bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "uploaded_by_id": rng.choice(all_user_ids),
                    "is_example": True,
                    "created_at": ANCHOR - dt.timedelta(days=rng.randint(0, 2000)),
                }
            )
            blobs.append(data)
        attachment_ids = _insert_returning_ids(session, Attachment, attachment_rows)
        _insert(
            session,
            AttachmentBlob.__table__,
            (
                {"attachment_id": attachment_id, "data": data}
                for attachment_id, data in zip(attachment_ids, blobs, strict=True)
            ),
        )
        large_count = _large_attachments(
            session, rng, finding_ids, all_user_ids, count=large_attachments, max_mb=max_attachment_mb
        )
        sessions = max(4, projects // 25) if sessions is None else sessions
        meeting_counts = _meetings(session, rng, sessions, public_ids, partner_ids, theme_ids, staff, user_ids)
        bump_revision(session)  # bulk inserts skip the flush hook that counts writes

    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:  # fresh statistics, as autovacuum would give a live server
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    elif engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    return GenerateReport(
        services=len(partner_ids),
        users=len(user_ids),
        projects=len(project_ids),
        findings=len(finding_ids),
        comments=comment_count,
        attachments=len(attachment_ids) + large_count,
        history=history_count,
        sessions=meeting_counts[0],
        agenda_items=meeting_counts[1],
        wall_posts=meeting_counts[2],
        large_attachments=large_count,
        seconds=time.perf_counter() - started,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="database URL, e.g. sqlite:////tmp/ctdash-bench.db")
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--projects", type=int, default=1500)
    parser.add_argument("--findings", type=int, default=10000)
    parser.add_argument("--attachments", type=int, default=None, help="default: 3%% of findings, at least 50")
    parser.add_argument(
        "--large-attachments", type=int, default=0, help="this many more, of 1 MB up to --max-attachment-mb"
    )
    parser.add_argument("--max-attachment-mb", type=float, default=10)
    parser.add_argument("--sessions", type=int, default=None, help="default: one per 25 projects, at least 4")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    engine = make_engine(args.url)
    try:
        report = generate(
            engine,
            services=args.services,
            projects=args.projects,
            findings=args.findings,
            attachments=args.attachments,
            large_attachments=args.large_attachments,
            max_attachment_mb=args.max_attachment_mb,
            sessions=args.sessions,
            seed=args.seed,
        )
    except AlreadyGenerated as error:
        print(f"Nothing done: {error}.", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"Generated {report}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
