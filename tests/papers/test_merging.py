"""Merging duplicate papers: everything moves to the kept one, nothing is lost, the others are gone."""

import pytest
from django.core.exceptions import ValidationError

from papers.merging import papers_merge, papers_merge_plan
from papers.models import Paper, PaperLink, SlideDeck
from syllabus.models import Presentation
from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    SlideDeckFactory,
    TagFactory,
    WeekFactory,
    pdf_file,
)

pytestmark = pytest.mark.django_db


def _duplicates():
    keep = PaperFactory(
        title="Attention Is All You Need", authors="", abstract="", venue="NeurIPS", year=None
    )
    other = PaperFactory(
        title="Attention is all you need.",
        authors="Vaswani et al.",
        abstract="We propose the Transformer.",
        venue="arXiv",
        year=2017,
        arxiv_id="1706.03762",
    )
    third = PaperFactory(title="attention is all you need", authors="A. Vaswani", doi="10.5555/3295222")
    return keep, other, third


def test_merge_moves_rows_links_tags_and_fills_empty_fields():
    keep, other, third = _duplicates()
    shared, theirs, mine = (
        TagFactory(name="attention"),
        TagFactory(name="nlp"),
        TagFactory(name="transformers"),
    )
    keep.tags.add(shared, mine)
    other.tags.add(shared, theirs)
    PaperLinkFactory(paper=keep, url="https://arxiv.org/abs/1706.03762", order=0)
    PaperLinkFactory(paper=other, url="https://arxiv.org/abs/1706.03762", order=0)  # the same address
    PaperLinkFactory(paper=other, url="https://arxiv.org/pdf/1706.03762", order=1)
    PaperLinkFactory(paper=third, url="https://github.com/tensorflow/tensor2tensor", order=0)
    kept_row = PresentationFactory(paper=keep)
    moved_rows = [PresentationFactory(paper=other), PresentationFactory(paper=third)]

    result = papers_merge(keep=keep, others=[other, third])

    result.refresh_from_db()
    assert result.pk == keep.pk
    assert list(Paper.objects.values_list("pk", flat=True)) == [keep.pk]
    assert (result.title, result.authors, result.abstract, result.venue, result.year) == (
        "Attention Is All You Need",
        "Vaswani et al.",  # the first of the others that has one
        "We propose the Transformer.",
        "NeurIPS",  # the kept paper's own value stays
        2017,
    )
    assert (result.arxiv_id, result.doi) == ("1706.03762", "10.5555/3295222")
    assert "Transformer" in result.abstract_html
    assert sorted(Presentation.objects.filter(paper=keep).values_list("pk", flat=True)) == sorted(
        [kept_row.pk, *(row.pk for row in moved_rows)]
    )
    assert list(result.links.values_list("url", flat=True)) == [
        "https://arxiv.org/abs/1706.03762",
        "https://arxiv.org/pdf/1706.03762",
        "https://github.com/tensorflow/tensor2tensor",
    ]
    assert PaperLink.objects.count() == 3
    assert sorted(result.tags.values_list("name", flat=True)) == ["attention", "nlp", "transformers"]


def test_merge_keeps_slide_decks_on_their_rows_and_their_files_open():
    keep, other, _ = _duplicates()
    public_week, draft_week = WeekFactory(), WeekFactory(is_published=False)
    public_row = PresentationFactory(paper=other, week=public_week)
    draft_row = PresentationFactory(paper=other, week=draft_week)
    public_deck = SlideDeckFactory(week=public_week, presentation=public_row, file=pdf_file("a.pdf"), url="")
    draft_deck = SlideDeckFactory(week=draft_week, presentation=draft_row, file=pdf_file("b.pdf"), url="")
    linked = SlideDeckFactory(week=public_week, presentation=public_row)
    names = {deck.pk: deck.file.name for deck in (public_deck, draft_deck)}

    papers_merge(keep=keep, others=[other])

    decks = {deck.pk: deck for deck in SlideDeck.objects.select_related("presentation")}
    assert sorted(decks) == sorted([public_deck.pk, draft_deck.pk, linked.pk])
    assert {deck.presentation.paper_id for deck in decks.values()} == {keep.pk}
    for pk, name in names.items():
        assert decks[pk].file.name == name  # the deck's week did not change: its files stay where they are
        with decks[pk].file.open("rb") as handle:
            assert handle.read(5) == b"%PDF-"
    assert decks[draft_deck.pk].file.name.startswith("private/")


