"""People who sign in: accounts, passwords, roles, sign-in attempts and lockout.

Every change is audited. Functions that change accounts take the acting viewer and check their
role here, not in the page, so no page can forget.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ctdash import audit, db, permissions, sign_in
from ctdash.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ctdash.models import Partner, Role, User
from ctdash.passwords import check_password_strength, hash_password, password_matches, temporary_password
from ctdash.sign_in import normalise_username
from ctdash.text import clean_text
from ctdash.viewer import Viewer

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[a-z]{2,}$", re.IGNORECASE)
USERNAME_RULE = "3 to 40 letters, digits, dots, dashes or underscores; not case-sensitive."
ROLE_LABELS = {Role.ADMIN: "Administrator", Role.FACILITATOR: "Facilitator", Role.MEMBER: "Member"}


@dataclass(frozen=True)
class Account:
    """What the app needs to know about a signed-in person."""

    id: int
    username: str
    display_name: str
    email: str | None
    role: Role
    partner_id: int | None
    partner_name: str | None
    active: bool
    must_change_password: bool
    version: int

    def viewer(self) -> Viewer:
        return Viewer(user_id=self.id, role=self.role, partner_id=self.partner_id, name=self.display_name)


# --- rules -----------------------------------------------------------------------------------


MAX_NAME_LENGTH = 120


def check_username(text: str) -> str:
    username = normalise_username(text)
    if len(username) > 40:
        raise InvalidInput(f"That username is {len(username):,} characters long; use 3 to 40.")
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidInput(
            "Choose a username of 3 to 40 characters using letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit."
        )
    return username


def check_email(text: str | None) -> str | None:
    email = unicodedata.normalize("NFC", text or "").strip()
    if not email:
        return None
    if len(email) > 254:
        raise InvalidInput(f"That email address is {len(email):,} characters long; at most 254 fit.")
    if not email.isprintable() or not EMAIL_PATTERN.fullmatch(email):
        raise InvalidInput(f"{email[:60]!r} does not look like an email address; check it and try again.")
    return email


def check_display_name(text: str) -> str:
    """A name as others will see it: NFC, single spaces, no invisible or direction-changing characters."""
    name = clean_text(text, field="That name", limit=MAX_NAME_LENGTH) or ""
    if not any(character.isalnum() for character in name):
        raise InvalidInput("Enter a name to show to others, such as 'Sam Taylor'.")
    return name


# --- reading -----------------------------------------------------------------------------------


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0


def _account(user: User) -> Account:
    return Account(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        role=user.role,
        partner_id=user.partner_id,
        partner_name=user.partner.name if user.partner else None,
        active=user.active,
        must_change_password=user.must_change_password,
        version=user.version,
    )


def active_account(session: Session, user_id: int) -> Account | None:
    """The account behind a signed-in session, or None if it no longer exists or was deactivated."""
    user = session.get(User, user_id)
    return _account(user) if user is not None and user.active else None


def user_id_of(session: Session, username: str) -> int | None:
    return session.scalar(select(User.id).where(User.username == normalise_username(username)))


def get_account(session: Session, *, viewer: Viewer, user_id: int) -> Account:
    permissions.require_own_or_admin(viewer, user_id)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("That person no longer exists; reload the page.")
    return _account(user)


@dataclass(frozen=True)
class SignInDetails:
    """What checking a password needs about one active account."""

    username: str
    display_name: str
    email: str | None
    password_hash: str
    role: Role


def sign_in_details(session: Session, usernames: list[str]) -> list[SignInDetails]:
    """The named accounts that are active; deactivated people are left out, so they fail to sign in
    exactly like a wrong password would. Names that cannot be usernames (control characters) match none."""
    wanted = [normalise_username(name) for name in usernames if name and name.isprintable()]
    if not wanted:
        return []
    rows = session.execute(
        select(User.username, User.display_name, User.email, User.password_hash, User.role).where(
            User.active, User.username.in_(wanted)
        )
    ).all()
    return [SignInDetails(*row) for row in rows]


def list_users(session: Session, *, viewer: Viewer) -> pd.DataFrame:
    """Everyone, for the People page; administrators only."""
    permissions.require(viewer, permissions.MANAGE_PEOPLE)
    last = sign_in.last_sign_ins()
    rows = session.execute(
        select(
            User.id,
            User.username,
            User.display_name,
            User.email,
            User.role,
            Partner.name,
            User.active,
            User.must_change_password,
            last.c.at.label("last_login_at"),
        )
        .outerjoin(Partner, User.partner_id == Partner.id)
        .outerjoin(last, last.c.user_id == User.id)
        .order_by(User.active.desc(), User.display_name)
    ).all()
    return pd.DataFrame(
        [
            {
                "id": row.id,
                "Name": row.display_name,
                "Username": row.username,
                "Email": row.email or "",
                "Role": ROLE_LABELS[row.role],
                "Partner service": row.name or "",
                "Status": ("Active" if row.active else "Deactivated")
                + (" · must change password" if row.active and row.must_change_password else ""),
                "Last sign-in": row.last_login_at,
            }
            for row in rows
        ],
        columns=["id", "Name", "Username", "Email", "Role", "Partner service", "Status", "Last sign-in"],
    )


def partner_choices(session: Session) -> dict[int, str]:
    """Active real partner services, id to name, for choosing a member's service."""
    return dict(
        session.execute(
            select(Partner.id, Partner.name).where(Partner.active, Partner.is_example.is_(False)).order_by(Partner.name)
        ).all()
    )


