"""Pieces of the finding pages that need no database: picture previews and the waiting time."""

from __future__ import annotations

import datetime as dt
import io

from PIL import Image

from ctdash.ui import finding_views
from tests.samples import picture


def _size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_a_wide_photo_is_shrunk_for_its_preview():
    photo = picture("JPEG", size=(4000, 3000))
    shrunk = finding_views.preview(photo)
    assert _size(shrunk) == (finding_views.PREVIEW_WIDTH, 720)
    assert len(shrunk) < len(photo)


def test_a_small_picture_is_shown_as_stored():
    chart = picture("PNG", size=(640, 360))
    assert finding_views.preview(chart) == chart


def test_an_unreadable_picture_is_shown_as_it_is():
    assert finding_views.preview(b"not a picture") == b"not a picture"


def test_waiting_time_in_words():
    now = dt.datetime.now(dt.UTC)
    assert finding_views.waiting(now) == "since today"
    assert finding_views.waiting(now - dt.timedelta(days=1, hours=1)) == "for 1 day"
    assert finding_views.waiting(now - dt.timedelta(days=12)) == "for 12 days"
    assert finding_views.waiting(None) == "for an unknown time"
