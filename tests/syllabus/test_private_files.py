"""Files that are not public are never reachable by an address that does not check who asks.

A deck is public when it is public in a published week of a published term; a photo when a
published week names its presenter. Whatever else is stored lives in the private store, served by
`syllabus:private_file` to staff and editors only (404 to anyone else), and a change of visibility
moves the file so that its old address dies.
"""

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from papers.models import SlideDeck
from presenters.models import Presenter
from syllabus import services
from syllabus.models import Term, Week
from tests.factories import (
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    WeekFactory,
    make_pdf,
    png_file,
)
from tests.syllabus.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db

PDF = make_pdf()
KEYED_DECK = re.compile(r"(private/)?slides/[^/]+/[^/]+/[A-Za-z0-9_-]{8}/[^/]+")


@pytest.fixture
def other_client(client, django_user_model):
    """Signed in, with no permissions: a student, say."""
    client.force_login(django_user_model.objects.create_user(username="student", password="x"))
    return client


@pytest.fixture
def editor_client(client, django_user_model):
    """Not staff, but may change weeks (an API editor signed in): sees drafts, so their files too."""
    user = django_user_model.objects.create_user(username="editor", password="x")
    user.user_permissions.set(Permission.objects.filter(codename="change_week"))
    client.force_login(user)
    return client


def file_deck(week=None, **fields) -> SlideDeck:
    presentation = fields.get("presentation")
    deck = SlideDeckFactory.build(
        week=week or (presentation.week if presentation else WeekFactory()), url="", **fields
    )
    deck.file = SimpleUploadedFile("Talk Slides.pdf", PDF)
    deck.full_clean()
    deck.save()
    return SlideDeck.objects.get(pk=deck.pk)


def body(response) -> bytes:
    # Read to the end: the test client then closes the file (closing the response again would also
    # close the database connection, as at the end of a real request).
    return b"".join(response.streaming_content) if response.streaming else response.content


def fetch(client, url: str) -> tuple[int, bytes]:
    response = client.get(url)
    return response.status_code, body(response)


def private_url(name: str) -> str:
    return reverse("syllabus:private_file", args=[name.removeprefix("private/")])


# A public deck, made private by each way there is -------------------------------------------------


def make_private_by_field(deck, staff_client, editor_api):
    deck.is_public = False
    deck.save()


def make_private_in_the_admin(deck, staff_client, editor_api):
    url = admin_url(deck, "change", deck.pk)
    data = form_data(staff_client.get(url))
    data.pop("is_public")
    assert staff_client.post(url, data).status_code == 302


def make_private_by_the_api(deck, staff_client, editor_api):
    response = editor_api.patch(reverse("api:slidedeck-detail", args=[deck.pk]), {"is_public": False})
    assert response.status_code == 200, response.json()


def unpublish_its_week(deck, staff_client, editor_api):
    assert services.weeks_set_published(weeks=Week.objects.filter(pk=deck.week_id), published=False) == 1


def unpublish_its_term(deck, staff_client, editor_api):
    assert services.terms_set_published(terms=Term.objects.filter(pk=deck.week.term_id), published=False) == 1


def unpublish_its_week_in_the_admin(deck, staff_client, editor_api):
    url = admin_url(deck.week, "change", deck.week_id)
    data = form_data(staff_client.get(url))
    data.pop("is_published")
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def unpublish_its_term_by_saving_it(deck, staff_client, editor_api):
    term = Term.objects.get(pk=deck.week.term_id)
    term.is_published = False
    term.save()


def unpublish_its_week_by_the_api(deck, staff_client, editor_api):
    response = editor_api.patch(reverse("api:week-detail", args=[deck.week_id]), {"is_published": False})
    assert response.status_code == 200, response.json()


def move_it_to_a_draft_week(deck, staff_client, editor_api):
    draft = WeekFactory(term=deck.week.term, is_published=False)
    response = editor_api.patch(
        reverse("api:slidedeck-detail", args=[deck.pk]), {"week": draft.pk, "presentation": None}
    )
    assert response.status_code == 200, response.json()


