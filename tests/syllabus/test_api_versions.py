"""Optimistic concurrency in the API: ETags on object answers, If-Match on writes, one call to reorder a week."""

import pytest
from django.urls import reverse

from syllabus.api_versions import STALE_MESSAGE
from syllabus.models import Presentation, Week
from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    WeekFactory,
)
from tests.seminar import Seminar
from tests.syllabus.test_api_permissions import endpoint_cases

pytestmark = pytest.mark.django_db


def detail_url(basename: str, pk: int) -> str:
    return reverse(f"api:{basename}-detail", args=[pk])


def stale_body(noun: str, etag: str) -> dict:
    return {"detail": STALE_MESSAGE.format(noun=noun), "etag": etag}


def table(week: Week) -> list[tuple[int, str]]:
    return [(row.order, row.label) for row in week.presentations.order_by("order")]


@pytest.mark.parametrize("endpoint", list(endpoint_cases()))
def test_the_answer_to_a_patch_has_the_etag_of_the_next_get(editor_api, endpoint):
    basename, _, change, factory = endpoint_cases()[endpoint]
    url = detail_url(basename, factory().pk)
    before = editor_api.get(url)["ETag"]

    patched = editor_api.patch(url, change, format="json", HTTP_IF_MATCH=before)
    after = editor_api.get(url)

    assert patched.status_code == 200, patched.content
    assert patched["ETag"] == after["ETag"] != before
    assert patched.json() == after.json()
    assert editor_api.get(url, HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304


@pytest.mark.parametrize("endpoint", list(endpoint_cases()))
def test_the_answer_to_a_post_has_the_etag_of_the_next_get(editor_api, endpoint):
    basename, payload, _, _ = endpoint_cases()[endpoint]

    created = editor_api.post(reverse(f"api:{basename}-list"), payload(), format="json")

    assert created.status_code == 201, created.content
    assert created["ETag"] == editor_api.get(detail_url(basename, created.json()["id"]))["ETag"]


def test_a_stale_if_match_is_refused_with_412_and_changes_nothing(editor_api):
    week = WeekFactory(title="Original")
    url = detail_url("week", week.pk)
    read = editor_api.get(url)["ETag"]
    editor_api.patch(url, {"title": "First editor"}, format="json", HTTP_IF_MATCH=read)
    current = editor_api.get(url)["ETag"]

    refused = editor_api.patch(url, {"title": "Second editor"}, format="json", HTTP_IF_MATCH=read)

    assert refused.status_code == 412
    assert refused.json() == stale_body("week", current)
    assert refused["ETag"] == current
    week.refresh_from_db()
    assert week.title == "First editor"


@pytest.mark.parametrize("if_match", ["nonsense", '"0123456789abcdef"', 'W/"nope"', '""', ","])
def test_a_nonsense_if_match_is_a_mismatch(editor_api, if_match):
    term = endpoint_cases()["terms"][3](name="Kept")
    url = detail_url("term", term.pk)

    put = editor_api.put(url, {"name": "Lost"}, format="json", HTTP_IF_MATCH=if_match)
    delete = editor_api.delete(url, HTTP_IF_MATCH=if_match)

    assert (put.status_code, delete.status_code) == (412, 412)
    assert put.json()["detail"] == STALE_MESSAGE.format(noun="term")
    term.refresh_from_db()
    assert term.name == "Kept"


def test_if_match_star_or_any_listed_tag_matches(editor_api):
    week = WeekFactory()
    url = detail_url("week", week.pk)
    etag = editor_api.get(url)["ETag"]

    listed = editor_api.patch(url, {"title": "Listed"}, format="json", HTTP_IF_MATCH=f'"other", W/{etag}')
    star = editor_api.patch(url, {"title": "Star"}, format="json", HTTP_IF_MATCH="*")

    assert (listed.status_code, star.status_code) == (200, 200)
    week.refresh_from_db()
    assert week.title == "Star"


def test_writes_without_if_match_still_work(editor_api):
    week = WeekFactory()

    answer = editor_api.patch(detail_url("week", week.pk), {"title": "Unconditional"}, format="json")

    assert (answer.status_code, answer.json()["title"]) == (200, "Unconditional")


def test_delete_with_a_stale_if_match_keeps_the_row(editor_api):
    paper = PaperFactory()
    url = detail_url("paper", paper.pk)
    read = editor_api.get(url)["ETag"]
    current = editor_api.patch(url, {"venue": "NeurIPS"}, format="json")["ETag"]

    refused = editor_api.delete(url, HTTP_IF_MATCH=read)
    still_there = type(paper).objects.filter(pk=paper.pk).exists()
    deleted = editor_api.delete(url, HTTP_IF_MATCH=current)

    assert (refused.status_code, refused.json(), still_there) == (412, stale_body("paper", current), True)
    assert deleted.status_code == 204
    assert not type(paper).objects.filter(pk=paper.pk).exists()


def test_a_weeks_etag_changes_with_what_it_embeds(editor_api):
    week = WeekFactory()
    row = PresentationFactory(week=week, paper=PaperFactory(title="Old title"))
    presenter = PresenterFactory(name="Ana")
    PresentationPresenterFactory(presentation=row, presenter=presenter)
    deck = SlideDeckFactory(week=week, presentation=row, title="Slides")
    url = detail_url("week", week.pk)

    def etag() -> str:
        return editor_api.get(url)["ETag"]

    seen = [etag()]
    for obj, field, value in [
        (row.paper, "title", "New title"),
        (presenter, "name", "Ben"),
        (deck, "title", "Deck"),
    ]:
        setattr(obj, field, value)
        obj.save()
        seen.append(etag())
    row.label = "A label"
    row.save()
    seen.append(etag())

    assert len(set(seen)) == 5


def test_a_presenters_etag_changes_with_the_email_it_never_shows(editor_api):
    presenter = PresenterFactory(email="old@example.edu")
    url = detail_url("presenter", presenter.pk)
    read = editor_api.get(url)["ETag"]
    presenter.email = "new@example.edu"
    presenter.save()

    refused = editor_api.patch(url, {"email": "mine@example.edu"}, format="json", HTTP_IF_MATCH=read)

    assert refused.status_code == 412
    presenter.refresh_from_db()
    assert presenter.email == "new@example.edu"


def order_url(week: Week) -> str:
    return reverse("api:week-order", args=[week.pk])


def test_the_order_call_sets_the_whole_table(editor_api):
    week = WeekFactory()
    a, b, c = (
        PresentationFactory(week=week, order=n, label=label) for n, label in [(1, "a"), (2, "b"), (5, "c")]
    )

    answer = editor_api.post(order_url(week), {"presentations": [c.pk, a.pk, b.pk]}, format="json")

    assert answer.status_code == 200, answer.content
    assert [(row["order"], row["label"]) for row in answer.json()["presentations"]] == [
        (1, "c"),
        (2, "a"),
        (3, "b"),
    ]
    assert table(week) == [(1, "c"), (2, "a"), (3, "b")]
    assert answer["ETag"] == editor_api.get(detail_url("week", week.pk))["ETag"]


@pytest.mark.parametrize(
    ("listed", "message"),
    [
        (lambda a, b, other: [a], "rows of the week not listed: {b}"),
        (lambda a, b, other: [a, b, b], "listed more than once: {b}"),
        (lambda a, b, other: [a, b, other], "not rows of this week: {other}"),
        (lambda a, b, other: [b, other], "rows of the week not listed: {a}; not rows of this week: {other}"),
    ],
)
def test_the_order_call_must_list_exactly_the_weeks_rows(editor_api, listed, message):
    week = WeekFactory()
    a, b = (
        PresentationFactory(week=week, order=1, label="a"),
        PresentationFactory(week=week, order=2, label="b"),
    )
    other = PresentationFactory()

    answer = editor_api.post(order_url(week), {"presentations": listed(a.pk, b.pk, other.pk)}, format="json")

    expected = message.format(a=a.pk, b=b.pk, other=other.pk)
    assert answer.status_code == 400
    assert answer.json() == {"presentations": [f"List every row of this week exactly once ({expected})."]}
    assert table(week) == [(1, "a"), (2, "b")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {"presentations": ["This field is required."]}),
        ({"presentations": "1,2"}, {"presentations": ['Expected a list of items but got type "str".']}),
        ({"presentations": ["x"]}, {"presentations": {"0": ["A valid integer is required."]}}),
        (
            {"presentations": [0]},
            {"presentations": {"0": ["Ensure this value is greater than or equal to 1."]}},
        ),
    ],
)
def test_the_order_call_refuses_malformed_bodies(editor_api, body, expected):
    week = WeekFactory()

    answer = editor_api.post(order_url(week), body, format="json")

    assert (answer.status_code, answer.json()) == (400, expected)


