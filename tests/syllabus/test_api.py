"""The REST API: shapes, filters, pagination, conditional GET, throttling, validation and query counts."""

import datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from papers.models import Paper
from syllabus.models import Tag
from tests.conftest import count_queries
from tests.factories import (
    CategoryFactory,
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
    public_paper,
)
from tests.seminar import Seminar

pytestmark = pytest.mark.django_db

# Every endpoint: (basename, the anchor row of the seminar whose detail is fetched).
ENDPOINTS = {
    "terms": ("term", lambda s: s.term),
    "weeks": ("week", lambda s: s.week),
    "presentations": ("presentation", lambda s: s.presentation),
    "papers": ("paper", lambda s: s.paper),
    "presenters": ("presenter", lambda s: s.presenter),
    "slides": ("slidedeck", lambda s: s.deck),
    "categories": ("category", lambda s: s.category),
    "tags": ("tag", lambda s: s.tag),
}
# Each anonymous request reads and stores its throttle count in the shared cache. With the database
# cache (the default without REDIS_URL) that is 6 queries: SELECT the count, then COUNT(*) (culling),
# SAVEPOINT, SELECT, UPDATE or INSERT, RELEASE. With Redis it costs no database query.
THROTTLE_QUERIES = 6 if settings.CACHES["default"]["BACKEND"].endswith(".DatabaseCache") else 0
# Lists: count, page, prefetches (a week embeds rows, papers, links, presenters, slides: ~9).
API_BUDGET = 12 + THROTTLE_QUERIES


