"""Lean list answers: a compact list of weeks, `?expand=`, each text once, addresses, queries and size."""

import collections
import datetime

import pytest
from django.db.models.signals import post_init
from django.urls import reverse
from rest_framework.fields import DateTimeField

from papers.models import Paper
from tests.conftest import count_queries
from tests.factories import (
    CategoryFactory,
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
)
from tests.seminar import Seminar
from tests.syllabus.test_api import API_BUDGET, ENDPOINTS

pytestmark = pytest.mark.django_db

ABSTRACT = ("We bound the *generalisation gap* of $f_\\theta$ with [a lemma](https://example.org). " * 20)[
    :1000
]


def week_list(client, **params) -> list[dict]:
    response = client.get(reverse("api:week-list"), params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_week_in_the_list_shows_its_own_fields_and_a_summary_of_each_row(anonymous_api):
    term = TermFactory(slug="fall", place="Room 1")
    week = WeekFactory(term=term, title="Memorization", slug="memorization", date=datetime.date(2026, 9, 12))
    week.body = "Read *both*."
    week.save()
    week.categories.add(CategoryFactory(slug="theory"))
    week.tags.add(TagFactory(name="InfoMax"))
    paper = PaperFactory(title="Deep Sets", abstract=ABSTRACT)
    PaperLinkFactory(paper=paper)
    first = PresentationFactory(week=week, order=1, paper=paper, section="Required", notes="*Long* notes.")
    second = PresentationFactory(week=week, order=2, paper=None, label="Open discussion")
    ana, ben = PresenterFactory(name="Ana"), PresenterFactory(name="Ben")
    PresentationPresenterFactory(presentation=first, presenter=ben, order=0)
    PresentationPresenterFactory(presentation=first, presenter=ana, order=1)
    deck = SlideDeckFactory(
        week=week, presentation=first, title="Sets", url="https://slides.example.edu/a.pdf"
    )
    session = SlideDeckFactory(week=week, title="Intro", url="https://slides.example.edu/intro.pdf")
    SlideDeckFactory(week=week, presentation=second, is_public=False)

    [data] = week_list(anonymous_api)

    week.refresh_from_db()
    assert data == {
        "id": week.pk,
        "url": f"http://testserver/api/v1/weeks/{week.pk}/",
        "html_url": "http://testserver/terms/fall/memorization/",
        "term": term.pk,
        "position": week.position,
        "code": "",
        "title": "Memorization",
        "slug": "memorization",
        "date": "2026-09-12",
        "categories": ["theory"],
        "tags": ["InfoMax"],
        "is_published": True,
        "presentations": [
            {
                "id": first.pk,
                "order": 1,
                "section": "Required",
                "label": "",
                "paper": {"id": paper.pk, "title": "Deep Sets"},
                "presenters": [{"id": ben.pk, "name": "Ben"}, {"id": ana.pk, "name": "Ana"}],
            },
            {
                "id": second.pk,
                "order": 2,
                "section": "",
                "label": "Open discussion",
                "paper": None,
                "presenters": [],
            },
        ],
        "slide_decks": [
            {
                "id": deck.pk,
                "title": "Sets",
                "href": "https://slides.example.edu/a.pdf",
                "presentation": first.pk,
            },
            {
                "id": session.pk,
                "title": "Intro",
                "href": "https://slides.example.edu/intro.pdf",
                "presentation": None,
            },
        ],
        "created": DateTimeField().to_representation(week.created),
        "updated": DateTimeField().to_representation(week.updated),
        "start_time": None,
        "duration_minutes": None,
        "place": "",
        "online_url": "",
        "online_url_private": None,
        "starts_at": None,
        "ends_at": None,
        "effective_place": "Room 1",
        "effective_online_url": "",
        "uuid": str(week.uuid),
    }


def test_expanding_presentations_gives_each_week_as_its_detail_does(anonymous_api, editor_api):
    seminar = Seminar.create()
    SlideDeckFactory(week=seminar.week, is_public=False)  # drafts and private decks differ by client

    for client in (anonymous_api, editor_api):
        for expand in ("presentations", " presentations,", ["presentations", "presentations"]):
            weeks = week_list(client, expand=expand)
            details = [client.get(reverse("api:week-detail", args=[week["id"]])).json() for week in weeks]
            assert weeks == details
            assert any(row["paper"]["abstract_html"] for week in weeks for row in week["presentations"])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/v1/weeks/?expand=papers", "Unknown: papers. This list can expand: “presentations”."),
        (
            "/api/v1/weeks/?expand=presentations,html,x",
            "Unknown: html, x. This list can expand: “presentations”.",
        ),
        ("/api/v1/papers/?expand=html", "Unknown: html. This list has nothing to expand."),
        ("/api/v1/tags/?expand=presentations", "Unknown: presentations. This list has nothing to expand."),
    ],
)
def test_an_unknown_expand_is_a_400_that_names_it(anonymous_api, url, message):
    WeekFactory()

    response = anonymous_api.get(url)

    assert (response.status_code, response.json()) == (400, {"expand": [message]})


