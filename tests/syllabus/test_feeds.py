# ruff: noqa: RUF001  (times are shown with an en dash between start and end, as readers see them)

import datetime
import xml.etree.ElementTree as ET

import icalendar
import pytest
from django.urls import reverse

from papers.models import Paper
from syllabus.models import Term, Week
from syllabus.sitemaps import SectionSitemap
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


SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_entries(client, url: str) -> list[tuple[str, str | None]]:
    """(loc, lastmod) of each entry of a sitemap or sitemap index."""
    response = client.get(url)
    assert response.status_code == 200, url
    document = ET.fromstring(response.content)
    return [
        (entry.findtext(f"{SITEMAP}loc"), entry.findtext(f"{SITEMAP}lastmod"))
        for entry in [*document.findall(f"{SITEMAP}sitemap"), *document.findall(f"{SITEMAP}url")]
    ]


def test_sitemap_index_dates_each_section_by_its_newest_change(client, presenter):
    Week.objects.filter(title="Optimisation").update(
        updated=datetime.datetime(2026, 9, 1, 8, tzinfo=datetime.UTC)
    )
    Week.objects.filter(title="Normalisation").update(
        updated=datetime.datetime(2026, 9, 2, 8, tzinfo=datetime.UTC)
    )
    Week.objects.filter(title="Draft").update(updated=datetime.datetime(2026, 9, 3, 8, tzinfo=datetime.UTC))
    Paper.objects.update(updated=datetime.datetime(2026, 8, 1, 8, tzinfo=datetime.UTC))

    assert sitemap_entries(client, reverse("syllabus:sitemap")) == [
        ("http://testserver/sitemap-pages.xml", None),
        ("http://testserver/sitemap-terms.xml", None),
        ("http://testserver/sitemap-weeks.xml", "2026-09-02T08:00:00+00:00"),
        ("http://testserver/sitemap-papers.xml", "2026-08-01T08:00:00+00:00"),
        ("http://testserver/sitemap-presenters.xml", None),
    ]


def test_sitemap_sections_list_published_pages_only(client, presenter):
    sections = [loc for loc, _ in sitemap_entries(client, reverse("syllabus:sitemap"))]

    locations = {loc for section in sections for loc, _ in sitemap_entries(client, section)}
    assert "http://testserver/terms/fall-2026/optimisation/" in locations
    assert "http://testserver/presenters/maya/" in locations
    assert "http://testserver/terms/fall-2026/draft/" not in locations


def test_sitemap_sections_are_paginated_with_each_page_in_the_index(client, presenter, monkeypatch):
    monkeypatch.setattr(SectionSitemap, "limit", 1)
    Week.objects.update(updated=datetime.datetime(2026, 9, 2, 8, tzinfo=datetime.UTC))

    index = [loc for loc, _ in sitemap_entries(client, reverse("syllabus:sitemap"))]
    weeks = [sitemap_entries(client, loc) for loc in index if "sitemap-weeks" in loc]

    assert weeks == [
        [("http://testserver/terms/fall-2026/optimisation/", "2026-09-02")],
        [("http://testserver/terms/fall-2026/normalisation/", "2026-09-02")],
    ]


@pytest.fixture
def timed_term():
    """A Berlin term meeting Tuesdays 16:00 for 90 minutes, with a week either side of the DST change."""
    term = TermFactory(
        name="Winter 2026",
        slug="winter-2026",
        time_zone="Europe/Berlin",
        start_time=datetime.time(16, 0),
        duration_minutes=90,
        place="Room 2.14",
        online_url="https://meet.example.edu/private-room",
        online_url_private=True,
    )
    for day, title in [(20, "Before the change"), (27, "After the change")]:
        week = WeekFactory(term=term, title=title, date=datetime.date(2026, 10, day))
        row = PresentationFactory(week=week, paper=PaperFactory(title=f"Paper: {title}"))
        PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(name=f"Presenter {day}"))
    return term


