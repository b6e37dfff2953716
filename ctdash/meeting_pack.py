"""A session's meeting pack: its agenda (a ``ctdash.slides.Deck``) as a PowerPoint file and as a PDF handout.

The deck holds only what may be presented (``ctdash.slides``), so the pack never adds anything: it
lays out the same slides for a projector (16:9, large type) and for paper (A4). Text is plain and
fitted to its box: long text gets a smaller font, then is trimmed at a word with the full text kept
in the slide's notes, so nothing ever runs off a slide. Charts are pictures of the same Vega-Lite
specs the pages draw, each with its text alternative.
"""

from __future__ import annotations

import io
import logging
import math

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from ctdash import chart_images, documents
from ctdash.documents import clean, long_date, one_line, paragraphs, trim
from ctdash.errors import CtdashError
from ctdash.models import AgendaKind
from ctdash.slides import Deck, Slide, WallTheme

log = logging.getLogger(__name__)

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PDF_MIME = "application/pdf"
SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
ACCENT = RGBColor(0x1D, 0x4E, 0x89)
GREY = RGBColor(0x55, 0x55, 0x55)
INK = RGBColor(0x1A, 0x1A, 0x1A)
TITLE_CHARS = 90  # a title longer than this is trimmed: two lines at 32 pt
SIZES = (24, 22, 20, 18, 16, 14)  # body text sizes tried in turn, largest first; 14 pt is the smallest
TABLE_ROWS = 12  # rows a table slide shows (the header apart); the rest are counted
POSTS_PER_THEME = 3
PIXELS_PER_INCH = 110  # chart pictures: their 13 px labels come out about 17 pt on the slide
CHART_FAILED = "This chart could not be drawn for the pack; it is in the dashboard."
NO_POSTS = "No posts were shown on the wall."
TRIMMED = "… (the full text is in the notes)"

_TITLE_SLIDE, _TITLE_ONLY = 0, 5  # layouts of python-pptx's default template


def file_name(deck: Deck, extension: str) -> str:
    """e.g. 'ctdash-session-2026-11-26.pptx'."""
    return f"ctdash-session-{deck.held_on:%Y-%m-%d}.{extension}"


def slide_titles(deck: Deck) -> list[str]:
    """The titles the pack's slides carry, in order: the session's, then one per agenda item."""
    items = [one_line(slide.title, TITLE_CHARS) or "Untitled" for slide in deck.slides]
    return [one_line(deck.title, TITLE_CHARS), *items]


# --- PowerPoint -----------------------------------------------------------------------------------


def to_pptx(deck: Deck) -> bytes:
    """The deck as a 16:9 PowerPoint file: a title slide, then one slide per agenda item."""
    presentation = Presentation()
    presentation.slide_width, presentation.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    presentation.core_properties.title = one_line(deck.title, 200)
    presentation.core_properties.subject = "Changing Tracks working-group session"
    presentation.core_properties.author = "Changing Tracks inclusion dashboard"
    _title_slide(presentation, deck)
    for item in deck.slides:
        slide = presentation.slides.add_slide(presentation.slide_layouts[_TITLE_ONLY])
        _place_title(slide, item.title, item.subtitle)
        try:
            notes = _content(slide, item)
        except Exception:  # one odd item must never cost the facilitator the whole pack
            log.exception("meeting pack: could not lay out an item of meeting %s", deck.meeting_id)
            _clear_content(slide)
            _unavailable(slide, "This item could not be laid out for the pack; it is in the dashboard.")
            notes = []
        note_text = "\n\n".join(part for part in [clean(item.note).strip(), *notes] if part)
        if note_text:
            slide.notes_slide.notes_text_frame.text = note_text
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def _title_slide(presentation, deck: Deck) -> None:
    slide = presentation.slides.add_slide(presentation.slide_layouts[_TITLE_SLIDE])
    title, subtitle = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = MARGIN, Inches(1.6), SLIDE_WIDTH - 2 * MARGIN, Inches(2.2)
    subtitle.left, subtitle.top = MARGIN, Inches(4.0)
    subtitle.width, subtitle.height = SLIDE_WIDTH - 2 * MARGIN, Inches(2.6)
    _set_text(title.text_frame, [one_line(deck.title, 120)], size=40 if len(deck.title) <= 60 else 32, bold=True)
    title.text_frame.paragraphs[0].runs[0].font.color.rgb = ACCENT
    lines = [long_date(deck.held_on)]
    if deck.place:
        lines.append(one_line(deck.place, 160))
    if deck.description:
        lines.append(trim(one_line(deck.description), 300))
    _set_text(subtitle.text_frame, lines, size=22, colour=GREY)


