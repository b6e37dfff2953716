"""Meeting packs: a Deck as PowerPoint and as a PDF handout, re-opened with python-pptx and pypdf."""

import datetime as dt
import io

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader

from ctdash import chart_images, charts, meeting_pack
from ctdash.errors import InvalidInput
from ctdash.models import AgendaKind
from ctdash.overview import Count
from ctdash.slides import Deck, Slide, WallTheme

THEMES = (
    ("send", "Special educational needs and disabilities (SEND)", "enabler", 5),
    ("send", "Special educational needs and disabilities (SEND)", "barrier", 2),
    ("rural", "Rural and geographic access", "barrier", 3),
)
STAGES = [Count("planning", 3), Count("analysis", 1)]
LONG = " ".join(f"Sentence {number} about who stops coming after the first term." for number in range(120))
HOSTILE = (
    "“Curly” quotes, café, Zürich, naïve, Ελληνικά, Кириллица, עברית, العربية, emoji 🎻🥁, "
    "<script>alert(1)</script> & **markdown**, a NUL\x00 and a bell\x07, a tab\tand\r\nWindows lines."
)


def deck(*slides: Slide, title: str = "Autumn working group (test data)") -> Deck:
    return Deck(
        meeting_id=1,
        title=title,
        held_on=dt.date(2026, 11, 26),
        place="Hatfield (example place)",
        description="This year's findings (test data).",
        join_code="ABCD2345",
        public_only=False,
        slides=slides,
    )


FULL = (
    Slide(AgendaKind.WELCOME, "Welcome", body="Scan the code to post to the wall."),
    Slide(
        AgendaKind.FINDING,
        "Who stops coming after the first term (test data)",
        subtitle="Example Music Hub · 2024-25 · barrier",
        body="Families who pay drop out twice as often.\n\nA second paragraph.",
        quote="We stopped when the second invoice came.",
        facts=(("Theme", "Socio-economic disadvantage"), ("Evidence", "participation data")),
        note="Ask the hub to say more.",
    ),
    Slide(
        AgendaKind.CHART,
        "Enablers and barriers by theme",
        chart=charts.kind_by_theme_chart(THEMES),
        chart_text=charts.describe_kind_by_theme(THEMES),
    ),
    Slide(
        AgendaKind.STATUS,
        "Research status",
        body="Where the projects are.",
        chart=charts.bar_chart(STAGES, title="Projects by stage"),
        chart_text=charts.describe(STAGES, noun="Research projects"),
        table=(("Stage", "Projects"), ("Planning", "3"), ("Analysis", "1")),
    ),
    Slide(
        AgendaKind.MAP,
        "Partner services",
        table=(("Service", "Region", "Role"),)
        + tuple((f"Example service {number}", "East of England", "Action research partner") for number in range(20)),
    ),
    Slide(
        AgendaKind.WALL,
        "What the room said",
        wall=(
            WallTheme("Rural and geographic access", 3, 5, ("Buses stop at six.", "Hubs in village halls work.")),
            WallTheme("No theme given", 1, 0, ("Free instruments.",)),
        ),
    ),
    Slide(AgendaKind.PARTNER, "A partner's profile", unavailable="This profile is not available just now."),
    Slide(AgendaKind.TEXT, "A long text", body=LONG),
)


@pytest.fixture(scope="module")
def pptx_file():
    return Presentation(io.BytesIO(meeting_pack.to_pptx(deck(*FULL))))


@pytest.fixture(scope="module")
def pdf_file():
    return PdfReader(io.BytesIO(meeting_pack.to_pdf(deck(*FULL))))


def _texts(slide) -> str:
    parts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            parts.append(shape.text_frame.text)
        if shape.has_table:
            parts += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(parts)


def _pictures(slide):
    return [shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]


def test_pptx_has_a_title_slide_then_one_slide_per_item_with_its_title(pptx_file):
    titles = [slide.shapes.title.text_frame.text for slide in pptx_file.slides]
    assert titles == ["Autumn working group (test data)"] + [slide.title for slide in FULL]
    assert titles == meeting_pack.slide_titles(deck(*FULL))


