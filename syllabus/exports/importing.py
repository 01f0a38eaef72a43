"""A reading list kept in a reference manager (BibTeX) or a spreadsheet (CSV) into a term's
sign-up pool or a week's rows.

Each entry is matched with the papers already known (`papers_matching`: arXiv id, DOI, then the
folded title) before a paper is made, and a paper already in the pool or the week is left as it is,
so importing the same file twice creates nothing the second time. A dry run does the whole import
in a transaction that is rolled back, so its report is exactly what the real run would do.
"""

import csv
import io
from dataclasses import dataclass, field

import bibtexparser
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from pylatexenc.latex2text import LatexNodes2Text

from papers.duplicates import arxiv_id_in, doi_in, papers_matching
from papers.models import Paper, PaperLink, title_key
from syllabus.models import Presentation, Term, Week
from syllabus.signup.models import PoolPaper
from syllabus.signup.services import pool_add

MAX_FILE_BYTES = 2 * 1024 * 1024
CSV_TITLE_COLUMNS = ("title",)
_latex = LatexNodes2Text(math_mode="verbatim")


class ReadingListError(ValueError):
    """A file that cannot be read as a reading list at all; the message says why."""


@dataclass
class Candidate:
    """One entry of the file, as a paper's fields."""

    where: str  # "entry vaswani2017attention", "line 3": how the report names it
    title: str = ""
    authors: str = ""
    venue: str = ""
    year: int | None = None
    doi: str = ""
    arxiv_id: str = ""
    url: str = ""
    problem: str = ""  # set when the entry itself cannot be read


@dataclass
class ImportLine:
    where: str
    title: str
    outcome: str  # one of ImportReport.OUTCOMES
    reason: str = ""


@dataclass
class ImportReport:
    OUTCOMES = ("created", "matched", "already", "skipped")
    HEADINGS = {
        "created": "Created (new paper, added)",
        "matched": "Matched an existing paper (added)",
        "already": "Already in the list",
        "skipped": "Skipped",
    }

    target: str
    dry_run: bool
    lines: list[ImportLine] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    def text_lines(self) -> list[str]:
        """The report as a command prints it and the admin shows it."""
        head = "Dry run: nothing was saved. " if self.dry_run else ""
        summary = ", ".join(f"{self.count(outcome)} {outcome}" for outcome in self.OUTCOMES)
        out = [f"{head}Reading list into {self.target}: {summary}."]
        for outcome in self.OUTCOMES:
            chosen = [line for line in self.lines if line.outcome == outcome]
            if chosen:
                out.append(f"{self.HEADINGS[outcome]}:")
                for line in chosen:
                    reason = f" ({line.reason})" if line.reason else ""
                    out.append(f"  {line.where}: {line.title or '(no title)'}{reason}")
        return out


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_FILE_BYTES:
        raise ReadingListError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadingListError(f"The file is not UTF-8 text (byte {error.start}).") from None


def _plain(value: str) -> str:
    """A BibTeX value as text: LaTeX accents and escapes decoded, protective braces dropped."""
    return " ".join(_latex.latex_to_text(value).split())


def _verbatim(value: str) -> str:
    return value.strip().strip("{}").strip()


def _bib_names(value: str) -> str:
    """`Vaswani, Ashish and Noam Shazeer` -> `Ashish Vaswani, Noam Shazeer` (how papers keep authors)."""
    names = []
    for name in split_multiple_persons_names(value):
        parts = parse_single_name_into_parts(name, strict=False)
        names.append(" ".join([*parts.first, *parts.von, *parts.last, *parts.jr]))
    return ", ".join(_plain(name) for name in names if name.strip())


