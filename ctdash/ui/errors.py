"""Errors on a page: a ctdash error is one sentence, anything else is logged and never shown as a trace.

Messages can hold what people typed (a name, a username), so they are always shown as plain text.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import streamlit as st

from ctdash.errors import CommitUncertain, Conflict, CtdashError, DatabaseUnavailable
from ctdash.format import plain
from ctdash.models import Role
from ctdash.ui import who
from ctdash.ui.forms import EditForm

log = logging.getLogger("ctdash")
UNEXPECTED = (
    "Something went wrong on our side and has been logged. Try again in a moment; "
    "if it keeps happening, tell the Changing Tracks programme team what you were doing."
)


@contextlib.contextmanager
def user_errors(form: EditForm | None = None) -> Iterator[None]:
    """Show ctdash errors as one sentence and stop the page; log anything else and say only that it failed.

    With ``form``, a conflict also offers to load the newer version; the form keeps what was typed.
    """
    try:
        yield
    except Conflict as error:
        st.error(plain(str(error)), icon=":material/sync_problem:")
        if form is not None:
            form.offer_reload()
        st.stop()
    except DatabaseUnavailable as error:
        account = who.current_account()  # as the last run found it: the database is down
        admin = account is not None and account.role == Role.ADMIN
        retry_safe = isinstance(error, CommitUncertain) and form is not None and form.retry_safe
        said = CommitUncertain.RETRY_SAFE if retry_safe else str(error)
        st.error(plain(f"{said} ({error.detail})" if admin else said), icon=":material/cloud_off:")
        st.stop()
    except CtdashError as error:
        st.error(plain(str(error)), icon=":material/error:")
        st.stop()
    except Exception:
        log.exception("unexpected error on a page")
        st.error(UNEXPECTED, icon=":material/error:")
        st.stop()
