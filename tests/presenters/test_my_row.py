"""A presenter's page for one of their rows: slides, links of the paper, notes, an abstract to propose.

Each form is posted on its own (an `action` field); a success redirects with a message, bad input is
a 400 with the form's errors and changes nothing. Every change is an Activity, and the history of
the changed rows names the presenter's user.
"""

import socket
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from papers.models import PaperLink, SlideDeck
from presenters import services
from presenters.models import AbstractProposal, Activity
from tests.factories import (
    PDF_BYTES,
    PaperLinkFactory,
    SignedInPresenterFactory,
    SlideDeckFactory,
    make_pptx,
)
from tests.presenters import pages
from tests.presenters.pages import credit, form_errors, long_date, row_url, text_of

pytestmark = pytest.mark.django_db

own_client, presenter, row = pages.own_client, pages.presenter, pages.row  # fixtures


def upload(name: str = "My Talk.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def stored_files(settings) -> list[Path]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.STORAGES["private"]["OPTIONS"]["location"])]
    return [path for root in roots for path in root.rglob("*") if path.is_file()]


def post(client, row, action: str, **fields):
    return client.post(row_url(row), {"action": action, **fields})


def activities() -> list[tuple]:
    return list(
        Activity.objects.order_by("id").values_list(
            "presenter__name", "user__username", "presentation", "action", "detail"
        )
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_row_page_shows_the_row_and_never_a_co_presenters_address(own_client, row):
    html = own_client.get(row_url(row)).content.decode()

    assert text_of(html, "content").startswith(
        f"My sessions Attention Is All You Need Attention · {long_date(row.week.date)} · Room 2.14 · Fall 2026 "
        "With Alan Turing Ada Lovelace, Alan Turing · ICML 2020 Slides No slides yet. Add your slides"
    )
    assert "alan@example.edu" not in html
    assert 'name="action" value="abstract"' in html


def test_uploading_slides_makes_a_public_deck_with_its_preview_for_the_row(own_client, presenter, row):
    response = own_client.post(row_url(row), {"action": "slides", "slides-file": upload()})

    assert (response.status_code, response["Location"]) == (302, row_url(row))
    deck = SlideDeck.objects.get()
    assert (deck.presentation, deck.week, deck.presenter, deck.is_public, deck.url) == (
        row,
        row.week,
        presenter,
        True,
        "",
    )
    assert (deck.title, Path(deck.file.name).name, deck.page_count) == (
        "Attention Is All You Need",
        "my-talk.pdf",
        2,
    )
    assert deck.thumbnail.name.endswith("/my-talk.webp") and storages["default"].exists(deck.thumbnail.name)
    assert activities() == [("Grace Hopper", presenter.user.username, row.pk, "slides_added", "my-talk.pdf")]
    assert deck.history.get().history_user == presenter.user
    assert messages_of(own_client.get(row_url(row))) == ["Your slides are saved: my-talk.pdf."]


def test_replacing_slides_keeps_one_deck_and_deletes_the_old_file(
    own_client, presenter, row, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        own_client.post(row_url(row), {"action": "slides", "slides-file": upload("first.pdf")})
    old = SlideDeck.objects.get().file.name

    with django_capture_on_commit_callbacks(execute=True):
        own_client.post(row_url(row), {"action": "slides", "slides-file": upload("second.pptx", make_pptx())})

    deck = SlideDeck.objects.get()
    assert (Path(deck.file.name).name, deck.page_count) == ("second.pptx", 3)
    assert not storages["default"].exists(old)
    assert [entry[3:] for entry in activities()] == [
        ("slides_added", "first.pdf"),
        ("slides_replaced", "second.pptx"),
    ]


def test_a_link_replaces_uploaded_slides(own_client, row, django_capture_on_commit_callbacks):
    own_client.post(row_url(row), {"action": "slides", "slides-file": upload()})
    old = SlideDeck.objects.get().file.name

    with django_capture_on_commit_callbacks(execute=True):
        post(own_client, row, "slides", **{"slides-url": "https://slides.example.org/talk"})

    deck = SlideDeck.objects.get()
    assert (deck.file.name, deck.thumbnail.name, deck.url) == ("", "", "https://slides.example.org/talk")
    assert not storages["default"].exists(old)


def test_a_co_presenters_deck_is_not_replaced_but_kept_beside_mine(own_client, presenter, row):
    theirs = SlideDeckFactory(week=row.week, presentation=row, presenter=row.ordered_presenters[1])

    post(own_client, row, "slides", **{"slides-url": "https://slides.example.org/mine"})

    assert list(SlideDeck.objects.order_by("id").values_list("presenter__name", "url")) == [
        ("Alan Turing", theirs.url),
        ("Grace Hopper", "https://slides.example.org/mine"),
    ]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"slides-file": upload("notes.pdf", b"Just some text, not a PDF at all.")},
            {"file": ["This file is not a PDF or PowerPoint (.pptx, .ppt) file."]},
        ),
        (
            {"slides-file": upload("big.pdf")},
            {"file": ["This file is 0.0 MB; slide decks may be at most 0 MB."]},
        ),
        (
            {"slides-url": "http://slides.example.org/talk"},
            {"url": ["Enter an address starting with https://."]},
        ),
        ({"slides-url": "not an address"}, {"url": ["Enter a valid URL."]}),
        ({}, {"__all__": ["Choose a file to upload or give a link."]}),
        (
            {"slides-file": upload(), "slides-url": "https://slides.example.org/talk"},
            {"__all__": ["Upload a file or give a link, not both."]},
        ),
    ],
    ids=["not-slides-named-pdf", "too-large", "http-link", "not-a-link", "nothing", "both"],
)
def test_bad_slides_are_refused_with_the_reason_and_nothing_saved(own_client, row, settings, fields, errors):
    settings.SLIDE_MAX_BYTES = 100 if "big.pdf" in str(fields) else settings.SLIDE_MAX_BYTES

    response = own_client.post(row_url(row), {"action": "slides", **fields})

    assert response.status_code == 400
    assert form_errors(response) == {"slides": errors}
    assert (SlideDeck.objects.count(), Activity.objects.count()) == (0, 0)
    assert stored_files(settings) == []


