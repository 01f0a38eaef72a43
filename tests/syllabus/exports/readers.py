"""The exports read back as a reference manager or spreadsheet would: with the libraries that read them."""

import csv
import io

import bibtexparser
import pylatexenc.latex2text as latex2text
import rispy

# \textasciicircum is "^" in LaTeX; pylatexenc's default text for it is the modifier letter U+02C6.
_context = latex2text.get_default_latex_context_db()
_context.add_context_category(
    "tests", prepend=True, macros=[latex2text.MacroTextSpec("textasciicircum", "^")]
)
_decoder = latex2text.LatexNodes2Text(latex_context=_context, math_mode="verbatim")
VERBATIM_FIELDS = {"doi", "url", "eprint", "archivePrefix", "primaryClass", "year"}


def read_bibtex(text: str) -> dict[str, dict[str, str]]:
    """Entry key -> {"ENTRYTYPE": ..., field: text}: text fields LaTeX-decoded, identifiers as written."""
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    entries = {}
    for entry in library.entries:
        fields = {"ENTRYTYPE": entry.entry_type}
        for field in entry.fields:
            fields[field.key] = (
                field.value if field.key in VERBATIM_FIELDS else _decoder.latex_to_text(field.value)
            )
        entries[entry.key] = fields
    return entries


def read_ris(text: str) -> list[dict]:
    return rispy.loads(text)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))
