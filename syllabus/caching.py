"""Caching and invalidation for every page and API read: one content version, shared whole answers.

**The content version** is one number in the shared cache that every change of what the public can
see moves forward: a save or delete of a term, week, row, paper, link, deck, presenter, tag or
category, and their many-to-many changes (signals, `connect_signals`), and every bulk write that
sends no signals (`content_changed()` at each). It moves after the transaction commits, so no
request can read the new number and still see the old rows. It is close to the time of the last
change in nanoseconds; if the key is lost (flushed, evicted) it starts again from the current time,
a number no earlier version had, so nothing cached under an old one can come back.

**Whole answers** for anonymous visitors (no session or messages cookie, no Authorization header)
of the public pages, feeds and sitemap (`PageCacheMiddleware`), and of the API's list and detail
reads (`CachedReadsMixin`, after DRF's authentication, permissions and throttles) are kept under a
key made of the content version, today's date (the home page shows what is upcoming), the scheme,
host, path and query string, and the encoding (gzip or not). A change makes every key new at once;
old entries are never read again and expire after PAGE_CACHE_SECONDS. Only 200 answers that set
no cookie and use no CSRF token are kept, with their final headers (CSP included), so a hit
computes nothing but a 304 check.

**Conditional GETs** of those answers cost one cache read: the ETag of a page or API list is made
from the content version, so a matching If-None-Match is answered 304 before any view runs. An API
detail keeps the ETag of its representation (clients send it back in If-Match), read from the kept
answer. Last-Modified is the time of the version's change, sent only once that second is over:
If-Modified-Since counts whole seconds, and a second change within the same second would
otherwise be hidden from a client that asks with the first one's time.

Signed-in users (who may see drafts) never read or fill these caches; their answers keep the
body-hash ETag of ConditionalGetMiddleware and get `Cache-Control: private`.
"""

import datetime
import functools
import hashlib
import logging
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

logger = logging.getLogger(__name__)

# After "api:…" and "page:…": the database cache culls the keys that sort first.
VERSION_KEY = "version:content"
NANOSECONDS = 1_000_000_000

# URL namespaces of the public pages; of those, the views that are never kept.
PAGE_NAMESPACES = {"syllabus", "papers", "presenters", "signup"}
UNCACHED_VIEWS = {
    "syllabus:private_file",  # decided per user
    "syllabus:robots",  # costs less than a cache read
    "syllabus:favicon",  # a file, cached by browsers for a week (a kept copy would say no-cache)
    "syllabus:embed_js",  # the same, for an hour
    "syllabus:search",  # a new page for every query: kept, anyone could fill the cache (it is indexed)
    "syllabus:search_reading_list",  # the same, as a file
    "syllabus:week_slides_zip",  # streamed, large
}
# The query parameters each page reads, and the values it is kept for: a page number. Any other
# parameter or value (utm_source=…, page=junk) is served uncached rather than kept once per value,
# which would let anyone fill the cache with copies of one page.
PAGE_PARAMETERS = {"papers:list": "page", "presenters:list": "page", "syllabus:sitemap_section": "p"}
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,3}")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


# The content version.


