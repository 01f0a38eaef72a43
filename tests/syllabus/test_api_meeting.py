"""The API's meeting fields: read by all (restricted links only by signed-in clients), written by editors."""

import datetime
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from syllabus.models import Term, Week
from tests.conftest import count_queries
from tests.factories import TermFactory, WeekFactory

pytestmark = pytest.mark.django_db
LINK = "https://meet.example.edu/reading-group"


@pytest.fixture
def week():
    term = TermFactory(
        time_zone="Europe/Berlin",
        weekday=1,
        start_time=datetime.time(16, 0),
        duration_minutes=90,
        place="Room 2.14",
        online_url=LINK,
        online_url_private=True,
    )
    return WeekFactory(term=term, date=datetime.date(2026, 11, 3))


@pytest.fixture
def staff_api(django_user_model):
    """Signed in (a session, as in the browsable API) as staff without any permission."""
    client = APIClient()
    client.force_login(django_user_model.objects.create_user(username="staff", password="x", is_staff=True))
    return client


@pytest.fixture
def clients(anonymous_api, reader_api, staff_api, editor_api):
    return {"anonymous": anonymous_api, "reader": reader_api, "staff": staff_api, "editor": editor_api}


def test_week_answer_carries_the_meeting(editor_api, week):
    data = editor_api.get(reverse("api:week-detail", args=[week.pk])).json()

    assert {key: data[key] for key in MEETING_KEYS} == {
        "start_time": None,
        "duration_minutes": None,
        "place": "",
        "online_url": "",
        "online_url_private": None,
        "starts_at": "2026-11-03T15:00:00Z",
        "ends_at": "2026-11-03T16:30:00Z",
        "effective_place": "Room 2.14",
        "effective_online_url": LINK,
        "uuid": str(week.uuid),
    }


MEETING_KEYS = [
    "start_time",
    "duration_minutes",
    "place",
    "online_url",
    "online_url_private",
    "starts_at",
    "ends_at",
    "effective_place",
    "effective_online_url",
    "uuid",
]


@pytest.mark.parametrize(
    ("who", "sees_link"), [("anonymous", False), ("reader", True), ("staff", True), ("editor", True)]
)
def test_a_restricted_link_is_null_for_anonymous_readers_only(clients, week, who, sees_link):
    client = clients[who]

    term = client.get(reverse("api:term-detail", args=[week.term_id])).json()
    detail = client.get(reverse("api:week-detail", args=[week.pk])).json()

    expected = LINK if sees_link else None
    assert (term["online_url"], detail["effective_online_url"]) == (expected, expected)
    assert term["place"] == "Room 2.14"


def test_a_public_link_is_shown_to_anonymous_readers(anonymous_api, week):
    Term.objects.filter(pk=week.term_id).update(online_url_private=False)

    detail = anonymous_api.get(reverse("api:week-detail", args=[week.pk])).json()

    assert detail["effective_online_url"] == LINK


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 401), ("reader", 403), ("staff", 403), ("editor", 200)]
)
def test_only_editors_change_a_terms_meeting(clients, week, who, status):
    response = clients[who].patch(
        reverse("api:term-detail", args=[week.term_id]),
        {"start_time": "09:00", "time_zone": "America/New_York", "weekday": 2},
        format="json",
    )

    assert response.status_code == status
    week.refresh_from_db()
    if status == 200:
        assert (response.json()["start_time"], response.json()["time_zone"]) == (
            "09:00:00",
            "America/New_York",
        )
        assert week.starts_at == datetime.datetime(2026, 11, 3, 14, 0, tzinfo=datetime.UTC)  # 09:00 EST
    else:
        assert week.starts_at == datetime.datetime(2026, 11, 3, 15, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 401), ("reader", 403), ("staff", 403), ("editor", 200)]
)
def test_only_editors_override_a_weeks_meeting(clients, week, who, status):
    response = clients[who].patch(
        reverse("api:week-detail", args=[week.pk]),
        {"start_time": "10:15", "duration_minutes": 45, "place": "Lab", "online_url_private": False},
        format="json",
    )

    assert response.status_code == status
    week.refresh_from_db()
    if status == 200:
        data = response.json()
        assert (data["starts_at"], data["ends_at"], data["effective_place"]) == (
            "2026-11-03T09:15:00Z",
            "2026-11-03T10:00:00Z",
            "Lab",
        )
        assert week.online_url_private is False
    else:
        assert (week.place, week.start_time) == ("", None)


