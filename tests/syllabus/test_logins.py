"""The admin login: wrong passwords lock a username from one address for a while; staff can unlock."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.urls import reverse

from tests.conftest import count_queries

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase"
LOCKED = (
    "Sign-in locked: 5 wrong passwords in a row for “lecturer” from your address. Signing in as "
    "“lecturer” from here is locked for 15 minutes; each further attempt starts the 15 minutes "
    "again, even with the right password."
)
WRONG = "Please enter the correct username and password for a staff account. Note that both fields may be case-sensitive."


@pytest.fixture
def lecturer(django_user_model):
    return django_user_model.objects.create_superuser("lecturer", "l@example.edu", PASSWORD)


def sign_in(client, password: str, username: str = "lecturer", address: str = "127.0.0.1", **headers):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        **headers,
    )


def message(response) -> str:
    """The page's error note, on one line."""
    body = response.content.decode()
    start = body.index('<p class="errornote"')
    note = body[body.index(">", start) + 1 : body.index("</p>", start)]
    return " ".join(note.split())


def fail_until_locked(client, **kwargs) -> list[int]:
    return [sign_in(client, "wrong", **kwargs).status_code for _ in range(5)]


def signed_in(client) -> bool:
    return client.get(reverse("admin:index")).status_code == 200


def test_wrong_passwords_are_refused_with_the_admins_message(client, lecturer):
    response = sign_in(client, "wrong")

    assert (response.status_code, message(response)) == (200, WRONG)


def test_five_wrong_passwords_lock_the_username_even_against_the_right_one(client, lecturer):
    statuses = fail_until_locked(client)
    locked = sign_in(client, PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]
    assert (locked.status_code, locked["Retry-After"], message(locked)) == (429, "900", LOCKED)
    assert "Wait and try again later, or ask a staff member to unlock it sooner." in locked.content.decode()
    assert not signed_in(client)


def test_the_lock_holds_whatever_x_forwarded_for_says(client, lecturer):
    for number in range(5):
        sign_in(client, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")

    locked = sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert (locked.status_code, message(locked)) == (429, LOCKED)


def test_another_user_or_another_address_is_not_locked(client, lecturer, django_user_model):
    django_user_model.objects.create_superuser("colleague", "c@example.edu", PASSWORD)
    fail_until_locked(client)

    other_user = sign_in(client, PASSWORD, username="colleague")
    client.logout()
    other_address = sign_in(client, PASSWORD, address="203.0.113.5")

    assert (other_user.status_code, other_user["Location"]) == (302, reverse("admin:index"))
    assert (other_address.status_code, other_address["Location"]) == (302, reverse("admin:index"))
    assert signed_in(client)


def test_the_lock_ends_after_the_lockout_minutes(client, lecturer):
    fail_until_locked(client)
    # Move the failures 16 minutes into the past, as if the instructor had waited.
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=16)
    )

    response = sign_in(client, PASSWORD)

    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))
    assert signed_in(client)


def test_a_success_forgets_earlier_failures(client, lecturer):
    for _ in range(4):
        sign_in(client, "wrong")
    sign_in(client, PASSWORD)
    client.logout()

    statuses = [sign_in(client, "wrong").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 200]


def test_lockout_settings_come_from_the_environment(client, lecturer, settings):
    settings.AXES_FAILURE_LIMIT = settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_LOCKOUT_MINUTES = 1

    statuses = [sign_in(client, "wrong").status_code for _ in range(2)]
    locked = sign_in(client, PASSWORD)

    assert statuses == [200, 429]
    assert locked["Retry-After"] == "60"
    assert "2 wrong passwords in a row" in message(locked)
    assert "is locked for 1 minute; each further attempt starts the 1 minute again" in message(locked)


def test_staff_unlock_by_deleting_the_attempt_in_the_admin(client, lecturer, staff_client):
    fail_until_locked(client)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        "lecturer",
        "127.0.0.1",
        5,
    )

    delete_url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    response = staff_client.post(delete_url, {"post": "yes"})
    unlocked = sign_in(client, PASSWORD)

    assert (response.status_code, response["Location"]) == (
        302,
        reverse("admin:axes_accessattempt_changelist"),
    )
    assert (unlocked.status_code, unlocked["Location"]) == (302, reverse("admin:index"))


