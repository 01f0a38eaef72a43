"""iCalendar feeds of a tag, a category and a single session, and the week page's calendar links."""

import datetime
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from django.urls import reverse

from syllabus.models import Term, Week
from tests.conftest import count_queries
from tests.factories import (
    CategoryFactory,
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
)
from tests.seminar import Seminar

pytestmark = pytest.mark.django_db

CALENDARS = {
    "tag": lambda s: reverse("syllabus:tag_calendar", args=[s.tag.slug]),
    "category": lambda s: reverse("syllabus:category_calendar", args=[s.category.slug]),
    "session": lambda s: reverse("syllabus:week_calendar", args=[s.term.slug, s.week.slug]),
}


@pytest.fixture
def term():
    """A Berlin term meeting Tuesdays 16:00 for 90 minutes; its sessions tagged and in a category,
    one of them imported (no time known), and a draft."""
    term = TermFactory(
        name="Winter 2026",
        slug="winter-2026",
        time_zone="Europe/Berlin",
        start_time=datetime.time(16, 0),
        duration_minutes=90,
        place="Room 2.14 & Lab",
        online_url="https://meet.example.edu/private-room",
        online_url_private=True,
    )
    tag, category = TagFactory(name="robustness", slug="robustness"), CategoryFactory(slug="theory")
    for day, title, published in [
        (20, "Before the change", True),
        (27, "After the change", True),
        (3, "Draft", False),
    ]:
        week = WeekFactory(
            term=term,
            title=title,
            date=datetime.date(2026, 10 if day > 9 else 11, day),
            is_published=published,
        )
        week.tags.add(tag)
        week.categories.add(category)
        row = PresentationFactory(week=week, paper=PaperFactory(title=f"Paper: {title}"))
        PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(name=f"Presenter {day}"))
    Week.objects.filter(title="After the change").update(starts_at=None, ends_at=None)  # as imported
    return term


def calendar(client, url: str) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events(client, url: str) -> list[tuple[str, object, str]]:
    """(summary, start, TZID or "all day") of each event."""
    return [
        (str(e["summary"]), e.decoded("dtstart"), e["dtstart"].params.get("TZID", "all day"))
        for e in calendar(client, url).walk("VEVENT")
    ]


def test_tag_and_category_calendars_hold_their_published_sessions(client, term):
    WeekFactory(title="Untagged elsewhere")
    berlin = Term.objects.get(pk=term.pk).zone
    expected = [
        ("Before the change", datetime.datetime(2026, 10, 20, 16, tzinfo=berlin), "Europe/Berlin"),
        ("After the change", datetime.date(2026, 10, 27), "all day"),
    ]

    assert events(client, reverse("syllabus:tag_calendar", args=["robustness"])) == expected
    assert events(client, reverse("syllabus:category_calendar", args=["theory"])) == expected