def test_merge_plan_says_what_moves_and_changes_nothing():
    keep, other, third = _duplicates()
    PaperLinkFactory(paper=keep, url="https://arxiv.org/abs/1706.03762")
    PaperLinkFactory(paper=other, url="https://arxiv.org/abs/1706.03762")
    PaperLinkFactory(paper=third, url="https://example.org/code")
    row = PresentationFactory(paper=other)
    SlideDeckFactory(week=row.week, presentation=row)
    third.tags.add(TagFactory(name="nlp"))

    plan = papers_merge_plan(keep=keep, others=[third, other, keep])

    assert plan.summary == [
        "1 row of weeks move to “Attention Is All You Need”, with 1 slide deck.",
        "1 link move; 1 link to an address it already has are dropped.",
        "Tags added: nlp.",
        "Its empty authors becomes “Vaswani et al.”.",
        "Its empty year becomes “2017”.",
        "Its empty abstract becomes “We propose the Transformer.”.",
        "Its empty arXiv id becomes “1706.03762”.",
        "Its empty DOI becomes “10.5555/3295222”.",
        f"Then 2 papers are deleted: “Attention is all you need.” (id {other.pk}), "
        f"“attention is all you need” (id {third.pk}).",
    ]
    assert Paper.objects.count() == 3
    assert Presentation.objects.get().paper == other


def test_merge_refuses_nothing_to_merge():
    keep = PaperFactory()

    with pytest.raises(ValidationError, match="at least one other paper"):
        papers_merge(keep=keep, others=[keep])
    assert Paper.objects.count() == 1


def test_merge_reads_the_papers_again_under_lock():
    keep, other, _ = _duplicates()
    stale = Paper.objects.get(pk=other.pk)
    Paper.objects.filter(pk=other.pk).update(authors="Corrected Authors")

    papers_merge(keep=keep, others=[stale])

    keep.refresh_from_db()
    assert keep.authors == "Corrected Authors"


def test_merge_queries_do_not_grow_with_rows_links_and_tags():
    def merge_of(size: int) -> int:
        keep = PaperFactory(authors="")
        others = [PaperFactory() for _ in range(size)]
        for paper in others:
            for _ in range(size):
                PresentationFactory(paper=paper)
                PaperLinkFactory(paper=paper)
            paper.tags.add(*(TagFactory() for _ in range(size)))
        return count_queries(lambda: papers_merge(keep=keep, others=others))

    assert merge_of(1) == merge_of(3)


def test_an_arxiv_id_or_doi_the_kept_paper_cannot_take_is_kept_as_a_link():
    keep = PaperFactory(title="Kept", arxiv_id="1706.03762v5", doi="10.1/kept")
    other = PaperFactory(title="Other", arxiv_id="1706.03762v1", doi="10.1/other")
    PaperLinkFactory(paper=keep, url="https://arxiv.org/abs/1706.03762v9")

    plan = papers_merge_plan(keep=keep, others=[other])
    papers_merge(keep=keep, others=[other])

    assert "Another id of the others is kept as a link: https://arxiv.org/abs/1706.03762v1." in plan.summary
    assert list(keep.links.values_list("url", "kind")) == [
        ("https://arxiv.org/abs/1706.03762v9", "pdf"),
        ("https://arxiv.org/abs/1706.03762v1", "abstract"),
        ("https://doi.org/10.1/other", "other"),
    ]
