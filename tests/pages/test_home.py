import json

import pytest

from ctdash import db, demo
from ctdash.errors import DatabaseUnavailable
from tests.pages.conftest import APP, shown

HOME = "pages/home.py"


def _metrics(at):
    return {metric.label: metric.value for metric in at.metric}


def _text(at):
    return "\n".join(element.value for element in at.markdown)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_home_shows_the_fifteen_partners_numbers(app_database, open_app):
    at = open_app(HOME)
    assert not at.exception
    assert at.title[0].value == "Changing Tracks: inclusion dashboard"
    metrics = _metrics(at)
    assert metrics["Partner services"] == "15"
    assert metrics["Action research"] == "9"
    assert metrics["Working group"] == "15"
    assert metrics["Research projects"] == "0"
    assert "No findings have been published yet." in [caption.value for caption in at.caption]


def test_home_labels_example_data_and_hides_group_only_findings_from_visitors(app_database, open_app):
    engine = db.make_engine(app_database)
    with db.session_scope(engine) as session:
        demo.load(session)
    engine.dispose()
    at = open_app(HOME)
    assert not at.exception
    assert "example data" in shown(at.info[0].value)
    text = _text(at)
    assert "Young people choosing the repertoire doubled sign" in text
    assert "Youth panels need paid time from staff" not in text  # published, but working group only
    assert "Example data" in text
    assert _metrics(at)["Partner services"] == "15"


def test_home_sees_a_write_from_elsewhere_at_once(app_database, open_app):
    at = open_app(HOME)
    assert _metrics(at)["Research projects"] == "0"
    engine = db.make_engine(app_database)
    with db.session_scope(engine) as session:
        demo.load(session)
    engine.dispose()
    at.run()
    assert _metrics(at)["Research projects"] == "6"


def test_home_charts_have_a_text_alternative(app_database, open_app):
    at = open_app(HOME)
    captions = [caption.value for caption in at.caption]
    assert "Research projects: none yet." in captions
    assert "Findings you can see: none yet." in captions


def test_database_down_gives_a_clear_message_not_a_stack_trace(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CTDASH_DATABASE_URL", "postgresql://nobody:pw@127.0.0.1:9/ctdash")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert shown(at.error[0].value) == DatabaseUnavailable.PUBLIC  # no host or port for a visitor
    assert not at.metric


def test_database_down_tells_an_administrator_where_to_look(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from ctdash.models import Role
    from ctdash.users import Account

    monkeypatch.setenv("CTDASH_DATABASE_URL", "postgresql://nobody:pw@127.0.0.1:9/ctdash")
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["ctdash_account"] = Account(
        id=1,
        username="ada",
        display_name="Ada",
        email=None,
        role=Role.ADMIN,
        partner_id=None,
        partner_name=None,
        active=True,
        must_change_password=False,
        version=1,
    )  # signed in on an earlier run, before the database went away
    at.run()
    assert "Cannot reach the database server at 127.0.0.1:9" in shown(at.error[0].value)


def test_bad_database_url_gives_a_clear_message(monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CTDASH_DATABASE_URL", "mysql://u:p@host/db")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "supports SQLite and PostgreSQL" in shown(at.error[0].value)


def test_the_cache_never_serves_a_members_view_to_a_visitor(app_database, open_app, database):
    from ctdash.models import FindingStatus, Visibility
    from tests.factories import make_finding, make_user
    from tests.pages.conftest import signed_in_as

    with database() as session:
        member = make_user(session, username="kit")
        make_finding(
            session,
            member.partner,
            title="Group only finding",
            status=FindingStatus.PUBLISHED,
            visibility=Visibility.GROUP,
        )
    member_view = signed_in_as(open_app(), "kit").run()
    member_view.switch_page(HOME).run()
    assert "Group only finding" in _text(member_view)
    visitor_view = open_app(HOME)
    assert "Group only finding" not in _text(visitor_view)
    assert _metrics(visitor_view)["Findings"] == "0"


def test_first_start_on_an_empty_database_migrates_and_seeds_it(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CTDASH_DATABASE_URL", f"sqlite:///{tmp_path}/brand-new/ctdash.db")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value == "Welcome to ctdash"  # no accounts yet: the first-run setup
    at.switch_page(HOME).run()
    assert _metrics(at)["Partner services"] == "15"


def _with_examples(app_database):
    engine = db.make_engine(app_database)
    with db.session_scope(engine) as session:
        demo.load(session)
    engine.dispose()


def test_visitors_are_told_about_example_data_without_an_operator_command(app_database, open_app):
    _with_examples(app_database)
    notice = open_app(HOME).info[0].value
    assert "example data" in notice and "python -m ctdash" not in notice


def test_administrators_are_told_how_to_remove_example_data(app_database, open_app, database):
    from tests.factories import make_user
    from tests.pages.conftest import signed_in_as

    _with_examples(app_database)
    with database() as session:
        make_user(session, role="admin", username="ada")
    at = signed_in_as(open_app(), "ada").run()
    at.switch_page(HOME).run()
    assert "`.venv/bin/python -m ctdash demo --remove`" in shown(at.info[0].value)


def _charts(at):
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_home_draws_its_charts_from_the_cached_altair_specs(app_database, open_app):
    from ctdash import charts

    _with_examples(app_database)
    at = open_app(HOME)
    assert not at.exception
    drawn = _charts(at)
    assert [spec["title"] for spec in drawn] == ["Research projects by stage", "Findings by kind"]
    assert all(spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6") for spec in drawn)
    assert all(chart.proto.alt.endswith(".") for chart in at.get("vega_lite_chart"))  # the summary, for screen readers
    cached = charts._bar_chart.cache_info().currsize
    at.run()
    assert not at.exception
    assert charts._bar_chart.cache_info().currsize == cached  # same data: nothing new built
