"""Share a finding: the form, a draft to carry on with later, the safeguarding check and the receipt."""

import streamlit as st

from ctdash import findings, permissions, ui
from ctdash.format import link_id, plain
from ctdash.ui import share

viewer = ui.guard(__file__)
st.title("Share a finding")
if not permissions.may_share_findings(viewer):
    with ui.user_errors():
        permissions.require_share_findings(viewer)

values = share.copy(viewer)
if st.session_state.pop(share.RELOAD, False) and values["finding_id"] is not None:
    share.load(viewer, ui.read(findings.detail, finding_id=values["finding_id"]))
    values = share.copy(viewer)
requested = st.query_params.get("id")
if link_id(requested) is not None and st.session_state.get("share_requested") != requested:
    # ?id=N opens that draft once; afterwards the copy holds what the person has typed since.
    st.session_state["share_requested"] = requested
    if values["finding_id"] != int(requested):
        detail = share.stored(viewer, int(requested))
        if detail is None:
            st.info(f"{findings.NOT_SHARED} The form below starts a new one.", icon=":material/help:")
        elif not share.load(viewer, detail):
            st.info(share.NOT_EDITABLE, icon=":material/lock:")
        values = share.copy(viewer)

receipt = st.session_state.get(share.RECEIPT)
if receipt is not None:
    share.receipt(receipt)
    st.stop()

st.caption(
    "Share what your service found about the enablers of and barriers to inclusion. Save a draft at any time and "
    "carry on later, from any device; nothing is shared until a facilitator publishes it."
)
drafts = ui.read(findings.my_findings)
chosen = share.resume_choice(drafts, values)
if chosen == share.NEW:
    share.start_again(viewer)
    st.rerun()
elif chosen is not None:
    share.load(viewer, ui.read(findings.detail, finding_id=chosen))
    st.rerun()

shown = share.outcome()
if shown.message:
    st.error(plain(shown.message), icon=":material/error:")
choices = ui.read(findings.form_choices)
share.fields(choices, viewer, values, shown)
share.files(values, shown)
share.visibility(choices, values, shown)
confirmed = share.safeguarding(shown)

save_column, submit_column = st.columns(2)
save_clicked = save_column.button("Save draft", icon=":material/save:", width="stretch", key=share.FORM.widget("save"))
submit_clicked = submit_column.button(
    "Submit for review", type="primary", icon=":material/send:", width="stretch", key=share.FORM.widget("submit")
)
outcome_area = st.container(key="share_outcome_area")

# Saved once the whole form is drawn, so the copy holds everything typed in this run.
if save_clicked or submit_clicked:
    result = problem = None
    token = values["save_token"]
    saved = lambda session: findings.saved_with(session, viewer=viewer, save_token=token)  # noqa: E731
    with outcome_area, ui.open_session(share.FORM, saved=saved) as session:
        try:
            with st.spinner("Submitting your finding…" if submit_clicked else "Saving your draft…"):
                result = share.save(session, viewer, values, submitting=submit_clicked, confirmed=confirmed)
        except findings.SafeguardingNeeded as error:
            session.rollback()
            problem = share.Outcome(hits=[share.hit_line(hit) for hit in error.hits])
        except findings.FieldErrors as error:
            session.rollback()
            problem = share.Outcome(message=str(error), errors=error.errors)
    if problem is not None:
        st.session_state[share.OUTCOME] = problem
        st.rerun()
    st.session_state.pop(share.OUTCOME, None)
    st.session_state.pop(share.UPLOAD_PROBLEMS, None)
    if isinstance(result, findings.Receipt):
        share.reset_after_submit(viewer, result)
        st.rerun()
    share.load(viewer, result)
    ui.done(f"Your draft {result.reference} is saved. Carry on now or later, from any device.")
