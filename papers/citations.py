"""Papers as citations: stable keys, BibTeX (bibtexparser), RIS (rispy) and CSV for spreadsheets.

Everything here reads `paper.links.all()`: prefetch the links (`Paper.objects.with_links()` or a
row's `paper__links`) so that a list of any length costs the same queries.
"""

import csv
import datetime
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import bibtexparser
import rispy
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.middlewares.names import parse_single_name_into_parts
from bibtexparser.model import Entry, Field

from papers.models import Paper, PaperLink

# Words skipped when a title's first meaningful word is chosen for a key ("Attention is all you
# need" -> attention, "On the dangers of ..." -> dangers).
TITLE_STOPWORDS = frozenset(
    "a an the on of in for to and or with without towards toward via from by at is are do does what "  # noqa: SIM905
    "how why when where which can we you your our beyond into".split()
)
# Letters that Unicode does not decompose into an ASCII base letter.
ASCII_FOLD = str.maketrans(
    {"ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)
# Conference venues: a venue naming one of these is a proceedings, any other venue a journal.
CONFERENCE_WORDS = re.compile(
    r"\b(conference|proceedings|workshop|symposium|neurips|nips|icml|iclr|cvpr|iccv|eccv|acl|emnlp|"
    r"naacl|aaai|ijcai|kdd|colt|aistats|uai|sigir|siggraph|chi|www|interspeech|icassp|corl|rss)\b",
    re.IGNORECASE,
)
ARXIV_VENUES = {"", "arxiv", "corr", "arxiv preprint"}
# Spreadsheets run a cell that starts with one of these as a formula (also after a tab or return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("title", "authors", "venue", "year", "doi", "arxiv", "url", "week", "date", "presenters")
# Text fields are LaTeX-encoded; identifiers and addresses are verbatim for biblatex (url, doi, eprint).
_latex = LatexEncodingMiddleware(keep_math=False, enclose_urls=False)


# "and" or "&" between names; "; " when names hold commas ("Smith, J.; Doe, A.").
AUTHOR_SEPARATOR = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)
# A family name written first: one word, after lowercase particles ("van der Berg").
FAMILY_NAME = re.compile(r"(?:[a-z]+['\u2019]?\s+)*[^\W\d_][\w'\u2019-]*")
INITIALS = re.compile(r"(?:[^\W\d_]\.\s*-?\s*)+")


def paper_authors(paper: Paper) -> list[str]:
    """The authors as a list: the one reading of `Paper.authors` (BibTeX, RIS, CSV, JSON-LD).

    Names are kept as credited. Lists read: "A, B, and C", "A, B & C", "Smith, J. and Doe, A."
    (BibTeX's family-first names), "Smith, J., Doe, A." (initials after each family name) and
    "Smith, J.; Doe, A.".
    """
    text = paper.authors
    if ";" in text:
        return _names(text.split(";"), separator=AUTHOR_SEPARATOR)
    between_ands = _names(AUTHOR_SEPARATOR.split(text))
    if len(between_ands) > 1 and all(_family_first(name) for name in between_ands):
        return between_ands
    names = _names(text.split(","), separator=AUTHOR_SEPARATOR)
    pairs = list(zip(names[::2], names[1::2], strict=False))
    if len(names) % 2 == 0 and all(
        _family_first(f"{family}, {given}", initials=True) for family, given in pairs
    ):
        return [f"{family}, {given}" for family, given in pairs]
    return names


def _names(parts: list[str], *, separator: re.Pattern | None = None) -> list[str]:
    """Parts stripped, each split again by `separator`, a leading "and"/"&" dropped, blanks dropped."""
    names = []
    for part in parts:
        for piece in separator.split(part) if separator else [part]:
            name = re.sub(r"^(?:and|&)\s+", "", piece.strip(), flags=re.IGNORECASE).strip()
            if name:
                names.append(name)
    return names


def _family_first(name: str, *, initials: bool = False) -> bool:
    """Whether `name` reads "Family, Given" (with `initials`: "Family, J. R.")."""
    family, comma, given = name.partition(",")
    if not comma or "," in given or not given.strip():
        return False
    given_fits = INITIALS.fullmatch(given.strip()) if initials else given.strip()
    return bool(given_fits and FAMILY_NAME.fullmatch(family.strip()))


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold().translate(ASCII_FOLD))
    return re.sub(r"[^a-z0-9]", "", folded.encode("ascii", "ignore").decode())


def citation_key_base(paper: Paper) -> str:
    """author-year-word, e.g. `vaswani2017attention`: the key before any clash is resolved."""
    authors = paper_authors(paper)
    family = ""
    if authors:
        parts = parse_single_name_into_parts(authors[0], strict=False)
        family = _ascii_word("".join(parts.last or parts.first))
    words = [_ascii_word(word) for word in re.split(r"[\s\-:/]+", paper.title)]
    meaningful = [word for word in words if word and word not in TITLE_STOPWORDS]
    word = meaningful[0] if meaningful else "paper"
    return f"{family or 'anon'}{paper.year or ''}{word}"


