import argparse
import datetime
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from syllabus.history import history_reason
from syllabus.importers.loader import SiteImporter
from syllabus.importers.site_config import SiteConfig, weekday_number
from syllabus.importers.term_names import term_names_file


class Command(BaseCommand):
    help = (
        "Import a Jekyll seminar site (_posts/*.md, the collections _config.yml declares, _pages/ categories). "
        "Running it again updates in place."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "site_dir", type=Path, help="The Jekyll site's folder (holding _posts/ or a collection)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and check everything; write nothing."
        )
        parser.add_argument(
            "--site-url",
            default="",
            help="The old site's address, for files not in SITE_DIR (default: url and baseurl in _config.yml).",
        )
        parser.add_argument(
            "--start-date",
            type=_date,
            help="YYYY-MM-DD: date a collection's undated documents weekly from here, when their term has no "
            "meeting schedule here.",
        )
        parser.add_argument(
            "--weekday",
            type=_weekday,
            help="The weekday of those dates (Tuesday, tue or 1; default: the start date's).",
        )
        parser.add_argument(
            "--term-names",
            type=Path,
            help="A YAML or CSV file mapping term keys to names (and descriptions); wins over the site's.",
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
        start_date: datetime.date | None = None,
        weekday: int | None = None,
        term_names: Path | None = None,
        **options,
    ):
        config = SiteConfig.read(site_dir)
        if not config.posts_dir.is_dir() and not config.collections:
            raise CommandError(f"{site_dir} has no _posts/ folder and _config.yml declares no collection.")
        if weekday is not None and start_date is None:
            raise CommandError("--weekday needs --start-date.")
        try:
            names = term_names_file(term_names) if term_names else {}
        except ValueError as error:
            raise CommandError(f"--term-names: {error}") from None
        started = time.perf_counter()
        importer = SiteImporter(
            site_dir,
            site_url=site_url,
            dry_run=dry_run,
            thumbnails=thumbnails,
            start_date=start_date,
            weekday=weekday,
            term_names=names,
        )
        with history_reason("import_jekyll"):
            summary = importer.run(only=only)
        seconds = time.perf_counter() - started
        self.stdout.write(("Dry run, nothing written. " if dry_run else "") + f"Imported in {seconds:.1f} s:")
        for line in summary.report() + summary.notes:
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


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _weekday(text: str) -> int:
    try:
        return weekday_number(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
