import datetime

import pytest

from syllabus.signup.models import PoolPaper
from syllabus.signup.services import SignupError, pool_add, pool_decide, pool_suggest
from tests.factories import (
    PaperFactory,
    PoolPaperFactory,
    SignedInPresenterFactory,
    SignupFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


def pool(term) -> list[tuple[str, str]]:
    return list(PoolPaper.objects.filter(term=term).order_by("id").values_list("paper__title", "status"))


def test_pool_add_puts_papers_in_the_pool_approved_in_order():
    term = TermFactory()
    first, second = PaperFactory(title="Deep Sets"), PaperFactory(title="Set Transformer")

    entries = pool_add(term=term, papers=[second, first])

    assert [(entry.paper, entry.term, entry.status) for entry in entries] == [
        (second, term, "approved"),
        (first, term, "approved"),
    ]
    assert pool(term) == [("Set Transformer", "approved"), ("Deep Sets", "approved")]


def test_pool_add_twice_adds_nothing_new():
    term = TermFactory()
    papers = [PaperFactory(title="Deep Sets"), PaperFactory(title="Set Transformer")]
    first = pool_add(term=term, papers=papers)

    again = pool_add(term=term, papers=[*papers, papers[0]])

    assert [entry.pk for entry in again] == [entry.pk for entry in first]
    assert pool(term) == [("Deep Sets", "approved"), ("Set Transformer", "approved")]


def test_pool_add_approves_a_suggested_or_rejected_paper():
    term = TermFactory()
    suggested = PoolPaperFactory(term=term, paper__title="Suggested", status="suggested")
    rejected = PoolPaperFactory(term=term, paper__title="Rejected", status="rejected")

    entries = pool_add(term=term, papers=[suggested.paper, rejected.paper])

    assert [entry.pk for entry in entries] == [suggested.pk, rejected.pk]
    assert pool(term) == [("Suggested", "approved"), ("Rejected", "approved")]


def test_pool_add_keeps_other_terms_apart():
    paper = PaperFactory()
    term, other = TermFactory(), TermFactory()
    pool_add(term=other, papers=[paper])

    pool_add(term=term, papers=[paper])

    assert PoolPaper.objects.filter(paper=paper).count() == 2


def test_pool_suggest_adds_a_suggestion_awaiting_approval():
    signup = SignupFactory(allow_suggestions=True)
    student = SignedInPresenterFactory()
    paper = PaperFactory(title="Janossy Pooling")

    entry = pool_suggest(signup=signup, presenter=student, paper=paper)

    assert (entry.term, entry.paper, entry.status, entry.suggested_by) == (
        signup.term,
        paper,
        "suggested",
        student,
    )
    assert pool(signup.term) == [("Janossy Pooling", "suggested")]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"allow_suggestions": False}, "This term does not take suggestions of papers."),
        ({"allow_suggestions": True, "is_open": False}, "Sign-up for this term is closed."),
    ],
)
def test_pool_suggest_is_refused_when_the_term_takes_none(fields, message):
    signup = SignupFactory(**fields)

    with pytest.raises(SignupError) as refused:
        pool_suggest(signup=signup, presenter=SignedInPresenterFactory(), paper=PaperFactory())

    assert refused.value.messages == [message]
    assert pool(signup.term) == []


def test_pool_suggest_is_refused_from_the_deadline_on():
    signup = SignupFactory(allow_suggestions=True)

    with pytest.raises(SignupError) as refused:
        pool_suggest(
            signup=signup, presenter=SignedInPresenterFactory(), paper=PaperFactory(), now=signup.deadline
        )

    assert refused.value.messages == ["The sign-up deadline has passed."]
    before = pool_suggest(
        signup=signup,
        presenter=SignedInPresenterFactory(),
        paper=PaperFactory(title="Just in time"),
        now=signup.deadline - datetime.timedelta(seconds=1),
    )
    assert before.status == "suggested"


@pytest.mark.parametrize("status", ["approved", "suggested", "rejected"])
def test_pool_suggest_of_a_paper_already_in_the_pool_is_refused(status):
    signup = SignupFactory(allow_suggestions=True)
    entry = PoolPaperFactory(term=signup.term, status=status)

    with pytest.raises(SignupError) as refused:
        pool_suggest(signup=signup, presenter=SignedInPresenterFactory(), paper=entry.paper)

    assert refused.value.messages == ["This paper is already in the term's pool."]
    assert PoolPaper.objects.filter(term=signup.term).count() == 1


@pytest.mark.parametrize(("approve", "status"), [(True, "approved"), (False, "rejected")])
def test_pool_decide_decides_suggestions_only(approve, status):
    term = TermFactory()
    suggested = PoolPaperFactory(term=term, paper__title="Suggested", status="suggested")
    approved = PoolPaperFactory(term=term, paper__title="Approved", status="approved")
    rejected = PoolPaperFactory(term=term, paper__title="Rejected", status="rejected")
    waiting = PoolPaperFactory(term=term, paper__title="Not decided", status="suggested")

    decided = pool_decide(pool_papers=[suggested, approved, rejected], approve=approve)

    assert decided == 1
    assert pool(term) == [
        ("Suggested", status),
        ("Approved", "approved"),
        ("Rejected", "rejected"),
        ("Not decided", "suggested"),
    ]
    assert waiting.status == "suggested"


def test_pool_decide_takes_a_queryset():
    term = TermFactory()
    PoolPaperFactory.create_batch(2, term=term, status="suggested")

    assert pool_decide(pool_papers=PoolPaper.objects.filter(term=term), approve=True) == 2
    assert [status for _, status in pool(term)] == ["approved", "approved"]
