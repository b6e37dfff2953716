"""A finding's page, My findings and the review queue: what each shows, and the reviewer's box."""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from urllib.parse import quote

import streamlit as st
from PIL import Image

from ctdash import clock, findings, markup, permissions, ui
from ctdash.attachments import decode_text
from ctdash.format import heading as format_heading
from ctdash.format import label, link_id, local_time, plain
from ctdash.ui import components
from ctdash.ui.components import EXAMPLE_BADGE, KIND_BADGES, STATUS_BADGES, VISIBILITY_BADGES
from ctdash.ui.forms import EditForm
from ctdash.viewer import Viewer

FINDING_PAGE = "pages/finding.py"
NO_KIND = ":gray-badge[Kind not chosen yet]"
PREVIEW_WIDTH = 960  # pixels: wider pictures are shrunk for the page (a phone need not fetch a camera's 12 MP)
log = logging.getLogger("ctdash")
URL_SAFE = ":/?#[]@!$&'*+,;=%~-._"  # kept as they are when a stored link is put in markdown


def finding_url(finding_id) -> str:
    """The finding page's address, relative to any page of the app."""
    return f"finding?id={int(finding_id)}"


def share_url(finding_id) -> str:
    """The share form's address for carrying on with (or fixing) a finding."""
    return f"share?id={int(finding_id)}"


def finding_link(finding_id, title: str) -> str:
    """A markdown link to a finding page, its title shown exactly as typed."""
    return f"[{plain(title)}]({finding_url(finding_id)})"


def finding_from_url() -> int | None:
    """The finding named by ``?id=``, or None when the link names none."""
    return link_id(st.query_params.get("id"))


def badges(*, kind: str | None, status: str, visibility: str | None = None, is_example: bool = False) -> str:
    shown = [KIND_BADGES.get(kind, NO_KIND) if kind else NO_KIND, STATUS_BADGES.get(status, label(status))]
    if visibility:
        shown.append(VISIBILITY_BADGES.get(visibility, label(visibility)))
    if is_example:
        shown.append(EXAMPLE_BADGE)
    return " ".join(shown)


def waiting(since: dt.datetime | None) -> str:
    """How long a finding has waited for review, in words: "since today", "for 1 day", "for 12 days"."""
    if since is None:
        return "for an unknown time"
    days = (clock.now() - since).days
    return "since today" if days < 1 else f"for {days} day{'s' if days != 1 else ''}"


# --- one finding ----------------------------------------------------------------------------------


def show_finding(detail: findings.FindingDetail, heading):
    """Every field of a finding, its files and (for the signed-in) its history; ``heading`` gets the title.

    Returns the place for the review box, at the top of the column beside the summary.
    """
    heading.title(format_heading(detail.title))
    place = [detail.reference, f"[{plain(detail.partner)}](partner?id={detail.partner_id})"]
    if detail.project_id is not None and detail.project:
        place.append(f"[{plain(detail.project)}](project?id={detail.project_id})")
    if detail.cycle:
        place.append(detail.cycle)
    st.markdown(" · ".join(place))
    st.markdown(
        badges(kind=detail.kind, status=detail.status, visibility=detail.visibility, is_example=detail.is_example)
    )
    if detail.return_reason and detail.status == "returned":
        st.warning(f"Returned: {plain(detail.return_reason)}", icon=":material/undo:")
    if detail.may_edit:
        st.markdown(f":material/edit: [Edit this finding]({share_url(detail.id)})")
    left, right = st.columns([3, 2], gap="large")
    with left:
        summary = markup.render_markdown(detail.summary)
        if summary:
            # Markdown with every HTML tag, outside picture and unsafe link already removed (ctdash.markup);
            # drawn without unsafe_allow_html, so Streamlit's own escaping stays on too.
            st.markdown(summary)
        else:
            st.caption("No summary written yet.")
        if detail.key_quote:
            st.markdown("> " + plain(detail.key_quote))
        if detail.links:
            st.markdown("**Links**  \n" + "  \n".join(_link(link) for link in detail.links))
        attachments(detail)
    with right:
        review_area = st.container()
        about(detail)
    if detail.history:
        with st.expander(f"History ({len(detail.history)})", icon=":material/history:"):
            for line in detail.history:
                st.markdown(f"**{local_time(line.at, with_time=True)}** · {plain(line.who)}  \n{plain(line.what)}")
    return review_area


def _link(link: str) -> str:
    # Stored links are checked web addresses; quoting keeps any bracket or space from ending the markdown.
    return f"[{plain(link)}](<{quote(link, safe=URL_SAFE)}>)"


