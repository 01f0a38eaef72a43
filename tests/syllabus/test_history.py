"""History: who changed what and when, through the admin, the API, an import or a service; diff and revert."""

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.models import Paper, PaperLink, SlideDeck
from presenters.models import Presenter
from syllabus import services
from syllabus.history import history_batch, history_reason
from syllabus.models import Presentation, PresentationPresenter, Term, Week
from tests.conftest import count_queries, token_client
from tests.factories import PaperFactory, PresentationFactory, PresenterFactory, TermFactory, WeekFactory
from tests.syllabus.test_import_jekyll import run_import, write_site

pytestmark = pytest.mark.django_db


def versions(obj) -> list[tuple]:
    """(type, user name, reason) of each version of `obj`, oldest first."""
    return [
        (
            record.history_type,
            record.history_user.username if record.history_user else None,
            record.history_change_reason,
        )
        for record in type(obj).history.filter(id=obj.pk).order_by("history_date", "history_id")
    ]


def history_url(obj, *version) -> str:
    meta = obj._meta
    if version:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_simple_history", args=[obj.pk, *version])
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])


# Where a change comes from ------------------------------------------------------------------------


def test_a_save_outside_any_request_is_recorded_without_user_or_reason():
    term = TermFactory(name="Spring")
    term.name = "Spring 2026"
    term.save()
    pk = term.pk
    term.delete()
    term.pk = pk

    assert versions(term) == [("+", None, ""), ("~", None, ""), ("-", None, "")]


def test_an_admin_action_records_the_instructor_and_the_admin(staff_client):
    weeks = [WeekFactory(is_published=False), WeekFactory(is_published=False)]

    response = staff_client.post(
        reverse("admin:syllabus_week_changelist"),
        {"action": "publish", "_selected_action": [week.pk for week in weeks]},
    )

    assert response.status_code == 302
    assert [versions(week)[-1] for week in weeks] == [("~", "instructor", "admin")] * 2
    assert [week.history.latest().is_published for week in weeks] == [True, True]


