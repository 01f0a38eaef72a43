"""Presenters sign in with a one-time link sent by email (django-sesame): no password to keep.

A presenter's user is made when an instructor invites them (`presenter_invite`): its username is
the address, it has no usable password, no admin access, no model permissions and no groups. Links
are only ever made for and accepted from such users (`presenter_accounts`): instructors and editors
sign in with their password, never by mail, and an invitation never links their accounts.
"""

import dataclasses
import enum
import hashlib
import logging
import smtplib
import time

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from presenters.models import Presenter
from syllabus.models import Presentation

logger = logging.getLogger(__name__)

LINK_BACKEND = "sesame.backends.ModelBackend"  # as in settings.AUTHENTICATION_BACKENDS

# django-sesame is imported where it is used, not here: importing it derives its keys from
# SECRET_KEY at once, and the admin imports this module while Django starts, so commands that only
# read the models (`makemigrations --check`) could no longer run without a key, and the web server
# would fail with Django's message instead of saying that SECRET_KEY is required.


def presenter_accounts():
    """The users a link is made for and accepted from: active, not staff, no permissions, no groups,
    and a presenter's. A link signs in without a password, so it must never sign in a user who
    can do more than a presenter: an editor of the API (model permissions, through a group or not)
    with a presenter's address would otherwise write to the seminar with only their mailbox."""
    User = get_user_model()
    return User.objects.filter(
        is_active=True, is_staff=False, is_superuser=False, presenter__isnull=False
    ).exclude(_has_permissions_or_groups())


def _has_permissions_or_groups() -> Q:
    return Q(Exists(Permission.objects.filter(user=OuterRef("pk")))) | Q(
        Exists(Group.objects.filter(user=OuterRef("pk")))
    )


def can_sign_in_by_link(user) -> bool:
    """Whether `user` is one of `presenter_accounts()`: the only users a link is made for or accepted
    from. One query, however many permissions or groups; none for a user fetched with
    `prefetch_related("user_permissions", "groups")` and its presenter (e.g. through
    `select_related("presenter__user")`), so that a loop over many presenters costs nothing more."""
    if not user.is_active or user.is_staff or user.is_superuser or user.pk is None:
        return False
    prefetched = getattr(user, "_prefetched_objects_cache", {})
    if "user_permissions" in prefetched and "groups" in prefetched:
        return not user.user_permissions.all() and not user.groups.all() and hasattr(user, "presenter")
    return presenter_accounts().filter(pk=user.pk).exists()


def signs_in_with_password(user) -> bool:
    """Staff, superusers, and users with model permissions or groups: instructors and editors, who
    sign in with their password and never by link."""
    if user.is_staff or user.is_superuser:
        return True
    return get_user_model().objects.filter(_has_permissions_or_groups(), pk=user.pk).exists()


class AccountRefused(ValueError):
    """The presenter cannot have an account that signs in by link (see the subclasses)."""


class AddressTaken(AccountRefused):
    """The address is the account's of another presenter."""


class PasswordAccount(AccountRefused):
    """The address is an account's that signs in with its password (an instructor's or editor's)."""


USERNAME_LENGTH = 150  # django.contrib.auth's User.username
MAX_USERNAME_TRIES = 100


def _username_candidates(email: str):
    """The address (lowercased), then address-2, address-3, ..., each cut to fit a username."""
    base = email.lower()
    yield base[:USERNAME_LENGTH]
    for number in range(2, MAX_USERNAME_TRIES + 1):
        suffix = f"-{number}"
        yield base[: USERNAME_LENGTH - len(suffix)] + suffix


def _user_create(*, email: str):
    """A new user for a presenter: no usable password, under the first free username."""
    User = get_user_model()
    for username in _username_candidates(email):
        # The check and the insert can race with another invitation: the insert decides, in a
        # savepoint so that a refused one leaves the transaction usable (PostgreSQL).
        if User.objects.filter(username=username).exists():
            continue
        user = User(username=username, email=email)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            continue
        return user
    raise AccountRefused(f"No free username for {email} after {MAX_USERNAME_TRIES} tries.")


def presenter_user_ensure(*, presenter: Presenter):
    """The presenter's user, made (or found by address) when it has none. Needs the presenter's email.

    An existing user with the same address (any case) is linked only if it is a presenter's kind of
    account: no usable password, not staff, no permissions or groups, and no other presenter's.
    A presenter linked to an account that has since become staff, or gained permissions or groups,
    is unlinked: such an account signs in with its password, never by link, and the admin cannot
    change the link by hand.

    Raises ValueError when the presenter has no address, AddressTaken when the address is another
    presenter's account's, PasswordAccount when it is an instructor's or editor's.
    """
    outcome = _presenter_user_link(presenter=presenter)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@transaction.atomic
