"""Search over papers, weeks and presenters, a page at a time.

On PostgreSQL papers and weeks are found through their stored search documents
(syllabus/search_index.py) with web-search syntax ("a phrase", -word, or) and ranked by them:
title before authors before abstract before tags. Other databases (SQLite, the embedded default)
fall back to matching every word or "phrase" somewhere in the same fields or a tag name, without
those excluded by -word, and rank a title match first. Presenters are few: their names are matched.
"""

import operator
import re
from dataclasses import dataclass, field
from functools import reduce

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from papers.models import Paper
from presenters.models import Presenter
from syllabus.models import Week
from syllabus.search_index import is_indexed

MAX_QUERY_LENGTH = 200
PAGE_SIZE = 20
CONFIG = "english"  # the text search configuration the documents are built with

# The fields of the fallback on databases without search documents, best match first.
PAPER_FIELDS = ("title", "authors", "abstract")
WEEK_FIELDS = ("title", "code", "intro", "body")
# A word or a "quoted phrase", excluded when it starts with a minus.
TERM = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')


@dataclass
class SearchResults:
    query: str
    papers: list = field(default_factory=list)
    weeks: list = field(default_factory=list)
    presenters: list = field(default_factory=list)
    notice: str = ""
    page: int = 1
    paper_count: int = 0
    week_count: int = 0
    presenter_count: int = 0

    @classmethod
    def empty(cls, query: str = "") -> "SearchResults":
        return cls(query=query.strip())

    @property
    def count(self) -> int:
        """Results of every kind on every page."""
        return self.paper_count + self.week_count + self.presenter_count

    @property
    def has_next(self) -> bool:
        shown = self.page * PAGE_SIZE
        return any(count > shown for count in (self.paper_count, self.week_count, self.presenter_count))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def next_page(self) -> int:
        return self.page + 1

    @property
    def previous_page(self) -> int:
        return self.page - 1


def clean_query(raw_query: str) -> str:
    """Words separated by single spaces; control characters (NUL breaks PostgreSQL) dropped."""
    printable = "".join(char if char.isprintable() else " " for char in raw_query)
    return " ".join(printable.split())


def search(raw_query: str, *, page: int = 1) -> SearchResults:
    """Public weeks, papers and presenters matching the query, best first, `PAGE_SIZE` of each kind a page.

    Each kind is paged alike: page 2 shows the 21st to 40th paper, week and presenter, and whichever
    kinds have that many.
    """
    query = clean_query(raw_query)
    notice = ""
    if len(query) > MAX_QUERY_LENGTH:
        query = query[:MAX_QUERY_LENGTH]
        notice = f"Your search was shortened to its first {MAX_QUERY_LENGTH} characters."
    if not query:
        return SearchResults.empty()
    page = max(page, 1)
    papers, paper_count = _page(ranked_papers(query), page)
    weeks, week_count = _page(ranked_weeks(query), page)
    named = Q(name__icontains=query) | Q(aliases__name__icontains=query)
    presenters, presenter_count = _page(
        Presenter.objects.public().filter(named).distinct().order_by("name", "pk"), page
    )
    return SearchResults(
        query=query,
        papers=papers,
        weeks=weeks,
        presenters=presenters,
        notice=notice,
        page=page,
        paper_count=paper_count,
        week_count=week_count,
        presenter_count=presenter_count,
    )


def ranked_papers(query: str) -> QuerySet:
    """Public papers matching a cleaned query, best first."""
    return _ranked(Paper.objects.public(), query, PAPER_FIELDS, then="title")


def ranked_weeks(query: str) -> QuerySet:
    """Published weeks matching a cleaned query, best first."""
    return _ranked(Week.objects.published().select_related("term"), query, WEEK_FIELDS, then="-date")


def paper_ids_matching(raw_query: str) -> QuerySet:
    """Ids of every paper (public or not) the search would find for this query (for filtering elsewhere)."""
    query = clean_query(raw_query)[:MAX_QUERY_LENGTH]
    if not query:  # nothing searchable (only control characters, say): no filter
        return Paper.objects.values("pk")
    return Paper.objects.filter(_matching(Paper, query, PAPER_FIELDS)).values("pk")


def _page(rows: QuerySet, page: int) -> tuple[list, int]:
    """One page of `rows` and how many there are in all; no query for a page past the end."""
    total = rows.count()
    start = (page - 1) * PAGE_SIZE
    return (list(rows[start : start + PAGE_SIZE]) if start < total else []), total


def _search_query(query: str):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(query, search_type="websearch", config=CONFIG)


def _matching(model, query: str, fields: tuple[str, ...]) -> Q:
    if is_indexed():
        return Q(search_document=_search_query(query))
    return _words_matching(model, query, fields)


def _ranked(rows: QuerySet, query: str, fields: tuple[str, ...], *, then: str) -> QuerySet:
    rows = rows.filter(_matching(rows.model, query, fields))
    if is_indexed():
        from django.contrib.postgres.search import SearchRank

        rank = SearchRank(F("search_document"), _search_query(query))
    else:
        rank = _fallback_rank(query, fields)
    return rows.annotate(rank=rank).order_by("-rank", then, "pk")  # pk: pages never repeat or skip a tie


def _terms(query: str) -> tuple[list[str], list[str]]:
    """The words and phrases to find and those to exclude (-word, -"a phrase")."""
    wanted, unwanted = [], []
    for minus, phrase, word in TERM.findall(query):
        term = (phrase if phrase else word).strip()
        if term and term != "-":
            (unwanted if minus else wanted).append(term)
    return wanted, unwanted


def _words_matching(model, query: str, fields: tuple[str, ...]) -> Q:
    """The fallback: each wanted term in some field or tag name, no unwanted one in any."""
    links = model.tags.through.objects
    owner = f"{model._meta.model_name}_id"

    def anywhere(term: str) -> Q:
        tagged = Q(pk__in=links.filter(tag__name__icontains=term).values(owner))
        return reduce(operator.or_, (Q(**{f"{name}__icontains": term}) for name in fields), tagged)

    wanted, unwanted = _terms(query)
    if not wanted:
        return Q(pk__in=[])
    found = reduce(operator.and_, (anywhere(term) for term in wanted))
    return reduce(operator.and_, (~anywhere(term) for term in unwanted), found)


def _fallback_rank(query: str, fields: tuple[str, ...]) -> Case | Value:
    """Every wanted term in the first field (the title) ranks highest, then the next field..."""
    wanted, _ = _terms(query)
    if not wanted:  # nothing is matched either
        return Value(0)
    best_first = [
        When(reduce(operator.and_, (Q(**{f"{name}__icontains": term}) for term in wanted)), then=Value(score))
        for score, name in zip(range(len(fields), 0, -1), fields, strict=True)
    ]
    return Case(*best_first, default=Value(0), output_field=IntegerField())
