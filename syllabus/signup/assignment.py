"""The assignment of students to (week, paper) in preferences mode, by one linear sum assignment.

The problem. Each student needs `per_student` presentations. A presentation is a (week, paper): a
week takes at most `capacity[week]` presentations, a paper is presented at most once, a student is
never placed in a week they marked unavailable, and a student presents at most once per week (our
choice: two talks by one person in one session is what the rule "n presentations each" is meant to
spread out). The objective, in this order:
1. as many presentations as possible (everyone presents, even with a paper they did not rank);
2. the highest preference score: a paper at rank r scores L - r + 1, where L is the longest ranking
   any student sent (so everyone's first choice is worth L, and ranking more papers buys no
   priority); an unranked paper scores 0 but is allowed;
3. ties broken by a seeded shuffle (below).

Why one assignment is exact. The problem is a min-cost flow along paths
    place of week w  →  (student s in week w)  →  one of s's presentations  →  paper p
where the week's places model its capacity, the middle node "s in week w" carries at most one
presentation (once per week), the student has `per_student` presentation nodes and a paper takes one
presentation. Every node carries at most one unit, so splitting each into an "in" column and an "out"
row, with an edge from a node's row to its own column meaning "unused", turns the node-disjoint paths
into a perfect matching of a square matrix (the textbook reduction; the graph has no cycles, so
every matching is a set of paths). Dummy rows and columns let any place and any paper stay unused.
A presentation node's row reaches a paper at cost -(BIG + score): BIG exceeds any total score, so the
number of presentations counts first and the score second. `linear_sum_assignment` finds a minimum of
this exact model: the result is optimal for (1) then (2), not a heuristic. When places or papers are
scarce, it is the score that decides who is left out, which is as fair as the objective gets.

The node "s in week w" is only needed where a student has several presentations and a week several
places; otherwise a place links to the student's presentations directly. So with one presentation
each, the matrix has (places + students + papers) rows: 470 for 200 students, 60 papers and 30 weeks
of 7 places (tens of ms, 2 MB; bench/assignment.py). With two presentations each and weeks of several
places it grows with students times weeks: about 6,400 rows for 200 students and 30 weeks of 14, under
a second but 355 MB for the dense matrix. Fine for a class, not for thousands.

Ties. Rows and columns are shuffled by numpy.random.default_rng(seed) before solving, so which of
several optimal assignments comes out depends on the seed alone, not on names or ids: the same input
(same order of students, weeks and papers) and seed always give the same pairs; another seed may give
another assignment with the same score.

`assignment_solve` is pure (any hashable students, weeks and papers). `assignment_propose` reads a
sign-up's rows and solves; `assignment_apply` checks pairs against the rules and writes the rows.
"""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from scipy.optimize import linear_sum_assignment

from syllabus.history import history_batch
from syllabus.models import Presentation, PresentationPresenter, Week
from syllabus.services import presentation_set_presenters, row_lock, week_next_order
from syllabus.signup.models import PoolPaper, Preference, Signup
from syllabus.signup.services import slots_claimable

Student = Hashable
WeekKey = Hashable
Paper = Hashable


@dataclass
class Assignment:
    """A proposed assignment: (student, week, paper) in week order, its score, what it could not do."""

    pairs: list[tuple[Student, WeekKey, Paper]]
    score: int
    unsatisfied: list[str] = field(default_factory=list)


def paper_scores(*, ranks: Mapping[Student, Sequence[Paper]], papers: Iterable[Paper]) -> dict:
    """{(student, paper): score} for ranked papers of `papers` (L - rank + 1, L the longest ranking)."""
    known = set(papers)
    cleaned = {s: list(dict.fromkeys(p for p in ranked if p in known)) for s, ranked in ranks.items()}
    longest = max((len(ranked) for ranked in cleaned.values()), default=0)
    return {
        (student, paper): longest - rank
        for student, ranked in cleaned.items()
        for rank, paper in enumerate(ranked)
    }


