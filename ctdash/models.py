"""The shared database schema, as SQLAlchemy 2.0 typed models.

Alembic owns the schema (``ctdash/migrations``); these classes describe it.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from ctdash import clock


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: SQLite keeps no zone, so we normalise on the way in and out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("ctdash stores aware datetimes only; pass a UTC time")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return clock.now()


# Every constraint gets a predictable name, so Alembic batch migrations on SQLite can find it.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

int_pk = Annotated[int, mapped_column(Integer, primary_key=True)]
created = Annotated[dt.datetime, mapped_column(UTCDateTime, default=utcnow, nullable=False)]
updated = Annotated[dt.datetime, mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False)]
short_text = Annotated[str, mapped_column(String(200))]
example_flag = Annotated[bool, mapped_column(Boolean, default=False, server_default="0", nullable=False, index=True)]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# The full-text search index is made by a migration, per backend, and is not a model: an FTS5 table
# and its shadow tables on SQLite, a generated column and its GIN index on PostgreSQL.
SEARCH_INDEX_TABLE = "findings_search"
SEARCH_INDEX_COLUMN = "search_vector"


def described_by_models(obj, name: str | None, type_: str, reflected: bool, compare_to) -> bool:
    """For Alembic's comparison: False for the search index's own tables, column and index."""
    if type_ == "table" and name and name.startswith(SEARCH_INDEX_TABLE):
        return False
    return not (type_ == "column" and name == SEARCH_INDEX_COLUMN) and not (
        type_ == "index" and name == f"ix_findings_{SEARCH_INDEX_COLUMN}"
    )


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: portable, and readable in a SQL shell.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=40,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class PartnerRoleKind(enum.StrEnum):
    ACTION_RESEARCH = "action_research_partner"
    WORKING_GROUP = "working_group_member"


class ProjectStage(enum.StrEnum):
    PROPOSED = "proposed"
    PLANNING = "planning"
    DATA_COLLECTION = "data collection"
    ANALYSIS = "analysis"
    SHARING = "sharing findings"
    COMPLETE = "complete"
    PAUSED = "paused"


class FindingKind(enum.StrEnum):
    ENABLER = "enabler"
    BARRIER = "barrier"
    INSIGHT = "insight"


class FindingStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETURNED = "returned"


class Visibility(enum.StrEnum):
    GROUP = "working_group"
    PUBLIC = "public"


class Role(enum.StrEnum):
    ADMIN = "admin"
    FACILITATOR = "facilitator"
    MEMBER = "member"


class CommentKind(enum.StrEnum):
    SUPPORT = "support"
    CHALLENGE = "challenge"
    QUESTION = "question"


class AgendaKind(enum.StrEnum):
    """What one screen of a working-group session shows."""

    WELCOME = "welcome"  # the session's title, place and the wall's QR code while people arrive
    FINDING = "finding"  # a published finding
    PARTNER = "partner"  # a partner service's profile
    MAP = "map"  # the partner map
    STATUS = "status"  # the research status board
    CHART = "chart"  # one of the library's theme charts (``AgendaItem.chart``)
    TEXT = "text"  # a free text slide
    WALL = "wall"  # the live wall


class WallPostStatus(enum.StrEnum):
    SHOWN = "shown"
    PENDING = "pending"  # an anonymous post waiting for a facilitator
    HIDDEN = "hidden"  # turned down or taken off the wall


class Partner(Base):
    """A music service or hub lead organisation in the programme."""

    __tablename__ = "partners"

    id: Mapped[int_pk]
    # Stable key used by the seed: admins may rename a service without the seed re-adding it.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[short_text] = mapped_column(unique=True)
    short_name: Mapped[str] = mapped_column(String(80))
    lead_organisation: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(80), index=True)
    local_authority: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    website: Mapped[str | None] = mapped_column(String(300))
    # What the service says about itself on its profile page (markdown, sanitised on the way out).
    profile_text: Mapped[str | None] = mapped_column(Text)
    # Shown to signed-in people only.
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1", index=True)
    is_example: Mapped[example_flag]
    created_at: Mapped[created]
    updated_at: Mapped[updated]
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    roles: Mapped[list[PartnerRole]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerRole.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude_range"),
    )


class PartnerRole(Base):
    """One role a partner held: action research in a cycle, or working-group membership since a year.

    ``cycle`` and ``since_year`` stay empty where the programme's public facts do not say.
    """

    __tablename__ = "partner_roles"

    id: Mapped[int_pk]
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    role: Mapped[PartnerRoleKind] = mapped_column(_enum(PartnerRoleKind, "partner_role_kind"), index=True)
    cycle: Mapped[str | None] = mapped_column(String(7))  # academic year, e.g. "2024-25"
    since_year: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(300))

    partner: Mapped[Partner] = relationship(back_populates="roles")


class Theme(Base):
    __tablename__ = "themes"

    id: Mapped[int_pk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[short_text] = mapped_column(unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


project_themes = Table(
    "project_themes",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True, index=True),
)

finding_themes = Table(
    "finding_themes",
    Base.metadata,
    Column("finding_id", ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int_pk]
    username: Mapped[str] = mapped_column(String(60), unique=True)  # stored lower-case
    display_name: Mapped[short_text]
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(_enum(Role, "user_role"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Sign-in bookkeeping (attempts, last sign-in, remembered sign-ins) lives in its own tables, so
    # signing in never moves ``version`` and never turns an administrator's edit into a false conflict.
    created_at: Mapped[created]
    updated_at: Mapped[updated]
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    partner: Mapped[Partner | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class Project(Base):
    """One action-research cycle of a partner."""

    __tablename__ = "projects"

    id: Mapped[int_pk]
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    cycle: Mapped[str] = mapped_column(String(7), index=True)
    title: Mapped[short_text]
    research_question: Mapped[str | None] = mapped_column(Text)
    stage: Mapped[ProjectStage] = mapped_column(_enum(ProjectStage, "project_stage"), index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    lead_contact: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    is_example: Mapped[example_flag]
    created_at: Mapped[created]
    updated_at: Mapped[updated]
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    partner: Mapped[Partner] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=project_themes, order_by=Theme.position)

    __mapper_args__ = {"version_id_col": version}


class Finding(Base):
    """An enabler of or barrier to inclusion, or an insight, shared by a partner service.

    A draft may be incomplete (``ctdash.findings`` says what it needs); every field is checked in
    full when it is submitted, so only a draft or a returned finding may lack its kind.
    """

    __tablename__ = "findings"

    id: Mapped[int_pk]
    title: Mapped[short_text]
    summary: Mapped[str] = mapped_column(Text, default="")  # markdown, sanitised on the way out
    kind: Mapped[FindingKind | None] = mapped_column(_enum(FindingKind, "finding_kind"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"), index=True)
    cycle: Mapped[str | None] = mapped_column(String(7), index=True)  # academic year, e.g. "2024-25"
    evidence_type: Mapped[str | None] = mapped_column(String(80))
    key_quote: Mapped[str | None] = mapped_column(Text)
    links: Mapped[str | None] = mapped_column(Text)  # http(s) addresses, one a line
    status: Mapped[FindingStatus] = mapped_column(_enum(FindingStatus, "finding_status"), default=FindingStatus.DRAFT)
    return_reason: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[Visibility] = mapped_column(
        _enum(Visibility, "visibility"), default=Visibility.GROUP, index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    is_example: Mapped[example_flag]
    created_at: Mapped[created]
    updated_at: Mapped[updated]
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # last submitted for review
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # The share form's token for its last save: a save whose commit was cut off, tried again, finds
    # the finding it made instead of making a second one (``ctdash.findings.save_draft``).
    save_token: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)

    partner: Mapped[Partner] = relationship()
    project: Mapped[Project | None] = relationship()
    author: Mapped[User | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=finding_themes, order_by=Theme.position)
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="finding", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="finding", cascade="all, delete-orphan", order_by="Comment.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_findings_status_visibility_published", "status", "visibility", "published_at"),
        # Counts by kind for any viewer's scope come from this index alone, without reading rows
        # (author_id: everyone signed in sees what they wrote).
        Index("ix_findings_kind_scope", "kind", "status", "visibility", "is_example", "partner_id", "author_id"),
        # "Latest published" reads this in order instead of skipping every unpublished row.
        Index("ix_findings_status_published", "status", "published_at"),
        CheckConstraint("kind IS NOT NULL OR status IN ('draft', 'returned')", name="kind_once_submitted"),
        # The findings library reads every finding's facet values from this index alone (ctdash.library).
        Index(
            "ix_findings_library",
            "id",
            "version",
            "status",
            "visibility",
            "partner_id",
            "author_id",
            "kind",
            "cycle",
            "evidence_type",
            "published_at",
            "updated_at",
        ),
        Index("ix_findings_title_order", text("lower(title)"), "id"),
    )


class Attachment(Base):
    """An attachment's metadata; the bytes live in ``attachment_blobs`` so listing never loads them."""

    __tablename__ = "attachments"

    id: Mapped[int_pk]
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    filename: Mapped[short_text]  # sanitised (ctdash.attachments.safe_filename): stored and offered as the download
    original_name: Mapped[str] = mapped_column(String(300))  # as uploaded, tidied; only ever shown as text
    description: Mapped[str | None] = mapped_column(String(300))  # the text alternative
    # The uploader confirms that the people shown or named in the file agreed to it being shared.
    consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", nullable=False)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    is_example: Mapped[example_flag]
    created_at: Mapped[created]

    finding: Mapped[Finding] = relationship(back_populates="attachments")
    blob: Mapped[AttachmentBlob] = relationship(cascade="all, delete-orphan", single_parent=True, lazy="raise")


