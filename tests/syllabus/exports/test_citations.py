"""A paper as a citation: keys, BibTeX, RIS and CSV, each read back with the library that reads it."""

import datetime

import pytest
from django.urls import reverse

from papers.citations import (
    SessionReading,
    citation_keys,
    paper_authors,
    papers_bibtex,
    papers_ris,
    readings_csv,
)
from papers.models import Paper
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


def test_clashing_keys_are_lettered_once_and_the_same_in_every_export():
    first = PaperFactory(title="Deep Nets", authors="Ann Smith", year=2020)
    second = PaperFactory(title="Deep Trees", authors="Ann Smith", year=2020)
    third = PaperFactory(title="Deep Forests", authors="Bob Smith", year=2020)
    # A paper whose own base key is one a clash already took.
    taken = PaperFactory(title="Deepa", authors="Cy Smith", year=2020)

    # A student cites from one week's file, then compiles against the term's file: same keys.
    week_one = read_bibtex(papers_bibtex([first]))
    week_two = read_bibtex(papers_bibtex([second]))
    whole_term = read_bibtex(papers_bibtex([third, taken, second, first]))

    assert citation_keys([third, taken, second, first]) == {
        first.pk: "smith2020deep",
        second.pk: "smith2020deepa",
        third.pk: "smith2020deepb",
        taken.pk: "smith2020deepaa",
    }
    assert set(week_one) == {"smith2020deep"}
    assert set(week_two) == {"smith2020deepa"}
    assert {key: entry["title"] for key, entry in whole_term.items()} == {
        "smith2020deep": "Deep Nets",
        "smith2020deepa": "Deep Trees",
        "smith2020deepb": "Deep Forests",
        "smith2020deepaa": "Deepa",
    }


def test_citation_key_is_kept_when_the_title_changes_and_shown_read_only_in_the_api(admin_client):
    paper = PaperFactory(title="Deep Nets", authors="Ann Smith", year=2020)
    url = reverse("api:paper-detail", args=[paper.pk])

    response = admin_client.patch(
        url, {"title": "Shallow Nets", "citation_key": "mine"}, content_type="application/json"
    )
    paper.refresh_from_db()

    assert response.status_code == 200
    assert response.json()["citation_key"] == "smith2020deep"
    assert paper.citation_key == "smith2020deep"
    assert read_bibtex(papers_bibtex([paper]))["smith2020deep"]["title"] == "Shallow Nets"


def test_paper_saved_without_key_gets_one_when_first_exported():
    paper = PaperFactory(title="Deep Nets", authors="Ann Smith", year=2020)
    Paper.objects.filter(pk=paper.pk).update(citation_key="")  # as a bulk insert leaves it
    PaperFactory(title="Deep Trees", authors="Ann Smith", year=2020)  # took the bare key meanwhile
    paper.refresh_from_db()

    assert citation_keys([paper]) == {paper.pk: "smith2020deepa"}
    assert Paper.objects.get(pk=paper.pk).citation_key == "smith2020deepa"


def test_ris_values_stay_on_one_line_so_an_abstract_cannot_start_a_record():
    paper = PaperFactory(
        title="Deep\nNets",
        authors="Ann Smith",
        venue="Nature",
        year=2020,
        abstract="First paragraph.\n\nTY  - JOUR\nER  - \n\nLast paragraph.",
    )

    records = read_ris(papers_ris([paper]))

    assert len(records) == 1
    assert records[0]["abstract"] == "First paragraph. TY - JOUR ER - Last paragraph."
    assert records[0]["title"] == "Deep Nets"


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
        SessionReading(
            paper=paper, week="-Week one", date=datetime.date(2026, 9, 3), presenters=["Ann", "Bob"]
        ),
        SessionReading(paper=plain),
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


@pytest.mark.parametrize(
    ("venue", "kind"),
    [
        ("Advances in Neural Information Processing Systems", "inproceedings"),
        ("Proceedings of the IEEE", "article"),
        ("arXiv preprint arXiv:1706.03762", "misc"),
        ("CoRR abs/1706.03762", "misc"),
        ("Nature", "article"),
        ("ICML", "inproceedings"),
    ],
)
def test_entry_type_follows_the_venue(venue, kind):
    paper = PaperFactory(title="Nets", authors="Ann Smith", year=2020, venue=venue)

    assert read_bibtex(papers_bibtex([paper]))["smith2020nets"]["ENTRYTYPE"] == kind