def assignment_solve(
    *,
    students: Sequence[Student],
    papers: Sequence[Paper],
    weeks: Sequence[WeekKey],
    capacity: Mapping[WeekKey, int],
    per_student: int | Mapping[Student, int],
    ranks: Mapping[Student, Sequence[Paper]],
    unavailable: Mapping[Student, Iterable[WeekKey]],
    seed: int,
) -> Assignment:
    """An optimal assignment (see the module docstring); `ranks` lists each student's papers, best first."""
    _check_unique(students, "student")
    _check_unique(papers, "paper")
    _check_unique(weeks, "week")
    needs = {s: per_student[s] if isinstance(per_student, Mapping) else per_student for s in students}
    places = {w: capacity[w] for w in weeks}
    if any(n < 0 for n in needs.values()) or any(c < 0 for c in places.values()):
        raise ValueError("Capacities and presentations per student cannot be negative.")
    away = {s: set(unavailable.get(s, ())) for s in students}
    can_make = {s: [w for w in weeks if places[w] > 0 and w not in away[s]] for s in students}
    scores = paper_scores(ranks=ranks, papers=papers)

    # Nodes, each with a row ("out") and a column ("in"). Places and papers have one side each; the
    # dummies give an unused place a column and an unused paper a row.
    place_rows = [w for w in weeks for _ in range(places[w])]
    copies = [(s, i) for s in students for i in range(min(needs[s], len(can_make[s])))]
    in_week = [(s, w) for s in students for w in can_make[s] if needs[s] > 1 and places[w] > 1]
    n_places, n_in_week, n_copies, n_papers = len(place_rows), len(in_week), len(copies), len(papers)
    size = n_places + n_in_week + n_copies + n_papers
    # Row offsets: places, in_week, copies, paper dummies. Column offsets: in_week, copies, papers,
    # place dummies.
    row_in_week, row_copy, row_paper_dummy = n_places, n_places + n_in_week, n_places + n_in_week + n_copies
    col_copy, col_paper, col_place_dummy = n_in_week, n_in_week + n_copies, n_in_week + n_copies + n_papers

    big = (max(scores.values(), default=0) * max(n_copies, 1)) + 1
    # The matrix is built already shuffled (entry [i, j] of the model at [row_at[i], col_at[j]]): the
    # shuffle decides ties, and building it in place spares a second copy of a large matrix.
    rng = np.random.default_rng(seed)
    row_order, col_order = rng.permutation(size), rng.permutation(size)
    row_at, col_at = np.argsort(row_order), np.argsort(col_order)
    cost = np.full((size, size), np.inf)

    def allow(rows, cols, value=0) -> None:
        rows, cols = np.atleast_1d(rows).astype(np.intp), np.atleast_1d(cols).astype(np.intp)
        cost[np.ix_(row_at[rows], col_at[cols])] = value

    copy_cols = defaultdict(list)
    for index, (student, _) in enumerate(copies):
        copy_cols[student].append(col_copy + index)
    places_of = defaultdict(list)
    for index, week in enumerate(place_rows):
        places_of[week].append(index)
        allow(index, col_place_dummy + index)  # the place stays empty
    in_week_index = {pair: index for index, pair in enumerate(in_week)}
    for student in students:
        for week in can_make[student]:
            middle = in_week_index.get((student, week))
            if middle is None:
                allow(places_of[week], copy_cols[student])
            else:
                allow(places_of[week], middle)
                allow(row_in_week + middle, middle)  # the student is not in this week
                allow(row_in_week + middle, copy_cols[student])
    for index, (student, _) in enumerate(copies):
        allow(row_copy + index, col_copy + index)  # this presentation is not placed
        values = [-(big + scores.get((student, paper), 0)) for paper in papers]
        allow(row_copy + index, np.arange(col_paper, col_paper + n_papers), [values])
    for index in range(n_papers):
        allow(row_paper_dummy + index, col_paper + index)  # the paper stays unpresented
        allow(row_paper_dummy + index, np.arange(col_place_dummy, size))

    rows, cols = linear_sum_assignment(cost)
    match = dict(zip(row_order[rows].tolist(), col_order[cols].tolist(), strict=True))

    # Follow each placed presentation back to its place: paper from its row, week from its column.
    reached_by = {col: row for row, col in match.items()}
    pairs = []
    for index, (student, _) in enumerate(copies):
        col = match[row_copy + index]
        if col < col_paper:
            continue  # matched to itself: not placed
        came_from = reached_by[col_copy + index]
        if came_from >= row_in_week:  # through "student in week"
            came_from = reached_by[came_from - row_in_week]
        pairs.append((student, place_rows[came_from], papers[col - col_paper]))
    week_position = {w: i for i, w in enumerate(weeks)}
    student_position = {s: i for i, s in enumerate(students)}
    pairs.sort(key=lambda pair: (week_position[pair[1]], student_position[pair[0]]))
    score = sum(scores.get((student, paper), 0) for student, _, paper in pairs)
    return Assignment(
        pairs=pairs,
        score=score,
        unsatisfied=_unsatisfied(
            students=students, needs=needs, can_make=can_make, pairs=pairs, ranks=ranks, scores=scores,
            n_papers=n_papers,
        ),
    )  # fmt: skip


def _check_unique(items: Sequence, noun: str) -> None:
    twice = [item for item, times in Counter(items).items() if times > 1]
    if twice:
        raise ValueError(f"Each {noun} must be listed once: {_names(twice)}.")


