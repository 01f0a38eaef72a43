"""Whole pages and API reads kept for anonymous visitors, invalidated by every change; cheap 304s; gzip."""

import datetime
import gzip
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.merging import papers_merge
from papers.models import Paper, SlideDeck
from presenters.models import Presenter
from syllabus import scheduling, services
from syllabus.caching import VERSION_KEY, content_version
from syllabus.models import Term, Week
from tests.conftest import token_client
from tests.factories import (
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    PresenterAliasFactory,
    SlideDeckFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
)
from tests.seminar import Seminar

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE = True


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change as if its transaction committed: the content version moves only then."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def text(response) -> str:
    assert response.status_code == 200, response
    content = response.content
    if response.get("Content-Encoding") == "gzip":
        content = gzip.decompress(content)
    return content.decode()


def test_a_page_is_kept_until_something_changes(client, page_cache, committed):
    seminar = Seminar.create()
    url = seminar.week.get_absolute_url()
    client.get(url)
    # An update that sends no signal and calls no content_changed: the kept page is served.
    Week.objects.filter(pk=seminar.week.pk).update(title="Changed behind the cache's back")

    kept = text(client.get(url))
    with committed():
        seminar.week.title = "Renamed"
        seminar.week.save()
    fresh = text(client.get(url))

    assert "Changed behind the cache's back" not in kept
    assert "Renamed" in fresh