def content_version() -> int:
    """The current content version (one cache read; three when the key was lost)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)  # the first to add wins
        version = cache.get(VERSION_KEY) or time.time_ns()
    return version


def content_changed() -> None:
    """Mark what the public sees as changed: the version moves when the current transaction commits.

    Call it after any write that sends no signals (bulk_create, bulk_update, QuerySet.update, a
    restored database). Calls within one transaction share one move of the version.
    """
    connection = transaction.get_connection()
    pending = getattr(connection, "content_change_pending", None)
    if pending is None or pending.done:
        pending = connection.content_change_pending = _PendingBump()
    transaction.on_commit(pending, robust=True)


class _PendingBump:
    """The one version move of a transaction's changes: the first of its callbacks to run moves it.

    A transaction rolled back leaves it undone, to be shared by the next one, which is harmless.
    """

    done = False

    def __call__(self) -> None:
        if not self.done:
            self.done = True
            _version_bump()


def _version_bump() -> None:
    """Move the version to at least now, in one atomic increment (Redis), never backwards."""
    now = time.time_ns()
    current = cache.get(VERSION_KEY)
    if current is None and cache.add(VERSION_KEY, now, timeout=None):
        return
    current = current or cache.get(VERSION_KEY) or 0
    try:
        cache.incr(VERSION_KEY, max(1, now - current))
    except ValueError:  # lost meanwhile: any time-based start is new
        cache.set(VERSION_KEY, now, timeout=None)


def _content_changed_receiver(sender, **kwargs) -> None:
    content_changed()


def release_changed(**kwargs) -> None:
    """post_migrate receiver: every deploy runs `migrate`, and a new release may render every page
    differently (templates, static file names), so nothing kept by the old one is served again."""
    try:
        _version_bump()
    except Exception:  # an unreachable cache must not stop a migration; it holds nothing to serve
        logger.warning("Page cache: could not move the content version after migrate", exc_info=True)


# What pages show: every save, delete and many-to-many change of these models moves the version.
PUBLIC_MODELS = [
    "syllabus.Term",
    "syllabus.Week",
    "syllabus.Presentation",
    "syllabus.PresentationPresenter",
    "syllabus.Category",
    "syllabus.Tag",
    "papers.Paper",
    "papers.PaperLink",
    "papers.SlideDeck",
    "presenters.Presenter",
    "presenters.PresenterAlias",
    # The sign-up page (syllabus/signup/): its rules, pool with stars, sessions and who claimed them.
    "syllabus.Signup",
    "syllabus.PoolPaper",
    "syllabus.Slot",
    "syllabus.Claim",
    "syllabus.Vote",
]


def connect_signals() -> None:
    from django.apps import apps

    for label in PUBLIC_MODELS:
        model = apps.get_model(label)
        for signal in (post_save, post_delete):
            signal.connect(_content_changed_receiver, sender=model, dispatch_uid=f"content_changed_{label}")
        for field in model._meta.local_many_to_many:
            m2m_changed.connect(
                _content_changed_receiver,
                sender=field.remote_field.through,
                dispatch_uid=f"content_changed_{label}_{field.name}",
            )


# Keys, ETags and kept answers.


def _encoding(request: HttpRequest) -> str:
    return "gzip" if ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")) else ""


def _url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}{request.get_full_path()}"


def _digest(*parts: object) -> str:
    return hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()[:32]


def cache_window() -> int:
    """The PAGE_CACHE_SECONDS-long window of time we are in: part of every key and ETag, so that no
    kept answer (with its signed file links, if S3_SIGNED_URLS) is served or confirmed for longer."""
    return time.time_ns() // NANOSECONDS // settings.PAGE_CACHE_SECONDS


def version_etag(version: int, request: HttpRequest, *more: str) -> str:
    """Weak: the gzip and the plain body of one answer are the same representation."""
    return f'W/"{_digest(version, cache_window(), timezone.localdate(), _url(request), *more)}"'


def last_modified(version: int) -> int | None:
    """The version's change as an HTTP date (whole seconds), or None while that second lasts.

    A later change is then in a later second, so If-Modified-Since never hides it; at midnight the
    date-dependent pages change too, so the day's start counts as a change.
    """
    changed = version // NANOSECONDS
    if changed >= time.time_ns() // NANOSECONDS:
        return None
    midnight = datetime.datetime.combine(
        timezone.localdate(), datetime.time(), timezone.get_current_timezone()
    )
    return max(changed, int(midnight.timestamp()), cache_window() * settings.PAGE_CACHE_SECONDS)


def _not_modified(request: HttpRequest, *, etag: str, version: int) -> HttpResponse | None:
    """A 304 for a matching If-None-Match (or If-Modified-Since), or None.

    Not for `If-None-Match: *` ("if it exists"): that the page exists is for the view to say.
    """
    if request.META.get("HTTP_IF_NONE_MATCH", "").strip() == "*":
        return None
    stub = HttpResponse()
    stub["ETag"] = etag
    if (modified := last_modified(version)) is not None:
        stub["Last-Modified"] = http_date(modified)
    patch_cache_control(stub, no_cache=True)
    answer = get_conditional_response(request, etag=etag, last_modified=modified, response=stub)
    return None if answer is stub else answer


def _kept(response: HttpResponse) -> tuple[bytes, list[tuple[str, str]]]:
    return response.content, list(response.headers.items())


def _from_kept(request: HttpRequest, entry, version: int) -> HttpResponse:
    content, headers = entry
    response = HttpResponse(b"" if request.method == "HEAD" else content, headers=dict(headers))
    if (modified := last_modified(version)) is not None:
        response["Last-Modified"] = http_date(modified)
    return response


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    """A 200 for everyone: no cookie set (a page that used a CSRF token sets one), not private."""
    cache_control = response.get("Cache-Control", "")
    return (
        request.method == "GET"
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


def _key(version: int, request: HttpRequest, *more: str) -> str:
    return _digest(version, cache_window(), timezone.localdate(), _encoding(request), _url(request), *more)


def _version_or_none() -> int | None:
    """The content version, or None when the cache cannot be reached: then nothing is kept or
    served from it, and the page is rendered as if caching were off."""
    try:
        return content_version()
    except Exception:
        logger.warning("Page cache: could not read the content version", exc_info=True)
        return None


def _cache_get(key: str):
    try:
        return cache.get(key)
    except Exception:  # an unreachable cache costs speed, not the page
        logger.warning("Page cache: could not read %s", key, exc_info=True)
        return None


def _cache_set(key: str, entry) -> None:
    try:
        cache.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("Page cache: could not keep %s", key, exc_info=True)


def shared_request(request: HttpRequest) -> bool:
    """A read whose answer is the same for every anonymous visitor: GET or HEAD, no credentials.

    Decided from the request alone, before the session is read: a visitor with a session cookie
    (signed in, or once) or a pending message is served fresh, never from or into the cache.
    """
    return (
        settings.PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and "HTTP_AUTHORIZATION" not in request.META
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


# Pages.


def cacheable_page(request: HttpRequest) -> bool:
    view_name = _cacheable_view(request.path_info, getattr(request, "urlconf", None) or settings.ROOT_URLCONF)
    if view_name is None:
        return False
    if not request.GET:
        return True
    parameter = PAGE_PARAMETERS.get(view_name)
    values = request.GET.getlist(parameter) if parameter else []
    return (
        list(request.GET) == [parameter] and len(values) == 1 and PAGE_NUMBER.fullmatch(values[0]) is not None
    )


@functools.lru_cache(maxsize=4096)
def _cacheable_view(path: str, urlconf: str) -> str | None:
    """The view of a path if it is one of the kept pages, remembered: every request asks, kept or
    not (robots.txt, the admin, the API), and resolving a path again costs more than a cache hit."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    keep = match.namespace in PAGE_NAMESPACES and match.view_name not in UNCACHED_VIEWS
    return match.view_name if keep else None


