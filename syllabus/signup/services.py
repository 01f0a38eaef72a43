"""Sign-up writes: the pool, votes, first-come claims with a waitlist, preferences, claims as week rows.

Every rule is checked here, so that the pages, the API and the admin refuse the same things in the
same words. A refusal is a `SignupError`: a Django ValidationError with one message a student can
read, which a form shows as a form error and a view answers with a 400, never a 500.

Claims of one session are serialised by a lock on its slot's row; one student's claims in several
sessions by a lock on the student's presenter row (the per-student count). Locks are taken slots
first (in id order), then presenters in one batch (in id order), so that two writers never wait for
each other in a circle. The database constraints (models.py) are the last guard: a write that breaks
one anyway (a race these locks do not cover, such as two students claiming one paper in two
sessions) becomes a SignupError with the constraint's message.
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from papers.models import Paper
from presenters.models import Presenter
from syllabus.caching import content_changed
from syllabus.models import Presentation, Term, Week
from syllabus.services import presentation_set_presenters, week_lock, week_next_order
from syllabus.signup.models import (
    HOLDS_PLACE,
    Claim,
    ClaimStatus,
    PoolPaper,
    Preference,
    RankedPaper,
    Signup,
    SignupMode,
    Slot,
    Vote,
)


class SignupError(ValidationError):
    """A sign-up rule refused the action; `message` says why, in words for the student.

    A ValidationError (not a ValueError) because that is what forms and serializers already turn
    into an error shown next to the form, as week_set_order's refusals are.
    """

    def __init__(self, message: str):
        super().__init__(message, code="signup")

    def __str__(self) -> str:
        return self.message


def _constraint_message(model: type[models.Model], name: str) -> str:
    return next(c.violation_error_message for c in model._meta.constraints if c.name == name)


IN_POOL = _constraint_message(PoolPaper, "pool_paper_once_per_term")
PLACE_TAKEN = _constraint_message(Claim, "claim_place_once_per_slot")
SLOT_CLAIMED = _constraint_message(Claim, "one_active_claim_per_slot_per_student")
PAPER_CLAIMED = _constraint_message(Claim, "pool_paper_claimed_once")
NOT_OPEN = "This session is not open for sign-up."
ACTIVE_STATUSES = (ClaimStatus.CONFIRMED, ClaimStatus.PENDING, ClaimStatus.WAITLISTED)


# Rules shared by every action.


def _signup_get(**lookup) -> Signup:
    try:
        return Signup.objects.get(**lookup)
    except Signup.DoesNotExist:
        raise SignupError("This term has no sign-up.") from None


def _check_open(signup: Signup, now: datetime.datetime | None) -> None:
    if not signup.is_open:
        raise SignupError("Sign-up for this term is closed.")
    if (now or timezone.now()) >= signup.deadline:
        raise SignupError("The sign-up deadline has passed.")


def _check_mode(signup: Signup, mode: str) -> None:
    if signup.mode != mode:
        raise SignupError(
            "This term's sign-up takes preferences, not claims of sessions."
            if signup.mode == SignupMode.PREFERENCES
            else "This term's sign-up is first come, first served: claim a session instead."
        )


def _violation(model: type[models.Model], error: IntegrityError) -> str | None:
    """The message of the unique constraint of `model` that `error` reports, if it is one of them.

    PostgreSQL names the constraint; SQLite lists the columns of the index.
    """
    text = str(error)
    table = model._meta.db_table
    for constraint in model._meta.constraints:
        if not isinstance(constraint, models.UniqueConstraint):
            continue
        columns = ", ".join(f"{table}.{model._meta.get_field(name).column}" for name in constraint.fields)
        if f'"{constraint.name}"' in text or text.endswith(f"constraint failed: {columns}"):
            return constraint.violation_error_message
    return None


def _save_or_refuse(row: models.Model, **kwargs) -> None:
    """Save `row` in a savepoint; a unique constraint it breaks becomes a SignupError with its message."""
    try:
        with transaction.atomic():
            row.save(**kwargs)
    except IntegrityError as error:
        message = _violation(type(row), error)
        if message is None:
            raise  # not a race a student can lose: a bug, and it should be loud
        raise SignupError(message) from error


# The pool.


@transaction.atomic
def pool_add(*, term: Term, papers: Iterable[Paper]) -> list[PoolPaper]:
    """Put papers in the term's pool, approved; returns their pool entries in the same order.

    Idempotent: a paper already in the pool is not added twice. An instructor adding a paper a
    student suggested (or one rejected earlier) approves it.
    """
    papers = list(dict.fromkeys(papers))
    PoolPaper.objects.bulk_create(
        [PoolPaper(term=term, paper=paper, status=PoolPaper.Status.APPROVED) for paper in papers],
        ignore_conflicts=True,
    )
    entries = PoolPaper.objects.filter(term=term, paper__in=papers)
    entries.exclude(status=PoolPaper.Status.APPROVED).update(status=PoolPaper.Status.APPROVED)
    content_changed()  # bulk writes send no signals; the sign-up page shows the pool
    found = {entry.paper_id: entry for entry in entries}
    return [found[paper.pk] for paper in papers]


def pool_suggest(
    *, signup: Signup, presenter: Presenter, paper: Paper, now: datetime.datetime | None = None
) -> PoolPaper:
    """A student suggests a paper for the pool; it waits for an instructor's approval."""
    if not signup.allow_suggestions:
        raise SignupError("This term does not take suggestions of papers.")
    _check_open(signup, now)
    if PoolPaper.objects.filter(term_id=signup.term_id, paper=paper).exists():
        raise SignupError(IN_POOL)
    entry = PoolPaper(
        term_id=signup.term_id, paper=paper, status=PoolPaper.Status.SUGGESTED, suggested_by=presenter
    )
    _save_or_refuse(entry)  # the same paper suggested twice at once
    return entry


