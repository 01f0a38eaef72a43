"""Presenters sign in by an emailed one-time link: asking for it, using it, signing out."""

import re
import struct
import time
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group, Permission
from django.core import checks
from django.core.handlers.base import BaseHandler
from django.urls import reverse
from sesame import tokens_v2
from sesame.utils import get_token

from presenters.checks import check_mail_settings
from presenters.models import Presenter
from presenters.signin import can_sign_in_by_link
from tests.conftest import count_queries
from tests.factories import PresenterFactory, invited_presenter

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("account:sign_in")
LINK = reverse("account:sign_in_link")
SIGN_OUT = reverse("account:sign_out")
SENT = "If this address belongs to a presenter, a sign-in link is on its way."


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def ask(client, email: str, address: str = "192.0.2.1"):
    return client.post(SIGN_IN, {"email": email}, REMOTE_ADDR=address)


def link_path(user) -> str:
    """The path and query of a fresh sign-in link for `user`."""
    return f"{LINK}?token={get_token(user)}"


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


@pytest.fixture
def staff_presenter(django_user_model):
    """A presenter linked to a staff user (as invitations once did): staff never sign in by link."""
    user = django_user_model.objects.create_user(
        username="lecturer", password="x", email="lecturer@example.edu", is_staff=True
    )
    presenter = PresenterFactory(name="Lena Lecturer", email="Lecturer@example.edu")
    Presenter.objects.filter(pk=presenter.pk).update(user=user)
    presenter.refresh_from_db()
    return presenter


def give_powers(user, powers: str) -> None:
    """A permission on the seminar's models, or a group (even one without permissions)."""
    if powers == "permission":
        user.user_permissions.add(Permission.objects.get(codename="change_week"))
    else:
        user.groups.add(Group.objects.create(name="Editors"))


# Asking for a link.


def test_sign_in_form_asks_for_an_address(client):
    response = client.get(SIGN_IN)

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert '<input type="email" name="email" id="id_email"' in response.content.decode()


