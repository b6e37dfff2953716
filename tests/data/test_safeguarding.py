"""Personal data in a finding is found, shown exactly as typed and placed; ordinary finding text is left alone.

Phone numbers come from Ofcom's ranges for drama where phonenumbers holds them valid, or are made up.
"""

from __future__ import annotations

import time
import unicodedata

import pytest

from ctdash.safeguarding import KINDS, Hit, label, scan, scan_filename

FINDING = (
    "Between 2022-23 and 2024-25, 120 pupils in Year 5 joined whole-class ensembles in Hull and Cornwall; "
    "attendance rose from 62% to 81% (n=340). Cycle 2 focused on SEND pupils aged 7-11. In Year 6, 40% of "
    "pupils said they felt they belonged (Hull Music Service, 2024). Funding of £1,250 per school was matched "
    "by 14 schools, and sessions ran from 03/04/2024 to 12/07/2024, 10:30-12:00 on Fridays. "
)


def found(text: str) -> list[tuple[str, str]]:
    return [(hit.kind, hit.text) for hit in scan({"summary": text})]


# Email addresses


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("Contact jo@example.org for the data.", "jo@example.org"),
        ("jo.bloggs+x@school.sch.uk", "jo.bloggs+x@school.sch.uk"),
        ("Email Jo.Bloggs@Hull.gov.uk.", "Jo.Bloggs@Hull.gov.uk"),
        ("[Jo](mailto:jo@example.org)", "jo@example.org"),
        ("write to jo_b@x.co.uk, please", "jo_b@x.co.uk"),
        ("zoë@exämple.org", "zoë@exämple.org"),
        ("(head-of-music@st-marys.sch.uk)", "head-of-music@st-marys.sch.uk"),
        ("jo at example dot org", "jo at example dot org"),
        ("jo [at] example [dot] org", "jo [at] example [dot] org"),
        ("jo(at)hull(dot)sch(dot)uk", "jo(at)hull(dot)sch(dot)uk"),
    ],
)
def test_an_email_address_is_found_as_written(text, email):
    assert found(text) == [("email", email)]


@pytest.mark.parametrize(
    "text",
    [
        "Follow us @HullMusic",
        "hello@hullmusic",
        "jo@example",
        "a@b",
        "jo at example",
        "looking back at the dot com years",
        "Sessions at Hull dot points",
    ],
)
def test_handles_and_addresses_without_a_domain_are_not_emails(text):
    assert found(text) == []


# Phone numbers


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Call 0300 123 4567 for details", "0300 123 4567"),
        ("020 7946 0958", "020 7946 0958"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("+44 (0)20 7946 0958", "+44 (0)20 7946 0958"),
        ("0044 20 7946 0958", "0044 20 7946 0958"),
        ("ring (0113) 496 0123.", "(0113) 496 0123"),
        ("0113-496-0123", "0113-496-0123"),
        ("0113.496.0123", "0113.496.0123"),
        ("0161 496 0000", "0161 496 0000"),
        ("028 9649 6123", "028 9649 6123"),
        ("mobile 07400 123456", "07400 123456"),
        ("07400 123 456", "07400 123 456"),
        ("07400123456", "07400123456"),
        ("tel:+447400123456", "+447400123456"),
        ("text 07400 123456 ext. 12", "07400 123456"),
    ],
)
def test_a_uk_phone_number_is_found_as_written(text, number):
    assert found(text) == [("phone", number)]


@pytest.mark.parametrize(
    "text",
    [
        "Between 2022-23 and 2024-25",
        "120 pupils and 1,250 instruments",
        "£1,250 per school; £12,345,678 in all",
        "from 03/04/2015 to 2015-04-03",
        "10:30-12:00 on Fridays",
        "grant 1234 567 890",
        "Ref 2024/25-001",
        "n=1,234,567",
        "URN 117234, UKPRN 10012345",
        "Cycle 2 2023 2024 2025",
        "scores 12 34 56 78 90",
        "IMG20240301123456",
        "x07400123456y",
        "+1 415 555 2671",
    ],
)
def test_years_counts_amounts_dates_and_numbers_from_elsewhere_are_not_phone_numbers(text):
    assert found(text) == []


# Postcodes


