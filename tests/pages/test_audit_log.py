"""The Audit log page: UK dates, readable rows, nothing a spreadsheet would run, one message on sign-out."""

import datetime as dt

from ctdash import clock
from tests.factories import make_user, record_attempt
from tests.pages.conftest import shown, signed_in_as

AUDIT = "pages/audit_log.py"
PLANTED = "=cmd|' /c calc'!a0"  # as stored: usernames are kept lower-case


def _audit_page(open_app, username="ada"):
    return signed_in_as(open_app(), username).run().switch_page(AUDIT).run()


def test_the_dates_end_today_in_the_uk(app_database, open_app, database, monkeypatch):
    with database() as session:
        make_user(session, role="admin", username="ada")
    monkeypatch.setattr(clock, "now", lambda: dt.datetime(2026, 7, 14, 23, 30, tzinfo=dt.UTC))  # 00:30 BST
    at = _audit_page(open_app)
    assert at.date_input(key="audit_dates").value == (dt.date(2026, 6, 15), dt.date(2026, 7, 15))


def test_a_username_typed_as_a_formula_reaches_the_table_defused(app_database, open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
        record_attempt(session, PLANTED, succeeded=False)
    at = _audit_page(open_app)
    assert not at.exception
    assert "'" + PLANTED in at.dataframe[0].value["Who"].tolist()


def test_no_cell_of_the_table_starts_as_a_formula(app_database, open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
        record_attempt(session, PLANTED, succeeded=False)
    table = _audit_page(open_app).dataframe[0].value
    cells = [cell for column in table for cell in table[column] if isinstance(cell, str)]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_record_column_names_the_person_not_an_id(app_database, open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
        kit = make_user(session, username="kit", display_name="Kit Kernow")
        record_attempt(session, kit.username, succeeded=True)
    at = _audit_page(open_app)
    assert at.dataframe[0].value["Record"].tolist() == ["Kit Kernow (kit)"]


def test_the_details_column_is_wide_and_a_chosen_row_is_shown_in_full(app_database, open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
    at = _audit_page(open_app)
    assert '"Details": {"width": "large"' in at.dataframe[0].proto.columns.replace("'", '"')
    assert "Select a row to read its details in full." in [caption.value for caption in at.caption]


def test_a_who_filter_is_limited_to_the_length_of_a_name(app_database, open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
    at = _audit_page(open_app)
    assert at.text_input(key="audit_who").max_chars == 120


def test_signing_out_on_the_audit_log_shows_one_message(app_database, open_app, database):
    with database() as session:
        make_user(session, role="admin", username="ada")
    at = _audit_page(open_app)
    at.button(key="sign_out").click().run()
    assert [shown(element.value) for element in at.info] == ["You are signed out."]
    assert not at.dataframe


def test_a_chosen_row_shows_its_details_in_full():
    from streamlit.testing.v1 import AppTest

    def page():
        import pandas as pd

        from ctdash.ui import components

        details = "; ".join(["kit: Member of Cornwall"] * 40)
        row = {"When (UK time)": "2026-07-15 00:30:00", "Who": "Ada", "Action": "User changed", "Record": "Kit"}
        components.audit_details(pd.DataFrame([{**row, "Details": details}]), [0])

    at = AppTest.from_function(page).run()
    assert at.text[0].value == "; ".join(["kit: Member of Cornwall"] * 40)
