import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from papers.models import Paper, PaperLookup
from tests.conftest import token_client
from tests.factories import PaperFactory
from tests.papers.conftest import answer_arxiv, answer_doi

pytestmark = pytest.mark.django_db

LOOKUP = "/api/v1/papers/lookup/"
ATTENTION = {
    "identifier": "arxiv:1706.03762",
    "source": "arxiv",
    "paper": {
        "title": "Attention Is All You Need",
        "authors": "Ashish Vaswani, Noam Shazeer, Niki Parmar",
        "year": 2017,
        "venue": "NeurIPS 2017",
        "abstract": (
            "A recorded abstract for the tests: sequence models are usually built from recurrent or "
            "convolutional layers, and this paper replaces them with attention alone.\n\n"
            "A second paragraph, so that paragraph breaks are seen to survive the line joining."
        ),
        "arxiv_id": "1706.03762",
        "doi": "10.48550/arXiv.1706.03762",
        "links": [
            {"kind": "abstract", "label": "arXiv", "url": "https://arxiv.org/abs/1706.03762"},
            {"kind": "pdf", "label": "", "url": "https://arxiv.org/pdf/1706.03762"},
        ],
    },
}


def without_time(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "fetched_at"}


def user_with(django_user_model, *codenames: str, is_staff: bool = False, username: str = "someone"):
    user = django_user_model.objects.create_user(username=username, password="x", is_staff=is_staff)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="papers", codename__in=codenames)
    )
    return user


def test_lookup_gives_the_papers_fields_for_review_and_saves_no_paper(network, editor_api):
    answer_arxiv(network, "arxiv_1706.03762v5.xml", query_id="1706.03762")

    response = editor_api.post(LOOKUP, {"identifier": "https://arxiv.org/pdf/1706.03762.pdf"})

    assert response.status_code == 200
    assert without_time(response.json()) == ATTENTION
    assert response.json()["fetched_at"] == PaperLookup.objects.get().fetched_at.isoformat().replace(
        "+00:00", "Z"
    )
    assert Paper.objects.count() == 0


def test_lookup_answer_can_be_posted_as_a_new_paper(network, editor_api):
    answer_doi(network, "10.1145/3065386", "doi_10.1145_3065386.json")
    found = editor_api.post(LOOKUP, {"identifier": "doi:10.1145/3065386"}).json()["paper"]

    created = editor_api.post("/api/v1/papers/", found)

    assert created.status_code == 201, created.json()
    paper = Paper.objects.get()
    assert (paper.title, paper.doi, [link.url for link in paper.links.all()]) == (
        "ImageNet classification with deep convolutional neural networks",
        "10.1145/3065386",
        ["https://doi.org/10.1145/3065386", "https://dl.acm.org/doi/pdf/10.1145/3065386"],
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"identifier": "attention is all you need"},
            {
                "identifier": [
                    "'attention is all you need' is not an arXiv id or a DOI (e.g. 1706.03762, "
                    "arXiv:hep-th/9901001, an arxiv.org link, 10.1145/3065386 or a doi.org link)."
                ]
            },
        ),
        ({}, {"identifier": ["This field is required."]}),
        ({"identifier": ["1706.03762"]}, {"identifier": ["Not a valid string."]}),
    ],
)
def test_lookup_of_no_identifier_is_a_400_that_says_why(network, editor_api, body, expected):
    response = editor_api.post(LOOKUP, body)

    assert (response.status_code, response.json()) == (400, expected)
    assert len(network.calls) == 0


