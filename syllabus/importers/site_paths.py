"""Image and link paths of imported markdown, resolved the way the old Jekyll site resolved them.

A post's text names files of the site (`/Lectures/L07/images/x.png`, `../images/x.png`), other
posts (by their old permalink, `{% post_url 2017-09-12-x %}`, `{% link _posts/….md %}`) and the
web. Here a file found in the site folder is copied into media storage and linked there, a post
links to the week imported from it, and anything else points at the old site's address, so that
no path is left that leads nowhere. Web addresses are kept byte for byte.

`rewrite_markdown` is pure: markdown and a resolver in, markdown out. `SitePaths` is the resolver
of one import: it knows the site's files, its posts' permalinks and the weeks imported so far.
"""

import html
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urljoin, urlsplit

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage

from syllabus.importers.permalinks import front_matter, path_key, post_permalink
from syllabus.importers.site_config import SiteConfig
from syllabus.models import Week

STORED_UNDER = "imported"
# `{% post_url 2017-09-12-x %}`, `{% link _posts/2017-09-12-x.md %}`; `{{ '/x.png' | relative_url }}`.
LIQUID_POST_URL = re.compile(r"\{%-?\s*post_url\s+([^\s%]+)\s*-?%\}")
LIQUID_LINK = re.compile(r"\{%-?\s*link\s+([^\s%]+)\s*-?%\}")
LIQUID_URL_FILTER = re.compile(
    r"\{\{-?\s*['\"]([^'\"]*)['\"]\s*\|\s*(?:relative_url|absolute_url|prepend:\s*site\.baseurl)\s*-?\}\}"
)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# ![alt](url "title") and [text](url); one level of brackets in the text, of parentheses in the url.
MARKDOWN_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]]|\[[^\]]*\])*)\]\(\s*"
    r"(?P<url><[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))*)"
    r"(?P<title>\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
REFERENCE = re.compile(r"^(?P<head> {0,3}\[(?!\^)[^\]]+\]:[ \t]*)(?P<url><[^<>\n]*>|\S+)")
HTML_TAG = re.compile(r"<(?P<name>img|a|source|video|audio|iframe|embed)\b[^>]*>", re.I)
URL_ATTRIBUTE = re.compile(
    r"(?P<name>\b(?:src|href|poster))\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s>\"']+))", re.I
)
ATTRIBUTE = r"\b{}\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+))"
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")
# "www.zenarmor.com/docs/…": a web address written without its scheme, not a path of the site.
BARE_HOST = re.compile(
    r"^(?:www\d?\.[\w\-]+(?:\.[\w\-]+)+|[\w\-]+(?:\.[\w\-]+)*\.(?:com|org|net|edu|gov|io|ai))(?:[/?#]|$)",
    re.I,
)
# A caption beside an image: "*Figure 2: …*", "_…_", "Figure 3. …", "<figcaption>…</figcaption>".
ITALIC_LINE = re.compile(r"^\s*(?:\*|_)(?!\*|_)(.+?)(?:\*|_)\s*$")
FIGURE_LINE = re.compile(r"^\s*(?:<p[^>]*>\s*)?(?:\*\*|__)?((?:Figure|Fig\.|Table)\s*\d*\s*[:.\-]?.*)$", re.I)
FIGCAPTION = re.compile(r"<figcaption[^>]*>(.*?)</figcaption>", re.I | re.S)
TAGS = re.compile(r"<[^>]+>")
CAPTION_LABEL = re.compile(r"^(?:Figure|Fig\.|Table)\s*\d*\s*[:.\-]\s*(?=\S)", re.I)
MARKUP = re.compile(r"[*_`]+|\[|\]\([^)]*\)|\]")
# What Jekyll never publishes as a file: its sources and its own folders.
NOT_PUBLISHED = {".md", ".markdown", ".html", ".htm", ".yml", ".yaml", ".liquid", ".scss"}


# Pure helpers -------------------------------------------------------------------------------
def readable_file_name(url: str) -> str:
    """ "AI_System_Lifecycle_diagram.png" -> "AI System Lifecycle diagram": an image's alt of last resort."""
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    stem = name.rsplit(".", 1)[0] if "." in name else name
    if not re.search(r"[^\W\d_]", stem):  # "1.png": its folder says more ("Skeleton Of Thought 1")
        stem = f"{PurePosixPath(unquote(urlsplit(url).path)).parent.name} {stem}"
    return " ".join(re.sub(r"[_\-+.]+", " ", stem).split()) or "image"


def plain_caption(text: str) -> str:
    """A caption as one line of plain text, short enough for an alt attribute."""
    text = " ".join(MARKUP.sub("", TAGS.sub(" ", html.unescape(text))).replace("\u200b", "").split())
    text = CAPTION_LABEL.sub("", text)  # "Figure 2: A chart" -> "A chart"
    if len(text) > 150:
        text = text[:150].rsplit(" ", 1)[0] + "…"
    return text


def caption_near(lines: list[str], index: int, after: str) -> str:
    """The caption of an image on `lines[index]`: a figcaption or an italic or "Figure …" line next to it.

    `after` is the rest of the image's own line: a figcaption may follow on it.
    """
    following = "\n".join([after, *lines[index + 1 : index + 4]])
    following = re.split(r"<img\b|!\[", following, maxsplit=1)[0]  # the next image's caption is its own
    if found := FIGCAPTION.search(following[:600]):
        return plain_caption(found.group(1))
    neighbours = [next((line for line in lines[index + 1 : index + 3] if line.strip()), "")]
    neighbours.append(next((line for line in reversed(lines[max(0, index - 2) : index]) if line.strip()), ""))
    for line in neighbours:
        if "<img" in line or "![" in line:
            continue  # another image, with a caption of its own
        if found := ITALIC_LINE.match(line) or FIGURE_LINE.match(line):
            return plain_caption(found.group(1))
    return ""


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(ATTRIBUTE.format(name), tag, re.I)
    return next((value for value in found.groups() if value is not None), "") if found else None


def rewrite_markdown(markdown: str, resolve: Callable[[str, bool], str]) -> str:
    """Every image and link address of `markdown` passed through `resolve(address, is_image)`.

    Markdown links and images, reference definitions, and `src`/`href` of HTML tags; Liquid link
    tags first become addresses. Images without alt text get their caption or file name as alt.
    Fenced code is left alone.
    """
    if not markdown:
        return markdown
    lines, fence = markdown.split("\n"), ""
    for index, line in enumerate(lines):
        if fence:
            fence = "" if line.strip().startswith(fence) else fence
            continue
        if opening := FENCE.match(line):
            fence = opening.group(1)[0] * 3
            continue
        if not any(mark in line for mark in ("](", "]:", "<", "{")):
            continue  # most lines hold no address
        line = LIQUID_URL_FILTER.sub(lambda m: m.group(1), line)
        line = LIQUID_POST_URL.sub(lambda m: resolve("{% post_url " + m.group(1) + " %}", False), line)
        line = LIQUID_LINK.sub(lambda m: resolve("{% link " + m.group(1) + " %}", False), line)
        line = MARKDOWN_LINK.sub(lambda m, at=index: _markdown_link(m, lines, at, resolve), line)
        line = REFERENCE.sub(lambda m: m.group("head") + _address(m.group("url"), False, resolve), line)
        line = HTML_TAG.sub(lambda m, at=index: _html_tag(m, lines, at, resolve), line)
        lines[index] = line
    return "\n".join(lines)


def _address(written: str, is_image: bool, resolve: Callable[[str, bool], str]) -> str:
    """One address, `<…>`-quoted or not, resolved; a resolved address never needs the quotes."""
    if written.startswith("<") and written.endswith(">"):
        resolved = resolve(written[1:-1], is_image)
        return written if resolved == written[1:-1] else resolved.replace(" ", "%20")
    return resolve(written, is_image)


def _markdown_link(match: re.Match, lines: list[str], index: int, resolve) -> str:
    is_image = bool(match.group("bang"))
    url, text = match.group("url"), match.group("text")
    if "](" in text:  # an image inside the link: [![alt](image)](target)
        text = MARKDOWN_LINK.sub(lambda inner: _markdown_link(inner, lines, index, resolve), text)
    new_url = _address(url, is_image, resolve) if url else url
    title = match.group("title") or ""
    if is_image and not text.strip():
        text = plain_caption(title.strip()[1:-1]) if title else ""
        text = text or caption_near(lines, index, lines[index][match.end() :]) or readable_file_name(url)
        text = text.replace("[", "(").replace("]", ")")
    if (text, new_url) == (match.group("text"), url):
        return match.group(0)
    return f"{match.group('bang')}[{text}]({new_url}{title})"


def _html_tag(match: re.Match, lines: list[str], index: int, resolve) -> str:
    tag = match.group(0)
    is_image = match.group("name").lower() == "img"

    def attribute(found: re.Match) -> str:
        url = next(
            value
            for value in (found.group("dq"), found.group("sq"), found.group("bare"))
            if value is not None
        )
        new_url = resolve(html.unescape(url), is_image)
        if new_url == html.unescape(url):
            return found.group(0)
        return f'{found.group("name")}="{html.escape(new_url, quote=True)}"'

    new_tag = URL_ATTRIBUTE.sub(attribute, tag)
    if is_image and not (_attribute(tag, "alt") or "").strip():
        src = _attribute(tag, "src") or ""
        alt = plain_caption(_attribute(tag, "title") or "")
        alt = alt or caption_near(lines, index, lines[index][match.end() :]) or readable_file_name(src)
        new_tag = re.sub(ATTRIBUTE.format("alt"), "", new_tag, flags=re.I)
        new_tag = f'<img alt="{html.escape(alt, quote=True)}"' + new_tag[len("<img") :]
    return new_tag


# One import's resolver ----------------------------------------------------------------------
@dataclass
class SitePaths:
    """Resolves the addresses of one site's posts; copies the site's files into media storage."""

    site_dir: Path
    site_url: str  # the old site's address, without a trailing slash ("" when unknown)
    posts: dict[str, str]  # source ("_posts/…md") -> permalink
    store: bool = True  # False on a dry run: nothing copied
    baseurl: str = ""
    weeks: dict[str, Week] = field(default_factory=dict)  # source -> the week imported from it
    pending: set[str] = field(default_factory=set)  # sources naming posts not imported yet
    counts: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    _by_path: dict[str, str] = field(default_factory=dict)
    _by_id: dict[str, str] = field(default_factory=dict)
    _files: dict[str, str | None] = field(default_factory=dict)  # site path -> media address
    _week_urls: dict[str, str] = field(default_factory=dict)  # source -> the week's address here
    _handed_out: set[str] = field(default_factory=set)  # week addresses put in texts

    @classmethod
    def for_site(
        cls, site_dir: Path, site_url: str, sources: list[str], *, config: SiteConfig, store: bool = True
    ) -> "SitePaths":
        posts = {
            source: post_permalink(source, front_matter(site_dir / source), config.permalink)
            for source in sources
        }
        baseurl = config.baseurl or urlsplit(site_url).path.strip("/")
        return cls(site_dir, site_url.rstrip("/"), posts, store=store, baseurl=baseurl)

    def __post_init__(self):
        for source, permalink in self.posts.items():
            self._by_path.setdefault(path_key(permalink), source)
            self._by_id[PurePosixPath(source).with_suffix("").name] = source
            self._by_id[source.removeprefix("_posts/").rsplit(".", 1)[0]] = source

    def week_saved(self, source: str, week: Week) -> None:
        self.weeks[source] = week
        self._week_urls.pop(source, None)

    def rewrite_post(self, post, source: str) -> None:
        """The post's intro and body, and its readings' notes and abstracts, with every address resolved."""
        post.intro, post.body = self.rewrite(post.intro, source), self.rewrite(post.body, source)
        for reading in post.readings:
            reading.notes = self.rewrite(reading.notes, source)
            reading.abstract = self.rewrite(reading.abstract, source)

    def rewrite(self, markdown: str, source: str) -> str:
        """`markdown` of the post `source`, every address resolved."""
        return rewrite_markdown(markdown, lambda url, is_image: self.resolve(url, source, is_image))

    def resolve(self, url: str, source: str, is_image: bool = False) -> str:
        if found := re.fullmatch(r"\{% (post_url|link) (\S+) %\}", url):
            return self._liquid(found.group(1), found.group(2), source)
        written = url.strip()
        if not written or written.startswith(("#", "//")) or self._is_ours(written):
            return url
        if SCHEME.match(written):
            return self._web(url, source)
        if BARE_HOST.match(written) and not (self.site_dir / unquote(written.split("/")[0])).exists():
            return "https://" + written
        parts = urlsplit(written)
        suffix = written[len(parts.path) :]
        page = self.posts.get(source, "/")
        candidates = (
            [parts.path]
            if parts.path.startswith("/")
            else [urljoin(page, parts.path), urljoin("/", parts.path)]
        )
        for path in candidates:
            path = self._without_baseurl(path)
            if (target := self._by_path.get(path_key(path))) is not None:
                return self._post_address(target, source, path + suffix)
            if (media := self._file(path)) is not None:
                return media + suffix
        return self._old_site(self._without_baseurl(candidates[0]) + suffix, url, source)

    # Addresses of each kind -------------------------------------------------------------------
    def _is_ours(self, url: str) -> bool:
        media = settings.MEDIA_URL
        page = url.split("#")[0]
        return (media.startswith("/") and url.startswith(media)) or page in self._handed_out

    def _web(self, url: str, source: str) -> str:
        """A web address stays as written, unless it is a post of the old site: then its week here."""
        prefix = self.site_url.lower() + "/"
        if self.site_url and url.lower().startswith(prefix):
            path = "/" + urlsplit(url).path[len(urlsplit(self.site_url).path) :].lstrip("/")
            if (target := self._by_path.get(path_key(path))) is not None:
                return self._post_address(target, source, url, keep=url)
        return url

    def _liquid(self, tag: str, argument: str, source: str) -> str:
        argument = argument.strip("'\"")
        key = argument.rsplit(".", 1)[0] if tag == "link" else argument
        target = self._by_id.get(key.removeprefix("_posts/")) or self._by_id.get(PurePosixPath(key).name)
        if target is not None:
            return self._post_address(target, source, self.posts[target])
        if tag == "link":  # a page or file of the site: Jekyll publishes a page as .html
            return self.resolve("/" + re.sub(r"\.(md|markdown)$", ".html", argument.lstrip("/")), source)
        self.problems.append(f"{source}: {{% post_url {argument} %}} names no post of the site")
        return self._old_site("/", argument, source)

    def _post_address(self, target: str, source: str, path: str, keep: str = "") -> str:
        if target in self.weeks:
            # Addresses are asked for only now: the first reverse() loads every URL pattern (a second).
            if target not in self._week_urls:
                self._week_urls[target] = self.weeks[target].get_absolute_url()
            self._handed_out.add(self._week_urls[target])
            return self._week_urls[target]
        self.pending.add(source)  # the week comes later in this import: linked again at the end
        return keep or self._old_site(path, path, source)

    def _old_site(self, path: str, written: str, source: str) -> str:
        if not self.site_url:
            self.problems.append(f"{source}: {written} is not in the site and no --site-url was given")
            return written
        self.counts["paths linked to the old site"] += 1
        return self.site_url + "/" + quote(path.lstrip("/"), safe="/:@!$&'()*+,;=%-._~?#")

    def _without_baseurl(self, path: str) -> str:
        if self.baseurl and path.lower().startswith(f"/{self.baseurl.lower()}/"):
            return path[len(self.baseurl) + 1 :]
        return path

    def _file(self, path: str) -> str | None:
        """The media address of the site's file at `path`, copied on first use; None if there is none."""
        if path not in self._files:
            self._files[path] = self._copy(path)
        return self._files[path]

    def _copy(self, path: str) -> str | None:
        relative = PurePosixPath(unquote(path).lstrip("/"))
        local = self.site_dir / relative
        if (
            not relative.parts
            or relative.suffix.lower() in NOT_PUBLISHED
            or any(part.startswith(("_", ".")) or part == ".." for part in relative.parts)
            or not local.is_file()
        ):
            return None
        name = f"{STORED_UNDER}/{relative.as_posix()}"
        if self.store:
            if default_storage.exists(name):
                if default_storage.size(name) == local.stat().st_size:
                    return default_storage.url(name)  # copied by an earlier import
                default_storage.delete(name)
            with local.open("rb") as handle:
                name = default_storage.save(name, File(handle))
        self.counts["files copied"] += 1
        return default_storage.url(name)


def site_paths_for_import(
    site_dir: Path, site_url: str, posts: list[Path], *, config: SiteConfig, store: bool
) -> SitePaths:
    """The resolver of one import of `posts`, knowing the weeks earlier imports made from them."""
    sources = [path.relative_to(site_dir).as_posix() for path in posts]
    paths = SitePaths.for_site(site_dir, site_url, sources, config=config, store=store)
    for week in Week.objects.filter(source_path__in=sources).select_related("term"):
        paths.week_saved(week.source_path, week)
    return paths


def weeks_relink(*, paths: SitePaths) -> int:
    """Link the posts named before their weeks existed to those weeks; how many rows changed.

    Weeks are imported post by post, so a post linking to a later one first links the old site;
    once all are in, their texts are resolved again. A re-import finds every week at once and
    changes nothing here.
    """
    changed = 0
    weeks = Week.objects.filter(source_path__in=sorted(paths.pending)).prefetch_related(
        "presentations__paper"
    )
    for week in weeks:
        source = week.source_path
        intro, body = paths.rewrite(week.intro, source), paths.rewrite(week.body, source)
        if (intro, body) != (week.intro, week.body):
            week.intro, week.body = intro, body
            week.save()
            changed += 1
        for row in week.presentations.all():
            notes = paths.rewrite(row.notes, source)
            if notes != row.notes:
                row.notes = notes
                row.save()
                changed += 1
            abstract = paths.rewrite(row.paper.abstract, source) if row.paper else ""
            if row.paper and abstract != row.paper.abstract:
                row.paper.abstract = abstract
                row.paper.save()
                changed += 1
    return changed