class AttachmentBlob(Base):
    __tablename__ = "attachment_blobs"

    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Comment(Base):
    """Support and challenge from the working group on a finding."""

    __tablename__ = "comments"

    id: Mapped[int_pk]
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[CommentKind] = mapped_column(_enum(CommentKind, "comment_kind"), default=CommentKind.SUPPORT)
    body: Mapped[str] = mapped_column(Text)
    is_example: Mapped[example_flag]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    updated_at: Mapped[updated]
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # Hidden by a facilitator or admin as inappropriate: kept, never shown to the working group.
    hidden_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    finding: Mapped[Finding] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    __mapper_args__ = {"version_id_col": version}


class AuditEvent(Base):
    """Who did what, when: one row per change to a finding, project, partner or user, and per sign-in."""

    __tablename__ = "audit_events"

    id: Mapped[int_pk]
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor: Mapped[str] = mapped_column(String(120))  # kept as text: the trail outlives the account
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity_type: Mapped[str] = mapped_column(String(40), index=True)
    entity_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text, default="")


class SignInAttempt(Base):
    """One try at signing in, for any username typed, known or not, so lockout reveals nothing."""

    __tablename__ = "sign_in_attempts"

    id: Mapped[int_pk]
    username: Mapped[str] = mapped_column(String(80))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(10))  # "pending" (being checked), "success", "failure", "locked"

    __table_args__ = (Index("ix_sign_in_attempts_username_at", "username", "at"),)