def about(detail: findings.FindingDetail) -> None:
    facts = {
        "Themes": ", ".join(detail.themes.values()) or "None chosen yet",
        "Evidence": label(detail.evidence_type) if detail.evidence_type else "Not given yet",
        "Shared by": detail.author,
        "Submitted": local_time(detail.submitted_at) if detail.submitted_at else None,
        "Published": local_time(detail.published_at) if detail.published_at else None,
        "Last changed": local_time(detail.updated_at, with_time=True),
    }
    st.markdown("  \n".join(f"**{name}:** {plain(value)}" for name, value in facts.items() if value))


TEXT_TYPES = ("text/plain", "text/csv")
TEXT_PREVIEW_CHARS = 3000


def attachments(detail: findings.FindingDetail) -> None:
    """Each file with its size and a download; pictures are shown, their description as the text alternative,
    and the start of a text or CSV file as plain text."""
    if not detail.attachments:
        return
    st.markdown(f"**Files ({len(detail.attachments)})**")
    for line in detail.attachments:
        with st.container(border=True, key=f"attachment_{line.id}"):
            if line.is_image:
                # Read uncached: the read cache is for small results, not files of up to the upload limit.
                with ui.read_session() as session:
                    data = findings.attachment_data(session, viewer=ui.viewer(), attachment_id=line.id).data
                alt = line.description or f"Picture: {line.name}"
                st.image(preview(data), caption=line.description or None, alt=alt, width="content")
            elif line.content_type in TEXT_TYPES:
                with ui.read_session() as session:
                    data = findings.attachment_data(session, viewer=ui.viewer(), attachment_id=line.id).data
                text = decode_text(data)  # UTF-8 with or without a BOM, UTF-16, Windows-1252
                shown = text if len(text) <= TEXT_PREVIEW_CHARS else text[:TEXT_PREVIEW_CHARS] + "\n…"
                st.code(shown, language=None, wrap_lines=True, height=min(400, 40 + 22 * shown.count("\n")))
            name, download = st.columns([3, 1], vertical_alignment="center")
            text = f"{plain(line.name)}  \n:small[:gray[{line.size}]]"
            if line.description and not line.is_image:
                text += f"  \n:small[{plain(line.description)}]"
            name.markdown(text)
            fetch = ui.deferred(findings.attachment_data, attachment_id=line.id)
            download.download_button(
                "Download",
                data=lambda fetch=fetch: fetch().data,
                file_name=line.filename,
                mime=line.content_type,
                key=f"download_{line.id}",
                on_click="ignore",
                icon=":material/download:",
            )


@st.cache_data(max_entries=64, show_spinner=False)
def preview(data: bytes) -> bytes:
    """A stored picture at most ``PREVIEW_WIDTH`` wide, for the page; the download keeps the original."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width <= PREVIEW_WIDTH:
                return data
            image.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 4))
            has_alpha = image.mode in ("RGBA", "LA", "P")
            out = io.BytesIO()
            if has_alpha:
                image.save(out, "PNG", optimize=True)
            else:
                image.convert("RGB").save(out, "JPEG", quality=85)
            return out.getvalue()
    except Exception:  # stored pictures were checked on upload; show the original rather than nothing
        log.exception("could not shrink a picture for its preview")
        return data


# --- reviewing ------------------------------------------------------------------------------------


@dataclass
class ReviewAction:
    """A reviewer's decision from the finding page, saved once the whole page is drawn."""

    publish: bool  # False: return to the author
    reason: str
    form: EditForm
    seen_version: int
    area: object  # the review box, where the outcome is shown
    reason_message: object  # under the reason, for its field message


def review_form(finding_id: int) -> EditForm:
    return EditForm(f"review_{finding_id}", fields=("reason",))


def review_box(detail: findings.FindingDetail, viewer: Viewer) -> ReviewAction | None:
    """Publish or return, for reviewers while the finding is submitted, or while they still have the
    box from when it was (so that acting on a stale page is told, and keeps what they typed)."""
    form = review_form(detail.id)
    still_open = form.widget("reason") in st.session_state
    if not (detail.may_review or (still_open and permissions.may(viewer, permissions.REVIEW_FINDINGS))):
        return None
    seen_version = form.seen_version(detail.version)
    area = st.container(border=True, key=f"review_box_{detail.id}")
    with area:
        st.markdown("**Review**")
        with st.form(form.key, border=False, enter_to_submit=False):
            publish = st.form_submit_button("Publish", type="primary", icon=":material/check_circle:", width="stretch")
            reason = st.text_area(
                "Or return it to the author, saying why (they see this)",
                max_chars=findings.MAX_REASON,
                height=100,
                placeholder="What should change before it can be published?",
                key=form.widget("reason"),
            )
            reason_message = st.empty()
            send_back = st.form_submit_button("Return to the author", icon=":material/undo:", width="stretch")
    if not (publish or send_back):
        return None
    return ReviewAction(
        publish=bool(publish),
        reason=reason,
        form=form,
        seen_version=seen_version,
        area=area,
        reason_message=reason_message,
    )


