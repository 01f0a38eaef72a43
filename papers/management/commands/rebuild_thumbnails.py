from django.core.management.base import BaseCommand

from papers.models import SlideDeck
from papers.services import slide_deck_rebuild_preview


class Command(BaseCommand):
    help = "Remake the first-page thumbnail and page count of every slide deck with a file."

    def add_arguments(self, parser):
        parser.add_argument("--missing", action="store_true", help="Only decks that have no thumbnail yet.")

    def handle(self, *args, missing: bool, **options):
        decks = SlideDeck.objects.exclude(file="").select_related("week__term").order_by("pk")
        if missing:
            decks = decks.filter(thumbnail="")
        made = without = 0
        for deck in decks.iterator(chunk_size=200):
            try:
                if slide_deck_rebuild_preview(deck=deck):
                    made += 1
                    continue
            except OSError as error:  # the stored file is gone or unreadable
                self.stderr.write(f"  {deck.file.name}: {error}")
            without += 1
            self.stdout.write(f"  no thumbnail for {deck.file.name} (placeholder shown)")
        self.stdout.write(f"Thumbnails made: {made}; decks without one: {without}.")
