"""The page benchmark's archive (bench/archive.py) holds what it promises, here at a small scale."""

import pytest

from bench.archive import archive_generate, archive_sizes
from papers.models import Paper, SlideDeck
from presenters.models import Presenter
from syllabus.models import Category, Presentation, Tag, Term, Week
from syllabus.search import search


def test_archive_sizes_at_full_scale_are_the_issue_s():
    assert archive_sizes() == {
        "terms": 40,
        "weeks": 1_000,
        "rows": 3_000,
        "papers": 10_000,
        "presenters": 500,
        "decks": 2_000,
    }


@pytest.mark.django_db
def test_archive_generate_makes_the_requested_counts_all_public():
    made = archive_generate(scale=0.02)

    sizes = archive_sizes(0.02)
    assert sizes == {"terms": 1, "weeks": 25, "rows": 75, "papers": 200, "presenters": 10, "decks": 40}
    assert made == {**sizes, "tags": 40, "categories": 8}
    assert {
        "terms": Term.objects.published().count(),
        "weeks": Week.objects.published().count(),
        "rows": Presentation.objects.filter(week__is_published=True).count(),
        "papers": Paper.objects.count(),
        "presenters": Presenter.objects.public().count(),
        "decks": SlideDeck.objects.shown_publicly().count(),
        "tags": Tag.objects.count(),
        "categories": Category.objects.count(),
    } == made
    # Every row reads its own paper; those papers are the public ones.
    assert Paper.objects.public().count() == 75
    assert set(Week.objects.values_list("presentations__order", flat=True)) == {1, 2, 3}


@pytest.mark.django_db
def test_archive_generate_writes_abstracts_that_search_finds():
    archive_generate(scale=0.02)

    lengths = [len(abstract) for abstract in Paper.objects.values_list("abstract", flat=True)]
    assert min(lengths) >= 990 and max(lengths) < 1_200  # about 1,000 characters each
    found = search("attention").papers
    assert found
    assert all("attention" in f"{paper.title} {paper.abstract}".lower() for paper in found)
    assert search("qwzxvy").count == 0
