"""A paper's footnote read as its parts: `title, venue / authors / abstract`, or a person's review.

The old posts cite a paper in a footnote as `ICML17/ from etc Aaron Courville, Yoshua Bengio / We
examine…`: heads separated by slashes, then the abstract. Each head is a venue and year, authors, a
link or a remark ("Google", "high cite"); the first head that reads as prose starts the abstract.
A footnote (or the end of one) that opens with `Jack Note:` is a student's review, not an abstract.
"""

import datetime
import re
from dataclasses import dataclass, field

URL = re.compile(r"https?://[^\s)|>\]]+")
# A slash between heads, not one inside a word ("A/B") or an address.
SEPARATOR = re.compile(r"\s*(?<![\w.])/\s*|\s*/(?![\w])\s*|\s+/\s+")
VENUE_WORD = r"(?:[A-Z][A-Za-z&@\-]*[A-Z][A-Za-z]*|[Aa]r[Xx]iv|Nature|Science)"
# "ICML17", "ICLR 2018", "NIPS2016", "CCS15", "(PAMI14)", "arxiv 2017", "Nature 2017"
VENUE_YEAR = re.compile(rf"\(?\b({VENUE_WORD})(?:\s?'?((?:19|20)\d{{2}})|'?(\d{{2}}))\b\)?")
YEAR = re.compile(r"(?<![\w.:])((?:19|20)\d{2})(?![\w.])")
SUBMITTED = re.compile(r"\(\s*Submitted on [^()]*?((?:19|20)\d{2})(?:[^()]|\([^()]*\))*\)", re.I)
CITE_AS = re.compile(r"\bCite as\W*arXiv:\s*\S+", re.I)
ET_AL = re.compile(r"^(.{3,200}?\bet al)\.?(?:,|\s|$)")
SENTENCE = re.compile(r"[a-z]{3,}[.!?]\s+[A-Z]")
# "Jack Note:", "Arsh's notes:", "Jane Doe Review:" at the start of the footnote or of a sentence.
REVIEWER = re.compile(
    r"(?:^|(?<=[.!?)]\s))([A-Z][\w\-]*(?:\s[A-Z][\w\-]*)?(?:'s)?\s+(?:Review|Notes?|Comments?)\s*:)"
)
NOT_REVIEWERS = {"important", "side", "main", "final", "editor", "additional", "author", "authors", "general"}
NOT_PEOPLE = {"google", "deepmind", "microsoft", "facebook", "openai", "research", "university", "lab", "inc"}
LEAD_WORDS = re.compile(r"^(?:by|from etc\.?|from|etc\.?)\s+", re.I)
MAX_HEAD = 400


@dataclass
class FootnoteParts:
    venue: str = ""
    year: int | None = None
    authors: str = ""
    abstract: str = ""
    note: str = ""  # a person's review, for the row's notes
    urls: list[str] = field(default_factory=list)

    def cited(self) -> bool:
        return bool(self.venue or self.year or self.authors)


def footnote_split(text: str, title: str = "") -> FootnoteParts:
    """The footnote's venue, year, authors, links, abstract and reviewer's note."""
    parts = FootnoteParts()
    text = text.replace("\u200e", "").strip()
    if (review := _review_start(text)) is not None:
        text, parts.note = text[:review].strip(), text[review:].strip()
    position = 0
    first = True
    while position < len(text):
        if url := URL.match(text, position):  # "http://probabilistic-numerics.org/ Numerical …"
            parts.urls.append(url.group(0))
            position = re.compile(r"\s*/?\s*").match(text, url.end()).end()
            continue
        separator = _separator(text, position)
        if separator is None:
            break
        head = text[position : separator.start()]
        if first and title and _shares_words(head, title):  # "Title,ICLR17 / …": the title left in
            head = _venue_at_end(head)
        if not _read_head(head, parts):
            break
        position, first = separator.end(), False
    rest = _read_lead(text[position:].strip(), parts)
    parts.abstract = re.sub(r"^abstract\s*:\s*", "", rest, flags=re.I).strip()
    return parts


def _review_start(text: str) -> int | None:
    for match in REVIEWER.finditer(text):
        if match.group(1).split()[0].lower().removesuffix("'s") not in NOT_REVIEWERS:
            return match.start(1)
    return None


def _separator(text: str, position: int) -> re.Match | None:
    """The next slash between heads, if the head before it is short enough to be one."""
    urls = [match.span() for match in URL.finditer(text, position, position + MAX_HEAD + 200)]
    for match in SEPARATOR.finditer(text, position, position + MAX_HEAD):
        slash = match.start() + match.group(0).index("/")
        if not any(start <= slash < end for start, end in urls):
            return match
    return None


