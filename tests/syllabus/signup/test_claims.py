import datetime

import pytest
from django.db import IntegrityError, transaction

from syllabus.signup.models import Claim
from syllabus.signup.services import (
    SignupError,
    _save_or_refuse,
    claim_cancel,
    claim_make,
    claims_cancel,
    claims_decide,
)
from tests.factories import (
    ClaimFactory,
    PoolPaperFactory,
    SignedInPresenterFactory,
    SignupFactory,
    SlotFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db


def open_slot(capacity: int = 2, **signup_fields):
    """A first-come sign-up open for two weeks, with one session of `capacity` places."""
    signup = SignupFactory(**signup_fields)
    return signup, SlotFactory(week=WeekFactory(term=signup.term), capacity=capacity)


def paper(signup, **fields):
    return PoolPaperFactory(term=signup.term, **fields)


def claims(slot) -> list[tuple[str, str, int | None]]:
    """The slot's claims as (student, status, place), oldest first."""
    return [
        (claim.presenter.name, claim.status, claim.place)
        for claim in Claim.objects.filter(slot=slot).select_related("presenter").order_by("created", "id")
    ]


def refusal(**arguments) -> str:
    with pytest.raises(SignupError) as refused:
        claim_make(**arguments)
    return str(refused.value)


def test_claim_make_takes_the_lowest_free_place_confirmed():
    signup, slot = open_slot(capacity=3)
    ana, ben, cy = (SignedInPresenterFactory(name=name) for name in ("Ana", "Ben", "Cy"))
    ClaimFactory(slot=slot, presenter=cy, pool_paper=paper(signup), place=1)
    ClaimFactory(slot=slot, presenter=ben, pool_paper=paper(signup), place=3)

    claim = claim_make(slot=slot, presenter=ana, pool_paper=paper(signup))

    assert (claim.status, claim.place, claim.decided_at) == ("confirmed", 2, None)
    assert claims(slot) == [("Cy", "confirmed", 1), ("Ben", "confirmed", 3), ("Ana", "confirmed", 2)]


def test_claim_make_in_a_full_slot_goes_on_the_waitlist():
    signup, slot = open_slot(capacity=1)
    ana, ben, cy = (SignedInPresenterFactory(name=name) for name in ("Ana", "Ben", "Cy"))

    made = [claim_make(slot=slot, presenter=student, pool_paper=paper(signup)) for student in (ana, ben, cy)]

    assert [(claim.status, claim.place) for claim in made] == [
        ("confirmed", 1),
        ("waitlisted", None),
        ("waitlisted", None),
    ]
    assert claims(slot) == [("Ana", "confirmed", 1), ("Ben", "waitlisted", None), ("Cy", "waitlisted", None)]


def test_claim_make_waits_for_approval_when_claims_need_it():
    signup, slot = open_slot(capacity=1, claims_need_approval=True)
    ana, ben = SignedInPresenterFactory(name="Ana"), SignedInPresenterFactory(name="Ben")

    claim_make(slot=slot, presenter=ana, pool_paper=paper(signup))
    claim_make(slot=slot, presenter=ben, pool_paper=paper(signup))

    assert claims(slot) == [("Ana", "pending", 1), ("Ben", "waitlisted", None)]


def test_claim_make_is_refused_when_closed_from_the_deadline_on_or_in_preferences_mode():
    closed, closed_slot = open_slot(is_open=False)
    signup, slot = open_slot()
    preferences, preferences_slot = open_slot(mode="preferences")
    no_signup_slot = SlotFactory()
    student = SignedInPresenterFactory()

    assert [
        refusal(slot=closed_slot, presenter=student, pool_paper=paper(closed)),
        refusal(slot=slot, presenter=student, pool_paper=paper(signup), now=signup.deadline),
        refusal(slot=preferences_slot, presenter=student, pool_paper=paper(preferences)),
        refusal(
            slot=no_signup_slot, presenter=student, pool_paper=PoolPaperFactory(term=no_signup_slot.week.term)
        ),
    ] == [
        "Sign-up for this term is closed.",
        "The sign-up deadline has passed.",
        "This term's sign-up takes preferences, not claims of sessions.",
        "This term has no sign-up.",
    ]
    just_before = signup.deadline - datetime.timedelta(seconds=1)
    assert claim_make(slot=slot, presenter=student, pool_paper=paper(signup), now=just_before).place == 1
    assert Claim.objects.count() == 1


@pytest.mark.parametrize("status", ["suggested", "rejected"])
def test_claim_make_refuses_a_paper_not_approved(status):
    signup, slot = open_slot()

    message = refusal(
        slot=slot, presenter=SignedInPresenterFactory(), pool_paper=paper(signup, status=status)
    )

    assert message == "Only approved papers of the pool can be claimed."
    assert claims(slot) == []


def test_claim_make_refuses_a_paper_of_another_terms_pool():
    _signup, slot = open_slot()

    message = refusal(
        slot=slot, presenter=SignedInPresenterFactory(), pool_paper=PoolPaperFactory(term=TermFactory())
    )

    assert message == "This paper is not in this term's pool."
    assert claims(slot) == []


@pytest.mark.parametrize("status", ["confirmed", "pending", "waitlisted"])
def test_claim_make_refuses_a_second_active_claim_of_the_same_session(status):
    signup, slot = open_slot(capacity=3, presentations_per_student=3)
    student = SignedInPresenterFactory(name="Ana")
    place = None if status == "waitlisted" else 2
    ClaimFactory(slot=slot, presenter=student, pool_paper=paper(signup), status=status, place=place)

    message = refusal(slot=slot, presenter=student, pool_paper=paper(signup))

    assert message == "You have already claimed this session."
    assert claims(slot) == [("Ana", status, place)]


def test_claim_make_after_a_cancelled_or_rejected_claim_of_the_session_is_taken():
    signup, slot = open_slot()
    student = SignedInPresenterFactory(name="Ana")
    ClaimFactory(slot=slot, presenter=student, pool_paper=paper(signup), status="cancelled", place=None)
    ClaimFactory(slot=slot, presenter=student, pool_paper=paper(signup), status="rejected", place=None)

    claim = claim_make(slot=slot, presenter=student, pool_paper=paper(signup))

    assert (claim.status, claim.place) == ("confirmed", 1)


@pytest.mark.parametrize("status", ["confirmed", "pending"])
def test_claim_make_refuses_a_paper_another_claim_holds_in_any_session(status):
    signup, slot = open_slot()
    elsewhere = SlotFactory(week=WeekFactory(term=signup.term))
    taken = paper(signup)
    ClaimFactory(slot=elsewhere, pool_paper=taken, status=status, place=1)

    message = refusal(slot=slot, presenter=SignedInPresenterFactory(), pool_paper=taken)

    assert message == "Someone has already claimed this paper."
    assert claims(slot) == []


def test_claim_make_may_name_a_paper_a_waitlisted_claim_names():
    signup, slot = open_slot()
    full = SlotFactory(week=WeekFactory(term=signup.term), capacity=1)
    ClaimFactory(slot=full, place=1, pool_paper=paper(signup))
    wanted = paper(signup)
    ClaimFactory(slot=full, pool_paper=wanted, status="waitlisted", place=None)

    claim = claim_make(slot=slot, presenter=SignedInPresenterFactory(), pool_paper=wanted)

    assert (claim.status, claim.place) == ("confirmed", 1)


def test_claim_make_counts_confirmed_and_pending_claims_of_the_term_against_the_limit():
    signup, slot = open_slot(presentations_per_student=2)
    student = SignedInPresenterFactory()
    weeks = [SlotFactory(week=WeekFactory(term=signup.term)) for _ in range(2)]
    ClaimFactory(slot=weeks[0], presenter=student, pool_paper=paper(signup), status="confirmed", place=1)
    ClaimFactory(slot=weeks[1], presenter=student, pool_paper=paper(signup), status="pending", place=1)

    message = refusal(slot=slot, presenter=student, pool_paper=paper(signup))

    assert message == "You already have 2 presentations this term, the most allowed."
    assert claims(slot) == []


def test_claim_make_does_not_count_waitlisted_cancelled_rejected_or_other_terms_claims():
    signup, slot = open_slot(presentations_per_student=1)
    student = SignedInPresenterFactory(name="Ana")
    for status in ("waitlisted", "cancelled", "rejected"):
        ClaimFactory(
            slot=SlotFactory(week=WeekFactory(term=signup.term)),
            presenter=student,
            pool_paper=paper(signup),
            status=status,
            place=None,
        )
    ClaimFactory(presenter=student)  # another term

    claim = claim_make(slot=slot, presenter=student, pool_paper=paper(signup))

    assert claims(slot) == [("Ana", "confirmed", 1)]
    assert refusal(
        slot=SlotFactory(week=WeekFactory(term=signup.term)), presenter=student, pool_paper=paper(signup)
    ) == ("You already have 1 presentation this term, the most allowed.")
    assert claim.place == 1


def test_the_database_refuses_a_second_claim_of_a_place_when_the_lock_is_bypassed():
    signup, slot = open_slot()
    ClaimFactory(slot=slot, pool_paper=paper(signup), place=2)
    second = Claim(
        slot=slot, presenter=SignedInPresenterFactory(), pool_paper=paper(signup), status="confirmed", place=2
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()

    assert Claim.objects.filter(slot=slot, place=2).count() == 1


@pytest.mark.parametrize(
    ("clash", "message"),
    [
        ("place", "This place in the session has just been taken."),
        ("paper", "Someone has already claimed this paper."),
        ("session", "You have already claimed this session."),
    ],
)
def test_a_claim_the_database_refuses_becomes_a_clear_error(clash, message):
    signup, slot = open_slot()
    held = ClaimFactory(slot=slot, pool_paper=paper(signup), place=1)
    second = Claim(
        slot=slot,
        presenter=held.presenter if clash == "session" else SignedInPresenterFactory(),
        pool_paper=held.pool_paper if clash == "paper" else paper(signup),
        status="confirmed",
        place=1 if clash == "place" else 2,
    )

    with pytest.raises(SignupError) as refused:
        _save_or_refuse(second)

    assert refused.value.messages == [message]
    assert Claim.objects.count() == 1


# Cancelling and the waitlist.


def waitlist(signup, slot, names: list[str]) -> list:
    """Each student, in this order, claims the slot with a paper of their own."""
    students = [SignedInPresenterFactory(name=name) for name in names]
    return [claim_make(slot=slot, presenter=student, pool_paper=paper(signup)) for student in students]


def test_claim_cancel_frees_the_place_for_the_oldest_waitlisted_claim():
    signup, slot = open_slot(capacity=2)
    ana, ben, cy, _dee = waitlist(signup, slot, ["Ana", "Ben", "Cy", "Dee"])

    promoted = claim_cancel(claim=ana, presenter=ana.presenter)

    assert [claim.pk for claim in promoted] == [cy.pk]
    assert (ana.status, ana.place) == ("cancelled", None)
    assert claims(slot) == [
        ("Ana", "cancelled", None),
        ("Ben", "confirmed", 2),
        ("Cy", "confirmed", 1),
        ("Dee", "waitlisted", None),
    ]
    claim_cancel(claim=ben, presenter=ben.presenter)
    assert claims(slot)[1:] == [("Ben", "cancelled", None), ("Cy", "confirmed", 1), ("Dee", "confirmed", 2)]


def test_claim_cancel_passes_over_a_waitlisted_claim_whose_paper_was_taken_meanwhile():
    signup, slot = open_slot(capacity=1)
    ana, ben, cy = waitlist(signup, slot, ["Ana", "Ben", "Cy"])
    ClaimFactory(slot=SlotFactory(week=WeekFactory(term=signup.term)), pool_paper=ben.pool_paper, place=1)

    promoted = claim_cancel(claim=ana, presenter=ana.presenter)

    assert promoted == [cy]
    assert claims(slot) == [("Ana", "cancelled", None), ("Ben", "waitlisted", None), ("Cy", "confirmed", 1)]


def test_claim_cancel_passes_over_a_student_who_holds_as_many_presentations_as_allowed():
    signup, slot = open_slot(capacity=1, presentations_per_student=1)
    ana, ben, _cy = waitlist(signup, slot, ["Ana", "Ben", "Cy"])
    claim_make(
        slot=SlotFactory(week=WeekFactory(term=signup.term)),
        presenter=ben.presenter,
        pool_paper=paper(signup),
    )

    claim_cancel(claim=ana, presenter=ana.presenter)

    assert claims(slot) == [("Ana", "cancelled", None), ("Ben", "waitlisted", None), ("Cy", "confirmed", 1)]


def test_claim_cancel_promotes_to_pending_when_claims_need_approval():
    signup, slot = open_slot(capacity=1, claims_need_approval=True)
    ana, _ben = waitlist(signup, slot, ["Ana", "Ben"])

    claim_cancel(claim=ana, presenter=ana.presenter)

    assert claims(slot) == [("Ana", "cancelled", None), ("Ben", "pending", 1)]


def test_claim_cancel_of_a_waitlisted_claim_promotes_nobody():
    signup, slot = open_slot(capacity=1)
    _ana, ben, _cy = waitlist(signup, slot, ["Ana", "Ben", "Cy"])

    assert claim_cancel(claim=ben, presenter=ben.presenter) == []
    assert claims(slot) == [("Ana", "confirmed", 1), ("Ben", "cancelled", None), ("Cy", "waitlisted", None)]


def test_claim_cancel_is_refused_for_someone_elses_claim_after_the_deadline_or_twice():
    signup, slot = open_slot(capacity=1)
    ana, ben = waitlist(signup, slot, ["Ana", "Ben"])
    refusals = []

    for arguments in [
        {"claim": ana, "presenter": ben.presenter},
        {"claim": ana, "presenter": ana.presenter, "now": signup.deadline},
    ]:
        with pytest.raises(SignupError) as refused:
            claim_cancel(**arguments)
        refusals.append(str(refused.value))
    claim_cancel(claim=ana, presenter=ana.presenter)
    with pytest.raises(SignupError) as refused:
        claim_cancel(claim=ana, presenter=ana.presenter)
    refusals.append(str(refused.value))

    assert refusals == [
        "This is not your claim.",
        "The sign-up deadline has passed: ask an instructor to cancel your claim.",
        "This claim is no longer active.",
    ]
    assert claims(slot) == [("Ana", "cancelled", None), ("Ben", "confirmed", 1)]


def test_claim_cancel_before_the_deadline_is_allowed_when_the_signup_was_closed():
    signup, slot = open_slot(capacity=1)
    (ana,) = waitlist(signup, slot, ["Ana"])
    signup.is_open = False
    signup.save()

    claim_cancel(claim=ana, presenter=ana.presenter)

    assert claims(slot) == [("Ana", "cancelled", None)]


# Instructors' decisions.


def test_claims_decide_confirms_pending_claims_and_leaves_the_others():
    signup, slot = open_slot(capacity=2, claims_need_approval=True)
    ana, _ben, cy = waitlist(signup, slot, ["Ana", "Ben", "Cy"])
    now = signup.deadline + datetime.timedelta(days=1)

    decided = claims_decide(claims=[ana, cy], approve=True, now=now)

    assert [claim.pk for claim in decided] == [ana.pk]
    assert claims(slot) == [("Ana", "confirmed", 1), ("Ben", "pending", 2), ("Cy", "waitlisted", None)]
    ana.refresh_from_db()
    assert ana.decided_at == now


def test_claims_decide_rejecting_frees_places_for_the_waitlist_in_order():
    signup, slot = open_slot(capacity=2, claims_need_approval=True)
    ana, ben, cy, _dee, _eve = waitlist(signup, slot, ["Ana", "Ben", "Cy", "Dee", "Eve"])
    claims_decide(claims=[ana], approve=True)

    decided = claims_decide(claims=Claim.objects.filter(pk__in=[ana.pk, ben.pk]), approve=False)

    assert [claim.pk for claim in decided] == [ben.pk]
    assert claims(slot) == [
        ("Ana", "confirmed", 1),
        ("Ben", "rejected", None),
        ("Cy", "pending", 2),
        ("Dee", "waitlisted", None),
        ("Eve", "waitlisted", None),
    ]
    claims_decide(claims=[cy], approve=False)
    claims_decide(claims=Claim.objects.filter(status="pending"), approve=True)
    assert claims(slot)[2:] == [
        ("Cy", "rejected", None),
        ("Dee", "confirmed", 2),
        ("Eve", "waitlisted", None),
    ]


def test_claims_decide_in_several_sessions_at_once():
    signup, first = open_slot(capacity=1, claims_need_approval=True)
    second = SlotFactory(week=WeekFactory(term=signup.term), capacity=1)
    ana, _ben = waitlist(signup, first, ["Ana", "Ben"])
    cy, _dee = waitlist(signup, second, ["Cy", "Dee"])

    claims_decide(claims=[cy, ana], approve=False)

    assert claims(first) == [("Ana", "rejected", None), ("Ben", "pending", 1)]
    assert claims(second) == [("Cy", "rejected", None), ("Dee", "pending", 1)]


# An instructor cancels claims.


def test_claims_cancel_frees_places_for_the_waitlist_in_order_and_leaves_inactive_claims():
    signup, slot = open_slot(capacity=2)
    ana, _ben, cy, dee, eve = waitlist(signup, slot, ["Ana", "Ben", "Cy", "Dee", "Eve"])
    claim_cancel(claim=eve, presenter=eve.presenter)
    now = signup.deadline + datetime.timedelta(days=1)  # instructors may cancel after the deadline

    cancelled, promoted = claims_cancel(claims=Claim.objects.filter(pk__in=[ana.pk, dee.pk, eve.pk]), now=now)

    assert [claim.pk for claim in cancelled] == [ana.pk, dee.pk]
    assert [claim.pk for claim in promoted] == [cy.pk]
    assert claims(slot) == [
        ("Ana", "cancelled", None),
        ("Ben", "confirmed", 2),
        ("Cy", "confirmed", 1),
        ("Dee", "cancelled", None),
        ("Eve", "cancelled", None),
    ]
    ana.refresh_from_db()
    eve.refresh_from_db()
    assert (ana.decided_at, eve.decided_at) == (now, None)


def test_claims_cancel_in_several_sessions_at_once_promotes_to_pending_when_approval_is_needed():
    signup, first = open_slot(capacity=1, claims_need_approval=True)
    second = SlotFactory(week=WeekFactory(term=signup.term), capacity=1)
    ana, _ben = waitlist(signup, first, ["Ana", "Ben"])
    cy, _dee = waitlist(signup, second, ["Cy", "Dee"])

    cancelled, promoted = claims_cancel(claims=[cy, ana])

    assert [claim.presenter.name for claim in cancelled] == ["Ana", "Cy"]
    assert sorted(claim.presenter.name for claim in promoted) == ["Ben", "Dee"]
    assert claims(first) == [("Ana", "cancelled", None), ("Ben", "pending", 1)]
    assert claims(second) == [("Cy", "cancelled", None), ("Dee", "pending", 1)]


def test_claims_cancel_of_a_waitlisted_claim_promotes_nobody():
    signup, slot = open_slot(capacity=1)
    _ana, ben, _cy = waitlist(signup, slot, ["Ana", "Ben", "Cy"])

    cancelled, promoted = claims_cancel(claims=[ben])

    assert ([claim.pk for claim in cancelled], promoted) == ([ben.pk], [])
    assert claims(slot) == [("Ana", "confirmed", 1), ("Ben", "cancelled", None), ("Cy", "waitlisted", None)]
