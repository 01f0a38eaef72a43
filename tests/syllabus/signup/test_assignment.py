"""The assignment solver (syllabus/signup/assignment.py): known optima, infeasible inputs, ties, brute force."""

import itertools
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from syllabus.models import Presentation, PresentationPresenter
from syllabus.signup.assignment import (
    assignment_apply,
    assignment_problems,
    assignment_propose,
    assignment_solve,
    paper_scores,
)
from syllabus.signup.models import PoolPaper, Preference, RankedPaper, Signup, SignupMode, Slot
from tests.factories import PaperFactory, PresentationFactory, PresenterFactory, TermFactory, WeekFactory


def solve(**given):
    """assignment_solve with small defaults: weeks 1 and 2 of one place each, seed 0, no absences."""
    given.setdefault("weeks", [1, 2])
    given.setdefault("capacity", dict.fromkeys(given["weeks"], 1))
    given.setdefault("per_student", 1)
    given.setdefault("unavailable", {})
    given.setdefault("seed", 0)
    return assignment_solve(**given)


def brute_force(*, students, papers, weeks, capacity, per_student, ranks, unavailable):
    """The best (presentations, score) over every assignment, by enumeration (tiny inputs only)."""
    scores = paper_scores(ranks=ranks, papers=papers)
    best = (0, 0)

    def visit(index, used_places, used_papers, count, score):
        nonlocal best
        best = max(best, (count, score))
        if index == len(students):
            return
        student = students[index]
        weeks_open = [
            w for w in weeks if w not in unavailable.get(student, ()) and used_places[w] < capacity[w]
        ]
        for many in range(min(per_student, len(weeks_open)) + 1):
            for chosen_weeks in itertools.combinations(weeks_open, many):
                free = [p for p in papers if p not in used_papers]
                for chosen_papers in itertools.permutations(free, many):
                    for week in chosen_weeks:
                        used_places[week] += 1
                    gained = sum(scores.get((student, p), 0) for p in chosen_papers)
                    visit(
                        index + 1, used_places, used_papers | set(chosen_papers), count + many, score + gained
                    )
                    for week in chosen_weeks:
                        used_places[week] -= 1

    visit(0, dict.fromkeys(weeks, 0), frozenset(), 0, 0)
    return best


def rules_broken(result, *, weeks, capacity, papers, per_student, unavailable):
    return assignment_problems(
        pairs=result.pairs,
        weeks=weeks,
        capacity=capacity,
        papers=papers,
        per_student=per_student,
        unavailable=unavailable,
    )


def test_paper_scores_put_every_student_s_first_choice_at_the_longest_ranking():
    scores = paper_scores(ranks={"Ana": ["p", "q", "r"], "Bo": ["q", "gone"]}, papers=["p", "q", "r"])

    assert scores == {("Ana", "p"): 3, ("Ana", "q"): 2, ("Ana", "r"): 1, ("Bo", "q"): 3}


def test_assignment_solve_gives_the_contested_paper_to_whom_it_is_worth_more():
    # Ana: p 2, q 1. Bo: p 2. Ana p + Bo q = 2; Ana q + Bo p = 3.
    result = solve(students=["Ana", "Bo"], papers=["p", "q"], ranks={"Ana": ["p", "q"], "Bo": ["p"]})

    assert {(student, paper) for student, _, paper in result.pairs} == {("Ana", "q"), ("Bo", "p")}
    assert result.score == 3
    assert result.unsatisfied == []


def test_assignment_solve_respects_unavailable_weeks_and_lists_pairs_in_week_order():
    result = solve(
        students=["Ana", "Bo"],
        papers=["p", "q"],
        ranks={"Ana": ["p"], "Bo": ["q"]},
        unavailable={"Ana": {1}},
    )

    assert result.pairs == [("Bo", 1, "q"), ("Ana", 2, "p")]
    assert result.score == 2