@pytest.mark.parametrize(
    ("text", "postcode"),
    [
        ("SW1A 1AA", "SW1A 1AA"),
        ("m11ae", "m11ae"),
        ("sw1a1aa", "sw1a1aa"),
        ("Truro TR1 2AB", "TR1 2AB"),
        ("GIR 0AA", "GIR 0AA"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("lives at HU1 2AA.", "HU1 2AA"),
        ("(A1 2BD)", "A1 2BD"),
        ("photo_TR12AB_final", "TR12AB"),
    ],
)
def test_a_full_postcode_is_found_with_or_without_its_space(text, postcode):
    assert found(text) == [("postcode", postcode)]


@pytest.mark.parametrize(
    "text",
    [
        "TR1",
        "schools in HU1 and TR1",
        "TR1 2",
        "AB12",
        "KS2 and Y6",
        "COVID-19",
        "H2O",
        "SW1A1AAB",
        "XSW1A 1AA",
        "A1 2BC",  # an inward code never has C
        "in Y6 2nd half term",
        "y6 2nd",
        "Sw1a 1AA",
    ],
)
def test_outward_codes_lookalikes_and_mixed_case_are_not_postcodes(text):
    assert found(text) == []


# Dates of birth


@pytest.mark.parametrize(
    ("text", "date_of_birth"),
    [
        ("Leo was born 3/4/2015 in Hull", "born 3/4/2015"),
        ("DOB: 03-04-2015", "DOB: 03-04-2015"),
        ("date of birth 3 April 2015", "date of birth 3 April 2015"),
        ("b. 2015-04-03", "b. 2015-04-03"),
        ("born on 3rd April 2015", "born on 3rd April 2015"),
        ("born April 3, 2015", "born April 3, 2015"),
        ("Date of birth - 03/04/2015", "Date of birth - 03/04/2015"),
        ("D.O.B. 3.4.15", "D.O.B. 3.4.15"),
        ("her birthday is 12 May", "birthday is 12 May"),
        ("03/04/2015 (DOB)", "03/04/2015 (DOB)"),
    ],
)
def test_a_date_next_to_born_or_dob_is_a_date_of_birth(text, date_of_birth):
    assert found(text) == [("date_of_birth", date_of_birth)]


@pytest.mark.parametrize(
    "text",
    [
        "Sessions ran from 03/04/2024 to 12/07/2024.",
        "The programme started on 3 April 2023.",
        "born in 2015",
        "Born in Hull, she now teaches.",
        "DOB",
        "Table b. 2015",
    ],
)
def test_dates_without_a_birth_word_are_not_dates_of_birth(text):
    assert found(text) == []


# A child named with their age or school year


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Amira, aged 9, said she felt welcome.", "Amira, aged 9"),
        ("Jack (Year 4) joined the band.", "Jack (Year 4)"),
        ("Year 6 pupil Sam led the warm-up.", "Year 6 pupil Sam"),
        ("One pupil, Sam, 14, said it helped.", "Sam, 14"),
        ("We met a 9-year-old called Leo.", "a 9-year-old called Leo"),
        ("Zoë, aged 8, sang.", "Zoë, aged 8"),
        ("Amira Khan, aged 9, said", "Amira Khan, aged 9"),
        ("Amira Manning, aged 9", "Amira Manning, aged 9"),
        ("Ciarán O'Neill, aged 10", "Ciarán O'Neill, aged 10"),
        ("Mary-Jane, aged 7", "Mary-Jane, aged 7"),
        ("Tom (10) said", "Tom (10)"),
        ("Leo (9, Year 4) wrote", "Leo (9, Year 4)"),
        ("Ella (aged 8, Year 3) wrote", "Ella (aged 8, Year 3)"),
        ("Leo, 9 years old, said", "Leo, 9 years old"),
        ("Leo is 9 years old", "Leo is 9 years old"),
        ("Leo, who is 9, said", "Leo, who is 9"),
        ("Ava, Y4, said", "Ava, Y4"),
        ("Ada (Reception) drew it", "Ada (Reception)"),
        ("Chloé (Year 6)", "Chloé (Year 6)"),
        ("We spoke to Leo in Year 4 about it.", "Leo in Year 4"),
        ("Yusuf, a Year 10 pupil, said", "Yusuf, a Year 10 pupil"),
        ("Year 5 student Priya Shah said", "Year 5 student Priya Shah"),
        ("a 12-year-old girl called Maya", "a 12-year-old girl called Maya"),
        ("the 9-year-old Leo", "9-year-old Leo"),
        ("**Amira**, aged 9", "Amira**, aged 9"),
        ("as told by Sam, 14.", "Sam, 14"),
    ],
)
def test_a_name_next_to_an_age_or_school_year_is_found(text, named):
    assert found(text) == [("child_named_with_age", named)]


