"""Tags written by name: found ignoring case, the missing ones created in one statement."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from syllabus.models import Tag
from syllabus.services import tags_get_or_create
from tests.conftest import count_queries
from tests.factories import TagFactory


@pytest.mark.django_db
def test_missing_tags_are_created_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    TagFactory(name="Graphs", slug="graphs")
    names = ["graphs", *(f"topic {number}" for number in range(60))]

    # existing tags by name; slugs in use; one insert; the new rows read back
    with django_assert_max_num_queries(4):
        tags = tags_get_or_create(names=names)

    assert [tag.name for tag in tags] == ["Graphs", *(f"topic {number}" for number in range(60))]
    assert Tag.objects.count() == 61
    assert len({tag.pk for tag in tags}) == 61


@pytest.mark.django_db
def test_known_tags_cost_one_query():
    TagFactory(name="Graphs")

    assert count_queries(lambda: tags_get_or_create(names=["GRAPHS", " graphs "])) == 1


@pytest.mark.django_db
def test_new_tags_keep_the_first_spelling_and_get_free_slugs():
    TagFactory(name="C", slug="c")

    tags = tags_get_or_create(names=["C++", "c#", "C#", "Deep  Learning", "", "   "])

    assert [(tag.name, tag.slug) for tag in tags] == [
        ("C++", "c-2"),
        ("c#", "c-3"),
        ("Deep Learning", "deep-learning"),
    ]
    assert sorted(Tag.objects.values_list("slug", flat=True)) == ["c", "c-2", "c-3", "deep-learning"]


@pytest.mark.django_db
def test_names_from_an_import_are_made_one_line():
    [tag] = tags_get_or_create(names=["Graph\nNeural\x0bNetworks"])

    assert (tag.name, tag.slug) == ("Graph Neural Networks", "graph-neural-networks")


@pytest.mark.django_db(transaction=True)
def test_two_requests_creating_the_same_tag_at_once_both_get_it():
    """One request inserts the tag and holds its transaction open while the other tries the same name."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL")
    inserted, results, errors = threading.Event(), {}, []

    def first():
        try:
            with transaction.atomic():
                results["first"] = tags_get_or_create(names=["Transformers"])[0].pk
                inserted.set()
                time.sleep(0.5)  # the second request is now blocked on our uncommitted row
        except Exception as error:  # reported below: an exception in a thread would pass silently
            errors.append(error)
            inserted.set()
        finally:
            connections.close_all()

    def second():
        inserted.wait()
        try:
            with transaction.atomic():
                results["second"] = tags_get_or_create(names=["transformers", "Attention"])[0].pk
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert results["first"] == results["second"]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Attention", "Transformers"]
