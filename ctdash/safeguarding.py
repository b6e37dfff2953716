"""Personal data in what someone is about to share: the check run before a finding is submitted.

Findings are about groups of children, so a finding that names a child with their age, or gives an
email address, a phone number, a home postcode or a date of birth, needs fixing or a confirmed
consent before others see it. ``scan`` says exactly what it found and where, so the uploader can
do either. It looks for:

- email addresses, including the spelt-out "jo at example dot org";
- UK phone numbers (the +44 plan, so the Channel Islands and the Isle of Man too) that
  ``phonenumbers`` holds valid: years such as "2024-25", counts, amounts and dates are not;
- full UK postcodes, with or without the space; an outward code alone ("TR1") names a town, not a home;
- dates next to a word that makes them a date of birth ("born", "DOB", "date of birth",
  "birthday", "b."); findings are full of other dates, which are left alone;
- a capitalised given name next to an age or a school year ("Amira, aged 9", "Jack (Year 4)",
  "Year 6 pupil Sam", "Sam, 14,", "a 9-year-old called Leo").

Attachments' file names are scanned too (``scan_filename``), where underscores read as spaces.

Wrongly flagging a sentence costs the uploader a click; flagging every sentence would teach them to
click without reading. So the name check prefers missing a child to crying wolf: it takes only a
capitalised word that is not a common word or a place in the programme, and misses names written in
lower case or in capitals, names that are also months or common words ("April", "Will"), and
anonymised labels ("Pupil A").

Text is NFC-normalised before it is scanned, so "Zoe" with a separate combining diaeresis reads as
"Zoë"; offsets and texts in a Hit are always those of the text as given. No pattern can backtrack
catastrophically: each starts only where a word starts, and gives back at most what it matched, so
the time a scan takes grows in proportion to the text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePath

import phonenumbers

KINDS: dict[str, str] = {
    "email": "an email address",
    "phone": "a phone number",
    "postcode": "a full postcode",
    "date_of_birth": "a date of birth",
    "child_named_with_age": "a child's name next to their age or school year",
}

ATTACHMENT = "attachment: "  # field key prefix for an attachment's file name, followed by the name
FILE_TYPE = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,4}")  # an extension such as ".jpg" or ".docx"


@dataclass(frozen=True)
class Hit:
    """One piece of personal data: which field it is in, what kind it is, and where."""

    field: str  # the key the field was given, or "attachment: " and the file name
    kind: str  # a key of KINDS
    text: str  # exactly as it appears in the field
    start: int  # offsets in the field's text as given
    end: int

    def describe(self, labels: Mapping[str, str] | None = None) -> str:
        """A sentence-like phrase for the page, e.g. "An email address, 'jo@example.org', in Summary".

        ``labels`` maps field keys to the labels the form shows; other keys are labelled by ``label``.
        """
        kind, where = self.parts(labels)
        return f"{kind}, '{self.text}', in {where}"

    def parts(self, labels: Mapping[str, str] | None = None) -> tuple[str, str]:
        """What kind of detail it is (capitalised) and where it is, for a page to put around the text."""
        kind = KINDS[self.kind]
        return f"{kind[0].upper()}{kind[1:]}", (labels or {}).get(self.field) or label(self.field)


def label(field: str) -> str:
    """A readable label for a field key: "research_question" reads "Research question"."""
    if field.startswith(ATTACHMENT):
        return f"the file name {field.removeprefix(ATTACHMENT)}"
    words = field.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def scan(fields: Mapping[str, str | None], *, filenames: Iterable[str] = ()) -> list[Hit]:
    """Every hit in every field, in field order and then by position; then those in ``filenames``.

    Empty fields and None are skipped. Each file name is scanned as ``scan_filename`` does.
    """
    hits = [hit for field, text in fields.items() if text for hit in _scan_text(field, text)]
    return hits + [hit for name in filenames for hit in scan_filename(name)]


def scan_filename(name: str) -> list[Hit]:
    """Hits in an attachment's file name, under the field "attachment: NAME".

    Underscores read as spaces, and a name may be joined to a school year or an age by a hyphen or
    a dot as well ("Jack-Year4.jpg", "Amira_age9_photo.jpg"). An email address keeps its underscores.
    The extension is left out, so "jo@example.org.pdf" gives "jo@example.org".
    """
    stem = name[: -len(suffix)] if (suffix := PurePath(name).suffix) and FILE_TYPE.fullmatch(suffix) else name
    return _scan_text(f"{ATTACHMENT}{name}", stem, filename=True) if stem else []


# Shared pieces. SPACE is a space within a line: no pattern reaches across a line break.
SPACE = r"[ \t\u00a0]"
WORD = r"[^\W\d_]++(?:['’\-][^\W\d_]++)*+"  # letters, with inner apostrophes or hyphens
WORD_START = r"(?<![\w'’\-])"
MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?![^\W\d_])"
)

# Email addresses

EMAIL_CHARS = r"[\w!#$%&'*+/=?^`{|}~\-]"
DOMAIN_LABEL = r"[^\W_](?:[^\W_]|-)*+"
EMAIL = re.compile(
    rf"(?<![\w.!#$%&'*+/=?^`{{|}}~\-]){EMAIL_CHARS}++(?:\.{EMAIL_CHARS}++)*+"
    rf"@(?:{DOMAIN_LABEL}\.)+[^\W\d_]{{2,63}}(?![^\W_]|-)"
)
AT = rf"(?:{SPACE}*[\[(]at[\])]{SPACE}*|{SPACE}+at{SPACE}+)"
DOT = rf"(?:{SPACE}*[\[(]dot[\])]{SPACE}*|{SPACE}+dot{SPACE}+)"
SPELT_EMAIL = re.compile(
    rf"(?<![\w.+\-])(?P<local>[\w.+\-]++){AT}(?P<domain>[^\W_]++(?:{DOT}[^\W_]++)*)"
    rf"{DOT}(?:com|org|net|uk|gov|sch|ac|co|edu|info|io|me)(?!\w)",
    re.IGNORECASE,
)
NOT_A_MAILBOX = frozenset({"a", "an", "the", "this", "that", "our", "their", "its", "his", "her", "my", "your"})

# UK postcodes: the outward code (area, district, and for some a sub-district letter), then the
# inward code (a sector digit and two letters, never C, I, K, M, O or V). GIR 0AA is the Girobank's.

POSTCODE = re.compile(
    r"(?<![^\W_])"
    r"(?:GIR[ \u00a0]?0AA"
    r"|(?:[A-PR-UWYZ][A-HK-Y]?\d\d?|[A-PR-UWYZ]\d[A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y]\d[ABEHMNPRVWXY])"
    r"[ \u00a0]?(?P<inward>\d[ABD-HJLNP-UW-Z]{2}))"
    r"(?![^\W_])",
    re.IGNORECASE,
)
ORDINAL = re.compile(r"\d(?:st|nd|rd|th)")

# Dates of birth: a date after a cue ("born 3/4/2015"), or before one ("03/04/2015 (DOB)").

DAY = r"(?:0?[1-9]|[12]\d|3[01])"
MONTH_NUMBER = r"(?:0?[1-9]|1[0-2])"
DATE = (
    rf"(?:(?<!\d){DAY}[/.\-]{MONTH_NUMBER}[/.\-](?:\d{{4}}|\d{{2}})(?!\d)"
    rf"|(?<!\d)\d{{4}}[/.\-]{MONTH_NUMBER}[/.\-]{DAY}(?!\d)"
    rf"|(?<!\d){DAY}(?i:st|nd|rd|th)?{SPACE}+(?:of{SPACE}+)?{MONTH}(?:,?{SPACE}*\d{{4}}(?!\d))?"
    rf"|{MONTH}{SPACE}+{DAY}(?i:st|nd|rd|th)?(?!\d)(?:,?{SPACE}*\d{{4}}(?!\d))?)"
)
CUE = rf"(?i:born|d\.?o\.?b|date{SPACE}+of{SPACE}+birth|birth{SPACE}?date|birthday)(?![^\W_])\.?"
DATE_OF_BIRTH = re.compile(
    rf"(?:(?<![^\W_]){CUE}|(?<![^\W_])b\.)"
    rf"{SPACE}*[:\-–]?{SPACE}*(?:(?i:on|is|was){SPACE}+)?{DATE}"
    rf"|{DATE}{SPACE}*[(\[,]?{SPACE}*(?i:d\.?o\.?b|date{SPACE}+of{SPACE}+birth)(?![^\W_])\.?[)\]]?"
)

# A child named with their age or school year. AGE is a child's age, 2 to 19; YEAR a school year.

AGE = r"(?:1\d|[2-9])(?![\d%])"
YEARS_OLD = rf"(?:{AGE}(?:{SPACE}?|-)(?i:years?|yrs?)(?:{SPACE}|-)(?i:old)(?!\w)|{AGE}{SPACE}?(?i:yo|y/o|y\.o\.)(?!\w))"
AGED = rf"(?i:aged?):?{SPACE}?{AGE}"
SCHOOL_YEAR = rf"(?:(?i:year|yr){SPACE}?(?:1[0-3]|[1-9]|R)|(?i:y)(?:1[0-3]|[1-9]))(?!\w)"
YEAR = rf"(?:{SCHOOL_YEAR}(?!{SPACE}+of(?!\w))|Reception|Nursery)"  # "Year 2 of the programme" is no pupil's year
ROLE = (
    r"(?i:pupil|student|child|girl|boy|learner|participant|musician|singer|player|drummer|guitarist|"
    r"pianist|violinist|cellist|trumpeter|percussionist|vocalist)s?(?!\w)"
)
CLOSES = rf"(?={SPACE}*(?:[,;:)—–]|\.(?!\d)|$))"  # ends a parenthetical phrase such as ", Year 4,"
EMPHASIS = r"[*_]{0,2}"  # markdown around a name: "**Amira**, aged 9"

NAME_FIRST = re.compile(
    rf"{WORD_START}(?P<name>{WORD}){EMPHASIS}"
    r"(?:"
    rf",?{SPACE}+(?:(?i:is|was){SPACE}+|(?i:an?){SPACE}+)?(?:{AGED}|{YEARS_OLD})"  # Amira, aged 9 / Leo, a 9-year-old
    # Leo (9) / Jack (Year 4)
    rf"|{SPACE}*\({SPACE}*(?:{AGED}|{YEARS_OLD}|{AGE}|{YEAR})(?:{SPACE}*[,;]{SPACE}*[^()\n]{{0,40}})?\)"
    rf"|,{SPACE}*(?:(?i:who|now){SPACE}+(?:(?i:is|was){SPACE}+)?)?{AGE}{CLOSES}"  # Sam, 14, / Leo, who is 9
    # Jack, Year 4, / Jo, a Year 10 student
    rf"|,{SPACE}*(?:(?i:an?){SPACE}+{YEAR}{SPACE}+{ROLE}|{YEAR}(?:{SPACE}+{ROLE})?{CLOSES})"
    rf"|{SPACE}+(?P<in>(?i:in|from)){SPACE}+(?:{YEAR})"  # Leo in Year 4
    r")"
)
NAME_AFTER = re.compile(
    rf"(?<!\w)(?:(?:{YEAR}){SPACE}+{ROLE}"  # Year 6 pupil Sam
    # a 9-year-old called Leo
    rf"|(?:(?i:an?){SPACE}+)?{AGE}(?:{SPACE}|-)(?i:years?)(?:{SPACE}|-)(?i:old)(?:{SPACE}+{ROLE})?"
    rf"(?:,?{SPACE}+(?i:called|named))?),?{SPACE}+{EMPHASIS}(?P<name>{WORD})(?!['’\w])"
)
# In a file name a hyphen or a dot may join a name to its school year: "Jack-Year4.jpg".
FILENAME_NAME_FIRST = re.compile(rf"(?<![\w'’])(?P<name>[^\W\d_]++(?:['’][^\W\d_]++)*+)[ .\-]+{SCHOOL_YEAR}")
PREVIOUS_WORD = re.compile(rf"{WORD_START}(?P<word>{WORD}){SPACE}\Z")  # the word just before a name, if any
NEXT_WORD = re.compile(rf"{SPACE}(?P<word>{WORD})(?!['’\w])")

# Capitalised words that are not given names: months, days, the places in the programme, and the
# words that start sentences or label groups, subjects and instruments in findings.
NOT_NAMES = frozenset(
    str.split(
        """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday
    cambridgeshire cornwall essex hertfordshire hull liverpool norfolk southampton waltham forest calderdale
    ealing luton northamptonshire thurrock milton keynes england uk britain wales scotland london truro
    a an the this that these those there here then now today our their its his her my your we they he she it
    you i us them in at on by for from with without during after before since until between among across
    of to into onto over under and but or nor if when while where why how what which who whom whose as so
    because although though yet still also finally firstly secondly thirdly lastly meanwhile similarly
    additionally furthermore moreover overall together previously currently recently initially later
    earlier again instead otherwise only even just both either neither such other another more less
    fewer most many much some all any each every few several no none one two three four five six seven
    eight nine ten eleven twelve first second third last next however therefore thus hence indeed
    notably importantly interestingly unfortunately fortunately yes please thanks thank dear hi hello
    year years yr age aged ages reception nursery primary secondary infant infants junior juniors key stage
    ks pupil pupils student students child children boy boys girl girls learner learners teacher teachers
    parent parents carer carers family families participant participants young people person musician
    musicians singer singers player players member members everyone someone anyone nobody others
    staff tutor tutors leader leaders head class classes group groups cohort cohorts sample total number
    average mean median range term terms autumn spring summer winter christmas easter half week weeks
    month months day days cycle cycles phase phases strand strands project projects session sessions
    lesson lessons table figure chart appendix note notes source sources quote example case study
    music service services school schools hub hubs academy trust council county borough city town
    village centre center programme program research finding findings evidence data survey interview
    interviews feedback attendance progress inclusion inclusive send eal sen fsm pp whole access
    changing tracks ensemble ensembles band bands choir choirs orchestra orchestras singing strings brass
    woodwind percussion drums drum guitar guitars piano pianos keyboard keyboards ukulele ukuleles violin
    violins viola cello bass flute flutes clarinet clarinets saxophone trumpet trumpets trombone recorder
    recorders voice vocals samba steel pans dj production composition songwriting performance concert
    concerts showcase assembly nativity rehearsal rehearsals workshop workshops photo photos image img
    video audio recording consent form register report draft final copy scan mr mrs ms miss mx dr sir
    prof madam
    """
    )
)
NOT_NAME_ENDINGS = ("tion", "sion", "ment", "ness", "ship", "ism", "ology", "ing", "ings", "ics")
NOT_BEFORE_A_NAME = frozenset(
    # titles mark an adult; determiners and places mark a thing or a place ("the Strings (12)", "at Truro (9)")
    str.split(
        "mr mrs ms miss mx dr sir prof the a an this that these those our their its each every per at in across "
        "near around throughout within outside inside towards"
    )
)
SENTENCE_START = re.compile(r"(?:\A|[.!?:\n])[\s\"'“‘(\[*_]*\Z")  # what may stand before a sentence's first word


def _scan_text(field: str, text: str, *, filename: bool = False) -> list[Hit]:
    """The hits in one field, by position, with each found once."""
    normal, origin = _normalise(text)
    spaced = normal.replace("_", " ") if filename else normal  # same length, so the offsets hold
    spans = [
        *(("email", start, end) for start, end in _find_emails(normal)),
        *(("phone", start, end) for start, end in _find_phones(spaced)),
        *(("postcode", start, end) for start, end in _find_postcodes(spaced)),
        *(("date_of_birth", match.start(), match.end()) for match in DATE_OF_BIRTH.finditer(spaced)),
        *(("child_named_with_age", start, end) for start, end in _find_named_children(spaced, filename=filename)),
    ]
    hits = []
    for kind, start, end in _tidy_up(spans):
        first, last = origin(start, end)
        hits.append(Hit(field=field, kind=kind, text=text[first:last], start=first, end=last))
    return hits


def _normalise(text: str) -> tuple[str, Callable[[int, int], tuple[int, int]]]:
    """``text`` in NFC, and a function taking a span of it back to the same span of ``text``.

    Each character is composed with the combining marks after it, one such cluster at a time, which
    lets every span be mapped back; compositions across clusters (Hangul jamo, some Indic vowel
    signs) are left as they are, and nothing looked for here is written in them.
    """
    if unicodedata.is_normalized("NFC", text):
        return text, lambda start, end: (start, end)
    pieces, starts, ends = [], [], []  # for each normalised character, where its cluster starts and ends
    cluster_start = 0
    for index in range(1, len(text) + 1):
        if index < len(text) and unicodedata.combining(text[index]):
            continue
        piece = unicodedata.normalize("NFC", text[cluster_start:index])
        pieces.append(piece)
        starts += [cluster_start] * len(piece)
        ends += [index] * len(piece)
        cluster_start = index
    return "".join(pieces), lambda start, end: (starts[start], ends[end - 1])


def _tidy_up(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """``spans`` by position, dropping any inside another and joining overlapping ones of one kind."""
    kept: list[tuple[str, int, int]] = []
    for kind, start, end in sorted(spans, key=lambda span: (span[1], -span[2])):
        if kept and end <= kept[-1][2]:
            continue
        if kept and kept[-1][0] == kind and start < kept[-1][2]:
            kept[-1] = (kind, kept[-1][1], end)
            continue
        kept.append((kind, start, end))
    return kept


def _find_emails(text: str) -> Iterator[tuple[int, int]]:
    """Written addresses, and spelt-out ones unless a word in them is "the" or the like ("at the dot com")."""
    if "@" in text:
        yield from (match.span() for match in EMAIL.finditer(text))
    for match in SPELT_EMAIL.finditer(text):
        words = [match["local"], *re.split(rf"{DOT}", match["domain"], flags=re.IGNORECASE)]
        if not any(word.casefold() in NOT_A_MAILBOX for word in words):
            yield match.span()


# Where a UK number could start: +44, 0044 or 0, then eight to ten more digits with the spaces,
# dots, dashes, slashes and brackets people put between them. phonenumbers is slow on long text,
# so it reads only these stretches, and each distinct stretch once, however often it repeats.
PHONE_GAP = r"[ \t\u00a0.\-\u2010-\u2015/()]{0,3}"
PHONE_SHAPE = re.compile(
    rf"(?<![\w+])(?=((?:(?:\+|00)44{PHONE_GAP}(?:\(0\){PHONE_GAP})?[1-9]|\(?0[1-9])(?:{PHONE_GAP}\d){{7,9}}))"
)


def _find_phones(text: str) -> Iterator[tuple[int, int]]:
    """Valid numbers in the UK plan (+44); international numbers from elsewhere are not looked for."""
    found = set()
    for shape in PHONE_SHAPE.finditer(text):
        # one character either side lets phonenumbers refuse digits run into letters or a currency sign
        offset = max(shape.start() - 1, 0)
        for start, end in _read_uk_numbers(text[offset : shape.end(1) + 1]):
            found.add((offset + start, offset + end))
    yield from sorted(found)


@functools.lru_cache(maxsize=4096)
def _read_uk_numbers(piece: str) -> tuple[tuple[int, int], ...]:
    """Spans of the valid +44 numbers in ``piece``.

    Leniency.VALID refuses what only looks like a number: years ("2024-25"), dates, counts, amounts,
    and numbers in no range in use.
    """
    matches = phonenumbers.PhoneNumberMatcher(piece, "GB", leniency=phonenumbers.Leniency.VALID)
    return tuple((match.start, match.end) for match in matches if match.number.country_code == 44)


def _find_postcodes(text: str) -> Iterator[tuple[int, int]]:
    """Full postcodes written all in capitals or all in small letters, so "y6 2nd" is not one."""
    for match in POSTCODE.finditer(text):
        code = match.group()
        if code.isupper() or (code.islower() and not ORDINAL.fullmatch(match["inward"] or "")):
            yield match.span()


def _find_named_children(text: str, *, filename: bool) -> Iterator[tuple[int, int]]:
    """Spans from the name (with any surname or first name beside it) to the age or school year."""
    patterns = [NAME_FIRST, FILENAME_NAME_FIRST] if filename else [NAME_FIRST]
    for pattern in patterns:
        for match in pattern.finditer(text):
            start = match.start("name")
            if _word_before(text, start).casefold() in NOT_BEFORE_A_NAME:
                continue
            if match.groupdict().get("in") and SENTENCE_START.search(text, max(start - 20, 0), start):
                continue  # "Attendance in Year 4" starts a sentence; "Leo in Year 4" rarely does
            first = _first_name_before(text, start)
            if _is_name(match["name"]):
                yield (first if first is not None else start), match.end()
            elif first is not None and _is_name(match["name"], surname=True):
                yield first, match.end()  # "Amira Manning, aged 9", though "-ing" mostly ends other words
    for match in NAME_AFTER.finditer(text):
        if _is_name(match["name"]):
            yield match.start(), _extend_forward(text, match.end())


def _is_name(word: str, *, surname: bool = False) -> bool:
    """Whether a word could be a given name: capitalised, not in capitals, not a common word.

    A ``surname`` may also end like a common noun ("Manning", "Fleming").
    """
    word = word[:-2] if word.endswith(("'s", "’s")) else word  # "Jack's" is Jack
    folded = word.casefold()
    return (
        len(word) > 1
        and all(part[:1].isupper() for part in word.split("-"))
        and not word.isupper()
        and folded not in NOT_NAMES
        and (surname or not folded.endswith(NOT_NAME_ENDINGS))
    )


def _word_before(text: str, start: int) -> str:
    """The word just before ``start``, with one space between, or ""."""
    match = PREVIOUS_WORD.search(text, max(start - 40, 0), start)
    return match["word"] if match else ""


def _first_name_before(text: str, start: int) -> int | None:
    """Where a first name starts when the name at ``start`` is its surname ("Amira Khan"), or None."""
    word = _word_before(text, start)
    if word and _is_name(word) and _word_before(text, start - len(word) - 1).casefold() not in NOT_BEFORE_A_NAME:
        return start - len(word) - 1
    return None


def _extend_forward(text: str, end: int) -> int:
    """The end of a surname after a first name: "Year 6 pupil Sam Jones"."""
    match = NEXT_WORD.match(text, end)
    return match.end() if match and _is_name(match["word"]) else end
