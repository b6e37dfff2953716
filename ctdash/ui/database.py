"""The database from a page: the process-wide engine, write and read sessions, and cached reads."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import weakref
from collections.abc import Callable, Iterator
from typing import TypeVar

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from ctdash import db, setup_code, users
from ctdash.config import get_settings
from ctdash.errors import CommitUncertain, ConfigError, DatabaseUnavailable
from ctdash.seed import initialise
from ctdash.ui.errors import log, user_errors
from ctdash.ui.forms import EditForm
from ctdash.ui.who import viewer
from ctdash.viewer import Viewer

T = TypeVar("T")

_REVISIONS = "_ctdash_revisions"  # (this run, database URL, {area: revision}), for ``read``


def _release(engine: Engine) -> None:
    engine.dispose()  # an engine dropped from the cache closes its pooled connections at once


@st.cache_resource(show_spinner="Opening the database…", on_release=_release)
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
    st.session_state.pop(_REVISIONS, None)  # this run's later cached reads must see the change
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


@st.cache_data(max_entries=1024, show_spinner=False)
def _cached(_func: Callable, name: str, database_url: str, revision: tuple, viewer: Viewer, kwargs: tuple):
    with db.session_scope(_engine(database_url), read_only=True) as session:
        return _func(session, viewer=viewer, **dict(kwargs))


@st.cache_data(max_entries=1024, show_spinner=False)
def _cached_by_text(_func: Callable, key: str, _database_url: str, _viewer: Viewer, _kwargs: tuple):
    # As _cached, keyed by one string that spells out every part of the key (``_plain`` values, so
    # equal reprs mean equal values): Streamlit hashes one string in microseconds, where walking the
    # viewer's and the arguments' dataclasses took about 0.7 ms a read, on every rerun.
    with db.session_scope(_engine(_database_url), read_only=True) as session:
        return _func(session, viewer=_viewer, **dict(_kwargs))


def read(func: Callable[..., T], /, **kwargs) -> T:
    """Call a read service through the cache.

    The key holds the function, the database, the revisions of the areas it reads (``db.reads``;
    so any change anywhere is seen at once, and nothing else makes it cold) and the viewer (so one
    person's rows are never served to another).
    """
    settings = get_settings()
    revisions = _revisions_this_run(settings.database_url)
    revision = tuple(revisions[area] for area in db.areas_read_by(func))
    name = f"{func.__module__}.{func.__qualname__}"
    current = viewer()
    arguments = tuple(sorted(kwargs.items()))
    with user_errors():
        if _plain(current) and _plain(arguments):
            key = repr((name, settings.database_url, revision, current, arguments))
            return _cached_by_text(func, key, settings.database_url, current, arguments)
        return _cached(func, name, settings.database_url, revision, current, arguments)


_PLAIN_SCALARS = (str, int, float, bool, bytes, type(None), enum.Enum, dt.date, dt.time, dt.timedelta)


def _plain(value, depth: int = 0) -> bool:
    """Whether ``repr(value)`` spells out all of it, so two values with the same repr are equal: plain
    scalars, and tuples and frozen dataclasses of them. Anything else keys the cache by Streamlit's hash."""
    if isinstance(value, _PLAIN_SCALARS):
        return not isinstance(value, float) or value == value  # NaN's repr matches no NaN
    if depth > 8:
        return False
    if isinstance(value, tuple) and type(value) is tuple:
        return all(_plain(item, depth + 1) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        cls = type(value)
        return (
            cls.__dataclass_params__.frozen
            and _made_repr(cls)
            and all(field.repr for field in fields)
            and all(_plain(getattr(value, field.name), depth + 1) for field in fields)
        )
    return False


def _made_repr(cls: type) -> bool:
    """Whether ``cls`` has the ``__repr__`` dataclass wrote for it (its own fields, all of them), not one
    written by hand or inherited (dataclass wraps the repr it makes in ``reprlib.recursive_repr``)."""
    made = cls.__dict__.get("__repr__")
    return cls.__dataclass_params__.repr and made is not None and hasattr(made, "__wrapped__")


def _revisions_this_run(database_url: str) -> dict[str, int]:
    """Every area's data revision, read once per script run: a page with several cached reads asks
    the database once. A write through ``open_session`` forgets them, so a read after it sees it."""
    run = _this_run()
    remembered = st.session_state.get(_REVISIONS) if run is not None else None
    if remembered and remembered[0] is run and remembered[1] == database_url:
        return remembered[2]
    with read_session() as session:
        return _remember_revisions(session, run, database_url)


def _this_run() -> dict | None:
    ctx = get_script_run_ctx()
    return ctx.cursors if ctx else None  # a new dict at the start of every run (and fragment run)


def _remember_revisions(session: Session, run: dict | None, database_url: str) -> dict[str, int]:
    found = dict(zip(db.AREAS, db.current_revisions(session), strict=True))
    if run is not None:
        st.session_state[_REVISIONS] = (run, database_url, found)
    return found


def remember_revisions(session: Session) -> None:
    """Read this run's data revisions in ``session``, a read session already open at the start of the
    run (the sign-in check's), so the run's first cached read does not open one of its own to ask."""
    _remember_revisions(session, _this_run(), get_settings().database_url)


def deferred(func: Callable[..., T], /, **kwargs) -> Callable[[], T]:
    """A read service to call later, off the script's thread (a download's data), for this viewer.

    The engine and viewer are taken now: Streamlit runs the callable on another thread, where
    session state and caches are out of reach.
    """
    current, bound = viewer(), engine()

    def call() -> T:
        with db.session_scope(bound, read_only=True) as session:
            return func(session, viewer=current, **kwargs)

    return call


# The engines (one per database URL) known to hold an account. Accounts are deactivated, never
# deleted, so once one exists the first-run setup can never be needed again there, and the count
# query stops. Weak, so an engine dropped from the cache (a new database behind the same URL, as in
# tests) is asked again.
_SET_UP: weakref.WeakSet[Engine] = weakref.WeakSet()


def setup_needed() -> bool:
    """True while no account exists: the app then offers the first-run form, and the server's log
    shows the setup code it asks for (printed once per process)."""
    bound = engine()
    if bound in _SET_UP:
        return False
    with read_session() as session:
        needed = users.count_users(session) == 0
    if needed:
        setup_code.announce()
    else:
        _SET_UP.add(bound)
    return needed