def test_pptx_is_16_by_9_and_every_shape_stays_on_its_slide(pptx_file):
    assert (pptx_file.slide_width, pptx_file.slide_height) == (meeting_pack.SLIDE_WIDTH, meeting_pack.SLIDE_HEIGHT)
    assert abs(pptx_file.slide_width / pptx_file.slide_height - 16 / 9) < 0.01
    for slide in pptx_file.slides:
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.top >= 0, shape.name
            assert shape.left + shape.width <= pptx_file.slide_width, shape.name
            assert shape.top + shape.height <= pptx_file.slide_height, shape.name


def test_the_title_slide_gives_the_date_and_place(pptx_file):
    text = _texts(pptx_file.slides[0])
    assert "Thursday 26 November 2026" in text
    assert "Hatfield (example place)" in text


def test_chart_slides_have_a_picture_with_the_charts_text_alternative(pptx_file):
    for index in (3, 4):
        pictures = _pictures(pptx_file.slides[index])
        assert len(pictures) == 1
        description = pictures[0]._element.nvPicPr.cNvPr.get("descr")
        assert description == FULL[index - 1].chart_text
        assert pictures[0].image.content_type == "image/png"
    assert not any(_pictures(slide) for index, slide in enumerate(pptx_file.slides) if index not in (3, 4))


def test_a_finding_slide_holds_its_subtitle_quote_body_and_facts_and_its_note(pptx_file):
    slide = pptx_file.slides[2]
    text = _texts(slide)
    for part in (
        "Example Music Hub · 2024-25 · barrier",
        "“We stopped when the second invoice came.”",
        "A second paragraph.",
        "Theme: Socio-economic disadvantage",
        "Evidence: participation data",
    ):
        assert part in text
    assert slide.notes_slide.notes_text_frame.text == "Ask the hub to say more."


def test_a_table_slide_shows_twelve_rows_and_counts_the_rest(pptx_file):
    tables = [shape.table for shape in pptx_file.slides[5].shapes if shape.has_table]
    assert len(tables) == 1
    rows = [[cell.text for cell in row.cells] for row in tables[0].rows]
    assert rows[0] == ["Service", "Region", "Role"]
    assert rows[1][0] == "Example service 0"
    assert len(rows) == 1 + meeting_pack.TABLE_ROWS + 1
    assert rows[-1][0] == "and 8 more"


def test_a_slide_with_a_table_and_a_chart_shows_both(pptx_file):
    slide = pptx_file.slides[4]
    assert len(_pictures(slide)) == 1
    assert any(shape.has_table for shape in slide.shapes)
    assert "Where the projects are." in _texts(slide)


def test_the_wall_slide_counts_each_theme_and_quotes_a_few_posts(pptx_file):
    text = _texts(pptx_file.slides[6])
    assert "Rural and geographic access" in text and "Buses stop at six." in text
    table = next(shape.table for shape in pptx_file.slides[6].shapes if shape.has_table)
    assert [cell.text for cell in table.rows[1].cells] == ["Rural and geographic access", "3", "5"]


def test_an_unavailable_item_says_its_sentence_and_nothing_else(pptx_file):
    slide = pptx_file.slides[7]
    assert "This profile is not available just now." in _texts(slide)
    assert not _pictures(slide) and not any(shape.has_table for shape in slide.shapes)


def test_long_text_is_shrunk_and_trimmed_with_the_whole_text_in_the_notes(pptx_file):
    slide = pptx_file.slides[8]
    body = next(shape for shape in slide.shapes if shape.has_text_frame and shape != slide.shapes.title)
    shown = body.text_frame.text
    assert shown.endswith(meeting_pack.TRIMMED) and len(shown) < len(LONG)
    sizes = {run.font.size.pt for paragraph in body.text_frame.paragraphs for run in paragraph.runs}
    assert sizes == {min(meeting_pack.SIZES)}
    assert LONG in slide.notes_slide.notes_text_frame.text


