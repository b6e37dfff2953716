"""The findings library: search, facets with counts, sorting and pages over the findings a viewer may see.

Facet counts, filters, sorting and paging are computed in memory over a compact index of every
finding's facet values (ids, status, visibility, service, author, kind, cycle, evidence type, year,
themes; a few megabytes at 100,000 findings). The index is kept once per database and findings
revision, so it is shared by every viewer; after the revision moves it reads the log of changed
findings the database keeps (``models.finding_changes``) and updates just those findings. Each call
applies the viewer's scope to it (``_in_scope``, the same rules as ``permissions.visible_findings``,
tested against it) before anything is counted. A search asks the database's full-text index for
the matching ids (``ctdash.search``); every facet's counts then come from one pass over those ids,
not from one query per facet, and a page of 25 rows is read by id.

A facet's counts reflect every other facet's filter but not its own, so choosing one theme still
shows how many findings each other theme would give. Values chosen within one facet widen the
results (any of them); different facets narrow them (all of them).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from sqlalchemy.orm import Session

from ctdash import db, export, search
from ctdash.findings import EVIDENCE_TYPES, KIND_LABELS, reference
from ctdash.models import (
    FindingKind,
    FindingStatus,
    Role,
    Visibility,
)
from ctdash.viewer import Viewer

PAGE_SIZE = 25
EXCERPT = 280  # characters of the summary shown in the list
SORTS = {"relevance": "Best match", "newest": "Newest", "title": "Title", "partner": "Service"}
KINDS = tuple(kind.value for kind in FindingKind)
STATUSES = tuple(status.value for status in FindingStatus)
# The facets, in the order the page shows them: (key, label).
FACETS = (
    ("theme", "Theme"),
    ("kind", "Kind"),
    ("partner", "Service"),
    ("cycle", "Cycle"),
    ("evidence", "Evidence"),
    ("year", "Year"),
)
# Each facet's field of Query.
FACET_FIELDS = {
    "theme": "themes",
    "kind": "kinds",
    "partner": "partners",
    "cycle": "cycles",
    "evidence": "evidence",
    "year": "years",
}


@dataclass(frozen=True)
class Query:
    """One view of the library: what the URL's query parameters say. Hashable, so results cache by it."""

    text: str = ""
    themes: tuple[str, ...] = ()  # theme slugs
    kinds: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()  # service slugs
    cycles: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    sort: str = "relevance"
    page: int = 1

    def chosen(self, facet: str) -> tuple:
        return getattr(self, FACET_FIELDS[facet])

    @property
    def filtered(self) -> bool:
        return bool(self.text.strip() or any(self.chosen(key) for key, _ in FACETS))

    def params(self) -> dict[str, str | list[str]]:
        """The view as URL query parameters (only those that differ from the defaults)."""
        shown: dict[str, str | list[str]] = {}
        if self.text:
            shown["q"] = self.text
        for key, _ in FACETS:
            if self.chosen(key):
                shown[key] = [str(value) for value in self.chosen(key)]
        if self.sort != "relevance":
            shown["sort"] = self.sort
        if self.page != 1:
            shown["page"] = str(self.page)
        return shown


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    key: str
    label: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True)
class Row:
    """A finding as the library lists it."""

    id: int
    reference: str
    title: str
    excerpt: str  # the start of the summary's markdown source, cut at a word
    kind: str | None
    status: str
    visibility: str
    partner_slug: str
    partner_name: str
    cycle: str | None
    evidence_type: str | None
    themes: tuple[str, ...]  # names
    dated: dt.datetime  # published, or last changed when not published
    is_example: bool


@dataclass(frozen=True)
class Results:
    query: Query  # as applied: the page brought within range, the sort a search-less view can use
    total: int
    pages: int
    rows: tuple[Row, ...]
    facets: tuple[Facet, ...]
    words: tuple[str, ...]  # the words searched for, after common ones were dropped
    dropped_words: tuple[str, ...]
    notices: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ChartCounts:
    """Cross counts over a whole view, for the library's charts: (theme slug, theme name, kind, count),
    (cycle, kind, count) and (theme slug, theme name, service slug, service name, count)."""

    kind_by_theme: tuple[tuple[str, str, str, int], ...]
    kind_by_cycle: tuple[tuple[str, str, int], ...]
    theme_by_partner: tuple[tuple[str, str, str, str, int], ...]


# --- the index -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Vocabulary:
    """The values a facet can take, each with its code (its position here) and label."""

    values: tuple
    labels: tuple[str, ...]

    def code(self, value) -> int:
        return self.values.index(value)


@dataclass(frozen=True)
class _Rows:
    """Every finding's stored facet values, position i being the finding ``ids[i]`` (ids ascending)."""

    ids: np.ndarray
    status: np.ndarray  # code in STATUSES
    public: np.ndarray  # bool
    partner_id: np.ndarray
    author_id: np.ndarray  # -1 when none
    kind: np.ndarray  # code in KINDS, -1 while a draft has none
    year: np.ndarray  # of ``dated``
    dated: np.ndarray  # microseconds since 1970: published, or last changed when not published
    cycle: np.ndarray  # the cycle's first year (2024 for "2024-25"), -1 when none
    evidence: np.ndarray  # code in EVIDENCE_TYPES, -1 when none (or not one of them)
    pair_finding: np.ndarray  # (finding id, theme id) pairs, in no particular order: two parallel arrays
    pair_theme: np.ndarray


