"""Recognise what a user pasted: an arXiv id or address, or a DOI or doi.org address."""

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

# New-style ids (1706.03762, 0704.0001) and old-style ones (hep-th/9901001, math.GT/0309136).
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"
ARXIV_ID = re.compile(rf"(?P<id>{_NEW_ID}|{_OLD_ID})(?P<version>v\d+)?")
ARXIV_HOSTS = {"arxiv.org", "www.arxiv.org", "export.arxiv.org"}
# Pages of arXiv whose address ends with the id: abs/, pdf/, html/ (and the old format/ ps/ ones).
ARXIV_PATH = re.compile(r"/(?:abs|pdf|html|format|ps)/(?P<rest>.+?)(?:\.pdf)?/?$")
DOI = re.compile(r"10\.\d{4,9}/\S+")
DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}
# DataCite's DOIs for arXiv papers: the arXiv API knows them better than the DOI registry.
ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(?P<rest>.+)", re.IGNORECASE)

EXAMPLES = "e.g. 1706.03762, arXiv:hep-th/9901001, an arxiv.org link, 10.1145/3065386 or a doi.org link"


class IdentifierError(ValueError):
    """The text is neither an arXiv id nor a DOI; the message says what would be."""


@dataclass(frozen=True)
class Identifier:
    scheme: str  # "arxiv" or "doi"
    value: str  # the arXiv id without its version, or the DOI as written
    version: str = ""  # "v2" when an arXiv version was given

    @property
    def key(self) -> str:
        """The same paper gives the same key however it was pasted (DOIs ignore case)."""
        value = self.value.lower() if self.scheme == "doi" else self.value + self.version
        return f"{self.scheme}:{value}"

    @property
    def arxiv_query_id(self) -> str:
        return self.value + self.version

    def __str__(self) -> str:
        return f"arXiv {self.value}{self.version}" if self.scheme == "arxiv" else f"DOI {self.value}"


def _arxiv(text: str) -> Identifier | None:
    match = ARXIV_ID.fullmatch(text)
    return Identifier("arxiv", match["id"], match["version"] or "") if match else None


def _doi(text: str) -> Identifier | None:
    text = text.strip()
    if not DOI.fullmatch(text):
        return None
    if arxiv_doi := ARXIV_DOI.fullmatch(text):
        found = _arxiv(arxiv_doi["rest"])
        if found:
            return found
    return Identifier("doi", text)


def parse_identifier(text: str) -> Identifier:
    """An arXiv id or DOI in any of the forms people paste; IdentifierError if it is neither."""
    raw = (text or "").strip()
    if not raw or len(raw) > 1000:
        raise IdentifierError(f"Paste an arXiv id or a DOI ({EXAMPLES}).")
    lowered = raw.lower()
    for prefix in ("arxiv:", "arxiv "):
        if lowered.startswith(prefix):
            if found := _arxiv(raw[len(prefix) :].strip()):
                return found
            raise IdentifierError(f"{raw!r} is not an arXiv id ({EXAMPLES}).")
    if lowered.startswith("doi:"):
        if found := _doi(unquote(raw[4:])):
            return found
        raise IdentifierError(f"{raw!r} is not a DOI ({EXAMPLES}).")
    if found := _from_address(raw):
        return found
    if found := _arxiv(raw) or _doi(unquote(raw)):
        return found
    raise IdentifierError(f"{raw!r} is not an arXiv id or a DOI ({EXAMPLES}).")


def _from_address(raw: str) -> Identifier | None:
    """An arxiv.org or doi.org address (with or without its scheme), or None for anything else."""
    address = raw if "://" in raw else f"https://{raw}"
    try:
        parts = urlsplit(address)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"}:
        return None
    if host in ARXIV_HOSTS:
        match = ARXIV_PATH.search(unquote(parts.path))
        found = _arxiv(match["rest"]) if match else None
        if found is None:
            raise IdentifierError(f"{raw!r} is an arXiv address without a paper's id ({EXAMPLES}).")
        return found
    if host in DOI_HOSTS:
        found = _doi(unquote(parts.path.lstrip("/")))
        if found is None:
            raise IdentifierError(f"{raw!r} is a doi.org address without a DOI ({EXAMPLES}).")
        return found
    return None


def find_identifier(texts) -> Identifier | None:
    """The first arXiv id or DOI among `texts` (a paper's fields and link addresses), or None."""
    for text in texts:
        if not text:
            continue
        try:
            return parse_identifier(text)
        except IdentifierError:
            continue
    return None
