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

from ctdash.db import bump_revision, make_engine, migrate, session_scope
from ctdash.findings import EVIDENCE_TYPES
from ctdash.models import (
    Attachment,
    AttachmentBlob,
    Comment,
    CommentKind,
    Finding,
    FindingKind,
    FindingStatus,
    Partner,
    PartnerRole,
    PartnerRoleKind,
    Project,
    ProjectStage,
    Role,
    Theme,
    User,
    Visibility,
    finding_themes,
    project_themes,
)
from ctdash.seed import seed as seed_real_data

SLUG_PREFIX = "bench-"
NAME_PREFIX = "Example: "
BATCH = 2000
# Timestamps are anchored to a fixed day, not "now", so the same seed gives the same rows.
ANCHOR = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
CYCLES = [f"{year}-{(year + 1) % 100:02d}" for year in range(2018, 2027)]  # 2018-19 .. 2026-27

# Regions with a rough centre and spread, so generated services land inland in their own region.
REGIONS = {
    "North East": (54.85, -1.75, 0.3),
    "North West": (53.75, -2.55, 0.35),
    "Yorkshire and the Humber": (53.85, -1.35, 0.35),
    "East Midlands": (52.95, -1.05, 0.35),
    "West Midlands": (52.45, -2.1, 0.35),
    "East of England": (52.25, 0.35, 0.35),
    "London": (51.5, -0.12, 0.1),
    "South East": (51.2, -0.7, 0.3),
    "South West": (50.85, -3.25, 0.35),
}
# Invented syllables: the place names they make are fictional, and every name also carries a number.
NAME_STARTS = ["Ash", "Brack", "Cold", "Dun", "Elder", "Fen", "Glim", "Hazel", "Ivy", "Kest", "Lark", "Moss"]
NAME_STARTS += ["Nether", "Oak", "Pell", "Quill", "Rook", "Sallow", "Thorn", "Umber", "Vale", "Wren", "Yarrow"]
NAME_ENDS = ["barrow", "combe", "dene", "fold", "garth", "holme", "ley", "mere", "shaw", "stead", "thwaite", "wick"]
SERVICE_KINDS = ["Music Hub", "Music Service", "Music Education Hub", "Music Trust", "Music Partnership"]
LEADS = ["County Council", "Music Trust", "Education Partnership", "Arts Charity", "Borough Council"]

STAGE_WEIGHTS_PAST = {  # cycles already over: mostly complete
    ProjectStage.COMPLETE: 70,
    ProjectStage.SHARING: 15,
    ProjectStage.PAUSED: 8,
    ProjectStage.ANALYSIS: 7,
}
STAGE_WEIGHTS_RECENT = {  # the cycle just ended
    ProjectStage.COMPLETE: 30,
    ProjectStage.SHARING: 30,
    ProjectStage.ANALYSIS: 25,
    ProjectStage.PAUSED: 10,
    ProjectStage.DATA_COLLECTION: 5,
}
STAGE_WEIGHTS_CURRENT = {  # the cycle under way
    ProjectStage.PROPOSED: 15,
    ProjectStage.PLANNING: 25,
    ProjectStage.DATA_COLLECTION: 35,
    ProjectStage.ANALYSIS: 15,
    ProjectStage.PAUSED: 10,
}
KIND_WEIGHTS = {FindingKind.BARRIER: 40, FindingKind.ENABLER: 35, FindingKind.INSIGHT: 25}
STATUS_WEIGHTS = {
    FindingStatus.PUBLISHED: 55,
    FindingStatus.DRAFT: 20,
    FindingStatus.SUBMITTED: 15,
    FindingStatus.RETURNED: 10,
}
# Comments per non-draft finding; drafts get none, so the overall mean is about 2.
COMMENT_COUNT_WEIGHTS = {0: 18, 1: 18, 2: 20, 3: 18, 4: 12, 5: 8, 6: 4, 8: 2}
COMMENT_KIND_WEIGHTS = {CommentKind.SUPPORT: 55, CommentKind.QUESTION: 25, CommentKind.CHALLENGE: 20}

SUBJECTS = [
    "whole-class tuition",
    "area ensembles",
    "the loan instrument scheme",
    "remission forms",
    "rural schools",
    "special schools",
    "youth panels",
    "tutor training",
    "first-access lessons",
    "holiday courses",
    "shared transport",
    "the band programme",
    "singing strategy",
    "music technology clubs",
    "partnership schools",
    "progression routes",
]
GROUPS = [
    "pupils eligible for free school meals",
    "young carers",
    "children in care",
    "pupils with SEND",
    "families new to the area",
    "girls in music technology",
    "young people from Black and Asian communities",
    "pupils in small rural schools",
    "older teenagers",
    "families who do not speak English at home",
]
VERBS_ENABLER = ["helps", "keeps", "brings back", "encourages", "opens the door for", "works for"]
VERBS_BARRIER = ["puts off", "shuts out", "loses", "does not reach", "costs too much for", "confuses"]
VERBS_INSIGHT = ["matters more than we thought for", "looks different for", "is understood differently by"]
SENTENCES = [
    "In {n} of the schools we worked with, {group} were {change} after changes to {subject}.",
    "Interviews with {n} families suggest that {subject} {verb} {group} more than the timetable does.",
    "Tutors reported that {group} responded best when {subject} was planned with the class teacher.",
    "Attendance records over {n} weeks show a clear difference once {subject} was offered locally.",
    "Young people on the panel said {subject} felt like it was meant for someone else.",
    "The evidence is early and based on a small sample, so we are repeating it in the next cycle.",
    "Costs were the reason most often given, followed by transport and the time of day.",
    "Where a named member of staff followed up, {group} were much more likely to carry on.",
    "Families valued being asked; several said it was the first time anyone had.",
    "We would like the working group's view on whether the pattern holds in urban areas too.",
]
COMMENT_SENTENCES = [
    "We saw something similar in our area.",
    "How many pupils is this based on?",
    "It would help to know the sample size and the time of year.",
    "Great to see this written up; we are trying the same thing next term.",
    "Did you ask the young people themselves, or only their parents?",
    "Was attendance the right measure? Retention after a term might tell more.",
    "This matches what our tutors have been saying for a while.",
    "Could you share the interview questions?",
    "Our experience was different: transport was the main barrier, not cost.",
]


@dataclass(frozen=True)
class GenerateReport:
    services: int
    users: int
    projects: int
    findings: int
    comments: int
    attachments: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.services} services, {self.users} users, {self.projects} projects, {self.findings} findings, "
            f"{self.comments} comments, {self.attachments} attachments in {self.seconds:.1f} s"
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


def generate(
    engine: Engine,
    *,
    services: int = 200,
    projects: int = 1500,
    findings: int = 10000,
    attachments: int | None = None,
    seed: int = 1,
) -> GenerateReport:
    """Migrate, seed and fill ``engine``'s database with a generated dataset; refuse if one is there."""
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
                meta.append((status, updated))
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
            for finding_id, (status, updated) in zip(ids, meta, strict=True):
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
        attachments=len(attachment_ids),
        seconds=time.perf_counter() - started,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="database URL, e.g. sqlite:////tmp/ctdash-bench.db")
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--projects", type=int, default=1500)
    parser.add_argument("--findings", type=int, default=10000)
    parser.add_argument("--attachments", type=int, default=None, help="default: 3%% of findings, at least 50")
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
