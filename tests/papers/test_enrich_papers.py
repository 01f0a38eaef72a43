import io
import time

import pytest
from django.core.management import CommandError, call_command

from papers.models import Paper, PaperLink, PaperLookup
from tests.factories import PaperFactory, PaperLinkFactory
from tests.papers.conftest import answer_arxiv, answer_doi

pytestmark = pytest.mark.django_db


def enrich(*args) -> list[str]:
    out = io.StringIO()
    call_command("enrich_papers", *args, stdout=out)
    return out.getvalue().splitlines()


def imported(title: str, link: str | None = None, **fields) -> Paper:
    """A paper as the Jekyll import leaves it: a title and perhaps a link."""
    paper = PaperFactory(
        **{"title": title, "authors": "", "venue": "", "year": None, "abstract": "", **fields}
    )
    if link:
        PaperLinkFactory(paper=paper, kind=PaperLink.Kind.OTHER, url=link)
    return paper


@pytest.fixture
def imported_site(network):
    answer_arxiv(network, "arxiv_1706.03762v5.xml", query_id="1706.03762")
    answer_doi(network, "10.1145/3065386", "doi_10.1145_3065386.json")
    return {
        "attention": imported("Attention is all you need", "https://arxiv.org/pdf/1706.03762.pdf"),
        "imagenet": imported("ImageNet classification", doi="10.1145/3065386", venue="NeurIPS"),
        "no identifier": imported("A talk without a paper", "https://example.org/talk"),
        "complete": PaperFactory(title="Complete", abstract="Done.", arxiv_id="1706.03762v5"),
    }


def test_enrich_fills_only_empty_fields_from_the_identifier_in_links_or_fields(imported_site):
    output = enrich()

    attention = Paper.objects.get(pk=imported_site["attention"].pk)
    assert (attention.title, attention.authors, attention.year, attention.venue, attention.arxiv_id) == (
        "Attention is all you need",  # the title it has is kept
        "Ashish Vaswani, Noam Shazeer, Niki Parmar",
        2017,
        "NeurIPS 2017",
        "1706.03762",
    )
    assert [(link.kind, link.url) for link in attention.links.all()] == [
        ("other", "https://arxiv.org/pdf/1706.03762.pdf"),
        ("abstract", "https://arxiv.org/abs/1706.03762"),
        ("pdf", "https://arxiv.org/pdf/1706.03762"),
    ]
    imagenet = Paper.objects.get(pk=imported_site["imagenet"].pk)
    assert (imagenet.authors, imagenet.venue, imagenet.year) == (
        "Alex Krizhevsky, Ilya Sutskever, Geoffrey E. Hinton",
        "NeurIPS",
        2017,
    )
    assert output == [
        "[1/3] Attention is all you need (arXiv 1706.03762): filled authors, year, venue, abstract, "
        "arXiv id, DOI, abstract page link, PDF link",
        "[2/3] ImageNet classification (DOI 10.1145/3065386): filled authors, year, abstract, "
        "abstract page link, PDF link",
        "[3/3] Complete (arXiv 1706.03762v5): failed: arXiv could not be reached (is the server offline?); "
        "try again later or fill in the paper by hand.",
        "Papers filled in: 2; nothing to fill in: 0; failed: 1; without an arXiv id or DOI: 1.",
    ]


def test_enrich_missing_leaves_complete_papers_alone_and_a_second_run_asks_no_one(imported_site, network):
    enrich("--missing")
    calls = len(network.calls)

    output = enrich("--missing")

    assert len(network.calls) == calls == 2
    assert (
        output[-1] == "Papers filled in: 0; nothing to fill in: 0; failed: 0; without an arXiv id or DOI: 1."
    )


def test_enrich_dry_run_says_what_would_change_and_saves_nothing(imported_site):
    output = enrich("--dry-run", "--limit", "1")

    assert output == [
        "[1/1] Attention is all you need (arXiv 1706.03762): would fill authors, year, venue, abstract, "
        "arXiv id, DOI, abstract page link, PDF link",
        "Dry run, nothing saved. Papers would fill in: 1; nothing to fill in: 0; failed: 0; "
        "without an arXiv id or DOI: 1.",
    ]
    assert Paper.objects.get(pk=imported_site["attention"].pk).authors == ""
    assert (PaperLookup.objects.count(), PaperLink.objects.count()) == (0, 2)


def test_enrich_overwrite_replaces_fields_that_have_a_value(imported_site):
    enrich("--overwrite", "--limit", "2")

    imagenet = Paper.objects.get(pk=imported_site["imagenet"].pk)
    assert (imagenet.title, imagenet.venue) == (
        "ImageNet classification with deep convolutional neural networks",
        "Communications of the ACM",
    )


def test_enrich_reports_failures_and_goes_on(network):
    imported("Down", doi="10.1145/1")
    imported("Malformed", doi="10.1145/2")
    imported("Fine", doi="10.1145/3065386")
    network.get("https://doi.org/10.1145/1", status=503)
    network.get("https://doi.org/10.1145/2", body="<html>not json</html>")
    answer_doi(network, "10.1145/3065386", "doi_10.1145_3065386.json")

    output = enrich()

    assert output[:2] == [
        "[1/3] Down (DOI 10.1145/1): failed: doi.org is having trouble (HTTP 503); try again later or fill in "
        "the paper by hand.",
        "[2/3] Malformed (DOI 10.1145/2): failed: doi.org sent an answer that is not a readable CSL JSON "
        "record; try again later.",
    ]
    assert (
        output[-1] == "Papers filled in: 1; nothing to fill in: 0; failed: 2; without an arXiv id or DOI: 0."
    )
    assert Paper.objects.get(title="Fine").year == 2017


def test_enrich_leaves_out_an_arxiv_id_another_paper_holds(network):
    PaperFactory(title="The original", arxiv_id="1706.03762")
    copy = imported("A second copy", "https://arxiv.org/abs/1706.03762")
    answer_arxiv(network, "arxiv_1706.03762v5.xml")

    enrich("--missing")

    copy.refresh_from_db()
    assert (copy.arxiv_id, copy.year) == ("", 2017)


def test_enrich_waits_for_arxivs_turn_between_papers(network, settings):
    settings.LOOKUP_ARXIV_INTERVAL = 1
    imported("One", "https://arxiv.org/abs/1706.03762")
    imported("Two", "https://arxiv.org/abs/hep-th/9901001")
    answer_arxiv(network, "arxiv_1706.03762v5.xml", query_id="1706.03762")
    answer_arxiv(network, "arxiv_hep-th_9901001.xml", query_id="hep-th/9901001")

    started = time.monotonic()
    enrich()

    assert time.monotonic() - started >= 0.9
    assert len(network.calls) == 2


def test_enrich_refuses_a_limit_below_one():
    with pytest.raises(CommandError, match=r"--limit must be at least 1\."):
        enrich("--limit", "0")