class SignInSession(Base):
    """One sign-in of one person, remembered by the browser's cookie through its random ``id``.

    The server decides whether a remembered sign-in still counts from this row alone: it ends on
    sign-out, deactivation and password changes, and expires ``expires_at``.
    """

    __tablename__ = "sign_in_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[created]
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (Index("ix_sign_in_sessions_user_id_created_at", "user_id", "created_at"),)


class Visit(Base):
    """When a signed-in person's previous and current visits began, for "what's new" on Home.

    Bookkeeping, like sign-ins: writing it moves no data revision.
    """

    __tablename__ = "visits"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    previous_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    current_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False)


class Meeting(Base):
    """A working-group session or conference slot that facilitators present.

    Called a meeting in code so it never reads as a database session or a sign-in session; the
    pages call it a session. ``join_code`` is the short, unguessable address of its live wall.
    """

    __tablename__ = "meetings"

    id: Mapped[int_pk]
    title: Mapped[short_text]
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    place: Mapped[str | None] = mapped_column(String(300))  # a room, or an online link
    description: Mapped[str | None] = mapped_column(Text)
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    wall_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", nullable=False)
    anonymous_posts: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", nullable=False)
    public_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    is_example: Mapped[example_flag]
    created_at: Mapped[created]
    updated_at: Mapped[updated]
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )

    __mapper_args__ = {"version_id_col": version}