# --- changing accounts -------------------------------------------------------------------------


def _serialise_writes(session: Session) -> None:
    # Account changes go one at a time across replicas, so two admins cannot each remove "the other"
    # last administrator, nor two first-run forms both create the first one. Taken before any row.
    db.lock(session, "accounts")


def _check_partner(session: Session, role: Role, partner_id: int | None) -> int | None:
    if role != Role.MEMBER:
        return partner_id
    if partner_id is None:
        raise InvalidInput("A member belongs to one partner service; choose it.")
    if session.get(Partner, partner_id) is None:
        raise InvalidInput("That partner service no longer exists; reload the page and choose again.")
    return partner_id


def _user_for_update(session: Session, user_id: int, expected_version: int | None) -> User:
    # Locked as it is read, so a change that was waiting for another to commit sees that change,
    # and the version compared is the one stored now, against the one the person saw.
    user = session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise NotFound("That person no longer exists; reload the page.")
    if expected_version is not None and user.version != expected_version:
        raise Conflict(
            f"Someone else changed {user.display_name}'s account while you were editing it. "
            "Your changes are still in the form: load the latest version to see theirs, then make yours again."
        )
    return user


def _other_active_admins(session: Session, user_id: int) -> int:
    return (
        session.scalar(select(func.count(User.id)).where(User.role == Role.ADMIN, User.active, User.id != user_id)) or 0
    )


def _add_user(
    session: Session,
    *,
    actor: Viewer | None,
    actor_name: str | None,
    username: str,
    display_name: str,
    email: str | None,
    role: Role | str,
    partner_id: int | None,
    password: str | None,
    must_change_password: bool,
) -> tuple[Account, str | None]:
    """Check and add one account, audited; generates a temporary password when none is given."""
    _serialise_writes(session)
    username = check_username(username)
    display_name = check_display_name(display_name)
    email = check_email(email)
    role = Role(role)
    partner_id = _check_partner(session, role, partner_id)
    if session.scalar(select(func.count(User.id)).where(User.username == username)):
        raise InvalidInput(f"The username {username!r} is taken; choose another.")
    temporary = None
    if password:
        check_password_strength(password, username=username)
    else:
        temporary = password = temporary_password()
        must_change_password = True
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        role=role,
        partner_id=partner_id,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    account = _account(user)
    audit.record(
        session,
        actor=actor,
        actor_name=actor_name,
        action="user_created",
        entity_type="user",
        entity_id=user.id,
        summary=f"{user.username}: {ROLE_LABELS[user.role]}"
        + (f" of {account.partner_name}" if account.partner_name else ""),
    )
    return account, temporary


def create_first_admin(
    session: Session,
    *,
    setup_code_ok: bool,
    username: str,
    display_name: str,
    email: str | None,
    password: str,
    confirm: str,
) -> Account:
    """The one-time setup: only while no account exists, and only with the setup code (ctdash.setup_code)."""
    _serialise_writes(session)
    if count_users(session):
        raise PermissionDenied("Setup is already complete; sign in instead.")
    if not setup_code_ok:
        raise PermissionDenied(
            "That setup code is not right. Copy it from the terminal or log where ctdash is running."
        )
    if not password:
        raise InvalidInput("Choose a password.")
    if password != confirm:
        raise InvalidInput("The two passwords differ; type the same password in both boxes.")
    account, _ = _add_user(
        session,
        actor=None,
        actor_name="first-run setup",
        username=username,
        display_name=display_name,
        email=email,
        role=Role.ADMIN,
        partner_id=None,
        password=password,
        must_change_password=False,
    )
    return account


def create_user(
    session: Session,
    *,
    viewer: Viewer,
    username: str,
    display_name: str,
    email: str | None,
    role: Role | str,
    partner_id: int | None = None,
    password: str | None = None,
) -> tuple[Account, str | None]:
    """Add a person; returns the account and the temporary password to show once (None if one was given).

    Either way they must choose their own password at first sign-in.
    """
    permissions.require(viewer, permissions.MANAGE_PEOPLE)
    return _add_user(
        session,
        actor=viewer,
        actor_name=None,
        username=username,
        display_name=display_name,
        email=email,
        role=role,
        partner_id=partner_id,
        password=password,
        must_change_password=True,
    )