def served_from_cache(client, url: str) -> bool:
    """The answer came without a query outside the cache table (with Redis: no query at all)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return all('"syllabus_cache"' in query["sql"] or "SAVEPOINT" in query["sql"] for query in queries)


def rename(row, field: str, value: str):
    setattr(row, field, value)
    row.save()


# (page, change, text the next anonymous request shows at once)
CHANGES = {
    "week page, week": (
        lambda s: s.week.get_absolute_url(),
        lambda s: rename(s.week, "title", "Renamed week"),
    ),
    "week page, deck": (
        lambda s: s.week.get_absolute_url(),
        lambda s: rename(s.deck, "url", "https://slides.example.edu/new-deck.pdf"),
    ),
    "week page, tag added": (
        lambda s: s.week.get_absolute_url(),
        lambda s: s.week.tags.add(TagFactory(name="fresh-tag")),
    ),
    "week page, presenter": (
        lambda s: s.week.get_absolute_url(),
        lambda s: rename(s.presenter, "name", "Grace Renamed"),
    ),
    "paper page, paper": (
        lambda s: s.paper.get_absolute_url(),
        lambda s: rename(s.paper, "title", "New title"),
    ),
    "paper page, link": (
        lambda s: s.paper.get_absolute_url(),
        lambda s: PaperLinkFactory(paper=s.paper, label="Fresh code link"),
    ),
    "term page, term": (
        lambda s: s.term.get_absolute_url(),
        lambda s: rename(s.term, "name", "Renamed term"),
    ),
    "term page, new week": (
        lambda s: s.term.get_absolute_url(),
        lambda s: WeekFactory(term=s.term, title="A week just added"),
    ),
    "home, term": (lambda s: reverse("syllabus:home"), lambda s: rename(s.term, "name", "Renamed term")),
    "tag page, tag": (lambda s: s.tag.get_absolute_url(), lambda s: rename(s.tag, "name", "renamed-tag")),
    "category page, category": (
        lambda s: s.category.get_absolute_url(),
        lambda s: rename(s.category, "name", "Renamed category"),
    ),
    "API presenter, alias": (
        lambda s: reverse("api:presenter-detail", args=[s.presenter.pk]),
        lambda s: PresenterAliasFactory(presenter=s.presenter, name="Fresh Alias"),
    ),
    "feed, week": (lambda s: reverse("syllabus:feed"), lambda s: rename(s.week, "title", "Renamed week")),
    "calendar, week": (
        lambda s: reverse("syllabus:term_calendar", args=[s.term.slug]),
        lambda s: rename(s.week, "title", "Renamed week"),
    ),
    "sitemap, new week": (
        lambda s: reverse("syllabus:sitemap_section", args=["weeks"]),
        lambda s: WeekFactory(term=s.term, title="Added", slug="week-just-added"),
    ),
    "API list, week": (lambda s: reverse("api:week-list"), lambda s: rename(s.week, "title", "Renamed week")),
    "API detail, paper": (
        lambda s: reverse("api:paper-detail", args=[s.paper.pk]),
        lambda s: rename(s.paper, "title", "New title"),
    ),
}
EXPECTED = {
    "week page, week": "Renamed week",
    "week page, deck": "new-deck.pdf",
    "week page, tag added": "fresh-tag",
    "week page, presenter": "Grace Renamed",
    "paper page, paper": "New title",
    "paper page, link": "Fresh code link",
    "term page, term": "Renamed term",
    "term page, new week": "A week just added",
    "home, term": "Renamed term",
    "tag page, tag": "renamed-tag",
    "category page, category": "Renamed category",
    "API presenter, alias": "Fresh Alias",
    "feed, week": "Renamed week",
    "calendar, week": "Renamed week",
    "sitemap, new week": "week-just-added",
    "API list, week": "Renamed week",
    "API detail, paper": "New title",
}


@pytest.mark.parametrize("case", CHANGES)
def test_a_change_shows_on_the_next_anonymous_request(client, page_cache, committed, case):
    seminar = Seminar.create()
    page, change = CHANGES[case]
    url = page(seminar)
    before = text(client.get(url))
    assert served_from_cache(client, url)

    with committed():
        change(seminar)
    after = text(client.get(url))

    assert EXPECTED[case] not in before
    assert EXPECTED[case] in after


def week_page_after(client, committed, seminar, change) -> str:
    url = seminar.week.get_absolute_url()
    client.get(url)
    assert served_from_cache(client, url)
    with committed():
        change()
    return text(client.get(url))


# Writes that send no signals (bulk_create, bulk_update, QuerySet.update) move the version themselves.


def test_publishing_weeks_in_bulk_shows_at_once(client, page_cache, committed):
    seminar = Seminar.create()
    draft = WeekFactory(term=seminar.term, title="Was a draft", is_published=False)
    url = seminar.term.get_absolute_url()
    before = text(client.get(url))

    with committed():
        services.weeks_set_published(weeks=Week.objects.filter(pk=draft.pk), published=True)

    assert "Was a draft" not in before
    assert "Was a draft" in text(client.get(url))


def test_unpublishing_a_term_by_admin_action_shows_at_once(client, page_cache, committed, staff_client):
    seminar = Seminar.create()
    url = seminar.week.get_absolute_url()
    anonymous = client.__class__()
    assert anonymous.get(url).status_code == 200

    with committed():
        staff_client.post(
            reverse("admin:syllabus_term_changelist"),
            {"action": "unpublish", "_selected_action": [seminar.term.pk]},
        )

    assert anonymous.get(url).status_code == 404


def test_reordering_a_weeks_table_through_the_api_shows_at_once(client, page_cache, committed, editor_api):
    seminar = Seminar.create()
    rows = list(seminar.week.presentations.order_by("order"))
    url = reverse("api:week-order", args=[seminar.week.pk])

    page = week_page_after(
        client,
        committed,
        seminar,
        lambda: editor_api.post(url, {"presentations": [row.pk for row in reversed(rows)]}),
    )

    titles = [row.paper.title for row in reversed(rows)]
    assert [page.index(title) for title in titles] == sorted(page.index(title) for title in titles)


def test_generating_sessions_renumbers_published_ones_at_once(client, page_cache, committed):
    term = TermFactory(start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 9, 30))
    week = WeekFactory(term=term, date=datetime.date(2026, 9, 15), position=1, title="Session 1")
    url = week.get_absolute_url()
    before = text(client.get(url))

    with committed():
        scheduling.term_generate_weeks(
            term=term, weekdays=[1], skip=[]
        )  # Tuesdays: the 1st and 8th come first

    assert "Session 1" in before
    assert "Session 3" in text(client.get(url))


def test_merging_papers_shows_at_once(client, page_cache, committed):
    seminar = Seminar.create()
    other = PaperFactory(title="The same paper, twice")
    PresentationFactory(week=seminar.week, paper=other)
    url = seminar.week.get_absolute_url()
    before = text(client.get(url))

    with committed():
        papers_merge(keep=seminar.paper, others=[other])

    assert "The same paper, twice" in before
    assert "The same paper, twice" not in text(client.get(url))


def test_replacing_a_papers_links_through_the_api_shows_at_once(client, page_cache, committed, editor_api):
    seminar = Seminar.create()
    url = seminar.paper.get_absolute_url()
    client.get(url)

    with committed():
        answer = editor_api.patch(
            reverse("api:paper-detail", args=[seminar.paper.pk]),
            {"links": [{"kind": "code", "url": "https://code.example.org/new", "label": "Brand new code"}]},
        )

    assert answer.status_code == 200
    assert "Brand new code" in text(client.get(url))


def test_tags_created_in_bulk_show_at_once(client, page_cache, committed):
    seminar = Seminar.create()

    page = week_page_after(
        client,
        committed,
        seminar,
        lambda: seminar.week.tags.set(services.tags_get_or_create(names=["bulk-made-tag"])),
    )

    assert "bulk-made-tag" in page


def test_an_import_shows_at_once(client, page_cache, committed, tmp_path):
    from tests.syllabus.test_import_jekyll import PRESENTER_TABLE, post, write_site

    site = write_site(tmp_path / "site", {"2017-09-12-.md": post(PRESENTER_TABLE, title="Imported session")})
    url = reverse("syllabus:home")
    before = text(client.get(url))

    with committed():
        call_command("import_jekyll", str(site), stdout=io.StringIO())

    assert "2017 Course" not in before
    assert "2017 Course" in text(client.get(url))  # the term, named from its key "2017Course"


def test_a_revert_in_the_admin_shows_at_once(client, page_cache, committed, staff_client):
    seminar = Seminar.create()
    first = seminar.term.history.earliest()
    rename(seminar.term, "name", "Renamed by mistake")
    url = seminar.term.get_absolute_url()
    anonymous = client.__class__()
    before = text(anonymous.get(url))
    version_url = reverse("admin:syllabus_term_simple_history", args=[seminar.term.pk, first.history_id])
    form = staff_client.get(version_url).context["adminform"].form

    with committed():
        staff_client.post(version_url, {name: form[name].value() or "" for name in form.fields})

    assert "Renamed by mistake" in before
    assert "Renamed by mistake" not in text(anonymous.get(url))


def test_the_demo_shows_at_once(client, page_cache, committed):
    before = text(client.get(reverse("syllabus:home")))

    with committed():
        call_command("load_demo", stdout=io.StringIO())

    assert Term.objects.exists()
    assert text(client.get(reverse("syllabus:home"))) != before


def test_a_lost_version_starts_again_from_a_number_no_earlier_version_had(page_cache):
    from django.core.cache import cache

    first = content_version()
    cache.delete(VERSION_KEY)

    assert content_version() > first


# Signed-in users.


def test_a_signed_in_user_never_gets_a_kept_page(client, page_cache, staff_client):
    seminar = Seminar.create()
    url = seminar.week.get_absolute_url()
    client.__class__().get(url)  # kept for anonymous visitors
    Week.objects.filter(pk=seminar.week.pk).update(title="Only the database knows")

    page = staff_client.get(url)

    assert "Only the database knows" in text(page)
    assert page["Cache-Control"] == "private"


def test_a_staff_view_of_a_draft_never_reaches_anonymous_visitors(client, page_cache, staff_client):
    seminar = Seminar.create()
    draft = WeekFactory(term=seminar.term, title="Secret draft", is_published=False)
    term_url = seminar.term.get_absolute_url()

    assert staff_client.get(draft.get_absolute_url()).status_code == 200
    assert "Secret draft" in text(staff_client.get(term_url))
    anonymous = client.__class__()

    assert anonymous.get(draft.get_absolute_url()).status_code == 404
    assert "Secret draft" not in text(anonymous.get(term_url))


# Conditional GETs.


@pytest.mark.parametrize("page", ["week", "API list"])
def test_a_matching_if_none_match_is_a_304_that_renders_nothing(client, page_cache, page):
    seminar = Seminar.create()
    url = seminar.week.get_absolute_url() if page == "week" else reverse("api:week-list")
    etag = client.get(url)["ETag"]
    rendered = []
    template_rendered.connect(lambda **kwargs: rendered.append(kwargs["template"].name), weak=False)

    try:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    finally:
        template_rendered.receivers.clear()

    assert (response.status_code, response.content, response["ETag"]) == (304, b"", etag)
    assert rendered == []
    # With the database cache: the content version (and for the API, its throttle count), nothing else.
    cache_only = [query["sql"] for query in queries.captured_queries if "SAVEPOINT" not in query["sql"]]
    assert all('"syllabus_cache"' in sql for sql in cache_only)
    if page == "week":
        assert len(cache_only) <= 1


def test_a_304_ends_when_something_changes(client, page_cache, committed):
    seminar = Seminar.create()
    url = seminar.week.get_absolute_url()
    etag = client.get(url)["ETag"]

    with committed():
        rename(seminar.week, "title", "Renamed")
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Renamed" in text(response)


def test_if_modified_since_is_a_304_once_the_second_of_the_change_is_over(client, page_cache):
    seminar = Seminar.create()
    url = seminar.week.get_absolute_url()
    from django.core.cache import cache

    cache.set(VERSION_KEY, 1_700_000_000_000_000_000, timeout=None)  # a change long ago
    first = client.get(url)

    response = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert response.status_code == 304


def test_an_api_detail_keeps_its_representation_etag_for_if_match(page_cache, anonymous_api, editor_api):
    seminar = Seminar.create()
    url = reverse("api:paper-detail", args=[seminar.paper.pk])
    fresh = anonymous_api.get(url)
    kept = anonymous_api.get(url)

    not_modified = anonymous_api.get(url, HTTP_IF_NONE_MATCH=kept["ETag"])
    editors_etag = editor_api.get(url)["ETag"]
    written = editor_api.patch(url, {"title": "Written"}, HTTP_IF_MATCH=kept["ETag"])

    assert kept["ETag"] == fresh["ETag"] == editors_etag
    assert not_modified.status_code == 304
    assert written.status_code == 200
    assert Paper.objects.get(pk=seminar.paper.pk).title == "Written"


def test_head_of_a_kept_page_has_its_headers_and_no_body(client, page_cache):
    seminar = Seminar.create()
    url = seminar.week.get_absolute_url()
    got = client.get(url)

    head = client.head(url)

    assert (head.status_code, head.content) == (200, b"")
    assert (head["ETag"], head["Content-Length"]) == (got["ETag"], got["Content-Length"])


def test_head_of_a_page_not_yet_kept_works(client, page_cache):
    seminar = Seminar.create()

    head = client.head(seminar.week.get_absolute_url())

    assert (head.status_code, head.content) == (200, b"")


# Throttles, compression.


def test_kept_api_answers_still_count_against_the_anonymous_rate(settings, page_cache, anonymous_api):
    settings.API_ANON_RATE = "3/minute"
    Seminar.create()
    url = reverse("api:week-list")

    statuses = [anonymous_api.get(url).status_code for _ in range(5)]

    assert statuses == [200, 200, 200, 429, 429]


def test_an_api_list_304_comes_before_the_throttle_and_any_query(settings, page_cache, anonymous_api):
    settings.API_ANON_RATE = "1/minute"
    Seminar.create()
    url = reverse("api:week-list")
    etag = anonymous_api.get(url)["ETag"]

    with CaptureQueriesContext(connection) as queries:
        answers = [anonymous_api.get(url, HTTP_IF_NONE_MATCH=etag).status_code for _ in range(3)]

    assert answers == [304, 304, 304]
    assert [query["sql"] for query in queries if '"syllabus_cache"' not in query["sql"]] == []
    assert anonymous_api.get(url).status_code == 429  # a 200 still counts, and the rate is used up


@pytest.mark.parametrize("page", ["week", "API list"])
def test_gzip_when_asked_kept_per_encoding(client, page_cache, page):
    seminar = Seminar.create()
    url = seminar.week.get_absolute_url() if page == "week" else reverse("api:week-list")

    plain = client.get(url)
    zipped = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    zipped_again = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    plain_again = client.get(url)

    assert zipped["Content-Encoding"] == zipped_again["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain and "Content-Encoding" not in plain_again
    assert "Accept-Encoding" in zipped["Vary"]
    assert gzip.decompress(zipped.content) == gzip.decompress(zipped_again.content) == plain.content
    assert plain_again.content == plain.content


def test_the_admin_is_never_compressed(staff_client):
    response = staff_client.get(reverse("admin:index"), HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert "Content-Encoding" not in response


def test_with_page_cache_off_every_request_renders(client, settings):
    settings.PAGE_CACHE = False
    seminar = Seminar.create()
    url = seminar.week.get_absolute_url()
    client.get(url)
    Week.objects.filter(pk=seminar.week.pk).update(title="Straight from the database")

    assert "Straight from the database" in text(client.get(url))


def test_a_deck_preview_rebuilt_in_bulk_shows_at_once(client, page_cache, committed):
    from papers.services import slide_deck_rebuild_preview
    from tests.factories import pdf_file

    seminar = Seminar.create()
    deck = SlideDeckFactory(week=seminar.week, presentation=seminar.presentation, file=pdf_file(), url="")
    SlideDeck.objects.filter(pk=deck.pk).update(thumbnail="")
    url = seminar.week.get_absolute_url()
    before = text(client.get(url))

    with committed():
        slide_deck_rebuild_preview(deck=SlideDeck.objects.get(pk=deck.pk))

    deck.refresh_from_db()
    assert deck.thumbnail.name
    assert deck.thumbnail.name not in before
    assert deck.thumbnail.name in text(client.get(url))


def test_token_clients_are_never_served_from_the_cache(page_cache, anonymous_api, django_user_model):
    seminar = Seminar.create()
    url = reverse("api:paper-detail", args=[seminar.paper.pk])
    anonymous_api.get(url)
    Paper.objects.filter(pk=seminar.paper.pk).update(title="Only the database knows")
    reader = token_client(django_user_model.objects.create_user(username="reader", password="x"))

    answer = reader.get(url)

    assert answer.json()["title"] == "Only the database knows"
    assert answer["Cache-Control"] == "private"
    assert Presenter.objects.exists()


# What is not kept, and what a kept answer never outlives.


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("/papers/?page=2", True),
        ("/sitemap-weeks.xml?p=1", True),
        ("/terms/?q=junk", False),  # a parameter the page does not read
        ("/papers/?page=junk", False),
        ("/papers/?page=2&utm_source=x", False),
        ("/search/?q=attention", False),  # one page per query: never kept
        ("/api/v1/weeks/?page_size=5", True),
        ("/api/v1/weeks/?expand=presentations", True),
        ("/api/v1/weeks/?utm_source=x", False),
    ],
)
def test_only_answers_to_parameters_a_page_reads_are_kept(client, page_cache, url, kept):
    Seminar.create()
    PaperFactory.create_batch(3)
    client.get(url)

    assert served_from_cache(client, url) is kept


def test_an_api_answer_in_another_media_type_is_kept_apart(client, page_cache):
    Seminar.create()
    url = reverse("api:week-list")
    indented = client.get(url, HTTP_ACCEPT="application/json; indent=4")

    plain = client.get(url, HTTP_ACCEPT="application/json")

    assert b"\n    " in indented.content
    assert b"\n" not in plain.content


def test_pages_are_served_when_the_cache_cannot_be_reached(client, page_cache, settings):
    seminar = Seminar.create()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }

    response = client.get(seminar.week.get_absolute_url())

    assert seminar.week.title in text(response)


def test_a_migration_moves_the_version_so_a_new_release_never_serves_old_pages(page_cache):
    from django.core.management.sql import emit_post_migrate_signal

    first = content_version()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert content_version() > first


def test_a_kept_page_is_not_served_or_confirmed_past_its_window(client, page_cache, settings, monkeypatch):
    import time

    seminar = Seminar.create()
    url = seminar.week.get_absolute_url()
    first = client.get(url)
    assert served_from_cache(client, url)
    now = time.time_ns()
    monkeypatch.setattr(time, "time_ns", lambda: now + settings.PAGE_CACHE_SECONDS * 1_000_000_000)

    later = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert later.status_code == 200
    assert later["ETag"] != first["ETag"]


def test_if_none_match_star_leaves_a_missing_page_a_404(client, page_cache):
    Seminar.create()

    response = client.get("/terms/no-such-term/", HTTP_IF_NONE_MATCH="*")

    assert response.status_code == 404
