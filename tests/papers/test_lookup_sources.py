import datetime
import time

import pytest
import requests
from django.utils import timezone

from papers.lookup import (
    FoundLink,
    PaperNotFound,
    SourceTimedOut,
    SourceUnavailable,
    parse_identifier,
)
from papers.models import PaperLookup
from papers.services import paper_metadata_find
from tests.papers.conftest import ARXIV_API, answer_arxiv, answer_doi

pytestmark = pytest.mark.django_db


def find(text: str, **options):
    return paper_metadata_find(identifier=parse_identifier(text), **options)


def test_arxiv_entry_gives_the_papers_fields_and_typed_links(network):
    answer_arxiv(network, "arxiv_1706.03762v5.xml", query_id="1706.03762v5")

    found = find("https://arxiv.org/abs/1706.03762v5")

    assert (found.source, found.title, found.authors, found.year, found.venue) == (
        "arxiv",
        "Attention Is All You Need",
        ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"],
        2017,
        "NeurIPS 2017",
    )
    assert found.abstract == (
        "A recorded abstract for the tests: sequence models are usually built from recurrent or "
        "convolutional layers, and this paper replaces them with attention alone.\n\n"
        "A second paragraph, so that paragraph breaks are seen to survive the line joining."
    )
    assert (found.arxiv_id, found.doi) == ("1706.03762", "10.48550/arXiv.1706.03762")
    assert found.links == [
        FoundLink(kind="abstract", url="https://arxiv.org/abs/1706.03762", label="arXiv"),
        FoundLink(kind="pdf", url="https://arxiv.org/pdf/1706.03762"),
    ]


def test_arxiv_old_style_id_without_journal_is_an_arxiv_venue(network):
    answer_arxiv(network, "arxiv_hep-th_9901001.xml", query_id="hep-th/9901001")

    found = find("arXiv:hep-th/9901001")

    assert (found.title, found.authors, found.year, found.venue, found.arxiv_id, found.doi) == (
        "A recorded old-style entry",
        ["Jane Q. Physicist"],
        1999,
        "arXiv",
        "hep-th/9901001",
        "",
    )
    assert found.links[1] == FoundLink(kind="pdf", url="https://arxiv.org/pdf/hep-th/9901001")


def test_lookup_sends_the_contact_address_and_asks_arxiv_politely(network):
    answer_arxiv(network, "arxiv_1706.03762v5.xml")

    find("1706.03762")

    sent = network.calls[0].request
    assert sent.headers["User-Agent"] == "Syllabus (Syllabus seminar site; mailto:seminar@example.edu)"
    assert sent.url == f"{ARXIV_API}?id_list=1706.03762&max_results=1"


@pytest.mark.parametrize(
    ("recording", "status", "error", "message"),
    [
        ("arxiv_empty.xml", 200, PaperNotFound, "arXiv knows no paper 2901.99999."),
        ("arxiv_error.xml", 200, PaperNotFound, "arXiv knows no paper 2901.99999."),
        ("arxiv_error.xml", 400, PaperNotFound, "arXiv knows no paper 2901.99999."),
        (
            "arxiv_truncated.xml",
            200,
            SourceUnavailable,
            "arXiv sent an answer that is not a readable Atom feed; try again later.",
        ),
        (
            "arxiv_entity_expansion.xml",
            200,
            SourceUnavailable,
            "arXiv sent an answer that is not a readable Atom feed; try again later.",
        ),
        (
            "arxiv_empty.xml",
            503,
            SourceUnavailable,
            "arXiv is having trouble (HTTP 503); try again later or fill in the paper by hand.",
        ),
    ],
)
def test_arxiv_failures_are_clear_messages_and_store_nothing(network, recording, status, error, message):
    answer_arxiv(network, recording, status=status)

    with pytest.raises(error) as failed:
        find("2901.99999")

    assert str(failed.value) == message
    assert PaperLookup.objects.count() == 0


def test_source_that_does_not_answer_in_time_is_a_timeout(network, settings):
    settings.LOOKUP_TIMEOUT = 4
    network.get(ARXIV_API, body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(SourceTimedOut) as failed:
        find("1706.03762")

    assert str(failed.value) == (
        "arXiv did not answer within 4 seconds; try again later or fill in the paper by hand."
    )


def test_offline_is_a_clear_message(network):
    with pytest.raises(SourceUnavailable) as failed:  # nothing registered: as if offline
        find("10.1145/3065386")

    assert str(failed.value) == (
        "doi.org could not be reached (is the server offline?); try again later or fill in the paper by hand."
    )


def test_no_test_reaches_the_real_network(network):
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get("https://export.arxiv.org/api/query?id_list=1706.03762", timeout=1)


def test_crossref_record_by_content_negotiation(network):
    answer_doi(network, "10.1145/3065386", "doi_10.1145_3065386.json")

    found = find("https://doi.org/10.1145/3065386")

    assert (found.source, found.title, found.authors, found.year, found.venue, found.doi, found.arxiv_id) == (
        "doi",
        "ImageNet classification with deep convolutional neural networks",
        ["Alex Krizhevsky", "Ilya Sutskever", "Geoffrey E. Hinton"],
        2017,
        "Communications of the ACM",
        "10.1145/3065386",
        "",
    )
    assert found.abstract == (
        "A recorded abstract for the tests: a deep convolutional network trained on a large set of "
        "labelled images.\n\nIts second paragraph."
    )
    assert found.links == [
        FoundLink(kind="abstract", url="https://doi.org/10.1145/3065386", label="DOI"),
        FoundLink(kind="pdf", url="https://dl.acm.org/doi/pdf/10.1145/3065386"),
    ]


def test_datacite_record_with_literal_authors_and_no_container(network):
    answer_doi(network, "10.5281/zenodo.1234567", "doi_10.5281_zenodo.1234567.json")

    found = find("doi:10.5281/zenodo.1234567")

    assert (found.title, found.authors, found.year, found.venue) == (
        "A Recorded Data Set",
        ["The Seminar Data Group", "Emmy Noether"],
        2019,
        "Zenodo",
    )


def test_doi_followed_through_the_resolvers_redirect(network):
    network.get(
        "https://doi.org/10.1145/3065386",
        status=302,
        headers={"Location": "https://api.crossref.org/v1/works/10.1145/3065386/transform"},
    )
    answer = (
        '{"DOI": "10.1145/3065386", "title": "ImageNet classification", "issued": {"date-parts": [[2017]]}}'
    )
    network.get("https://api.crossref.org/v1/works/10.1145/3065386/transform", body=answer)

    assert find("10.1145/3065386").title == "ImageNet classification"


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1/admin/",
        "https://localhost/",
        "file:///etc/passwd",
    ],
)
def test_a_redirect_to_plain_http_an_ip_address_or_this_machine_is_not_followed(network, target):
    network.get("https://doi.org/10.1145/3065386", status=302, headers={"Location": target})

    with pytest.raises(SourceUnavailable, match="an address it may not follow"):
        find("10.1145/3065386")
    assert len(network.calls) == 1  # the target was never asked


