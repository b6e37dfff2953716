"""The real programme data from ``data/``: partner services, their roles, the themes vocabulary.

Seeding only adds what is missing, keyed by slug, so it is safe to run on every start and never
overwrites what admins have edited in the app.
"""

from __future__ import annotations

import csv
import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ctdash.config import DATA_DIR
from ctdash.db import MIGRATION_LOCK_WAIT, check_connection, migrate, session_scope, startup_lock
from ctdash.models import Partner, PartnerRole, PartnerRoleKind, Theme


@dataclass(frozen=True)
class SeedReport:
    partners_added: int = 0
    themes_added: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.partners_added or self.themes_added)


@dataclass(frozen=True)
class Programme:
    """Public facts about Changing Tracks, from ``data/programme.toml``."""

    name: str
    formerly: str
    lead: str
    funder: str
    network_facilitator: str
    action_research_since: int
    working_group: str
    about: str
    working_group_about: str
    sharing: str
    working_group_partners: list[str] = field(default_factory=list)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


@functools.cache  # shown on every home-page rerun; edits to the file take effect on restart
def load_programme(data_dir: Path = DATA_DIR) -> Programme:
    return Programme(**tomllib.loads((data_dir / "programme.toml").read_text(encoding="utf-8")))


def initialise(engine: Engine) -> SeedReport:
    """Bring a database to the current schema and add missing seed rows; safe to run on every start."""
    check_connection(engine, wait_for_lock=MIGRATION_LOCK_WAIT)
    with startup_lock(engine):  # replicas starting together take turns
        migrate(engine)
        with session_scope(engine) as session:
            return seed(session)


def seed(session: Session, data_dir: Path = DATA_DIR) -> SeedReport:
    """Add the seed partners and themes that are missing; leave existing rows exactly as they are."""
    return SeedReport(
        partners_added=_seed_partners(session, _rows(data_dir / "partners.csv")),
        themes_added=_seed_themes(session, _rows(data_dir / "themes.csv")),
    )


def _seed_partners(session: Session, rows: list[dict[str, str]]) -> int:
    existing = set(session.scalars(select(Partner.slug)))
    added = 0
    for row in rows:
        if row["slug"] in existing:
            continue
        partner = Partner(
            slug=row["slug"],
            name=row["name"],
            short_name=row["name"],
            lead_organisation=row["lead_organisation"] or None,
            region=row["region"] or None,
            local_authority=row["local_authority"] or None,
            latitude=float(row["latitude"]) if row["latitude"] else None,
            longitude=float(row["longitude"]) if row["longitude"] else None,
        )
        # Years are left empty: the programme's public facts do not say which cycles each service took part in.
        if row["action_research_partner"] == "yes":
            partner.roles.append(PartnerRole(role=PartnerRoleKind.ACTION_RESEARCH))
        if row["working_group_member"] == "yes":
            partner.roles.append(PartnerRole(role=PartnerRoleKind.WORKING_GROUP))
        session.add(partner)
        added += 1
    session.flush()
    return added


def _seed_themes(session: Session, rows: list[dict[str, str]]) -> int:
    existing = set(session.scalars(select(Theme.slug)))
    added = 0
    for position, row in enumerate(rows, start=1):
        if row["slug"] not in existing:
            session.add(Theme(slug=row["slug"], name=row["name"], position=position))
            added += 1
    session.flush()
    return added
