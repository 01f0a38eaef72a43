"""Reminders by email, sent by `manage.py send_reminders` (from cron or a systemd timer).

What is owed at a given moment:

- **upcoming**: each credited presenter with an address, once per row, when the session starts within
  `Term.reminder_days` days (0: never) and has not started yet: what, when, where (the online link
  too, restricted or not: the presenter may see it), when slides are due and whether they are in,
  a sign-in link, and the session as an .ics attachment.
- **overdue**: each such presenter, once per row, when the row's slides are overdue
  (`syllabus.readiness.row_status`) and the session has not started yet.
- **digest**: the instructors (active staff with an address), at most once per ISO week, when a
  session of the next three weeks (draft or not) lacks something. A week with nothing missing sends
  nothing and records nothing, so a later run of that week still sends one if something goes missing.

Presenters only ever hear of published weeks of published terms. Each mail is a `Reminder` row with a
unique key: the owed rows are inserted (existing keys ignored), then each unsent one is claimed by
a conditional UPDATE (`sent_at` set where it is still empty), committed on its own, before its mail
goes. Only one run's UPDATE finds a row unsent, on SQLite as on PostgreSQL, so two runs at once (or
on several machines) send each mail once; and no transaction or lock is held while the mail server
answers, so a slow server never blocks the site's writes (on SQLite, the whole database's). A mail
whose sending fails is given back (`sent_at` emptied) and the next run tries it again while it is
still owed. Should the process die between a claim and the server's answer, that one mail counts as
sent and is lost: at most once, rather than at least once. A duplicate would need a lock or a
transaction held across the sending, which SQLite cannot share between two runs; a lost reminder
needs the process killed in the second or so of one send, and the overdue nudge and the digest
still tell what is missing.

The owed mails are a fixed number of queries, whatever the number of weeks, rows and presenters;
sending costs one UPDATE per mail (two when it fails).
"""

import datetime
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from presenters.models import Presenter, Reminder
from presenters.signin import can_sign_in_by_link, sign_in_link
from syllabus import readiness
from syllabus.feeds import week_ics_bytes
from syllabus.models import Presentation, PresentationPresenter, Week

logger = logging.getLogger(__name__)

DIGEST_DAYS = 21  # the digest looks three weeks ahead
# Term.reminder_days and slides_due_days are at most 60: no session further away is owed anything.
LOOKAHEAD_DAYS = 62


@dataclass
class OwedMail:
    kind: str  # a Reminder.Kind
    key: str
    message: EmailMessage
    presentation_id: int | None = None
    presenter_id: int | None = None

    @property
    def recipients(self) -> list[str]:
        return self.message.to


@dataclass
class RemindersReport:
    """What a run sent (or, dry, would send): counts per kind, failures, and the mails themselves."""

    mails: list[OwedMail] = field(default_factory=list)
    sent: Counter = field(default_factory=Counter)
    failed: int = 0
    dry_run: bool = False

    @property
    def summary(self) -> str:
        """e.g. "Sent 3 reminders, 1 overdue nudge, 1 digest; 0 failed"."""
        parts = [
            _count(self.sent[Reminder.Kind.UPCOMING], "reminder"),
            _count(self.sent[Reminder.Kind.OVERDUE], "overdue nudge"),
            _count(self.sent[Reminder.Kind.DIGEST], "digest"),
        ]
        if self.dry_run:
            return f"Would send {', '.join(parts)} (dry run: nothing sent)"
        return f"Sent {', '.join(parts)}; {self.failed} failed"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def reminders_send(*, now: datetime.datetime | None = None, dry_run: bool = False) -> RemindersReport:
    """Send every reminder, nudge and digest owed at `now` (default: now) and not sent yet.

    With `dry_run`, nothing is recorded or sent: the report lists what would go out. Call it outside
    a transaction (as the command does): each claim must commit at once for another run to see it.
    """
    now = now or timezone.now()
    owed = {mail.key: mail for mail in reminders_owed(now=now)}
    report = RemindersReport(dry_run=dry_run)
    if dry_run:
        already = set(
            Reminder.objects.filter(key__in=owed, sent_at__isnull=False).values_list("key", flat=True)
        )
        report.mails = [mail for key, mail in owed.items() if key not in already]
        report.sent.update(mail.kind for mail in report.mails)
        return report
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=mail.kind,
                key=mail.key,
                presentation_id=mail.presentation_id,
                presenter_id=mail.presenter_id,
                recipients="\n".join(mail.recipients),
            )
            for mail in owed.values()
        ],
        ignore_conflicts=True,
    )
    unsent = list(
        Reminder.objects.filter(key__in=owed, sent_at__isnull=True).order_by("id").values_list("pk", "key")
    )
    connection = get_connection()
    for pk, key in unsent:
        # The claim: of two runs at once, one UPDATE finds the row unsent; the other skips it.
        if not Reminder.objects.filter(pk=pk, sent_at__isnull=True).update(sent_at=now):
            continue
        mail = owed[key]
        if _deliver(connection, mail):
            report.sent[mail.kind] += 1
            report.mails.append(mail)
        else:
            Reminder.objects.filter(pk=pk).update(sent_at=None)  # given back: the next run tries again
            report.failed += 1
    _close(connection)
    return report


