"""Checks for free text people type, shared by the services that store it."""

from __future__ import annotations

import unicodedata

from ctdash.errors import InvalidInput

# Control, format (including text-direction overrides), private-use, surrogate and unassigned characters.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})


def clean_text(text: str | None, *, field: str, limit: int, multiline: bool = False) -> str | None:
    """``text`` in NFC with its spaces tidied, or None when empty; InvalidInput names ``field`` and the limit.

    Single-line text has its runs of spaces folded into one; ``multiline`` text keeps its line breaks.
    """
    value = unicodedata.normalize("NFC", text or "")
    if multiline:
        lines = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ").split("\n")
        value = "\n".join(line.rstrip() for line in lines).strip("\n")
        if not value.strip():
            return None
    else:
        value = " ".join(value.split())
    if not value:
        return None
    if len(value) > limit:
        raise InvalidInput(f"{field} is {len(value):,} characters long; keep it to {limit:,}.")
    allowed = {"\n"} if multiline else set()
    # Printable ASCII is never invisible: the character-by-character look is for the rest (and is slow).
    visible = value.isascii() and value.replace("\n", "").isprintable()
    if not visible and any(unicodedata.category(c) in INVISIBLE_CATEGORIES and c not in allowed for c in value):
        raise InvalidInput(
            f"{field} contains invisible or control characters (such as a text-direction override); "
            "type it again using letters, spaces and punctuation only."
        )
    return value
