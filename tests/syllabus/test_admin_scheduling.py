"""Setting up a term in the admin: "Generate sessions" on a term, and "Copy term forward"."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from syllabus.models import Term, Week
from tests.conftest import count_queries
from tests.factories import PresentationFactory, PresentationPresenterFactory, TermFactory, WeekFactory

pytestmark = pytest.mark.django_db

D = datetime.date

# What each page needs besides viewing terms: generating sessions changes the term and adds weeks;
# copying adds a term and weeks.
NEEDED = {
    "generate": ["view_term", "change_term", "add_week"],
    "copy": ["view_term", "add_term", "add_week"],
}


def user_with(django_user_model, *, staff: bool, codenames: list[str]):
    user = django_user_model.objects.create_user(username="someone", password="x", is_staff=staff)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="syllabus", codename__in=codenames)
    )
    return user


def actor_client(client, django_user_model, actor: str, page: str):
    """anonymous; signed in but not staff (with the permissions); staff lacking one; staff with them."""
    if actor == "anonymous":
        return client
    codenames = {
        "non_staff": NEEDED[page],
        "staff_without": NEEDED[page][:-1],
        "staff_with": NEEDED[page],
    }[actor]
    client.force_login(user_with(django_user_model, staff=actor != "non_staff", codenames=codenames))
    return client


def generate_url(term: Term) -> str:
    return reverse("admin:syllabus_term_generate_weeks", args=[term.pk])


def copy_url(term: Term) -> str:
    return reverse("admin:syllabus_term_copy", args=[term.pk])


def change_url(term: Term) -> str:
    return reverse("admin:syllabus_term_change", args=[term.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


ACTORS = ["anonymous", "non_staff", "staff_without", "staff_with"]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("actor", ACTORS)
def test_generate_sessions_permission_matrix(client, django_user_model, actor, method):
    term = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 9, 15))
    client = actor_client(client, django_user_model, actor, "generate")

    if method == "GET":
        response = client.get(generate_url(term))
    else:
        response = client.post(generate_url(term), {"weekdays": ["1"], "skip": ""})

    expected = {
        "anonymous": 302,
        "non_staff": 302,
        "staff_without": 403,
        "staff_with": 200 if method == "GET" else 302,
    }
    assert response.status_code == expected[actor]
    if actor in {"anonymous", "non_staff"}:
        assert response["Location"].startswith(reverse("admin:login"))
    created = list(term.weeks.values_list("date", flat=True))
    assert created == (
        [D(2026, 9, 1), D(2026, 9, 8), D(2026, 9, 15)] if (actor, method) == ("staff_with", "POST") else []
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("actor", ACTORS)
def test_copy_term_permission_matrix(client, django_user_model, actor, method):
    term = TermFactory(name="Fall", start_date=D(2026, 9, 1), end_date=D(2026, 9, 15))
    WeekFactory(term=term, date=D(2026, 9, 8))
    client = actor_client(client, django_user_model, actor, "copy")

    if method == "GET":
        response = client.get(copy_url(term))
    else:
        response = client.post(copy_url(term), {"name": "Spring", "start": "2027-01-12", "keep_papers": "on"})

    expected = {
        "anonymous": 302,
        "non_staff": 302,
        "staff_without": 403,
        "staff_with": 200 if method == "GET" else 302,
    }
    assert response.status_code == expected[actor]
    copied = (actor, method) == ("staff_with", "POST")
    assert list(Term.objects.values_list("name", flat=True).order_by("name")) == (
        ["Fall", "Spring"] if copied else ["Fall"]
    )


def test_term_change_page_links_to_the_setup_pages_only_for_those_allowed(client, django_user_model):
    term = TermFactory()
    client.force_login(user_with(django_user_model, staff=True, codenames=["view_term", "change_term"]))

    page = client.get(change_url(term)).content.decode()

    assert generate_url(term) not in page
    assert copy_url(term) not in page


def test_term_change_page_links_to_generate_and_copy(staff_client):
    term = TermFactory()

    page = staff_client.get(change_url(term)).content.decode()

    assert f'<a href="{generate_url(term)}">Generate sessions</a>' in page
    assert f'<a href="{copy_url(term)}">Copy term forward</a>' in page


def test_generate_sessions_form_creates_drafts_and_says_which(staff_client):
    term = TermFactory(start_date=D(2026, 11, 2), end_date=D(2026, 11, 30))

    page = staff_client.get(generate_url(term)).content.decode()
    response = staff_client.post(
        generate_url(term), {"weekdays": ["0", "3"], "skip": "2026-11-26, 2026-11-05\n"}
    )

    assert 'type="checkbox" name="weekdays" value="0"' in page
    assert response["Location"] == change_url(term)
    assert messages_of(response) == [
        "7 draft sessions created: Mon 2026-11-02, Mon 2026-11-09, Thu 2026-11-12, Mon 2026-11-16, "
        "Thu 2026-11-19, Mon 2026-11-23, Mon 2026-11-30."
    ]
    assert list(term.weeks.values_list("title", "is_published")[:2]) == [
        ("Session 1", False),
        ("Session 2", False),
    ]
    assert LogEntry.objects.get().get_change_message() == (
        "Generated 7 sessions: Mon 2026-11-02, Mon 2026-11-09, Thu 2026-11-12, Mon 2026-11-16, "
        "Thu 2026-11-19, Mon 2026-11-23, Mon 2026-11-30."
    )


def test_generate_sessions_form_starts_on_the_terms_meeting_day(staff_client):
    usual = TermFactory(weekday=2)  # Wednesdays
    unset = TermFactory(weekday=None)

    page = staff_client.get(generate_url(usual)).content.decode()

    assert 'type="checkbox" name="weekdays" value="2" id="id_weekdays_2" checked' in page
    assert (
        "checked"
        not in staff_client.get(generate_url(unset))
        .content.decode()
        .split('name="weekdays"', 1)[1]
        .split("</ul>")[0]
    )


def test_generate_sessions_again_says_nothing_was_added(staff_client):
    term = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 9, 1))
    staff_client.post(generate_url(term), {"weekdays": ["1"]})

    response = staff_client.post(generate_url(term), {"weekdays": ["1"]})

    assert messages_of(response)[-1] == "No session created: each of those dates already has one."
    assert term.weeks.count() == 1


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"skip": ""}, {"weekdays": ["Choose at least one weekday."]}),
        ({"weekdays": ["9"]}, {"weekdays": ["Select a valid choice. 9 is not one of the available choices."]}),
        (
            {"weekdays": ["1"], "skip": "2026-09-08\nnext tuesday, 2026-13-01"},
            {"skip": ["Not a date: “next”, “tuesday”, “2026-13-01”. Write dates as YYYY-MM-DD, one per line or separated by commas."]},
        ),
    ],
)  # fmt: skip
def test_generate_sessions_form_shows_errors_and_keeps_the_input(staff_client, data, errors):
    term = TermFactory()

    response = staff_client.post(generate_url(term), data)

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    page = response.content.decode()
    assert "Please correct the error below." in page
    if "skip" in data:
        assert data["skip"].split("\n")[-1] in page
    assert not term.weeks.exists()


def test_generate_sessions_form_shows_the_services_refusal(staff_client):
    term = TermFactory(start_date=D(2026, 1, 1), end_date=D(2027, 12, 31))

    response = staff_client.post(generate_url(term), {"weekdays": [str(day) for day in range(7)]})

    assert response.context["form"].errors == {
        "weekdays": ["This would create 730 sessions; at most 400 are made at once."]
    }
    assert not term.weeks.exists()


def test_generate_sessions_of_an_unknown_term_is_404(staff_client):
    assert staff_client.get(reverse("admin:syllabus_term_generate_weeks", args=[999])).status_code == 404


def test_copy_action_leads_to_the_copy_page_and_ends_on_the_new_term(staff_client):
    term = TermFactory(name="Fall 2026", start_date=D(2026, 9, 1), end_date=D(2026, 9, 30))
    week = WeekFactory(term=term, title="Intro", date=D(2026, 9, 1))
    row = PresentationFactory(week=week, order=1)
    PresentationPresenterFactory(presentation=row)

    chosen = staff_client.post(
        reverse("admin:syllabus_term_changelist"), {"action": "copy_forward", "_selected_action": [term.pk]}
    )
    page = staff_client.get(chosen["Location"])
    done = staff_client.post(
        chosen["Location"], {"name": "Spring 2027", "start": "2027-01-11", "keep_papers": "on"}
    )

    assert chosen["Location"] == copy_url(term)
    form = page.context["form"]
    assert (form["name"].value(), form["keep_papers"].value(), form["keep_presenters"].value()) == (
        "Fall 2026 (copy)",
        True,
        False,
    )
    new = Term.objects.get(name="Spring 2027")
    assert done["Location"] == change_url(new)
    assert messages_of(done) == [
        "“Spring 2027” is a draft copy of “Fall 2026” with 1 session, from 2027-01-11 to 2027-02-09. "
        "Check it, then publish it."
    ]
    assert (
        LogEntry.objects.get(object_id=str(new.pk)).get_change_message() == "Copied forward from “Fall 2026”."
    )
    copied = new.weeks.get()
    assert (copied.title, copied.date, copied.presentations.get().paper_id) == (
        "Intro",
        D(2027, 1, 12),
        row.paper_id,
    )
    assert not copied.presentations.get().presenters.exists()


def test_copy_action_wants_one_term(staff_client):
    terms = [TermFactory(), TermFactory()]

    response = staff_client.post(
        reverse("admin:syllabus_term_changelist"),
        {"action": "copy_forward", "_selected_action": [term.pk for term in terms]},
        follow=True,
    )

    assert messages_of(response) == ["Choose exactly one term to copy forward."]
    assert Term.objects.count() == 2


def test_copy_action_is_not_offered_without_the_add_permissions(client, django_user_model):
    TermFactory()
    client.force_login(user_with(django_user_model, staff=True, codenames=["view_term", "change_term"]))

    response = client.get(reverse("admin:syllabus_term_changelist"))

    assert "copy_forward" not in dict(response.context["action_form"].fields["action"].choices)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"name": "", "start": "2027-01-11"}, {"name": ["This field is required."]}),
        ({"name": "Next", "start": "11/01/2027"}, {"start": ["Enter a valid date."]}),
        ({"name": "Two\rlines", "start": "2027-01-11"}, None),
        ({"name": "Next", "start": "9999-12-30"}, {"start": ["The copied sessions would fall after the year 9999."]}),
        ({"name": "Next", "start": "2027-01-11", "skip": "soon"}, {"skip": ["Not a date: “soon”. Write dates as YYYY-MM-DD, one per line or separated by commas."]}),
    ],
)  # fmt: skip
def test_copy_form_shows_errors_and_creates_nothing(staff_client, data, errors):
    term = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 9, 30))
    WeekFactory(term=term, date=D(2026, 9, 29))

    response = staff_client.post(copy_url(term), data)

    assert response.status_code == 200
    if errors is None:
        assert list(response.context["form"].errors) == ["name"]
    else:
        assert response.context["form"].errors == errors
    assert Term.objects.count() == 1


def test_setup_pages_take_the_same_queries_for_small_and_large_terms(
    staff_client, django_assert_max_num_queries
):
    small, large = TermFactory(), TermFactory()
    WeekFactory(term=small)
    for _ in range(5):
        WeekFactory(term=large)

    for url in (generate_url, copy_url):
        staff_client.get(url(small))  # warm per-process caches
        with django_assert_max_num_queries(12):
            few = count_queries(lambda url=url: staff_client.get(url(small)))
        assert count_queries(lambda url=url: staff_client.get(url(large))) == few


def test_generate_sessions_post_takes_the_same_queries_for_few_and_many_sessions(staff_client):
    short = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 9, 1))
    long = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 12, 31))

    few = count_queries(lambda: staff_client.post(generate_url(short), {"weekdays": ["1"]}))
    many = count_queries(lambda: staff_client.post(generate_url(long), {"weekdays": ["1", "3"]}))

    assert (Week.objects.filter(term=short).count(), Week.objects.filter(term=long).count()) == (1, 36)
    assert few == many


@pytest.mark.parametrize("page", ["generate-sessions", "copy", "readiness"])
def test_term_setup_pages_answer_404_to_a_malformed_id(staff_client, page):
    assert staff_client.get(f"/admin/syllabus/term/abc/{page}/").status_code == 404