def results(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("view", ["list", "detail"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_query_counts_do_not_grow_with_rows(anonymous_api, endpoint, view, django_assert_max_num_queries):
    seminar = Seminar.create()
    basename, anchor = ENDPOINTS[endpoint]
    obj = anchor(seminar)
    url = (
        reverse(f"api:{basename}-list")
        if view == "list"
        else reverse(f"api:{basename}-detail", args=[obj.pk])
    )

    def load():
        assert anonymous_api.get(url).status_code == 200

    load()
    small = count_queries(load)
    seminar.grow(2)
    with django_assert_max_num_queries(API_BUDGET):
        large = count_queries(load)
    assert large == small, f"{url}: {small} queries with few rows, {large} with more"


def test_a_week_embeds_its_ordered_rows_with_papers_presenters_and_slides(anonymous_api):
    week = WeekFactory(title="Memorization", date=datetime.date(2026, 9, 12))
    week.tags.add(TagFactory(name="InfoMax"))
    second = PresentationFactory(week=week, order=2, paper=PaperFactory(title="Second"))
    first = PresentationFactory(week=week, order=1, paper=PaperFactory(title="First", arxiv_id="1706.05394"))
    ana, ben = PresenterFactory(name="Ana"), PresenterFactory(name="Ben")
    PresentationPresenterFactory(presentation=first, presenter=ben, order=0)
    PresentationPresenterFactory(presentation=first, presenter=ana, order=1)
    SlideDeckFactory(week=week, presentation=first, url="https://slides.example.edu/a.pdf")
    SlideDeckFactory(
        week=week, presentation=second, url="https://slides.example.edu/hidden.pdf", is_public=False
    )

    data = anonymous_api.get(reverse("api:week-detail", args=[week.pk])).json()

    assert data["html_url"] == f"http://testserver{week.get_absolute_url()}"
    assert data["tags"] == ["InfoMax"]
    rows = data["presentations"]
    assert [(row["order"], row["paper"]["title"]) for row in rows] == [(1, "First"), (2, "Second")]
    assert [p["name"] for p in rows[0]["presenters"]] == ["Ben", "Ana"]
    assert rows[0]["paper"]["arxiv_id"] == "1706.05394"
    assert [deck["href"] for deck in rows[0]["slide_decks"]] == ["https://slides.example.edu/a.pdf"]
    assert rows[1]["slide_decks"] == []


def test_anonymous_clients_never_see_drafts(anonymous_api, editor_api):
    live_term, draft_term = TermFactory(), TermFactory(is_published=False)
    live = WeekFactory(term=live_term)
    draft = WeekFactory(term=live_term, is_published=False)
    WeekFactory(term=draft_term)
    PresentationFactory(week=draft)
    SlideDeckFactory(week=live, is_public=False)

    assert [w["id"] for w in results(anonymous_api.get(reverse("api:week-list")))] == [live.pk]
    assert anonymous_api.get(reverse("api:week-detail", args=[draft.pk])).status_code == 404
    assert [t["id"] for t in results(anonymous_api.get(reverse("api:term-list")))] == [live_term.pk]
    assert results(anonymous_api.get(reverse("api:presentation-list"))) == []
    assert results(anonymous_api.get(reverse("api:slidedeck-list"))) == []
    assert results(anonymous_api.get(reverse("api:paper-list"))) == []
    assert len(results(editor_api.get(reverse("api:week-list")))) == 3


def test_weeks_filter_by_term_category_tag_and_dates(anonymous_api):
    term = TermFactory(slug="fall")
    theory = CategoryFactory(name="Theory")
    tagged = WeekFactory(term=term, title="Tagged", date=datetime.date(2026, 9, 10))
    tagged.tags.add(TagFactory(name="GAN"))
    tagged.categories.add(theory)
    WeekFactory(term=term, title="Later", date=datetime.date(2026, 10, 10))
    WeekFactory(title="Elsewhere", date=datetime.date(2026, 9, 10))

    def titles(**params) -> list[str]:
        return [w["title"] for w in results(anonymous_api.get(reverse("api:week-list"), params))]

    assert titles(term=term.pk) == ["Tagged", "Later"]
    assert titles(term_slug="fall", ordering="-date") == ["Later", "Tagged"]
    assert titles(category="theory") == ["Tagged"]
    assert titles(tag="gan") == ["Tagged"]
    assert titles(date_after="2026-10-01") == ["Later"]
    assert titles(date_before="2026-09-30", ordering="title") == ["Elsewhere", "Tagged"]


def test_papers_filter_by_tag_year_venue_ids_and_words(anonymous_api):
    gan = public_paper(title="Generative Adversarial Nets", year=2014, venue="NeurIPS", arxiv_id="1406.2661")
    gan.tags.add(TagFactory(name="gan"))
    public_paper(title="Deep Residual Learning", year=2016, venue="CVPR", doi="10.1109/CVPR.2016.90")

    def titles(**params) -> list[str]:
        return [p["title"] for p in results(anonymous_api.get(reverse("api:paper-list"), params))]

    assert titles(tag="gan") == ["Generative Adversarial Nets"]
    assert titles(year=2016) == ["Deep Residual Learning"]
    assert titles(venue="neurips") == ["Generative Adversarial Nets"]
    assert titles(arxiv_id="1406.2661") == ["Generative Adversarial Nets"]
    assert titles(doi="10.1109/cvpr.2016.90") == ["Deep Residual Learning"]
    assert titles(q="residual") == ["Deep Residual Learning"]
    assert titles(ordering="-year") == ["Deep Residual Learning", "Generative Adversarial Nets"]


def test_presenters_filter_by_term_and_slides_by_week(anonymous_api):
    term = TermFactory(slug="fall")
    row = PresentationFactory(week=WeekFactory(term=term))
    PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(name="In fall"))
    PresentationPresenterFactory(presenter=PresenterFactory(name="Elsewhere"))
    deck = SlideDeckFactory(week=row.week)
    SlideDeckFactory()

    presenters = results(anonymous_api.get(reverse("api:presenter-list"), {"term_slug": "fall"}))
    assert results(anonymous_api.get(reverse("api:presenter-list"), {"term": term.pk})) == presenters
    slides = results(anonymous_api.get(reverse("api:slidedeck-list"), {"week": row.week_id}))

    assert [p["name"] for p in presenters] == ["In fall"]
    assert [s["id"] for s in slides] == [deck.pk]


def test_pagination_and_a_page_size_up_to_a_thousand(anonymous_api):
    WeekFactory().tags.add(*TagFactory.create_batch(5))

    page = anonymous_api.get(reverse("api:tag-list"), {"page_size": 2, "page": 2}).json()
    everything = anonymous_api.get(reverse("api:tag-list"), {"page_size": 5000}).json()

    assert (page["count"], len(page["results"])) == (5, 2)
    assert page["next"].endswith("page=3&page_size=2")
    assert page["previous"].endswith("page_size=2")
    assert (len(everything["results"]), everything["next"]) == (5, None)


def test_unchanged_resources_answer_304_not_modified(anonymous_api):
    week = WeekFactory(title="Before")
    url = reverse("api:week-detail", args=[week.pk])
    etag = anonymous_api.get(url)["ETag"]

    assert anonymous_api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    week.title = "After"
    week.save()
    changed = anonymous_api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert (changed.status_code, changed.json()["title"]) == (200, "After")


def test_anonymous_clients_are_throttled_with_retry_after(anonymous_api, settings):
    settings.API_ANON_RATE = "2/minute"
    cache.clear()
    url = reverse("api:tag-list")

    statuses = [anonymous_api.get(url).status_code for _ in range(3)]
    refused = anonymous_api.get(url)
    cache.clear()

    assert statuses == [200, 200, 429]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60


def test_writes_get_the_models_messages(editor_api):
    term = TermFactory()
    PaperFactory(arxiv_id="1706.03762")
    TagFactory(name="Adversarial-Examples")

    responses = {
        "term": editor_api.post(
            reverse("api:term-list"), {"name": "Bad", "start_date": "2026-09-01", "end_date": "2026-08-01"}
        ),
        "arxiv": editor_api.post(
            reverse("api:paper-list"), {"title": "Copy", "arxiv_id": "arXiv:1706.03762"}
        ),
        "malformed": editor_api.post(reverse("api:paper-list"), {"title": "X", "arxiv_id": "nonsense"}),
        "tag": editor_api.post(reverse("api:tag-list"), {"name": "adversarial-examples"}),
        "deck": editor_api.post(reverse("api:slidedeck-list"), {"week": WeekFactory(term=term).pk}),
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 400)
    assert responses["term"].json() == {"non_field_errors": ["A term cannot end before it starts."]}
    known = Paper.objects.get(arxiv_id="1706.03762")
    known_url = f"http://testserver/api/v1/papers/{known.pk}/"
    assert responses["arxiv"].json() == {  # the known paper is named (tests/papers/test_api_duplicates.py)
        "arxiv_id": [f"Paper {known.pk} (“{known.title}”, {known_url}) already has the arXiv id 1706.03762."],
        "duplicates": [known_url],
    }
    assert responses["malformed"].json() == {
        "arxiv_id": ["Enter an arXiv id such as 1706.03762 or cs/0101001."]
    }
    assert responses["tag"].json() == {
        "non_field_errors": ["A tag with this name already exists (names ignore case)."]
    }
    assert responses["deck"].json() == {
        "non_field_errors": ["Upload a file or give a link, not both and not neither."]
    }


def test_deleting_history_is_refused_with_409(editor_api):
    row = PresentationFactory()

    response = editor_api.delete(reverse("api:paper-detail", args=[row.paper_id]))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This cannot be deleted: presentation still refer to it. Delete or move those first."
    }
    assert Paper.objects.filter(pk=row.paper_id).exists()


def test_a_new_row_goes_last_with_presenters_in_the_order_given(editor_api):
    week = WeekFactory()
    PresentationFactory(week=week, order=1)
    ana, ben = PresenterFactory(name="Ana"), PresenterFactory(name="Ben")

    response = editor_api.post(
        reverse("api:presentation-list"), {"week": week.pk, "label": "Panel", "presenters": [ben.pk, ana.pk]}
    )

    assert response.status_code == 201, response.content
    assert (response.json()["order"], response.json()["presenters"]) == (2, [ben.pk, ana.pk])
    clash = editor_api.patch(response.json()["url"], {"order": 1})
    assert clash.status_code == 400
    assert clash.json() == {"non_field_errors": ["Two rows of this week cannot have the same position."]}


def test_writing_tags_by_name_reuses_them_ignoring_case(editor_api):
    TagFactory(name="Adversarial-Examples")

    response = editor_api.post(
        reverse("api:paper-list"),
        {
            "title": "FGSM",
            "tags": ["adversarial-examples", "Robustness"],
            "links": [{"kind": "pdf", "url": "https://a.org/x.pdf"}],
        },
    )

    assert response.status_code == 201, response.content
    assert sorted(response.json()["tags"]) == ["Adversarial-Examples", "Robustness"]
    assert response.json()["links"] == [{"kind": "pdf", "label": "", "url": "https://a.org/x.pdf"}]
    assert Tag.objects.count() == 2


def test_presenter_email_is_written_but_never_shown(editor_api):
    response = editor_api.post(reverse("api:presenter-list"), {"name": "Ada", "email": "ada@example.edu"})

    assert response.status_code == 201
    assert "email" not in response.json()
    assert "ada@example.edu" not in editor_api.get(response.json()["url"]).content.decode()


def test_schema_and_docs_are_served_without_a_cdn(anonymous_api, client):
    schema = anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    docs = client.get(reverse("api:docs")).content.decode()

    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/weeks/", "/api/v1/papers/", "/api/v1/slides/{id}/"} <= set(schema["paths"])
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    assert "cdn" not in docs.lower()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/weeks/?term=-5.1e%2B105",
        "/api/v1/weeks/?term=99999999999999999999999",
        "/api/v1/slides/?week=1e300",
        "/api/v1/presentations/?paper=-1",
        "/api/v1/papers/?year=260206257",
    ],
)
def test_out_of_range_filters_are_a_400(anonymous_api, url):
    response = anonymous_api.get(url)

    assert response.status_code == 400
    assert list(response.json()) == [url.split("?")[1].split("=")[0]]


