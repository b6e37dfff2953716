"""Signing in: attempts and lockout, and remembered sign-ins decided on the server.

Both are bookkeeping, kept out of the ``users`` row: signing in never moves an account's version
(so it never turns an administrator's edit into a false conflict) nor any data revision (so it
never makes a page cache cold).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ctdash import audit, clock, db
from ctdash.errors import InvalidInput
from ctdash.models import SignInAttempt, SignInSession, User
from ctdash.viewer import Viewer

LOCK_AFTER_FAILURES = 5
LOCK_WINDOW = dt.timedelta(minutes=15)
LOCK_DURATION = dt.timedelta(minutes=15)
REMEMBER_FOR = dt.timedelta(days=7)
ATTEMPT_KEY_LENGTH = 80  # sign_in_attempts.username
# Outcomes of an attempt. "pending" is a guess being checked right now: it counts as a failure
# until it is known, so parallel guesses cannot slip past the lock while bcrypt runs.
PENDING, SUCCESS, FAILURE, LOCKED = "pending", "success", "failure", "locked"
# Why a remembered sign-in stopped counting, as stored in sign_in_sessions.ended_reason.
SIGNED_OUT = "signed out"
PASSWORD_CHANGED = "password changed"
PASSWORD_RESET = "password reset"
DEACTIVATED = "deactivated"


def normalise_username(text: str) -> str:
    """Usernames are case-insensitive: compared in Unicode NFC, lower-case, without outer spaces."""
    return unicodedata.normalize("NFC", text or "").strip().lower()


def attempt_key(username: str) -> str:
    """What attempts at ``username`` are counted under: the name itself, or a digest of a long one.

    A long typed name is never cut (two names sharing their first 80 characters would share a lock,
    and a cut name would never match its own attempts again); one with control characters is
    stored as its digest too.
    """
    name = normalise_username(username)
    if len(name) <= ATTEMPT_KEY_LENGTH and name.isprintable():  # PostgreSQL text cannot hold a NUL
        return name
    return "sha256:" + hashlib.sha256(name.encode("utf-8")).hexdigest()


# --- attempts and lockout --------------------------------------------------------------------


def locked_until(session: Session, username: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the lock on ``username`` ends, if it is locked now.

    A username is locked for 15 minutes once it has 5 failed sign-ins within 15 minutes (since its
    last success); guesses still being checked count as failed. Known and unknown usernames are
    treated alike, so a lock reveals nothing.
    """
    now = now or clock.now()
    key = attempt_key(username)
    last_success = session.scalar(
        select(func.max(SignInAttempt.at)).where(SignInAttempt.username == key, SignInAttempt.outcome == SUCCESS)
    )
    horizon = now - LOCK_WINDOW - LOCK_DURATION
    if last_success is not None:
        horizon = max(horizon, last_success)
    failures = session.scalars(
        select(SignInAttempt.at)
        .where(
            SignInAttempt.username == key,
            SignInAttempt.outcome.in_((FAILURE, PENDING)),
            SignInAttempt.at > horizon,
        )
        .order_by(SignInAttempt.at)
    ).all()
    until = None
    for index in range(LOCK_AFTER_FAILURES - 1, len(failures)):
        if failures[index] - failures[index - LOCK_AFTER_FAILURES + 1] <= LOCK_WINDOW:
            until = failures[index] + LOCK_DURATION
    return until if until is not None and until > now else None


def begin_attempt(session: Session, username: str, *, now: dt.datetime | None = None) -> int | None:
    """Reserve one guess at ``username``: its attempt id, or None (recorded and audited) while locked.

    The lock check and the reservation are one transaction, serialised per username, so twenty
    parallel guesses reserve at most five before the lock holds.
    """
    now = now or clock.now()
    key = attempt_key(username)
    if not key:
        raise InvalidInput("Enter your username as well as your password.")
    db.lock(session, f"sign-in:{key}")
    if locked_until(session, key, now=now) is not None:
        session.add(SignInAttempt(username=key, at=now, outcome=LOCKED))
        audit.record(session, actor=None, actor_name=key, action="sign_in_locked", entity_type="user")
        return None
    attempt = SignInAttempt(username=key, at=now, outcome=PENDING)
    session.add(attempt)
    session.flush()
    return attempt.id


