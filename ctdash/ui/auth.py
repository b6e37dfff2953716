"""Sign-in with streamlit-authenticator over the accounts in the shared database.

``authenticate()`` runs once per script run, in app.py: it builds the one Authenticate object
(a second one in the same run breaks its cookie component), restores a remembered sign-in from
the cookie, and then checks the account in the database, so a deactivated person's cookie stops
working at once. Lockout and the audit trail wrap the authenticator's own login.
"""

from __future__ import annotations

import datetime as dt

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from ctdash import clock, users
from ctdash.config import cookie_key, get_settings
from ctdash.users import Account
from ctdash.viewer import ANONYMOUS, Viewer

COOKIE_NAME = "ctdash_auth"
COOKIE_DAYS = 7
AUTHENTICATOR = "_ctdash_authenticator"
ACCOUNT = "ctdash_account"
NOTICE = "_ctdash_auth_notice"
SINCE = "_ctdash_signed_in_since"  # when this browser session's sign-in began, as a Unix time
WRONG = (
    "That username and password do not match. Check both and try again; after 5 failed tries a "
    "username is locked for 15 minutes."
)
PASSWORD_CHANGED = "Your password is changed. Use the new one next time you sign in."
LOCKED = (
    "Too many failed sign-ins for this username. It is locked for 15 minutes from the last try; "
    "wait, then try again, or ask the programme team to reset your password."
)
ENDED = "You have been signed out: you signed out on another device, or your password was changed. Sign in again."
DEACTIVATED = (
    "You have been signed out because your account is no longer active. Ask the programme team if this is a mistake."
)


def _guard_login(authenticator: stauth.Authenticate) -> None:
    """Wrap the authenticator's login with lockout, recording, and loading the one account asked for.

    The authenticator keeps failed-attempt counts per process only, and expects every account in
    memory; this loads just the account being signed in to, at the moment of signing in.
    """
    from ctdash import ui  # imported here: ctdash.ui imports this module

    controller = authenticator.authentication_controller
    model = controller.authentication_model
    original = controller.login

    def login(username=None, password=None, *args, **kwargs):
        if not username:  # restoring from the cookie, or an empty form
            if password and not username:
                raise LoginError("Enter your username as well as your password.")
            return original(username, password, *args, **kwargs)
        name = users.normalise_username(username)
        if not password:
            raise LoginError("Enter your password as well as your username.")
        with ui.open_session() as session:
            locked = users.locked_until(session, name) is not None
            if locked:
                users.record_locked_attempt(session, name)
            model.credentials["usernames"] = users.credentials(session, [name])["usernames"]
        if locked:
            raise LoginError(LOCKED)
        succeeded = bool(original(username, password, *args, **kwargs))
        if not succeeded and name not in model.credentials["usernames"]:
            users.password_matches(password, None)  # same time as a wrong password for a real name
        with ui.open_session() as session:
            users.record_sign_in(session, name, succeeded=succeeded)
        return succeeded

    controller.login = login


