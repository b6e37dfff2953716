"""The benchmark scripts of issue #11 at their smallest sizes, so they keep working: no timing is asserted.

The generator runs in-process on both backends; the page and concurrency benchmarks run as the
command lines they are, in a subprocess (the page benchmark changes Streamlit's page manager for its
whole process), each writing its results into the test's folder.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench.generate import generate
from ctdash import db, meetings, projects
from ctdash.models import (
    AgendaItem,
    Attachment,
    AttachmentBlob,
    AuditEvent,
    Meeting,
    Project,
    Role,
    WallJoin,
    WallPost,
)
from ctdash.viewer import Viewer

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--findings", "60", "--projects", "20", "--services", "8"]
FACILITATOR = Viewer(role=Role.FACILITATOR, name="Test facilitator")


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@BOTH
def test_the_generator_adds_sessions_walls_project_histories_and_large_files(engine):
    report = generate(
        engine, services=8, projects=20, findings=200, attachments=5, large_attachments=2, max_attachment_mb=1.5,
        sessions=30, seed=3,
    )  # fmt: skip
    with db.session_scope(engine, read_only=True) as session:
        titles = list(session.scalars(select(Meeting.title)))
        assert len(titles) == report.sessions == 30
        assert all(title.endswith("(example)") for title in titles)
        assert session.scalar(select(func.count()).where(Meeting.is_example.is_(False))) == 0
        assert session.scalar(select(func.count(AgendaItem.id))) == report.agenda_items > 0
        assert session.scalar(select(func.count(WallPost.id))) == report.wall_posts > 0
        assert session.scalar(select(func.count()).select_from(WallJoin)) > 0
        history = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.entity_type == "project"))
        assert history == report.history >= 20  # a creation line for each project at least
        large = session.execute(
            select(Attachment.size_bytes, Attachment.sha256, AttachmentBlob.data)
            .join(AttachmentBlob)
            .where(Attachment.size_bytes >= 1024 * 1024)
        ).all()
        assert report.large_attachments == len(large) == 2
        assert all(row.size_bytes <= 1.5 * 1024 * 1024 for row in large)
        assert all(hashlib.sha256(bytes(row.data)).hexdigest() == row.sha256 for row in large)
        # The services read what was generated as they read their own rows.
        listed = meetings.list_meetings(session, viewer=FACILITATOR)
        assert len(listed.upcoming) + len(listed.past) == 30
        project_id = session.scalar(select(Project.id).limit(1))
        lines = projects.detail(session, viewer=FACILITATOR, project_id=project_id).history
        assert lines and "created in" in lines[-1].what


def _run(script: str, url: str, folder: Path, *arguments: str) -> dict:
    finished = subprocess.run(
        [sys.executable, f"bench/{script}", "--url", url, "--results", str(folder), *SMALL, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "Traceback" not in finished.stderr, finished.stderr[-3000:]
    assert finished.returncode in (0, 1), finished.stdout[-2000:] + finished.stderr[-3000:]  # 1: a budget missed
    (written,) = folder.glob(f"{script.removesuffix('.py')}-*.json")
    assert written.with_suffix(".txt").exists()
    return json.loads(written.read_text())


@BOTH
def test_the_page_benchmark_times_every_page_and_interaction(database_url, tmp_path):
    results = _run("pages.py", database_url, tmp_path, "--repeat", "1", "--upload-repeat", "1")
    assert results["failures"] == []
    names = {figure["name"] for figure in results["figures"]}
    assert "home.py (anonymous), warm rerun" in names and "audit_log.py (admin), cold rerun" in names
    assert "share: submit with the 10 MB CSV" in names and "research: save a project's new stage" in names
    assert results["about"]["cpus"] and results["about"]["database"]


@BOTH
def test_the_concurrency_benchmark_finds_every_submission_once(database_url, tmp_path):
    results = _run(
        "concurrency.py", database_url, tmp_path,
        "--sessions", "3", "--views", "2", "--uploaders", "2", "--each", "2", "--attachment-kb", "8",
    )  # fmt: skip
    assert results["check"] | {"examples": []} == {
        "sent": 4, "stored": 4, "lost": 0, "duplicated": 0, "not_submitted": 0, "attachment_problems": 0,
        "examples": [],
    }  # fmt: skip
    assert [phase["operations"] for phase in results["phases"]] == [6, 4]
    assert all(phase["errors"] == 0 for phase in results["phases"])


def test_benchmark_titles_never_look_like_personal_details():
    """A hexadecimal tag ("d002be", a postcode to the safeguarding check) held 1 in 50 benchmark uploads back."""
    from bench.bench_home import title_token
    from bench.concurrency import TITLE_PREFIX
    from ctdash import safeguarding

    for number in range(2000):
        token = title_token()
        titles = (f"Bench upload {number} {token} (test data)", f"{TITLE_PREFIX} {token} 01-{number:03d} (test data)")
        for title in titles:
            assert not safeguarding.scan({"title": title}), title
