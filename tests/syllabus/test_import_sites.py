"""The Jekyll importer on sites built another way: collections without dates, the address in
_config.yml, and terms named by the site's pages, data files, a names file or their keys."""

import datetime
import io
import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from papers.models import SlideDeck
from syllabus.importers.term_names import readable_name
from syllabus.models import Term, Week
from syllabus.scheduling import term_generate_weeks
from tests.factories import TermFactory
from tests.syllabus.test_import_jekyll import counts

pytestmark = pytest.mark.django_db

COLLECTION_SITE = Path(__file__).parent / "import_sites" / "collection_site"

TABLE = """
| Presenter | Papers | Paper URL | Our Slides |
| --- | --- | --- | --- |
| Ana | {paper} | [PDF](https://example.org/{slug}.pdf) | |
"""


def run_import(site: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_jekyll", str(site), *args, stdout=out)
    return out.getvalue()


def write_site(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


def document(title: str, front: str = "") -> str:
    slug = title.lower().replace(" ", "-")
    return f"---\ntitle: {title}\n{front}---\n" + TABLE.format(paper=f"A paper on {title}", slug=slug)


def weeks() -> list[tuple[str, str, str]]:
    return [(w.source_path, w.title, str(w.date)) for w in Week.objects.order_by("date", "source_path")]


def test_a_collection_is_ordered_by_sort_by_and_dated_from_the_start_date_and_weekday():
    output = run_import(COLLECTION_SITE, "--start-date", "2024-01-08", "--weekday", "tuesday")

    assert weeks() == [
        ("_contents/intro.md", "Why attention", "2024-01-09"),
        ("_contents/attention.md", "Attention in vision", "2024-01-16"),
        ("_contents/graphs.md", "Graphs", "2024-01-23"),  # order 10 after order 2
        ("_contents/after-all.md", "Open questions", "2024-01-30"),  # no order: last
    ]
    assert "  dates from --start-date 2024-01-08 on Tuesdays: 4\n" in output
    assert "  posts: 4\n" in output and "  failed posts: 0\n" in output
    term = Term.objects.get()
    assert (term.code, term.name, term.description) == (
        "contents",
        "Reading Group on Attention",  # the page at /contents/
        "What we read, one paper a week",
    )


def test_config_url_and_baseurl_address_slides_not_in_the_site():
    output = run_import(COLLECTION_SITE, "--start-date", "2024-01-08")

    assert list(SlideDeck.objects.values_list("url", flat=True)) == [
        "https://reading.example.edu/group/slides/intro.pdf"
    ]
    assert "  site address: https://reading.example.edu/group (url and baseurl in _config.yml)\n" in output
    assert [w.date.weekday() for w in Week.objects.all()] == [0, 0, 0, 0]  # the start date's weekday


def test_site_url_given_wins_over_the_config():
    output = run_import(
        COLLECTION_SITE, "--start-date", "2024-01-08", "--site-url", "https://old.example.org/"
    )

    assert list(SlideDeck.objects.values_list("url", flat=True)) == [
        "https://old.example.org/slides/intro.pdf"
    ]
    assert "site address" not in output


def test_a_second_import_of_a_collection_creates_nothing_and_keeps_its_dates():
    run_import(COLLECTION_SITE, "--start-date", "2024-01-08", "--weekday", "1")
    before, dates = counts(), weeks()

    output = run_import(COLLECTION_SITE)  # no start date needed any more

    assert (counts(), weeks()) == (before, dates)
    assert "  dates kept from an earlier import: 4\n" in output
    assert "  papers: 0\n" in output


def test_undated_documents_without_a_schedule_or_start_date_are_refused(tmp_path):
    site = write_site(
        tmp_path,
        {
            "_config.yml": "collections: [talks]\n",
            "_talks/a.md": document("Alpha"),
            "_talks/2024-03-05-dated.md": document("Dated"),
        },
    )

    output = run_import(site)

    assert weeks() == [("_talks/2024-03-05-dated.md", "Dated", "2024-03-05")]
    assert "  failed posts: 1\n" in output
    assert (
        "  _talks/a.md:1: no date: none in its file name or front matter, term 'talks' has no meeting "
        "schedule here, and no --start-date was given\n"
    ) in output


def test_a_list_collection_in_a_collections_dir_is_ordered_by_file_name_and_front_matter_dates_count(
    tmp_path,
):
    site = write_site(
        tmp_path,
        {
            "_config.yml": "collections_dir: sessions\ncollections:\n  - weeks\n",
            "sessions/_weeks/02-b.md": document("Beta", "term: 2024sp\n"),
            "sessions/_weeks/01-a.md": document("Alpha", "term: 2024sp\n"),
            "sessions/_weeks/03-c.md": document("Gamma", "term: 2024sp\ndate: 2024-05-01 10:00\n"),
            "sessions/_posts/2024-01-02-old.md": document("Old post", "term: 2024sp\n"),
        },
    )

    run_import(site, "--start-date", "2024-02-01")

    assert weeks() == [
        ("sessions/_posts/2024-01-02-old.md", "Old post", "2024-01-02"),
        ("sessions/_weeks/01-a.md", "Alpha", "2024-02-01"),
        ("sessions/_weeks/02-b.md", "Beta", "2024-02-08"),
        ("sessions/_weeks/03-c.md", "Gamma", "2024-05-01"),
    ]
    assert Term.objects.get().name == "2024 Spring"


def test_dates_come_from_the_terms_meeting_weekday(tmp_path):
    TermFactory(
        code="readings",
        name="Readings",
        weekday=3,
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2025, 12, 19),
    )
    site = write_site(
        tmp_path,
        {
            "_config.yml": "collections:\n  readings: {output: true}\n",
            "_readings/one.md": document("One"),
            "_readings/two.md": document("Two"),
        },
    )

    output = run_import(site, "--start-date", "2020-01-01")  # the term's schedule wins

    assert weeks() == [("_readings/one.md", "One", "2025-09-04"), ("_readings/two.md", "Two", "2025-09-11")]
    assert "  dates from the meeting schedule of term readings: 2\n" in output


def test_documents_fill_the_terms_generated_sessions(tmp_path):
    term = TermFactory(
        code="readings", start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2025, 9, 30)
    )
    term_generate_weeks(term=term, weekdays=[1], skip=[datetime.date(2025, 9, 9)])  # Tuesdays but the 9th
    site = write_site(
        tmp_path,
        {
            "_config.yml": "collections: [readings]\n",
            **{f"_readings/{n}.md": document(f"Reading {n}") for n in range(1, 6)},
        },
    )

    run_import(site)

    assert [(w.title, str(w.date), w.slug, w.source_path) for w in Week.objects.order_by("date")] == [
        ("Reading 1", "2025-09-02", "reading-1", "_readings/1.md"),
        ("Reading 2", "2025-09-16", "reading-2", "_readings/2.md"),
        ("Reading 3", "2025-09-23", "reading-3", "_readings/3.md"),
        ("Reading 4", "2025-09-30", "reading-4", "_readings/4.md"),
        ("Reading 5", "2025-10-07", "reading-5", "_readings/5.md"),  # weekly on after the last session
    ]


