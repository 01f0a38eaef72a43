"""Time the SQL of a search at 10,000 papers (~1,000-character abstracts) on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/syllabus_search_bench .venv/bin/python bench/search_sql.py

Migrates that (throw-away) database, fills it once through the models with bulk_create (40 terms,
1,000 published weeks, 3,000 rows, 10,000 papers, 200 tags), runs rebuild_search_index, then prints
the SQL time (median of 5) of the search page's queries for a common word and a word with no match.
`--module path/to/search.py` times another version of syllabus/search.py on the same data.
"""

import argparse
import datetime
import importlib.util
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syllabus.settings")
import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from papers.models import Paper  # noqa: E402
from syllabus.models import Presentation, Tag, Term, Week  # noqa: E402

PAPERS, WEEKS, TERMS, ROWS, TAGS = 10_000, 1_000, 40, 3_000, 200
QUERIES = ["attention", "qwertyuiop"]


def fill() -> None:
    rng = random.Random(12)
    vocabulary = [f"{rng.choice('bcdfgklmnprstvz')}{rng.choice('aeiou')}{n:x}lex" for n in range(3_000)]
    vocabulary += ["learning", "network", "model", "training", "graph", "language", "robust", "neural"]

    def text(length: int, *, extra: str = "") -> str:
        words = rng.choices(vocabulary, k=length // 7)
        if extra:
            words.insert(rng.randrange(len(words)), extra)
        return " ".join(words)[:length]

    tags = Tag.objects.bulk_create([Tag(name=f"topic-{n}", slug=f"topic-{n}") for n in range(TAGS)])
    papers = Paper.objects.bulk_create(
        Paper(
            title=text(60, extra="attention" if rng.random() < 0.02 else "").title(),
            slug=f"paper-{n}",
            authors=", ".join(rng.sample(vocabulary, 3)),
            abstract=text(1_000, extra="attention" if rng.random() < 0.08 else ""),
        )
        for n in range(PAPERS)
    )
    Paper.tags.through.objects.bulk_create(
        Paper.tags.through(paper=paper, tag=tag)
        for paper in papers
        for tag in rng.sample(tags, rng.randrange(4))
    )
    terms = Term.objects.bulk_create(
        Term(
            name=f"Term {n}",
            slug=f"term-{n}",
            start_date=datetime.date(1990 + n // 2, 1, 1),
            end_date=datetime.date(1990 + n // 2, 6, 1),
            is_published=True,
        )
        for n in range(TERMS)
    )
    weeks = Week.objects.bulk_create(
        Week(
            term=terms[n % TERMS],
            position=n // TERMS + 1,
            title=text(40).title(),
            slug=f"week-{n}",
            date=terms[n % TERMS].start_date + datetime.timedelta(weeks=n // TERMS),
            body=text(300),
            is_published=True,
        )
        for n in range(WEEKS)
    )
    Presentation.objects.bulk_create(
        Presentation(week=weeks[n % WEEKS], order=n // WEEKS + 1, paper=papers[n]) for n in range(ROWS)
    )
    started = time.perf_counter()
    call_command("rebuild_search_index")
    print(f"rebuild_search_index: {time.perf_counter() - started:.1f} s")


def sql_milliseconds(search, query: str) -> tuple[float, int]:
    runs = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            results = search(query)
        runs.append(sum(float(q["time"]) for q in queries) * 1000)
    return statistics.median(runs), results.count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--module", type=Path, help="Another version of syllabus/search.py to time.")
    arguments = parser.parse_args()
    assert connection.vendor == "postgresql", "Set DATABASE_URL to a throw-away PostgreSQL database."
    call_command("migrate", verbosity=0)
    if not Paper.objects.exists():
        fill()
        with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
            cursor.execute("ANALYZE")
    if arguments.module:
        spec = importlib.util.spec_from_file_location("search_under_test", arguments.module)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    else:
        import syllabus.search as module
    print(f"{Paper.objects.count():,} papers, {Week.objects.count():,} weeks; search from {module.__file__}")
    for query in QUERIES:
        milliseconds, count = sql_milliseconds(module.search, query)
        print(f"  {query!r}: {count} results, {milliseconds:.1f} ms of SQL (median of 5)")


if __name__ == "__main__":
    main()
