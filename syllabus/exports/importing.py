"""A reading list kept in a reference manager (BibTeX) or a spreadsheet (CSV) into a term's
sign-up pool or a week's rows.

Each entry is matched with the papers already known (`papers_matching`: arXiv id, DOI, then the
folded title) before a paper is made, and a paper already in the pool or the week is left as it is,
so importing the same file twice creates nothing the second time. A title alone is taken for the
same paper only when nothing else tells them apart (two works called "Deep learning" are two
papers). A dry run does the whole import in a transaction that is rolled back, so its report is
exactly what the real run would do.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from papers.citation_keys import first_author_family
from papers.duplicates import arxiv_id_in, doi_in, papers_matching
from papers.models import Paper, PaperLink, title_key
from syllabus.exports.import_files import Candidate, ReadingListError, reading_list_candidates
from syllabus.models import Presentation, Term, Week
from syllabus.signup.models import PoolPaper
from syllabus.signup.services import pool_add


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


def may_be_same_work(one: Candidate | Paper, other: Candidate | Paper) -> bool:
    """Two records with the same title are one work unless their DOIs, arXiv ids, years or first
    authors differ (each compared only when both have it)."""
    pairs = [
        (doi_in(one.doi), doi_in(other.doi)),
        (arxiv_id_in(one.arxiv_id), arxiv_id_in(other.arxiv_id)),
        (one.year, other.year),
        (first_author_family(one.authors), first_author_family(other.authors)),
    ]
    return all(not (mine and theirs) or mine == theirs for mine, theirs in pairs)


def _paper_new(candidate: Candidate) -> Paper:
    """A new paper from the candidate (ValidationError when its fields are not valid)."""
    paper = Paper(
        title=candidate.title,
        authors=candidate.authors,
        venue=candidate.venue,
        year=candidate.year,
        doi=candidate.doi,
        arxiv_id=candidate.arxiv_id,
        abstract=candidate.abstract,
    )
    try:
        paper.full_clean()
    except ValidationError as error:
        if set(error.message_dict) != {"abstract"}:
            raise
        paper.abstract = ""  # the paper is what counts, its abstract can be added by hand
        paper.full_clean()
    paper.save()
    if candidate.url.startswith("https://") and not (arxiv_id_in(candidate.url) or doi_in(candidate.url)):
        link = PaperLink(paper=paper, url=candidate.url, kind=PaperLink.Kind.OTHER)
        try:
            link.full_clean()
            link.save()
        except ValidationError:
            pass  # a bad address is not worth refusing the paper for
    return paper


def _paper_for(candidate: Candidate) -> tuple[Paper, bool, str]:
    """The known paper the candidate names, or a new one; whether it was made; a note for the report."""
    matches = papers_matching(
        title=candidate.title,
        arxiv_id=candidate.arxiv_id,
        doi=candidate.doi,
        urls=[candidate.url] if candidate.url else [],
    )
    for match in matches:
        if match.same_identifier or may_be_same_work(candidate, match.paper):
            return match.paper, False, ""
    with transaction.atomic():
        paper = _paper_new(candidate)
    if not matches:
        return paper, True, ""
    other = matches[0].paper
    described = f"{other.title}, {other.citation}" if other.citation else other.title
    return paper, True, f"possible duplicate of “{described}”"


class _EntriesSeen:
    """The file's entries so far, to tell a repeated entry from another work with the same title."""

    def __init__(self):
        self.identifiers: set[str] = set()
        self.by_title: dict[str, list[Candidate]] = defaultdict(list)

    @staticmethod
    def _identifiers(candidate: Candidate) -> set[str]:
        return {f"doi:{doi_in(candidate.doi)}", f"arxiv:{candidate.arxiv_id}"} - {"doi:", "arxiv:"}

    def repeats(self, candidate: Candidate) -> bool:
        if self._identifiers(candidate) & self.identifiers:
            return True
        same_title = self.by_title[title_key(candidate.title)]
        return any(may_be_same_work(candidate, earlier) for earlier in same_title)

    def add(self, candidate: Candidate) -> None:
        self.identifiers |= self._identifiers(candidate)
        self.by_title[title_key(candidate.title)].append(candidate)


@transaction.atomic
def reading_list_import(
    *, term: Term, data: bytes | str, filename: str, week: Week | None = None, dry_run: bool = False
) -> ImportReport:
    """Put a reading list's papers in the term's pool, or as rows (without presenter) of one of its weeks.

    Raises ReadingListError for a file that cannot be read; entries that cannot be used are
    skipped, with the reason in the report. A paper rejected from the pool earlier stays rejected.
    """
    if week is not None and week.term_id != term.pk:
        raise ReadingListError(f"The week {week.slug} belongs to another term.")
    candidates = reading_list_candidates(data=data, filename=filename)
    target = f"week {week.slug} of {term.slug}" if week else f"the pool of {term.slug}"
    report = ImportReport(target=target, dry_run=dry_run)
    seen = _EntriesSeen()
    # What the list already holds, read once rather than once an entry.
    if week is not None:
        in_week = set(week.presentations.values_list("paper_id", flat=True))
        next_order = (week.presentations.aggregate(Max("order"))["order__max"] or 0) + 1
    else:
        in_pool = dict(PoolPaper.objects.filter(term=term).values_list("paper_id", "status"))
        to_pool: list[Paper] = []
    for candidate in candidates:
        line = ImportLine(where=candidate.where, title=candidate.title, outcome="skipped")
        report.lines.append(line)
        if candidate.problem or not candidate.title:
            line.reason = candidate.problem or "no title"
            continue
        if seen.repeats(candidate):
            line.reason = "the same paper as an entry above"
            continue
        seen.add(candidate)
        try:
            paper, created, line.reason = _paper_for(candidate)
        except ValidationError as error:
            line.reason = "; ".join(error.messages)
            continue
        if week is not None:
            listed = paper.pk in in_week
            if not listed:
                Presentation.objects.create(week=week, order=next_order, paper=paper)
                in_week.add(paper.pk)
                next_order += 1
        else:
            status = in_pool.get(paper.pk)
            if status == PoolPaper.Status.REJECTED:
                line.reason = "rejected from the pool earlier, left as is"
                continue
            listed = status == PoolPaper.Status.APPROVED
            if not listed:
                to_pool.append(paper)
                in_pool[paper.pk] = PoolPaper.Status.APPROVED
        line.outcome = "created" if created else "already" if listed else "matched"
    if week is None and to_pool:
        pool_add(term=term, papers=to_pool)  # approves a student's suggestion of the same paper
    if dry_run:
        transaction.set_rollback(True)
    return report
