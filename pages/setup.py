"""First run: create the first administrator. Offered only while no account exists."""

import streamlit as st

from ctdash import passwords, ui, users

ui.guard(__file__)
st.title("Welcome to ctdash")
st.markdown(
    "No one can sign in yet. Create the **first administrator** account: the programme-team member who "
    "will add everyone else. This form disappears once the account exists."
)
left, _ = st.columns([2, 3])
with left, st.form("setup", enter_to_submit=False):
    display_name = st.text_input("Your name", key="setup_name")
    username = st.text_input("Username", key="setup_username", help=users.USERNAME_RULE)
    email = st.text_input("Email (optional)", key="setup_email")
    password = st.text_input("Password", type="password", key="setup_password", help=passwords.PASSWORD_RULE)
    confirm = st.text_input("Password again", type="password", key="setup_confirm")
    submitted = st.form_submit_button("Create administrator", type="primary")

if submitted:
    with ui.open_session() as session:
        account = users.create_first_admin(
            session, username=username, display_name=display_name, email=email, password=password, confirm=confirm
        )
    st.success(f"Administrator {account.username} created. Sign in to add the rest of the working group.")
    st.page_link("pages/sign_in.py", label="Sign in", icon=":material/login:")