@pytest.mark.parametrize(
    "text",
    [
        "Year 4 pupils enjoyed the samba sessions.",
        "In Year 6, 40% of pupils said they belonged.",
        "Hull Music Service, 2024",
        "Cornwall (2019) found the same.",
        "Milton Keynes, 12, Luton, 9.",
        "In September, Year 3 classes began.",
        "Overall, Year 6 pupils were more confident.",
        "Attendance in Year 4 rose from 62% to 81%.",
        "Children aged 7-11 took part; pupils aged 9 and 10 were interviewed.",
        "The Strings (12), Brass (8) and Choir (20) groups met weekly.",
        "Key Stage 2 (Years 3-6) and Table 3 (Year 5).",
        "Our Year 10 students led the workshop.",
        "This Year 7 cohort was new. During Year 9, uptake fell.",
        "At Truro (9 schools) the hub ran sessions; at Truro (9) too.",
        "Transition (Year 6) was a theme.",
        "Mrs Khan, Year 4 teacher, said the class loved it.",
        "Mr Jones (Year 6) agreed.",
        "Pupil A, aged 9, and Pupil B (Year 4).",
        "SEND (9), EAL (14).",
        "Whole-class (Year 4) tuition.",
        "Singing (Year 3) was popular.",
        "Hertfordshire in Year 2 of the project expanded.",
        "Twelve pupils, aged 8, joined.",
        "Boys (Year 8) and girls (Year 8) chose differently.",
        "Friday, 12, was the busiest day.",
        "Southampton, Year 2, saw growth.",
        "May, 12, was the deadline.",
        "Leo in Year 4 said it was fun.",  # a sentence's first word before "in Year 4" is usually not a name
    ],
)
def test_ordinary_finding_text_about_years_and_ages_names_no_child(text):
    assert found(text) == []


def test_a_realistic_finding_holds_no_personal_data():
    assert found(FINDING * 3) == []


def test_a_phone_number_at_the_end_of_a_realistic_finding_is_the_only_hit():
    text = FINDING + "Call 0300 123 4567."
    assert scan({"summary": text}) == [
        Hit(field="summary", kind="phone", text="0300 123 4567", start=len(FINDING) + 5, end=len(FINDING) + 18)
    ]


# Fields, offsets and order


def test_hits_come_in_field_order_then_by_position_with_their_offsets():
    fields = {
        "title": "Leo (9) on drums",
        "summary": "Write to jo@example.org or call 020 7946 0958; Amira, aged 9, lives at TR1 2AB.",
        "research_question": "Who comes back?",
    }
    hits = scan(fields)
    assert [(hit.field, hit.kind, hit.text) for hit in hits] == [
        ("title", "child_named_with_age", "Leo (9)"),
        ("summary", "email", "jo@example.org"),
        ("summary", "phone", "020 7946 0958"),
        ("summary", "child_named_with_age", "Amira, aged 9"),
        ("summary", "postcode", "TR1 2AB"),
    ]
    assert all(fields[hit.field][hit.start : hit.end] == hit.text for hit in hits)


def test_empty_and_missing_fields_are_skipped():
    assert scan({"title": None, "summary": "", "notes": "   ", "evidence_type": "Survey"}) == []
    assert scan({}) == []


def test_a_postcode_inside_an_email_address_is_found_once_as_the_address():
    assert found("jo@tr12ab.org") == [("email", "jo@tr12ab.org")]


# Wording


def test_kinds_are_the_five_described_in_plain_words():
    assert KINDS == {
        "email": "an email address",
        "phone": "a phone number",
        "postcode": "a full postcode",
        "date_of_birth": "a date of birth",
        "child_named_with_age": "a child's name next to their age or school year",
    }


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("jo@example.org", "An email address, 'jo@example.org', in Summary"),
        ("020 7946 0958", "A phone number, '020 7946 0958', in Summary"),
        ("TR1 2AB", "A full postcode, 'TR1 2AB', in Summary"),
        ("born 3/4/2015", "A date of birth, 'born 3/4/2015', in Summary"),
        ("Amira, aged 9", "A child's name next to their age or school year, 'Amira, aged 9', in Summary"),
    ],
)
def test_each_hit_describes_what_it_found_and_where(text, description):
    [hit] = scan({"summary": text})
    assert hit.describe() == description


def test_a_hit_uses_the_label_the_form_shows_when_given_one():
    [hit] = scan({"research_question": "Ask jo@example.org"})
    assert hit.describe() == "An email address, 'jo@example.org', in Research question"
    assert hit.describe({"research_question": "What we asked"}) == (
        "An email address, 'jo@example.org', in What we asked"
    )


