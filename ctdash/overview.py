"""The numbers and latest items on the home page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from ctdash.db import FINDINGS, RESEARCH, reads
from ctdash.models import (
    Finding,
    FindingKind,
    FindingStatus,
    Partner,
    PartnerRole,
    PartnerRoleKind,
    Project,
    ProjectStage,
)
from ctdash.permissions import visible_findings
from ctdash.viewer import Viewer


@dataclass(frozen=True)
class Count:
    label: str
    total: int
    examples: int = 0


@dataclass(frozen=True)
class FindingCard:
    id: int
    title: str
    kind: str
    partner: str
    published_at: dt.datetime | None
    visibility: str
    is_example: bool


@dataclass(frozen=True)
class Overview:
    partners: int
    partners_by_role: list[Count]
    example_partners: int
    projects_by_stage: list[Count]
    findings_by_kind: list[Count]
    latest_findings: list[FindingCard]

    @property
    def projects(self) -> int:
        return sum(count.total for count in self.projects_by_stage)

    @property
    def findings(self) -> int:
        return sum(count.total for count in self.findings_by_kind)


ROLE_LABELS = {
    PartnerRoleKind.ACTION_RESEARCH: "Action research partners",
    PartnerRoleKind.WORKING_GROUP: "Working group members",
}


@reads(RESEARCH, FINDINGS)
def load_overview(session: Session, *, viewer: Viewer, latest: int = 5) -> Overview:
    """Counts by role, stage and kind, and the newest published findings the viewer may see."""
    real = Partner.is_example.is_(False)
    partners = session.scalar(select(func.count(Partner.id)).where(Partner.active, real)) or 0
    example_partners = session.scalar(select(func.count(Partner.id)).where(Partner.active, Partner.is_example)) or 0
    by_role = dict(
        session.execute(
            select(PartnerRole.role, func.count(func.distinct(PartnerRole.partner_id)))
            .join(Partner)
            .where(Partner.active, real)
            .group_by(PartnerRole.role)
        ).all()
    )
    examples = func.sum(cast(Project.is_example, Integer))
    by_stage = {
        stage: (total, example or 0)
        for stage, total, example in session.execute(
            select(Project.stage, func.count(), examples).group_by(Project.stage)
        )
    }
    finding_examples = func.sum(cast(Finding.is_example, Integer))
    by_kind = {
        kind: (total, example or 0)
        for kind, total, example in session.execute(
            select(Finding.kind, func.count(), finding_examples).where(visible_findings(viewer)).group_by(Finding.kind)
        )
    }
    latest_rows = session.execute(
        select(
            Finding.id,
            Finding.title,
            Finding.kind,
            Partner.name,
            Finding.published_at,
            Finding.visibility,
            Finding.is_example,
        )
        .join(Partner)
        .where(visible_findings(viewer), Finding.status == FindingStatus.PUBLISHED)
        .order_by(Finding.published_at.desc(), Finding.id.desc())
        .limit(latest)
    ).all()
    return Overview(
        partners=partners,
        partners_by_role=[Count(label, by_role.get(role, 0)) for role, label in ROLE_LABELS.items()],
        example_partners=example_partners,
        projects_by_stage=[Count(stage.value, *by_stage.get(stage, (0, 0))) for stage in ProjectStage],
        findings_by_kind=[Count(kind.value, *by_kind.get(kind, (0, 0))) for kind in FindingKind],
        latest_findings=[
            FindingCard(row[0], row[1], row[2].value, row[3], row[4], row[5].value, row[6]) for row in latest_rows
        ],
    )
