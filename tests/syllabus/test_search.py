import pytest
from django.urls import reverse

from syllabus.search import MAX_QUERY_LENGTH, search
from tests.factories import (
    PaperFactory,
    PresenterAliasFactory,
    PresenterFactory,
    TagFactory,
    WeekFactory,
    public_paper,
    public_presenter,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    attention = public_paper(title="Attention Is All You Need", authors="Ashish Vaswani, Noam Shazeer")
    resnet = public_paper(title="Deep Residual Learning", abstract="Residual connections ease optimization.")
    gan = public_paper(title="Generative Adversarial Networks", authors="Ian Goodfellow")
    PaperFactory(title="Attention planned for a later week")  # not read anywhere yet: private
    gan.tags.add(TagFactory(name="Adversarial-Examples"))
    week = WeekFactory(title="Transformers and attention")
    WeekFactory(title="Attention drafts", is_published=False)
    return {"attention": attention, "resnet": resnet, "gan": gan, "week": week}


def titles(results) -> list[str]:
    return [paper.title for paper in results.papers]


def test_search_finds_titles_authors_abstracts_and_tags(library):
    assert titles(search("attention")) == ["Attention Is All You Need"]
    assert titles(search("Goodfellow")) == ["Generative Adversarial Networks"]
    assert titles(search("optimization")) == ["Deep Residual Learning"]
    assert titles(search("adversarial-examples")) == ["Generative Adversarial Networks"]
    assert titles(search("examples")) == ["Generative Adversarial Networks"]  # part of a tag name


def test_search_finds_published_week_titles_only(library):
    assert [week.title for week in search("attention").weeks] == ["Transformers and attention"]


def test_search_ranks_title_matches_above_abstract_matches():
    public_paper(title="Something else", abstract="Mentions graphs in passing.")
    public_paper(title="Graphs everywhere", abstract="")

    assert titles(search("graphs")) == ["Graphs everywhere", "Something else"]


def test_search_finds_presenters_by_alias():
    alias = PresenterAliasFactory(name="ChaoJiang", presenter=public_presenter(name="Chao Jiang"))
    PresenterAliasFactory(name="ChaoJ", presenter=PresenterFactory(name="Chao Draft"))  # on no public week

    assert search("chao").presenters == [alias.presenter]
    assert search("chaojiang").presenters == [alias.presenter]


def test_very_long_queries_are_shortened_with_a_notice(library):
    results = search("attention " * 100)

    assert len(results.query) == MAX_QUERY_LENGTH
    assert results.notice == f"Your search was shortened to its first {MAX_QUERY_LENGTH} characters."


@pytest.mark.parametrize(
    "query", ["", "   ", "%", "'\"", "()", "-", "a & b | !c", "<script>", "\x00", "a\x00b"]
)
def test_odd_queries_never_fail(client, library, query):
    response = client.get(reverse("syllabus:search"), {"q": query})

    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main")[1]


def test_empty_search_page_invites_a_query(client):
    html = client.get(reverse("syllabus:search")).content.decode()

    assert "Type a word or a phrase" in html
