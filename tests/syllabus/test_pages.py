"""Public pages: what students see, drafts hidden from them, and flat query counts."""

import datetime

import pytest
from django.urls import reverse

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

pytestmark = pytest.mark.django_db

# Most pages need: the page's object(s), weeks with term, categories, tags, rows with paper,
# paper links, presenters, slide decks per row and per week; staff add session + user.
PUBLIC_PAGE_BUDGET = 14

PUBLIC_PAGES = {
    "home": lambda s: reverse("syllabus:home"),
    "terms": lambda s: reverse("syllabus:terms"),
    "term": lambda s: s.term.get_absolute_url(),
    "week": lambda s: s.week.get_absolute_url(),
    "categories": lambda s: reverse("syllabus:categories"),
    "category": lambda s: s.category.get_absolute_url(),
    "tags": lambda s: reverse("syllabus:tags"),
    "tag": lambda s: s.tag.get_absolute_url(),
    "year": lambda s: reverse("syllabus:year", args=[s.week.date.year]),
    "search": lambda s: reverse("syllabus:search") + "?q=study",
    "papers": lambda s: reverse("papers:list"),
    "paper": lambda s: s.paper.get_absolute_url(),
    "presenters": lambda s: reverse("presenters:list"),
    "presenter": lambda s: s.presenter.get_absolute_url(),
    "feed": lambda s: reverse("syllabus:feed"),
    "term calendar": lambda s: reverse("syllabus:term_calendar", args=[s.term.slug]),
    "presenter calendar": lambda s: reverse("presenters:calendar", args=[s.presenter.slug]),
    "sitemap": lambda s: reverse("syllabus:sitemap"),
    "sitemap of weeks": lambda s: reverse("syllabus:sitemap_section", args=["weeks"]),
    "sitemap of papers": lambda s: reverse("syllabus:sitemap_section", args=["papers"]),
}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_queries_do_not_grow_with_rows(client, name, django_assert_max_num_queries):
    seminar = Seminar.create()
    url = PUBLIC_PAGES[name](seminar)

    def load():
        response = client.get(url)
        assert response.status_code == 200, url

    load()
    small = count_queries(load)
    seminar.grow(2)
    with django_assert_max_num_queries(PUBLIC_PAGE_BUDGET):
        large = count_queries(load)

    assert large == small, f"{url}: {small} queries with few rows, {large} with more"


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.fixture
def week():
    """A published week with two rows in sections, links, an abstract and slides."""
    term = TermFactory(
        name="Fall 2026", start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 12, 18)
    )
    week = WeekFactory(
        term=term,
        title="Memorization",
        date=datetime.date(2026, 9, 12),
        body="Bring *questions*.",
        code="2017-W4",
    )
    week.categories.add(CategoryFactory(name="Theory"))
    week.tags.add(TagFactory(name="InfoMax"))
    paper = PaperFactory(
        title="A Closer Look at Memorization",
        venue="ICML",
        year=2017,
        abstract="We examine **memorization**.",
    )
    PaperLinkFactory(paper=paper, label="PDF", url="https://arxiv.org/pdf/1706.05394")
    row = PresentationFactory(week=week, order=1, section="Required readings", paper=paper)
    PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(name="Ceyer"))
    SlideDeckFactory(week=week, presentation=row, url="https://slides.example.edu/ceyer.pdf")
    SlideDeckFactory(
        week=week, title="Hidden deck", url="https://slides.example.edu/hidden.pdf", is_public=False
    )
    PresentationFactory(week=week, order=2, section="More readings", label="Mutual Information", paper=None)
    return week


