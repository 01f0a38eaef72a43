"""The one HTTP client every metadata source goes through: timeouts, User-Agent, size limit, rate limits.

Errors of the network or the source become LookupFailed subclasses with a message for people.
"""

import time
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache

from papers.lookup.results import PaperNotFound, SourceTimedOut, SourceUnavailable

MAX_BYTES = 2_000_000  # an arXiv entry or a CSL record is a few kilobytes


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str


def user_agent() -> str:
    """Both arXiv and Crossref ask clients to say who they are and how to reach them."""
    contact = settings.LOOKUP_CONTACT_EMAIL
    return f"{settings.SITE_NAME} (Syllabus seminar site{'; mailto:' + contact if contact else ''})"


def wait_turn(source: str, *, interval: float) -> None:
    """Return once this process may call `source`: at most one call per `interval` seconds, site-wide.

    The turn is a key in the shared cache (Redis or the database, never per-process memory), added
    only if absent and expiring after `interval`, so every worker and every machine takes turns.
    """
    if interval <= 0:
        return
    key = f"papers:lookup:turn:{source}"
    deadline = time.monotonic() + settings.LOOKUP_TIMEOUT
    while not cache.add(key, 1, timeout=max(1, round(interval))):
        if time.monotonic() > deadline:
            raise SourceUnavailable(f"{source} is busy with other lookups; try again in a few seconds.")
        time.sleep(0.2)


def fetch(url: str, *, source: str, accept: str, params: dict | None = None, interval: float = 0) -> Answer:
    """GET `url`, waiting for the source's turn first; raises LookupFailed for anything but an answer.

    4xx answers other than 404 are returned for the source to read (arXiv explains a bad id in a 400).
    """
    wait_turn(source, interval=interval)
    headers = {"Accept": accept, "User-Agent": user_agent()}
    try:
        with requests.get(
            url, params=params, headers=headers, timeout=settings.LOOKUP_TIMEOUT, stream=True
        ) as response:
            status, content_type = response.status_code, response.headers.get("Content-Type", "")
            body = _read_limited(response)
    except requests.Timeout:
        raise SourceTimedOut(
            f"{source} did not answer within {settings.LOOKUP_TIMEOUT} seconds; try again later "
            "or fill in the paper by hand."
        ) from None
    except requests.RequestException:
        raise SourceUnavailable(
            f"{source} could not be reached (is the server offline?); try again later or fill in the paper by hand."
        ) from None
    if len(body) > MAX_BYTES:
        raise SourceUnavailable(f"{source} sent an answer too large to be a paper's record.")
    if status == 404:
        raise PaperNotFound(f"{source} knows no such paper.")
    if status >= 500 or status == 429:
        raise SourceUnavailable(
            f"{source} is having trouble (HTTP {status}); try again later or fill in the paper by hand."
        )
    return Answer(status=status, body=body, content_type=content_type)


def _read_limited(response: requests.Response) -> bytes:
    """The body, read no further than one byte past MAX_BYTES."""
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BYTES:
            break
    return b"".join(chunks)
