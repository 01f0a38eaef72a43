"""Atom feeds of the site, a term and a tag: valid RFC 4287 as an independent parser reads it."""

import datetime
import time

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from papers.models import Paper
from syllabus.models import Week
from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
)
from tests.seminar import Seminar

pytestmark = pytest.mark.django_db

FEEDS = {
    "site": lambda term, tag: reverse("syllabus:feed"),
    "term": lambda term, tag: reverse("syllabus:term_feed", args=[term.slug]),
    "tag": lambda term, tag: reverse("syllabus:tag_feed", args=[tag.slug]),
}


@pytest.fixture
def seminar():
    """A term of ten weekly sessions around today (half of them still to come), all tagged,
    two in three with a presenter; and a draft, which no feed may show."""
    term = TermFactory(name="Fall 2026", slug="fall-2026")
    tag = TagFactory(name="optimisation")
    today = timezone.localdate()
    for number in range(10):
        week = WeekFactory(
            term=term, title=f"Session {number}", date=today + datetime.timedelta(weeks=number - 4)
        )
        week.tags.add(tag)
        row = PresentationFactory(week=week, paper=PaperFactory(title=f"Paper {number}"))
        if number % 3:
            PresentationPresenterFactory(
                presentation=row, presenter=PresenterFactory(name=f"Speaker {number}")
            )
    WeekFactory(term=term, title="Draft session", is_published=False).tags.add(tag)
    return term, tag


