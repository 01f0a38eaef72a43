"""Slide deck files: checked by content on the way in, previewed, cleaned up, downloaded as one zip."""

import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from papers.models import SlideDeck
from tests.factories import (
    PresentationFactory,
    PresenterFactory,
    SlideDeckFactory,
    WeekFactory,
    make_pdf,
    make_pptx,
    shape,
)
from tests.syllabus.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db

TEXT_AS_PDF = b"These are my speaker notes, not slides.\n"
BROKEN_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def file_deck(week=None, name="deck.pdf", content=None, **fields) -> SlideDeck:
    """A deck saved with an uploaded file, as the admin or the API would save it."""
    deck = SlideDeckFactory.build(week=week or WeekFactory(), url="", **fields)
    deck.file = upload(name, content if content is not None else make_pdf())
    deck.full_clean()
    deck.save()
    return deck


def stored(deck_file) -> bool:
    return bool(deck_file.name) and deck_file.storage.exists(deck_file.name)


def post_new_deck(client, week, **fields):
    data = form_data(client.get(admin_url(SlideDeck, "add")))
    data.update({"week": str(week.pk), "is_public": "on", **fields})
    return client.post(admin_url(SlideDeck, "add"), data)


# Upload and validation ------------------------------------------------------------------------


def test_an_instructor_uploads_a_pdf_in_the_admin_and_its_thumbnail_shows_on_the_week_page(staff_client):
    week = WeekFactory(title="Memory networks", term__name="Fall 2026")
    row = PresentationFactory(week=week, order=1)

    response = post_new_deck(
        staff_client, week, presentation=str(row.pk), file=upload("My Talk!.pdf", make_pdf(3))
    )

    assert response.status_code == 302
    deck = SlideDeck.objects.get()
    assert shape(deck.file.name) == "slides/fall-2026/memory-networks/<random>/my-talk.pdf"
    assert deck.thumbnail.name == deck.file.name.removesuffix(".pdf") + ".webp"  # beside it
    assert deck.page_count == 3
    page = staff_client.get(week.get_absolute_url()).content.decode()
    assert f'<img src="/media/{deck.thumbnail.name}" alt="" width="120" height="90" loading="lazy">' in page
    assert "Download slides, 3 pages" in page


def test_a_pptx_is_accepted_with_the_thumbnail_and_slide_count_it_carries():
    deck = file_deck(name="lecture.pptx", content=make_pptx(slides=12, thumbnail=(256, 192)))

    assert Path(deck.file.name).suffix == ".pptx"
    assert deck.page_count == 12
    with deck.thumbnail.open("rb") as handle, Image.open(handle) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("WEBP", (256, 192))


def test_a_pptx_without_a_thumbnail_is_accepted_and_gets_the_placeholder(client):
    deck = file_deck(name="lecture.pptx", content=make_pptx(thumbnail=None))

    assert (deck.thumbnail.name, deck.page_count) == ("", 3)
    page = client.get(deck.week.get_absolute_url()).content.decode()
    assert '<img src="/static/img/slides-placeholder.svg" alt="" width="120" height="90">' in page


def test_the_stored_extension_follows_the_content_not_the_name():
    deck = file_deck(name="slides.pptx", content=make_pdf())

    assert Path(deck.file.name).name == "slides.pdf"


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("notes.pdf", TEXT_AS_PDF, "This file is not a PDF or PowerPoint (.pptx, .ppt) file."),
        (
            "archive.pptx",
            b"PK\x03\x04 not really a zip",
            "This file is not a PDF or PowerPoint (.pptx, .ppt) file.",
        ),
        (
            "broken.pdf",
            BROKEN_PDF,
            "This PDF cannot be opened (Failed to load document (PDFium: Data format error).); "
            "it may be damaged or protected by a password.",
        ),
    ],
)
def test_files_that_are_not_readable_slides_are_refused_in_the_admin(staff_client, name, content, message):
    week = WeekFactory()

    response = post_new_deck(staff_client, week, file=upload(name, content))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["file"] == [message]
    assert not SlideDeck.objects.exists()


def test_a_file_over_the_size_limit_is_refused(staff_client, settings):
    settings.SLIDE_MAX_BYTES = 2_000_000
    week = WeekFactory()

    response = post_new_deck(
        staff_client, week, file=upload("big.pdf", make_pdf() + b"\n%" + b"x" * 2_100_000)
    )

    assert response.context["adminform"].form.errors["file"] == [
        "This file is 2.1 MB; slide decks may be at most 2 MB."
    ]
    assert not SlideDeck.objects.exists()


