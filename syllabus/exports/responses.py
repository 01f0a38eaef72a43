"""A reading list as a downloadable file, in the formats reference managers and spreadsheets read."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from papers.citations import papers_bibtex, papers_ris, readings_csv
from syllabus.exports.reading_lists import ReadingList


@dataclass(frozen=True)
class Format:
    extension: str
    content_type: str
    write: Callable[[ReadingList], str]


FORMATS = {
    "bib": Format("bib", "application/x-bibtex; charset=utf-8", lambda found: papers_bibtex(found.papers)),
    "ris": Format(
        "ris", "application/x-research-info-systems; charset=utf-8", lambda found: papers_ris(found.papers)
    ),
    "csv": Format("csv", "text/csv; charset=utf-8", lambda found: readings_csv(found.readings)),
}
# The API's ?format= names (DRF's renderers) for the same files.
API_FORMATS = {"bibtex": "bib", "ris": "ris", "csv": "csv"}


def reading_list_response(reading_list: ReadingList, fmt: str) -> HttpResponse:
    """The file as an attachment named after what it lists, e.g. `2026-fall-reading-list.bib`."""
    chosen = FORMATS[fmt]
    response = HttpResponse(chosen.write(reading_list), content_type=chosen.content_type)
    filename = f"{reading_list.filename}-reading-list.{chosen.extension}"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
