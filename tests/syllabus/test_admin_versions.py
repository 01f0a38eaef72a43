"""The admin refuses a save from a stale change page, names what changed, keeps both editors' work."""

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.utils import timezone

from papers.models import Paper, SlideDeck
from syllabus.models import Week
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    TermFactory,
    WeekFactory,
)
from tests.syllabus.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db

ADVICE = (
    "Their changes are kept, and your input is still in the form below. Compare with the current version "
    "(open this page in another tab); saving this form again will replace their changes with what is in the form."
)


def opened(client, obj) -> tuple[str, dict]:
    """The change page's address and the data its form would send back, snapshot included."""
    url = admin_url(obj, "change", obj.pk)
    page = client.get(url)
    token = page.context["edit_snapshot"]
    assert f'<input type="hidden" name="_edit_snapshot" value="{token}">' in page.content.decode()
    return url, {**form_data(page), "_edit_snapshot": token}


def refusal(noun: str, who: str, changed: str) -> str:
    return f"Not saved: this {noun} was changed by someone else after you opened this page{who}. Changed: {changed}. {ADVICE}"


def form_errors(response) -> list[str]:
    assert response.status_code == 200, "the form was saved"
    return list(response.context["adminform"].form.non_field_errors())


@pytest.fixture
def colleague(django_user_model) -> Client:
    other = Client()
    other.force_login(django_user_model.objects.create_superuser(username="colleague", password="x"))
    return other


def when(entry_or_time) -> str:
    moment = getattr(entry_or_time, "action_time", entry_or_time)
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def test_a_stale_week_save_is_refused_naming_fields_and_rows(staff_client, colleague):
    week = WeekFactory(title="Original", body="Old body")
    first = PresentationFactory(week=week, order=1, paper=PaperFactory(title="First"))
    PresentationFactory(week=week, order=2, paper=None, label="Discussion")
    url, mine = opened(staff_client, week)
    _, theirs = opened(colleague, week)
    theirs.update({"title": "Their title", "presentations-0-label": "Their label"})
    theirs["presentations-1-DELETE"] = "on"
    theirs["presentations-2-label"] = "Their new row"
    assert colleague.post(url, theirs).status_code == 302
    their_rows = list(week.presentations.values_list("order", "label"))

    mine["body"] = "My new body"
    response = staff_client.post(url, mine)

    new_row = week.presentations.get(label="Their new row")
    entry = LogEntry.objects.get(object_id=str(week.pk), user__username="colleague")
    assert form_errors(response) == [
        refusal(
            "week",
            f" (by colleague at {when(entry)})",
            "title; row 1 (First) changed (label); row 2 (Their new row) added; row 2 (Discussion) deleted",
        )
    ]
    assert response.context["adminform"].form["body"].value() == "My new body"
    week.refresh_from_db()
    assert (week.title, week.body) == ("Their title", "Old body")
    assert (
        list(week.presentations.values_list("order", "label"))
        == their_rows
        == [(1, "Their label"), (2, "Their new row")]
    )
    assert set(week.presentations.values_list("pk", flat=True)) == {
        first.pk,
        new_row.pk,
    }  # "Discussion" is gone


def test_saving_the_refused_page_again_applies_my_version(staff_client):
    week = WeekFactory(title="Original")
    url, mine = opened(staff_client, week)
    Week.objects.filter(pk=week.pk).update(title="Their title")
    mine["title"] = "My title"
    refused = staff_client.post(url, mine)
    assert form_errors(refused)[0].startswith("Not saved: this week was changed by someone else")

    again = {**mine, "_edit_snapshot": refused.context["edit_snapshot"]}
    saved = staff_client.post(url, again)

    assert saved.status_code == 302
    week.refresh_from_db()
    assert week.title == "My title"


