"""The papers of a week, a term, a tag, a category, a presenter or a search, as public pages show them.

Only rows of published weeks of published terms are read, whoever asks: an export is a public
document (kept in the shared page cache), so a draft never reaches one. Each list costs the same
three queries however long it is (rows with paper and week, the papers' links, the credits).
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from papers.citations import SessionReading
from papers.models import Paper
from presenters.models import Presenter
from syllabus.models import Category, Presentation, Tag, Term, Week, presenters_in_order_prefetch
from syllabus.search import MAX_QUERY_LENGTH, clean_query, ranked_papers

# A search's list holds its best papers, as many as a reading list sensibly has.
SEARCH_LIMIT = 200


@dataclass
class ReadingList:
    """What one export holds: a name for its file, and the readings (a paper in a session) in order."""

    filename: str
    readings: list[SessionReading] = field(default_factory=list)

    @property
    def papers(self) -> list[Paper]:
        """Each paper once, in the order first read."""
        return list({reading.paper.pk: reading.paper for reading in self.readings}.values())


def _public_rows(condition: Q) -> QuerySet[Presentation]:
    rows = Presentation.objects.filter(condition, week__in=Week.objects.published(), paper__isnull=False)
    return (
        Presentation.objects.filter(pk__in=rows.values("pk"))  # a row once, whatever the joins
        .select_related("paper", "week")
        .prefetch_related("paper__links", presenters_in_order_prefetch())
        .order_by("week__date", "week__position", "week__id", "order", "id")
    )


def _readings(rows) -> list[SessionReading]:
    return [
        SessionReading(
            paper=row.paper,
            week=row.week.title,
            date=row.week.date,
            presenters=[presenter.name for presenter in row.ordered_presenters],
        )
        for row in rows
    ]


def week_reading_list(week: Week) -> ReadingList:
    return ReadingList(f"{week.term.slug}-{week.slug}", _readings(_public_rows(Q(week=week))))


def term_reading_list(term: Term) -> ReadingList:
    return ReadingList(term.slug, _readings(_public_rows(Q(week__term=term))))


def tag_reading_list(tag: Tag) -> ReadingList:
    """Papers of the sessions with the tag, and papers with the tag (as the tag's page lists both)."""
    return ReadingList(f"tag-{tag.slug}", _readings(_public_rows(Q(week__tags=tag) | Q(paper__tags=tag))))


def category_reading_list(category: Category) -> ReadingList:
    return ReadingList(f"category-{category.slug}", _readings(_public_rows(Q(week__categories=category))))


def presenter_reading_list(presenter: Presenter) -> ReadingList:
    rows = _public_rows(Q(presenter_entries__presenter=presenter))
    return ReadingList(f"presenter-{presenter.slug}", _readings(rows))


def search_reading_list(raw_query: str) -> ReadingList:
    """The papers the search page finds for the query, best first, each with the sessions it was read in."""
    query = clean_query(raw_query)[:MAX_QUERY_LENGTH]  # as the search page shortens it
    ranked = list(ranked_papers(query).values_list("pk", flat=True)[:SEARCH_LIMIT]) if query else []
    rank = {pk: position for position, pk in enumerate(ranked)}
    rows = sorted(_public_rows(Q(paper__in=ranked)), key=lambda row: rank[row.paper_id])  # stable: by date
    return ReadingList("search", _readings(rows))
