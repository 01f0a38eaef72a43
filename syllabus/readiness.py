"""What a term's sessions still lack: presenters, papers, slides, abstracts.

The rules, for one row of a week's table:

- **presenter**: the row credits no presenter.
- **paper**: the row has no paper (a talk that is not a paper shows here too; its label says what it is).
- **slides**: the row has a paper or a presenter, and no slide deck is attached to it. A row with
  neither (a break, a topic still open) is reported as lacking those instead.
- **abstract**: the row's paper has no abstract.

A week "lacks" something when one of its rows does; a week without rows lacks a presenter and a
paper. Everything here is a fixed number of queries, whatever the number of weeks and rows.
"""

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from papers.models import SlideDeck
from syllabus.models import Presentation, PresentationPresenter, Term, Week

PRESENTER, PAPER, SLIDES, ABSTRACT = "presenter", "paper", "slides", "abstract"
LACKS = (PRESENTER, PAPER, SLIDES, ABSTRACT)  # in the order they are shown

_credited = Exists(PresentationPresenter.objects.filter(presentation=OuterRef("pk")))
_has_deck = Exists(SlideDeck.objects.filter(presentation=OuterRef("pk")))
_with_paper = Q(paper__isnull=False)
_with_abstract = _with_paper & ~Q(paper__abstract="")
_needs_slides = _with_paper | Q(_credited)

# Per lack: the rows that have what it asks for, and the rows that lack it.
_ROWS_LACKING = {
    PRESENTER: ~Q(_credited),
    PAPER: Q(paper__isnull=True),
    SLIDES: _needs_slides & ~Q(_has_deck),
    ABSTRACT: _with_paper & Q(paper__abstract=""),
}


def presentations_lacking(presentations: models.QuerySet[Presentation], lack: str) -> models.QuerySet:
    """The rows of `presentations` that lack `lack` (one of LACKS)."""
    return presentations.filter(_ROWS_LACKING[lack])


def _rows_of_week(condition: Q | None = None) -> Coalesce:
    rows = Presentation.objects.filter(week=OuterRef("pk"))
    if condition is not None:
        rows = rows.filter(condition)
    counted = rows.order_by().values("week").annotate(count=Count("pk")).values("count")
    return Coalesce(Subquery(counted, output_field=models.IntegerField()), 0)


def weeks_with_readiness(weeks: models.QuerySet[Week]) -> models.QuerySet[Week]:
    """`weeks` annotated with counts of their rows (one subquery each, no query per week).

    `rows_total` rows; `rows_presented` rows crediting a presenter; `rows_with_paper` rows with a paper;
    `rows_needing_slides` rows with a paper or a presenter, `rows_with_slides` those of them with a deck;
    `rows_with_abstract` rows whose paper has an abstract.
    """
    return weeks.annotate(
        rows_total=_rows_of_week(),
        rows_presented=_rows_of_week(Q(_credited)),
        rows_with_paper=_rows_of_week(_with_paper),
        rows_needing_slides=_rows_of_week(_needs_slides),
        rows_with_slides=_rows_of_week(_needs_slides & Q(_has_deck)),
        rows_with_abstract=_rows_of_week(_with_abstract),
    )


def weeks_lacking(weeks: models.QuerySet[Week], lack: str) -> models.QuerySet[Week]:
    """The weeks of `weeks` with a row that lacks `lack`; for a presenter or a paper, empty weeks too."""
    lacking_rows = presentations_lacking(Presentation.objects.filter(week=OuterRef("pk")), lack)
    condition = Exists(lacking_rows)
    if lack in (PRESENTER, PAPER):
        condition = condition | ~Exists(Presentation.objects.filter(week=OuterRef("pk")))
    return weeks.filter(condition)


@dataclass
class RowReadiness:
    row: Presentation
    lacks: list[str]


@dataclass
class WeekReadiness:
    week: Week
    rows: list[RowReadiness] = field(default_factory=list)  # only the rows that lack something
    is_empty: bool = False  # the week has no rows at all


def term_readiness(*, term: Term) -> list[WeekReadiness]:
    """Every week of `term` that lacks something, in order, with its rows that lack something.

    Three queries whatever the term's size: the weeks, their rows (with paper and flags), and the
    rows' presenters.
    """
    rows = (
        Presentation.objects.select_related("paper")
        .annotate(is_credited=_credited, has_deck=_has_deck)
        .prefetch_related(
            models.Prefetch("presenter_entries", PresentationPresenter.objects.select_related("presenter"))
        )
    )
    weeks = term.weeks.order_by("date", "position", "id").prefetch_related(
        models.Prefetch("presentations", rows, to_attr="rows")
    )
    report = []
    for week in weeks:
        found = WeekReadiness(week=week, is_empty=not week.rows)
        for row in week.rows:
            lacks = row_lacks(row)
            if lacks:
                found.rows.append(RowReadiness(row=row, lacks=lacks))
        if found.is_empty or found.rows:
            report.append(found)
    return report


def row_lacks(row: Presentation) -> list[str]:
    """What `row` lacks, for a row annotated with `is_credited` and `has_deck` (see term_readiness)."""
    lacks = {
        PRESENTER: not row.is_credited,
        PAPER: row.paper_id is None,
        SLIDES: (row.paper_id is not None or row.is_credited) and not row.has_deck,
        ABSTRACT: row.paper_id is not None and not row.paper.abstract,
    }
    return [lack for lack in LACKS if lacks[lack]]
