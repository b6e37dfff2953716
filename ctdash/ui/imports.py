"""The Import spreadsheets page: what to import, the dry run kept per file, the preview and the import itself.

The dry run of a file is kept in session state, keyed by the file's hash, the kind of import and
the data revision, so a rerun (choosing a filter, say) never checks 50,000 rows again, while any
change to what is stored plans the file afresh. The import button is keyed by the plan's
signature: a click on a button drawn for an older preview is never taken for the new one.
"""

from __future__ import annotations

import hashlib

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from ctdash import db, export, imports, projects
from ctdash.config import get_settings
from ctdash.errors import Conflict, InvalidInput
from ctdash.format import plain
from ctdash.ui.database import open_session, read_session
from ctdash.ui.shell import done
from ctdash.viewer import Viewer

KIND_LABELS = {imports.PROJECTS: "Research projects", imports.PARTNERS: "Partner services"}
PLAN = "_ctdash_import_plan"  # (key, plan, preview frame made safe for the grid)
NOTICE = "_ctdash_import_notice"  # why the last import did not run, shown over the new preview
UPLOADER = "_ctdash_import_uploader"  # a new uploader after each import, so the page starts afresh
SHOW = {
    "all": "All rows",
    imports.ERROR: "With errors",
    imports.CREATE: "To create",
    imports.UPDATE: "To update",
    imports.UNCHANGED: "Unchanged",
}
GUIDE = {
    imports.PROJECTS: """
- **Partner**: the service's name or short name, as on the partner map. A project import never adds
  a service: import partner services first.
- **Cycle**: the academic year, like 2024-25 (2024/25 and 24-25 are read the same way).
- **Stage**: one of {stages}.
- **Themes**: theme names from the list below, separated by semicolons.
- **Start date** and **End date**: day first, like 01/09/2024, or date cells.
- A row with the same partner, cycle and title as a stored project updates that project; any other
  row adds a project.
""",
    imports.PARTNERS: """
- **Name**: a row whose name matches a stored service updates it (an import never renames a
  service); any other row adds a service.
- **Short name**: the map label; the name when left empty.
- **Latitude** and **Longitude**: decimal degrees inside the UK, like 53.745 and -0.336. A file
  separated by semicolons may write them with decimal commas (53,745).
- **Website**: a full address starting with https://.
""",
}


def choose_kind() -> str:
    kind = st.segmented_control(
        "What to import",
        list(KIND_LABELS),
        format_func=KIND_LABELS.get,
        default=imports.PROJECTS,
        key="import_kind",
    )
    return kind or imports.PROJECTS  # the control lets people unselect everything


def explain(kind: str, themes: list[str]) -> None:
    """The columns the importer reads, the limits, and a template to fill in."""
    columns = imports.COLUMNS[kind]
    required = ", ".join(column.label for column in columns if column.required)
    optional = ", ".join(column.label for column in columns if not column.required)
    st.markdown(f"The first row names the columns. **Needed:** {required}. **Optional:** {optional}.")
    st.markdown(GUIDE[kind].format(stages=", ".join(stage.value for stage in projects.STAGES)))
    st.caption(
        "Columns the file does not have are left as they are on the records it updates; an empty cell "
        "empties that field. Other columns are left out. Nothing is imported until every row is right, "
        f"and then everything is imported at once. Up to {imports.MAX_ROWS:,} rows and "
        f"{get_settings().upload_max_mb} MB a file (an .xlsx is several times smaller than the same CSV)."
    )
    left, right = st.columns([1, 2])
    left.download_button(
        "Download a template",
        imports.template(kind),
        file_name=f"ctdash-{kind}-template.csv",
        mime="text/csv",
        key=f"import_template_{kind}",
        icon=":material/download:",
        help="A CSV file with just the heading row.",
    )
    if kind == imports.PROJECTS:
        with right.expander("Themes"):
            st.markdown("\n".join(f"- {plain(name)}" for name in themes))


def uploader(kind: str) -> UploadedFile | None:
    return st.file_uploader(
        "Spreadsheet (.xlsx or .csv)",
        type=["csv", "xlsx"],
        key=f"import_file_{kind}_{st.session_state.get(UPLOADER, 0)}",
    )


