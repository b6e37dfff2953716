"""Shared Streamlit plumbing for pages, one module per job; pages use them through this package.

- ``ui.database``: the engine, write and read sessions, cached reads (``open_session``, ``read``)
- ``ui.errors``: errors as one sentence on the page (``user_errors``)
- ``ui.shell``: the page guard and messages after a change (``guard``, ``done``)
- ``ui.who``: who this run is for (``viewer``); ``ui.auth``: signing in (app.py only)
- ``ui.forms``: edit forms that never overwrite someone else's change

Pages import this package, never ``ctdash.db`` directly, so there is one way to reach the database
and one place where errors turn into messages.
"""

from ctdash.ui.database import deferred, engine, open_session, read, read_session, setup_needed, start
from ctdash.ui.errors import user_errors
from ctdash.ui.shell import done, guard, shell_ran
from ctdash.ui.who import current_account, viewer

__all__ = [
    "current_account",
    "deferred",
    "done",
    "engine",
    "guard",
    "open_session",
    "read",
    "read_session",
    "setup_needed",
    "shell_ran",
    "start",
    "user_errors",
    "viewer",
]
