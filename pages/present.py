"""Present a working-group session: one agenda item a screen, large type, arrow keys, a clock."""

import streamlit as st

from ctdash import slides, ui
from ctdash.models import AgendaKind
from ctdash.slides import Deck, Slide
from ctdash.ui import presenter, wall_views


def _live_panel(slide: Slide, deck: Deck) -> None:
    """Under the welcome slide, how people in the room join the live wall; under the wall slide, the wall."""
    if slide.kind == AgendaKind.WELCOME:
        wall_views.welcome_panel(deck.meeting_id)
    else:
        wall_views.live_board(deck.meeting_id)


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