_PER_FINDING = ("ids", "status", "public", "partner_id", "author_id", "kind", "year", "dated", "cycle", "evidence")


@dataclass(frozen=True)
class _Index:
    """The rows, with what the library reads from them: facet codes, vocabularies and the newest-first order."""

    revision: int
    rows: _Rows
    partner: np.ndarray  # code in partners
    cycle: np.ndarray  # code in cycles, -1 when none
    evidence: np.ndarray  # code in evidence, -1 when none
    year: np.ndarray  # code in years
    newest: np.ndarray  # rank: 0 is the most recently dated
    newest_order: np.ndarray  # the positions by rank
    newest_dates: np.ndarray  # their dates, negated (so ascending), to find where a changed finding goes
    theme_of: np.ndarray  # (finding position, theme code) pairs, in the order of the rows' pairs
    theme_code: np.ndarray
    themes: _Vocabulary  # slugs, names
    partners: _Vocabulary  # slugs, short names
    cycles: _Vocabulary
    evidence_types: _Vocabulary
    years: _Vocabulary
    theme_ids: np.ndarray  # the themes' ids, in the order of ``themes``
    partner_ids: np.ndarray  # the services' ids, in the order of ``partners``
    # How many findings have each cycle, evidence type and year: a value's last finding going away
    # takes it out of the vocabulary.
    cycle_count: np.ndarray
    evidence_count: np.ndarray
    year_count: np.ndarray
    later: dict = field(default_factory=dict, compare=False)  # orders worked out when first asked for

    @property
    def ids(self) -> np.ndarray:
        return self.rows.ids

    @property
    def size(self) -> int:
        return len(self.rows.ids)

    @property
    def status(self) -> np.ndarray:
        return self.rows.status

    @property
    def public(self) -> np.ndarray:
        return self.rows.public

    @property
    def partner_id(self) -> np.ndarray:
        return self.rows.partner_id

    @property
    def author_id(self) -> np.ndarray:
        return self.rows.author_id

    @property
    def kind(self) -> np.ndarray:
        return self.rows.kind


_indexes: dict[str, _Index] = {}
_index_lock = threading.Lock()
# At most this share of findings (and this many) changed since the last index: update it with just those.
REFRESH_SHARE = 0.1
MOST_CHANGED = 5000


def _codes(values: np.ndarray, vocabulary: np.ndarray) -> np.ndarray:
    """Each value's position in ``vocabulary`` (-1 for a value not in it), for whole columns at once."""
    if not len(vocabulary) or not len(values):
        return np.full(len(values), -1, dtype=np.int32)
    order = np.argsort(vocabulary, kind="stable")
    found = np.searchsorted(vocabulary[order], values).clip(0, len(vocabulary) - 1)
    codes = order[found].astype(np.int32)
    codes[vocabulary[codes] != values] = -1
    return codes


def _ranks(order: np.ndarray) -> np.ndarray:
    """Each position's rank, given the positions in order."""
    ranks = np.empty(len(order), dtype=np.int32)
    ranks[order] = np.arange(len(order), dtype=np.int32)
    return ranks


def _case(column: str, values: Sequence[str]) -> str:
    return (
        f"CASE {column} "
        + " ".join(f"WHEN '{value}' THEN {code}" for code, value in enumerate(values))
        + " ELSE -1 END"
    )


def _array(rows: list[tuple], columns: int, dtype) -> np.ndarray:
    return np.array(rows, dtype=dtype) if rows else np.empty((0, columns), dtype=dtype)


