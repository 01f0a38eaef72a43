from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from syllabus.exports.static_site import StaticExportError, static_site_export


class Command(BaseCommand):
    help = (
        "Write the published site (pages, feeds, calendars, public slides and photos, static files) "
        "into OUT_DIR as plain files with relative links, for an archive or GitHub Pages. "
        "A re-export rewrites only what changed and removes what is no longer published."
    )

    def add_arguments(self, parser):
        parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
        parser.add_argument(
            "--base-url",
            default="",
            help="Where the archive will be served (e.g. https://lab.github.io/seminar/): feeds, calendars "
            "and the sitemap link there. Without it they link relatively and no sitemap is written.",
        )

    def handle(self, *args, out_dir: Path, base_url: str, **options):
        try:
            report = static_site_export(out_dir=out_dir, base_url=base_url)
        except StaticExportError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Exported {report.files} files to {out_dir}: {report.written} written, "
            f"{report.unchanged} unchanged, {report.removed} removed."
        )
        for url in report.broken:
            self.stderr.write(f"  Linked but not found: {url}")
        for warning in report.warnings:
            self.stderr.write(f"  Warning: {warning}")
