from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from syllabus.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write the database (pg_dump custom format, or SQLite's online backup) and the uploaded files "
        "of every local media storage into one .tar archive, by default DATA_DIR/backups/syllabus-<UTC time>.tar."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Where to write the archive (never overwritten).")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="The DATABASES entry to back up (default: default)."
        )

    def handle(self, *args, output: Path | None, database: str, **options):
        try:
            summary = backup_create(output=output, using=database)
        except BackupError as error:
            raise CommandError(str(error)) from None
        files = ", ".join(f"{count} files of storage '{alias}'" for alias, count in summary.files.items())
        self.stdout.write(
            f"Backed up the {summary.vendor} database and {files or 'no media files'} "
            f"to {summary.path} ({summary.size:,} bytes)."
        )
        for alias, reason in summary.skipped_storages.items():
            self.stdout.write(f"  Not in the backup: storage '{alias}': {reason}.")
