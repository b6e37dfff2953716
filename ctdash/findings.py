"""Findings: the form's checks, drafts with their attachments, submitting, review and publishing, and reads.

Who may see a finding is decided once, by ``permissions.visible_findings``, which every read and
every write here applies: a finding the viewer may not see is "not found", in words that never
reveal its title. Who may change one is decided by ``permissions.may_edit_finding``: its author, or
a facilitator or administrator who can see it, while it is a draft or has been returned. Nobody
edits a submitted finding; a reviewer who wants changes returns it with a reason.

A draft needs a title and its service (a member's own, filled in for them; facilitators choose
one, since the service decides who else sees the draft): a busy person can save what they have
and carry on later, from any browser. Whatever else a draft holds is checked as it is (a link that
is not a web address, or a theme that does not exist, is refused in a draft too). Submitting checks
every field in full, needs consent for every attachment, and runs the safeguarding check, which
the person either fixes or confirms.

Draft -> submitted -> published; or submitted -> returned, with a reason. A returned finding stays
"returned" (its reason shown to its author) while its author changes it, and goes back to
"submitted" when they resubmit; the reason is then cleared from the finding and kept in its
history. Every change is checked against the version the person saw (``Conflict`` otherwise),
recorded in the finding's history (the audit trail), and moves the findings data revision.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ctdash import attachments, audit, clock, permissions, safeguarding
from ctdash.config import get_settings
from ctdash.db import FINDINGS, RESEARCH, reads
from ctdash.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ctdash.models import (
    Attachment,
    AttachmentBlob,
    AuditEvent,
    Finding,
    FindingKind,
    FindingStatus,
    Partner,
    Project,
    Role,
    Theme,
    User,
    Visibility,
)
from ctdash.projects import HistoryLine, normalise_cycle
from ctdash.text import INVISIBLE_CATEGORIES, clean_text
from ctdash.viewer import Viewer

# --- vocabularies -------------------------------------------------------------------------------

EVIDENCE_TYPES = (
    "survey",
    "interviews",
    "focus group",
    "observation",
    "participation data",
    "case study",
    "other",
)
KIND_LABELS = {FindingKind.ENABLER: "Enabler", FindingKind.BARRIER: "Barrier", FindingKind.INSIGHT: "Insight"}
VISIBILITY_LABELS = {Visibility.GROUP: "Working group only", Visibility.PUBLIC: "Public once published"}
STATUS_LABELS = {
    FindingStatus.DRAFT: "Draft",
    FindingStatus.SUBMITTED: "Submitted for review",
    FindingStatus.PUBLISHED: "Published",
    FindingStatus.RETURNED: "Returned to its author",
}
# The form's fields, in the order the form shows them: the keys of FieldErrors.errors.
FIELD_LABELS = {
    "title": "Title",
    "summary": "Summary",
    "kind": "Kind",
    "themes": "Themes",
    "partner_id": "Partner service",
    "project_id": "Research project",
    "cycle": "Cycle",
    "evidence_type": "Evidence type",
    "key_quote": "Key quote or data point",
    "links": "Links",
    "attachments": "Attachments",
    "visibility": "Visibility",
    "reason": "Reason",
}

MAX_TITLE = 200
MAX_SUMMARY = 10_000
MAX_KEY_QUOTE = 1_000
MAX_LINKS = 10
MAX_LINK = 500
MAX_REASON = 2_000
MAX_DESCRIPTION = 300
MAX_ORIGINAL_NAME = 300
REFERENCE_PREFIX = "CT-"

NOT_SHARED = "That finding does not exist or is not shared with you."
FILE_NOT_SHARED = "That file does not exist or is not shared with you."
NEXT_STEPS = (
    "A facilitator will read your finding and either publish it or return it to you with a note on what "
    "to change; My findings shows which."
)
LINK_HINT = (
    "each link must be a full web address starting with https:// or http://, such as https://www.example.org/report"
)


def reference(finding_id: int) -> str:
    """The reference people quote for a finding: CT-000123."""
    return f"{REFERENCE_PREFIX}{finding_id:06d}"


def describe_size(size_bytes: int) -> str:
    """A file's size for people: "820 bytes", "14 KB", "2.4 MB" (1 MB = 1,048,576 bytes, as uploads count)."""
    if size_bytes < 1024:
        return f"{size_bytes:,} bytes"
    if size_bytes < attachments.MB:
        return f"{size_bytes / 1024:,.0f} KB"
    return f"{size_bytes / attachments.MB:,.1f} MB".replace(".0 MB", " MB")


# --- errors -------------------------------------------------------------------------------------


class FieldErrors(InvalidInput):
    """Some fields cannot be accepted: ``errors`` maps each field's key to one sentence, in form order."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        order = list(FIELD_LABELS)
        self.errors = dict(sorted(errors.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99))
        names = [FIELD_LABELS.get(key, safeguarding.label(key)) for key in self.errors]
        count = len(names)
        super().__init__(f"{count} field{'s need' if count != 1 else ' needs'} attention: {', '.join(names)}.")


class SafeguardingNeeded(InvalidInput):
    """The finding may hold personal data: ``hits`` says what and where; fix it or confirm consent."""

    def __init__(self, hits: Sequence[safeguarding.Hit]) -> None:
        self.hits = list(hits)
        first = self.hits[0].describe(FIELD_LABELS)
        more = f" and {len(self.hits) - 1} more" if len(self.hits) > 1 else ""
        super().__init__(
            f"The finding may contain personal data ({first[0].lower()}{first[1:]}{more}); remove it, or confirm "
            "that the people concerned agreed and that nothing identifies a child or young person."
        )


# --- checking the form --------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingValues:
    """A finding's fields, checked: what the form becomes before it is stored."""

    title: str
    summary: str | None
    kind: FindingKind | None
    themes: tuple[str, ...]  # slugs, in the order given
    partner_id: int
    project_id: int | None
    cycle: str | None
    evidence_type: str | None
    key_quote: str | None
    links: tuple[str, ...]
    visibility: Visibility