def test_session_calendar_is_one_event_with_the_weeks_uid(client, term):
    week = Week.objects.get(title="Before the change")

    parsed = calendar(client, reverse("syllabus:week_calendar", args=[term.slug, week.slug]))
    again = calendar(client, reverse("syllabus:week_calendar", args=[term.slug, week.slug]))

    [event] = parsed.walk("VEVENT")
    assert [str(e["uid"]) for e in again.walk("VEVENT")] == [str(event["uid"])] == [str(week.uuid)]
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("dtend") - event.decoded("dtstart") == datetime.timedelta(minutes=90)
    assert str(event["description"]) == "Paper: Before the change (Presenter 20)"
    assert "STATUS" not in event
    assert [str(zone["tzid"]) for zone in parsed.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_calendars_of_drafts_and_unknown_slugs_are_404(client, term):
    draft_only = TagFactory(slug="draft-only")
    Week.objects.get(title="Draft").tags.add(draft_only)
    empty_category = CategoryFactory(slug="empty")

    assert [
        client.get(url).status_code
        for url in [
            reverse("syllabus:week_calendar", args=[term.slug, "draft"]),
            reverse("syllabus:week_calendar", args=[term.slug, "no-such-session"]),
            reverse("syllabus:week_calendar", args=["no-such-term", "before-the-change"]),
            reverse("syllabus:tag_calendar", args=["draft-only"]),
            reverse("syllabus:tag_calendar", args=["no-such-tag"]),
            reverse("syllabus:category_calendar", args=[empty_category.slug]),
            reverse("syllabus:category_calendar", args=["no-such-category"]),
        ]
    ] == [404] * 7


@pytest.mark.parametrize("name", CALENDARS)
def test_calendar_answers_head(client, name):
    response = client.head(CALENDARS[name](Seminar.create()))

    assert (response.status_code, response.content) == (200, b"")
    assert response["Content-Type"] == "text/calendar; charset=utf-8"


@pytest.mark.parametrize("name", CALENDARS)
def test_calendar_queries_do_not_grow_with_sessions(client, name, django_assert_max_num_queries):
    seminar = Seminar.create()
    url = CALENDARS[name](seminar)

    def load():
        assert client.get(url).status_code == 200

    small = count_queries(load)
    seminar.grow(3)
    # The tag or category, weeks with their terms, rows with papers, credits with presenters.
    with django_assert_max_num_queries(4):
        large = count_queries(load)

    assert large == small


@pytest.mark.parametrize("name", CALENDARS)
def test_calendar_is_kept_for_anonymous_readers(client, settings, name):
    settings.PAGE_CACHE = True
    seminar = Seminar.create()
    url = CALENDARS[name](seminar)
    first = client.get(url)
    Week.objects.update(title="Changed behind the cache's back")  # sends no signal

    assert client.get(url).content == first.content


def calendar_links(client, week: Week) -> dict[str, str]:
    html = client.get(week.get_absolute_url()).content.decode()
    found = re.search(r'<p class="calendar-links">(.*?)</p>', html)
    if found is None:
        return {}
    return {
        unescape(text): unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', found[1])
    }


def test_week_page_links_to_google_calendar_with_utc_times(client, term):
    week = Week.objects.get(title="Before the change")

    links = calendar_links(client, week)

    google = urlsplit(links["Add to Google Calendar"])
    assert f"{google.scheme}://{google.netloc}{google.path}" == "https://calendar.google.com/calendar/render"
    assert parse_qs(google.query) == {
        "action": ["TEMPLATE"],
        "text": ["Before the change"],
        "dates": ["20261020T140000Z/20261020T153000Z"],  # 16:00-17:30 in Berlin summer time
        "details": [
            "Paper: Before the change (Presenter 20)\nhttp://testserver/terms/winter-2026/before-the-change/"
        ],
        "location": ["Room 2.14 & Lab"],
    }
    assert "+" not in google.query and "%26" in google.query  # spaces and & encoded, not read as separators
    assert links["Download .ics"] == "/terms/winter-2026/before-the-change/session.ics"


def test_google_calendar_link_of_a_session_without_time_is_all_day(client, term):
    week = Week.objects.get(title="After the change")

    google = urlsplit(calendar_links(client, week)["Add to Google Calendar"])

    assert parse_qs(google.query)["dates"] == ["20261027/20261028"]


def test_draft_week_page_has_no_calendar_links(client, staff_client, term):
    assert calendar_links(staff_client, Week.objects.get(title="Draft")) == {}


def alternates(client, url: str) -> list[tuple[str, str]]:
    """The page's feeds and calendars (its reading lists are named too, and tested with them)."""
    html = client.get(url).content.decode()
    links = re.findall(r'<link rel="alternate" type="([^"]+)" title="[^"]*" href="([^"]+)">', html)
    return [(kind, href) for kind, href in links if kind in ("application/atom+xml", "text/calendar")]


def test_pages_name_their_feeds_and_calendars_in_the_head(client, term):
    week = Week.objects.get(title="Before the change")

    assert alternates(client, week.get_absolute_url()) == [
        ("application/atom+xml", "/feeds/weeks.atom"),
        ("application/atom+xml", "/feeds/terms/winter-2026.atom"),
        ("text/calendar", "/terms/winter-2026/calendar.ics"),
        ("text/calendar", "/terms/winter-2026/before-the-change/session.ics"),
    ]
    assert alternates(client, reverse("syllabus:tag", args=["robustness"])) == [
        ("application/atom+xml", "/feeds/weeks.atom"),
        ("application/atom+xml", "/feeds/tags/robustness.atom"),
        ("text/calendar", "/tags/robustness/calendar.ics"),
    ]
    assert alternates(client, reverse("syllabus:category", args=["theory"])) == [
        ("application/atom+xml", "/feeds/weeks.atom"),
        ("text/calendar", "/categories/theory/calendar.ics"),
    ]
    assert ("application/atom+xml", "/feeds/terms/winter-2026.atom") in alternates(
        client, term.get_absolute_url()
    )
