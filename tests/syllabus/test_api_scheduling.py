"""The API's term set-up actions: POST /api/v1/terms/{id}/generate-weeks/ and /copy/."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from syllabus.models import Term, Week
from tests.conftest import count_queries, token_client
from tests.factories import (
    CategoryFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def generate_url(term: Term) -> str:
    return reverse("api:term-generate-weeks", args=[term.pk])


def copy_url(term: Term) -> str:
    return reverse("api:term-copy", args=[term.pk])


@pytest.fixture
def lacking_api(django_user_model):
    """An editor who may change and add terms but not add weeks."""
    user = django_user_model.objects.create_user(username="half-editor", password="x")
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="syllabus", codename__in=["add_term", "change_term"]
        )
    )
    return token_client(user)


EXPECTED = {"anonymous": 401, "reader": 403, "lacking": 403, "editor": 201}


@pytest.mark.parametrize("endpoint", ["generate", "copy"])
@pytest.mark.parametrize("actor", list(EXPECTED))
def test_permission_matrix(request, actor, endpoint):
    client = request.getfixturevalue(f"{actor}_api")
    term = TermFactory(name="Fall", start_date=D(2026, 9, 1), end_date=D(2026, 9, 8))  # published
    WeekFactory(term=term, date=D(2026, 9, 1), position=1)

    if endpoint == "generate":
        response = client.post(generate_url(term), {"weekdays": [1, 3]}, format="json")
    else:
        response = client.post(copy_url(term), {"name": "Spring", "start": "2027-01-12"}, format="json")

    assert response.status_code == EXPECTED[actor], response.content
    changed = response.status_code == 201
    assert term.weeks.count() == (3 if changed and endpoint == "generate" else 1)
    assert Term.objects.count() == (2 if changed and endpoint == "copy" else 1)


def test_generate_weeks_answers_with_the_new_draft_weeks(editor_api):
    term = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 9, 30))

    response = editor_api.post(generate_url(term), {"weekdays": [1], "skip": ["2026-09-15"]}, format="json")

    assert response.status_code == 201
    assert [(week["position"], week["date"], week["title"], week["slug"], week["is_published"]) for week in response.json()] == [
        (1, "2026-09-01", "Session 1", "session-1", False),
        (2, "2026-09-08", "Session 2", "session-2", False),
        (3, "2026-09-22", "Session 3", "session-3", False),
        (4, "2026-09-29", "Session 4", "session-4", False),
    ]  # fmt: skip
    assert response.json()[0]["presentations"] == []
    again = editor_api.post(generate_url(term), {"weekdays": [1], "skip": ["2026-09-15"]}, format="json")
    assert (again.status_code, again.json()) == (201, [])


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, {"weekdays": ["This field is required."]}),
        ({"weekdays": []}, {"weekdays": ["This list may not be empty."]}),
        ({"weekdays": [7]}, {"weekdays": {"0": ["Ensure this value is less than or equal to 6."]}}),
        ({"weekdays": "1"}, {"weekdays": ['Expected a list of items but got type "str".']}),
        (
            {"weekdays": [1], "skip": ["2026-09-31"]},
            {"skip": {"0": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}},
        ),
        ({"weekdays": [1], "skip": ["2026-09-08"] * 1001}, {"skip": ["Ensure this field has no more than 1000 elements."]}),
    ],
)  # fmt: skip
def test_generate_weeks_refuses_bad_input_with_field_errors(editor_api, payload, errors):
    term = TermFactory()

    response = editor_api.post(generate_url(term), payload, format="json")

    assert (response.status_code, response.json()) == (400, errors)
    assert not term.weeks.exists()


def test_generate_weeks_passes_on_the_services_refusal(editor_api):
    term = TermFactory(start_date=D(2026, 1, 1), end_date=D(2027, 12, 31))

    response = editor_api.post(generate_url(term), {"weekdays": list(range(7))}, format="json")

    assert (response.status_code, response.json()) == (
        400,
        {"weekdays": ["This would create 730 sessions; at most 400 are made at once."]},
    )


def test_readers_cannot_generate_weeks_even_of_a_draft_term(reader_api):
    term = TermFactory(is_published=False)

    response = reader_api.post(generate_url(term), {"weekdays": [1]}, format="json")

    assert response.status_code == 403  # refused before the term is looked up
    assert not term.weeks.exists()


def test_generate_weeks_of_an_unknown_term_is_404(editor_api):
    assert (
        editor_api.post(
            reverse("api:term-generate-weeks", args=[999]), {"weekdays": [1]}, format="json"
        ).status_code
        == 404
    )


def test_copy_answers_with_the_new_draft_term(editor_api):
    term = TermFactory(name="Fall 2026", code="F26", start_date=D(2026, 9, 1), end_date=D(2026, 9, 30))
    week = WeekFactory(term=term, title="Intro", date=D(2026, 9, 8))
    week.categories.add(CategoryFactory(name="Basics"))
    week.tags.add(TagFactory(name="sets"))
    row = PresentationFactory(week=week, order=1, section="Required", label="Team A")
    PresentationPresenterFactory(presentation=row)

    response = editor_api.post(
        copy_url(term),
        {"name": "Spring 2027", "start": "2027-01-11", "skip": ["2027-01-19"], "keep_papers": False, "keep_presenters": True},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    body = response.json()
    new = Term.objects.get(pk=body["id"])
    assert response["Location"] == body["url"]
    assert response["ETag"].startswith('"')
    assert {key: body[key] for key in ["name", "slug", "code", "start_date", "end_date", "is_published"]} == {
        "name": "Spring 2027",
        "slug": "spring-2027",
        "code": "",
        "start_date": "2027-01-11",
        "end_date": "2027-02-09",
        "is_published": False,
    }
    copied = new.weeks.get()
    assert (copied.title, copied.date, copied.is_published) == ("Intro", D(2027, 1, 26), False)
    assert ([c.name for c in copied.categories.all()], [t.name for t in copied.tags.all()]) == (
        ["Basics"],
        ["sets"],
    )
    copied_row = copied.presentations.get()
    assert (copied_row.section, copied_row.label, copied_row.paper_id) == ("Required", "Team A", None)
    assert copied_row.ordered_presenters == row.ordered_presenters


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"start": "2027-01-11"}, {"name": ["This field is required."]}),
        ({"name": "Next"}, {"start": ["This field is required."]}),
        ({"name": "Next", "start": "soon"}, {"start": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}),
        ({"name": "Next", "start": "2027-01-11", "keep_papers": "maybe"}, {"keep_papers": ["Must be a valid boolean."]}),
        ({"name": "Next", "start": "9999-12-30"}, {"start": ["The copied sessions would fall after the year 9999."]}),
    ],
)  # fmt: skip
def test_copy_refuses_bad_input_with_field_errors(editor_api, payload, errors):
    term = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 9, 30))
    WeekFactory(term=term, date=D(2026, 9, 29))

    response = editor_api.post(copy_url(term), payload, format="json")

    assert (response.status_code, response.json()) == (400, errors)
    assert Term.objects.count() == 1


def test_copy_refuses_a_name_on_two_lines(editor_api):
    term = TermFactory()

    response = editor_api.post(copy_url(term), {"name": "Two\nlines", "start": "2027-01-11"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert Term.objects.count() == 1


def seminar(weeks: int, code: str) -> Term:
    term = TermFactory(code=code, start_date=D(2026, 9, 1), end_date=D(2026, 12, 15))
    for number in range(weeks):
        week = WeekFactory(
            term=term, position=number + 1, date=D(2026, 9, 1) + datetime.timedelta(weeks=number)
        )
        week.tags.add(TagFactory())
        PresentationPresenterFactory(presentation=PresentationFactory(week=week, order=1))
    return term


def test_actions_take_the_same_queries_for_small_and_large_terms(editor_api, django_assert_max_num_queries):
    small, large = seminar(1, "S"), seminar(5, "L")
    payload = {"name": "Next", "start": "2027-01-12", "keep_presenters": True}
    editor_api.post(copy_url(small), {**payload, "name": "Warm"}, format="json")  # per-process caches

    with django_assert_max_num_queries(30):
        few = count_queries(lambda: editor_api.post(copy_url(small), {**payload, "name": "A"}, format="json"))
    many = count_queries(lambda: editor_api.post(copy_url(large), {**payload, "name": "B"}, format="json"))
    assert few == many
    assert Week.objects.filter(term__name="B").count() == 5

    short, long = TermFactory(end_date=D(2026, 9, 1)), TermFactory(end_date=D(2026, 12, 31))
    with django_assert_max_num_queries(30):
        few = count_queries(lambda: editor_api.post(generate_url(short), {"weekdays": [1]}, format="json"))
    many = count_queries(lambda: editor_api.post(generate_url(long), {"weekdays": [1, 3]}, format="json"))
    assert few == many
    assert (short.weeks.count(), long.weeks.count()) == (1, 36)


def test_the_schema_documents_both_actions(anonymous_api):
    schema = anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    generate = schema["paths"]["/api/v1/terms/{id}/generate-weeks/"]["post"]
    copy = schema["paths"]["/api/v1/terms/{id}/copy/"]["post"]
    body = generate["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][body]["required"] == ["weekdays"]
    assert generate["responses"]["201"]["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Week"},
    }
    copy_body = copy["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][copy_body]["properties"]) == {
        "name",
        "start",
        "skip",
        "keep_papers",
        "keep_presenters",
    }
    assert copy["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Term"
    }
    assert {"400", "401", "403", "404"} <= set(copy["responses"]) & set(generate["responses"])
