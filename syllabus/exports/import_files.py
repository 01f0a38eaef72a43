"""Reading a reading list's file: BibTeX (a reference manager's export) or CSV (a spreadsheet, or
Zotero's, Mendeley's or JabRef's CSV export), as candidates for papers (syllabus/exports/importing.py
matches and saves them).
"""

import csv
import io
import re
from dataclasses import dataclass

import bibtexparser
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
from pylatexenc.latex2text import LatexNodes2Text

from papers.citation_keys import ET_AL
from papers.duplicates import arxiv_id_in, doi_in

MAX_FILE_BYTES = 2 * 1024 * 1024
# An upload is imported within one request, at about ten queries an entry (matching, the paper,
# its link, the pool entry or row): 500 entries take a few seconds, well inside gunicorn's 60 s
# timeout, where the 2 MB a file may hold (~30,000 entries) would not be. A seminar's reading list
# is tens to a few hundred papers; a whole library is imported in parts.
MAX_ENTRIES = 500
# CSV columns, by their lower-cased header, in the order tried: ours, then those Zotero, Mendeley
# and JabRef write.
CSV_COLUMNS = {
    "title": ("title",),
    "authors": ("authors", "author", "author(s)", "creators"),
    "venue": (
        "venue",
        "journal",
        "booktitle",
        "publication title",
        "publication",
        "journal/booktitle",
        "proceedings title",
        "conference name",
        "source",
    ),
    "year": ("year", "publication year"),  # not "date": our own exports give the session's there
    "doi": ("doi",),
    "arxiv": ("arxiv", "arxiv_id", "arxiv id", "eprint"),
    "url": ("url", "link"),
    "abstract": ("abstract", "abstract note"),
    "extra": ("extra",),  # Zotero keeps "arXiv: 1706.03762" there
}
CSV_DELIMITERS = (",", ";", "\t")
_latex = LatexNodes2Text(math_mode="verbatim")
# Logos pylatexenc drops ("The {\LaTeX} Companion" -> "The  Companion").
_LOGOS = re.compile(r"\\(LaTeXe|LaTeX|TeX|BibTeX|XeLaTeX|LuaLaTeX)(?![a-zA-Z])(\{\})?")


class ReadingListError(ValueError):
    """A file that cannot be read as a reading list at all; the message says why."""


@dataclass
class Candidate:
    """One entry of the file, as a paper's fields."""

    where: str  # "entry vaswani2017attention", "line 3": how the report names it
    title: str = ""
    authors: str = ""
    venue: str = ""
    year: int | None = None
    doi: str = ""
    arxiv_id: str = ""
    url: str = ""
    abstract: str = ""
    problem: str = ""  # set when the entry itself cannot be read


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_FILE_BYTES:
        raise ReadingListError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ReadingListError(f"The file is not UTF-8 text (byte {error.start}).") from None


def _plain(value: str) -> str:
    """A BibTeX value as text: LaTeX accents and escapes decoded, protective braces dropped."""
    value = _LOGOS.sub(lambda found: found[1], value)
    return " ".join(_latex.latex_to_text(value).split())


def _verbatim(value: str) -> str:
    return value.strip().strip("{}").strip()


def _doi(value: str) -> str:
    """The DOI as the file writes it (DOIs ignore case, but a reader expects to see theirs)."""
    found = doi_in(value)
    start = value.lower().find(found) if found else -1
    return value[start : start + len(found)] if start >= 0 else found


def _bib_names(value: str) -> str:
    """`Vaswani, Ashish and Noam Shazeer` -> `Ashish Vaswani, Noam Shazeer` (how papers keep authors);
    `{Google Brain}` stays one name, `and others` becomes "et al."."""
    names = []
    for name in split_multiple_persons_names(value):
        if name.strip().lower() == "others":
            names.append(ET_AL)
            continue
        parts = parse_single_name_into_parts(name, strict=False)
        names.append(_plain(" ".join([*parts.first, *parts.von, *parts.last, *parts.jr])))
    return ", ".join(name for name in names if name)


def _year(value: str) -> int | None:
    found = re.search(r"(?<!\d)(\d{4})(?!\d)", value)
    return int(found[1]) if found and 1900 <= int(found[1]) <= 2100 else None


def _identified(candidate: Candidate) -> Candidate:
    """An arXiv or doi.org address is also the paper's arXiv id or DOI."""
    if not candidate.arxiv_id:
        candidate.arxiv_id = arxiv_id_in(candidate.url)
    if not candidate.doi:
        candidate.doi = _doi(candidate.url) if doi_in(candidate.url) else ""
    return candidate


def _bibtex_candidate(key: str, fields: dict[str, str]) -> Candidate:
    eprint = fields.get("eprint", "")
    is_arxiv = fields.get("archiveprefix", "arxiv").lower() == "arxiv"
    return Candidate(
        where=f"entry {key}",
        title=_plain(fields.get("title", "")),
        authors=_bib_names(fields.get("author", "")),
        venue=_plain(fields.get("booktitle") or fields.get("journal") or ""),
        year=_year(fields.get("year", "")),
        doi=_doi(_verbatim(fields.get("doi", ""))),
        arxiv_id=arxiv_id_in(_verbatim(eprint)) if eprint and is_arxiv else "",
        url=_verbatim(fields.get("url", "")),
        abstract=_plain(fields.get("abstract", "")),
    )