def move_its_row_to_a_draft_week(deck, staff_client, editor_api):
    draft = WeekFactory(term=deck.week.term, is_published=False)
    response = editor_api.patch(
        reverse("api:presentation-detail", args=[deck.presentation_id]), {"week": draft.pk}
    )
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    "make_private",
    [
        make_private_by_field,
        make_private_in_the_admin,
        make_private_by_the_api,
        unpublish_its_week,
        unpublish_its_term,
        unpublish_its_week_in_the_admin,
        unpublish_its_term_by_saving_it,
        unpublish_its_week_by_the_api,
        move_it_to_a_draft_week,
        move_its_row_to_a_draft_week,
    ],
)
def test_a_deck_made_private_loses_its_public_address(
    make_private, client, staff_client, editor_api, django_capture_on_commit_callbacks
):
    deck = file_deck(presentation=PresentationFactory())
    old_file, old_thumbnail = deck.file.name, deck.thumbnail.name
    assert KEYED_DECK.fullmatch(old_file) and not old_file.startswith("private/")
    assert deck.href == f"/media/{old_file}"
    assert fetch(client, deck.href) == (200, PDF)

    with django_capture_on_commit_callbacks(execute=True):
        make_private(deck, staff_client, editor_api)

    deck.refresh_from_db()
    assert deck.file.name.startswith("private/slides/") and KEYED_DECK.fullmatch(deck.file.name)
    assert deck.thumbnail.name.startswith(deck.file.name.rsplit("/", 1)[0] + "/")
    assert deck.href == private_url(deck.file.name)
    # The old address is dead, the file gone from the public store; the new one checks who asks.
    assert (fetch(client, f"/media/{old_file}")[0], fetch(client, f"/media/{old_thumbnail}")[0]) == (404, 404)
    assert not storages["default"].exists(old_file) and not storages["default"].exists(old_thumbnail)
    assert fetch(staff_client, deck.href) == (200, PDF)
    client.logout()
    assert fetch(client, deck.href)[0] == 404


def test_a_private_deck_made_public_again_gets_a_new_public_address(
    client, django_user_model, django_capture_on_commit_callbacks
):
    deck = file_deck(is_public=False)
    private_file = deck.file.name
    assert private_file.startswith("private/")

    with django_capture_on_commit_callbacks(execute=True):
        deck.is_public = True
        deck.save()

    assert not deck.file.name.startswith("private/") and KEYED_DECK.fullmatch(deck.file.name)
    assert deck.href == f"/media/{deck.file.name}"
    assert fetch(client, deck.href) == (200, PDF)
    assert not storages["private"].exists(private_file.removeprefix("private/"))
    client.force_login(django_user_model.objects.create_superuser(username="boss", password="x"))
    assert fetch(client, private_url(private_file))[0] == 404


def test_publishing_a_draft_week_makes_its_decks_public(client, django_capture_on_commit_callbacks):
    week = WeekFactory(is_published=False)
    deck = file_deck(week=week)
    assert deck.file.name.startswith("private/")

    with django_capture_on_commit_callbacks(execute=True):
        services.weeks_set_published(weeks=Week.objects.filter(pk=week.pk), published=True)

    deck.refresh_from_db()
    assert deck.href == f"/media/{deck.file.name}"
    assert fetch(client, deck.href) == (200, PDF)
    assert fetch(client, f"/media/{deck.thumbnail.name}")[0] == 200


def test_an_upload_to_a_draft_week_never_touches_the_public_store():
    deck = file_deck(week=WeekFactory(is_published=False))

    assert deck.file.name.startswith("private/slides/") and deck.thumbnail.name.startswith("private/slides/")
    assert not storages["default"].exists("slides")


# Who may open a private file ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "who, status",
    [("anonymous", 404), ("other user", 404), ("editor", 200), ("staff", 200)],
)
def test_only_those_who_see_drafts_open_private_files(who, status, request, client):
    viewer = {
        "anonymous": "client",
        "other user": "other_client",
        "editor": "editor_client",
        "staff": "staff_client",
    }[who]
    deck = file_deck(is_public=False)
    draft = WeekFactory(is_published=False)
    presenter = PresenterFactory(photo=png_file())
    PresentationPresenterFactory(presenter=presenter, presentation=PresentationFactory(week=draft))
    presenter.refresh_from_db()
    viewing = request.getfixturevalue(viewer)

    statuses = [
        fetch(viewing, url)[0]
        for url in (deck.href, deck.thumbnail.url, presenter.photo.url, presenter.photo_small.url)
    ]

    assert statuses == [status] * 4
    if status == 404:  # and nothing tells that the file exists
        assert viewing.get(private_url("private/slides/none/none/AAAAAAAA/x.pdf")).status_code == 404