def test_assignment_solve_reports_a_student_unavailable_every_week():
    result = solve(
        students=["Ana", "Bo", "Cy"],
        papers=["p", "q", "r"],
        ranks={"Ana": ["p"], "Bo": ["q"], "Cy": ["r"]},
        unavailable={"Cy": {1, 2}},
    )

    assert sorted(result.pairs) == [("Ana", 1, "p"), ("Bo", 2, "q")] or sorted(result.pairs) == [
        ("Ana", 2, "p"),
        ("Bo", 1, "q"),
    ]
    assert result.unsatisfied == ["1 student has no feasible week: Cy"]


def test_assignment_solve_leaves_out_whom_the_score_decides_when_places_are_scarce():
    # One week of two places for three students: leaving out Cy (who ranked nothing) loses no score.
    result = solve(
        students=["Ana", "Bo", "Cy"],
        papers=["p", "q", "r"],
        weeks=[1],
        capacity={1: 2},
        ranks={"Ana": ["p"], "Bo": ["q"]},
    )

    assert result.pairs == [("Ana", 1, "p"), ("Bo", 1, "q")]
    assert result.unsatisfied == [
        "1 presentation could not be placed: not enough places in the weeks they can make (Cy)"
    ]


def test_assignment_solve_reports_fewer_papers_than_presentations():
    result = solve(
        students=["Ana", "Bo", "Cy"],
        papers=["p", "q"],
        weeks=[1, 2, 3],
        ranks={"Ana": ["p"], "Bo": ["q"], "Cy": []},
    )

    assert {(student, paper) for student, _, paper in result.pairs} == {("Ana", "p"), ("Bo", "q")}
    assert result.unsatisfied == [
        "1 presentation could not be placed: the pool has 2 papers for 3 presentations (Cy)"
    ]


def test_assignment_solve_gives_unranked_papers_so_that_everyone_presents():
    result = solve(students=["Ana", "Bo"], papers=["p", "q"], ranks={"Ana": ["p"], "Bo": ["p"]}, seed=0)

    assert len(result.pairs) == 2
    assert result.score == 1
    without = next(student for student, _, paper in result.pairs if paper == "q")
    assert result.unsatisfied == [f"1 student got no paper they ranked: {without}"]


def test_assignment_solve_places_two_presentations_in_different_weeks():
    # Two weeks of two places; Ana can only make week 1, so she presents once (never twice a week).
    weeks, capacity, unavailable = [1, 2], {1: 2, 2: 2}, {"Ana": {2}}
    result = solve(
        students=["Ana", "Bo"],
        papers=["p", "q", "r", "s"],
        weeks=weeks,
        capacity=capacity,
        per_student=2,
        ranks={"Ana": ["p", "q"], "Bo": ["r", "s"]},
        unavailable=unavailable,
    )

    assert [(student, week) for student, week, _ in result.pairs] == [("Ana", 1), ("Bo", 1), ("Bo", 2)]
    assert {paper for student, _, paper in result.pairs if student == "Bo"} == {"r", "s"}
    assert result.score == 2 + 2 + 1  # Ana's first choice, Bo's first and second
    assert result.unsatisfied == [
        "1 presentation could not be placed: not enough places in the weeks they can make (Ana)"
    ]
    assert (
        rules_broken(
            result, weeks=weeks, capacity=capacity, papers="pqrs", per_student=2, unavailable=unavailable
        )
        == []
    )


def test_assignment_solve_never_places_a_student_twice_in_one_week_even_with_places_left():
    # Week 1 has two places, week 2 one, which only Bo can make. Ana twice in week 1 would place three.
    weeks, capacity, unavailable = [1, 2], {1: 2, 2: 1}, {"Bo": {1}}
    result = solve(
        students=["Ana", "Bo"],
        papers=["p", "q", "r"],
        weeks=weeks,
        capacity=capacity,
        per_student=2,
        ranks={},
        unavailable=unavailable,
    )

    assert len(result.pairs) == 2
    assert (
        rules_broken(
            result, weeks=weeks, capacity=capacity, papers="pqr", per_student=2, unavailable=unavailable
        )
        == []
    )
    # Ana in both weeks or Ana and Bo once each: the same count and score, the seed picks.
    assert result.unsatisfied in (
        ["2 presentations could not be placed: not enough places in the weeks they can make (Ana, Bo)"],
        [
            "2 presentations could not be placed: not enough places in the weeks they can make (Bo (2 missing))"
        ],
    )


