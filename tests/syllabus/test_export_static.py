"""`manage.py export_static`: the published site as files that work offline, and only the published site."""

import hashlib
import json
import posixpath
import re
from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from papers import views as paper_views
from syllabus import services
from syllabus.models import Week
from tests.factories import (
    PaperFactory,
    PaperLinkFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    SlideDeckFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
    make_pdf,
    png_file,
)

pytestmark = pytest.mark.django_db

BASE_URL = "https://lab.github.io/seminar/"


def deck_with_file(*, week, name: str, **fields):
    deck = SlideDeckFactory.build(week=week, url="", **fields)
    deck.file = ContentFile(make_pdf(), name=name)
    deck.save()
    return deck


def seminar_make(size: int = 1) -> dict:
    """A published term (weeks with papers, presenters with photos, a public and a private deck), a draft week."""
    term = TermFactory(name="Fall 2026")
    tag = TagFactory(name="attention")
    weeks = []
    for number in range(size):
        week = WeekFactory(term=term, title=f"Published session {number}")
        week.tags.add(tag)
        paper = PaperFactory(title=f"Attention paper {number}")
        PaperLinkFactory(paper=paper, url=f"https://arxiv.org/abs/1706.0{number}")
        row = PresentationFactory(week=week, paper=paper)
        PresentationPresenterFactory(presentation=row, presenter=PresenterFactory(photo=png_file()))
        weeks.append(week)
    public_deck = deck_with_file(week=weeks[0], name="public-deck.pdf", title="Public slides")
    private_deck = deck_with_file(
        week=weeks[0], name="secret-deck.pdf", title="Private slides", is_public=False
    )
    draft = WeekFactory(term=term, title="Secret draft session", is_published=False)
    draft_row = PresentationFactory(week=draft, paper=PaperFactory(title="Unannounced paper"))
    PresentationPresenterFactory(presentation=draft_row, presenter=PresenterFactory(name="Hidden Presenter"))
    deck_with_file(week=draft, name="draft-deck.pdf", title="Draft slides")
    return {
        "term": term,
        "weeks": weeks,
        "public_deck": public_deck,
        "private_deck": private_deck,
        "draft": draft,
    }


def export(out: Path, *args: str, stderr: StringIO | None = None) -> str:
    stdout = StringIO()
    call_command("export_static", str(out), *args, stdout=stdout, stderr=stderr or StringIO())
    return stdout.getvalue()


def files_of(out: Path) -> dict[str, str]:
    """Each exported file (not the manifest) and the hash of its content."""
    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in out.rglob("*")
        if path.is_file() and path.name not in (".static-export.json", ".nojekyll")
    }


class LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and name in ("href", "src", "action", "poster"):
                self.links.append(value)
            elif value and name == "srcset":
                self.links += [candidate.split()[0] for candidate in value.split(",") if candidate.strip()]


def broken_links(out: Path) -> list[str]:
    """Every internal href/src/srcset of every page and url() of every stylesheet that names no file."""
    broken = []
    for page in [*out.rglob("*.html"), *out.rglob("*.css")]:
        if page.suffix == ".html":
            collector = LinkCollector()
            collector.feed(page.read_text())
            links = collector.links
        else:
            links = re.findall(r"url\(['\"]?([^'\")]+)", page.read_text())
        for link in links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("#") or link.startswith("data:"):
                continue
            assert not link.startswith("/"), f"{page}: {link} is not relative"
            relative = page.relative_to(out).parent.as_posix()
            target = posixpath.normpath(posixpath.join(relative, unquote(parts.path)))
            if not parts.path or target.startswith("..") or not (out / target).is_file():
                broken.append(f"{page.relative_to(out)} -> {link}")
    return broken


def test_export_static_writes_every_public_page_with_working_relative_links(tmp_path):
    seminar = seminar_make(size=2)
    out = tmp_path / "site"

    message = export(out)

    files = files_of(out)
    week = seminar["weeks"][0]
    deck = seminar["public_deck"]
    presenter = week.presentations.get().presenters.get()
    expected = {
        "index.html",
        "robots.txt",
        "feeds/weeks.atom",
        "terms/index.html",
        "terms/fall-2026/index.html",
        "terms/fall-2026/calendar.ics",
        f"terms/fall-2026/{week.slug}/index.html",
        f"terms/fall-2026/{week.slug}/slides.zip",
        "papers/index.html",
        "papers/attention-paper-0/index.html",
        "presenters/index.html",
        f"presenters/{presenter.slug}/index.html",
        f"presenters/{presenter.slug}/calendar.ics",
        "tags/index.html",
        "tags/attention/index.html",
        "categories/index.html",
        "years/2026/index.html",
        f"media/{deck.file.name}",
        f"media/{deck.thumbnail.name}",
        f"media/{presenter.photo.name}",
        f"media/{presenter.photo_small.name}",
        "static/css/site.css",
    }
    assert expected <= set(files), expected - set(files)
    assert message == f"Exported {len(files)} files to {out}: {len(files)} written, 0 unchanged, 0 removed.\n"
    assert broken_links(out) == []
    assert (out / ".nojekyll").is_file()  # GitHub Pages serves folders starting with _ as they are
    # No sitemap without a base URL: its addresses must be absolute.
    assert not any(name.startswith("sitemap") for name in files)
    assert "Sitemap:" not in (out / "robots.txt").read_text()


