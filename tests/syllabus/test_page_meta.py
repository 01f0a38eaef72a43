"""What pages say of themselves to others: schema.org JSON-LD, OpenGraph and Twitter tags, canonical."""

import datetime
import html
import json
import re

import pytest
from django.urls import reverse

from syllabus import structured_data
from syllabus.models import Week
from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
    png_file,
)
from tests.seminar import Seminar

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)
META = re.compile(r'<meta (?:property|name)="((?:og|twitter):[a-z_:]+)" content="([^"]*)">')


def json_ld(response) -> list[dict]:
    return [json.loads(block) for block in JSON_LD.findall(response.content.decode())]


def meta_tags(response) -> dict[str, str]:
    return {name: html.unescape(value) for name, value in META.findall(response.content.decode())}


def berlin_week(**fields) -> Week:
    term = TermFactory(
        name="Fall 2026",
        slug="fall-2026",
        time_zone="Europe/Berlin",
        start_time=datetime.time(16),
        duration_minutes=90,
    )
    return WeekFactory(
        term=term, title="Attention", slug="attention", date=datetime.date(2026, 11, 3), **fields
    )


def test_week_page_describes_the_session_as_an_event(client):
    week = berlin_week(place="Room 2.14")
    paper = PaperFactory(
        title="Attention Is All You Need",
        authors="Ashish Vaswani, Noam Shazeer",
        venue="NeurIPS",
        year=2017,
        doi="10.5555/3295222.3295349",
        arxiv_id="1706.03762",
    )
    landing = PaperLinkFactory(paper=paper, kind="abstract", url="https://papers.example.org/attention")
    for kind in ("pdf", "code", "video", "blog"):  # about the paper, not the paper's identity
        PaperLinkFactory(paper=paper, kind=kind)
    row = PresentationFactory(week=week, paper=paper)
    presenter = PresenterFactory(name="Grace Hopper", slug="grace-hopper", affiliation="Navy")
    PresentationPresenterFactory(presentation=row, presenter=presenter)

    (event,) = json_ld(client.get(week.get_absolute_url()))

    assert event == {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": "Attention",
        "url": "http://testserver/terms/fall-2026/attention/",
        "eventStatus": "https://schema.org/EventScheduled",
        # 16:00 in Berlin in November: UTC+1 (the summer sessions say +02:00)
        "startDate": "2026-11-03T16:00:00+01:00",
        "endDate": "2026-11-03T17:30:00+01:00",
        "organizer": {"@type": "Organization", "name": "Syllabus", "url": "http://testserver/"},
        "superEvent": {
            "@type": "EventSeries",
            "name": "Fall 2026",
            "url": "http://testserver/terms/fall-2026/",
        },
        "location": {"@type": "Place", "name": "Room 2.14", "address": "Room 2.14"},
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "performer": [
            {
                "@type": "Person",
                "name": "Grace Hopper",
                "url": "http://testserver/presenters/grace-hopper/",
                "affiliation": {"@type": "Organization", "name": "Navy"},
            }
        ],
        "workFeatured": [
            {
                "@type": "ScholarlyArticle",
                "name": "Attention Is All You Need",
                "headline": "Attention Is All You Need",
                "url": f"http://testserver{paper.get_absolute_url()}",
                "author": [
                    {"@type": "Person", "name": "Ashish Vaswani"},
                    {"@type": "Person", "name": "Noam Shazeer"},
                ],
                "datePublished": "2017",
                "isPartOf": {"@type": "CreativeWork", "name": "NeurIPS"},
                "identifier": [
                    {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.5555/3295222.3295349"},
                    {"@type": "PropertyValue", "propertyID": "arXiv", "value": "1706.03762"},
                ],
                "sameAs": [
                    "https://doi.org/10.5555/3295222.3295349",
                    "https://arxiv.org/abs/1706.03762",
                    landing.url,
                ],
            }
        ],
    }


def test_session_without_a_time_has_its_date_and_a_public_online_link_only(client):
    term = TermFactory(slug="spring", online_url="https://meet.example.edu/seminar")
    week = WeekFactory(term=term, date=datetime.date(2027, 2, 2), place="Room 1")
    private = WeekFactory(term=term, online_url="https://meet.example.edu/secret", online_url_private=True)

    (event,) = json_ld(client.get(week.get_absolute_url()))
    (hidden,) = json_ld(client.get(private.get_absolute_url()))

    assert (event["startDate"], "endDate" in event) == ("2027-02-02", False)
    assert event["location"] == [
        {"@type": "Place", "name": "Room 1", "address": "Room 1"},
        {"@type": "VirtualLocation", "url": "https://meet.example.edu/seminar"},
    ]
    assert event["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert "secret" not in json.dumps(hidden)
    assert ("location" in hidden, "eventAttendanceMode" in hidden) == (False, False)


def test_a_title_cannot_break_out_of_the_script_element(client):
    week = berlin_week()
    week.title = "</script><script>alert(1)</script><!-- & more"
    week.save()

    response = client.get(week.get_absolute_url())

    page = response.content.decode()
    assert "<script>alert(1)" not in page and "<!-- &" not in page
    (event,) = json_ld(response)
    assert event["name"] == "</script><script>alert(1)</script><!-- & more"
    assert meta_tags(response)["og:title"] == "</script><script>alert(1)</script><!-- & more"


def test_paper_page_describes_the_paper_as_a_scholarly_article(client):
    paper = PaperFactory(
        title="Deep Residual Learning", authors="Kaiming He", year=2016, venue="", abstract="Deeper."
    )
    paper.tags.add(TagFactory(name="vision"))
    PresentationFactory(paper=paper)

    (article,) = json_ld(client.get(paper.get_absolute_url()))

    assert article == {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "name": "Deep Residual Learning",
        "headline": "Deep Residual Learning",
        "url": f"http://testserver{paper.get_absolute_url()}",
        "author": [{"@type": "Person", "name": "Kaiming He"}],
        "datePublished": "2016",
        "abstract": "Deeper.",
        "keywords": ["vision"],
    }


def test_paper_authors_in_structured_data_are_whole_names(client):
    paper = PaperFactory(authors="Smith, J. and Doe, A.")
    other = PaperFactory(authors="Ada Lovelace, Alan Turing, and Grace Hopper")
    for public in (paper, other):  # a paper's page is public once a session has it
        PresentationFactory(paper=public)

    authors = [json_ld(client.get(p.get_absolute_url()))[0]["author"] for p in (paper, other)]

    assert [[person["name"] for person in names] for names in authors] == [
        ["Smith, J.", "Doe, A."],
        ["Ada Lovelace", "Alan Turing", "Grace Hopper"],
    ]


def test_week_page_has_open_graph_twitter_and_canonical_tags(client):
    week = berlin_week()
    row = PresentationFactory(week=week)
    PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(name="Ada", photo=png_file()))

    response = client.get(week.get_absolute_url() + "?utm_source=mail")

    tags = meta_tags(response)
    photo = week.presentations.get().presenters.get().photo.url
    assert tags == {
        "og:site_name": "Syllabus",
        "og:type": "article",
        "og:title": "Attention",
        "og:description": "Tue 3 Nov 2026, 16:00\N{EN DASH}17:30 (Europe/Berlin), Fall 2026. Presented by Ada.",
        "og:url": "http://testserver/terms/fall-2026/attention/",
        "og:image": f"http://testserver{photo}",
        "twitter:card": "summary",
        "twitter:title": "Attention",
        "twitter:description": "Tue 3 Nov 2026, 16:00\N{EN DASH}17:30 (Europe/Berlin), Fall 2026. Presented by Ada.",
        "twitter:image": f"http://testserver{photo}",
    }
    assert (
        '<link rel="canonical" href="http://testserver/terms/fall-2026/attention/">'
        in response.content.decode()
    )


@pytest.mark.parametrize(
    ("page", "kind"),
    [
        (lambda s: (reverse("syllabus:home"), "Syllabus"), "website"),
        (lambda s: (reverse("papers:list") + "?page=1", "Papers"), "website"),
        (lambda s: (s.term.get_absolute_url(), s.term.name), "website"),
        (lambda s: (s.presenter.get_absolute_url(), s.presenter.name), "profile"),
        (lambda s: (s.tag.get_absolute_url(), s.tag.name), "website"),
        (lambda s: (reverse("syllabus:search") + "?q=study", "Search"), "website"),
    ],
)
def test_every_public_page_has_open_graph_tags(client, page, kind):
    seminar = Seminar.create()
    address, title = page(seminar)

    response = client.get(address)

    tags = meta_tags(response)
    assert (tags["og:title"], tags["og:type"], tags["og:url"]) == (title, kind, f"http://testserver{address}")
    assert tags["twitter:card"] in {"summary", "summary_large_image"}
    assert f'<link rel="canonical" href="http://testserver{address}">' in response.content.decode()


def test_a_doi_is_quoted_in_its_address(client):
    doi = "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-0"
    paper = PaperFactory(doi=doi, arxiv_id="")
    PresentationFactory(paper=paper)

    (article,) = json_ld(client.get(paper.get_absolute_url()))

    assert article["sameAs"] == [
        "https://doi.org/10.1002/%28SICI%291097-4571%28199806%2949%3A8%3C693%3A%3AAID-ASI4%3E3.0.CO%3B2-0"
    ]
    assert article["identifier"] == [{"@type": "PropertyValue", "propertyID": "DOI", "value": doi}]


CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)">')


