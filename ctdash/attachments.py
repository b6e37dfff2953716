"""Files attached to findings: what each one really is, judged by its content, and a clean copy to store.

Pure functions: no database, no Streamlit. ``check_file`` takes an upload's name and bytes and returns
a ``CheckedFile`` ready to store, or raises InvalidInput with one sentence that names the file and
says what to do. The name never decides anything: puremagic reads the first bytes to name the kind
of file, and a structural check of that kind confirms it.

What is accepted, and how it is checked:

- PDF: starts with ``%PDF-`` and ends with ``%%EOF`` (within the last 1,024 bytes, where readers
  look), so a file cut short is refused. Refused too: JavaScript, actions that launch programs, Flash
  (RichMedia) and LiveCycle forms (XFA), which carry their own scripts; files attached inside the
  PDF (they could be anything, and nobody here can check them); and encrypted PDFs, whose insides
  cannot be read to check them (printing to a new PDF removes all of these). Names written with
  ``#`` escapes (``/Java#53cript``) and dictionaries packed into compressed object streams are read
  too; object streams compressed other than with Flate are not looked into.
- Word, PowerPoint and Excel (.docx, .pptx, .xlsx): read as a zip archive in memory, never unpacked
  to disk. ``[Content_Types].xml`` must name the main part of one of the three, and that part must be
  there. Refused: macros (a ``vbaProject.bin``, ActiveX controls, or any "macroEnabled" content
  type: .docm, .xlsm, .pptm renamed), templates and shows (.dotx, .xltx, .potx, .ppsx: their content
  type does not match the extension they would be stored under), password-protected files (Office
  wraps those in an old-style OLE container) and the old binary formats (.doc, .xls, .ppt). Zip
  bombs: the sizes the archive declares may add up to ``max_unpacked_bytes`` (200 MB) at most, no
  part over 1 MB may be more than 100 times its compressed size, and every part is then read through,
  counting what really comes out against the same cap (which also checks every part's checksum).
  zipfile never inflates a part beyond its declared size, so a directory that lies ends in a
  checksum error, refused as damaged. Parts inside are not unpacked further: an embedded workbook or
  chart (itself a zip) under an ``embeddings/`` folder is normal Office practice and allowed; a
  program anywhere inside, or another archive outside ``embeddings/``, is refused.
- PNG and JPEG: the dimensions are read from the header first, and a picture over ``max_pixels``
  (50 megapixels, enough for the 48- and 50-megapixel modes of recent phones) is refused before any
  decoding. Then Pillow decodes the cleaned copy in full (a JPEG at an eighth of its size, which still
  reads every byte), so a file cut short is refused. Cleaning works on the file's own structure,
  without re-encoding, so quality is untouched: EXIF (location, author, camera owner, serial
  numbers, thumbnails), XMP, IPTC, comments, PNG text chunks and anything stored after the end of the
  picture are removed; the colour profile and, as a one-tag EXIF block, the orientation are kept, so
  the picture still shows the right way up. ``notes`` says what was removed.
- MP3: an optional ID3 tag, then MPEG audio layer III frames (two in a row, or one that ends the
  file). MP4: an ``ftyp`` box with an MP4 brand (isom, mp41, mp42, avc1, M4V, M4A and the like: an
  iPhone voice memo is stored as .mp4), a ``moov`` box, and top-level boxes that fill the file
  exactly. QuickTime (.mov), HEIC photos and other files in the same container are refused.
- CSV and text: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, or
  Windows-1252, with no NUL bytes and hardly any control characters. Whether text is a CSV or plain
  text is decided by its content: lines with the same number of comma-, semicolon- or tab-separated
  fields make a CSV. A table is also text, so a CSV is taken as text when only text is allowed; plain
  text is not taken as a CSV. Text that starts like a web page or SVG (``<html``, ``<!doctype html``,
  ``<svg``, ``<script``, XML holding SVG or HTML) is refused.

Always refused, each with its own sentence: programs (Windows, Linux and Mac executables, Java
classes, scripts starting ``#!``), web pages and SVG, archives (zip, 7z, RAR, gzip, ...), files that
are two kinds at once (a picture, PDF, recording or text that is also a zip archive, or a picture
followed by a PDF, program or web page), empty files and files over ``max_bytes``.

The stored name (``safe_filename``) takes the extension of the kind found, whatever the upload was
called: a PDF uploaded as "report.exe" is stored as "report.pdf", so the name can never make a
browser or a computer treat the stored file as something else.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
import struct
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import puremagic
from PIL import Image

from ctdash.errors import InvalidInput

MB = 1024 * 1024  # Streamlit's megabyte: server.maxUploadSize is counted in these
ALLOWED: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "txt": "text/plain",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
}
# The extensions a stored file may end in, the first being the one given when the upload's does not fit.
EXTENSIONS = {
    "pdf": ("pdf",),
    "docx": ("docx",),
    "pptx": ("pptx",),
    "xlsx": ("xlsx",),
    "csv": ("csv",),
    "txt": ("txt",),
    "png": ("png",),
    "jpeg": ("jpg", "jpeg"),
    "mp3": ("mp3",),
    "mp4": ("mp4", "m4v", "m4a"),
}
DESCRIPTIONS = {
    "pdf": "a PDF",
    "docx": "a Word document",
    "pptx": "a PowerPoint presentation",
    "xlsx": "an Excel workbook",
    "csv": "a CSV table",
    "txt": "a text file",
    "png": "a PNG picture",
    "jpeg": "a JPEG photo",
    "mp3": "an MP3 recording",
    "mp4": "an MP4 video",
}
LABELS = {
    "pdf": "PDF",
    "docx": "Word",
    "pptx": "PowerPoint",
    "xlsx": "Excel",
    "csv": "CSV",
    "txt": "text",
    "png": "PNG",
    "jpeg": "JPEG",
    "mp3": "MP3",
    "mp4": "MP4",
}

MAX_PIXELS = 50_000_000
MAX_UNPACKED_BYTES = 200 * MB
MAX_RATIO = 100  # inflated / compressed, for a part of an Office file over RATIO_FLOOR
RATIO_FLOOR = 1 * MB  # small XML parts compress far better than 100:1 and are harmless
MAX_PARTS = 10_000
CONTENT_TYPES_LIMIT = 1 * MB
OBJECT_STREAMS_LIMIT = 64 * MB  # what may be inflated, in all, to read a PDF's packed dictionaries
READ_CHUNK = 1 * MB
NAME_LIMIT = 120  # characters in a stored name, extension included
SHOWN_LIMIT = 80  # characters of a name quoted in a message
HEAD = 8192  # the bytes puremagic and the signature checks look at

# Refusals: one sentence each, naming the file ({name}) and saying what to do.
EMPTY = '"{name}" is empty; check that you chose the right file and upload it again.'
TOO_BIG = (
    '"{name}" is {size} MB, over the {limit} MB limit for one file; make it smaller or split it, and upload it again.'
)
PROGRAM = '"{name}" is a program, not a document, so it cannot be attached; attach the document itself instead.'
WEB_PAGE = '"{name}" is a web page or SVG drawing, which cannot be attached; save it as PDF and upload that.'
ARCHIVE = (
    '"{name}" is a compressed archive (such as a zip), not a document; '
    "unpack it and attach the files inside one by one."
)
POLYGLOT = (
    '"{name}" is two kinds of file at once (something else is hidden inside it), so it cannot be attached; '
    "open it, save it again as a new file, and upload that."
)
TRUNCATED = '"{name}" is cut short or damaged; save a fresh copy of it and upload that.'
NOT_ALLOWED = '"{name}" is {description}, which cannot be attached here; attach {allowed} instead.'
UNKNOWN = '"{name}" is not a kind of file that can be attached; attach {allowed} instead.'
TOO_MANY_PIXELS = (
    '"{name}" is {width:,} by {height:,} pixels, more than the {limit} megapixels that can be checked safely; '
    "make the picture smaller and upload it again."
)
PDF_ACTIVE = (
    '"{name}" is a PDF with scripts or instructions to start other programs, so it cannot be attached; '
    'print it to a new PDF (with "Save as PDF" or "Microsoft Print to PDF") and upload that.'
)
PDF_EMBEDDED = (
    '"{name}" is a PDF with other files attached inside it, which cannot be checked; '
    'print it to a new PDF (with "Save as PDF" or "Microsoft Print to PDF") and upload that.'
)
PDF_ENCRYPTED = (
    '"{name}" is a locked (encrypted) PDF, whose contents cannot be checked; '
    'print it to a new PDF (with "Save as PDF" or "Microsoft Print to PDF") and upload that.'
)
MACROS = (
    '"{name}" contains macros, small programs that could harm a computer, so it cannot be attached; '
    "in {app}, save it as {format} and upload that."
)
OFFICE_VARIANT = (
    '"{name}" is {description}, not an ordinary one; open it in {app}, save it as {format}, and upload that.'
)
OFFICE_PROTECTED = '"{name}" is protected by a password; remove the password in Office, save it, and upload it again.'
OLD_OFFICE = (
    '"{name}" is in an old Office format (.doc, .xls or .ppt); open it, save it as .docx, .xlsx or .pptx, '
    "and upload that."
)
OPENDOCUMENT = (
    '"{name}" is an OpenDocument file (from LibreOffice); save it as .docx, .xlsx, .pptx or PDF and upload that.'
)
BOMB = (
    '"{name}" would unpack to far more than a real document of its size holds, so it cannot be attached; '
    "open it, save a fresh copy, and upload that."
)
HIDDEN_CONTENT = (
    '"{name}" has a program or a compressed archive hidden inside it, so it cannot be attached; '
    "remove it from the document, save it, and upload it again."
)
QUICKTIME = '"{name}" is a QuickTime movie (.mov), which cannot be attached; export it as MP4 and upload that.'
HEIC = (
    '"{name}" is a HEIC photo (the iPhone\'s own format), which cannot be attached; '
    "export it as JPEG (or share it from the Photos app by email, which sends a JPEG) and upload that."
)
TOO_MANY_FILES = "You chose {count} files, but at most {limit} can be attached here; attach fewer files."
TOO_MUCH_IN_ALL = (
    "The files come to {size} MB together, over the {limit} MB allowed here; attach fewer or smaller files."
)
DUPLICATE = '"{name}" is the same file as "{first}"; attach it only once.'

NOTE_REMOVED = 'Removed from "{name}": {what}.'

# Office Open XML: the main part's content type names the application.
OFFICE_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": "docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": "pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
}
OFFICE_APPS = {  # the application, and what to save as in it
    "docx": ("Word", "a Word Document (.docx)"),
    "pptx": ("PowerPoint", "a PowerPoint Presentation (.pptx)"),
    "xlsx": ("Excel", "an Excel Workbook (.xlsx)"),
}
OFFICE_VARIANTS = {  # the word in a variant's content type -> (kind, description)
    "wordprocessingml.template": ("docx", "a Word template"),
    "presentationml.slideshow": ("pptx", "a PowerPoint show"),
    "presentationml.template": ("pptx", "a PowerPoint template"),
    "spreadsheetml.template": ("xlsx", "an Excel template"),
}
MACRO_APPS = {"ms-word": "docx", "ms-excel": "xlsx", "ms-powerpoint": "pptx"}

# ISO base media (MP4) brands: the MP4 family, HEIF pictures, and QuickTime.
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso7", b"iso8", b"iso9",
    b"mp41", b"mp42", b"mp71", b"avc1", b"M4V ", b"M4VH", b"M4VP", b"M4A ", b"M4B ",
    b"dash", b"msdh", b"msix", b"MSNV", b"f4v ", b"XAVC",
}  # fmt: skip
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}

# Signatures of programs, checked before anything else. An "MZ" program header is followed by binary
# fields, so text that happens to start with "MZ" is not taken for one.
MACHO_MAGICS = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")
PROGRAM_MAGICS = (b"\x7fELF", b"\x00asm", b"dex\n", *MACHO_MAGICS)
ARCHIVE_MAGICS = (
    b"PK\x05\x06",  # an empty zip
    b"PK\x07\x08",  # a spanned zip
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",  # zstandard
    b"MSCF",  # cabinet
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"
# What, found after the end of a picture, makes it two files at once.
HIDDEN_MAGICS = re.compile(
    rb"PK\x03\x04|PK\x05\x06|%PDF-|Rar!\x1a\x07|7z\xbc\xaf\x27\x1c|<script|<html|<svg\s|<!doctype\s+html", re.IGNORECASE
)
# The start of a web page or SVG drawing, once a byte-order mark and spaces are set aside.
MARKUP = re.compile(r"<(?:!doctype\s+html|html|head|body|svg|script|iframe|\?xml)\b", re.IGNORECASE)
MARKUP_INSIDE_XML = re.compile(r"<(?:svg|html|script)\b|xhtml", re.IGNORECASE)
# puremagic's extensions, grouped by what they mean here (for files no signature above decided).
MAGIC_FAMILIES = {
    **dict.fromkeys((".mp3", ".mpga"), "mp3"),
    **dict.fromkeys((".exe", ".dll", ".ocx", ".scr", ".sys", ".com", ".class", ".elf", ".so", ".dylib"), "program"),
    **dict.fromkeys((".html", ".htm", ".xhtml", ".svg", ".svgz", ".hta"), "web"),
    **dict.fromkeys((".zip", ".jar", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".zst", ".cab"), "archive"),
    **dict.fromkeys((".doc", ".xls", ".ppt", ".msg", ".msi"), "ole"),
}
# Friendlier words than puremagic's for kinds people often try to attach.
FRIENDLY = {
    ".gif": "a GIF picture",
    ".webp": "a WebP picture",
    ".bmp": "a bitmap picture",
    ".tif": "a TIFF picture",
    ".tiff": "a TIFF picture",
    ".wav": "a WAV recording",
    ".flac": "a FLAC recording",
    ".ogg": "an Ogg recording",
    ".opus": "an Opus recording",
    ".avi": "an AVI video",
    ".mkv": "a Matroska video",
    ".webm": "a WebM video",
    ".rtf": "a Rich Text document",
    ".eps": "a PostScript file",
    ".ps": "a PostScript file",
}
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters Windows refuses in names, and the quotes and separators that would break a header.
UNSAFE_IN_NAME = re.compile(r'[<>:"/\\|?*;]')
RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{device}{number}" for device in ("COM", "LPT") for number in "123456789\u00b9\u00b2\u00b3"]
)
EXTENSION_LIKE = re.compile(r"(?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,5}")  # "pdf", "mp3"; not "2024"

# PDF names that make a file active, also when written with #xx escapes.
PDF_ACTIVE_NAMES = {b"JavaScript", b"JS", b"Launch", b"RichMedia", b"XFA"}
PDF_EMBEDDED_NAMES = {b"EmbeddedFile", b"EmbeddedFiles"}
PDF_NAME_END = rb"(?=[\s/<>\[\]()%{}]|$)"
PDF_RISKY = re.compile(rb"/(JavaScript|JS|Launch|RichMedia|XFA|EmbeddedFiles?|Encrypt)" + PDF_NAME_END)
PDF_ESCAPED_NAME = re.compile(rb"/[A-Za-z0-9_.+\-]*#[0-9A-Fa-f]{2}[^\s/<>\[\]()%{}]*")
PDF_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm" + PDF_NAME_END)
PDF_STREAM_START = re.compile(rb"stream\r?\n")

# JPEG markers that may be kept: everything but the APPn segments, which hold metadata, and comments.
JPEG_STANDALONE = frozenset([0x01, *range(0xD0, 0xD8)])
JPEG_SOF = frozenset([*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0)])
JPEG_MARKER_IN_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
# PNG chunks that describe the picture itself; everything else (text, EXIF, times, private chunks) goes.
PNG_KEPT = frozenset(
    b"IHDR PLTE IDAT IEND tRNS cHRM gAMA iCCP sBIT sRGB cICP mDCV cLLI bKGD hIST pHYs sPLT acTL fcTL fdAT".split()
)
EXIF_ORIENTATION = 0x0112
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
EXIF_PEOPLE = {0x013B, 0x8298, 0x9C9D}  # Artist, Copyright, XPAuthor
EXIF_IFD_PEOPLE = {0xA430, 0xA431, 0xA435}  # CameraOwnerName, BodySerialNumber, LensSerialNumber
XMP_LOCATION = (b"GPSLatitude", b"GPSLongitude", b"LocationShown", b"LocationCreated")
XMP_PEOPLE = (b"dc:creator", b"dc:rights", b"tiff:Artist", b"xmpRights:Owner", b"CameraOwnerName", b"SerialNumber")
PNG_TEXT_PEOPLE = {b"author", b"artist", b"copyright", b"owner", b"creator"}

# MPEG audio layer III: kilobits a second by bitrate index, and samples a second by rate index.
MP3_BITRATES = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2
    0: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2.5
}
MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
MP3_SEARCH = 4096  # how far past the ID3 tag (or the start) the first frame may be


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, ready to store."""

    original_name: str  # as uploaded, to show as text only
    stored_name: str  # sanitised, with the kind's extension: safe to store and to send as a download name
    kind: str  # a key of ALLOWED
    content_type: str
    data: bytes  # what to store: for pictures, the copy with identifying details removed
    size_bytes: int  # of ``data``
    sha256: str  # hex digest of ``data``
    notes: tuple[str, ...]  # sentences for the uploader, e.g. what was removed from a photo


