"""What a lookup finds, in the shape of a paper's fields, and the ways it can fail."""

import datetime
from dataclasses import asdict, dataclass, field

from papers.models import Paper

TITLE_MAX = Paper._meta.get_field("title").max_length
VENUE_MAX = Paper._meta.get_field("venue").max_length


class LookupFailed(Exception):
    """A lookup that found nothing usable; `str()` is a message for the person who asked."""

    status = 502


class PaperNotFound(LookupFailed):
    status = 404


class SourceUnavailable(LookupFailed):
    """The source could not be reached, answered with an error, or answered something unreadable."""

    status = 502


class SourceTimedOut(LookupFailed):
    status = 504


@dataclass(frozen=True)
class FoundLink:
    kind: str  # a PaperLink.Kind value
    url: str
    label: str = ""


@dataclass(frozen=True)
class PaperMetadata:
    source: str  # "arxiv" or "doi"
    title: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    venue: str = ""
    abstract: str = ""
    arxiv_id: str = ""
    doi: str = ""
    links: list[FoundLink] = field(default_factory=list)
    fetched_at: datetime.datetime | None = None

    def paper_fields(self) -> dict:
        """The values for a Paper's fields (authors as the comma-separated text the form takes)."""
        return {
            "title": self.title,
            "authors": ", ".join(self.authors),
            "year": self.year,
            "venue": self.venue,
            "abstract": self.abstract,
            "arxiv_id": self.arxiv_id,
            "doi": self.doi,
        }

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("fetched_at")
        return data

    @classmethod
    def from_json(cls, data: dict, *, fetched_at: datetime.datetime | None = None) -> "PaperMetadata":
        links = [FoundLink(**link) for link in data.get("links", [])]
        return cls(**{**data, "links": links, "fetched_at": fetched_at})


def one_line(text: str, limit: int | None = None) -> str:
    """Whitespace (line breaks included) collapsed to single spaces, cut to `limit` characters."""
    text = " ".join(str(text or "").split())
    return text[: limit - 1].rstrip() + "…" if limit and len(text) > limit else text


def plausible_year(value) -> int | None:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 1900 <= year <= 2100 else None
