"""Instructors invite presenters from the admin: an account, and a mail with a sign-in link."""

import datetime
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from presenters.models import Presenter
from presenters.signin import Invited, presenter_invite
from tests.factories import PresentationPresenterFactory, PresenterFactory, WeekFactory, invited_presenter

pytestmark = pytest.mark.django_db

PRESENTERS = reverse("admin:presenters_presenter_changelist")
WEEKS = reverse("admin:syllabus_week_changelist")
LINK = re.compile(r"http://testserver/sign-in/link/\?token=([\w-]+)")


def invite(client, *presenters: Presenter):
    return client.post(
        PRESENTERS, {"action": "invite", "_selected_action": [p.pk for p in presenters]}, follow=True
    )


def invite_weeks(client, *weeks):
    return client.post(
        WEEKS, {"action": "invite_presenters", "_selected_action": [w.pk for w in weeks]}, follow=True
    )


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def presents(presenter: Presenter, *, days: int, title: str, paper: str = "On Things"):
    week = WeekFactory(title=title, date=timezone.localdate() + datetime.timedelta(days=days))
    PresentationPresenterFactory(
        presenter=presenter, presentation__week=week, presentation__paper__title=paper
    )
    return week


def test_invite_action_makes_a_passwordless_user_without_admin_access(staff_client, mailoutbox):
    presenter = PresenterFactory(name="Ada Presenter", email="Ada@Example.edu")

    response = invite(staff_client, presenter)

    presenter.refresh_from_db()
    user = presenter.user
    assert texts(response) == ["1 presenter invited: Ada Presenter."]
    assert (user.username, user.email) == ("ada@example.edu", "Ada@Example.edu")
    assert user.has_usable_password() is False
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert user.get_all_permissions() == set()
    assert [mail.to for mail in mailoutbox] == [["Ada@Example.edu"]]


def test_invitation_mail_holds_the_link_its_lifetime_and_upcoming_sessions(
    staff_client, mailoutbox, settings
):
    settings.SIGN_IN_LINK_HOURS = 48
    presenter = PresenterFactory(name="Ada Presenter", email="ada@example.edu")
    soon = presents(presenter, days=7, title="Attention", paper="Attention Is All You Need")
    presents(presenter, days=-7, title="Past session")

    invite(staff_client, presenter)

    [mail] = mailoutbox
    assert mail.subject == "You are invited to sign in to Syllabus"
    assert "Hello Ada Presenter," in mail.body
    assert LINK.search(mail.body)
    assert "The link works once, within 48 hours." in mail.body
    assert f'- {soon.date.strftime("%a %-d %b %Y")}: Attention, "Attention Is All You Need"' in mail.body
    assert "Past session" not in mail.body
    assert "If you did not expect this invitation, ignore this mail." in mail.body


def test_the_invitation_link_signs_the_presenter_in(staff_client, client, mailoutbox):
    presenter = PresenterFactory(email="ada@example.edu")
    invite(staff_client, presenter)
    token = LINK.search(mailoutbox[0].body).group(1)

    response = client.post(f"{reverse('account:sign_in_link')}?token={token}")

    presenter.refresh_from_db()
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(presenter.user_id)


def test_a_second_invitation_keeps_the_same_user_and_sends_a_new_link(
    staff_client, mailoutbox, django_user_model
):
    presenter = PresenterFactory(email="ada@example.edu")
    invite(staff_client, presenter)
    presenter.refresh_from_db()
    first_user = presenter.user_id

    invite(staff_client, presenter)

    presenter.refresh_from_db()
    assert presenter.user_id == first_user
    assert django_user_model.objects.filter(email__iexact="ada@example.edu").count() == 1
    assert len(mailoutbox) == 2


def test_invitation_follows_a_changed_address(mailoutbox):
    presenter = invited_presenter(email="old@example.edu")
    presenter.email = "new@example.edu"
    presenter.save()

    outcome = presenter_invite(presenter=presenter, base_url="https://seminar.example.edu/")

    presenter.user.refresh_from_db()
    assert outcome is Invited.SENT
    assert presenter.user.email == "new@example.edu"
    assert mailoutbox[0].to == ["new@example.edu"]
    assert "https://seminar.example.edu/sign-in/link/?token=" in mailoutbox[0].body


def test_invitation_links_are_made_from_site_url_when_it_is_set(staff_client, mailoutbox, settings):
    settings.SITE_URL = "https://seminar.example.edu"

    invite(staff_client, PresenterFactory(email="ada@example.edu"))

    assert "https://seminar.example.edu/sign-in/link/?token=" in mailoutbox[0].body