class PageCacheMiddleware:
    """Whole public pages for anonymous visitors from the shared cache, and their 304s, before any view.

    Placed right after SecurityMiddleware (HTTPS redirect first), so that what it keeps carries
    every header the inner middleware adds (CSP, ETag, gzip): a hit adds nothing but Last-Modified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if shared_request(request) and api_list_etag_known(request):
            if (version := _version_or_none()) is not None:
                etag = api_list_etag(version, request)
                if (answer := _not_modified(request, etag=etag, version=version)) is not None:
                    return answer
            return self.get_response(request)
        if not (shared_request(request) and cacheable_page(request)):
            return mark_private(request, self.get_response(request))
        if (version := _version_or_none()) is None:
            return self.get_response(request)
        etag = version_etag(version, request)
        if (answer := _not_modified(request, etag=etag, version=version)) is not None:
            return answer
        key = "page:" + _key(version, request)
        if (entry := _cache_get(key)) is not None:
            return _from_kept(request, entry, version)
        response = self.get_response(request)
        if _keepable(request, response):
            response["ETag"] = etag
            patch_cache_control(response, no_cache=True)  # browsers ask again each time: a cheap 304
            _cache_set(key, _kept(response))
            if (modified := last_modified(version)) is not None:
                response["Last-Modified"] = http_date(modified)
        return response


def mark_private(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Answers to signed-in users may hold drafts: no shared cache (a proxy) may keep them.

    Decided by the session cookie alone, not by reading the session: that may fail (a database
    outage, already answered 503 inside) and costs a query; a visitor with a stale cookie loses
    nothing by a private answer.
    """
    if "Cache-Control" not in response and settings.SESSION_COOKIE_NAME in request.COOKIES:
        patch_cache_control(response, private=True)
    return response


# The API.


