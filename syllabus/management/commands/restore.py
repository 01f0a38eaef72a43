from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from syllabus.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive made by `backup`: checks the database vendor, the migrations and every "
        "checksum first, then replaces the database and writes the media files back."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The .tar archive made by `manage.py backup`.")
        parser.add_argument(
            "--force", action="store_true", help="Overwrite a database that already holds data."
        )
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The DATABASES entry to restore into (default: default).",
        )

    def handle(self, *args, path: Path, force: bool, database: str, **options):
        try:
            summary = backup_restore(archive=path, using=database, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        files = ", ".join(f"{count} files of storage '{alias}'" for alias, count in summary.files.items())
        self.stdout.write(
            f"Restored the {summary.vendor} database '{summary.database}' and {files or 'no media files'} "
            f"from the backup of {summary.created}."
        )
        for alias, count in summary.removed.items():
            self.stdout.write(f"  Removed {count} files of storage '{alias}' that the backup does not hold.")
