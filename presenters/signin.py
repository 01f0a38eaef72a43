"""Presenters sign in with a one-time link sent by email (django-sesame): no password to keep.

A presenter's user is made when an instructor invites them (`presenter_invite`): its username is
the address, it has no usable password, no admin access and no model permissions. Links are only
ever made for such users: staff sign in to the admin with their password, never by mail.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from sesame.utils import get_query_string

from presenters.models import Presenter


def can_sign_in_by_link(user) -> bool:
    """Active, not staff, and a presenter's: the only users a link is made for or accepted from."""
    return bool(user.is_active and not user.is_staff and not user.is_superuser and hasattr(user, "presenter"))


@transaction.atomic
def presenter_user_ensure(*, presenter: Presenter):
    """The presenter's user, made (or found by address) when it has none. Needs the presenter's email.

    An existing user with the same address (any case) is linked when no other presenter has it.
    Raises ValueError when the presenter has no address or the address is another presenter's.
    """
    presenter = Presenter.objects.select_for_update().get(pk=presenter.pk)
    if presenter.user_id:
        return presenter.user
    email = presenter.email.strip()
    if not email:
        raise ValueError(f"{presenter} has no email address.")
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).order_by("id").first()
    if user is None:
        user = User(username=email.lower()[:150], email=email)
        user.set_unusable_password()
        user.save()
    elif Presenter.objects.filter(user=user).exists():
        raise ValueError(f"{email} is already the address of another presenter's account.")
    presenter.user = user
    presenter.save(update_fields=["user"])
    return user


def sign_in_link(*, user, base_url: str = "") -> str:
    """An absolute link that signs `user` in once, within SIGN_IN_LINK_HOURS.

    `base_url` is the site's address (scheme and host, e.g. from `request.build_absolute_uri("/")`);
    without it, SITE_URL from the settings (mail sent by a command has no request).
    """
    base = (base_url or settings.SITE_URL).rstrip("/")
    return f"{base}{reverse('account:sign_in_link')}{get_query_string(user)}"
