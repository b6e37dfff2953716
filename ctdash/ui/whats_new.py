"""What's new since a person's last visit: noting visits once per browser session, and the box on Home."""

from __future__ import annotations

import streamlit as st

from ctdash import comments, db, visits
from ctdash.errors import DatabaseUnavailable
from ctdash.format import label, local_time, plain
from ctdash.ui.components import KIND_BADGES
from ctdash.ui.database import engine, read
from ctdash.ui.errors import log
from ctdash.users import Account

VISIT = "_ctdash_visit"  # {"user_id", "times"}: this browser session's visit, noted once per person


def note_visit(account: Account | None) -> None:
    """Note, once per browser session and person signed in, that they are visiting (``visits.record_visit``).

    Bookkeeping: if the database cannot take it now, the page carries on and the next run tries again.
    """
    if account is None:
        return
    noted = st.session_state.get(VISIT)
    if noted is not None and noted["user_id"] == account.id:
        return
    try:
        with db.session_scope(engine()) as session:
            times = visits.record_visit(session, account.id)
    except DatabaseUnavailable as error:
        log.warning("could not note a visit: %s", error.detail)
        return
    st.session_state[VISIT] = {"user_id": account.id, "times": times}


def visit_times(account: Account | None) -> visits.VisitTimes | None:
    """This browser session's visit for the signed-in person, once noted."""
    noted = st.session_state.get(VISIT)
    if account is None or noted is None or noted["user_id"] != account.id:
        return None
    return noted["times"]


def box(account: Account | None) -> None:
    """On Home, for a signed-in person: findings published and comments added since their last visit."""
    times = visit_times(account)
    if times is None:
        return
    with st.container(border=True, key="whats_new"):
        if times.first:
            st.markdown("**What's new**")
            st.caption(
                "Welcome: this is your first visit. From your next visit on, this box lists the findings "
                "published and the comments added since you were last here."
            )
            return
        since = local_time(times.previous_at)
        st.markdown(f"**What's new since your last visit on {since}**")
        news = read(comments.whats_new, since=times.previous_at)
        if news.empty:
            st.caption("Nothing new since then: no findings have been published and no comments added.")
            return
        if news.findings:
            lines = [_finding_line(item) for item in news.findings]
            st.markdown(_counted(news.findings_total, "finding", "published") + "\n" + "\n".join(lines))
        if news.comments:
            lines = [_comment_line(item) for item in news.comments]
            st.markdown(_counted(news.comments_total, "comment", "added") + "\n" + "\n".join(lines))


def _counted(total: int, noun: str, done: str) -> str:
    newest = f", the newest {comments.WHATS_NEW_LIMIT} here" if total > comments.WHATS_NEW_LIMIT else ""
    return f"{total} {noun}{'s' if total != 1 else ''} {done}{newest}:"


def _link(finding_id: int, title: str) -> str:
    return f"[{plain(title)}](finding?id={int(finding_id)})"


def _finding_line(item: comments.NewFinding) -> str:
    kind = KIND_BADGES.get(item.kind, label(item.kind)) if item.kind else ""
    when = local_time(item.published_at)
    return f"- {_link(item.id, item.title)} {kind} :small[:gray[{plain(item.partner)} · {when}]]"


def _comment_line(item: comments.NewComment) -> str:
    kind = comments.KIND_LABELS.get(item.kind, item.kind)
    return (
        f"- {plain(kind)} from {plain(item.author)} on {_link(item.finding_id, item.finding_title)} "
        f":small[:gray[{local_time(item.created_at, with_time=True)}]]"
    )
