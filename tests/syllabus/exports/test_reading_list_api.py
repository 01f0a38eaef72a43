"""The API's reading lists of a tag, a category, a presenter and a search: what they hold, read back
with the libraries that read them, drafts never, clear 4xx answers, and their place in the schema.

Their query counts at two sizes are in test_reading_list_pages.py, beside the pages'.
"""

import json

import pytest
from django.urls import reverse

from presenters.models import Presenter
from syllabus.models import Category, Tag
from tests.factories import (
    CategoryFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TagFactory,
    WeekFactory,
)
from tests.syllabus.exports.readers import read_bibtex, read_csv, read_ris
from tests.syllabus.exports.test_reading_list_pages import BOTH, _seminar_with_drafts

API_TYPES = {
    "bibtex": "application/x-bibtex",
    "ris": "application/x-research-info-systems",
    "csv": "text/csv",
}

pytestmark = pytest.mark.django_db

ATTENTION = {"Attention Is All You Need"}
# Each new list, from the objects of _seminar_with_drafts, and the titles it holds.
API_LISTS = {
    "tag": (lambda: reverse("api:tag-reading-list", args=[Tag.objects.get(slug="attention").pk]), BOTH),
    "category": (
        lambda: reverse("api:category-reading-list", args=[Category.objects.get(slug="nlp").pk]),
        BOTH,
    ),
    "presenter": (
        lambda: reverse("api:presenter-reading-list", args=[Presenter.objects.get(slug="zoe").pk]),
        ATTENTION,
    ),
    "search": (lambda: reverse("api:paper-reading-list") + "?q=attention", ATTENTION),
    "search for drafts": (lambda: reverse("api:paper-reading-list") + "?q=secret", set()),
}


def _with(url: str, **params: str) -> str:
    return url + ("&" if "?" in url else "?") + "&".join(f"{name}={value}" for name, value in params.items())


@pytest.mark.parametrize("name", API_LISTS)
def test_api_reading_lists_hold_the_published_papers_only(anonymous_api, editor_api, name):
    _seminar_with_drafts()
    path, titles = API_LISTS[name]
    url = path()

    for api in (anonymous_api, editor_api):  # an export is a public document, also for editors
        data = api.get(url).json()
        bib = api.get(_with(url, format="bibtex"))
        ris = api.get(_with(url, format="ris"))
        csv = api.get(url, HTTP_ACCEPT="text/csv")

        assert data["count"] == len(titles)
        assert {reading["title"] for reading in data["readings"]} == titles
        assert {entry["title"] for entry in read_bibtex(bib.content.decode()).values()} == titles
        assert {record["title"] for record in read_ris(ris.content.decode())} == titles
        assert {row["title"] for row in read_csv(csv.content.decode())} == titles
        for response in (bib, ris, csv):
            assert b"Secret" not in response.content
            assert response["Content-Disposition"].startswith('attachment; filename="')


