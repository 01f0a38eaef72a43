"""A presenter's "my sessions" page: their rows of any term, upcoming and past, with what each lacks."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import (
    PaperFactory,
    PresenterUserFactory,
    SignedInPresenterFactory,
    SlideDeckFactory,
    TermFactory,
    WeekFactory,
)
from tests.presenters import pages
from tests.presenters.pages import credit, in_days, long_date, text_of

own_client, presenter, row = pages.own_client, pages.presenter, pages.row  # fixtures

pytestmark = pytest.mark.django_db

URL = reverse("account:my_sessions")


def due_text(session: datetime.date, *, days_before: int) -> str:
    """How the page writes a deadline for a session with no time: midnight, days before its date."""
    return f"{session - datetime.timedelta(days=days_before):%a %-d %b}, 00:00"


def test_my_sessions_lists_upcoming_and_past_rows_with_their_status(own_client, presenter, row):
    draft_term = TermFactory(name="Spring 2027", is_published=False)
    draft = credit(
        presenter,
        week=WeekFactory(term=draft_term, title="Transformers again", date=in_days(30)),
        paper=None,
        label="Open topic",
    )
    past = credit(
        presenter,
        week=WeekFactory(term=row.week.term, title="Kernels", date=in_days(-21), place="Lab 1"),
        paper=PaperFactory(title="Kernel Methods"),
    )
    SlideDeckFactory(week=past.week, presentation=past, presenter=presenter)

    html = own_client.get(URL).content.decode()

    assert text_of(html, f"my-row-{row.pk}") == (
        f"Attention {long_date(row.week.date)} · Room 2.14 · Fall 2026 Attention Is All You Need "
        f"Alan Turing slides missing slides due {due_text(row.week.date, days_before=1)} "
        "Edit Attention Is All You Need"
    )
    assert text_of(html, f"my-row-{draft.pk}") == (
        f"Transformers again draft {long_date(draft.week.date)} · Spring 2027 Open topic — "
        f"paper missing slides due {due_text(draft.week.date, days_before=1)} Edit Open topic"
    )
    assert text_of(html, f"my-row-{past.pk}") == (
        f"Kernels {long_date(past.week.date)} · Lab 1 · Fall 2026 Kernel Methods — complete Edit Kernel Methods"
    )
    upcoming, past_section = html.split('id="past-heading"')
    assert [row.pk, draft.pk] == [pk for pk in (row.pk, draft.pk) if f'id="my-row-{pk}"' in upcoming]
    assert upcoming.index(f"my-row-{row.pk}") < upcoming.index(f"my-row-{draft.pk}")
    assert f"my-row-{past.pk}" in past_section
    assert f'href="{reverse("account:row", args=[row.pk])}"' in html


def test_my_sessions_never_shows_co_presenters_addresses_nor_other_presenters_rows(own_client, row):
    someone_else = SignedInPresenterFactory(name="Ada Lovelace")
    theirs = credit(someone_else)

    html = own_client.get(URL).content.decode()

    assert "alan@example.edu" not in html
    assert f"my-row-{theirs.pk}" not in html
    assert theirs.paper.title not in html


def test_my_sessions_says_when_there_is_nothing(own_client):
    html = own_client.get(URL).content.decode()

    assert "Upcoming No upcoming sessions. Past No past sessions. Your calendar" in text_of(html, "content")


def test_my_sessions_is_a_clear_403_for_a_user_who_is_not_a_presenter(client):
    client.force_login(PresenterUserFactory())

    response = client.get(URL)

    assert response.status_code == 403
    assert "these pages are for presenters, to change their own sessions" in response.content.decode()


def test_my_sessions_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)

    assert (response.status_code, response["Location"]) == (302, f"{reverse('account:sign_in')}?next=/my/")


@pytest.mark.parametrize("rows", [1, 4])
def test_my_sessions_costs_the_same_queries_whatever_the_number_of_rows(
    own_client, presenter, rows, django_assert_num_queries
):
    for index in range(rows):
        row = credit(presenter, week=WeekFactory(date=in_days(index * 7 - 7)))
        SlideDeckFactory(week=row.week, presentation=row, presenter=presenter)
    own_client.get(URL)  # the first visit makes the calendar's token (two queries, once)
    # session, user, presenter, rows (with week, term, paper, has_deck), credits, open sign-ups
    with django_assert_num_queries(6):
        response = own_client.get(URL)
    assert response.content.decode().count('id="my-row-') == rows


def test_my_sessions_says_when_slides_are_overdue(own_client, presenter, row):
    row.week.term.slides_due_days = 10  # the session is in 7 days: its slides were due 3 days ago
    row.week.term.save()

    html = own_client.get(URL).content.decode()

    assert text_of(html, f"my-row-{row.pk}") == (
        f"Attention {long_date(row.week.date)} · Room 2.14 · Fall 2026 Attention Is All You Need "
        f"Alan Turing slides overdue slides due {due_text(row.week.date, days_before=10)} "
        "Edit Attention Is All You Need"
    )