def test_term_deadlines_are_read_and_written_by_editors(editor_api, week):
    url = reverse("api:term-detail", args=[week.term_id])
    before = editor_api.get(url).json()

    response = editor_api.patch(url, {"slides_due_days": 2, "reminder_days": 0}, format="json")
    too_late = editor_api.patch(url, {"slides_due_days": 61}, format="json")

    assert (before["slides_due_days"], before["reminder_days"]) == (1, 7)
    assert (response.json()["slides_due_days"], response.json()["reminder_days"]) == (2, 0)
    assert too_late.status_code == 400
    assert too_late.json() == {"slides_due_days": ["Ensure this value is less than or equal to 60."]}
    assert Term.objects.values_list("slides_due_days", "reminder_days").get(pk=week.term_id) == (2, 0)


def test_a_bad_time_zone_is_a_400_naming_the_field(editor_api, week):
    response = editor_api.patch(
        reverse("api:term-detail", args=[week.term_id]),
        {"time_zone": "Berlin", "place": "Elsewhere"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "time_zone": [
            "“Berlin” is not a known time zone: give an IANA name such as Europe/Berlin or America/New_York."
        ]
    }
    assert Term.objects.get(pk=week.term_id).place == "Room 2.14"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 5000}, "duration_minutes"),
        ({"start_time": "25:00"}, "start_time"),
        ({"place": "Room\n2"}, "place"),
        ({"online_url": "not a link"}, "online_url"),
    ],
)
def test_bad_meeting_values_are_400s(editor_api, week, payload, field):
    response = editor_api.patch(reverse("api:week-detail", args=[week.pk]), payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_writing_null_removes_an_online_link(editor_api, week):
    response = editor_api.patch(
        reverse("api:term-detail", args=[week.term_id]), {"online_url": None}, format="json"
    )

    assert response.status_code == 200
    assert Term.objects.get(pk=week.term_id).online_url == ""


def test_a_new_term_without_a_zone_gets_the_sites(editor_api, settings):
    response = editor_api.post(
        reverse("api:term-list"),
        {"name": "Spring 2027", "start_date": "2027-01-10", "end_date": "2027-05-01"},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["time_zone"] == settings.TIME_ZONE


def test_week_list_with_meetings_stays_flat_in_queries(anonymous_api, week, django_assert_max_num_queries):
    url = reverse("api:week-list")
    anonymous_api.get(url)
    small = count_queries(lambda: anonymous_api.get(url))
    for number in range(3):
        WeekFactory(term=week.term, date=datetime.date(2026, 11, 10 + number), place=f"Room {number}")

    with django_assert_max_num_queries(small):
        response = anonymous_api.get(url)

    assert [row["effective_place"] for row in response.json()["results"]] == [
        "Room 2.14",
        "Room 0",
        "Room 1",
        "Room 2",
    ]
    assert Week.objects.count() == 4


def test_the_schema_documents_the_meeting_fields(anonymous_api):
    schema = anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    week = schema["components"]["schemas"]["Week"]["properties"]
    term = schema["components"]["schemas"]["Term"]["properties"]
    # A union names null as one of its options (syllabus.api_schema.explicit_null); a typed field says nullable.
    assert week["online_url"]["oneOf"][-1] == {"$ref": "#/components/schemas/NullEnum"}
    assert week["starts_at"]["readOnly"] is True
    assert week["online_url_private"]["nullable"] is True
    assert term["online_url"]["oneOf"][-1] == {"$ref": "#/components/schemas/NullEnum"}
    assert {"weekday", "start_time", "duration_minutes", "time_zone", "place", "online_url_private"} <= set(
        term
    )
    assert (term["slides_due_days"]["maximum"], term["reminder_days"]["maximum"]) == (60, 60)


def test_meeting_times_in_answers_match_their_schema(anonymous_api):
    """A local time has no UTC offset, so it must not be typed as JSON Schema's "time" (which needs one)."""
    term = TermFactory(is_published=True, start_time=datetime.time(15, 0))
    week = WeekFactory(term=term, is_published=True, start_time=datetime.time(9, 30))
    schema = anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    shapes = {
        name: schema["components"]["schemas"][name]["properties"]["start_time"] for name in ("Term", "Week")
    }

    answers = {
        "Term": anonymous_api.get(reverse("api:term-detail", args=[term.pk])).json()["start_time"],
        "Week": anonymous_api.get(reverse("api:week-detail", args=[week.pk])).json()["start_time"],
    }

    assert answers == {"Term": "15:00:00", "Week": "09:30:00"}
    for name, shape in shapes.items():
        assert "format" not in shape and re.fullmatch(shape["pattern"], answers[name]), name