def test_sign_in_answers_alike_for_known_unknown_and_staff_addresses(client, mailoutbox, staff_presenter):
    invited_presenter(name="Ada Presenter", email="ada@example.edu")

    answers = [
        ask(client, email) for email in ["ADA@example.edu", "nobody@example.edu", "lecturer@example.edu"]
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert without_csrf(answers[0]) == without_csrf(answers[1]) == without_csrf(answers[2])
    assert SENT in answers[0].content.decode()
    assert [mail.to for mail in mailoutbox] == [["ada@example.edu"]]


def test_sign_in_sends_nothing_to_a_presenter_without_an_account(client, mailoutbox):
    PresenterFactory(email="new@example.edu")

    response = ask(client, "new@example.edu")

    assert SENT in response.content.decode()
    assert mailoutbox == []


def test_sign_in_mail_holds_the_link_its_lifetime_and_what_to_do_if_unasked(client, mailoutbox, settings):
    settings.SIGN_IN_LINK_HOURS = 72
    presenter = invited_presenter(name="Ada Presenter", email="ada@example.edu")

    ask(client, "ada@example.edu")

    [mail] = mailoutbox
    link = re.search(r"http://testserver/sign-in/link/\?token=[\w-]+", mail.body).group()
    assert mail.subject == "Sign in to Syllabus"
    assert mail.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Hello Ada Presenter," in mail.body
    assert "The link works once, within 72 hours." in mail.body
    assert "If you did not ask to sign in, ignore this mail" in mail.body
    # The mailed link signs the presenter in.
    client.post(urlsplit(link).path + "?" + urlsplit(link).query)
    assert signed_in_user_id(client) == str(presenter.user_id)


def test_sign_in_finds_the_presenter_by_their_current_address(client, mailoutbox, django_user_model):
    presenter = invited_presenter(email="old@example.edu")
    presenter.email = "New@example.edu"
    presenter.save()

    ask(client, "old@example.edu")
    sent_to_old = list(mailoutbox)
    ask(client, "new@example.edu")

    assert sent_to_old == []
    assert [mail.to for mail in mailoutbox] == [["New@example.edu"]]
    assert django_user_model.objects.get(pk=presenter.user_id).email == "New@example.edu"  # kept in step


def test_sign_in_mail_is_sent_after_the_answer_has_gone_out(rf, mailoutbox):
    """Sending takes as long as the mail server does: within the request, a slow answer would tell
    that the address is a presenter's. The WSGI server closes the response once it has sent it."""
    invited_presenter(email="ada@example.edu")
    request = rf.post(SIGN_IN, {"email": "ada@example.edu"}, REMOTE_ADDR="192.0.2.1")
    request._dont_enforce_csrf_checks = True  # as the test client does
    handler = BaseHandler()
    handler.load_middleware()

    response = handler.get_response(request)  # every middleware, as a server runs it, but no close()
    before_close = list(mailoutbox)
    response.close()

    assert SENT in response.content.decode()
    assert before_close == []
    assert [mail.to for mail in mailoutbox] == [["ada@example.edu"]]


def test_sign_in_mail_that_cannot_be_sent_is_logged_and_answered_alike(client, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    presenter = invited_presenter(email="ada@example.edu")

    known, unknown = ask(client, "ada@example.edu"), ask(client, "nobody@example.edu")

    assert (known.status_code, without_csrf(known)) == (200, without_csrf(unknown))
    assert [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "presenters.signin"] == [
        ("WARNING", f"Sign-in link to user {presenter.user_id} could not be mailed")
    ]


def test_sign_in_links_are_made_from_site_url_when_it_is_set(client, mailoutbox, settings):
    settings.SITE_URL = "https://seminar.example.edu"
    invited_presenter(email="ada@example.edu")

    ask(client, "ada@example.edu")  # the request's host is testserver

    assert "https://seminar.example.edu/sign-in/link/?token=" in mailoutbox[0].body
    assert "testserver" not in mailoutbox[0].body


def test_sign_in_refuses_something_that_is_not_an_address(client, mailoutbox):
    response = client.post(SIGN_IN, {"email": "not an address"})

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert mailoutbox == []


def test_sign_in_sends_no_more_than_the_rate_per_address_and_answers_alike(client, mailoutbox, settings):
    settings.SIGN_IN_RATE_PER_EMAIL = 5
    invited_presenter(email="ada@example.edu")

    answers = [ask(client, "ada@example.edu", address=f"192.0.2.{n}") for n in range(1, 7)]

    assert len(mailoutbox) == 5
    assert [answer.status_code for answer in answers] == [200] * 6
    assert without_csrf(answers[5]) == without_csrf(answers[0])
    # The limit is per address: another presenter still gets their link.
    invited_presenter(email="bob@example.edu")
    ask(client, "bob@example.edu")
    assert mailoutbox[-1].to == ["bob@example.edu"]


def test_sign_in_refuses_a_client_past_its_rate_with_429_and_retry_after(client, mailoutbox, settings):
    settings.SIGN_IN_RATE_PER_CLIENT = 3
    invited_presenter(email="ada@example.edu")

    answers = [ask(client, "ada@example.edu", address="198.51.100.7") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[3]["Retry-After"]) <= 3600
    assert "Too many sign-in links were asked for from your network this hour." in answers[3].content.decode()
    assert len(mailoutbox) == 3
    # Another client is still served.
    assert ask(client, "ada@example.edu", address="198.51.100.8").status_code == 200
    assert len(mailoutbox) == 4


# Using the link.


def test_link_get_shows_a_button_and_does_not_sign_in(client):
    presenter = invited_presenter()
    path = link_path(presenter.user)

    response = client.get(path)

    assert response.status_code == 200
    assert f'<form method="post" action="{path}">' in response.content.decode()
    assert signed_in_user_id(client) is None
    presenter.user.refresh_from_db()
    assert presenter.user.last_login is None
    # The link still works after the prefetch.
    assert client.post(path).status_code == 302


def test_link_post_signs_in_once_with_a_new_session(client):
    presenter = invited_presenter()
    path = link_path(presenter.user)
    before = client.session.session_key

    response = client.post(path)

    assert response.status_code == 302
    assert response["Location"] == reverse("account:my_sessions")
    assert signed_in_user_id(client) == str(presenter.user_id)
    assert client.session.session_key != before
    presenter.user.refresh_from_db()
    assert presenter.user.last_login is not None


def test_link_works_only_once(client):
    presenter = invited_presenter()
    path = link_path(presenter.user)
    client.post(path)
    client.post(SIGN_OUT)

    again = client.post(path)

    assert again.status_code == 400
    assert signed_in_user_id(client) is None
    assert "This link cannot be used" in again.content.decode()
    assert f'<a href="{SIGN_IN}">Ask for a new sign-in link</a>' in again.content.decode()


def old_token(monkeypatch, user, seconds_ago: int) -> str:
    """A token made `seconds_ago` (sesame writes the time it was made into the token)."""
    made = int(time.time()) - seconds_ago - tokens_v2.TIMESTAMP_OFFSET
    monkeypatch.setattr(tokens_v2, "pack_timestamp", lambda: struct.pack("!i", made))
    token = get_token(user)
    monkeypatch.undo()
    return token


def test_link_expires_after_its_lifetime(client, monkeypatch, settings):
    presenter = invited_presenter()
    hours = settings.SIGN_IN_LINK_HOURS
    expired = old_token(monkeypatch, presenter.user, seconds_ago=hours * 3600 + 1)
    fresh_enough = old_token(monkeypatch, presenter.user, seconds_ago=hours * 3600 - 60)

    refused = client.post(f"{LINK}?token={expired}")
    accepted = client.post(f"{LINK}?token={fresh_enough}")

    assert (refused.status_code, accepted.status_code) == (400, 302)
    assert signed_in_user_id(client) == str(presenter.user_id)


def test_link_refuses_staff_users(client, staff_presenter):
    response = client.post(link_path(staff_presenter.user))

    assert response.status_code == 400
    assert signed_in_user_id(client) is None


def test_link_refuses_a_deactivated_user_and_a_user_no_longer_a_presenters(client, django_user_model):
    deactivated = invited_presenter().user
    deactivated.is_active = False
    deactivated.save()
    presenter = invited_presenter()
    unlinked, path = presenter.user, link_path(presenter.user)
    presenter.user = None
    presenter.save()

    answers = [client.post(link_path(deactivated)).status_code, client.post(path).status_code]

    assert answers == [400, 400]
    assert signed_in_user_id(client) is None
    assert unlinked.pk


@pytest.mark.parametrize("powers", ["permission", "group"])
def test_link_and_sign_in_form_refuse_a_presenter_account_given_permissions_or_a_group(
    client, mailoutbox, powers
):
    presenter = invited_presenter(email="ed@example.edu")
    path = link_path(presenter.user)
    give_powers(presenter.user, powers)

    answers = [client.get(path).status_code, client.post(path).status_code]
    ask(client, "ed@example.edu")

    assert answers == [400, 400]
    assert signed_in_user_id(client) is None
    assert mailoutbox == []


def test_can_sign_in_by_link_costs_one_query(django_assert_num_queries, django_user_model):
    user = django_user_model.objects.get(pk=invited_presenter().user_id)  # no presenter cached

    with django_assert_num_queries(1):
        allowed = can_sign_in_by_link(user)

    assert allowed is True


def test_can_sign_in_by_link_costs_nothing_for_users_fetched_with_permissions_and_groups(
    django_assert_num_queries,
):
    """How a loop over many presenters (e.g. reminders) checks them all in a fixed number of queries."""
    invited_presenter(name="Ada")
    editor = invited_presenter(name="Ed")
    give_powers(editor.user, "permission")
    grouped = invited_presenter(name="Gus")
    give_powers(grouped.user, "group")
    presenters = Presenter.objects.select_related("user").prefetch_related(
        "user__user_permissions", "user__groups"
    )
    fetched = {presenter.name: presenter for presenter in presenters.order_by("name")}

    with django_assert_num_queries(0):
        answers = {name: can_sign_in_by_link(presenter.user) for name, presenter in fetched.items()}

    assert answers == {"Ada": True, "Ed": False, "Gus": False}


@pytest.mark.parametrize(
    "query", ["", "?token=", "?token=garbage", "?token=%00%ff", "?token=AAAAAAAAAAAAAAAAAAAAAAAA"]
)
def test_link_with_a_bad_token_is_a_clear_400(client, query):
    invited_presenter()

    answers = [client.get(LINK + query), client.post(LINK + query)]

    assert [answer.status_code for answer in answers] == [400, 400]
    assert "This link cannot be used" in answers[0].content.decode()
    assert "This link cannot be used" in answers[1].content.decode()
    assert signed_in_user_id(client) is None


def test_link_get_of_a_used_link_says_so_before_the_button(client):
    presenter = invited_presenter()
    path = link_path(presenter.user)
    client.post(path)
    client.post(SIGN_OUT)

    response = client.get(path)

    assert response.status_code == 400
    assert "<button" not in response.content.decode().split("<main", 1)[1]


def test_bad_tokens_never_lock_a_client_out_of_good_ones(client, settings):
    """Tokens cannot be guessed: bad ones are not counted as failed logins (django-axes)."""
    presenter = invited_presenter()
    bad = [
        client.post(f"{LINK}?token=AAAAAAAAAAAAAAAAAAAAAAAA").status_code
        for _ in range(settings.LOGIN_FAILURE_LIMIT + 1)
    ]

    good = client.post(link_path(presenter.user))

    assert bad == [400] * (settings.LOGIN_FAILURE_LIMIT + 1)
    assert good.status_code == 302
    assert AccessAttempt.objects.count() == 0
    assert list(AccessLog.objects.values_list("username", flat=True)) == [presenter.user.username]


def test_sign_in_pages_answer_head_like_get(client):
    presenter = invited_presenter()
    path = link_path(presenter.user)

    answers = [client.head(SIGN_IN), client.head(path), client.head(LINK + "?token=garbage")]

    assert [answer.status_code for answer in answers] == [200, 200, 400]
    assert answers[0].content == b""
    assert signed_in_user_id(client) is None
    assert client.post(path).status_code == 302  # a HEAD spends nothing


def test_link_opened_in_the_browser_that_asked_returns_to_the_page_that_needed_signing_in(client):
    presenter = invited_presenter(email="ada@example.edu")
    profile = reverse("account:profile")
    sent_to_sign_in = client.get(profile)
    form = client.get(sent_to_sign_in["Location"]).content.decode()

    client.post(SIGN_IN, {"email": "ada@example.edu", "next": profile})
    response = client.post(link_path(presenter.user))

    assert sent_to_sign_in["Location"] == f"{SIGN_IN}?next={profile}"
    assert f'<input type="hidden" name="next" value="{profile}">' in form
    assert response["Location"] == profile
    assert signed_in_user_id(client) == str(presenter.user_id)


@pytest.mark.parametrize(
    "next_url", ["https://elsewhere.example/", "//elsewhere.example/", "javascript:alert(1)"]
)
def test_sign_in_ignores_a_next_page_of_another_site(client, next_url):
    presenter = invited_presenter(email="ada@example.edu")

    form = client.get(SIGN_IN, {"next": next_url}).content.decode()
    client.post(SIGN_IN, {"email": "ada@example.edu", "next": next_url})
    response = client.post(link_path(presenter.user))

    assert 'name="next"' not in form
    assert response["Location"] == reverse("account:my_sessions")


# Signing out.


def test_sign_out_is_post_only_and_ends_the_session(client):
    presenter = invited_presenter()
    client.post(link_path(presenter.user))

    refused = client.get(SIGN_OUT)
    response = client.post(SIGN_OUT, follow=True)

    assert refused.status_code == 405
    assert response.redirect_chain == [(reverse("syllabus:home"), 302)]
    assert signed_in_user_id(client) is None
    assert '<li class="message success">You are signed out.</li>' in response.content.decode()


# The header.


def test_header_offers_sign_in_to_anonymous_visitors_and_sign_out_to_presenters(client):
    presenter = invited_presenter()
    anonymous = client.get(reverse("syllabus:terms")).content.decode()
    client.post(link_path(presenter.user))
    signed_in = client.get(reverse("syllabus:terms")).content.decode()

    assert f'<a href="{SIGN_IN}">Sign in</a>' in anonymous
    assert SIGN_OUT not in anonymous
    assert f'<a href="{reverse("account:my_sessions")}">My sessions</a>' in signed_in
    assert f'<form method="post" action="{SIGN_OUT}">' in signed_in
    assert f'<a href="{SIGN_IN}">Sign in</a>' not in signed_in


def test_header_for_staff_links_to_the_admin(staff_client):
    page = staff_client.get(reverse("syllabus:terms")).content.decode()

    assert f'<a href="{reverse("admin:index")}">Admin</a>' in page
    assert f'<form method="post" action="{SIGN_OUT}">' in page


# Admin access.


def test_a_presenters_user_cannot_open_the_admin(client):
    presenter = invited_presenter()
    client.post(link_path(presenter.user))

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={reverse('admin:index')}"


# Permissions: who may do what.


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", {"sign_in": 200, "link_get": 200, "link_post": 302, "sign_out": 302, "invite": 302}),
        ("presenter", {"sign_in": 200, "link_get": 200, "link_post": 302, "sign_out": 302, "invite": 302}),
        ("staff", {"sign_in": 200, "link_get": 200, "link_post": 302, "sign_out": 302, "invite": 302}),
    ],
)
def test_permission_matrix(client, django_user_model, mailoutbox, who, expected):
    target = invited_presenter(name="Target Presenter")
    invitee = PresenterFactory(name="Invitee", email="invitee@example.edu")
    if who == "presenter":
        client.force_login(invited_presenter().user)
    elif who == "staff":
        client.force_login(django_user_model.objects.create_superuser(username="boss", password="x"))
    changelist = reverse("admin:presenters_presenter_changelist")

    answers = {
        "sign_in": client.get(SIGN_IN).status_code,
        "link_get": client.get(link_path(target.user)).status_code,
        "invite": None,
        "link_post": None,
        "sign_out": None,
    }
    invite = client.post(changelist, {"action": "invite", "_selected_action": [invitee.pk]})
    answers["invite"] = invite.status_code
    answers["link_post"] = client.post(link_path(target.user)).status_code
    answers["sign_out"] = client.post(SIGN_OUT).status_code

    assert answers == expected
    # Only staff reach the action (the others are sent to the admin's sign-in page).
    if who == "staff":
        assert invite["Location"] == changelist
        assert [mail.to for mail in mailoutbox] == [["invitee@example.edu"]]
    else:
        assert invite["Location"].startswith(reverse("admin:login"))
        assert mailoutbox == []