def test_a_site_without_posts_or_collections_is_refused(tmp_path):
    (tmp_path / "_config.yml").write_text("collections:\n  people: {output: true}\n")  # no _people/ folder

    with pytest.raises(CommandError, match=r"has no _posts/ folder and _config.yml declares no collection"):
        call_command("import_jekyll", str(tmp_path))


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("2017Course", "2017 Course"),
        ("2024-seminarRead", "2024 Seminar Read"),
        ("talks-mb2019", "Talks MB 2019"),
        ("2019fCourse", "2019 Fall Course"),
        ("2019sCourse", "2019 Spring Course"),
        ("2022-selfRead", "2022 Self Read"),
        ("2020team", "2020 Team"),
        ("GNNs_reading_group", "GNNs Reading Group"),
        ("fall2024", "Fall 2024"),
    ],
)
def test_a_readable_name_is_made_from_a_key(key, name):
    assert readable_name(key) == name


NAMED_SITE = {
    "_config.yml": "title: x\n",
    "_posts/2023-02-01-a.md": document("A", "term: 2023spring\n"),
    "_posts/2024-09-03-b.md": document("B", "term: fall2024\n"),
    "_posts/2017-09-05-c.md": document("C", "term: 2017Course\n"),
    # A page whose permalink is the key names the term; a nav entry's fragment names another.
    "_pages/fall.md": '---\npermalink: /terms/fall2024/\ntitle: "Deep Learning, Fall 2024"\n'
    'desc: "Sixteen weeks of papers"\n---\nText\n',
    "_data/navigation.yml": 'main:\n  - title: "By term"\n    children:\n'
    '      - title: "Spring 2023: Graphs"\n        url: /byterm/#2023spring\n',
}