def _load(session: Session, ids: np.ndarray | None = None) -> _Rows:
    """The stored facet values of every finding, or of those of ``ids`` that exist: a scan of a covering
    index (migration 0012), or a read by id, fetched through the driver and made an array at once. At
    100,000 findings, Python work per row would cost more than the queries."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    dated = "coalesce(published_at, updated_at)"
    if sqlite:  # times are ISO text in UTC
        micros = f"CAST(round((julianday({dated}) - 2440587.5) * 86400000000) AS INTEGER)"
        year = f"CAST(strftime('%Y', {dated}) AS INTEGER)"
    else:
        micros = f"CAST(extract(epoch FROM {dated}) * 1000000 AS BIGINT)"
        year = f"CAST(extract(year FROM {dated}) AS INTEGER)"

    def within(column: str) -> str:
        if ids is None:
            return ""
        return f" WHERE {column} IN ({', '.join(str(int(finding_id)) for finding_id in ids) or 'NULL'})"

    # Every value is made a number by the database (enums' stored values, a cycle's first year, an
    # evidence type's place in the list), so the rows become one array at once.
    numbers = _array(
        db.fetch_rows(
            session,
            f"SELECT id, {_case('status', STATUSES)}, "
            f"{_case('visibility', (Visibility.GROUP.value, Visibility.PUBLIC.value))}, "
            f"partner_id, coalesce(author_id, -1), {_case('kind', KINDS)}, {year}, {micros}, "
            "coalesce(CAST(substr(cycle, 1, 4) AS INTEGER), -1), "
            f"{_case('evidence_type', EVIDENCE_TYPES)} FROM findings{within('id')} ORDER BY id",
        ),
        10,
        np.int64,
    )
    pairs = _array(
        db.fetch_rows(session, "SELECT finding_id, theme_id FROM finding_themes" + within("finding_id")),
        2,
        np.int64,
    )
    # On PostgreSQL each statement sees the commits made before it: a finding made between the two
    # reads may have its themes without its row. It is logged as changed, so it is read on the next revision.
    found = np.searchsorted(numbers[:, 0], pairs[:, 0]).clip(0, max(len(numbers) - 1, 0))
    pairs = pairs[numbers[found, 0] == pairs[:, 0]] if len(numbers) else pairs[:0]
    return _Rows(
        ids=numbers[:, 0].copy(),
        status=numbers[:, 1].astype(np.int8),
        public=numbers[:, 2] == 1,
        partner_id=numbers[:, 3].copy(),
        author_id=numbers[:, 4].copy(),
        kind=numbers[:, 5].astype(np.int8),
        year=numbers[:, 6].astype(np.int32),
        dated=numbers[:, 7].copy(),
        cycle=numbers[:, 8].astype(np.int32),
        evidence=numbers[:, 9].astype(np.int32),
        pair_finding=pairs[:, 0].copy(),
        pair_theme=pairs[:, 1].copy(),
    )


def _changed_since(session: Session, revision: int) -> np.ndarray | None:
    """The ids of the findings changed (made, edited, deleted, their themes changed) after ``revision``,
    ascending, from the log the database keeps (``models.finding_changes``); None when the log no longer
    reaches back that far. One read of an index.

    Changes committed after this session read the findings revision may be among them: reading those
    findings early does no harm, and they are read again when the revision passes theirs."""
    found = db.fetch_rows(
        session, f"SELECT DISTINCT finding_id FROM finding_changes WHERE revision > {int(revision)} ORDER BY 1"
    )
    ids = np.array([row[0] for row in found], dtype=np.int64)
    return None if len(ids) and ids[0] == 0 else ids  # a floor above ``revision``: changes were forgotten


@dataclass(frozen=True)
class _Names:
    """The themes and services as the index names them, read again for every revision (they may be renamed)."""

    theme_ids: np.ndarray
    themes: _Vocabulary
    partner_ids: np.ndarray
    partners: _Vocabulary


def _names(session: Session) -> _Names:
    theme_rows = db.fetch_rows(session, "SELECT id, slug, name FROM themes ORDER BY position, name")
    partner_rows = db.fetch_rows(session, "SELECT id, slug, short_name FROM partners ORDER BY name")
    return _Names(
        theme_ids=np.array([row[0] for row in theme_rows], dtype=np.int64),
        themes=_Vocabulary(tuple(row[1] for row in theme_rows), tuple(row[2] for row in theme_rows)),
        partner_ids=np.array([row[0] for row in partner_rows], dtype=np.int64),
        partners=_Vocabulary(tuple(row[1] for row in partner_rows), tuple(row[2] for row in partner_rows)),
    )


def _indexed(revision: int, rows: _Rows, names: _Names) -> _Index:
    """The index over ``rows``, everything worked out from them."""
    years = np.unique(rows.year)[::-1]
    starts = np.unique(rows.cycle[rows.cycle >= 0])[::-1]
    evidence = np.unique(rows.evidence[rows.evidence >= 0])
    cycles = tuple(f"{start}-{(start + 1) % 100:02d}" for start in starts)
    codes = {
        "cycle": _codes(rows.cycle, starts),
        "evidence": _codes(rows.evidence, evidence),
        "year": _codes(rows.year, years),
    }
    return _Index(
        revision=revision,
        rows=rows,
        partner=_codes(rows.partner_id, names.partner_ids),
        **_by_date(rows, np.lexsort((rows.ids, rows.dated))[::-1].copy()),
        theme_of=np.searchsorted(rows.ids, rows.pair_finding).astype(np.int32),
        theme_code=_codes(rows.pair_theme, names.theme_ids),
        themes=names.themes,
        partners=names.partners,
        cycles=_Vocabulary(cycles, cycles),
        evidence_types=_Vocabulary(
            tuple(EVIDENCE_TYPES[code] for code in evidence),
            tuple(EVIDENCE_TYPES[code].capitalize() for code in evidence),
        ),
        years=_Vocabulary(tuple(int(year) for year in years), tuple(str(year) for year in years)),
        theme_ids=names.theme_ids,
        partner_ids=names.partner_ids,
        **codes,
        cycle_count=_tally(codes["cycle"], len(starts)),
        evidence_count=_tally(codes["evidence"], len(evidence)),
        year_count=_tally(codes["year"], len(years)),
    )


def _tally(codes: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(codes[codes >= 0], minlength=size).astype(np.int64)


def _renamed(index: _Index, revision: int, names: _Names) -> _Index:
    """``index`` at ``revision`` when no finding changed: only the names of themes and services may have."""
    later = dict(index.later)  # one C-level copy: safe beside a reader filling it in
    if names.partners != index.partners:
        later.pop("partner", None)  # the order by service name
    return replace(
        index,
        revision=revision,
        partner=index.partner
        if np.array_equal(names.partner_ids, index.partner_ids)
        else _codes(index.rows.partner_id, names.partner_ids),
        theme_code=index.theme_code
        if np.array_equal(names.theme_ids, index.theme_ids)
        else _codes(index.rows.pair_theme, names.theme_ids),
        themes=names.themes,
        partners=names.partners,
        theme_ids=names.theme_ids,
        partner_ids=names.partner_ids,
        later=later,
    )


def _updated(index: _Index, revision: int, changed: np.ndarray, fresh: _Rows, names: _Names) -> _Index | None:
    """``index`` with the findings ``changed`` (ascending ids) as ``fresh`` holds them now (a deleted one
    is not there), working out codes and ranks for those alone; None when a cycle, evidence type or year
    appears or goes (the whole index is worked out again). What a change leaves as it was (the order by
    date, the theme pairs) is kept as it is."""
    old = index.rows
    size = len(old.ids)
    found = np.searchsorted(old.ids, changed)
    held = found < size
    held[held] = old.ids[found[held]] == changed[held]
    gone = found[held]  # the changed findings' old positions
    keep = np.ones(size, dtype=bool)
    keep[gone] = False
    in_place = len(gone) == len(changed) and np.array_equal(fresh.ids, changed)  # the same findings, places
    if in_place:
        moved, placed = None, gone

        def spliced(column: np.ndarray, values: np.ndarray) -> np.ndarray:
            if np.array_equal(column[placed], values):
                return column  # never changed in place: shared by the two indexes
            column = column.copy()
            column[placed] = values
            return column
    else:
        at = np.searchsorted(old.ids[keep], fresh.ids)  # where each fresh row goes among the rows kept
        kept = np.arange(int(keep.sum()))
        moved = np.full(size, -1)
        moved[keep] = kept + np.searchsorted(at, kept, side="right")
        placed = at + np.arange(len(at))

        def spliced(column: np.ndarray, values: np.ndarray) -> np.ndarray:
            return np.insert(column[keep], at, values)

    # Facet values that come from the rows: a fresh row with a value not among them, or the last row with
    # one gone, changes the vocabulary (and every code after it).
    starts = np.array([int(cycle[:4]) for cycle in index.cycles.values], dtype=np.int64)
    evidence = np.array([EVIDENCE_TYPES.index(value) for value in index.evidence_types.values], dtype=np.int64)
    years = np.array(index.years.values, dtype=np.int64)
    codes, counts = {}, {}
    for facet, values, vocabulary in (
        ("cycle", fresh.cycle, starts),
        ("evidence", fresh.evidence, evidence),
        ("year", fresh.year, years),
    ):
        code = _codes(values, vocabulary)
        if np.any((values >= 0) & (code < 0)):
            return None
        column, tallied = getattr(index, facet), len(vocabulary)
        count = getattr(index, f"{facet}_count") - _tally(column[gone], tallied) + _tally(code, tallied)
        if np.any(count == 0):
            return None
        codes[facet], counts[f"{facet}_count"] = spliced(column, code), count

    pairs_kept = keep[index.theme_of]
    gone_pairs = ~pairs_kept
    same_pairs = in_place and _pairs(old.pair_finding[gone_pairs], old.pair_theme[gone_pairs]) == _pairs(
        fresh.pair_finding, fresh.pair_theme
    )
    if same_pairs:
        pair_finding, pair_theme, theme_of = old.pair_finding, old.pair_theme, index.theme_of
        theme_code = index.theme_code
    else:
        pair_finding = np.concatenate([old.pair_finding[pairs_kept], fresh.pair_finding])
        pair_theme = np.concatenate([old.pair_theme[pairs_kept], fresh.pair_theme])
        kept_of = index.theme_of[pairs_kept]
        theme_of = np.concatenate(
            [kept_of if moved is None else moved[kept_of], placed[np.searchsorted(fresh.ids, fresh.pair_finding)]]
        ).astype(np.int32)
        theme_code = np.concatenate([index.theme_code[pairs_kept], _codes(fresh.pair_theme, index.theme_ids)])
    if not np.array_equal(names.theme_ids, index.theme_ids):
        theme_code = _codes(pair_theme, names.theme_ids)
    rows = _Rows(
        **{name: spliced(getattr(old, name), getattr(fresh, name)) for name in _PER_FINDING},
        pair_finding=pair_finding,
        pair_theme=pair_theme,
    )
    return _Index(
        revision=revision,
        rows=rows,
        partner=spliced(index.partner, _codes(fresh.partner_id, names.partner_ids))
        if np.array_equal(names.partner_ids, index.partner_ids)
        else _codes(rows.partner_id, names.partner_ids),
        **(
            {name: getattr(index, name) for name in ("newest", "newest_order", "newest_dates")}
            if in_place and np.array_equal(old.dated[gone], fresh.dated)
            else _newest(index, rows, gone, moved, placed)
        ),
        theme_of=theme_of,
        theme_code=theme_code,
        themes=names.themes,
        partners=names.partners,
        cycles=index.cycles,
        evidence_types=index.evidence_types,
        years=index.years,
        theme_ids=names.theme_ids,
        partner_ids=names.partner_ids,
        **codes,
        **counts,
        # The pairs grouped by finding (``_pairs_by_finding``) hold while the pairs and positions do.
        later={"pairs": index.later["pairs"]} if same_pairs and "pairs" in index.later else {},
    )


def _pairs(findings: np.ndarray, themes: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(findings.tolist(), themes.tolist(), strict=True))


def _by_date(rows: _Rows, order: np.ndarray) -> dict[str, np.ndarray]:
    return {"newest": _ranks(order), "newest_order": order, "newest_dates": -rows.dated[order]}


def _newest(
    index: _Index, rows: _Rows, gone: np.ndarray, moved: np.ndarray | None, placed: np.ndarray
) -> dict[str, np.ndarray]:
    """The newest-first order of ``rows``: the other findings in their old order (at their new positions;
    ``moved`` None when those are the old ones), each changed one (old positions ``gone``, new ones
    ``placed``) put in its place by its date, then id, both descending, as the full sort would."""
    drop = index.newest[gone]
    order, dates = np.delete(index.newest_order, drop), np.delete(index.newest_dates, drop)
    if moved is not None:
        order = moved[order]
    fresh = placed[np.lexsort((-rows.ids[placed], -rows.dated[placed]))]  # the changed, newest first
    key = -rows.dated[fresh]
    starts = np.searchsorted(dates, key, side="left")  # how many are dated later
    ends = np.searchsorted(dates, key, side="right")
    for number in np.flatnonzero(ends > starts):  # the same date to the microsecond: the higher id first
        start = starts[number]
        starts[number] = start + np.searchsorted(-rows.ids[order[start : ends[number]]], -rows.ids[fresh[number]])
    order = np.insert(order, starts, fresh)
    return {"newest": _ranks(order), "newest_order": order, "newest_dates": np.insert(dates, starts, key)}


def _index(session: Session) -> _Index:
    """The index at the findings revision this session sees, made if no process-wide copy has it yet:
    from the previous revision's, reading again only the findings changed since (``_changed_since``)."""
    revision = _findings_revision(session)
    key = session.get_bind().engine.url.render_as_string(hide_password=False)
    index = _indexes.get(key)
    if index is not None and index.revision == revision:
        return index
    with _index_lock:  # one build at a time: a page opened by many people after a change builds once
        index = _indexes.get(key)
        if index is None or index.revision != revision:
            index = _brought_up_to_date(session, revision, index)
            _indexes[key] = index
    return index


