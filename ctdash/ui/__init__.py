"""Shared Streamlit plumbing for pages: the engine, sessions, cached reads and error display.

Pages import this module, never ``ctdash.db`` directly, so there is one way to reach the database
and one place where errors turn into messages.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import TypeVar

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

from ctdash import access, db, setup_code, users
from ctdash.config import get_settings
from ctdash.errors import CommitUncertain, ConfigError, Conflict, CtdashError, DatabaseUnavailable
from ctdash.models import Role
from ctdash.seed import initialise
from ctdash.ui.forms import EditForm
from ctdash.viewer import ANONYMOUS, Viewer

log = logging.getLogger("ctdash")
T = TypeVar("T")
UNEXPECTED = (
    "Something went wrong on our side and has been logged. Try again in a moment; "
    "if it keeps happening, tell the Changing Tracks programme team what you were doing."
)


@st.cache_resource(show_spinner="Opening the database…")
def _engine(database_url: str) -> Engine:
    # Created once per process and URL; a failure is not cached, so the next rerun tries again.
    engine = db.make_engine(database_url)
    try:
        initialise(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def engine() -> Engine:
    """The process-wide engine for the configured database, migrated and seeded on first use."""
    return _engine(get_settings().database_url)


@contextlib.contextmanager
def user_errors(form: EditForm | None = None) -> Iterator[None]:
    """Show ctdash errors as one sentence and stop the page; log anything else and say only that it failed.

    With ``form``, a conflict also offers to load the newer version; the form keeps what was typed.
    """
    try:
        yield
    except Conflict as error:
        st.error(str(error), icon=":material/sync_problem:")
        if form is not None:
            form.offer_reload()
        st.stop()
    except DatabaseUnavailable as error:
        account = st.session_state.get("ctdash_account")  # as the last run found it: the database is down
        admin = account is not None and account.role == Role.ADMIN
        st.error(f"{error} ({error.detail})" if admin else str(error), icon=":material/cloud_off:")
        st.stop()
    except CtdashError as error:
        st.error(str(error), icon=":material/error:")
        st.stop()
    except Exception:
        log.exception("unexpected error on a page")
        st.error(UNEXPECTED, icon=":material/error:")
        st.stop()


def start() -> None:
    """Make sure the settings agree and the database is ready; on failure explain what to do and stop."""
    with user_errors():
        stated, enforced = get_settings().upload_max_mb, st.get_option("server.maxUploadSize")
        if stated != enforced:
            raise ConfigError(
                f"The upload limit is set twice ({enforced} MB on the command line, {stated} MB in "
                ".streamlit/config.toml or STREAMLIT_SERVER_MAX_UPLOAD_SIZE); set it in one place only."
            )
        engine()


@contextlib.contextmanager
def open_session(form: EditForm | None = None, *, saved: Callable[[Session], bool] | None = None) -> Iterator[Session]:
    """A write session on the shared engine that commits on success; errors are shown and stop the page.

    A ``st.rerun()`` or ``st.stop()`` inside the block commits first: Streamlit ends a run with an
    exception, which would otherwise roll the write back without a word. After a successful save of
    ``form`` its fields are cleared, so the next draw shows the saved record.

    If the database goes away during the commit itself, the change may or may not be saved:
    ``saved(session)`` then looks, once the database answers again, and the page is told the truth.
    """
    with user_errors(form):
        try:
            with db.session_scope(engine()) as session:
                try:
                    yield session
                except ScriptControlException:
                    session.commit()
                    raise
        except CommitUncertain:
            if saved is None or not _was_saved(saved):
                raise
            log.warning("a commit was cut off but had been saved; carrying on")
    if form is not None:
        form.saved()


def _was_saved(saved: Callable[[Session], bool]) -> bool:
    """Whether an uncertain commit was saved; raises CommitUncertain while the database cannot tell."""
    try:
        with db.session_scope(engine(), read_only=True) as session:
            found = saved(session)
    except DatabaseUnavailable as error:
        raise CommitUncertain(error.detail) from None
    if not found:
        raise DatabaseUnavailable("the commit was cut off and did not happen") from None
    return True


@contextlib.contextmanager
def read_session() -> Iterator[Session]:
    """A read-only session: never takes SQLite's write lock, and refuses to write."""
    with user_errors(), db.session_scope(engine(), read_only=True) as session:
        yield session


