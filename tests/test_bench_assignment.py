"""The assignment benchmark (bench/assignment.py) builds what it promises, here at a small size."""

from bench.assignment import INSTANCES, assignment_instance, main
from syllabus.signup.assignment import assignment_problems, assignment_solve


def test_assignment_instance_has_the_requested_size_and_is_seeded():
    instance = assignment_instance(students=12, papers=8, weeks=4, capacity=3, per_student=1, seed=3)

    assert (len(instance["students"]), len(instance["papers"]), len(instance["weeks"])) == (12, 8, 4)
    assert instance["capacity"] == {1: 3, 2: 3, 3: 3, 4: 3}
    assert all(
        5 <= len(ranked) <= 8 and len(set(ranked)) == len(ranked) for ranked in instance["ranks"].values()
    )
    assert all(weeks <= {1, 2, 3, 4} for weeks in instance["unavailable"].values())
    assert instance == assignment_instance(students=12, papers=8, weeks=4, capacity=3, per_student=1, seed=3)


def test_assignment_instance_solves_within_the_rules():
    instance = assignment_instance(students=12, papers=30, weeks=10, capacity=3, per_student=2, seed=3)

    result = assignment_solve(**instance)

    assert len(result.pairs) == 24  # everyone presents twice
    assert (
        assignment_problems(
            pairs=result.pairs,
            weeks=instance["weeks"],
            capacity=instance["capacity"],
            papers=instance["papers"],
            per_student=2,
            unavailable=instance["unavailable"],
        )
        == []
    )


def test_assignment_benchmark_measures_the_issue_s_size_and_prints_one_line_each(capsys):
    assert INSTANCES[0] == ("issue size", 200, 60, 30, 7, 1)

    main(instances=[("tiny", 6, 4, 3, 2, 1)], rounds=1)

    baseline, tiny = capsys.readouterr().out.splitlines()
    assert baseline.startswith("bench-assignment baseline: linear_sum_assignment 200x200 random, median ")
    assert tiny.startswith(
        "bench-assignment tiny: 6 students x 4 papers x 3 weeks of 2 places, 1 each: median "
    )
    assert tiny.endswith("4 placed, score 16, 1 unsatisfied message(s)")