def _brought_up_to_date(session: Session, revision: int, index: _Index | None) -> _Index:
    """The index at ``revision``: ``index`` (at an earlier one) updated with the findings changed since,
    or, when there is none, many changed or the log no longer reaches back, made from every finding.
    The services and themes are read after the findings, so every service a finding names is known."""
    changed = _changed_since(session, index.revision) if index is not None and index.revision < revision else None
    if index is None or changed is None or len(changed) > min(MOST_CHANGED, max(64, REFRESH_SHARE * index.size)):
        rows = _load(session)
        return _indexed(revision, rows, _names(session))
    if not len(changed):
        return _renamed(index, revision, _names(session))
    fresh = _load(session, changed)
    names = _names(session)
    return _updated(index, revision, changed, fresh, names) or _indexed(revision, _load(session), names)


def _findings_revision(session: Session) -> int:
    """``db.current_revisions(session, (db.FINDINGS,))``, through the driver: every library call asks."""
    found = db.fetch_rows(session, f"SELECT revision FROM data_revisions WHERE area = '{db.FINDINGS}'")
    return int(found[0][0]) if found else 0


def _rank(session: Session, index: _Index, sort: str) -> np.ndarray:
    """The rank of each finding in ``sort`` order, worked out the first time a view asks for it."""
    if sort == "newest":
        return index.newest
    if sort not in index.later:
        if sort == "title":
            ordered = _array(db.fetch_rows(session, "SELECT id FROM findings ORDER BY lower(title), id"), 1, np.int64)
            positions = np.searchsorted(index.ids, ordered[:, 0]).clip(0, max(index.size - 1, 0))
            ranks = np.full(index.size, index.size, dtype=np.int32)  # a finding made since sorts last
            found = index.ids[positions] == ordered[:, 0]
            ranks[positions[found]] = np.arange(int(found.sum()), dtype=np.int32)
        else:
            names = [name.lower() for name in index.partners.labels]
            name_rank = _ranks(np.array(sorted(range(len(names)), key=names.__getitem__), dtype=np.int64))
            ranks = _ranks(np.lexsort((index.ids, name_rank[index.partner])))
        index.later[sort] = ranks
    return index.later[sort]