class AttachmentErrors(InvalidInput):
    """Some files of an upload were refused: ``problems`` has one sentence per problem, in file order."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = list(problems)


class _Refused(Exception):
    """A refusal found deep inside a check; check_file fills in the file's name."""

    def __init__(self, template: str, **fields: object) -> None:
        super().__init__(template)
        self.template = template
        self.fields = fields


@dataclass(frozen=True)
class _Cleaned:
    data: bytes
    notes: tuple[str, ...] = ()


def check_file(
    name: str,
    data: bytes,
    *,
    allowed: Collection[str] = ALLOWED,
    max_bytes: int,
    max_pixels: int = MAX_PIXELS,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> CheckedFile:
    """The upload, checked by its content and cleaned, ready to store.

    ``allowed`` holds kinds (keys of ALLOWED); ``max_bytes`` is the largest upload in bytes (for the
    app, ``Settings.upload_max_mb * MB``). Raises InvalidInput with one sentence naming the file.
    """
    unknown = set(allowed) - ALLOWED.keys()
    if unknown:
        raise ValueError(f"unknown attachment kinds: {sorted(unknown)}")
    shown = _shown(name)
    try:
        kind, cleaned = _inspect(data, allowed, max_bytes, max_pixels, max_unpacked_bytes)
    except _Refused as refusal:
        raise InvalidInput(refusal.template.format(name=shown, **refusal.fields)) from None
    return CheckedFile(
        original_name=name,
        stored_name=safe_filename(name, kind=kind),
        kind=kind,
        content_type=ALLOWED[kind],
        data=cleaned.data,
        size_bytes=len(cleaned.data),
        sha256=hashlib.sha256(cleaned.data).hexdigest(),
        notes=tuple(note.format(name=shown) for note in cleaned.notes),
    )


def check_files(
    files: Sequence[tuple[str, bytes]],
    *,
    allowed: Collection[str] = ALLOWED,
    max_bytes: int,
    max_total_bytes: int,
    max_files: int,
    max_pixels: int = MAX_PIXELS,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> list[CheckedFile]:
    """Every file of one upload checked, or AttachmentErrors naming every problem at once.

    ``max_files`` and ``max_total_bytes`` are what the finding may still take (the caller subtracts
    what it already holds); the total counts the files as they would be stored. The same content
    twice in one upload is refused the second time.
    """
    problems: list[str] = []
    if len(files) > max_files:
        problems.append(TOO_MANY_FILES.format(count=len(files), limit=max_files))
    checked: list[CheckedFile] = []
    seen: dict[str, str] = {}
    for name, data in files:
        try:
            result = check_file(
                name,
                data,
                allowed=allowed,
                max_bytes=max_bytes,
                max_pixels=max_pixels,
                max_unpacked_bytes=max_unpacked_bytes,
            )
        except InvalidInput as error:
            problems.append(str(error))
            continue
        if result.sha256 in seen:
            problems.append(DUPLICATE.format(name=_shown(name), first=seen[result.sha256]))
            continue
        seen[result.sha256] = _shown(name)
        checked.append(result)
    total = sum(result.size_bytes for result in checked)
    if total > max_total_bytes:
        problems.append(TOO_MUCH_IN_ALL.format(size=_megabytes(total, up=True), limit=_megabytes(max_total_bytes)))
    if problems:
        raise AttachmentErrors(problems)
    return checked


def safe_filename(name: str, *, kind: str | None = None) -> str:
    """A name safe to store and to offer as a download: no folders, invisible characters or reserved names.

    With ``kind`` the name ends in that kind's extension: the upload's own if it is one of the kind's
    (".jpeg" stays for a JPEG), else the kind's usual one in place of whatever the upload had
    ("report.exe" that is really a PDF becomes "report.pdf"). At most NAME_LIMIT characters; a name
    with nothing left becomes "attachment".
    """
    text = unicodedata.normalize("NFC", name)
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(c for c in text if c not in BIDI_CONTROLS and unicodedata.category(c) not in ("Cc", "Zl", "Zp"))
    text = UNSAFE_IN_NAME.sub("_", " ".join(text.split()))
    text = text.strip(". ")
    stem, dot, extension = text.rpartition(".")
    if not dot or not EXTENSION_LIKE.fullmatch(extension) or not stem:
        stem, extension = text, ""
    if kind is not None:
        choices = EXTENSIONS[kind]
        if extension.lower() not in choices:
            # "invoice.pdf.exe" that is a PDF: the ".pdf" left behind is the right one already.
            inner, inner_dot, inner_extension = stem.rpartition(".")
            if inner_dot and inner and inner_extension.lower() in choices:
                stem, extension = inner, inner_extension
            else:
                extension = choices[0]
    stem = stem.rstrip(". ")
    if stem.split(".")[0].rstrip(" ").upper() in RESERVED_NAMES:
        stem = f"_{stem}"  # Windows opens a device, not a file, for CON, CON.txt, LPT1.pdf ...
    suffix = f".{extension}" if extension else ""
    stem = stem[: max(NAME_LIMIT - len(suffix), 1)].rstrip(". ")
    return f"{stem or 'attachment'}{suffix}"


def decode_text(data: bytes) -> str:
    """A TXT or CSV attachment's text, to show: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252.

    Never raises: bytes no encoding can read show as the replacement character.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# What the file is


def _inspect(
    data: bytes, allowed: Collection[str], max_bytes: int, max_pixels: int, max_unpacked_bytes: int
) -> tuple[str, _Cleaned]:
    """The kind of the upload and what to store; _Refused says why not."""
    if not data:
        raise _Refused(EMPTY)
    if len(data) > max_bytes:
        raise _Refused(TOO_BIG, size=_megabytes(len(data), up=True), limit=_megabytes(max_bytes))
    family, description = _identify(data)
    if family == "program":
        raise _Refused(PROGRAM)
    if family == "web":
        raise _Refused(WEB_PAGE)
    if family == "archive":
        raise _Refused(ARCHIVE)
    if family == "ole":
        raise _Refused(OFFICE_PROTECTED if "EncryptedPackage".encode("utf-16-le") in data else OLD_OFFICE)
    if family != "zip" and _is_zip_archive(data):  # a zip reader finds its directory at the end of the file
        raise _Refused(POLYGLOT)
    if family == "zip":
        kind = _office_kind(data, allowed)
        _require_allowed(kind, allowed)
        _check_office(data, max_unpacked_bytes)
        return kind, _Cleaned(data)
    if family == "isobmff":
        kind = _check_mp4(data, allowed)
        return kind, _Cleaned(data)
    if family == "text":
        kind = _text_kind(data, allowed)
        return kind, _Cleaned(data)
    if family == "other":
        raise _Refused(NOT_ALLOWED, description=description, allowed=_allowed_phrase(allowed))
    if family == "unknown":
        raise _Refused(UNKNOWN, allowed=_allowed_phrase(allowed))
    _require_allowed(family, allowed)
    if family == "pdf":
        _check_pdf(data)
        return "pdf", _Cleaned(data)
    if family == "mp3":
        _check_mp3(data)
        return "mp3", _Cleaned(data)
    if family == "png":
        return "png", _clean_png(data, max_pixels)
    return "jpeg", _clean_jpeg(data, max_pixels)


def _identify(data: bytes) -> tuple[str, str]:
    """The family of a file and, for one nobody may attach, a few words saying what it is.

    Families: the allowed kinds' (pdf, zip, png, jpeg, mp3, isobmff, text) and the refused ones
    (program, web, archive, ole, other, unknown). Exact signatures decide first, as each structural
    check needs them anyway; puremagic names everything else.
    """
    head = data[:HEAD]
    if _is_program(head):
        return "program", ""
    if head.startswith(b"%PDF-"):
        return "pdf", ""
    if head.startswith(ZIP_MAGIC):
        return "zip", ""
    if head.startswith(PNG_MAGIC):
        return "png", ""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg", ""
    if head.startswith(OLE_MAGIC):
        return "ole", ""
    if head[4:8] == b"ftyp":
        return "isobmff", ""
    if head.startswith(ARCHIVE_MAGICS) or head[257:262] == b"ustar":
        return "archive", ""
    if (head.startswith(b"ID3") and head[3:4] in (b"\x02", b"\x03", b"\x04")) or _mp3_frame(head, 0) is not None:
        return "mp3", ""
    if _is_markup(_text_start(head)):
        return "web", ""
    if _as_text(data) is not None:
        return "text", ""
    matches = _magic(head)
    for match in matches:
        family = MAGIC_FAMILIES.get(match.extension.lower())
        if family is None and "executable" in match.name.lower():
            family = "program"
        if family is not None and family != "mp3":  # an MP3 would have passed the frame check above
            return family, ""
    if matches:
        best = matches[0]
        return "other", FRIENDLY.get(best.extension.lower(), f"a file of another kind ({best.name})")
    return "unknown", ""


def _magic(head: bytes) -> list:
    """puremagic's guesses for the first bytes of a file, best first; none when it knows nothing."""
    try:
        return puremagic.magic_string(head)
    except puremagic.PureError:
        return []


def _is_program(head: bytes) -> bool:
    if head.startswith(PROGRAM_MAGICS) or head.startswith(b"#!"):
        return True
    # A Windows program's "MZ" is followed by binary header fields, with zero bytes among them.
    return head.startswith(b"MZ") and b"\x00" in head[2:64]


def _text_start(head: bytes) -> str:
    """The start of a file read as text, byte-order mark and leading spaces removed."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="ignore")
    else:
        text = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")
    return text.lstrip()


def _is_markup(start: str) -> bool:
    """Whether text starts like a web page or SVG drawing (plain XML data does not count)."""
    match = MARKUP.match(start)
    if not match:
        return False
    if match.group(0).lower() == "<?xml":
        return bool(MARKUP_INSIDE_XML.search(start))
    return True


def _as_text(data: bytes) -> str | None:
    """The file as text if it is text: UTF-8, UTF-16 with a BOM or Windows-1252, no NULs, few control characters."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    elif b"\x00" in data:
        return None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:  # five bytes have no Windows-1252 letter: binary
                return None
    sample = text[:65536]
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\f")
    if "\x00" in sample or (controls > 10 and controls * 100 > len(sample)):
        return None
    return text


def _text_kind(data: bytes, allowed: Collection[str]) -> str:
    text = _as_text(data) or ""
    if not text.strip():
        raise _Refused(EMPTY)
    kind = "csv" if _looks_like_csv(text) else "txt"
    if kind == "csv" and "csv" not in allowed and "txt" in allowed:
        kind = "txt"  # a table is text too
    _require_allowed(kind, allowed)
    return kind


def _looks_like_csv(text: str) -> bool:
    """Whether the first lines split into the same number (two or more) of fields by one separator."""
    sample = text[:65536]
    lines = sample.splitlines()
    if len(text) > len(sample):
        lines = lines[:-1]  # the sample may end mid-line
    lines = [line for line in lines if line.strip()][:20]
    if len(lines) < 2:
        return False
    for delimiter in (",", ";", "\t"):
        try:
            widths = {len(cells) for cells in csv.reader(lines, delimiter=delimiter)}
        except csv.Error:
            continue
        if len(widths) == 1 and widths.pop() >= 2:
            return True
    return False


def _require_allowed(kind: str, allowed: Collection[str]) -> None:
    if kind not in allowed:
        raise _Refused(NOT_ALLOWED, description=DESCRIPTIONS[kind], allowed=_allowed_phrase(allowed))


def _allowed_phrase(allowed: Collection[str]) -> str:
    """The allowed kinds in a sentence, in ALLOWED's order: "a PDF, Word or MP4 file"."""
    labels = [LABELS[kind] for kind in ALLOWED if kind in allowed]
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
    article = "an" if labels[0] in ("Excel", "MP3", "MP4") else "a"
    return f"{article} {listed} file"


def _is_zip_archive(data: bytes) -> bool:
    """Whether a zip reader would open the file and find something in it."""
    if b"PK\x05\x06" not in data[-65558:]:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return False


# PDF


def _check_pdf(data: bytes) -> None:
    if b"%%EOF" not in data[-1024:]:
        raise _Refused(TRUNCATED)
    found = {match.group(1) for match in PDF_RISKY.finditer(data)}
    found |= {_pdf_name(match.group(0)) for match in PDF_ESCAPED_NAME.finditer(data)}
    if b"Encrypt" in found:
        raise _Refused(PDF_ENCRYPTED)
    found |= _pdf_packed_names(data)
    if found & PDF_ACTIVE_NAMES:
        raise _Refused(PDF_ACTIVE)
    if found & PDF_EMBEDDED_NAMES:
        raise _Refused(PDF_EMBEDDED)


def _pdf_name(token: bytes) -> bytes:
    """A PDF name token without its slash and with its #xx escapes decoded: b"/Java#53cript" -> b"JavaScript"."""
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda match: bytes([int(match.group(1), 16)]), token[1:])


def _pdf_packed_names(data: bytes) -> set[bytes]:
    """The risky names inside the PDF's object streams, where PDF 1.5 packs dictionaries compressed."""
    found: set[bytes] = set()
    budget = OBJECT_STREAMS_LIMIT
    for match in PDF_OBJECT_STREAM.finditer(data):
        start = PDF_STREAM_START.search(data, match.end(), match.end() + 4096)
        if start is None:
            continue
        end = data.find(b"endstream", start.end())
        if end < 0:
            raise _Refused(TRUNCATED)
        dictionary = data[data.rfind(b"<<", 0, match.start()) : start.start()]
        raw = data[start.end() : end]
        if b"/Filter" not in dictionary:
            packed = raw
        elif re.search(rb"/Filter\s*(?:\[\s*)?/FlateDecode\s*\]?\s*(?:/|>>)", dictionary):
            inflater = zlib.decompressobj()
            try:
                packed = inflater.decompress(raw, budget)
            except zlib.error:
                continue  # a damaged stream: readers skip it too
        else:
            continue
        budget -= len(packed)
        found |= {found_match.group(1) for found_match in PDF_RISKY.finditer(packed)}
        found |= {_pdf_name(found_match.group(0)) for found_match in PDF_ESCAPED_NAME.finditer(packed)}
        if budget <= 0:
            raise _Refused(BOMB)
    return found


# Word, PowerPoint, Excel


def _office_kind(data: bytes, allowed: Collection[str]) -> str:
    """docx, pptx or xlsx, from the content types the package declares; _Refused for anything else."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_PARTS:
                raise _Refused(BOMB)
            names = {info.filename.lower(): info for info in infos}
            if any(info.flag_bits & 0x1 for info in infos):
                raise _Refused(OFFICE_PROTECTED)
            types_info = names.get("[content_types].xml")
            if types_info is None:
                mimetype = names.get("mimetype")
                if mimetype is not None and mimetype.file_size < 200 and b"opendocument" in archive.read(mimetype):
                    raise _Refused(OPENDOCUMENT)
                raise _Refused(ARCHIVE)
            if types_info.file_size > CONTENT_TYPES_LIMIT:
                raise _Refused(TRUNCATED)
            content_types = archive.read(types_info)
    except zipfile.BadZipFile as error:
        raise _Refused(TRUNCATED) from error
    except (EOFError, OSError, zlib.error, NotImplementedError) as error:
        raise _Refused(TRUNCATED) from error
    declared = _content_types(content_types)
    macro_types = [value for _, value in declared if "macroenabled" in value or "vbaproject" in value]
    if macro_types or any(name.endswith("vbaproject.bin") or "/activex/" in name for name in names):
        raise _Refused(MACROS, **_office_app(_macro_kind(macro_types, names)))
    for part, content_type in declared:
        kind = OFFICE_MAIN.get(content_type)
        if kind is not None:
            if part is None or part.lstrip("/").lower() not in names:
                raise _Refused(TRUNCATED)
            return kind
    for _, content_type in declared:
        for word, (kind, description) in OFFICE_VARIANTS.items():
            if word in content_type and content_type.endswith(".main+xml"):
                raise _Refused(OFFICE_VARIANT, description=description, **_office_app(kind))
    raise _Refused(UNKNOWN, allowed=_allowed_phrase(allowed))


def _content_types(xml: bytes) -> list[tuple[str | None, str]]:
    """(part name or None for a Default, content type in lower case) for each entry of [Content_Types].xml."""
    if xml.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = xml.decode("utf-16", errors="replace")
    else:
        text = xml.decode("utf-8", errors="replace")
    entries = []
    for tag in re.finditer(r"<(?:\w+:)?(Override|Default)\b([^>]*)>", text):
        attributes = {
            key: first or second for key, first, second in re.findall(r"(\w+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", tag[2])
        }
        part = attributes.get("PartName") if tag[1] == "Override" else None
        entries.append((part, attributes.get("ContentType", "").strip().lower()))
    return entries


def _macro_kind(macro_types: list[str], names: Collection[str]) -> str | None:
    for content_type in macro_types:
        for word, kind in MACRO_APPS.items():
            if word in content_type:
                return kind
    for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
        if any(name.startswith(prefix) for name in names):
            return kind
    return None


def _office_app(kind: str | None) -> dict[str, str]:
    if kind is None:
        return {"app": "Word, Excel or PowerPoint", "format": "a normal .docx, .xlsx or .pptx file"}
    app, saved_as = OFFICE_APPS[kind]
    return {"app": app, "format": saved_as}


def _check_office(data: bytes, max_unpacked_bytes: int) -> None:
    """Refuse a zip bomb, a damaged part, or a program or stray archive inside; reads every part once, in memory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(info.file_size for info in infos) > max_unpacked_bytes:
                raise _Refused(BOMB)
            for info in infos:
                if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                    raise _Refused(BOMB)
            unpacked = 0
            for info in infos:
                if info.is_dir():
                    continue
                with archive.open(info) as part:
                    first = True
                    while chunk := part.read(READ_CHUNK):
                        if first:
                            _check_part_start(info.filename, chunk)
                            first = False
                        unpacked += len(chunk)
                        if unpacked > max_unpacked_bytes:
                            raise _Refused(BOMB)
    except zipfile.BadZipFile as error:  # a checksum that does not match, or a part cut short
        raise _Refused(TRUNCATED) from error
    except (EOFError, OSError, zlib.error, NotImplementedError, RuntimeError) as error:
        raise _Refused(TRUNCATED) from error


def _check_part_start(part_name: str, start: bytes) -> None:
    """Refuse a program anywhere in an Office file, and an archive outside its embeddings folder."""
    if _is_program(start[:HEAD]):
        raise _Refused(HIDDEN_CONTENT)
    is_archive = start.startswith(ARCHIVE_MAGICS) or start.startswith(ZIP_MAGIC)
    if is_archive and "/embeddings/" not in f"/{part_name.lower()}":
        raise _Refused(HIDDEN_CONTENT)


# Pictures


def _clean_png(data: bytes, max_pixels: int) -> _Cleaned:
    """The PNG with only the chunks that draw the picture; refused when damaged, cut short or too large."""
    position = len(PNG_MAGIC)
    kept = [PNG_MAGIC]
    removed: set[str] = set()
    orientation = 1
    first = True
    while True:
        if position + 12 > len(data):
            raise _Refused(TRUNCATED)
        length, chunk_type = struct.unpack(">I4s", data[position : position + 8])
        end = position + 12 + length
        if length > 0x7FFFFFFF or end > len(data) or not chunk_type.isalpha():
            raise _Refused(TRUNCATED)
        body = data[position + 8 : end - 4]
        if zlib.crc32(chunk_type + body) != struct.unpack(">I", data[end - 4 : end])[0]:
            raise _Refused(TRUNCATED)
        if first:
            if chunk_type != b"IHDR" or length != 13:
                raise _Refused(TRUNCATED)
            width, height = struct.unpack(">II", body[:8])
            _check_pixels(width, height, max_pixels)
            first = False
        if chunk_type in PNG_KEPT:
            kept.append(data[position:end])
        elif chunk_type == b"eXIf":
            exif_removed, orientation = _read_exif(body)
            removed |= exif_removed
        else:
            removed.add("other")
            if chunk_type in (b"tEXt", b"zTXt", b"iTXt"):
                removed |= _png_text_findings(chunk_type, body)
        position = end
        if chunk_type == b"IEND":
            break
    removed |= _after_the_end(data[position:])
    if orientation != 1:
        kept.insert(2, _png_chunk(b"eXIf", _orientation_exif(orientation)[6:]))  # after IHDR, before IDAT
    cleaned = b"".join(kept)
    _decode(cleaned, "PNG")
    return _Cleaned(cleaned, _removal_notes(removed))


def _png_chunk(chunk_type: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + chunk_type + body + struct.pack(">I", zlib.crc32(chunk_type + body))


def _png_text_findings(chunk_type: bytes, body: bytes) -> set[str]:
    keyword, _, rest = body.partition(b"\x00")
    found: set[str] = set()
    if keyword.lower() in PNG_TEXT_PEOPLE:
        found.add("people")
    if chunk_type == b"zTXt":
        try:
            rest = zlib.decompressobj().decompress(rest[1:], 1 * MB)
        except zlib.error:
            return found
    if any(word in rest for word in XMP_LOCATION):
        found.add("location")
    if any(word in rest for word in XMP_PEOPLE):
        found.add("people")
    return found


def _clean_jpeg(data: bytes, max_pixels: int) -> _Cleaned:
    """The JPEG without its metadata segments, re-assembled as it was, not re-encoded."""
    kept = [b"\xff\xd8"]
    removed: set[str] = set()
    orientation = 1
    position = 2
    size_seen = False
    while True:
        if position + 2 > len(data):
            raise _Refused(TRUNCATED)
        if data[position] != 0xFF:
            raise _Refused(TRUNCATED)
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in JPEG_STANDALONE:
            kept.append(data[position : position + 2])
            position += 2
            continue
        if marker == 0xD9:
            if not size_seen:
                raise _Refused(TRUNCATED)
            kept.append(b"\xff\xd9")
            position += 2
            break
        if position + 4 > len(data):
            raise _Refused(TRUNCATED)
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        end = position + 2 + length
        if length < 2 or end > len(data):
            raise _Refused(TRUNCATED)
        segment = data[position:end]
        body = segment[4:]
        if marker in JPEG_SOF:
            if length < 8:
                raise _Refused(TRUNCATED)
            height, width = struct.unpack(">HH", body[1:5])
            if not width or not height:
                raise _Refused(TRUNCATED)
            _check_pixels(width, height, max_pixels)
            size_seen = True
        if marker == 0xDA:  # start of scan: the compressed picture runs to the next marker
            if not size_seen:
                raise _Refused(TRUNCATED)
            following = JPEG_MARKER_IN_SCAN.search(data, end)
            if following is None:
                raise _Refused(TRUNCATED)
            kept.append(data[position : following.start()])
            position = following.start()
            continue
        if _keep_jpeg_segment(marker, body):
            kept.append(segment)
        else:
            if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
                exif_removed, found_orientation = _read_exif(body)
                removed |= exif_removed
                orientation = orientation if found_orientation == 1 else found_orientation
            else:
                removed.add("other")
                if any(word in body for word in XMP_LOCATION):
                    removed.add("location")
                if marker == 0xED or any(word in body for word in XMP_PEOPLE):
                    removed.add("people")
        position = end
    removed |= _after_the_end(data[position:])
    if orientation != 1:
        exif = _orientation_exif(orientation)
        kept.insert(1, b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif)
    cleaned = b"".join(kept)
    _decode(cleaned, "JPEG")
    return _Cleaned(cleaned, _removal_notes(removed))


def _keep_jpeg_segment(marker: int, body: bytes) -> bool:
    """Keep what draws the picture: tables, frame, JFIF header, colour profile, Adobe colour transform."""
    if marker == 0xFE:  # comment
        return False
    if 0xE0 <= marker <= 0xEF:
        return (
            (marker == 0xE0 and body.startswith(b"JFIF\x00"))
            or (marker == 0xE2 and body.startswith(b"ICC_PROFILE\x00"))
            or (marker == 0xEE and body.startswith(b"Adobe"))
        )
    return True


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width == 0 or height == 0:
        raise _Refused(TRUNCATED)
    if width * height > max_pixels:
        raise _Refused(TOO_MANY_PIXELS, width=width, height=height, limit=_number(max_pixels / 1_000_000))


def _after_the_end(trailing: bytes) -> set[str]:
    """What lies after a picture's end marker: a hidden file refuses it, anything else is dropped."""
    # A program counts only at the start: a phone's motion-photo clip may hold "MZ" by chance.
    if HIDDEN_MAGICS.search(trailing) or _is_program(trailing.lstrip(b"\x00")[:HEAD]):
        raise _Refused(POLYGLOT)
    return {"trailing"} if trailing.strip(b"\x00") else set()


def _read_exif(payload: bytes) -> tuple[set[str], int]:
    """What an EXIF block holds that identifies someone, and the picture's orientation (1 if unknown)."""
    found = {"other"}
    exif = Image.Exif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exif.load(payload)
            if exif.get_ifd(GPS_IFD):
                found.add("location")
            if any(exif.get(tag) for tag in EXIF_PEOPLE) or any(
                exif.get_ifd(EXIF_IFD).get(tag) for tag in EXIF_IFD_PEOPLE
            ):
                found.add("people")
            orientation = exif.get(EXIF_ORIENTATION, 1)
    except Exception:  # damaged EXIF: it is removed whole anyway, and the orientation is unknown
        return found, 1
    return found, orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1


def _orientation_exif(orientation: int) -> bytes:
    """An EXIF block (with its "Exif" header) holding only the orientation."""
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    return exif.tobytes()


def _decode(data: bytes, expected: str) -> None:
    """Decode the picture in full, so a damaged or cut-short one is refused."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                raise _Refused(TRUNCATED)
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            if expected == "JPEG":
                # At an eighth of the size: every byte is still read, in a sixty-fourth of the memory.
                image.draft(image.mode, (max(image.width // 8, 1), max(image.height // 8, 1)))
            image.load()
    except _Refused:
        raise
    except Exception as error:  # Pillow raises many kinds for damaged files
        raise _Refused(TRUNCATED) from error


def _removal_notes(removed: set[str]) -> tuple[str, ...]:
    """The sentence telling the uploader what was taken out of their picture, if anything."""
    parts = []
    if "location" in removed:
        parts.append("the picture's location (GPS)")
    if "people" in removed:
        parts.append("the name of its author or owner")
    if "other" in removed:
        parts.append(
            "other hidden details such as the camera model" if parts else "hidden details such as the camera model"
        )
    if "trailing" in removed:
        parts.append("extra data stored after the picture")
    if not parts:
        return ()
    what = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return (NOTE_REMOVED.replace("{what}", what),)


# Sound and video


def _mp3_frame(data: bytes, position: int) -> int | None:
    """The length of the MPEG audio layer III frame whose header starts at ``position``, or None."""
    header = data[position : position + 4]
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 3
    layer = (header[1] >> 1) & 3
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    padding = (header[2] >> 1) & 1
    bitrate = MP3_BITRATES[version][bitrate_index] * 1000
    rate = MP3_RATES[version][rate_index]
    return (144 if version == 3 else 72) * bitrate // rate + padding


def _check_mp3(data: bytes) -> None:
    """An ID3 tag (if any), then a frame followed by another frame or the end of the file."""
    start = 0
    if data.startswith(b"ID3"):
        if len(data) < 10:
            raise _Refused(TRUNCATED)
        size = 0
        for byte in data[6:10]:
            if byte & 0x80:
                raise _Refused(TRUNCATED)
            size = size << 7 | byte
        start = 10 + size + (10 if data[5] & 0x10 else 0)
        if start >= len(data):
            raise _Refused(TRUNCATED)
    for position in range(start, min(start + MP3_SEARCH, len(data))):
        length = _mp3_frame(data, position)
        if length is None:
            continue
        after = position + length
        if after == len(data) or (after < len(data) and _mp3_frame(data, after) is not None):
            return
        if after > len(data):
            break
    raise _Refused(TRUNCATED)


def _check_mp4(data: bytes, allowed: Collection[str]) -> str:
    """The kind ("mp4") of a whole MP4 file; _Refused for QuickTime, HEIC and the rest of its container family."""
    boxes = []
    position = 0
    while position < len(data):
        if len(data) - position < 8:
            raise _Refused(TRUNCATED)
        size, box_type = struct.unpack(">I4s", data[position : position + 8])
        header = 8
        if size == 1:
            if len(data) - position < 16:
                raise _Refused(TRUNCATED)
            size = struct.unpack(">Q", data[position + 8 : position + 16])[0]
            header = 16
        elif size == 0:
            size = len(data) - position
        if size < header or position + size > len(data) or not all(32 <= byte < 127 for byte in box_type):
            raise _Refused(TRUNCATED)
        boxes.append((box_type, data[position + header : position + size] if box_type == b"ftyp" else b""))
        position += size
    ftyp = boxes[0][1]
    if len(ftyp) < 8:
        raise _Refused(TRUNCATED)
    brands = {ftyp[:4]} | {ftyp[index : index + 4] for index in range(8, len(ftyp) - 3, 4)}
    if not brands & MP4_BRANDS:
        phrase = _allowed_phrase(allowed)
        if brands & HEIF_BRANDS:
            raise _Refused(HEIC if "jpeg" in allowed else NOT_ALLOWED, description="a HEIC photo", allowed=phrase)
        if b"qt  " in brands:
            raise _Refused(
                QUICKTIME if "mp4" in allowed else NOT_ALLOWED, description="a QuickTime movie", allowed=phrase
            )
        raise _Refused(NOT_ALLOWED, description="a kind of video that is not accepted", allowed=phrase)
    _require_allowed("mp4", allowed)
    if b"moov" not in {box_type for box_type, _ in boxes}:
        raise _Refused(TRUNCATED)
    return "mp4"


# Names and numbers in messages


def _shown(name: str) -> str:
    """A file's name as quoted in a message: no folders or invisible characters, cut short if long."""
    text = re.split(r"[/\\]", unicodedata.normalize("NFC", name))[-1]
    text = "".join(c for c in text if c not in BIDI_CONTROLS and unicodedata.category(c) not in ("Cc", "Zl", "Zp"))
    text = " ".join(text.split()).replace('"', "'") or "unnamed file"
    return f"{text[: SHOWN_LIMIT - 1]}…" if len(text) > SHOWN_LIMIT else text


def _megabytes(size: int, *, up: bool = False) -> str:
    """Bytes as MB for a message: to one decimal place (rounded up when ``up``, so 1 byte over shows over)."""
    value = size / MB
    if up:
        value = math.ceil(value * 10) / 10
    return _number(round(value, 1))


def _number(value: float) -> str:
    return f"{value:,.1f}".removesuffix(".0")