def _deliver(connection, mail: OwedMail) -> bool:
    """Send one mail; on failure log it and drop the connection, so the next mail opens a new one."""
    try:
        connection.send_messages([mail.message])
    except Exception:
        logger.exception("Could not send %s to %s; it stays unsent.", mail.key, ", ".join(mail.recipients))
        _close(connection)
        return False
    return True


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # a broken connection may fail to say goodbye
        logger.warning("Could not close the mail connection cleanly.", exc_info=True)


def reminders_owed(*, now: datetime.datetime) -> list[OwedMail]:
    """Every mail owed at `now`, sent or not (the caller skips those already sent). Nine queries."""
    return [*_presenters_mails(now=now), *_digest_mails(now=now)]


# Presenters' reminders and nudges


def _presenters_mails(*, now: datetime.datetime) -> list[OwedMail]:
    """Five queries: the weeks that may be owed something, their rows, the rows' presenters, and their
    accounts' permissions and groups (which decide whether a sign-in link may be sent)."""
    credits = PresentationPresenter.objects.select_related("presenter__user").prefetch_related(
        "presenter__user__user_permissions", "presenter__user__groups"
    )
    rows = readiness.with_row_flags(Presentation.objects.select_related("paper")).prefetch_related(
        models.Prefetch("presenter_entries", credits)
    )
    weeks = (
        Week.objects.published()
        .filter(
            date__gte=(now - datetime.timedelta(days=1)).date(),
            date__lte=(now + datetime.timedelta(days=LOOKAHEAD_DAYS)).date(),
        )
        .select_related("term")
        .order_by("date", "position", "id")
        .prefetch_related(models.Prefetch("presentations", rows))
    )
    mails = []
    for week in weeks:
        start = readiness.session_start(week)
        if start <= now:
            continue
        reminder_from = start - datetime.timedelta(days=week.term.reminder_days)
        is_upcoming = week.term.reminder_days > 0 and reminder_from <= now
        for row in week.presentations.all():
            is_overdue = readiness.row_status(row, now=now) == readiness.OVERDUE
            for presenter in row.ordered_presenters:
                if not presenter.email.strip():
                    continue
                if is_upcoming:
                    mails.append(_upcoming_mail(week, row, presenter))
                if is_overdue:
                    mails.append(_overdue_mail(week, row, presenter))
    return mails


def _presenter_context(week: Week, row: Presentation, presenter: Presenter) -> dict:
    due = readiness.slides_due_at(week)
    others = [other.name for other in row.ordered_presenters if other.pk != presenter.pk]
    return {
        "site_name": settings.SITE_NAME,
        "presenter": presenter,
        "week": week,
        "subject": row.paper.title if row.paper_id else row.label or week.title,
        "co_presenters": ", ".join(others),
        "place": week.effective_place,
        "online_url": week.effective_online_url,  # the presenter is a signed-in user: private is fine
        "page_url": _absolute(week.get_absolute_url()),
        "due": _moment_text(due, week.term),
        "slides_missing": not row.has_deck,
        "sign_in_link": _sign_in_link(presenter),
        "link_hours": settings.SIGN_IN_LINK_HOURS,
    }


