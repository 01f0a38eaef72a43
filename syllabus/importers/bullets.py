"""Which reading a bullet under a paper heading belongs to: the paper's, or one of its own.

Under `### Paper title`, bullets give the paper's links, authors and abstract. Some bullets are
other works: `+ grouped query attention: https://…` (a title and a link), a repository or blog
post set apart from the paper's items by a blank line and named after something else, the
addresses listed under such a link. A bullet that only adds a link (`- code: [github](…)`,
`- [PDF](…)`) or repeats the paper's name stays with the paper (or with the bullet it is indented under).
"""

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from syllabus.importers.links import LINK_WORDS, host_of, link_text, only_link_words, words_of

if TYPE_CHECKING:
    from syllabus.importers.jekyll import Reading

PAPER, LAST, OWN = "paper", "last", "own"  # where an item goes: see `placement`


@dataclass
class Item:
    """One item under a heading, as written: a bullet (or a paragraph) and the lines that continue it."""

    line: int
    indent: int
    bullet: bool
    blank_before: bool  # a blank line between it and the item above
    text: str = ""


@dataclass
class Group:
    """The items read so far under one paper heading, and the bullets that became readings of their own."""

    paper: "Reading"
    items: int = 0  # how many went to the paper
    readings: list["Reading"] = field(default_factory=list)
    last_indent: int = -1  # the indent of the last of those bullets (-1: none yet)
    last_links_only: bool = False  # that bullet was only an address (its title made from it)

    def add(self, reading: "Reading", indent: int, *, links_only: bool) -> None:
        self.readings.append(reading)
        self.last_indent, self.last_links_only = indent, links_only


def placement(group: Group, item: Item, rest: str, labels: list[str], bare: list[str]) -> str:
    """PAPER, LAST (the last bullet's own reading) or OWN (a new reading) for one item.

    `rest` is the item's plain text less its links; `labels` the texts of its `[text](url)` links,
    `bare` its bare addresses.
    """
    under_last = group.last_indent >= 0 and item.indent > group.last_indent
    into = LAST if under_last else PAPER
    if not item.bullet or not (labels or bare):
        return into
    named = [label for label in labels if not link_text(label)]
    if rest:  # "Related: [blog post](…)" says what the link is to the item above; "Name: url" is a work
        return OWN if not only_link_words(rest) and own_title(rest, group.paper.title) else into
    if labels and not named and not bare:  # "[PDF](…)", "code: [github](…)"
        return into
    names = " ".join(named) or " ".join(_url_words(url) for url in bare)
    if group.last_links_only and item.indent >= group.last_indent:
        return OWN  # the next address of a list of addresses
    if _shares_a_word(names, group.paper.title):
        return into  # its repository, its blog post: the paper's own link
    if item.blank_before and group.items:
        return OWN  # set apart from the paper's items and named after something else
    if any(len(_title_words(label)) >= 3 for label in named):
        return OWN  # "[A Survey of Large Language Models](…)" under another paper
    return into


def own_title(rest: str, paper_title: str) -> bool:
    """ "grouped query attention", "Paged attention": a short name before a link, not a sentence,
    authors, a date, words naming the link ("Slides by Jack") or the paper's own title again."""
    words = rest.split()
    sentence = rest.rstrip().endswith(".") or ". " in rest  # "Torchtune - training. Github"
    if not 2 <= len(words) <= 25 or sentence or "," in rest:
        return False
    if words_of(words[0]) and words_of(words[0])[0] in LINK_WORDS:
        return False
    return len(_title_words(rest)) >= 2 and not _shares_most(rest, paper_title)


def url_title(url: str) -> str:
    """A name for a work known only by its address: the address as the post showed it, less its scheme."""
    name = re.sub(r"^[a-z]+://(www\.)?", "", url, flags=re.I)
    return name.rstrip("/") or url


def _url_words(url: str) -> str:
    path = url.split(host_of(url), 1)[-1]
    return " ".join(words_of(path))


def _title_words(text: str) -> set[str]:
    return {word for word in words_of(text) if len(word) > 2 and word not in LINK_WORDS}


def _stems(text: str) -> set[str]:
    """Words of four letters or more, cut to five: "Practical" and "Practice" share "pract"."""
    return {word[:5] for word in words_of(text) if len(word) >= 4 and word not in LINK_WORDS}


def _shares_a_word(name: str, title: str) -> bool:
    return bool(_stems(name) & _stems(title))


def _shares_most(name: str, title: str) -> bool:
    mine = _stems(name)
    return bool(mine) and len(mine & _stems(title)) / len(mine) >= 0.6