def _place_title(slide, title: str, subtitle: str) -> None:
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, Inches(0.3), SLIDE_WIDTH - 2 * MARGIN, Inches(1.1)
    text = one_line(title, TITLE_CHARS) or "Untitled"
    _set_text(shape.text_frame, [text], size=32 if len(text) <= 50 else 26, bold=True, colour=ACCENT)
    shape.text_frame.vertical_anchor = MSO_ANCHOR.BOTTOM
    for paragraph in shape.text_frame.paragraphs:
        paragraph.alignment = PP_ALIGN.LEFT
    if subtitle:
        box = slide.shapes.add_textbox(MARGIN, Inches(1.42), SLIDE_WIDTH - 2 * MARGIN, Inches(0.5))
        _set_text(box.text_frame, [one_line(subtitle, 90)], size=18, colour=GREY)  # one line


def _content(slide, item: Slide) -> list[str]:
    """Lay out the item's content below its title; returns text that belongs in the notes (what was trimmed).

    Words go on the left beside one other part (a chart, a table), or in a band above two parts (a
    table and a chart) or the wall; a chart beside a table takes the right half.
    """
    top = Inches(2.05)
    left, width, height = MARGIN, SLIDE_WIDTH - 2 * MARGIN, SLIDE_HEIGHT - top - Inches(0.35)
    if item.unavailable:
        _unavailable(slide, item.unavailable)
        return []
    blocks = _text_blocks(item)
    if item.kind == AgendaKind.WALL and not item.wall and not blocks:
        blocks.append(("grey", NO_POSTS))
    parts = [part for part in ("wall", "table", "chart") if getattr(item, part)]
    notes: list[str] = []
    if blocks and (item.wall or len(parts) > 1):  # a band of words above
        notes += _text_box(slide, blocks, left, top, width, Inches(1.1))
        top, height, blocks = top + Inches(1.2), height - Inches(1.2), []
    if blocks and parts:  # words on the left
        notes += _text_box(slide, blocks, left, top, Inches(4.3), height)
        left, width = left + Inches(4.6), width - Inches(4.6)
    elif blocks:
        notes += _text_box(slide, blocks, left, top, width, height)
    if item.wall:
        _wall(slide, item.wall, left, top, width, height)
        return notes
    chart_left, chart_width = left, width
    if item.table:
        table_width = width // 2 if item.chart else width
        _table(slide, item.table, left, top, table_width - (Inches(0.3) if item.chart else 0), height)
        chart_left, chart_width = left + table_width, width - table_width
    if item.chart:
        picture = _chart_picture(item, width_px=int(Emu(chart_width).inches * PIXELS_PER_INCH))
        if picture is None:
            box = slide.shapes.add_textbox(chart_left, top, chart_width, Inches(1))
            _set_text(box.text_frame, [CHART_FAILED], size=18, colour=GREY)
        else:
            _picture(slide, picture, item.chart_text, chart_left, top, chart_width, height)
    return notes


def _text_blocks(item: Slide) -> list[tuple[str, str]]:
    """The item's words as (style, paragraph) pairs: quote, body, facts, and a chart's sentence if it has no picture."""
    blocks: list[tuple[str, str]] = []
    if item.quote.strip():
        blocks.append(("quote", f"“{one_line(item.quote, 600)}”"))
    blocks += [("body", paragraph) for paragraph in paragraphs(item.body)]
    blocks += [("fact", f"{one_line(label, 80)}: {one_line(value, 300)}") for label, value in item.facts]
    return blocks


def _fits(blocks: list[tuple[str, str]], width: int, height: int, size: int) -> bool:
    """Whether ``blocks`` at ``size`` pt fit the box, by an average character width of 0.52 em (DejaVu/Calibri)."""
    per_line = max(8, int(Emu(width).pt / (size * 0.52)))
    lines = sum(max(1, math.ceil(len(text) / per_line)) for _, text in blocks)
    needed = lines * size * 1.2 + len(blocks) * size * 0.5
    return needed <= Emu(height).pt - 10


