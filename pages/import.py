"""Import spreadsheets (administrators): partner services or research projects from a CSV or XLSX file.

Every row is checked first and shown with its errors; the import runs only when none has any, all at once.
"""

import streamlit as st

from ctdash import imports, ui
from ctdash.ui import imports as import_views

viewer = ui.guard(__file__)
st.title("Import spreadsheets")
st.caption("Add or update partner services or research projects from a spreadsheet, checked row by row first.")
kind = import_views.choose_kind()
import_views.explain(kind, ui.read(imports.theme_names))
upload = import_views.uploader(kind)
import_views.show_notice()
if upload is None:
    st.stop()
plan = import_views.dry_run(viewer, kind, upload)
import_views.show_plan(plan)
if import_views.import_button(plan):
    import_views.run_import(viewer, kind, upload, plan)
