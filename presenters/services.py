"""What a signed-in presenter does on their own pages (presenters/account_views.py), and what
instructors decide of it in the admin.

Every write here records an `Activity` (who, which row, what) in the same transaction; the tracked
models' own history carries the request's user (HistoryRequestMiddleware). A presenter only ever
reaches their own rows: `presenter_rows` is the one place that says which rows those are.
"""

import datetime
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from papers.models import Paper, PaperLink, SlideDeck
from presenters.models import AbstractProposal, Activity, Presenter
from syllabus.models import Presentation, PresentationPresenter, Week, presenters_in_order_prefetch
from syllabus.readiness import (
    COMPLETE,
    MISSING_PAPER,
    MISSING_SLIDES,
    OVERDUE,
    row_status,
    slides_due_at,
    with_row_flags,
)

logger = logging.getLogger(__name__)

# 32 random bytes: 43 URL-safe characters in the calendar's address (presenter_calendar_token_ensure).
CALENDAR_TOKEN_BYTES = 32

# What the "my sessions" page says of a row's status (syllabus/readiness.py has the rules).
STATUS_TEXT = {
    COMPLETE: "complete",
    MISSING_PAPER: "paper missing",
    MISSING_SLIDES: "slides missing",
    OVERDUE: "slides overdue",
}


def presenter_rows(*, presenter: Presenter) -> models.QuerySet[Presentation]:
    """The rows crediting `presenter`, of any term, drafts included, with what their pages show.

    Each row comes with its week and term, its paper, its credits (presenters' names and slugs only:
    never their addresses) and `has_deck`/`is_credited`, for `row_status`.
    """
    credited = PresentationPresenter.objects.filter(presentation=OuterRef("pk"), presenter=presenter)
    rows = Presentation.objects.filter(Exists(credited)).select_related("week__term", "paper")
    return with_row_flags(rows).prefetch_related(presenters_in_order_prefetch())


@dataclass
class MyRow:
    """A row as its presenter's "my sessions" page lists it."""

    row: Presentation
    co_presenters: list[Presenter]
    status: str  # a value of STATUS_TEXT
    slides_due: datetime.datetime | None  # in the term's time zone; None once the deck is there

    @property
    def is_draft(self) -> bool:
        return not self.row.week.is_public