def test_a_presenter_removes_their_own_deck(own_client, presenter, row):
    deck = SlideDeckFactory(week=row.week, presentation=row, presenter=presenter, title="Old")

    response = post(own_client, row, "remove_slides", deck=deck.pk)

    assert (response.status_code, response["Location"]) == (302, row_url(row))
    assert SlideDeck.objects.count() == 0
    assert [entry[3:] for entry in activities()] == [("slides_removed", deck.url)]


@pytest.mark.parametrize("uploader", ["co-presenter", "instructor"])
def test_a_presenter_cannot_remove_a_deck_they_did_not_upload(own_client, row, uploader):
    by = row.ordered_presenters[1] if uploader == "co-presenter" else None
    deck = SlideDeckFactory(week=row.week, presentation=row, presenter=by)

    response = post(own_client, row, "remove_slides", deck=deck.pk)

    assert response.status_code == 404
    assert (list(SlideDeck.objects.values_list("pk", flat=True)), activities()) == ([deck.pk], [])


def test_the_remove_service_refuses_a_deck_the_presenter_did_not_upload(presenter, row):
    deck = SlideDeckFactory(week=row.week, presentation=row, presenter=row.ordered_presenters[1])

    with pytest.raises(PermissionDenied):
        services.slide_deck_remove(deck=deck, presenter=presenter, user=presenter.user)

    assert (SlideDeck.objects.count(), activities()) == (1, [])


@pytest.mark.parametrize("deck", ["other-row", "junk", ""])
def test_removing_a_deck_not_of_the_row_is_not_found(own_client, presenter, row, deck):
    elsewhere = SlideDeckFactory(presentation=credit(presenter))
    elsewhere.refresh_from_db()
    value = {"other-row": elsewhere.pk, "junk": "1; drop", "": ""}[deck]

    response = post(own_client, row, "remove_slides", deck=value)

    assert response.status_code == 404
    assert SlideDeck.objects.count() == 1


def test_a_presenter_adds_a_link_to_the_paper_and_may_remove_it(own_client, presenter, row):
    response = post(
        own_client,
        row,
        "link",
        **{"link-kind": "code", "link-label": "Our code", "link-url": "https://git.example.org/x"},
    )

    assert response.status_code == 302
    link = PaperLink.objects.get()
    assert (link.paper, link.kind, link.label, link.url, link.added_by) == (
        row.paper,
        "code",
        "Our code",
        "https://git.example.org/x",
        presenter,
    )
    assert link.history.get().history_user == presenter.user

    post(own_client, row, "remove_link", link=link.pk)

    assert PaperLink.objects.count() == 0
    assert [entry[3:] for entry in activities()] == [
        ("link_added", "https://git.example.org/x"),
        ("link_removed", "https://git.example.org/x"),
    ]