def test_unknown_api_paths_answer_json_404(anonymous_api):
    response = anonymous_api.get("/api/v1/categories/-1.19e-07/")

    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_a_row_without_a_paper_embeds_null(anonymous_api):
    row = PresentationFactory(paper=None, label="Open discussion")

    data = anonymous_api.get(reverse("api:week-detail", args=[row.week_id])).json()

    assert [(r["label"], r["paper"]) for r in data["presentations"]] == [("Open discussion", None)]


def test_patching_links_without_an_address_is_a_400(editor_api):
    paper = PaperFactory()

    response = editor_api.patch(reverse("api:paper-detail", args=[paper.pk]), {"links": [{"kind": "pdf"}]})

    assert (response.status_code, response.json()) == (400, {"links": ["Each link needs a url."]})


def test_moving_a_row_to_another_week_takes_its_slides_along(editor_api):
    row = PresentationFactory()
    deck = SlideDeckFactory(week=row.week, presentation=row)
    other = WeekFactory()

    response = editor_api.patch(reverse("api:presentation-detail", args=[row.pk]), {"week": other.pk})

    assert response.status_code == 200, response.content
    deck.refresh_from_db()
    assert deck.week == other


def test_names_with_null_characters_are_a_400(editor_api):
    week = WeekFactory()

    tags = editor_api.patch(reverse("api:week-detail", args=[week.pk]), {"tags": ["a\x00b"]})
    aliases = editor_api.post(reverse("api:presenter-list"), {"name": "N", "aliases": ["a\x00b"]})

    assert (tags.status_code, tags.json()) == (400, {"tags": ["Null characters are not allowed."]})
    assert (aliases.status_code, aliases.json()) == (400, {"aliases": ["Null characters are not allowed."]})


