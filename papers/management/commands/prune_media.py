from django.core.management.base import BaseCommand

from papers.services import media_unreferenced
from syllabus.storage import MediaStorage


class Command(BaseCommand):
    help = (
        "List files in media storage (public and private) that no row references and that are more than an hour old "
        "(younger ones may belong to an upload being saved); with --delete, remove them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="Remove the files listed.")

    def handle(self, *args, delete: bool, **options):
        found, storage = list(media_unreferenced()), MediaStorage()
        for name in found:
            if delete:
                storage.delete(name)
            self.stdout.write(f"  {'deleted' if delete else 'unreferenced'}: {name}")
        verb = "Deleted" if delete else "Found"
        hint = "" if delete or not found else " (run with --delete to remove them)"
        self.stdout.write(f"{verb} {len(found)} unreferenced files{hint}.")