def test_assignment_solve_takes_counts_per_student():
    result = solve(
        students=["Ana", "Bo"],
        papers=["p", "q", "r"],
        weeks=[1, 2, 3],
        per_student={"Ana": 2, "Bo": 0},
        ranks={"Ana": ["r"], "Bo": ["p"]},
    )

    assert sorted(student for student, _, _ in result.pairs) == ["Ana", "Ana"]
    assert "r" in {paper for _, _, paper in result.pairs}
    assert result.unsatisfied == []


def test_assignment_solve_of_nothing_is_empty_and_a_closed_week_is_no_week():
    assert solve(students=[], papers=[], weeks=[], ranks={}).pairs == []
    closed = solve(students=["Ana"], papers=["p"], weeks=[1], capacity={1: 0}, ranks={})
    assert (closed.pairs, closed.unsatisfied) == ([], ["1 student has no feasible week: Ana"])
    no_paper = solve(students=["Ana"], papers=[], ranks={})
    assert no_paper.unsatisfied == [
        "1 presentation could not be placed: the pool has 0 papers for 1 presentation (Ana)"
    ]


def test_assignment_solve_refuses_a_student_listed_twice():
    with pytest.raises(ValueError, match=r"^Each student must be listed once: Ana\.$"):
        solve(students=["Ana", "Ana"], papers=["p"], ranks={})


def random_instance(rng: random.Random, *, students: int, papers: int, weeks: int, per_student: int):
    names = [f"s{i}" for i in range(students)]
    pool = [f"p{i}" for i in range(papers)]
    week_keys = list(range(weeks))
    return {
        "students": names,
        "papers": pool,
        "weeks": week_keys,
        "capacity": {w: rng.randint(0, 3) for w in week_keys},
        "per_student": per_student,
        "ranks": {s: rng.sample(pool, rng.randint(0, papers)) for s in names},
        "unavailable": {s: {w for w in week_keys if rng.random() < 0.3} for s in names},
    }


def test_assignment_solve_is_reproducible_and_ties_follow_the_seed():
    instance = random_instance(random.Random(5), students=30, papers=20, weeks=10, per_student=1)

    runs = {seed: assignment_solve(**instance, seed=seed) for seed in range(6)}

    assert assignment_solve(**instance, seed=3).pairs == runs[3].pairs
    assert len({result.score for result in runs.values()}) == 1  # every seed finds the optimum
    assert len({tuple(result.pairs) for result in runs.values()}) > 1  # ties broken differently


def test_assignment_solve_breaks_a_perfect_tie_either_way_by_seed():
    # Ana and Bo want only p: who gets it is the seed's choice alone, never the order of the input.
    winners = {
        seed: next(
            student
            for student, _, paper in solve(
                students=["Ana", "Bo"], papers=["p", "q"], ranks={"Ana": ["p"], "Bo": ["p"]}, seed=seed
            ).pairs
            if paper == "p"
        )
        for seed in range(12)
    }

    assert set(winners.values()) == {"Ana", "Bo"}


@pytest.mark.parametrize("per_student", [1, 2])
def test_assignment_solve_matches_brute_force_on_random_small_instances(per_student):
    rng = random.Random(14 + per_student)
    for _ in range(50):
        instance = random_instance(
            rng,
            students=rng.randint(1, 3),
            papers=rng.randint(1, 5),
            weeks=rng.randint(1, 3),
            per_student=per_student,
        )

        result = assignment_solve(**instance, seed=rng.randrange(1000))

        assert (len(result.pairs), result.score) == brute_force(**instance), instance
        assert (
            rules_broken(result, **{k: v for k, v in instance.items() if k not in ("students", "ranks")})
            == []
        )


