"""Real concurrent requests on PostgreSQL: API appends, reorders and writes with If-Match against a
live server, and two admin saves from one page.

Each test starts its threads at the same moment (a Barrier) so that their transactions overlap.
SQLite takes one writer at a time for the whole database, so these races only exist (and are only
tested) on PostgreSQL.
"""

import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.contrib.auth.models import Permission, User
from django.db import connection, connections
from django.test import Client
from rest_framework.authtoken.models import Token

from syllabus.models import Week
from tests.factories import PresentationFactory, WeekFactory
from tests.syllabus.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(live_server) -> Callable[..., requests.Response]:
    """A function that sends one request to the live server's API with an editor's token."""
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrent transactions need PostgreSQL (set DATABASE_URL); SQLite has one writer at a time"
        )
    editor = User.objects.create_user("editor")
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["syllabus", "papers"]))
    headers = {"Authorization": f"Token {Token.objects.create(user=editor).key}"}

    def send(method: str, path: str, **kwargs) -> requests.Response:
        extra = kwargs.pop("headers", {})
        return requests.request(
            method, f"{live_server.url}/api/v1/{path}", headers={**headers, **extra}, timeout=30, **kwargs
        )

    return send


def at_once(actions: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run every action in its own thread, all released at the same moment; answers in the same order."""
    barrier = threading.Barrier(len(actions))

    def run(action):
        barrier.wait()
        return action()

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


def orders(week: Week) -> list[tuple[int, int]]:
    return list(week.presentations.order_by("order").values_list("order", "pk"))


def test_concurrent_appends_all_succeed_numbered_1_to_n(api):
    week = WeekFactory()

    answers = at_once(
        [
            lambda n=n: api("POST", "presentations/", json={"week": week.pk, "label": f"Row {n}"})
            for n in range(8)
        ]
    )

    assert [answer.status_code for answer in answers] == [201] * 8, [answer.text for answer in answers]
    assert sorted(answer.json()["order"] for answer in answers) == list(range(1, 9))
    assert [order for order, _ in orders(week)] == list(range(1, 9))


def test_concurrent_reorders_leave_one_of_the_requested_orders(api):
    week = WeekFactory()
    rows = [PresentationFactory(week=week, order=n).pk for n in range(1, 7)]
    shuffle = random.Random(10)

    for _ in range(10):
        first, second = shuffle.sample(rows, len(rows)), shuffle.sample(rows, len(rows))
        answers = at_once(
            [
                lambda ids=first: api("POST", f"weeks/{week.pk}/order/", json={"presentations": ids}),
                lambda ids=second: api("POST", f"weeks/{week.pk}/order/", json={"presentations": ids}),
            ]
        )

        assert [answer.status_code for answer in answers] == [200, 200], [answer.text for answer in answers]
        table = orders(week)
        assert [order for order, _ in table] == [1, 2, 3, 4, 5, 6]
        assert [pk for _, pk in table] in (first, second)


def test_concurrent_patches_with_the_same_if_match_one_wins(api):
    week = WeekFactory(title="Original")
    etag = api("GET", f"weeks/{week.pk}/").headers["ETag"]

    answers = at_once(
        [
            lambda title=title: api(
                "PATCH", f"weeks/{week.pk}/", json={"title": title}, headers={"If-Match": etag}
            )
            for title in ("Editor A", "Editor B")
        ]
    )

    statuses = [answer.status_code for answer in answers]
    assert sorted(statuses) == [200, 412], [answer.text for answer in answers]
    winner = answers[statuses.index(200)]
    loser = answers[statuses.index(412)]
    week.refresh_from_db()
    assert week.title == winner.json()["title"]
    # An answer gzipped for the client (one long enough) carries a weak ETag: W/"…" names the same
    # version, and If-Match takes either form.
    tags = [loser.json()["etag"], loser.headers["ETag"], winner.headers["ETag"]]
    assert len({tag.removeprefix("W/") for tag in tags}) == 1, tags


def test_concurrent_appends_and_row_patches_with_if_match_keep_the_table_numbered(api):
    week = WeekFactory()
    rows = [PresentationFactory(week=week, order=n) for n in range(1, 4)]
    etags = [api("GET", f"presentations/{row.pk}/").headers["ETag"] for row in rows]

    answers = at_once(
        [
            *(
                lambda n=n: api("POST", "presentations/", json={"week": week.pk, "label": f"New {n}"})
                for n in range(3)
            ),
            *(
                lambda row=row, etag=etag: api(
                    "PATCH", f"presentations/{row.pk}/", json={"label": "Edited"}, headers={"If-Match": etag}
                )
                for row, etag in zip(rows, etags, strict=True)
            ),
        ]
    )

    assert [answer.status_code for answer in answers] == [201] * 3 + [200] * 3, [a.text for a in answers]
    assert [order for order, _ in orders(week)] == [1, 2, 3, 4, 5, 6]


def test_a_reorder_racing_an_append_never_leaves_a_row_at_a_temporary_number(api):
    week = WeekFactory()
    rows = [PresentationFactory(week=week, order=n).pk for n in range(1, 6)]
    not_listed = "List every row of this week exactly once (rows of the week not listed: {})."

    for round_number in range(10):
        reorder, append = at_once(
            [
                lambda ids=rows[::-1]: api("POST", f"weeks/{week.pk}/order/", json={"presentations": ids}),
                lambda label=f"Added {round_number}": api(
                    "POST", "presentations/", json={"week": week.pk, "label": label}
                ),
            ]
        )

        assert append.status_code == 201, append.text
        if reorder.status_code == 400:  # the new row came first, and the order did not list it
            assert reorder.json() == {"presentations": [not_listed.format(append.json()["id"])]}
        else:
            assert reorder.status_code == 200, reorder.text
        table = orders(week)
        assert [order for order, _ in table] == list(range(1, len(table) + 1))
        rows = [pk for _, pk in table]


def test_concurrent_admin_saves_from_one_page_one_wins(transactional_db, django_user_model):
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrent transactions need PostgreSQL (set DATABASE_URL); SQLite has one writer at a time"
        )
    week = WeekFactory(title="Original")
    PresentationFactory(week=week, order=1, label="Row")
    editors = []
    for name in ("ana", "ben"):
        client = Client()
        client.force_login(django_user_model.objects.create_superuser(username=name, password="x"))
        editors.append(client)
    url = admin_url(week, "change", week.pk)
    page = editors[0].get(url)
    data = {**form_data(page), "_edit_snapshot": page.context["edit_snapshot"]}

    def save(client, title):
        try:  # the test client runs the view in this thread, on this thread's own connection
            return client.post(url, {**data, "title": title, "presentations-0-label": title})
        finally:
            connections.close_all()

    answers = at_once(
        [lambda c=client, t=title: save(c, t) for client, title in zip(editors, ["Ana", "Ben"], strict=True)]
    )

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [200, 302]
    winner = "Ana" if answers[0].status_code == 302 else "Ben"
    week.refresh_from_db()
    assert (week.title, list(week.presentations.values_list("label", flat=True))) == (winner, [winner])
    refused = next(answer for answer in answers if answer.status_code == 200)
    assert (
        refused.context["adminform"]
        .form.non_field_errors()[0]
        .startswith("Not saved: this week was changed by someone else after you opened this page (by ")
    )