def _presenter_user_link(*, presenter: Presenter):
    """presenter_user_ensure's work, in one transaction; a refusal is returned, not raised, so that
    an unlinking is committed with it."""
    presenter = Presenter.objects.select_for_update().get(pk=presenter.pk)
    if presenter.user_id:
        if signs_in_with_password(presenter.user):
            presenter.user = None
            presenter.save(update_fields=["user"])
            return PasswordAccount(f"{presenter}'s account signs in with its password: unlinked.")
        return presenter.user
    email = presenter.email.strip()
    if not email:
        return ValueError(f"{presenter} has no email address.")
    User = get_user_model()
    users = list(User.objects.filter(email__iexact=email).order_by("id"))
    if any(user.has_usable_password() or signs_in_with_password(user) for user in users):
        return PasswordAccount(f"{email} is the address of an account that signs in with its password.")
    linked = set(Presenter.objects.filter(user__in=users).values_list("user_id", flat=True))
    free = [user for user in users if user.pk not in linked]
    if users and not free:
        return AddressTaken(f"{email} is already the address of another presenter's account.")
    try:
        user = free[0] if free else _user_create(email=email)
    except AccountRefused as refused:
        return refused
    presenter.user = user
    presenter.save(update_fields=["user"])
    return user


def sign_in_link(*, user, base_url: str = "") -> str:
    """An absolute link that signs `user` in once, within SIGN_IN_LINK_HOURS.

    The site's address is SITE_URL from the settings when it is set, the one the site is known by;
    else `base_url` (scheme and host, e.g. from `request.build_absolute_uri("/")`), taken from the
    request's Host header, which the client writes.
    """
    from sesame.utils import get_query_string

    base = (settings.SITE_URL or base_url).rstrip("/")
    return f"{base}{reverse('account:sign_in_link')}{get_query_string(user)}"


# Asking for a link, and using it.


