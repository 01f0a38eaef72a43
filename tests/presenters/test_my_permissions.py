"""Who may do what on a presenter's own pages, and who sees a draft session and its files.

The world: a draft week (published term) with a row crediting "own" presenter and a co-presenter,
the co-presenter's uploaded deck on it (public, so in the private store while the week is a draft),
an instructor's private deck on it (no presenter, not public), a link "own" added to the row's paper
and one an instructor added. "other" is a signed-in presenter of another row; "staff" a superuser
with no presenter (instructors use the admin). A presenter removes only the decks they uploaded, and
opens a private file only if it is their own or a public deck of a week they present in.

Expected (sign-in: redirected to the sign-in page; "+": the change is made; "-": nothing changes):

    action               anonymous  other presenter  own presenter  staff
    view_my_sessions     sign-in    200              200            403
    view_row_page        sign-in    404              200            403
    upload_slides        sign-in    404              302 +          403
    replace_slides       sign-in    404              302 +          403
    remove_own_deck      sign-in    404              302 +          403
    remove_co_deck       sign-in    404              404            403
    remove_staff_deck    sign-in    404              404            403
    add_link             sign-in    404              302 +          403
    remove_own_link      sign-in    404              302 +          403
    remove_others_link   sign-in    404              404            403
    edit_notes           sign-in    404              302 +          403
    propose_abstract     sign-in    404              302 +          403
    edit_profile         sign-in    302 + (theirs)   302 +          403
    view_draft_week      404        404              200            200
    open_draft_deck      404        404              200            200
    open_staff_deck      404        404              404            200
"""

import re
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from papers.models import PaperLink, SlideDeck
from presenters.models import AbstractProposal, Activity, Presenter
from syllabus.models import Presentation
from tests.factories import (
    PDF_BYTES,
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SignedInPresenterFactory,
    SlideDeckFactory,
    TermFactory,
    WeekFactory,
    pdf_file,
)
from tests.presenters.pages import credit, row_url
from tests.syllabus.test_caching import served_from_cache

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("account:sign_in")

EXPECTED = """
view_my_sessions     sign-in    200              200            403
view_row_page        sign-in    404              200            403
upload_slides        sign-in    404              302+           403
replace_slides       sign-in    404              302+           403
remove_own_deck      sign-in    404              302+           403
remove_co_deck       sign-in    404              404            403
remove_staff_deck    sign-in    404              404            403
add_link             sign-in    404              302+           403
remove_own_link      sign-in    404              302+           403
remove_others_link   sign-in    404              404            403
edit_notes           sign-in    404              302+           403
propose_abstract     sign-in    404              302+           403
edit_profile         sign-in    302+             302+           403
view_draft_week      404        404              200            200
open_draft_deck      404        404              200            200
open_staff_deck      404        404              404            200
"""
ACTORS = ["anonymous", "other", "own", "staff"]
MATRIX = [
    pytest.param(action, actor, outcome, id=f"{action}-{actor}")
    for line in EXPECTED.strip().splitlines()
    for action, *outcomes in [line.split()]
    for actor, outcome in zip(ACTORS, outcomes, strict=True)
]


def file_deck(**fields) -> SlideDeck:
    deck = SlideDeckFactory.build(url="", file=pdf_file("talk.pdf"), **fields)
    deck.make_previews = False  # no thumbnail needed here: the deck's file is what is opened
    deck.save()
    return deck


@pytest.fixture
def world():
    term = TermFactory()
    week = WeekFactory(term=term, is_published=False, title="Draft session")
    own = SignedInPresenterFactory(name="Grace Hopper")
    co_presenter = PresenterFactory(name="Alan Turing")
    row = PresentationFactory(week=week, paper=PaperFactory(abstract=""))
    PresentationPresenterFactory(presentation=row, presenter=own)
    PresentationPresenterFactory(presentation=row, presenter=co_presenter)
    other = SignedInPresenterFactory(name="Ada Lovelace")
    credit(other)
    return SimpleNamespace(
        week=week,
        row=row,
        own=own,
        other=other,
        staff=get_user_model().objects.create_superuser("instructor", "i@example.edu", "x"),
        deck=file_deck(week=week, presentation=row, presenter=co_presenter),
        staff_deck=file_deck(week=week, presentation=row, presenter=None, is_public=False),
        own_link=PaperLinkFactory(paper=row.paper, added_by=own, url="https://git.example.org/own"),
        others_link=PaperLinkFactory(paper=row.paper, url="https://instructors.example.org/x"),
    )


def state() -> tuple:
    """Everything a presenter's pages could change."""
    return (
        list(SlideDeck.objects.order_by("id").values_list("id", "presenter", "file", "url")),
        list(PaperLink.objects.order_by("id").values_list("id", "url")),
        list(Presentation.objects.order_by("id").values_list("notes")),
        AbstractProposal.objects.count(),
        list(Presenter.objects.order_by("id").values_list("bio")),
        Activity.objects.count(),
    )


