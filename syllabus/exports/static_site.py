"""The published site as plain files (`manage.py export_static`), for an archive or GitHub Pages.

Pages are rendered by Django itself, as an anonymous visitor gets them (a test client, over
HTTPS, under a host of ALLOWED_HOSTS), starting from the home page, robots.txt and the sitemap and
following every link on the site's own host; so a page another module adds is exported once some
page or the sitemap links it. Public uploads are copied from their storage and static files from
the staticfiles storage or finders. What an archive cannot hold (search, sign-in, sign-up, the
admin, the API, private files) is never fetched, and links to it are dropped from the pages.

Every link is rewritten to a relative one that works from file:// and under any sub-path: a
directory-style address becomes `dir/index.html`, a list's page `?page=2` becomes
`papers/index-page-2.html` (other queries name nothing the archive holds; their links are dropped).
A link that climbs out of the site (`/media/%2e%2e/...`) is reported as not found and dropped.
With a base URL, addresses meant to be absolute (feeds, calendars, the sitemap, robots.txt, meta
tags, JSON-LD, the embed snippet) point into the archive at that URL, and each term's embed JSON
is written for embed.js. Without one the archive has no address: feeds link relatively, Atom ids
become urn:uuid names, and what must be absolute is left out (canonical and og:url/og:image tags,
JSON-LD urls, calendars' event URLs, the embed snippet, the sitemap).

A manifest of content hashes in OUT_DIR makes a re-export write only files whose content changed
and remove the files it wrote before that are no longer published; other files in OUT_DIR are
never touched, nor anything outside it whatever the manifest says. Files are streamed one at a time: memory does not grow with the site.
"""

import posixpath
import re
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import storages
from django.http.request import validate_host
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from syllabus.exports import static_links
from syllabus.exports.static_output import MANIFEST, NO_JEKYLL, StaticExportReport, StaticOutput

# Pages that only work on the live site: forms, accounts, drafts' files, the admin and the API.
DROPPED_NAMESPACES = {"admin", "api", "account", "signup"}
DROPPED_NAMES = {"search", "search_reading_list", "private_file", "healthz"}
NOT_WITHOUT_BASE_URL = {"sitemap", "sitemap_section"}  # its addresses must be absolute
# Blocks of a page that only work at a known address: the embed snippet (templates/includes/embed_snippet.html).
NEEDS_BASE_URL_CLASSES = frozenset({"embed-snippet"})
CHUNK = 64 * 1024
ATOM_ID = re.compile(r"(<id>[^<]*</id>)")


class StaticExportError(Exception):
    """The export cannot start (bad base URL, no host to render as)."""


def static_site_export(*, out_dir: Path, base_url: str = "") -> StaticExportReport:
    """Write the published site into `out_dir` (created if missing); returns what changed."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    output = StaticOutput(out_dir)
    crawl = _Crawl(host=_render_host(base_url), base_url=_base_url_clean(base_url), output=output)
    crawl.run()
    output.finish()
    output.report.broken = sorted(crawl.broken)
    output.report.warnings += crawl.warnings
    return output.report


def _base_url_clean(base_url: str) -> str:
    if not base_url:
        return ""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise StaticExportError(
            f"--base-url {base_url!r} must be an http(s) address like https://lab.github.io/seminar/."
        )
    return base_url if base_url.endswith("/") else base_url + "/"


def _render_host(base_url: str) -> str:
    """A host the site answers to: the base URL's if allowed, else the first named in ALLOWED_HOSTS."""
    candidates = [urlsplit(base_url).hostname or ""] if base_url else []
    candidates += [host.lstrip(".") for host in settings.ALLOWED_HOSTS if host != "*"]
    candidates.append("localhost")  # for ALLOWED_HOSTS = ["*"]
    for host in candidates:
        if host and validate_host(host, settings.ALLOWED_HOSTS):
            return host
    raise StaticExportError("ALLOWED_HOSTS names no host to render the pages as; set ALLOWED_HOSTS.")


