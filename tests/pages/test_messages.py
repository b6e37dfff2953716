"""Messages that fit the moment: before setup, nothing says "sign in"."""

from ctdash import permissions
from tests.pages.conftest import shown


def test_before_setup_a_page_for_signed_in_people_points_to_first_run_setup(app_database, open_app):
    at = open_app("pages/people.py")
    assert [shown(element.value) for element in at.info] == [permissions.NOT_SET_UP]
    assert "First-run setup" in permissions.NOT_SET_UP
    assert not at.dataframe


def test_before_setup_the_sign_in_page_points_to_first_run_setup(app_database, open_app):
    at = open_app("pages/sign_in.py")
    assert [shown(element.value) for element in at.info] == [permissions.NOT_SET_UP]
    assert not at.text_input


def test_an_upload_limit_given_twice_and_differently_stops_the_app_with_a_clear_message(app_database, open_app):
    from streamlit import config as streamlit_config

    where = streamlit_config.get_where_defined("server.maxUploadSize")
    streamlit_config.set_option("server.maxUploadSize", 3)  # as `streamlit run --server.maxUploadSize 3` would
    try:
        at = open_app()
    finally:
        streamlit_config.set_option("server.maxUploadSize", 25, where_defined=where)
    assert not at.exception
    assert "The upload limit is set twice (3 MB on the command line, 25 MB" in shown(at.error[0].value)


def test_a_name_past_its_limit_is_refused_with_its_length_and_kept_in_the_form(app_database, open_app, database):
    from tests.factories import make_user
    from tests.pages.conftest import signed_in_as

    with database() as session:
        make_user(session, username="kit", display_name="Kit")
    at = signed_in_as(open_app(), "kit").run().switch_page("pages/account.py").run()
    pasted = "K" * 300
    at.text_input(key="account_name").input(pasted)
    at.button(key="FormSubmitter:details-Save details").click().run()
    assert shown(at.error[0].value) == "That name is 300 characters long; keep it to 120."
    assert at.text_input(key="account_name").value == pasted


def test_a_name_made_of_invisible_or_direction_changing_characters_is_refused(app_database, open_app, database):
    from tests.factories import make_user
    from tests.pages.conftest import signed_in_as

    with database() as session:
        make_user(session, username="kit", display_name="Kit")
    at = signed_in_as(open_app(), "kit").run().switch_page("pages/account.py").run()
    at.text_input(key="account_name").input("Kit \u202egnp.exe")
    at.button(key="FormSubmitter:details-Save details").click().run()
    assert "invisible or control characters" in shown(at.error[0].value)


def test_a_name_typed_as_markdown_shows_as_text_in_messages(app_database, open_app, database):
    from ctdash import users
    from tests.factories import make_user
    from tests.pages.conftest import signed_in_as

    with database() as session:
        make_user(session, role="admin", username="ada")
        partner = next(iter(users.partner_choices(session)))
    at = signed_in_as(open_app(), "ada").run().switch_page("pages/people.py").run()
    at.text_input(key="add_name").input("[Click me](http://evil.example) **now**")
    at.text_input(key="add_username").input("noor")
    at.selectbox(key="add_partner").select(partner)
    at.button(key="FormSubmitter:add-Add person").click().run()
    source = at.success[0].value
    assert "\\[Click me\\]\\(http\\://evil\\.example\\) \\*\\*now\\*\\*" in source  # no link, no bold
    assert shown(source) == "[Click me](http://evil.example) **now** can now sign in as noor."