def test_a_chart_that_cannot_be_drawn_is_a_calm_sentence_and_the_next_slide_still_works():
    broken = Slide(AgendaKind.CHART, "Broken chart", chart={"mark": "no-such-mark", "data": {"values": "x"}})
    data = meeting_pack.to_pptx(deck(broken, FULL[0]))
    slides = list(Presentation(io.BytesIO(data)).slides)
    assert meeting_pack.CHART_FAILED in _texts(slides[1])
    assert "Scan the code" in _texts(slides[2])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(meeting_pack.to_pdf(deck(broken)))).pages)
    assert "could not be drawn" in text


def test_pdf_handout_has_pages_and_every_items_title(pdf_file):
    assert len(pdf_file.pages) >= 2
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf_file.pages)
    assert "Autumn working group (test data)" in text
    for number, slide in enumerate(FULL, start=1):
        assert f"{number}. {slide.title}" in text
    assert "This profile is not available just now." in text
    assert "Buses stop at six." in text
    assert pdf_file.metadata.title == "Autumn working group (test data)"


def test_pdf_handout_is_a4_portrait(pdf_file):
    box = pdf_file.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_hostile_unicode_text_never_breaks_either_file():
    hostile = Slide(
        AgendaKind.FINDING,
        HOSTILE[:120],
        subtitle=HOSTILE,
        body=(HOSTILE + "\n\n") * 40 + "x" * 5000,
        quote=HOSTILE,
        facts=((HOSTILE, HOSTILE),),
        table=((HOSTILE, "b"), (HOSTILE * 3, "d")),
        wall=(WallTheme(HOSTILE, 1, 2, (HOSTILE, "")),),
        note=HOSTILE,
    )
    pptx = Presentation(io.BytesIO(meeting_pack.to_pptx(deck(hostile, title=HOSTILE))))
    assert len(pptx.slides) == 2
    assert "Zürich" in pptx.slides[1].shapes.title.text_frame.text
    assert "\x00" not in pptx.slides[1].notes_slide.notes_text_frame.text
    pdf = PdfReader(io.BytesIO(meeting_pack.to_pdf(deck(hostile, title=HOSTILE))))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Zürich" in text and "Ελληνικά" in text and "<script>" in text


def test_an_empty_deck_is_a_title_slide_and_a_one_page_handout():
    assert len(Presentation(io.BytesIO(meeting_pack.to_pptx(deck()))).slides) == 1
    assert len(PdfReader(io.BytesIO(meeting_pack.to_pdf(deck()))).pages) == 1


def test_an_empty_wall_says_no_posts_were_shown():
    slide = Presentation(io.BytesIO(meeting_pack.to_pptx(deck(Slide(AgendaKind.WALL, "Wall"))))).slides[1]
    assert meeting_pack.NO_POSTS in _texts(slide)


# --- chart pictures -------------------------------------------------------------------------------


def test_a_chart_becomes_a_png_about_the_width_asked():
    data = chart_images.png(charts.bar_chart(STAGES, title="Projects by stage"), width_px=800)
    assert data.startswith(b"\x89PNG")
    width, height = chart_images.size(data)
    assert 600 <= width <= 900 and height > 50


def test_the_same_chart_is_drawn_once():
    spec = charts.kind_by_theme_chart(THEMES)
    assert chart_images.png(spec, width_px=900) is chart_images.png(dict(spec), width_px=900)


def test_drawing_leaves_the_shared_spec_unchanged():
    spec = charts.bar_chart(STAGES, title="Projects by stage")
    before = repr(spec)
    chart_images.png(spec, width_px=700)
    assert repr(spec) == before


def test_a_spec_that_cannot_be_drawn_is_a_user_error():
    with pytest.raises(InvalidInput, match="cannot be turned into a picture"):
        chart_images.png({"mark": "no-such-mark"})
