"""Charts as pictures for meeting packs and the programme report: the same Vega-Lite specs the pages draw.

vl-convert renders a spec to PNG in-process, with no browser and no network. Its first call in a
process costs about 0.7 s (it starts its JavaScript engine); later ones 20-100 ms, and a picture
already made for the same spec and width is returned from a cache at once.
"""

from __future__ import annotations

import functools
import json
import threading

from ctdash.config import DATA_DIR
from ctdash.errors import InvalidInput

FONTS_DIR = DATA_DIR / "fonts"  # DejaVu Sans, so labels in any script render on a machine with no fonts
SCALE = 2  # pixels per Vega-Lite pixel: sharp when printed or projected
DEFAULT_WIDTH_PX = 1400
FONT = "DejaVu Sans"

_lock = threading.Lock()  # one render at a time: the converter's engine is shared by the process
_fonts_registered = False


def png(spec: dict, *, width_px: int = DEFAULT_WIDTH_PX) -> bytes:
    """``spec`` (a Vega-Lite dict from ctdash.charts, not changed) as a PNG about ``width_px`` pixels wide.

    Cached per spec (by its JSON) and width. Raises InvalidInput if the spec cannot be drawn.
    """
    if width_px < 100:
        raise ValueError("width_px must be at least 100")
    try:
        text = json.dumps(spec, sort_keys=True, default=str)
    except (TypeError, ValueError):
        raise InvalidInput("This chart cannot be turned into a picture; leave it out of the pack.") from None
    return _png(text, width_px)


@functools.lru_cache(maxsize=64)
def _png(text: str, width_px: int) -> bytes:
    import vl_convert  # imported here: only pictures need it, and it is large

    spec = json.loads(text)
    # Draw at the asked width: the chart's own width is for a screen, the picture's for a page or slide.
    spec["width"] = max(100, width_px // SCALE - 40)
    spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    spec["background"] = "white"
    spec["config"] = {
        **spec.get("config", {}),
        "font": FONT,
        "title": {"fontSize": 16, **spec.get("config", {}).get("title", {})},
    }
    with _lock:
        _register_fonts()
        try:
            return vl_convert.vegalite_to_png(spec, scale=SCALE)
        except Exception as error:  # vl-convert raises plain ValueErrors with the renderer's message
            raise InvalidInput("This chart cannot be turned into a picture; leave it out of the pack.") from error


def _register_fonts() -> None:
    global _fonts_registered
    if not _fonts_registered:
        import vl_convert

        vl_convert.register_font_directory(str(FONTS_DIR))
        _fonts_registered = True


def size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels, from its header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