@pytest.mark.parametrize(
    ("command", "arguments"),
    [("axes_reset_username", ["lecturer"]), ("axes_reset_ip", ["127.0.0.1"]), ("axes_reset", [])],
)
def test_staff_unlock_with_a_management_command(client, lecturer, command, arguments, capsys):
    fail_until_locked(client)

    call_command(command, *arguments)
    unlocked = sign_in(client, PASSWORD)

    assert (unlocked.status_code, unlocked["Location"]) == (302, reverse("admin:index"))


def test_successful_sign_ins_are_logged_with_the_client_address(client, lecturer, settings):
    settings.TRUSTED_PROXIES = 1
    sign_in(client, PASSWORD, address="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")

    assert list(AccessLog.objects.values_list("username", "ip_address")) == [("lecturer", "198.51.100.7")]


# The admin's pages for attempts and logs: who may see and delete them.
AXES_PAGES = {
    "attempts": lambda attempt, log: reverse("admin:axes_accessattempt_changelist"),
    "attempt": lambda attempt, log: reverse("admin:axes_accessattempt_change", args=[attempt.pk]),
    "attempt delete": lambda attempt, log: reverse("admin:axes_accessattempt_delete", args=[attempt.pk]),
    "logs": lambda attempt, log: reverse("admin:axes_accesslog_changelist"),
    "log": lambda attempt, log: reverse("admin:axes_accesslog_change", args=[log.pk]),
}


def make_attempt(number: int = 0) -> AccessAttempt:
    return AccessAttempt.objects.create(
        username=f"someone-{number}",
        ip_address=f"198.51.100.{number}",
        user_agent="test",
        get_data="",
        post_data="username=someone",
        http_accept="*/*",
        path_info="/admin/login/",
        failures_since_start=5,
    )


def make_log(number: int = 0) -> AccessLog:
    return AccessLog.objects.create(
        username=f"someone-{number}",
        ip_address=f"198.51.100.{number}",
        user_agent="test",
        http_accept="*/*",
        path_info="/admin/login/",
    )


@pytest.mark.parametrize("page", AXES_PAGES)
@pytest.mark.parametrize(
    ("who", "expected"), [("anonymous", 302), ("other user", 302), ("staff", 403), ("superuser", 200)]
)
def test_only_superusers_see_attempts_and_logs(client, django_user_model, page, who, expected):
    url = AXES_PAGES[page](make_attempt(), make_log())
    if who == "other user":
        client.force_login(django_user_model.objects.create_user("reader", password="x"))
    elif who == "staff":
        client.force_login(django_user_model.objects.create_user("helper", password="x", is_staff=True))
    elif who == "superuser":
        client.force_login(django_user_model.objects.create_superuser("boss", "b@example.edu", "x"))

    response = client.get(url)

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"] == f"{reverse('admin:login')}?next={url}"


@pytest.mark.parametrize("page", AXES_PAGES)
def test_attempt_and_log_page_queries_do_not_grow_with_rows(
    staff_client, page, django_assert_max_num_queries
):
    url = AXES_PAGES[page](make_attempt(), make_log())

    def load():
        assert staff_client.get(url).status_code == 200

    load()
    small = count_queries(load)
    for number in range(1, 4):
        make_attempt(number)
        make_log(number)
    with django_assert_max_num_queries(12):
        large = count_queries(load)

    assert large == small, f"{url}: {small} queries with few rows, {large} with more"


def test_a_refused_attempt_costs_the_same_queries_with_more_attempts_stored(
    client, lecturer, django_assert_max_num_queries
):
    fail_until_locked(client)

    def refused():
        assert sign_in(client, PASSWORD).status_code == 429

    refused()
    small = count_queries(refused)
    for number in range(1, 4):
        make_attempt(number)
    # Session, expired attempts cleaned up, this pair's attempts read, counted and updated: 7.
    with django_assert_max_num_queries(8):
        large = count_queries(refused)

    assert large == small
