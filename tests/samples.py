"""Small real files for tests, made with the libraries people's programs resemble (fpdf2, Pillow)."""

from __future__ import annotations

import io

from fpdf import FPDF
from fpdf.actions import LaunchAction
from PIL import Image


def pdf_document(text: str = "Attendance after one term", **extras) -> bytes:
    """A one-page PDF; ``launch``, ``embed`` or ``password`` make it one that is refused."""
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text=text)
    if "launch" in extras:
        document.add_action(LaunchAction(extras["launch"]), x=10, y=10, w=50, h=10)
    if "embed" in extras:
        document.embed_file(basename="notes.txt", bytes=extras["embed"])
    if "password" in extras:
        document.set_encryption(owner_password=extras["password"])
    return bytes(document.output())


def picture(kind: str, size=(40, 30), colour="teal", **options) -> bytes:
    """A plain picture in ``kind`` ("PNG", "JPEG"), saved with Pillow's ``options``."""
    image = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()