def _text_box(slide, blocks: list[tuple[str, str]], left, top, width, height) -> list[str]:
    """The blocks in the largest size that fits; at the smallest, body text is trimmed and kept for the notes."""
    notes: list[str] = []
    size = next((size for size in SIZES if _fits(blocks, width, height, size)), None)
    if size is None:
        size = SIZES[-1]
        full = "\n\n".join(text for style, text in blocks if style == "body")
        blocks = _trimmed(blocks, width, height, size)
        notes.append(f"Full text:\n\n{full}")
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    for index, (style, text) in enumerate(blocks):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(size * 0.5)
        if style == "fact" and ": " in text:
            label, value = text.split(": ", 1)
            _run(paragraph, label + ": ", size, bold=True)
            _run(paragraph, value, size)
        else:
            _run(
                paragraph,
                text,
                size + (2 if style == "quote" else 0),
                italic=style == "quote",
                colour=ACCENT if style == "quote" else GREY if style == "grey" else INK,
            )
    return notes


def _trimmed(blocks: list[tuple[str, str]], width, height, size: int) -> list[tuple[str, str]]:
    """Blocks cut down to fit at ``size``: quote and facts kept, the body shortened at a word."""
    kept = [block for block in blocks if block[0] != "body"]
    body = " ".join(text for style, text in blocks if style == "body")
    low, high = 0, len(body)
    while low < high:  # the longest body prefix that fits
        middle = (low + high + 1) // 2
        if _fits([("body", trim(body, middle) + TRIMMED), *kept], width, height, size):
            low = middle
        else:
            high = middle - 1
    shown = [("body", trim(body, low) + TRIMMED)] if low > 20 else [("grey", "The text is in the notes.")]
    quote = [block for block in kept if block[0] == "quote"]
    rest = [block for block in kept if block[0] != "quote"]
    result = quote + shown + rest
    while len(result) > 1 and not _fits(result, width, height, size):
        result.pop()  # facts that still do not fit are in the notes with the rest
    return result


def _run(paragraph, text: str, size: float, *, bold=False, italic=False, colour: RGBColor = INK) -> None:
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    run.font.color.rgb = colour


def _set_text(frame, lines: list[str], *, size: float, bold=False, colour: RGBColor = INK) -> None:
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.text = ""
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        _run(paragraph, line, size, bold=bold, colour=colour)


def _unavailable(slide, sentence: str) -> None:
    box = slide.shapes.add_textbox(MARGIN, Inches(3.0), SLIDE_WIDTH - 2 * MARGIN, Inches(1.5))
    _set_text(box.text_frame, [one_line(sentence, 300)], size=24, colour=GREY)
    box.text_frame.paragraphs[0].alignment = PP_ALIGN.CENTER


def _clear_content(slide) -> None:
    """Remove everything but the title, after a failed layout."""
    for shape in list(slide.shapes):
        if shape != slide.shapes.title:
            shape._element.getparent().remove(shape._element)


def _chart_picture(item: Slide, *, width_px: int = 1600) -> bytes | None:
    try:
        return chart_images.png(item.chart, width_px=width_px)
    except CtdashError:
        log.warning("meeting pack: a chart could not be drawn", exc_info=True)
        return None


def _picture(slide, png: bytes, alt_text: str, left, top, width, height) -> None:
    """The chart centred in its box at its own proportions, its text alternative as the picture's description."""
    width_px, height_px = chart_images.size(png)
    scale = min(width / width_px, height / height_px)
    shown_width, shown_height = int(width_px * scale), int(height_px * scale)
    picture = slide.shapes.add_picture(
        io.BytesIO(png),
        int(left + (width - shown_width) / 2),
        int(top + (height - shown_height) / 2),
        shown_width,
        shown_height,
    )
    description = one_line(alt_text, 2000) or "A chart from the Changing Tracks dashboard."
    picture._element.nvPicPr.cNvPr.set("descr", description)  # PowerPoint's alt text
    picture.name = "Chart"


def _table(slide, rows: tuple[tuple[str, ...], ...], left, top, width, height) -> None:
    header, body = rows[0], list(rows[1:])
    columns = max(len(row) for row in rows)
    more = len(body) - TABLE_ROWS
    body = body[:TABLE_ROWS]
    size = 16 if len(body) <= 8 and columns <= 4 else 12
    shown = [header, *body] + ([(f"and {more} more",)] if more > 0 else [])
    # Columns as wide as their longest text (within bounds); one line a cell, trimmed at a word, so
    # PowerPoint never grows a row past the slide's foot.
    weights = [
        min(40, max(6, *(len(one_line(row[column])) for row in shown if column < len(row))))
        for column in range(columns)
    ]
    widths = [int(width * weight / sum(weights)) for weight in weights]
    # Two lines a cell when every row can have them, else one.
    lines = 2 if len(shown) * (2 * size * 1.2 + 8) <= Emu(height).pt else 1
    row_height = int(min(Pt(lines * size * 1.2 + 8), height / len(shown)))
    frame = slide.shapes.add_table(len(shown), columns, left, top, sum(widths), row_height * len(shown))
    table = frame.table
    for column, column_width in enumerate(widths):
        table.columns[column].width = column_width
    for row_index, row in enumerate(shown):
        table.rows[row_index].height = row_height
        for column in range(columns):
            cell = table.cell(row_index, column)
            limit = max(6, int((Emu(widths[column]).pt - 15) / (size * 0.56))) * lines
            cell.text = one_line(row[column], limit) if column < len(row) else ""
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)
                    run.font.bold = row_index == 0