class _Crawl:
    """Fetches each address once, writes it, and queues the addresses its links lead to."""

    def __init__(self, *, host: str, base_url: str, output: StaticOutput):
        self.host, self.base_url, self.output = host, base_url, output
        self.origin = f"https://{host}"
        self.client = Client(HTTP_HOST=host)
        self.pattern = static_links.absolute_url_pattern(host)
        probe = urlsplit(storages["default"].url("probe"))._replace(query="").geturl()
        self.media_prefix = self._prefix(probe.removesuffix("probe"))
        self.static_prefix = self._prefix(settings.STATIC_URL)
        self.queue: deque[str] = deque()
        self.seen: set[str] = set()
        self.broken: set[str] = set()
        self.warnings: list[str] = []
        self.files: dict[str, str] = {}  # each file of the archive and the address it holds
        self.prefetched: dict = {}  # pages of a list, fetched to learn the list has them
        self.unlisted: set[str] = set()

    def _prefix(self, url: str) -> str:
        return urljoin(self.origin + "/", urlsplit(url)._replace(query="").geturl())

    def run(self) -> None:
        for path in ("/", reverse("syllabus:robots"), reverse("syllabus:sitemap")):
            self._claim(self.origin + path)
            self._queue(self.origin + path)
        while self.queue:
            url = self.queue.popleft()
            kind, target = self._classify(url)
            if kind == "static":
                self._copy_static(url, target)
            elif kind == "media":
                self._write_stream(url, self._storage_chunks(storages["default"], target))
            else:
                self._fetch_page(url)

    # Which address is what, and where it goes in the archive.

    def _classify(self, url: str) -> tuple[str, str]:
        """("static", name), ("media", name), ("page", url name), ("dropped", "") or ("external", "")."""
        plain = urlsplit(url)._replace(query="", fragment="").geturl()
        for kind, prefix in (("static", self.static_prefix), ("media", self.media_prefix)):
            if plain.startswith(prefix):
                return kind, unquote(plain[len(prefix) :])
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc.lower() != self.host:
            return "external", ""
        try:
            match = resolve(parts.path)
        except Resolver404:
            return "page", ""  # fetched anyway: its 404 is reported as a broken link
        if DROPPED_NAMESPACES & set(match.namespaces) or match.url_name in DROPPED_NAMES:
            return "dropped", ""
        return "page", match.url_name or ""

    def _file_for(self, url: str) -> str | None:
        """The archive's file for an address (`terms/x/index.html`, `static/css/site.css`,
        `papers/index-page-2.html`), or None when it has none: a name with `..` in it (written so in a
        page's markdown, never by the site), or the export's own files."""
        kind, name = self._classify(url)
        parts = urlsplit(url)
        if kind in ("static", "media"):
            path = f"{kind}/{name}"
        else:
            path = unquote(parts.path).lstrip("/")
            if not path or path.endswith("/") or "." not in posixpath.basename(path):
                path = posixpath.join(path, "index.html")
            page = _page_number(parts.query)
            if page and page > 1:
                stem, extension = posixpath.splitext(path)
                path = f"{stem}-page-{page}{extension}"
        if {".", ".."} & set(path.split("/")) or path.startswith("/") or "\x00" in path:
            return None
        if path in (MANIFEST, NO_JEKYLL):
            return None
        return path

    def _queue(self, url: str) -> None:
        url = urlsplit(url)._replace(fragment="").geturl()
        if url not in self.seen:
            self.seen.add(url)
            self.queue.append(url)

    def _claim(self, url: str) -> str | None:
        """The file for `url`, if no other address has it already (`/papers` and `/papers/` would)."""
        url = urlsplit(url)._replace(fragment="").geturl()
        path = self._file_for(url)
        if path is None:
            self.broken.add(url)
            return None
        owner = self.files.setdefault(path, url)
        if owner != url:
            self.warnings.append(f"{url} is left out: its file {path} holds {owner}.")
            return None
        return path

    def _page_listed(self, url: str) -> str | None:
        """`url` as the archive holds it: page=1 is the page itself, page=N only if the list has it;
        any other query (a sort, a filter, a typo) names nothing the archive holds."""
        parts = urlsplit(url)
        if not parts.query:
            return url
        page = _page_number(parts.query)
        if page is None:
            return None
        plain = parts._replace(query="", fragment="").geturl()
        if page == 1:
            return plain
        url = f"{plain}?page={page}"
        if url in self.seen or url in self.prefetched:
            return url
        if url in self.unlisted:
            return None
        # A list answers any page number (999 shows the last page): page N is one of its pages
        # only if it links back to page N-1, as the pagination of every list does.
        response = self.client.get(f"{parts.path}?page={page}", secure=True)
        if (
            response.status_code == 200
            and not response.streaming
            and f'href="?page={page - 1}"'.encode() in response.content
        ):
            self.prefetched[url] = response
            return url
        self.unlisted.add(url)
        self.broken.add(url)
        return None

    def _linker(self, page_url: str, page_file: str):
        """The `link` function for the links of one file (static_links)."""

        def link(value: str) -> str | None:
            if value.startswith("#") or not value.strip():
                return value
            url = urljoin(page_url, value.strip())
            kind, name = self._classify(url)
            if kind == "external":
                return self._external(value, link)
            if kind == "dropped":
                return None
            if not self.base_url and name in NOT_WITHOUT_BASE_URL:
                return None
            fragment = urlsplit(url).fragment
            if kind == "page":
                url = self._page_listed(url)
                if url is None:
                    return None
            else:  # a file's query (a cache buster) is not part of its name
                url = urlsplit(url)._replace(query="", fragment="").geturl()
            target = self._claim(url)
            if target is None:
                return None
            self._queue(url)
            if self.base_url and urlsplit(value).scheme:  # meant to be absolute: feeds, sitemap, meta tags
                address = self.base_url + quote(target.removesuffix("index.html"))
            else:
                address = quote(posixpath.relpath(target, posixpath.dirname(page_file) or "."))
            return address + (f"#{fragment}" if fragment else "")

        return link

    def _external(self, value: str, link) -> str:
        """Another site's link may carry one of ours in its query (Google Calendar's `details`):
        it becomes the archive's address, or goes with no base URL (the archive has none)."""
        parts = urlsplit(value)
        if not self.pattern.search(unquote(parts.query)):
            return value

        def in_query(text: str) -> str:
            if self.base_url:
                return static_links.text_rewrite(text, pattern=self.pattern, link=link)
            return self.pattern.sub("", text).strip()

        pairs = parse_qsl(parts.query, keep_blank_values=True)
        return parts._replace(
            query=urlencode([(key, in_query(item)) for key, item in pairs], quote_via=quote)
        ).geturl()

    # Fetching and writing.

    def _fetch_page(self, url: str) -> None:
        parts = urlsplit(url)
        # The client closes the response itself (once a stream is read): closing it again would
        # send request_finished, which may close the database connection in the middle of a transaction.
        response = self.prefetched.pop(url, None) or self.client.get(
            parts.path + (f"?{parts.query}" if parts.query else ""), secure=True
        )
        self._write_response(url, response)
        if response.status_code == 200 and self.base_url:
            self._queue_companions(url)

    def _queue_companions(self, url: str) -> None:
        """What no page links to but other sites read: a term's embed JSON, which embed.js asks for
        next to itself (and the embed page, the snippet's other half)."""
        match = resolve(urlsplit(url).path)
        if match.url_name != "term" or match.namespace != "syllabus":
            return
        for name in ("syllabus:embed_json", "syllabus:embed"):
            companion = self.origin + reverse(name, args=list(match.kwargs.values()))
            if self._claim(companion) is not None:
                self._queue(companion)

    def _write_response(self, url: str, response) -> None:
        if response.status_code in (301, 302, 303, 307, 308):
            self._write_redirect(url, urljoin(url, response["Location"]))
            return
        if response.status_code != 200:
            self.broken.add(url)
            return
        if self._classify(url)[1] in NOT_WITHOUT_BASE_URL and not self.base_url:
            self._read_links(url, response)  # still followed, never written
            return
        if response.streaming:
            self._write_stream(url, response.streaming_content)
            return
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        text = self._rewrite(url, content_type, response.content)
        self.output.write(self._file_for(url), text if text is not None else response.content)

    def _rewrite(self, url: str, content_type: str, content: bytes) -> bytes | None:
        """The content with its links rewritten, or None when it has none to rewrite (binary)."""
        if not (content_type.startswith("text/") or content_type.endswith(("+xml", "/xml", "/json"))):
            return None
        link = self._linker(url, self._file_for(url))
        text = content.decode("utf-8", "surrogateescape")

        def in_text(value: str) -> str:
            return static_links.text_rewrite(value, pattern=self.pattern, link=link)

        def absolute(value: str) -> str | None:
            """A canonical link, a meta tag's or JSON-LD's value: an address there must be absolute,
            and an archive with no address has none to give (the tag or field is left out)."""
            if not self.base_url and self.pattern.fullmatch(value):
                return None
            return in_text(value)

        if content_type == "text/html":
            text = static_links.HtmlRewriter(
                link=link,
                text=in_text,
                absolute=absolute,
                # With its address the archive offers the snippet for its own embed.js; with none
                # it has none to offer (the live site's page still does).
                code_text=in_text if self.base_url else None,
                drop_classes=frozenset() if self.base_url else NEEDS_BASE_URL_CLASSES,
            ).rewrite(text)
        elif content_type == "text/css":
            text = static_links.css_rewrite(text, link=link)
        elif content_type == "text/calendar":
            # An event's URL must be absolute: without a base URL it keeps the rendered host's.
            # An event's URL must be absolute: without a base URL there is none to give.
            rewritten = static_links.ics_rewrite(text, pattern=self.pattern, link=link)  # followed either way
            text = (
                rewritten if self.base_url else static_links.ics_without_site_urls(text, pattern=self.pattern)
            )
        elif content_type.endswith("xml") and not self.base_url:
            # An Atom id must be an absolute IRI that never changes: without a base URL, a name
            # made from the rendered address (the same at every export) instead of that address.
            text = "".join(
                _atom_id(part, self.pattern) if part.startswith("<id>") else in_text(part)
                for part in ATOM_ID.split(text)
            )
        else:
            text = in_text(text)
            if content_type == "text/plain" and not self.base_url:  # robots.txt: no sitemap to point at
                text = re.sub(rf"(?m)^Sitemap: {re.escape(self.origin)}\S*\n?", "", text)
        return text.encode("utf-8", "surrogateescape")

    def _read_links(self, url: str, response) -> None:
        self._rewrite(url, response.get("Content-Type", "").split(";")[0], response.content)

    def _write_redirect(self, url: str, location: str) -> None:
        link = self._linker(url, self._file_for(url))(location)
        if link is None or self._classify(location)[0] == "external":
            self.broken.add(url)
            return
        page = f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url={link}"><a href="{link}">Moved</a>\n'
        self.output.write(self._file_for(url), page.encode())

    def _copy_static(self, url: str, name: str) -> None:
        chunks = self._static_chunks(name)
        if chunks is None:
            self.broken.add(url)
        elif name.endswith(".css"):  # its url()s are followed (and rewritten if not relative)
            self.output.write(self._file_for(url), self._rewrite(url, "text/css", b"".join(chunks)))
        else:
            self._write_stream(url, chunks)

    def _static_chunks(self, name: str) -> Iterator[bytes] | None:
        """A collected file (hashed names included), else the file the finders know by that name."""
        try:
            collected = staticfiles_storage.exists(name)
        except SuspiciousFileOperation:  # a name no storage holds, such as one with `..`
            return None
        if collected:
            return self._storage_chunks(staticfiles_storage, name)
        found = finders.find(name)
        return _file_chunks(found) if isinstance(found, str) else None

    def _storage_chunks(self, storage, name: str) -> Iterator[bytes]:
        with storage.open(name, "rb") as file:
            yield from file.chunks(CHUNK)

    def _write_stream(self, url: str, chunks: Iterable[bytes]) -> None:
        try:
            self.output.write_stream(self._file_for(url), chunks)
        except (FileNotFoundError, SuspiciousFileOperation):
            self.broken.add(url)


def _atom_id(element: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda match: f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, match.group(0))}", element)


def _page_number(query: str) -> int | None:
    """N for a query that is exactly `page=N` (N a positive number), else None."""
    match = re.fullmatch(r"page=([1-9][0-9]{0,5})", query)
    return int(match.group(1)) if match else None


def _file_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk
