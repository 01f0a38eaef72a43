import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from presenters.reminders import reminders_send


def _moment(text: str) -> datetime.datetime:
    moment = parse_datetime(text)
    if moment is None or moment.tzinfo is None:
        raise ValueError("give an ISO date and time with its offset, e.g. 2026-12-07T07:00+00:00")
    return moment


class Command(BaseCommand):
    help = (
        "Send presenters their reminders before a session and nudges when slides are overdue, and "
        "instructors the weekly digest of what is missing. Each mail goes once: safe to run often, "
        "twice, or from several machines at once."
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
