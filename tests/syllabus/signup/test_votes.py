import pytest
from django.db import IntegrityError, transaction

from syllabus.signup.models import Vote
from syllabus.signup.services import SignupError, vote_toggle
from tests.factories import PoolPaperFactory, SignedInPresenterFactory, SignupFactory, VoteFactory

pytestmark = pytest.mark.django_db


def votes() -> list[tuple[int, int]]:
    return list(Vote.objects.order_by("id").values_list("pool_paper_id", "presenter_id"))


def test_vote_toggle_stars_then_unstars():
    signup = SignupFactory()
    entry = PoolPaperFactory(term=signup.term)
    student = SignedInPresenterFactory()

    assert vote_toggle(pool_paper=entry, presenter=student) is True
    assert votes() == [(entry.pk, student.pk)]
    assert vote_toggle(pool_paper=entry, presenter=student) is False
    assert votes() == []


def test_vote_toggle_counts_each_student_once_per_paper():
    signup = SignupFactory(mode="preferences")
    entry, other = PoolPaperFactory(term=signup.term), PoolPaperFactory(term=signup.term)
    ana, ben = SignedInPresenterFactory(), SignedInPresenterFactory()

    vote_toggle(pool_paper=entry, presenter=ana)
    vote_toggle(pool_paper=entry, presenter=ben)
    vote_toggle(pool_paper=other, presenter=ana)

    assert votes() == [(entry.pk, ana.pk), (entry.pk, ben.pk), (other.pk, ana.pk)]
    assert entry.votes.count() == 2


@pytest.mark.parametrize("status", ["suggested", "rejected"])
def test_vote_toggle_refuses_papers_not_approved(status):
    signup = SignupFactory()
    entry = PoolPaperFactory(term=signup.term, status=status)

    with pytest.raises(SignupError) as refused:
        vote_toggle(pool_paper=entry, presenter=SignedInPresenterFactory())

    assert refused.value.messages == ["Only approved papers of the pool take votes."]
    assert votes() == []


def test_vote_toggle_is_refused_when_closed_after_the_deadline_or_without_a_signup():
    closed = PoolPaperFactory(term=SignupFactory(is_open=False).term)
    signup = SignupFactory()
    late = PoolPaperFactory(term=signup.term)
    VoteFactory(pool_paper=late, presenter=(student := SignedInPresenterFactory()))
    no_signup = PoolPaperFactory()
    refusals = []

    for entry, now in [(closed, None), (late, signup.deadline), (no_signup, None)]:
        with pytest.raises(SignupError) as refused:
            vote_toggle(pool_paper=entry, presenter=student, now=now)
        refusals.append(str(refused.value))

    assert refusals == [
        "Sign-up for this term is closed.",
        "The sign-up deadline has passed.",
        "This term has no sign-up.",
    ]
    assert votes() == [(late.pk, student.pk)]  # not taken back after the deadline


def test_the_database_refuses_a_second_vote_of_a_student_for_a_paper():
    vote = VoteFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(pool_paper=vote.pool_paper, presenter=vote.presenter)