def term_calendar(client, term, **headers) -> icalendar.Calendar:
    response = client.get(reverse("syllabus:term_calendar", args=[term.slug]), **headers)
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def test_term_calendar_has_timed_events_in_the_terms_zone(client, timed_term):
    calendar = term_calendar(client, timed_term)
    events = calendar.walk("VEVENT")

    assert [(e["dtstart"].params["TZID"], e["dtend"].params["TZID"]) for e in events] == [
        ("Europe/Berlin", "Europe/Berlin"),
        ("Europe/Berlin", "Europe/Berlin"),
    ]
    # 16:00 local on both sides of the change: 14:00 UTC in summer time, 15:00 UTC after it.
    assert [e.decoded("dtstart").astimezone(datetime.UTC).hour for e in events] == [14, 15]
    assert [e.decoded("dtstart").strftime("%H:%M") for e in events] == ["16:00", "16:00"]
    assert [e.decoded("dtend") - e.decoded("dtstart") for e in events] == [datetime.timedelta(minutes=90)] * 2
    assert [str(e["location"]) for e in events] == ["Room 2.14", "Room 2.14"]
    assert str(events[0]["url"]) == "http://testserver/terms/winter-2026/before-the-change/"
    assert str(events[0]["description"]) == "Paper: Before the change (Presenter 20)"


def test_term_calendar_has_a_vtimezone_for_each_zone_used(client, timed_term):
    calendar = term_calendar(client, timed_term)

    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Berlin"
    assert {component.name for component in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    assert calendar.get_missing_tzids() == set()


def test_presenter_calendar_holds_a_vtimezone_per_term_zone(client):
    presenter = PresenterFactory(slug="maya")
    for zone in ("Europe/Berlin", "America/New_York"):
        term = TermFactory(time_zone=zone, start_time=datetime.time(10, 0))
        row = PresentationFactory(week=WeekFactory(term=term, date=datetime.date(2026, 11, 3)))
        PresentationPresenterFactory(presentation=row, presenter=presenter)

    calendar = icalendar.Calendar.from_ical(client.get(reverse("presenters:calendar", args=["maya"])).content)

    assert sorted(str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")) == [
        "America/New_York",
        "Europe/Berlin",
    ]


def test_calendar_uids_do_not_depend_on_the_host(client, settings, timed_term):
    settings.ALLOWED_HOSTS = ["testserver", "seminar.example.edu"]

    first = [str(e["uid"]) for e in term_calendar(client, timed_term).walk("VEVENT")]
    second = [
        str(e["uid"])
        for e in term_calendar(client, timed_term, HTTP_HOST="seminar.example.edu").walk("VEVENT")
    ]

    assert first == second
    assert first == [str(week.uuid) for week in timed_term.weeks.order_by("date")]
    assert len(set(first)) == 2


def test_calendar_events_are_all_day_only_where_no_time_is_known(client, timed_term):
    WeekFactory(term=TermFactory(), date=datetime.date(2026, 11, 5))  # another term: not in this feed
    Week.objects.filter(title="After the change").update(starts_at=None, ends_at=None)  # as imported

    events = term_calendar(client, timed_term).walk("VEVENT")

    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in events][1] == (
        datetime.date(2026, 10, 27),
        datetime.date(2026, 10, 28),
    )
    assert isinstance(events[0].decoded("dtstart"), datetime.datetime)


def test_calendar_never_holds_a_restricted_online_link(client, django_user_model, timed_term):
    client.force_login(django_user_model.objects.create_user(username="student", password="x"))

    response = client.get(reverse("syllabus:term_calendar", args=[timed_term.slug]))

    assert b"private-room" not in response.content


def test_calendar_lists_a_public_online_link_in_the_description(client, timed_term):
    Term.objects.filter(pk=timed_term.pk).update(online_url_private=False)

    events = term_calendar(client, timed_term).walk("VEVENT")

    assert str(events[0]["description"]) == (
        "Paper: Before the change (Presenter 20)\nJoin online: https://meet.example.edu/private-room"
    )


def test_atom_entry_gives_the_time_and_place_and_no_restricted_link(client, timed_term):
    feed = ET.fromstring(client.get(reverse("syllabus:feed")).content)

    summary = feed.findall(f"{ATOM}entry")[0].find(f"{ATOM}summary").text
    assert summary.startswith("<p>Tue 27 Oct 2026, 16:00–17:30 (Europe/Berlin), Winter 2026 · Room 2.14</p>")
    assert "private-room" not in summary
