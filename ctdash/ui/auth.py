"""Sign-in with streamlit-authenticator over the accounts in the shared database.

``authenticate()`` runs once per script run, in app.py: it builds the one Authenticate object
(a second one in the same run breaks its cookie component), restores a remembered sign-in from
the cookie, and then checks the account in the database, so a deactivated person's cookie stops
working at once. Lockout and the audit trail wrap the authenticator's own login.
"""

from __future__ import annotations

import importlib
import types

import extra_streamlit_components as stx
import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.models import cookie_model
from streamlit_authenticator.utilities.exceptions import LoginError

from ctdash import passwords, sign_in, users
from ctdash.config import cookie_key, get_settings
from ctdash.format import plain
from ctdash.ui import whats_new, who
from ctdash.ui.database import open_session, read_session, remember_revisions
from ctdash.ui.errors import user_errors
from ctdash.users import Account
from ctdash.viewer import ANONYMOUS, Viewer

COOKIE_NAME = "ctdash_auth"
COOKIE_DAYS = 7
AUTHENTICATOR = "_ctdash_authenticator"
NOTICE = "_ctdash_auth_notice"
SESSION_ID = "_ctdash_sign_in_session"  # this browser's remembered sign-in (sign_in_sessions.id)
DELETE_COOKIE = "_ctdash_delete_cookie"
WRONG = (
    "That username and password do not match. Check both and try again; after 5 failed tries a "
    "username is locked for 15 minutes."
)
PASSWORD_CHANGED = "Your password is changed. Use the new one next time you sign in."
LOCKED = (
    "Too many failed sign-ins for this username. It is locked for 15 minutes from the last try; "
    "wait, then try again, or ask the programme team to reset your password."
)
ENDED = "You have been signed out. Sign in again to go on."
DEACTIVATED = (
    "You have been signed out because your account is no longer active. Ask the programme team if this is a mistake."
)
_ENDED_NOTICES = {
    "inactive": DEACTIVATED,
    "unknown": ENDED,
    "expired": "Your sign-in has expired after 7 days. Sign in again to go on.",
    sign_in.SIGNED_OUT: "This sign-in has ended: you signed out. Sign in again to go on.",
    sign_in.PASSWORD_CHANGED: "You have been signed out because your password was changed. Sign in with the new one.",
    sign_in.PASSWORD_RESET: "You have been signed out because an administrator reset your password. Sign in again.",
    sign_in.DEACTIVATED: DEACTIVATED,
}


class CookieWriter(stx.CookieManager):
    """The cookie component for writing only: it sets and deletes the cookie, and never reads.

    extra_streamlit_components' manager draws a reading element on every run, whose reply (every
    cookie, once its frame has loaded) reruns the script: every page load ran the script twice and
    loaded the component's frame, script and stylesheet, and a click in that second run could be
    lost. ctdash reads the cookie from the request (``st.context.cookies``, as the library's own
    ``get_cookie`` does), so nothing needs that element. The setting and deleting elements are the
    library's own, drawn in the run that signs in or out.
    """

    def __init__(self, key: str = "init") -> None:
        del key  # the reading element's key: nothing is read
        self.cookie_manager = importlib.import_module("extra_streamlit_components.CookieManager")._component_func
        self.cookies = {}

    def delete(self, cookie: str, key: str = "delete") -> None:
        self.cookies[cookie] = None  # the library deletes it from what the reading element would have read
        super().delete(cookie, key)


# Every Authenticate's cookie model makes its manager through this name (CookieModel.__init__).
cookie_model.stx = types.SimpleNamespace(CookieManager=CookieWriter)


