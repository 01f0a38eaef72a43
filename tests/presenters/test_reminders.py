"""Reminders by email (presenters/reminders.py, manage.py send_reminders): what is sent, to whom, once."""

import asyncio
import datetime
import email
import email.policy
import re
import socket
import subprocess
import sys
import threading
import zoneinfo
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from subprocess import PIPE

import icalendar
import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth.models import Permission
from django.core.mail.backends import locmem
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import RequestFactory
from django.urls import reverse
from django.utils.text import slugify
from sesame import utils as sesame

from presenters.models import Presenter, Reminder
from presenters.reminders import RemindersReport, reminders_send
from presenters.signin import presenter_user_ensure
from syllabus.models import Presentation, Week
from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    TermFactory,
    WeekFactory,
)
from tests.syllabus.test_server_process import manage, server_env

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]  # where manage.py is
SITE = "https://seminar.example.edu"
LINK = "https://meet.example.edu/reading-group"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Monday 2 November 2026, 09:00 in Berlin: the session is on Tuesday at 16:00, slides are due on
# Monday at 16:00 (one day before), the reminder is owed from Tuesday 27 October at 16:00.
NOW = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=BERLIN)
DUE = datetime.datetime(2026, 11, 2, 16, 0, tzinfo=BERLIN)
START = datetime.datetime(2026, 11, 3, 16, 0, tzinfo=BERLIN)


@dataclass
class Seminar:
    week: Week
    row: Presentation
    ada: Presenter  # has an account: her mail carries a sign-in link
    ben: Presenter  # has no account


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "Reading Group"
    settings.DEFAULT_FROM_EMAIL = "Reading Group <noreply@seminar.example.edu>"


def make_seminar(
    *, title: str = "Attention", date: datetime.date = datetime.date(2026, 11, 3), **term
) -> Seminar:
    term = TermFactory(
        name="Fall 2026",
        time_zone="Europe/Berlin",
        start_time=datetime.time(16, 0),
        duration_minutes=90,
        place="Room 2.14",
        online_url=LINK,
        online_url_private=True,
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2026, 12, 18),
        **term,
    )
    week = WeekFactory(term=term, title=title, date=date)
    row = PresentationFactory(week=week, order=1, paper=PaperFactory(title="Attention Is All You Need"))
    suffix = "" if title == "Attention" else f"+{slugify(title)}"
    ada = PresenterFactory(name="Ada Lovelace", email=f"ada{suffix}@example.edu")
    ben = PresenterFactory(name="Ben Okri", email=f"ben{suffix}@example.edu")
    PresentationPresenterFactory(presentation=row, presenter=ada, order=1)
    PresentationPresenterFactory(presentation=row, presenter=ben, order=2)
    presenter_user_ensure(presenter=ada)
    ada.refresh_from_db()
    return Seminar(week, row, ada, ben)


@pytest.fixture
def seminar() -> Seminar:
    return make_seminar()


@pytest.fixture
def instructor(django_user_model):
    return django_user_model.objects.create_user(
        username="instructor", email="instructor@example.edu", password="x", is_staff=True
    )


def sent_to(outbox, address: str) -> list:
    return [message for message in outbox if address in message.to]


def without_token(text: str) -> str:
    return re.sub(r"\?token=[\w-]+", "?token=<token>", text)


def signed_in_by(text: str):
    """The user the sign-in link in `text` signs in (as the link's view would find it)."""
    token = re.search(r"\?token=([\w-]+)", text).group(1)
    return sesame.get_user(RequestFactory().get("/sign-in/link/", {"token": token}))


# The reminder before a session