def pool_decide(*, pool_papers: Iterable[PoolPaper], approve: bool) -> int:
    """Approve or reject suggested papers; returns how many were decided.

    Only suggestions are decided: an approved or rejected entry is left as it is.
    """
    status = PoolPaper.Status.APPROVED if approve else PoolPaper.Status.REJECTED
    decided = PoolPaper.objects.filter(
        pk__in=[entry.pk for entry in pool_papers], status=PoolPaper.Status.SUGGESTED
    ).update(status=status)
    if decided:
        content_changed()  # an update sends no signals; an approved paper joins the public pool
    return decided


# Slots.


@dataclass
class SlotsOpened:
    """What opening weeks for sign-up did: the new slots, and the weeks left as they were, by reason."""

    opened: list[Slot] = field(default_factory=list)
    without_signup: list[Week] = field(default_factory=list)
    already_open: list[Week] = field(default_factory=list)


@transaction.atomic
def weeks_open_for_signup(*, weeks: Iterable[Week], capacity: int = 1) -> SlotsOpened:
    """Open weeks for sign-up, each with a slot of `capacity` places, in the order of their dates.

    A week of a term without a sign-up, or one open already (whatever its capacity), is left alone
    and reported.
    """
    weeks = list(Week.objects.filter(pk__in=[week.pk for week in weeks]).order_by("date", "position", "id"))
    with_signup = set(
        Signup.objects.filter(term_id__in={week.term_id for week in weeks}).values_list("term_id", flat=True)
    )
    result = SlotsOpened()
    for week in weeks:
        if week.term_id not in with_signup:
            result.without_signup.append(week)
            continue
        # get_or_create: an instructor opening the same week at the same time finds its slot.
        slot, created = Slot.objects.get_or_create(week=week, defaults={"capacity": capacity})
        if created:
            result.opened.append(slot)
        else:
            result.already_open.append(week)
    return result


# Votes.


def vote_toggle(*, pool_paper: PoolPaper, presenter: Presenter, now: datetime.datetime | None = None) -> bool:
    """Star a paper of the pool, or take the star back; True when the student's vote stands afterwards."""
    if pool_paper.status != PoolPaper.Status.APPROVED:
        raise SignupError("Only approved papers of the pool take votes.")
    _check_open(_signup_get(term_id=pool_paper.term_id), now)
    removed, _ = Vote.objects.filter(pool_paper=pool_paper, presenter=presenter).delete()
    if removed:
        return False
    try:
        with transaction.atomic():
            Vote.objects.create(pool_paper=pool_paper, presenter=presenter)
    except IntegrityError:
        pass  # a second toggle of the same student voted meanwhile: the vote stands, once
    return True


# Sessions open for sign-up.


def slots_claimable(*, term_id: int) -> models.QuerySet[Slot]:
    """The term's slots that students may see, claim, mark unavailable or be assigned to: those of
    published weeks. A slot of a draft week stays closed until its week is published."""
    return Slot.objects.filter(week__term_id=term_id, week__in=Week.objects.published())


# First-come claims.