def test_a_presenter_cannot_remove_a_link_they_did_not_add(own_client, row):
    instructors = PaperLinkFactory(paper=row.paper)
    co_presenters = PaperLinkFactory(paper=row.paper, added_by=row.ordered_presenters[1])

    html = own_client.get(row_url(row)).content.decode()
    responses = [
        post(own_client, row, "remove_link", link=link.pk).status_code
        for link in (instructors, co_presenters)
    ]

    assert 'name="action" value="remove_link"' not in html
    assert responses == [404, 404]
    assert PaperLink.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"link-url": "http://git.example.org/x"}, {"url": ["Enter an address starting with https://."]}),
        (
            {"link-url": "https://papers.example.org/known"},
            {"__all__": ["This paper already has a link to this address."]},
        ),
        (
            {"link-label": "x" * 201},
            {"label": ["Ensure this value has at most 200 characters (it has 201)."]},
        ),
        ({"link-kind": "pdf"}, {"kind": ["Select a valid choice. pdf is not one of the available choices."]}),
    ],
    ids=["http", "duplicate", "long-label", "kind-not-offered"],
)
def test_bad_links_are_refused_and_the_notes_stay(own_client, row, fields, errors):
    PaperLinkFactory(paper=row.paper, url="https://papers.example.org/known")
    post(own_client, row, "notes", **{"notes-notes": "Read section 3."})
    typed = {"link-kind": "code", "link-label": "", "link-url": "https://git.example.org/x", **fields}

    response = post(own_client, row, "link", **typed)

    assert response.status_code == 400
    assert form_errors(response) == {"link": errors}
    assert PaperLink.objects.count() == 1
    assert "Read section 3.</textarea>" in response.content.decode()


def test_a_presenter_edits_the_notes(own_client, presenter, row):
    response = post(own_client, row, "notes", **{"notes-notes": "**Questions**\n\n1. Why attention?"})

    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.notes, row.notes_html) == (
        "**Questions**\n\n1. Why attention?",
        "<p><strong>Questions</strong></p>\n<ol>\n<li>Why attention?</li>\n</ol>",
    )
    assert [entry[3:] for entry in activities()] == [("notes_edited", "notes")]
    assert row.history.first().history_user == presenter.user


@pytest.mark.parametrize(
    ("notes", "error"),
    [
        ("x" * 20_001, "Ensure this value has at most 20000 characters (it has 20001)."),
        (
            "> " * 40 + "deep",
            "Lists, quotes or indented blocks nest 50 levels deep here; at most 30 are allowed.",
        ),
    ],
    ids=["too-long", "too-deep"],
)
def test_bad_notes_are_refused_and_the_old_ones_kept(own_client, row, notes, error):
    row.notes = "Kept."
    row.save()

    response = post(own_client, row, "notes", **{"notes-notes": notes})

    assert response.status_code == 400
    assert form_errors(response) == {"notes": {"notes": [error]}}
    row.refresh_from_db()
    assert row.notes == "Kept."


def test_a_presenter_proposes_an_abstract_once(own_client, presenter, row):
    response = post(own_client, row, "abstract", **{"abstract-text": "We propose the Transformer."})
    again = post(own_client, row, "abstract", **{"abstract-text": "Another one."})

    assert response.status_code == 302
    assert list(AbstractProposal.objects.values_list("paper", "presenter", "text", "status")) == [
        (row.paper.pk, presenter.pk, "We propose the Transformer.", "pending")
    ]
    assert (again.status_code, form_errors(again)) == (
        400,
        {"abstract": {"__all__": ["You have already proposed an abstract for this paper."]}},
    )
    assert (
        "Your proposed abstract is waiting for an instructor" in own_client.get(row_url(row)).content.decode()
    )
    assert [entry[3:] for entry in activities()] == [("abstract_proposed", "Attention Is All You Need")]
    row.paper.refresh_from_db()
    assert row.paper.abstract == ""


def test_no_abstract_is_proposed_for_a_paper_that_has_one(own_client, row):
    row.paper.abstract = "Known."
    row.paper.save()

    response = post(own_client, row, "abstract", **{"abstract-text": "Mine."})

    assert response.status_code == 400
    assert messages_of(response) == ["This paper has an abstract already."]
    assert AbstractProposal.objects.count() == 0


