"""DOI content negotiation: the registry of a DOI (Crossref, DataCite, ...) answers in CSL JSON.

https://citation.crosscite.org/docs.html
"""

import json
import re
from urllib.parse import quote

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

RESOLVER = "https://doi.org/"
CSL_JSON = "application/vnd.citationstyles.csl+json"
MARKUP = re.compile(r"<[^>]+>")


def fetch(identifier: Identifier) -> PaperMetadata:
    answer = client.fetch(
        RESOLVER + quote(identifier.value, safe="/:;()._-"), source="doi.org", accept=CSL_JSON
    )
    if answer.status == 406:
        raise SourceUnavailable(
            f"The registry of {identifier} offers no metadata; fill in the paper by hand."
        )
    if answer.status >= 400:
        raise PaperNotFound(f"doi.org knows no DOI {identifier.value}.")
    return parse_record(answer.body, identifier)


def parse_record(body: bytes, identifier: Identifier) -> PaperMetadata:
    """The paper in a CSL JSON record; SourceUnavailable if it is not one."""
    try:
        record = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        record = None
    if not isinstance(record, dict):
        raise SourceUnavailable(
            "doi.org sent an answer that is not a readable CSL JSON record; try again later."
        )
    title = one_line(_first(record.get("title")), TITLE_MAX)
    if not title:
        raise PaperNotFound(f"The record of DOI {identifier.value} has no title.")
    doi = str(record.get("DOI") or identifier.value).strip()
    links = [FoundLink(kind="abstract", url=f"https://doi.org/{doi}", label="DOI")]
    links += [
        FoundLink(kind="pdf", url=link["URL"])
        for link in _dicts(record.get("link"))
        if link.get("content-type") == "application/pdf" and str(link.get("URL", "")).startswith("https://")
    ][:1]
    return PaperMetadata(
        source="doi",
        title=title,
        authors=[name for name in map(_author, _dicts(record.get("author"))) if name],
        year=_year(record),
        venue=one_line(_first(record.get("container-title")) or record.get("publisher") or "", VENUE_MAX),
        abstract=_paragraphs(str(record.get("abstract") or "")),
        doi=doi,
        links=links,
    )


def _first(value) -> str:
    """CSL titles are a string, or (in Crossref's records) a list of them."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return value if isinstance(value, str) else ""


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _author(author: dict) -> str:
    if author.get("literal"):
        return one_line(author["literal"])
    return one_line(" ".join(str(author.get(part) or "") for part in ("given", "family")))


def _year(record: dict):
    for key in ("issued", "published-print", "published-online", "published", "created"):
        parts = record.get(key, {}).get("date-parts") if isinstance(record.get(key), dict) else None
        if parts and isinstance(parts[0], list) and parts[0] and (year := plausible_year(parts[0][0])):
            return year
    return None


def _paragraphs(text: str) -> str:
    """Crossref abstracts are JATS XML (`<jats:p>...`): paragraphs kept, the tags dropped."""
    text = re.sub(r"</(?:jats:)?p>", "\n\n", text)
    text = re.sub(r"<(?:jats:)?title>.*?</(?:jats:)?title>", "", text, flags=re.DOTALL)  # "Abstract"
    paragraphs = re.split(r"\n\s*\n", MARKUP.sub("", text))
    return "\n\n".join(one_line(paragraph) for paragraph in paragraphs if paragraph.strip())
