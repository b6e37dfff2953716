"""Settings, read once from the environment and ``.streamlit/secrets.toml``.

This is the only module that reads ``os.environ``. Secrets are parsed from the
TOML files Streamlit would use, without importing Streamlit, so the CLI, tests
and benchmarks see exactly the settings the app sees.
"""

from __future__ import annotations

import functools
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ctdash.errors import ConfigError

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'ctdash.db'}"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
URL_EXAMPLE = "sqlite:///data/ctdash.db or postgresql+psycopg://user:password@host:5432/ctdash"
MIN_COOKIE_KEY_BYTES = 32
MIN_SETUP_CODE_LENGTH = 12  # as long as a generated one
COOKIE_KEY_FILE = ".cookie_key"
COOKIE_KEY_HOWTO = (
    "set CTDASH_COOKIE_KEY (or cookie_key in .streamlit/secrets.toml) to a random value of at least 32 "
    'characters, for example the output of: python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
)
# Keys printed in documentation or upstream examples: known to everyone, so never accepted.
KNOWN_EXAMPLE_KEYS = {"some_key", "some_signature_key", "abcdef", "random_signature_key", "changeme", "secret"}


@dataclass(frozen=True)
class Settings:
    database_url: str
    timezone: str = "Europe/London"
    # Streamlit's own server.maxUploadSize is the one source (see upload_limit_mb): Streamlit holds a
    # whole upload in memory (streamlit#9218), so it is kept modest.
    upload_max_mb: int = 25
    upload_max_files: int = 5  # attachments one finding may hold
    finding_max_mb: int = 100  # all of one finding's attachments together
    cookie_key: str | None = None
    # Fixes the first-run setup code (ctdash.setup_code) instead of a random one per process.
    setup_code: str | None = None
    # The address attendees reach the app at (the live wall's QR code), when the browser's is not it.
    public_url: str | None = None

    @property
    def url(self) -> URL:
        return make_url(self.database_url)

    @property
    def display_url(self) -> str:
        """The database URL with any password masked, safe to print."""
        return self.url.render_as_string(hide_password=True)


def _read_secrets() -> dict:
    """Merge the user-level and project-level secrets files, project winning."""
    merged: dict = {}
    for path in (Path.home() / ".streamlit" / "secrets.toml", PROJECT_DIR / ".streamlit" / "secrets.toml"):
        if path.is_file():
            try:
                merged.update(tomllib.loads(path.read_text(encoding="utf-8")))
            except tomllib.TOMLDecodeError as error:
                raise ConfigError(f"{path} is not valid TOML ({error}); fix or remove it and start again.") from None
    return merged


def normalise_database_url(raw: str) -> str:
    """Check a database URL and pin PostgreSQL to the psycopg 3 driver."""
    raw = raw.strip()
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"The database URL {raw[:60]!r} is not a valid URL; use a form like {URL_EXAMPLE}.") from None
    backend = url.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise ConfigError(f"ctdash supports SQLite and PostgreSQL, not {backend!r}; use a URL like {URL_EXAMPLE}.")
    if backend == "postgresql":
        if url.drivername != "postgresql+psycopg":
            url = url.set(drivername="postgresql+psycopg")
        if not url.database:
            raise ConfigError(f"The PostgreSQL URL names no database; add it at the end, as in {URL_EXAMPLE}.")
    elif url.database and url.database != ":memory:" and not Path(url.database).is_absolute():
        # Relative SQLite paths are taken from the project folder, not the current directory,
        # so `streamlit run` and `python -m ctdash` find the same file wherever they start.
        url = url.set(database=str(PROJECT_DIR / url.database))
    return url.render_as_string(hide_password=False)


def _as_int(name: str, value: object, low: int, high: int) -> int:
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number, not {value!r}.") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {number}.")
    return number


STREAMLIT_CONFIG = PROJECT_DIR / ".streamlit" / "config.toml"
STREAMLIT_UPLOAD_ENV = "STREAMLIT_SERVER_MAX_UPLOAD_SIZE"


