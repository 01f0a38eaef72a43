import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from papers.models import SlideDeck
from tests.factories import (
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    SlideDeckFactory,
    WeekFactory,
    pdf_file,
    shape,
)

pytestmark = pytest.mark.django_db


def test_arxiv_id_is_unique_only_when_set():
    PaperFactory(arxiv_id="")
    PaperFactory(arxiv_id="")
    PaperFactory(arxiv_id="1706.03762")

    with pytest.raises(IntegrityError), transaction.atomic():
        PaperFactory(arxiv_id="1706.03762")


def test_doi_is_unique_ignoring_case():
    PaperFactory(doi="10.1145/3065386")

    with pytest.raises(IntegrityError), transaction.atomic():
        PaperFactory(doi="10.1145/3065386".upper())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("arxiv_id", "not-an-id", "Enter an arXiv id such as 1706.03762 or cs/0101001."),
        ("doi", "doi:nonsense", "Enter a DOI such as 10.1145/3065386."),
        ("year", 1492, "Ensure this value is greater than or equal to 1900."),
    ],
)
def test_paper_rejects_malformed_identifiers_with_a_message(field, value, message):
    paper = PaperFactory.build(slug="x", **{field: value})

    with pytest.raises(ValidationError) as error:
        paper.full_clean()

    assert error.value.message_dict == {field: [message]}


def test_paper_clean_strips_common_prefixes():
    paper = PaperFactory.build(slug="x", arxiv_id="arXiv:1706.03762v5", doi="doi:10.1145/3065386")

    paper.full_clean()

    assert (paper.arxiv_id, paper.doi) == ("1706.03762v5", "10.1145/3065386")
    assert paper.arxiv_url == "https://arxiv.org/abs/1706.03762v5"


def test_year_outside_plausible_range_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PaperFactory(year=3000)


def test_a_paper_links_to_an_address_once():
    link = PaperLinkFactory()
    PaperLinkFactory(url=link.url)  # another paper may share the address

    with pytest.raises(IntegrityError), transaction.atomic():
        PaperLinkFactory(paper=link.paper, url=link.url)


def test_papers_with_the_same_title_stay_two_papers():
    first = PaperFactory(title="Deep Learning")
    second = PaperFactory(title="Deep Learning")

    assert [first.slug, second.slug] == ["deep-learning", "deep-learning-2"]


def test_deleting_a_paper_that_was_read_is_refused():
    row = PresentationFactory()

    with pytest.raises(ProtectedError):
        row.paper.delete()


def test_deleting_a_credited_presenter_is_refused():
    entry = PresentationPresenterFactory()

    with pytest.raises(ProtectedError):
        entry.presenter.delete()


def test_slide_deck_needs_a_file_or_a_link_not_both():
    week = WeekFactory()
    SlideDeckFactory(week=week, url="https://slides.example.edu/a.pdf")
    SlideDeckFactory(week=week, url="", file=pdf_file())

    with pytest.raises(IntegrityError), transaction.atomic():
        SlideDeckFactory(week=week, url="https://slides.example.edu/b.pdf", file=pdf_file())
    with pytest.raises(IntegrityError), transaction.atomic():
        SlideDeckFactory(week=week, url="")


def test_slide_deck_with_neither_file_nor_link_gets_a_message():
    deck = SlideDeck(week=WeekFactory(), title="Empty")

    with pytest.raises(ValidationError) as error:
        deck.full_clean()

    assert error.value.messages == ["Upload a file or give a link, not both and not neither."]


def test_slide_deck_takes_its_week_from_its_presentation():
    row = PresentationFactory()

    deck = SlideDeck(presentation=row, url="https://slides.example.edu/x.pdf")
    deck.full_clean()
    deck.save()

    assert deck.week == row.week


def test_slide_deck_cannot_point_at_a_presentation_of_another_week():
    row = PresentationFactory()
    deck = SlideDeck(presentation=row, week=WeekFactory(), url="https://slides.example.edu/x.pdf")

    with pytest.raises(ValidationError) as error:
        deck.full_clean()

    assert error.value.message_dict == {"presentation": ["This presentation belongs to another week."]}


def test_slide_deck_without_week_or_presentation_gets_a_message():
    deck = SlideDeck(url="https://slides.example.edu/x.pdf")

    with pytest.raises(ValidationError) as error:
        deck.full_clean()

    assert error.value.message_dict == {"week": ["Choose the week or the presentation this deck belongs to."]}


def test_deleting_a_week_with_slides_is_refused():
    deck = SlideDeckFactory()

    with pytest.raises(ProtectedError):
        deck.week.delete()


def test_public_slide_decks_exclude_private_ones():
    public = SlideDeckFactory(is_public=True)
    SlideDeckFactory(is_public=False)

    assert list(SlideDeck.objects.public()) == [public]
    assert public.href == public.url


def test_uploaded_deck_is_stored_under_media_root_in_its_weeks_folder(settings):
    week = WeekFactory(title="Attention", term__name="Fall 2026")
    deck = SlideDeckFactory(week=week, url="", file=pdf_file("talk.pdf"))

    assert shape(deck.file.name) == "slides/fall-2026/attention/<random>/talk.pdf"
    assert deck.href == f"/media/{deck.file.name}"
    assert (settings.MEDIA_ROOT / deck.file.name).read_bytes().startswith(b"%PDF")


def test_slide_deck_file_must_be_pdf_or_powerpoint_by_content():
    deck = SlideDeck(week=WeekFactory(), file=ContentFile(b"<html>Not found</html>", name="talk.pdf"))

    with pytest.raises(ValidationError) as error:
        deck.full_clean()

    assert error.value.message_dict == {"file": ["This file is not a PDF or PowerPoint (.pptx, .ppt) file."]}
