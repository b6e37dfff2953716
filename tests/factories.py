"""Small row builders for tests: each returns a flushed model with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from ctdash.models import Finding, FindingKind, FindingStatus, Partner, Project, ProjectStage, Visibility

_numbers = itertools.count(1)


def make_partner(session: Session, **fields) -> Partner:
    number = next(_numbers)
    values = {"slug": f"test-partner-{number}", "name": f"Test partner {number}", "short_name": f"Test {number}"}
    partner = Partner(**{**values, **fields})
    session.add(partner)
    session.flush()
    return partner


def make_project(session: Session, partner: Partner, **fields) -> Project:
    values = {"cycle": "2025-26", "title": f"Test project {next(_numbers)}", "stage": ProjectStage.PLANNING}
    project = Project(partner=partner, **{**values, **fields})
    session.add(project)
    session.flush()
    return project


def make_finding(session: Session, partner: Partner, **fields) -> Finding:
    values = {
        "title": f"Test finding {next(_numbers)}",
        "kind": FindingKind.INSIGHT,
        "status": FindingStatus.DRAFT,
        "visibility": Visibility.GROUP,
    }
    values.update(fields)
    if values["status"] == FindingStatus.PUBLISHED and "published_at" not in values:
        values["published_at"] = dt.datetime.now(dt.UTC)
    finding = Finding(partner=partner, **values)
    session.add(finding)
    session.flush()
    return finding
