"""Passwords: the rules a new one must meet, hashing with bcrypt, and temporary passwords."""

from __future__ import annotations

import secrets
import string

import bcrypt

from ctdash.errors import InvalidInput
from ctdash.sign_in import normalise_username

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_BYTES = 72  # bcrypt ignores (bcrypt 5: refuses) anything longer
COMMON_PASSWORDS = {
    "password1234",
    "password12345",
    "password123!",
    "qwertyuiop12",
    "123456789012",
    "letmein12345",
    "welcome12345",
    "iloveyou1234",
    "changeme1234",
    "administrator",
    "musicservice1",
    "changingtracks",
}
PASSWORD_RULE = (
    f"At least {MIN_PASSWORD_LENGTH} characters, mixing at least three of: lower-case letters, capitals, "
    "digits and symbols; not based on your username."
)

# A real hash of a random password: checking against it when the username is unknown makes a
# wrong username take as long as a wrong password, so timing does not reveal which names exist.
_DUMMY_HASH = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt()).decode()


def check_password_strength(password: str, *, username: str = "") -> None:
    """Raise InvalidInput with the first rule the password breaks."""
    if password != password.strip():
        raise InvalidInput("A password cannot start or end with a space.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Use at least {MIN_PASSWORD_LENGTH} characters for a password.")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise InvalidInput(f"A password can be at most {MAX_PASSWORD_BYTES} bytes long; use a shorter one.")
    kinds = sum(
        any(test(character) for character in password)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    if kinds < 3:
        raise InvalidInput("Mix at least three of: lower-case letters, capitals, digits and symbols.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or (username and normalise_username(username) in lowered):
        raise InvalidInput("That password is too easy to guess; choose one that is not based on your username.")


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode()


def password_matches(password: str, password_hash: str | None) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), (password_hash or _DUMMY_HASH).encode())
    except ValueError:  # longer than bcrypt takes, or a malformed hash
        return False


def temporary_password() -> str:
    """A random password that meets the rules, for the admin to pass on once."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))
        try:
            check_password_strength(candidate)
        except InvalidInput:
            continue
        return candidate
