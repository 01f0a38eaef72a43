"""How much memory streaming a week's slides as one zip takes: run by `make bench` (.ci/bench).

Makes a week with DECKS decks of MB megabytes each in a throw-away database and media folder,
downloads its zip through Django's test client, and prints the size, the time and the peak of
Python's allocations while streaming. Built in memory, the peak would be at least the zip's size.
"""

import os
import time
import tracemalloc

from django.core.files.base import ContentFile
from django.test import Client

from papers.models import SlideDeck
from syllabus.models import Term, Week

DECKS = int(os.environ.get("BENCH_DECKS", "10"))
MEGABYTES = int(os.environ.get("BENCH_DECK_MB", "20"))

term = Term.objects.create(name="Bench", start_date="2026-09-01", end_date="2026-12-01", is_published=True)
week = Week.objects.create(term=term, title="Bench week", position=1, date="2026-09-10", is_published=True)
block = os.urandom(1_000_000)
for number in range(DECKS):
    deck = SlideDeck(week=week, title=f"Deck {number}")
    deck.make_previews = False
    deck.file.save(f"deck-{number}.pdf", ContentFile(b"%PDF-1.4\n" + block * MEGABYTES), save=False)
    deck.save()

started = time.perf_counter()
tracemalloc.start()
response = Client().get(f"/terms/{term.slug}/{week.slug}/slides.zip", HTTP_HOST="localhost")
size = sum(len(chunk) for chunk in response.streaming_content)
_, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
seconds = time.perf_counter() - started
print(
    f"week zip: {DECKS} decks x {MEGABYTES} MB streamed as {size / 1e6:.0f} MB in {seconds:.1f} s; "
    f"peak Python memory while streaming {peak / 1e6:.1f} MB"
)