@pytest.mark.parametrize("page", ["row", "my_sessions", "profile"])
def test_a_success_message_is_shown_once_on_the_next_page(own_client, row, page):
    post(own_client, row, "notes", **{"notes-notes": "Questions."})
    url = {
        "row": row_url(row),
        "my_sessions": reverse("account:my_sessions"),
        "profile": reverse("account:profile"),
    }[page]

    html = own_client.get(url).content.decode()

    assert (html.count("Your notes are saved."), html.count('class="messages"')) == (1, 1)
    assert "Your notes are saved." not in own_client.get(url).content.decode()


def test_an_unknown_action_is_a_400(own_client, row):
    response = post(own_client, row, "publish")

    assert (response.status_code, messages_of(response)) == (400, ["This form cannot be sent here."])


def test_another_presenters_row_is_not_found(client, row):
    other = SignedInPresenterFactory()
    client.force_login(other.user)

    assert [
        client.get(row_url(row)).status_code,
        post(client, row, "notes", **{"notes-notes": "x"}).status_code,
    ] == [
        404,
        404,
    ]


def test_an_upload_tells_instructors_after_the_commit_when_asked(
    own_client, presenter, row, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.NOTIFY_INSTRUCTORS_OF_UPLOADS = True
    User = get_user_model()
    User.objects.create_user("teacher", "teacher@example.edu", is_staff=True)
    User.objects.create_user("gone", "gone@example.edu", is_staff=True, is_active=False)
    User.objects.create_user("nomail", "", is_staff=True)
    User.objects.create_user("student", "student@example.edu")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        own_client.post(row_url(row), {"action": "slides", "slides-file": upload()})
    assert mailoutbox == []
    for callback in callbacks:
        callback()

    assert [(mail.to, mail.subject) for mail in mailoutbox] == [
        (["teacher@example.edu"], "Grace Hopper added slides for Attention")
    ]
    assert mailoutbox[0].body == (
        "Grace Hopper added slides for “Attention Is All You Need”\n"
        f"in Attention ({long_date(row.week.date)}), Fall 2026.\n\n"
        "Slides: my-talk.pdf\n\n"
        f"The session in the admin: http://testserver{reverse('admin:syllabus_week_change', args=[row.week.pk])}\n"
    )


def closed_port() -> int:
    """A local port nothing listens on: bound, then let go."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)  # the notification runs at a real commit, as in production
def test_an_upload_is_saved_when_the_instructors_mail_cannot_be_sent(client, settings, caplog):
    settings.NOTIFY_INSTRUCTORS_OF_UPLOADS = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 5
    get_user_model().objects.create_user("teacher", "teacher@example.edu", is_staff=True)
    presenter = SignedInPresenterFactory(name="Grace Hopper")
    row = credit(presenter)
    client.force_login(presenter.user)

    response = client.post(row_url(row), {"action": "slides", "slides-file": upload()})

    assert (response.status_code, response["Location"]) == (302, row_url(row))
    deck = SlideDeck.objects.get()
    assert (deck.presenter, deck.presentation, deck.file.name.rsplit("/", 1)[-1]) == (
        presenter,
        row,
        "my-talk.pdf",
    )
    assert [entry[3] for entry in activities()] == ["slides_added"]
    assert [record.getMessage() for record in caplog.records if record.name == "presenters.services"] == [
        f"Could not tell instructors of the upload by Grace Hopper for row {row.pk}."
    ]


def test_no_mail_when_instructors_are_not_to_be_told(
    own_client, row, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.NOTIFY_INSTRUCTORS_OF_UPLOADS = False
    get_user_model().objects.create_user("teacher", "teacher@example.edu", is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        own_client.post(row_url(row), {"action": "slides", "slides-file": upload()})

    assert (SlideDeck.objects.count(), mailoutbox) == (1, [])


@pytest.mark.parametrize("size", [1, 4])
def test_the_row_page_costs_the_same_queries_whatever_its_decks_and_links(
    own_client, presenter, row, size, django_assert_num_queries
):
    for _ in range(size):
        SlideDeckFactory(week=row.week, presentation=row, presenter=presenter)
        PaperLinkFactory(paper=row.paper, added_by=presenter)
    # session, user, presenter, the row (week, term, paper), its credits, decks, links, pending abstract
    with django_assert_num_queries(8):
        response = own_client.get(row_url(row))
    assert response.content.decode().count('value="remove_slides"') == size
