import pytest
from click.testing import CliRunner

from ctdash.cli import main
from ctdash.db import head_revision

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


def test_info_shows_revision_and_counts_but_never_the_password(cli, database_url):
    cli("init")
    result = cli("info")
    assert result.exit_code == 0
    assert f"Schema:   {head_revision()}\n" in result.output
    assert "partner services       15" in result.output
    assert "ctdash_pw" not in result.output