def test_a_page_of_100_weeks_with_long_abstracts_is_under_150_kb(anonymous_api):
    term = TermFactory()
    presenters = PresenterFactory.create_batch(20)
    for number in range(100):
        week = WeekFactory(term=term, body="This week we read about *sets* and symmetry. " * 4)
        week.tags.add(TagFactory())
        for order in range(1, 4):
            paper = PaperFactory(abstract=ABSTRACT)
            PaperLinkFactory(paper=paper)
            row = PresentationFactory(week=week, order=order, paper=paper, notes="Bring questions.")
            PresentationPresenterFactory(presentation=row, presenter=presenters[(number + order) % 20])
        SlideDeckFactory(week=week, presentation=row)
        SlideDeckFactory(week=week)

    compact = anonymous_api.get(reverse("api:week-list"), {"page_size": 100})
    full = anonymous_api.get(reverse("api:week-list"), {"page_size": 100, "expand": "presentations"})

    assert len(compact.json()["results"]) == 100
    assert len(compact.content) < 150_000, len(compact.content)
    assert len(full.content) > 1_000_000  # the abstracts are what made it large


def test_the_week_list_loads_no_long_texts(anonymous_api):
    """Instances built for the compact list: no papers' links, and no abstract, body or notes HTML."""
    week = WeekFactory()
    for order in (1, 2, 3):
        row = PresentationFactory(week=week, order=order, paper=PaperFactory(abstract=ABSTRACT))
        PaperLinkFactory(paper=row.paper)
        PresentationPresenterFactory(presentation=row)
    SlideDeckFactory(week=week, presentation=row)
    built = []
    post_init.connect(
        lambda sender, instance, **kwargs: built.append(instance), weak=False, dispatch_uid="seen"
    )
    try:
        week_list(anonymous_api)
    finally:
        post_init.disconnect(dispatch_uid="seen")

    counts = collections.Counter(type(instance).__name__ for instance in built)
    assert counts == {
        "Week": 1,
        "Term": 1,
        "Presentation": 3,
        "Paper": 3,
        "PresentationPresenter": 3,
        "Presenter": 3,
        "SlideDeck": 1,
    }
    papers = [instance for instance in built if isinstance(instance, Paper)]
    assert all({"abstract", "abstract_html"} <= paper.get_deferred_fields() for paper in papers)
    [loaded] = [instance for instance in built if type(instance).__name__ == "Week"]
    assert "body_html" in loaded.get_deferred_fields()


@pytest.mark.parametrize(
    "view", ["list", "list?expand=presentations", "detail"], ids=["list", "expanded", "detail"]
)
def test_week_answers_cost_the_same_queries_at_two_sizes(anonymous_api, view, django_assert_max_num_queries):
    seminar = Seminar.create()
    if view == "detail":
        url = reverse("api:week-detail", args=[seminar.week.pk])
    else:
        url = reverse("api:week-list") + view.removeprefix("list")

    def load():
        assert anonymous_api.get(url).status_code == 200

    load()
    small = count_queries(load)
    seminar.grow(3)
    for _ in range(3):
        Seminar.create()  # more weeks, each with rows, papers, presenters and decks
    with django_assert_max_num_queries(API_BUDGET):
        large = count_queries(load)
    assert large == small, f"{url}: {small} queries with few rows, {large} with more"


@pytest.mark.parametrize("endpoint", ["terms", "presentations", "papers", "presenters"])
def test_other_lists_show_what_detail_shows_less_the_html(anonymous_api, endpoint):
    seminar = Seminar.create()
    basename, anchor = ENDPOINTS[endpoint]
    obj = anchor(seminar)

    listed = anonymous_api.get(reverse(f"api:{basename}-list"), {"page_size": 1000}).json()["results"]
    detail = anonymous_api.get(reverse(f"api:{basename}-detail", args=[obj.pk])).json()

    [item] = [item for item in listed if item["id"] == obj.pk]
    html = [name for name in detail if name.endswith("_html")]
    assert len(html) == 1
    assert item == {name: value for name, value in detail.items() if name not in html}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_addresses_are_those_reverse_gives(anonymous_api, endpoint):
    seminar = Seminar.create()
    basename, anchor = ENDPOINTS[endpoint]
    obj = anchor(seminar)
    detail = reverse(f"api:{basename}-detail", args=[obj.pk])
    page = obj.week.get_absolute_url() if endpoint == "slides" else obj.get_absolute_url()

    data = anonymous_api.get(detail).json()
    suffixed = anonymous_api.get(detail.rstrip("/") + ".json").json()

    assert (data["url"], data["html_url"]) == (f"http://testserver{detail}", f"http://testserver{page}")
    assert suffixed["url"] == f"http://testserver{detail.rstrip('/')}.json"


def test_the_schema_gives_both_shapes_of_the_week_list(anonymous_api):
    schema = anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/v1/weeks/"]["get"]
    [expand] = [parameter for parameter in operation["parameters"] if parameter["name"] == "expand"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    item = schema["components"]["schemas"][page]["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1]
    assert expand["schema"] == {"type": "string", "enum": ["presentations"]}
    assert schema["components"]["schemas"][item] == {
        "anyOf": [{"$ref": "#/components/schemas/WeekInList"}, {"$ref": "#/components/schemas/Week"}]
    }
    compact = schema["components"]["schemas"]["WeekInList"]["properties"]
    assert "body_html" not in compact and "body" not in compact
    paper_schema = schema["components"]["schemas"]["PaperInList"]["properties"]
    assert "abstract_html" not in paper_schema and "abstract" in paper_schema
