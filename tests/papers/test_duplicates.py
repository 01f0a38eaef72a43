"""Papers already known: found by arXiv id, DOI or folded title, with where they were read."""

import pytest

from papers.duplicates import (
    arxiv_id_in,
    doi_in,
    paper_readings,
    papers_matching,
    papers_read_again,
    readings_summary,
)
from papers.models import Paper, title_key
from tests.factories import (
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    TermFactory,
    WeekFactory,
)


@pytest.mark.parametrize(
    "text",
    [
        "1706.03762",
        "1706.03762v5",
        "arXiv:1706.03762",
        "arxiv:1706.03762v2",
        "https://arxiv.org/abs/1706.03762",
        "http://arxiv.org/abs/1706.03762v1",
        "https://arxiv.org/pdf/1706.03762v5.pdf",
        "https://arxiv.org/pdf/1706.03762",
        "https://export.arxiv.org/abs/1706.03762",
        "  https://www.arxiv.org/abs/1706.03762v3  ",
    ],
)
def test_arxiv_id_in_reads_ids_and_addresses_without_version(text):
    assert arxiv_id_in(text) == "1706.03762"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v2", "hep-th/9901001"),
        ("math.GT/0309136", "math/0309136"),
        ("https://arxiv.org/abs/cs.LG/0101001v1", "cs/0101001"),
        ("https://arxiv.org/abs/2101.00001", "2101.00001"),
        ("https://example.org/1706.03762.pdf", ""),
        ("Attention is all you need", ""),
        ("", ""),
    ],
)
def test_arxiv_id_in_reads_old_style_ids_and_ignores_other_text(text, expected):
    assert arxiv_id_in(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "10.1145/3065386",
        "10.1145/3065386.",
        "doi:10.1145/3065386",
        "DOI: 10.1145/3065386",
        "https://doi.org/10.1145/3065386",
        "http://dx.doi.org/10.1145/3065386",
        "https://doi.org/10.1145%2F3065386",
        "https://DOI.org/10.1145/3065386",
    ],
)
def test_doi_in_reads_dois_and_doi_org_addresses(text):
    assert doi_in(text) == "10.1145/3065386"


def test_doi_in_folds_case_and_ignores_other_sites():
    assert doi_in("10.1000/ABC.Def") == "10.1000/abc.def"
    assert doi_in("https://dl.acm.org/doi/10.1145/3065386") == ""
    assert doi_in("not a doi") == ""


@pytest.mark.parametrize(
    "title",
    [
        "Attention Is All You Need",
        "attention is all you need.",
        "  Attention   is all\tyou need!  ",
        "Attention-is-all-you-need",
        "“Attention” is all you need?",
    ],
)
def test_title_key_folds_case_punctuation_and_spacing(title):
    assert title_key(title) == "attention is all you need"


def test_title_key_folds_accents():
    assert title_key("Schrödinger Bridges à la Carte") == title_key("Schrodinger bridges a la carte")
    assert title_key("Schrödinger Bridges à la Carte") == "schrodinger bridges a la carte"


@pytest.mark.django_db
def test_title_key_is_kept_on_save():
    paper = PaperFactory(title="Deep Résidual Learning")
    assert paper.title_key == "deep residual learning"

    paper.title = "Deep Residual Learning, Again"
    paper.save(update_fields=["title"])
    paper.refresh_from_db()

    assert paper.title_key == "deep residual learning again"


@pytest.mark.django_db
def test_papers_matching_finds_the_same_arxiv_id_in_a_field_whatever_the_version():
    known = PaperFactory(title="Transformers", arxiv_id="1706.03762v2")
    PaperFactory(title="Other", arxiv_id="1706.03763")

    found = papers_matching(title="Something else", arxiv_id="https://arxiv.org/abs/1706.03762")

    assert [(match.paper, match.same_arxiv_id, match.same_title) for match in found] == [
        (known, {"1706.03762"}, False)
    ]
    assert found[0].same_identifier
    assert found[0].reasons == ["arXiv id 1706.03762"]


@pytest.mark.django_db
def test_papers_matching_finds_identifiers_in_links():
    by_arxiv = PaperFactory(title="A")
    PaperLinkFactory(paper=by_arxiv, url="https://arxiv.org/pdf/1706.03762v5.pdf")
    by_doi = PaperFactory(title="B")
    PaperLinkFactory(paper=by_doi, url="https://doi.org/10.1145/3065386")
    # An id that merely contains the wanted one is not it.
    PaperLinkFactory(paper=PaperFactory(title="C"), url="https://arxiv.org/abs/1706.037621")

    found = papers_matching(arxiv_id="1706.03762", urls=["https://dx.doi.org/10.1145/3065386"])

    assert [(match.paper.title, match.reasons) for match in found] == [
        ("A", ["arXiv id 1706.03762"]),
        ("B", ["DOI 10.1145/3065386"]),
    ]


