"""The old site's markdown (kramdown, GitHub Pages' GFM reader) rewritten for Python-Markdown.

kramdown starts a list right after a paragraph line, nests an item under its parent as soon as it
is indented to the parent's text (two spaces under `+ `, three under `1. `), and reads an item of
the other kind (`1.` under a `-` item, no blank line between) as a list inside the item above.
Python-Markdown (syllabus/markup.py) wants a blank line before a list and four spaces a level.
`kramdown_normalise` rewrites the list lines so that both show the same lists, and leaves every
other line as it is; code (fenced or indented), tables, footnotes and HTML are not touched.
"""

import re
from dataclasses import dataclass

# `-`, `+`, `*` or `1.` (kramdown reads no `1)`), a space, then the item's text (the next line's if none).
ITEM = re.compile(r"^( *)([*+\-]|\d{1,9}\.)([ \t]+)(\S.*|)$")
FENCE = re.compile(r"^ *(`{3,}|~{3,})")
RULE = re.compile(r"^ {0,3}([*\-_])(?:[ \t]*\1){2,}[ \t]*$")  # `---`, `* * *`: a rule, not items
HEADING = re.compile(r"^ {0,3}#{1,6}(\s|$)")
FOOTNOTE_DEFINITION = re.compile(r"^ {0,3}\[\^[^\]]+\]:")
# A block of HTML (`<div>`, `<p align="center">`, …) outside lists: raw up to the next blank line.
HTML_BLOCK = re.compile(
    r"^ {0,3}</?(div|p|table|thead|tbody|tr|td|th|ul|ol|li|dl|details|summary|section|figure|center|"
    r"blockquote|pre|iframe|video|style|script)\b",
    re.I,
)
TOC_MARKER = "[TOC]"
NESTING = 4  # Python-Markdown's columns per list level


@dataclass
class _Item:
    content: int  # the column where the item's text starts, counted inside its parent item's text
    ordered: bool


def kramdown_normalise(text: str) -> str:
    """The same markdown, its lists written the way Python-Markdown reads them as kramdown did.

    A list after a paragraph line gets a blank line before it, sub-items are indented four spaces
    a level, and a list of the other kind right under an item nests in it. Lines outside lists
    are unchanged.
    """
    return "\n".join(_rewrite(text)[0])


def kramdown_item_count(text: str) -> int:
    """How many list items kramdown shows for the markdown (its own `<li>` tags not counted)."""
    return _rewrite(text)[1]


def _rewrite(text: str) -> tuple[list[str], int]:
    """The lines of `kramdown_normalise`, and how many list items they hold."""
    out: list[str] = []
    count = 0
    items: list[_Item] = []  # the open items, outermost first
    fence, blank_before, block_indent, in_html = "", True, 0, False
    for raw in (text or "").split("\n"):
        line = _expand_indent(raw)
        indent = len(line) - len(line.lstrip(" "))  # a no-break space is text, not indentation
        item = ITEM.match(line)
        if fence:  # fenced code: only its indentation moves with its item
            out.append(_shift(line, items) if items else raw)
            fence = "" if line.strip().startswith(fence) else fence
            continue
        if not line.strip():
            out.append("")
            blank_before, in_html = True, False
            continue
        if in_html or (not items and blank_before and HTML_BLOCK.match(line)):
            out.append(raw)  # kramdown shows HTML as written; a list inside it is the HTML's own
            blank_before, in_html = False, True
            continue
        if opening := FENCE.match(line):
            fence = opening.group(1)[0] * 3
            if items and indent < items[0].content:
                items.clear()
            out.append(_shift(line, items) if items else raw)
        elif RULE.match(line) or HEADING.match(line) or FOOTNOTE_DEFINITION.match(line):
            if items and not blank_before:
                out.append("")  # shown as a rule, heading or footnote, not as a line of the item
            items.clear()
            out.append(raw)
        elif (
            item
            and (level := _item_level(items, indent, item.group(2)[0].isdigit(), blank_before)) is not None
        ):
            new_indent = NESTING * level
            if not blank_before and out and ((level == 0 and not items) or new_indent < block_indent):
                # A list right after a paragraph line; or an item that Python-Markdown would read as
                # more text of the indented block above it.
                out.append("")
                blank_before = True
            relative = _relative_indent(items[:level], indent)
            del items[level:]
            marker = item.group(2)
            spaces = len(item.group(3)) if item.group(4) else 1
            items.append(_Item(relative + len(marker) + spaces, marker[0].isdigit()))
            out.append(" " * new_indent + marker + " " + item.group(4))
            count += 1
        elif items and not blank_before and _empty_item(out[-1]):
            out[-1] += line[indent:]  # the text of an item whose marker stood alone on its line
        elif items and not blank_before:  # more text of the deepest item, whatever its indent
            out.append(" " * (NESTING * len(items)) + line[indent:])
        elif items:  # after a blank line: a paragraph of the item it is indented under, or none
            depth, relative = _content_depth(items, indent)
            del items[depth:]
            out.append(" " * (NESTING * depth + relative) + line[indent:] if items else raw)
        else:
            out.append(raw)
        if blank_before:
            block_indent = len(out[-1]) - len(out[-1].lstrip())
        blank_before = False
    return out, count


def _empty_item(line: str) -> bool:
    """ "- " alone: an item whose text is on the next line."""
    item = ITEM.match(line)
    return bool(item) and not item.group(4)


def _content_depth(items: list[_Item], indent: int) -> tuple[int, int]:
    """How many open items a line is indented under, and its indent inside the deepest of them."""
    depth = 0
    while depth < len(items) and indent >= items[depth].content:
        indent -= items[depth].content
        depth += 1
    return depth, indent


def _relative_indent(items: list[_Item], indent: int) -> int:
    """A line's indent inside the text of the deepest of `items`, as far as it is indented under them."""
    for item in items:
        indent = indent - item.content if indent >= item.content else indent
    return indent


def _item_level(items: list[_Item], indent: int, ordered: bool, blank_before: bool) -> int | None:
    """At which depth (0 = outermost) an item line adds an item, as kramdown reads it; None: not an item.

    Walking down the open items: an item of the same kind indented less than the item's text is
    its sibling; one indented to the text is inside it; any other line right after the item (no
    blank line) is more of its text, where a marker starts a list inside it; after a blank line
    the list ends there.
    """
    relative = indent
    for depth, item in enumerate(items):
        if item.ordered == ordered and relative <= min(3, item.content - 1):
            return depth
        if relative >= item.content:
            relative -= item.content
        elif blank_before:
            return depth if relative <= 3 else None
    if relative > 3:
        return None  # indented code, or four spaces in a paragraph: text, not a list
    return len(items)


def _expand_indent(line: str) -> str:
    """Tabs in a line's indentation as kramdown counts them (to the next multiple of four)."""
    stripped = line.lstrip(" \t")
    return line[: len(line) - len(stripped)].expandtabs(NESTING) + stripped


def _shift(line: str, items: list[_Item]) -> str:
    """A line of fenced code inside a list item, moved with the item's new indentation."""
    content = items[-1].content
    body = line[content:] if line[:content].strip(" ") == "" else line.lstrip(" ")
    return " " * (NESTING * len(items)) + body


def with_table_of_contents(text: str) -> str:
    """The text with Python-Markdown's `[TOC]` marker on top, if it has headings to list."""
    if TOC_MARKER in text or not any(HEADING.match(line) for line in text.split("\n")):
        return text
    return f"{TOC_MARKER}\n\n{text}"
