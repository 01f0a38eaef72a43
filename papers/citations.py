"""Papers as citations: stable keys, BibTeX (bibtexparser), RIS (rispy) and CSV for spreadsheets.

Everything here reads `paper.links.all()`: prefetch the links (`Paper.objects.with_links()` or a
row's `paper__links`) so that a list of any length costs the same queries.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import bibtexparser
import rispy
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.model import Entry, Field

from papers.citation_keys import ET_AL, authors_split
from papers.models import Paper, PaperLink

# Conference venues: a venue naming one of these is a proceedings, any other venue a journal.
CONFERENCE_WORDS = re.compile(
    r"\b(conference|proceedings|workshop|symposium|neurips|nips|icml|iclr|cvpr|iccv|eccv|acl|emnlp|"
    r"naacl|aaai|ijcai|kdd|colt|aistats|uai|sigir|siggraph|chi|www|interspeech|icassp|corl|rss|"
    r"advances in neural information processing)\b",
    re.IGNORECASE,
)
# Journals whose names sound like proceedings.
JOURNALS = re.compile(
    r"^(proceedings of the (ieee|national academy|royal society|vldb)|pacmpl\b|pvldb\b)", re.I
)
# "arXiv", "CoRR", "arXiv preprint arXiv:1706.03762", "CoRR abs/1706.03762": a preprint, no venue.
ARXIV_VENUES = re.compile(r"^(arxiv|corr)\b", re.IGNORECASE)
# Spreadsheets run a cell that starts with one of these as a formula (also after a tab or return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("title", "authors", "venue", "year", "doi", "arxiv", "url", "week", "date", "presenters")
# Text fields are LaTeX-encoded; identifiers and addresses are verbatim for biblatex (url, doi, eprint).
_latex = LatexEncodingMiddleware(keep_math=False, enclose_urls=False)


def paper_authors(paper: Paper) -> list[str]:
    """The paper's authors as a list (see `authors_split`)."""
    return authors_split(paper.authors)


def citation_keys(papers: Iterable[Paper]) -> dict[int, str]:
    """Each paper's stored key (Paper.citation_key), the same in every export whatever else it holds.

    A paper saved without one (only a bulk insert skips Paper.save) gets it now, once.
    """
    keys = {}
    for paper in papers:
        if not paper.citation_key:
            paper.save(update_fields=["citation_key"])
        keys[paper.pk] = paper.citation_key
    return keys


def paper_url(paper: Paper) -> str:
    """Where to read the paper: its abstract page, its PDF, its arXiv page, its DOI, else another link
    (an address an imported reading list gave)."""
    links = list(paper.links.all())
    for kind in (PaperLink.Kind.ABSTRACT, PaperLink.Kind.PDF):
        for link in links:
            if link.kind == kind:
                return link.url
    if paper.arxiv_url:
        return paper.arxiv_url
    if paper.doi:
        return paper.doi_url
    return next((link.url for link in links if link.kind == PaperLink.Kind.OTHER), "")


def arxiv_primary_class(arxiv_id: str) -> str:
    """An old-style id names its archive (`cs.LG/0101001` -> cs.LG); a new-style one does not."""
    return arxiv_id.split("/", 1)[0] if "/" in arxiv_id else ""


def paper_kind(paper: Paper) -> str:
    """article, inproceedings or misc (arXiv-only papers and papers without a venue)."""
    venue = paper.venue.strip()
    if not venue or ARXIV_VENUES.match(venue):
        return "misc"
    if JOURNALS.match(venue):
        return "article"
    return "inproceedings" if CONFERENCE_WORDS.search(venue) else "article"


def _bibtex_entry(paper: Paper, key: str) -> Entry:
    kind = paper_kind(paper)
    text = [("title", paper.title)]
    if authors := paper_authors(paper):
        # BibTeX's "and others" is how a list cut short ends ("et al." in the text).
        text.append(("author", " and ".join("others" if name == ET_AL else name for name in authors)))
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


def _ris_line(value: str) -> str:
    """A RIS value on one line: a line break would end it, and a line like `TY  - JOUR` in an abstract
    would start a new record."""
    return " ".join(value.split())


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
        record["authors"] = [name for name in record["authors"] if name != ET_AL]
        record = {
            name: [_ris_line(item) for item in value] if isinstance(value, list) else _ris_line(value)
            for name, value in record.items()
        }
        records.append({name: value for name, value in record.items() if value})
    return rispy.dumps(records, implementation=RisWriter) if records else ""


@dataclass
class SessionReading:
    """A paper as read in one session, for the CSV: the week's title, its date and the presenters."""

    paper: Paper
    week: str = ""
    date: datetime.date | None = None
    presenters: list[str] = field(default_factory=list)


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def readings_csv(readings: Iterable[SessionReading]) -> str:
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
