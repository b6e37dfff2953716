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


def photo_with_location_and_artist(orientation: int = 6) -> bytes:
    """A JPEG whose EXIF names its author and camera and gives the place it was taken."""
    image = Image.new("RGB", (64, 48), "orange")
    exif = image.getexif()
    exif[0x013B] = "Jo Bloggs"  # Artist
    exif[0x0110] = "Pixel 8"  # Model
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (50.0, 15.0, 42.0), 3: "W", 4: (5.0, 3.0, 10.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90, comment=b"taken at 12 Acacia Avenue")
    return buffer.getvalue()