@pytest.mark.django_db
def test_papers_matching_finds_a_doi_whatever_its_case_or_form():
    known = PaperFactory(title="ImageNet", doi="10.1145/3065386")

    for given in ("10.1145/3065386", "https://doi.org/10.1145/3065386", "doi:10.1145/3065386"):
        assert [match.paper for match in papers_matching(doi=given)] == [known]
    assert [match.paper for match in papers_matching(doi="10.1145/3065387")] == []


@pytest.mark.django_db
def test_papers_matching_finds_folded_titles_after_identifier_matches():
    by_title = PaperFactory(title="Schrödinger Bridges: à la carte!")
    by_id = PaperFactory(title="Zzz", arxiv_id="2101.00001")
    PaperFactory(title="Schrodinger Bridges a la carte, part two")

    found = papers_matching(title="schrodinger bridges \N{EN DASH} a la carte", arxiv_id="2101.00001v3")

    assert [(match.paper, match.same_identifier, match.same_title) for match in found] == [
        (by_id, True, False),
        (by_title, False, True),
    ]


@pytest.mark.django_db
def test_papers_matching_leaves_out_the_paper_itself_and_finds_nothing_for_nothing():
    paper = PaperFactory(title="Alone", arxiv_id="1234.56789")

    assert papers_matching(title="Alone", arxiv_id="1234.56789", exclude_pk=paper.pk) == []
    assert papers_matching() == []


@pytest.mark.django_db
def test_papers_matching_takes_two_queries_whatever_the_number_of_papers(django_assert_num_queries):
    def grow(count):
        for _ in range(count):
            paper = PaperFactory(title="Same Title")
            PaperLinkFactory(paper=paper)
            PaperLinkFactory(paper=paper, url=f"https://arxiv.org/abs/1706.03762v{paper.pk}")

    grow(1)
    with django_assert_num_queries(2):  # the candidates, their links
        assert len(papers_matching(title="same title", arxiv_id="1706.03762")) == 1
    grow(3)
    with django_assert_num_queries(2):
        assert len(papers_matching(title="same title", arxiv_id="1706.03762")) == 4


def _reading(paper, *, term, position, presenters=(), slides=False):
    week = WeekFactory(term=term, position=position, title=f"Week title {position}")
    row = PresentationFactory(week=week, paper=paper)
    for order, name in enumerate(presenters):
        PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(name=name), order=order)
    if slides:
        SlideDeckFactory(week=week, presentation=row)
    return row


@pytest.mark.django_db
def test_paper_readings_say_where_by_whom_and_whether_there_are_slides():
    paper = PaperFactory()
    spring, fall = TermFactory(name="Spring 2026"), TermFactory(name="Fall 2026")
    _reading(paper, term=spring, position=2, presenters=["Ada Lovelace", "Alan Turing"], slides=True)
    newer = _reading(paper, term=fall, position=5)
    newer.week.date = newer.week.date.replace(year=2027)
    newer.week.save()

    readings = paper_readings(paper_ids=[paper.pk, PaperFactory().pk])

    assert readings_summary(readings[paper.pk]) == (
        "read in Fall 2026, week 5 (Week title 5) / "
        "read in Spring 2026, week 2 (Week title 2) by Ada Lovelace, Alan Turing; slides"
    )
    assert [r for r in readings.values() if not r] == [[]]
    assert readings_summary([]) == "not read yet"


@pytest.mark.django_db
def test_paper_readings_take_three_queries_at_any_size(django_assert_num_queries):
    papers = [PaperFactory() for _ in range(4)]
    term = TermFactory()

    def grow(count):
        for paper in papers[:count]:
            _reading(paper, term=term, position=Paper.objects.count(), presenters=["A", "B"], slides=True)

    grow(1)
    with django_assert_num_queries(3):  # rows with weeks and terms, their presenters, their decks
        small = paper_readings(paper_ids=[p.pk for p in papers])
    grow(4)
    with django_assert_num_queries(3):
        large = paper_readings(paper_ids=[p.pk for p in papers])

    assert (sum(map(len, small.values())), sum(map(len, large.values()))) == (1, 5)


@pytest.mark.django_db
def test_papers_read_again_lists_other_weeks_of_the_same_term_only():
    paper = PaperFactory(title="Repeated")
    term = TermFactory()
    here = _reading(paper, term=term, position=1)
    again = _reading(paper, term=term, position=2)
    _reading(paper, term=TermFactory(), position=3)  # another term: reading it again is the point

    assert papers_read_again(week=here.week, paper_ids=[paper.pk, None]) == [again]
    assert papers_read_again(week=here.week, paper_ids=[]) == []


@pytest.mark.django_db
def test_migration_fills_the_title_key_of_existing_papers():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("papers.migrations.0010_paper_title_key")
    paper = PaperFactory(title="Ünïcode Títle, Again!")
    Paper.objects.filter(pk=paper.pk).update(title_key="")

    migration.fill_title_keys(apps, None)

    paper.refresh_from_db()
    assert paper.title_key == "unicode title again" == title_key(paper.title)
