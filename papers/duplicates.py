"""Papers already known: the ones a new paper (or a row's paper) may duplicate, and where they were read.

A paper is recognised by its identifiers (arXiv id, DOI, from its fields and its links, through
`paper_identifiers`) and by its title folded by `title_key`. The admin's paper form, the week's
rows, the API and the merge page all ask `papers_matching` and `paper_readings`, so they agree.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote

from django.db.models import Prefetch, Q

from papers.models import Paper, SlideDeck, title_key
from syllabus.models import Presentation, PresentationPresenter

# A new-style id (1706.03762) or an old-style one (hep-th/9901001, math.GT/0309136), anywhere in
# the text: after "arXiv:", in an abs/ or pdf/ address, with a version or ".pdf" after it.
_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"(?<![\w.-])([a-z][a-z-]*)(?:\.[a-z]{2})?/(\d{7})(?:v\d+)?(?!\d)", re.IGNORECASE)
_ARXIV_HOST = re.compile(r"^(?:https?://)?(?:[\w-]+\.)?arxiv\.org/", re.IGNORECASE)
_DOI = re.compile(r"(10\.\d{4,9}/[^\s?#]+)")
_DOI_HOST = re.compile(r"^(?:https?://)?(?:dx\.)?doi\.org/", re.IGNORECASE)


def arxiv_id_in(text: str) -> str:
    """The arXiv id in an id or an arXiv address, without version, "" if none.

    `arXiv:1706.03762v5`, `https://arxiv.org/pdf/1706.03762v5.pdf` -> `1706.03762`;
    `math.GT/0309136v1` -> `math/0309136` (the subject class is not part of the id).
    """
    text = text.strip()
    if not text:
        return ""
    lowered = text.lower()
    if _ARXIV_HOST.match(text):
        text = text[_ARXIV_HOST.match(text).end() :]
        text = re.sub(r"^(?:abs|pdf|html|format)/", "", text, flags=re.IGNORECASE)
    elif lowered.startswith("arxiv:"):
        text = text[len("arxiv:") :]
    elif "://" in text:
        return ""  # another site's address: its digits are not an arXiv id
    new = _ARXIV_NEW.match(text.strip())
    if new:
        return new[1]
    old = _ARXIV_OLD.match(text.strip())
    return f"{old[1].lower()}/{old[2]}" if old else ""


def doi_in(text: str) -> str:
    """The DOI in a DOI or a doi.org address, lower case (DOIs ignore case), "" if none."""
    text = unquote(text.strip())
    if _DOI_HOST.match(text):
        text = text[_DOI_HOST.match(text).end() :]
    elif text.lower().startswith("doi:"):
        text = text[len("doi:") :].strip()
    elif "://" in text:
        return ""  # a publisher's page may hold a DOI, but not always the paper's own
    found = _DOI.match(text)
    return found[1].rstrip(".,;").lower() if found else ""


@dataclass(frozen=True)
class Identifiers:
    arxiv: frozenset[str] = frozenset()
    doi: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.arxiv or self.doi)


def identifiers_of(*, arxiv_id: str = "", doi: str = "", urls: Iterable[str] = ()) -> Identifiers:
    """The identifiers a paper's fields and link addresses name."""
    texts = [*urls]
    arxiv = {arxiv_id_in(text) for text in [arxiv_id, *texts]} - {""}
    dois = {doi_in(text) for text in [doi, *texts]} - {""}
    return Identifiers(arxiv=frozenset(arxiv), doi=frozenset(dois))


def paper_identifiers(paper: Paper) -> Identifiers:
    """A saved paper's identifiers: its fields and its links (reads `paper.links.all()`, prefetch it)."""
    return identifiers_of(
        arxiv_id=paper.arxiv_id, doi=paper.doi, urls=[link.url for link in paper.links.all()]
    )


@dataclass
class PaperMatch:
    """An existing paper that a candidate may duplicate, and why."""

    paper: Paper
    same_arxiv_id: set[str] = field(default_factory=set)
    same_doi: set[str] = field(default_factory=set)
    same_title: bool = False

    @property
    def same_identifier(self) -> bool:
        """The same arXiv id or DOI: certainly the same paper (a title alone may be a coincidence)."""
        return bool(self.same_arxiv_id or self.same_doi)

    @property
    def reasons(self) -> list[str]:
        found = [f"arXiv id {value}" for value in sorted(self.same_arxiv_id)]
        found += [f"DOI {value}" for value in sorted(self.same_doi)]
        return found + (["title"] if self.same_title else [])


