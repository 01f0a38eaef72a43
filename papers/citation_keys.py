"""Citation keys (`vaswani2017attention`) from a paper's own fields.

Kept apart from papers/citations.py so that the model can assign a paper's key when it is first
saved (Paper.save) without importing the exporters; the exports then read the stored key, so a
paper has the same key in every file it is ever exported in.
"""

import re
import unicodedata
from collections.abc import Iterator

from bibtexparser.middlewares.names import parse_single_name_into_parts

# Words skipped when a title's first meaningful word is chosen for a key ("Attention is all you
# need" -> attention, "On the dangers of ..." -> dangers).
TITLE_STOPWORDS = frozenset(
    "a an the on of in for to and or with without towards toward via from by at is are do does what "  # noqa: SIM905
    "how why when where which can we you your our beyond into".split()
)
# Letters that Unicode does not decompose into an ASCII base letter.
ASCII_FOLD = str.maketrans(
    {"ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)
# Written after the last author when the list is cut short ("A, B, et al.").
ET_AL = "et al."


def authors_split(authors: str) -> list[str]:
    """Authors kept as text, comma-separated ("A, B, and C" works too), as a list."""
    names = []
    for part in re.split(r"[,;]|\s+and\s+|\s+&\s+", authors):
        name = re.sub(r"^(and|&)\s+", "", part.strip())
        if name:
            names.append(name)
    return names


def ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold().translate(ASCII_FOLD))
    return re.sub(r"[^a-z0-9]", "", folded.encode("ascii", "ignore").decode())


def first_author_family(authors: str) -> str:
    """The first author's family name, folded to ASCII ("" without authors): `Jürgen Schmidhuber` -> schmidhuber."""
    names = [name for name in authors_split(authors) if name != ET_AL]
    if not names:
        return ""
    parts = parse_single_name_into_parts(names[0], strict=False)
    return ascii_word("".join(parts.last or parts.first))


def citation_key_base(*, title: str, authors: str, year: int | None) -> str:
    """author-year-word, e.g. `vaswani2017attention`: the key before a clash with another paper's."""
    words = [ascii_word(word) for word in re.split(r"[\s\-:/]+", title)]
    meaningful = [word for word in words if word and word not in TITLE_STOPWORDS]
    word = meaningful[0] if meaningful else "paper"
    return f"{first_author_family(authors) or 'anon'}{year or ''}{word}"[:100]


def key_suffixes() -> Iterator[str]:
    """ "", a, b, ..., z, aa, ab, ...: the first paper with a base key has it bare."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield ""
    yield from letters
    for first in letters:
        for second in letters:
            yield first + second


def citation_key_free(base: str, taken: set[str]) -> str:
    """The base key, or with the first letter suffix no other paper has."""
    return next(base + suffix for suffix in key_suffixes() if base + suffix not in taken)
