"""QR codes for the live wall: they decode back to the address, scale, and carry a text alternative."""

from __future__ import annotations

import re

import pytest

from ctdash import qr
from ctdash.errors import InvalidInput

URL = "https://ctdash.example.org/wall?s=AB12CD"


def _modules(svg: str) -> int:
    """The side of the code in modules, from the viewBox (scale 10, quiet zone of 4 each side)."""
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    return side // 10 - 8


def test_the_svg_scales_to_any_width_and_is_black_on_white():
    svg = qr.svg(URL)
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg
    assert "width=" not in svg.split(">", 1)[0], "no fixed size: the page decides"
    assert 'fill="#fff"' in svg and 'stroke="#000"' in svg
    assert _modules(svg) in (25, 29, 33), "a short address stays a small, easily read code"


def test_the_svg_has_a_text_alternative_naming_the_address():
    assert f"<title>QR code for {URL}</title>" in qr.svg(URL)
    assert "<title>Scan me</title>" in qr.svg(URL, title="Scan me")


def _dark_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules the SVG's path draws, as (row, column) without the quiet zone."""
    path = re.search(r'<path stroke="#000" d="([^"]+)"', svg).group(1)
    dark, x, y = set(), 0.0, 0.0
    for command, first, second in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            dark.update((int(y - 0.5) - 4, int(x) - 4 + step) for step in range(int(first)))
            x += float(first)
    return dark


def test_the_svg_draws_the_code_of_exactly_that_address_with_medium_error_correction():
    import segno

    code = segno.make(URL, error="m", micro=False)
    expected = {(row, column) for row, line in enumerate(code.matrix) for column, bit in enumerate(line) if bit}
    assert code.error == "M"
    assert _dark_modules(qr.svg(URL)) == expected
    assert _dark_modules(qr.svg(URL + "X")) != expected


@pytest.mark.parametrize("url", ["", "javascript:alert(1)", "ctdash.example.org/wall", "ftp://x.org/a"])
def test_only_web_addresses_are_encoded(url):
    with pytest.raises(InvalidInput, match="not a web address"):
        qr.svg(url)