def _in_scope(index: _Index, viewer: Viewer) -> np.ndarray:
    """The findings ``viewer`` may see, as a mask: ``permissions.visible_findings`` over the index."""
    published = index.status == STATUSES.index(FindingStatus.PUBLISHED)
    if viewer.role is None:
        return published & index.public
    if viewer.role == Role.ADMIN:
        return np.ones(index.size, dtype=bool)
    own = index.author_id == (viewer.user_id if viewer.user_id is not None else -2)
    if viewer.role == Role.FACILITATOR:
        return (index.status != STATUSES.index(FindingStatus.DRAFT)) | own
    if viewer.partner_id is None:
        return published | own
    return published | (index.partner_id == viewer.partner_id) | own


# --- reading a query from a link ----------------------------------------------------------------


@db.reads(db.FINDINGS)
def read_query(
    session: Session, *, viewer: Viewer, params: tuple[tuple[str, tuple[str, ...]], ...]
) -> tuple[Query, tuple[str, ...]]:
    """The Query a link's parameters describe, and what was left out of it, one sentence each.

    ``params`` is the URL's query parameters as (name, values) pairs. A value the library does not
    have is left out, never an error. Nothing here depends on the viewer: a slug is known when it
    exists, whether or not the viewer may see findings with it.
    """
    return _read(_index(session), dict(params))


