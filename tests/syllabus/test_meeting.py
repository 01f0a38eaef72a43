"""Time and place: a term's usual meeting, a week's overrides, and where they show."""
# ruff: noqa: RUF001  (times are shown with an en dash between start and end, as readers see them)

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import strip_tags

from syllabus import services
from syllabus.models import Term, Week
from tests.conftest import count_queries
from tests.factories import TermFactory, WeekFactory
from tests.syllabus.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
LINK = "https://meet.example.edu/reading-group"


def berlin_term(**fields) -> Term:
    values = {
        "slug": "fall-2026",
        "time_zone": "Europe/Berlin",
        "weekday": 1,
        "start_time": datetime.time(16, 0),
        "duration_minutes": 90,
        "place": "Room 2.14",
        "online_url": LINK,
        "online_url_private": True,
    }
    return TermFactory(**{**values, **fields})


def meeting_text(html: str, css_class: str = "meeting") -> list[str]:
    """The text of each element with this class, as a reader sees it."""
    found = re.findall(rf'<(p|div) class="{css_class}">(.*?)</\1>', html, flags=re.S)
    return [" ".join(strip_tags(inner).split()) for _, inner in found]


# Model: times stored aware, in the term's zone, across daylight saving time.


def test_week_times_keep_local_time_across_the_dst_change():
    term = berlin_term()

    summer = WeekFactory(term=term, date=datetime.date(2026, 10, 20))  # CEST, UTC+2
    winter = WeekFactory(term=term, date=datetime.date(2026, 10, 27))  # CET, UTC+1

    assert (summer.starts_at, summer.ends_at) == (
        datetime.datetime(2026, 10, 20, 14, 0, tzinfo=UTC),
        datetime.datetime(2026, 10, 20, 15, 30, tzinfo=UTC),
    )
    assert (winter.starts_at, winter.ends_at) == (
        datetime.datetime(2026, 10, 27, 15, 0, tzinfo=UTC),
        datetime.datetime(2026, 10, 27, 16, 30, tzinfo=UTC),
    )
    assert [week.local_time_range for week in (summer, winter)] == ["16:00–17:30", "16:00–17:30"]
    assert winter.when_text == "Tue 27 Oct 2026, 16:00–17:30 (Europe/Berlin)"


def test_week_overrides_win_over_the_term_and_blank_ones_fall_back():
    term = berlin_term()
    week = WeekFactory(
        term=term,
        date=datetime.date(2026, 11, 3),
        start_time=datetime.time(10, 15),
        duration_minutes=45,
        place="Lecture hall A",
        online_url_private=False,
    )
    plain = WeekFactory(term=term, date=datetime.date(2026, 11, 10))

    assert week.when_text == "Tue 3 Nov 2026, 10:15–11:00 (Europe/Berlin)"
    # "Everyone" on a week applies to the week's own link: the term's restricted link stays restricted.
    assert (week.effective_place, week.effective_online_url, week.online_url_is_private) == (
        "Lecture hall A",
        LINK,
        True,
    )
    week.online_url = "https://meet.example.edu/open-session"
    assert (week.effective_online_url, week.online_url_is_private) == (week.online_url, False)
    assert (plain.effective_place, plain.effective_online_url, plain.online_url_is_private) == (
        "Room 2.14",
        LINK,
        True,
    )


def test_week_without_a_known_time_has_no_times():
    week = WeekFactory(term=TermFactory(), date=datetime.date(2026, 9, 3))

    assert (week.starts_at, week.ends_at, week.when_text) == (None, None, "Thu 3 Sep 2026")


def test_week_with_a_start_but_no_duration_has_no_end():
    week = WeekFactory(term=berlin_term(duration_minutes=None), date=datetime.date(2026, 11, 3))

    assert (week.starts_at, week.ends_at, week.local_time_range) == (
        datetime.datetime(2026, 11, 3, 15, 0, tzinfo=UTC),
        None,
        "16:00",
    )


def test_online_link_for_a_user_hides_restricted_links_from_anonymous(django_user_model):
    from django.contrib.auth.models import AnonymousUser

    week = WeekFactory(term=berlin_term())
    student = django_user_model.objects.create_user(username="student", password="x")

    assert (week.online_url_for(AnonymousUser()), week.online_url_for(student)) == ("", LINK)
    assert (week.term.online_url_for(AnonymousUser()), week.term.online_url_for(student)) == ("", LINK)
    assert week.public_online_url == ""


