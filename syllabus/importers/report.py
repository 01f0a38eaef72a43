"""After an import: what each imported week shows that the old post did not (issue 16, "How to check it").

Each rule is a small function of one text or row, so that the importer's fixes can reuse it; the
collector below runs them over the imported weeks and reads nothing but the database and, for the
list rule, the post files themselves. Nothing is fetched: web addresses are only checked for form.
"""

import html
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import frontmatter
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db.models import Prefetch, QuerySet
from django.urls import Resolver404, resolve

from papers.models import PaperLink
from syllabus.importers.jekyll import TextYAMLHandler
from syllabus.importers.kramdown import kramdown_item_count
from syllabus.models import Presentation, Week

# Rule names, in the order the report shows them.
ABSTRACT_PREFIX = "abstract prefix"
REVIEWER_NOTE = "reviewer note as abstract"
NUMERIC_TOPIC = "numeric topic"
BROKEN_IMAGE = "broken image"
BROKEN_LINK = "broken link"
LINK_WORD_TITLE = "link words in title"
UNLABELLED_OTHER = "Other link without label"
LIST_ITEMS = "list items differ"
RULES = [
    ABSTRACT_PREFIX,
    REVIEWER_NOTE,
    NUMERIC_TOPIC,
    BROKEN_IMAGE,
    BROKEN_LINK,
    LINK_WORD_TITLE,
    UNLABELLED_OTHER,
    LIST_ITEMS,
]

# A footnote's `title, venue / authors / abstract` left at an abstract's start: "ICML17/",
# "ICLR 2018/", "from etc Aaron Courville, …/", "Aaron Courville, Yoshua Bengio /", "(NIPS12) / …".
HEAD = re.compile(r"^\s*([^\n]{1,300}?)\s*/(?=\s|[A-Z(])")
VENUE_YEAR = re.compile(r"\b[A-Za-z][A-Za-z@&\-]*\s?'?(?:19|20)?\d{2}\b|\((?:19|20)\d{2}\)")
CITATION_WORDS = re.compile(r"\bfrom etc\b|\bet al\b|submitted on|cite as|arxiv|https?://", re.I)
NAME = r"[A-Z][\w'\u00c0-\u024f.\-]*(?:\s+(?:[A-Z][\w'\u00c0-\u024f.\-]*|van|von|de|der|da|di|la|le))+"
NAMES = re.compile(rf"{NAME}\s*,\s*(?:and\s+)?{NAME}")
# "Jack Note: …", "Arsh's notes: …": a person's review, not the paper's abstract.
REVIEWER_HEAD = re.compile(r"^\s*([A-Z][\w\-]*(?:'s)?\s+(?:Review|Notes?|Comments?)\s*:)")
NUMBER = re.compile(r"^\s*#?\d+[.)]?\s*$")
# Link texts leaked into a title: "slideRaw + video+ slide", "… video + slide", "… / PDF".
LINK_WORD = r"(?:videos?|slides?|slideRaw|pdf|code)"
LINK_WORDS = re.compile(
    rf"\b{LINK_WORD}\b\s*\+\s*(?:\b{LINK_WORD}\b)?|\+\s*\b{LINK_WORD}\b|[/:|(\-]\s*{LINK_WORD}\W*$", re.I
)
LIQUID = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
# src="…" and href="…" of rendered, sanitised HTML (always double-quoted by the sanitiser).
URL_ATTRIBUTE = re.compile(r'<(img|a)\b[^>]*?\b(src|href)="([^"]*)"', re.I)
FOOTNOTES = re.compile(r'<div class="footnote">.*?</div>', re.S)
TABLE_OF_CONTENTS = re.compile(r'<div class="toc">.*?</div>', re.S)  # made by `toc: true`, not a list
LIST_ITEM_TAG = re.compile(r"<li[\s>]", re.I)
FENCED_CODE = re.compile(r"^ *(`{3,}|~{3,}).*?^ *\1", re.S | re.M)
FOOTNOTE_DEFINITION = re.compile(r"^\s*\[\^[^\]]+\]:")
is_web_address = URLValidator(schemes=["http", "https"])


# Rules: each takes one text or value and says what is wrong with it ("" or [] when nothing). ----
def abstract_prefix(abstract: str) -> list[str]:
    """Venue or author heads left at the start of an abstract's paragraphs ("ICLR 2018/")."""
    found = []
    for paragraph in re.split(r"\n\s*\n", abstract or ""):
        head = HEAD.match(paragraph)
        if head is None or ". " in head.group(1) or len(paragraph) - head.end() < 40:
            continue  # no head, a sentence with a slash, or no abstract after it ("EU AI Act / GDPR")
        text = head.group(1)
        if VENUE_YEAR.search(text) or CITATION_WORDS.search(text) or NAMES.search(text):
            found.append(text.strip()[:80])
    return found