def test_presenters_who_cannot_be_invited_are_named_not_an_error(staff_client, mailoutbox, django_user_model):
    django_user_model.objects.create_user(username="lena", email="lena@example.edu", is_staff=True)
    ok = PresenterFactory(name="Ada Presenter", email="ada@example.edu")
    without = PresenterFactory(name="No Mail", email="")
    broken = PresenterFactory(name="Broken Mail")
    Presenter.objects.filter(pk=broken.pk).update(email="not an address")  # as an old import might
    staff = PresenterFactory(name="Lena Lecturer", email="LENA@example.edu")
    taken = PresenterFactory(name="Second Ada", email="ADA@example.edu")

    response = invite(staff_client, ok, without, broken, staff, taken)

    assert response.status_code == 200
    assert texts(response) == [
        "1 presenter invited: Ada Presenter.",
        "Not invited: No Mail — no email address.",
        "Not invited: Broken Mail — the email address is not one mail can be sent to.",
        "Not invited: Second Ada — the email address is another presenter's account's.",
        "Not invited: Lena Lecturer — the email address belongs to an instructor's or editor's account, "
        "which signs in with its password: not linked, no link sent.",
    ]
    assert [mail.to for mail in mailoutbox] == [["ada@example.edu"]]
    staff.refresh_from_db()
    assert staff.user is None  # a link must never sign in an account that has powers


def editor(django_user_model, email: str, *, password: str | None = "x", codenames=(), group: bool = False):
    """A user who is not staff, with a password and (optionally) model permissions or a group."""
    user = django_user_model.objects.create_user(username="ed", email=email, password=password)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    if group:
        user.groups.add(Group.objects.create(name="Editors"))
    return user


@pytest.mark.parametrize(
    "account",
    [
        {"codenames": ["change_week"]},  # an editor of the API, no password needed to find
        {"codenames": ["change_week"], "password": None},
        {"group": True, "password": None},
        {},  # a password of its own: it signs in with it
    ],
    ids=["permissions", "permissions-no-password", "group", "password"],
)
def test_invitation_never_links_an_account_with_permissions_groups_or_a_password(
    mailoutbox, django_user_model, account
):
    editor(django_user_model, "ed@example.edu", **account)
    presenter = PresenterFactory(name="Ed Editor", email="Ed@example.edu")

    outcome = presenter_invite(presenter=presenter, base_url="http://testserver/")

    presenter.refresh_from_db()
    assert outcome is Invited.PASSWORD_ACCOUNT
    assert presenter.user is None
    assert mailoutbox == []
    assert django_user_model.objects.filter(email__iexact="ed@example.edu").count() == 1


def test_invitation_links_a_passwordless_account_of_no_presenter(mailoutbox, django_user_model):
    account = django_user_model.objects.create_user(username="ada-old", email="ada@example.edu")
    account.set_unusable_password()
    account.save()
    presenter = PresenterFactory(email="ADA@example.edu")

    outcome = presenter_invite(presenter=presenter, base_url="http://testserver/")

    presenter.refresh_from_db()
    assert (outcome, presenter.user_id) == (Invited.SENT, account.pk)
    assert [mail.to for mail in mailoutbox] == [["ADA@example.edu"]]


def test_inviting_again_unlinks_an_account_given_staff_or_permissions_since(mailoutbox, django_user_model):
    staff = invited_presenter(name="Lena Lecturer", email="lena@example.edu")
    staff.user.is_staff = True
    staff.user.save()
    editor = invited_presenter(name="Ed Editor", email="ed@example.edu")
    editor.user.user_permissions.set(Permission.objects.filter(codename="change_week"))

    outcomes = [presenter_invite(presenter=p, base_url="http://testserver/") for p in (staff, editor)]

    staff.refresh_from_db()
    editor.refresh_from_db()
    assert outcomes == [Invited.PASSWORD_ACCOUNT, Invited.PASSWORD_ACCOUNT]
    assert (staff.user, editor.user) == (None, None)
    assert mailoutbox == []


def test_invitation_picks_a_free_username_when_the_address_is_taken_as_one(mailoutbox, django_user_model):
    django_user_model.objects.create_user(username="ada@example.edu", email="", password="x")
    presenter = PresenterFactory(email="Ada@example.edu")

    outcome = presenter_invite(presenter=presenter, base_url="http://testserver/")

    presenter.refresh_from_db()
    assert outcome is Invited.SENT
    assert (presenter.user.username, presenter.user.email) == ("ada@example.edu-2", "Ada@example.edu")


def test_invitation_of_two_long_addresses_alike_in_their_first_150_characters(mailoutbox):
    domain = ".".join(["x" * 60] * 3)  # labels of at most 63 characters
    first = PresenterFactory(email=f"ada@{domain}.example.edu")
    second = PresenterFactory(email=f"ada@{domain}.example.org")

    outcomes = [presenter_invite(presenter=p, base_url="http://testserver/") for p in (first, second)]

    first.refresh_from_db()
    second.refresh_from_db()
    assert outcomes == [Invited.SENT, Invited.SENT]
    assert first.user.username == first.email[:150]
    assert second.user.username == second.email[:148] + "-2"
    assert len(mailoutbox) == 2


