"""The API refuses a paper already known by its arXiv id or DOI, naming it; `?matches=` finds known papers."""

import pytest
from django.urls import reverse

from papers.models import Paper
from tests.conftest import count_queries
from tests.factories import PaperFactory, PaperLinkFactory, public_paper

pytestmark = pytest.mark.django_db


def address(response, paper) -> str:
    return response.wsgi_request.build_absolute_uri(reverse("api:paper-detail", args=[paper.pk]))


def test_creating_a_paper_with_a_known_arxiv_id_answers_400_naming_it(editor_api):
    known = PaperFactory(title="Attention Is All You Need", arxiv_id="1706.03762")

    response = editor_api.post(
        reverse("api:paper-list"), {"title": "Transformers", "arxiv_id": "arXiv:1706.03762v5"}, format="json"
    )

    assert response.status_code == 400
    url = address(response, known)
    assert response.json() == {
        "arxiv_id": [
            f"Paper {known.pk} (“Attention Is All You Need”, {url}) already has the arXiv id 1706.03762."
        ],
        "duplicates": [url],
    }
    assert Paper.objects.count() == 1


def test_a_known_doi_in_a_link_is_refused_on_links(editor_api):
    known = PaperFactory(title="ImageNet", doi="10.1145/3065386")

    response = editor_api.post(
        reverse("api:paper-list"),
        {"title": "AlexNet", "links": [{"url": "https://doi.org/10.1145/3065386", "kind": "abstract"}]},
        format="json",
    )

    url = address(response, known)
    assert (response.status_code, response.json()) == (
        400,
        {
            "links": [f"Paper {known.pk} (“ImageNet”, {url}) already has the DOI 10.1145/3065386."],
            "duplicates": [url],
        },
    )


def test_a_known_identifier_found_in_the_known_papers_links(editor_api):
    known = PaperFactory(title="ResNet")
    PaperLinkFactory(paper=known, url="https://arxiv.org/abs/1512.03385")

    response = editor_api.post(
        reverse("api:paper-list"), {"title": "Deep Residual", "arxiv_id": "1512.03385"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["duplicates"] == [address(response, known)]


def test_a_known_title_alone_is_created(editor_api):
    PaperFactory(title="Attention Is All You Need")

    response = editor_api.post(
        reverse("api:paper-list"), {"title": "attention is all you need"}, format="json"
    )

    assert response.status_code == 201
    assert Paper.objects.count() == 2


def test_updating_a_paper_with_its_own_identifier_is_no_duplicate(editor_api):
    paper = PaperFactory(arxiv_id="1706.03762")
    PaperLinkFactory(paper=paper, url="https://arxiv.org/abs/1706.03762")

    response = editor_api.patch(
        reverse("api:paper-detail", args=[paper.pk]),
        {"arxiv_id": "1706.03762v2", "links": [{"url": "https://arxiv.org/pdf/1706.03762"}]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["arxiv_id"] == "1706.03762v2"


def test_matches_finds_known_papers_by_title_id_or_address(anonymous_api):
    attention = public_paper(title="Attention Is All You Need", arxiv_id="1706.03762")
    resnet = public_paper(title="Deep Residual Learning", doi="10.1109/CVPR.2016.90")
    public_paper(title="Attention, Again")
    PaperFactory(title="attention is all you need")  # not read in a published week: not public

    def matches(value):
        response = anonymous_api.get(reverse("api:paper-list"), {"matches": value})
        assert response.status_code == 200
        return [paper["id"] for paper in response.json()["results"]]

    assert matches("attention is all you need!") == [attention.pk]
    assert matches("https://arxiv.org/pdf/1706.03762v7") == [attention.pk]
    assert matches("https://doi.org/10.1109/cvpr.2016.90") == [resnet.pk]
    assert matches("nothing like it") == []
    assert len(matches("")) == 3


def test_matches_queries_do_not_grow(anonymous_api, django_assert_max_num_queries):
    def grow(count):
        for _ in range(count):
            paper = public_paper(title="Same Title")
            PaperLinkFactory(paper=paper)

    def load():
        response = anonymous_api.get(reverse("api:paper-list"), {"matches": "same title"})
        assert response.status_code == 200

    grow(1)
    load()
    small = count_queries(load)
    grow(3)
    with django_assert_max_num_queries(small):
        load()


def test_the_schema_documents_the_duplicate_answer_and_matches(anonymous_api):
    schema = anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    create = schema["paths"]["/api/v1/papers/"]["post"]
    assert "`duplicates`" in create["description"]
    assert "already known" in create["responses"]["400"]["description"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/papers/"]["get"]["parameters"]}
    assert "matches" in parameters