def test_a_reordered_presenter_list_is_a_change_of_that_row(staff_client):
    week = WeekFactory()
    row = PresentationFactory(week=week, order=1, paper=PaperFactory(title="Paper"))
    ana, ben = PresenterFactory(name="Ana"), PresenterFactory(name="Ben")
    entry_a = PresentationPresenterFactory(presentation=row, presenter=ana, order=0)
    entry_b = PresentationPresenterFactory(presentation=row, presenter=ben, order=1)
    url, mine = opened(staff_client, week)
    entry_a.order, entry_b.order = 2, 0
    entry_a.save(), entry_b.save()

    response = staff_client.post(url, {**mine, "title": "Mine"})

    week.refresh_from_db()  # a change of its rows is a change of the week, at that time
    when = f" (at {timezone.localtime(week.updated):%Y-%m-%d %H:%M})"
    assert form_errors(response) == [refusal("week", when, "row 1 (Paper) changed (presenters)")]


def test_a_fresh_page_saves_as_before(staff_client):
    week = WeekFactory(title="Original")
    PresentationFactory(week=week, order=1)
    url, mine = opened(staff_client, week)

    response = staff_client.post(url, {**mine, "title": "Changed"})

    assert response.status_code == 302
    week.refresh_from_db()
    assert week.title == "Changed"


@pytest.mark.parametrize("token", ["garbage", "a:b:c"])
def test_a_tampered_snapshot_is_refused(staff_client, token):
    week = WeekFactory(title="Original")
    url, mine = opened(staff_client, week)

    response = staff_client.post(url, {**mine, "_edit_snapshot": token, "title": "Changed"})

    assert form_errors(response) == [
        "This form is damaged or was made by another site; nothing was saved. Reload the page."
    ]
    week.refresh_from_db()
    assert week.title == "Original"


def test_a_snapshot_of_another_object_is_refused(staff_client):
    week, other = WeekFactory(title="Original"), WeekFactory()
    url, mine = opened(staff_client, week)
    _, theirs = opened(staff_client, other)

    response = staff_client.post(
        url, {**mine, "_edit_snapshot": theirs["_edit_snapshot"], "title": "Changed"}
    )

    assert form_errors(response) == [
        "This form belongs to another object; nothing was saved. Reload the page."
    ]


def change_field(obj, field: str, value) -> None:
    setattr(obj, field, value)
    obj.save()


# Each admin: a row, a field another editor changes, its name in the message, a field the user edits.
CASES = {
    "term": (lambda: TermFactory(name="Fall"), "name", "Fall, renamed", "name", "description"),
    "paper": (lambda: PaperFactory(title="A paper"), "venue", "NeurIPS", "venue", "abstract"),
    "presenter": (lambda: PresenterFactory(name="Ana"), "email", "new@example.edu", "email", "bio"),
    "slidedeck": (lambda: SlideDeckFactory(title="Deck"), "is_public", False, "public", "title"),
}
TIMESTAMPED = {Paper, SlideDeck}


@pytest.mark.parametrize("name", list(CASES))
def test_every_admin_refuses_a_stale_save(staff_client, name):
    make, field, value, label, mine_field = CASES[name]
    obj = make()
    url, mine = opened(staff_client, obj)
    change_field(obj, field, value)

    response = staff_client.post(url, {**mine, mine_field: "Typed by me"})

    who = f" (at {when(type(obj).objects.get(pk=obj.pk).updated)})" if type(obj) in TIMESTAMPED else ""
    assert form_errors(response) == [refusal(obj._meta.verbose_name, who, label)]
    assert response.context["adminform"].form[mine_field].value() == "Typed by me"
    obj.refresh_from_db()
    assert getattr(obj, field) == value and getattr(obj, mine_field) != "Typed by me"


def test_a_term_page_names_a_changed_week_of_its_inline(staff_client):
    term = TermFactory()
    week = WeekFactory(term=term, title="Session")
    url, mine = opened(staff_client, term)
    change_field(week, "title", "Renamed session")

    response = staff_client.post(url, {**mine, "description": "Mine"})

    assert form_errors(response) == [
        refusal("term", "", f"week “{week.date:%Y-%m-%d} Renamed session” changed (title)")
    ]
