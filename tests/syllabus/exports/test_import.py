"""Importing a reading list into a term's pool or a week's rows: report, dry run, idempotent, bad files."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from papers.citations import papers_bibtex
from papers.models import Paper
from syllabus.exports.importing import ReadingListError, reading_list_import
from syllabus.models import Presentation
from syllabus.signup.models import PoolPaper
from tests.factories import PaperFactory, PaperLinkFactory, PresentationFactory, TermFactory, WeekFactory

pytestmark = pytest.mark.django_db

BIB = r"""
@article{known2017doi, title = {Another Title For The Same DOI}, author = {Doe, Jane}, doi = {10.1000/KNOWN}, year = 2017}
@misc{vaswani2017attention,
  title = {Attention Is All You {Need}},
  author = {Vaswani, Ashish and Noam Shazeer},
  year = {2017},
  eprint = {1706.03762v5},
  archivePrefix = {arXiv},
}
@inproceedings{schrodinger1926uber,
  title = {{\"U}ber die Quantenmechanik \& 100\% mehr},
  author = {Schr{\"o}dinger, Erwin},
  booktitle = {Annalen},
  year = {1926},
  url = {https://example.org/a%20b},
}
@misc{notitle, author = {Nobody}}
@misc{again, title = {attention is all you need.}}
"""

NO_TITLE_COLUMN = "The CSV file has no “title” column in its first row (with commas, semicolons or tabs between the columns)."


def _known():
    return PaperFactory(title="Known by DOI", doi="10.1000/known")


def test_bibtex_import_into_the_pool_reports_and_is_idempotent():
    term = TermFactory(slug="fall")
    known = _known()

    report = reading_list_import(term=term, data=BIB.encode(), filename="list.bib")
    again = reading_list_import(term=term, data=BIB.encode(), filename="list.bib")

    assert report.text_lines() == [
        "Reading list into the pool of fall: 2 created, 1 matched, 0 already, 2 skipped.",
        "Created (new paper, added):",
        "  entry vaswani2017attention: Attention Is All You Need",
        "  entry schrodinger1926uber: Über die Quantenmechanik & 100% mehr",
        "Matched an existing paper (added):",
        "  entry known2017doi: Another Title For The Same DOI",
        "Skipped:",
        "  entry notitle: (no title) (no title)",
        "  entry again: attention is all you need. (the same paper as an entry above)",
    ]
    attention = Paper.objects.get(arxiv_id="1706.03762")
    assert (attention.title, attention.authors, attention.year) == (
        "Attention Is All You Need",
        "Ashish Vaswani, Noam Shazeer",
        2017,
    )
    uber = Paper.objects.get(year=1926)
    assert (uber.authors, uber.venue, [link.url for link in uber.links.all()]) == (
        "Erwin Schrödinger",
        "Annalen",
        ["https://example.org/a%20b"],
    )
    pool = PoolPaper.objects.filter(term=term, status=PoolPaper.Status.APPROVED)
    assert set(pool.values_list("paper", flat=True)) == {known.pk, attention.pk, uber.pk}
    assert (again.count("created"), again.count("matched"), again.count("already")) == (0, 0, 3)
    assert Paper.objects.count() == 3
    assert pool.count() == 3


def test_dry_run_reports_the_same_and_saves_nothing():
    term = TermFactory(slug="fall")
    _known()

    dry = reading_list_import(term=term, data=BIB.encode(), filename="list.bib", dry_run=True)

    assert dry.text_lines()[0] == (
        "Dry run: nothing was saved. Reading list into the pool of fall: 2 created, 1 matched, 0 already, 2 skipped."
    )
    assert Paper.objects.count() == 1
    assert PoolPaper.objects.count() == 0
    real = reading_list_import(term=term, data=BIB.encode(), filename="list.bib")
    assert real.text_lines()[1:] == dry.text_lines()[1:]


def test_csv_export_imports_back_into_a_week_as_rows_without_presenters():
    term = TermFactory(slug="fall")
    week = WeekFactory(term=term, slug="w1")
    PresentationFactory(week=week, order=1, paper=(listed := PaperFactory(title="Already Here")))
    by_arxiv = PaperFactory(title="Old title", arxiv_id="2001.00001")
    by_link = PaperFactory(title="Linked")
    PaperLinkFactory(paper=by_link, url="https://doi.org/10.5555/Linked")
    # As an export writes it (with the apostrophe that keeps a spreadsheet from running a formula).
    csv_text = (
        "title,authors,venue,year,doi,arxiv,url,week,date,presenters\n"
        "Already Here,,,,,,,W,2026-09-03,Ann\n"
        "Other title,,,,,2001.00001v2,,,,\n"
        "Yet another,,,,10.5555/linked,,,,,\n"
        "'=Formula Looking Title,Zoë Ångström,,2024,10.1234/new,,,,,\n"
    )

    report = reading_list_import(term=term, week=week, data=csv_text.encode(), filename="list.csv")
    again = reading_list_import(term=term, week=week, data=csv_text.encode(), filename="list.csv")

    assert [(line.where, line.outcome) for line in report.lines] == [
        ("line 2", "already"),
        ("line 3", "matched"),
        ("line 4", "matched"),
        ("line 5", "created"),
    ]
    created = Paper.objects.get(doi="10.1234/new")
    assert (created.title, created.authors, created.year) == ("=Formula Looking Title", "Zoë Ångström", 2024)
    rows = Presentation.objects.filter(week=week).order_by("order")
    assert [(row.order, row.paper_id, list(row.presenters.all())) for row in rows] == [
        (1, listed.pk, []),
        (2, by_arxiv.pk, []),
        (3, by_link.pk, []),
        (4, created.pk, []),
    ]
    assert {line.outcome for line in again.lines} == {"already"}
    assert rows.count() == 4


def test_exported_bibtex_imports_back_matching_every_paper():
    term = TermFactory()
    papers = [
        PaperFactory(title="Fast & 100% $x$ a_b", authors="Jürgen Schmidhuber", year=2020, doi="10.1/a_b"),
        PaperFactory(title="Über alles", authors="Zoë Ångström", arxiv_id="2101.00001"),
        PaperFactory(title="Plain title {braces}", authors="Ann Smith"),
    ]

    report = reading_list_import(term=term, data=papers_bibtex(papers), filename="x.bib")

    assert [(line.title, line.outcome) for line in report.lines] == [
        ("Fast & 100% $x$ a_b", "matched"),
        ("Über alles", "matched"),
        ("Plain title {braces}", "matched"),
    ]
    assert Paper.objects.count() == 3


def test_an_entry_with_invalid_fields_is_skipped_with_the_reason():
    term = TermFactory()
    report = reading_list_import(
        term=term, data=("title,year\nGood one,2020\n" + "X" * 600 + ",\n").encode(), filename="x.csv"
    )

    assert [(line.outcome, line.reason) for line in report.lines] == [
        ("created", ""),
        ("skipped", "Ensure this value has at most 500 characters (it has 600)."),
    ]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"\xff\xfe\x00garbage", "list.csv", "The file is not UTF-8 text (byte 0)."),
        (b"name,year\nx,2020\n", "list.csv", NO_TITLE_COLUMN),
        (b"name;year\nx;2020\n", "list.csv", NO_TITLE_COLUMN),
        (b"title\n", "list.csv", "The file holds no rows under the header."),
        (b"", "list.bib", "The file holds no BibTeX entries."),
        (b"% only a comment\n", "list.bib", "The file holds no BibTeX entries."),
        (b"x" * (2 * 1024 * 1024 + 1), "list.csv", "The file is larger than 2 MB."),
    ],
)
def test_bad_files_give_a_clear_error_and_change_nothing(data, filename, message):
    with pytest.raises(ReadingListError) as error:
        reading_list_import(term=TermFactory(), data=data, filename=filename)

    assert str(error.value) == message
    assert Paper.objects.count() == 0


def test_broken_bibtex_entries_are_skipped_not_fatal():
    text = "@misc{ok, title = {Fine}}\n@misc{broken, title = {Unclosed\n"

    report = reading_list_import(term=TermFactory(), data=text.encode(), filename="x.bib")

    assert (report.lines[0].outcome, report.lines[0].title) == ("created", "Fine")
    assert report.count("skipped") == 1


def test_command_prints_the_report_and_refuses_bad_input(tmp_path, capsys):
    term = TermFactory(slug="fall")
    WeekFactory(term=term, slug="w1")
    path = tmp_path / "list.bib"
    path.write_text("@misc{a, title = {A paper}}\n")

    call_command("import_reading_list", str(path), "--term", "fall", "--week", "w1", "--dry-run")
    call_command("import_reading_list", str(path), "--term", "fall")

    out = capsys.readouterr().out
    assert "Dry run: nothing was saved. Reading list into week w1 of fall: 1 created" in out
    assert "Reading list into the pool of fall: 1 created, 0 matched, 0 already, 0 skipped." in out
    for args, message in [
        (["--term", "nope"], "No term with the slug 'nope'."),
        (["--term", "fall", "--week", "nope"], "The term fall has no week with the slug 'nope'."),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("import_reading_list", str(path), *args)
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_reading_list", str(tmp_path / "missing.bib"), "--term", "fall")
    (tmp_path / "bad.csv").write_bytes(b"\xff")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_reading_list", str(tmp_path / "bad.csv"), "--term", "fall")


# The admin page


def _upload(text: str, name: str = "list.bib") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="application/octet-stream")


def test_admin_import_dry_run_shows_the_report_then_imports(staff_client):
    term = TermFactory(slug="fall")
    url = f"/admin/syllabus/term/{term.pk}/import-reading-list/"

    page = staff_client.get(f"/admin/syllabus/term/{term.pk}/change/").content.decode()
    dry = staff_client.post(url, {"file": _upload("@misc{a, title = {A paper}}"), "dry_run": "on"})
    real = staff_client.post(url, {"file": _upload("@misc{a, title = {A paper}}")})
    bad = staff_client.post(url, {"file": _upload("no title here", "x.csv")})

    assert f'href="{url}">Import reading list</a>' in page
    assert "Dry run: nothing was saved. Reading list into the pool of fall: 1 created" in dry.content.decode()
    assert "Reading list into the pool of fall: 1 created" in real.content.decode()
    assert PoolPaper.objects.filter(term=term).count() == 1
    assert bad.status_code == 200
    assert NO_TITLE_COLUMN in bad.content.decode()


def test_admin_import_is_for_staff_with_the_permissions_only(client, django_user_model):
    term = TermFactory()
    url = f"/admin/syllabus/term/{term.pk}/import-reading-list/"
    student = django_user_model.objects.create_user(username="student", password="x")
    staff = django_user_model.objects.create_user(username="staff", password="x", is_staff=True)

    anonymous = client.get(url)
    client.force_login(student)
    not_staff = client.get(url)
    client.force_login(staff)
    no_permissions = client.post(url, {"file": _upload("@misc{a, title = {A paper}}")})

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    assert not_staff.status_code == 302 and not_staff["Location"].startswith("/admin/login/")
    assert no_permissions.status_code == 403
    assert Paper.objects.count() == 0


# Same title, different works


def test_a_title_alone_does_not_make_two_works_one_paper():
    term = TermFactory()
    book = PaperFactory(
        title="Deep Learning", authors="Ian Goodfellow, Yoshua Bengio", year=2016, venue="MIT Press", doi=""
    )
    text = (
        "title,authors,year,venue,doi\n"
        "Deep learning,Yann LeCun,2015,Nature,10.1038/nature14539\n"
        'Deep learning,"Ian Goodfellow, Aaron Courville",2016,,\n'
        "Deep learning.,Yann LeCun,2015,,\n"
    )

    report = reading_list_import(term=term, data=text.encode(), filename="x.csv")

    assert [(line.where, line.outcome, line.reason) for line in report.lines] == [
        ("line 2", "created", "possible duplicate of “Deep Learning, MIT Press 2016”"),
        ("line 3", "matched", ""),
        ("line 4", "skipped", "the same paper as an entry above"),
    ]
    nature = Paper.objects.get(doi="10.1038/nature14539")
    assert (nature.authors, nature.year) == ("Yann LeCun", 2015)
    assert Paper.objects.count() == 2
    assert set(PoolPaper.objects.filter(term=term).values_list("paper", flat=True)) == {book.pk, nature.pk}


def test_same_titles_in_one_file_are_two_papers_when_their_years_differ():
    text = "title,year\nDeep learning,2015\nDeep learning,2016\n"

    report = reading_list_import(term=TermFactory(), data=text.encode(), filename="x.csv")

    assert [line.outcome for line in report.lines] == ["created", "created"]
    assert sorted(Paper.objects.values_list("year", flat=True)) == [2015, 2016]


def test_a_paper_rejected_from_the_pool_stays_rejected():
    term = TermFactory()
    rejected = PaperFactory(title="Not This One")
    PoolPaper.objects.create(term=term, paper=rejected, status=PoolPaper.Status.REJECTED)

    report = reading_list_import(term=term, data=b"title\nNot this one\n", filename="x.csv")

    assert report.text_lines()[1:] == [
        "Skipped:",
        "  line 2: Not this one (rejected from the pool earlier, left as is)",
    ]
    assert PoolPaper.objects.get(paper=rejected).status == PoolPaper.Status.REJECTED


def test_import_queries_do_not_grow_with_what_the_pool_already_holds(django_assert_max_num_queries):
    term = TermFactory()
    for number in range(20):
        PoolPaper.objects.create(term=term, paper=PaperFactory(title=f"Paper {number}"))
    text = "title\n" + "".join(f"Paper {number}\n" for number in range(20))

    # Per entry: the matching papers and their links (2); then the pool once (read, add).
    with django_assert_max_num_queries(2 * 20 + 6):
        report = reading_list_import(term=term, data=text.encode(), filename="x.csv")

    assert report.count("already") == 20
