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


# "and" or "&" between names; "; " when names hold commas ("Smith, J.; Doe, A.").
AUTHOR_SEPARATOR = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)
# A family name written first: one word, after lowercase particles ("van der Berg").
FAMILY_NAME = re.compile(r"(?:[a-z]+['\u2019]?\s+)*[^\W\d_][\w'\u2019-]*")
INITIALS = re.compile(r"(?:[^\W\d_]\.\s*-?\s*)+")


def authors_split(text: str) -> list[str]:
    """The authors as a list: the one reading of `Paper.authors` (BibTeX, RIS, CSV, JSON-LD, keys).

    Names are kept as credited. Lists read: "A, B, and C", "A, B & C", "Smith, J. and Doe, A."
    (BibTeX's family-first names), "Smith, J., Doe, A." (initials after each family name) and
    "Smith, J.; Doe, A.".
    """
    if ";" in text:
        return _names(text.split(";"), separator=AUTHOR_SEPARATOR)
    between_ands = _names(AUTHOR_SEPARATOR.split(text))
    if len(between_ands) > 1 and all(_family_first(name) for name in between_ands):
        return between_ands
    names = _names(text.split(","), separator=AUTHOR_SEPARATOR)
    pairs = list(zip(names[::2], names[1::2], strict=False))
    if len(names) % 2 == 0 and all(
        _family_first(f"{family}, {given}", initials=True) for family, given in pairs
    ):
        return [f"{family}, {given}" for family, given in pairs]
    return names


def _names(parts: list[str], *, separator: re.Pattern | None = None) -> list[str]:
    """Parts stripped, each split again by `separator`, a leading "and"/"&" dropped, blanks dropped."""
    names = []
    for part in parts:
        for piece in separator.split(part) if separator else [part]:
            name = re.sub(r"^(?:and|&)\s+", "", piece.strip(), flags=re.IGNORECASE).strip()
            if name:
                names.append(name)
    return names


def _family_first(name: str, *, initials: bool = False) -> bool:
    """Whether `name` reads "Family, Given" (with `initials`: "Family, J. R.")."""
    family, comma, given = name.partition(",")
    if not comma or "," in given or not given.strip():
        return False
    given_fits = INITIALS.fullmatch(given.strip()) if initials else given.strip()
    return bool(given_fits and FAMILY_NAME.fullmatch(family.strip()))


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
