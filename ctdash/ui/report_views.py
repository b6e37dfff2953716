"""The Programme report page's parts: the numbers, choosing highlights, and building the files."""

from __future__ import annotations

import streamlit as st

from ctdash import report
from ctdash.format import label, plain
from ctdash.ui.database import open_session, read
from ctdash.ui.errors import user_errors
from ctdash.ui.shell import done
from ctdash.viewer import Viewer

NOTE_KEY = "report_highlight_note"
PICK_KEY = "report_highlight_pick"
FILES = {"docx": ("Word report", ":material/description:"), "pdf": ("PDF report", ":material/picture_as_pdf:")}


def preview(gathered: report.ProgrammeReport) -> None:
    """The report's headline numbers, as the files will give them."""
    columns = st.columns(len(gathered.numbers))
    for column, (name, value) in zip(columns, gathered.numbers, strict=True):
        column.metric(name, value.split(" ")[0])
    kinds = ", ".join(
        f"{count.total} {count.label}{'s' if count.total != 1 else ''}" for count in gathered.findings_by_kind
    )
    st.caption(
        f"Published findings: {kinds}. {plain(gathered.stage_text())} "
        "Drafts, findings under review or returned, and example data are never counted."
    )


def highlights(choices: tuple[report.Choice, ...], *, viewer: Viewer, cycle: str) -> None:
    """The cycle's highlights with a Remove button each, and a form to add one of its published findings."""
    st.subheader("Highlights")
    chosen = [choice for choice in choices if choice.chosen]
    if not choices:
        st.info(f"No finding of {cycle} is published yet, so there is nothing to choose as a highlight.")
        return
    if not chosen:
        st.caption("No highlights yet: add the findings the funder should hear about, each with a note on why.")
    for choice in chosen:
        with st.container(border=True, key=f"highlight_{choice.finding_id}"):
            text, button = st.columns([5, 1], vertical_alignment="center")
            text.markdown(
                f"**{plain(choice.title)}**  \n:small[:gray[{plain(choice.partner)} · {label(choice.kind)}]]"
                + (f"  \n{plain(choice.note)}" if choice.note else "")
            )
            if button.button("Remove", key=f"highlight_drop_{choice.finding_id}", icon=":material/close:"):
                with open_session() as session:
                    report.drop_highlight(session, choice.finding_id, viewer=viewer)
                done(f"Removed “{choice.title}” from the highlights.")
    others = [choice for choice in choices if not choice.chosen]
    if not others:
        return
    with st.form("report_highlight_add", border=True):
        names = {choice.finding_id: f"{choice.title} ({choice.partner})" for choice in others}
        picked = st.selectbox(
            "Published finding",
            list(names),
            format_func=names.get,
            key=PICK_KEY,
            index=None,
            placeholder="Choose a finding",
        )
        note = st.text_area("Why it matters (for the report)", key=NOTE_KEY, max_chars=report.MAX_NOTE, height=90)
        if st.form_submit_button("Add to the highlights", icon=":material/star:"):
            if picked is None:
                st.error("Choose a published finding to add, then press Add again.")
                return
            with open_session() as session:
                report.choose_highlight(session, picked, viewer=viewer, note=note)
            st.session_state.pop(NOTE_KEY, None)
            st.session_state.pop(PICK_KEY, None)
            done(f"Added “{names[picked]}” to the highlights.")


def downloads(cycle: str) -> None:
    """Build the Word and PDF files with their steps shown, then offer them; a second build is instant (cached)."""
    st.subheader("Download the report")
    columns = st.columns(2)
    for column, (kind, (name, icon)) in zip(columns, FILES.items(), strict=True):
        built = f"report_{kind}_built"
        with column:
            if st.session_state.get(built) != cycle:
                if not st.button(f"Build the {name}", key=f"report_build_{kind}", icon=icon, width="stretch"):
                    continue
                with user_errors(), st.status(f"Building the {name} for {cycle}…", expanded=True) as status:
                    st.write("Counting the cycle's published work…")
                    read(report.gather, cycle=cycle)
                    st.write("Drawing the charts and writing the document…")
                    read(report.document, cycle=cycle, kind=kind)
                    status.update(label=f"The {name} for {cycle} is ready.", state="complete", expanded=False)
                st.session_state[built] = cycle
            st.download_button(
                f"Download the {name}",
                data=read(report.document, cycle=cycle, kind=kind),
                file_name=report.file_name(cycle, kind),
                mime=report.FORMATS[kind],
                key=f"report_download_{kind}",
                on_click="ignore",
                icon=":material/download:",
                type="primary",
                width="stretch",
            )