def _read(index: _Index, params: Mapping[str, tuple[str, ...]]) -> tuple[Query, tuple[str, ...]]:
    notices: list[str] = []

    def known(key: str, noun: str, values: Sequence, convert=str) -> tuple:
        kept = []
        for raw in params.get(key, ())[:50]:
            try:
                value = convert(raw)
            except ValueError:
                value = None
            if value in values:
                if value not in kept:
                    kept.append(value)
            else:
                notices.append(
                    f"The link named {noun} {str(raw)[:40]!r}, which the library does not have: it is left out."
                )
        return tuple(kept)

    text = " ".join(params.get("q", ("",))[:1])
    if len(text) > search.MAX_TEXT:
        notices.append(f"The search was cut to its first {search.MAX_TEXT} characters.")
        text = text[: search.MAX_TEXT]
    query = Query(
        text=text,
        themes=known("theme", "a theme", index.themes.values),
        kinds=known("kind", "a kind", KINDS),
        partners=known("partner", "a service", index.partners.values),
        cycles=known("cycle", "a cycle", index.cycles.values),
        evidence=known("evidence", "an evidence type", index.evidence_types.values),
        years=known("year", "a year", index.years.values, int),
    )
    sort = params.get("sort", ("relevance",))[0]
    if sort not in SORTS:
        notices.append(f"The link asked for an order the library does not know ({sort[:40]!r}): best match first.")
        sort = "relevance"
    raw_page = params.get("page", ("1",))[0]
    page = int(raw_page) if raw_page.isdigit() and len(raw_page) < 7 and int(raw_page) > 0 else 1
    if str(page) != raw_page:
        notices.append(f"The link asked for page {raw_page[:12]!r}, which is not a page number: page 1 is shown.")
    for name in sorted(set(params) - {"q", "sort", "page", *(key for key, _ in FACETS)}):
        if name != "view":
            notices.append(f"The link had a setting the library does not use ({name[:40]!r}): it is left out.")
    return replace(query, sort=sort, page=page), tuple(notices)


# --- browsing -----------------------------------------------------------------------------------


def _facet_mask(index: _Index, facet: str, chosen: tuple) -> np.ndarray | None:
    """The findings having any of the chosen values of ``facet``; None when none is chosen."""
    if not chosen:
        return None
    if facet == "theme":
        codes = [index.themes.code(value) for value in chosen]
        mask = np.zeros(index.size, dtype=bool)
        mask[index.theme_of[np.isin(index.theme_code, codes)]] = True
        return mask
    column, vocabulary = _facet_column(index, facet)
    return np.isin(column, [vocabulary.index(value) for value in chosen])


def _facet_column(index: _Index, facet: str) -> tuple[np.ndarray, tuple]:
    return {
        "kind": (index.kind, KINDS),
        "partner": (index.partner, index.partners.values),
        "cycle": (index.cycle, index.cycles.values),
        "evidence": (index.evidence, index.evidence_types.values),
        "year": (index.year, index.years.values),
    }[facet]


def _labels(index: _Index, facet: str) -> tuple[tuple, tuple[str, ...]]:
    if facet == "theme":
        return index.themes.values, index.themes.labels
    if facet == "kind":
        return KINDS, tuple(KIND_LABELS[FindingKind(kind)] for kind in KINDS)
    vocabulary = {
        "partner": index.partners,
        "cycle": index.cycles,
        "evidence": index.evidence_types,
        "year": index.years,
    }[facet]
    return vocabulary.values, vocabulary.labels