def test_export_static_holds_no_draft_private_or_live_only_page(tmp_path):
    seminar = seminar_make()
    out = tmp_path / "site"

    export(out)

    files = files_of(out)
    assert not [
        name
        for name in files
        if name.split("/")[0] in ("admin", "api", "signup", "search", "sign-in", "my", "files")
    ]
    assert not [
        name
        for name in files
        if seminar["draft"].slug in name or "secret-deck" in name or "draft-deck" in name
    ]
    everything = b"".join((out / name).read_bytes() for name in files)
    for secret in (
        b"Secret draft session",
        b"Unannounced paper",
        b"Hidden Presenter",
        b"Private slides",
        b"secret-deck",
    ):
        assert secret not in everything
    week_page = (out / f"terms/fall-2026/{seminar['weeks'][0].slug}/index.html").read_text()
    assert "Public slides" in week_page or "public-deck" in week_page
    # Live-only pages are not linked: no search form, no sign-in, no admin.
    assert 'role="search"' not in week_page and "Sign in" not in week_page and "Instructors" not in week_page
    assert b"/files/" not in everything and "/admin/" not in week_page


def test_export_static_again_writes_only_what_changed_and_removes_what_was_unpublished(
    tmp_path, django_capture_on_commit_callbacks
):
    seminar = seminar_make(size=2)
    out = tmp_path / "site"
    export(out)
    first = files_of(out)

    assert (
        export(out)
        == f"Exported {len(first)} files to {out}: 0 written, {len(first)} unchanged, 0 removed.\n"
    )
    assert files_of(out) == first

    paper = seminar["weeks"][1].presentations.get().paper
    paper.title = "Attention, renamed"
    paper.save()
    message = export(out)
    second = files_of(out)
    changed = {name for name in second if first.get(name) != second[name]}
    assert f"papers/{paper.slug}/index.html" in changed
    assert f"terms/fall-2026/{seminar['weeks'][1].slug}/index.html" in changed
    assert not {name for name in changed if name.startswith(("media/", "static/"))}
    assert f"terms/fall-2026/{seminar['weeks'][0].slug}/index.html" not in changed
    renamed_away = set(first) - set(second)  # the paper's page under its old slug, if the slug followed
    assert message == (
        f"Exported {len(second)} files to {out}: {len(changed)} written, "
        f"{len(second) - len(changed)} unchanged, {len(renamed_away)} removed.\n"
    )

    week = seminar["weeks"][0]
    deck_file = f"media/{seminar['public_deck'].file.name}"
    with django_capture_on_commit_callbacks(execute=True):
        services.weeks_set_published(weeks=Week.objects.filter(pk=week.pk), published=False)
    message = export(out)
    third = files_of(out)
    assert f"terms/fall-2026/{week.slug}/index.html" not in third
    assert deck_file not in third and not (out / deck_file).exists()
    assert not (out / f"terms/fall-2026/{week.slug}").exists()  # its emptied folder goes too
    assert message.endswith(f" {len(set(second) - set(third))} removed.\n") and set(second) - set(third)
    assert broken_links(out) == []


def test_export_static_leaves_files_it_did_not_write(tmp_path):
    seminar_make()
    out = tmp_path / "site"
    (out / ".git").mkdir(parents=True)
    (out / "CNAME").write_text("seminar.example.edu\n")

    export(out)
    export(out)

    assert (out / "CNAME").read_text() == "seminar.example.edu\n" and (out / ".git").is_dir()