def test_the_order_call_refuses_a_stale_if_match(editor_api):
    week = WeekFactory()
    a, b = (
        PresentationFactory(week=week, order=1, label="a"),
        PresentationFactory(week=week, order=2, label="b"),
    )
    read = editor_api.get(detail_url("week", week.pk))["ETag"]
    editor_api.patch(detail_url("presentation", a.pk), {"label": "a2"}, format="json")

    refused = editor_api.post(
        order_url(week), {"presentations": [b.pk, a.pk]}, format="json", HTTP_IF_MATCH=read
    )

    assert refused.status_code == 412
    assert refused.json() == stale_body("week", editor_api.get(detail_url("week", week.pk))["ETag"])
    assert table(week) == [(1, "a2"), (2, "b")]


EXPECTED_ORDER = {"anonymous": 401, "reader": 403, "editor": 200}


@pytest.mark.parametrize("actor", list(EXPECTED_ORDER))
def test_order_permission_matrix(request, actor):
    client = request.getfixturevalue(f"{actor}_api")
    week = WeekFactory()
    a, b = (
        PresentationFactory(week=week, order=1, label="a"),
        PresentationFactory(week=week, order=2, label="b"),
    )

    answer = client.post(order_url(week), {"presentations": [b.pk, a.pk]}, format="json")

    assert answer.status_code == EXPECTED_ORDER[actor], answer.content
    assert table(week) == ([(1, "b"), (2, "a")] if actor == "editor" else [(1, "a"), (2, "b")])


