"""``python -m ctdash``: set up, inspect and fill the database from a terminal."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import click
from sqlalchemy import Engine, func, select

from ctdash import backup as backup_service
from ctdash import demo, imports
from ctdash import export as export_service
from ctdash import report as report_service
from ctdash.config import get_settings
from ctdash.db import check_connection, head_revision, make_engine, schema_revision, session_scope
from ctdash.errors import CtdashError
from ctdash.files import write_atomically
from ctdash.models import (
    Attachment,
    AuditEvent,
    Comment,
    Finding,
    Partner,
    PartnerRole,
    Project,
    Role,
    Theme,
    User,
)
from ctdash.passwords import PASSWORD_RULE, check_password_strength
from ctdash.seed import initialise
from ctdash.users import USERNAME_RULE, create_user_from_cli
from ctdash.viewer import Viewer


def user_errors(command):
    """Show ctdash's own errors as one line, as click does, instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except CtdashError as error:
            raise click.ClickException(getattr(error, "detail", None) or str(error)) from None

    return wrapper


# The command line acts with the database owner's rights: it sees every finding.
OWNER = Viewer(role=Role.ADMIN, name="command line")


def _engine() -> Engine:
    return make_engine(get_settings().database_url)


@click.group(help="Changing Tracks dashboard: manage the database behind the app.")
def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # the one-line messages below say all a terminal user needs


@main.command(
    help="Create or upgrade the database schema and add the real partner services and themes. "
    "Safe to run again: it never overwrites edits made in the app."
)
@user_errors
def init() -> None:
    engine = _engine()
    report = initialise(engine)
    click.echo(f"Database ready at {get_settings().display_url} (schema {schema_revision(engine)}).")
    click.echo(
        f"Added {report.partners_added} partner services and {report.themes_added} themes."
        if report.changed
        else "Nothing to add: the seed data is already there."
    )


@main.command(
    help="Load the fictional example dataset (services, projects, findings, comments, attachments, a session), "
    "labelled 'Example data' everywhere in the app. With --remove, take it out again."
)
@click.option(
    "--remove",
    is_flag=True,
    help="Delete all example data. Refuses, deleting nothing, while real records (comments, attachments, "
    "findings, projects, accounts) depend on it.",
)
@user_errors
def demo_command(remove: bool) -> None:
    engine = _engine()
    initialise(engine)
    with session_scope(engine) as session:
        report = demo.remove(session) if remove else demo.load(session)
    if report.empty:
        click.echo("No example data to remove." if remove else "The example data is already loaded.")
        return
    click.echo(f"{'Removed' if remove else 'Loaded'} example data: {report.summary}.")


demo_command.name = "demo"


@main.command(help="Show the database URL (password hidden), the schema revision and row counts.")
@user_errors
def info() -> None:
    settings = get_settings()
    engine = _engine()
    click.echo(f"Database: {settings.display_url}")
    current = schema_revision(engine)
    head = head_revision()
    click.echo(
        f"Schema:   {current or 'empty'}"
        + ("" if current == head else f" (latest is {head}; run `python -m ctdash init`)")
    )
    if current is None:
        return
    with session_scope(engine) as session:
        for label, model in [
            ("partner services", Partner),
            ("partner roles", PartnerRole),
            ("themes", Theme),
            ("projects", Project),
            ("findings", Finding),
            ("attachments", Attachment),
            ("comments", Comment),
            ("users", User),
            ("audit events", AuditEvent),
        ]:
            total = session.scalar(select(func.count()).select_from(model))
            line = f"  {label:<17}{total:>8}"
            if hasattr(model, "is_example"):
                examples = session.scalar(select(func.count()).select_from(model).where(model.is_example))
                if examples:
                    line += f"  ({examples} example)"
            click.echo(line)


@main.command(
    help="Check that the app can work: the database answers and its schema is the latest. Exits 0 and prints "
    "one line when healthy, or exits 1 saying what is wrong: for a service manager's or container's health check."
)
@user_errors
def health() -> None:
    engine = _engine()
    check_connection(engine)  # DatabaseUnavailable: its one line says what to check
    current = schema_revision(engine)
    head = head_revision()
    if current != head:
        raise click.ClickException(
            f"The database's schema is {current or 'empty'}, not the latest ({head}): run `python -m ctdash init`."
        )
    click.echo(f"Healthy: {get_settings().display_url} answers, schema {head}.")


