"""The meeting pack's two buttons: build with progress shown, then download; the same deck is built once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pptx import Presentation
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from ctdash import charts, meeting_pack
from ctdash.models import AgendaKind
from ctdash.overview import Count
from ctdash.slides import Deck, Slide

STAGES = [Count("planning", 2), Count("analysis", 1)]
DECK = Deck(
    meeting_id=7,
    title="Spring working group (test data)",
    held_on=dt.date(2026, 3, 12),
    place="Online",
    description="",
    join_code="ABCD2345",
    public_only=True,
    slides=(
        Slide(AgendaKind.TEXT, "Welcome", body="Hello."),
        Slide(AgendaKind.STATUS, "Research status", chart=charts.bar_chart(STAGES, title="Projects by stage")),
    ),
)


def _view():
    import streamlit as st

    from ctdash.ui.pack_views import pack_downloads

    def load():
        st.session_state["loads"] = st.session_state.get("loads", 0) + 1
        return st.session_state["deck"]

    pack_downloads(load)


@pytest.fixture
def downloads(monkeypatch):
    registered = {}
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None, **kwargs):
        registered[file_name] = path_or_data
        return original(self, path_or_data, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return registered


@pytest.fixture
def builds(monkeypatch):
    calls = []
    for name in ("to_pptx", "to_pdf"):
        original = getattr(meeting_pack, name)

        def counted(deck, original=original, name=name):
            calls.append(name)
            return original(deck)

        monkeypatch.setattr(meeting_pack, name, counted)
    return calls


def _run(deck: Deck = DECK) -> AppTest:
    at = AppTest.from_function(_view, default_timeout=60)
    at.session_state["deck"] = deck
    return at.run()


def test_nothing_is_built_until_a_button_is_pressed(builds):
    at = _run()
    assert not at.exception
    assert [button.label for button in at.button] == ["Build the PowerPoint", "Build the PDF handout"]
    assert not at.get("download_button") and builds == []
    assert "loads" not in at.session_state, "nor is the deck read for the two buttons"


def test_building_the_powerpoint_offers_it_for_download(downloads, builds):
    at = _run()
    at.button(key="pack_pptx_build").click().run()
    assert not at.exception
    assert [button.proto.label for button in at.get("download_button")] == ["Download the PowerPoint"]
    presentation = Presentation(io.BytesIO(downloads["ctdash-session-2026-03-12.pptx"]))
    assert [slide.shapes.title.text_frame.text for slide in presentation.slides] == meeting_pack.slide_titles(DECK)
    at.run()
    assert len(at.get("download_button")) == 1, "the download stays offered"
    assert builds.count("to_pptx") <= 1, "and is not built again"


def test_building_the_handout_offers_a_pdf(downloads):
    at = _run()
    at.button(key="pack_pdf_build").click().run()
    assert not at.exception
    reader = PdfReader(io.BytesIO(downloads["ctdash-session-2026-03-12.pdf"]))
    assert "Spring working group (test data)" in reader.pages[0].extract_text()


def test_a_changed_deck_asks_to_build_again():
    at = _run()
    at.button(key="pack_pdf_build").click().run()
    at.session_state["deck"] = Deck(**{**DECK.__dict__, "title": "Renamed (test data)"})
    at.run()
    assert not at.get("download_button")
    assert [button.label for button in at.button] == ["Build the PowerPoint", "Build the PDF handout"]


def test_once_built_each_run_reads_the_deck_once_to_see_whether_the_pack_is_still_current(downloads):
    at = _run()
    at.button(key="pack_pdf_build").click().run()
    at.button(key="pack_pptx_build").click().run()
    before = at.session_state["loads"]
    at.run()
    assert at.session_state["loads"] == before + 1
    assert len(at.get("download_button")) == 2
