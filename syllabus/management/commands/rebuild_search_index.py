from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from syllabus.search_index import is_indexed, search_index_rebuild


class Command(BaseCommand):
    help = (
        "Install the search triggers and indexes, correct every paper's and week's search document that needs "
        "it, and refresh the index's statistics (PostgreSQL; SQLite searches without them). Safe to run any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The DATABASES entry to index (default: default)."
        )

    def handle(self, *args, database: str, **options):
        connection = connections[database]
        if not is_indexed(connection):
            self.stdout.write(f"Nothing to do: {connection.vendor} searches without a stored index.")
            return
        with transaction.atomic(using=database):
            search_index_rebuild(connection=connection)
        self.stdout.write("The search documents of every paper and week are up to date.")