def _adapt(authenticator: stauth.Authenticate, key: str) -> None:
    """Everything that reaches into streamlit-authenticator 0.4.2's internals, in one place.

    1. Its password check runs through ``sign_in.guarded_check``: lockout holds across processes and
       parallel guesses, and the one account being signed in to is loaded at that moment (the
       library expects every account in memory).
    2. A successful check starts a remembered sign-in row, whose random id the cookie carries.
    3. (At import, above) its cookie model's manager is a ``CookieWriter``, which never reads.
    tests/pages/test_authenticator_adapter.py fails loudly if an upgrade moves any of these.
    """
    controller = authenticator.authentication_controller
    model = controller.authentication_model
    cookie = authenticator.cookie_controller.cookie_model
    original = controller.login

    def login(username=None, password=None, *args, **kwargs):
        if not username and not password:  # restoring from the cookie, which authenticate() checked
            return original(username, password, *args, **kwargs)
        name = sign_in.normalise_username(username or "")
        if not name:
            raise LoginError("Enter your username as well as your password.")
        if not password:
            raise LoginError("Enter your password as well as your username.")
        with read_session() as session:
            model.credentials["usernames"] = _credentials(session, [name])["usernames"]

        def check() -> bool:
            succeeded = bool(original(username, password, *args, **kwargs))
            if not succeeded and name not in model.credentials["usernames"]:
                passwords.password_matches(password, None)  # same time as a wrong password for a real name
            return succeeded

        outcome = sign_in.guarded_check(open_session, name, check)
        if outcome is None:
            raise LoginError(LOCKED)
        if outcome:
            with open_session() as session:
                st.session_state[SESSION_ID] = sign_in.start_session(session, users.user_id_of(session, name))
        return outcome

    def token() -> str:
        # The library's token holds only a name and an expiry built from naive local time; ours also
        # carries the remembered sign-in's id, which alone decides (on the server) whether it counts.
        return jwt.encode(
            {
                "username": st.session_state["username"],
                "sid": st.session_state[SESSION_ID],
                "exp_date": cookie.exp_date,
            },
            key,
            algorithm="HS256",
        )

    controller.login = login
    cookie._token_encode = token


def _credentials(session, usernames: list[str]) -> dict:
    """The mapping streamlit-authenticator expects, for just the accounts a run can be about (the one
    signed in, or the one signing in), so a rerun costs the same however many accounts exist."""
    return {
        "usernames": {
            account.username: {
                "name": account.display_name,
                "email": account.email or "",
                "password": account.password_hash,
                "roles": [account.role.value],
                "failed_login_attempts": 0,  # ctdash counts attempts itself (ctdash.sign_in)
            }
            for account in users.sign_in_details(session, usernames)
        }
    }


def _remembered(key: str) -> tuple[bool, dict | None]:
    """(whether the browser sent our cookie at all, its payload if it is well-formed and signed with our key)."""
    cookies = st.context.cookies
    raw = cookies.get(COOKIE_NAME) if COOKIE_NAME in cookies else None
    if raw is None:
        return False, None
    if not isinstance(raw, str):
        return False, None  # AppTest hands a mock, not a browser's cookie
    try:
        payload = jwt.decode(raw, key, algorithms=["HS256"])
    except jwt.PyJWTError:  # forged, tampered, "alg: none", another algorithm, another key, expired
        return True, None
    if not isinstance(payload.get("username"), str) or not isinstance(payload.get("sid"), str):
        return True, None  # e.g. a cookie from before remembered sign-ins were rows
    return True, payload


