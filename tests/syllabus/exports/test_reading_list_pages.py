"""Reading lists of public pages and of the API: what they hold, drafts never, flat query counts."""

import datetime

import pytest
from django.urls import reverse

from tests.conftest import count_queries
from tests.factories import (
    CategoryFactory,
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
)
from tests.seminar import Seminar
from tests.syllabus.exports.readers import read_bibtex, read_csv, read_ris

pytestmark = pytest.mark.django_db

# The list's object (and for tags and categories whether anything public has them), the rows with
# paper and week, the papers' links, the rows' presenters.
READING_LIST_BUDGET = 7
# The API adds its throttle's reads and writes of the shared cache (a database table by default).
API_BUDGET = READING_LIST_BUDGET + 3

READING_LISTS = {
    "week": lambda s, fmt: reverse("syllabus:week_reading_list", args=[s.term.slug, s.week.slug, fmt]),
    "term": lambda s, fmt: reverse("syllabus:term_reading_list", args=[s.term.slug, fmt]),
    "tag": lambda s, fmt: reverse("syllabus:tag_reading_list", args=[s.tag.slug, fmt]),
    "category": lambda s, fmt: reverse("syllabus:category_reading_list", args=[s.category.slug, fmt]),
    "presenter": lambda s, fmt: reverse("presenters:reading_list", args=[s.presenter.slug, fmt]),
    "search": lambda s, fmt: reverse("syllabus:search_reading_list", args=[fmt]) + "?q=study",
    "api term": lambda s, fmt: reverse("api:term-reading-list", args=[s.term.pk]) + f"?format={API[fmt]}",
    "api week": lambda s, fmt: reverse("api:week-reading-list", args=[s.week.pk]) + f"?format={API[fmt]}",
    "api tag": lambda s, fmt: reverse("api:tag-reading-list", args=[s.tag.pk]) + f"?format={API[fmt]}",
    "api category": lambda s, fmt: (
        reverse("api:category-reading-list", args=[s.category.pk]) + f"?format={API[fmt]}"
    ),
    "api presenter": lambda s, fmt: (
        reverse("api:presenter-reading-list", args=[s.presenter.pk]) + f"?format={API[fmt]}"
    ),
    "api search": lambda s, fmt: reverse("api:paper-reading-list") + f"?q=study&format={API[fmt]}",
}
API = {"bib": "bibtex", "ris": "ris", "csv": "csv", "json": "json"}
CONTENT_TYPES = {
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


@pytest.mark.parametrize("fmt", ["bib", "ris", "csv"])
@pytest.mark.parametrize("name", READING_LISTS)
def test_reading_list_queries_do_not_grow_with_rows(client, name, fmt, django_assert_max_num_queries):
    seminar = Seminar.create()
    seminar.category.weeks.add(seminar.week)
    url = READING_LISTS[name](seminar, fmt)

    def load():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == CONTENT_TYPES[fmt]

    load()
    small = count_queries(load)
    seminar.grow(2)
    with django_assert_max_num_queries(API_BUDGET if name.startswith("api") else READING_LIST_BUDGET):
        large = count_queries(load)

    assert large == small, f"{url}: {small} queries with few rows, {large} with more"


def _seminar_with_drafts():
    """A published week with two papers, and papers only drafts read (draft week, draft term)."""
    term = TermFactory(name="Fall 2026", slug="fall-2026")
    week = WeekFactory(term=term, title="Transformers", slug="transformers", date=datetime.date(2026, 9, 3))
    tag, category = TagFactory(slug="attention"), CategoryFactory(slug="nlp")
    week.tags.add(tag)
    week.categories.add(category)
    attention = PaperFactory(
        title="Attention Is All You Need",
        authors="Ashish Vaswani, Noam Shazeer",
        venue="NeurIPS",
        year=2017,
        arxiv_id="1706.03762",
    )
    bert = PaperFactory(
        title="BERT: Pre-training",
        authors="Jacob Devlin",
        venue="NAACL",
        year=2019,
        doi="10.18653/v1/N19-1423",
    )
    presenter = PresenterFactory(name="Zoë Ångström", slug="zoe")
    first = PresentationFactory(week=week, paper=attention, order=1)
    PresentationPresenterFactory(presentation=first, presenter=presenter)
    PresentationFactory(week=week, paper=bert, order=2)
    PresentationFactory(week=week, paper=None, label="A talk", order=3)

    secret = PaperFactory(title="Secret draft study", authors="Ann Draft", year=2020)
    secret.tags.add(tag)
    draft_week = WeekFactory(term=term, title="Draft", slug="draft", is_published=False)
    draft_week.tags.add(tag)
    draft_week.categories.add(category)
    row = PresentationFactory(week=draft_week, paper=secret)
    PresentationPresenterFactory(presentation=row, presenter=presenter)
    draft_term = TermFactory(slug="spring-2027", is_published=False)
    hidden = PresentationFactory(
        week=WeekFactory(term=draft_term, slug="hidden"), paper=PaperFactory(title="Secret draft term study")
    )
    PresentationPresenterFactory(presentation=hidden, presenter=presenter)
    return term, week


BOTH = {"Attention Is All You Need", "BERT: Pre-training"}
EVERY_LIST = {
    "/terms/fall-2026/transformers/reading-list.{fmt}": BOTH,
    "/terms/fall-2026/reading-list.{fmt}": BOTH,
    "/tags/attention/reading-list.{fmt}": BOTH,
    "/categories/nlp/reading-list.{fmt}": BOTH,
    "/presenters/zoe/reading-list.{fmt}": {"Attention Is All You Need"},
    "/search/reading-list.{fmt}?q=attention": {"Attention Is All You Need"},
    "/search/reading-list.{fmt}?q=secret": set(),
    "/search/reading-list.{fmt}?q=study": set(),
    "/search/reading-list.{fmt}": set(),
}


@pytest.mark.parametrize("path", EVERY_LIST)
def test_reading_lists_hold_the_published_papers_only(client, path):
    _seminar_with_drafts()

    bib = client.get(path.format(fmt="bib"))
    ris = client.get(path.format(fmt="ris"))
    csv = client.get(path.format(fmt="csv"))

    assert {entry["title"] for entry in read_bibtex(bib.content.decode()).values()} == EVERY_LIST[path]
    assert {record["title"] for record in read_ris(ris.content.decode())} == EVERY_LIST[path]
    assert {row["title"] for row in read_csv(csv.content.decode())} == EVERY_LIST[path]
    for response in (bib, ris, csv):
        assert b"Secret" not in response.content
        assert response["Content-Disposition"].startswith('attachment; filename="')


def test_week_reading_list_files_hold_every_field(client):
    _seminar_with_drafts()

    bib = client.get("/terms/fall-2026/transformers/reading-list.bib")
    csv = client.get("/terms/fall-2026/transformers/reading-list.csv")

    assert bib["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert bib["Content-Disposition"] == 'attachment; filename="fall-2026-transformers-reading-list.bib"'
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
        },
        "devlin2019bert": {
            "ENTRYTYPE": "inproceedings",
            "title": "BERT: Pre-training",
            "author": "Jacob Devlin",
            "booktitle": "NAACL",
            "year": "2019",
            "doi": "10.18653/v1/N19-1423",
            "url": "https://doi.org/10.18653/v1/N19-1423",
        },
    }
    assert [
        (row["title"], row["week"], row["date"], row["presenters"]) for row in read_csv(csv.content.decode())
    ] == [
        ("Attention Is All You Need", "Transformers", "2026-09-03", "Zoë Ångström"),
        ("BERT: Pre-training", "Transformers", "2026-09-03", ""),
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/terms/fall-2026/draft/reading-list.bib",  # a draft week
        "/terms/spring-2027/reading-list.bib",  # a draft term
        "/terms/spring-2027/hidden/reading-list.csv",  # a week of a draft term
        "/terms/fall-2026/transformers/reading-list.pdf",  # no such format
        "/terms/fall-2026/reading-list.json",
        "/tags/nothing/reading-list.bib",
        "/categories/nothing/reading-list.bib",
        "/presenters/nobody/reading-list.bib",
        "/search/reading-list.txt?q=x",
    ],
)
def test_drafts_and_unknown_formats_are_not_found(client, path, staff_client):
    _seminar_with_drafts()

    assert client.get(path).status_code == 404
    assert staff_client.get(path).status_code == 404  # an export is a public document, also for staff