def presenter_sessions(
    *, presenter: Presenter, now: datetime.datetime | None = None
) -> tuple[list[MyRow], list[MyRow]]:
    """The presenter's upcoming rows (soonest first) and past rows (latest first); two queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows = presenter_rows(presenter=presenter).order_by("week__date", "week__position", "order", "id")
    upcoming, past = [], []
    for row in rows:
        status = row_status(row, now=now)
        listed = MyRow(
            row=row,
            co_presenters=[other for other in row.ordered_presenters if other.pk != presenter.pk],
            status=STATUS_TEXT[status],
            slides_due=None if row.has_deck else slides_due_at(row.week),
        )
        (upcoming if row.week.date >= today else past).append(listed)
    past.reverse()
    return upcoming, past


def _record(*, presenter: Presenter, user, action: str, presentation=None, detail: str = "") -> Activity:
    return Activity.objects.create(
        presenter=presenter, user=user, presentation=presentation, action=action, detail=detail[:500]
    )


def _deck_name(deck: SlideDeck) -> str:
    return deck.file.name.rsplit("/", 1)[-1] if deck.file else deck.url


@transaction.atomic
def slide_deck_save(*, deck: SlideDeck, presenter: Presenter, user, base_url: str = "") -> Activity:
    """Save a deck the presenter uploaded or linked on their row (new, or replacing theirs).

    The model's save stores the file (in the store the week's visibility asks for) with its
    thumbnail and page count, and deletes a replaced file once the transaction commits. Instructors
    are told by mail after the commit when NOTIFY_INSTRUCTORS_OF_UPLOADS is on; a mail that cannot
    go is logged, and the saved deck stands (robust: nothing the callback raises reaches the view).
    """
    replacing = deck.pk is not None
    deck.save()
    activity = _record(
        presenter=presenter,
        user=user,
        presentation=deck.presentation,
        action=Activity.Action.SLIDES_REPLACED if replacing else Activity.Action.SLIDES_ADDED,
        detail=_deck_name(deck),
    )
    if settings.NOTIFY_INSTRUCTORS_OF_UPLOADS:
        transaction.on_commit(
            lambda: instructors_notify_upload(activity=activity, base_url=base_url), robust=True
        )
    return activity


@transaction.atomic
def slide_deck_remove(*, deck: SlideDeck, presenter: Presenter, user) -> Activity:
    """Delete a deck the presenter uploaded (its files go once the transaction commits).

    Decks of co-presenters and instructors are not theirs to delete, whatever the caller found.
    """
    if deck.presenter_id != presenter.pk:
        raise PermissionDenied("A presenter removes only the slides they uploaded.")
    activity = _record(
        presenter=presenter,
        user=user,
        presentation=deck.presentation,
        action=Activity.Action.SLIDES_REMOVED,
        detail=_deck_name(deck),
    )
    deck.delete()
    return activity


@transaction.atomic
def paper_link_add(*, link: PaperLink, presentation: Presentation, presenter: Presenter, user) -> Activity:
    """Add a link (validated by the form) to the row's paper, as the presenter's: they may remove it."""
    link.paper = presentation.paper
    link.added_by = presenter
    link.order = (presentation.paper.links.aggregate(last=models.Max("order"))["last"] or 0) + 1
    link.save()
    return _record(
        presenter=presenter,
        user=user,
        presentation=presentation,
        action=Activity.Action.LINK_ADDED,
        detail=link.url,
    )


@transaction.atomic
def paper_link_remove(*, link: PaperLink, presentation: Presentation, presenter: Presenter, user) -> Activity:
    """Remove a link the presenter added (the caller found it among theirs)."""
    activity = _record(
        presenter=presenter,
        user=user,
        presentation=presentation,
        action=Activity.Action.LINK_REMOVED,
        detail=link.url,
    )
    link.delete()
    return activity


@transaction.atomic
def presentation_notes_update(
    *, presentation: Presentation, notes: str, presenter: Presenter, user
) -> Activity:
    """Replace the row's notes (markdown: notes or discussion questions)."""
    presentation.notes = notes
    presentation.save(update_fields=["notes", "notes_html"])
    return _record(
        presenter=presenter,
        user=user,
        presentation=presentation,
        action=Activity.Action.NOTES_EDITED,
        detail="notes",
    )


@transaction.atomic
def abstract_propose(*, proposal: AbstractProposal, presentation: Presentation, user) -> Activity:
    """Record a pending abstract for the row's paper, for an instructor to accept or reject."""
    proposal.save()
    return _record(
        presenter=proposal.presenter,
        user=user,
        presentation=presentation,
        action=Activity.Action.ABSTRACT_PROPOSED,
        detail=proposal.paper.title,
    )


@transaction.atomic
def presenter_profile_update(*, presenter: Presenter, changed: list[str], user) -> Activity | None:
    """Save the presenter's profile (its form set the new values); None when nothing changed."""
    if not changed:
        return None
    presenter.save()
    return _record(
        presenter=presenter, user=user, action=Activity.Action.PROFILE_EDITED, detail=", ".join(changed)
    )


@dataclass
class Decided:
    decided: int = 0  # proposals accepted or rejected
    written: int = 0  # abstracts written into their papers
    left: int = 0  # accepted, but the paper had an abstract meanwhile: left pending


