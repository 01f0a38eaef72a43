"""Presenters and slide decks are written as JSON; their files are uploaded on their own addresses.

    write                       body       anonymous  other user  owner  editor  staff
    PATCH presenters/{id}/      JSON       401        403         403    200     200
    PUT presenters/{id}/photo/  multipart  401        403         403    200     200
    DELETE presenters/{id}/photo/          401        403         403    200     200
    PATCH slides/{id}/          JSON       401        403         403    200     200
    PUT slides/{id}/file/       multipart  401        403         403    200     200

"other user" holds a token and no permissions; "owner" is the presenter's own account (a presenter
signed in by email, who changes their photo and slides on their own pages, not through the API);
"editor" holds the model permissions; "staff" is a superuser. The file addresses ask for the change
permission, as changing the file through PATCH did.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from papers.models import SlideDeck
from presenters.models import Presenter
from tests.conftest import count_queries, token_client
from tests.factories import (
    PresentationPresenterFactory,
    PresenterAliasFactory,
    SignedInPresenterFactory,
    SlideDeckFactory,
    WeekFactory,
    make_pdf,
    pdf_file,
)

pytestmark = pytest.mark.django_db


def jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), "teal").save(buffer, "JPEG")
    return SimpleUploadedFile("face.jpg", buffer.getvalue(), content_type="image/jpeg")


def pdf(name: str = "talk.pdf", pages: int = 3) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf(pages), content_type="application/pdf")


@pytest.fixture
def owner_api():
    """A token for the account of the presenter the tests change (see `world`)."""
    return token_client(SignedInPresenterFactory(name="Owen Owner").user)


@pytest.fixture
def staff_api(django_user_model):
    return token_client(django_user_model.objects.create_superuser(username="staff", password="x"))


def world() -> tuple[Presenter, SlideDeck]:
    """The owner's presenter, public (a published week credits them) with a photo, and their uploaded deck."""
    presenter = Presenter.objects.get(name="Owen Owner")
    presenter.photo = jpeg()
    presenter.save()
    row = PresentationPresenterFactory(presenter=presenter).presentation
    deck = SlideDeckFactory(week=row.week, presentation=row, presenter=presenter, file=pdf_file(), url="")
    return presenter, deck


WRITES = {
    "PATCH presenter": lambda client, p, d: client.patch(
        reverse("api:presenter-detail", args=[p.pk]), {"affiliation": "ETH"}, format="json"
    ),
    "PUT photo": lambda client, p, d: client.put(
        reverse("api:presenter-photo", args=[p.pk]), {"photo": jpeg()}, format="multipart"
    ),
    "DELETE photo": lambda client, p, d: client.delete(reverse("api:presenter-photo", args=[p.pk])),
    "PATCH deck": lambda client, p, d: client.patch(
        reverse("api:slidedeck-detail", args=[d.pk]), {"title": "Renamed"}, format="json"
    ),
    "PUT file": lambda client, p, d: client.put(
        reverse("api:slidedeck-file", args=[d.pk]), {"file": pdf("new.pdf")}, format="multipart"
    ),
}
EXPECTED = {"anonymous": 401, "reader": 403, "owner": 403, "editor": 200, "staff": 200}


@pytest.mark.parametrize("write", list(WRITES))
@pytest.mark.parametrize("actor", list(EXPECTED))
def test_file_addresses_ask_the_permissions_a_change_asks(request, owner_api, actor, write):
    client = request.getfixturevalue(f"{actor}_api")
    presenter, deck = world()
    before = (Presenter.objects.filter(pk=presenter.pk).values().get(), SlideDeck.objects.values().get())

    response = WRITES[write](client, presenter, deck)

    assert response.status_code == EXPECTED[actor], response.content
    after = (Presenter.objects.filter(pk=presenter.pk).values().get(), SlideDeck.objects.values().get())
    assert (after == before) == (response.status_code != 200)


def test_a_presenters_aliases_are_set_and_cleared_as_json(editor_api):
    presenter = PresenterAliasFactory(name="L. Ortega").presenter
    detail = reverse("api:presenter-detail", args=[presenter.pk])

    set_ = editor_api.patch(detail, {"aliases": ["Lucía Ortega", "L. Ortega"]}, format="json")
    cleared = editor_api.patch(detail, {"aliases": []}, format="json")

    assert (set_.status_code, set_.json()["aliases"]) == (200, ["L. Ortega", "Lucía Ortega"])
    assert (cleared.status_code, cleared.json()["aliases"]) == (200, [])
    assert list(presenter.aliases.all()) == []


def test_a_deck_added_with_its_file_then_changed_as_json(editor_api):
    row = PresentationPresenterFactory().presentation

    added = editor_api.post(
        reverse("api:slidedeck-list"),
        {"week": row.week_id, "presentation": row.pk, "presenter": row.presenter_entries.get().presenter_id,
         "file": pdf(), "title": "Draft"},
        format="multipart",
    )  # fmt: skip
    changed = editor_api.patch(
        reverse("api:slidedeck-detail", args=[added.json()["id"]]),
        {"title": "Final", "presenter": None, "presentation": None},
        format="json",
    )

    assert added.status_code == 201, added.json()
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (body["title"], body["presenter"], body["presentation"], body["page_count"]) == (
        "Final",
        None,
        None,
        3,
    )
    assert body["file"] == added.json()["file"] and body["href"] == body["file"]


