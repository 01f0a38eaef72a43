from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from syllabus.exports.importing import ReadingListError, reading_list_import
from syllabus.models import Term, Week


class Command(BaseCommand):
    help = (
        "Import a reading list (a .bib or .csv file) into a term's sign-up pool, or with --week as "
        "rows (without presenter) of one of its weeks. Known papers are matched by DOI, arXiv id, "
        "then title; importing the same file again creates nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, help="A BibTeX (.bib) or CSV (.csv, with a title column) file."
        )
        parser.add_argument("--term", required=True, help="The term's slug.")
        parser.add_argument("--week", help="A week's slug in that term: add rows to it instead of the pool.")
        parser.add_argument("--dry-run", action="store_true", help="Report what would be done; save nothing.")

    def handle(self, *args, file: Path, term: str, week: str | None, dry_run: bool, **options):
        found_term = Term.objects.filter(slug=term).first()
        if found_term is None:
            raise CommandError(f"No term with the slug {term!r}.")
        found_week = None
        if week:
            found_week = Week.objects.filter(term=found_term, slug=week).first()
            if found_week is None:
                raise CommandError(f"The term {term} has no week with the slug {week!r}.")
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            report = reading_list_import(
                term=found_term, week=found_week, data=data, filename=file.name, dry_run=dry_run
            )
        except ReadingListError as error:
            raise CommandError(f"{file}: {error}") from None
        self.stdout.write("\n".join(report.text_lines()))
