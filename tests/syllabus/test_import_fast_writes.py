"""The import's shortcuts (syllabus/importers/fast_writes.py) give what the models' own saves give."""

import pytest
from django.db import transaction

from papers.citation_keys import citation_key_base
from papers.models import Paper
from syllabus.importers import fast_writes, known_rows, loader
from syllabus.models import Tag
from tests.syllabus.test_import_jekyll import run_import, site  # noqa: F401

pytestmark = pytest.mark.django_db


def citation_keys() -> dict[str, str]:
    return dict(Paper.objects.values_list("title", "citation_key"))


def test_citation_keys_are_the_ones_paper_save_chooses(site, monkeypatch):  # noqa: F811
    with transaction.atomic():
        run_import(site, "--no-thumbnails")
        by_import = citation_keys()
        transaction.set_rollback(True)
    assert Paper.objects.count() == 0
    monkeypatch.setattr(loader, "citation_key_assign", lambda paper, taken: None)  # Paper.save chooses
    run_import(site, "--no-thumbnails")
    assert citation_keys() == by_import
    assert all(by_import.values())
    assert len(set(by_import.values())) == len(by_import)


def test_a_key_taken_meanwhile_by_another_writer_loses_no_post(site, monkeypatch):  # noqa: F811
    title = "A Closer Look at Memorization in Deep Networks"
    base = citation_key_base(title=title, authors="Aaron Courville", year=2017)  # as the post gives it
    Paper.objects.create(title="Another paper", citation_key=base)
    load = known_rows.KnownRows.load
    loads = []

    def stale_load():  # the first read misses the key, as if another writer saved it just after
        known = load()
        if not loads:
            known.citation_keys.discard(base)
        loads.append(known)
        return known

    monkeypatch.setattr(known_rows.KnownRows, "load", staticmethod(stale_load))
    output = run_import(site, "--no-thumbnails")
    assert "failed posts: 0" in output
    assert len(loads) == 2  # read afresh after the clash
    paper = Paper.objects.get(title=title)
    assert paper.citation_key == base + "a"


def test_tags_met_before_are_not_asked_for_again(django_assert_num_queries):
    known = {}
    first = fast_writes.tags_known(names=["Graph", " graph ", "RL", ""], known=known)
    assert [tag.name for tag in first] == ["Graph", "RL"]
    with django_assert_num_queries(0):
        again = fast_writes.tags_known(names=["rl", "GRAPH"], known=known)
    assert again == [first[1], first[0]]
    assert fast_writes.tags_known(names=["graph", "New"], known=known)[0] == first[0]
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Graph", "New", "RL"]