@pytest.mark.parametrize("name", ["Mars/Olympus", "europe/berlin ", "../etc/passwd"])
def test_an_unknown_time_zone_is_refused_with_a_clear_message(name):
    term = TermFactory.build(time_zone=name)

    with pytest.raises(ValidationError) as error:
        term.full_clean()

    assert error.value.message_dict["time_zone"] == [
        f"“{name}” is not a known time zone: give an IANA name such as Europe/Berlin or America/New_York."
    ]


def test_a_new_term_uses_the_sites_time_zone(settings):
    assert TermFactory().time_zone == settings.TIME_ZONE


# Service: a term's change reaches its weeks in a fixed number of queries.


@pytest.mark.parametrize("weeks", [1, 4])
def test_term_refresh_week_times_is_two_queries_whatever_the_term_size(weeks, django_assert_num_queries):
    term = berlin_term()
    for number in range(weeks):
        WeekFactory(term=term, date=datetime.date(2026, 10, 20) + datetime.timedelta(weeks=number))
    term.start_time, term.time_zone = datetime.time(9, 0), "America/New_York"
    term.save()

    # One SELECT of the term's weeks, one UPDATE of those that changed.
    with django_assert_num_queries(2):
        changed = services.term_refresh_week_times(term=term)

    assert changed == weeks
    first = Week.objects.for_term(term).first()
    assert first.starts_at == datetime.datetime(2026, 10, 20, 13, 0, tzinfo=UTC)  # 09:00 EDT


def test_term_refresh_week_times_keeps_a_weeks_own_start_time():
    term = berlin_term()
    own = WeekFactory(term=term, date=datetime.date(2026, 11, 3), start_time=datetime.time(10, 0))
    follows = WeekFactory(term=term, date=datetime.date(2026, 11, 10))
    term.start_time, term.duration_minutes = datetime.time(18, 0), 60
    term.save()

    services.term_refresh_week_times(term=term)

    own.refresh_from_db()
    follows.refresh_from_db()
    assert [(own.local_time_range), follows.local_time_range] == ["10:00–11:00", "18:00–19:00"]


def test_term_refresh_week_times_clears_times_when_the_term_has_none():
    term = berlin_term()
    week = WeekFactory(term=term, date=datetime.date(2026, 11, 3))
    term.start_time = None
    term.save()

    services.term_refresh_week_times(term=term)

    week.refresh_from_db()
    assert (week.starts_at, week.ends_at) == (None, None)


# Pages.


@pytest.fixture
def week():
    return WeekFactory(
        term=berlin_term(), title="Optimisation", slug="optimisation", date=datetime.date(2026, 11, 3)
    )


def test_week_page_shows_time_place_and_the_link_to_signed_in_users(client, week, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="student", password="x"))

    html = client.get(week.get_absolute_url()).content.decode()

    assert "Tue 3 Nov 2026, 16:00–17:30 (Europe/Berlin)" in html
    assert '<time datetime="2026-11-03T15:00:00+00:00">' in html
    assert meeting_text(html) == ["Room 2.14 · Join online"]
    assert f'href="{LINK}"' in html


def test_week_page_hides_a_restricted_link_from_anonymous_readers(client, week):
    html = client.get(week.get_absolute_url()).content.decode()

    assert meeting_text(html) == ["Room 2.14"]
    assert LINK not in html


def test_week_page_shows_a_public_link_to_anyone(client, week):
    Term.objects.filter(pk=week.term_id).update(online_url_private=False)

    html = client.get(week.get_absolute_url()).content.decode()

    assert meeting_text(html) == ["Room 2.14 · Join online"]


def test_term_page_and_home_show_the_usual_meeting_and_each_sessions_time(client, week):
    WeekFactory(
        term=week.term, title="Late one", date=datetime.date(2026, 11, 10), start_time=datetime.time(18)
    )

    for url in (week.term.get_absolute_url(), reverse("syllabus:home")):
        html = client.get(url).content.decode()

        assert meeting_text(html)[0] == "Tuesdays, 16:00–17:30 (Europe/Berlin) · Room 2.14", url
        # The home page lists them as next or recent sessions, depending on today.
        assert sorted(re.findall(r'class="meeting-time" datetime="[^"]+">([^<]+)<', html)) == [
            "16:00–17:30",
            "18:00–19:30",
        ], url
        assert LINK not in html


def test_week_without_a_time_shows_its_date_only(client):
    week = WeekFactory(term=TermFactory(), date=datetime.date(2026, 9, 3))

    html = client.get(week.get_absolute_url()).content.decode()

    assert '<time datetime="2026-09-03">Thursday 3 September 2026</time>' in html
    assert meeting_text(html) == []