def test_week_page_shows_the_table_with_abstracts_links_and_slides(client, week):
    html = page(client, week.get_absolute_url())

    assert "<h1>Memorization</h1>" in html
    assert "<h3>Required readings</h3>" in html and "<h3>More readings</h3>" in html
    assert (
        '<a class="paper-title" href="/papers/a-closer-look-at-memorization/">A Closer Look at Memorization</a>'
        in html
    )
    assert '<span class="muted">ICML 2017</span>' in html
    assert "<summary>Abstract</summary>" in html
    assert "<p>We examine <strong>memorization</strong>.</p>" in html
    assert '<a href="https://arxiv.org/pdf/1706.05394" rel="noopener">PDF</a>' in html
    assert 'href="https://slides.example.edu/ceyer.pdf"' in html
    assert "hidden.pdf" not in html
    assert '<span class="row-label">Mutual Information</span>' in html
    assert '<a href="/presenters/ceyer/">Ceyer</a>' in html
    assert "<p>Bring <em>questions</em>.</p>" in html
    assert '<a class="category" href="/categories/theory/">Theory</a>' in html
    assert '<a class="tag" href="/tags/infomax/">#InfoMax</a>' in html


def test_week_page_links_the_previous_and_next_sessions(client, week):
    before = WeekFactory(term=week.term, title="Before", date=datetime.date(2026, 9, 5))
    after = WeekFactory(term=week.term, title="After", date=datetime.date(2026, 9, 19))
    WeekFactory(term=week.term, title="Draft later", date=datetime.date(2026, 9, 15), is_published=False)

    html = page(client, week.get_absolute_url())

    assert f'<a rel="prev" href="{before.get_absolute_url()}">← Before</a>' in html
    assert f'<a rel="next" href="{after.get_absolute_url()}">After →</a>' in html


def test_draft_weeks_and_terms_are_not_found_for_the_public(client, week):
    week.is_published = False
    week.save()
    draft_term = TermFactory(is_published=False)

    assert client.get(week.get_absolute_url()).status_code == 404
    assert client.get(draft_term.get_absolute_url()).status_code == 404
    assert "Memorization" not in page(client, week.term.get_absolute_url())
    assert week.get_absolute_url() not in page(client, reverse("syllabus:search") + "?q=Memorization")


def test_staff_see_drafts_with_a_banner(staff_client, week):
    week.is_published = False
    week.save()

    html = page(staff_client, week.get_absolute_url())

    assert "<strong>Draft.</strong> Only staff and its presenters can see this session" in html


def test_term_syllabus_lists_weeks_with_presenters_papers_and_slides(client, week):
    html = page(client, week.term.get_absolute_url())

    assert "<h1>Fall 2026</h1>" in html
    assert f'<a href="{week.get_absolute_url()}">Memorization</a>' in html
    assert '<a href="/presenters/ceyer/">Ceyer</a>' in html
    assert '<td data-label="Papers" class="number">1</td>' in html
    assert '<span class="badge slides">1 slide deck</span>' in html


def test_home_shows_upcoming_and_recent_sessions_of_the_current_term(client, week, settings):
    WeekFactory(term=week.term, title="Far ahead", date=datetime.date(2099, 1, 1))

    html = page(client, reverse("syllabus:home"))

    assert "<h1>Fall 2026</h1>" in html
    upcoming, recent = html.split('id="upcoming-heading"')[1].split('id="recent-heading"')
    assert "Far ahead" in upcoming and "Memorization" in recent


def test_home_without_a_published_term_points_to_the_admin(client):
    TermFactory(is_published=False)

    assert "No term is published yet." in page(client, reverse("syllabus:home"))


def test_paper_page_lists_every_session_where_it_was_read(client, week):
    paper = week.presentations.get(order=1).paper
    other_term_week = WeekFactory(title="Second reading", term=TermFactory(name="Spring 2027"))
    PresentationFactory(week=other_term_week, paper=paper)
    WeekFactory(title="Secret", is_published=False).presentations.create(order=1, paper=paper)

    html = page(client, paper.get_absolute_url())

    assert "<h1>A Closer Look at Memorization</h1>" in html
    assert "Memorization</a>" in html and "Second reading" in html and "Spring 2027" in html
    assert "Secret" not in html
    assert 'href="https://slides.example.edu/ceyer.pdf"' in html


