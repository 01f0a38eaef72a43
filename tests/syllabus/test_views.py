import datetime

import pytest
from django.urls import reverse

from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def term():
    return TermFactory(
        name="Fall 2026", start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 12, 18)
    )


def add_week(term, title: str, *, published: bool = True):
    week = WeekFactory(term=term, title=title, is_published=published)
    row = PresentationFactory(week=week, paper=PaperFactory(title=f"Paper of {title}"))
    PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(name=f"Speaker of {title}"))
    return week


def test_home_lists_the_published_weeks_of_the_current_term(client, term):
    add_week(term, "Memorization")
    add_week(term, "Secret plans", published=False)

    page = client.get(reverse("syllabus:home")).content.decode()

    assert "<h1>Fall 2026</h1>" in page
    assert "Paper of Memorization" in page
    assert "— Speaker of Memorization" in page
    assert "Secret plans" not in page


def test_home_without_a_published_term_points_to_the_admin(client):
    TermFactory(is_published=False)

    page = client.get(reverse("syllabus:home")).content.decode()

    assert "No term is published yet." in page


def test_home_queries_do_not_grow_with_weeks(client, term, django_assert_max_num_queries):
    add_week(term, "One")

    def load():
        assert client.get(reverse("syllabus:home")).status_code == 200

    small = count_queries(load)
    for title in ("Two", "Three"):
        add_week(term, title)
    # term, weeks (with term), categories, tags, rows (with paper), links, presenters, slide decks
    with django_assert_max_num_queries(8):
        large = count_queries(load)

    assert large == small