def _counts(index: _Index, facet: str, mask: np.ndarray) -> np.ndarray:
    values, _ = _labels(index, facet)
    if facet == "theme":
        codes = index.theme_code[mask[index.theme_of]]
    else:
        column, _ = _facet_column(index, facet)
        codes = column[mask]
    codes = codes[codes >= 0]
    return np.bincount(codes, minlength=len(values))


def _facet(index: _Index, facet: str, label: str, mask: np.ndarray, chosen: tuple) -> Facet:
    values, labels = _labels(index, facet)
    counts = _counts(index, facet, mask)
    shown = [
        FacetValue(value=str(value), label=labels[code], count=int(counts[code]), selected=value in chosen)
        for code, value in enumerate(values)
        if counts[code] or value in chosen
    ]
    if facet in ("theme", "partner", "evidence"):  # most findings first; cycles, years and kinds in their own order
        shown.sort(key=lambda value: (-value.count, value.label.lower()))
    return Facet(key=facet, label=label, values=tuple(shown))


def _matched(index: _Index, session: Session, words: search.Terms) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the findings matching ``words`` (all of them when there are none) and their tiers."""
    if not words:
        return np.ones(index.size, dtype=bool), np.full(index.size, search.ELSEWHERE, dtype=np.int8)
    ids, found_tiers = search.matches(session, words)
    mask = np.zeros(index.size, dtype=bool)
    tiers = np.full(index.size, search.ELSEWHERE, dtype=np.int8)
    if ids:
        matched = np.array(ids, dtype=np.int64)
        positions = np.searchsorted(index.ids, matched)
        known = positions < index.size
        known[known] = index.ids[positions[known]] == matched[known]  # made after the index: seen on the next revision
        mask[positions[known]] = True
        tiers[positions[known]] = np.array(found_tiers, dtype=np.int8)[known]
    return mask, tiers


def _view(session: Session, viewer: Viewer, query: Query) -> tuple[_Index, np.ndarray, np.ndarray, dict, search.Terms]:
    """The index, the mask of the findings in the view, their tiers, each facet's own mask, the search words."""
    index = _index(session)
    words = search.terms(query.text)
    matched, tiers = _matched(index, session, words)
    base = _in_scope(index, viewer) & matched
    facet_masks = {key: _facet_mask(index, key, query.chosen(key)) for key, _ in FACETS}
    view = base.copy()
    for mask in facet_masks.values():
        if mask is not None:
            view &= mask
    return index, view, tiers, {"base": base, **facet_masks}, words


def _ordered(session: Session, index: _Index, view: np.ndarray, tiers: np.ndarray, sort: str) -> np.ndarray:
    positions = np.flatnonzero(view)
    if sort == "relevance":  # without a search every tier is the same: newest first
        order = np.lexsort((index.newest[positions], tiers[positions]))
    else:
        order = np.argsort(_rank(session, index, sort)[positions], kind="stable")
    return positions[order]


@db.reads(db.FINDINGS)
def browse(session: Session, *, viewer: Viewer, query: Query) -> Results:
    """A page of the findings ``viewer`` may see that match ``query``, with every facet's counts."""
    index, view, tiers, masks, words = _view(session, viewer, query)
    total = int(view.sum())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(query.page, pages)
    notices = (
        () if page == query.page else (f"There are only {pages} pages of findings in this view: the last is shown.",)
    )
    ordered = _ordered(session, index, view, tiers, query.sort)
    shown = [int(finding_id) for finding_id in index.ids[ordered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]]

    facets = []
    for key, label in FACETS:
        others = masks["base"].copy()
        for other, mask in masks.items():
            if other not in ("base", key) and mask is not None:
                others &= mask
        facets.append(_facet(index, key, label, others, query.chosen(key)))
    return Results(
        query=replace(query, page=page),
        total=total,
        pages=pages,
        rows=_rows(session, index, shown),
        facets=tuple(facets),
        words=words.words,
        dropped_words=words.dropped,
        notices=notices,
    )


@db.reads(db.FINDINGS)
def chart_counts(session: Session, *, viewer: Viewer, query: Query) -> ChartCounts:
    """The view's cross counts for the charts: read only while the Charts view is open, so the list,
    which every facet click redraws, does not pay for them (3-4 ms a miss at 100,000 findings)."""
    index, view, _, _, _ = _view(session, viewer, query)
    return ChartCounts(
        kind_by_theme=_kind_by_theme(index, view),
        kind_by_cycle=_kind_by_cycle(index, view),
        theme_by_partner=_theme_by_partner(index, view),
    )


@db.reads(db.FINDINGS)
def matching_ids(session: Session, *, viewer: Viewer, query: Query) -> list[int]:
    """Every finding id in the view, in its order (for exports): the viewer's scope, search and filters."""
    index, view, tiers, _, _ = _view(session, viewer, query)
    return [int(finding_id) for finding_id in index.ids[_ordered(session, index, view, tiers, query.sort)]]