def _shares_words(head: str, title: str) -> bool:
    words = {word for word in re.findall(r"\w+", title.lower()) if len(word) > 2}
    found = set(re.findall(r"\w+", head.lower()))
    return bool(words) and len(words & found) / len(words) >= 0.7


def _venue_at_end(head: str) -> str:
    """Of "Title,ICLR17" or "Title (PAMI14)" only the venue."""
    found = list(VENUE_YEAR.finditer(head))
    return found[-1].group(0) if found and not head[found[-1].end() :].strip(" ,;)") else ""


def _read_head(head: str, parts: FootnoteParts) -> bool:
    """Takes a head's venue, year, authors and links into parts; False (parts untouched) if it is prose."""
    found = FootnoteParts()
    text = head.strip(" ,;:-")
    if len(text) > MAX_HEAD or SENTENCE.search(SUBMITTED.sub("", text)):
        return False
    text = _take_dates(text, found)
    for url in URL.findall(text):
        found.urls.append(url)
    text = URL.sub(" ", text)
    if venue := VENUE_YEAR.search(text):
        found.venue, found.year = _venue(venue)
        text = VENUE_YEAR.sub(" ", text)
    if found.year is None and (year := YEAR.search(text)):
        found.year = int(year.group(1))
        text = YEAR.sub(" ", text)
    remainder = LEAD_WORDS.sub("", " ".join(text.split()).strip(" ,;:-()"))
    if (et_al := ET_AL.match(remainder)) and _are_authors(et_al.group(1)):  # "Down Song et al, high cite"
        found.authors = et_al.group(1) + "."
    elif remainder and _are_authors(remainder):
        found.authors = remainder
    elif remainder and (len(remainder.split()) > 5 or not (found.cited() or found.urls or parts.cited())):
        return False  # prose, or a short phrase that no citation comes with: the abstract starts here
    _merge(parts, found)
    return True


def _read_lead(rest: str, parts: FootnoteParts) -> str:
    """Authors before the abstract without a slash: "Raquel Urtasun et al. Many problems…", "… (Submitted on …) Despite…"."""
    if match := ET_AL.match(rest):
        authors = LEAD_WORDS.sub("", match.group(1).strip(" ,"))
        if _are_authors(authors):
            _merge(parts, FootnoteParts(authors=authors + "."))
            return rest[match.end() :].strip()
    if (submitted := SUBMITTED.search(rest, 0, MAX_HEAD)) and _read_head(rest[: submitted.end()], parts):
        return rest[submitted.end() :].strip()
    return rest


def _take_dates(text: str, found: FootnoteParts) -> str:
    """Removes "(Submitted on 16 Mar 2018)" and "Cite as: arXiv:…", keeping the year."""
    if submitted := SUBMITTED.search(text):
        found.year = int(submitted.group(1))
    if CITE_AS.search(text):
        found.venue = "arXiv"
    return CITE_AS.sub(" ", SUBMITTED.sub(" ", text))


def _venue(match: re.Match) -> tuple[str, int]:
    name = "arXiv" if match.group(1).lower() == "arxiv" else match.group(1)
    if match.group(2):
        return name, int(match.group(2))
    short = int(match.group(3))
    this_year = datetime.date.today().year % 100
    return name, (2000 if short <= this_year + 1 else 1900) + short


def _are_authors(text: str) -> bool:
    """ "Aaron Courville, Yoshua Bengio", "John Duchi", "Raquel Urtasun et al", "lex Graves, Marc G. Bellemare"."""
    names = [name for name in re.split(r"\s*(?:,|;|\band\b|&)\s*", text.removesuffix(".")) if name]
    if not names or len(text) > MAX_HEAD:
        return False
    for name in names:
        words = re.sub(r"\bet al\b", "", name).replace("*", "").split()
        if not 1 <= len(words) <= 5 or (len(words) == 1 and len(names) == 1 and "et al" not in name):
            return False
        if any(word.lower() in NOT_PEOPLE for word in words):
            return False
        capitalised = sum(word[0].isupper() for word in words)
        if capitalised < max(1, len(words) - 1) or any(word.isupper() and len(word) > 2 for word in words):
            return False
    return True


def _merge(parts: FootnoteParts, found: FootnoteParts) -> None:
    """The first venue, year and authors a footnote names are the paper's."""
    parts.venue = parts.venue or found.venue
    parts.year = parts.year or found.year
    parts.authors = parts.authors or found.authors
    parts.urls.extend(found.urls)