def check_values(
    session: Session,
    *,
    viewer: Viewer,
    for_draft: bool = False,
    title: str | None = None,
    summary: str | None = None,
    kind: FindingKind | str | None = None,
    themes: Sequence[str] = (),
    partner_id: int | None = None,
    project_id: int | None = None,
    cycle: object = None,
    evidence_type: str | None = None,
    key_quote: str | None = None,
    links: Sequence[str] | str | None = (),
    visibility: Visibility | str | None = Visibility.GROUP,
) -> FindingValues:
    """Check every field in one pass; raises FieldErrors naming each field that needs attention.

    ``for_draft`` asks only for a title and a service (see the module's docstring); malformed values
    are refused either way. A member's service is their own (filled in when ``partner_id`` is None).
    With a research project and no cycle, the cycle is the project's.
    """
    errors: dict[str, str] = {}

    def checked(key: str, check):
        try:
            return check()
        except InvalidInput as error:
            errors[key] = str(error)
            return None

    checked_title = checked("title", lambda: clean_text(title, field="The title", limit=MAX_TITLE))
    if checked_title is None and "title" not in errors:
        errors["title"] = "Enter a title: a few words saying what was found."
    checked_summary = checked("summary", lambda: _check_summary(summary, for_draft))
    checked_kind = checked("kind", lambda: _check_kind(kind, for_draft))
    checked_themes = checked("themes", lambda: _check_themes(session, themes, for_draft))
    partner = checked("partner_id", lambda: _check_partner(session, viewer, partner_id))
    project = checked("project_id", lambda: _check_project(session, project_id, partner))
    checked_cycle = checked("cycle", lambda: _check_cycle(cycle, project))
    checked_evidence = checked("evidence_type", lambda: _check_evidence_type(evidence_type, for_draft))
    checked_quote = checked(
        "key_quote",
        lambda: clean_text(key_quote, field="The key quote or data point", limit=MAX_KEY_QUOTE, multiline=True),
    )
    checked_links = checked("links", lambda: check_links(links))
    checked_visibility = checked("visibility", lambda: _check_visibility(visibility, for_draft))
    if errors:
        raise FieldErrors(errors)
    return FindingValues(
        title=checked_title,
        summary=checked_summary,
        kind=checked_kind,
        themes=checked_themes,
        partner_id=partner.id,
        project_id=project.id if project else None,
        cycle=checked_cycle,
        evidence_type=checked_evidence,
        key_quote=checked_quote,
        links=checked_links,
        visibility=checked_visibility,
    )


def _check_summary(text: str | None, for_draft: bool) -> str | None:
    summary = clean_text(text, field="The summary", limit=MAX_SUMMARY, multiline=True)
    if summary is None and not for_draft:
        raise InvalidInput("Write a summary: what you found, with whom, and how you know.")
    return summary


def _check_kind(value: FindingKind | str | None, for_draft: bool) -> FindingKind | None:
    if isinstance(value, FindingKind):
        return value
    text = str(value or "").strip().lower()
    if not text:
        if for_draft:
            return None
        raise InvalidInput("Choose whether the finding is an enabler, a barrier or an insight.")
    try:
        return FindingKind(text)
    except ValueError:
        raise InvalidInput(
            f"{str(value)[:40]!r} is not a kind of finding; choose enabler, barrier or insight."
        ) from None


def _check_themes(session: Session, themes: Sequence[str] | str | None, for_draft: bool) -> tuple[str, ...]:
    slugs = [themes] if isinstance(themes, str) else list(themes or ())
    slugs = list(dict.fromkeys(str(slug).strip() for slug in slugs if slug and str(slug).strip()))
    if not slugs:
        if for_draft:
            return ()
        raise InvalidInput("Choose at least one theme the finding is about.")
    known = set(session.scalars(select(Theme.slug).where(Theme.active, Theme.slug.in_(slugs))))
    unknown = [slug for slug in slugs if slug not in known]
    if unknown:
        raise InvalidInput(f"{unknown[0][:80]!r} is not one of the themes; choose themes from the list.")
    return tuple(slugs)


def _check_partner(session: Session, viewer: Viewer, partner_id: int | None) -> Partner:
    if viewer.role == Role.MEMBER:
        if viewer.partner_id is None:
            raise InvalidInput(
                "Your account is not linked to a partner service yet; ask the programme team to link it to yours."
            )
        partner_id = viewer.partner_id if partner_id is None else partner_id
    if not permissions.may_share_for(viewer, partner_id):
        raise InvalidInput("You can share findings for your own service only; choose it as the partner service.")
    partner = session.get(Partner, partner_id) if isinstance(partner_id, int) else None
    if partner is None:
        raise InvalidInput("Choose the partner service the finding comes from.")
    return partner


def _check_project(session: Session, project_id: int | None, partner: Partner | None) -> Project | None:
    if project_id is None:
        return None
    project = session.get(Project, project_id) if isinstance(project_id, int) else None
    if project is None:
        raise InvalidInput("That research project no longer exists; choose another one, or none.")
    if partner is not None and project.partner_id != partner.id:
        raise InvalidInput(
            f"The research project {project.title!r} belongs to another service; "
            f"choose one of {partner.name}'s projects, or none."
        )
    return project


def _check_cycle(cycle: object, project: Project | None) -> str | None:
    empty = cycle is None or (isinstance(cycle, str) and not cycle.strip())
    if empty:
        return project.cycle if project else None
    normalised = normalise_cycle(cycle)
    if project is not None and normalised != project.cycle:
        raise InvalidInput(
            f"The research project {project.title!r} is in {project.cycle}; choose that cycle or leave it empty."
        )
    return normalised


