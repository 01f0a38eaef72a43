"""What is missing: counts on the week changelist, its filters, and the term's readiness page."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from syllabus import readiness
from syllabus.models import Presentation, Term, Week
from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    SlideDeckFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:syllabus_week_changelist")


@dataclass
class Term3:
    """A term whose first week is ready, second lacks things, third has no rows yet."""

    term: Term
    ready: Week
    unready: Week
    empty: Week
    unslided: Presentation  # paper without abstract, presenter, no deck
    placeholder: Presentation  # a label only


def make_term(name: str = "Spring") -> Term3:
    term = TermFactory(name=name)
    ready = WeekFactory(term=term, title=f"{name} ready", position=1, date=datetime.date(2027, 1, 5))
    row = PresentationFactory(week=ready, order=1, paper=PaperFactory(abstract="We show things."))
    PresentationPresenterFactory(presentation=row)
    SlideDeckFactory(week=ready, presentation=row)
    unready = WeekFactory(term=term, title=f"{name} unready", position=2, date=datetime.date(2027, 1, 12))
    unslided = PresentationFactory(week=unready, order=1, paper=PaperFactory(abstract=""))
    PresentationPresenterFactory(presentation=unslided)
    placeholder = PresentationFactory(week=unready, order=2, paper=None, label="Mutual information")
    SlideDeckFactory(week=unready)  # for the whole session: no row has slides from it
    empty = WeekFactory(term=term, title=f"{name} empty", position=3, date=datetime.date(2027, 1, 19))
    return Term3(term, ready, unready, empty, unslided, placeholder)


def grow(term: Term, count: int) -> None:
    """Add `count` weeks of every kind to `term`, each with rows that lack things."""
    for _ in range(count):
        week = WeekFactory(term=term)
        complete = PresentationFactory(week=week, paper=PaperFactory(abstract="Yes."))
        PresentationPresenterFactory(presentation=complete)
        PresentationPresenterFactory(presentation=complete)
        SlideDeckFactory(week=week, presentation=complete)
        SlideDeckFactory(week=week, presentation=complete)
        PresentationFactory(week=week, paper=PaperFactory(abstract=""))
        PresentationFactory(week=week, paper=None, label="Open topic")
        WeekFactory(term=term)


def counts(week: Week) -> tuple:
    found = readiness.weeks_with_readiness(Week.objects.filter(pk=week.pk)).get()
    return (
        found.rows_total,
        found.rows_presented,
        found.rows_with_paper,
        found.rows_with_slides,
        found.rows_needing_slides,
        found.rows_with_abstract,
    )


def test_week_counts_count_rows_not_presenters_or_decks():
    seminar = make_term()
    PresentationPresenterFactory(presentation=seminar.ready.presentations.get())  # a second presenter
    SlideDeckFactory(week=seminar.ready, presentation=seminar.ready.presentations.get())  # a second deck

    assert counts(seminar.ready) == (1, 1, 1, 1, 1, 1)
    assert counts(seminar.unready) == (2, 1, 1, 0, 1, 0)
    assert counts(seminar.empty) == (0, 0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("lack", "expected"),
    [
        (readiness.SLIDES, ["unready"]),
        (readiness.PRESENTER, ["unready", "empty"]),
        (readiness.PAPER, ["unready", "empty"]),
        (readiness.ABSTRACT, ["unready"]),
    ],
)
def test_weeks_lacking_follow_the_documented_rules(lack, expected):
    make_term()

    weeks = readiness.weeks_lacking(Week.objects.order_by("position"), lack)

    assert [week.title for week in weeks] == [f"Spring {name}" for name in expected]


def test_term_readiness_lists_each_row_with_what_it_lacks():
    seminar = make_term()
    make_term("Other")  # another term's weeks are not listed

    report = readiness.term_readiness(term=seminar.term)

    assert [(item.week, item.is_empty, [(r.row, r.lacks) for r in item.rows]) for item in report] == [
        (
            seminar.unready,
            False,
            [(seminar.unslided, ["slides", "abstract"]), (seminar.placeholder, ["presenter", "paper"])],
        ),
        (seminar.empty, True, []),
    ]


def test_term_readiness_gives_each_row_its_status_and_due_time():
    seminar = make_term()
    before_due = datetime.datetime(2027, 1, 10, 23, 59, tzinfo=datetime.UTC)

    report = readiness.term_readiness(term=seminar.term, now=before_due)

    assert [(r.row, r.status, r.slides_due) for r in report[0].rows] == [
        (seminar.unslided, "missing slides", datetime.datetime(2027, 1, 11, tzinfo=datetime.UTC)),
        (seminar.placeholder, "missing paper", datetime.datetime(2027, 1, 11, tzinfo=datetime.UTC)),
    ]


def berlin_week(**fields) -> Week:
    """A session on Tuesday 31 March 2026 at 16:00 in Berlin (summer time began on the Sunday)."""
    term = TermFactory(time_zone="Europe/Berlin", start_time=datetime.time(16, 0), **fields)
    return WeekFactory(term=term, date=datetime.date(2026, 3, 31))


@pytest.mark.parametrize(
    ("days", "due_utc"),
    [
        (0, datetime.datetime(2026, 3, 31, 14, 0, tzinfo=datetime.UTC)),  # 16:00 CEST
        (1, datetime.datetime(2026, 3, 30, 14, 0, tzinfo=datetime.UTC)),
        (3, datetime.datetime(2026, 3, 28, 15, 0, tzinfo=datetime.UTC)),  # 16:00 CET, before the change
    ],
)
def test_slides_are_due_days_before_the_session_at_the_same_local_time(days, due_utc):
    week = berlin_week(slides_due_days=days)

    assert readiness.slides_due_at(week) == due_utc


def test_slides_of_a_session_without_a_time_are_due_from_the_start_of_its_date():
    term = TermFactory(time_zone="America/New_York", slides_due_days=2)
    week = WeekFactory(term=term, date=datetime.date(2026, 11, 10))

    assert readiness.slides_due_at(week) == datetime.datetime(2026, 11, 8, 5, 0, tzinfo=datetime.UTC)


def flagged(row: Presentation) -> Presentation:
    """The row as `row_status` reads it: annotated, with its week and term."""
    return readiness.with_row_flags(Presentation.objects.select_related("week__term")).get(pk=row.pk)


DUE = datetime.datetime(2026, 3, 30, 14, 0, tzinfo=datetime.UTC)
JUST_BEFORE = DUE - datetime.timedelta(seconds=1)


def test_row_status_follows_the_documented_rules():
    credited = PresentationFactory(week=berlin_week(), paper=None, label="A talk")
    PresentationPresenterFactory(presentation=credited)
    unslided = PresentationFactory(week=berlin_week())
    placeholder = PresentationFactory(week=berlin_week(), paper=None, label="Open topic")
    done = PresentationFactory(week=berlin_week())
    SlideDeckFactory(week=done.week, presentation=done)
    credited, unslided, placeholder, done = (flagged(row) for row in (credited, unslided, placeholder, done))

    statuses = {
        name: (readiness.row_status(row, now=JUST_BEFORE), readiness.row_status(row, now=DUE))
        for name, row in [
            ("credited", credited),
            ("unslided", unslided),
            ("placeholder", placeholder),
            ("done", done),
        ]
    }

    assert statuses == {
        "credited": ("missing paper", "overdue"),  # a talk needs slides once someone presents it
        "unslided": ("missing slides", "overdue"),
        "placeholder": ("missing paper", "missing paper"),  # no paper, no presenter: no slides asked for
        "done": ("complete", "complete"),
    }


def test_weeks_with_overdue_slides_agree_with_the_due_time():
    week = berlin_week()
    PresentationFactory(week=week)  # a paper, no deck
    untimed = WeekFactory(
        term=TermFactory(time_zone="America/New_York", slides_due_days=2), date=datetime.date(2026, 11, 10)
    )
    PresentationFactory(week=untimed)
    ready = berlin_week()
    row = PresentationFactory(week=ready)
    SlideDeckFactory(week=ready, presentation=row)

    def overdue(now):
        return sorted(
            readiness.weeks_with_overdue_slides(Week.objects.all(), now=now).values_list("pk", flat=True)
        )

    untimed_due = datetime.datetime(2026, 11, 8, 5, 0, tzinfo=datetime.UTC)
    assert overdue(JUST_BEFORE) == []
    assert overdue(DUE) == [week.pk]
    assert overdue(untimed_due - datetime.timedelta(seconds=1)) == [week.pk]
    assert overdue(untimed_due) == [week.pk, untimed.pk]


def test_term_readiness_of_a_ready_term_is_empty():
    week = WeekFactory()
    row = PresentationFactory(week=week, paper=PaperFactory(abstract="Done."))
    PresentationPresenterFactory(presentation=row)
    SlideDeckFactory(week=week, presentation=row)

    assert readiness.term_readiness(term=week.term) == []


def test_term_readiness_queries_do_not_grow_with_the_term():
    seminar = make_term()
    small = count_queries(lambda: readiness.term_readiness(term=seminar.term))
    grow(seminar.term, 3)

    assert count_queries(lambda: readiness.term_readiness(term=seminar.term)) == small == 3


# The admin


def changelist_titles(client, **params) -> list[str]:
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return sorted(week.title for week in response.context["cl"].result_list)


def test_week_changelist_shows_counts_per_week(staff_client):
    seminar = make_term()

    page = staff_client.get(CHANGELIST, {"term__id__exact": seminar.term.pk}).content.decode()

    # presenters, papers, slides, abstracts of the unready week, then of the ready one
    assert (
        '<td class="field-presenters_done"><span class="readiness-short">1/2</span></td>'
        '<td class="field-papers_done"><span class="readiness-short">1/2</span></td>'
        '<td class="field-slides_done"><span class="readiness-short">0/1</span></td>'
        '<td class="field-abstracts_done"><span class="readiness-short">0/1</span></td>'
    ) in page
    assert (
        '<td class="field-presenters_done"><span class="readiness-done">1/1</span></td>'
        '<td class="field-papers_done"><span class="readiness-done">1/1</span></td>'
        '<td class="field-slides_done"><span class="readiness-done">1/1</span></td>'
        '<td class="field-abstracts_done"><span class="readiness-done">1/1</span></td>'
    ) in page


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("slides", ["Spring unready"]),
        ("presenter", ["Spring empty", "Spring unready"]),
        ("paper", ["Spring empty", "Spring unready"]),
        ("abstract", ["Spring unready"]),
        ("overdue", []),  # due on 11 January 2027
    ],
)
def test_week_changelist_filters_what_is_missing(staff_client, value, expected):
    make_term()

    assert changelist_titles(staff_client, missing=value) == expected


def test_week_changelist_filter_choices_are_named(staff_client):
    page = staff_client.get(CHANGELIST).content.decode()

    for label in ["missing slides", "missing presenter", "no paper", "missing abstract", "slides overdue"]:
        assert f">{label}</a>" in page


def test_week_changelist_ignores_an_unknown_filter_value(staff_client):
    make_term()

    assert changelist_titles(staff_client, missing="nonsense") == [
        "Spring empty",
        "Spring ready",
        "Spring unready",
    ]


def test_week_changelist_filters_weeks_with_overdue_slides(staff_client):
    make_term()
    today = timezone.localdate()
    past = WeekFactory(title="Yesterday", date=today - datetime.timedelta(days=1))
    PresentationFactory(week=past)
    soon = WeekFactory(title="In a week", date=today + datetime.timedelta(days=7))
    PresentationFactory(week=soon)

    assert changelist_titles(staff_client, missing="overdue") == ["Yesterday"]


@pytest.mark.parametrize(
    "params", [{}, {"missing": "slides"}, {"missing": "presenter"}, {"missing": "overdue"}]
)
def test_week_changelist_queries_do_not_grow_with_weeks(staff_client, params, django_assert_max_num_queries):
    seminar = make_term()
    PresentationFactory(week=WeekFactory(term=seminar.term, date=datetime.date(2026, 9, 1)))  # overdue
    staff_client.get(CHANGELIST, params)  # warm per-process caches
    small = count_queries(lambda: staff_client.get(CHANGELIST, params))
    grow(seminar.term, 4)

    with django_assert_max_num_queries(small):
        response = staff_client.get(CHANGELIST, params)
    assert response.status_code == 200


def readiness_url(term: Term) -> str:
    return reverse("admin:syllabus_term_readiness", args=[term.pk])


def test_readiness_page_lists_rows_with_links(staff_client):
    seminar = make_term()

    response = staff_client.get(readiness_url(seminar.term))

    page = response.content.decode()
    unready_url = reverse("admin:syllabus_week_change", args=[seminar.unready.pk])
    paper_url = reverse("admin:papers_paper_change", args=[seminar.unslided.paper.pk])
    assert f'<a href="{unready_url}">2. Spring unready</a>' in page
    assert f'<a href="{paper_url}">{seminar.unslided.paper.title}</a>' in page
    assert (
        '<td><span class="readiness-lack">slides</span> <span class="readiness-lack">abstract</span></td>'
        in page
    )
    assert "<td>Mutual information</td>" in page
    assert (
        '<td><span class="readiness-status readiness-status-missing-slides">missing slides</span></td>\n'
        "              <td>Mon 11 Jan 2027, 00:00</td>"
    ) in page
    assert "No rows yet: no presenter, no paper." in page
    assert "Spring ready" not in page


def test_readiness_page_shows_overdue_rows_in_the_terms_time_zone(staff_client):
    term = TermFactory(time_zone="Asia/Tokyo", start_time=datetime.time(9, 0), slides_due_days=2)
    week = WeekFactory(term=term, date=timezone.localdate() - datetime.timedelta(days=1))
    PresentationFactory(week=week, paper=None, label="Talk")
    PresentationPresenterFactory(presentation=week.presentations.get())
    due = week.date - datetime.timedelta(days=2)

    page = staff_client.get(readiness_url(term)).content.decode()

    assert (
        '<td><span class="readiness-status readiness-status-overdue">overdue</span></td>\n'
        f"              <td>{due:%a} {due.day} {due:%b %Y}, 09:00</td>"
    ) in page
    assert "Slides are due 2 days before the session (times in Asia/Tokyo)" in page


def test_readiness_page_is_linked_from_the_term_pages(staff_client):
    seminar = make_term()
    link = f'<a href="{readiness_url(seminar.term)}">What is missing</a>'

    change_page = staff_client.get(reverse("admin:syllabus_term_change", args=[seminar.term.pk]))
    changelist = staff_client.get(reverse("admin:syllabus_term_changelist"))

    assert link in change_page.content.decode()
    assert link in changelist.content.decode()


def test_readiness_page_of_an_unknown_term_is_404(staff_client):
    assert staff_client.get("/admin/syllabus/term/999999/readiness/").status_code == 404
    assert staff_client.get("/admin/syllabus/term/not-a-number/readiness/").status_code == 404


def test_readiness_page_queries_do_not_grow_with_the_term(staff_client, django_assert_max_num_queries):
    seminar = make_term()
    url = readiness_url(seminar.term)
    staff_client.get(url)
    small = count_queries(lambda: staff_client.get(url))
    grow(seminar.term, 4)

    with django_assert_max_num_queries(small):
        response = staff_client.get(url)
    assert response.content.decode().count('class="module readiness-week"') == 2 + 2 * 4


# Who may see it: anonymous and non-staff users are sent to the login page, staff need the
# model's view permission.
@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", "login"), ("member", "login"), ("staff", 403), ("staff_viewer", 200), ("superuser", 200)],
)
@pytest.mark.parametrize("page", ["readiness", "changelist"])
def test_what_is_missing_permissions(client, django_user_model, who, expected, page):
    seminar = make_term()
    url = readiness_url(seminar.term) if page == "readiness" else f"{CHANGELIST}?missing=slides"
    if who != "anonymous":
        user = django_user_model.objects.create_user(
            username=who, password="x", is_staff=who != "member", is_superuser=who == "superuser"
        )
        if who == "staff_viewer":
            codename = "view_term" if page == "readiness" else "view_week"
            user.user_permissions.add(Permission.objects.get(codename=codename))
        client.force_login(user)

    response = client.get(url)

    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == expected
    if expected == 200:
        shown = "Spring unready" in response.content.decode()
        assert shown