def test_api_presenter_reading_list_files_hold_every_field(anonymous_api):
    _seminar_with_drafts()
    url = reverse("api:presenter-reading-list", args=[Presenter.objects.get(slug="zoe").pk])

    bib = anonymous_api.get(_with(url, format="bibtex"))
    ris = anonymous_api.get(_with(url, format="ris"))
    csv = anonymous_api.get(_with(url, format="csv"))

    assert bib["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert bib["Content-Disposition"] == 'attachment; filename="presenter-zoe-reading-list.bib"'
    assert read_bibtex(bib.content.decode()) == {
        "vaswani2017attention": {
            "ENTRYTYPE": "inproceedings",
            "title": "Attention Is All You Need",
            "author": "Ashish Vaswani and Noam Shazeer",
            "booktitle": "NeurIPS",
            "year": "2017",
            "eprint": "1706.03762",
            "archivePrefix": "arXiv",
            "url": "https://arxiv.org/abs/1706.03762",
        }
    }
    assert ris["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    [record] = read_ris(ris.content.decode())
    assert record == {
        "type_of_reference": "CPAPER",
        "id": "vaswani2017attention",
        "title": "Attention Is All You Need",
        "authors": ["Ashish Vaswani", "Noam Shazeer"],
        "year": "2017",
        "secondary_title": "NeurIPS",
        "urls": ["https://arxiv.org/abs/1706.03762"],
    }
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert [
        (row["title"], row["arxiv"], row["week"], row["date"], row["presenters"])
        for row in read_csv(csv.content.decode())
    ] == [("Attention Is All You Need", "1706.03762", "Transformers", "2026-09-03", "Zoë Ångström")]


def test_api_search_reading_list_is_the_search_pages_file(anonymous_api, client):
    _seminar_with_drafts()

    for fmt, api_format in (("bib", "bibtex"), ("ris", "ris"), ("csv", "csv")):
        page = client.get(f"/search/reading-list.{fmt}?q=attention")
        api = anonymous_api.get(f"/api/v1/papers/reading-list/?q=attention&format={api_format}")

        assert api.content == page.content
        assert api["Content-Disposition"] == f'attachment; filename="search-reading-list.{fmt}"'


def test_api_reading_lists_of_drafts_only_or_unknown_objects_are_not_found(anonymous_api, editor_api):
    _seminar_with_drafts()
    draft_week = WeekFactory(is_published=False)
    draft_tag, draft_category = TagFactory(slug="draft-only"), CategoryFactory(slug="drafts")
    draft_week.tags.add(draft_tag)
    draft_week.categories.add(draft_category)
    only_draft = PresenterFactory(slug="only-draft")
    PresentationPresenterFactory(presentation=PresentationFactory(week=draft_week), presenter=only_draft)

    for api in (anonymous_api, editor_api):  # editors see these in the API's lists, but not as exports
        for path in (
            f"/api/v1/tags/{draft_tag.pk}/reading-list/",
            f"/api/v1/categories/{draft_category.pk}/reading-list/?format=bibtex",
            f"/api/v1/presenters/{only_draft.pk}/reading-list/?format=csv",
            "/api/v1/tags/999999/reading-list/",
            "/api/v1/categories/junk/reading-list/",
            "/api/v1/presenters/99999999999999999999999/reading-list/",
        ):
            response = api.get(path)

            assert response.status_code == 404, path
            # Asked for a file, answered an error: JSON, and labelled as JSON (as the schema says).
            assert response["Content-Type"] == "application/json", path
            assert "detail" in response.json()


@pytest.mark.parametrize("api_format", ["bibtex", "ris", "csv"])
def test_api_reading_list_error_in_a_file_format_is_json(client, api_format):
    category = CategoryFactory()  # nothing published has it: not found

    for path in (f"/api/v1/categories/{category.pk}/reading-list/", "/api/v1/tags/null,null/reading-list/"):
        response = client.get(f"{path}?format={api_format}", HTTP_ACCEPT="*/*")

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()


@pytest.mark.parametrize("api_format", ["bibtex", "ris", "csv"])
def test_api_empty_reading_list_is_still_a_file_of_its_type(anonymous_api, api_format):
    _seminar_with_drafts()

    response = anonymous_api.get(f"/api/v1/papers/reading-list/?q=zzzqqq&format={api_format}")

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == API_TYPES[api_format]


def test_api_reading_list_in_an_unknown_format_is_a_clear_4xx(anonymous_api):
    _seminar_with_drafts()
    tag = Tag.objects.get(slug="attention")

    by_parameter = anonymous_api.get(f"/api/v1/tags/{tag.pk}/reading-list/?format=pdf")
    by_header = anonymous_api.get(f"/api/v1/tags/{tag.pk}/reading-list/", HTTP_ACCEPT="application/pdf")
    search = anonymous_api.get("/api/v1/papers/reading-list/?q=attention&format=docx")

    assert by_parameter.status_code == 404
    assert search.status_code == 404
    assert by_header.status_code == 406
    assert by_header.json() == {"detail": "Could not satisfy the request Accept header."}


@pytest.mark.parametrize("query", ["", "?q=", "?q=%20%20", "?q=%00%01&format=bibtex"])
def test_api_search_reading_list_without_words_is_a_400(anonymous_api, query):
    response = anonymous_api.get(f"/api/v1/papers/reading-list/{query}")

    assert response.status_code == 400
    assert json.loads(response.content) == {"q": ["Give the words to search for, e.g. `?q=attention`."]}


def test_api_reading_lists_answer_head_like_get_without_a_body(anonymous_api):
    _seminar_with_drafts()
    presenter = Presenter.objects.get(slug="zoe")

    for url, content_type in (
        (
            f"/api/v1/presenters/{presenter.pk}/reading-list/?format=ris",
            "application/x-research-info-systems",
        ),
        ("/api/v1/papers/reading-list/?q=attention&format=bibtex", "application/x-bibtex"),
        ("/api/v1/papers/reading-list/?q=attention", "application/json"),
    ):
        response = anonymous_api.head(url)

        assert response.status_code == 200, url
        assert response["Content-Type"].split(";")[0] == content_type
        assert response.content == b""


def test_schema_lists_the_reading_list_operations_with_summaries(anonymous_api):
    schema = anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operations = {
        path: schema["paths"][path]["get"]
        for path in (
            "/api/v1/tags/{id}/reading-list/",
            "/api/v1/categories/{id}/reading-list/",
            "/api/v1/presenters/{id}/reading-list/",
            "/api/v1/papers/reading-list/",
        )
    }
    assert {path: operation["summary"] for path, operation in operations.items()} == {
        "/api/v1/tags/{id}/reading-list/": "The tag's reading list (JSON, BibTeX, RIS or CSV)",
        "/api/v1/categories/{id}/reading-list/": "The category's reading list (JSON, BibTeX, RIS or CSV)",
        "/api/v1/presenters/{id}/reading-list/": "The presenter's reading list (JSON, BibTeX, RIS or CSV)",
        "/api/v1/papers/reading-list/": "A search's reading list (JSON, BibTeX, RIS or CSV)",
    }
    for operation in operations.values():
        assert set(operation["responses"]["200"]["content"]) == {
            "application/json",
            "application/x-bibtex",
            "application/x-research-info-systems",
            "text/csv",
        }
    search = {
        parameter["name"]: parameter for parameter in operations["/api/v1/papers/reading-list/"]["parameters"]
    }
    assert search["q"]["required"] is True
    assert search["format"]["schema"]["enum"] == ["bibtex", "csv", "json", "ris"]
