"""A session's feed entry and calendar event say it changed whenever what they show of it changed.

Feed readers and calendar apps go by the Atom entry's `updated` and the event's LAST-MODIFIED,
DTSTAMP and SEQUENCE: a row deleted, a presenter credited or a deck added must move them forward,
or subscribers keep the old version of the session.
"""

import datetime
import time
from urllib.parse import parse_qs

import feedparser
import icalendar
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from papers.models import Paper, SlideDeck
from syllabus import services
from syllabus.models import Presentation, Week
from tests.factories import (
    CategoryFactory,
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - datetime.timedelta(days=2)


@pytest.fixture
def week():
    """A published session of two rows, a paper with Ana and a talk, with a deck; another session of
    its term; and everything last changed two days ago."""
    term = TermFactory(slug="fall", start_time=datetime.time(16), duration_minutes=90)
    week = WeekFactory(term=term, title="Robustness", date=datetime.date(2026, 10, 6))
    WeekFactory(term=term, title="Other session", date=datetime.date(2026, 10, 13))
    row = PresentationFactory(week=week, order=1, paper=PaperFactory(title="Adversarial examples"))
    PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(name="Ana"))
    talk = PresentationFactory(week=week, order=2, paper=None, label="Open problems")
    SlideDeckFactory(week=week, presentation=talk)
    Week.objects.update(updated=LONG_AGO)
    Paper.objects.update(updated=LONG_AGO)
    return week


def entry_updated(client, week: Week) -> datetime.datetime:
    feed = feedparser.parse(client.get(reverse("syllabus:term_feed", args=[week.term.slug])).content)
    (entry,) = [entry for entry in feed.entries if entry.id == f"urn:uuid:{week.uuid}"]
    return datetime.datetime.fromtimestamp(time.mktime(entry.updated_parsed) - time.timezone, datetime.UTC)


def event_stamps(client, week: Week) -> tuple[datetime.datetime, datetime.datetime, int]:
    """The session's LAST-MODIFIED, DTSTAMP and SEQUENCE."""
    url = reverse("syllabus:week_calendar", args=[week.term.slug, week.slug])
    (event,) = icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT")
    return event.decoded("last-modified"), event.decoded("dtstamp"), int(event["sequence"])


def stamps(client, week: Week) -> tuple:
    return entry_updated(client, week), *event_stamps(client, week)


def row(week: Week, order: int) -> Presentation:
    return week.presentations.get(order=order)


def api_patch(api, row: Presentation, data: dict) -> None:
    response = api.patch(reverse("api:presentation-detail", args=[row.pk]), data, format="json")
    assert response.status_code == 200, response.content


def old_paper() -> Paper:
    """A paper last changed long ago: the entry is newer because the row is, not the paper."""
    paper = PaperFactory()
    Paper.objects.filter(pk=paper.pk).update(updated=LONG_AGO)
    return paper


def delete_row(api, week):
    row(week, 2).slide_decks.all().delete()
    response = api.delete(reverse("api:presentation-detail", args=[row(week, 2).pk]))
    assert response.status_code == 204, response.content


def add_row(api, week):
    response = api.post(reverse("api:presentation-list"), {"week": week.pk, "label": "Panel"}, format="json")
    assert response.status_code == 201, response.content


def add_deck(api, week):
    data = {"presentation": row(week, 1).pk, "link": "https://slides.example.edu/new.pdf"}
    response = api.post(reverse("api:slidedeck-list"), data, format="json")
    assert response.status_code == 201, response.content


CHANGES = {
    "row deleted (API)": delete_row,
    "row added (API)": add_row,
    "presenter credited (API)": lambda api, week: api_patch(
        api, row(week, 2), {"presenters": [PresenterFactory(name="Ben").pk]}
    ),
    "presenter no longer credited (API)": lambda api, week: api_patch(api, row(week, 1), {"presenters": []}),
    "row's paper changed (API)": lambda api, week: api_patch(api, row(week, 2), {"paper": old_paper().pk}),
    "deck added (API)": add_deck,
    "deck deleted": lambda api, week: SlideDeck.objects.get().delete(),
    "presenter credited (many-to-many add)": lambda api, week: row(week, 2).presenters.add(
        PresenterFactory(), through_defaults={"order": 1}
    ),
    "credits cleared (many-to-many clear)": lambda api, week: row(week, 1).presenters.clear(),
    "rows reordered": lambda api, week: services.week_set_order(
        week=week, presentation_ids=[row(week, 2).pk, row(week, 1).pk]
    ),
    "table saved": lambda api, week: services.week_save_table(
        week=week, rows=[services.TableRow(row(week, 1), presenters=[PresenterFactory()])]
    ),
    "category given": lambda api, week: week.categories.add(CategoryFactory()),
    "term's meeting moved (API)": lambda api, week: api.patch(
        reverse("api:term-detail", args=[week.term.pk]), {"start_time": "10:00:00"}, format="json"
    ),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_change_of_what_the_session_shows_moves_its_feed_and_calendar_dates(
    client, editor_api, week, change
):
    before = stamps(client, week)
    versions = week.history.count()

    change(editor_api, week)

    after = stamps(client, week)
    assert [new > old for new, old in zip(after, before, strict=True)] == [True] * 4
    assert week.history.count() == versions  # a touch is no new version of the week


def test_a_row_moved_to_another_session_changes_both(client, editor_api, week):
    other = Week.objects.get(title="Other session")
    before = [stamps(client, week), stamps(client, other)]

    api_patch(editor_api, row(week, 1), {"week": other.pk})  # a row without decks to take along

    after = [stamps(client, week), stamps(client, other)]
    assert [
        new > old for pair in zip(after, before, strict=True) for new, old in zip(*pair, strict=True)
    ] == [True] * 8


def test_a_change_of_another_session_leaves_this_one_alone(client, week):
    other = Week.objects.get(title="Other session")
    before = stamps(client, week)

    PresentationFactory(week=other, paper=None, label="Elsewhere")

    assert stamps(client, week) == before


def test_a_table_of_many_rows_touches_its_week_once(week):
    presenters = [PresenterFactory() for _ in range(3)]
    rows = [services.TableRow(Presentation(label=f"Row {n}"), presenters=presenters) for n in range(6)]

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        services.week_save_table(week=week, rows=rows)

    touches = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "syllabus_week" SET "updated"')]
    assert len(touches) == 1


# A session whose length nobody gave.


def test_a_session_with_no_known_length_lasts_an_hour_in_both_calendars(client):
    term = TermFactory(slug="spring", time_zone="Europe/Berlin", start_time=datetime.time(16))
    week = WeekFactory(term=term, title="Open end", date=datetime.date(2026, 10, 20))

    url = reverse("syllabus:week_calendar", args=[term.slug, week.slug])
    (event,) = icalendar.Calendar.from_ical(client.get(url).content).walk("VEVENT")
    page = client.get(week.get_absolute_url()).content.decode()
    google = page.split('href="https://calendar.google.com/calendar/render?', 1)[1].split('"', 1)[0]

    assert (event.decoded("dtstart").isoformat(), event.decoded("dtend").isoformat()) == (
        "2026-10-20T16:00:00+02:00",
        "2026-10-20T17:00:00+02:00",
    )
    assert parse_qs(google.replace("&amp;", "&"))["dates"] == ["20261020T140000Z/20261020T150000Z"]
