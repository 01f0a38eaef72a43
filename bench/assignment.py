"""How long the sign-up's assignment takes at the issue's size: run by `make bench-assignment` (and `make bench`).

The issue's instance: 200 students, 60 papers, 30 weeks of 7 places, one presentation each, every
student ranking 5 to 10 papers at random and unable to make about 10% of the weeks; seeded, so every
run solves the same instance. With 60 papers only 60 of the 200 can present (a paper is presented
once): the solver still builds and solves the whole model, and reports the other 140. Two more lines
show a pool as large as the class (240 papers: everyone presents) and two presentations each in
weeks of 14 places, the case where the model grows with students times weeks.

Each line gives the median wall time of 5 rounds, the peak of Python's allocations (tracemalloc,
measured in a separate round, numpy's arrays included) and the ratio to a baseline measured in the
same run: a plain linear_sum_assignment of a random 200 x 200 matrix, so that figures from a busy
or a fast machine compare. Not a test: nothing here fails on a slow machine.

Inside Django (no database needed):
    manage.py shell -c "import runpy; runpy.run_path('bench/assignment.py', run_name='__main__')"
"""

import functools
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment

from syllabus.signup.assignment import assignment_solve

ROUNDS = 5
SEED = 14
INSTANCES = [
    # (label, students, papers, weeks, places per week, presentations per student)
    ("issue size", 200, 60, 30, 7, 1),
    ("everyone presents", 200, 240, 30, 7, 1),
    ("two each", 200, 400, 30, 14, 2),
]


def assignment_instance(
    *, students: int, papers: int, weeks: int, capacity: int, per_student: int, seed: int = SEED
) -> dict:
    """The keyword arguments of assignment_solve for a random instance of this size (seeded)."""
    rng = random.Random(seed)
    names = [f"student {number}" for number in range(1, students + 1)]
    pool = [f"paper {number}" for number in range(1, papers + 1)]
    week_numbers = list(range(1, weeks + 1))
    return {
        "students": names,
        "papers": pool,
        "weeks": week_numbers,
        "capacity": dict.fromkeys(week_numbers, capacity),
        "per_student": per_student,
        "ranks": {name: rng.sample(pool, min(rng.randint(5, 10), papers)) for name in names},
        "unavailable": {name: {w for w in week_numbers if rng.random() < 0.1} for name in names},
        "seed": seed,
    }


def median_seconds(action: Callable[[], object], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_megabytes(action: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def baseline_seconds(rounds: int = ROUNDS) -> float:
    """A plain linear_sum_assignment of a random 200 x 200 matrix: this machine's speed, now."""
    matrix = np.random.default_rng(SEED).random((200, 200))
    return median_seconds(lambda: linear_sum_assignment(matrix), rounds)


def main(instances: list[tuple] = INSTANCES, rounds: int = ROUNDS) -> None:
    baseline = baseline_seconds(rounds)
    print(f"bench-assignment baseline: linear_sum_assignment 200x200 random, median {baseline * 1000:.1f} ms")
    for label, students, papers, weeks, capacity, per_student in instances:
        instance = assignment_instance(
            students=students, papers=papers, weeks=weeks, capacity=capacity, per_student=per_student
        )
        solve = functools.partial(assignment_solve, **instance)
        result = solve()  # also warms up: the first call pays for imports
        seconds = median_seconds(solve, rounds)
        peak = peak_megabytes(solve)
        print(
            f"bench-assignment {label}: {students} students x {papers} papers x {weeks} weeks of {capacity} "
            f"places, {per_student} each: median {seconds * 1000:.0f} ms of {rounds}, peak {peak:.1f} MB, "
            f"{seconds / baseline:.0f}x the baseline; {len(result.pairs)} placed, score {result.score}, "
            f"{len(result.unsatisfied)} unsatisfied message(s)"
        )


if __name__ == "__main__":
    main()
