"""The person form on the People page, and the one-time display of temporary passwords."""

from __future__ import annotations

import streamlit as st

from ctdash import users
from ctdash.models import Role
from ctdash.users import Account

TEMPORARY = "_ctdash_temporary_password"


def person_form(
    key: str, *, partners: dict[int, str], submit: str, account: Account | None = None, with_password: bool = False
) -> dict | None:
    """A form for one person's details; returns the values when submitted, else None."""
    roles = list(Role)
    with st.form(key, enter_to_submit=False):
        left, right = st.columns(2)
        values = {
            "display_name": left.text_input(
                "Name", value=account.display_name if account else "", key=f"{key}_name", max_chars=120
            ),
            "email": right.text_input(
                "Email (optional)", value=(account.email or "") if account else "", key=f"{key}_email", max_chars=254
            ),
        }
        if account is None:
            values["username"] = left.text_input(
                "Username", key=f"{key}_username", max_chars=40, help=users.USERNAME_RULE
            )
        values["role"] = right.selectbox(
            "Role",
            roles,
            index=roles.index(account.role) if account else roles.index(Role.MEMBER),
            format_func=users.ROLE_LABELS.get,
            key=f"{key}_role",
        )
        partner_ids = list(partners)
        current = account.partner_id if account and account.partner_id in partners else None
        values["partner_id"] = left.selectbox(
            "Partner service (for members)",
            partner_ids,
            index=partner_ids.index(current) if current else None,
            format_func=partners.get,
            placeholder="Choose a partner service",
            key=f"{key}_partner",
        )
        if with_password:
            values["password"] = (
                right.text_input(
                    "Password (leave empty to generate a temporary one)",
                    type="password",
                    key=f"{key}_password",
                    max_chars=72,
                    help=users.PASSWORD_RULE,
                )
                or None
            )
            st.caption("Either way they must choose their own password when they first sign in.")
        submitted = st.form_submit_button(submit, type="primary")
    return values if submitted else None


def remember_temporary_password(username: str, password: str | None) -> None:
    if password:
        st.session_state[TEMPORARY] = (username, password)


def show_temporary_password() -> None:
    """Show a generated password exactly once, on the run after it was made."""
    pending = st.session_state.pop(TEMPORARY, None)
    if pending:
        username, password = pending
        st.warning(
            f"Temporary password for **{username}**: pass it on privately now; it will not be shown again.",
            icon=":material/key:",
        )
        st.code(password, language=None)