@pytest.mark.parametrize("url_name", ["syllabus:term", "syllabus:term_calendar"])
def test_term_pages_with_meetings_stay_flat_in_queries(client, url_name, django_assert_max_num_queries):
    term = berlin_term()
    WeekFactory(term=term, date=datetime.date(2026, 10, 20), place="Room 1")
    url = reverse(url_name, args=[term.slug])
    client.get(url)
    small = count_queries(lambda: client.get(url))
    for day in (3, 10, 17):
        WeekFactory(term=term, date=datetime.date(2026, 11, day), online_url="https://other.example.edu/x")

    with django_assert_max_num_queries(small):
        client.get(url)


def test_a_restricted_link_appears_nowhere_public(client, week, anonymous_api):
    """Pages, feeds, sitemap, search and the API, as an anonymous reader gets them."""
    week.online_url = "https://meet.example.edu/week-only"
    week.save()
    urls = [
        reverse("syllabus:home"),
        week.term.get_absolute_url(),
        week.get_absolute_url(),
        reverse("syllabus:feed"),
        reverse("syllabus:term_calendar", args=[week.term.slug]),
        reverse("syllabus:sitemap"),
        reverse("syllabus:search") + "?q=Optimisation",
    ]
    api = [
        reverse("api:term-list"),
        reverse("api:term-detail", args=[week.term_id]),
        reverse("api:week-list"),
        reverse("api:week-detail", args=[week.pk]),
    ]

    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"meet.example.edu" not in response.content, url
    for url in api:
        response = anonymous_api.get(url)
        assert response.status_code == 200, url
        assert b"meet.example.edu" not in response.content, url


# Admin.


def test_term_admin_change_recomputes_its_weeks(staff_client, week):
    url = admin_url(week.term, "change", week.term.pk)
    page = staff_client.get(url)
    assert "Meeting" in [fieldset.name for fieldset in page.context["adminform"]]
    data = form_data(page)

    data.update({"start_time": "09:30", "time_zone": "Asia/Tokyo"})
    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    week.refresh_from_db()
    assert week.when_text == "Tue 3 Nov 2026, 09:30–11:00 (Asia/Tokyo)"
    assert week.starts_at == datetime.datetime(2026, 11, 3, 0, 30, tzinfo=UTC)


def test_term_admin_refuses_a_bad_time_zone_and_keeps_the_rest(staff_client, week):
    url = admin_url(week.term, "change", week.term.pk)
    data = form_data(staff_client.get(url))

    data.update({"time_zone": "Berlin", "place": "Room 3.01"})
    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["time_zone"] == [
        "“Berlin” is not a known time zone: give an IANA name such as Europe/Berlin or America/New_York."
    ]
    assert Term.objects.get(pk=week.term_id).place == "Room 2.14"
    assert 'value="Room 3.01"' in response.content.decode()  # what was typed is still there


def test_week_admin_overrides_the_meeting(staff_client, week):
    url = admin_url(week, "change", week.pk)
    page = staff_client.get(url)
    assert "Meeting" in [fieldset.name for fieldset in page.context["adminform"]]
    assert "Tue 3 Nov 2026, 16:00–17:30 (Europe/Berlin)" in page.content.decode()
    data = form_data(page)

    data.update(
        {"start_time": "14:00", "duration_minutes": "60", "place": "Lab", "online_url_private": "False"}
    )
    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    week.refresh_from_db()
    assert (week.when_text, week.effective_place, week.online_url_private) == (
        "Tue 3 Nov 2026, 14:00–15:00 (Europe/Berlin)",
        "Lab",
        False,
    )


# Demo.


def test_demo_seminar_has_a_meeting_time_and_place():
    from django.core.management import call_command

    call_command("load_demo")

    first = Week.objects.order_by("date").first()
    assert first.when_text == "Thu 10 Sep 2026, 15:00–16:30 (Europe/Berlin)"
    assert first.effective_place == "Room 2.14, Computer Science Building"
    assert first.online_url_is_private


def test_a_week_copied_field_by_field_gets_its_own_uid():
    week = WeekFactory(term=berlin_term())
    fields = {f.attname: getattr(week, f.attname) for f in Week._meta.concrete_fields if not f.primary_key}

    copy = Week.objects.create(**{**fields, "slug": "copy", "date": datetime.date(2027, 1, 5)})

    assert copy.uuid != week.uuid
    assert copy.when_text == "Tue 5 Jan 2027, 16:00–17:30 (Europe/Berlin)"
