"""Rules for the text that people type: names are one line, and every text is valid Unicode.

The same validator sits on the model fields, so the admin and the API refuse the same input,
and the same normaliser cleans what older rows (imports) hold before it reaches a feed.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

# Control characters (line breaks, tabs, NUL...), lone surrogates, and the Unicode line and
# paragraph separators: none of them belongs in a one-line name.
NOT_IN_A_NAME = {"Cc", "Cs", "Zl", "Zp"}
# What XML 1.0 (the Atom feed) cannot carry at all: control characters other than tab and newlines,
# surrogates, and the two non-characters U+FFFE and U+FFFF.
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def first_forbidden_character(text: str) -> str | None:
    """The first character of `text` that a one-line name may not hold, or None."""
    return next((char for char in text if unicodedata.category(char) in NOT_IN_A_NAME), None)


def describe_character(char: str) -> str:
    """`U+000A (line feed)`: how a message names an invisible character."""
    name = {"\n": "line feed", "\r": "carriage return", "\t": "tab"}.get(char)
    fallback = "a lone surrogate" if unicodedata.category(char) == "Cs" else "a control character"
    name = name or unicodedata.name(char, fallback)
    return f"U+{ord(char):04X} ({name.lower()})"


@deconstructible
class SingleLineValidator:
    """Refuse line breaks, tabs and other control characters (and lone surrogates) in a name."""

    message = "This must be a single line: remove the {character}."
    code = "single_line"

    def __call__(self, value) -> None:
        if isinstance(value, str) and (char := first_forbidden_character(value)) is not None:
            if unicodedata.category(char) == "Cs":
                raise ValidationError(
                    "This text is not valid Unicode (it holds a lone surrogate).", code=self.code
                )
            raise ValidationError(self.message.format(character=describe_character(char)), code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, SingleLineValidator)


validate_single_line = SingleLineValidator()


def single_line(text: str) -> str:
    """`text` as one line: every forbidden character and run of white space becomes one space."""
    spaced = "".join(" " if unicodedata.category(char) in NOT_IN_A_NAME else char for char in text or "")
    return " ".join(spaced.split())


def xml_safe(text: str) -> str:
    """`text` without the characters that XML 1.0 cannot hold (a bare carriage return becomes a newline)."""
    return NOT_IN_XML.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


def multiline(text: str) -> str:
    """`text` with `\\n` as its only line break and no other control character (for calendar notes)."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(single_line(line) for line in lines)
