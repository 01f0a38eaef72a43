"""The embeddable schedule: embed.js, its JSON, the iframe page, and /favicon.ico."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db


def days(count: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=count)


@pytest.fixture
def term():
    return TermFactory(slug="fall", name="Fall", start_date=days(-30), end_date=days(90))


def test_embed_json_lists_only_upcoming_published_sessions(client, term):
    WeekFactory(term=term, date=days(-1), title="Yesterday")
    WeekFactory(term=term, date=days(7), title="Draft", is_published=False)
    today = WeekFactory(term=term, date=days(0), title="Today", slug="today", place="Room 1")
    later = WeekFactory(
        term=term,
        date=days(14),
        title="Later",
        online_url="https://meet.example.edu/x",
        online_url_private=True,
    )
    row = PresentationFactory(week=later, paper=PaperFactory(title="A paper"))
    PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(name="Ada"))

    response = client.get(reverse("syllabus:embed_json", args=["fall"]))

    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {
        "term": {"name": "Fall", "url": "http://testserver/terms/fall/"},
        "sessions": [
            {
                "title": "Today",
                "url": "http://testserver/terms/fall/today/",
                "date": today.date.isoformat(),
                "starts_at": None,
                "ends_at": None,
                "datetime": today.date.isoformat(),
                "when": today.when_text,
                "place": "Room 1",
                "online_url": None,
                "presenters": [],
                "papers": [],
            },
            {
                "title": "Later",
                "url": f"http://testserver{later.get_absolute_url()}",
                "date": later.date.isoformat(),
                "starts_at": None,
                "ends_at": None,
                "datetime": later.date.isoformat(),
                "when": later.when_text,
                "place": "",
                "online_url": None,  # for signed-in users only: never here
                "presenters": ["Ada"],
                "papers": ["A paper"],
            },
        ],
    }


def test_both_embeds_show_the_same_sessions_with_the_terms_offset_and_public_online_link(client):
    term = TermFactory(
        slug="berlin",
        time_zone="Europe/Berlin",
        start_time=datetime.time(16),
        duration_minutes=90,
        start_date=days(-30),
        end_date=days(90),
    )
    week = WeekFactory(term=term, date=days(5), title="Online", online_url="https://meet.example.edu/x")
    starts = week.local_starts_at.isoformat()  # "…T16:00:00+01:00" or "+02:00", never UTC

    (session,) = client.get(reverse("syllabus:embed_json", args=["berlin"])).json()["sessions"]
    page = client.get(reverse("syllabus:embed", args=["berlin"])).content.decode()

    assert starts.endswith(("+01:00", "+02:00")) and "T16:00:00" in starts
    assert (session["starts_at"], session["datetime"], session["online_url"]) == (
        starts,
        starts,
        "https://meet.example.edu/x",
    )
    assert f'<time class="syllabus-embed-when" datetime="{starts}">{week.when_text}</time>' in page
    assert (
        '<a class="syllabus-embed-online" href="https://meet.example.edu/x" target="_blank" '
        'rel="noopener">Join online</a>'
    ) in page


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])  # UTC+14, UTC-11
def test_upcoming_starts_today_in_the_terms_own_zone(client, zone):
    """At any hour the term's date differs from the server's (UTC) in one of these zones."""
    utc_today = timezone.now().date()
    term = TermFactory(slug="far", time_zone=zone, start_date=days(-30), end_date=days(90))
    for offset in (-1, 0, 1):
        WeekFactory(term=term, date=utc_today + datetime.timedelta(days=offset), title=str(offset))
    term_today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()

    sessions = client.get(reverse("syllabus:embed_json", args=["far"])).json()["sessions"]
    page = client.get(reverse("syllabus:embed", args=["far"])).content.decode()

    expected = [
        str(offset) for offset in (-1, 0, 1) if utc_today + datetime.timedelta(days=offset) >= term_today
    ]
    assert [session["title"] for session in sessions] == expected
    assert re.findall(r'rel="noopener">(-?\d)</a>', page) == expected


def test_embed_json_of_an_unpublished_or_unknown_term_is_404_readable_anywhere(client):
    TermFactory(slug="draft", is_published=False)

    answers = [client.get(reverse("syllabus:embed_json", args=[slug])) for slug in ("draft", "nowhere")]

    assert [(a.status_code, a["Access-Control-Allow-Origin"], a.json()) for a in answers] == [
        (404, "*", {"detail": "No published term with this address."})
    ] * 2


def test_embed_json_and_page_queries_do_not_grow_with_sessions(client, term):
    def add_weeks(count):
        for number in range(count):
            week = WeekFactory(term=term, date=days(number + 1))
            for _ in range(2):
                row = PresentationFactory(week=week)
                PresentationPresenterFactory(presentation=row)

    urls = [reverse("syllabus:embed_json", args=["fall"]), reverse("syllabus:embed", args=["fall"])]
    add_weeks(1)
    small = [count_queries(lambda url=url: client.get(url)) for url in urls]
    add_weeks(4)
    large = [count_queries(lambda url=url: client.get(url)) for url in urls]

    # the term; its weeks (with term); their rows (with paper); the rows' presenters
    assert small == large == [4, 4]
    assert len(client.get(urls[0]).json()["sessions"]) == 5


def test_embed_page_has_its_own_strict_policy_may_be_framed_and_sets_no_cookie(client, term):
    WeekFactory(term=term, date=days(3), title="Next <b>one</b>")

    response = client.get(reverse("syllabus:embed", args=["fall"]))

    assert response.status_code == 200
    assert set(response["Content-Security-Policy"].split("; ")) == {
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors *",
    }
    assert "X-Frame-Options" not in response
    assert "Cookie" not in response.get("Vary", "")
    assert response.cookies == {}
    page = response.content.decode()
    assert "Next &lt;b&gt;one&lt;/b&gt;" in page and "<script" not in page


def test_other_pages_still_refuse_to_be_framed(client, term):
    response = client.get(term.get_absolute_url())

    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_embed_answers_read_no_cookie_even_for_a_signed_in_visitor(staff_client, term):
    """A staff member sees drafts elsewhere; the embed shows every visitor the same published list."""
    WeekFactory(term=term, date=days(2), title="Draft", is_published=False)

    answers = [
        staff_client.get(reverse("syllabus:embed_json", args=["fall"])),
        staff_client.get(reverse("syllabus:embed", args=["fall"])),
    ]

    assert answers[0].json()["sessions"] == []
    assert "Draft" not in answers[1].content.decode()
    assert [(answer.cookies, "Cookie" in answer.get("Vary", "")) for answer in answers] == [({}, False)] * 2


def test_embed_script_is_served_for_other_sites_and_kept_an_hour(client):
    response = client.get(reverse("syllabus:embed_js"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert (response["Access-Control-Allow-Origin"], response["Cache-Control"]) == (
        "*",
        "public, max-age=3600",
    )
    script = response.content.decode()
    assert '"embed/" + encodeURIComponent(script.dataset.term) + ".json"' in script  # syllabus:embed_json
    assert "innerHTML" not in script
    assert response.cookies == {}


def test_favicon_ico_is_served_and_cacheable(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response["Cache-Control"] == "public, max-age=604800"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an icon file


def test_a_week_slugged_embed_is_its_own_page_not_the_embed(client, editor_api, term):
    """The embed lives under embed/<term>/, outside the term's addresses: "embed" is a week like any other."""
    week = WeekFactory(term=term, date=days(3), title="Embedding spaces")

    response = editor_api.patch(reverse("api:week-detail", args=[week.pk]), {"slug": "embed"})
    week_page = client.get("/terms/fall/embed/")

    assert (response.status_code, response.json()["slug"]) == (200, "embed")
    assert (week_page.status_code, week_page.resolver_match.view_name) == (200, "syllabus:week")
    assert "<h1>Embedding spaces</h1>" in week_page.content.decode()
    assert client.get("/embed/fall/").resolver_match.view_name == "syllabus:embed"


def test_a_week_titled_embed_keeps_the_plain_slug(term):
    assert WeekFactory(term=term, title="Embed", slug="").slug == "embed"


def test_term_page_shows_the_embed_snippet(client, term):
    page = client.get(term.get_absolute_url()).content.decode()

    assert '&lt;script src="http://testserver/embed.js" data-term="fall" async&gt;&lt;/script&gt;' in page
    assert '&lt;iframe src="http://testserver/embed/fall/" title="Fall: upcoming sessions"' in page
