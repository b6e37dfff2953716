"""Downloads of a session's meeting pack (PowerPoint and a PDF handout), built on request with progress shown.

A pack is built once per distinct deck: the deck is the session's agenda as the slides builder made
it from the data of the moment (``ctdash.slides``), so a change to any finding, partner or the wall
gives a new deck and a new build, and a second click on the same deck is instant.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable

import streamlit as st

from ctdash import meeting_pack
from ctdash.slides import Deck
from ctdash.ui.errors import user_errors

KINDS = {
    "pptx": ("PowerPoint", meeting_pack.PPTX_MIME, ":material/slideshow:"),
    "pdf": ("PDF handout", meeting_pack.PDF_MIME, ":material/picture_as_pdf:"),
}


def pack_downloads(load: Callable[[], Deck], *, key: str = "pack") -> None:
    """Two buttons that build the session's PowerPoint file and PDF handout, then offer each for download.

    ``load`` gives the deck; it is called only once a button is pressed or a pack was built in this
    browser session, so a page showing just the two buttons reads nothing for them (the deck, the whole
    agenda with its charts and the wall, was most of a cold rerun of the session page).
    ``key`` prefixes the widgets' keys (``{key}_pptx_build``, ``{key}_pptx_download``, ...).
    """
    loaded: list[tuple[Deck, str]] = []

    def current() -> tuple[Deck, str]:
        if not loaded:
            deck = load()
            loaded.append((deck, _digest(deck)))
        return loaded[0]

    columns = st.columns(2)
    for column, (kind, (name, mime, icon)) in zip(columns, KINDS.items(), strict=True):
        built = f"{key}_{kind}_built"
        with column:
            if built not in st.session_state or st.session_state[built] != current()[1]:
                if not st.button(f"Build the {name}", key=f"{key}_{kind}_build", icon=icon, width="stretch"):
                    continue
                deck, digest = current()
                with user_errors(), st.status(f"Building the {name}…", expanded=True) as status:
                    charts = sum(1 for slide in deck.slides if slide.chart and not slide.unavailable)
                    items = f"{len(deck.slides)} agenda item{'s' if len(deck.slides) != 1 else ''}"
                    drawn = f", drawing {charts} chart{'s' if charts != 1 else ''}" if charts else ""
                    st.write(f"Laying out {items}{drawn}…")
                    _built(kind, digest, deck)
                    status.update(label=f"The {name} is ready.", state="complete", expanded=False)
                st.session_state[built] = digest
            deck, digest = current()
            with user_errors():
                data = _built(kind, digest, deck)
            st.download_button(
                f"Download the {name}",
                data=data,
                file_name=meeting_pack.file_name(deck, kind),
                mime=mime,
                key=f"{key}_{kind}_download",
                on_click="ignore",
                icon=":material/download:",
                type="primary",
                width="stretch",
            )


def _digest(deck: Deck) -> str:
    """The deck's content as a short key: equal decks build the same files."""
    return hashlib.sha256(pickle.dumps(deck, protocol=5)).hexdigest()[:32]


@st.cache_data(max_entries=16, show_spinner=False)
def _built(kind: str, digest: str, _deck: Deck) -> bytes:
    return meeting_pack.to_pptx(_deck) if kind == "pptx" else meeting_pack.to_pdf(_deck)
