import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from syllabus.importers.report import RULES, import_report, report_as_data, report_totals


class Command(BaseCommand):
    help = (
        "After import_jekyll: list, per imported post, what its week shows that the old post did not "
        "(abstract prefixes, numeric topics, broken images and links, link words in titles, unlabelled "
        "links, list items). A report: it changes nothing and exits 0."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "site_dir",
            nargs="?",
            type=Path,
            help="The Jekyll site's folder: list differences then also count the items of the whole post.",
        )
        parser.add_argument("--json", action="store_true", help="Print the whole report as JSON.")
        parser.add_argument("--only", default="", help="Only posts whose source path contains this text.")
        parser.add_argument(
            "--all", action="store_true", help="Also list posts with no finding (the table hides them)."
        )

    def handle(
        self, *args, site_dir: Path | None, json: bool, only: str, all: bool, verbosity: int, **options
    ):
        if site_dir is not None and not site_dir.is_dir():
            raise CommandError(f"{site_dir} is not a folder.")
        reports = import_report(site_dir=site_dir)
        reports = [report for report in reports if only in report.source]
        if json:
            self.stdout.write(dump(report_as_data(reports)))
            return
        codes = {rule: f"R{number}" for number, rule in enumerate(RULES, start=1)}
        self.stdout.write(
            f"{len(reports)} imported posts checked. Rules: "
            + ", ".join(f"{code} {rule}" for rule, code in codes.items())
        )
        width = max([len(report.source) for report in reports] + [4])
        self.stdout.write(f"{'post':<{width}}  " + " ".join(f"{code:>4}" for code in codes.values()))
        for report in reports:
            counts = report.counts
            if not counts and not all:
                continue
            self.stdout.write(
                f"{report.source:<{width}}  " + " ".join(f"{counts[rule] or '.':>4}" for rule in RULES)
            )
            if verbosity >= 2:
                for finding in report.findings:
                    self.stdout.write(f"    {codes[finding.rule]} {finding.where}: {finding.detail}")
        self.stdout.write("Totals:")
        for rule, total in report_totals(reports).items():
            self.stdout.write(f"  {rule}: {total['findings']} in {total['posts']} posts")
        if verbosity < 2:
            self.stdout.write("(-v 2 lists each finding under its post; --json gives everything)")


def dump(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