@pytest.mark.parametrize(
    ("register", "status", "detail"),
    [
        (
            lambda network: answer_arxiv(network, "arxiv_empty.xml"),
            404,
            "arXiv knows no paper 2901.99999.",
        ),
        (
            lambda network: answer_arxiv(network, "arxiv_empty.xml", status=500),
            502,
            "arXiv is having trouble (HTTP 500); try again later or fill in the paper by hand.",
        ),
        (
            lambda network: answer_arxiv(network, "arxiv_truncated.xml"),
            502,
            "arXiv sent an answer that is not a readable Atom feed; try again later.",
        ),
        (
            lambda network: None,
            502,
            "arXiv could not be reached (is the server offline?); try again later or fill in the paper by hand.",
        ),
    ],
)
def test_lookup_failures_are_clear_answers_never_500(network, editor_api, register, status, detail):
    register(network)

    response = editor_api.post(LOOKUP, {"identifier": "2901.99999"})

    assert (response.status_code, response.json()) == (status, {"detail": detail})


def test_lookup_timeout_is_a_504(network, editor_api, settings):
    import requests

    settings.LOOKUP_TIMEOUT = 3
    network.get("https://doi.org/10.1145/3065386", body=requests.exceptions.ConnectTimeout())

    response = editor_api.post(LOOKUP, {"identifier": "10.1145/3065386"})

    assert (response.status_code, response.json()) == (
        504,
        {"detail": "doi.org did not answer within 3 seconds; try again later or fill in the paper by hand."},
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("signed in, no permission", 403),
        ("staff without the permission", 403),
        ("may change papers only", 403),
        ("staff who may add papers", 200),
        ("script that may add papers", 200),
    ],
)
def test_lookup_is_for_those_who_may_add_papers(network, django_user_model, who, status):
    answer_arxiv(network, "arxiv_1706.03762v5.xml")
    clients = {
        "anonymous": lambda: APIClient(),
        "signed in, no permission": lambda: user_with(django_user_model),
        "staff without the permission": lambda: user_with(django_user_model, "change_paper", is_staff=True),
        "may change papers only": lambda: user_with(django_user_model, "change_paper", "view_paper"),
        "staff who may add papers": lambda: user_with(django_user_model, "add_paper", is_staff=True),
        "script that may add papers": lambda: token_client(user_with(django_user_model, "add_paper")),
    }
    made = clients[who]()
    if isinstance(made, django_user_model):
        client = APIClient()
        client.force_login(made)
    else:
        client = made

    response = client.post(LOOKUP, {"identifier": "1706.03762"})

    assert response.status_code == status
    if status == 200:
        assert response.json()["paper"]["title"] == "Attention Is All You Need"
    else:
        assert len(network.calls) == 0


def test_lookup_is_rate_limited_per_user(network, editor_api, settings):
    settings.LOOKUP_API_RATE = "2/minute"
    answer_arxiv(network, "arxiv_1706.03762v5.xml")

    statuses = [editor_api.post(LOOKUP, {"identifier": "1706.03762"}).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("stored", [1, 6])
def test_lookup_of_a_stored_answer_does_not_call_out_and_costs_the_same_queries(
    network, editor_api, django_assert_max_num_queries, stored
):
    answer_arxiv(network, "arxiv_1706.03762v5.xml")
    editor_api.post(LOOKUP, {"identifier": "1706.03762"})
    for number in range(stored - 1):
        PaperLookup.objects.create(
            identifier=f"doi:10.1000/{number}",
            source="doi",
            result={"source": "doi", "title": "x"},
            fetched_at="2026-01-01T00:00Z",
        )
        PaperFactory()
    network.reset()

    # token and user, user and group permissions (3); the throttle count in the database cache: read,
    # count, savepoint, read, write, release (6; one round trip with Redis); the stored answer (1)
    with django_assert_max_num_queries(10):
        response = editor_api.post(LOOKUP, {"identifier": "arXiv:1706.03762"})

    assert without_time(response.json()) == ATTENTION


def test_lookup_is_in_the_openapi_schema_with_its_errors(client):
    schema = client.get("/api/v1/schema/?format=json").json()

    operation = schema["paths"]["/api/v1/papers/lookup/"]["post"]
    assert {"200", "400", "401", "403", "404", "429", "502", "504"} <= set(operation["responses"])
    assert operation["responses"]["504"]["description"] == "The source did not answer within LOOKUP_TIMEOUT."
