"""Importing partner services and research projects from a spreadsheet: a dry run first, then all or nothing.

``plan`` reads an upload (``ctdash.spreadsheets``) and checks every row against what is stored,
saying what importing would do with it: create a record, update one (and what changes), leave one
as it is, or the errors that stop it, all of them. It never writes. ``run`` plans again and imports
only if no row has an error and the plan is the one previewed (its ``signature``); inside the write
transaction it makes sure nothing has changed since that plan was made, planning again there if
anything has. One transaction: a failure half-way writes nothing.

- Each field is checked by the same function the edit forms use (``ctdash.projects``,
  ``ctdash.partners``), so a spreadsheet can store nothing a form would refuse.
- A project row names its service as people write it: its name, short name or slug, whatever the
  case and spacing. A near miss ("Cornwal") is an error that suggests the name, never a guess, and
  a project import never adds a service. Archived services still match: they keep past projects.
- A project with the same service, cycle and title (case apart) is updated; so is a service with
  the same name or slug. A column the file does not have leaves that field as it is on records the
  file updates; an empty cell in a column the file has empties it.
- Text that looks like a formula ("=HYPERLINK(...)") is stored as typed; ``ctdash.export`` defuses
  it whenever it leaves for a spreadsheet again.
- Speed: everything a check needs is loaded once into dictionaries (no query per row), each
  distinct cell is checked once, and the rows are written with multi-row statements. The file is
  read and checked before the write transaction begins, so SQLite's one write lock, which every
  other writer waits for, is held only while the rows are written.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd
from sqlalchemy import String, bindparam, cast, delete, func, insert, literal, select, text, type_coerce, update
from sqlalchemy.orm import Session

from ctdash import audit, clock, db, partners, permissions, projects
from ctdash.errors import Conflict, InvalidInput
from ctdash.models import Partner, Project, Theme, UTCDateTime, project_themes
from ctdash.spreadsheets import CellError, Column, Row, Table, header_key, parse_date, parse_number, read_table
from ctdash.users import check_email
from ctdash.viewer import Viewer

PARTNERS, PROJECTS = "partners", "projects"
KINDS = (PARTNERS, PROJECTS)
CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "no change", "error"
ACTIONS = (CREATE, UPDATE, UNCHANGED, ERROR)
MAX_ROWS = 50_000
PROGRESS_EVERY = 1000
CHUNK = 5000  # ids per IN (...) list: well under SQLite's limit on bound values
SUGGESTION_CUTOFF = 0.75  # difflib similarity for "did you mean": "Cornwal" -> "Cornwall" scores 0.93

PROJECT_COLUMNS = (
    Column("partner", "Partner", ("service", "music service", "partner service"), required=True),
    Column("cycle", "Cycle", ("year", "academic year", "research cycle"), required=True),
    Column("title", "Title", ("project", "project title"), required=True),
    Column("stage", "Stage", ("status",), required=True),
    Column("research_question", "Research question", ("question",)),
    Column("themes", "Themes", ("theme",)),
    Column("start_date", "Start date", ("start",)),
    Column("end_date", "End date", ("end",)),
    Column("lead_contact", "Lead contact", ("lead", "contact")),
    Column("summary", "Summary"),
)
PARTNER_COLUMNS = (
    Column("name", "Name", ("partner", "service", "partner service", "music service", "service name"), required=True),
    Column("short_name", "Short name", ("short",)),
    Column("lead_organisation", "Lead organisation", ("lead organization", "hub lead")),
    Column("region", "Region"),
    Column("local_authority", "Local authority", ("area", "local authority area")),
    Column("latitude", "Latitude", ("lat",)),
    Column("longitude", "Longitude", ("lon", "long", "lng")),
    Column("website", "Website", ("web", "url", "web address", "website address")),
    Column("contact_name", "Contact name", ("contact",)),
    Column("contact_email", "Contact email", ("email", "contact email address")),
)
COLUMNS = {PARTNERS: PARTNER_COLUMNS, PROJECTS: PROJECT_COLUMNS}
# The fields an import stores, besides the ones that find the record (service, cycle, title; name).
PROJECT_FIELDS = ("title", "research_question", "themes", "stage", "start_date", "end_date", "lead_contact", "summary")
PARTNER_FIELDS = (
    "short_name",
    "lead_organisation",
    "region",
    "local_authority",
    "latitude",
    "longitude",
    "website",
    "contact_name",
    "contact_email",
)
CHANGED = (
    "The data changed since your preview (someone edited or imported records meanwhile), so nothing was "
    "imported; check the new preview and import again."
)

Progress = Callable[[float, str], None]  # (fraction done from 0 to 1, what is happening)


class PlannedRow(NamedTuple):
    """What importing does with one row of the file (a tuple: 50,000 of them are made twice per import)."""

    number: int  # as the spreadsheet shows it
    action: str  # CREATE, UPDATE, UNCHANGED or ERROR
    errors: tuple[str, ...]  # every mistake in the row, one sentence each
    shown: dict[str, str]  # column label -> the value as read and checked, for the preview
    changes: tuple[str, ...] = ()  # for an update: "stage: planning -> analysis"
    changed: frozenset[str] = frozenset()  # for an update: the fields that change
    record_id: int | None = None  # the record it updates or leaves alone
    record_version: int | None = None
    values: dict | None = None  # the checked values to store; None for a row with errors
    record: str = ""  # the stored record it matches, as people know it: "project #12: Ensembles"


@dataclass(frozen=True)
class ImportPlan:
    """The dry run: every row's action and errors, what was noticed about the file, and its signature."""

    kind: str
    filename: str
    rows: tuple[PlannedRow, ...]
    notices: tuple[str, ...]
    counts: dict[str, int]  # action -> rows, every action present
    # A hash of the file and of every row's action, target record (and its version) and values: the
    # import runs only if planning again inside its transaction gives the same signature.
    signature: str
    labels: tuple[str, ...]  # the preview's value columns, in order

    @property
    def has_errors(self) -> bool:
        return self.counts[ERROR] > 0

    @property
    def to_import(self) -> int:
        """Rows that create or update a record."""
        return self.counts[CREATE] + self.counts[UPDATE]

    def summary(self) -> str:
        """The counts as a sentence: "12 to create, 3 to update, 2 unchanged, 1 with errors."."""
        if not self.rows:
            return "The file has headings but no rows to import."
        parts = [
            f"{self.counts[CREATE]:,} to create" if self.counts[CREATE] else "",
            f"{self.counts[UPDATE]:,} to update" if self.counts[UPDATE] else "",
            f"{self.counts[UNCHANGED]:,} unchanged" if self.counts[UNCHANGED] else "",
            f"{self.counts[ERROR]:,} with errors" if self.counts[ERROR] else "",
        ]
        return ", ".join(part for part in parts if part).capitalize() + "."

    def error_lines(self) -> Iterator[str]:
        """Every error of every row, one line each: "Row 7: Unknown partner 'Cornwal'; did you mean 'Cornwall'?"."""
        for row in self.rows:
            for error in row.errors:
                yield f"Row {row.number}: {error}"

    def preview(self) -> pd.DataFrame:
        """One line per row, rows with errors first: number, action, errors, the values as read, the record
        an update or an unchanged row matches, and what changes."""
        ordered = sorted(self.rows, key=lambda row: (row.action != ERROR, row.number))
        return pd.DataFrame(
            [
                {
                    "Row": row.number,
                    "Action": row.action,
                    "Errors": " ".join(row.errors),
                    **{label: row.shown.get(label, "") for label in self.labels},
                    "Matches": row.record,
                    "Changes": "; ".join(row.changes),
                }
                for row in ordered
            ],
            columns=["Row", "Action", "Errors", *self.labels, "Matches", "Changes"],
        )


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int

    @property
    def message(self) -> str:
        return f"Created {self.created:,}, updated {self.updated:,}, unchanged {self.unchanged:,}."


