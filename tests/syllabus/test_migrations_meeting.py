"""Migration 0004 gives every existing week its own calendar UID."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("syllabus", "0003_single_line_names_and_markdown_depth")]
AFTER = [("syllabus", "0004_meeting_time_and_place")]


@pytest.mark.django_db(transaction=True)
def test_existing_weeks_get_distinct_uids_and_no_times():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    term = old.get_model("syllabus", "Term").objects.create(
        name="Old", slug="old", start_date=datetime.date(2017, 9, 1), end_date=datetime.date(2017, 12, 15)
    )
    Week = old.get_model("syllabus", "Week")
    for number in range(3):
        Week.objects.create(term=term, position=number + 1, title=f"W{number}", slug=f"w{number}",
                            date=datetime.date(2017, 9, 5 + 7 * number))  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    weeks = list(new.get_model("syllabus", "Week").objects.values_list("uuid", "starts_at"))

    assert len({uid for uid, _ in weeks}) == 3
    assert all(uid is not None and starts is None for uid, starts in weeks)  # imported: all-day events
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
