"""A presenter's own calendar: a secret address that calendar apps fetch without signing in.

Who may reset the address (sign-in: redirected to the sign-in page; "own"/"other": whose token
changes; "-": none does):

    actor              reset
    anonymous          sign-in -
    other presenter    302, only theirs
    own presenter      302, own
    staff (no row)     403 -
    staff presenter    302, only theirs

Reading needs the token alone: anyone holding it reads it, signed in or not; without it, nobody.
"""

import datetime
import re

import icalendar
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from presenters.models import Presenter
from syllabus.models import Week
from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    SignedInPresenterFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db

RESET = reverse("account:personal_calendar_reset")
MY_SESSIONS = reverse("account:my_sessions")


def present(presenter: Presenter, week: Week):
    row = PresentationFactory(week=week, paper=PaperFactory(title=f"Paper of {week.title}"))
    PresentationPresenterFactory(presentation=row, presenter=presenter)


@pytest.fixture
def own():
    """Grace presents a published timed session, an imported one (no time) and a draft; a session
    she does not present is not hers. Her term's online link is for signed-in users only."""
    presenter = SignedInPresenterFactory(name="Grace Hopper")
    term = TermFactory(
        name="Winter 2026",
        time_zone="Europe/Berlin",
        start_time=datetime.time(16, 0),
        duration_minutes=90,
        online_url="https://meet.example.edu/private-room",
        online_url_private=True,
    )
    for day, title, published in [(20, "Timed", True), (27, "Imported", True), (30, "Draft", False)]:
        present(
            presenter,
            WeekFactory(term=term, title=title, date=datetime.date(2026, 10, day), is_published=published),
        )
    Week.objects.filter(title="Imported").update(starts_at=None, ends_at=None)
    WeekFactory(term=term, title="Not hers")
    return presenter


def calendar_url(client) -> str:
    """The address "my sessions" shows its signed-in presenter."""
    html = client.get(MY_SESSIONS).content.decode()
    [url] = re.findall(r'id="calendar-url" type="url" value="([^"]+)"', html)
    return url.removeprefix("http://testserver")


def token_of(presenter: Presenter) -> str | None:
    return Presenter.objects.values_list("calendar_token", flat=True).get(pk=presenter.pk)


def test_my_sessions_shows_one_lasting_address(client, own):
    client.force_login(own.user)

    first, second = calendar_url(client), calendar_url(client)

    assert first == second == reverse("account:personal_calendar", args=[token_of(own)])
    assert len(token_of(own)) == 43


def test_personal_calendar_holds_own_sessions_with_drafts_tentative_and_private_links(client, own):
    client.force_login(own.user)
    url = calendar_url(client)
    client.logout()

    response = client.get(url)  # as a calendar app: no session

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert [
        (str(e["summary"]), e["dtstart"].params.get("TZID", "all day"), str(e.get("status", "")))
        for e in events
    ] == [
        ("Timed", "Europe/Berlin", ""),
        ("Imported", "all day", ""),
        ("Draft", "Europe/Berlin", "TENTATIVE"),
    ]
    assert events[1].decoded("dtstart") == datetime.date(2026, 10, 27)
    assert [str(e["uid"]) for e in events] == [str(Week.objects.get(title=e["summary"]).uuid) for e in events]
    assert "Join online: https://meet.example.edu/private-room" in str(events[0]["description"])


def test_personal_calendar_answers_head(client, own):
    client.force_login(own.user)
    url = calendar_url(client)

    response = client.head(url)

    assert (response.status_code, response.content) == (200, b"")


def test_reset_makes_the_old_address_a_404(client, own):
    client.force_login(own.user)
    old = calendar_url(client)

    response = client.post(RESET)
    new = calendar_url(client)

    assert (response.status_code, response["Location"]) == (302, MY_SESSIONS)
    assert new != old
    assert [client.get(old).status_code, client.get(new).status_code] == [404, 200]