@main.command(
    "create-user",
    help="Add a person who can sign in. The password is asked for twice, hidden; "
    "it is never taken on the command line.",
)
@click.option("--username", prompt=True, help=USERNAME_RULE)
@click.option("--name", "display_name", prompt="Name shown to others", help="Their name as others see it.")
@click.option("--email", default="", help="Their email address (optional).")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    required=True,
    help="admin: programme team; facilitator: moderates and presents; member: one partner service.",
)
@click.option(
    "--partner", "partner_name", default=None, help="For members: the partner service they belong to, e.g. Cornwall."
)
@user_errors
def create_user(username: str, display_name: str, email: str, role: str, partner_name: str | None) -> None:
    def checked(password: str) -> str:
        try:
            check_password_strength(password, username=username)
        except CtdashError as error:
            raise click.BadParameter(str(error)) from None
        return password

    password = click.prompt(
        f"Password ({PASSWORD_RULE})", hide_input=True, confirmation_prompt=True, value_proc=checked
    )
    engine = _engine()
    initialise(engine)
    with session_scope(engine) as session:
        account = create_user_from_cli(
            session,
            username=username,
            display_name=display_name,
            email=email or None,
            role=role,
            partner_name=partner_name,
            password=password,
        )
    where = f" of {account.partner_name}" if account.partner_name else ""
    click.echo(f"Created {account.role.value} {account.username}{where}. They can sign in now.")