def test_reminder_says_what_when_where_and_when_slides_are_due(seminar, mailoutbox):
    reminders_send(now=NOW)

    [message] = sent_to(mailoutbox, "ada@example.edu")
    assert message.subject == "[Reading Group] Your session on Tue 3 Nov 2026: Attention"
    assert message.to == ["ada@example.edu"]
    assert message.from_email == "Reading Group <noreply@seminar.example.edu>"
    week_url = f"{SITE}{seminar.week.get_absolute_url()}"
    assert without_token(message.body) == (
        "Hello Ada Lovelace,\n"
        "\n"
        "A reminder that you present at Reading Group soon.\n"
        "\n"
        "What:  Attention Is All You Need (with Ben Okri)\n"
        "When:  Tue 3 Nov 2026, 16:00\N{EN DASH}17:30 (Europe/Berlin)\n"
        "Where: Room 2.14\n"
        f"Online: {LINK}\n"
        f"Session: Attention, {week_url}\n"
        "\n"
        "Slides are due by Mon 2 Nov 2026, 16:00 (Europe/Berlin). We do not have yours yet.\n"
        "\n"
        "Sign in to add your slides, links and notes (this link works once, within 72 hours):\n"
        f"{SITE}/sign-in/link/?token=<token>\n"
        "\n"
        "The session is attached as a calendar file (session.ics).\n"
    )
    assert signed_in_by(message.body) == seminar.ada.user


def test_reminder_attaches_the_session_as_an_ics_file(seminar, mailoutbox):
    reminders_send(now=NOW)

    [message] = sent_to(mailoutbox, "ada@example.edu")
    [(name, content, mimetype)] = message.attachments
    [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert (name, mimetype) == ("session.ics", "text/calendar")
    assert event.decoded("DTSTART") == START
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTEND") == START + datetime.timedelta(minutes=90)
    assert (str(event["SUMMARY"]), str(event["LOCATION"]), str(event["UID"])) == (
        "Attention",
        "Room 2.14",
        str(seminar.week.uuid),
    )
    # The link for signed-in users only: the presenter is one.
    assert str(event["DESCRIPTION"]) == (
        f"Attention Is All You Need (Ada Lovelace, Ben Okri)\nJoin online: {LINK}"
    )
    assert str(event["URL"]) == f"{SITE}{seminar.week.get_absolute_url()}"


def test_reminder_without_an_account_or_site_url_has_no_sign_in_link(seminar, mailoutbox, settings):
    SlideDeckFactory(week=seminar.week, presentation=seminar.row)
    settings.SITE_URL = ""

    reminders_send(now=NOW)

    ada, ben = sent_to(mailoutbox, "ada@example.edu")[0], sent_to(mailoutbox, "ben@example.edu")[0]
    assert "token=" not in ada.body
    assert ben.body.endswith(
        "What:  Attention Is All You Need (with Ada Lovelace)\n"
        "When:  Tue 3 Nov 2026, 16:00\N{EN DASH}17:30 (Europe/Berlin)\n"
        "Where: Room 2.14\n"
        f"Online: {LINK}\n"
        "Session: Attention\n"
        "\n"
        "Slides are due by Mon 2 Nov 2026, 16:00 (Europe/Berlin). We have them: thank you.\n"
        "\n"
        "The session is attached as a calendar file (session.ics).\n"
    )
    [(_, content, _)] = ben.attachments
    assert "URL" not in icalendar.Calendar.from_ical(content).walk("VEVENT")[0]


def test_staff_presenters_get_no_sign_in_link(seminar, mailoutbox):
    seminar.ada.user.is_staff = True
    seminar.ada.user.save()

    reminders_send(now=NOW)

    assert "token=" not in sent_to(mailoutbox, "ada@example.edu")[0].body


def test_a_second_run_sends_nothing(seminar, instructor, mailoutbox):
    first = reminders_send(now=NOW)
    second = reminders_send(now=NOW + datetime.timedelta(hours=1))

    assert first.summary == "Sent 2 reminders, 0 overdue nudges, 1 digest; 0 failed"
    assert second.summary == "Sent 0 reminders, 0 overdue nudges, 0 digests; 0 failed"
    assert len(mailoutbox) == 3
    assert list(Reminder.objects.order_by("id").values_list("key", "recipients", "sent_at")) == [
        (f"upcoming:{seminar.row.pk}:{seminar.ada.pk}", "ada@example.edu", NOW),
        (f"upcoming:{seminar.row.pk}:{seminar.ben.pk}", "ben@example.edu", NOW),
        ("digest:2026-W45", "instructor@example.edu", NOW),
    ]


def test_a_presenter_added_later_gets_their_own_reminder(seminar, mailoutbox):
    reminders_send(now=NOW)
    cleo = PresenterFactory(name="Cleo", email="cleo@example.edu")
    PresentationPresenterFactory(presentation=seminar.row, presenter=cleo, order=3)

    reminders_send(now=NOW + datetime.timedelta(hours=1))

    assert [message.to for message in mailoutbox] == [
        ["ada@example.edu"],
        ["ben@example.edu"],
        ["cleo@example.edu"],
    ]


@pytest.mark.parametrize(
    ("draft", "expected"),
    [("none", ["ada@example.edu", "ben@example.edu"]), ("week", []), ("term", [])],
)
def test_drafts_are_skipped(seminar, mailoutbox, draft, expected):
    if draft == "week":
        Week.objects.filter(pk=seminar.week.pk).update(is_published=False)
    elif draft == "term":
        type(seminar.week.term).objects.filter(pk=seminar.week.term_id).update(is_published=False)

    reminders_send(now=NOW)

    assert [address for message in mailoutbox for address in message.to] == expected


def test_presenters_without_an_address_are_skipped(seminar, mailoutbox):
    Presenter.objects.filter(pk=seminar.ben.pk).update(email="")

    report = reminders_send(now=NOW)

    assert [message.to for message in mailoutbox] == [["ada@example.edu"]]
    assert report.sent["upcoming"] == 1


@pytest.mark.parametrize(
    ("now", "reminder_days", "sent"),
    [
        (START - datetime.timedelta(days=7, seconds=1), 7, False),  # too early
        (START - datetime.timedelta(days=7), 7, True),
        (START - datetime.timedelta(seconds=1), 7, True),
        (START, 7, False),  # the session has begun
        (START - datetime.timedelta(hours=1), 0, False),  # no reminders in this term
    ],
)
def test_reminders_go_within_the_terms_reminder_days(mailoutbox, now, reminder_days, sent):
    make_seminar(reminder_days=reminder_days)

    reminders_send(now=now)

    reminders = [
        message for message in mailoutbox if message.subject.startswith("[Reading Group] Your session")
    ]
    assert bool(reminders) == sent


# The nudge when slides are overdue


def test_overdue_slides_get_one_nudge(seminar, mailoutbox):
    reminders_send(now=NOW)  # the reminders, before the deadline
    mailoutbox.clear()

    first = reminders_send(now=DUE)
    again = reminders_send(now=DUE + datetime.timedelta(hours=2))

    assert first.summary == "Sent 0 reminders, 2 overdue nudges, 0 digests; 0 failed"
    assert again.summary == "Sent 0 reminders, 0 overdue nudges, 0 digests; 0 failed"
    [message] = sent_to(mailoutbox, "ada@example.edu")
    assert message.subject == "[Reading Group] Slides overdue for Tue 3 Nov 2026: Attention"
    assert without_token(message.body) == (
        "Hello Ada Lovelace,\n"
        "\n"
        'Your slides for "Attention Is All You Need" were due by Mon 2 Nov 2026, 16:00 (Europe/Berlin), '
        "and we do not have them yet.\n"
        "The session: Attention, Tue 3 Nov 2026, 16:00\N{EN DASH}17:30 (Europe/Berlin).\n"
        "\n"
        "Sign in to add them (this link works once, within 72 hours):\n"
        f"{SITE}/sign-in/link/?token=<token>\n"
    )
    assert sent_to(mailoutbox, "ben@example.edu")[0].body.endswith("\nPlease send them to the instructors.\n")
    assert message.attachments == []


def test_no_nudge_with_slides_or_after_the_session(seminar, mailoutbox):
    other = make_seminar(title="Later", date=datetime.date(2026, 11, 10))
    SlideDeckFactory(week=other.week, presentation=other.row)

    reminders_send(now=START)  # seminar's session has begun; the other has its slides

    assert [message.subject for message in mailoutbox] == [
        "[Reading Group] Your session on Tue 10 Nov 2026: Later",
        "[Reading Group] Your session on Tue 10 Nov 2026: Later",
    ]


# The instructors' digest


def test_digest_lists_what_the_next_three_weeks_lack(seminar, instructor, mailoutbox, django_user_model):
    draft = WeekFactory(
        term=seminar.week.term, title="Draft", date=datetime.date(2026, 11, 17), is_published=False
    )
    WeekFactory(term=seminar.week.term, title="Too far", date=datetime.date(2026, 11, 23))  # after 3 weeks
    ready = WeekFactory(term=seminar.week.term, title="Ready", date=datetime.date(2026, 11, 10))
    row = PresentationFactory(week=ready, paper=PaperFactory(abstract="Done."))
    PresentationPresenterFactory(presentation=row)
    SlideDeckFactory(week=ready, presentation=row)
    django_user_model.objects.create_user(
        username="gone", email="gone@example.edu", is_staff=True, is_active=False
    )
    django_user_model.objects.create_user(username="member", email="member@example.edu")
    django_user_model.objects.create_user(username="second", email="second@example.edu", is_staff=True)

    reminders_send(now=NOW)

    [digest] = [message for message in mailoutbox if "What is missing" in message.subject]
    assert digest.subject == "[Reading Group] What is missing, week 2026-W45"
    assert digest.to == ["instructor@example.edu", "second@example.edu"]
    term = seminar.week.term
    assert digest.body == (
        "What the sessions from Mon 2 Nov 2026 to Sun 22 Nov 2026 still lack.\n"
        "\n"
        "Fall 2026\n"
        f"What is missing in the whole term: {SITE}/admin/syllabus/term/{term.pk}/readiness/\n"
        "\n"
        "* Attention, Tue 3 Nov 2026, 16:00\N{EN DASH}17:30 (Europe/Berlin)\n"
        f"  {SITE}/admin/syllabus/week/{seminar.week.pk}/change/\n"
        "  #1 Attention Is All You Need (Ada Lovelace, Ben Okri): lacks slides, abstract; missing slides\n"
        "\n"
        "* Draft, Tue 17 Nov 2026, 16:00\N{EN DASH}17:30 (Europe/Berlin) (draft)\n"
        f"  {SITE}/admin/syllabus/week/{draft.pk}/change/\n"
        "  No rows yet: no presenter, no paper.\n"
        "\n"
        "(Sent by manage.py send_reminders once a week when something is missing.)\n"
    )


def test_digest_goes_once_a_week(seminar, instructor, mailoutbox):
    def digests():
        return [message.subject for message in mailoutbox if "What is missing" in message.subject]

    PresentationFactory(week=WeekFactory(term=seminar.week.term, date=datetime.date(2026, 11, 12)))
    reminders_send(now=NOW)
    reminders_send(now=NOW + datetime.timedelta(days=6))  # Sunday, the same ISO week
    assert digests() == ["[Reading Group] What is missing, week 2026-W45"]

    reminders_send(now=NOW + datetime.timedelta(days=7))
    assert digests() == [
        "[Reading Group] What is missing, week 2026-W45",
        "[Reading Group] What is missing, week 2026-W46",
    ]


def test_no_digest_when_nothing_is_missing(instructor, mailoutbox):
    week = WeekFactory(date=datetime.date(2026, 11, 4))
    row = PresentationFactory(week=week, paper=PaperFactory(abstract="Done."))
    PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(email=""))
    SlideDeckFactory(week=week, presentation=row)

    report = reminders_send(now=NOW)

    assert (mailoutbox, report.sent["digest"], Reminder.objects.count()) == ([], 0, 0)