def _slots_lock(slot_ids: Iterable[int]) -> list[Slot]:
    """Lock slots' rows in id order (one at a time, as SELECT ... FOR UPDATE locks them in order)."""
    return [Slot.objects.select_for_update().get(pk=pk) for pk in sorted(set(slot_ids))]


def _presenters_lock(presenter_ids: Iterable[int]) -> None:
    """Lock presenters' rows, in id order: what they hold cannot change until the transaction ends."""
    ids = sorted(set(presenter_ids))
    if ids:
        list(Presenter._base_manager.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def _waitlisted_presenters_lock(slot_ids: Iterable[int]) -> None:
    _presenters_lock(
        Claim.objects.filter(slot_id__in=list(slot_ids), status=ClaimStatus.WAITLISTED).values_list(
            "presenter_id", flat=True
        )
    )


def _places_held(signup: Signup, presenter_id: int) -> int:
    """The student's claims that count in the term: confirmed or pending."""
    return Claim.objects.filter(
        HOLDS_PLACE, presenter_id=presenter_id, slot__week__term_id=signup.term_id
    ).count()


def _free_place(slot: Slot) -> int | None:
    """The lowest place of the slot that no claim holds, or None when it is full (lock the slot first).

    Full means as many places held as the capacity, or more: a capacity lowered below the places
    held frees nothing until enough claims have gone.
    """
    taken = set(Claim.objects.filter(HOLDS_PLACE, slot=slot).values_list("place", flat=True))
    if len(taken) >= slot.capacity:
        return None
    return next((place for place in range(1, slot.capacity + 1) if place not in taken), None)


def _holding_status(signup: Signup) -> str:
    return ClaimStatus.PENDING if signup.claims_need_approval else ClaimStatus.CONFIRMED


def claim_make(
    *, slot: Slot, presenter: Presenter, pool_paper: PoolPaper, now: datetime.datetime | None = None
) -> Claim:
    """A student claims a session with a paper of the pool: the lowest free place, else the waitlist.

    The claim is confirmed, or pending when the term's claims need approval; waitlisted (no place)
    when the session is full. Two students racing for the last place queue on the slot's row: the
    second sees it taken and is waitlisted.
    """
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=slot.pk)
        _presenters_lock([presenter.pk])  # the per-student count, across sessions
        signup = _signup_get(term__weeks=slot.week_id)
        _check_mode(signup, SignupMode.FIRST_COME)
        _check_open(signup, now)
        if not slots_claimable(term_id=signup.term_id).filter(pk=slot.pk).exists():
            raise SignupError(NOT_OPEN)
        if pool_paper.term_id != signup.term_id:
            raise SignupError("This paper is not in this term's pool.")
        if pool_paper.status != PoolPaper.Status.APPROVED:
            raise SignupError("Only approved papers of the pool can be claimed.")
        if Claim.objects.filter(slot=slot, presenter=presenter, status__in=ACTIVE_STATUSES).exists():
            raise SignupError(SLOT_CLAIMED)
        if Claim.objects.filter(HOLDS_PLACE, pool_paper=pool_paper).exists():
            raise SignupError(PAPER_CLAIMED)
        limit = signup.presentations_per_student
        if _places_held(signup, presenter.pk) >= limit:
            raise SignupError(
                f"You already have {limit} presentation{'s' if limit > 1 else ''} this term, the most allowed."
            )
        place = _free_place(slot)
        claim = Claim(
            slot=slot,
            presenter=presenter,
            pool_paper=pool_paper,
            status=ClaimStatus.WAITLISTED if place is None else _holding_status(signup),
            place=place,
        )
        _save_or_refuse(claim)
    return claim


def _slot_fill(slot: Slot, signup: Signup) -> list[Claim]:
    """Give the slot's free places to its waitlisted claims, oldest first; returns those promoted.

    A waitlisted claim whose paper is now held by another claim, or whose student now holds as many
    presentations as allowed, is passed over and stays on the waitlist. The caller holds the slot's
    lock and its waitlisted students' locks.
    """
    promoted = []
    place = _free_place(slot)
    waiting = Claim.objects.filter(slot=slot, status=ClaimStatus.WAITLISTED).select_related("pool_paper")
    for claim in waiting.order_by("created", "id"):
        if place is None:
            break
        if (
            claim.pool_paper.status != PoolPaper.Status.APPROVED
            or Claim.objects.filter(HOLDS_PLACE, pool_paper_id=claim.pool_paper_id).exists()
            or _places_held(signup, claim.presenter_id) >= signup.presentations_per_student
        ):
            continue
        claim.status, claim.place = _holding_status(signup), place
        try:
            _save_or_refuse(claim, update_fields=["status", "place"])
        except SignupError:  # its paper was just claimed in another session: the next one
            claim.status, claim.place = ClaimStatus.WAITLISTED, None
            continue
        promoted.append(claim)
        place = _free_place(slot)
    return promoted


