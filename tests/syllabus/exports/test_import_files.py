"""Reading list files as reference managers write them: Zotero's CSV, European spreadsheets, BibTeX
details (macros, corporate authors, "and others", logos), and files too big or too deep to import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from papers.citations import papers_bibtex, papers_ris
from papers.models import Paper
from syllabus.exports.importing import ReadingListError, reading_list_import
from tests.factories import TermFactory
from tests.syllabus.exports.readers import read_bibtex, read_ris

pytestmark = pytest.mark.django_db

# The columns Zotero's "Export Collection... > CSV" writes (most of them), for one paper.
ZOTERO_CSV = (
    '"Key","Item Type","Publication Year","Author","Title","Publication Title","ISBN","ISSN","DOI",'
    '"Url","Abstract Note","Date","Date Added","Pages","Extra"\n'
    '"ABCD1234","conferencePaper","2018","Zhang, Hongyi; Cissé, Moustapha; Dauphin, Yann N.; '
    'Lopez-Paz, David","mixup: Beyond Empirical Risk Minimization","International Conference on '
    'Learning Representations","","","","https://openreview.net/forum?id=r1Ddp1-Rb",'
    '"Large deep neural networks are powerful.","2018","2024-01-02 10:00:00","","arXiv: 1710.09412"\n'
    '"EFGH5678","journalArticle","2015","LeCun, Yann","Deep learning","Nature","","","10.1038/Nature14539",'
    '"","","2015-05","","436-444",""\n'
)


def test_zotero_csv_export_imports_authors_year_venue_and_identifiers():
    report = reading_list_import(term=TermFactory(), data=ZOTERO_CSV.encode(), filename="My Library.csv")

    assert [line.outcome for line in report.lines] == ["created", "created"]
    mixup = Paper.objects.get(arxiv_id="1710.09412")
    assert (mixup.authors, mixup.year, mixup.venue, mixup.abstract) == (
        "Hongyi Zhang, Moustapha Cissé, Yann N. Dauphin, David Lopez-Paz",
        2018,
        "International Conference on Learning Representations",
        "Large deep neural networks are powerful.",
    )
    lecun = Paper.objects.get(year=2015)
    assert (lecun.authors, lecun.venue, lecun.doi) == ("Yann LeCun", "Nature", "10.1038/Nature14539")
    entry = read_bibtex(papers_bibtex([mixup]))["zhang2018mixup"]
    assert entry["author"] == "Hongyi Zhang and Moustapha Cissé and Yann N. Dauphin and David Lopez-Paz"
    assert entry["url"] == "https://arxiv.org/abs/1710.09412"


def test_semicolon_separated_csv_from_a_european_spreadsheet_imports():
    text = "Title;Author(s);Year;Journal;DOI\nDeep learning;Yann LeCun, Yoshua Bengio;2015;Nature;10.1038/x\n"

    report = reading_list_import(term=TermFactory(), data=text.encode(), filename="liste.csv")

    assert [line.outcome for line in report.lines] == ["created"]
    paper = Paper.objects.get()
    assert (paper.title, paper.authors, paper.year, paper.venue, paper.doi) == (
        "Deep learning",
        "Yann LeCun, Yoshua Bengio",
        2015,
        "Nature",
        "10.1038/x",
    )


def test_jabref_csv_with_bibtex_style_names_imports():
    text = 'Title,Author,Year,Booktitle,URL\nNets,"Smith, Ann and Roe, Jane",2020,Proc. of ICML,https://example.org/nets\n'

    reading_list_import(term=TermFactory(), data=text.encode(), filename="jabref.csv")

    paper = Paper.objects.get()
    assert (paper.authors, paper.venue, paper.year) == ("Ann Smith, Jane Roe", "Proc. of ICML", 2020)
    # The address it came with is the one the exports give.
    assert read_bibtex(papers_bibtex([paper]))["smith2020nets"]["url"] == "https://example.org/nets"


BIB_DETAILS = r"""
@string{nips = "Advances in Neural Information Processing Systems"}
@inproceedings{brain2020,
  title = {The {\LaTeX} Way to Train},
  author = {{Google Brain} and Hinton, Geoffrey and others},
  booktitle = nips,
  year = {2020},
  doi = {10.5555/ABC.Def},
  abstract = {We train. Then we test.},
}
"""


def test_bibtex_macros_corporate_authors_et_al_logos_abstracts_and_doi_case_survive():
    reading_list_import(term=TermFactory(), data=BIB_DETAILS.encode(), filename="x.bib")

    paper = Paper.objects.get()
    assert (paper.title, paper.authors, paper.venue, paper.doi, paper.abstract) == (
        "The LaTeX Way to Train",
        "Google Brain, Geoffrey Hinton, et al.",
        "Advances in Neural Information Processing Systems",
        "10.5555/ABC.Def",
        "We train. Then we test.",
    )
    entry = read_bibtex(papers_bibtex([paper]))[paper.citation_key]
    assert (entry["ENTRYTYPE"], entry["author"]) == (
        "inproceedings",
        "Google Brain and Geoffrey Hinton and others",
    )
    assert read_ris(papers_ris([paper]))[0]["authors"] == ["Google Brain", "Geoffrey Hinton"]


DEEP = "@misc{deep, title = {" + "{" * 400 + "a" + "}" * 400 + "}}\n@misc{fine, title = {Fine}}\n"


def test_deeply_nested_braces_skip_the_entry_with_a_reason(staff_client, tmp_path, capsys):
    term = TermFactory(slug="fall")
    upload = SimpleUploadedFile("deep.bib", DEEP.encode())
    path = tmp_path / "deep.bib"
    path.write_text(DEEP)

    page = staff_client.post(f"/admin/syllabus/term/{term.pk}/import-reading-list/", {"file": upload})
    call_command("import_reading_list", str(path), "--term", "fall", "--dry-run")

    assert page.status_code == 200
    assert "entry deep: (no title) (braces nested too deeply to read)" in page.content.decode()
    assert "  entry fine: Fine" in page.content.decode()
    out = capsys.readouterr()
    assert "entry deep: (no title) (braces nested too deeply to read)" in out.out
    assert "Traceback" not in out.err


def test_a_file_with_more_entries_than_an_upload_can_take_is_refused_whole():
    text = "title\n" + "".join(f"Paper {number}\n" for number in range(501))

    with pytest.raises(ReadingListError) as error:
        reading_list_import(term=TermFactory(), data=text.encode(), filename="big.csv")

    assert str(error.value) == (
        "The file holds 501 entries; import at most 500 at a time (split the file in parts and import each)."
    )
    assert Paper.objects.count() == 0
