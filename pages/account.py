"""My account: change my password, name and email."""

import streamlit as st

from ctdash import passwords, ui, users
from ctdash.ui import auth
from ctdash.ui.forms import EditForm

DETAILS = EditForm("account_details", fields=("name", "email"), prefix="account")
PASSWORD = EditForm("account_password", fields=("current", "new", "confirm"), prefix="account")

viewer = ui.guard(__file__)
account = ui.current_account()
st.title("My account")
st.caption(
    f"Username **{account.username}** · {users.ROLE_LABELS[account.role]}"
    + (f" · {account.partner_name}" if account.partner_name else "")
)
status = st.empty()  # filled once the forms below are handled, so it never shows a stale state

left, right = st.columns(2, gap="large")
with left, st.form("change_password", enter_to_submit=False):
    st.subheader("Change password")
    current = st.text_input("Current password", type="password", key=PASSWORD.widget("current"))
    new = st.text_input("New password", type="password", key=PASSWORD.widget("new"), help=passwords.PASSWORD_RULE)
    confirm = st.text_input("New password again", type="password", key=PASSWORD.widget("confirm"))
    change = st.form_submit_button("Change password", type="primary")
with right, st.form("details", enter_to_submit=False):
    st.subheader("Your details")
    seen_version = DETAILS.seen_version(account.version)
    display_name = st.text_input("Name shown to others", value=account.display_name, key=DETAILS.widget("name"))
    email = st.text_input("Email", value=account.email or "", key=DETAILS.widget("email"))
    save = st.form_submit_button("Save details")

if change:
    with ui.open_session(PASSWORD) as session:
        users.change_own_password(
            session, viewer=viewer, current=current, new=new, confirm=confirm, keep_session=auth.session_id()
        )
    ui.done(auth.PASSWORD_CHANGED)
elif account.must_change_password:
    status.warning(
        "An administrator set your password. Choose your own before using the dashboard.", icon=":material/key:"
    )
if save:
    with ui.open_session(DETAILS) as session:
        users.update_profile(
            session, viewer=viewer, display_name=display_name, email=email, expected_version=seen_version
        )
    ui.done("Your details are saved.")