def test_a_file_name_with_folders_is_refused():
    deck = SlideDeckFactory.build(
        week=WeekFactory(), url="", file=ContentFile(make_pdf(), name="../../etc/x.pdf")
    )

    with pytest.raises(ValidationError) as refused:
        deck.full_clean()

    assert refused.value.message_dict == {"file": ["A file name cannot contain folders or '..'."]}


def test_an_uploaded_path_traversal_name_is_stored_inside_the_weeks_folder(editor_api, settings):
    week = WeekFactory(title="Graphs", term__name="Spring 2027")
    body = make_pdf()

    response = editor_api.post(
        "/api/v1/slides/",
        {"week": week.pk, "file": upload("../../../etc/passwd.pdf", body)},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    deck = SlideDeck.objects.get()
    assert shape(deck.file.name) == "slides/spring-2027/graphs/<random>/passwd.pdf"
    assert (Path(settings.MEDIA_ROOT) / deck.file.name).read_bytes() == body


def test_the_api_accepts_a_pdf_and_answers_with_its_thumbnail(editor_api):
    week = WeekFactory(title="Graphs", term__name="Spring 2027")

    response = editor_api.post(
        "/api/v1/slides/", {"week": week.pk, "file": upload("talk.pdf", make_pdf(5))}, format="multipart"
    )

    body = response.json()
    assert (response.status_code, body["page_count"]) == (201, 5)
    assert shape(body["thumbnail"].removeprefix("http://testserver/media/")) == (
        "slides/spring-2027/graphs/<random>/talk.webp"
    )


def test_the_api_refuses_a_renamed_text_file_with_a_message(editor_api):
    week = WeekFactory()

    response = editor_api.post(
        "/api/v1/slides/", {"week": week.pk, "file": upload("notes.pdf", TEXT_AS_PDF)}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["file"] == ["This file is not a PDF or PowerPoint (.pptx, .ppt) file."]
    assert not SlideDeck.objects.exists()


# Thumbnails ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page, size",
    [((600, 400), (480, 320)), ((612, 792), (480, 622)), ((100, 1000), (96, 960)), ((2000, 20), (480, 5))],
)
def test_thumbnails_are_480_px_wide_and_never_taller_than_960(page, size):
    deck = file_deck(content=make_pdf(1, page))

    with deck.thumbnail.open("rb") as handle, Image.open(handle) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("WEBP", size)


def test_rebuild_thumbnails_remakes_them_from_the_stored_files():
    deck = file_deck(content=make_pdf(2))
    SlideDeck.objects.filter(pk=deck.pk).update(thumbnail="", page_count=None)
    out = io.StringIO()

    call_command("rebuild_thumbnails", stdout=out)

    deck.refresh_from_db()
    assert (stored(deck.thumbnail), deck.page_count) == (True, 2)
    assert out.getvalue().endswith("Thumbnails made: 1; decks without one: 0.\n")


# Cleaning up ----------------------------------------------------------------------------------------


def test_replacing_the_file_removes_the_old_file_and_thumbnail(django_capture_on_commit_callbacks):
    deck = file_deck(name="first.pdf")
    old_file, old_thumbnail = deck.file.name, deck.thumbnail.name

    with django_capture_on_commit_callbacks(execute=True):
        deck.file = upload("second.pdf", make_pdf(4))
        deck.save()

    storage = deck.file.storage
    assert (storage.exists(old_file), storage.exists(old_thumbnail)) == (False, False)
    assert (stored(deck.file), stored(deck.thumbnail), deck.page_count) == (True, True, 4)


def test_switching_to_a_link_or_deleting_removes_the_files(django_capture_on_commit_callbacks):
    linked, deleted = file_deck(), file_deck()
    files = [linked.file.name, linked.thumbnail.name, deleted.file.name, deleted.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        linked.file = None
        linked.url = "https://slides.example.edu/now-elsewhere.pdf"
        linked.save()
        SlideDeck.objects.filter(pk=deleted.pk).delete()

    assert [linked.file.storage.exists(name) for name in files] == [False, False, False, False]
    linked.refresh_from_db()
    assert (linked.thumbnail.name, linked.page_count) == ("", None)


def test_saving_without_a_new_file_keeps_the_files(django_capture_on_commit_callbacks):
    deck = file_deck()
    names = (deck.file.name, deck.thumbnail.name)

    with django_capture_on_commit_callbacks(execute=True):
        deck = SlideDeck.objects.get()
        deck.title = "Renamed"
        deck.save()

    assert (deck.file.name, deck.thumbnail.name) == names
    assert stored(deck.file) and stored(deck.thumbnail)


def test_prune_media_lists_and_deletes_only_files_no_row_references(settings):
    deck = file_deck()
    stray = Path(settings.MEDIA_ROOT, "slides", "old-term", "lost.pdf")
    stray.parent.mkdir(parents=True)
    stray.write_bytes(make_pdf())
    two_hours_ago = time.time() - 7200
    os.utime(stray, (two_hours_ago, two_hours_ago))
    just_stored = Path(settings.MEDIA_ROOT, "slides", "old-term", "uploading.pdf")
    just_stored.write_bytes(make_pdf())  # its row may be about to commit: left alone
    private_stray = Path(settings.STORAGES["private"]["OPTIONS"]["location"], "slides", "draft", "lost.pdf")
    private_stray.parent.mkdir(parents=True)
    private_stray.write_bytes(make_pdf())
    os.utime(private_stray, (two_hours_ago, two_hours_ago))

    listed = io.StringIO()
    call_command("prune_media", stdout=listed)
    assert listed.getvalue() == (
        "  unreferenced: slides/old-term/lost.pdf\n"
        "  unreferenced: private/slides/draft/lost.pdf\n"
        "Found 2 unreferenced files (run with --delete to remove them).\n"
    )
    assert stray.exists()

    call_command("prune_media", "--delete", stdout=io.StringIO())
    assert (stray.exists(), private_stray.exists(), just_stored.exists()) == (False, False, True)
    assert stored(deck.file) and stored(deck.thumbnail)


# The week's zip -------------------------------------------------------------------------------------


def zip_of(response) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_week_zip_holds_exactly_its_public_slide_files(client):
    week = WeekFactory(title="Memory", term__name="Fall 2026")
    jack = PresenterFactory(name="Jack Lanchantin")
    row = PresentationFactory(week=week, order=2)
    talk, lecture = make_pdf(2), make_pdf(3)
    file_deck(week, "Memory Networks.pdf", talk, presentation=row, presenter=jack)
    file_deck(week, "lecture.pdf", lecture)
    file_deck(week, "draft.pdf", make_pdf(1), is_public=False)
    SlideDeckFactory(week=week, url="https://slides.example.edu/elsewhere.pdf")

    response = client.get(reverse("syllabus:week_slides_zip", args=["fall-2026", "memory"]))

    assert (response.status_code, response.streaming) == (200, True)
    assert response["Content-Disposition"] == 'attachment; filename="fall-2026-memory-slides.zip"'
    assert zip_of(response) == {
        "session-lecture.pdf": lecture,
        "02-jack-lanchantin-memory-networks.pdf": talk,
    }
    page = client.get(week.get_absolute_url()).content.decode()
    assert "download>Download all 2 slide files (.zip)</a>" in page


def test_a_week_without_public_files_or_unpublished_has_no_zip(client):
    linked_only = WeekFactory()
    SlideDeckFactory(week=linked_only)
    draft = WeekFactory(is_published=False)
    file_deck(draft)

    for week in (linked_only, draft):
        response = client.get(reverse("syllabus:week_slides_zip", args=[week.term.slug, week.slug]))
        assert response.status_code == 404
    assert "Download all" not in client.get(linked_only.get_absolute_url()).content.decode()


def test_the_week_zip_queries_do_not_grow_with_decks(client, django_assert_max_num_queries):
    week = WeekFactory()
    url = reverse("syllabus:week_slides_zip", args=[week.term.slug, week.slug])
    file_deck(week)
    with django_assert_max_num_queries(3):
        zip_of(client.get(url))
    for _ in range(3):
        file_deck(week, presentation=PresentationFactory(week=week), presenter=PresenterFactory())
    with django_assert_max_num_queries(3):
        assert len(zip_of(client.get(url))) == 4


# What a hostile or damaged file cannot do ----------------------------------------------------------


def ole2(*streams: str) -> bytes:
    """The start of an OLE2 compound file whose directory names these streams."""
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\0") for name in streams)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + directory


@pytest.mark.parametrize(
    "thumbnail",
    [
        b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + b"junk" * 10,  # a damaged PNG
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n",  # EPS: never handed to Ghostscript
        b"\xff\xd8\xff\xe0 truncated JPEG",
    ],
)
def test_a_pptx_with_a_bad_thumbnail_is_saved_with_the_placeholder(editor_api, thumbnail):
    week = WeekFactory()

    response = editor_api.post(
        "/api/v1/slides/",
        {"week": week.pk, "file": upload("deck.pptx", make_pptx(slides=4, thumbnail_bytes=thumbnail))},
        format="multipart",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["thumbnail"], response.json()["page_count"]) == (None, 4)


def test_a_pdf_too_slow_to_draw_is_saved_with_its_page_count_and_the_placeholder(settings):
    settings.SLIDE_PREVIEW_SECONDS = 0.001

    deck = file_deck(content=make_pdf(6))

    assert (deck.thumbnail.name, deck.page_count, stored(deck.file)) == ("", 6, True)


def test_a_zip_with_too_many_parts_is_refused_before_it_is_listed():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p/>")
        for number in range(10_000):
            archive.writestr(f"ppt/media/{number}.bin", b"")
    deck = SlideDeckFactory.build(week=WeekFactory(), url="", file=upload("many.pptx", buffer.getvalue()))

    with pytest.raises(ValidationError) as refused:
        deck.full_clean()

    assert refused.value.message_dict == {
        "file": ["This file holds 10002 parts; a PowerPoint file may hold at most 10000."]
    }


def test_an_old_ppt_is_told_from_other_office_files_by_its_powerpoint_stream():
    deck = file_deck(name="talk.ppt", content=ole2("Root Entry", "PowerPoint Document", "Pictures"))
    assert (Path(deck.file.name).suffix, deck.thumbnail.name) == (".ppt", "")

    word = SlideDeckFactory.build(
        week=WeekFactory(), url="", file=upload("talk.ppt", ole2("Root Entry", "WordDocument"))
    )
    with pytest.raises(ValidationError) as refused:
        word.full_clean()
    assert refused.value.message_dict == {
        "file": ["This file is not a PDF or PowerPoint (.pptx, .ppt) file."]
    }


def test_a_raw_multipart_file_name_climbing_folders_stays_in_the_weeks_folder(editor_api, settings):
    week = WeekFactory(title="Graphs", term__name="Spring 2027")
    boundary = "syllabus-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="week"\r\n\r\n{week.pk}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="../../../etc/passwd.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + make_pdf()
        + f"\r\n--{boundary}--\r\n".encode()
    )

    response = editor_api.generic(
        "POST", "/api/v1/slides/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 201, response.json()
    name = SlideDeck.objects.get().file.name
    assert shape(name) == "slides/spring-2027/graphs/<random>/passwd.pdf"
    assert (Path(settings.MEDIA_ROOT) / name).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())


def test_the_api_switches_a_deck_from_its_file_to_a_link(editor_api, django_capture_on_commit_callbacks):
    deck = file_deck()
    files = [deck.file.name, deck.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.patch(
            f"/api/v1/slides/{deck.pk}/",
            {"file": None, "link": "https://slides.example.edu/moved.pdf"},
            format="json",
        )

    assert response.status_code == 200, response.json()
    assert (response.json()["file"], response.json()["href"]) == (
        None,
        "https://slides.example.edu/moved.pdf",
    )
    assert [deck.file.storage.exists(name) for name in files] == [False, False]


def test_saves_that_leave_the_file_column_alone_leave_the_files(django_capture_on_commit_callbacks):
    deck = file_deck()
    names = (deck.file.name, deck.thumbnail.name)

    with django_capture_on_commit_callbacks(execute=True):
        deck.file = upload("other.pdf", make_pdf())
        deck.title = "Only the title"
        deck.save(update_fields=["title"])
        SlideDeck.objects.defer("file", "thumbnail").get().save()

    assert SlideDeck.objects.values_list("file", "thumbnail").get() == names
    assert all(deck.file.storage.exists(name) for name in names)


def test_deleting_decks_loaded_without_their_file_columns_removes_the_files(
    django_capture_on_commit_callbacks,
):
    deck = file_deck()
    names = [deck.file.name, deck.thumbnail.name]

    with django_capture_on_commit_callbacks(execute=True):
        SlideDeck.objects.only("id").delete()

    assert [deck.file.storage.exists(name) for name in names] == [False, False]


def test_a_file_missing_from_storage_is_left_out_of_the_zip(client):
    week = WeekFactory()
    kept, lost = file_deck(week, "kept.pdf"), file_deck(week, "lost.pdf")
    lost.file.storage.delete(lost.file.name)

    response = client.get(reverse("syllabus:week_slides_zip", args=[week.term.slug, week.slug]))

    assert list(zip_of(response)) == ["session-kept.pdf"]
    assert kept.file.storage.exists(kept.file.name)
