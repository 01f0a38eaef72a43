"""Rewriting the links of exported files: HTML attributes, addresses in text, CSS url(), iCalendar lines.

Each rewriter is given a `link` function: it takes a link as written (relative, root-relative or
absolute) and returns what to write instead, the same text for a link it leaves alone, or None
for a link to a page the archive cannot hold (the element holding it is dropped from HTML).
"""

import html
import json
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


def ics_without_site_urls(text: str, *, pattern: re.Pattern) -> str:
    """The calendar without its URL properties that name the site (for an archive with no address)."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text)
    lines = [
        line
        for line in unfolded.splitlines()
        if not (re.match(r"URL[;:]", line, re.IGNORECASE) and pattern.fullmatch(line.split(":", 1)[1]))
    ]
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
    """Writes the document back as it was read, with its links rewritten and dead-end elements left out.

    `link` rewrites attributes that hold a link, `text` addresses in running text. `absolute`
    rewrites the values that must stay absolute addresses (a canonical link, the content of meta
    tags, JSON-LD) and may return None to drop the element. Text in <pre>, <code> and <textarea> is
    text to copy, not links: it goes through `code_text`. Elements with a class of `drop_classes`
    are left out.
    """

    def __init__(
        self,
        *,
        link: LinkFunction,
        text: Callable[[str], str],
        absolute: LinkFunction | None = None,
        code_text: Callable[[str], str] | None = None,
        drop_classes: frozenset[str] = frozenset(),
    ):
        super().__init__(convert_charrefs=False)  # character references are copied, not decoded
        self.link, self.text = link, text
        self.absolute = absolute or text
        self.code_text = code_text or (lambda value: value)
        self.drop_classes = drop_classes
        self.out: list[str] = []
        self.skipping: str | None = None  # the tag of the element being left out
        self.depth = 0
        self.code_depth = 0  # inside <pre>, <code> or <textarea>
        self.json_ld = False  # inside <script type="application/ld+json">

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
        values = dict(attrs)
        if self.drop_classes & set((values.get("class") or "").split()):
            self._drop(tag, closed=closed)
            return
        canonical = tag == "link" and "canonical" in (values.get("rel") or "").lower().split()
        changed, new_attrs = False, []
        for name, value in attrs:
            new = value
            if value is None:  # a boolean attribute (download, hidden)
                pass
            elif name in URL_ATTRIBUTES or (tag == "meta" and name == "content"):
                rewrite = self.absolute if canonical or tag == "meta" else self.link
                new = rewrite(value)
                if new is None:  # a link to what the archive cannot hold: the element goes
                    self._drop(tag, closed=closed)
                    return
            elif name in ("srcset", "imagesrcset"):
                new = srcset_rewrite(value, link=self.link) or ""
            changed |= new != value
            new_attrs.append((name, new))
        if tag in ("pre", "code", "textarea") and not closed:
            self.code_depth += 1
        self.json_ld = tag == "script" and (values.get("type") or "").lower() == "application/ld+json"
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
        if tag in ("pre", "code", "textarea"):
            self.code_depth = max(0, self.code_depth - 1)
        self.json_ld = False
        self.out.append(f"</{tag}>")

    def _copy(self, text: str) -> None:
        if not self.skipping:
            self.out.append(text)

    def handle_data(self, data):
        if self.skipping:
            return
        if self.json_ld:
            self.out.append(_json_ld_rewrite(data, absolute=self.absolute))
        elif self.code_depth:
            self.out.append(self.code_text(data))
        else:
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


def _json_ld_rewrite(data: str, *, absolute: LinkFunction) -> str:
    """JSON-LD with each string rewritten by `absolute`; a field it returns None for is left out."""
    try:
        document = json.loads(data)
    except ValueError:
        return data

    left_out = object()

    def walk(value):
        if isinstance(value, dict):
            pairs = ((key, walk(item)) for key, item in value.items())
            return {key: item for key, item in pairs if item is not left_out}
        if isinstance(value, list):
            return [item for item in map(walk, value) if item is not left_out]
        if isinstance(value, str):
            new = absolute(value)
            return left_out if new is None else new
        return value

    # As Django's json_script writes it: no "</script>" can end the element early.
    text = json.dumps(walk(document), ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003C").replace(">", "\\u003E").replace("&", "\\u0026")