def citation_keys(papers: Iterable[Paper]) -> dict[int, str]:
    """Each paper's key in one export: its base key, or with a suffix a, b, ... when several share it.

    Clashing papers are lettered by id, so the same papers get the same keys in every export.
    """
    by_base: dict[str, list[Paper]] = defaultdict(list)
    for paper in {paper.pk: paper for paper in papers}.values():
        by_base[citation_key_base(paper)].append(paper)
    keys = {}
    taken = {base for base, group in by_base.items() if len(group) == 1}
    for base, group in sorted(by_base.items()):
        if len(group) == 1:
            keys[group[0].pk] = base
            continue
        suffixes = _suffixes()
        for paper in sorted(group, key=lambda paper: paper.pk):
            key = base + next(suffixes)
            while key in taken:  # "smith2020deepa" may itself be another paper's base key
                key = base + next(suffixes)
            taken.add(key)
            keys[paper.pk] = key
    return keys


def _suffixes():
    """a, b, ..., z, aa, ab, ..."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second


def paper_url(paper: Paper) -> str:
    """Where to read the paper: its abstract page, its PDF, its arXiv page, else its DOI."""
    links = list(paper.links.all())
    for kind in (PaperLink.Kind.ABSTRACT, PaperLink.Kind.PDF):
        for link in links:
            if link.kind == kind:
                return link.url
    if paper.arxiv_url:
        return paper.arxiv_url
    return paper.doi_url


def arxiv_primary_class(arxiv_id: str) -> str:
    """An old-style id names its archive (`cs.LG/0101001` -> cs.LG); a new-style one does not."""
    return arxiv_id.split("/", 1)[0] if "/" in arxiv_id else ""


def paper_kind(paper: Paper) -> str:
    """article, inproceedings or misc (arXiv-only papers and papers without a venue)."""
    venue = paper.venue.strip()
    if venue.lower() in ARXIV_VENUES:
        return "misc"
    return "inproceedings" if CONFERENCE_WORDS.search(venue) else "article"


def _bibtex_entry(paper: Paper, key: str) -> Entry:
    kind = paper_kind(paper)
    text = [("title", paper.title)]
    if authors := paper_authors(paper):
        text.append(("author", " and ".join(authors)))
    if kind == "inproceedings":
        text.append(("booktitle", paper.venue))
    elif kind == "article":
        text.append(("journal", paper.venue))
    if paper.abstract.strip():
        text.append(("abstract", paper.abstract.strip()))
    entry = Entry(kind, key, [Field(name, value) for name, value in text])
    library = _latex.transform(Library([entry]))
    entry = library.entries[0]
    verbatim = [("year", str(paper.year) if paper.year else ""), ("doi", paper.doi)]
    if paper.arxiv_id:
        verbatim += [("eprint", paper.arxiv_id), ("archivePrefix", "arXiv")]
        verbatim.append(("primaryClass", arxiv_primary_class(paper.arxiv_id)))
    verbatim.append(("url", paper_url(paper)))
    for name, value in verbatim:
        if value:
            entry.set_field(Field(name, value))
    return entry


def papers_bibtex(papers: Iterable[Paper]) -> str:
    """A .bib file, one entry per paper in the given order (each paper once)."""
    papers = list({paper.pk: paper for paper in papers}.values())
    keys = citation_keys(papers)
    library = Library([_bibtex_entry(paper, keys[paper.pk]) for paper in papers])
    return bibtexparser.write_string(library) if papers else ""


RIS_TYPES = {"article": "JOUR", "inproceedings": "CPAPER", "misc": "GEN"}


class RisWriter(rispy.RisWriter):
    """Records as reference managers write them: starting with TY, without rispy's "1." counter."""

    def set_header(self, count: int) -> str:
        return ""


def papers_ris(papers: Iterable[Paper]) -> str:
    """A .ris file (reference managers' import format), one record per paper."""
    papers = list({paper.pk: paper for paper in papers}.values())
    keys = citation_keys(papers)
    records = []
    for paper in papers:
        kind = paper_kind(paper)
        record = {
            "type_of_reference": "UNPB" if kind == "misc" and paper.arxiv_id else RIS_TYPES[kind],
            "id": keys[paper.pk],
            "title": paper.title,
            "authors": paper_authors(paper),
            "year": str(paper.year or ""),
            "journal_name" if kind == "article" else "secondary_title": paper.venue,
            "doi": paper.doi,
            "urls": [url] if (url := paper_url(paper)) else [],
            "abstract": paper.abstract.strip(),
        }
        records.append({name: value for name, value in record.items() if value})
    return rispy.dumps(records, implementation=RisWriter) if records else ""


@dataclass
class Reading:
    """A paper as read in one session, for the CSV: the week's title, its date and the presenters."""

    paper: Paper
    week: str = ""
    date: datetime.date | None = None
    presenters: list[str] = field(default_factory=list)


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def readings_csv(readings: Iterable[Reading]) -> str:
    """A CSV file with a header row, one line per reading."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for reading in readings:
        paper = reading.paper
        cells = [
            paper.title,
            paper.authors,
            paper.venue,
            str(paper.year or ""),
            paper.doi,
            paper.arxiv_id,
            paper_url(paper),
            reading.week,
            reading.date.isoformat() if reading.date else "",
            ", ".join(reading.presenters),
        ]
        writer.writerow([spreadsheet_safe(cell) for cell in cells])
    return out.getvalue()