def test_an_admin_change_form_records_the_instructor(staff_client):
    term = TermFactory(name="Spring", code="S26")
    data = {
        "name": "Spring 2026",
        "slug": term.slug,
        "code": "S26",
        "start_date": term.start_date.isoformat(),
        "end_date": term.end_date.isoformat(),
        "description": "",
        "time_zone": "UTC",
        "slides_due_days": "1",
        "reminder_days": "7",
        "weeks-TOTAL_FORMS": "0",
        "weeks-INITIAL_FORMS": "0",
    }

    response = staff_client.post(reverse("admin:syllabus_term_change", args=[term.pk]), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert versions(term) == [("+", None, ""), ("~", "instructor", "admin")]
    assert term.history.latest().name == "Spring 2026"


def test_an_api_write_records_the_tokens_user(django_user_model):
    editor = django_user_model.objects.create_user(username="editor", password="x")
    editor.user_permissions.set(
        Permission.objects.filter(codename__in=["change_paper", "view_paper", "change_week"])
    )
    paper = PaperFactory(title="Attention")

    response = token_client(editor).patch(
        reverse("api:paper-detail", args=[paper.pk]), {"title": "Attention Is All You Need"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert versions(paper) == [("+", None, ""), ("~", "editor", "API")]
    assert paper.history.latest().title == "Attention Is All You Need"


def test_a_reason_set_by_a_command_is_kept():
    with history_reason("load_demo"):
        presenter = PresenterFactory()

    assert versions(presenter) == [("+", None, "load_demo")]


def test_load_demo_records_its_reason():
    call_command("load_demo", stdout=io.StringIO())

    assert set(Week.history.values_list("history_change_reason", flat=True)) == {"load_demo"}
    assert set(Paper.history.values_list("history_change_reason", flat=True)) == {"load_demo"}


# Bulk writes record history in bulk --------------------------------------------------------------


def history_queries(action) -> int:
    """How many statements `action` sends to the historical tables."""
    with CaptureQueriesContext(connection) as queries:
        action()
    return sum("historical" in query["sql"] for query in queries)


@pytest.mark.parametrize("size", [1, 4])
def test_publishing_weeks_writes_their_history_in_one_insert(size):
    weeks = [WeekFactory(is_published=False) for _ in range(size)]

    written = history_queries(
        lambda: services.weeks_set_published(
            weeks=Week.objects.filter(pk__in=[w.pk for w in weeks]), published=True
        )
    )

    assert written == 1
    assert [week.history.latest().is_published for week in weeks] == [True] * size


@pytest.mark.parametrize("size", [1, 4])
def test_reordering_a_table_records_each_row_in_one_insert(size):
    week = WeekFactory()
    rows = [PresentationFactory(week=week, order=number) for number in range(1, size + 1)]

    written = history_queries(
        lambda: services.week_set_order(week=week, presentation_ids=[row.pk for row in reversed(rows)])
    )

    assert written == 1
    assert [row.history.latest().order for row in rows] == list(range(size, 0, -1))


@pytest.mark.parametrize("size", [1, 4])
def test_saving_a_table_with_presenters_writes_history_in_one_insert_per_table(size):
    week = WeekFactory()
    people = [PresenterFactory() for _ in range(size)]
    rows = [
        services.TableRow(presentation=Presentation(label=f"row {n}"), presenters=people) for n in range(size)
    ]

    written = history_queries(lambda: services.week_save_table(week=week, rows=rows))

    assert written == 2  # the rows, their presenters
    assert Presentation.history.count() == size
    assert PresentationPresenter.history.count() == size * size


def test_a_failed_batch_writes_no_history():
    with pytest.raises(RuntimeError), history_batch():
        TermFactory()
        raise RuntimeError

    assert Term.history.count() == 0


def site_of(tmp_path, *, posts: int, rows: int):
    """A site of `posts` posts on successive days, each a table of `rows` new papers, presenters and decks."""
    name = "".join(chr(ord("a") + int(digit)) for digit in f"{posts}0{rows}")  # names without digits
    table = "| Presenter | Papers | Paper URL| Our Slides |\n| --- | --- | --- | --- |\n"
    row = (
        "| {who} | Paper {name} {day} {n} | [PDF](https://example.org/{name}/{day}/{n}.pdf) "
        "| {who} [PDF](https://slides.example.org/{name}/{day}/{n}.pdf) |\n"
    )
    return write_site(
        tmp_path / name,
        {
            f"2017-09-{day + 1:02d}-{name}.md": (
                f"---\ntitle: Week {day}\nterm: {name}\ncategories:\n- 1Theoretical\ntags: [ t{day} ]\n---\n"
                + table
                + "".join(
                    row.format(
                        who=f"Ann{name}{chr(ord('a') + day)}{chr(ord('a') + n)}", name=name, day=day, n=n
                    )
                    for n in range(rows)
                )
            )
            for day in range(posts)
        },
    )


def test_an_import_records_every_row_with_its_reason(tmp_path):
    run_import(site_of(tmp_path, posts=2, rows=3))

    tracked = [Term, Week, Presentation, PresentationPresenter, Paper, PaperLink, Presenter, SlideDeck]
    assert {model.__name__: model.history.values("id").distinct().count() for model in tracked} == {
        model.__name__: model.objects.count() for model in tracked
    }
    reasons = {
        reason
        for model in tracked
        for reason in model.history.values_list("history_change_reason", flat=True)
    }
    assert reasons == {"import_jekyll"}
    assert Presentation.objects.count() == 6


def test_an_import_writes_history_in_statements_per_post_not_per_row(tmp_path):
    def written(posts: int, rows: int) -> int:
        site = site_of(tmp_path, posts=posts, rows=rows)
        return history_queries(lambda: run_import(site))

    one_row, four_rows, twice_the_posts = written(2, 1), written(2, 4), written(4, 4)

    # Per post, one insert into each table: the week, its rows, papers, links, presenters, their
    # credits and slide decks; and one for the term, made once with the dates of all its posts.
    assert one_row == 2 * 7 + 1
    assert four_rows == one_row
    assert twice_the_posts == 4 * 7 + 1


def test_a_second_import_of_the_same_site_records_nothing(tmp_path):
    site = site_of(tmp_path, posts=2, rows=2)
    run_import(site)

    assert history_queries(lambda: run_import(site)) == 0


# The admin's history pages -------------------------------------------------------------------------


def staff(django_user_model, *codenames: str):
    user = django_user_model.objects.create_user(
        username="-".join(codenames) or "staff", password="x", is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_the_history_page_shows_who_when_through_what_and_the_diff(staff_client):
    term = TermFactory(name="Spring", code="S26")
    with history_reason("import_jekyll"):
        term.name = "Spring 2026"
        term.save()

    page = staff_client.get(history_url(term)).content.decode()

    assert "<strong>Name:</strong> Spring &rarr; Spring 2026" in page
    assert "import_jekyll" in page
    assert "2 versions" in page
    assert 'value="Revert"' not in page  # reverting is done from a version's page


def test_a_version_can_be_reverted_and_the_revert_is_recorded(staff_client):
    term = TermFactory(name="Spring", code="S26")
    first = term.history.get()
    term.name, term.code = "Renamed by mistake", "X"
    term.save()
    version_page = staff_client.get(history_url(term, first.history_id))
    assert 'value="Revert"' in version_page.content.decode()
    form = version_page.context["adminform"].form

    response = staff_client.post(
        history_url(term, first.history_id),
        {name: form[name].value() or "" for name in form.fields},
    )

    assert response.status_code == 302
    term.refresh_from_db()
    assert (term.name, term.code) == ("Spring", "S26")
    user, reason = versions(term)[-1][1:]
    assert user == "instructor"
    assert reason.startswith("admin: reverted to the version of ")


ANONYMOUS, SIGNED_IN, STAFF, VIEWER, EDITOR = "anonymous", "signed in", "staff", "viewer", "editor"


def actor_client(client, django_user_model, actor):
    users = {
        SIGNED_IN: lambda: django_user_model.objects.create_user(username="student", password="x"),
        STAFF: lambda: staff(django_user_model),
        VIEWER: lambda: staff(django_user_model, "view_term"),
        EDITOR: lambda: staff(django_user_model, "view_term", "change_term"),
    }
    if actor in users:
        client.force_login(users[actor]())
    return client


@pytest.mark.parametrize(
    "actor, list_status, version_status, revert_status",
    [
        (ANONYMOUS, 302, 302, 302),  # to the login page
        (SIGNED_IN, 302, 302, 302),
        (STAFF, 403, 403, 403),
        (VIEWER, 200, 200, 403),
        (EDITOR, 200, 200, 302),
    ],
)
def test_history_permission_matrix(
    client, django_user_model, actor, list_status, version_status, revert_status
):
    term = TermFactory(name="Spring", code="S26")
    first = term.history.get()
    term.name = "Renamed"
    term.save()
    client = actor_client(client, django_user_model, actor)
    revert = {
        "name": "Spring",
        "slug": term.slug,
        "code": "S26",
        "start_date": term.start_date.isoformat(),
        "end_date": term.end_date.isoformat(),
        "description": "",
        "time_zone": "UTC",
        "slides_due_days": "1",
        "reminder_days": "7",
    }

    listed = client.get(history_url(term))
    shown = client.get(history_url(term, first.history_id))
    reverted = client.post(history_url(term, first.history_id), revert)

    assert (listed.status_code, shown.status_code, reverted.status_code) == (
        list_status,
        version_status,
        revert_status,
    )
    term.refresh_from_db()
    assert term.name == ("Spring" if actor == EDITOR else "Renamed")
    if actor in (ANONYMOUS, SIGNED_IN):
        assert listed["Location"].startswith(reverse("admin:login"))
    if actor == VIEWER:
        assert 'value="Revert"' not in shown.content.decode()


@pytest.mark.parametrize(
    "make",
    [TermFactory, WeekFactory, PresentationFactory, PaperFactory, PresenterFactory],
    ids=lambda f: f.__name__,
)
def test_history_page_queries_do_not_grow_with_versions(staff_client, make, django_assert_max_num_queries):
    obj = make()
    other_week, other_paper = WeekFactory(), PaperFactory()

    def change(count: int) -> None:
        for number in range(count):
            if isinstance(obj, Presentation):  # a change of its foreign keys is shown by name
                obj.week, obj.paper = (other_week, other_paper) if number % 2 else (obj.week, PaperFactory())
                obj.order += 10
            elif isinstance(obj, Week):
                obj.date += datetime.timedelta(days=1)
            else:
                setattr(obj, "title" if isinstance(obj, Paper) else "name", f"Version {number}")
            obj.save()

    def load():
        response = staff_client.get(history_url(obj))
        assert response.status_code == 200

    change(1)
    load()  # warm per-process caches
    few = count_queries(load)
    change(5)
    with django_assert_max_num_queries(15):
        many = count_queries(load)
    assert many == few


@pytest.mark.parametrize("size", [1, 3])
def test_deleting_a_week_in_the_admin_records_it_and_its_rows_in_one_insert_each(staff_client, size):
    week = WeekFactory()
    rows = [PresentationFactory(week=week, order=number) for number in range(1, size + 1)]

    written = history_queries(
        lambda: staff_client.post(reverse("admin:syllabus_week_delete", args=[week.pk]), {"post": "yes"})
    )

    assert written == 2
    assert [versions(row)[-1] for row in rows] == [("-", "instructor", "admin")] * size


def test_saving_a_table_unchanged_gives_its_rows_no_new_version_and_a_moved_row_one():
    week = WeekFactory()
    first, second = PresentationFactory(week=week, order=1), PresentationFactory(week=week, order=2)

    services.week_save_table(
        week=week, rows=[services.TableRow(presentation=first), services.TableRow(presentation=second)]
    )
    assert (len(versions(first)), len(versions(second))) == (1, 1)

    services.week_save_table(
        week=week, rows=[services.TableRow(presentation=second), services.TableRow(presentation=first)]
    )
    assert [record.order for record in first.history.order_by("history_date")] == [1, 2]
    assert [record.order for record in second.history.order_by("history_date")] == [2, 1]


def test_history_of_a_row_whose_week_and_paper_were_deleted_still_opens(staff_client):
    week = WeekFactory()
    paper = PaperFactory(title="Gone soon")
    row = PresentationFactory(week=week, paper=paper, order=1)
    row_id = row.pk
    versions_before = list(Presentation.history.filter(id=row_id).values_list("history_id", flat=True))
    row.delete()
    paper.delete()
    week.delete()
    gone = Presentation(pk=row_id)

    listed = staff_client.get(history_url(gone))
    shown = staff_client.get(history_url(gone, versions_before[0]))

    assert (listed.status_code, shown.status_code) == (200, 200)
    assert "(deleted)" in shown.content.decode()


@pytest.mark.parametrize("object_id, version", [("abc", None), ("1", "abc"), ("1'", "2")])
def test_history_pages_answer_404_to_malformed_ids(staff_client, object_id, version):
    term = TermFactory()
    base = history_url(term).replace(f"/{term.pk}/", f"/{object_id}/")
    url = base + (f"{version}/" if version else "")

    assert staff_client.get(url).status_code == 404