@db.reads(db.FINDINGS)
def export_view(session: Session, *, viewer: Viewer, query: Query) -> export.FindingTables:
    """The view's findings as spreadsheet tables, in the view's order (ctdash.export)."""
    return export.findings_tables(session, viewer=viewer, finding_ids=matching_ids(session, viewer=viewer, query=query))


def _kind_by_theme(index: _Index, view: np.ndarray) -> tuple[tuple[str, str, str, int], ...]:
    in_view = view[index.theme_of] & (index.kind[index.theme_of] >= 0)
    cells = np.bincount(
        index.theme_code[in_view] * len(KINDS) + index.kind[index.theme_of][in_view],
        minlength=len(index.themes.values) * len(KINDS),
    )
    return tuple(
        (index.themes.values[theme], index.themes.labels[theme], KINDS[kind], int(cells[theme * len(KINDS) + kind]))
        for theme in range(len(index.themes.values))
        for kind in range(len(KINDS))
        if cells[theme * len(KINDS) + kind]
    )


def _kind_by_cycle(index: _Index, view: np.ndarray) -> tuple[tuple[str, str, int], ...]:
    in_view = view & (index.cycle >= 0) & (index.kind >= 0)
    cells = np.bincount(
        index.cycle[in_view] * len(KINDS) + index.kind[in_view], minlength=len(index.cycles.values) * len(KINDS)
    )
    return tuple(
        (index.cycles.values[cycle], KINDS[kind], int(cells[cycle * len(KINDS) + kind]))
        for cycle in reversed(range(len(index.cycles.values)))
        for kind in range(len(KINDS))
        if cells[cycle * len(KINDS) + kind]
    )


def _theme_by_partner(index: _Index, view: np.ndarray) -> tuple[tuple[str, str, str, str, int], ...]:
    in_view = view[index.theme_of]
    partners = len(index.partners.values)
    cells = np.bincount(
        index.theme_code[in_view] * partners + index.partner[index.theme_of][in_view],
        minlength=len(index.themes.values) * partners,
    )
    found = np.flatnonzero(cells)
    return tuple(
        (
            index.themes.values[cell // partners],
            index.themes.labels[cell // partners],
            index.partners.values[cell % partners],
            index.partners.labels[cell % partners],
            int(cells[cell]),
        )
        for cell in found
    )


def _rows(session: Session, index: _Index, ids: list[int]) -> tuple[Row, ...]:
    """The page's rows: their text from one read of the findings by id, everything else (kind, status,
    service, themes) from the index, which the view was worked out from."""
    if not ids:
        return ()
    sqlite = session.get_bind().dialect.name == "sqlite"
    marks = ", ".join(["?" if sqlite else "%s"] * len(ids))
    found = {
        row[0]: row
        for row in db.fetch_rows(
            session,
            f"SELECT id, title, substr(summary, 1, {EXCERPT + 40}), cycle, evidence_type, "
            f"coalesce(published_at, updated_at), is_example FROM findings WHERE id IN ({marks})",
            ids,
        )
    }
    positions = np.searchsorted(index.ids, np.array(ids, dtype=np.int64)).clip(0, max(index.size - 1, 0))
    pair_order, pair_starts = _pairs_by_finding(index)
    shown = []
    for finding_id, position in zip(ids, positions.tolist(), strict=True):
        if finding_id not in found or index.ids[position] != finding_id:
            continue  # deleted since the index was built: gone on the next revision
        _, title, excerpt, cycle, evidence_type, dated, is_example = found[finding_id]
        codes = index.theme_code[pair_order[pair_starts[position] : pair_starts[position + 1]]]
        kind = int(index.kind[position])
        shown.append(
            Row(
                id=finding_id,
                reference=reference(finding_id),
                title=title,
                excerpt=_cut(excerpt or ""),
                kind=FindingKind(KINDS[kind]) if kind >= 0 else None,
                status=FindingStatus(STATUSES[int(index.status[position])]),
                visibility=Visibility.PUBLIC if index.public[position] else Visibility.GROUP,
                partner_slug=index.partners.values[index.partner[position]],
                partner_name=index.partners.labels[index.partner[position]],
                cycle=cycle,
                evidence_type=evidence_type,
                themes=tuple(index.themes.labels[code] for code in sorted(codes.tolist()) if code >= 0),
                dated=_utc(dated),
                is_example=bool(is_example),
            )
        )
    return tuple(shown)


def _pairs_by_finding(index: _Index) -> tuple[np.ndarray, np.ndarray]:
    """The (finding, theme) pairs' positions grouped by finding: finding position p's pairs are
    ``order[starts[p]:starts[p + 1]]``. Worked out once per index, when a page of rows first asks."""
    if "pairs" not in index.later:
        order = np.argsort(index.theme_of, kind="stable")
        starts = np.searchsorted(index.theme_of[order], np.arange(index.size + 1))
        index.later["pairs"] = (order, starts)
    return index.later["pairs"]


def _utc(value) -> dt.datetime:
    """A stored time as the models give it, aware UTC (SQLite hands the driver's text, PostgreSQL a naive time)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC)


def _cut(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= EXCERPT:
        return text
    return text[:EXCERPT].rsplit(" ", 1)[0] + "…"
