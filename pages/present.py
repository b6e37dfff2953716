"""Present a working-group session: one agenda item a screen, large type, arrow keys, a clock."""

import streamlit as st

from ctdash import slides, ui
from ctdash.slides import Deck, Slide
from ctdash.ui import presenter


def _live_panel(slide: Slide, deck: Deck) -> None:
    """Beside the welcome and wall slides: how people in the room join the session's live wall."""
    presenter.join_code(deck)


viewer = ui.guard(__file__)
presenter.style()
meeting_id = presenter.meeting_from_url()
as_set = ui.read(slides.build, meeting_id=meeting_id)  # public only if the session is set so
deck = as_set
if presenter.public_only(as_set) and not as_set.public_only:
    deck = ui.read(slides.build, meeting_id=meeting_id, public_only=True)
if not deck.slides:
    st.info(presenter.EMPTY, icon=":material/slideshow:")
    st.stop()
at = presenter.position(len(deck.slides))
presenter.draw(deck.slides[at - 1], deck, live_panel=_live_panel)
presenter.controls(deck, at, public_session=as_set.public_only)