def test_the_order_call_needs_the_change_permission_on_weeks(django_user_model):
    from django.contrib.auth.models import Permission

    from tests.conftest import token_client

    user = django_user_model.objects.create_user(username="adder")
    user.user_permissions.set(Permission.objects.filter(codename__in=["add_week", "add_presentation"]))
    week = WeekFactory()
    row = PresentationFactory(week=week)

    answer = token_client(user).post(order_url(week), {"presentations": [row.pk]}, format="json")

    assert (answer.status_code, answer.json()) == (
        403,
        {"detail": "You do not have permission to perform this action."},
    )


def test_the_order_of_a_draft_week_is_hidden_from_readers(reader_api):
    week = WeekFactory(is_published=False)

    assert reader_api.post(order_url(week), {"presentations": []}, format="json").status_code == 403


def test_the_order_call_costs_the_same_whatever_the_table(editor_api, django_assert_max_num_queries):
    seminar = Seminar.create()
    week = seminar.week

    def reorder():
        ids = list(week.presentations.order_by("-order").values_list("pk", flat=True))
        assert editor_api.post(order_url(week), {"presentations": ids}, format="json").status_code == 200

    reorder()
    small = count_queries(reorder)
    seminar.grow(3)
    # token, user, permissions (2), week locked and read, its rows, the move, the renumbering, the
    # week's `updated` (its feed entry changed), then the answer: the week with rows, papers, links,
    # presenters, decks, categories, tags.
    with django_assert_max_num_queries(23):
        large = count_queries(reorder)

    assert large == small


def test_a_new_row_without_an_order_goes_last(editor_api):
    week = WeekFactory()
    PresentationFactory(week=week, order=7)

    answer = editor_api.post(
        reverse("api:presentation-list"), {"week": week.pk, "label": "Last"}, format="json"
    )

    assert (answer.status_code, answer.json()["order"]) == (201, 8)
    assert Presentation.objects.get(pk=answer.json()["id"]).order == 8


def test_the_schema_documents_if_match_and_412(anonymous_api):
    schema = anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    for path, method in [
        ("/api/v1/weeks/{id}/", "patch"),
        ("/api/v1/weeks/{id}/", "put"),
        ("/api/v1/papers/{id}/", "delete"),
        ("/api/v1/weeks/{id}/order/", "post"),
    ]:
        operation = schema["paths"][path][method]
        assert "If-Match" in [parameter["name"] for parameter in operation["parameters"]], (path, method)
        assert operation["responses"]["412"]["description"].startswith("The object changed"), (path, method)
    assert "412" not in schema["paths"]["/api/v1/weeks/"]["post"]["responses"]


def test_a_row_order_too_high_to_renumber_is_refused_and_the_highest_allowed_still_reorders(editor_api):
    """Renumbering moves rows past the highest number first: that must fit the column (a smallint)."""
    week = WeekFactory()
    first = PresentationFactory(week=week, order=1, label="first")

    refused = editor_api.post(
        reverse("api:presentation-list"), {"week": week.pk, "order": 32767, "label": "x"}, format="json"
    )
    highest = editor_api.post(
        reverse("api:presentation-list"), {"week": week.pk, "order": 10_000, "label": "last"}, format="json"
    )
    reordered = editor_api.post(
        order_url(week), {"presentations": [highest.json()["id"], first.pk]}, format="json"
    )

    assert (refused.status_code, refused.json()) == (
        400,
        {"order": ["Ensure this value is less than or equal to 10000."]},
    )
    assert (highest.status_code, reordered.status_code) == (201, 200)
    assert table(week) == [(1, "last"), (2, "first")]
