"""People (administrators): who can sign in, with which role and partner service."""

import streamlit as st

from ctdash import ui, users
from ctdash.models import Role
from ctdash.ui import people

viewer = ui.guard(__file__)
st.title("People")
with ui.read_session() as session:
    table = users.list_users(session, viewer=viewer)
    partners = users.partner_choices(session)

people.show_temporary_password()
people.people_table(table)

add_tab, change_tab = st.tabs(["Add a person", "Change a person"])
with add_tab:
    adding = people.form_state("add", with_password=True)
    values = people.person_form(adding, partners=partners, submit="Add person", with_password=True)
    if values:

        def created(session) -> bool:  # after a commit cut off by the database going away
            return users.user_id_of(session, values["username"]) is not None

        with ui.open_session(adding, saved=created) as session:
            account, temporary = users.create_user(session, viewer=viewer, **values)
        people.remember_temporary_password(account.username, temporary)
        ui.done(f"{account.display_name} can now sign in as {account.username}.")

with change_tab:
    if table.empty:
        st.caption("No one to change yet.")
    else:
        labels = dict(zip(table["id"], table["Name"] + " (" + table["Username"] + ")", strict=True))
        user_id = people.pick_person(labels)
        with ui.read_session() as session:
            account = users.get_account(session, viewer=viewer, user_id=int(user_id))
        editing = people.form_state(f"edit_{account.id}")
        seen_version = editing.seen_version(account.version)  # what this admin saw, not what is stored now
        values = people.person_form(editing, partners=partners, submit="Save changes", account=account)
        if values:
            with ui.open_session(editing) as session:
                users.update_user(
                    session,
                    viewer=viewer,
                    user_id=account.id,
                    expected_version=seen_version,
                    role=values["role"],
                    partner_id=values["partner_id"],
                    display_name=values["display_name"],
                    email=values["email"],
                )
            ui.done(f"{values['display_name']}'s account is saved.")
        left, right = st.columns(2)
        if left.button(
            "Deactivate" if account.active else "Reactivate",
            key=f"people_toggle_{account.id}",
            icon=":material/person_off:" if account.active else ":material/person:",
        ):
            with ui.open_session(editing) as session:
                users.set_active(
                    session,
                    viewer=viewer,
                    user_id=account.id,
                    active=not account.active,
                    expected_version=seen_version,
                )
            ui.done(f"{account.display_name} is {'deactivated' if account.active else 'active again'}.")
        if right.button("Reset password", key=f"people_reset_{account.id}", icon=":material/key:"):
            with ui.open_session() as session:
                temporary = users.reset_password(session, viewer=viewer, user_id=account.id)
            people.remember_temporary_password(account.username, temporary)
            ui.done(f"{account.display_name} has a new temporary password and must change it at next sign-in.")
        if account.role == Role.ADMIN:
            st.caption("The last active administrator cannot be deactivated or given another role.")
