"""A paper as a citation: keys, BibTeX, RIS and CSV, each read back with the library that reads it."""

import datetime

import pytest

from papers.citations import (
    Reading,
    citation_keys,
    paper_authors,
    papers_bibtex,
    papers_ris,
    readings_csv,
)
from tests.factories import PaperFactory, PaperLinkFactory
from tests.syllabus.exports.readers import read_bibtex, read_csv, read_ris

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("authors", "names"),
    [
        ("Ada Lovelace, Alan Turing", ["Ada Lovelace", "Alan Turing"]),
        ("A, B, and C", ["A", "B", "C"]),
        ("Ada Lovelace, Alan Turing and Grace Hopper", ["Ada Lovelace", "Alan Turing", "Grace Hopper"]),
        ("Ada Lovelace & Alan Turing", ["Ada Lovelace", "Alan Turing"]),
        ("Smith, J. and Doe, A.", ["Smith, J.", "Doe, A."]),
        ("Smith, J., Doe, A. R., and Roe, B.", ["Smith, J.", "Doe, A. R.", "Roe, B."]),
        ("Smith, J.; Doe, A.; and Roe, B.", ["Smith, J.", "Doe, A.", "Roe, B."]),
        ("Lovelace, Ada and van der Berg, Jan", ["Lovelace, Ada", "van der Berg, Jan"]),
        ("Vaswani, Shazeer", ["Vaswani", "Shazeer"]),  # family names only: not one "Family, Given"
        ("Smith, J.", ["Smith, J."]),
        (" , and ", []),
    ],
)
def test_paper_authors_reads_the_ways_a_list_of_names_is_written(authors, names):
    assert paper_authors(PaperFactory.build(authors=authors)) == names


def test_bibtex_of_family_first_names_keeps_each_author_whole():
    paper = PaperFactory(title="Deep nets", authors="Smith, J. and Doe, A.", year=2020, venue="")

    entries = read_bibtex(papers_bibtex([paper]))

    assert {key: entry["author"] for key, entry in entries.items()} == {
        "smith2020deep": "Smith, J. and Doe, A."
    }


SPECIAL_TITLE = "Fast & 100% cheap: $x$ #1, a_b {c} ~ ^ \\ in Schrödinger's café"


def test_bibtex_round_trips_latex_specials_and_unicode_names():
    paper = PaperFactory(
        title=SPECIAL_TITLE,
        authors="Jürgen Schmidhuber, Ludwig van Beethoven, Zoë Ø. Ångström",
        venue="Advances in Neural Information Processing Systems (NeurIPS)",
        year=2020,
        doi="10.1000/ab_c%d",
        abstract="We show that 50% of $x$ & y.",
    )
    PaperLinkFactory(paper=paper, kind="abstract", url="https://example.org/a%20b_c?x=1&y=2")

    entries = read_bibtex(papers_bibtex([paper]))

    assert entries == {
        "schmidhuber2020fast": {
            "ENTRYTYPE": "inproceedings",
            "title": SPECIAL_TITLE,
            "author": "Jürgen Schmidhuber and Ludwig van Beethoven and Zoë Ø. Ångström",
            "booktitle": "Advances in Neural Information Processing Systems (NeurIPS)",
            "abstract": "We show that 50% of $x$ & y.",
            "year": "2020",
            "doi": "10.1000/ab_c%d",
            "url": "https://example.org/a%20b_c?x=1&y=2",
        }
    }


def test_bibtex_escapes_every_latex_special_character():
    written = papers_bibtex([PaperFactory(title="& % $ # _ { } ~ ^ \\ é", year=2001, authors="A B")])

    title_line = next(line for line in written.splitlines() if line.strip().startswith("title"))
    assert title_line.strip() == (
        r"title = {\& \% \$ \# \_ \{ \} {\textasciitilde} {\textasciicircum} {\textbackslash} \'e},"
    )


def test_arxiv_only_paper_is_misc_with_eprint():
    new_style = PaperFactory(
        title="Attention Is All You Need",
        authors="Ashish Vaswani, Noam Shazeer",
        venue="arXiv",
        year=2017,
        arxiv_id="1706.03762",
    )
    old_style = PaperFactory(
        title="The Old One", authors="Jane Roe", venue="", year=2001, arxiv_id="cs.LG/0101001"
    )
    journal = PaperFactory(
        title="Deep learning", authors="Yann LeCun", venue="Nature", year=2015, doi="10.1038/nature14539"
    )

    entries = read_bibtex(papers_bibtex([new_style, old_style, journal]))

    assert entries["vaswani2017attention"] == {
        "ENTRYTYPE": "misc",
        "title": "Attention Is All You Need",
        "author": "Ashish Vaswani and Noam Shazeer",
        "year": "2017",
        "eprint": "1706.03762",
        "archivePrefix": "arXiv",
        "url": "https://arxiv.org/abs/1706.03762",
    }
    assert entries["roe2001old"]["primaryClass"] == "cs.LG"
    assert entries["roe2001old"]["eprint"] == "cs.LG/0101001"
    assert entries["lecun2015deep"] == {
        "ENTRYTYPE": "article",
        "title": "Deep learning",
        "author": "Yann LeCun",
        "journal": "Nature",
        "year": "2015",
        "doi": "10.1038/nature14539",
        "url": "https://doi.org/10.1038/nature14539",
    }


