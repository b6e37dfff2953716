"""Messages that fit the moment: before setup, nothing says "sign in"."""

from ctdash import access


def test_before_setup_a_page_for_signed_in_people_points_to_first_run_setup(app_database, open_app):
    at = open_app("pages/people.py")
    assert [element.value for element in at.info] == [access.NOT_SET_UP]
    assert "First-run setup" in access.NOT_SET_UP
    assert not at.dataframe


def test_before_setup_the_sign_in_page_points_to_first_run_setup(app_database, open_app):
    at = open_app("pages/sign_in.py")
    assert [element.value for element in at.info] == [access.NOT_SET_UP]
    assert not at.text_input