def test_a_tag_or_presenter_only_drafts_have_is_not_found(client):
    _seminar_with_drafts()
    TagFactory(slug="draft-only").weeks.add(WeekFactory(is_published=False))
    only_draft = PresenterFactory(slug="only-draft")
    PresentationPresenterFactory(
        presentation=PresentationFactory(week=WeekFactory(is_published=False)), presenter=only_draft
    )

    assert client.get("/tags/draft-only/reading-list.bib").status_code == 404
    assert client.get("/presenters/only-draft/reading-list.bib").status_code == 404


def test_head_answers_like_get_without_a_body(client):
    _seminar_with_drafts()

    response = client.head("/terms/fall-2026/reading-list.ris")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert response.content == b""
    assert client.post("/terms/fall-2026/reading-list.ris").status_code == 405


def test_pages_link_their_reading_lists(client):
    _seminar_with_drafts()
    pages = {
        "/terms/fall-2026/transformers/": "/terms/fall-2026/transformers/reading-list",
        "/terms/fall-2026/": "/terms/fall-2026/reading-list",
        "/tags/attention/": "/tags/attention/reading-list",
        "/categories/nlp/": "/categories/nlp/reading-list",
        "/presenters/zoe/": "/presenters/zoe/reading-list",
        "/search/?q=attention": "/search/reading-list",
    }
    for page, base in pages.items():
        html = client.get(page).content.decode()
        query = "?q=attention" if page.startswith("/search/") else ""
        assert (
            f'<link rel="alternate" type="application/x-bibtex" title="Reading list (BibTeX)" '
            f'href="{base}.bib{query}">'
        ) in html, page
        assert (
            f'Reading list: <a href="{base}.bib{query}" download>BibTeX</a> · '
            f'<a href="{base}.ris{query}" download>RIS</a> · <a href="{base}.csv{query}" download>CSV</a>'
        ) in html, page


