"""QR codes for the live wall: the address attendees scan, as an SVG the presenter's screen can scale."""

from __future__ import annotations

import functools
import io
from urllib.parse import urlsplit

import segno

from ctdash.errors import InvalidInput


@functools.lru_cache(maxsize=64)  # the presenter's welcome slide draws the same code every rerun: 4 ms each
def svg(url: str, *, title: str | None = None) -> str:
    """The QR code of ``url`` as an SVG document: black modules on white with the standard quiet zone.

    It has a viewBox and no fixed size, so it fills whatever width the page gives it, and a
    ``<title>`` (``title``, or "QR code for" the address) as its text alternative. Only http(s)
    addresses are encoded: a phone's camera opens nothing else.
    """
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"{str(url)[:80]!r} is not a web address; a QR code needs one starting with https://.")
    code = segno.make(url, error="m", micro=False)  # medium error correction: still reads on a dim projector
    buffer = io.BytesIO()
    code.save(
        buffer,
        kind="svg",
        scale=10,
        border=4,
        dark="#000000",
        light="#ffffff",
        xmldecl=False,
        omitsize=True,
        svgclass=None,
        lineclass=None,
        title=title or f"QR code for {url}",
    )
    return buffer.getvalue().decode("utf-8")
