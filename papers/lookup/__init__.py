"""Paper metadata from the paper's arXiv id or DOI: one module per source, behind one client.

`look_up(identifier)` calls out to the network; papers.services.paper_metadata_find wraps it with
the stored answers (PaperLookup) so that pages never wait on a source.
"""

from papers.lookup import arxiv, doi
from papers.lookup.identifiers import Identifier, IdentifierError, find_identifier, parse_identifier
from papers.lookup.results import (
    FoundLink,
    LookupFailed,
    PaperMetadata,
    PaperNotFound,
    SourceTimedOut,
    SourceUnavailable,
)

SOURCES = {"arxiv": arxiv, "doi": doi}

__all__ = [
    "FoundLink",
    "Identifier",
    "IdentifierError",
    "LookupFailed",
    "PaperMetadata",
    "PaperNotFound",
    "SourceTimedOut",
    "SourceUnavailable",
    "find_identifier",
    "look_up",
    "parse_identifier",
]


def look_up(identifier: Identifier) -> PaperMetadata:
    """Ask the identifier's source (the network); raises a LookupFailed with a message for people."""
    return SOURCES[identifier.scheme].fetch(identifier)
