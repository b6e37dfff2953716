"""Who this run is for, as the sign-in check in app.py (``ui.auth``) found them."""

from __future__ import annotations

import streamlit as st

from ctdash.users import Account
from ctdash.viewer import ANONYMOUS, Viewer

ACCOUNT = "ctdash_account"


def current_account() -> Account | None:
    """The signed-in account, or None for a visitor."""
    return st.session_state.get(ACCOUNT)


def viewer() -> Viewer:
    """The person looking at this run."""
    account = current_account()
    return account.viewer() if account else ANONYMOUS