class CachedReadsMixin:
    """For API viewsets: anonymous list and detail answers from the shared cache, and their 304s.

    Runs inside the view, after DRF authenticated the client, checked permissions and counted the
    throttles, so a cached answer still counts against the anonymous rate. Lists get an ETag made
    from the content version (their 304s are PageCacheMiddleware's, before DRF); details keep their
    representation ETag (syllabus.api_versions), checked against the kept answer. Gzip is kept per
    encoding.
    """

    def list(self, request, *args, **kwargs):
        return self._cached_read(super().list, request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        return self._cached_read(super().retrieve, request, *args, **kwargs)

    def _cached_read(self, read, request, *args, **kwargs):
        if not (
            shared_request(request)
            and not request.user.is_authenticated
            and self._known_parameters().issuperset(request.query_params)
        ):
            return read(request, *args, **kwargs)
        if (version := _version_or_none()) is None:
            return read(request, *args, **kwargs)
        media_type = request.accepted_media_type  # with its parameters: `; indent=4` is another body
        # A list's 304 was answered by PageCacheMiddleware already; its ETag is kept with the answer.
        etag = api_list_etag(version, request) if self.action == "list" else None
        key = "api:" + _key(version, request, media_type)
        if (entry := _cache_get(key)) is not None:
            kept_etag = None if etag else dict(entry[1]).get("ETag")  # a detail's representation
            if kept_etag and (answer := _not_modified(request, etag=kept_etag, version=version)) is not None:
                return answer
            return _from_kept(request, entry, version)
        self._keep_as = (key, etag)
        return read(request, *args, **kwargs)

    def _known_parameters(self) -> frozenset[str]:
        return known_api_parameters(type(self))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        keep_as = getattr(self, "_keep_as", None)
        if keep_as is None or not _keepable(request, response):
            return response
        key, etag = keep_as
        if etag:
            response["ETag"] = etag
        patch_cache_control(response, no_cache=True)
        response.render()
        response = compressed(request, response)
        _cache_set(key, _kept(response))
        return response


@functools.cache
def known_api_parameters(viewset: type) -> frozenset[str]:
    """The query parameters whose answers are kept: paging, format, expand and the filters.
    Any other (utm_source=…) is served uncached, so nobody can fill the cache with copies."""
    known = {"format", "expand", "ordering"}
    if (pagination := getattr(viewset, "pagination_class", None)) is not None:
        known |= {pagination.page_query_param, pagination.page_size_query_param}
    if (filterset := getattr(viewset, "filterset_class", None)) is not None:
        known |= set(filterset.base_filters)
    return frozenset(known)


def api_list_etag(version: int, request: HttpRequest) -> str:
    """An API list's ETag, from the request alone (the Accept header as sent, not as DRF reads it),
    so that the middleware can answer a 304 before DRF runs."""
    return version_etag(version, request, "api", request.META.get("HTTP_ACCEPT", ""))


def api_list_etag_known(request: HttpRequest) -> bool:
    """An anonymous GET of an API list whose parameters are all kept ones: its 304 needs no view.

    It comes before DRF's throttles, as a 304 of a page does: it says only "what you have is
    current", at the cost of one cache read."""
    if not request.META.get("HTTP_IF_NONE_MATCH") and not request.META.get("HTTP_IF_MODIFIED_SINCE"):
        return False
    viewset = _api_list_viewset(request.path_info, getattr(request, "urlconf", None) or settings.ROOT_URLCONF)
    return viewset is not None and known_api_parameters(viewset).issuperset(request.GET)


@functools.lru_cache(maxsize=1024)
def _api_list_viewset(path: str, urlconf: str) -> type | None:
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    viewset = getattr(match.func, "cls", None)
    actions = getattr(match.func, "actions", None) or {}
    if match.namespace == "api" and actions.get("get") == "list" and hasattr(viewset, "_cached_read"):
        return viewset
    return None


# Compression.

COMPRESSIBLE = re.compile(r"text/|application/(json|xml|atom\+xml|javascript)|image/svg\+xml")


class GZipMiddleware(DjangoGZipMiddleware):
    """Django's gzip (with its BREACH padding) for text answers, never for the admin.

    Files (slides, photos, zips) are compressed already. The admin shows secrets (presenters'
    emails) next to input a visitor can choose (its search box), which BREACH needs; it is small
    and used by few, so it is sent plain. README "Caching" says why the rest is safe.
    """

    def process_response(self, request, response):
        if response.streaming or not COMPRESSIBLE.match(response.get("Content-Type", "")):
            return response
        match = getattr(request, "resolver_match", None)
        if match is not None and match.namespace == "admin":
            return response
        return super().process_response(request, response)


def compressed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """The response gzipped as GZipMiddleware would, when the client accepts it."""
    return GZipMiddleware(lambda request: response).process_response(request, response)
