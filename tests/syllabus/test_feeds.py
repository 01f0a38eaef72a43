import datetime
import xml.etree.ElementTree as ET

import icalendar
import pytest
from django.urls import reverse

from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def presenter():
    term = TermFactory(name="Fall 2026", slug="fall-2026")
    presenter = PresenterFactory(name="Maya Chen", slug="maya")
    for day, title, published in [
        (10, "Optimisation", True),
        (17, "Normalisation", True),
        (24, "Draft", False),
    ]:
        week = WeekFactory(term=term, title=title, date=datetime.date(2026, 9, day), is_published=published)
        row = PresentationFactory(week=week, paper=PaperFactory(title=f"Paper on {title}"))
        PresentationPresenterFactory(presentation=row, presenter=presenter)
    return presenter


def test_atom_feed_lists_published_weeks_newest_first(client, presenter):
    response = client.get(reverse("syllabus:feed"))

    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == [
        "Normalisation (17 Sep 2026)",
        "Optimisation (10 Sep 2026)",
    ]
    assert entries[0].find(f"{ATOM}link").get("href") == "http://testserver/terms/fall-2026/normalisation/"
    assert "<li>Paper on Normalisation (ICML 2020) — Maya Chen</li>" in entries[0].find(f"{ATOM}summary").text


def calendar_events(response) -> list[icalendar.Event]:
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


def test_term_calendar_has_an_all_day_event_per_published_week(client, presenter):
    events = calendar_events(client.get(reverse("syllabus:term_calendar", args=["fall-2026"])))

    assert [(str(e["summary"]), e.decoded("dtstart")) for e in events] == [
        ("Optimisation", datetime.date(2026, 9, 10)),
        ("Normalisation", datetime.date(2026, 9, 17)),
    ]
    assert str(events[0]["url"]) == "http://testserver/terms/fall-2026/optimisation/"
    assert str(events[0]["description"]) == "Paper on Optimisation (Maya Chen)"


def test_presenter_calendar_has_only_their_published_sessions(client, presenter):
    PresentationFactory(week=WeekFactory(title="Someone else's"))

    events = calendar_events(client.get(reverse("presenters:calendar", args=["maya"])))

    assert [str(e["summary"]) for e in events] == ["Optimisation", "Normalisation"]


def test_draft_term_has_no_public_calendar(client):
    term = TermFactory(is_published=False)

    assert client.get(reverse("syllabus:term_calendar", args=[term.slug])).status_code == 404


def test_sitemap_lists_published_pages_only(client, presenter):
    sitemap = ET.fromstring(client.get(reverse("syllabus:sitemap")).content)

    locations = {loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert "http://testserver/terms/fall-2026/optimisation/" in locations
    assert "http://testserver/presenters/maya/" in locations
    assert "http://testserver/terms/fall-2026/draft/" not in locations
