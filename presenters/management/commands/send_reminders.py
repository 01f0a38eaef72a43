import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from presenters.reminders import reminders_send


def _moment(text: str) -> datetime.datetime:
    """An aware moment from --now; argparse shows the message of an ArgumentTypeError as it is."""
    try:
        moment = parse_datetime(text)
    except ValueError:  # well formed, but no such date or time (2026-13-01)
        moment = None
    if moment is None or moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a moment: use an ISO time with its offset, e.g. 2026-12-01T08:00:00+00:00"
        )
    return moment


class Command(BaseCommand):
    help = (
        "Send presenters their reminders before a session and nudges when slides are overdue, and "
        "instructors the weekly digest of what is missing. Each mail goes once: safe to run often, "
        "twice at once, or from several machines."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be sent; send nothing.")
        parser.add_argument("--now", type=_moment, help="Pretend it is this moment (for testing).")

    def handle(self, *args, dry_run: bool, now: datetime.datetime | None, **options):
        report = reminders_send(now=now, dry_run=dry_run)
        if dry_run:
            for mail in report.mails:
                self.stdout.write(f"{mail.kind}: {', '.join(mail.recipients)}: {mail.message.subject}")
        self.stdout.write(f"{report.summary}.")
        if report.failed:
            raise CommandError(
                f"{report.failed} mail{'' if report.failed == 1 else 's'} could not be sent (see the log); "
                "the next run tries again."
            )
