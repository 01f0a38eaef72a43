import pytest
from django.urls import reverse

from papers.models import Paper
from syllabus.search import MAX_QUERY_LENGTH, PAGE_SIZE, paper_ids_matching, search
from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PresentationPresenterFactory,
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


def test_search_ranks_title_then_authors_then_abstract_then_tags():
    public_paper(title="Plain", abstract="Uses a transformer.")
    public_paper(title="Tagged only").tags.add(TagFactory(name="transformer"))
    public_paper(title="Transformers for vision")
    public_paper(title="By name", authors="Tom Transformer")

    assert titles(search("transformer")) == ["Transformers for vision", "By name", "Plain", "Tagged only"]


def test_search_finds_a_quoted_phrase_only_in_that_order(library):
    public_paper(title="Graph Attention Networks")
    public_paper(title="Attention over graph networks")

    assert titles(search('"graph attention"')) == ["Graph Attention Networks"]


def test_search_leaves_out_words_after_a_minus(library):
    public_paper(title="Graph Attention Networks")

    assert titles(search("attention -graph")) == ["Attention Is All You Need"]
    assert titles(search('attention -"graph attention"')) == ["Attention Is All You Need"]


def test_search_finds_weeks_by_tag_and_body():
    week = WeekFactory(title="Week one", body="We read about diffusion models.")
    week.tags.add(TagFactory(name="Generative-Models"))

    assert search("diffusion").weeks == [week]
    assert search("generative").weeks == [week]


def test_paper_ids_matching_include_private_papers_and_follow_tags(library):
    TagFactory(name="Sequence-Models").papers.add(library["attention"])

    found = set(paper_ids_matching("sequence").values_list("pk", flat=True))

    assert found == {library["attention"].pk}
    assert set(paper_ids_matching("attention").values_list("pk", flat=True)) == {
        library["attention"].pk,
        Paper.objects.get(title="Attention planned for a later week").pk,
    }


def test_search_pages_each_kind_alike(client):
    for number in range(PAGE_SIZE + 2):
        public_paper(title=f"Pooling study {number:02}")
    WeekFactory(title="Pooling week")
    url = reverse("syllabus:search")

    first = search("pooling")
    second = search("pooling", page=2)
    html = client.get(url, {"q": "pooling", "page": 2}).content.decode()

    assert (first.count, first.paper_count, first.week_count) == (PAGE_SIZE + 3, PAGE_SIZE + 2, 1)
    assert titles(first) == [f"Pooling study {number:02}" for number in range(PAGE_SIZE)]
    assert [week.title for week in first.weeks] == ["Pooling week"]
    assert (first.has_previous, first.has_next) == (False, True)
    assert titles(second) == [f"Pooling study {number:02}" for number in (PAGE_SIZE, PAGE_SIZE + 1)]
    assert second.weeks == []
    assert (second.has_previous, second.has_next) == (True, False)
    assert titles(search("pooling", page=3)) == []
    assert '<a href="?q=pooling&amp;page=1" rel="prev">Previous page</a>' in html
    assert 'rel="next"' not in html
    assert f"{PAGE_SIZE + 3} results for “pooling”, page 2." in html


def test_search_page_links_to_the_next_page_and_reads_odd_page_numbers(client):
    for number in range(PAGE_SIZE + 1):
        public_paper(title=f"Dropout note {number:02}")
    url = reverse("syllabus:search")

    html = client.get(url, {"q": "dropout note"}).content.decode()

    assert '<a href="?q=dropout%20note&amp;page=2" rel="next">Next page</a>' in html
    for odd in ["x", "-3", "0", "9" * 5000]:
        assert "Dropout note 00" in client.get(url, {"q": "dropout note", "page": odd}).content.decode()


@pytest.mark.parametrize("query", ["study", "qwertyuiop"])
def test_search_page_queries_do_not_grow_with_results(client, query, django_assert_max_num_queries):
    def load(page: int = 1):
        response = client.get(reverse("syllabus:search"), {"q": query, "page": page})
        assert response.status_code == 200

    def add_matches(count: int):
        for _ in range(count):
            paper = public_paper(title="A study of pooling")
            PresentationPresenterFactory(presentation=paper.presentations.get())
            WeekFactory(title="A study week")
        PresenterFactory(name="Study Group")

    add_matches(1)
    load()
    small = count_queries(load)
    add_matches(PAGE_SIZE * 2)
    # Per kind (papers, weeks, presenters): a count, and the page unless there is none.
    with django_assert_max_num_queries(6):
        large = count_queries(load)
    with django_assert_max_num_queries(6):
        load(page=2)

    assert large == small