def _names(items: Iterable, shown: int = 10) -> str:
    """The first `shown` names, then how many more: a message for 200 students stays readable."""
    names = [str(item) for item in items]
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _unsatisfied(*, students, needs, can_make, pairs, ranks, scores, n_papers) -> list[str]:
    """Human messages for what the assignment could not give."""
    messages = []
    got = Counter(student for student, _, _ in pairs)
    no_week = [s for s in students if needs[s] and not can_make[s]]
    if no_week:
        verb = "has" if len(no_week) == 1 else "have"
        messages.append(
            f"{_count(len(no_week), 'student', 'students')} {verb} no feasible week: {_names(no_week)}"
        )
    short = {s: needs[s] - got[s] for s in students if can_make[s] and got[s] < needs[s]}
    if short:
        missing = sum(short.values())
        wanted = sum(needs[s] for s in students if can_make[s])
        if len(pairs) == n_papers < wanted:
            reason = f"the pool has {_count(n_papers, 'paper', 'papers')} for {_count(wanted, 'presentation', 'presentations')}"
        else:
            reason = "not enough places in the weeks they can make"
        who = _names(f"{s} ({n} missing)" if n > 1 else str(s) for s, n in short.items())
        messages.append(
            f"{_count(missing, 'presentation', 'presentations')} could not be placed: {reason} ({who})"
        )
    unranked = [
        s
        for s in students
        if got[s] and any((s, p) in scores for p in ranks.get(s, ()))
        and not any((s, p) in scores for student, _, p in pairs if student == s)
    ]  # fmt: skip
    if unranked:
        messages.append(
            f"{_count(len(unranked), 'student', 'students')} got no paper they ranked: {_names(unranked)}"
        )
    return messages


# The database side.


@dataclass
class SignupInputs:
    """What the assignment of a sign-up reads: open weeks, approved papers, students' preferences, and
    the rows the term has already (an assignment applied before, rows the instructor added)."""

    weeks: list[Week]
    capacity: dict[Week, int]
    papers: list  # papers.Paper of the approved pool entries
    students: list  # presenters.Presenter who sent preferences
    ranks: dict
    unavailable: dict
    rows_in_week: Counter = field(default_factory=Counter)  # week id: rows of that open week
    rows_of_presenter: Counter = field(
        default_factory=Counter
    )  # presenter id: rows crediting them in open weeks
    papers_with_rows: set = field(default_factory=set)  # paper ids that have a row in the term

    def filled(self, weeks: Iterable[Week]) -> dict:
        return {week: self.rows_in_week[week.pk] for week in weeks}

    def held(self, students: Iterable) -> dict:
        return {student: self.rows_of_presenter[student.pk] for student in students}


def signup_inputs(*, signup: Signup) -> SignupInputs:
    """The sign-up's open slots, approved pool papers, preferences and existing rows, in seven queries
    however many."""
    slots = list(slots_claimable(term_id=signup.term_id).select_related("week"))
    week_ids = [slot.week_id for slot in slots]
    pool = list(
        PoolPaper.objects.filter(term_id=signup.term_id, status=PoolPaper.Status.APPROVED)
        .select_related("paper")
        .order_by("id")
    )
    preferences = list(
        Preference.objects.filter(signup=signup)
        .select_related("presenter")
        .prefetch_related("ranked", "unavailable_weeks")
        .order_by("id")
    )
    rows = list(Presentation.objects.filter(week__term_id=signup.term_id).values_list("week_id", "paper_id"))
    credits = PresentationPresenter.objects.filter(presentation__week_id__in=week_ids).values_list(
        "presenter_id", flat=True
    )
    open_week_ids = set(week_ids)
    paper_of_entry = {entry.pk: entry.paper for entry in pool}
    return SignupInputs(
        weeks=[slot.week for slot in slots],
        capacity={slot.week: slot.capacity for slot in slots},
        papers=[entry.paper for entry in pool],
        students=[preference.presenter for preference in preferences],
        ranks={
            # A paper withdrawn from the pool since it was ranked no longer counts.
            preference.presenter: [
                paper_of_entry[ranked.pool_paper_id]
                for ranked in preference.ranked.all()
                if ranked.pool_paper_id in paper_of_entry
            ]
            for preference in preferences
        },
        unavailable={
            preference.presenter: set(preference.unavailable_weeks.all()) for preference in preferences
        },
        rows_in_week=Counter(week_id for week_id, _ in rows if week_id in open_week_ids),
        rows_of_presenter=Counter(credits),
        papers_with_rows={paper_id for _, paper_id in rows if paper_id is not None},
    )


