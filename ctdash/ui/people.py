"""The person form on the People page, and the one-time display of temporary passwords."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ctdash import export, passwords, users
from ctdash.format import local_time
from ctdash.models import Role
from ctdash.ui.forms import EditForm
from ctdash.users import Account

TEMPORARY = "_ctdash_temporary_password"
FIELDS = ("name", "email", "username", "role", "partner")


def form_state(key: str, *, with_password: bool = False) -> EditForm:
    """The person form ``key``: its fields, cleared after a save, versions checked as first seen."""
    return EditForm(key, fields=FIELDS + (("password",) if with_password else ()))


def people_table(table: pd.DataFrame) -> None:
    """Everyone, with last sign-ins in UK time and "Never" for people who have not signed in."""
    shown = table.drop(columns=["id"]).assign(
        **{"Last sign-in": ["Never" if pd.isna(at) else local_time(at, with_time=True) for at in table["Last sign-in"]]}
    )
    st.dataframe(
        export.spreadsheet_safe(shown),  # the grid's own download writes cells raw
        hide_index=True,
        width="stretch",
        key="people_table",
        column_config={"Last sign-in": st.column_config.TextColumn(width="medium")},
    )


PICKED = "_ctdash_people_picked"


def pick_person(labels: dict[int, str]) -> int:
    """Choose whom to change. The choice is kept by id: renaming someone changes the labels, which
    makes Streamlit draw the select box anew, and it would otherwise jump back to the first person."""
    ids = list(labels)
    picked = st.session_state.get(PICKED)
    user_id = st.selectbox(
        "Person", ids, index=ids.index(picked) if picked in ids else 0, format_func=labels.get, key="people_pick"
    )
    st.session_state[PICKED] = user_id
    return int(user_id)


def person_form(
    form: EditForm,
    *,
    partners: dict[int, str],
    submit: str,
    account: Account | None = None,
    with_password: bool = False,
) -> dict | None:
    """A form for one person's details; returns the values when submitted, else None."""
    roles = list(Role)
    key = form.key
    with st.form(key, enter_to_submit=False):
        left, right = st.columns(2)
        values = {
            "display_name": left.text_input(
                "Name", value=account.display_name if account else "", key=form.widget("name")
            ),
            "email": right.text_input(
                "Email (optional)", value=(account.email or "") if account else "", key=form.widget("email")
            ),
        }
        if account is None:
            values["username"] = left.text_input("Username", key=form.widget("username"), help=users.USERNAME_RULE)
        values["role"] = right.selectbox(
            "Role",
            roles,
            index=roles.index(account.role) if account else roles.index(Role.MEMBER),
            format_func=users.ROLE_LABELS.get,
            key=form.widget("role"),
        )
        partner_ids = list(partners)
        current = account.partner_id if account and account.partner_id in partners else None
        values["partner_id"] = left.selectbox(
            "Partner service (for members)",
            partner_ids,
            index=partner_ids.index(current) if current else None,
            format_func=partners.get,
            placeholder="Choose a partner service",
            key=form.widget("partner"),
        )
        if with_password:
            values["password"] = (
                right.text_input(
                    "Password (leave empty to generate a temporary one)",
                    type="password",
                    key=form.widget("password"),
                    help=passwords.PASSWORD_RULE,
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