def test_a_private_deck_downloads_as_an_attachment_not_kept_by_caches(staff_client):
    deck = file_deck(is_public=False)

    response = staff_client.get(deck.href)

    assert (response.status_code, body(response)) == (200, PDF)
    assert {name: response[name] for name in ("Content-Type", "Content-Disposition", "Cache-Control")} == {
        "Content-Type": "application/pdf",
        "Content-Disposition": 'attachment; filename="talk-slides.pdf"',
        "Cache-Control": "private, no-store",
    }
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_web_server_sends_private_files_when_an_internal_location_is_set(settings, staff_client, client):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/_private/"
    deck = file_deck(is_public=False)

    response = staff_client.get(deck.href)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/_private/" + deck.file.name.removeprefix("private/")
    assert (response.content, response["Content-Type"]) == (b"", "application/pdf")
    client.logout()
    assert "X-Accel-Redirect" not in client.get(deck.href)


def test_names_outside_the_private_store_or_unknown_are_not_found(staff_client):
    deck = file_deck()  # public: not served by the private view

    for name in (deck.file.name, "../settings.py", "slides/x/y/AAAAAAAA/none.pdf", "other/file.txt"):
        assert staff_client.get(f"/files/{name}").status_code == 404


def test_the_private_file_view_costs_the_same_queries_with_more_decks(
    staff_client, django_assert_max_num_queries
):
    decks = [file_deck(is_public=False)]
    # session, user, the deck's row (a FileResponse reads no more)
    with django_assert_max_num_queries(3):
        assert fetch(staff_client, decks[0].href) == (200, PDF)
    decks += [file_deck(is_public=False) for _ in range(2)]
    with django_assert_max_num_queries(3):
        assert fetch(staff_client, decks[2].href) == (200, PDF)


# Presenter photos -----------------------------------------------------------------------------------


def test_a_photo_of_a_presenter_only_drafts_name_is_not_public(client, django_capture_on_commit_callbacks):
    draft = WeekFactory(is_published=False)
    presenter = PresenterFactory(name="Ada", photo=png_file())
    PresentationPresenterFactory(presenter=presenter, presentation=PresentationFactory(week=draft))
    presenter.refresh_from_db()

    assert re.fullmatch(r"private/presenters/[A-Za-z0-9_-]{8}/ada-512\.webp", presenter.photo.name)
    assert not storages["default"].exists("presenters")
    assert client.get(presenter.photo.url).status_code == 404

    with django_capture_on_commit_callbacks(execute=True):  # the week is published: the photo is announced
        services.weeks_set_published(weeks=Week.objects.filter(pk=draft.pk), published=True)

    private = presenter.photo.name
    presenter.refresh_from_db()
    assert re.fullmatch(r"presenters/[A-Za-z0-9_-]{8}/ada-512\.webp", presenter.photo.name)
    response = client.get(presenter.photo.url)
    assert (response.status_code, response["Content-Type"], body(response)[:4]) == (
        200,
        "image/webp",
        b"RIFF",
    )
    assert not storages["private"].exists(private.removeprefix("private/"))


def test_a_presenter_no_longer_credited_in_a_published_week_goes_private(django_capture_on_commit_callbacks):
    credit = PresentationPresenterFactory(presenter=PresenterFactory(photo=png_file()))
    presenter = Presenter.objects.get()
    assert not presenter.photo.name.startswith("private/")

    with django_capture_on_commit_callbacks(execute=True):
        credit.delete()

    public_folder = presenter.photo.name.rsplit("/", 1)[0]
    presenter.refresh_from_db()
    assert presenter.photo.name.startswith("private/") and presenter.photo_small.name.startswith("private/")
    assert storages["default"].listdir(public_folder)[1] == []


# Existing data, week zips, public media ----------------------------------------------------------------


def test_migrate_moves_existing_files_to_where_they_belong(django_capture_on_commit_callbacks):
    """Files stored before the private store existed: a private deck in public media, a photo at its slug."""
    from syllabus.media import media_place_all  # what migrate runs (post_migrate)

    deck = file_deck()
    public_name = deck.file.name
    SlideDeck.objects.filter(pk=deck.pk).update(is_public=False)
    storages["default"].save("presenters/ada-512.webp", png_file())
    storages["default"].save("presenters/ada-128.webp", png_file())
    PresentationPresenterFactory(presenter=PresenterFactory(name="Ada"))
    Presenter.objects.update(photo="presenters/ada-512.webp", photo_small="presenters/ada-128.webp")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("migrate", verbosity=0)  # nothing left to migrate: it places the files all the same
        assert media_place_all() == 0  # once in place, nothing moves again

    deck.refresh_from_db()
    presenter = Presenter.objects.get()
    assert deck.file.name.startswith("private/") and not storages["default"].exists(public_name)
    assert re.fullmatch(r"presenters/[A-Za-z0-9_-]{8}/ada-512\.webp", presenter.photo.name)
    assert not storages["default"].exists("presenters/ada-512.webp")