# Queries: the pages cost the same with more presenters.


@pytest.mark.parametrize("page", ["form", "ask", "link_get", "link_post"])
def test_sign_in_pages_queries_do_not_grow_with_presenters(client, page):
    def measure(presenters: int) -> int:
        for _ in range(presenters):
            invited_presenter()
        user = invited_presenter(email=f"ask{presenters}@example.edu").user
        path = link_path(user)
        action = {
            "form": lambda: client.get(SIGN_IN),
            "ask": lambda: ask(client, user.email, address=f"203.0.113.{presenters}"),
            "link_get": lambda: client.get(path),
            "link_post": lambda: client.post(path),
        }[page]
        count = count_queries(action)
        client.logout()
        return count

    assert measure(1) == measure(5)


# Deployment checks.


def test_deploy_check_warns_without_email_url_or_site_url(settings):
    settings.DEBUG = False
    settings.EMAIL_URL = ""
    settings.SITE_URL = ""

    ids = [message.id for message in check_mail_settings()]
    registered = [message.id for message in checks.run_checks(include_deployment_checks=True, tags=["mail"])]

    assert ids == registered == ["presenters.W001", "presenters.W002"]


def test_deploy_check_is_quiet_when_mail_is_configured_or_debug_prints_it(settings):
    settings.EMAIL_URL = "submission://mailer@smtp.example.edu:587"
    settings.SITE_URL = "https://seminar.example.edu"
    configured = check_mail_settings()
    settings.DEBUG, settings.EMAIL_URL = True, ""

    assert (configured, check_mail_settings()) == ([], [])


def test_mail_checks_run_only_with_deploy(settings):
    settings.DEBUG, settings.EMAIL_URL, settings.SITE_URL = False, "", ""

    assert checks.run_checks(tags=["mail"]) == []