def viewer() -> Viewer:
    """The person looking at this run, as app.py's sign-in check found them."""
    from ctdash.ui import auth

    account = auth.current_account()
    return account.viewer() if account else ANONYMOUS


@st.cache_data(max_entries=1024, show_spinner=False)
def _cached(_func: Callable, name: str, database_url: str, revision: tuple, viewer: Viewer, kwargs: tuple):
    with db.session_scope(_engine(database_url), read_only=True) as session:
        return _func(session, viewer=viewer, **dict(kwargs))


def read(func: Callable[..., T], /, **kwargs) -> T:
    """Call a read service through the cache.

    The key holds the function, the database, the revisions of the areas it reads (``db.reads``;
    so any change anywhere is seen at once, and nothing else makes it cold) and the viewer (so one
    person's rows are never served to another).
    """
    settings = get_settings()
    with read_session() as session:
        revision = db.current_revisions(session, db.areas_read_by(func))
    with user_errors():
        return _cached(
            func,
            f"{func.__module__}.{func.__qualname__}",
            settings.database_url,
            revision,
            viewer(),
            tuple(sorted(kwargs.items())),
        )


FLASH = "_ctdash_flash"
SHELL_RAN = "_ctdash_shell_ran"


def shell_ran(*, setup_needed: bool) -> None:
    """Called by app.py once sign-in and navigation are done for this run; the page's guard reads it."""
    st.session_state[SHELL_RAN] = {"setup_needed": setup_needed}


def done(message: str) -> None:
    """After a successful change: rerun so the page shows the new state, with ``message`` on top."""
    st.session_state[FLASH] = message
    st.rerun()


def setup_needed() -> bool:
    """True while no account exists: the app then offers the first-run form, and the server's log
    shows the setup code it asks for (printed once per process)."""
    with read_session() as session:
        needed = users.count_users(session) == 0
    if needed:
        setup_code.announce()
    return needed


def guard(page_file: str) -> Viewer:
    """Every page's first line: refuse politely, and stop, unless this viewer may see the page now."""
    from ctdash.ui import auth

    shell = st.session_state.pop(SHELL_RAN, None)
    if shell is None:
        # With a pages/ folder, Streamlit's legacy multipage mode runs a page script on its own,
        # without app.py, until st.navigation has run once in the process: the first request a
        # fresh server gets. No project code runs before that request's session decides its mode,
        # so it cannot be prevented; show nothing and go round again through app.py, which leaves
        # that mode for good. (client.showSidebarNavigation = false in .streamlit/config.toml keeps
        # the legacy mode's list of every file in pages/ out of the sidebar meanwhile.)
        PagesManager.uses_pages_directory = False
        st.rerun()
    current = viewer()
    file = page_file.rsplit("/", 1)[-1]
    reason = access.refusal(current, file, setup_needed=shell["setup_needed"])
    if reason and current.signed_in and access.rule_for(file).audience == {access.ANONYMOUS}:
        st.switch_page("pages/home.py")  # e.g. the sign-in page, just after signing in
    flash = st.session_state.pop(FLASH, None)
    if reason:
        # A change that has just closed this page (the first-run setup) says what it did instead.
        if flash:
            st.success(flash, icon=":material/check_circle:")
        else:
            st.info(reason, icon=":material/lock:")
        if shell["setup_needed"]:
            st.page_link("pages/setup.py", label="First-run setup", icon=":material/rocket_launch:")
        elif not current.signed_in:
            st.page_link("pages/sign_in.py", label="Sign in", icon=":material/login:")
        st.stop()
    if flash:
        st.success(flash, icon=":material/check_circle:")
        st.toast(flash, icon=":material/check_circle:")  # seen even when the page is scrolled down to a form
    account = auth.current_account()
    if account and account.must_change_password and file != "account.py":
        st.warning("Choose a new password before you go on: yours was set by an administrator.", icon=":material/key:")
        st.page_link("pages/account.py", label="Change my password", icon=":material/key:")
        st.stop()
    return current
