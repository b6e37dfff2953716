import pytest

from ctdash.config import PROJECT_DIR, URL_EXAMPLE, get_settings, normalise_database_url
from ctdash.db import check_connection, make_engine
from ctdash.errors import ConfigError, DatabaseUnavailable


def test_default_database_is_sqlite_under_data(monkeypatch):
    monkeypatch.delenv("CTDASH_DATABASE_URL", raising=False)
    settings = get_settings()
    assert settings.database_url == f"sqlite:///{PROJECT_DIR / 'data' / 'ctdash.db'}"
    assert settings.timezone == "Europe/London"


def test_environment_url_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("CTDASH_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    assert get_settings().database_url == f"sqlite:///{tmp_path}/x.db"


def test_relative_sqlite_path_is_taken_from_the_project_folder():
    assert normalise_database_url("sqlite:///data/other.db") == f"sqlite:///{PROJECT_DIR / 'data' / 'other.db'}"


def test_postgresql_urls_use_psycopg_3():
    url = normalise_database_url("postgresql://u:p@db.example:5432/ctdash")
    assert url == "postgresql+psycopg://u:p@db.example:5432/ctdash"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("not a url", "is not a valid URL"),
        ("mysql://u:p@host/db", "supports SQLite and PostgreSQL, not 'mysql'"),
        ("postgresql://u:p@host:5432", "names no database"),
    ],
)
def test_bad_database_url_gets_one_clear_sentence(raw, says):
    with pytest.raises(ConfigError, match=says):
        normalise_database_url(raw)


@pytest.mark.parametrize("raw", ["not a url", "mysql://u:p@host/db", "postgresql://u:p@host:5432"])
def test_bad_database_url_message_ends_with_a_url_that_works(raw):
    with pytest.raises(ConfigError) as caught:
        normalise_database_url(raw)
    assert str(caught.value).endswith(f"{URL_EXAMPLE}.")


def test_display_url_hides_the_password(monkeypatch):
    monkeypatch.setenv("CTDASH_DATABASE_URL", "postgresql://ctdash:secret@db.example/ctdash")
    assert "secret" not in get_settings().display_url


def test_upload_limit_must_be_a_sensible_number(monkeypatch):
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "lots")
    with pytest.raises(ConfigError, match="whole number"):
        get_settings()


def test_the_upload_limit_is_streamlits_own_setting(monkeypatch):
    from streamlit import config as streamlit_config

    assert get_settings().upload_max_mb == streamlit_config.get_option("server.maxUploadSize") == 25
    monkeypatch.setenv("STREAMLIT_SERVER_MAX_UPLOAD_SIZE", "7")
    get_settings.cache_clear()
    assert get_settings().upload_max_mb == 7


def test_unreachable_server_says_what_to_check():
    engine = make_engine("postgresql+psycopg://nobody:pw@127.0.0.1:9/ctdash")
    with pytest.raises(DatabaseUnavailable) as raised:
        check_connection(engine)
    assert raised.value.detail.startswith("Cannot reach the database server at 127.0.0.1:9; check")
    assert "127.0.0.1" not in str(raised.value)


def test_cli_reports_an_unreachable_server_in_one_line(monkeypatch):
    from click.testing import CliRunner

    from ctdash.cli import main

    monkeypatch.setenv("CTDASH_DATABASE_URL", "postgresql://nobody:pw@127.0.0.1:9/ctdash")
    result = CliRunner().invoke(main, ["init"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Cannot reach the database server at 127.0.0.1:9")
    assert "Traceback" not in result.output


def test_cookie_key_is_generated_once_beside_the_sqlite_file_and_owner_only(monkeypatch, tmp_path):
    import stat

    from ctdash.config import cookie_key

    monkeypatch.delenv("CTDASH_COOKIE_KEY", raising=False)
    monkeypatch.setenv("CTDASH_DATABASE_URL", f"sqlite:///{tmp_path}/ctdash.db")
    first = cookie_key(get_settings())
    assert len(first) >= 32
    assert cookie_key(get_settings()) == first
    assert stat.S_IMODE((tmp_path / ".cookie_key").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("short-key", "shorter than 32 characters"),
        ("this-is-an-example-key-0123456789abcdef", "example value"),
        ("some_key", "example value"),
    ],
)
def test_an_example_or_short_cookie_key_stops_the_app_with_a_way_out(monkeypatch, key, says):
    from ctdash.config import cookie_key

    monkeypatch.setenv("CTDASH_COOKIE_KEY", key)
    with pytest.raises(ConfigError, match=says) as caught:
        cookie_key(get_settings())
    assert "set CTDASH_COOKIE_KEY" in str(caught.value)


def test_a_shared_postgresql_database_needs_an_explicit_cookie_key(monkeypatch):
    from ctdash.config import cookie_key

    monkeypatch.delenv("CTDASH_COOKIE_KEY", raising=False)
    monkeypatch.setenv("CTDASH_DATABASE_URL", "postgresql://u:p@db.example/ctdash")
    with pytest.raises(ConfigError, match="every replica uses"):
        cookie_key(get_settings())


def test_the_limit_for_all_of_a_findings_files_is_a_setting(monkeypatch):
    assert get_settings().finding_max_mb == 100
    monkeypatch.setenv("CTDASH_FINDING_MAX_MB", "250")
    get_settings.cache_clear()
    assert get_settings().finding_max_mb == 250
    monkeypatch.setenv("CTDASH_FINDING_MAX_MB", "0")
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="CTDASH_FINDING_MAX_MB .* must be between 1 and 10000, not 0"):
        get_settings()


def test_the_public_address_for_the_walls_qr_code_is_a_setting(monkeypatch):
    assert get_settings().public_url is None
    monkeypatch.setenv("CTDASH_PUBLIC_URL", " https://ctdash.example.org/app/ ")
    get_settings.cache_clear()
    assert get_settings().public_url == "https://ctdash.example.org/app"


@pytest.mark.parametrize("raw", ["ctdash.example.org", "javascript:alert(1)", "https://x.org/?a=1"])
def test_a_public_address_that_is_not_a_web_address_stops_the_app_with_a_way_out(monkeypatch, raw):
    monkeypatch.setenv("CTDASH_PUBLIC_URL", raw)
    get_settings.cache_clear()
    with pytest.raises(ConfigError, match="set it to the address people open the dashboard at"):
        get_settings()


def test_no_full_garbage_collection_after_each_run():
    """Streamlit's forced gc.collect(2) after every run cost 100 ms a facet click over the library's index
    (bench/README.md, "In the browser"): the project's config turns it off, and the running app reads that."""
    from streamlit import config as streamlit_config

    assert streamlit_config.get_option("runner.postScriptGC") is False