def claim_cancel(*, claim: Claim, presenter: Presenter, now: datetime.datetime | None = None) -> list[Claim]:
    """A student cancels their claim before the deadline; returns the waitlisted claims promoted.

    A freed place goes to the oldest waitlisted claim of the session that can take it.
    """
    if claim.presenter_id != presenter.pk:
        raise SignupError("This is not your claim.")
    with transaction.atomic():
        slot = Slot.objects.select_for_update().get(pk=claim.slot_id)
        _waitlisted_presenters_lock([slot.pk])
        signup = _signup_get(term__weeks=slot.week_id)
        if (now or timezone.now()) >= signup.deadline:
            raise SignupError("The sign-up deadline has passed: ask an instructor to cancel your claim.")
        claim.refresh_from_db()  # as it is now, under the lock
        if claim.status not in ACTIVE_STATUSES:
            raise SignupError("This claim is no longer active.")
        held_a_place = claim.place is not None
        claim.status, claim.place = ClaimStatus.CANCELLED, None
        claim.save(update_fields=["status", "place"])
        return _slot_fill(slot, signup) if held_a_place else []


def slot_set_capacity(*, slot: Slot, capacity: int) -> list[Claim]:
    """An instructor changes how many presentations a session takes; returns the waitlisted claims
    promoted into the new places.

    Raising it fills the new places from the waitlist, oldest first (as a cancelled claim's place is
    filled). Lowering it below the places held takes no place back: those claims stay, and the
    waitlist moves only once fewer places are held than the new capacity.
    """
    Slot._meta.get_field("capacity").run_validators(capacity)
    with transaction.atomic():
        locked = Slot.objects.select_for_update().get(pk=slot.pk)
        _waitlisted_presenters_lock([locked.pk])
        locked.capacity = slot.capacity = capacity
        locked.save(update_fields=["capacity"])
        signup = Signup.objects.filter(term__weeks=locked.week_id).first()
        if signup is None or signup.mode != SignupMode.FIRST_COME:
            return []
        return _slot_fill(locked, signup)


def claims_decide(
    *, claims: Iterable[Claim], approve: bool, now: datetime.datetime | None = None
) -> list[Claim]:
    """An instructor confirms or rejects pending claims; returns the claims decided.

    Claims that are not pending are left as they are. A rejected claim frees its place for the
    session's waitlist.
    """
    ids = [claim.pk for claim in claims]
    now = now or timezone.now()
    with transaction.atomic():
        slots = _slots_lock(Claim.objects.filter(pk__in=ids).values_list("slot_id", flat=True))
        if not approve:
            _waitlisted_presenters_lock(slot.pk for slot in slots)
        decided = list(Claim.objects.filter(pk__in=ids, status=ClaimStatus.PENDING).order_by("created", "id"))
        for claim in decided:
            claim.status = ClaimStatus.CONFIRMED if approve else ClaimStatus.REJECTED
            claim.place = claim.place if approve else None
            claim.decided_at = now
            claim.save(update_fields=["status", "place", "decided_at"])
        if not approve:
            freed = {claim.slot_id for claim in decided}
            for slot in slots:
                if slot.pk in freed:
                    _slot_fill(slot, _signup_get(term__weeks=slot.week_id))
    return decided


def claims_cancel(
    *, claims: Iterable[Claim], now: datetime.datetime | None = None
) -> tuple[list[Claim], list[Claim]]:
    """An instructor cancels claims, at any time; returns (the claims cancelled, the waitlisted promoted).

    Claims no longer active are left as they are. Each place freed goes to the oldest waitlisted claim
    of its session that can take it, as when a student cancels, even after the deadline: the
    waitlist is the instructor's queue of replacements. Rows already made from a cancelled claim stay.
    """
    ids = [claim.pk for claim in claims]
    now = now or timezone.now()
    with transaction.atomic():
        slots = _slots_lock(Claim.objects.filter(pk__in=ids).values_list("slot_id", flat=True))
        _waitlisted_presenters_lock(slot.pk for slot in slots)
        cancelled = list(
            Claim.objects.filter(pk__in=ids, status__in=ACTIVE_STATUSES).order_by("created", "id")
        )
        freed = {claim.slot_id for claim in cancelled if claim.place is not None}
        for claim in cancelled:
            claim.status, claim.place, claim.decided_at = ClaimStatus.CANCELLED, None, now
            claim.save(update_fields=["status", "place", "decided_at"])
        promoted = []
        for slot in slots:
            if slot.pk in freed:
                promoted += _slot_fill(slot, _signup_get(term__weeks=slot.week_id))
    return cancelled, promoted