@transaction.atomic
def abstract_proposals_decide(*, proposals: models.QuerySet[AbstractProposal], accept: bool, user) -> Decided:
    """Accept or reject pending proposals. An accepted text becomes its paper's abstract only if the
    paper still has none (rows locked, so two decisions at once cannot both write); a proposal whose
    paper has an abstract by now stays pending, for the instructor to reject."""
    result = Decided()
    # By id, without the caller's joins (the admin's list_select_related): rows of outer joins cannot be locked.
    pending = list(
        AbstractProposal.objects.filter(pk__in=proposals.values("pk"), status=AbstractProposal.Status.PENDING)
        .select_for_update()
        .order_by("pk")
    )
    papers = {
        paper.pk: paper
        for paper in Paper.objects.select_for_update()
        .filter(pk__in={proposal.paper_id for proposal in pending})
        .order_by("pk")
    }
    now = timezone.now()
    for proposal in pending:
        if accept:
            paper = papers[proposal.paper_id]
            if paper.abstract.strip():
                result.left += 1
                continue
            paper.abstract = proposal.text
            paper.save(update_fields=["abstract", "abstract_html"])
            result.written += 1
        proposal.status = AbstractProposal.Status.ACCEPTED if accept else AbstractProposal.Status.REJECTED
        proposal.decided_by, proposal.decided_at = user, now
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        result.decided += 1
    return result


def instructors_notify_upload(*, activity: Activity, base_url: str = "") -> int:
    """Mail each active staff user with an address: who uploaded what for which session, with a link to
    the week in the admin. One message per instructor (no one sees the others' addresses); returns
    how many were sent. A mail server that cannot be reached or refuses is logged, never raised: the
    upload is saved by then, and the presenter should not see an error for the instructors' mail."""
    activity = Activity.objects.select_related(
        "presenter", "presentation__week__term", "presentation__paper"
    ).get(pk=activity.pk)
    row = activity.presentation
    week = row.week
    base = (base_url or settings.SITE_URL).rstrip("/")
    admin_link = f"{base}{reverse('admin:syllabus_week_change', args=[week.pk])}"
    subject_of_row = row.paper.title if row.paper_id else row.label or f"row {row.order}"
    subject = f"{activity.presenter.name} {activity.get_action_display()} for {week.title}"
    body = (
        f"{activity.presenter.name} {activity.get_action_display()} for “{subject_of_row}”\n"
        f"in {week.title} ({week.date:%A} {week.date.day} {week.date:%B %Y}), {week.term.name}.\n\n"
        f"Slides: {activity.detail}\n\n"
        f"The session in the admin: {admin_link}\n"
    )
    addresses = (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )
    messages = [mail.EmailMessage(subject, body, to=[address]) for address in addresses]
    if not messages:
        return 0
    try:
        with mail.get_connection() as connection:
            return connection.send_messages(messages) or 0
    except Exception:  # smtplib and socket errors, and whatever another backend raises
        logger.exception(
            "Could not tell instructors of the upload by %s for row %s.", activity.presenter.name, row.pk
        )
        return 0


def presenter_calendar_token_ensure(*, presenter: Presenter) -> str:
    """The secret of the presenter's own calendar address, made on first use.

    Written with update(): a secret is not content (the pages' cache need not change) nor history.
    Two first visits at once both read the one token the first of them wrote.
    """
    if not presenter.calendar_token:
        Presenter.objects.filter(pk=presenter.pk, calendar_token=None).update(
            calendar_token=secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
        )
        presenter.calendar_token = Presenter.objects.values_list("calendar_token", flat=True).get(
            pk=presenter.pk
        )
    return presenter.calendar_token


def presenter_calendar_token_reset(*, presenter: Presenter) -> str:
    """A new secret for the presenter's calendar address: the old address answers 404 from now on."""
    presenter.calendar_token = secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
    Presenter.objects.filter(pk=presenter.pk).update(calendar_token=presenter.calendar_token)
    return presenter.calendar_token


def presenter_calendar_weeks(*, presenter: Presenter) -> models.QuerySet[Week]:
    """The sessions of the presenter's own calendar: every week that credits them, drafts included
    (as on "my sessions"; a calendar marks them tentative), with what a calendar says of them."""
    credited = Week.objects.filter(presentations__presenter_entries__presenter=presenter).values("pk")
    return Week.objects.filter(pk__in=credited).with_outline()


def presenter_photo_remove(*, presenter: Presenter) -> None:
    """Remove the presenter's photo; both squares are deleted from storage once the change commits."""
    presenter.photo = ""
    presenter.save()
