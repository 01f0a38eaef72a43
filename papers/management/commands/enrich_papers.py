from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from papers.lookup import LookupFailed, find_identifier
from papers.models import Paper
from papers.services import paper_enrich, paper_metadata_find


class Command(BaseCommand):
    help = (
        "Fill in papers' empty fields (authors, year, venue, abstract, arXiv id, DOI) and abstract/PDF links "
        "from the arXiv id or DOI found in their fields or links. Asks arXiv at most once per "
        "LOOKUP_ARXIV_INTERVAL seconds; answers are kept, so a second run asks no one again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing", action="store_true", help="Only papers without authors, year, venue or abstract."
        )
        parser.add_argument("--limit", type=int, help="Look up at most this many papers.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would change; save nothing.")
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="Replace fields that have a value too, not only empty ones.",
        )

    def handle(self, *args, missing: bool, limit: int | None, dry_run: bool, overwrite: bool, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1.")
        papers = Paper.objects.missing_metadata() if missing else Paper.objects.all()
        papers = papers.prefetch_related("links").order_by("pk")
        candidates, without = [], 0
        for paper in papers:
            identifier = find_identifier(
                [paper.arxiv_id, paper.doi, *(link.url for link in paper.links.all())]
            )
            if identifier is None:
                without += 1
            else:
                candidates.append((paper, identifier))
        if limit is not None:
            candidates = candidates[:limit]
        verb = "would fill" if dry_run else "filled"
        filled = complete = failed = 0
        for number, (paper, identifier) in enumerate(candidates, start=1):
            heading = f"[{number}/{len(candidates)}] {paper.title} ({identifier})"
            try:
                found = paper_metadata_find(identifier=identifier, store=not dry_run)
                changes = paper_enrich(paper=paper, metadata=found, overwrite=overwrite, save=not dry_run)
            except (LookupFailed, ValidationError) as error:
                failed += 1
                message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                self.stdout.write(self.style.WARNING(f"{heading}: failed: {message}"))
                continue
            if changes:
                filled += 1
                self.stdout.write(f"{heading}: {verb} {', '.join(changes)}")
            else:
                complete += 1
                self.stdout.write(f"{heading}: nothing to fill in")
        self.stdout.write(
            f"{'Dry run, nothing saved. ' if dry_run else ''}Papers {verb} in: {filled}; "
            f"nothing to fill in: {complete}; failed: {failed}; without an arXiv id or DOI: {without}."
        )