def _wall(slide, themes: tuple[WallTheme, ...], left, top, width, height) -> None:
    """Themes with their counts (a table) and a few posts of each (beside it)."""
    rows = [("Theme", "Enablers", "Barriers")] + [
        (one_line(theme.theme, 60), str(theme.enablers), str(theme.barriers)) for theme in themes
    ]
    table_width = int(width * 0.55)
    _table(slide, tuple(rows), left, top, table_width, height)
    blocks = []
    for theme in themes:
        posts = [one_line(post, 200) for post in theme.posts[:POSTS_PER_THEME] if post.strip()]
        if posts:
            blocks.append(("fact", f"{one_line(theme.theme, 60)}: " + " · ".join(f"“{post}”" for post in posts)))
    if blocks:
        _text_box(slide, blocks, left + table_width + Inches(0.4), top, width - table_width - Inches(0.4), height)


# --- PDF handout ----------------------------------------------------------------------------------


def to_pdf(deck: Deck) -> bytes:
    """The deck as a printable A4 handout: the session's title, then each item with its words and chart."""
    pdf = documents.PdfDocument(title=deck.title, footer_text=f"{deck.title}, {long_date(deck.held_on)}")
    pdf.add_page()
    pdf.heading(deck.title, size=22, keep_with=20)
    pdf.prose(long_date(deck.held_on) + (f" · {deck.place}" if deck.place else ""), grey=True, size=12)
    if deck.description:
        pdf.prose(deck.description)
    pdf.ln(4)
    for number, item in enumerate(deck.slides, start=1):
        try:
            _handout_item(pdf, number, item)
        except Exception:  # as in the slides: one odd item never costs the whole handout
            log.exception("meeting pack: could not print an item of meeting %s", deck.meeting_id)
            pdf.prose("This item could not be printed; it is in the dashboard.", grey=True)
        pdf.ln(4)
    return pdf.to_bytes()


def _handout_item(pdf: documents.PdfDocument, number: int, item: Slide) -> None:
    picture = _chart_picture(item, width_px=1000) if item.chart and not item.unavailable else None
    # A heading stays with the start of its item: the picture, when the item opens with one.
    opens_with_picture = picture is not None and not (item.quote.strip() or item.body or item.facts or item.table)
    keep_with = pdf.picture_size(picture, max_height=110)[1] + 12 if opens_with_picture else 40
    pdf.heading(f"{number}. {one_line(item.title, TITLE_CHARS) or 'Untitled'}", size=15, keep_with=keep_with)
    if item.subtitle:
        pdf.prose(item.subtitle, grey=True)
    if item.unavailable:
        pdf.prose(item.unavailable, grey=True)
        return
    if item.quote.strip():
        pdf.prose(f"“{one_line(item.quote)}”", size=12, indent=6)
    if item.body:
        pdf.prose(item.body)
    if item.facts:
        pdf.facts(item.facts)
    if item.table:
        pdf.table_of(item.table)
    if item.chart:
        if picture is None:
            pdf.prose(CHART_FAILED, grey=True)
        else:
            pdf.picture(picture, alt_text=item.chart_text, max_height=110)
        if item.chart_text:
            pdf.prose(item.chart_text, grey=True, size=9.5)
    if item.kind == AgendaKind.WALL and not item.wall:
        pdf.prose(NO_POSTS, grey=True)
    if item.wall:
        pdf.table_of(
            [("Theme", "Enablers", "Barriers")]
            + [(theme.theme, str(theme.enablers), str(theme.barriers)) for theme in item.wall],
            widths=(3, 1, 1),
        )
        for theme in item.wall:
            posts = [post for post in theme.posts[:POSTS_PER_THEME] if post.strip()]
            if posts:
                pdf.prose(theme.theme, bold=True)
                for post in posts:
                    pdf.prose(f"“{one_line(post, 400)}”", indent=6)
