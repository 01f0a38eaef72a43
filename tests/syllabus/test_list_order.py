"""Lists with counts keep their model's order: an aggregate query drops Meta.ordering, so they order themselves.

Rows are created in an order other than the expected one, and one is then updated: without an
ORDER BY, SQLite answers in the order of the grouped key (the id) and PostgreSQL in whatever
order its aggregate and the rows' physical places give, which an update changes.
"""

import datetime

import pytest
from django.urls import reverse

from tests.factories import CategoryFactory, TagFactory, TermFactory, WeekFactory, public_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def terms():
    """Three published terms created oldest-in-the-middle, each with a published week."""
    made = [
        TermFactory(name=name, start_date=start, end_date=start + datetime.timedelta(days=90))
        for name, start in [
            ("Spring 2025", datetime.date(2025, 1, 10)),
            ("Fall 2026", datetime.date(2026, 9, 1)),
            ("Fall 2024", datetime.date(2024, 9, 1)),
            ("Autumn 2024", datetime.date(2024, 9, 1)),
        ]
    ]
    for term in made:
        WeekFactory(term=term, date=term.start_date)
    made[1].description = "moved on disk by an update"
    made[1].save()
    return made


EXPECTED_TERMS = ["Fall 2026", "Spring 2025", "Autumn 2024", "Fall 2024"]  # newest first, then by name


def test_the_terms_page_lists_newest_terms_first(client, terms):
    response = client.get(reverse("syllabus:terms"))

    assert [term.name for term in response.context["terms"]] == EXPECTED_TERMS


def test_the_home_page_lists_every_term_newest_first(client, terms):
    response = client.get(reverse("syllabus:home"))

    assert [(term.name, term.week_count) for term in response.context["terms"]] == [
        (name, 1) for name in EXPECTED_TERMS
    ]


def test_the_categories_page_lists_by_order_then_name(client):
    week = WeekFactory()
    for name, order in [("zeta", 0), ("beta", 2), ("alpha", 2), ("gamma", 0)]:
        week.categories.add(CategoryFactory(name=name, order=order))
    gamma = week.categories.get(name="gamma")
    gamma.description = "moved on disk by an update"
    gamma.save()

    response = client.get(reverse("syllabus:categories"))

    assert [category.name for category in response.context["categories"]] == [
        "gamma",
        "zeta",
        "alpha",
        "beta",
    ]


def test_the_tags_page_lists_by_name(client):
    week, paper = WeekFactory(), public_paper()
    # Neither the ids nor the slugs (an index the database may read the table by) follow the names.
    for name, slug in [("transformers", "s-1"), ("attention", "s-3"), ("graphs", "s-2")]:
        week.tags.add(TagFactory(name=name, slug=slug))
    paper.tags.add(TagFactory(name="bandits", slug="s-0"))
    attention = week.tags.get(name="attention")
    attention.slug = "s-4"
    attention.save()

    response = client.get(reverse("syllabus:tags"))

    assert [tag.name for tag in response.context["tags"]] == [
        "attention",
        "bandits",
        "graphs",
        "transformers",
    ]
