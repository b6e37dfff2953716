"""First run: create the first administrator. Offered only while no account exists."""

import streamlit as st

from ctdash import passwords, setup_code, ui, users

ui.guard(__file__)
st.title("Welcome to ctdash")
st.markdown(
    "No one can sign in yet. Create the **first administrator** account: the programme-team member who "
    "will add everyone else. You need the **setup code** that ctdash printed in the terminal or log where it "
    "is running. This form disappears once the account exists."
)
left, _ = st.columns([2, 3])
with left, st.form("setup", enter_to_submit=False):
    code = st.text_input(
        "Setup code",
        key="setup_code",
        placeholder="ABCD-EFGH-JKMN",
        help="ctdash prints it in the terminal or log where it is running, after “Setup code:”.",
    )
    display_name = st.text_input("Your name", key="setup_name")
    username = st.text_input("Username", key="setup_username", help=users.USERNAME_RULE)
    email = st.text_input("Email (optional)", key="setup_email")
    password = st.text_input("Password", type="password", key="setup_password", help=passwords.PASSWORD_RULE)
    confirm = st.text_input("Password again", type="password", key="setup_confirm")
    submitted = st.form_submit_button("Create administrator", type="primary")

if submitted:
    with ui.open_session(saved=lambda session: users.count_users(session) > 0) as session:
        account = users.create_first_admin(
            session,
            setup_code_ok=setup_code.matches(code),
            username=username,
            display_name=display_name,
            email=email,
            password=password,
            confirm=confirm,
        )
    ui.done(f"Administrator {account.username} created. Sign in to add the rest of the working group.")