def save_review(action: ReviewAction, detail: findings.FindingDetail, viewer: Viewer) -> None:
    """Publish or return the finding; a missing reason is said under it, a conflict in the box."""
    with action.area, ui.open_session(action.form) as session:
        if action.publish:
            findings.publish(session, viewer=viewer, finding_id=detail.id, expected_version=action.seen_version)
        else:
            try:
                findings.return_to_author(
                    session,
                    viewer=viewer,
                    finding_id=detail.id,
                    expected_version=action.seen_version,
                    reason=action.reason,
                )
            except findings.FieldErrors as error:
                if "reason" not in error.errors:
                    raise
                action.reason_message.error(plain(error.errors["reason"]), icon=":material/error:")
                st.stop()
    if action.publish:
        ui.done(f"{detail.title} is published.")
    ui.done(f"{detail.title} is returned to its author with your reason.")


# --- lists ----------------------------------------------------------------------------------------


def my_findings(rows: list[findings.MyFinding]) -> None:
    """The viewer's findings: returned ones first (they need the author), then the most recently changed."""
    if not rows:
        st.info("You have not shared a finding yet. [Share a finding](share)", icon=":material/lightbulb:")
        return
    for row in sorted(rows, key=lambda row: not row.returned):
        with st.container(border=True, key=f"mine_{row.id}"):
            st.markdown(f"**{finding_link(row.id, row.title)}**  \n{badges(kind=row.kind, status=row.status)}")
            st.caption(f"{row.reference} · {plain(row.partner)} · changed {local_time(row.updated_at)}")
            if row.returned:
                reason = plain(row.return_reason or "no reason given")
                st.warning(
                    f"Returned: {reason} — [edit and resubmit]({share_url(row.id)})",
                    icon=":material/undo:",
                )
            elif row.status == "published":
                st.markdown(f":green[:material/check_circle:] Published on {local_time(row.published_at)}.")
            elif row.status == "submitted":
                st.markdown(f"Waiting for review {waiting(row.submitted_at)}.")
            else:
                st.markdown(f":material/edit: [Carry on with this draft]({share_url(row.id)})")


QUEUE_STEP = 50  # findings the review queue draws at a time: the longest waiting first, then more on request
QUEUE = "review_queue"


def queue_limit() -> int:
    """How many of the longest waiting findings the review queue draws now (``QUEUE_STEP`` more a click)."""
    return components.drawn(QUEUE, QUEUE_STEP)


def review_queue(queue: findings.ReviewQueue) -> None:
    """Submitted findings, the longest waiting first, each opening its page to publish or return."""
    count, items = queue.waiting, queue.items
    shown = len(items)
    st.caption(
        f"{count} finding{'s' if count != 1 else ''} waiting for review, the longest waiting first. "
        "Open one to read it in full, then publish it or return it to its author with a reason."
        if count
        else "No finding is waiting for review."
    )
    for item in items:
        with st.container(border=True, key=f"queue_{item.id}"):
            title = f"**{finding_link(item.id, item.title)}** {KIND_BADGES.get(item.kind, label(item.kind))}"
            who = [item.reference, plain(item.partner)]
            if item.author:
                who.append(f"by {plain(item.author)}")
            details = [f"Waiting {waiting(item.submitted_at)}"]
            if item.submitted_at:
                details[0] += f" (submitted {local_time(item.submitted_at)})"
            if item.themes:
                details.append(", ".join(plain(theme) for theme in item.themes))
            if item.attachments:
                details.append(f"{item.attachments} file{'s' if item.attachments != 1 else ''}")
            # One block a finding, not two: fifty findings drawn as 150 elements cost most of a rerun.
            st.markdown(title + "  \n" + " · ".join(who) + "  \n:small[:gray[" + " · ".join(details) + "]]")
    components.show_more(QUEUE, shown=shown, total=count, step=QUEUE_STEP, which="longest waiting")