def papers_matching(
    *,
    title: str = "",
    arxiv_id: str = "",
    doi: str = "",
    urls: Iterable[str] = (),
    exclude_pk: int | None = None,
) -> list[PaperMatch]:
    """Existing papers with the same arXiv id, DOI (from fields or links) or folded title; two queries.

    Identifier matches come first, then title matches, each by title.
    """
    wanted = identifiers_of(arxiv_id=arxiv_id, doi=doi, urls=urls)
    key = title_key(title)
    condition = Q(title_key=key) if key else Q()
    for value in wanted.arxiv:
        # Narrowed in the database, decided in Python (a version suffix, an id inside a longer one).
        condition |= Q(arxiv_id__istartswith=value) | Q(links__url__icontains=value)
    for value in wanted.doi:
        condition |= Q(doi__iexact=value) | Q(links__url__icontains=value)
    if not condition:
        return []
    candidates = Paper.objects.filter(condition).distinct().prefetch_related("links")
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    matches = []
    for paper in candidates.order_by("title", "id"):
        known = paper_identifiers(paper)
        match = PaperMatch(
            paper=paper,
            same_arxiv_id=set(known.arxiv & wanted.arxiv),
            same_doi=set(known.doi & wanted.doi),
            same_title=bool(key) and paper.title_key == key,
        )
        if match.same_identifier or match.same_title:
            matches.append(match)
    return sorted(matches, key=lambda match: not match.same_identifier)


@dataclass
class Reading:
    """One row in which a paper was read: its term and week, presenters, and slide decks."""

    presentation: Presentation
    presenters: list = field(default_factory=list)
    decks: list = field(default_factory=list)

    @property
    def week(self):
        return self.presentation.week

    @property
    def where(self) -> str:
        week = self.presentation.week
        return f"{week.term.name}, week {week.position} ({week.title})"

    def __str__(self) -> str:
        """ "read in Fall 2026, week 3 (Attention) by Ada Lovelace; slides" """
        text = f"read in {self.where}"
        if self.presenters:
            text += " by " + ", ".join(presenter.name for presenter in self.presenters)
        if self.decks:
            text += "; slides"
        return text


def paper_readings(
    *, paper_ids: Iterable[int], exclude_week_id: int | None = None
) -> dict[int, list[Reading]]:
    """Where each of these papers was read, newest week first; three queries whatever their number."""
    ids = set(paper_ids) - {None}
    if not ids:
        return {}
    rows = (
        Presentation.objects.filter(paper_id__in=ids)
        .select_related("week__term")
        .prefetch_related(
            Prefetch("presenter_entries", PresentationPresenter.objects.select_related("presenter")),
            Prefetch("slide_decks", SlideDeck.objects.order_by("id")),
        )
        .order_by("-week__date", "order", "id")
    )
    if exclude_week_id is not None:
        rows = rows.exclude(week_id=exclude_week_id)
    readings: dict[int, list[Reading]] = {pk: [] for pk in ids}
    for row in rows:
        readings[row.paper_id].append(
            Reading(presentation=row, presenters=row.ordered_presenters, decks=list(row.slide_decks.all()))
        )
    return readings


def readings_summary(readings: list[Reading]) -> str:
    """ "read in A, week 1 (X) by Ada; slides / read in B, ..." or "not read yet"."""
    return " / ".join(str(reading) for reading in readings) or "not read yet"


def papers_read_again(*, week, paper_ids: Iterable[int]) -> list[Presentation]:
    """Rows of the week's term, in other weeks, that read one of these papers; one query."""
    ids = set(paper_ids) - {None}
    if not ids:
        return []
    return list(
        Presentation.objects.filter(week__term_id=week.term_id, paper_id__in=ids)
        .exclude(week_id=week.pk)
        .select_related("week", "paper")
        .order_by("week__date", "order")
    )