# --- the public functions -----------------------------------------------------------------------


def template(kind: str) -> bytes:
    """A CSV file with just the heading row for ``kind``, for people to fill in."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerow(column.label for column in _columns(kind))
    return buffer.getvalue().encode("utf-8-sig")


@db.reads(db.RESEARCH)
def theme_names(session: Session, *, viewer: Viewer) -> list[str]:
    """The themes a project row may name, in the vocabulary's order."""
    permissions.require(viewer, permissions.IMPORT)
    return list(session.scalars(select(Theme.name).where(Theme.active).order_by(Theme.position, Theme.id)))


def plan(
    session: Session,
    *,
    viewer: Viewer,
    kind: str,
    data: bytes,
    filename: str,
    progress: Progress | None = None,
) -> ImportPlan:
    """The dry run of importing ``data``: never writes, so a read-only session will do.

    ``progress`` is called as the file is read and checked. Raises InvalidInput when the file cannot
    be read as a spreadsheet of ``kind`` (the sentence says why); row errors are in the plan.
    """
    permissions.require(viewer, permissions.IMPORT)
    table = _read(kind, data, filename, progress)
    return _plan_table(session, _checker(kind, table, preview=True), data, filename, progress)


def run(
    session: Session,
    *,
    viewer: Viewer,
    kind: str,
    data: bytes,
    filename: str,
    expected_signature: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``data`` all or nothing, if it still plans as previewed; audited. Use a write session.

    Raises InvalidInput, writing nothing, when any row has an error, and Conflict when the plan made
    now differs from the one whose ``signature`` the person saw. ``progress`` reports reading and
    checking, then "Saving…" once the write transaction has begun.
    """
    permissions.require(viewer, permissions.IMPORT)
    # Reading the file and checking its rows take seconds for a large file, so they come before the
    # write transaction, which on SQLite holds the one write lock that every other writer waits for.
    table = _read(kind, data, filename, progress)
    checker = _checker(kind, table, preview=False)
    checker.warm()
    with db.reading_beside(session) as reader:
        seen = db.current_revisions(reader, (db.RESEARCH,))
        planned = _plan_table(reader, checker, data, filename, progress)
    _lock(session, kind)
    # Every change to services, themes or projects moves this revision in its own transaction, so
    # an unmoved one means the plan still holds; otherwise plan again, now inside the transaction.
    if db.current_revisions(session, (db.RESEARCH,)) != seen:
        planned = _plan_table(session, checker, data, filename, progress)
    if planned.has_errors:
        count = planned.counts[ERROR]
        raise InvalidInput(
            f"{count:,} {'row has errors' if count == 1 else 'rows have errors'}, so nothing was imported; "
            "fix them in the file and import it again."
        )
    if planned.signature != expected_signature:
        raise Conflict(CHANGED)
    if progress:
        progress(1.0, f"Saving {_rows(planned.to_import)}…")
    write = _write_projects if kind == PROJECTS else _write_partners
    report = write(session, viewer, planned)
    # The bulk statements bypass the objects the session holds; they are read again when next used.
    # (Anything the caller changed was flushed by the first query above, so nothing is lost.)
    session.expire_all()
    audit.record(
        session,
        actor=viewer,
        action=f"{kind}_imported",
        entity_type="import",
        summary=f"{filename}: {report.created:,} created, {report.updated:,} updated, {report.unchanged:,} unchanged",
    )
    if report.created or report.updated:
        db.bump_revision(session, db.RESEARCH, db.FINDINGS)  # bulk statements pass the flush hook by
    return report


# --- reading and planning -----------------------------------------------------------------------


def _columns(kind: str) -> tuple[Column, ...]:
    if kind not in COLUMNS:
        raise InvalidInput("Choose what to import: partners or projects.")
    return COLUMNS[kind]


def _read(kind: str, data: bytes, filename: str, progress: Progress | None) -> Table:
    columns = _columns(kind)
    report = None
    if progress:
        # A CSV's line count is near its row count; a workbook's is unknown until read, so the row limit stands in.
        expected = max(data.count(b"\n"), 1) if not data.startswith(b"PK") else MAX_ROWS

        def report(count: int) -> None:
            progress(0.5 * min(count / expected, 1.0), f"Reading the file: {_rows(count)}")

    return read_table(data, filename, columns, max_rows=MAX_ROWS, progress=report)


def _checker(kind: str, table: Table, *, preview: bool) -> _ProjectChecker | _PartnerChecker:
    """The checks for ``kind``; ``preview`` adds the values as people will see them (the import itself needs none)."""
    return (_ProjectChecker if kind == PROJECTS else _PartnerChecker)(table, preview=preview)


def _plan_table(
    session: Session, checker: _ProjectChecker | _PartnerChecker, data: bytes, filename: str, progress: Progress | None
) -> ImportPlan:
    """Check every row against what is stored: the plan."""
    kind, table = checker.kind, checker.table
    columns = _columns(kind)
    checker.load(session)
    rows = []
    total = len(table.rows)
    for index, row in enumerate(table.rows):
        if progress and index % PROGRESS_EVERY == 0:
            progress(0.5 + 0.5 * index / total, f"Checking row {index + 1:,} of {total:,}")
        rows.append(checker.check(row))
    if progress:
        progress(1.0, f"Checked {_rows(total)}")
    counts = Counter(row.action for row in rows)
    return ImportPlan(
        kind=kind,
        filename=filename,
        rows=tuple(rows),
        notices=tuple(_notices(kind, table, columns)),
        counts={action: counts.get(action, 0) for action in ACTIONS},
        signature=_signature(kind, data, rows),
        labels=tuple(column.label for column in columns),
    )


def _rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


def _notices(kind: str, table: Table, columns: tuple[Column, ...]) -> Iterator[str]:
    if table.sheet_name is not None:
        yield f'Read the sheet "{table.sheet_name}" of the workbook.'
    if table.unknown_columns:
        names = ", ".join(f'"{name}"' for name in table.unknown_columns)
        yield f"These columns are not ones the importer knows, so they are left out: {names}."
    missing = [column.label for column in columns if column.key not in table.columns]
    if missing:
        yield (
            f"The file has no column for {', '.join(missing)}: new records leave "
            f"{'it' if len(missing) == 1 else 'them'} empty and records the file updates keep what they have."
        )
    if kind == PARTNERS and table.decimal_comma:
        yield (
            "The file is separated by semicolons, so a comma in a number is read as a decimal point (53,745 is 53.745)."
        )


def _signature(kind: str, data: bytes, rows: Iterable[PlannedRow]) -> str:
    digest = hashlib.sha256(f"{kind}\n".encode())
    digest.update(hashlib.sha256(data).digest())
    for row in rows:
        values = tuple(row.values.values()) if row.values else ()
        digest.update(
            f"{row.number}|{row.action}|{row.record_id}|{row.record_version}|{values!r}|{row.errors!r}\n".encode()
        )
    return digest.hexdigest()


def _lock(session: Session, kind: str) -> None:
    """Hold off other writers to the table being imported into until this transaction ends.

    SQLite: the write transaction already holds the database's one write lock from its first statement.
    PostgreSQL: readers carry on; other imports and edits of the same table wait, so the plan made
    next is still true when the rows are written.
    """
    if session.get_bind().dialect.name == "postgresql":
        table = "projects" if kind == PROJECTS else "partners"
        session.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))


# --- cells ----------------------------------------------------------------------------------------


class _Failed:
    """A field whose cell had an error: it is reported, and the row stores nothing."""

    def __repr__(self) -> str:
        return "FAILED"


FAILED = _Failed()


class _CellErrors(Exception):
    """Several sentences about one cell (a list of themes with two unknown ones)."""

    def __init__(self, sentences: list[str]) -> None:
        super().__init__(" ".join(sentences))
        self.sentences = sentences


def _text(value: object) -> str | None:
    """A cell as text: numbers as written (2024, not 2024.0), dates day first."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value)


class _Line:
    """One row being checked: collects every error, so a row reports all its mistakes at once."""

    __slots__ = ("cells", "errors")

    def __init__(self, row: Row) -> None:
        self.cells = row.values
        self.errors: list[str] = []

    def check(self, check: Callable, *args):
        """``check(*args)``, or FAILED with its sentence noted."""
        try:
            return check(*args)
        except InvalidInput as error:
            self.errors.append(str(error))
        return FAILED


class _Cell:
    """One column's check, run once per distinct cell: files repeat the same services, cycles, stages
    and dates on thousands of rows, and a 50,000-row file is checked twice (preview and import)."""

    def __init__(self, check: Callable[[object], object], label: str | None = None, *, pure: bool = True) -> None:
        self.check_cell = check
        self.pure = pure
        self.label = label  # prefixes a CellError, whose sentence does not say which column it is about
        self.results: dict[tuple[type, object], tuple[object, tuple[str, ...]]] = {}

    def __call__(self, line: _Line, cell: object):
        key = (type(cell), cell)  # 1, 1.0 and True are equal keys, but not the same cell
        result = self.results.get(key)
        if result is None:
            try:
                result = (self.check_cell(cell), ())
            except InvalidInput as error:
                result = (FAILED, (str(error),))
            except CellError as error:
                result = (FAILED, (f"{self.label}: {error}" if self.label else str(error),))
            except _CellErrors as error:
                result = (FAILED, tuple(error.sentences))
            self.results[key] = result
        if result[1]:
            line.errors.extend(result[1])
        return result[0]


class _Suggester:
    """Names close to a misspelt one, for "did you mean"."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = {name.casefold(): name for name in names if name}

    def __call__(self, text: str) -> str:
        folded = " ".join(text.split()).casefold()
        close = difflib.get_close_matches(folded, list(self.names), n=2, cutoff=SUGGESTION_CUTOFF)
        return " or ".join(repr(name) for name in dict.fromkeys(self.names[match] for match in close))


def _quoted(text: str) -> str:
    text = " ".join(text.split())
    return repr(text[:60] + "…" if len(text) > 60 else text)


def _optional_date(cell: object) -> dt.date | None:
    return None if cell is None else parse_date(cell)


def _date_text(value: dt.date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _shown(value: object, cell: object) -> str:
    """A checked value for the preview; for a cell with an error, the cell as written."""
    if value is FAILED:
        return _text(cell) or ""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return _date_text(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(getattr(value, "value", value))


# --- projects -------------------------------------------------------------------------------------


class _StoredProject(NamedTuple):
    id: int
    version: int
    values: dict  # PROJECT_FIELDS -> stored value (themes: slugs in the vocabulary's order)


class _Checker:
    """Checks of one kind of row: the cells first (``warm``, no database), then against what is stored (``load``)."""

    kind: str
    cells: dict[str, _Cell]

    def __init__(self, table: Table, *, preview: bool) -> None:
        self.table = table
        self.present = set(table.columns)
        self.preview = preview
        self.seen: dict = {}  # the rows so far, by what identifies their record: key -> row number

    def warm(self) -> None:
        """Run every check that needs no database over the file, so checking rows later only looks results up."""
        pure = [(key, cell) for key, cell in self.cells.items() if cell.pure and key in self.present]
        for row in self.table.rows:
            line = _Line(row)
            for key, cell in pure:
                cell(line, line.cells.get(key))

    def load(self, session: Session) -> None:
        """Load what rows are checked against; loading again starts the rows afresh."""
        for cell in self.cells.values():
            if not cell.pure:
                cell.results.clear()
        self.seen = {}


class _ProjectChecker(_Checker):
    """Checks project rows against the services, themes and projects, loaded once."""

    kind = PROJECTS

    def __init__(self, table: Table, *, preview: bool) -> None:
        super().__init__(table, preview=preview)
        self.cells = {
            "partner": _Cell(self.partner, pure=False),
            "cycle": _Cell(projects.normalise_cycle),
            "title": _Cell(lambda cell: projects.check_title(_text(cell))),
            "stage": _Cell(projects.stage_of),
            "themes": _Cell(self.themes, pure=False),
            "start_date": _Cell(_optional_date, "Start date"),
            "end_date": _Cell(_optional_date, "End date"),
            "lead_contact": _Cell(lambda cell: projects.check_lead_contact(_text(cell))),
            "research_question": _Cell(lambda cell: projects.check_research_question(_text(cell))),
            "summary": _Cell(lambda cell: projects.check_summary(_text(cell))),
        }

    def load(self, session: Session) -> None:
        super().load(session)
        self._load_partners(session)
        self._load_themes(session)
        self._load_projects(session)

    def _load_partners(self, session: Session) -> None:
        self.partner_names: dict[int, str] = {}
        # match key -> (rank, partner id): a name beats a slug, which beats a short name
        self.partner_keys: dict[str, list[tuple[int, int]]] = {}
        names = []
        for partner_id, name, short_name, slug in session.execute(
            select(Partner.id, Partner.name, Partner.short_name, Partner.slug)
        ):
            self.partner_names[partner_id] = name
            names += [name, short_name]
            for rank, written in enumerate((name, slug, short_name)):
                if written:
                    self.partner_keys.setdefault(header_key(written), []).append((rank, partner_id))
        self.suggest_partner = _Suggester(names)

    def _load_themes(self, session: Session) -> None:
        themes = session.execute(
            select(Theme.id, Theme.slug, Theme.name, Theme.active).order_by(Theme.position, Theme.id)
        ).all()
        self.theme_slugs = {theme.id: theme.slug for theme in themes}
        self.theme_names = {theme.slug: theme.name for theme in themes}
        self.theme_order = {theme.slug: position for position, theme in enumerate(themes)}
        # Rows may name active themes only, as the forms offer them; an archived one stays on the projects it is on.
        active = [theme for theme in themes if theme.active]
        self.theme_keys = {header_key(written): theme.slug for theme in active for written in (theme.slug, theme.name)}
        self.suggest_theme = _Suggester(theme.name for theme in active)

    def _load_projects(self, session: Session) -> None:
        stored_themes: dict[int, list[str]] = {}
        for project_id, theme_id in session.execute(select(project_themes.c.project_id, project_themes.c.theme_id)):
            stored_themes.setdefault(project_id, []).append(self.theme_slugs[theme_id])
        fields = [name for name in PROJECT_FIELDS if name != "themes"]
        # The stage as the text stored: equal to its ProjectStage, and read without the enum's slow check per row.
        columns = [type_coerce(Project.stage, String) if name == "stage" else getattr(Project, name) for name in fields]
        self.projects: dict[tuple[int, str, str], _StoredProject] = {}
        for project_id, version, partner_id, cycle, *values in session.execute(
            select(Project.id, Project.version, Project.partner_id, Project.cycle, *columns).order_by(Project.id)
        ):
            stored = dict(zip(fields, values, strict=True))
            slugs = stored_themes.get(project_id)
            stored["themes"] = tuple(sorted(slugs, key=self.theme_order.__getitem__)) if slugs else ()
            key = (partner_id, cycle, stored["title"].lower())
            if key not in self.projects:
                self.projects[key] = _StoredProject(project_id, version, stored)

    def partner(self, cell: object) -> int:
        """The service a row names, by name, slug or short name; a near miss is an error that suggests a name."""
        written = _text(cell)
        if written is None:
            raise InvalidInput("The partner service is empty; write the service's name, such as 'Cornwall'.")
        found = self.partner_keys.get(header_key(written))
        if found:
            best = min(rank for rank, _ in found)
            ids = sorted({partner_id for rank, partner_id in found if rank == best})
            if len(ids) > 1:
                names = " or ".join(repr(self.partner_names[partner_id]) for partner_id in ids)
                raise InvalidInput(f"{_quoted(written)} could be {names}; write the service's full name.")
            return ids[0]
        close = self.suggest_partner(written)
        if close:
            raise InvalidInput(f"Unknown partner {_quoted(written)}; did you mean {close}?")
        raise InvalidInput(
            f"Unknown partner {_quoted(written)}; write the name of a service on the partner map "
            "(a project import never adds services: import partners first)."
        )

    def themes(self, cell: object) -> tuple[str, ...]:
        """Theme names or slugs separated by semicolons, commas or line breaks; every unknown one is an error.

        Commas also appear inside theme names ("Pricing, remissions and instrument access"), so
        neighbouring pieces are joined back together whenever together they name a theme.
        """
        slugs: set[str] = set()
        unknown: list[str] = []
        for chunk in re.split(r"[;\n\r]+", _text(cell) or ""):
            pieces = [piece.strip() for piece in chunk.split(",")]
            start = 0
            while start < len(pieces):
                found = next(
                    (
                        (end, slug)
                        for end in range(len(pieces), start, -1)
                        if (slug := self.theme_keys.get(header_key(",".join(pieces[start:end]))))
                    ),
                    None,
                )
                if found:
                    start = found[0]
                    slugs.add(found[1])
                    continue
                if pieces[start]:
                    close = self.suggest_theme(pieces[start])
                    unknown.append(
                        f"Unknown theme {_quoted(pieces[start])}; "
                        + (
                            f"did you mean {close}?"
                            if close
                            else "use the theme names listed on the Import spreadsheets page, separated by semicolons."
                        )
                    )
                start += 1
        if unknown:
            raise _CellErrors(unknown)
        return tuple(sorted(slugs, key=self.theme_order.__getitem__))

    def check(self, row: Row) -> PlannedRow:
        line = _Line(row)
        cells, checks = line.cells, self.cells
        partner_id = checks["partner"](line, cells.get("partner"))
        cycle = checks["cycle"](line, cells.get("cycle"))
        title = checks["title"](line, cells.get("title"))
        stored = None
        if FAILED not in (partner_id, cycle, title):
            key = (partner_id, cycle, title.lower())
            first = self.seen.setdefault(key, row.number)
            if first != row.number:
                line.errors.append(
                    f"Repeats row {first} (the same partner, cycle and title); keep one of the two rows."
                )
            stored = self.projects.get(key)
        values = {"title": title, "stage": checks["stage"](line, cells.get("stage"))}
        for name in ("research_question", "themes", "start_date", "end_date", "lead_contact", "summary"):
            if name in self.present:
                values[name] = checks[name](line, cells.get(name))
            else:  # a column the file does not have: kept as stored, or empty on a new project
                values[name] = stored.values[name] if stored else (() if name == "themes" else None)
        start, end = values["start_date"], values["end_date"]
        if start is not FAILED and start is not None and line.check(projects.check_dates, start, None) is FAILED:
            start = FAILED
        if end is not FAILED and end is not None and line.check(projects.check_dates, None, end) is FAILED:
            end = FAILED
        if start and end and FAILED not in (start, end):
            line.check(projects.check_dates, start, end)

        shown = {}
        if self.preview:
            shown = {
                "Partner": self.partner_names[partner_id]
                if partner_id is not FAILED
                else _shown(FAILED, cells.get("partner")),
                "Cycle": _shown(cycle, cells.get("cycle")),
                "Title": _shown(title, cells.get("title")),
                "Stage": _shown(values["stage"], cells.get("stage")),
                "Research question": _shown(values["research_question"], cells.get("research_question")),
                "Themes": "; ".join(map(self.theme_names.__getitem__, values["themes"]))
                if values["themes"] is not FAILED
                else _shown(FAILED, cells.get("themes")),
                "Start date": _shown(values["start_date"], cells.get("start_date")),
                "End date": _shown(values["end_date"], cells.get("end_date")),
                "Lead contact": _shown(values["lead_contact"], cells.get("lead_contact")),
                "Summary": _shown(values["summary"], cells.get("summary")),
            }
        if line.errors:
            return PlannedRow(row.number, ERROR, tuple(line.errors), shown)
        record = {"partner_id": partner_id, "cycle": cycle, **values}
        if stored is None:
            return PlannedRow(row.number, CREATE, (), shown, values=record)
        changed = [name for name in PROJECT_FIELDS if stored.values[name] != values[name]]
        return PlannedRow(
            row.number,
            UPDATE if changed else UNCHANGED,
            (),
            shown,
            changes=tuple(projects.describe_change(name, stored.values[name], values[name]) for name in changed),
            changed=frozenset(changed),
            record_id=stored.id,
            record_version=stored.version,
            values=record,
            record=f"project #{stored.id}: {stored.values['title']}",
        )


def _write_projects(session: Session, viewer: Viewer, planned: ImportPlan) -> ImportReport:
    """Write the planned creates and updates with multi-row statements, each with a line on the project's history.

    New projects go in without RETURNING (several times faster) and their ids and history lines come
    from the table after: no one else can add a project meanwhile (``_lock``), so the new rows are
    those past the old highest id.
    """
    table = Project.__table__
    stamp = db.inline(session, clock.now(), UTCDateTime())
    creates = [row for row in planned.rows if row.action == CREATE]
    updates = [row for row in planned.rows if row.action == UPDATE]
    fields = [name for name in PROJECT_FIELDS if name != "themes"]
    theme_ids = dict(session.execute(select(Theme.slug, Theme.id)).all())
    source = f" (imported from {planned.filename})"
    links = []
    if creates:
        before = session.scalar(select(func.max(Project.id))) or 0
        session.execute(
            insert(table).values(created_at=stamp, updated_at=stamp, version=1, is_example=False),
            [
                {"partner_id": row.values["partner_id"], "cycle": row.values["cycle"]} | _fields(row, fields)
                for row in creates
            ],
        )
        new = select(Project.id).where(Project.id > before)
        audit.record_from_select(
            session,
            actor=viewer,
            rows=select(
                literal("project_created").label("action"),
                literal("project").label("entity_type"),
                Project.id.label("entity_id"),
                (
                    Project.title
                    + ": created in "
                    + Project.cycle
                    + " at stage "
                    + cast(Project.stage, String)
                    + source
                ).label("summary"),
            ).where(Project.id.in_(new)),
        )
        if any(row.values["themes"] for row in creates):
            ids = {
                (partner_id, cycle, title.lower()): project_id
                for project_id, partner_id, cycle, title in session.execute(
                    select(Project.id, Project.partner_id, Project.cycle, Project.title).where(Project.id > before)
                )
            }
            for row in creates:
                project_id = ids[(row.values["partner_id"], row.values["cycle"], row.values["title"].lower())]
                links += [{"project_id": project_id, "theme_id": theme_ids[slug]} for slug in row.values["themes"]]
    if updates:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values({name: bindparam(f"b_{name}") for name in fields})
            .values(updated_at=stamp, version=table.c.version + 1),
            [
                {"b_id": row.record_id, "b_version": row.record_version}
                | {f"b_{name}": value for name, value in _fields(row, fields).items()}
                for row in updates
            ],
        )
        retheme = [row for row in updates if "themes" in row.changed]
        for start in range(0, len(retheme), CHUNK):
            ids = [row.record_id for row in retheme[start : start + CHUNK]]
            session.execute(delete(project_themes).where(project_themes.c.project_id.in_(ids)))
        links += [
            {"project_id": row.record_id, "theme_id": theme_ids[slug]}
            for row in retheme
            for slug in row.values["themes"]
        ]
        audit.record_many(
            session,
            actor=viewer,
            events=(
                (
                    "project_changed",
                    "project",
                    row.record_id,
                    f"{row.values['title']}: {'; '.join(row.changes)}{source}",
                )
                for row in updates
            ),
        )
    if links:
        session.execute(insert(project_themes), links)
    return ImportReport(len(creates), len(updates), planned.counts[UNCHANGED])


def _fields(row: PlannedRow, fields: list[str]) -> dict:
    return {name: row.values[name] for name in fields}


# --- partners -------------------------------------------------------------------------------------


class _StoredPartner(NamedTuple):
    id: int
    version: int
    name: str
    values: dict  # PARTNER_FIELDS -> stored value


class _PartnerChecker(_Checker):
    """Checks partner rows against the services, loaded once."""

    kind = PARTNERS

    def __init__(self, table: Table, *, preview: bool) -> None:
        super().__init__(table, preview=preview)

        def number(cell: object) -> float | None:
            return None if cell is None else parse_number(cell, decimal_comma=table.decimal_comma)

        def text_check(check: Callable[[str | None], object]) -> _Cell:
            return _Cell(lambda cell: check(_text(cell)))

        self.cells = {
            "name": text_check(partners.check_name),
            "short_name": text_check(lambda text: text and partners.check_short_name(text)),
            **{
                name: text_check(lambda text, name=name: partners.check_text(name, text))
                for name in partners.TEXT_FIELDS
            },
            "website": text_check(partners.check_website),
            "contact_email": text_check(check_email),
            "latitude": _Cell(number, "Latitude"),
            "longitude": _Cell(number, "Longitude"),
        }

    def load(self, session: Session) -> None:
        super().load(session)
        self.stored: dict[str, _StoredPartner] = {}  # match key of a name or slug -> the service
        by_slug = {}
        for partner in session.execute(
            select(
                Partner.id, Partner.version, Partner.name, Partner.slug, *map(Partner.__table__.c.get, PARTNER_FIELDS)
            )
        ):
            stored = _StoredPartner(
                partner.id, partner.version, partner.name, {name: getattr(partner, name) for name in PARTNER_FIELDS}
            )
            self.stored[header_key(partner.name)] = stored
            by_slug[header_key(partner.slug)] = stored
        for key, stored in by_slug.items():  # a name wins over another service's slug
            self.stored.setdefault(key, stored)

    def check(self, row: Row) -> PlannedRow:
        line = _Line(row)
        cells = line.cells
        name = self.cells["name"](line, cells.get("name"))
        stored = None
        if name is not FAILED:
            key = header_key(name)
            first = self.seen.setdefault(key, row.number)
            if first != row.number:
                line.errors.append(f"Repeats row {first} (the same service name); keep one of the two rows.")
            stored = self.stored.get(key)
            name = stored.name if stored else name  # an import finds services by name and never renames one
        values = {}
        for field_name in PARTNER_FIELDS:
            if field_name not in self.present:  # a column the file does not have: kept as stored, or empty
                values[field_name] = stored.values[field_name] if stored else None
            else:
                values[field_name] = self.cells[field_name](line, cells.get(field_name))
        if values["short_name"] is None:  # as the seed does: a service without a short name is labelled by its name
            values["short_name"] = name
        latitude, longitude = values["latitude"], values["longitude"]
        if FAILED not in (latitude, longitude):
            position = line.check(partners.check_position, latitude, longitude)
            if position is FAILED:
                values["latitude"] = values["longitude"] = FAILED

        shown = {}
        if self.preview:
            shown = {"Name": _shown(name, cells.get("name"))} | {
                column.label: _shown(values[column.key], cells.get(column.key)) for column in PARTNER_COLUMNS[1:]
            }
        if line.errors:
            return PlannedRow(row.number, ERROR, tuple(line.errors), shown)
        if stored is None:
            return PlannedRow(row.number, CREATE, (), shown, values={"name": name, **values})
        changed = [field_name for field_name in PARTNER_FIELDS if stored.values[field_name] != values[field_name]]
        return PlannedRow(
            row.number,
            UPDATE if changed else UNCHANGED,
            (),
            shown,
            changes=tuple(
                partners.describe_change(field_name, stored.values[field_name], values[field_name])
                for field_name in changed
            ),
            changed=frozenset(changed),
            record_id=stored.id,
            record_version=stored.version,
            values={"name": name, **values},
            record=f"{stored.name} (#{stored.id})",
        )


def slug_for(name: str, taken: set[str]) -> str:
    """A new service's slug: its name in lower-case ASCII words joined by hyphens, not in ``taken``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:70] or "partner"
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _write_partners(session: Session, viewer: Viewer, planned: ImportPlan) -> ImportReport:
    """Write the planned services with multi-row statements, each audited before -> after."""
    table = Partner.__table__
    stamp = db.inline(session, clock.now(), UTCDateTime())
    creates = [row for row in planned.rows if row.action == CREATE]
    updates = [row for row in planned.rows if row.action == UPDATE]
    source = f" (imported from {planned.filename})"
    history = []
    if creates:
        before = session.scalar(select(func.max(Partner.id))) or 0
        taken = set(session.scalars(select(Partner.slug)))
        records = []
        for row in creates:
            records.append(row.values | {"slug": slug_for(row.values["name"], taken)})
            taken.add(records[-1]["slug"])
        session.execute(
            insert(table).values(created_at=stamp, updated_at=stamp, version=1, is_example=False, active=True), records
        )
        # No one else can add a service meanwhile (``_lock``): the new rows are those past the old highest id.
        ids = dict(session.execute(select(Partner.slug, Partner.id).where(Partner.id > before)).all())
        history += [
            ("partner_created", "partner", ids[record["slug"]], f"{record['name']}: added{source}")
            for record in records
        ]
    if updates:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
            .values({name: bindparam(f"b_{name}") for name in PARTNER_FIELDS})
            .values(updated_at=stamp, version=table.c.version + 1),
            [
                {"b_id": row.record_id, "b_version": row.record_version}
                | {f"b_{name}": row.values[name] for name in PARTNER_FIELDS}
                for row in updates
            ],
        )
        history += [
            ("partner_changed", "partner", row.record_id, f"{row.values['name']}: {'; '.join(row.changes)}{source}")
            for row in updates
        ]
    audit.record_many(session, actor=viewer, events=history)
    return ImportReport(len(creates), len(updates), planned.counts[UNCHANGED])