def test_presenter_page_shows_photo_bio_and_presentations_but_never_the_email(client, week):
    presenter = week.presentations.get(order=1).ordered_presenters[0]
    presenter.bio = "Works on *theory*."
    presenter.email = "ceyer@example.edu"
    presenter.save()

    html = page(client, presenter.get_absolute_url())

    assert "<h1>Ceyer</h1>" in html
    assert "<p>Works on <em>theory</em>.</p>" in html
    assert "A Closer Look at Memorization" in html
    assert "ceyer@example.edu" not in html


def test_category_tag_and_year_pages_list_their_sessions(client, week):
    for url in ("/categories/theory/", "/tags/infomax/", "/years/2026/"):
        assert f'<a href="{week.get_absolute_url()}">Memorization</a>' in page(client, url)
    assert client.get("/years/1999/").status_code == 404


def test_unknown_pages_get_a_friendly_404(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()


def test_server_errors_get_a_friendly_500(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response["Content-Type"] == "text/plain"
    assert response.content.decode().splitlines() == [
        "User-agent: *",
        "Disallow: /admin/",
        "Sitemap: http://testserver/sitemap.xml",
    ]


@pytest.fixture
def draft_only():
    """A draft week in a published term, with a paper, presenter, category and tag used nowhere else."""
    term = TermFactory(name="Fall 2026")
    WeekFactory(term=term, title="Public week")
    week = WeekFactory(term=term, title="Secret week", is_published=False)
    paper = PaperFactory(title="Secret paper")
    paper.tags.add(TagFactory(name="secret-tag"))
    row = PresentationFactory(week=week, paper=paper)
    PresentationPresenterFactory(
        presentation=row, presenter=PresenterFactory(name="Secret Speaker", slug="secret")
    )
    week.categories.add(CategoryFactory(name="Secret category"))
    week.tags.add(TagFactory(name="secret-week-tag"))
    return week


@pytest.mark.parametrize(
    "url",
    [
        "/papers/secret-paper/",
        "/presenters/secret/",
        "/presenters/secret/calendar.ics",
        "/categories/secret-category/",
        "/tags/secret-tag/",
        "/tags/secret-week-tag/",
    ],
)
def test_what_only_a_draft_uses_is_not_found_for_the_public(client, draft_only, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/terms/",
        "/papers/",
        "/presenters/",
        "/categories/",
        "/tags/",
        "/sitemap.xml",
    ],
)
def test_lists_and_counts_do_not_reveal_drafts(client, draft_only, url):
    html = page(client, url)

    assert "secret" not in html.lower()


def test_session_counts_leave_drafts_out(client, draft_only):
    assert "(1 session)" in page(client, "/")
    assert "· 1 session</span>" in page(client, "/terms/")


def test_search_does_not_reveal_drafts(client, draft_only):
    assert "0 results for “secret”." in page(client, "/search/?q=secret")


def test_staff_see_draft_readings_marked_on_paper_and_presenter_pages(staff_client, draft_only):
    for url in ("/papers/secret-paper/", "/presenters/secret/"):
        html = page(staff_client, url)
        assert 'Secret week</a> <span class="badge draft">draft</span>' in html


@pytest.mark.parametrize("year", [0, 99999, 10000])
def test_impossible_years_are_not_found(client, year):
    assert client.get(f"/years/{year}/").status_code == 404


def test_previous_and_next_never_skip_a_week_with_the_same_date_and_position(client):
    term = TermFactory()
    first, second, third = (
        WeekFactory(term=term, title=t, date=datetime.date(2026, 9, 10), position=1) for t in "ABC"
    )

    html = page(client, second.get_absolute_url())

    assert f'<a rel="prev" href="{first.get_absolute_url()}">← A</a>' in html
    assert f'<a rel="next" href="{third.get_absolute_url()}">C →</a>' in html
