"""Deployment checks (`manage.py check --deploy`): what presenters' mail needs in production."""

from django.conf import settings
from django.core import checks


@checks.register("mail", deploy=True)
def check_mail_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    warnings = []
    if not settings.EMAIL_URL and not settings.DEBUG:
        warnings.append(
            checks.Warning(
                "EMAIL_URL is not set: sign-in links, invitations and reminders cannot be sent.",
                hint="Set EMAIL_URL, e.g. submission://user:password@smtp.example.edu:587 (see the README).",
                id="presenters.W001",
            )
        )
    if not settings.SITE_URL:
        warnings.append(
            checks.Warning(
                "SITE_URL is not set: links in mail sent without a request (reminders) have no address.",
                hint="Set SITE_URL to the site's address, e.g. https://seminar.example.edu.",
                id="presenters.W002",
            )
        )
    return warnings