def finish_attempt(session: Session, attempt_id: int, *, succeeded: bool, now: dt.datetime | None = None) -> None:
    """Record how a reserved guess went, and audit it."""
    attempt = session.get(SignInAttempt, attempt_id)
    attempt.outcome = SUCCESS if succeeded else FAILURE
    user = session.scalar(select(User).where(User.username == attempt.username))
    if succeeded:
        prune_attempts(session, now=now)
    audit.record(
        session,
        actor=Viewer(user_id=user.id, role=user.role, name=user.display_name) if succeeded and user else None,
        actor_name=None if succeeded and user else attempt.username,
        action="sign_in" if succeeded else "sign_in_failed",
        entity_type="user",
        entity_id=user.id if user else None,
    )


def guarded_check(
    write_scope: Callable[[], AbstractContextManager[Session]], username: str, check: Callable[[], bool]
) -> bool | None:
    """Run ``check`` (the password check) for one guess at ``username`` unless it is locked.

    Returns True or False for a checked guess, None when locked (``check`` never ran). Each step
    is its own short transaction from ``write_scope``, so bcrypt never runs inside one.
    """
    with write_scope() as session:
        attempt = begin_attempt(session, username)
    if attempt is None:
        return None
    succeeded = False
    try:
        succeeded = bool(check())
    finally:
        with write_scope() as session:
            finish_attempt(session, attempt, succeeded=succeeded)
    return succeeded


def prune_attempts(session: Session, *, now: dt.datetime | None = None) -> None:
    """Forget attempts too old to matter for lockout (the audit log keeps the history)."""
    cutoff = (now or clock.now()) - dt.timedelta(days=1)
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < cutoff))


# --- remembered sign-ins -----------------------------------------------------------------------


def start_session(session: Session, user_id: int, *, now: dt.datetime | None = None) -> str:
    """A new remembered sign-in for ``user_id``; returns its random id, which the cookie carries."""
    now = now or clock.now()
    session_id = secrets.token_urlsafe(32)
    session.add(SignInSession(id=session_id, user_id=user_id, created_at=now, expires_at=now + REMEMBER_FOR))
    return session_id


def session_status(session: Session, session_id: str, *, now: dt.datetime | None = None) -> tuple[int | None, str]:
    """Whether a remembered sign-in counts: (user id, "valid"), or (user id or None, why not).

    Why not: "unknown", "expired", "inactive", or the reason it was ended (``SIGNED_OUT``, ...).
    """
    now = now or clock.now()
    row = session.execute(
        select(SignInSession.user_id, SignInSession.expires_at, SignInSession.ended_reason, User.active)
        .join(User, User.id == SignInSession.user_id)
        .where(SignInSession.id == session_id)
    ).first()
    if row is None:
        return None, "unknown"
    if not row.active:
        return row.user_id, "inactive"
    if row.ended_reason:
        return row.user_id, row.ended_reason
    if row.expires_at <= now:
        return row.user_id, "expired"
    return row.user_id, "valid"


def end_session(session: Session, session_id: str, *, reason: str = SIGNED_OUT) -> None:
    session.execute(
        update(SignInSession)
        .where(SignInSession.id == session_id, SignInSession.ended_at.is_(None))
        .values(ended_at=clock.now(), ended_reason=reason)
    )


def end_sessions(session: Session, user_id: int, *, reason: str, keep: str | None = None) -> None:
    """End every remembered sign-in of ``user_id`` (but ``keep``, the browser that asked)."""
    statement = update(SignInSession).where(SignInSession.user_id == user_id, SignInSession.ended_at.is_(None))
    if keep:
        statement = statement.where(SignInSession.id != keep)
    session.execute(statement.values(ended_at=clock.now(), ended_reason=reason))


def record_sign_out(session: Session, *, viewer: Viewer, session_id: str | None) -> None:
    """End this browser's remembered sign-in (other devices stay signed in) and audit it."""
    if session_id:
        end_session(session, session_id, reason=SIGNED_OUT)
    audit.record(session, actor=viewer, action="sign_out", entity_type="user", entity_id=viewer.user_id)


def last_sign_ins():
    """A subquery of each person's latest sign-in time: columns ``user_id`` and ``at``."""
    return (
        select(SignInSession.user_id, func.max(SignInSession.created_at).label("at"))
        .group_by(SignInSession.user_id)
        .subquery()
    )