def show_notice() -> None:
    """Why the last import did not run, once."""
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.error(plain(notice), icon=":material/sync_problem:")


def dry_run(viewer: Viewer, kind: str, upload: UploadedFile) -> imports.ImportPlan:
    """The plan for this file, made once per file, kind and data revision; a progress bar while it is made."""
    data = upload.getvalue()
    with read_session() as session:
        revision = db.current_revisions(session, (db.RESEARCH,))
    key = (hashlib.sha256(data).hexdigest(), kind, upload.name, revision)
    kept = st.session_state.get(PLAN)
    if kept and kept[0] == key:
        return kept[1]
    st.session_state.pop(PLAN, None)
    bar = st.progress(0.0, text="Reading the file…")
    try:
        with read_session() as session:
            plan = imports.plan(
                session,
                viewer=viewer,
                kind=kind,
                data=data,
                filename=upload.name,
                progress=lambda fraction, text: bar.progress(fraction, text=text),
            )
    finally:
        bar.empty()
    st.session_state[PLAN] = (key, plan, export.spreadsheet_safe(plan.preview()))
    return plan


def show_plan(plan: imports.ImportPlan) -> None:
    """What importing would do: notices, counts, and every row, those with errors first."""
    for notice in plan.notices:
        st.info(plain(notice), icon=":material/info:")
    st.markdown(f"**{plain(plan.summary())}**")
    if plan.has_errors:
        count = plan.counts[imports.ERROR]
        rows = "the row with errors is" if count == 1 else f"the {count:,} rows with errors are"
        st.error(
            f"Nothing will be imported until {rows} fixed: correct the file and upload it again.",
            icon=":material/error:",
        )
    if not plan.rows:
        return
    frame = st.session_state[PLAN][2]
    choices = ["all"] + [action for action in imports.ACTIONS if plan.counts[action]]
    show = st.segmented_control(
        "Show",
        choices,
        format_func=lambda choice: f"{SHOW[choice]} ({len(plan.rows) if choice == 'all' else plan.counts[choice]:,})",
        default="all",
        key="import_show",
    )
    shown = frame if show in (None, "all") else frame[frame["Action"] == show]
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="import_preview",
        column_config={
            "Row": st.column_config.NumberColumn(width="small", format="%d"),
            "Errors": st.column_config.TextColumn(width="large"),
            "Changes": st.column_config.TextColumn(width="large"),
        },
    )


def import_button(plan: imports.ImportPlan) -> bool:
    """The button that imports what the preview shows, when there is something to import and no error."""
    if plan.has_errors or not plan.rows:
        return False
    if not plan.to_import:
        st.info("Nothing to import: every row matches what is stored.", icon=":material/check:")
        return False
    rows = "row" if plan.to_import == 1 else "rows"
    return st.button(
        f"Import {plan.to_import:,} {rows}",
        type="primary",
        icon=":material/upload:",
        key=f"import_run_{plan.signature[:16]}",
    )


def run_import(viewer: Viewer, kind: str, upload: UploadedFile, plan: imports.ImportPlan) -> None:
    """Import the previewed file; if the data changed meanwhile, plan again and say so over the new preview."""
    refused = None
    bar = st.progress(0.0, text="Importing…")
    with open_session() as session:
        try:
            report = imports.run(
                session,
                viewer=viewer,
                kind=kind,
                data=upload.getvalue(),
                filename=upload.name,
                expected_signature=plan.signature,
                progress=lambda fraction, text: bar.progress(fraction, text=text),
            )
        except (Conflict, InvalidInput) as error:  # raised before anything is written
            refused = str(error)
    st.session_state.pop(PLAN, None)
    if refused:
        st.session_state[NOTICE] = refused
        st.rerun()
    st.session_state[UPLOADER] = st.session_state.get(UPLOADER, 0) + 1
    what = KIND_LABELS[kind].lower()
    done(
        f"Imported {what} from {upload.name}: created {report.created:,}, updated {report.updated:,}"
        + (f", {report.unchanged:,} unchanged." if report.unchanged else ".")
    )