# The database side: a term's sign-up read, proposed and applied.


def signup_term(*, students: int, weeks: int = 2, capacity: int = 1, papers: int = 3, per_student: int = 1):
    """A preferences sign-up: open weeks, approved papers, students ranking the pool in order."""
    term = TermFactory()
    signup = Signup.objects.create(
        term=term,
        mode=SignupMode.PREFERENCES,
        deadline=timezone.now(),
        presentations_per_student=per_student,
        seed=7,
    )
    week_rows = [WeekFactory(term=term) for _ in range(weeks)]
    for week in week_rows:
        Slot.objects.create(week=week, capacity=capacity)
    pool = [PoolPaper.objects.create(term=term, paper=PaperFactory()) for _ in range(papers)]
    PoolPaper.objects.create(term=term, paper=PaperFactory(), status=PoolPaper.Status.SUGGESTED)
    presenters = []
    for index in range(students):
        presenter = PresenterFactory()
        preference = Preference.objects.create(signup=signup, presenter=presenter)
        preference.unavailable_weeks.set(week_rows[:1] if index == 0 else [])
        for rank, entry in enumerate(pool, start=1):
            RankedPaper.objects.create(preference=preference, pool_paper=entry, rank=rank)
        presenters.append(presenter)
    return signup, week_rows, [entry.paper for entry in pool], presenters


@pytest.mark.django_db
def test_assignment_propose_reads_the_sign_up_s_rows():
    signup, weeks, papers, (ana, _) = signup_term(students=2)

    result = assignment_propose(signup=signup)

    # Both rank the pool in the same order; Ana cannot make the first week. The suggested paper is out.
    assert {week for _, week, _ in result.pairs} == set(weeks)
    assert next(week for student, week, _ in result.pairs if student == ana) == weeks[1]
    assert {paper for _, _, paper in result.pairs} == set(papers[:2])
    assert result.score == 3 + 2
    assert result.unsatisfied == []


@pytest.mark.django_db
@pytest.mark.parametrize("students", [1, 4])
def test_assignment_propose_reads_in_seven_queries(students, django_assert_num_queries):
    signup, weeks, *_ = signup_term(students=students, weeks=3, capacity=2, papers=6)
    row = PresentationFactory(week=weeks[2], paper=PaperFactory())  # a row of the term: one more place taken
    row.presenters.add(PresenterFactory())

    # slots with weeks, approved pool with papers, preferences with presenters, ranked, unavailable,
    # the term's rows, their presenters in open weeks
    with django_assert_num_queries(7):
        result = assignment_propose(signup=signup)

    assert len(result.pairs) == students


@pytest.mark.django_db
def test_assignment_apply_writes_the_rows_shown_on_the_week_pages(client):
    signup, weeks, papers, (ana, bo) = signup_term(students=2, capacity=2)
    pairs = [(bo, weeks[0], papers[0]), (ana, weeks[1], papers[1])]
    PresentationFactory(week=weeks[0], order=1)  # a row the instructor added before: one place left

    created = assignment_apply(signup=signup, pairs=pairs)

    assert [(row.week, row.order, row.paper) for row in created] == [
        (weeks[0], 2, papers[0]),
        (weeks[1], 1, papers[1]),
    ]
    assert [list(row.presenters.all()) for row in created] == [[bo], [ana]]
    page = client.get(weeks[0].get_absolute_url()).content.decode()
    assert papers[0].title in page
    assert bo.name in page


