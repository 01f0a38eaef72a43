"""The stored search documents follow every kind of write (on PostgreSQL through triggers; on
SQLite the fallback reads the live rows, so these tests hold there too) and the GIN index is used."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from papers.merging import papers_merge
from papers.models import Paper
from syllabus.models import Term, Week
from syllabus.scheduling import term_copy
from syllabus.search import paper_ids_matching, ranked_papers, ranked_weeks
from tests.factories import PaperFactory, TagFactory, TermFactory, WeekFactory
from tests.syllabus.test_import_jekyll import post as jekyll_post
from tests.syllabus.test_import_jekyll import run_import, write_site

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL stores search documents in a GIN index"
)


def found(query: str) -> list[str]:
    """Titles of every paper (public or not) the search finds."""
    return sorted(Paper.objects.filter(pk__in=paper_ids_matching(query)).values_list("title", flat=True))


def weeks_found(query: str) -> list[str]:
    """Titles of the published weeks the search finds."""
    return sorted(week.title for week in ranked_weeks(query))


def test_search_follows_papers_saved_and_updated():
    paper = PaperFactory(title="Dropout", authors="Nitish Srivastava", abstract="Regularising nets.")
    PaperFactory(title="Adam", abstract="")

    paper.title, paper.abstract = "Batch normalization", "Covariate shift."
    paper.save()
    Paper.objects.filter(title="Adam").update(abstract="A stochastic optimizer.")

    assert found("dropout") == []
    assert found("regularising") == []
    assert found("covariate") == ["Batch normalization"]
    assert found("srivastava") == ["Batch normalization"]
    assert found("stochastic") == ["Adam"]


def test_search_finds_a_week_by_its_intro_as_by_its_body():
    week = WeekFactory(title="Session one", intro="Readings on *transformers*.", body="Notes on dropout.")
    WeekFactory(title="Session two", body="Nothing else.")

    assert weeks_found("transformers") == ["Session one"]
    Week.objects.filter(pk=week.pk).update(intro="Readings on diffusion.")
    assert weeks_found("transformers") == []
    assert weeks_found("diffusion") == weeks_found("dropout") == ["Session one"]


def test_search_follows_a_save_of_other_fields_after_a_tag_was_added():
    paper = PaperFactory(title="Dropout")
    stale = Paper.objects.get(pk=paper.pk)
    paper.tags.add(TagFactory(name="Regularization"))

    stale.year = 2014
    stale.save()  # an instance loaded before the tag came

    assert found("regularization") == ["Dropout"]


def test_search_follows_tags_added_and_removed_from_either_side():
    dropout, adam = PaperFactory(title="Dropout"), PaperFactory(title="Adam")
    week = WeekFactory(title="Training tricks")
    tag = TagFactory(name="Optimization")

    dropout.tags.add(tag)
    tag.papers.add(adam)
    tag.weeks.add(week)
    assert found("optimization") == ["Adam", "Dropout"]
    assert weeks_found("optimization") == ["Training tricks"]

    tag.papers.remove(dropout)
    adam.tags.clear()
    week.tags.set([])
    assert found("optimization") == []
    assert weeks_found("optimization") == []


def test_search_follows_a_tag_renamed_and_deleted():
    paper = PaperFactory(title="Dropout")
    week = WeekFactory(title="Training tricks")
    tag = TagFactory(name="Regularization")
    paper.tags.add(tag)
    week.tags.add(tag)

    tag.name = "Ensembles"
    tag.save()
    assert (found("regularization"), weeks_found("regularization")) == ([], [])
    assert (found("ensembles"), weeks_found("ensembles")) == (["Dropout"], ["Training tricks"])

    tag.delete()
    assert (found("ensembles"), weeks_found("ensembles")) == ([], [])


def test_search_follows_bulk_writes():
    created = Paper.objects.bulk_create(
        [Paper(title="Residual networks", slug="resnet"), Paper(title="Highway networks", slug="highway")]
    )
    Paper.tags.through.objects.bulk_create(
        [Paper.tags.through(paper=created[0], tag=TagFactory(name="Vision"))]
    )
    created[1].title = "Gated networks"
    Paper.objects.bulk_update([created[1]], ["title"])

    assert found("networks") == ["Gated networks", "Residual networks"]
    assert found("highway") == []
    assert found("vision") == ["Residual networks"]


def test_search_finds_what_the_jekyll_import_wrote(tmp_path):
    table = """
        | Presenter | Papers |
        |---|---|
        | Ceyer | [A Closer Look at Memorization in Deep Networks](https://arxiv.org/abs/1706.05394) |
    """
    run_import(write_site(tmp_path / "site", {"2017-09-12-.md": jekyll_post(table, tags="[ InfoMax ]")}))

    assert found("memorization") == ["A Closer Look at Memorization in Deep Networks"]
    assert weeks_found("infomax") == ["Theoretical17 V"]


def test_search_finds_the_merged_paper_by_every_tag():
    keep, other = (
        PaperFactory(title="Attention Is All You Need"),
        PaperFactory(title="Attention is all you need"),
    )
    other.tags.add(TagFactory(name="Transformers"))

    papers_merge(keep=keep, others=[other])

    assert found("transformers") == ["Attention Is All You Need"]


def test_search_finds_weeks_of_a_copied_term_by_title_and_tag():
    term = TermFactory(start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 12, 15))
    week = WeekFactory(term=term, title="Diffusion models", date=datetime.date(2026, 9, 8))
    week.tags.add(TagFactory(name="Generative"))

    copy = term_copy(
        term=term, name="Next", start=datetime.date(2027, 9, 7), keep_papers=True, keep_presenters=True
    )
    Term.objects.filter(pk=copy.pk).update(is_published=True)
    Week.objects.filter(term=copy).update(is_published=True)

    assert [(w.term.name, w.title) for w in ranked_weeks("generative")] == [
        ("Next", "Diffusion models"),
        (term.name, "Diffusion models"),
    ]


def test_search_finds_the_demo_seminar():
    call_command("load_demo")

    assert "Attention Is All You Need" in found("attention")


@postgresql_only
def test_rebuild_search_index_writes_every_document_again():
    PaperFactory(title="Dropout")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE papers_paper DISABLE TRIGGER search_document")
        cursor.execute("UPDATE papers_paper SET search_document = NULL")
        cursor.execute("ALTER TABLE papers_paper ENABLE TRIGGER search_document")
    assert found("dropout") == []

    call_command("rebuild_search_index")
    call_command("rebuild_search_index")

    assert found("dropout") == ["Dropout"]


@postgresql_only
def test_papers_load_without_their_search_document():
    paper = PaperFactory(title="Dropout", authors="Nitish Srivastava")

    with connection.cursor() as cursor:
        cursor.execute("SELECT search_document::text FROM papers_paper WHERE id = %s", [paper.pk])
        assert cursor.fetchone() == ("'dropout':1A 'nitish':2B 'srivastava':3B",)
    assert Paper.objects.get(pk=paper.pk).search_document is None


@postgresql_only
def test_paper_search_uses_the_gin_index_at_a_realistic_size():
    # A realistic table and fresh statistics (ANALYZE sees this transaction's rows): the planner
    # must choose the index on its own, which forcing it with enable_seqscan=off would not show.
    Paper.objects.bulk_create(
        Paper(title=f"Study {number} of pooling", slug=f"study-{number}", abstract="Words " * 150)
        for number in range(3_000)
    )
    PaperFactory(title="Attention Is All You Need")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE papers_paper")

    for plan in (
        ranked_papers("attention").explain(),
        Paper.objects.filter(pk__in=paper_ids_matching("attention")).explain(),
    ):
        assert "Bitmap Index Scan on papers_paper_search_document" in plan
