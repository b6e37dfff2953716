import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ctdash.cli import main
from ctdash.db import head_revision, make_engine, session_scope
from ctdash.models import Partner
from tests.factories import make_user

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def cli(monkeypatch, database_url):
    monkeypatch.setenv("CTDASH_DATABASE_URL", database_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_init_twice_adds_the_seed_once(cli):
    first = cli("init")
    assert first.exit_code == 0, first.output
    assert "Added 15 partner services and 13 themes." in first.output
    second = cli("init")
    assert "Nothing to add" in second.output


def test_demo_loads_and_removes_example_data(cli):
    assert "Loaded example data: 3 services" in cli("demo").output
    assert "already loaded" in cli("demo").output
    info = cli("info").output
    assert "(10 example)" in info
    assert "Removed example data" in cli("demo", "--remove").output
    assert "example" not in cli("info").output.split("Schema:")[1]


def test_demo_remove_refuses_in_one_line_while_an_account_belongs_to_an_example_service(cli, database_url):
    cli("demo")
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        service = session.scalars(select(Partner).where(Partner.is_example).order_by(Partner.id)).first()
        make_user(session, partner=service, username="sam.t")
    engine.dispose()
    result = cli("demo", "--remove")
    assert result.exit_code == 1
    assert result.output == (
        "Error: Example data was not removed: real records depend on it. "
        "1 account belongs to an example service (sam.t). "
        "Move or delete these first, then run `python -m ctdash demo --remove` again.\n"
    )
    assert "(10 example)" in cli("info").output


def test_info_shows_revision_and_counts_but_never_the_password(cli, database_url):
    cli("init")
    result = cli("info")
    assert result.exit_code == 0
    assert f"Schema:   {head_revision()}\n" in result.output
    assert "partner services       15" in result.output
    assert "ctdash_pw" not in result.output


def test_create_user_prompts_for_a_hidden_password_and_checks_it(monkeypatch, database_url):
    monkeypatch.setenv("CTDASH_DATABASE_URL", database_url)
    runner = CliRunner()
    args = ["create-user", "--username", "Kit", "--name", "Kit Kernow", "--role", "member", "--partner", "cornwall"]
    result = runner.invoke(main, args, input="weak\nGood-Password-42\nGood-Password-42\n")
    assert result.exit_code == 0, result.output
    assert "Use at least 12 characters" in result.output
    assert "Created member kit of Cornwall." in result.output
    assert "Good-Password-42" not in result.output


def test_create_user_refuses_an_unknown_partner(monkeypatch, database_url):
    monkeypatch.setenv("CTDASH_DATABASE_URL", database_url)
    args = ["create-user", "--username", "kit", "--name", "Kit", "--role", "member", "--partner", "Atlantis"]
    result = CliRunner().invoke(main, args, input="Good-Password-42\nGood-Password-42\n")
    assert result.exit_code == 1
    assert "There is no partner service called 'Atlantis'" in result.output
