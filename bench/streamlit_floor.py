"""The least a Streamlit page can be and still show what bench/browser.py times: the floor under ctdash.

    streamlit run bench/streamlit_floor.py     # the database the app's settings name (CTDASH_DATABASE_URL)

One page, no sign-in, no menu, no styling: the Kind box (a multiselect whose options read as the
library's do) and the first page of the anonymous library view as one markdown block of linked titles,
in the same keyed container, so bench/browser.py waits on it exactly as on the library. The view is
computed once a kind and cached, so a rerun costs Streamlit's own work and nothing of ctdash's. What
this page takes in the browser is what any Streamlit page showing these rows takes; the library's
figures minus these are what ctdash itself adds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # streamlit run puts only bench/ on the path

from ctdash import db, library  # noqa: E402
from ctdash.config import get_settings  # noqa: E402
from ctdash.format import plain  # noqa: E402
from ctdash.viewer import ANONYMOUS  # noqa: E402


@st.cache_resource
def engine():
    return db.make_engine(get_settings().database_url)


@st.cache_data
def view(kinds: tuple[str, ...]) -> tuple[dict[str, str], list[tuple[int, str]]]:
    """The kind options' labels (as the library writes them) and the first page's (id, title) rows."""
    with db.session_scope(engine(), read_only=True) as session:
        results = library.browse(session, viewer=ANONYMOUS, query=library.Query(kinds=kinds))
    (kind,) = [facet for facet in results.facets if facet.key == "kind"]
    options = {value.value: f"{value.label} ({value.count:,})" for value in kind.values}
    return options, [(row.id, row.title.strip()) for row in results.rows]


options, _ = view(())
chosen = st.multiselect("Kind", list(options), format_func=options.get, placeholder="Any")
_, rows = view(tuple(chosen))
with st.container(key="library_results"):
    st.markdown("\n\n".join(f"[{plain(title)}](finding?id={id_})" for id_, title in rows))