def reviewer_note(abstract: str) -> str:
    """ "Jack Note:" when an abstract (or one of its paragraphs) is a person's review."""
    for paragraph in re.split(r"\n\s*\n", abstract or ""):
        if match := REVIEWER_HEAD.match(paragraph):
            return match.group(1)
    return ""


def numeric_topic(label: str) -> bool:
    """A row's topic that is only an index number ("1", "3.")."""
    return bool(NUMBER.match(label or ""))


def title_link_words(title: str) -> list[str]:
    """Link texts in a title: words joined by "+" to a link word, or a link word ending it.

    "Trained on Code Models" and "A + B" are titles; "video + slide" and "… / PDF" are links.
    """
    return [match.group(0).strip(" /:|(-") for match in LINK_WORDS.finditer(title or "")]


def unlabelled_other(link: PaperLink) -> bool:
    return link.kind == PaperLink.Kind.OTHER and not link.label.strip()


def liquid_leftovers(markdown: str) -> list[str]:
    """`{{ site.baseurl }}` and `{% … %}` the importer left in a text."""
    return [match.group(0)[:80] for match in LIQUID.finditer(markdown or "")]


def address_problem(url: str, *, page_url: str) -> str:
    """Why an address in a page's HTML leads nowhere ("" when it may well work).

    Site-relative paths must be a page of this site, a stored media file or a static file; web
    addresses are only checked for form (no request is made).
    """
    url = html.unescape(url).strip()
    if not url or url.startswith(("#", "mailto:")):
        return ""
    if LIQUID.search(url) or "{{" in url or "{%" in url:
        return "Liquid left in the address"
    if url.startswith("//"):
        url = "https:" + url
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        try:
            is_web_address(url)
        except ValidationError:
            return "malformed web address"
        return ""
    if scheme:
        return f"{scheme}: address"
    return local_path_problem(urlsplit(urljoin(page_url, url)).path)


def local_path_problem(path: str) -> str:
    """Why a path of this site serves nothing: no media file, no static file, no page."""
    path = unquote(path)
    media, static = settings.MEDIA_URL, settings.STATIC_URL
    if media.startswith("/") and path.startswith(media):
        return "" if default_storage.exists(path[len(media) :]) else "no such media file"
    if static.startswith("/") and path.startswith(static):
        return "" if finders.find(path[len(static) :]) else "no such static file"
    try:
        resolve(path)
    except Resolver404:
        return "no page or file at this path"
    return ""


def html_addresses(rendered: str) -> list[tuple[str, str]]:
    """(image or link, address) of the rendered HTML, in order."""
    return [
        ("image" if tag.lower() == "img" else "link", url)
        for tag, _attribute, url in URL_ATTRIBUTE.findall(rendered or "")
    ]


def kramdown_list_items(markdown: str) -> int:
    """List items as the old site's kramdown (GFM input) showed them.

    It starts a list right after a paragraph line, takes `+`, `-`, `*` and `1.` bullets (not
    `1)`), nests an item indented to its parent's text, and reads a line indented four spaces past
    an item's text, after a blank line, as code; fenced code and `* * *` rules hold none (the model
    is syllabus/importers/kramdown.py's, which the importer rewrites lists with). `<li>` written as
    HTML in the text shows as an item too.
    """
    text = FENCED_CODE.sub("", markdown or "")
    return kramdown_item_count(markdown or "") + len(LIST_ITEM_TAG.findall(text))


def html_list_items(rendered: str) -> int:
    """`<li>` items of rendered HTML, not counting the footnotes' list or the table of contents."""
    return len(LIST_ITEM_TAG.findall(TABLE_OF_CONTENTS.sub("", FOOTNOTES.sub("", rendered or ""))))


def source_markdown(path: Path) -> str:
    """A post's markdown without front matter, footnote definitions or table lines.

    What the old site showed as lists, before the importer took tables and footnotes apart.
    """
    _meta, content = frontmatter.parse(path.read_text(encoding="utf-8"), handler=TextYAMLHandler())
    kept = [
        line
        for line in content.split("\n")
        if not FOOTNOTE_DEFINITION.match(line) and not line.lstrip().startswith("|")
    ]
    return "\n".join(kept)


# Collecting: the rules over every imported week. ----------------------------------------------
@dataclass
class Finding:
    rule: str
    where: str  # "body", "row 3 abstract", "row 3 title", ...
    detail: str


