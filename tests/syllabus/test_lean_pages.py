"""Summary pages build only the rows and fields they show: instance counts at two sizes.

Query counts stay flat (test_pages.py); here the number of model instances a page builds may grow
only with what it shows (a week's line, its rows' presenters), and no abstract or body is loaded
where none is shown.
"""

import datetime
from collections import Counter
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from papers.models import Paper
from presenters.models import Presenter
from syllabus.models import Category, Tag, Term, Week
from tests.conftest import built_instances
from tests.factories import (
    CategoryFactory,
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db

ROWS_PER_WEEK = 2
ABSTRACT = "Words of an abstract. " * 50


@dataclass
class Archive:
    """A current term whose weeks all look alike: two rows, each with a paper (abstract, link,
    tag), two presenters (one of them always `presenter`) and a deck, and a deck for the session."""

    term: Term
    category: Category
    tag: Tag
    presenter: Presenter
    weeks: int = 0

    @classmethod
    def create(cls, weeks: int) -> "Archive":
        today = timezone.localdate()
        archive = cls(
            term=TermFactory(
                start_date=today - datetime.timedelta(days=7), end_date=today + datetime.timedelta(days=200)
            ),
            category=CategoryFactory(),
            tag=TagFactory(),
            presenter=PresenterFactory(),
        )
        archive.add_weeks(weeks)
        return archive

    def add_weeks(self, count: int) -> None:
        for _ in range(count):
            date = self.term.start_date + datetime.timedelta(weeks=1 + self.weeks)
            week = WeekFactory(term=self.term, date=date, body="A long *introduction*. " * 40)
            week.categories.add(self.category)
            week.tags.add(self.tag)
            for order in range(1, ROWS_PER_WEEK + 1):
                paper = PaperFactory(abstract=ABSTRACT)
                paper.tags.add(self.tag)
                PaperLinkFactory(paper=paper)
                row = PresentationFactory(week=week, order=order, paper=paper, notes="Some notes.")
                PresentationPresenterFactory(presentation=row, presenter=self.presenter, order=0)
                PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(), order=1)
                SlideDeckFactory(week=week, presentation=row)
            SlideDeckFactory(week=week)
            self.weeks += 1


# What each row of a week's table costs when only names are shown: the row, two credits, two presenters.
ROW = 1 + 2 + 2
WEEK_LINE = 3 + ROWS_PER_WEEK * ROW  # the week, its term (for the meeting), its category
OUTLINE = 2 + ROWS_PER_WEEK * (ROW + 1)  # the week, its term, and each row's paper title
WEEK_LIST = {"Term", "Week", "Category", "Presentation", "PresentationPresenter", "Presenter"}

# page: (address, the models it may build, instances per week of the archive at most)
PAGES = {
    "term": (lambda a: a.term.get_absolute_url(), WEEK_LIST, WEEK_LINE),
    "category": (lambda a: a.category.get_absolute_url(), WEEK_LIST, WEEK_LINE),
    "year": (lambda a: reverse("syllabus:year", args=[a.term.start_date.year]), WEEK_LIST, WEEK_LINE),
    "tag": (lambda a: a.tag.get_absolute_url(), WEEK_LIST | {"Tag", "Paper"}, WEEK_LINE + ROWS_PER_WEEK),
    "feed": (lambda a: reverse("syllabus:feed"), WEEK_LIST | {"Paper"}, OUTLINE + 1),  # + the category
    "term calendar": (
        lambda a: reverse("syllabus:term_calendar", args=[a.term.slug]),
        WEEK_LIST - {"Category"} | {"Paper"},
        OUTLINE,
    ),
    "presenter calendar": (
        lambda a: reverse("presenters:calendar", args=[a.presenter.slug]),
        WEEK_LIST - {"Category"} | {"Paper"},
        OUTLINE,
    ),
    # Each talk: the credit, the row, its week and term, its paper and its deck.
    "presenter": (
        lambda a: a.presenter.get_absolute_url(),
        {"Presenter", "PresentationPresenter", "Presentation", "Week", "Term", "Paper", "SlideDeck"},
        ROWS_PER_WEEK * 6,
    ),
    "papers": (lambda a: reverse("papers:list"), {"Paper"}, ROWS_PER_WEEK),
    "presenters": (lambda a: reverse("presenters:list"), {"Presenter"}, ROWS_PER_WEEK),
}
# The page's own objects (its term, tag or presenter), and a list's extras (the home page's terms).
PAGE_CONSTANT = 4


def build(client, url: str) -> list:
    def load():
        response = client.get(url)
        assert response.status_code == 200, url

    return built_instances(load)


def assert_no_long_text_loaded(instances: list, *, shown: Presenter | None = None) -> None:
    """No abstract, body or biography, except the biography of the presenter whose page it is."""
    for instance in instances:
        if isinstance(instance, Presenter) and instance != shown:
            assert {"bio", "bio_html", "email"} <= instance.get_deferred_fields(), instance
        if isinstance(instance, Paper):
            assert {"abstract", "abstract_html"} <= instance.get_deferred_fields(), instance
        if isinstance(instance, Week):
            assert {"body", "body_html"} <= instance.get_deferred_fields(), instance


@pytest.mark.parametrize("name", PAGES)
def test_summary_page_builds_only_what_it_shows(client, name):
    url, shown_models, per_week = PAGES[name]
    archive = Archive.create(weeks=2)
    small = build(client, url(archive))
    archive.add_weeks(3)
    large = build(client, url(archive))

    assert {type(instance).__name__ for instance in large} == shown_models
    assert len(small) <= 2 * per_week + PAGE_CONSTANT
    assert len(large) <= 5 * per_week + PAGE_CONSTANT
    assert_no_long_text_loaded(large, shown=archive.presenter if name == "presenter" else None)


def test_home_page_builds_only_the_weeks_it_shows(client):
    archive = Archive.create(weeks=3)
    small = build(client, reverse("syllabus:home"))
    archive.add_weeks(3)
    large = build(client, reverse("syllabus:home"))

    # The next three sessions; no past ones yet. The current term comes twice: as the page's term
    # (with its description) and as the weeks' term.
    assert Counter(type(instance).__name__ for instance in large) == {
        "Term": 2 + 3,
        "Week": 3,
        "Category": 3,
        "Presentation": 3 * ROWS_PER_WEEK,
        "PresentationPresenter": 3 * ROWS_PER_WEEK * 2,
        "Presenter": 3 * ROWS_PER_WEEK * 2,
    }
    assert len(large) == len(small)
    assert_no_long_text_loaded(large)


def test_week_page_loads_each_slide_deck_once(client):
    archive = Archive.create(weeks=1)
    week = Week.objects.get(term=archive.term)

    instances = build(client, week.get_absolute_url())

    decks = [instance.pk for instance in instances if type(instance).__name__ == "SlideDeck"]
    assert sorted(decks) == sorted(week.slide_decks.values_list("pk", flat=True))