def test_export_static_with_a_base_url_makes_feeds_and_sitemap_absolute_and_pages_relative(tmp_path):
    seminar = seminar_make()
    out = tmp_path / "site"

    export(out, "--base-url", BASE_URL.rstrip("/"))

    week = seminar["weeks"][0]
    sitemap = (out / "sitemap-weeks.xml").read_text()
    assert f"<loc>{BASE_URL}terms/fall-2026/{week.slug}/</loc>" in sitemap
    assert f"<loc>{BASE_URL}sitemap-weeks.xml</loc>" in (out / "sitemap.xml").read_text()
    assert f"Sitemap: {BASE_URL}sitemap.xml" in (out / "robots.txt").read_text()
    feed = (out / "feeds/weeks.atom").read_text()
    assert f'<link href="{BASE_URL}terms/fall-2026/{week.slug}/" rel="alternate"/>' in feed
    assert "testserver" not in feed
    calendar = (out / "terms/fall-2026/calendar.ics").read_text().replace("\r\n ", "")
    assert f"URL:{BASE_URL}terms/fall-2026/{week.slug}/" in calendar
    page = (out / f"terms/fall-2026/{week.slug}/index.html").read_text()
    assert 'href="../../../static/css/site.css"' in page and 'href="../index.html"' in page
    assert broken_links(out) == []


@pytest.mark.parametrize(
    "base_url", ["lab.github.io/seminar", "ftp://lab.example/", "https://lab.example/?x=1"]
)
def test_export_static_refuses_a_base_url_it_cannot_use(tmp_path, base_url):
    with pytest.raises(CommandError, match="must be an http"):
        export(tmp_path / "site", "--base-url", base_url)
    assert not (tmp_path / "site" / ".static-export.json").exists()


@pytest.mark.parametrize("size", [1, 3])
def test_export_static_asks_no_query_beyond_those_of_the_pages_it_renders(tmp_path, client, size):
    """Queries grow with the number of pages only: the export itself (links, files, media) asks none."""
    seminar_make(size=size)
    out = tmp_path / "site"
    with CaptureQueriesContext(connection) as queries:
        export(out, "--base-url", BASE_URL)
    pages = [name for name in files_of(out) if not name.startswith(("media/", "static/"))]

    rendered = 0
    for name in pages:
        address = "/" + name.removesuffix("index.html")
        with CaptureQueriesContext(connection) as one:
            assert client.get(address, secure=True).status_code == 200
        rendered += len(one)
    assert len(queries) == rendered


def test_export_static_never_removes_a_file_outside_out_dir_that_the_manifest_names(tmp_path):
    seminar_make()
    out = tmp_path / "site"
    out.mkdir()
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    canaries = [tmp_path / "canary.txt", outside / "deep" / "canary.txt", outside / "linked.txt"]
    for canary in canaries:
        canary.write_text("keep me\n")
    (tmp_path / "empty").mkdir()
    (out / "linked").symlink_to(outside)  # a folder in OUT_DIR that leads out of it
    manifest = {
        "../canary.txt": "x",
        "../outside/deep/canary.txt": "x",
        str(tmp_path / "canary.txt"): "x",
        "linked/linked.txt": "x",
        "../empty/gone.txt": "x",
    }
    (out / ".static-export.json").write_text(json.dumps({"files": manifest}))
    stderr = StringIO()

    message = export(out, stderr=stderr)

    assert all(canary.read_text() == "keep me\n" for canary in canaries)
    assert (tmp_path / "empty").is_dir() and (outside / "deep").is_dir()
    assert message.endswith(" 0 removed.\n")
    assert stderr.getvalue().count(": left alone.") == len(manifest)


@pytest.mark.parametrize(
    "manifest", ["{not json", '{"files": ["../canary.txt"]}', '{"files": {"a": 1}}', "[]"]
)
def test_export_static_treats_a_corrupt_manifest_as_none_and_says_so(tmp_path, manifest):
    seminar_make()
    out = tmp_path / "site"
    out.mkdir()
    (out / ".static-export.json").write_text(manifest)
    stderr = StringIO()

    message = export(out, stderr=stderr)

    files = files_of(out)
    assert message == f"Exported {len(files)} files to {out}: {len(files)} written, 0 unchanged, 0 removed.\n"
    assert "Warning: .static-export.json could not be read" in stderr.getvalue()
    assert json.loads((out / ".static-export.json").read_text())["files"].keys() == files.keys()


def test_export_static_reports_links_that_climb_out_of_the_site_and_finishes(tmp_path):
    seminar = seminar_make()
    week = seminar["weeks"][0]
    week.body = (
        "See [a](/terms/%2e%2e/%2e%2e/x/), [b](/media/%2e%2e/%2e%2e/%2e%2e/etc/passwd), "
        "[c](/static/%2e%2e/x.css), [d](/media/%2e%2e/public-deck.pdf) and [kept](/papers/)."
    )
    week.save()
    out = tmp_path / "site"
    stderr = StringIO()

    export(out, stderr=stderr)

    page = (out / f"terms/fall-2026/{week.slug}/index.html").read_text()
    assert ">kept</a>" in page
    assert not re.search(r">[abcd]</a>", page)
    for address in (
        "/terms/%2e%2e/%2e%2e/x/",
        "/media/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/static/%2e%2e/x.css",
        "/media/%2e%2e/public-deck.pdf",
    ):
        assert f"Linked but not found: https://testserver{address}" in stderr.getvalue()
    assert not (tmp_path / "x").exists() and not (out / "x.css").exists()
    assert broken_links(out) == []


