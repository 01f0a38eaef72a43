"""Students racing each other on PostgreSQL: claims of the last place, of one paper, and a cancel.

Each test starts its threads at the same moment (a Barrier); each thread calls the service, or posts
the sign-up page's form from its own test client, on its own database connection, closed at its end. SQLite takes one writer at a time for the whole
database, so these races only exist (and are only tested) on PostgreSQL.
"""

import datetime
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from syllabus.signup.models import Claim, Vote
from syllabus.signup.services import SignupError, claim_cancel, claim_make, vote_toggle
from tests.factories import (
    ClaimFactory,
    PoolPaperFactory,
    SignedInPresenterFactory,
    SignupFactory,
    SlotFactory,
    WeekFactory,
)
from tests.syllabus.signup.test_pages import shown_messages, slot_lines

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 10


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrent transactions need PostgreSQL (set DATABASE_URL); SQLite has one writer at a time"
        )


def at_once(actions: list[Callable[[], object]]) -> list[object]:
    """Run every action in its own thread, all released at the same moment; results (or the
    SignupError raised) in the same order."""
    barrier = threading.Barrier(len(actions))

    def run(action):
        try:
            barrier.wait()
            return action()
        except SignupError as error:
            return error
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


def outcome(result) -> tuple:
    return ("refused", str(result)) if isinstance(result, SignupError) else (result.status, result.place)


def test_two_students_claiming_the_last_place_at_once_one_gets_it_the_other_waits():
    signup = SignupFactory()
    for _ in range(ROUNDS):
        slot = SlotFactory(week__term=signup.term, capacity=3)
        ClaimFactory(slot=slot, place=1)
        ClaimFactory(slot=slot, place=2)
        students = SignedInPresenterFactory.create_batch(2)
        papers = PoolPaperFactory.create_batch(2, term=signup.term)

        results = at_once(
            [
                partial(claim_make, slot=slot, presenter=student, pool_paper=entry)
                for student, entry in zip(students, papers, strict=True)
            ]
        )

        assert sorted(outcome(result) for result in results) == [("confirmed", 3), ("waitlisted", None)]
        assert sorted(
            Claim.objects.filter(slot=slot, place__isnull=False).values_list("place", flat=True)
        ) == [
            1,
            2,
            3,
        ]


def test_two_students_posting_a_claim_of_the_last_place_at_once_one_gets_it_the_other_is_told():
    """The race of the issue through real requests: two browsers post the claim form together."""
    for round_ in range(ROUNDS):
        signup = SignupFactory()
        week = WeekFactory(term=signup.term, title="Pooling", date=datetime.date(2026, 10, 1))
        slot = SlotFactory(week=week, capacity=2)
        ClaimFactory(slot=slot, place=1, presenter=SignedInPresenterFactory(name=f"Early {round_}"))
        students = [SignedInPresenterFactory(name=f"{name} {round_}") for name in ("Ana", "Ben")]
        titles = {student.pk: f"Paper of {student.name}" for student in students}
        posts = []
        for student in students:
            browser = Client()
            browser.force_login(student.user)
            entry = PoolPaperFactory(term=signup.term, paper__title=titles[student.pk])
            data = {"slot": slot.pk, "pool_paper": entry.pk}
            posts.append(
                partial(browser.post, reverse("signup:claim", args=[signup.term.slug]), data, follow=True)
            )

        answers = at_once(posts)

        claims = {c.presenter_id: c for c in Claim.objects.filter(slot=slot).exclude(place=1)}
        assert sorted((c.status, c.place) for c in claims.values()) == [
            ("confirmed", 2),
            ("waitlisted", None),
        ]
        for student, answer in zip(students, answers, strict=True):
            # Each is sent back to the sign-up page and told what became of their claim.
            title, won = titles[student.pk], claims[student.pk].status == "confirmed"
            assert answer.redirect_chain == [(signup.get_absolute_url(), 302)]
            assert shown_messages(answer) == [
                f"You present “{title}” in Pooling (1 Oct 2026)."
                if won
                else f"Pooling (1 Oct 2026) is full: you are on its waitlist with “{title}”."
            ]
        winner = next(student for student in students if claims[student.pk].status == "confirmed")
        assert slot_lines(Client().get(signup.get_absolute_url()).content.decode()) == [
            f"1 Oct 2026 · Pooling · 2 places · taken by Early {round_}, {winner.name} · full · 1 on the waitlist"
        ]


