import datetime

import pytest

from syllabus.signup.services import SignupError, claim_make, claims_to_rows
from tests.factories import (
    ClaimFactory,
    PoolPaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    SignedInPresenterFactory,
    SignupFactory,
    SlotFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db


def table(week) -> list[tuple[int, str, list[str]]]:
    return [
        (row.order, row.paper.title if row.paper else row.label, [p.name for p in row.ordered_presenters])
        for row in week.presentations.select_related("paper").prefetch_related("presenter_entries__presenter")
    ]


def claim(signup, slot, name: str, title: str, **fields):
    return ClaimFactory(
        slot=slot,
        presenter=SignedInPresenterFactory(name=name),
        pool_paper=PoolPaperFactory(term=signup.term, paper__title=title),
        **fields,
    )


def test_claims_to_rows_appends_each_confirmed_claim_to_its_week_credited():
    signup = SignupFactory()
    # Dated: the factory's dates wrap around, so unnamed weeks may come in either order.
    first = SlotFactory(week=WeekFactory(term=signup.term, date=datetime.date(2026, 9, 3)), capacity=3)
    second = SlotFactory(week=WeekFactory(term=signup.term, date=datetime.date(2026, 9, 10)))
    PresentationFactory(week=first.week, order=1, paper=None, label="Introduction")
    claim(signup, first, "Ben", "Set Transformer", place=2)
    claim(signup, first, "Ana", "Deep Sets", place=1)
    claim(signup, first, "Cy", "Pending", status="pending", place=3)
    claim(signup, first, "Dee", "Waitlisted", status="waitlisted", place=None)
    claim(signup, first, "Eve", "Cancelled", status="cancelled", place=None)
    claim(signup, second, "Fay", "Janossy Pooling")

    rows = claims_to_rows(signup=signup)

    assert [(row.week, row.order) for row in rows] == [(first.week, 2), (first.week, 3), (second.week, 1)]
    assert table(first.week) == [
        (1, "Introduction", []),
        (2, "Deep Sets", ["Ana"]),
        (3, "Set Transformer", ["Ben"]),
    ]
    assert table(second.week) == [(1, "Janossy Pooling", ["Fay"])]


def test_claims_to_rows_again_adds_only_claims_confirmed_since():
    signup = SignupFactory()
    slot = SlotFactory(week=WeekFactory(term=signup.term), capacity=2)
    claim(signup, slot, "Ana", "Deep Sets")
    claims_to_rows(signup=signup)
    later = claim_make(
        slot=slot,
        presenter=SignedInPresenterFactory(name="Ben"),
        pool_paper=PoolPaperFactory(term=signup.term, paper__title="Set Transformer"),
    )

    rows = claims_to_rows(signup=signup)

    assert [(row.paper, row.order) for row in rows] == [(later.pool_paper.paper, 2)]
    assert table(slot.week) == [(1, "Deep Sets", ["Ana"]), (2, "Set Transformer", ["Ben"])]
    assert claims_to_rows(signup=signup) == []
    assert table(slot.week) == [(1, "Deep Sets", ["Ana"]), (2, "Set Transformer", ["Ben"])]


def test_claims_to_rows_takes_a_row_made_by_hand_for_the_claim():
    signup = SignupFactory()
    slot = SlotFactory(week=WeekFactory(term=signup.term))
    made = claim(signup, slot, "Ana", "Deep Sets")
    row = PresentationFactory(week=slot.week, order=1, paper=made.pool_paper.paper)
    PresentationPresenterFactory(presentation=row, presenter=SignedInPresenterFactory(name="Ben"))
    PresentationPresenterFactory(presentation=row, presenter=made.presenter)

    assert claims_to_rows(signup=signup) == []
    assert table(slot.week) == [(1, "Deep Sets", ["Ben", "Ana"])]


def test_claims_to_rows_leaves_other_terms_alone():
    signup, other = SignupFactory(), SignupFactory()
    elsewhere = SlotFactory(week=WeekFactory(term=other.term))
    claim(other, elsewhere, "Ana", "Deep Sets")

    assert claims_to_rows(signup=signup) == []
    assert table(elsewhere.week) == []


def test_claims_to_rows_is_refused_in_preferences_mode():
    with pytest.raises(SignupError) as refused:
        claims_to_rows(signup=SignupFactory(mode="preferences"))

    assert refused.value.messages == ["This term's sign-up takes preferences, not claims of sessions."]
