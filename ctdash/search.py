"""Full-text search over findings: the same matching and ordering rules on SQLite and PostgreSQL.

The index (migration 0011) holds each finding's title, summary and key quote, stemmed for English:
FTS5 with the Porter stemmer on SQLite, an ``english`` tsvector on PostgreSQL. What people type is
cut into words (letters and digits; everything else, quotes and operators included, is a separator,
so no text can change the query's shape), common English words are dropped on both databases alike
(PostgreSQL drops them from its index; FTS5 does not), and every remaining word must match. The
last word also matches as the start of a longer word, as it is being typed ("famil" finds
"families"), unless the text ends with a space.

Ordering by relevance is by tier, decided the same way on both: every word in the title first, then
every word in the key quote, then the rest; within a tier, newest first (the caller's order). The
engines' own scores (bm25, ts_rank) differ, so they are not used: the same words give the same order
on either database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ctdash import db

MAX_WORDS = 8
MAX_WORD_LENGTH = 40
MAX_TEXT = 200  # characters of search text read; the rest is dropped with a notice

# PostgreSQL's English stop words (tsearch_data/english.stop), dropped from queries on both databases.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can did do does doing don down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours ourselves out over own s same she should so some such t than that the their
    theirs them themselves then there these they this those through to too under until up very was we were what
    when where which while who whom why will with you your yours yourself yourselves""".split()  # noqa: SIM905 (a word list reads best as text)
)
_WORD = re.compile(r"\w+", re.UNICODE)

TITLE, KEY_QUOTE, ELSEWHERE = 0, 1, 2  # relevance tiers, best first


@dataclass(frozen=True)
class Terms:
    """What a search text asks for: the words every match must have, the last perhaps as a prefix."""

    words: tuple[str, ...]
    prefix: bool  # the last word also matches longer words starting with it
    dropped: tuple[str, ...] = ()  # common words left out

    def __bool__(self) -> bool:
        return bool(self.words)


def terms(search_text: str) -> Terms:
    """The words of ``search_text`` to match, lower-cased, without common words or repeats."""
    found = [word.lower() for word in _WORD.findall(search_text[:MAX_TEXT])]
    dropped = tuple(dict.fromkeys(word for word in found if word in STOP_WORDS))
    words = tuple(dict.fromkeys(word[:MAX_WORD_LENGTH] for word in found if word not in STOP_WORDS))[:MAX_WORDS]
    ends_in_word = bool(search_text[:MAX_TEXT]) and not search_text[:MAX_TEXT][-1].isspace()
    return Terms(words=words, prefix=ends_in_word and bool(words) and found[-1] not in STOP_WORDS, dropped=dropped)


def _fts5(words: Terms, column: str | None = None) -> str:
    # Words are letters and digits only, so quoting each is all FTS5 needs.
    parts = [f'"{word}"' for word in words.words]
    if words.prefix:
        parts[-1] += "*"
    expression = " AND ".join(parts)
    return f"{{{column}}} : ({expression})" if column else expression


def _tsquery(words: Terms, weight: str = "") -> str:
    parts = [f"'{word}':{weight}" if weight else f"'{word}'" for word in words.words]
    if words.prefix:
        parts[-1] = f"'{words.words[-1]}':*{weight}"
    return " & ".join(parts)


def matches(session: Session, words: Terms) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The ids of the findings matching ``words`` and, in the same order, each one's relevance tier
    (TITLE, KEY_QUOTE or ELSEWHERE)."""
    if not words:
        return (), ()
    if session.get_bind().dialect.name == "sqlite":
        query = "SELECT rowid FROM findings_search WHERE findings_search MATCH ?"
        tiers = dict.fromkeys(_ids(session, query, _fts5(words)), ELSEWHERE)
        for tier, column in ((KEY_QUOTE, "key_quote"), (TITLE, "title")):
            tiers.update(dict.fromkeys(_ids(session, query, _fts5(words, column)), tier))
        return tuple(tiers), tuple(tiers.values())
    rows = db.fetch_rows(
        session,
        "SELECT id, CASE WHEN search_vector @@ to_tsquery('english', %s) THEN 0 "
        "WHEN search_vector @@ to_tsquery('english', %s) THEN 1 ELSE 2 END "
        "FROM findings WHERE search_vector @@ to_tsquery('english', %s)",
        (_tsquery(words, "A"), _tsquery(words, "C"), _tsquery(words)),
    )
    return tuple(row[0] for row in rows), tuple(row[1] for row in rows)


def _ids(session: Session, query: str, match: str) -> list[int]:
    return [row[0] for row in db.fetch_rows(session, query, (match,))]