# Failures, the command, the dry run


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound for a moment, then let go)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_that_cannot_be_sent_stays_unsent_and_goes_next_time(seminar, settings, mailoutbox, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

    failed = reminders_send(now=NOW)

    assert failed.summary == "Sent 0 reminders, 0 overdue nudges, 0 digests; 2 failed"
    assert list(Reminder.objects.values_list("sent_at", flat=True)) == [None, None]
    assert [record.message.split(";")[0] for record in caplog.records] == [
        f"Could not send upcoming:{seminar.row.pk}:{seminar.ada.pk} to ada@example.edu",
        f"Could not send upcoming:{seminar.row.pk}:{seminar.ben.pk} to ben@example.edu",
    ]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    retried = reminders_send(now=NOW + datetime.timedelta(hours=1))

    assert retried.summary == "Sent 2 reminders, 0 overdue nudges, 0 digests; 0 failed"
    assert [message.to for message in mailoutbox] == [["ada@example.edu"], ["ben@example.edu"]]


def test_the_command_fails_when_a_mail_fails(seminar, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

    with pytest.raises(CommandError) as error:
        call_command("send_reminders", now=NOW)

    assert capsys.readouterr().out == "Sent 0 reminders, 0 overdue nudges, 0 digests; 2 failed.\n"
    assert str(error.value) == "2 mails could not be sent (see the log); the next run tries again."


def test_the_command_prints_a_summary(seminar, instructor, mailoutbox, capsys):
    call_command("send_reminders", "--now", NOW.isoformat())

    assert capsys.readouterr().out == "Sent 2 reminders, 0 overdue nudges, 1 digest; 0 failed.\n"
    assert len(mailoutbox) == 3


@pytest.mark.parametrize("moment", ["2026-12-01T08:00:00", "2026-13-01T08:00+00:00", "tomorrow"])
def test_now_without_an_offset_is_refused_with_an_example(seminar, mailoutbox, moment):
    with pytest.raises(CommandError) as error:
        call_command("send_reminders", "--now", moment)

    assert str(error.value) == (
        f"Error: argument --now: {moment!r} is not a moment: "
        "use an ISO time with its offset, e.g. 2026-12-01T08:00:00+00:00"
    )
    assert (mailoutbox, Reminder.objects.count()) == ([], 0)


def test_a_dry_run_prints_what_would_be_sent_and_sends_nothing(seminar, instructor, mailoutbox, capsys):
    reminders_send(now=NOW - datetime.timedelta(hours=1), dry_run=False)  # the digest went already
    mailoutbox.clear()
    Reminder.objects.exclude(kind="digest").delete()

    call_command("send_reminders", "--dry-run", "--now", NOW.isoformat())

    assert capsys.readouterr().out == (
        "upcoming: ada@example.edu: [Reading Group] Your session on Tue 3 Nov 2026: Attention\n"
        "upcoming: ben@example.edu: [Reading Group] Your session on Tue 3 Nov 2026: Attention\n"
        "Would send 2 reminders, 0 overdue nudges, 0 digests (dry run: nothing sent).\n"
    )
    assert (mailoutbox, list(Reminder.objects.values_list("kind", flat=True))) == ([], ["digest"])


def grow(count: int) -> None:
    """`count` more published sessions within the reminder window, each with two rows and presenters."""
    for number in range(count):
        extra = make_seminar(title=f"Extra {number}", date=datetime.date(2026, 11, 3))
        row = PresentationFactory(week=extra.week, order=2, paper=None, label="A talk")
        PresentationPresenterFactory(presentation=row, presenter=PresenterFactory())
        presenter_user_ensure(presenter=extra.ben)


def test_queries_do_not_grow_with_rows_but_one_claim_per_mail(
    instructor, mailoutbox, django_assert_num_queries
):
    # The owed mails: the weeks, rows and presenters near now, their accounts' permissions and groups;
    # the instructors; the weeks, rows and presenters of the digest. Then: insert the owed rows; read the unsent ones; claim each mail.
    make_seminar()
    with django_assert_num_queries(11 + 3):
        reminders_send(now=NOW)
    Reminder.objects.all().delete()
    grow(3)

    with django_assert_num_queries(11 + 12):
        report = reminders_send(now=NOW)
    assert report.summary == "Sent 11 reminders, 0 overdue nudges, 1 digest; 0 failed"
    assert count_queries(lambda: reminders_send(now=NOW)) == 11  # nothing left to claim


# Through a real SMTP server


class Inbox:
    """An aiosmtpd handler that keeps every message it receives, parsed."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"


@pytest.fixture
def smtp_inbox(settings):
    """An SMTP server on 127.0.0.1 (a free port) for the test, and the settings to send through it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=closed_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, 10
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


def test_reminders_go_through_a_real_smtp_server(seminar, smtp_inbox, capsys):
    call_command("send_reminders", now=NOW)

    assert capsys.readouterr().out == "Sent 2 reminders, 0 overdue nudges, 0 digests; 0 failed.\n"
    received = {message["To"]: message for message in smtp_inbox.messages}
    assert sorted(received) == ["ada@example.edu", "ben@example.edu"]
    message = received["ada@example.edu"]
    assert message["Subject"] == "[Reading Group] Your session on Tue 3 Nov 2026: Attention"
    assert message["From"] == "Reading Group <noreply@seminar.example.edu>"
    text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "When:  Tue 3 Nov 2026, 16:00\N{EN DASH}17:30 (Europe/Berlin)\n" in text
    assert "Slides are due by Mon 2 Nov 2026, 16:00 (Europe/Berlin). We do not have yours yet.\n" in text
    assert signed_in_by(text) == seminar.ada.user
    [attachment] = list(message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content_type()) == ("session.ics", "text/calendar")
    [event] = icalendar.Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")
    assert (event.decoded("DTSTART"), str(event["SUMMARY"]), str(event["LOCATION"])) == (
        START,
        "Attention",
        "Room 2.14",
    )


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_mail_once(smtp_inbox, instructor):
    if connection.vendor != "postgresql":
        pytest.skip(
            "threads share SQLite's in-memory test database, which locks whole tables at once; "
            "test_two_processes_at_once_on_sqlite_send_each_mail_once covers SQLite"
        )
    make_seminar()
    grow(5)
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            return reminders_send(now=NOW)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: run(), range(2)))

    owed = Reminder.objects.count()
    assert owed == 2 + 5 * 3 + 1
    assert sum(sum(report.sent.values()) for report in reports) == owed
    assert [report.failed for report in reports] == [0, 0]
    assert Reminder.objects.filter(sent_at=None).count() == 0
    received = sorted(message["To"] for message in smtp_inbox.messages)
    assert len(received) == owed
    assert received == sorted(address for address in Reminder.objects.values_list("recipients", flat=True))


