import pytest

from syllabus.signup.models import Preference
from syllabus.signup.services import SignupError, preference_save
from tests.factories import (
    PoolPaperFactory,
    SignedInPresenterFactory,
    SignupFactory,
    SlotFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signup():
    return SignupFactory(mode="preferences")


def pool(signup, *titles):
    return [PoolPaperFactory(term=signup.term, paper__title=title) for title in titles]


def open_weeks(signup, *titles):
    return [SlotFactory(week=WeekFactory(term=signup.term, title=title)).week for title in titles]


def saved(presenter) -> tuple[list[tuple[int, str]], list[str]]:
    preference = Preference.objects.get(presenter=presenter)
    return (
        [(entry.rank, entry.pool_paper.paper.title) for entry in preference.ranked.all()],
        sorted(week.title for week in preference.unavailable_weeks.all()),
    )


def test_preference_save_keeps_the_ranks_in_order_and_the_unavailable_weeks(signup):
    student = SignedInPresenterFactory()
    sets, transformers, pooling = pool(signup, "Deep Sets", "Set Transformer", "Janossy Pooling")
    first, second, _ = open_weeks(signup, "Week 1", "Week 2", "Week 3")

    preference = preference_save(
        signup=signup,
        presenter=student,
        ranked_pool_papers=[transformers, pooling, sets],
        unavailable_weeks=[second, first],
    )

    assert (preference.signup, preference.presenter) == (signup, student)
    assert saved(student) == (
        [(1, "Set Transformer"), (2, "Janossy Pooling"), (3, "Deep Sets")],
        ["Week 1", "Week 2"],
    )


def test_preference_save_again_replaces_the_earlier_preferences(signup):
    student = SignedInPresenterFactory()
    sets, transformers, pooling = pool(signup, "Deep Sets", "Set Transformer", "Janossy Pooling")
    first, second = open_weeks(signup, "Week 1", "Week 2")
    earlier = preference_save(
        signup=signup, presenter=student, ranked_pool_papers=[sets, transformers], unavailable_weeks=[first]
    )

    again = preference_save(
        signup=signup, presenter=student, ranked_pool_papers=[pooling, sets], unavailable_weeks=[second]
    )

    assert again.pk == earlier.pk
    assert saved(student) == ([(1, "Janossy Pooling"), (2, "Deep Sets")], ["Week 2"])
    assert Preference.objects.count() == 1


def test_preference_save_of_nothing_clears_them(signup):
    student = SignedInPresenterFactory()
    preference_save(
        signup=signup,
        presenter=student,
        ranked_pool_papers=pool(signup, "Deep Sets"),
        unavailable_weeks=open_weeks(signup, "Week 1"),
    )

    preference_save(signup=signup, presenter=student, ranked_pool_papers=[], unavailable_weeks=[])

    assert saved(student) == ([], [])


def test_preference_save_keeps_students_apart(signup):
    ana, ben = SignedInPresenterFactory(), SignedInPresenterFactory()
    sets, transformers = pool(signup, "Deep Sets", "Set Transformer")

    preference_save(
        signup=signup, presenter=ana, ranked_pool_papers=[sets, transformers], unavailable_weeks=[]
    )
    preference_save(signup=signup, presenter=ben, ranked_pool_papers=[transformers], unavailable_weeks=[])

    assert (saved(ana), saved(ben)) == (
        ([(1, "Deep Sets"), (2, "Set Transformer")], []),
        ([(1, "Set Transformer")], []),
    )


def refusal(**arguments) -> str:
    with pytest.raises(SignupError) as refused:
        preference_save(**arguments)
    return str(refused.value)


def test_preference_save_is_refused_in_first_come_mode_when_closed_and_from_the_deadline_on(signup):
    student = SignedInPresenterFactory()
    arguments = {"presenter": student, "ranked_pool_papers": [], "unavailable_weeks": []}

    assert [
        refusal(signup=SignupFactory(mode="first_come"), **arguments),
        refusal(signup=SignupFactory(mode="preferences", is_open=False), **arguments),
        refusal(signup=signup, now=signup.deadline, **arguments),
    ] == [
        "This term's sign-up is first come, first served: claim a session instead.",
        "Sign-up for this term is closed.",
        "The sign-up deadline has passed.",
    ]
    assert Preference.objects.count() == 0


def test_preference_save_refuses_papers_ranked_twice_or_not_in_the_terms_approved_pool(signup):
    student = SignedInPresenterFactory()
    sets, transformers = pool(signup, "Deep Sets", "Set Transformer")
    suggested = PoolPaperFactory(term=signup.term, paper__title="Suggested", status="suggested")
    elsewhere = PoolPaperFactory(term=TermFactory(), paper__title="Elsewhere")
    preference_save(signup=signup, presenter=student, ranked_pool_papers=[sets], unavailable_weeks=[])

    assert [
        refusal(
            signup=signup,
            presenter=student,
            ranked_pool_papers=[transformers, sets, transformers],
            unavailable_weeks=[],
        ),
        refusal(
            signup=signup,
            presenter=student,
            ranked_pool_papers=[transformers, suggested, elsewhere],
            unavailable_weeks=[],
        ),
    ] == [
        "A paper is ranked more than once: Set Transformer.",
        "Only approved papers of this term's pool can be ranked: Suggested; Elsewhere.",
    ]
    assert saved(student) == ([(1, "Deep Sets")], [])  # the earlier preferences stand


def test_preference_save_refuses_weeks_twice_or_not_open_in_this_term(signup):
    student = SignedInPresenterFactory()
    (first,) = open_weeks(signup, "Week 1")
    not_open = WeekFactory(term=signup.term, title="No slot")
    other_term = SlotFactory(week__title="Other term").week

    assert [
        refusal(signup=signup, presenter=student, ranked_pool_papers=[], unavailable_weeks=[first, first]),
        refusal(
            signup=signup,
            presenter=student,
            ranked_pool_papers=[],
            unavailable_weeks=[first, not_open, other_term],
        ),
    ] == [
        "A week is marked unavailable more than once: Week 1.",
        "Only this term's sessions open for sign-up can be marked unavailable: No slot; Other term.",
    ]
    assert Preference.objects.count() == 0