def test_redirects_in_a_loop_end_with_a_message(network):
    network.get(
        "https://doi.org/10.1145/3065386", status=302, headers={"Location": "https://doi.org/10.1145/3065386"}
    )

    with pytest.raises(SourceUnavailable, match="round in circles"):
        find("10.1145/3065386")


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (404, "DOI Not Found", PaperNotFound, "doi.org knows no such paper."),
        (
            406,
            "",
            SourceUnavailable,
            "The registry of DOI 10.1145/3065386 offers no metadata; fill in the paper by hand.",
        ),
        (
            200,
            '{"DOI": "10.1145/3065386", "title": "ImageNet classif',
            SourceUnavailable,
            "doi.org sent an answer that is not a readable CSL JSON record; try again later.",
        ),
        (
            200,
            "[1, 2]",
            SourceUnavailable,
            "doi.org sent an answer that is not a readable CSL JSON record; try again later.",
        ),
        (
            200,
            '{"DOI": "10.1145/3065386"}',
            PaperNotFound,
            "The record of DOI 10.1145/3065386 has no title.",
        ),
        (
            502,
            "<html>Bad gateway</html>",
            SourceUnavailable,
            "doi.org is having trouble (HTTP 502); try again later or fill in the paper by hand.",
        ),
    ],
)
def test_doi_failures_are_clear_messages(network, status, body, error, message):
    network.get("https://doi.org/10.1145/3065386", body=body, status=status)

    with pytest.raises(error) as failed:
        find("10.1145/3065386")

    assert str(failed.value) == message


def test_answer_too_large_to_be_a_record_is_refused(network):
    network.get("https://doi.org/10.1145/3065386", body=b" " * 2_000_001)

    with pytest.raises(SourceUnavailable) as failed:
        find("10.1145/3065386")

    assert str(failed.value) == "doi.org sent an answer too large to be a paper's record."


def test_answers_are_stored_with_source_and_time_and_not_asked_again(network):
    answer_doi(network, "10.1145/3065386", "doi_10.1145_3065386.json")
    first = find("10.1145/3065386")
    network.reset()  # from now on, any call out would fail

    again = find("https://doi.org/10.1145/3065386")

    stored = PaperLookup.objects.get()
    assert (stored.identifier, stored.source, stored.fetched_at) == (
        "doi:10.1145/3065386",
        "doi",
        first.fetched_at,
    )
    assert again == first


def test_old_answer_is_asked_again_but_kept_when_the_source_is_down(network, settings):
    answer_doi(network, "10.1145/3065386", "doi_10.1145_3065386.json")
    first = find("10.1145/3065386")
    long_ago = timezone.now() - datetime.timedelta(days=settings.LOOKUP_MAX_AGE_DAYS + 1)
    PaperLookup.objects.update(fetched_at=long_ago)
    network.reset()
    network.get("https://doi.org/10.1145/3065386", status=503)

    kept = find("10.1145/3065386")

    assert (kept.title, kept.fetched_at) == (first.title, long_ago)
    assert len(network.calls) == 1


def test_arxiv_is_asked_at_most_once_per_interval_across_workers(network, settings):
    settings.LOOKUP_ARXIV_INTERVAL = 1
    answer_arxiv(network, "arxiv_1706.03762v5.xml", query_id="1706.03762")
    answer_arxiv(network, "arxiv_hep-th_9901001.xml", query_id="hep-th/9901001")

    started = time.monotonic()
    find("1706.03762")
    find("hep-th/9901001")  # another paper: a call out, which waits its turn in the shared cache

    assert time.monotonic() - started >= 0.9
    assert [call.request.params["id_list"] for call in network.calls] == ["1706.03762", "hep-th/9901001"]


def test_arxiv_busy_for_longer_than_the_timeout_is_a_clear_message(network, settings):
    from django.core.cache import cache

    settings.LOOKUP_ARXIV_INTERVAL = 60
    settings.LOOKUP_TIMEOUT = 1
    cache.add("papers:lookup:turn:arXiv", 1, timeout=60)  # another worker's turn

    with pytest.raises(SourceUnavailable) as failed:
        find("1706.03762")

    assert str(failed.value) == "arXiv is busy with other lookups; try again in a few seconds."
    assert len(network.calls) == 0