def _upcoming_mail(week: Week, row: Presentation, presenter: Presenter) -> OwedMail:
    context = _presenter_context(week, row, presenter)
    message = EmailMessage(
        subject=f"[{settings.SITE_NAME}] Your session on {_date_text(week.date)}: {week.title}",
        body=render_to_string("presenters/mail/upcoming.txt", context),
        to=[presenter.email.strip()],
    )
    message.attach("session.ics", week_ics_bytes(week, private_links=True), "text/calendar")
    return OwedMail(
        kind=Reminder.Kind.UPCOMING,
        key=f"upcoming:{row.pk}:{presenter.pk}",
        message=message,
        presentation_id=row.pk,
        presenter_id=presenter.pk,
    )


def _overdue_mail(week: Week, row: Presentation, presenter: Presenter) -> OwedMail:
    context = _presenter_context(week, row, presenter)
    message = EmailMessage(
        subject=f"[{settings.SITE_NAME}] Slides overdue for {_date_text(week.date)}: {week.title}",
        body=render_to_string("presenters/mail/overdue.txt", context),
        to=[presenter.email.strip()],
    )
    return OwedMail(
        kind=Reminder.Kind.OVERDUE,
        key=f"overdue:{row.pk}:{presenter.pk}",
        message=message,
        presentation_id=row.pk,
        presenter_id=presenter.pk,
    )


def _sign_in_link(presenter: Presenter) -> str:
    """A one-time sign-in link for the presenter's user; empty without one or without SITE_URL."""
    user = presenter.user
    if user is None or not settings.SITE_URL or not can_sign_in_by_link(user):
        return ""
    return sign_in_link(user=user)


# The instructors' digest


def _digest_mails(*, now: datetime.datetime) -> list[OwedMail]:
    """Four queries: the instructors, then the weeks, rows and presenters of the next three weeks."""
    instructors = list(
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )
    today = timezone.localdate(now)
    last = today + datetime.timedelta(days=DIGEST_DAYS - 1)
    weeks = Week.objects.filter(term__end_date__gte=today, date__gte=today, date__lte=last)
    report = readiness.weeks_readiness(weeks, now=now)
    if not instructors or not report:
        return []
    terms = {}
    for item in report:
        terms.setdefault(item.week.term, []).append(_digest_week(item))
    year, number, _ = today.isocalendar()
    context = {
        "site_name": settings.SITE_NAME,
        "first": _date_text(today),
        "last": _date_text(last),
        "terms": [
            {
                "term": term,
                "readiness_url": _absolute(reverse("admin:syllabus_term_readiness", args=[term.pk])),
                "weeks": weeks,
            }
            for term, weeks in terms.items()
        ],
    }
    message = EmailMessage(
        subject=f"[{settings.SITE_NAME}] What is missing, week {year}-W{number:02d}",
        body=render_to_string("presenters/mail/digest.txt", context),
        to=instructors,
    )
    return [OwedMail(kind=Reminder.Kind.DIGEST, key=f"digest:{year}-W{number:02d}", message=message)]


def _digest_week(item: readiness.WeekReadiness) -> dict:
    rows = []
    for entry in item.rows:
        row = entry.row
        names = ", ".join(presenter.name for presenter in row.ordered_presenters)
        rows.append(
            {
                "order": row.order,
                "subject": row.paper.title if row.paper_id else row.label or "(no paper or label)",
                "presenters": names or "no presenter",
                "lacks": ", ".join(entry.lacks),
                "status": entry.status,
            }
        )
    return {
        "week": item.week,
        "admin_url": _absolute(reverse("admin:syllabus_week_change", args=[item.week.pk])),
        "is_empty": item.is_empty,
        "rows": rows,
    }


# Text


def _absolute(path: str) -> str:
    """`path` on SITE_URL; empty when SITE_URL is unset (a command has no request to ask)."""
    return f"{settings.SITE_URL}{path}" if settings.SITE_URL else ""


def _date_text(date: datetime.date) -> str:
    return f"{date:%a} {date.day} {date:%b %Y}"


def _moment_text(moment: datetime.datetime, term) -> str:
    """e.g. "Mon 2 Feb 2026, 16:00 (Europe/Berlin)", in the term's time zone."""
    local = moment.astimezone(term.zone)
    return f"{_date_text(local.date())}, {local:%H:%M} ({term.time_zone})"
