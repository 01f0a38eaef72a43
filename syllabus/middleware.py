"""Refuse request bodies by their announced size, before anything reads them.

Django reads a multipart body (an upload) whole, to temporary files, before a form or serializer can
say that the file is too large; and a client that announces more bytes than it sends keeps a sync
worker waiting for them until gunicorn's timeout kills it. So the limit is checked against
Content-Length first: a body over the limit for its address is answered 413 at once, unread.

Bodies in chunks (Transfer-Encoding: chunked, no Content-Length) are answered 411: gunicorn passes
them on, but Django reads a request body only up to Content-Length, so it would silently see none.

A body within its limit that stops arriving is given up after REQUEST_BODY_TIMEOUT seconds of
silence under gunicorn (a timeout on its client socket), answered 408 by `syllabus.errors`, instead
of holding the worker until gunicorn kills it. A buffering proxy in front (README) makes this moot.
"""

import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from syllabus.errors import plain_response

# A week's change form in the admin uploads several slide decks at once (its slide deck inline).
DECKS_PER_WEEK_FORM = 10

# URL name -> (setting with the largest file, how many files one request may carry, what they are).
UPLOAD_VIEWS = {
    "admin:papers_slidedeck_add": ("SLIDE_MAX_BYTES", 1, "a slide deck"),
    "admin:papers_slidedeck_change": ("SLIDE_MAX_BYTES", 1, "a slide deck"),
    "admin:syllabus_week_change": ("SLIDE_MAX_BYTES", DECKS_PER_WEEK_FORM, "a slide deck"),
    "admin:presenters_presenter_add": ("PHOTO_MAX_BYTES", 1, "a photo"),
    "admin:presenters_presenter_change": ("PHOTO_MAX_BYTES", 1, "a photo"),
    # The API's other writes are JSON, held to the general limit.
    "api:slidedeck-list": ("SLIDE_MAX_BYTES", 1, "a slide deck"),
    "api:slidedeck-file": ("SLIDE_MAX_BYTES", 1, "a slide deck"),
    "api:presenter-photo": ("PHOTO_MAX_BYTES", 1, "a photo"),
    "account:row": ("SLIDE_MAX_BYTES", 1, "a slide deck"),
    "account:profile": ("PHOTO_MAX_BYTES", 1, "a photo"),
}


def general_body_limit() -> int | None:
    """Every address that takes no upload: Django's own cap on a body held in memory (2.5 MB)."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def body_limit(request: HttpRequest) -> tuple[int | None, str]:
    """The most bytes a request to this address may announce (None: no limit), and why."""
    general = general_body_limit()
    try:
        view_name = resolve(request.path_info, getattr(request, "urlconf", None)).view_name
    except Resolver404:
        return general, ""
    if view_name not in UPLOAD_VIEWS:
        return general, ""
    setting, files, kind = UPLOAD_VIEWS[view_name]
    file_limit = getattr(settings, setting)
    if not may_upload(request, view_name):
        return general, f" until you sign in ({kind} is uploaded by signed-in users only)"
    # The files, plus the form's other fields, which Django itself caps at the general limit.
    return file_limit * files + (general or 0), f" ({kind} may be at most {_megabytes(file_limit)})"


def may_upload(request: HttpRequest, view_name: str) -> bool:
    """Only a signed-in user (or, for the API, a client sending credentials) may announce an upload's size.

    Otherwise an anonymous client could make Django spool a large body to disk: the admin's CSRF
    check reads the form before the admin asks for a login. An API request with a wrong token is
    refused by DRF before its body is parsed.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    return view_name.startswith("api:") and bool(request.META.get("HTTP_AUTHORIZATION"))


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


class RequestBodyLimitMiddleware:
    """413 for a Content-Length over the address's limit, 411 for a chunked body; nothing read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request)
        if refusal:
            return refusal
        client = request.META.get("gunicorn.socket")
        if client is not None and request.META.get("CONTENT_LENGTH", "0") != "0":
            # Each read of the body waits at most this long; sync workers close the socket afterwards.
            client.settimeout(settings.REQUEST_BODY_TIMEOUT)
        return self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return plain_response(
                request,
                status=411,
                title="Length required",
                detail="Send the request body with a Content-Length header; bodies sent in chunks "
                "(Transfer-Encoding: chunked) are not accepted.",
            )
        announced = request.META.get("CONTENT_LENGTH") or "0"
        if not re.fullmatch(r"[0-9]+", announced):  # ASCII digits only: int() would take "²" or "٣"
            return plain_response(
                request,
                status=400,
                title="Bad request",
                detail=f"Content-Length must be a whole number of bytes, not {announced[:40]!r}.",
            )
        size = int(announced)
        general = general_body_limit()
        if general is None or size <= general:
            return None  # the common case answers without resolving the address
        limit, why = body_limit(request)
        if limit is None or size <= limit:
            return None
        return plain_response(
            request,
            status=413,
            title="Request too large",
            detail=f"This request is {_megabytes(size)}; this address accepts at most {_megabytes(limit)}{why}.",
        )
