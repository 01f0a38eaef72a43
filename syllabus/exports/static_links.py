"""Rewriting the links of exported files: HTML attributes, addresses in text, CSS url(), iCalendar lines.

Each rewriter is given a `link` function: it takes a link as written (relative, root-relative or
absolute) and returns what to write instead, the same text for a link it leaves alone, or None
for a link to a page the archive cannot hold (the element holding it is dropped from HTML).
"""

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser

LinkFunction = Callable[[str], str | None]

URL_ATTRIBUTES = {"href", "src", "action", "poster", "data", "cite"}
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# Between links of a list ("Atom feed · Instructors"): goes with a dropped link, not left dangling.
SEPARATOR = re.compile(r"\s*[·|]\s*$")
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")\s]+)\1\s*\)""")


def absolute_url_pattern(host: str) -> re.Pattern:
    """Addresses on the site's own host in running text (feeds, sitemaps, JSON-LD, .ics)."""
    # Not &, < or a backslash: they end a URL in XML, HTML and iCalendar text (`\n` escapes).
    return re.compile(rf"https?://{re.escape(host)}(?:/[^\s\"'<>&\\]*)?", re.IGNORECASE)


def text_rewrite(text: str, *, pattern: re.Pattern, link: LinkFunction) -> str:
    """Every address on the site's host in `text` rewritten; a dropped one is left as it was."""

    def replace(match: re.Match) -> str:
        url = match.group(0)
        trailing = ""
        while url and url[-1] in ".,;:)":  # prose around an address, not part of it
            url, trailing = url[:-1], url[-1] + trailing
        return (link(url) or url) + trailing

    return pattern.sub(replace, text)


def css_rewrite(text: str, *, link: LinkFunction) -> str:
    def replace(match: re.Match) -> str:
        quote, url = match.group(1), match.group(2)
        if url.startswith(("data:", "#")):
            return match.group(0)
        return f"url({quote}{link(url) or url}{quote})"

    return CSS_URL.sub(replace, text)


def ics_rewrite(text: str, *, pattern: re.Pattern, link: LinkFunction) -> str:
    """Lines are unfolded before rewriting (an address may span a fold) and folded again at 75 octets."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    lines = text_rewrite(unfolded, pattern=pattern, link=link).splitlines()
    return "".join(_ics_fold(line) + "\r\n" for line in lines)


def _ics_fold(line: str) -> str:
    pieces, current, size, limit = [], [], 0, 75
    for character in line:
        octets = len(character.encode())
        if size + octets > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(character)
        size += octets
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def srcset_rewrite(value: str, *, link: LinkFunction) -> str:
    candidates = []
    for candidate in value.split(","):
        parts = candidate.strip().split(maxsplit=1)
        if not parts:
            continue
        new = link(parts[0])
        if new is None:
            continue
        candidates.append(" ".join([new, *parts[1:]]))
    return ", ".join(candidates)


class HtmlRewriter(HTMLParser):
    """Writes the document back as it was read, with its links rewritten and dead-end elements left out."""

    def __init__(self, *, link: LinkFunction, text: Callable[[str], str]):
        super().__init__(convert_charrefs=False)  # character references are copied, not decoded
        self.link, self.text = link, text
        self.out: list[str] = []
        self.skipping: str | None = None  # the tag of the element being left out
        self.depth = 0

    def rewrite(self, document: str) -> str:
        self.feed(document)
        self.close()
        return "".join(self.out)

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, closed=True)

    def _start(self, tag: str, attrs: list, *, closed: bool) -> None:
        if self.skipping:
            if tag == self.skipping and not closed:
                self.depth += 1
            return
        changed, new_attrs = False, []
        for name, value in attrs:
            new = value
            if value is None:  # a boolean attribute (download, hidden)
                pass
            elif name in URL_ATTRIBUTES:
                new = self.link(value)
                if new is None:  # a link to what the archive cannot hold: the element goes
                    self._drop(tag, closed=closed)
                    return
            elif name in ("srcset", "imagesrcset"):
                new = srcset_rewrite(value, link=self.link) or ""
            elif tag == "meta" and name == "content":
                new = self.text(value)
            changed |= new != value
            new_attrs.append((name, new))
        if not changed:
            self.out.append(self.get_starttag_text())
            return
        written = "".join(
            f" {name}" if value is None else f' {name}="{html.escape(value)}"' for name, value in new_attrs
        )
        self.out.append(f"<{tag}{written}{' /' if closed else ''}>")

    def _drop(self, tag: str, *, closed: bool) -> None:
        if self.out:
            self.out[-1] = SEPARATOR.sub("", self.out[-1])
        if not closed and tag not in VOID_ELEMENTS:
            self.skipping, self.depth = tag, 1

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping:
                self.depth -= 1
                if not self.depth:
                    self.skipping = None
            return
        self.out.append(f"</{tag}>")

    def _copy(self, text: str) -> None:
        if not self.skipping:
            self.out.append(text)

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(self.text(data))

    def handle_entityref(self, name):
        self._copy(f"&{name};")

    def handle_charref(self, name):
        self._copy(f"&#{name};")

    def handle_comment(self, data):
        self._copy(f"<!--{data}-->")

    def handle_decl(self, decl):
        self._copy(f"<!{decl}>")

    def handle_pi(self, data):
        self._copy(f"<?{data}>")

    def unknown_decl(self, data):
        self._copy(f"<![{data}]>")