@pytest.mark.django_db
def test_assignment_apply_refuses_pairs_that_break_the_rules_and_writes_nothing():
    signup, weeks, papers, (ana, bo) = signup_term(students=2)
    suggested = PoolPaper.objects.get(status=PoolPaper.Status.SUGGESTED).paper
    pairs = [(bo, weeks[1], papers[0]), (ana, weeks[0], papers[1]), (bo, weeks[1], suggested)]

    with pytest.raises(ValidationError) as refused:
        assignment_apply(signup=signup, pairs=pairs)

    # Sorted: the messages follow the weeks' dates, which the factories do not fix.
    assert sorted(refused.value.messages) == sorted(
        [
            f"{suggested} is not an approved paper of the pool.",
            f"{weeks[1]} takes 1 presentation, not 2.",
            f"{bo} is assigned 2 times in {weeks[1]}.",
            f"{ana} cannot make {weeks[0]}.",
            f"{bo} is assigned 2 presentations; each student gives 1.",
        ]
    )
    assert Presentation.objects.count() == 0
    assert PresentationPresenter.objects.count() == 0


@pytest.mark.django_db
def test_assignment_apply_twice_is_refused():
    signup, weeks, papers, (ana, bo) = signup_term(students=2)
    pairs = [(bo, weeks[0], papers[0]), (ana, weeks[1], papers[1])]
    assignment_apply(signup=signup, pairs=pairs)

    with pytest.raises(ValidationError) as refused:
        assignment_apply(signup=signup, pairs=pairs)

    # Sorted: the messages follow the weeks' dates, which the factories do not fix.
    assert sorted(refused.value.messages) == sorted(
        [
            f"{weeks[0]} takes 1 presentation, not 2 (1 already).",
            f"{weeks[1]} takes 1 presentation, not 2 (1 already).",
            f"{bo} is assigned 2 presentations (1 already); each student gives 1.",
            f"{ana} is assigned 2 presentations (1 already); each student gives 1.",
            f"{papers[0]} already has a row in {weeks[0]}.",
            f"{papers[1]} already has a row in {weeks[1]}.",
        ]
    )
    assert Presentation.objects.count() == 2


@pytest.mark.django_db
def test_assignment_apply_counts_the_rows_an_earlier_apply_created():
    signup, weeks, papers, (ana, bo) = signup_term(students=2)
    assignment_apply(signup=signup, pairs=[(bo, weeks[1], papers[0])])

    with pytest.raises(ValidationError) as refused:
        assignment_apply(signup=signup, pairs=[(bo, weeks[0], papers[1]), (ana, weeks[1], papers[2])])

    # Sorted: the messages follow the weeks' dates, which the factories do not fix.
    assert sorted(refused.value.messages) == sorted(
        [
            f"{weeks[1]} takes 1 presentation, not 2 (1 already).",
            f"{bo} is assigned 2 presentations (1 already); each student gives 1.",
        ]
    )
    assert Presentation.objects.count() == 1


@pytest.mark.django_db
def test_assignment_propose_after_an_apply_leaves_out_its_papers_places_and_students():
    signup, weeks, papers, (ana, bo, cy) = signup_term(students=3, weeks=3, capacity=1, papers=4)
    assignment_apply(signup=signup, pairs=[(bo, weeks[1], papers[0])])

    result = assignment_propose(signup=signup)

    # Ana cannot make weeks[0]; weeks[1] is full; Bo presents already; papers[0] is taken.
    assert [(student, week) for student, week, _ in result.pairs] == [(cy, weeks[0]), (ana, weeks[2])]
    assert {paper for _, _, paper in result.pairs} == {papers[1], papers[2]}
    assignment_apply(signup=signup, pairs=result.pairs)
    assert Presentation.objects.count() == 3


@pytest.mark.django_db
def test_assignment_apply_of_a_proposal_succeeds():
    signup, *_ = signup_term(students=3, weeks=2, capacity=2, papers=4)

    proposal = assignment_propose(signup=signup)
    created = assignment_apply(signup=signup, pairs=proposal.pairs)

    assert sorted((row.week_id, row.paper_id) for row in created) == sorted(
        (week.pk, paper.pk) for _, week, paper in proposal.pairs
    )
    assert PresentationPresenter.objects.count() == 3