def create_user_from_cli(
    session: Session,
    *,
    username: str,
    display_name: str,
    email: str | None,
    role: Role | str,
    partner_name: str | None,
    password: str,
) -> Account:
    """``python -m ctdash create-user``: whoever runs the CLI on the server acts as the programme team."""
    partner_id = None
    if partner_name:
        wanted = partner_name.strip().lower()
        partner_id = session.scalar(
            select(Partner.id).where((func.lower(Partner.name) == wanted) | (Partner.slug == wanted))
        )
        if partner_id is None:
            raise InvalidInput(f"There is no partner service called {partner_name!r}; check the name in the app.")
    account, _ = _add_user(
        session,
        actor=None,
        actor_name="command line",
        username=username,
        display_name=display_name,
        email=email,
        role=role,
        partner_id=partner_id,
        password=password,
        must_change_password=False,
    )
    return account


def update_user(
    session: Session,
    *,
    viewer: Viewer,
    user_id: int,
    expected_version: int,
    role: Role | str,
    partner_id: int | None,
    display_name: str,
    email: str | None,
) -> Account:
    """Change someone's role, partner service, name or email."""
    permissions.require(viewer, permissions.MANAGE_PEOPLE)
    _serialise_writes(session)
    user = _user_for_update(session, user_id, expected_version)
    role = Role(role)
    if user.role == Role.ADMIN and role != Role.ADMIN and user.active and not _other_active_admins(session, user.id):
        raise InvalidInput(
            f"{user.display_name} is the last active administrator; make someone else an administrator first."
        )
    new_values = {
        "role": role,
        "partner_id": _check_partner(session, role, partner_id) if role == Role.MEMBER else None,
        "display_name": check_display_name(display_name),
        "email": check_email(email),
    }
    return _apply_changes(session, viewer=viewer, user=user, new_values=new_values)


def _apply_changes(session: Session, *, viewer: Viewer, user: User, new_values: dict) -> Account:
    """Set the fields that differ and audit them as one change, before -> after."""
    changes = []
    for field, value in new_values.items():
        if getattr(user, field) != value:
            changes.append(f"{field}: {getattr(user, field)!s} -> {value!s}")
            setattr(user, field, value)
    if changes:
        session.flush()
        audit.record(
            session,
            actor=viewer,
            action="user_changed",
            entity_type="user",
            entity_id=user.id,
            summary=f"{user.username}: " + "; ".join(changes),
        )
    return _account(user)


def set_active(session: Session, *, viewer: Viewer, user_id: int, active: bool, expected_version: int) -> Account:
    """Deactivate (they cannot sign in, and any remembered sign-in stops working) or reactivate someone."""
    permissions.require(viewer, permissions.MANAGE_PEOPLE)
    _serialise_writes(session)
    user = _user_for_update(session, user_id, expected_version)
    if not active and user.role == Role.ADMIN and user.active and not _other_active_admins(session, user.id):
        raise InvalidInput(
            f"{user.display_name} is the last active administrator; make someone else an administrator first."
        )
    if user.active != active:
        user.active = active
        if not active:
            sign_in.end_sessions(session, user.id, reason=sign_in.DEACTIVATED)
        session.flush()
        audit.record(
            session,
            actor=viewer,
            action="user_reactivated" if active else "user_deactivated",
            entity_type="user",
            entity_id=user.id,
            summary=user.username,
        )
    return _account(user)


def reset_password(session: Session, *, viewer: Viewer, user_id: int, password: str | None = None) -> str | None:
    """Give someone a new password they must change at next sign-in; returns it if it was generated."""
    permissions.require(viewer, permissions.MANAGE_PEOPLE)
    _serialise_writes(session)
    user = _user_for_update(session, user_id, None)
    temporary = None
    if password:
        check_password_strength(password, username=user.username)
    else:
        temporary = password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    sign_in.end_sessions(session, user.id, reason=sign_in.PASSWORD_RESET)
    session.flush()
    audit.record(
        session, actor=viewer, action="password_reset", entity_type="user", entity_id=user.id, summary=user.username
    )
    return temporary


def change_own_password(
    session: Session, *, viewer: Viewer, current: str, new: str, confirm: str, keep_session: str | None = None
) -> None:
    """Change your own password; every other remembered sign-in ends, ``keep_session`` (this browser) stays."""
    if viewer.user_id is None:
        raise PermissionDenied("Sign in to change your password.")
    user = _user_for_update(session, viewer.user_id, None)
    if not password_matches(current, user.password_hash):
        raise InvalidInput("Your current password is not right; type it again.")
    if new != confirm:
        raise InvalidInput("The two new passwords differ; type the same new password in both boxes.")
    if new == current:
        raise InvalidInput("Choose a new password that differs from your current one.")
    check_password_strength(new, username=user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    sign_in.end_sessions(session, user.id, reason=sign_in.PASSWORD_CHANGED, keep=keep_session)
    session.flush()
    audit.record(
        session, actor=viewer, action="password_changed", entity_type="user", entity_id=user.id, summary=user.username
    )


def update_profile(
    session: Session, *, viewer: Viewer, display_name: str, email: str | None, expected_version: int
) -> Account:
    """Change your own display name and email."""
    if viewer.user_id is None:
        raise PermissionDenied("Sign in to change your details.")
    user = _user_for_update(session, viewer.user_id, expected_version)
    display_name, email = check_display_name(display_name), check_email(email)
    return _apply_changes(session, viewer=viewer, user=user, new_values={"display_name": display_name, "email": email})