def test_a_mail_server_failure_is_reported_not_an_error(staff_client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    presenter = PresenterFactory(name="Ada Presenter", email="ada@example.edu")

    response = invite(staff_client, presenter)

    assert texts(response) == [
        "Not invited: Ada Presenter — the mail could not be sent (the mail server refused it or is unreachable)."
    ]


def test_week_action_invites_each_credited_presenter_once(staff_client, mailoutbox):
    ada = PresenterFactory(name="Ada Presenter", email="ada@example.edu")
    bob = PresenterFactory(name="Bob Presenter", email="bob@example.edu")
    PresenterFactory(name="Not Selected", email="cy@example.edu")
    first = presents(ada, days=7, title="First")
    PresentationPresenterFactory(presenter=bob, presentation__week=first)
    second = presents(ada, days=14, title="Second")

    response = invite_weeks(staff_client, first, second)

    assert texts(response) == ["2 presenters invited: Ada Presenter, Bob Presenter."]
    assert sorted(mail.to[0] for mail in mailoutbox) == ["ada@example.edu", "bob@example.edu"]


def test_week_action_on_weeks_without_presenters_says_so(staff_client, mailoutbox):
    week = WeekFactory()

    response = invite_weeks(staff_client, week)

    assert texts(response) == ["The selected weeks credit no presenters: nobody was invited."]
    assert mailoutbox == []


def staff_with(django_user_model, *codenames: str):
    user = django_user_model.objects.create_user(username="helper", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def test_invite_actions_need_change_permission_on_presenters(client, django_user_model, mailoutbox):
    client.force_login(staff_with(django_user_model, "view_presenter", "change_week", "view_week"))
    presenter = PresenterFactory(email="ada@example.edu")
    week = presents(presenter, days=7, title="First")

    presenter_page = client.get(PRESENTERS).content.decode()
    week_page = client.get(WEEKS).content.decode()
    answers = [invite(client, presenter), invite_weeks(client, week)]

    assert 'value="invite"' not in presenter_page
    assert '<option value="publish">' in week_page  # the week's other actions are there
    assert 'value="invite_presenters"' not in week_page
    assert [answer.status_code for answer in answers] == [200, 200]
    assert texts(answers[1]) == ["No action selected."]
    assert mailoutbox == []
    presenter.refresh_from_db()
    assert presenter.user is None


def test_invite_actions_are_offered_with_change_permission_on_presenters(client, django_user_model):
    client.force_login(staff_with(django_user_model, "change_presenter", "view_week"))
    presents(PresenterFactory(), days=7, title="First")  # the admin offers actions only over rows

    assert 'value="invite"' in client.get(PRESENTERS).content.decode()
    assert 'value="invite_presenters"' in client.get(WEEKS).content.decode()


def test_presenter_admin_shows_the_account_and_last_sign_in(staff_client):
    presenter = invited_presenter(name="Ada Presenter", email="ada@example.edu")
    signed_in = datetime.datetime(2026, 10, 1, 12, 30, tzinfo=datetime.UTC)
    type(presenter.user).objects.filter(pk=presenter.user_id).update(last_login=signed_in)
    never = PresenterFactory(name="Bob Presenter")

    ada_page = staff_client.get(reverse("admin:presenters_presenter_change", args=[presenter.pk]))
    bob_page = staff_client.get(reverse("admin:presenters_presenter_change", args=[never.pk]))

    ada_fields = ada_page.context["adminform"].form.fields
    assert "user" not in ada_fields  # never editable here: an instructor cannot hand out accounts
    assert '<div class="readonly">ada@example.edu</div>' in ada_page.content.decode()
    assert '<div class="readonly">Oct. 1, 2026, 12:30 p.m.</div>' in ada_page.content.decode()
    assert "None yet: invite them" in bob_page.content.decode()


def test_presenter_admin_says_a_linked_editors_account_signs_in_with_its_password(staff_client):
    presenter = invited_presenter(name="Ed Editor", email="ed@example.edu")
    presenter.user.user_permissions.set(Permission.objects.filter(codename="change_week"))

    page = staff_client.get(reverse("admin:presenters_presenter_change", args=[presenter.pk]))

    assert (
        '<div class="readonly">ed@example.edu (an instructor&#x27;s or editor&#x27;s account: it signs in '
        "with its password, never by link; inviting the presenter again unlinks it)</div>"
    ) in page.content.decode()