def test_many_students_claiming_a_session_at_once_fill_it_and_wait_in_line():
    signup = SignupFactory()
    slot = SlotFactory(week__term=signup.term, capacity=2)
    students = SignedInPresenterFactory.create_batch(8)
    papers = PoolPaperFactory.create_batch(8, term=signup.term)

    results = at_once(
        [
            partial(claim_make, slot=slot, presenter=student, pool_paper=entry)
            for student, entry in zip(students, papers, strict=True)
        ]
    )

    assert (
        sorted(outcome(result) for result in results)
        == [("confirmed", 1), ("confirmed", 2)] + [("waitlisted", None)] * 6
    )
    waiting = Claim.objects.filter(slot=slot, status="waitlisted").order_by("created", "id")
    assert len(waiting) == 6
    assert Claim.objects.filter(slot=slot, place__isnull=False).count() == 2


def test_two_students_claiming_one_paper_in_two_sessions_at_once_one_gets_it():
    signup = SignupFactory()
    for _ in range(ROUNDS):
        slots = SlotFactory.create_batch(2, week__term=signup.term)
        students = SignedInPresenterFactory.create_batch(2)
        entry = PoolPaperFactory(term=signup.term)

        results = at_once(
            [
                partial(claim_make, slot=slot, presenter=student, pool_paper=entry)
                for slot, student in zip(slots, students, strict=True)
            ]
        )

        # The second claim is refused by the check (it saw the first) or by the database's
        # constraint (both checked at once): the same message either way.
        assert sorted(outcome(result) for result in results) == [
            ("confirmed", 1),
            ("refused", "Someone has already claimed this paper."),
        ]
        assert Claim.objects.filter(pool_paper=entry).count() == 1


def test_one_student_claiming_two_sessions_at_once_gets_one_when_one_is_allowed():
    signup = SignupFactory(presentations_per_student=1)
    for _ in range(ROUNDS):
        slots = SlotFactory.create_batch(2, week__term=signup.term)
        student = SignedInPresenterFactory()
        papers = PoolPaperFactory.create_batch(2, term=signup.term)

        results = at_once(
            [
                partial(claim_make, slot=slot, presenter=student, pool_paper=entry)
                for slot, entry in zip(slots, papers, strict=True)
            ]
        )

        assert sorted(outcome(result) for result in results) == [
            ("confirmed", 1),
            ("refused", "You already have 1 presentation this term, the most allowed."),
        ]
        assert Claim.objects.filter(presenter=student).count() == 1


def test_a_cancel_racing_a_claim_gives_the_place_to_the_waitlist_first():
    signup = SignupFactory()
    for _ in range(ROUNDS):
        slot = SlotFactory(week__term=signup.term, capacity=1)
        ana, ben, cy = SignedInPresenterFactory.create_batch(3)
        leaving = claim_make(slot=slot, presenter=ana, pool_paper=PoolPaperFactory(term=signup.term))
        waiting = claim_make(slot=slot, presenter=ben, pool_paper=PoolPaperFactory(term=signup.term))

        cancelled, late = at_once(
            [
                partial(claim_cancel, claim=leaving, presenter=ana),
                partial(claim_make, slot=slot, presenter=cy, pool_paper=PoolPaperFactory(term=signup.term)),
            ]
        )

        assert [claim.pk for claim in cancelled] == [waiting.pk]
        assert outcome(late) == ("waitlisted", None)
        assert list(
            Claim.objects.filter(slot=slot)
            .order_by("presenter_id")
            .values_list("presenter", "status", "place")
        ) == [(ana.pk, "cancelled", None), (ben.pk, "confirmed", 1), (cy.pk, "waitlisted", None)]


def test_two_vote_toggles_of_one_student_at_once_never_fail():
    signup = SignupFactory()
    student = SignedInPresenterFactory()
    for _ in range(ROUNDS):
        entry = PoolPaperFactory(term=signup.term)

        results = at_once([partial(vote_toggle, pool_paper=entry, presenter=student)] * 2)

        # Both saw no vote (both stand, the vote is there once), or one took back the other's.
        votes = Vote.objects.filter(pool_paper=entry, presenter=student).count()
        assert (sorted(results), votes) in [([True, True], 1), ([False, True], 0)]
