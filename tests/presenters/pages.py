"""What the tests of a presenter's own pages share: their people, rows and a reader of the HTML."""

import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SignedInPresenterFactory,
    TermFactory,
    WeekFactory,
)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _TextOf(HTMLParser):
    def __init__(self, element_id: str):
        super().__init__()
        self.element_id, self.depth, self.parts, self.found = element_id, 0, [], False

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += tag not in VOID
        elif dict(attrs).get("id") == self.element_id:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str:
    """The text of the element with this id, its spaces collapsed (None if there is none)."""
    parser = _TextOf(element_id)
    parser.feed(html)
    return " ".join("".join(parser.parts).split()) if parser.found else None


def form_errors(response) -> dict:
    """The errors of the bound (posted) forms of a page, by form name: {"link": {"url": [...]}}."""
    return {
        name: {field: list(errors) for field, errors in form.errors.items()}
        for name, form in (response.context.get("forms") or {"form": response.context["form"]}).items()
        if form.is_bound
    }


def row_url(row) -> str:
    return reverse("account:row", args=[row.pk])


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def long_date(day: datetime.date) -> str:
    """A date as the pages write it: Thursday 8 October 2026."""
    return f"{day:%A} {day.day} {day:%B %Y}"


@pytest.fixture
def presenter():
    return SignedInPresenterFactory(name="Grace Hopper")


@pytest.fixture
def own_client(client, presenter):
    client.force_login(presenter.user)
    return client


@pytest.fixture
def row(presenter):
    """A row crediting `presenter` and a co-presenter, on a paper without abstract, in a published week."""
    term = TermFactory(name="Fall 2026", place="Room 2.14")
    week = WeekFactory(term=term, title="Attention", date=in_days(7), position=5)
    paper = PaperFactory(title="Attention Is All You Need", abstract="")
    row = PresentationFactory(week=week, paper=paper, order=1)
    PresentationPresenterFactory(presentation=row, presenter=presenter, order=0)
    PresentationPresenterFactory(
        presentation=row, presenter=PresenterFactory(name="Alan Turing", email="alan@example.edu"), order=1
    )
    return row


def credit(presenter, **row_fields):
    row = PresentationFactory(**row_fields)
    PresentationPresenterFactory(presentation=row, presenter=presenter)
    return row