def candidates_from_bibtex(text: str) -> list[Candidate]:
    """The file's entries; @string macros are resolved by bibtexparser."""
    library = bibtexparser.parse_string(text)
    found = []
    for entry in library.entries:
        fields = {key.lower(): value for key, value in ((f.key, f.value) for f in entry.fields)}
        fields = {key: value for key, value in fields.items() if isinstance(value, str)}
        try:
            found.append(_identified(_bibtex_candidate(entry.key, fields)))
        except RecursionError:  # pylatexenc recurses into each brace level
            found.append(Candidate(where=f"entry {entry.key}", problem="braces nested too deeply to read"))
    for block in library.failed_blocks:
        found.append(
            Candidate(where=f"line {block.start_line + 1}", problem="not a BibTeX entry that can be read")
        )
    return found


def _unprotect(value: str) -> str:
    """Undo the apostrophe an export puts before a cell that a spreadsheet would run as a formula."""
    value = value.strip()
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value


def _csv_names(value: str, *, last_first: bool) -> str:
    """Authors as papers keep them: Zotero's and Mendeley's `Zhang, Hongyi; Cissé, Moustapha` and
    JabRef's `Zhang, Hongyi and Cissé, Moustapha` -> `Hongyi Zhang, Moustapha Cissé`."""
    value = " ".join(value.split())
    if ";" in value or last_first:
        names = []
        for name in value.split(";"):
            family, comma, given = name.partition(",")
            names.append(f"{given.strip()} {family.strip()}".strip() if comma else name.strip())
        return ", ".join(name for name in names if name)
    if "," in value and re.search(r"\s+and\s+", value):
        return _bib_names(value)
    return value


def _csv_reader(text: str) -> tuple[csv.DictReader, dict[str, str]]:
    """A reader for the file's delimiter (a comma, or the semicolon of European spreadsheets, or a tab)
    and its columns by lower-cased name; the sniffed delimiter first, then each in turn."""
    try:
        sniffed = csv.Sniffer().sniff(text[:8192], delimiters="".join(CSV_DELIMITERS)).delimiter
    except csv.Error:
        sniffed = ","
    for delimiter in dict.fromkeys([sniffed, *CSV_DELIMITERS]):
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
        except csv.Error:
            continue
        if "title" in columns:
            return reader, columns
    raise ReadingListError(
        "The CSV file has no “title” column in its first row "
        "(with commas, semicolons or tabs between the columns)."
    )


def candidates_from_csv(text: str) -> list[Candidate]:
    reader, columns = _csv_reader(text)
    # Zotero writes every author "Last, First", so even one author is turned around.
    last_first = "item type" in columns

    def cell(row: dict, field: str) -> str:
        for name in CSV_COLUMNS[field]:
            if name in columns and row.get(columns[name]):
                return _unprotect(row[columns[name]])
        return ""

    def one_line(row: dict, field: str) -> str:
        return " ".join(cell(row, field).split())

    found = []
    try:
        for row in reader:
            extra = cell(row, "extra")
            arxiv = arxiv_id_in(cell(row, "arxiv"))
            if not arxiv and (in_extra := re.search(r"arxiv:\s*(\S+)", extra, re.IGNORECASE)):
                arxiv = arxiv_id_in(in_extra[1])
            candidate = Candidate(
                where=f"line {reader.line_num}",
                title=one_line(row, "title"),
                authors=_csv_names(cell(row, "authors"), last_first=last_first),
                venue=one_line(row, "venue"),
                year=_year(cell(row, "year")),
                doi=_doi(cell(row, "doi")),
                arxiv_id=arxiv,
                url=cell(row, "url"),
                abstract=cell(row, "abstract").strip(),
            )
            found.append(_identified(candidate))
    except csv.Error as error:
        raise ReadingListError(f"The CSV file cannot be read at line {reader.line_num}: {error}.") from None
    return found


def reading_list_candidates(*, data: bytes | str, filename: str) -> list[Candidate]:
    """The entries of a .bib or .csv file (chosen by its name, else by its content)."""
    text = _text(data)
    name = filename.lower()
    is_bibtex = name.endswith(".bib") or (not name.endswith(".csv") and text.lstrip().startswith(("@", "%")))
    found = candidates_from_bibtex(text) if is_bibtex else candidates_from_csv(text)
    if not found:
        kind = "BibTeX entries" if is_bibtex else "rows under the header"
        raise ReadingListError(f"The file holds no {kind}.")
    if len(found) > MAX_ENTRIES:
        raise ReadingListError(
            f"The file holds {len(found):,} entries; import at most {MAX_ENTRIES} at a time "
            "(split the file in parts and import each)."
        )
    return found