def authenticate(sign_out_area) -> Viewer:
    """Who is signed in for this run; renders the sign-out button into ``sign_out_area``.

    The server decides from its own rows (``sign_in.session_status``), never from times in the cookie.
    A cookie that is not ours or no longer counts is deleted and otherwise ignored.
    """
    settings = get_settings()
    with user_errors():
        key = cookie_key(settings)
    payload, sent = None, None  # sent: whether the browser sent our cookie (None: not looked at this run)
    if SESSION_ID not in st.session_state and not st.session_state.get("logout"):
        sent, payload = _remembered(key)
        if sent and payload is None:
            st.session_state["logout"] = True  # the library would otherwise read (and choke on) it
            st.session_state[DELETE_COOKIE] = True
    username = st.session_state.get("username") if st.session_state.get("authentication_status") else None
    username = username or (payload["username"] if payload else None)
    checked = None  # (session id, its status, its account), looked up with the credentials
    if username:
        # One read session for everything a signed-in rerun asks the database before the page: the
        # account's credentials, its remembered sign-in's status and this run's data revisions.
        with read_session() as session:
            credentials = _credentials(session, [username])
            known = st.session_state.get(SESSION_ID)
            if known:
                checked = (known, *_check_session(session, known))
            remember_revisions(session)
    else:
        credentials = {"usernames": {}}  # nobody to look up: no session to open
    authenticator = stauth.Authenticate(
        credentials,
        cookie_name=COOKIE_NAME,
        cookie_key=key,
        cookie_expiry_days=COOKIE_DAYS,
        auto_hash=False,
        login_sleep_time=0,
    )
    _adapt(authenticator, key)
    st.session_state[AUTHENTICATOR] = authenticator
    if st.session_state.pop(DELETE_COOKIE, False):
        authenticator.cookie_controller.delete_cookie()

    if payload is not None:
        with read_session() as session:
            _, status = sign_in.session_status(session, payload["sid"])
        if status == "valid":
            st.session_state[SESSION_ID] = payload["sid"]
        else:
            _sign_out(authenticator, notice=_ENDED_NOTICES.get(status))
    # Unrendered, the library's login only restores a sign-in from the cookie: with nobody signed in
    # and no cookie sent (a visitor, every run), it would read the cookies again to find nothing.
    if st.session_state.get("authentication_status") or sent is not False:
        try:
            authenticator.login(location="unrendered")
        except LoginError:
            _sign_out(authenticator, notice=DEACTIVATED)  # a valid cookie for an account that is gone

    account = None
    if st.session_state.get("authentication_status"):
        session_id = st.session_state.get(SESSION_ID)
        status = "unknown"
        if session_id and checked is not None and checked[0] == session_id:
            status, account = checked[1:]
        elif session_id:
            with read_session() as session:
                status, account = _check_session(session, session_id)
        if account is None:
            _sign_out(authenticator, notice=_ENDED_NOTICES.get(status, ENDED))

    slot = sign_out_area.empty()
    if account is not None and slot.button("Sign out", key="sign_out", icon=":material/logout:", width="stretch"):
        with open_session() as session:
            sign_in.record_sign_out(session, viewer=account.viewer(), session_id=st.session_state.get(SESSION_ID))
        _sign_out(authenticator, notice="You are signed out.")
        slot.empty()
        account = None

    st.session_state[who.ACCOUNT] = account
    whats_new.note_visit(account)  # once per browser session and person, after a sign-in or a cookie restore
    return account.viewer() if account else ANONYMOUS


def _check_session(session, session_id: str) -> tuple[str, Account | None]:
    """A remembered sign-in's status (``sign_in.session_status``) and, when it counts, its active account."""
    user_id, status = sign_in.session_status(session, session_id)
    return status, users.active_account(session, user_id) if status == "valid" else None


def session_id() -> str | None:
    """The id of this browser's remembered sign-in, kept when the person changes their own password."""
    return st.session_state.get(SESSION_ID)


def _sign_out(authenticator: stauth.Authenticate, *, notice: str | None) -> None:
    # No st.rerun() here: the cookie is deleted by a component message that a rerun would cancel.
    # That message can still be lost; the remembered sign-in's row has ended, so the cookie is void.
    if st.session_state.get("authentication_status"):
        authenticator.logout(location="unrendered")
    else:
        authenticator.cookie_controller.delete_cookie()
        st.session_state["logout"] = True  # stop the authenticator re-reading the stale cookie this session
    st.session_state.pop(SESSION_ID, None)
    if notice:
        st.session_state[NOTICE] = {"text": notice, "page": None}


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
        st.error(plain(str(error)), icon=":material/lock:")
        return False
    status = st.session_state.get("authentication_status")
    if status is False:
        st.error(WRONG, icon=":material/error:")
    return bool(status)
