"""Who may do what: anonymous, reader token and editor token, on every endpoint, with GET, POST, PATCH, DELETE."""

import pytest
from django.urls import reverse

from papers.models import Paper
from presenters.models import Presenter
from syllabus.models import Category, Tag
from tests.factories import (
    CategoryFactory,
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db


def endpoint_cases():
    """For each endpoint: (basename, a new object's payload, a change, a factory for a deletable row)."""
    return {
        "terms": ("term", lambda: {"name": "Spring 2027", "start_date": "2027-01-10", "end_date": "2027-05-01"},
                  {"name": "Renamed"}, TermFactory),
        "weeks": ("week", lambda: {"term": TermFactory().pk, "position": 9, "title": "New", "date": "2026-12-01"},
                  {"title": "Renamed"}, WeekFactory),
        "presentations": ("presentation", lambda: {"week": WeekFactory().pk, "label": "A talk"},
                          {"label": "Renamed"}, PresentationFactory),
        "papers": ("paper", lambda: {"title": "A new paper"}, {"title": "Renamed"}, PaperFactory),
        "presenters": ("presenter", lambda: {"name": "New Person"}, {"name": "Renamed"}, PresenterFactory),
        "slides": ("slidedeck", lambda: {"week": WeekFactory().pk, "link": "https://slides.example.edu/new.pdf"},
                   {"title": "Renamed"}, SlideDeckFactory),
        "categories": ("category", lambda: {"name": "New category"}, {"name": "Renamed"}, CategoryFactory),
        "tags": ("tag", lambda: {"name": "new-tag"}, {"name": "renamed"}, TagFactory),
    }  # fmt: skip


def make_public(row) -> None:
    """Papers, presenters, categories and tags are public once a published week uses them."""
    if isinstance(row, Paper):
        PresentationFactory(paper=row)
    elif isinstance(row, Presenter):
        PresentationPresenterFactory(presenter=row)
    elif isinstance(row, Category):
        WeekFactory().categories.add(row)
    elif isinstance(row, Tag):
        WeekFactory().tags.add(row)


EXPECTED = {
    "anonymous": {"GET": 200, "POST": 401, "PATCH": 401, "DELETE": 401},
    "reader": {"GET": 200, "POST": 403, "PATCH": 403, "DELETE": 403},
    "editor": {"GET": 200, "POST": 201, "PATCH": 200, "DELETE": 204},
}


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
@pytest.mark.parametrize("actor", list(EXPECTED))
@pytest.mark.parametrize("endpoint", list(endpoint_cases()))
def test_permission_matrix(request, endpoint, actor, method):
    client = request.getfixturevalue(f"{actor}_api")
    basename, payload, change, factory = endpoint_cases()[endpoint]
    row = factory()
    if actor != "editor":
        make_public(row)
    detail = reverse(f"api:{basename}-detail", args=[row.pk])

    if method == "GET":
        response = client.get(detail)
    elif method == "POST":
        response = client.post(reverse(f"api:{basename}-list"), payload(), format="json")
    elif method == "PATCH":
        response = client.patch(detail, change, format="json")
    else:
        response = client.delete(detail)

    assert response.status_code == EXPECTED[actor][method], response.content
    if response.status_code == 401:
        assert response["WWW-Authenticate"] == 'Token realm="api"' or response["WWW-Authenticate"] == "Token"
    row_exists = type(row).objects.filter(pk=row.pk).exists()
    assert row_exists == (response.status_code != 204)