class TooManyRequests(Exception):
    """The client asked for more links than SIGN_IN_RATE_PER_CLIENT this hour."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many sign-in requests; try again in {retry_after} s.")
        self.retry_after = retry_after


HOUR = 3600


def _count_within(key: str, limit: int) -> tuple[bool, int]:
    """Count one request under `key` in this hour's window; whether it is within `limit`, and the
    seconds until the window ends. Windows are whole clock hours, so that the answer to a refused
    client can say exactly when to come back (the cache tells no key's remaining life)."""
    now = int(time.time())
    window, left = divmod(now, HOUR)
    key = f"signin:{key}:{window}"
    cache.add(key, 0, timeout=HOUR + 60)  # atomic: only the first request of the window makes it
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: start again
        cache.add(key, 1, timeout=HOUR + 60)
        count = 1
    return count <= limit, HOUR - left


def _address_key(email: str) -> str:
    # Addresses are not kept in the cache in the clear.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class SignInMail:
    """A sign-in link's mail, made while answering and sent after (`sign_in_mails_send`)."""

    user_id: int
    message: EmailMessage


def sign_in_link_request(*, email: str, client: str, base_url: str) -> list[SignInMail]:
    """The mails of sign-in links for `email` if it is a presenter's current address and their
    account may sign in by link (`presenter_accounts`); none for any other address. Not sent: the
    caller sends them with `sign_in_mails_send` once its answer has gone out, since sending takes as
    long as the mail server does, and a slower answer would tell that the address is a presenter's.

    The answer must not tell who is a presenter either. Raises TooManyRequests past
    SIGN_IN_RATE_PER_CLIENT requests from `client` this hour; past SIGN_IN_RATE_PER_EMAIL for `email`
    it quietly makes none. The presenter is found by their own address, the one the instructor
    keeps, and the mail goes there (the user's address follows it): never to an address the
    instructor has since replaced.
    """
    allowed, retry_after = _count_within(f"client:{client}", settings.SIGN_IN_RATE_PER_CLIENT)
    if not allowed:
        raise TooManyRequests(retry_after)
    allowed, _ = _count_within(f"email:{_address_key(email)}", settings.SIGN_IN_RATE_PER_EMAIL)
    if not allowed:
        logger.info("Sign-in link not sent: too many requests for one address this hour")
        return []
    users = presenter_accounts().filter(presenter__email__iexact=email.strip()).select_related("presenter")
    mails = []
    for user in users:
        address = user.presenter.email.strip()
        if user.email != address:
            user.email = address
            user.save(update_fields=["email"])
        message = _mail(
            to=address,
            subject=f"Sign in to {settings.SITE_NAME}",
            template="presenters/mail/sign_in_link.txt",
            context={"link": sign_in_link(user=user, base_url=base_url), "presenter": user.presenter},
        )
        mails.append(SignInMail(user_id=user.pk, message=message))
    return mails


def sign_in_mails_send(*, mails: list[SignInMail]) -> None:
    """Send each mail; a failure is logged, never raised (nobody is waiting for the answer)."""
    for mail in mails:
        try:
            mail.message.send()
        except Exception:  # after the answer, nothing else would report it
            logger.warning("Sign-in link to user %s could not be mailed", mail.user_id, exc_info=True)


def sign_in_link_user(*, token: str):
    """The user `token` would sign in, or None (unknown, expired, used, or not allowed a link). Spends
    nothing: a page may check a link before its button is pressed.

    Not through `sesame.utils.get_user`: that calls `authenticate()`, where django-axes (the first
    backend) counts each bad token as a failed password of "no username" from the client, keeps the
    token in its records, and past LOGIN_FAILURE_LIMIT answers with the admin's lockout page. A
    token is a signature nobody can guess: there is nothing to lock out, and presenters sharing a
    network with someone holding an old link would be locked out with them.
    """
    from sesame.backends import ModelBackend

    user = ModelBackend().authenticate(None, sesame=token)
    return user if user is not None and can_sign_in_by_link(user) else None


@transaction.atomic
def sign_in_link_use(*, request: HttpRequest, token: str):
    """Sign in the user of `token`, once; the user, or None (see `sign_in_link_user`).

    The user's row is locked from the check to the sign-in, whose new last_login spends the token:
    two requests racing with one link cannot both pass.
    """
    user = sign_in_link_user(token=token)
    if user is None:
        return None
    get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
    user = sign_in_link_user(token=token)  # again, under the lock: a rival may have used it meanwhile
    if user is None:
        return None
    login(request, user, backend=LINK_BACKEND)  # a new session key; last_login moves
    return user


# Invitations.

UPCOMING_IN_INVITATION = 10  # sessions listed in the mail


class Invited(enum.Enum):
    """What an invitation did, for the instructor's message."""

    SENT = "invited"
    NO_EMAIL = "no email address"
    BAD_EMAIL = "the email address is not one mail can be sent to"
    ADDRESS_TAKEN = "the email address is another presenter's account's"
    PASSWORD_ACCOUNT = (
        "the email address belongs to an instructor's or editor's account, which signs in with its "
        "password: not linked, no link sent"
    )
    INACTIVE = "the account is deactivated: no link sent"
    MAIL_FAILED = "the mail could not be sent (the mail server refused it or is unreachable)"


def presenter_invite(*, presenter: Presenter, base_url: str = "") -> Invited:
    """Make (or link) the presenter's user and mail them a sign-in link with their upcoming sessions.

    Nothing is mailed to an instructor's or editor's account (it signs in with its password and is
    never linked; see `presenter_user_ensure`) or to a deactivated account. The
    user's address follows the presenter's, so that the sign-in form finds them by the address the
    instructor keeps.
    """
    email = presenter.email.strip()
    if not email:
        return Invited.NO_EMAIL
    try:
        validate_email(email)
    except ValidationError:
        return Invited.BAD_EMAIL
    try:
        user = presenter_user_ensure(presenter=presenter)
    except AddressTaken:
        return Invited.ADDRESS_TAKEN
    except PasswordAccount:
        return Invited.PASSWORD_ACCOUNT
    except AccountRefused:  # no free username: as good as taken
        return Invited.ADDRESS_TAKEN
    if not user.is_active:
        return Invited.INACTIVE
    if not can_sign_in_by_link(user):  # made or checked above; again, as the link is made only for these
        return Invited.PASSWORD_ACCOUNT
    if user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    sessions = (
        Presentation.objects.filter(
            presenter_entries__presenter=presenter, week__date__gte=timezone.localdate()
        )
        .select_related("week", "paper")
        .order_by("week__date", "week__position", "order")[:UPCOMING_IN_INVITATION]
    )
    try:
        _mail(
            to=email,
            subject=f"You are invited to sign in to {settings.SITE_NAME}",
            template="presenters/mail/invitation.txt",
            context={
                "presenter": presenter,
                "link": sign_in_link(user=user, base_url=base_url),
                "sessions": list(sessions),
            },
        ).send()
    except (smtplib.SMTPException, OSError):
        logger.warning("Invitation to presenter %s could not be mailed", presenter.pk, exc_info=True)
        return Invited.MAIL_FAILED
    return Invited.SENT


def presenters_invite(*, presenters, base_url: str = "") -> dict[Invited, list[Presenter]]:
    """Invite each presenter once; the presenters by outcome, in the order given."""
    outcomes: dict[Invited, list[Presenter]] = {}
    seen = set()
    for presenter in presenters:
        if presenter.pk in seen:
            continue
        seen.add(presenter.pk)
        outcomes.setdefault(presenter_invite(presenter=presenter, base_url=base_url), []).append(presenter)
    return outcomes


def _mail(*, to: str, subject: str, template: str, context: dict) -> EmailMessage:
    context = {
        **context,
        "site_name": settings.SITE_NAME,
        "hours": settings.SIGN_IN_LINK_HOURS,
    }
    return EmailMessage(subject=subject, body=render_to_string(template, context), to=[to])
