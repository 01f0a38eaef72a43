from pathlib import Path

import pytest
import responses

RECORDINGS = Path(__file__).parent / "recordings"
ARXIV_API = "https://export.arxiv.org/api/query"


def recording(name: str) -> bytes:
    """An answer of arXiv or a DOI registry, written by hand in the real format."""
    return (RECORDINGS / name).read_bytes()


@pytest.fixture
def network(settings):
    """Recorded answers only: any request not registered on it fails as if offline.

    arXiv's three-second turns are off unless a test turns them on.
    """
    settings.LOOKUP_ARXIV_INTERVAL = 0
    settings.LOOKUP_CONTACT_EMAIL = "seminar@example.edu"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def answer_arxiv(network, name: str, *, status: int = 200, query_id: str | None = None) -> None:
    params = {"max_results": "1"} | ({"id_list": query_id} if query_id else {})
    network.get(
        ARXIV_API,
        body=recording(name),
        status=status,
        content_type="application/atom+xml; charset=utf-8",
        match=[responses.matchers.query_param_matcher(params, strict_match=False)],
    )


def answer_doi(network, doi: str, name: str, *, status: int = 200) -> None:
    network.get(
        f"https://doi.org/{doi}",
        body=recording(name),
        status=status,
        content_type="application/vnd.citationstyles.csl+json",
        match=[responses.matchers.header_matcher({"Accept": "application/vnd.citationstyles.csl+json"})],
    )