def test_citation_keys_are_ascii_author_year_word_and_stable():
    schrodinger = PaperFactory(title="Über die Quantenmechanik", authors="Erwin Schrödinger", year=1926)
    beethoven = PaperFactory(title="On the Symphony", authors="Ludwig van Beethoven", year=1901)
    anonymous = PaperFactory(title="The", authors="", year=None)
    other = PaperFactory(title="Something else", authors="Someone Else", year=2000)

    alone = citation_keys([schrodinger])
    together = citation_keys([other, beethoven, anonymous, schrodinger])

    assert alone == {schrodinger.pk: "schrodinger1926uber"}
    assert together == {
        schrodinger.pk: "schrodinger1926uber",
        beethoven.pk: "beethoven1901symphony",
        anonymous.pk: "anonpaper",
        other.pk: "else2000something",
    }


def test_clashing_keys_get_letters_by_paper_not_by_order():
    first = PaperFactory(title="Deep Nets", authors="Ann Smith", year=2020)
    second = PaperFactory(title="Deep Trees", authors="Ann Smith", year=2020)
    third = PaperFactory(title="Deep Forests", authors="Bob Smith", year=2020)
    # A paper whose own key is the one the first clash would take.
    taken = PaperFactory(title="Deepa", authors="Cy Smith", year=2020)

    keys = citation_keys([third, taken, second, first])
    again = citation_keys([first, second, third, taken])

    assert keys == again
    assert keys == {
        first.pk: "smith2020deepb",
        second.pk: "smith2020deepc",
        third.pk: "smith2020deepd",
        taken.pk: "smith2020deepa",
    }
    assert citation_keys([first, taken]) == {first.pk: "smith2020deep", taken.pk: "smith2020deepa"}
    entries = read_bibtex(papers_bibtex([first, second]))
    assert {key: entry["title"] for key, entry in entries.items()} == {
        "smith2020deepa": "Deep Nets",
        "smith2020deepb": "Deep Trees",
    }


def test_ris_round_trips_field_by_field():
    conference = PaperFactory(
        title=SPECIAL_TITLE,
        authors="Jürgen Schmidhuber, Zoë Ångström",
        venue="ICML",
        year=2019,
        doi="10.1/x_y",
        abstract="Short.",
    )
    journal = PaperFactory(title="Deep learning", authors="Yann LeCun", venue="Nature", year=2015)
    preprint = PaperFactory(
        title="Attention Is All You Need",
        authors="Ashish Vaswani",
        venue="arXiv",
        year=2017,
        arxiv_id="1706.03762",
    )

    records = read_ris(papers_ris([conference, journal, preprint]))

    assert records == [
        {
            "type_of_reference": "CPAPER",
            "id": "schmidhuber2019fast",
            "title": SPECIAL_TITLE,
            "authors": ["Jürgen Schmidhuber", "Zoë Ångström"],
            "year": "2019",
            "secondary_title": "ICML",
            "doi": "10.1/x_y",
            "urls": ["https://doi.org/10.1/x_y"],
            "abstract": "Short.",
        },
        {
            "type_of_reference": "JOUR",
            "id": "lecun2015deep",
            "title": "Deep learning",
            "authors": ["Yann LeCun"],
            "year": "2015",
            "journal_name": "Nature",
        },
        {
            "type_of_reference": "UNPB",
            "id": "vaswani2017attention",
            "title": "Attention Is All You Need",
            "authors": ["Ashish Vaswani"],
            "year": "2017",
            "secondary_title": "arXiv",
            "urls": ["https://arxiv.org/abs/1706.03762"],
        },
    ]


def test_csv_round_trips_and_is_safe_in_spreadsheets():
    paper = PaperFactory(
        title='=HYPERLINK("https://evil.example")',
        authors="+Ann, Bob",
        venue="@venue",
        year=2020,
        doi="10.1/z",
        arxiv_id="2001.00001",
    )
    plain = PaperFactory(title='Schrödinger, "quoted"', authors="Zoë Ångström", venue="", year=None)
    readings = [
        Reading(paper=paper, week="-Week one", date=datetime.date(2026, 9, 3), presenters=["Ann", "Bob"]),
        Reading(paper=plain),
    ]

    rows = read_csv(readings_csv(readings))

    assert rows == [
        {
            "title": '\'=HYPERLINK("https://evil.example")',
            "authors": "'+Ann, Bob",
            "venue": "'@venue",
            "year": "2020",
            "doi": "10.1/z",
            "arxiv": "2001.00001",
            "url": "https://arxiv.org/abs/2001.00001",
            "week": "'-Week one",
            "date": "2026-09-03",
            "presenters": "Ann, Bob",
        },
        {
            "title": 'Schrödinger, "quoted"',
            "authors": "Zoë Ångström",
            "venue": "",
            "year": "",
            "doi": "",
            "arxiv": "",
            "url": "",
            "week": "",
            "date": "",
            "presenters": "",
        },
    ]


def test_empty_lists_are_empty_files_with_a_csv_header():
    assert papers_bibtex([]) == ""
    assert papers_ris([]) == ""
    assert read_csv(readings_csv([])) == []
    assert readings_csv([]).splitlines() == ["title,authors,venue,year,doi,arxiv,url,week,date,presenters"]
