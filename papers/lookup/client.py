"""The one HTTP client every metadata source goes through: timeouts, User-Agent, size limit, rate limits.

Errors of the network or the source become LookupFailed subclasses with a message for people.
"""

import ipaddress
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.core.cache import cache

from papers.lookup.results import PaperNotFound, SourceTimedOut, SourceUnavailable

MAX_BYTES = 2_000_000  # an arXiv entry or a CSL record is a few kilobytes
MAX_REDIRECTS = 5  # doi.org sends a DOI on to its registry (Crossref, DataCite, ...): one or two hops


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
    deadline = time.monotonic() + 2 * settings.LOOKUP_TIMEOUT  # the whole answer, however slowly it comes
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            with requests.get(
                url,
                params=params,
                headers=headers,
                timeout=settings.LOOKUP_TIMEOUT,
                stream=True,
                allow_redirects=False,
            ) as response:
                status, content_type = response.status_code, response.headers.get("Content-Type", "")
                if not response.is_redirect:
                    body = _read_limited(response, deadline=deadline, source=source)
                    break
                url, params = _redirect_target(response, source=source), None
        else:
            raise SourceUnavailable(f"{source} sent the request round in circles; fill in the paper by hand.")
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


def _redirect_target(response: requests.Response, *, source: str) -> str:
    """Where a redirect points, if it is somewhere a lookup may go: an https address of a named host.

    A DOI redirects to whatever its registrant chose; never follow one to plain http, an IP address
    or this machine (a way into the site's own network).
    """
    target = urljoin(response.url, response.headers.get("Location", ""))
    parts = urlsplit(target)
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme != "https" or not host or host == "localhost" or _is_ip_address(host):
        raise SourceUnavailable(f"{source} sent the lookup to an address it may not follow ({target[:100]}).")
    return target


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _read_limited(response: requests.Response, *, deadline: float, source: str) -> bytes:
    """The body, read no further than one byte past MAX_BYTES, nor past `deadline` (a trickling server)."""
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BYTES:
            break
        if time.monotonic() > deadline:
            raise SourceTimedOut(
                f"{source} sent its answer too slowly; try again later or fill in the paper by hand."
            )
    return b"".join(chunks)