@main.command(
    "import",
    help="Import partner services or research projects from a spreadsheet (.xlsx or .csv). Every row is "
    "checked first and every error printed; if any row has one, nothing is imported. Rows matching a stored "
    "record update it. Audited as done from the command line.",
)
@click.argument("kind", type=click.Choice(imports.KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and say what importing would do, importing nothing.")
@user_errors
def import_command(kind: str, file: Path, dry_run: bool) -> None:
    engine = _engine()
    initialise(engine)
    viewer = Viewer(role=Role.ADMIN, name="command line")
    data = file.read_bytes()
    with session_scope(engine, read_only=True) as session:
        plan = imports.plan(session, viewer=viewer, kind=kind, data=data, filename=file.name)
    for notice in plan.notices:
        click.echo(notice)
    for line in plan.error_lines():
        click.echo(line)
    click.echo(plan.summary())
    if plan.has_errors:
        raise click.ClickException("Nothing was imported: correct the rows above and run the command again.")
    if dry_run:
        click.echo("Dry run: nothing was imported.")
        return
    with session_scope(engine) as session:
        report = imports.run(
            session, viewer=viewer, kind=kind, data=data, filename=file.name, expected_signature=plan.signature
        )
    click.echo(report.message)


class UsageProblem(click.ClickException):
    """A mistake in how a command was called: one line, exit status 2, as click's own usage errors."""

    exit_code = 2


@main.group(help="Write what the database holds to a spreadsheet.")
def export() -> None:
    pass


@export.command(
    "findings",
    help="Write every finding, with the database owner's rights (drafts and working-group-only findings "
    "included), in order of reference, to FILE: a .xlsx workbook (a Findings sheet and an Attachments "
    "sheet listing every file) or a .csv of the findings alone (attachments counted). Text that a "
    "spreadsheet would run as a formula starts with a quote. FILE is written owner-only, and replaced "
    "only once it is complete.",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--published-only", is_flag=True, help="Only published findings (public and working-group-only ones).")
@user_errors
def export_findings(file: Path, published_only: bool) -> None:
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise UsageProblem(
            f"Name the file with .xlsx (a workbook that also lists the attachments) or .csv (the findings "
            f"only), for example findings.xlsx; '{file.name}' is neither."
        )
    if not file.parent.is_dir():
        raise click.ClickException(_unwritable(file, "the folder does not exist"))
    engine = _engine()
    initialise(engine)
    with session_scope(engine, read_only=True) as session:
        ids = export_service.all_finding_ids(session, published_only=published_only)
        tables = export_service.findings_tables(session, viewer=OWNER, finding_ids=ids)
    data = export_service.to_xlsx(tables) if suffix == ".xlsx" else export_service.findings_csv(tables)
    try:
        write_atomically(file, data)
    except OSError as error:
        raise click.ClickException(_unwritable(file, (error.strerror or str(error)).lower())) from None
    findings_written = _count(len(tables.findings), "finding")
    files = _count(len(tables.attachments), "attachment")
    if suffix == ".xlsx":
        click.echo(f"Wrote {findings_written} and {files} to {file}.")
    else:
        click.echo(f"Wrote {findings_written} to {file} (with {files} counted per finding; .xlsx lists them).")


@main.command(
    help="Write the programme report on CYCLE (an academic year such as 2024-25) to FILE: a .docx Word "
    "document or a .pdf. It counts published content only: partner services and their roles, research "
    "projects by stage, published findings by kind and theme with charts, the highlights facilitators "
    "chose and the working-group sessions held. FILE is replaced only once it is complete.",
)
@click.argument("cycle")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@user_errors
def report(cycle: str, file: Path) -> None:
    suffix = file.suffix.lower()
    if suffix not in (".docx", ".pdf"):
        raise UsageProblem(
            f"Name the file with .docx (a Word document) or .pdf, for example report-{cycle}.docx; "
            f"'{file.name}' is neither."
        )
    try:
        cycle = report_service.check_cycle(cycle)
    except CtdashError as error:
        raise UsageProblem(str(error)) from None
    if not file.parent.is_dir():
        raise click.ClickException(_unwritable(file, "the folder does not exist"))
    engine = _engine()
    initialise(engine)
    with session_scope(engine, read_only=True) as session:
        gathered = report_service.gather(session, cycle)
    data = report_service.to_docx(gathered) if suffix == ".docx" else report_service.to_pdf(gathered)
    try:
        write_atomically(file, data)
    except OSError as error:
        raise click.ClickException(_unwritable(file, (error.strerror or str(error)).lower())) from None
    click.echo(
        f"Wrote the {cycle} report to {file}: {_count(gathered.findings, 'published finding')}, "
        f"{_count(gathered.projects, 'research project')}, {_count(len(gathered.highlights), 'highlight')} "
        f"and {_count(len(gathered.sessions), 'session')} held."
    )


@main.command(
    "backup",
    help="Copy the SQLite database to FILE (a new file, owner-only) while the app keeps running: one "
    "consistent moment, checked after copying. For PostgreSQL it prints the pg_dump command to use instead.",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@user_errors
def backup_command(file: Path) -> None:
    engine = _engine()
    if not backup_service.is_sqlite(engine):
        _postgres_instead(engine, file, "back it up")
    try:
        copy = backup_service.backup(engine, file)
    except OSError as error:
        raise click.ClickException(_unwritable(file, (error.strerror or str(error)).lower())) from None
    click.echo(
        f"Backed up {get_settings().display_url} to {copy.path}: schema {copy.schema}, "
        f"{_count(copy.findings, 'finding')}, {copy.size_bytes / 1_048_576:.1f} MB."
    )


@main.command(
    "restore",
    help="Replace everything in the SQLite database with the backup in FILE, made by `backup`. The backup is "
    "checked first; the schema is then brought up to date. For PostgreSQL it prints the pg_restore command.",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@user_errors
def restore_command(file: Path, yes: bool) -> None:
    engine = _engine()
    if not backup_service.is_sqlite(engine):
        _postgres_instead(engine, file, "restore it")
    where = get_settings().display_url
    if not yes:
        click.confirm(f"Replace everything in {where} with {file}? Changes made since that backup are lost", abort=True)
    copy = backup_service.restore(engine, file)
    click.echo(
        f"Restored {where} from {copy.path} ({_count(copy.findings, 'finding')}; schema now {head_revision()}). "
        "People signed in since the backup was made must sign in again."
    )


def _postgres_instead(engine: Engine, file: Path, doing: str) -> None:
    dump, restore_line = backup_service.postgres_commands(engine.url, str(file))
    raise click.ClickException(
        f"This database is PostgreSQL: {doing} with PostgreSQL's own tools, which work while the app runs "
        f"(the password comes from PGPASSWORD or ~/.pgpass):\n  {dump if doing.startswith('back') else restore_line}"
    )


def _unwritable(file: Path, reason: str) -> str:
    return f"Could not write {file}: {reason}; choose a file in a folder that exists and that you may write to."


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"
