"""Support and challenge on a finding's page: the comments, the form to add one, and changing or hiding them.

The whole section is drawn first and the one change asked for is saved afterwards (``save``), so an
error shows beside what it is about. What people type is copied into plain session state on every
run (``CommentForm.values``) and widgets are drawn from that copy, so a run that stops early (the
database is down) never loses it. The version checked on saving an edit is the one the form was
first drawn from, kept in that copy; delete, hide and show-again check the version of the page the
person clicked on (bound to the button when it was drawn).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ctdash import comments, findings, ui
from ctdash.format import local_time, plain
from ctdash.markup import render_markdown
from ctdash.ui.forms import EditForm
from ctdash.viewer import Viewer

COPIES = "_ctdash_comment_copies"  # form key -> what was typed there (and the version an edit started from)
PENDING = "_ctdash_comment_pending"  # a click's action, with the version the page showed when it was clicked
HIDE_SEEN = "_ctdash_comment_hide_seen"  # comment id -> the version shown beside the hide form when it was sent
EDITING = "_ctdash_comment_editing"  # the comment being edited in this browser session, if any
KINDS = {kind.value: label for kind, label in comments.KIND_LABELS.items()}
KIND_BADGES = {
    "support": ":green-badge[:material/thumb_up: Support]",
    "challenge": ":orange-badge[:material/front_hand: Challenge]",
    "question": ":blue-badge[:material/help: Question]",
}
HIDDEN_FOR_AUTHOR = "A facilitator hid your comment, so only you and the facilitators know it is here."
MARKDOWN_HELP = "Plain text, or markdown: **bold**, *italics*, lists and links to web pages. Up to 2,000 characters."


class CommentForm(EditForm):
    """A comment form whose typed values live in a copy that outlasts its widgets (see the module's docstring)."""

    def values(self, **start) -> dict:
        """The copy of what this form holds, started from ``start`` when there is none."""
        return st.session_state.setdefault(COPIES, {}).setdefault(self.key, dict(start))

    def saved(self) -> None:
        super().saved()
        st.session_state.get(COPIES, {}).pop(self.key, None)


def new_form(finding_id: int) -> CommentForm:
    return CommentForm(f"comment_new_{finding_id}", fields=("kind", "body"))


def edit_form(comment_id: int) -> CommentForm:
    return CommentForm(f"comment_edit_{comment_id}", fields=("kind", "body"))


def hide_form(comment_id: int) -> CommentForm:
    return CommentForm(f"comment_hide_{comment_id}", fields=("reason",))


@dataclass
class CommentAction:
    """One change asked for in this run, saved once the page is drawn."""

    do: str  # "add", "edit", "delete", "hide", "unhide"
    area: object  # where the outcome is shown
    comment_id: int | None = None
    version: int | None = None
    form: CommentForm | None = None
    messages: dict | None = None  # field -> placeholder for its message


# --- drawing ------------------------------------------------------------------------------------


def section(discussion: comments.Discussion, viewer: Viewer) -> CommentAction | None:
    """The "Support and challenge" section; returns the change asked for in this run, if any."""
    st.divider()
    st.subheader("Support and challenge")
    count = discussion.shown
    st.caption(
        f"{count} comment{'s' if count != 1 else ''} from the working group. Offer support, a challenge or a "
        "question; only signed-in members of the working group see them."
        if count
        else "No comments yet. Offer support, a challenge or a question; only signed-in members of the working "
        "group see them."
    )
    pending = st.session_state.pop(PENDING, None)
    if pending and pending["finding_id"] != discussion.finding_id:
        pending = None  # a click on another finding's page whose run never got this far: not done here
    shown = {line.id for line in discussion.comments}
    action = None
    if pending and pending["comment_id"] not in shown:  # gone meanwhile: the service says so, up here
        action = CommentAction(pending["do"], st.container(), pending["comment_id"], pending["version"])
    listed, add = st.columns([3, 2], gap="large")
    with listed:
        for line in discussion.comments:
            found = comment(
                line, discussion.finding_id, pending if pending and pending["comment_id"] == line.id else None
            )
            action = action or found
    with add:
        found = add_form(discussion)
        action = action or found
    return action


def _ask(do: str, finding_id: int, comment_id: int, version: int) -> None:
    st.session_state[PENDING] = {"do": do, "finding_id": finding_id, "comment_id": comment_id, "version": version}


def _seen_for_hiding(comment_id: int, version: int) -> None:
    st.session_state.setdefault(HIDE_SEEN, {})[comment_id] = version


def _start_editing(comment_id: int) -> None:
    st.session_state[EDITING] = comment_id
    edit_form(comment_id).saved()  # drawn afresh from the comment as it is now


def _stop_editing(comment_id: int) -> None:
    st.session_state.pop(EDITING, None)
    edit_form(comment_id).saved()


def heading(line: comments.CommentLine) -> str:
    who = f"**{plain(line.author)}**" + (f" · {plain(line.partner)}" if line.partner else "")
    when = local_time(line.created_at, with_time=True)
    if line.edited_at:
        when += f" · edited {local_time(line.edited_at, with_time=True)}"
    badges = KIND_BADGES.get(line.kind, plain(line.kind))
    if line.is_example:
        badges += " :orange-badge[:material/science: Example data]"
    return f"{badges} {who}  \n:small[:gray[{when}]]"


def comment(line: comments.CommentLine, finding_id: int, pending: dict | None = None) -> CommentAction | None:
    """One comment in its box, with what the viewer may do to it; ``pending``: a click on it in the last run."""
    box = st.container(border=True, key=f"comment_{line.id}")
    with box:
        if line.hidden and not line.body:  # the author's own hidden comment: that it was hidden, and why
            st.markdown(f":material/visibility_off: {HIDDEN_FOR_AUTHOR}")
            if line.hidden_reason:
                st.caption(f"Reason given: {plain(line.hidden_reason)}")
            return None
        st.markdown(heading(line))
        if line.hidden:
            who = plain(line.hidden_by or "a facilitator")
            st.warning(
                f"Hidden by {who} on {local_time(line.hidden_at, with_time=True)}: {plain(line.hidden_reason or '')}",
                icon=":material/visibility_off:",
            )
        if st.session_state.get(EDITING) == line.id and line.may_edit:
            return _edit(line, box)
        # Safe markdown (ctdash.markup), drawn without unsafe_allow_html, as a finding's summary is.
        st.markdown(render_markdown(line.body))
        action = _actions(line, finding_id, box)
    if pending is not None:
        return CommentAction(pending["do"], box, comment_id=line.id, version=pending["version"])
    return action


def _actions(line: comments.CommentLine, finding_id: int, box) -> CommentAction | None:
    if not (line.may_edit or line.may_delete or line.may_hide or line.may_unhide):
        return None
    action = None
    with st.container(horizontal=True, gap="small", key=f"comment_actions_{line.id}"):
        if line.may_edit:
            st.button(
                "Edit",
                key=f"comment_edit_open_{line.id}",
                type="tertiary",
                icon=":material/edit:",
                on_click=_start_editing,
                args=(line.id,),
            )
        if line.may_delete:
            with st.popover("Delete", type="tertiary", icon=":material/delete:", key=f"comment_delete_menu_{line.id}"):
                st.markdown("Delete your comment for good?")
                st.button(
                    "Delete my comment",
                    key=f"comment_delete_{line.id}",
                    type="primary",
                    on_click=_ask,
                    args=("delete", finding_id, line.id, line.version),
                )
        if line.may_unhide:
            st.button(
                "Show again",
                key=f"comment_unhide_{line.id}",
                type="tertiary",
                icon=":material/visibility:",
                on_click=_ask,
                args=("unhide", finding_id, line.id, line.version),
            )
        if line.may_hide:
            menu = st.popover(
                "Hide", type="tertiary", icon=":material/visibility_off:", key=f"comment_hide_menu_{line.id}"
            )
            with menu:
                action = _hide(line, box)
    return action


def _hide(line: comments.CommentLine, box) -> CommentAction | None:
    form = hide_form(line.id)
    values = form.values(reason="")
    with st.form(form.key, border=False, enter_to_submit=False):
        values["reason"] = st.text_area(
            "Why hide it? Its author and the other facilitators see this.",
            value=values["reason"],
            max_chars=comments.MAX_REASON,
            height=90,
            key=form.widget("reason"),
        )
        message = st.empty()
        clicked = st.form_submit_button(
            "Hide this comment",
            type="primary",
            icon=":material/visibility_off:",
            on_click=_seen_for_hiding,
            args=(line.id, line.version),  # the version of the comment shown beside the form
        )
    if not clicked:
        return None
    version = st.session_state.get(HIDE_SEEN, {}).pop(line.id, line.version)
    return CommentAction("hide", box, comment_id=line.id, version=version, form=form, messages={"reason": message})


def _fields(form, values: dict, *, placeholder: str | None = None):
    """A comment's kind and text, drawn into ``values``; returns the places for each one's message."""
    kinds = list(KINDS)
    values["kind"] = st.radio(
        "Kind",
        kinds,
        index=kinds.index(values["kind"]) if values["kind"] in kinds else None,
        format_func=KINDS.get,
        horizontal=True,
        key=form.widget("kind"),
    )
    kind_message = st.empty()
    values["body"] = st.text_area(
        "Your comment",
        value=values["body"],
        max_chars=comments.MAX_BODY,
        height=140,
        placeholder=placeholder,
        help=MARKDOWN_HELP,
        key=form.widget("body"),
    )
    return kind_message, st.empty()


def _edit(line: comments.CommentLine, box) -> CommentAction | None:
    form = edit_form(line.id)
    values = form.values(version=line.version, kind=line.kind, body=line.body)
    with st.form(form.key, border=False, enter_to_submit=False):
        kind_message, body_message = _fields(form, values)
        with st.container(horizontal=True, gap="small"):
            save = st.form_submit_button("Save changes", type="primary", icon=":material/save:")
            st.form_submit_button("Cancel", on_click=_stop_editing, args=(line.id,))
    if not save:
        return None
    return CommentAction(
        "edit",
        box,
        comment_id=line.id,
        version=values["version"],
        form=form,
        messages={"kind": kind_message, "body": body_message},
    )


def add_form(discussion: comments.Discussion) -> CommentAction | None:
    """The form to post a comment, drawn from its copy, so nothing typed is lost on any error."""
    if not discussion.may_comment:
        return None
    form = new_form(discussion.finding_id)
    values = form.values(kind=None, body="")
    area = st.container(border=True, key=f"comment_add_{discussion.finding_id}")
    with area:
        st.markdown("**Add your comment**")
        with st.form(form.key, border=False, enter_to_submit=False):
            kind_message, body_message = _fields(
                form, values, placeholder="What supports this finding, what would you challenge, or what would you ask?"
            )
            post = st.form_submit_button("Post comment", type="primary", icon=":material/send:", width="stretch")
    if not post:
        return None
    return CommentAction("add", area, form=form, messages={"kind": kind_message, "body": body_message})


# --- saving -------------------------------------------------------------------------------------

DONE = {
    "add": "Your comment is posted.",
    "edit": "Your comment is changed.",
    "delete": "Your comment is deleted.",
    "hide": "The comment is hidden. Its author sees that it was hidden, and why.",
    "unhide": "The comment is shown again.",
}


def save(action: CommentAction, detail: findings.FindingDetail, viewer: Viewer) -> None:
    """Make the change; a field's problem is said under it, anything else in the area it is about."""
    values = action.form.values() if action.form else {}
    # A hide that meets a change only needs the comment read again: the reason stays in its form.
    keeps_form = action.form if action.do != "hide" else None
    with action.area, ui.open_session(keeps_form) as session:
        try:
            if action.do == "add":
                comments.add_comment(
                    session, viewer=viewer, finding_id=detail.id, kind=values.get("kind"), body=values.get("body")
                )
            elif action.do == "edit":
                comments.edit_comment(
                    session,
                    viewer=viewer,
                    comment_id=action.comment_id,
                    expected_version=action.version,
                    kind=values.get("kind"),
                    body=values.get("body"),
                )
            elif action.do == "delete":
                comments.delete_comment(
                    session, viewer=viewer, comment_id=action.comment_id, expected_version=action.version
                )
            elif action.do == "hide":
                comments.hide_comment(
                    session,
                    viewer=viewer,
                    comment_id=action.comment_id,
                    expected_version=action.version,
                    reason=values.get("reason"),
                )
            elif action.do == "unhide":
                comments.unhide_comment(
                    session, viewer=viewer, comment_id=action.comment_id, expected_version=action.version
                )
        except comments.FieldError as error:
            place = (action.messages or {}).get(error.field)
            if place is None:
                raise
            place.error(plain(str(error)), icon=":material/error:")
            st.stop()
    if action.do == "edit":
        st.session_state.pop(EDITING, None)
    if action.form is not None:
        action.form.saved()
    ui.done(DONE[action.do])
