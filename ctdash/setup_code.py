"""The one-time setup code: only someone who can read the server's terminal or log may create the
first administrator, as with Jupyter's token. Without it, whoever reached a new deployment first
could claim it.

One code per process, made when first needed and printed once. ``CTDASH_SETUP_CODE`` (read by
ctdash.config) fixes it instead, for automated tests and scripted installs.
"""

from __future__ import annotations

import hmac
import secrets
import sys
import threading

from ctdash.config import get_settings

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read off a screen and typed by hand
GROUPS, GROUP_LENGTH = 3, 4
CREATE_USER_HOWTO = ".venv/bin/python -m ctdash create-user --role admin"

_lock = threading.Lock()
_code: str | None = None
_announced = False


def normalise(typed: str) -> str:
    """A code as compared: upper case, without spaces or dashes."""
    return "".join(character for character in typed.upper() if character not in " -\t")


def generate() -> str:
    """A new random code such as ``ABCD-EFGH-JKMN``."""
    groups = ("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))
    return "-".join(groups)


def current() -> str:
    """This process's setup code: the configured one, or one generated on first use."""
    global _code
    configured = get_settings().setup_code
    if configured:
        return configured
    with _lock:
        if _code is None:
            _code = generate()
        return _code


def announce() -> None:
    """Print the code where the person who started ctdash will see it; once per process."""
    global _announced
    with _lock:
        if _announced:
            return
        _announced = True
    code = "the one in CTDASH_SETUP_CODE" if get_settings().setup_code else current()
    print(
        f"\nctdash: no account exists yet. Setup code: {code}\n"
        f"ctdash: enter it on the First-run setup page, or create the first administrator with: "
        f"{CREATE_USER_HOWTO}\n",
        file=sys.stderr,
        flush=True,
    )


def matches(typed: str) -> bool:
    """True if ``typed`` is this process's code, ignoring case, spaces and dashes; constant time."""
    return hmac.compare_digest(normalise(typed).encode(), normalise(current()).encode())