def upload_limit_mb() -> int:
    """The largest upload, in MB: Streamlit's ``server.maxUploadSize``, the one place it is set.

    Read where Streamlit reads it (its environment variable, then .streamlit/config.toml), so the
    limit ctdash states and checks is the one Streamlit's uploader enforces. The app also compares
    it with Streamlit's live option at start (``ctdash.ui.start``), which sees command-line flags.
    """
    value = os.environ.get(STREAMLIT_UPLOAD_ENV)
    name = STREAMLIT_UPLOAD_ENV
    if value is None:
        name = "server.maxUploadSize in .streamlit/config.toml"
        try:
            value = tomllib.loads(STREAMLIT_CONFIG.read_text(encoding="utf-8")).get("server", {}).get("maxUploadSize")
        except (OSError, tomllib.TOMLDecodeError):
            value = None
    return 200 if value is None else _as_int(name, value, 1, 200)  # 200: Streamlit's default


@functools.cache
def get_settings() -> Settings:
    """The settings in force; environment variables win over secrets."""
    secrets = _read_secrets()
    env = os.environ
    raw_url = env.get("CTDASH_DATABASE_URL") or secrets.get("database_url") or DEFAULT_DATABASE_URL
    return Settings(
        database_url=normalise_database_url(raw_url),
        upload_max_mb=upload_limit_mb(),
        finding_max_mb=_finding_limit_mb(env.get("CTDASH_FINDING_MAX_MB") or secrets.get("finding_max_mb")),
        cookie_key=env.get("CTDASH_COOKIE_KEY") or secrets.get("cookie_key"),
        setup_code=_setup_code(env.get("CTDASH_SETUP_CODE")),
        public_url=_public_url(env.get("CTDASH_PUBLIC_URL") or secrets.get("public_url")),
    )


def _public_url(raw: object) -> str | None:
    """An http(s) address without a query or a trailing slash, or None when not set."""
    text = str(raw or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"CTDASH_PUBLIC_URL (public_url in secrets) is {text[:80]!r}; set it to the address people open "
            "the dashboard at, such as https://ctdash.example.org, or leave it unset."
        )
    return text.rstrip("/")


def _finding_limit_mb(raw: object) -> int:
    if raw is None or raw == "":
        return Settings.finding_max_mb
    return _as_int("CTDASH_FINDING_MAX_MB (finding_max_mb in secrets)", raw, 1, 10_000)


def _setup_code(raw: str | None) -> str | None:
    if not raw:
        return None
    if len(raw.replace("-", "").replace(" ", "")) < MIN_SETUP_CODE_LENGTH:
        raise ConfigError(
            f"CTDASH_SETUP_CODE is shorter than {MIN_SETUP_CODE_LENGTH} characters; "
            "leave it unset to get a random code in the log, or set a longer one."
        )
    return raw.strip()


@functools.cache  # read on every rerun; the file never changes while the process runs
def cookie_key(settings: Settings) -> str:
    """The key that signs the remember-me cookie.

    From CTDASH_COOKIE_KEY or secrets; failing that, for SQLite, a random key generated once and
    kept in an owner-only file beside the database, so a fresh install needs no setup. A shared
    PostgreSQL deployment must set the key itself: every replica has to use the same one.
    """
    if settings.cookie_key:
        key = settings.cookie_key.strip()
        lowered = key.lower()
        if lowered in KNOWN_EXAMPLE_KEYS or "example" in lowered or "changeme" in lowered:
            raise ConfigError(f"The cookie key is an example value that anyone could know; {COOKIE_KEY_HOWTO}.")
        if len(key.encode("utf-8")) < MIN_COOKIE_KEY_BYTES:
            raise ConfigError(f"The cookie key is shorter than {MIN_COOKIE_KEY_BYTES} characters; {COOKIE_KEY_HOWTO}.")
        return key
    url = settings.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise ConfigError(f"A shared database needs a cookie key that every replica uses; {COOKIE_KEY_HOWTO}.")
    path = Path(url.database).parent / COOKIE_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first; read theirs
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
    key = path.read_text().strip()
    if len(key) < MIN_COOKIE_KEY_BYTES:
        raise ConfigError(f"The cookie key file {path} is damaged; delete it and start again to make a new one.")
    return key