def test_aliases_differing_only_in_case_are_one(editor_api):
    response = editor_api.post(
        reverse("api:presenter-list"), {"name": "Robert", "aliases": ["Bobby", "bobby"]}
    )

    assert (response.status_code, response.json()["aliases"]) == (201, ["Bobby"])


def test_a_multipart_upload_without_is_public_is_public(editor_api):
    from tests.factories import pdf_file

    week = WeekFactory()
    response = editor_api.post(
        reverse("api:slidedeck-list"), {"week": week.pk, "file": pdf_file("talk.pdf")}, format="multipart"
    )

    assert response.status_code == 201, response.content
    assert response.json()["is_public"] is True


def test_taxonomy_used_only_by_drafts_is_hidden_from_the_public(anonymous_api):
    secret = TagFactory(name="secret-topic")
    WeekFactory(is_published=False).tags.add(secret)

    assert results(anonymous_api.get(reverse("api:tag-list"))) == []
    assert anonymous_api.get(reverse("api:tag-detail", args=[secret.pk])).status_code == 404


def test_arxiv_and_doi_filters_accept_what_people_paste(anonymous_api):
    public_paper(title="GAN", arxiv_id="1406.2661v4", doi="10.5555/2969033.2969125")

    for params in (
        {"arxiv_id": "arXiv:1406.2661"},
        {"arxiv_id": "1406.2661v4"},
        {"doi": "https://doi.org/10.5555/2969033.2969125"},
    ):
        assert [p["title"] for p in results(anonymous_api.get(reverse("api:paper-list"), params))] == ["GAN"]


def test_signed_in_answers_are_private_to_caches(editor_api, anonymous_api):
    WeekFactory()

    signed_in = editor_api.get(reverse("api:week-list"))
    anonymous = anonymous_api.get(reverse("api:week-list"))

    assert "private" in signed_in["Cache-Control"]
    assert "Authorization" in anonymous["Vary"]


def test_writing_a_week_costs_the_same_whatever_its_table(editor_api):
    seminar = Seminar.create()
    url = reverse("api:week-detail", args=[seminar.week.pk])

    def write():
        assert editor_api.patch(url, {"title": "Renamed"}).status_code == 200

    write()
    small = count_queries(write)
    seminar.grow(3)
    large = count_queries(write)

    assert large == small


@pytest.mark.parametrize("q", ["\U00055d31", "\x07", "   "])
def test_a_query_with_nothing_searchable_filters_nothing(anonymous_api, q):
    public_paper(title="Anything")

    assert [p["title"] for p in results(anonymous_api.get(reverse("api:paper-list"), {"q": q}))] == [
        "Anything"
    ]
    assert anonymous_api.get(reverse("api:paper-list"), {"q": "a\x00b"}).status_code == 400


def test_the_schema_documents_the_error_answers(anonymous_api):
    schema = anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    answers = schema["paths"]["/api/v1/weeks/"]["get"]["responses"]
    assert {"200", "304", "400", "401", "403", "404", "409", "414", "429", "503"} <= set(answers)
    assert not {"408", "411", "413"} & set(answers)  # a GET has no body to refuse
    writes = schema["paths"]["/api/v1/weeks/{id}/"]["patch"]["responses"]
    assert {"408", "411", "412", "413", "503"} <= set(writes)
    assert schema["paths"]["/api/v1/papers/{id}/"]["delete"]["responses"]["409"]["description"].startswith(
        "Conflicts"
    )