def act(client, world, action: str):
    url = row_url(world.row)
    match action:
        case "view_my_sessions":
            return client.get(reverse("account:my_sessions"))
        case "view_row_page":
            return client.get(url)
        case "upload_slides":
            return client.post(
                url, {"action": "slides", "slides-file": SimpleUploadedFile("new.pdf", PDF_BYTES)}
            )
        case "replace_slides":  # the presenter's own deck was made by `prepare`
            return client.post(url, {"action": "slides", "slides-url": "https://slides.example.org/new"})
        case "remove_own_deck":  # made by `prepare`
            own_deck = SlideDeck.objects.get(presenter=world.own)
            return client.post(url, {"action": "remove_slides", "deck": own_deck.pk})
        case "remove_co_deck":
            return client.post(url, {"action": "remove_slides", "deck": world.deck.pk})
        case "remove_staff_deck":
            return client.post(url, {"action": "remove_slides", "deck": world.staff_deck.pk})
        case "add_link":
            return client.post(
                url, {"action": "link", "link-kind": "code", "link-url": "https://git.example.org/2"}
            )
        case "remove_own_link":
            return client.post(url, {"action": "remove_link", "link": world.own_link.pk})
        case "remove_others_link":
            return client.post(url, {"action": "remove_link", "link": world.others_link.pk})
        case "edit_notes":
            return client.post(url, {"action": "notes", "notes-notes": "Questions."})
        case "propose_abstract":
            return client.post(url, {"action": "abstract", "abstract-text": "An abstract."})
        case "edit_profile":
            return client.post(
                reverse("account:profile"), {"bio": "Changed.", "affiliation": "", "homepage": ""}
            )
        case "view_draft_week":
            return client.get(world.week.get_absolute_url())
        case "open_draft_deck":
            return client.get(world.deck.file.url)
        case "open_staff_deck":
            return client.get(world.staff_deck.file.url)
    raise AssertionError(action)


def prepare(world, action: str) -> None:
    if action in ("replace_slides", "remove_own_deck"):
        SlideDeckFactory(week=world.week, presentation=world.row, presenter=world.own)


def outcome(response, before: tuple) -> str:
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end: the client then closes the file
    if response.status_code == 302 and response["Location"].startswith(f"{SIGN_IN}?next="):
        assert before == state()
        return "sign-in"
    return f"{response.status_code}{'+' if state() != before else ''}"


@pytest.mark.parametrize(("action", "actor", "expected"), MATRIX)
def test_permission_matrix(client, world, action, actor, expected):
    if actor != "anonymous":
        client.force_login({"other": world.other.user, "own": world.own.user, "staff": world.staff}[actor])
    assert world.deck.file.name.startswith("private/") and world.staff_deck.file.name.startswith("private/")
    prepare(world, action)
    before = state()

    response = act(client, world, action)

    assert outcome(response, before) == expected


def test_staff_who_also_present_use_the_pages_as_presenters(client, world):
    world.own.user.is_staff = True
    world.own.user.save()
    client.force_login(world.own.user)

    assert client.get(row_url(world.row)).status_code == 200


def test_a_presenter_sees_their_draft_session_with_its_deck_but_no_other_draft(client, world):
    client.force_login(world.own.user)
    elsewhere = PresentationFactory(week=WeekFactory(term=world.week.term, is_published=False))
    hidden = file_deck(week=world.week, presentation=world.row, presenter=None, is_public=False)

    html = client.get(world.week.get_absolute_url()).content.decode()

    assert "<strong>Draft.</strong> Only staff and its presenters can see this session" in html
    assert f'href="{world.deck.file.url}"' in html
    assert hidden.file.url not in html
    assert client.get(elsewhere.week.get_absolute_url()).status_code == 404
    assert (
        client.get(elsewhere.week.term.get_absolute_url()).status_code == 200
    )  # published term, draft not listed
    assert world.week.title not in client.get(world.week.term.get_absolute_url()).content.decode()


def test_a_presenter_opens_only_their_own_private_decks(client, world):
    client.force_login(world.own.user)
    mine = file_deck(week=world.week, presentation=world.row, presenter=world.own, is_public=False)
    co_presenters = file_deck(
        week=world.week, presentation=world.row, presenter=world.row.ordered_presenters[1], is_public=False
    )
    another_row = PresentationFactory(week=world.week)
    theirs = file_deck(week=world.week, presentation=another_row, is_public=False)
    elsewhere = file_deck(week=WeekFactory(is_published=False))
    mine_moved_away = file_deck(week=WeekFactory(is_published=False), presenter=world.own, is_public=False)

    statuses = []
    for deck in (mine, co_presenters, world.staff_deck, theirs, elsewhere, mine_moved_away):
        response = client.get(deck.file.url)
        if response.streaming:
            b"".join(response.streaming_content)
        statuses.append(response.status_code)

    assert statuses == [200, 404, 404, 404, 404, 200]


def test_the_row_page_lists_public_decks_and_the_presenters_own_with_remove_buttons_on_theirs(client, world):
    client.force_login(world.own.user)
    mine = file_deck(week=world.week, presentation=world.row, presenter=world.own, is_public=False)
    co_presenters_private = file_deck(
        week=world.week, presentation=world.row, presenter=world.row.ordered_presenters[1], is_public=False
    )

    html = client.get(row_url(world.row)).content.decode()

    assert [world.deck.file.url in html, mine.file.url in html] == [True, True]
    assert [world.staff_deck.file.url in html, co_presenters_private.file.url in html] == [False, False]
    assert re.findall(r'name="deck" value="(\d+)"', html) == [str(mine.pk)]


def test_a_published_week_stays_cacheable_for_anonymous_visitors(client, settings, world):
    settings.PAGE_CACHE = True
    world.week.is_published = True
    world.week.save()
    url = world.week.get_absolute_url()
    client.get(url)

    assert served_from_cache(client, url)