def _year(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and 1900 <= int(value) <= 2100 else None


def candidates_from_bibtex(text: str) -> list[Candidate]:
    library = bibtexparser.parse_string(text)
    found = []
    for entry in library.entries:
        fields = {key.lower(): value for key, value in ((f.key, f.value) for f in entry.fields)}
        fields = {key: value for key, value in fields.items() if isinstance(value, str)}
        eprint = fields.get("eprint", "")
        is_arxiv = fields.get("archiveprefix", "arxiv").lower() == "arxiv"
        found.append(
            Candidate(
                where=f"entry {entry.key}",
                title=_plain(fields.get("title", "")),
                authors=_bib_names(fields.get("author", "")),
                venue=_plain(fields.get("booktitle") or fields.get("journal") or ""),
                year=_year(fields.get("year", "")),
                doi=doi_in(_verbatim(fields.get("doi", ""))),
                arxiv_id=arxiv_id_in(_verbatim(eprint)) if eprint and is_arxiv else "",
                url=_verbatim(fields.get("url", "")),
            )
        )
    for block in library.failed_blocks:
        found.append(
            Candidate(where=f"line {block.start_line + 1}", problem="not a BibTeX entry that can be read")
        )
    return found


def _unprotect(value: str) -> str:
    """Undo the apostrophe an export puts before a cell that a spreadsheet would run as a formula."""
    value = value.strip()
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value


def candidates_from_csv(text: str) -> list[Candidate]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    if "title" not in columns:
        raise ReadingListError("The CSV file has no “title” column in its first row.")

    def cell(row: dict, *names: str) -> str:
        for name in names:
            if name in columns and row.get(columns[name]):
                return _unprotect(row[columns[name]])
        return ""

    found = []
    try:
        for row in reader:
            found.append(
                Candidate(
                    where=f"line {reader.line_num}",
                    title=" ".join(cell(row, "title").split()),
                    authors=" ".join(cell(row, "authors", "author").split()),
                    venue=" ".join(cell(row, "venue", "journal", "booktitle").split()),
                    year=_year(cell(row, "year")),
                    doi=doi_in(cell(row, "doi")),
                    arxiv_id=arxiv_id_in(cell(row, "arxiv", "arxiv_id", "eprint")),
                    url=cell(row, "url"),
                )
            )
    except csv.Error as error:
        raise ReadingListError(f"The CSV file cannot be read at line {reader.line_num}: {error}.") from None
    return found


def reading_list_candidates(*, data: bytes | str, filename: str) -> list[Candidate]:
    """The entries of a .bib or .csv file (chosen by its name, else by its content)."""
    text = _text(data)
    name = filename.lower()
    is_bibtex = name.endswith(".bib") or (not name.endswith(".csv") and text.lstrip().startswith(("@", "%")))
    found = candidates_from_bibtex(text) if is_bibtex else candidates_from_csv(text)
    if not found:
        kind = "BibTeX entries" if is_bibtex else "rows under the header"
        raise ReadingListError(f"The file holds no {kind}.")
    return found


def _paper_for(candidate: Candidate) -> tuple[Paper, bool]:
    """The known paper the candidate names, or a new one (ValidationError when its fields are not valid)."""
    matches = papers_matching(
        title=candidate.title,
        arxiv_id=candidate.arxiv_id,
        doi=candidate.doi,
        urls=[candidate.url] if candidate.url else [],
    )
    if matches:
        return matches[0].paper, False
    paper = Paper(
        title=candidate.title,
        authors=candidate.authors,
        venue=candidate.venue,
        year=candidate.year,
        doi=candidate.doi,
        arxiv_id=candidate.arxiv_id,
    )
    paper.full_clean()
    paper.save()
    if candidate.url.startswith("https://") and not (arxiv_id_in(candidate.url) or doi_in(candidate.url)):
        link = PaperLink(paper=paper, url=candidate.url, kind=PaperLink.Kind.OTHER)
        try:
            link.full_clean()
            link.save()
        except ValidationError:
            pass  # the paper is what counts; a bad address is not worth refusing it for
    return paper, True


def _same_entry_keys(candidate: Candidate) -> set[str]:
    keys = {
        f"doi:{candidate.doi.lower()}",
        f"arxiv:{candidate.arxiv_id}",
        f"title:{title_key(candidate.title)}",
    }
    return {key for key in keys if not key.endswith(":")}


@transaction.atomic
def reading_list_import(
    *, term: Term, data: bytes | str, filename: str, week: Week | None = None, dry_run: bool = False
) -> ImportReport:
    """Put a reading list's papers in the term's pool, or as rows (without presenter) of one of its weeks.

    Raises ReadingListError for a file that cannot be read; entries that cannot be used are
    skipped, with the reason in the report.
    """
    if week is not None and week.term_id != term.pk:
        raise ReadingListError(f"The week {week.slug} belongs to another term.")
    candidates = reading_list_candidates(data=data, filename=filename)
    target = f"week {week.slug} of {term.slug}" if week else f"the pool of {term.slug}"
    report = ImportReport(target=target, dry_run=dry_run)
    seen: set[str] = set()
    next_order = (week.presentations.aggregate(Max("order"))["order__max"] or 0) + 1 if week else 0
    for candidate in candidates:
        line = ImportLine(where=candidate.where, title=candidate.title, outcome="skipped")
        report.lines.append(line)
        if candidate.problem or not candidate.title:
            line.reason = candidate.problem or "no title"
            continue
        keys = _same_entry_keys(candidate)
        if keys & seen:
            line.reason = "the same paper as an entry above"
            continue
        seen |= keys
        try:
            with transaction.atomic():
                paper, created = _paper_for(candidate)
        except ValidationError as error:
            line.reason = "; ".join(error.messages)
            continue
        if week is not None:
            listed = week.presentations.filter(paper=paper).exists()
            if not listed:
                Presentation.objects.create(week=week, order=next_order, paper=paper)
                next_order += 1
        else:
            listed = PoolPaper.objects.filter(
                term=term, paper=paper, status=PoolPaper.Status.APPROVED
            ).exists()
            if not listed:
                pool_add(term=term, papers=[paper])
        line.outcome = "created" if created else "already" if listed else "matched"
    if dry_run:
        transaction.set_rollback(True)
    return report