def test_api_reading_list_is_json_by_default_and_files_on_request(anonymous_api):
    term, week = _seminar_with_drafts()

    data = anonymous_api.get(f"/api/v1/weeks/{week.pk}/reading-list/").json()
    bib = anonymous_api.get(f"/api/v1/terms/{term.pk}/reading-list/?format=bibtex")
    csv = anonymous_api.get(f"/api/v1/terms/{term.pk}/reading-list/", HTTP_ACCEPT="text/csv")

    assert data["count"] == 2
    assert data["readings"][0] == {
        "key": "vaswani2017attention",
        "paper": data["readings"][0]["paper"],
        "title": "Attention Is All You Need",
        "authors": ["Ashish Vaswani", "Noam Shazeer"],
        "venue": "NeurIPS",
        "year": 2017,
        "doi": "",
        "arxiv_id": "1706.03762",
        "url": "https://arxiv.org/abs/1706.03762",
        "week": "Transformers",
        "date": "2026-09-03",
        "presenters": ["Zoë Ångström"],
    }
    assert bib["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert bib["Content-Disposition"] == 'attachment; filename="fall-2026-reading-list.bib"'
    assert set(read_bibtex(bib.content.decode())) == {"vaswani2017attention", "devlin2019bert"}
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert [row["title"] for row in read_csv(csv.content.decode())] == [
        "Attention Is All You Need",
        "BERT: Pre-training",
    ]


def test_api_reading_list_of_a_draft_is_not_found_also_for_editors(anonymous_api, editor_api):
    term, week = _seminar_with_drafts()
    draft = week.term.weeks.get(slug="draft")

    for api in (anonymous_api, editor_api):
        assert api.get(f"/api/v1/weeks/{draft.pk}/reading-list/").status_code == 404
        assert api.get("/api/v1/weeks/junk/reading-list/").status_code == 404
        assert api.get(f"/api/v1/terms/{term.pk}/reading-list/?format=pdf").status_code == 404