class SecondRunBackend(locmem.EmailBackend):
    """The outbox, but the first mail handed to it starts another run meanwhile: two runs at once,
    interleaved at the worst moment (the first run has claimed its first mail, not the others)."""

    second: RemindersReport | None = None

    def send_messages(self, messages):
        if SecondRunBackend.second is None:
            SecondRunBackend.second = RemindersReport()  # the second run's own mails pass through
            SecondRunBackend.second = reminders_send(now=NOW)
        return super().send_messages(messages)


def test_a_run_started_while_another_sends_skips_the_mails_that_one_claimed(
    seminar, instructor, settings, mailoutbox
):
    settings.EMAIL_BACKEND = f"{__name__}.SecondRunBackend"
    SecondRunBackend.second = None

    first = reminders_send(now=NOW)

    assert first.summary == "Sent 1 reminder, 0 overdue nudges, 0 digests; 0 failed"
    assert SecondRunBackend.second.summary == "Sent 1 reminder, 0 overdue nudges, 1 digest; 0 failed"
    assert [message.to for message in mailoutbox] == [
        ["ben@example.edu"],
        ["instructor@example.edu"],
        ["ada@example.edu"],
    ]
    assert Reminder.objects.filter(sent_at=None).count() == 0


class SlowInbox(Inbox):
    """A mail server that takes its time over each message, so that two runs overlap."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.3)
        return await super().handle_DATA(server, session, envelope)


SUMMARY = r"Sent (?P<reminders>\d+) reminders?, 0 overdue nudges, (?P<digests>\d) digests?; 0 failed\.\n"
SQLITE_SEMINARS = """
from django.contrib.auth import get_user_model
from tests.presenters.test_reminders import make_seminar
make_seminar()
make_seminar(title="Extra 1")
make_seminar(title="Extra 2")
get_user_model().objects.create_user("instructor", "instructor@example.edu", is_staff=True)
"""


def test_two_processes_at_once_on_sqlite_send_each_mail_once(tmp_path):
    inbox = SlowInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=closed_port())
    controller.start()
    env = server_env(
        tmp_path,
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        EMAIL_URL=f"smtp://127.0.0.1:{controller.port}",
        SITE_URL=SITE,
    )
    env.pop("REDIS_URL", None)  # the SQLite file holds the cache too: nothing shared with this test run
    try:
        manage(env, "migrate", "-v0")
        manage(env, "shell", "-c", SQLITE_SEMINARS)
        command = [sys.executable, "manage.py", "send_reminders", "--now", NOW.isoformat()]
        runs = [
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=90) for run in runs]
    finally:
        controller.stop()

    assert [run.returncode for run in runs] == [0, 0], outputs
    summaries = [re.fullmatch(SUMMARY, out) for out, _ in outputs]
    assert [sum(int(summary[kind]) for summary in summaries) for kind in ("reminders", "digests")] == [6, 1]
    assert sorted(message["To"] for message in inbox.messages) == [
        "ada+extra-1@example.edu",
        "ada+extra-2@example.edu",
        "ada@example.edu",
        "ben+extra-1@example.edu",
        "ben+extra-2@example.edu",
        "ben@example.edu",
        "instructor@example.edu",
    ]


# The admin's record of reminders


def test_reminder_admin_lists_the_record(seminar, staff_client):
    reminders_send(now=NOW)

    page = staff_client.get(reverse("admin:presenters_reminder_changelist")).content.decode()

    assert f"upcoming:{seminar.row.pk}:{seminar.ada.pk}" in page
    assert '<a href="?kind__exact=upcoming">reminder before the session</a>' in page


@pytest.mark.parametrize(
    ("who", "page", "expected"),
    [
        ("anonymous", "changelist", "login"),
        ("member", "changelist", "login"),
        ("staff", "changelist", 403),
        ("viewer", "changelist", 200),
        ("superuser", "changelist", 200),
        ("viewer", "change", 200),
        ("superuser", "add", 403),
        ("superuser", "delete", 403),
    ],
)
def test_reminder_admin_is_read_only(seminar, client, django_user_model, who, page, expected):
    reminders_send(now=NOW)
    reminder = Reminder.objects.first()
    if who != "anonymous":
        user = django_user_model.objects.create_user(
            username=who, password="x", is_staff=who != "member", is_superuser=who == "superuser"
        )
        if who == "viewer":
            user.user_permissions.add(Permission.objects.get(codename="view_reminder"))
        client.force_login(user)
    args = [] if page in ("changelist", "add") else [reminder.pk]

    response = client.get(reverse(f"admin:presenters_reminder_{page}", args=args))

    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    else:
        assert response.status_code == expected
    if page == "change" and expected == 200:
        assert '<input type="submit" value="Save"' not in response.content.decode()


def test_reminder_admin_queries_do_not_grow(staff_client, django_assert_max_num_queries):
    make_seminar()
    reminders_send(now=NOW)
    url = reverse("admin:presenters_reminder_changelist")
    staff_client.get(url)
    small = count_queries(lambda: staff_client.get(url))
    grow(3)
    reminders_send(now=NOW)

    with django_assert_max_num_queries(small):
        response = staff_client.get(url)
    assert response.content.decode().count('class="field-key"') == 3 + 3 * 3  # with the digest