def test_a_link_written_to_a_deck_with_a_file_takes_its_place(editor_api, django_capture_on_commit_callbacks):
    deck = SlideDeckFactory(file=pdf_file(), url="")
    stored = deck.file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.patch(
            reverse("api:slidedeck-detail", args=[deck.pk]),
            {"link": "https://example.org/deck"},
            format="json",
        )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["file"], body["link"], body["href"], body["thumbnail"]) == (
        None,
        "https://example.org/deck",
        "https://example.org/deck",
        None,
    )
    assert not deck.file.storage.exists(stored)


def test_a_file_put_replaces_a_decks_link_and_draws_its_thumbnail(editor_api):
    deck = SlideDeckFactory(url="https://example.org/old")

    response = editor_api.put(
        reverse("api:slidedeck-file", args=[deck.pk]), {"file": pdf("graphs.pdf", 5)}, format="multipart"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["link"], body["page_count"], body["href"] == body["file"]) == ("", 5, True)
    assert body["file"].endswith("/graphs.pdf") and body["thumbnail"].endswith("/graphs.webp")
    assert response["ETag"] == editor_api.get(reverse("api:slidedeck-detail", args=[deck.pk]))["ETag"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"file": SimpleUploadedFile("notes.pdf", b"Just my notes.\n")},
            "This file is not a PDF or PowerPoint",
        ),
        ({}, "No file was submitted."),
    ],
)
def test_a_bad_file_put_is_refused_and_the_deck_is_unchanged(editor_api, body, message):
    deck = SlideDeckFactory(url="https://example.org/old")

    response = editor_api.put(reverse("api:slidedeck-file", args=[deck.pk]), body, format="multipart")

    assert response.status_code == 400
    assert [text[: len(message)] for text in response.json()["file"]] == [message]
    deck.refresh_from_db()
    assert (deck.url, deck.file.name) == ("https://example.org/old", "")


def test_a_file_put_honours_if_match(editor_api):
    deck = SlideDeckFactory(url="https://example.org/old")
    detail = reverse("api:slidedeck-detail", args=[deck.pk])
    etag = editor_api.get(detail)["ETag"]
    editor_api.patch(detail, {"title": "Changed meanwhile"}, format="json")

    stale = editor_api.put(
        reverse("api:slidedeck-file", args=[deck.pk]), {"file": pdf()}, format="multipart", HTTP_IF_MATCH=etag
    )

    assert (stale.status_code, stale.json()["etag"]) == (412, editor_api.get(detail)["ETag"])
    deck.refresh_from_db()
    assert (deck.url, deck.file.name) == ("https://example.org/old", "")


@pytest.mark.parametrize(
    ("name", "args"),
    [("api:presenter-detail", "presenter"), ("api:slidedeck-detail", "deck"), ("api:presenter-list", None)],
)
def test_fields_sent_as_a_form_are_refused_with_415(editor_api, name, args):
    presenter = SignedInPresenterFactory()
    deck = SlideDeckFactory()
    url = reverse(name, args=[{"presenter": presenter, "deck": deck}[args].pk] if args else [])
    send = editor_api.post if args is None else editor_api.patch

    response = send(url, {"name": "Form"}, format="multipart")

    assert response.status_code == 415
    assert response.json()["detail"].startswith('Unsupported media type "multipart/form-data;')


def test_a_photo_or_file_sent_as_json_is_refused_with_415(editor_api):
    presenter = SignedInPresenterFactory()
    deck = SlideDeckFactory()

    photo = editor_api.put(reverse("api:presenter-photo", args=[presenter.pk]), {"photo": "x"}, format="json")
    file = editor_api.put(reverse("api:slidedeck-file", args=[deck.pk]), {"file": "x"}, format="json")

    assert (photo.status_code, file.status_code) == (415, 415)


@pytest.mark.parametrize("write", ["PUT photo", "DELETE photo", "PUT file"])
def test_file_writes_take_as_many_queries_for_a_busy_presenter(
    editor_api, owner_api, write, django_assert_max_num_queries
):
    presenter, deck = world()

    def send():
        assert WRITES[write](editor_api, presenter, deck).status_code == 200

    send()
    small = count_queries(send)
    for number in range(3):
        PresenterAliasFactory(presenter=presenter, name=f"Alias {number}")
        PresentationPresenterFactory(presenter=presenter)
        SlideDeckFactory(week=deck.week, presenter=presenter, file=pdf_file(), url="")
    WeekFactory()
    with django_assert_max_num_queries(30):
        large = count_queries(send)
    assert large == small


@pytest.mark.parametrize(
    ("body", "format_"), [({"presenter": None}, "json"), ({"presenter": ""}, "multipart")]
)
def test_a_new_deck_without_a_presenter_may_say_null_in_json_or_empty_in_a_form(editor_api, body, format_):
    week = WeekFactory()

    response = editor_api.post(
        reverse("api:slidedeck-list"),
        {"week": week.pk, "link": "https://example.org/d", **body},
        format=format_,
    )

    assert (response.status_code, response.json()["presenter"]) == (201, None)