def parsed_feed(client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/atom+xml")
    return feedparser.parse(response.content)


def feed_problems(feed: feedparser.FeedParserDict) -> list[str]:
    """What keeps a feed from being valid Atom with honest dates, as the issue's validator said."""
    now = time.gmtime()
    problems = [f"not well-formed: {feed.get('bozo_exception')}"] if feed.bozo else []
    for element in ("id", "title", "updated", "author"):
        if not feed.feed.get(element):
            problems.append(f"feed without {element}")
    if feed.feed.get("updated_parsed") and feed.feed.updated_parsed > now:
        problems.append("feed updated in the future")
    for entry in feed.entries:
        for element in ("id", "title", "updated", "author", "summary"):
            if not str(entry.get(element, "")).strip():
                problems.append(f"{entry.get('title')}: no {element}")
        for date in ("updated_parsed", "published_parsed"):
            if entry.get(date) and entry[date] > now:
                problems.append(f"{entry.title}: {date} in the future")
    return problems


@pytest.mark.parametrize("name", FEEDS)
def test_feed_is_valid_atom_with_no_future_dates(client, seminar, name):
    feed = parsed_feed(client, FEEDS[name](*seminar))

    assert feed_problems(feed) == []
    assert feed.version == "atom10"
    assert len(feed.entries) == 10


@pytest.mark.parametrize("name", FEEDS)
def test_feed_never_lists_a_draft(client, seminar, name):
    feed = parsed_feed(client, FEEDS[name](*seminar))

    assert "Draft session" not in [entry.title.split(" (")[0] for entry in feed.entries]


def test_entry_authors_are_the_presenters_else_the_site(client, seminar, settings):
    settings.SITE_NAME = "Deep Learning Seminar"
    week = Week.objects.get(title="Session 1")
    PresentationPresenterFactory(
        presentation=week.presentations.get(), presenter=PresenterFactory(name="Ada")
    )

    entries = {
        entry.title.split(" (")[0]: entry for entry in parsed_feed(client, reverse("syllabus:feed")).entries
    }

    assert [author.name for author in entries["Session 1"].authors] == ["Speaker 1", "Ada"]
    assert [author.name for author in entries["Session 3"].authors] == ["Deep Learning Seminar"]


def test_future_session_is_dated_by_its_change_and_titled_with_its_date(client, seminar):
    week = Week.objects.get(title="Session 9")
    changed = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    Week.objects.filter(pk=week.pk).update(created=changed, updated=changed)
    Paper.objects.filter(presentations__week=week).update(updated=changed)

    [entry] = [
        e for e in parsed_feed(client, reverse("syllabus:feed")).entries if e.id == f"urn:uuid:{week.uuid}"
    ]

    assert entry.title == f"Session 9 ({week.date:%d %b %Y})"
    assert entry.published == entry.updated == "2026-03-01T09:30:00+00:00"
    assert week.date.strftime("%-d %B %Y") in entry.summary


def test_entry_updated_follows_a_change_of_its_paper(client, seminar):
    week = Week.objects.get(title="Session 2")
    Week.objects.filter(pk=week.pk).update(updated=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    Paper.objects.filter(presentations__week=week).update(
        updated=datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC)
    )

    [entry] = [
        e for e in parsed_feed(client, reverse("syllabus:feed")).entries if e.id == f"urn:uuid:{week.uuid}"
    ]

    assert entry.updated == "2026-02-01T00:00:00+00:00"


def test_old_imported_session_is_published_by_its_date_not_its_import(client):
    week = WeekFactory(date=datetime.date(2017, 9, 12))  # imported today, held in 2017

    [entry] = parsed_feed(client, reverse("syllabus:feed")).entries

    assert entry.published.startswith("2017-09-12T00:00:00")
    assert entry.updated_parsed >= entry.published_parsed
    assert entry.id == f"urn:uuid:{week.uuid}"


def test_term_and_tag_feeds_hold_only_their_sessions(client, seminar):
    term, tag = seminar
    other = WeekFactory(title="Elsewhere")  # another term, untagged

    term_titles = [
        e.title for e in parsed_feed(client, reverse("syllabus:term_feed", args=[term.slug])).entries
    ]
    tag_feed = parsed_feed(client, reverse("syllabus:tag_feed", args=[tag.slug]))
    site_titles = [e.title for e in parsed_feed(client, reverse("syllabus:feed")).entries]

    assert not any(
        title.startswith("Elsewhere") for title in term_titles + [e.title for e in tag_feed.entries]
    )
    assert f"Elsewhere ({other.date:%d %b %Y})" in site_titles
    assert tag_feed.feed.title == "Syllabus: #optimisation"
    assert tag_feed.feed.link == f"http://testserver{tag.get_absolute_url()}"


def test_feeds_of_drafts_and_unknown_slugs_are_404(client):
    draft_term = TermFactory(is_published=False)
    WeekFactory(term=draft_term)
    draft_only_tag = TagFactory()
    WeekFactory(is_published=False).tags.add(draft_only_tag)

    assert [
        client.get(url).status_code
        for url in [
            reverse("syllabus:term_feed", args=[draft_term.slug]),
            reverse("syllabus:term_feed", args=["no-such-term"]),
            reverse("syllabus:tag_feed", args=[draft_only_tag.slug]),
            reverse("syllabus:tag_feed", args=["no-such-tag"]),
        ]
    ] == [404, 404, 404, 404]


@pytest.mark.parametrize("name", FEEDS)
def test_feed_answers_head(client, seminar, name):
    response = client.head(FEEDS[name](*seminar))

    assert (response.status_code, response.content) == (200, b"")
    assert response["Content-Type"].startswith("application/atom+xml")


@pytest.mark.parametrize("name", ["term", "tag"])
def test_feed_queries_do_not_grow_with_sessions(client, name, django_assert_max_num_queries):
    seminar = Seminar.create()
    url = FEEDS[name](seminar.term, seminar.tag)

    def load():
        assert client.get(url).status_code == 200

    small = count_queries(load)
    seminar.grow(3)
    # The tag or term, (the tag's published session,) weeks, rows with papers, credits, categories.
    with django_assert_max_num_queries(6):
        large = count_queries(load)

    assert large == small


@pytest.mark.parametrize("name", ["term", "tag"])
def test_feed_is_kept_for_anonymous_readers(client, seminar, settings, name):
    settings.PAGE_CACHE = True
    url = FEEDS[name](*seminar)
    first = client.get(url)
    # A change that sends no signal: the kept feed is served until the content version moves.
    Week.objects.update(title="Changed behind the cache's back")

    assert client.get(url).content == first.content