class AgendaItem(Base):
    """One screen of a session's agenda, in ``position`` order."""

    __tablename__ = "agenda_items"

    id: Mapped[int_pk]
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[AgendaKind] = mapped_column(_enum(AgendaKind, "agenda_kind"))
    title: Mapped[str | None] = mapped_column(String(200))  # the slide's heading, where the kind has none
    body: Mapped[str | None] = mapped_column(Text)  # a text slide's words, or a presenter's note
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id", ondelete="SET NULL"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"), index=True)
    chart: Mapped[str | None] = mapped_column(String(40))  # which library chart, for a chart item

    meeting: Mapped[Meeting] = relationship(back_populates="items")


class WallPost(Base):
    """One reflection posted to a session's live wall: a barrier or an enabler in a sentence.

    ``post_token`` comes from the form that was drawn, so a retried post is stored once; ``device``
    is a random per-browser id (hashed), for the per-device rate limit and the join count.
    """

    __tablename__ = "wall_posts"

    id: Mapped[int_pk]
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    kind: Mapped[FindingKind] = mapped_column(_enum(FindingKind, "finding_kind"))
    body: Mapped[str] = mapped_column(String(400))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device: Mapped[str] = mapped_column(String(64))
    status: Mapped[WallPostStatus] = mapped_column(_enum(WallPostStatus, "wall_post_status"))
    post_token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[created]
    moderated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id", ondelete="SET NULL"))  # its draft

    __table_args__ = (
        Index("ix_wall_posts_meeting_id_status_id", "meeting_id", "status", "id"),
        Index("ix_wall_posts_meeting_id_device_created_at", "meeting_id", "device", "created_at"),
    )


class WallJoin(Base):
    """A device that opened a session's wall form: the presenter's live count of people taking part."""

    __tablename__ = "wall_joins"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    device: Mapped[str] = mapped_column(String(64), primary_key=True)
    joined_at: Mapped[created]


class Highlight(Base):
    """A published finding a facilitator chose for the programme's report to its funder."""

    __tablename__ = "highlights"

    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True)
    note: Mapped[str | None] = mapped_column(String(500))
    chosen_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    chosen_at: Mapped[created]


class DataRevision(Base):
    """One counter per area of content that goes up with every committed change to it: the cache keys.

    Areas (``ctdash.db.AREAS``) keep a change to accounts from making the findings library cold.
    Audit rows and sign-in bookkeeping never move a counter: no page shows them through the cache.
    """

    __tablename__ = "data_revisions"

    area: Mapped[str] = mapped_column(String(20), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


# Which findings changed at which findings revision, for the library's index (``ctdash.library``):
# triggers (migration 0014) add a row for every insert, update and delete of a finding or of its theme
# links, with no revision; the commit that bumps the findings revision stamps them (``ctdash.db``). A
# row with ``finding_id`` 0 is a floor: the changes at or below its revision are not all kept.
finding_changes = Table(
    "finding_changes",
    Base.metadata,
    Column("revision", Integer, nullable=True),
    Column("finding_id", Integer, nullable=False),
    Index("ix_finding_changes_revision", "revision", "finding_id"),
)