@dataclass
class PostReport:
    source: str  # the post file the week came from (Week.source_path), else the week's slug
    week: str  # the week's title
    findings: list[Finding] = field(default_factory=list)

    def add(self, rule: str, where: str, detail: str) -> None:
        self.findings.append(Finding(rule, where, detail))

    @property
    def counts(self) -> Counter:
        return Counter(finding.rule for finding in self.findings)


def import_report(*, site_dir: Path | None = None, weeks: QuerySet | None = None) -> list[PostReport]:
    """Every rule over the imported weeks (those with a source file), one report per week.

    Lists are compared on the week's intro and body: the post's text less what became rows. With
    `site_dir` a difference also says how many items the whole post file has (rows take some).
    """
    weeks = Week.objects.exclude(source_path="") if weeks is None else weeks
    rows = Presentation.objects.select_related("paper").prefetch_related(
        Prefetch("paper__links", queryset=PaperLink.objects.order_by("order", "id"))
    )
    weeks = weeks.select_related("term").prefetch_related(Prefetch("presentations", queryset=rows))
    return [week_report(week, site_dir=site_dir) for week in weeks.order_by("source_path", "date", "pk")]


def week_report(week: Week, *, site_dir: Path | None = None) -> PostReport:
    report = PostReport(source=week.source_path or week.slug, week=week.title)
    page_url = week.get_absolute_url()
    check_text(report, "intro", week.intro, week.intro_html, page_url)
    check_text(report, "body", week.body, week.body_html, page_url)
    for word in title_link_words(week.title):
        report.add(LINK_WORD_TITLE, "week title", f"{word!r} in {week.title!r}")
    for row in week.presentations.all():
        where = f"row {row.order}"
        if numeric_topic(row.label):
            report.add(NUMERIC_TOPIC, where, f"topic {row.label!r}")
        check_text(report, f"{where} notes", row.notes, row.notes_html, page_url)
        if row.paper is None:
            continue
        paper = row.paper
        for word in title_link_words(paper.title):
            report.add(LINK_WORD_TITLE, f"{where} title", f"{word!r} in {paper.title!r}")
        for prefix in abstract_prefix(paper.abstract):
            report.add(ABSTRACT_PREFIX, f"{where} abstract", f"starts with {prefix!r}")
        if note := reviewer_note(paper.abstract):
            report.add(REVIEWER_NOTE, f"{where} abstract", f"starts with {note!r}")
        check_text(report, f"{where} abstract", paper.abstract, paper.abstract_html, page_url)
        for link in paper.links.all():
            if unlabelled_other(link):
                report.add(UNLABELLED_OTHER, f"{where} link", link.url)
    # The post's text is stored in two fields: the text before its readings and the rest.
    expected = kramdown_list_items(week.intro) + kramdown_list_items(week.body)
    shown = html_list_items(week.intro_html) + html_list_items(week.body_html)
    if expected != shown:
        detail = f"{expected} list items as the old site read them, {shown} on the page"
        source = site_dir / week.source_path if site_dir and week.source_path else None
        if source is not None and source.is_file():
            detail += f" ({kramdown_list_items(source_markdown(source))} in the whole post)"
        report.add(LIST_ITEMS, "body", detail)
    return report


def check_text(report: PostReport, where: str, markdown: str, rendered: str, page_url: str) -> None:
    """Liquid left in a markdown text, and images or links of its HTML that lead nowhere."""
    for leftover in liquid_leftovers(markdown):
        report.add(BROKEN_LINK, where, f"Liquid left in the text: {leftover}")
    for kind, url in html_addresses(rendered):
        if problem := address_problem(url, page_url=page_url):
            report.add(BROKEN_IMAGE if kind == "image" else BROKEN_LINK, where, f"{url} ({problem})")


def report_totals(reports: list[PostReport]) -> dict[str, dict[str, int]]:
    """Per rule: how many findings, and in how many posts."""
    return {
        rule: {
            "findings": sum(report.counts[rule] for report in reports),
            "posts": sum(1 for report in reports if report.counts[rule]),
        }
        for rule in RULES
    }


def report_as_data(reports: list[PostReport]) -> dict:
    """The report for machines (`import_report --json`)."""
    return {
        "rules": RULES,
        "totals": report_totals(reports),
        "posts": [
            {
                "source": report.source,
                "week": report.week,
                "counts": {rule: report.counts[rule] for rule in RULES},
                "findings": [asdict(finding) for finding in report.findings],
            }
            for report in reports
        ],
    }