def test_export_static_keeps_only_the_pages_a_list_has(tmp_path, monkeypatch):
    seminar_make(size=5)  # with 2 papers a page, 3 pages
    monkeypatch.setattr(paper_views, "PAPERS_PER_PAGE", 2)
    week = WeekFactory(term=TermFactory(name="Spring 2027"), title="Odd links")
    week.body = (
        "[p1](/papers/?page=1) [p2](/papers/?page=2) [p999](/papers/?page=999) "
        "[sorted](/papers/?sort=title) [junk](/papers/?page=2&x=..) [bib](/terms/fall-2026/reading-list.bib?x=1) "
        "[noslash](/papers)"
    )
    week.save()
    out = tmp_path / "site"
    stderr = StringIO()
    export(out, stderr=stderr)

    papers = sorted(name for name in files_of(out) if name.startswith("papers/index"))
    assert papers == ["papers/index-page-2.html", "papers/index-page-3.html", "papers/index.html"]
    assert not [name for name in files_of(out) if "-x-" in name or "999" in name or "sort" in name]
    page = (out / f"terms/spring-2027/{week.slug}/index.html").read_text()
    assert re.findall(r'href="([^"]*)"[^>]*>p[0-9]+</a>', page) == [
        "../../../papers/index.html",
        "../../../papers/index-page-2.html",
    ]
    assert not re.search(r">(p999|sorted|junk|bib)</a>", page)
    assert "Linked but not found: https://testserver/papers/?page=999" in stderr.getvalue()
    # /papers redirects to /papers/: its file would be the list's own, so it is left out, and said so.
    assert "https://testserver/papers is left out" in stderr.getvalue()
    assert "Page 1 of 3" in (out / "papers/index.html").read_text()
    assert broken_links(out) == []


def test_export_static_with_a_base_url_offers_an_embed_that_works_from_the_archive(tmp_path):
    seminar = seminar_make()
    upcoming = seminar["weeks"][0]
    upcoming.date = timezone.localdate() + timedelta(days=7)  # the embed lists upcoming sessions
    upcoming.save()
    out = tmp_path / "site"

    export(out, "--base-url", BASE_URL)

    term_page = (out / "terms/fall-2026/index.html").read_text()
    assert f'&lt;script src="{BASE_URL}embed.js" data-term="fall-2026"' in term_page
    embed_page = reverse("syllabus:embed", args=["fall-2026"]).lstrip("/")
    assert f'&lt;iframe src="{BASE_URL}{embed_page}"' in term_page
    assert (out / "embed.js").is_file() and (out / embed_page / "index.html").is_file()
    # embed.js asks for the JSON next to itself, at the address the site gives it.
    json_file = reverse("syllabus:embed_json", args=["fall-2026"]).lstrip("/")
    embed = json.loads((out / json_file).read_text())
    assert embed["term"]["url"] == f"{BASE_URL}terms/fall-2026/"
    assert [session["url"] for session in embed["sessions"]] == [
        f"{BASE_URL}terms/fall-2026/{upcoming.slug}/"
    ]


def test_export_static_without_a_base_url_claims_no_absolute_address(tmp_path):
    seminar = seminar_make()
    week = seminar["weeks"][0]
    week.body = "Run `curl https://testserver/papers/` or see [papers](/papers/)."
    week.save()
    out = tmp_path / "site"

    export(out)

    page = (out / f"terms/fall-2026/{week.slug}/index.html").read_text()
    term_page = (out / "terms/fall-2026/index.html").read_text()
    for text in (page, term_page):
        assert 'rel="canonical"' not in text and 'property="og:url"' not in text
        assert "embed-snippet" not in text and "embed.js" not in text
    assert "<code>curl https://testserver/papers/</code>" in page  # text in code is text, not a link
    structured = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page).group(1))
    assert "url" not in structured and structured["name"] == week.title
    everything = "".join((out / name).read_text(errors="replace") for name in files_of(out))
    assert "testserver" not in everything.replace("curl https://testserver/papers/", "")
    assert not (out / "embed.js").exists() and not (out / "embed").exists()
    calendar = (out / "terms/fall-2026/calendar.ics").read_text()
    assert "\r\nURL" not in calendar and "BEGIN:VEVENT" in calendar
    feed_id = re.search(r"<id>([^<]*)</id>", (out / "feeds/weeks.atom").read_text()).group(1)
    assert feed_id.startswith("urn:uuid:")
    export(out)
    assert re.search(r"<id>([^<]*)</id>", (out / "feeds/weeks.atom").read_text()).group(1) == feed_id
