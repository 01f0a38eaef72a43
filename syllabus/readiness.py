"""What a term's sessions still lack: presenters, papers, slides, abstracts.

The rules, for one row of a week's table:

- **presenter**: the row credits no presenter.
- **paper**: the row has no paper (a talk that is not a paper shows here too; its label says what it is).
- **slides**: the row has a paper or a presenter, and no slide deck is attached to it. A row with
  neither (a break, a topic still open) is reported as lacking those instead.
- **abstract**: the row's paper has no abstract.

A week "lacks" something when one of its rows does; a week without rows lacks a presenter and a
paper. Everything here is a fixed number of queries, whatever the number of weeks and rows.

A row's **status** (what presenters are asked for, in this order of precedence):

- **overdue**: it needs slides (the rule above), has none, and their due time has passed. Slides are
  due `Term.slides_due_days` days before the session starts, at the same local time (a session with
  no time counts from the start of its date in the term's time zone).
- **missing paper**: it has no paper.
- **missing slides**: it needs slides and has none, and they are not due yet.
- **complete**: none of these (it may still lack a presenter or an abstract: see `lacks`).
"""

import datetime
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from papers.models import SlideDeck
from syllabus.models import Presentation, PresentationPresenter, Term, Week

PRESENTER, PAPER, SLIDES, ABSTRACT = "presenter", "paper", "slides", "abstract"
LACKS = (PRESENTER, PAPER, SLIDES, ABSTRACT)  # in the order they are shown
OVERDUE = "overdue"  # slides past their due time (a filter of the week changelist, and a status)

COMPLETE, MISSING_PAPER, MISSING_SLIDES = "complete", "missing paper", "missing slides"
STATUSES = (COMPLETE, MISSING_PAPER, MISSING_SLIDES, OVERDUE)

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


def with_row_flags(rows: models.QuerySet[Presentation]) -> models.QuerySet[Presentation]:
    """`rows` annotated with `is_credited` and `has_deck`, as `row_lacks` and `row_status` read them."""
    return rows.annotate(is_credited=_credited, has_deck=_has_deck)


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


def session_start(week: Week) -> datetime.datetime:
    """When the session starts; without a time, the start of its date in the term's time zone."""
    if week.starts_at:
        return week.starts_at
    return datetime.datetime.combine(week.date, datetime.time(), tzinfo=week.term.zone)


def slides_due_at(week: Week) -> datetime.datetime:
    """When the week's slides are due: `slides_due_days` days before the session, same local time.

    Counted on the wall clock, so "1 day before 16:00" is 16:00 the day before across a change of
    daylight saving time too. Needs `week.term` (its zone and `slides_due_days`).
    """
    start = session_start(week).astimezone(week.term.zone)
    due = start.replace(tzinfo=None) - datetime.timedelta(days=week.term.slides_due_days)
    return due.replace(tzinfo=week.term.zone)


def weeks_with_overdue_slides(
    weeks: models.QuerySet[Week], *, now: datetime.datetime
) -> models.QuerySet[Week]:
    """The weeks of `weeks` with a row whose slides are overdue (see `row_status`).

    One query to learn the terms' zones and deadlines, then one filter: a session is past its slides'
    due time when its local start is at most `slides_due_days` days after the local time now.
    """
    # Terms are few, and fewer still their distinct rules.
    rules = Term.objects.order_by().values_list("time_zone", "slides_due_days").distinct()
    past_due = Q(pk__in=[])
    for zone_name, days in rules:
        zone = Term(time_zone=zone_name).zone
        latest_start = (now.astimezone(zone).replace(tzinfo=None) + datetime.timedelta(days=days)).replace(
            tzinfo=zone
        )
        past_due |= Q(term__time_zone=zone_name, term__slides_due_days=days) & (
            Q(starts_at__lte=latest_start) | Q(starts_at__isnull=True, date__lte=latest_start.date())
        )
    lacking_rows = presentations_lacking(Presentation.objects.filter(week=OuterRef("pk")), SLIDES)
    return weeks.filter(past_due, Exists(lacking_rows))


def row_status(row: Presentation, *, now: datetime.datetime) -> str:
    """One of STATUSES for `row`, annotated with `is_credited` and `has_deck` (see `weeks_readiness`),
    its week and the week's term loaded."""
    needs_slides = (row.paper_id is not None or row.is_credited) and not row.has_deck
    if needs_slides and now >= slides_due_at(row.week):
        return OVERDUE
    if row.paper_id is None:
        return MISSING_PAPER
    if needs_slides:
        return MISSING_SLIDES
    return COMPLETE


@dataclass
class RowReadiness:
    row: Presentation
    lacks: list[str]
    status: str = COMPLETE
    slides_due: datetime.datetime | None = None  # in the term's time zone


@dataclass
class WeekReadiness:
    week: Week
    rows: list[RowReadiness] = field(default_factory=list)  # only the rows that lack something
    is_empty: bool = False  # the week has no rows at all


def term_readiness(*, term: Term, now: datetime.datetime | None = None) -> list[WeekReadiness]:
    """Every week of `term` that lacks something, in order, with its rows that lack something.

    Three queries whatever the term's size: the weeks, their rows (with paper and flags), and the
    rows' presenters.
    """
    return weeks_readiness(term.weeks.all(), now=now)


def weeks_readiness(
    weeks: models.QuerySet[Week], *, now: datetime.datetime | None = None
) -> list[WeekReadiness]:
    """Each week of `weeks` that lacks something, in date order, with its rows that lack something and
    their status at `now` (default: now). Three queries, as `term_readiness`."""
    now = now or timezone.now()
    rows = with_row_flags(Presentation.objects.select_related("paper")).prefetch_related(
        models.Prefetch("presenter_entries", PresentationPresenter.objects.select_related("presenter"))
    )
    weeks = (
        weeks.select_related("term")
        .order_by("date", "position", "id")
        .prefetch_related(models.Prefetch("presentations", rows, to_attr="rows"))
    )
    report = []
    for week in weeks:
        found = WeekReadiness(week=week, is_empty=not week.rows)
        for row in week.rows:
            row.week = week  # for its due time, without a query per row
            lacks = row_lacks(row)
            if lacks:
                due = slides_due_at(week)
                found.rows.append(RowReadiness(row, lacks, status=row_status(row, now=now), slides_due=due))
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