# Preferences.


def _titles(pool_papers: Iterable[PoolPaper]) -> str:
    return "; ".join(entry.paper.title for entry in pool_papers)


def preference_save(
    *,
    signup: Signup,
    presenter: Presenter,
    ranked_pool_papers: list[PoolPaper],
    unavailable_weeks: list[Week],
    now: datetime.datetime | None = None,
) -> Preference:
    """A student's ranked papers (first = most wanted) and the weeks they cannot make, replacing any
    they sent before."""
    _check_mode(signup, SignupMode.PREFERENCES)
    _check_open(signup, now)
    ranked_ids = [entry.pk for entry in ranked_pool_papers]
    entries = PoolPaper.objects.select_related("paper").in_bulk(ranked_ids)
    twice = [entries[pk] for pk, times in Counter(ranked_ids).items() if times > 1]
    if twice:
        raise SignupError(f"A paper is ranked more than once: {_titles(twice)}.")
    foreign = [
        entries.get(pk) or entry
        for pk, entry in zip(ranked_ids, ranked_pool_papers, strict=True)
        if pk not in entries
        or entries[pk].term_id != signup.term_id
        or entries[pk].status != PoolPaper.Status.APPROVED
    ]
    if foreign:
        raise SignupError(f"Only approved papers of this term's pool can be ranked: {_titles(foreign)}.")
    week_ids = [week.pk for week in unavailable_weeks]
    weeks = {week.pk: week for week in unavailable_weeks}
    twice_weeks = [weeks[pk] for pk, times in Counter(week_ids).items() if times > 1]
    if twice_weeks:
        raise SignupError(
            f"A week is marked unavailable more than once: {'; '.join(w.title for w in twice_weeks)}."
        )
    open_weeks = set(
        slots_claimable(term_id=signup.term_id).filter(week_id__in=week_ids).values_list("week_id", flat=True)
    )
    closed = [weeks[pk] for pk in week_ids if pk not in open_weeks]
    if closed:
        raise SignupError(
            "Only this term's sessions open for sign-up can be marked unavailable: "
            f"{'; '.join(week.title for week in closed)}."
        )
    with transaction.atomic():
        preference, _ = Preference.objects.get_or_create(signup=signup, presenter=presenter)
        # Two saves at once: the second waits here, then replaces what the first wrote.
        preference = Preference.objects.select_for_update().get(pk=preference.pk)
        preference.ranked.all().delete()
        RankedPaper.objects.bulk_create(
            [
                RankedPaper(preference=preference, pool_paper_id=pk, rank=rank)
                for rank, pk in enumerate(ranked_ids, start=1)
            ]
        )
        preference.unavailable_weeks.set(week_ids)
        preference.save(update_fields=["updated"])
    return preference


# Results as week rows.


@transaction.atomic
def claims_to_rows(*, signup: Signup) -> list[Presentation]:
    """Make each confirmed claim a row of its week (its paper, its student credited); returns the new rows.

    Rows are appended after the week's existing rows, in the order of the claims' places. A claim
    whose row exists (a row of its week with its paper crediting its student) is skipped, so running
    this again adds only the claims confirmed since. Rows of claims cancelled later stay: the
    instructor edits the week's table.
    """
    _check_mode(signup, SignupMode.FIRST_COME)
    claims = (
        Claim.objects.filter(slot__week__term_id=signup.term_id, status=ClaimStatus.CONFIRMED)
        .select_related("slot__week", "pool_paper", "presenter")
        .order_by("slot__week__date", "slot__week__position", "slot__week_id", "place")
    )
    made = []
    for claim in claims:
        week = claim.slot.week
        week_lock(week=week)  # before looking: a second run at the same time waits, then finds the row
        paper_id = claim.pool_paper.paper_id
        if week.presentations.filter(
            paper_id=paper_id, presenter_entries__presenter=claim.presenter
        ).exists():
            continue
        row = Presentation(week=week, paper_id=paper_id, order=week_next_order(week=week))
        row.save()  # signals: the history and the content version follow
        presentation_set_presenters(presentation=row, presenters=[claim.presenter])
        made.append(row)
    return made