def test_a_field_key_reads_as_a_label():
    assert label("summary") == "Summary"
    assert label("research_question") == "Research question"
    assert label("attachment: photo.jpg") == "the file name photo.jpg"


# File names


@pytest.mark.parametrize(
    ("name", "kind", "text"),
    [
        ("Amira_age9_photo.jpg", "child_named_with_age", "Amira_age9"),
        ("Jack-Year4.jpg", "child_named_with_age", "Jack-Year4"),
        ("Ava_Y4_drawing.png", "child_named_with_age", "Ava_Y4"),
        ("Leo_9yo.jpg", "child_named_with_age", "Leo_9yo"),
        ("jo.bloggs@example.org.pdf", "email", "jo.bloggs@example.org"),
        ("from_jo@example.org_notes.docx", "email", "from_jo@example.org"),
        ("call_07400123456.pdf", "phone", "07400123456"),
        ("address_TR1_2AB.txt", "postcode", "TR1_2AB"),
        ("DOB_03-04-2015.pdf", "date_of_birth", "DOB_03-04-2015"),
    ],
)
def test_personal_data_in_a_file_name_is_found(name, kind, text):
    assert [(hit.field, hit.kind, hit.text) for hit in scan_filename(name)] == [(f"attachment: {name}", kind, text)]


@pytest.mark.parametrize(
    "name",
    [
        "IMG_20240301_123456.jpg",
        "Showcase-Year6.jpg",
        "Year6_Performance.jpg",
        "Survey-Year4.xlsx",
        "concert-2024-25.pdf",
        "Hull_Year5_attendance.csv",
        "amira_age9.jpg",  # names in small letters are missed, like any common word
        "",
    ],
)
def test_ordinary_file_names_hold_no_personal_data(name):
    assert scan_filename(name) == []


def test_file_names_are_scanned_after_the_fields_and_described_by_name():
    hits = scan({"summary": "jo@example.org"}, filenames=["notes.pdf", "Jack-Year4.jpg"])
    assert [hit.field for hit in hits] == ["summary", "attachment: Jack-Year4.jpg"]
    assert hits[1].describe() == (
        "A child's name next to their age or school year, 'Jack-Year4', in the file name Jack-Year4.jpg"
    )


# Unicode


def test_a_name_with_a_separate_combining_mark_is_found_and_shown_as_typed():
    text = "Our thanks to Zoe\u0308, aged 8."
    assert not unicodedata.is_normalized("NFC", text)
    [hit] = scan({"summary": text})
    assert hit.text == "Zoe\u0308, aged 8"
    assert text[hit.start : hit.end] == hit.text


def test_offsets_after_combining_marks_point_into_the_text_as_typed():
    text = "Rene\u0301e and Zoe\u0308 wrote to jo@example.org"
    [hit] = scan({"summary": text})
    assert (hit.text, hit.start) == ("jo@example.org", text.index("jo@"))


def test_names_with_letters_beyond_english_ones_are_names():
    assert found("Siobhán, aged 12, and Łucja (Year 5)") == [
        ("child_named_with_age", "Siobhán, aged 12"),
        ("child_named_with_age", "Łucja (Year 5)"),
    ]


# Time


def test_a_long_summary_is_scanned_in_well_under_fifty_milliseconds():
    text = (FINDING * 20)[:5000]
    scan({"summary": text})  # compiles the patterns once
    started = time.perf_counter()
    scan({"summary": text})
    assert time.perf_counter() - started < 0.05


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 100_000,
        "a." * 50_000,
        "a@" + "a." * 50_000,
        "a" * 99_999 + "@",
        "jo at " * 17_000,
        "jo at " + "x dot " * 17_000,
        "07400 " * 17_000,
        "1 " * 50_000,
        "3/4/" * 25_000,
        "SW1A" * 25_000,
        "Aaaa " * 20_000,
        "Aa-" * 33_000,
        "Leo (" * 20_000,
        "Sam, 1" * 17_000,
        "born " * 20_000,
        "Year 4 pupil " * 8_000,
        "Leo in Year 4 " * 7_000,
        "e\u0308" * 50_000,
    ],
    ids=lambda text: repr(text[:12]),
)
def test_long_hostile_text_is_scanned_in_under_a_second(hostile):
    started = time.perf_counter()
    scan({"summary": hostile})
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "hostile", ["Aa-" * 33_000, "Leo_Year4_" * 10_000, "a_" * 50_000 + "@"], ids=lambda text: repr(text[:12])
)
def test_a_long_hostile_file_name_is_scanned_in_under_a_second(hostile):
    started = time.perf_counter()
    scan_filename(hostile)
    assert time.perf_counter() - started < 1.0
