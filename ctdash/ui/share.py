"""The Share a finding page: the form, its copy that survives everything, saving, submitting and the receipt.

Streamlit forgets a widget's value as soon as a run does not draw it (the person opened another page,
or the database was down and the page stopped early), and an uploader's files cannot be put back
into it. So every run copies what the form holds into one plain session-state key (``COPY``): the
fields, the files with their bytes, descriptions and consent, and the draft being edited with the
version the person saw. Widgets are drawn from that copy, so nothing typed or attached is lost on an
error, a rerun, a sign-in refresh, navigating away and back, or a database outage. Files leave the
uploader as soon as they arrive and are listed from the copy, each with its description and consent.

Saving happens once the page is drawn; the outcome (errors per field, safeguarding hits, a receipt)
is kept in session state and the page is drawn again to show it beside the fields it is about.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

import streamlit as st

from ctdash import attachments, findings, projects
from ctdash import safeguarding as safeguarding_check
from ctdash.config import get_settings
from ctdash.errors import InvalidInput, NotFound
from ctdash.format import literal, local_time, plain
from ctdash.markup import render_markdown
from ctdash.models import Role
from ctdash.ui.database import read_session
from ctdash.ui.forms import GENERATIONS, EditForm
from ctdash.viewer import Viewer

# The finding's own fields, as findings.check_values takes them.
SERVICE_FIELDS = (
    "title",
    "summary",
    "kind",
    "themes",
    "partner_id",
    "project_id",
    "cycle",
    "evidence_type",
    "key_quote",
    "links",
    "visibility",
)
FIELDS = (
    *SERVICE_FIELDS,
    "confirm",
    "resume",
    "uploader",
)
COPY = "share_copy"
OUTCOME = "share_outcome"
RECEIPT = "share_receipt"
RELOAD = "share_reload"
UPLOAD_PROBLEMS = "share_upload_problems"
CONSENT_LABEL = "People shown or named in this file agreed to it being shared"
CONFIRM_LABEL = "I have consent and have removed identifying details of children and young people"
FINDING_PAGE = "finding"
MY_FINDINGS = "my_findings"
NEW = "new"
NOT_EDITABLE = "That finding has been submitted, so it can no longer be changed here; the form below starts a new one."


class ShareForm(EditForm):
    """The share form: a conflict offers the latest version of the draft, loaded into the copy.

    Saving it again after an uncertain commit is safe (the copy's ``save_token``), and it says so.
    """

    retry_safe = True

    def offer_reload(self) -> None:
        st.button(
            "Discard my changes and show the latest version",
            key=f"{self.key}_reload",
            icon=":material/refresh:",
            on_click=lambda: st.session_state.__setitem__(RELOAD, True),
        )


FORM = ShareForm("share", fields=FIELDS)


@dataclass
class Outcome:
    """What the last save or submit said, to show beside the fields on the next draw."""

    message: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)  # markdown lines (hit_line)


# --- the copy -----------------------------------------------------------------------------------


def blank(viewer: Viewer) -> dict:
    """An empty form: a member's service is their own."""
    return {
        "owner": viewer.user_id,  # a copy is only ever shown to the person who typed it
        "finding_id": None,
        "version": None,
        # Names the next save, and stays until it is known to be saved (a new copy is made then):
        # a save tried again after the database went away mid-commit is never made twice.
        "save_token": uuid.uuid4().hex,
        "title": "",
        "summary": "",
        "kind": None,
        "themes": [],
        "partner_id": viewer.partner_id if viewer.role == Role.MEMBER else None,
        "project_id": None,
        "cycle": None,
        "evidence_type": None,
        "key_quote": "",
        "links": "",
        "visibility": "group",
        "files": [],  # new uploads: {"token", "name", "data", "size", "description", "consent"}
        "stored": [],  # a draft's saved files: {"id", "name", "size", "description", "consent"}
        "removed": [],  # ids of saved files to remove on the next save
    }


def copy(viewer: Viewer) -> dict:
    """The form's copy in this browser session, started empty, and again for someone else signing in here."""
    if COPY not in st.session_state or st.session_state[COPY].get("owner") != viewer.user_id:
        st.session_state[COPY] = blank(viewer)
        for key in (OUTCOME, RECEIPT, UPLOAD_PROBLEMS):
            st.session_state.pop(key, None)
        renew()
    return st.session_state[COPY]


def load(viewer: Viewer, detail: findings.FindingDetail) -> bool:
    """Put a stored draft into the form, with the version seen now; new widgets show it.

    A finding that can no longer be changed (submitted or published) is not loaded: returns False.
    """
    if not detail.may_edit:
        return False
    st.session_state[COPY] = {
        **blank(viewer),
        "finding_id": detail.id,
        "version": detail.version,
        "title": detail.title,
        "summary": detail.summary,
        "kind": detail.kind,
        "themes": list(detail.themes),
        "partner_id": detail.partner_id,
        "project_id": detail.project_id,
        "cycle": detail.cycle,
        "evidence_type": detail.evidence_type,
        "key_quote": detail.key_quote or "",
        "links": "\n".join(detail.links),
        "visibility": detail.visibility,
        "stored": [
            {
                "id": line.id,
                "name": line.name,
                "size": line.size_bytes,
                "description": line.description or "",
                "consent": line.consent,
            }
            for line in detail.attachments
        ],
    }
    st.session_state.pop(OUTCOME, None)
    renew()
    return True


def stored(viewer: Viewer, finding_id: int) -> findings.FindingDetail | None:
    """A finding to carry on with, or None when this viewer may not see it (the form then starts empty)."""
    with read_session() as session:
        try:
            return findings.detail(session, viewer=viewer, finding_id=finding_id)
        except NotFound:
            return None


def renew() -> None:
    """Draw every widget afresh from the copy (new keys: the browser keeps old widgets' values)."""
    FORM.saved()


def start_again(viewer: Viewer) -> None:
    st.session_state[COPY] = blank(viewer)
    st.session_state.pop(OUTCOME, None)
    renew()


def outcome() -> Outcome:
    return st.session_state.get(OUTCOME) or Outcome()


# --- the form -----------------------------------------------------------------------------------


def limits() -> str:
    settings = get_settings()
    return (
        f"Up to {settings.upload_max_files} files, {settings.upload_max_mb} MB each, "
        f"{settings.finding_max_mb} MB in all: PDF, Word, PowerPoint, Excel, CSV, text, photos "
        "(PNG or JPEG), MP3 or MP4."
    )


def _error(key: str, shown: Outcome) -> None:
    if key in shown.errors:
        st.error(plain(shown.errors[key]), icon=":material/error:")


def resume_choice(drafts: list[findings.MyFinding], values: dict) -> int | str | None:
    """ "Carry on with a draft": the chosen draft's id, NEW for an empty form, None when unchanged."""
    editable = {item.id: item for item in drafts if item.status in ("draft", "returned")}
    if not editable and values["finding_id"] is None:
        return None
    options = [NEW, *editable]
    current = values["finding_id"] if values["finding_id"] in editable else NEW
    if values["finding_id"] is not None and values["finding_id"] not in editable:
        options.insert(1, values["finding_id"])
        current = values["finding_id"]

    def name(option) -> str:
        if option == NEW:
            return "A new finding"
        item = editable.get(option)
        if item is None:
            return f"{findings.reference(option)} (this one)"
        returned = " · returned to you" if item.returned else ""
        return f"{item.title} · {item.reference} · saved {local_time(item.updated_at)}{returned}"

    chosen = st.selectbox(
        "My drafts",
        options,
        index=options.index(current),
        format_func=name,
        help="Carry on with a finding you saved earlier, on this or another device.",
        key=FORM.widget("resume"),
    )
    return None if chosen == current else chosen


def fields(choices: findings.FormChoices, viewer: Viewer, values: dict, shown: Outcome) -> None:
    """Draw every field from ``values`` (the copy) and write what they hold back into it."""
    values["title"] = st.text_input(
        "Title",
        value=values["title"],
        max_chars=findings.MAX_TITLE,
        placeholder="A few words saying what was found",
        key=FORM.widget("title"),
    )
    _error("title", shown)
    values["summary"] = st.text_area(
        "Summary",
        value=values["summary"],
        max_chars=findings.MAX_SUMMARY,
        height=180,
        help="What you found, with whom, and how you know. Markdown works: **bold**, *italics*, lists, links.",
        key=FORM.widget("summary"),
    )
    if st.toggle("Preview the summary", key="share_preview"):
        with st.container(border=True, key="share_summary_preview"):
            if values["summary"].strip():
                st.markdown(render_markdown(values["summary"]))
            else:
                st.caption("Nothing to preview yet.")
    _error("summary", shown)

    kinds = list(choices.kinds)
    values["kind"] = st.radio(
        "Kind",
        kinds,
        index=kinds.index(values["kind"]) if values["kind"] in kinds else None,
        format_func=choices.kinds.get,
        horizontal=True,
        key=FORM.widget("kind"),
    )
    _error("kind", shown)
    values["themes"] = st.multiselect(
        "Themes",
        list(choices.themes),
        default=[slug for slug in values["themes"] if slug in choices.themes],
        format_func=choices.themes.get,
        placeholder="Choose one or more themes",
        key=FORM.widget("themes"),
    )
    _error("themes", shown)
    _partner_and_project(choices, viewer, values, shown)

    evidence = list(choices.evidence_types)
    values["evidence_type"] = st.selectbox(
        "Evidence type",
        evidence,
        index=evidence.index(values["evidence_type"]) if values["evidence_type"] in evidence else None,
        format_func=str.capitalize,
        placeholder="Choose the kind of evidence",
        key=FORM.widget("evidence_type"),
    )
    _error("evidence_type", shown)
    values["key_quote"] = st.text_area(
        "Key quote or data point (optional)",
        value=values["key_quote"],
        max_chars=findings.MAX_KEY_QUOTE,
        height=80,
        key=FORM.widget("key_quote"),
    )
    _error("key_quote", shown)
    values["links"] = st.text_area(
        "Links (optional)",
        value=values["links"],
        height=80,
        placeholder="https://www.example.org/report",
        help="One web address a line, each starting with https:// or http://.",
        key=FORM.widget("links"),
    )
    _error("links", shown)


def _partner_and_project(choices: findings.FormChoices, viewer: Viewer, values: dict, shown: Outcome) -> None:
    partner_ids = list(choices.partners)
    member = viewer.role == Role.MEMBER
    if values["partner_id"] not in partner_ids and member and values["partner_id"] is not None:
        partner_ids.insert(0, values["partner_id"])
    values["partner_id"] = st.selectbox(
        "Partner service",
        partner_ids,
        index=partner_ids.index(values["partner_id"]) if values["partner_id"] in partner_ids else None,
        format_func=lambda value: choices.partners.get(value, "Your service"),
        placeholder="Choose the service the finding comes from",
        disabled=member,
        help="Members share findings for their own service." if member else None,
        key=FORM.widget("partner_id"),
    )
    if member:
        values["partner_id"] = viewer.partner_id
    _error("partner_id", shown)
    offered = choices.projects.get(values["partner_id"], [])
    project_names = {project_id: f"{title} ({cycle})" for project_id, title, cycle in offered}
    # Streamlit shows a None value as no choice at all, so "none" is 0 here and "" for the cycle.
    project_ids = [0, *project_names]
    chosen = st.selectbox(
        "Research project (optional)",
        project_ids,
        index=project_ids.index(values["project_id"]) if values["project_id"] in project_ids else 0,
        format_func=lambda value: project_names.get(value, "None"),
        key=FORM.widget("project_id"),
    )
    values["project_id"] = chosen or None
    _error("project_id", shown)
    cycles = ["", *projects.cycles_offered()]
    if values["cycle"] and values["cycle"] not in cycles:
        cycles.append(values["cycle"])
    chosen_cycle = st.selectbox(
        "Cycle",
        cycles,
        index=cycles.index(values["cycle"] or ""),
        format_func=lambda value: value or "Not given (the project's, if one is chosen)",
        key=FORM.widget("cycle"),
    )
    values["cycle"] = chosen_cycle or None
    _error("cycle", shown)


def files(values: dict, shown: Outcome) -> None:
    """The uploader (emptied as soon as files arrive), then every file held, with its description and consent."""
    st.markdown("**Attachments (optional)**")
    st.caption(limits())
    uploads = st.file_uploader(
        "Add files",
        type=[*attachments.ALLOWED, "jpg"],
        accept_multiple_files=True,
        help="On a phone you can take a photo or choose one from your library.",
        key=FORM.widget("uploader") + f"_{st.session_state.get('share_uploads', 0)}",
    )
    if uploads:
        problems = _take(values, uploads)
        st.session_state[UPLOAD_PROBLEMS] = problems
        st.session_state["share_uploads"] = st.session_state.get("share_uploads", 0) + 1
        st.rerun()
    for problem in st.session_state.get(UPLOAD_PROBLEMS, []):
        st.error(plain(problem), icon=":material/block:")
    _error("attachments", shown)
    for item in values["stored"]:
        if item["id"] not in values["removed"]:
            _file(values, item, key=f"stored_{item['id']}")
    for item in values["files"]:
        _file(values, item, key=f"new_{item['token']}")


def _take(values: dict, uploads) -> list[str]:
    """Move uploaded files into the copy, refusing at once those their content shows cannot be attached."""
    settings = get_settings()
    problems = []
    held = {item["token"] for item in values["files"]}
    for upload in uploads:
        data = upload.getvalue()
        token = hashlib.sha256(data).hexdigest()[:16]
        if token in held:
            continue
        kept = len(values["files"]) + len([item for item in values["stored"] if item["id"] not in values["removed"]])
        if kept >= settings.upload_max_files:
            problems.append(
                f'A finding can hold {settings.upload_max_files} files, so "{upload.name[:80]}" was not added; '
                "remove a file first to attach it."
            )
            continue
        try:
            checked = attachments.check_file(upload.name, data, max_bytes=settings.upload_max_mb * attachments.MB)
        except InvalidInput as error:
            problems.append(str(error))
            continue
        held.add(token)
        values["files"].append(
            {
                "token": token,
                "name": upload.name,
                "data": data,
                "size": len(data),
                "description": "",
                "consent": False,
                "notes": list(checked.notes),  # e.g. a photo's location, removed before it is stored
            }
        )
    return problems


def _file(values: dict, item: dict, *, key: str) -> None:
    with st.container(border=True, key=f"share_file_{key}"):
        name, remove = st.columns([5, 1], vertical_alignment="center")
        name.markdown(f":material/attach_file: **{plain(item['name'])}** · {findings.describe_size(item['size'])}")
        for note in item.get("notes", ()):
            st.caption(plain(note))
        if remove.button("Remove", key=FORM.widget(f"remove_{key}"), width="stretch"):
            if "id" in item:
                values["removed"].append(item["id"])
            else:
                values["files"].remove(item)
            st.rerun()
        item["description"] = st.text_input(
            f"Description of {item['name']}",
            value=item["description"],
            max_chars=findings.MAX_DESCRIPTION,
            placeholder="What it shows, for people who cannot see it",
            key=FORM.widget(f"description_{key}"),
        )
        item["consent"] = st.checkbox(CONSENT_LABEL, value=item["consent"], key=FORM.widget(f"consent_{key}"))


def visibility(choices: findings.FormChoices, values: dict, shown: Outcome) -> None:
    options = list(choices.visibilities)
    values["visibility"] = st.radio(
        "Visibility once published",
        options,
        index=options.index(values["visibility"]) if values["visibility"] in options else 0,
        format_func=choices.visibilities.get,
        key=FORM.widget("visibility"),
    )
    _error("visibility", shown)


def hit_line(hit: safeguarding_check.Hit) -> str:
    """One possible personal detail as a line of markdown: the text found is shown as it is, never as a link."""
    kind, where = hit.parts(findings.FIELD_LABELS)
    return f"{plain(kind)}, {literal(hit.text)}, in {plain(where)}"


def safeguarding(shown: Outcome) -> bool:
    """The personal data found on the last submit, and the confirmation; returns whether it is given."""
    if not shown.hits:
        return False
    with st.container(border=True, key="share_safeguarding"):
        st.warning(
            "Before this finding is shared, check these possible personal details: remove them and submit again, "
            "or confirm below.",
            icon=":material/shield_person:",
        )
        st.markdown("\n".join(f"- {hit}" for hit in shown.hits))
        return st.checkbox(CONFIRM_LABEL, key=FORM.widget("confirm"))


# --- saving -------------------------------------------------------------------------------------


def service_fields(values: dict) -> dict:
    """The copy as ``findings.check_values`` takes it."""
    return {key: values[key] for key in SERVICE_FIELDS}


def file_changes(values: dict) -> dict:
    """The copy's files as ``findings.save_draft`` takes them."""
    return {
        "new_files": [
            findings.NewAttachment(
                name=item["name"], data=item["data"], description=item["description"], consent=item["consent"]
            )
            for item in values["files"]
        ],
        "remove_attachment_ids": list(values["removed"]),
        "attachment_edits": [
            findings.AttachmentEdit(attachment_id=item["id"], description=item["description"], consent=item["consent"])
            for item in values["stored"]
            if item["id"] not in values["removed"]
        ],
    }


def save(session, viewer: Viewer, values: dict, *, submitting: bool, confirmed: bool):
    """Save the draft and, when ``submitting``, submit it, all in the caller's transaction.

    Returns the draft's detail after a save, or the Receipt after a submit. Raises FieldErrors with
    every field's problem at once, and SafeguardingNeeded, as the service does.
    """
    done = findings.submitted_with(session, viewer=viewer, save_token=values["save_token"])
    if done is not None:  # a submit cut off during its commit, made after all
        return done
    errors: dict[str, str] = {}
    if submitting:
        try:
            findings.check_values(session, viewer=viewer, **service_fields(values))
        except findings.FieldErrors as error:
            errors.update(error.errors)
    try:
        finding_id = findings.save_draft(
            session,
            viewer=viewer,
            finding_id=values["finding_id"],
            expected_version=values["version"],
            save_token=values["save_token"],
            **service_fields(values),
            **file_changes(values),
        )
    except findings.FieldErrors as error:
        raise findings.FieldErrors(errors | error.errors) from None
    if errors:
        raise findings.FieldErrors(errors)
    # Read in the same transaction: the version the save just wrote is the one submit checks.
    detail = findings.detail(session, viewer=viewer, finding_id=finding_id)
    if not submitting:
        return detail
    return findings.submit(
        session,
        viewer=viewer,
        finding_id=finding_id,
        expected_version=detail.version,
        confirmed_safeguarding=confirmed,
    )


# --- the receipt --------------------------------------------------------------------------------


def receipt(shown: findings.Receipt) -> None:
    with st.container(border=True, key="share_receipt"):
        st.success(
            plain(f"Thank you: {shown.title} is submitted for review. Its reference is {shown.reference}."),
            icon=":material/task_alt:",
        )
        st.markdown(f"### {shown.reference}")
        st.caption(f"Submitted {local_time(shown.submitted_at, with_time=True)}")
        st.markdown("\n".join(f"- **{label}:** {plain(value)}" for label, value in shown.fields if label != "Summary"))
        if shown.attachments:
            lines = [
                f"- {plain(line.name)} ({line.size})" + (f": {plain(line.description)}" if line.description else "")
                for line in shown.attachments
            ]
            st.markdown("**Files**\n" + "\n".join(lines))
        else:
            st.markdown("**Files:** none")
        st.info(plain(shown.next_steps), icon=":material/schedule:")
        st.markdown(
            f"[Open the finding]({FINDING_PAGE}?id={shown.finding_id}) · [My findings]({MY_FINDINGS})",
        )
        if st.button("Share another finding", key="share_another", icon=":material/add:", width="stretch"):
            st.session_state.pop(RECEIPT, None)
            st.rerun()


def reset_after_submit(viewer: Viewer, done: findings.Receipt) -> None:
    st.session_state[RECEIPT] = done
    st.session_state.pop(UPLOAD_PROBLEMS, None)
    start_again(viewer)


def generation() -> int:
    return st.session_state.get(GENERATIONS, {}).get(FORM.key, 0)
