import pytest

from papers.lookup import Identifier, IdentifierError, find_identifier, parse_identifier


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1706.03762", Identifier("arxiv", "1706.03762")),
        ("  1706.03762v5 ", Identifier("arxiv", "1706.03762", "v5")),
        ("0704.0001", Identifier("arxiv", "0704.0001")),
        ("2301.12345", Identifier("arxiv", "2301.12345")),
        ("arXiv:1706.03762", Identifier("arxiv", "1706.03762")),
        ("ARXIV:1706.03762v2", Identifier("arxiv", "1706.03762", "v2")),
        ("arXiv: 1706.03762", Identifier("arxiv", "1706.03762")),
        ("hep-th/9901001", Identifier("arxiv", "hep-th/9901001")),
        ("hep-th/9901001v3", Identifier("arxiv", "hep-th/9901001", "v3")),
        ("math.GT/0309136", Identifier("arxiv", "math.GT/0309136")),
        ("q-bio/0401001", Identifier("arxiv", "q-bio/0401001")),
        ("arXiv:math.GT/0309136v1", Identifier("arxiv", "math.GT/0309136", "v1")),
        ("https://arxiv.org/abs/1706.03762", Identifier("arxiv", "1706.03762")),
        ("http://arxiv.org/abs/1706.03762v5", Identifier("arxiv", "1706.03762", "v5")),
        ("https://arxiv.org/abs/1706.03762/", Identifier("arxiv", "1706.03762")),
        ("https://arxiv.org/abs/1706.03762?context=cs", Identifier("arxiv", "1706.03762")),
        ("https://arxiv.org/abs/1706.03762#section", Identifier("arxiv", "1706.03762")),
        ("https://arxiv.org/pdf/1706.03762", Identifier("arxiv", "1706.03762")),
        ("https://arxiv.org/pdf/1706.03762.pdf", Identifier("arxiv", "1706.03762")),
        ("https://arxiv.org/pdf/1706.03762v2.pdf", Identifier("arxiv", "1706.03762", "v2")),
        ("https://arxiv.org/pdf/1706.03762v2", Identifier("arxiv", "1706.03762", "v2")),
        ("https://arxiv.org/html/2301.12345v1", Identifier("arxiv", "2301.12345", "v1")),
        ("https://www.arxiv.org/abs/1706.03762", Identifier("arxiv", "1706.03762")),
        ("http://export.arxiv.org/abs/1706.03762", Identifier("arxiv", "1706.03762")),
        ("arxiv.org/abs/1706.03762", Identifier("arxiv", "1706.03762")),
        ("https://arxiv.org/abs/hep-th/9901001", Identifier("arxiv", "hep-th/9901001")),
        ("https://arxiv.org/pdf/math.GT/0309136v1.pdf", Identifier("arxiv", "math.GT/0309136", "v1")),
        ("https://arxiv.org/abs/math.GT%2F0309136", Identifier("arxiv", "math.GT/0309136")),
        ("10.1145/3065386", Identifier("doi", "10.1145/3065386")),
        ("doi:10.1145/3065386", Identifier("doi", "10.1145/3065386")),
        ("DOI: 10.1145/3065386", Identifier("doi", "10.1145/3065386")),
        ("https://doi.org/10.1145/3065386", Identifier("doi", "10.1145/3065386")),
        ("http://doi.org/10.1145/3065386", Identifier("doi", "10.1145/3065386")),
        ("https://dx.doi.org/10.1145/3065386", Identifier("doi", "10.1145/3065386")),
        ("http://dx.doi.org/10.1145/3065386", Identifier("doi", "10.1145/3065386")),
        ("doi.org/10.1145/3065386", Identifier("doi", "10.1145/3065386")),
        ("https://doi.org/10.1007%2F978-3-030-58452-8_13", Identifier("doi", "10.1007/978-3-030-58452-8_13")),
        ("10.1007%2F978-3-030-58452-8_13", Identifier("doi", "10.1007/978-3-030-58452-8_13")),
        (
            "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O",
            Identifier("doi", "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O"),
        ),
        # arXiv's own DOIs name an arXiv paper: the arXiv API answers for them.
        ("10.48550/arXiv.1706.03762", Identifier("arxiv", "1706.03762")),
        ("https://doi.org/10.48550/arXiv.1706.03762", Identifier("arxiv", "1706.03762")),
    ],
)
def test_parse_identifier_recognises_what_people_paste(text, expected):
    assert parse_identifier(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "attention is all you need",
        "1706.037",  # too few digits
        "17060.3762",
        "1706.037621",
        "arXiv:",
        "arXiv:10.1145/3065386",
        "doi:1706.03762",
        "10.12/too-short-prefix",
        "10.1145",
        "https://arxiv.org/",
        "https://arxiv.org/list/cs.LG/recent",
        "https://doi.org/",
        "https://example.org/abs/1706.03762",
        "ftp://arxiv.org/abs/1706.03762",
        "javascript:alert(1)",
        "HEP-TH/9901001",
        "hep-th/990100",
        "x" * 2000,
    ],
)
def test_parse_identifier_refuses_anything_else_with_examples(text):
    with pytest.raises(IdentifierError) as refused:
        parse_identifier(text)
    assert "e.g. 1706.03762" in str(refused.value)


def test_identifier_key_is_the_same_however_it_was_pasted():
    assert parse_identifier("https://doi.org/10.1145/ABC").key == parse_identifier("doi:10.1145/abc").key
    assert parse_identifier("arXiv:1706.03762").key == "arxiv:1706.03762"
    assert parse_identifier("1706.03762v2").key == "arxiv:1706.03762v2"


def test_find_identifier_takes_the_first_one_among_fields_and_links():
    texts = ["", "https://github.com/example/code", "https://arxiv.org/pdf/1706.03762.pdf", "10.1145/3065386"]
    assert find_identifier(texts) == Identifier("arxiv", "1706.03762")
    assert find_identifier(["https://example.org/paper.pdf", ""]) is None
