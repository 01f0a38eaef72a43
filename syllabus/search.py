"""Search over papers, weeks and presenters.

PostgreSQL ranks with full-text search (title before authors before abstract); other databases
fall back to matching every word somewhere in the same fields.
"""

import operator
from dataclasses import dataclass, field
from functools import reduce

from django.db import connection
from django.db.models import Q, QuerySet

from papers.models import Paper
from presenters.models import Presenter
from syllabus.models import Week

MAX_QUERY_LENGTH = 200
MAX_RESULTS = 50

PAPER_FIELDS = {"title": "A", "authors": "B", "abstract": "C"}
WEEK_FIELDS = {"title": "A", "code": "A", "body": "C"}


@dataclass
class SearchResults:
    query: str
    papers: list = field(default_factory=list)
    weeks: list = field(default_factory=list)
    presenters: list = field(default_factory=list)
    notice: str = ""

    @classmethod
    def empty(cls, query: str = "") -> "SearchResults":
        return cls(query=query.strip())

    @property
    def count(self) -> int:
        return len(self.papers) + len(self.weeks) + len(self.presenters)


def clean_query(raw_query: str) -> str:
    """Words separated by single spaces; control characters (NUL breaks PostgreSQL) dropped."""
    printable = "".join(char if char.isprintable() else " " for char in raw_query)
    return " ".join(printable.split())


def search(raw_query: str) -> SearchResults:
    """Public weeks, papers and presenters matching the query, best first."""
    query = clean_query(raw_query)
    notice = ""
    if len(query) > MAX_QUERY_LENGTH:
        query = query[:MAX_QUERY_LENGTH]
        notice = f"Your search was shortened to its first {MAX_QUERY_LENGTH} characters."
    if not query:
        return SearchResults.empty()
    rank = _postgres_ranked if connection.vendor == "postgresql" else _words_matched
    tagged = _tagged(query)
    papers = rank(Paper.objects.public(), PAPER_FIELDS, query, tagged, then="title")
    weeks = rank(Week.objects.published().select_related("term"), WEEK_FIELDS, query, tagged, then="-date")
    named = Q(name__icontains=query) | Q(aliases__name__icontains=query)
    presenters = Presenter.objects.public().filter(named).distinct().order_by("name")
    return SearchResults(
        query=query,
        papers=list(papers[:MAX_RESULTS]),
        weeks=list(weeks[:MAX_RESULTS]),
        presenters=list(presenters[:MAX_RESULTS]),
        notice=notice,
    )


def paper_ids_matching(raw_query: str) -> QuerySet:
    """Ids of the papers the search page would list for this query (for filtering elsewhere)."""
    query = clean_query(raw_query)[:MAX_QUERY_LENGTH]
    if not query:  # nothing searchable (only control characters, say): no filter
        return Paper.objects.values("pk")
    rank = _postgres_ranked if connection.vendor == "postgresql" else _words_matched
    papers = rank(Paper.objects.all(), PAPER_FIELDS, query, _tagged(query), then="title")
    return papers.order_by().values("pk")


def _tagged(query: str) -> Q:
    """Rows with a tag containing every word ("adversarial" finds adversarial-examples)."""
    words = query.split()
    return reduce(operator.and_, (Q(tags__name__icontains=word) for word in words)) if words else Q(pk__in=[])


def _postgres_ranked(rows: QuerySet, weights: dict[str, str], query: str, also: Q, *, then: str) -> QuerySet:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    vector = reduce(
        operator.add,
        (SearchVector(name, weight=weight, config="english") for name, weight in weights.items()),
    )
    terms = SearchQuery(query, search_type="websearch", config="english")
    matching = rows.model.objects.annotate(document=vector).filter(Q(document=terms) | also).values("pk")
    return rows.filter(pk__in=matching).annotate(rank=SearchRank(vector, terms)).order_by("-rank", then)


def _words_matched(rows: QuerySet, weights: dict[str, str], query: str, also: Q, *, then: str) -> QuerySet:
    def anywhere(word: str) -> Q:
        return reduce(operator.or_, (Q(**{f"{name}__icontains": word}) for name in weights))

    every_word = reduce(operator.and_, (anywhere(word) for word in query.split()), Q())
    matching = rows.model.objects.filter(every_word | also).values("pk")
    return rows.filter(pk__in=matching).order_by(then)
