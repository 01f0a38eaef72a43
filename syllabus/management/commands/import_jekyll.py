import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from syllabus.history import history_reason
from syllabus.importers.loader import SiteImporter


class Command(BaseCommand):
    help = "Import a Jekyll seminar site (_posts/*.md and _pages/ categories). Running it again updates in place."

    def add_arguments(self, parser):
        parser.add_argument("site_dir", type=Path, help="The Jekyll site's folder (holding _posts/).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and check everything; write nothing."
        )
        parser.add_argument(
            "--site-url", default="", help="The old site's address, for files not in SITE_DIR."
        )
        parser.add_argument("--only", default="*", help="Only posts whose file name matches this glob.")
        parser.add_argument(
            "--no-thumbnails",
            dest="thumbnails",
            action="store_false",
            help="Copy slide files without making their thumbnails (manage.py rebuild_thumbnails makes them).",
        )

    def handle(
        self,
        *args,
        site_dir: Path,
        dry_run: bool,
        site_url: str,
        only: str,
        thumbnails: bool,
        verbosity: int,
        **options,
    ):
        if not (site_dir / "_posts").is_dir():
            raise CommandError(f"{site_dir} has no _posts/ folder.")
        started = time.perf_counter()
        importer = SiteImporter(site_dir, site_url=site_url, dry_run=dry_run, thumbnails=thumbnails)
        with history_reason("import_jekyll"):
            summary = importer.run(only=only)
        seconds = time.perf_counter() - started
        self.stdout.write(("Dry run, nothing written. " if dry_run else "") + f"Imported in {seconds:.1f} s:")
        for line in summary.report():
            self.stdout.write(f"  {line}")
        if summary.failures:
            self.stdout.write(self.style.ERROR(f"{len(summary.failures)} posts could not be imported:"))
            for failure in summary.failures:
                self.stdout.write(f"  {failure}")
        if summary.problems:
            self.stdout.write(f"{len(summary.problems)} things to check:")
            shown = summary.problems if verbosity >= 2 else summary.problems[:20]
            for problem in shown:
                self.stdout.write(f"  {problem}")
            if len(shown) < len(summary.problems):
                self.stdout.write(f"  ... and {len(summary.problems) - len(shown)} more (-v 2 lists all)")