def _remembered_token(key: str) -> dict | None:
    """The remember-me cookie's payload, if the browser sent a well-formed one signed with our key."""
    raw = st.context.cookies.get(COOKIE_NAME)
    if not isinstance(raw, str):
        return None
    try:
        payload = jwt.decode(raw, key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    if not isinstance(payload.get("username"), str) or not isinstance(payload.get("exp_date"), int | float):
        return None
    return payload


def authenticate(sign_out_area) -> Viewer:
    """Who is signed in for this run; renders the sign-out button into ``sign_out_area``."""
    from ctdash import ui

    settings = get_settings()
    with ui.user_errors():
        key = cookie_key(settings)
    token = None
    if not st.session_state.get("authentication_status") and not st.session_state.get("logout"):
        token = _remembered_token(key)
    who = st.session_state.get("username") if st.session_state.get("authentication_status") else None
    who = who or (token["username"] if token else None)
    with ui.open_session() as session:
        credentials = users.credentials(session, [who] if who else [])
    authenticator = stauth.Authenticate(
        credentials,
        cookie_name=COOKIE_NAME,
        cookie_key=key,
        cookie_expiry_days=COOKIE_DAYS,
        auto_hash=False,
        login_sleep_time=0,
    )
    _guard_login(authenticator)
    st.session_state[AUTHENTICATOR] = authenticator

    if token is not None:
        # The token has no issue time; the authenticator sets its expiry COOKIE_DAYS after issue.
        issued = token["exp_date"] - COOKIE_DAYS * 86400
        with ui.open_session() as session:
            state = users.remembered_sign_in(
                session, token["username"], issued=dt.datetime.fromtimestamp(issued, dt.UTC)
            )
        if state == "valid":
            st.session_state[SINCE] = issued
        else:  # signed out, deactivated or password reset since: the cookie is void
            _sign_out(authenticator, notice=DEACTIVATED if state == "inactive" else None)
    try:
        authenticator.login(location="unrendered")
    except LoginError:
        # A valid cookie for an account that is gone or deactivated.
        _sign_out(authenticator, notice=DEACTIVATED)

    account = None
    if st.session_state.get("authentication_status"):
        with ui.open_session() as session:
            account = users.active_account(session, st.session_state.get("username") or "")
        since = st.session_state.setdefault(SINCE, clock.now().timestamp())
        if account is None:
            _sign_out(authenticator, notice=DEACTIVATED)
        elif account.sessions_valid_after is not None and since <= account.sessions_valid_after.timestamp():
            _sign_out(authenticator, notice=ENDED)
            account = None

    slot = sign_out_area.empty()
    if account is not None and slot.button("Sign out", key="sign_out", icon=":material/logout:", width="stretch"):
        with ui.open_session() as session:
            users.record_sign_out(session, viewer=account.viewer())
        _sign_out(authenticator, notice="You are signed out.")
        slot.empty()
        account = None

    st.session_state[ACCOUNT] = account
    return account.viewer() if account else ANONYMOUS


def renew_session() -> None:
    """After changing your own password: other devices are signed out, this browser stays signed in.

    The remember-me cookie is issued again, since the old one is now void. Do not st.rerun() in the
    same run: the cookie is written by a component message that a rerun would cancel.
    """
    st.session_state[SINCE] = clock.now().timestamp()
    st.session_state[AUTHENTICATOR].cookie_controller.set_cookie()
    # The cookie component's reply reruns the page at once; keep saying it worked on that run too.
    st.session_state[NOTICE] = {"text": PASSWORD_CHANGED, "page": None}


def _sign_out(authenticator: stauth.Authenticate, *, notice: str | None) -> None:
    # No st.rerun() here: the cookie is deleted by a component message that a rerun would cancel.
    # That message can still be lost, so the server also voids the token (users.sessions_valid_after).
    if st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")
    else:
        authenticator.cookie_controller.delete_cookie()
        st.session_state["logout"] = True  # stop the authenticator re-reading the stale cookie this session
    st.session_state.pop(SINCE, None)
    if notice:
        st.session_state[NOTICE] = {"text": notice, "page": None}


def current_account() -> Account | None:
    return st.session_state.get(ACCOUNT)


def notice_for(page: str) -> str | None:
    """The last sign-in message (signed out, password changed), kept while the person stays on that page.

    The cookie component reruns the script right after a sign-out, so a message shown only once
    would flash and vanish.
    """
    notice = st.session_state.get(NOTICE)
    if not notice:
        return None
    if notice["page"] is None:
        notice["page"] = page
    if notice["page"] != page:
        del st.session_state[NOTICE]
        return None
    return notice["text"]


def sign_in_form() -> bool:
    """Render the sign-in form; True once the person is signed in (this run or before)."""
    authenticator: stauth.Authenticate = st.session_state[AUTHENTICATOR]
    try:
        authenticator.login(
            location="main",
            key="sign_in",
            fields={
                "Form name": "Your working-group account",
                "Username": "Username",
                "Password": "Password",
                "Login": "Sign in",
            },
        )
    except LoginError as error:
        st.error(str(error), icon=":material/lock:")
        return False
    status = st.session_state.get("authentication_status")
    if status is False:
        st.error(WRONG, icon=":material/error:")
    return bool(status)
