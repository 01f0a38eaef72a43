"""arXiv's API: one Atom entry per id (https://info.arxiv.org/help/api/user-manual.html).

arXiv asks for at most one request every three seconds (settings.LOOKUP_ARXIV_INTERVAL), site-wide.
"""

import re
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings

from papers.lookup import client
from papers.lookup.identifiers import Identifier
from papers.lookup.results import (
    TITLE_MAX,
    VENUE_MAX,
    FoundLink,
    PaperMetadata,
    PaperNotFound,
    SourceUnavailable,
    one_line,
    plausible_year,
)

API_URL = "https://export.arxiv.org/api/query"
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
}
ENTRY_ID = re.compile(r"arxiv\.org/abs/(?P<id>.+?)(?:v\d+)?$")


def fetch(identifier: Identifier) -> PaperMetadata:
    answer = client.fetch(
        API_URL,
        source="arXiv",
        accept="application/atom+xml",
        params={"id_list": identifier.arxiv_query_id, "max_results": "1"},
        interval=settings.LOOKUP_ARXIV_INTERVAL,
    )
    if answer.status >= 400:  # arXiv explains a malformed id in a 400 feed
        raise PaperNotFound(f"arXiv knows no paper {identifier.arxiv_query_id}.")
    return parse_entry(answer.body, identifier)


def parse_entry(body: bytes, identifier: Identifier) -> PaperMetadata:
    """The paper in an arXiv API feed; PaperNotFound for an empty feed or an error entry."""
    try:
        feed = fromstring(body)
    except (ParseError, DefusedXmlException, ValueError):
        raise SourceUnavailable(
            "arXiv sent an answer that is not a readable Atom feed; try again later."
        ) from None
    entry = feed.find("atom:entry", NS)
    entry_id = _text(entry, "atom:id")
    if entry is None or "/api/errors" in entry_id or not _text(entry, "atom:title"):
        raise PaperNotFound(f"arXiv knows no paper {identifier.arxiv_query_id}.")
    match = ENTRY_ID.search(entry_id)
    arxiv_id = match["id"] if match else identifier.value
    authors = [one_line(_text(author, "atom:name")) for author in entry.findall("atom:author", NS)]
    journal = one_line(_text(entry, "arxiv:journal_ref"), VENUE_MAX)
    return PaperMetadata(
        source="arxiv",
        title=one_line(_text(entry, "atom:title"), TITLE_MAX),
        authors=[name for name in authors if name],
        year=plausible_year(_text(entry, "atom:published")[:4]),
        venue=journal or "arXiv",
        abstract=_paragraphs(_text(entry, "atom:summary")),
        arxiv_id=arxiv_id,
        doi=one_line(_text(entry, "arxiv:doi")),
        links=[
            FoundLink(kind="abstract", url=f"https://arxiv.org/abs/{arxiv_id}", label="arXiv"),
            FoundLink(kind="pdf", url=f"https://arxiv.org/pdf/{arxiv_id}"),
        ],
    )


def _text(element: Element | None, path: str) -> str:
    found = element.find(path, NS) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _paragraphs(text: str) -> str:
    """arXiv wraps abstracts at ~80 columns: join the lines, keep blank-line paragraph breaks."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(one_line(paragraph) for paragraph in paragraphs if paragraph.strip())