def term_names() -> dict[str, tuple[str, str]]:
    return {term.code: (term.name, term.description) for term in Term.objects.all()}


def test_terms_are_named_by_the_sites_pages_and_data_else_from_their_keys(tmp_path):
    output = run_import(write_site(tmp_path, NAMED_SITE))

    assert term_names() == {
        "2023spring": ("Spring 2023: Graphs", ""),
        "fall2024": ("Deep Learning, Fall 2024", "Sixteen weeks of papers"),
        "2017Course": ("2017 Course", ""),
    }
    assert "  term names from the site's pages and data: 2\n  term names made from the key: 1\n" in output


@pytest.mark.parametrize(
    ("file_name", "text"),
    [
        (
            "names.yml",
            "2017Course:\n  name: Deep Learning 2017\n  description: The first one\nfall2024: Fall 2024\n",
        ),
        (
            "names.yaml",
            "- key: 2017Course\n  name: Deep Learning 2017\n  description: The first one\n"
            "- {key: fall2024, name: Fall 2024}\n",
        ),
        (
            "names.csv",
            "key,name,description\n2017Course,Deep Learning 2017,The first one\nfall2024,Fall 2024,\n",
        ),
    ],
)
def test_a_term_names_file_wins_over_the_site(tmp_path, file_name, text):
    (tmp_path / file_name).write_text(text)

    run_import(write_site(tmp_path / "site", NAMED_SITE), "--term-names", str(tmp_path / file_name))

    assert term_names() == {
        "2023spring": ("Spring 2023: Graphs", ""),
        "fall2024": ("Fall 2024", "Sixteen weeks of papers"),  # the site's description still
        "2017Course": ("Deep Learning 2017", "The first one"),
    }


def test_a_re_import_renames_terms_named_by_a_key_but_not_by_an_instructor(tmp_path):
    site = write_site(tmp_path, NAMED_SITE)
    run_import(site)
    Term.objects.filter(code="2017Course").update(name="2017Course")  # as an older import named it
    Term.objects.filter(code="fall2024").update(name="Fall seminar", description="Ours")
    before = counts()

    output = run_import(site)

    assert counts() == {**before, "HistoricalTerm": before["HistoricalTerm"] + 1}  # the renaming
    assert term_names() == {
        "2023spring": ("Spring 2023: Graphs", ""),
        "fall2024": ("Fall seminar", "Ours"),
        "2017Course": ("2017 Course", ""),
    }
    assert "  terms renamed: 1\n" in output


def test_an_unreadable_term_names_file_is_refused(tmp_path):
    (tmp_path / "names.yml").write_text("- just\n- a list\n")

    with pytest.raises(CommandError, match=r"--term-names: .*maps no term keys to names"):
        call_command(
            "import_jekyll",
            str(write_site(tmp_path / "site", NAMED_SITE)),
            "--term-names",
            str(tmp_path / "names.yml"),
        )