def test_a_draft_weeks_zip_is_for_staff_and_holds_its_private_files(client, staff_client):
    week = WeekFactory(is_published=False)
    deck = file_deck(week=week, presentation=PresentationFactory(week=week, order=1))
    url = reverse("syllabus:week_slides_zip", args=[week.term.slug, week.slug])

    assert deck.file.name.startswith("private/")
    response = staff_client.get(url)
    with zipfile.ZipFile(io.BytesIO(body(response))) as archive:
        assert [archive.read(name) for name in archive.namelist()] == [PDF]
    client.logout()
    assert client.get(url).status_code == 404


def test_public_media_is_served_without_debug_with_its_headers(settings, client, django_assert_num_queries):
    assert settings.DEBUG is False
    deck = file_deck()

    response = client.get(deck.href)
    thumbnail = client.get(deck.thumbnail.url)

    assert (response.status_code, body(response)) == (200, PDF)
    assert {name: response[name] for name in ("Content-Type", "Content-Disposition", "Cache-Control")} == {
        "Content-Type": "application/pdf",
        "Content-Disposition": 'attachment; filename="talk-slides.pdf"',
        "Cache-Control": "public, max-age=3600",
    }
    assert response["X-Content-Type-Options"] == "nosniff"
    thumbnail_name = deck.thumbnail.name.rsplit("/", 1)[1]
    assert (thumbnail.status_code, thumbnail["Content-Type"], thumbnail["Content-Disposition"]) == (
        200,
        "image/webp",
        f'inline; filename="{thumbnail_name}"',
    )
    assert body(thumbnail)[:4] == b"RIFF"
    assert client.get("/media/slides/").status_code == 404  # no folder listings
    with django_assert_num_queries(0):  # public media never touches the database
        assert fetch(client, deck.href) == (200, PDF)
    assert client.get("/media/../syllabus/settings.py").status_code == 400  # refused as suspicious


def test_the_api_links_staff_to_the_private_address(editor_api, anonymous_api):
    deck = file_deck(is_public=False)

    found = editor_api.get(reverse("api:slidedeck-detail", args=[deck.pk])).json()

    assert (found["href"], found["thumbnail"]) == (
        f"http://testserver{private_url(deck.file.name)}",
        f"http://testserver{private_url(deck.thumbnail.name)}",
    )
    assert anonymous_api.get(reverse("api:slidedeck-detail", args=[deck.pk])).status_code == 404


def test_a_file_copied_in_by_an_import_goes_to_the_store_its_deck_belongs_in():
    deck = SlideDeckFactory.build(week=WeekFactory(is_published=False), url="")
    deck.file = ContentFile(PDF, name="imported.pdf")
    deck.save()

    assert deck.file.name.startswith("private/slides/")


def stored_files(alias: str) -> set[str]:
    root = storages[alias].location
    return {str(path.relative_to(root)) for path in Path(root).rglob("*") if path.is_file()}


def test_a_deck_loaded_before_its_week_was_published_and_saved_private_keeps_its_files(
    client, django_capture_on_commit_callbacks
):
    """The admin loads a week's decks, publishes the week (its files move), then saves a deck it loaded."""
    week = WeekFactory(is_published=False)
    deck = file_deck(week=week)
    stale = SlideDeck.objects.get(pk=deck.pk)

    with django_capture_on_commit_callbacks(execute=True):
        week.is_published = True
        week.save()  # the deck's files move to the public store
        stale.is_public = False
        stale.save()  # saved from its old copy: its files go back to the private store

    deck.refresh_from_db()
    assert deck.file.name.startswith("private/") and deck.thumbnail.name.startswith("private/")
    with deck.file.open("rb") as stored:
        assert stored.read() == PDF
    # No copy is left anywhere: not a public one anyone could fetch, not an unowned private one.
    assert stored_files("default") == set()
    assert stored_files("private") == {
        deck.file.name.removeprefix("private/"),
        deck.thumbnail.name.removeprefix("private/"),
    }