def assignment_propose(*, signup: Signup) -> Assignment:
    """An optimal assignment of the sign-up's students (those who sent preferences), not saved.

    Rows the term already has count: a paper with a row is not proposed again, a week's rows take its
    places, and a student's rows in the open weeks count towards their presentations.
    """
    inputs = signup_inputs(signup=signup)
    limit = signup.presentations_per_student
    return assignment_solve(
        students=inputs.students,
        papers=[paper for paper in inputs.papers if paper.pk not in inputs.papers_with_rows],
        weeks=inputs.weeks,
        capacity={
            week: max(places - inputs.rows_in_week[week.pk], 0) for week, places in inputs.capacity.items()
        },
        per_student={s: max(limit - held, 0) for s, held in inputs.held(inputs.students).items()},
        ranks=inputs.ranks,
        unavailable=inputs.unavailable,
        seed=signup.seed,
    )


def assignment_problems(
    *,
    pairs: Sequence[tuple[Student, WeekKey, Paper]],
    weeks: Sequence[WeekKey],
    capacity: Mapping[WeekKey, int],
    papers: Iterable[Paper],
    per_student: int,
    unavailable: Mapping[Student, Iterable[WeekKey]],
    filled: Mapping[WeekKey, int] | None = None,
    held: Mapping[Student, int] | None = None,
) -> list[str]:
    """What in `pairs` breaks a rule of the sign-up (an edited proposal, say); empty when none.

    `filled` counts the rows each week has already and `held` the presentations each student gives
    already: they count against the week's places and the student's presentations.
    """
    filled, held = filled or {}, held or {}
    problems = []
    open_weeks, known = set(weeks), set(papers)
    for week in dict.fromkeys(w for _, w, _ in pairs if w not in open_weeks):
        problems.append(f"{week} is not open for sign-up.")
    for paper in dict.fromkeys(p for _, _, p in pairs if p not in known):
        problems.append(f"{paper} is not an approved paper of the pool.")
    for paper, times in Counter(p for _, _, p in pairs).items():
        if times > 1:
            problems.append(f"{paper} is assigned {times} times.")
    for week, times in Counter(w for _, w, _ in pairs).items():
        before = filled.get(week, 0)
        if week in open_weeks and times + before > capacity[week]:
            already = f" ({before} already)" if before else ""
            problems.append(
                f"{week} takes {_count(capacity[week], 'presentation', 'presentations')}, not {times + before}{already}."
            )
    for (student, week), times in Counter((s, w) for s, w, _ in pairs).items():
        if week in set(unavailable.get(student, ())):
            problems.append(f"{student} cannot make {week}.")
        if times > 1:
            problems.append(f"{student} is assigned {times} times in {week}.")
    for student, times in Counter(s for s, _, _ in pairs).items():
        before = held.get(student, 0)
        if times + before > per_student:
            already = f" ({before} already)" if before else ""
            problems.append(
                f"{student} is assigned {times + before} presentations{already}; each student gives {per_student}."
            )
    return problems


def assignment_apply(*, signup: Signup, pairs: Sequence[tuple]) -> list[Presentation]:
    """Write the pairs (presenter, week, paper) as rows of their weeks, in one transaction.

    Each becomes a row appended to its week's table with the paper, crediting the presenter. Pairs
    that break a rule (see `assignment_problems`), or a paper that already has a row in the term (an
    assignment applied twice), raise ValidationError listing every problem, and nothing is written.
    Returns the new rows.
    """
    with transaction.atomic():
        row_lock(row=signup)  # two instructors applying at once: the second sees the first's rows
        inputs = signup_inputs(signup=signup)
        problems = assignment_problems(
            pairs=pairs,
            weeks=inputs.weeks,
            capacity=inputs.capacity,
            papers=inputs.papers,
            per_student=signup.presentations_per_student,
            unavailable=inputs.unavailable,
            filled=inputs.filled({week for _, week, _ in pairs}),
            held=inputs.held({presenter for presenter, _, _ in pairs}),
        )
        taken = Presentation.objects.filter(
            week__term_id=signup.term_id, paper__in=[paper for _, _, paper in pairs]
        ).select_related("paper", "week")
        problems += [f"{row.paper} already has a row in {row.week}." for row in taken]
        if problems:
            raise ValidationError(problems)
        position = {week: index for index, week in enumerate(inputs.weeks)}
        created = []
        with history_batch():
            for presenter, week, paper in sorted(pairs, key=lambda pair: position[pair[1]]):
                row = Presentation.objects.create(week=week, order=week_next_order(week=week), paper=paper)
                presentation_set_presenters(presentation=row, presenters=[presenter])
                created.append(row)
        return created