@pytest.mark.parametrize(
    ("page", "canonical"),
    [
        # A page keeps only what its view reads: another page of a list, another search.
        (lambda s: s.term.get_absolute_url() + "?page=2&q=x&p=3", lambda s: s.term.get_absolute_url()),
        (
            lambda s: reverse("papers:list") + "?page=1&q=x&utm_source=mail",
            lambda s: reverse("papers:list") + "?page=1",
        ),
        (
            lambda s: reverse("syllabus:search") + "?q=study&page=1&p=2&utm_source=x",
            lambda s: reverse("syllabus:search") + "?q=study&page=1",
        ),
    ],
)
def test_canonical_address_keeps_only_the_parameters_the_page_reads(client, page, canonical):
    seminar = Seminar.create()

    response = client.get(page(seminar))

    expected = f"http://testserver{canonical(seminar)}"
    canonicals = [html.unescape(href) for href in CANONICAL.findall(response.content.decode())]
    assert (canonicals, meta_tags(response)["og:url"]) == ([expected], expected)


def test_addresses_others_copy_are_on_site_url_whatever_host_was_asked(client, settings):
    settings.SITE_URL = "https://seminar.example.edu"
    settings.ALLOWED_HOSTS = ["internal.example.net"]
    week = berlin_week()

    week_page = client.get(week.get_absolute_url(), HTTP_HOST="internal.example.net")
    term_page = client.get(week.term.get_absolute_url(), HTTP_HOST="internal.example.net").content.decode()

    address = "https://seminar.example.edu/terms/fall-2026/attention/"
    (event,) = json_ld(week_page)
    assert CANONICAL.findall(week_page.content.decode()) == [address]
    assert (meta_tags(week_page)["og:url"], event["url"]) == (address, address)
    assert '&lt;script src="https://seminar.example.edu/embed.js"' in term_page
    assert '&lt;iframe src="https://seminar.example.edu/embed/fall-2026/"' in term_page
    assert "internal.example.net" not in term_page


def test_not_found_page_has_no_canonical_address(client):
    response = client.get("/terms/no-such-term/")

    assert response.status_code == 404
    assert ('rel="canonical"' in response.content.decode(), meta_tags(response)) == (False, {})


def test_structured_data_is_built_from_the_prefetched_rows_without_queries(django_assert_num_queries):
    seminar = Seminar.create()
    week = Week.objects.with_presentations().get(pk=seminar.week.pk)

    with django_assert_num_queries(0):
        event = structured_data.week_event(week, absolute=lambda path: path, site_name="Syllabus")

    assert len(event["workFeatured"]) == 2 and len(event["performer"]) == 2


@pytest.mark.parametrize("name", ["week", "paper"])
def test_pages_with_structured_data_run_as_many_queries_at_two_sizes(client, name):
    seminar = Seminar.create()
    url = {"week": seminar.week, "paper": seminar.paper}[name].get_absolute_url()

    small = count_queries(lambda: client.get(url))
    seminar.grow(3)
    response = client.get(url)
    large = count_queries(lambda: client.get(url))

    assert small == large
    (data,) = json_ld(response)
    if name == "week":
        assert len(data["workFeatured"]) == 5
