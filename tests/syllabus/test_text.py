"""The text rules every app shares: what a one-line name may hold, and how stored text is cleaned for feeds."""

import pytest
from django.core.exceptions import ValidationError

from syllabus.text import multiline, single_line, validate_single_line, xml_safe


@pytest.mark.parametrize(
    "text, message",
    [
        ("a\nb", "This must be a single line: remove the U+000A (line feed)."),
        ("a\u2028b", "This must be a single line: remove the U+2028 (line separator)."),
        ("a\x85b", "This must be a single line: remove the U+0085 (a control character)."),
        ("a\x00b", "This must be a single line: remove the U+0000 (a control character)."),
        ("a\ud800b", "This text is not valid Unicode (it holds a lone surrogate)."),
    ],
)
def test_one_line_names_refuse_breaks_controls_and_surrogates(text, message):
    with pytest.raises(ValidationError) as refused:
        validate_single_line(text)

    assert refused.value.messages == [message]


def test_ordinary_names_pass():
    for text in ["Yann LeCun", "Émile Borel", "Ko\u00a0Kim", "注意力机制", "🙂 emoji"]:
        validate_single_line(text)


def test_stored_text_is_cleaned_for_each_kind_of_feed_field():
    assert single_line(" Fall\r\n2026\t(part\x0b2)\u2029 ") == "Fall 2026 (part 2)"
    assert multiline("Adam\r\nSGD\rRMSProp\x01!") == "Adam\nSGD\nRMSProp !"
    assert xml_safe("a\x01b\rc\ufffe\ttab") == "ab\nc\ttab"