def _check_evidence_type(value: str | None, for_draft: bool) -> str | None:
    text = " ".join(str(value or "").split()).lower()
    if not text:
        if for_draft:
            return None
        raise InvalidInput("Choose the kind of evidence behind the finding, or 'other'.")
    if text not in EVIDENCE_TYPES:
        raise InvalidInput(f"{str(value)[:40]!r} is not one of the kinds of evidence; choose one from the list.")
    return text


def _check_visibility(value: Visibility | str | None, for_draft: bool) -> Visibility:
    if isinstance(value, Visibility):
        return value
    text = str(value or "").strip().lower()
    if not text and for_draft:
        return Visibility.GROUP
    try:
        return Visibility(text)
    except ValueError:
        raise InvalidInput(
            "Choose who may see the finding once it is published: the working group only, or everyone."
        ) from None


def check_links(links: Sequence[str] | str | None) -> tuple[str, ...]:
    """Web addresses from a list or from text with one a line: http or https, with a host, no spaces.

    Empty lines and repeats are dropped. Raises InvalidInput naming the addresses that are not web
    addresses (``javascript:``, ``data:``, ``ftp:``, relative ones, ones with spaces), too long, or too many.
    """
    if links is None:
        items: list = []
    elif isinstance(links, str):
        items = links.splitlines()
    else:
        items = [line for item in links for line in str(item or "").splitlines()]
    unique = tuple(dict.fromkeys(item.strip() for item in items if item and item.strip()))
    if len(unique) > MAX_LINKS:
        raise InvalidInput(f"There are {len(unique)} links; keep to the {MAX_LINKS} that matter most.")
    too_long = [link for link in unique if len(link) > MAX_LINK]
    if too_long:
        raise InvalidInput(
            f"A link is {len(too_long[0]):,} characters long; keep each link to {MAX_LINK} "
            "(the page's own shorter address usually works)."
        )
    bad = [link for link in unique if not _is_web_address(link)]
    if bad:
        shown = ", ".join(repr(link[:60]) for link in bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        verb = "is not a web address" if len(bad) == 1 else "are not web addresses"
        raise InvalidInput(f"{shown} {verb}; {LINK_HINT}.")
    return unique


def _is_web_address(link: str) -> bool:
    if any(c.isspace() or unicodedata.category(c) in INVISIBLE_CATEGORIES for c in link):
        return False
    try:
        parts = urlsplit(link)
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        return False
    scheme = parts.scheme.lower()
    return scheme in ("http", "https") and bool(parts.hostname) and link[: len(scheme) + 3].lower() == f"{scheme}://"


# --- attachments --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAttachment:
    """A file to attach, as uploaded: its name, bytes, text alternative and the uploader's consent."""

    name: str
    data: bytes
    description: str | None = None
    consent: bool = False


@dataclass(frozen=True)
class AttachmentEdit:
    """A change to a stored attachment's text alternative or consent."""

    attachment_id: int
    description: str | None
    consent: bool


@dataclass(frozen=True)
class AttachmentLine:
    """An attachment's metadata (never its bytes: see ``attachment_data``)."""

    id: int
    name: str  # as uploaded, to show as text only
    filename: str  # sanitised: the download's name
    content_type: str
    size_bytes: int
    description: str | None
    consent: bool

    @property
    def size(self) -> str:
        return describe_size(self.size_bytes)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def _line(attachment: Attachment) -> AttachmentLine:
    return AttachmentLine(
        id=attachment.id,
        name=attachment.original_name,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size_bytes=attachment.size_bytes,
        description=attachment.description,
        consent=bool(attachment.consent),
    )


def _original_name(name: str) -> str:
    """The uploaded name, kept to show as text: no folders, invisible characters or line breaks."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(c for c in text if unicodedata.category(c) not in INVISIBLE_CATEGORIES | {"Zl", "Zp"})
    return " ".join(text.split())[:MAX_ORIGINAL_NAME] or "unnamed file"


def _description(text: str | None, name: str) -> str | None:
    return clean_text(text, field=f'The description of "{name[:80]}"', limit=MAX_DESCRIPTION)


@dataclass
class _FileChanges:
    """What a save does to a finding's files, once every file and description is checked."""

    added: list[tuple[attachments.CheckedFile, NewAttachment, str | None]] = field(default_factory=list)
    removed: list[Attachment] = field(default_factory=list)
    edited: list[tuple[Attachment, str | None, bool]] = field(default_factory=list)


def _check_files(
    existing: Sequence[Attachment],
    new_files: Sequence[NewAttachment],
    remove_ids: Sequence[int],
    edits: Sequence[AttachmentEdit],
) -> tuple[_FileChanges, list[str]]:
    """The checked changes to a finding's files and the problems found, one sentence each."""
    changes = _FileChanges()
    problems: list[str] = []
    by_id = {attachment.id: attachment for attachment in existing}
    remove = set(remove_ids)
    if remove - by_id.keys():
        problems.append("A file you removed is no longer part of this finding; reload the page to see its files.")
    changes.removed = [by_id[attachment_id] for attachment_id in sorted(remove & by_id.keys())]
    kept = [attachment for attachment in existing if attachment.id not in remove]
    for edit in edits:
        attachment = by_id.get(edit.attachment_id)
        if attachment is None or attachment.id in remove:
            problems.append("A file you described is no longer part of this finding; reload the page to see its files.")
            continue
        try:
            changes.edited.append((attachment, _description(edit.description, attachment.original_name), edit.consent))
        except InvalidInput as error:
            problems.append(str(error))
    if new_files:
        problems += _check_uploads(changes, kept, new_files)
    return changes, problems


def _check_uploads(changes: _FileChanges, kept: Sequence[Attachment], new_files: Sequence[NewAttachment]) -> list[str]:
    """Check new files by content, against the finding's limits with the files it keeps; add them to ``changes``."""
    settings = get_settings()
    limit_files, limit_bytes = settings.upload_max_files, settings.finding_max_mb * attachments.MB
    problems: list[str] = []
    if kept and len(kept) + len(new_files) > limit_files >= len(new_files):
        room = max(limit_files - len(kept), 0)
        problems.append(
            f"A finding can hold {limit_files} files and this one has {len(kept)}, so attach "
            f"{f'at most {room} more' if room else 'no more'}, or remove one first."
        )
    try:
        checked = attachments.check_files(
            [(upload.name, upload.data) for upload in new_files],
            max_bytes=settings.upload_max_mb * attachments.MB,
            max_total_bytes=limit_bytes,
            max_files=limit_files,
        )
    except attachments.AttachmentErrors as error:
        problems.extend(error.problems)
        checked = []
    total = sum(attachment.size_bytes for attachment in kept) + sum(result.size_bytes for result in checked)
    if kept and checked and total > limit_bytes:
        size = math.ceil(total / attachments.MB * 10) / 10  # rounded up: a byte over never shows as at the limit
        problems.append(
            f"With these files the finding's attachments would come to {size:g} MB, over the "
            f"{settings.finding_max_mb:,} MB one finding may hold; remove a file or attach smaller ones."
        )
    held = {attachment.sha256: attachment.original_name for attachment in kept}
    for result, upload in zip(checked, new_files, strict=False):  # in order; empty after a problem
        if result.sha256 in held:
            problems.append(
                attachments.DUPLICATE.format(name=_original_name(upload.name)[:80], first=held[result.sha256][:80])
            )
    descriptions = []
    for upload in new_files:
        try:
            descriptions.append(_description(upload.description, _original_name(upload.name)))
        except InvalidInput as error:
            problems.append(str(error))
    if not problems:
        changes.added = list(zip(checked, new_files, descriptions, strict=True))
    return problems


def _apply_files(session: Session, viewer: Viewer, finding: Finding, changes: _FileChanges) -> list[str]:
    """Store the checked changes to a finding's files; returns them as its history shows them."""
    described = []
    if changes.removed:
        ids = [attachment.id for attachment in changes.removed]
        # Bulk deletes: the ORM would load every blob to cascade, and bytes are never loaded here.
        session.execute(delete(AttachmentBlob).where(AttachmentBlob.attachment_id.in_(ids)))
        session.execute(delete(Attachment).where(Attachment.id.in_(ids)))
        session.expire(finding, ["attachments"])
        described.append("removed " + ", ".join(attachment.original_name for attachment in changes.removed))
    for attachment, description, consent in changes.edited:
        notes = []
        if attachment.description != description:
            attachment.description = description
            notes.append("description")
        if bool(attachment.consent) != bool(consent):
            attachment.consent = bool(consent)
            notes.append("consent given" if consent else "consent withdrawn")
        if notes:
            described.append(f"{attachment.original_name}: {', '.join(notes)}")
    for result, upload, description in changes.added:
        session.add(
            Attachment(
                finding_id=finding.id,
                filename=result.stored_name,
                original_name=_original_name(upload.name),
                description=description,
                consent=bool(upload.consent),
                content_type=result.content_type,
                size_bytes=result.size_bytes,
                sha256=result.sha256,
                uploaded_by_id=viewer.user_id,
                blob=AttachmentBlob(data=result.data),
            )
        )
    if changes.added:
        added = [
            f"{_original_name(upload.name)} ({describe_size(checked.size_bytes)})"
            for checked, upload, _ in changes.added
        ]
        described.append("added " + ", ".join(added))
        session.expire(finding, ["attachments"])  # read again (after the next flush) with the new ones
    return [f"attachments: {text}" for text in described]


# --- drafts -------------------------------------------------------------------------------------


def _finding_for_update(session: Session, viewer: Viewer, finding_id: int, expected_version: int) -> Finding:
    # Locked as it is read, so the version compared is the one stored now, against the one the person saw.
    finding = session.scalars(
        select(Finding)
        .where(Finding.id == finding_id, permissions.visible_findings(viewer))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if finding is None:
        raise NotFound(NOT_SHARED)
    if finding.version != expected_version:
        raise Conflict(
            f"Someone else changed the finding {finding.title!r} while you were working on it. Your changes are "
            "still in the form: load the latest version to see theirs, then make yours again."
        )
    return finding


def _saved_with(
    session: Session, viewer: Viewer, save_token: str | None, *, for_update: bool = False
) -> Finding | None:
    """The viewer's finding last saved with ``save_token``, if that save was committed."""
    if save_token is None:
        return None
    query = select(Finding).where(Finding.save_token == save_token, Finding.author_id == viewer.user_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def saved_with(session: Session, *, viewer: Viewer, save_token: str) -> bool:
    """Whether a save the viewer made with ``save_token`` was committed."""
    return _saved_with(session, viewer, save_token) is not None


def _themes_of(session: Session, slugs: Sequence[str]) -> list[Theme]:
    by_slug = {theme.slug: theme for theme in session.scalars(select(Theme).where(Theme.slug.in_(slugs)))}
    return [by_slug[slug] for slug in slugs]


def _stored(values: FindingValues) -> dict:
    """The checked values as the finding's columns hold them."""
    return {
        "title": values.title,
        "summary": values.summary or "",
        "kind": values.kind,
        "themes": values.themes,
        "partner_id": values.partner_id,
        "project_id": values.project_id,
        "cycle": values.cycle,
        "evidence_type": values.evidence_type,
        "key_quote": values.key_quote,
        "links": "\n".join(values.links) or None,
        "visibility": values.visibility,
    }


def _shown(session: Session, key: str, value) -> str:
    if value is None or value == () or value == "":
        return "empty"
    if key in ("summary", "key_quote"):
        return f"{len(value):,} characters"
    if key == "links":
        count = len(value.splitlines())
        return f"{count} link{'s' if count != 1 else ''}"
    if key == "partner_id":
        return session.scalar(select(Partner.name).where(Partner.id == value)) or f"service #{value}"
    if key == "project_id":
        return session.scalar(select(Project.title).where(Project.id == value)) or f"project #{value}"
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(getattr(value, "value", value))


def _set_fields(session: Session, finding: Finding, stored: dict) -> list[str]:
    """Set the fields that differ; returns them as the history shows them, before -> after.

    Nothing is flushed meanwhile, so the caller writes the row once and its version moves by one.
    """
    changes = []
    with session.no_autoflush:
        for key, value in stored.items():
            before = tuple(theme.slug for theme in finding.themes) if key == "themes" else getattr(finding, key)
            if before == value:
                continue
            name = {"partner_id": "service", "project_id": "project"}.get(key, key.replace("_", " "))
            changes.append(f"{name}: {_shown(session, key, before)} -> {_shown(session, key, value)}")
            setattr(finding, key, _themes_of(session, value) if key == "themes" else value)
    return changes


def save_draft(
    session: Session,
    *,
    viewer: Viewer,
    finding_id: int | None = None,
    expected_version: int | None = None,
    new_files: Sequence[NewAttachment] = (),
    remove_attachment_ids: Sequence[int] = (),
    attachment_edits: Sequence[AttachmentEdit] = (),
    save_token: str | None = None,
    **fields,
) -> int:
    """Start a draft (no ``finding_id``) or change a draft or returned finding; returns its id.

    ``save_token`` names this save: a form sends the same token again when it cannot tell whether
    its last save was committed (the database went away during the commit). A finding already
    saved with that token is then the one changed, whatever the ``finding_id`` and version the form
    holds: the save is never made twice, and never turns into a conflict with itself.

    ``fields`` are those of ``check_values``, checked as a draft. Files are checked by content
    within the finding's limits (``upload_max_mb`` a file, ``finding_max_mb`` and
    ``upload_max_files`` a finding) and stored in the caller's transaction with the finding: a
    problem with any field or file raises FieldErrors and nothing is written. Raises Conflict when
    ``expected_version`` is not the stored one, NotFound when the viewer may not see the finding,
    PermissionDenied when they may not change it.
    """
    permissions.require_share_findings(viewer)
    finding = _saved_with(session, viewer, save_token, for_update=True)
    if finding is None and finding_id is not None:
        if expected_version is None:
            raise ValueError("changing a finding needs the version the person saw (expected_version)")
        finding = _finding_for_update(session, viewer, finding_id, expected_version)
    if finding is not None:
        permissions.require_edit_finding(viewer, author_id=finding.author_id, status=finding.status)
    errors: dict[str, str] = {}
    try:
        values = check_values(session, viewer=viewer, for_draft=True, **fields)
    except FieldErrors as error:
        errors.update(error.errors)
        values = None
    file_changes, problems = _check_files(
        finding.attachments if finding else (), new_files, remove_attachment_ids, attachment_edits
    )
    if problems:
        errors["attachments"] = " ".join(problems)
    if errors:
        raise FieldErrors(errors)
    assert values is not None

    stored = _stored(values)
    if finding is None:
        finding = Finding(
            **{key: value for key, value in stored.items() if key != "themes"},
            themes=_themes_of(session, values.themes),
            status=FindingStatus.DRAFT,
            author_id=viewer.user_id,
            save_token=save_token,
        )
        session.add(finding)
        session.flush()
        file_notes = _apply_files(session, viewer, finding, file_changes)
        audit.record(
            session,
            actor=viewer,
            action="finding_drafted",
            entity_type="finding",
            entity_id=finding.id,
            summary=f"{finding.title}: draft started" + "".join(f"; {note}" for note in file_notes),
        )
        return finding.id

    # Files first: their bulk deletes flush the session, and the finding's row is to be written once.
    file_notes = _apply_files(session, viewer, finding, file_changes)
    changes = _set_fields(session, finding, stored) + file_notes
    if save_token is not None:
        finding.save_token = save_token
    if changes:
        finding.updated_at = clock.now()  # files or themes alone touch no column of the row: move its version
        session.flush()
        audit.record(
            session,
            actor=viewer,
            action="finding_changed",
            entity_type="finding",
            entity_id=finding.id,
            summary=f"{finding.title}: " + "; ".join(changes),
        )
    return finding.id


# --- submitting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """What the person is shown after submitting: the reference, what was saved, what happens next."""

    finding_id: int
    reference: str
    title: str
    submitted_at: dt.datetime
    fields: tuple[tuple[str, str], ...]  # (label, value as saved), in form order
    attachments: tuple[AttachmentLine, ...]
    confirmed_hits: int  # possible personal details the person confirmed were agreed to
    next_steps: str


def _values_of(finding: Finding) -> dict:
    """A stored finding's fields, as check_values takes them."""
    return {
        "title": finding.title,
        "summary": finding.summary,
        "kind": finding.kind,
        "themes": [theme.slug for theme in finding.themes],
        "partner_id": finding.partner_id,
        "project_id": finding.project_id,
        "cycle": finding.cycle,
        "evidence_type": finding.evidence_type,
        "key_quote": finding.key_quote,
        "links": finding.links,
        "visibility": finding.visibility,
    }


def scan(finding: Finding) -> list[safeguarding.Hit]:
    """Personal data in what the finding would share: its text fields, links and its files' names and descriptions."""
    fields = {
        "title": finding.title,
        "summary": finding.summary,
        "key_quote": finding.key_quote,
        "links": finding.links,
    }
    for attachment in finding.attachments:
        fields[f"description of {attachment.original_name}"] = attachment.description
    return safeguarding.scan(fields, filenames=[attachment.original_name for attachment in finding.attachments])


def submit(
    session: Session,
    *,
    viewer: Viewer,
    finding_id: int,
    expected_version: int,
    confirmed_safeguarding: bool = False,
) -> Receipt:
    """Submit a draft or returned finding for review, checking every field in full.

    Raises FieldErrors (attachments without consent among them), SafeguardingNeeded when the scan
    finds possible personal data and ``confirmed_safeguarding`` is False, Conflict, NotFound and
    PermissionDenied as ``save_draft`` does.
    """
    permissions.require_share_findings(viewer)
    finding = _finding_for_update(session, viewer, finding_id, expected_version)
    permissions.require_edit_finding(viewer, author_id=finding.author_id, status=finding.status)
    errors: dict[str, str] = {}
    try:
        values = check_values(session, viewer=viewer, **_values_of(finding))
    except FieldErrors as error:
        errors.update(error.errors)
        values = None
    without_consent = [attachment.original_name for attachment in finding.attachments if not attachment.consent]
    if without_consent:
        names = ", ".join(f'"{name[:80]}"' for name in without_consent)
        errors["attachments"] = (
            f"Confirm that the people shown or named in {names} agreed to "
            f"{'it' if len(without_consent) == 1 else 'them'} being shared, or remove "
            f"{'that file' if len(without_consent) == 1 else 'those files'}."
        )
    if errors:
        raise FieldErrors(errors)
    assert values is not None
    hits = scan(finding)
    if hits and not confirmed_safeguarding:
        raise SafeguardingNeeded(hits)

    tidied = _set_fields(session, finding, _stored(values))  # e.g. a project's cycle, changed since the draft
    now = clock.now()
    finding.status = FindingStatus.SUBMITTED
    finding.submitted_at = now
    finding.return_reason = None
    finding.updated_at = now
    session.flush()
    confirmed = (
        f"; {len(hits)} possible personal detail{'s' if len(hits) != 1 else ''} confirmed as agreed "
        f"({', '.join(dict.fromkeys(safeguarding.KINDS[hit.kind] for hit in hits))})"
        if hits
        else ""
    )
    audit.record(
        session,
        actor=viewer,
        action="finding_submitted",
        entity_type="finding",
        entity_id=finding.id,
        summary=f"{finding.title}: submitted for review{confirmed}" + "".join(f"; {change}" for change in tidied),
    )
    return _receipt(session, finding, values, confirmed_hits=len(hits))


def _receipt(session: Session, finding: Finding, values: FindingValues, *, confirmed_hits: int) -> Receipt:
    return Receipt(
        finding_id=finding.id,
        reference=reference(finding.id),
        title=finding.title,
        submitted_at=finding.submitted_at,
        fields=_receipt_fields(session, values),
        attachments=tuple(_line(attachment) for attachment in finding.attachments),
        confirmed_hits=confirmed_hits,
        next_steps=NEXT_STEPS,
    )


def submitted_with(session: Session, *, viewer: Viewer, save_token: str | None) -> Receipt | None:
    """The receipt of the viewer's submit made with ``save_token``, if that submit was committed.

    A form whose submit was cut off during the commit sends it again with the same token: when the
    first one was saved, the person is shown its receipt instead of a refusal to change it.
    """
    finding = _saved_with(session, viewer, save_token)
    if finding is None or finding.status in (FindingStatus.DRAFT, FindingStatus.RETURNED):
        return None
    values = check_values(session, viewer=viewer, **_values_of(finding))
    return _receipt(session, finding, values, confirmed_hits=len(scan(finding)))


def _receipt_fields(session: Session, values: FindingValues) -> tuple[tuple[str, str], ...]:
    theme_names = dict(session.execute(select(Theme.slug, Theme.name).where(Theme.slug.in_(values.themes))).all())
    return (
        ("Title", values.title),
        ("Summary", f"{len(values.summary or ''):,} characters"),
        ("Kind", KIND_LABELS[values.kind]),
        ("Themes", ", ".join(theme_names[slug] for slug in values.themes)),
        ("Partner service", _shown(session, "partner_id", values.partner_id)),
        ("Research project", _shown(session, "project_id", values.project_id) if values.project_id else "none"),
        ("Cycle", values.cycle or "not given"),
        ("Evidence type", values.evidence_type.capitalize()),
        ("Key quote or data point", values.key_quote or "none"),
        ("Links", "\n".join(values.links) or "none"),
        ("Visibility", VISIBILITY_LABELS[values.visibility]),
    )


# --- review -------------------------------------------------------------------------------------


def _submitted_for_review(session: Session, viewer: Viewer, finding_id: int, expected_version: int, action: str):
    permissions.require(viewer, permissions.REVIEW_FINDINGS)
    finding = _finding_for_update(session, viewer, finding_id, expected_version)
    if finding.status != FindingStatus.SUBMITTED:
        raise InvalidInput(
            f"Only a finding submitted for review can be {action}; this one is {STATUS_LABELS[finding.status].lower()}."
        )
    return finding


def publish(session: Session, *, viewer: Viewer, finding_id: int, expected_version: int) -> None:
    """Publish a submitted finding (facilitators and administrators): it is then seen as its visibility says."""
    finding = _submitted_for_review(session, viewer, finding_id, expected_version, "published")
    now = clock.now()
    finding.status = FindingStatus.PUBLISHED
    finding.published_at = now
    finding.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=viewer,
        action="finding_published",
        entity_type="finding",
        entity_id=finding.id,
        summary=f"{finding.title}: published ({VISIBILITY_LABELS[finding.visibility].lower()})",
    )


RETURNED_MARK = ": returned to the author"


def return_to_author(
    session: Session, *, viewer: Viewer, finding_id: int, expected_version: int, reason: str | None
) -> None:
    """Return a submitted finding to its author with a reason (facilitators and administrators).

    Raises FieldErrors (key "reason") when the reason is missing or too long.
    """
    permissions.require(viewer, permissions.REVIEW_FINDINGS)
    try:
        checked_reason = clean_text(reason, field="The reason", limit=MAX_REASON, multiline=True)
    except InvalidInput as error:
        raise FieldErrors({"reason": str(error)}) from None
    if checked_reason is None:
        raise FieldErrors({"reason": "Say what the author should change, so they can fix it and resubmit."})
    finding = _submitted_for_review(session, viewer, finding_id, expected_version, "returned")
    finding.status = FindingStatus.RETURNED
    finding.return_reason = checked_reason
    finding.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor=viewer,
        action="finding_returned",
        entity_type="finding",
        entity_id=finding.id,
        summary=f"{finding.title}{RETURNED_MARK}: {checked_reason}",
    )


# --- reads --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingDetail:
    """Everything a finding's page shows, for one viewer."""

    id: int
    reference: str
    title: str
    summary: str  # markdown as typed: the page renders it through the sanitiser
    kind: str | None  # None only in a draft
    themes: dict[str, str]  # slug -> name, in the vocabulary's order
    partner_id: int
    partner: str
    project_id: int | None  # None for visitors: projects are the working group's
    project: str | None
    cycle: str | None
    evidence_type: str | None
    key_quote: str | None
    links: tuple[str, ...]
    visibility: str
    status: str
    author: str | None  # None for visitors, and when the account is gone
    is_own: bool
    return_reason: str | None  # for the author and reviewers only
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None
    attachments: tuple[AttachmentLine, ...]
    history: tuple[HistoryLine, ...]  # newest first; for signed-in people only
    is_example: bool
    version: int  # the version to send back with a change
    may_edit: bool  # the viewer may change and submit it now
    may_review: bool  # the viewer may publish or return it now


@reads(FINDINGS)
def detail(session: Session, *, viewer: Viewer, finding_id: int) -> FindingDetail:
    """One finding the viewer may see; NotFound, without its title, otherwise."""
    finding = session.scalar(
        select(Finding)
        .where(Finding.id == finding_id, permissions.visible_findings(viewer))
        .options(
            selectinload(Finding.themes),
            selectinload(Finding.partner),
            selectinload(Finding.project),
            selectinload(Finding.author),
            selectinload(Finding.attachments),
        )
    )
    if finding is None:
        raise NotFound(NOT_SHARED)
    signed_in = permissions.sees_working_group_work(viewer)
    sees_reason = permissions.sees_return_reason(viewer, author_id=finding.author_id)
    history = []
    if signed_in:
        for row in session.execute(
            select(AuditEvent.at, AuditEvent.actor, AuditEvent.action, AuditEvent.summary)
            .where(AuditEvent.entity_type == "finding", AuditEvent.entity_id == finding.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        ):
            what = row.summary
            if row.action == "finding_returned" and not sees_reason:
                what = what.partition(RETURNED_MARK)[0] + RETURNED_MARK
            history.append(HistoryLine(row.at, row.actor, what))
    may_review = finding.status == FindingStatus.SUBMITTED and permissions.may(viewer, permissions.REVIEW_FINDINGS)
    return FindingDetail(
        id=finding.id,
        reference=reference(finding.id),
        title=finding.title,
        summary=finding.summary or "",
        kind=finding.kind.value if finding.kind else None,
        themes={theme.slug: theme.name for theme in finding.themes},
        partner_id=finding.partner_id,
        partner=finding.partner.name,
        project_id=finding.project_id if signed_in else None,
        project=finding.project.title if signed_in and finding.project else None,
        cycle=finding.cycle,
        evidence_type=finding.evidence_type,
        key_quote=finding.key_quote,
        links=tuple((finding.links or "").splitlines()),
        visibility=finding.visibility.value,
        status=finding.status.value,
        author=finding.author.display_name if signed_in and finding.author else None,
        is_own=viewer.user_id is not None and finding.author_id == viewer.user_id,
        return_reason=finding.return_reason if sees_reason else None,
        created_at=finding.created_at,
        updated_at=finding.updated_at,
        submitted_at=finding.submitted_at,
        published_at=finding.published_at,
        attachments=tuple(_line(attachment) for attachment in finding.attachments),
        history=tuple(history),
        is_example=bool(finding.is_example),
        version=finding.version,
        may_edit=permissions.may_edit_finding(viewer, author_id=finding.author_id, status=finding.status),
        may_review=may_review,
    )


@dataclass(frozen=True)
class MyFinding:
    """One line of My findings."""

    id: int
    reference: str
    title: str
    status: str
    kind: str | None
    partner: str
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None
    returned: bool  # returned to its author: it needs their attention
    return_reason: str | None
    version: int


@reads(FINDINGS)
def my_findings(session: Session, *, viewer: Viewer) -> list[MyFinding]:
    """The findings the viewer wrote, most recently changed first."""
    if viewer.user_id is None:
        raise PermissionDenied("Sign in to see the findings you have shared.")
    rows = session.execute(
        select(
            Finding.id,
            Finding.title,
            Finding.status,
            Finding.kind,
            Partner.name.label("partner"),
            Finding.updated_at,
            Finding.submitted_at,
            Finding.published_at,
            Finding.return_reason,
            Finding.version,
        )
        .join(Partner, Partner.id == Finding.partner_id)
        .where(Finding.author_id == viewer.user_id, permissions.visible_findings(viewer))
        .order_by(Finding.updated_at.desc(), Finding.id.desc())
    ).all()
    return [
        MyFinding(
            id=row.id,
            reference=reference(row.id),
            title=row.title,
            status=row.status.value,
            kind=row.kind.value if row.kind else None,
            partner=row.partner,
            updated_at=row.updated_at,
            submitted_at=row.submitted_at,
            published_at=row.published_at,
            returned=row.status == FindingStatus.RETURNED,
            return_reason=row.return_reason,
            version=row.version,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class QueueItem:
    """One submitted finding waiting for review."""

    id: int
    reference: str
    title: str
    kind: str
    partner: str
    author: str | None
    themes: list[str]
    submitted_at: dt.datetime | None
    attachments: int
    version: int


@dataclass(frozen=True)
class ReviewQueue:
    """The review queue, or its start: how many findings wait, and the longest waiting of them."""

    waiting: int
    items: list[QueueItem]


@reads(FINDINGS)
def review_queue(session: Session, *, viewer: Viewer, limit: int | None = None) -> ReviewQueue:
    """Submitted findings, the longest waiting first, the first ``limit`` of them (all when None), and
    how many wait in all; facilitators and administrators only.

    A page draws the queue a step at a time, so it asks for only what it draws: at 1,500 waiting
    findings, reading every one's themes and files cost most of a cold rerun.
    """
    permissions.require(viewer, permissions.REVIEW_FINDINGS)
    waiting = (Finding.status == FindingStatus.SUBMITTED, permissions.visible_findings(viewer))
    statement = (
        select(
            Finding.id,
            Finding.title,
            Finding.kind,
            Partner.name.label("partner"),
            User.display_name.label("author"),
            Finding.submitted_at,
            Finding.version,
        )
        .join(Partner, Partner.id == Finding.partner_id)
        .outerjoin(User, User.id == Finding.author_id)
        .where(*waiting)
        .order_by(Finding.submitted_at.asc().nulls_first(), Finding.id)
    )
    rows = session.execute(statement if limit is None else statement.limit(limit)).all()
    if not rows:
        return ReviewQueue(waiting=0, items=[])
    total = len(rows)
    if limit is not None and total == limit:
        total = session.scalar(select(func.count(Finding.id)).where(*waiting))
    ids = [row.id for row in rows]
    themes: dict[int, list[str]] = {}
    for finding_id, name in session.execute(
        select(Finding.id, Theme.name)
        .join(Finding.themes)
        .where(Finding.id.in_(ids))
        .order_by(Theme.position, Theme.id)
    ):
        themes.setdefault(finding_id, []).append(name)
    counts = dict(
        session.execute(
            select(Attachment.finding_id, func.count())
            .where(Attachment.finding_id.in_(ids))
            .group_by(Attachment.finding_id)
        ).all()
    )
    items = [
        QueueItem(
            id=row.id,
            reference=reference(row.id),
            title=row.title,
            kind=row.kind.value,
            partner=row.partner,
            author=row.author,
            themes=themes.get(row.id, []),
            submitted_at=row.submitted_at,
            attachments=int(counts.get(row.id, 0)),
            version=row.version,
        )
        for row in rows
    ]
    return ReviewQueue(waiting=total, items=items)


class AttachmentFile(NamedTuple):
    """An attachment's bytes, to download: its sanitised name and the content type found when it was checked."""

    filename: str
    content_type: str
    data: bytes


@reads(FINDINGS)
def attachment_data(session: Session, *, viewer: Viewer, attachment_id: int) -> AttachmentFile:
    """One attachment's bytes, if the viewer may see its finding; NotFound otherwise."""
    row = session.execute(
        select(Attachment.filename, Attachment.content_type, AttachmentBlob.data)
        .join(AttachmentBlob, AttachmentBlob.attachment_id == Attachment.id)
        .join(Finding, Finding.id == Attachment.finding_id)
        .where(Attachment.id == attachment_id, permissions.visible_findings(viewer))
    ).one_or_none()
    if row is None:
        raise NotFound(FILE_NOT_SHARED)
    return AttachmentFile(row.filename, row.content_type, bytes(row.data))


@dataclass(frozen=True)
class FormChoices:
    """What the finding form offers, for one viewer."""

    partners: dict[int, str]  # id -> name: a member's own service only; every active service for staff
    projects: dict[int, list[tuple[int, str, str]]]  # partner id -> (project id, title, cycle), newest cycle first
    themes: dict[str, str]  # slug -> name, in the vocabulary's order
    kinds: dict[str, str]  # value -> label
    evidence_types: tuple[str, ...]
    visibilities: dict[str, str]  # value -> label


@reads(RESEARCH)
def form_choices(session: Session, *, viewer: Viewer) -> FormChoices:
    """The services, projects, themes and other choices the finding form offers the viewer."""
    permissions.require_share_findings(viewer)
    offered = session.execute(
        select(Partner.id, Partner.name)
        .where(or_(Partner.active, Partner.id == viewer.partner_id))
        .order_by(Partner.name, Partner.id)
    )
    partner_names = {row.id: row.name for row in offered if permissions.may_share_for(viewer, row.id)}
    projects: dict[int, list[tuple[int, str, str]]] = {}
    for row in session.execute(
        select(Project.partner_id, Project.id, Project.title, Project.cycle)
        .where(Project.partner_id.in_(partner_names))
        .order_by(Project.cycle.desc(), Project.title, Project.id)
    ):
        projects.setdefault(row.partner_id, []).append((row.id, row.title, row.cycle))
    themes = session.execute(select(Theme.slug, Theme.name).where(Theme.active).order_by(Theme.position, Theme.id))
    return FormChoices(
        partners=partner_names,
        projects=projects,
        themes={row.slug: row.name for row in themes},
        kinds={kind.value: label for kind, label in KIND_LABELS.items()},
        evidence_types=EVIDENCE_TYPES,
        visibilities={visibility.value: label for visibility, label in VISIBILITY_LABELS.items()},
    )