@pytest.mark.parametrize(
    "address",
    ["x" * 43, "short", "a" * 44, "../../etc/passwd", "%00" * 10],
    ids=["unknown", "short", "long", "path", "nul"],
)
def test_wrong_tokens_are_a_404(client, own, address):
    client.force_login(own.user)
    calendar_url(client)  # Grace has a token: none of these is it

    assert client.get(f"/my/calendar/{address}.ics").status_code == 404


def test_token_of_a_presenter_without_an_account_is_a_404(client, own):
    client.force_login(own.user)
    url = calendar_url(client)
    get_user_model().objects.filter(pk=own.user_id).update(is_active=False)

    assert client.get(url).status_code == 404


@pytest.fixture
def actors(own):
    staff = get_user_model().objects.create_superuser("instructor", "i@example.edu", "x")
    staff_presenter = SignedInPresenterFactory(name="Staff Presenter")
    get_user_model().objects.filter(pk=staff_presenter.user_id).update(is_staff=True, is_superuser=True)
    return {
        "anonymous": None,
        "other": SignedInPresenterFactory(name="Ada Lovelace").user,
        "own": own.user,
        "staff": staff,
        "staff presenter": get_user_model().objects.get(pk=staff_presenter.user_id),
    }


@pytest.mark.parametrize(
    ("actor", "status", "changed"),
    [
        ("anonymous", 302, []),
        ("other", 302, ["Ada Lovelace"]),
        ("own", 302, ["Grace Hopper"]),
        ("staff", 403, []),
        ("staff presenter", 302, ["Staff Presenter"]),
    ],
)
def test_reset_changes_only_the_signed_in_presenters_address(client, own, actors, actor, status, changed):
    for presenter in Presenter.objects.exclude(user=None):
        Presenter.objects.filter(pk=presenter.pk).update(calendar_token=f"{presenter.pk:043d}")
    before = dict(Presenter.objects.values_list("name", "calendar_token"))
    if actors[actor] is not None:
        client.force_login(actors[actor])

    response = client.post(RESET)

    after = dict(Presenter.objects.values_list("name", "calendar_token"))
    assert response.status_code == status
    if actor == "anonymous":
        assert response["Location"] == f"{reverse('account:sign_in')}?next={RESET}"
    assert sorted(name for name in after if after[name] != before[name]) == changed


def test_reset_is_post_only(client, own):
    client.force_login(own.user)
    token = calendar_url(client)

    assert client.get(RESET).status_code == 405
    assert calendar_url(client) == token


@pytest.mark.parametrize("actor", ["anonymous", "other", "own", "staff"])
def test_reading_needs_the_token_and_nothing_else(client, own, actors, actor):
    client.force_login(own.user)
    url = calendar_url(client)
    client.logout()
    if actors[actor] is not None:
        client.force_login(actors[actor])

    with_token = client.get(url)
    without = client.get(reverse("account:personal_calendar", args=["0" * 43]))

    assert (with_token.status_code, without.status_code) == (200, 404)
    assert b"SUMMARY:Timed" in with_token.content


def test_personal_calendar_is_never_kept_in_the_page_cache(client, own, settings):
    settings.PAGE_CACHE = True
    client.force_login(own.user)
    url = calendar_url(client)
    client.logout()
    client.get(url)

    Week.objects.filter(title="Timed").update(title="Renamed behind the cache's back")  # sends no signal

    assert b"SUMMARY:Renamed behind the cache's back" in client.get(url).content


def test_personal_calendar_queries_do_not_grow_with_sessions(client, own, django_assert_max_num_queries):
    client.force_login(own.user)
    url = calendar_url(client)
    client.logout()

    def load():
        assert client.get(url).status_code == 200

    small = count_queries(load)
    for number in range(3):
        present(own, WeekFactory(title=f"More {number}"))
    # The presenter by token, weeks with terms, rows with papers, credits with presenters.
    with django_assert_max_num_queries(4):
        large = count_queries(load)

    assert large == small
