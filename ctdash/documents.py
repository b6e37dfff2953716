"""What the exported documents share: text safe for their XML, and an A4 PDF with a Unicode font.

Used by ``ctdash.meeting_pack`` (PowerPoint and a PDF handout) and ``ctdash.report`` (Word and PDF).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

from fpdf import FPDF
from fpdf.enums import TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from ctdash import chart_images
from ctdash.chart_images import FONTS_DIR

# Characters XML 1.0 forbids (PowerPoint and Word files are XML): control characters but tab and
# newline, lone surrogates, and the two non-characters. Other control characters go too.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t]+")
FONT = "DejaVu"
INK = (26, 26, 26)
GREY = (90, 90, 90)
ACCENT = (29, 78, 137)  # the dashboard's primary colour, #1d4e89


def clean(text: object) -> str:
    """``text`` as a str that any document format can hold: no control characters, newlines kept."""
    value = unicodedata.normalize("NFC", str(text or "")).replace("\r\n", "\n").replace("\r", "\n")
    return _FORBIDDEN.sub("", value)


def one_line(text: object, limit: int = 0) -> str:
    """``text`` on one line (for headings and cells), trimmed at a word to ``limit`` characters when given."""
    value = _SPACES.sub(" ", clean(text).replace("\n", " ")).strip()
    return trim(value, limit) if limit else value


def trim(text: str, limit: int) -> str:
    """``text`` cut at a word boundary so that it and a closing ellipsis fit in ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def paragraphs(text: str) -> list[str]:
    """A plain text's paragraphs (separated by blank lines), each on one line."""
    return [one_line(part) for part in re.split(r"\n\s*\n", clean(text)) if part.strip()]


def long_date(day: dt.date) -> str:
    """'Thursday 26 November 2026'."""
    return f"{day:%A} {day.day} {day:%B %Y}"


class PdfDocument(FPDF):
    """An A4 portrait PDF in DejaVu Sans (bundled), with a footer of ``footer_text`` and page numbers."""

    def __init__(self, *, title: str, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = one_line(footer_text, 90)
        self.add_font(FONT, "", str(FONTS_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONTS_DIR / "DejaVuSans-Bold.ttf"))
        self.set_title(one_line(title, 200))
        self.set_lang("en-GB")
        self.set_creator("ctdash")
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=20)
        self.set_font(FONT, size=11)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.footer_text}   ·   page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(*INK)

    @property
    def usable_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def heading(self, text: str, *, size: int = 16, keep_with: float = 40) -> None:
        """A bold heading, moved to the next page unless ``keep_with`` mm fit below it."""
        if self.will_page_break(size * 0.6 + keep_with):
            self.add_page()
        self.set_font(FONT, "B", size)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, size * 0.5, one_line(text, 300), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.set_font(FONT, size=11)
        self.ln(1.5)

    def prose(self, text: str, *, size: float = 11, grey: bool = False, bold: bool = False, indent: float = 0) -> None:
        """Paragraphs of plain text, wrapped to the page (long words are broken, never run off it)."""
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*(GREY if grey else INK))
        for paragraph in paragraphs(text):
            self.set_x(self.l_margin + indent)
            self.multi_cell(
                self.usable_width - indent, size * 0.48, paragraph, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            self.ln(size * 0.2)
        self.set_text_color(*INK)
        self.set_font(FONT, size=11)

    def facts(self, lines: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> None:
        """Label and value lines, the label in bold."""
        for label, value in lines:
            self.set_font(FONT, "B", 11)
            self.write(5.5, one_line(label, 120) + ": ")
            self.set_font(FONT, "", 11)
            self.write(5.5, one_line(value, 400))
            self.ln(6)
        self.ln(1)

    def table_of(self, rows, *, widths: tuple[float, ...] | None = None, size: float = 9.5) -> None:
        """A table whose first row is its header; cells trimmed to 300 characters."""
        rows = [[one_line(cell, 300) for cell in row] for row in rows if row]
        if len(rows) < 1:
            return
        columns = max(len(row) for row in rows)
        rows = [row + [""] * (columns - len(row)) for row in rows]
        self.set_font(FONT, size=size)
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=size * 0.5,
            headings_style=FontFace(emphasis="BOLD", fill_color=(228, 234, 242)),
            cell_fill_color=(247, 247, 247),
            cell_fill_mode=TableCellFillMode.ROWS,
            padding=1.2,
            width=self.usable_width,
        ) as table:
            for row in rows:
                table.row(row)
        self.set_font(FONT, size=11)
        self.ln(3)

    def picture_size(self, png: bytes, *, max_height: float = 120) -> tuple[float, float]:
        """The width and height in mm that ``picture`` gives ``png``."""
        width_px, height_px = chart_images.size(png)
        width = self.usable_width
        height = width * height_px / width_px
        if height > max_height:
            width, height = width * max_height / height, max_height
        return width, height

    def picture(self, png: bytes, *, alt_text: str, max_height: float = 120) -> None:
        """A chart picture across the page (no taller than ``max_height`` mm), with its text alternative."""
        width, height = self.picture_size(png, max_height=max_height)
        if self.will_page_break(height + 2):
            self.add_page()
        self.image(io.BytesIO(png), x=self.l_margin, w=width, h=height, alt_text=one_line(alt_text, 1000) or None)
        self.ln(3)

    def to_bytes(self) -> bytes:
        return bytes(self.output())
