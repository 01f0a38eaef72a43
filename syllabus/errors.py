"""Error answers: JSON (`{"detail": ...}`) under /api/, HTML pages elsewhere.

Django calls these as the URLconf's handler400/403/500 (404: `syllabus.views.page_not_found`) and as CSRF_FAILURE_VIEW. An unreachable
database (OperationalError, InterfaceError) or shared cache (Redis) raised by any view, middleware, session or user lookup
ends in handler500 like any unexpected exception; `server_error` answers it with 503 and Retry-After
instead, from a page that needs no database.
"""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.template import loader
from django.views import csrf, defaults
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 30
DATABASE_UNAVAILABLE = "The site cannot reach its database or its cache right now. Please try again in a minute; the problem has been logged."
# The shared cache (throttle counts, lockouts) is as necessary as the database: Redis down is a 503 too.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
SERVER_ERROR = "Something went wrong on our side. The error has been logged."


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def plain_response(
    request: HttpRequest, *, status: int, title: str, detail: str, headers: dict | None = None
) -> HttpResponse:
    """JSON under /api/, otherwise a short page rendered without context processors (no database)."""
    if is_api_request(request):
        response = JsonResponse({"detail": detail}, status=status, headers=headers)
    else:
        context = {"site_name": settings.SITE_NAME, "title": title, "detail": detail}
        response = HttpResponse(
            loader.render_to_string("plain_error.html", context), status=status, headers=headers
        )
    # Sent before the middleware that would add it (the answer may come from the outermost layers).
    response.headers["Content-Length"] = str(len(response.content))
    return response


def database_unavailable(request: HttpRequest) -> HttpResponse:
    return plain_response(
        request,
        status=503,
        title="Temporarily unavailable",
        detail=DATABASE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def bad_request(request, exception):
    if is_api_request(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api_request(request):
        return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)
    return defaults.permission_denied(request, exception)


def server_error(request):
    """handler500: Django calls it while handling the exception, so sys.exc_info() names it."""
    exception = sys.exc_info()[1]
    if isinstance(exception, UNAVAILABLE_ERRORS):
        return database_unavailable(request)
    if isinstance(exception, UnreadablePostError):  # the client stopped sending its body
        return plain_response(
            request,
            status=408,
            title="Request timeout",
            detail=f"The request body stopped arriving: nothing came for {settings.REQUEST_BODY_TIMEOUT} s "
            "before all the bytes its Content-Length announced.",
        )
    if is_api_request(request):
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return defaults.server_error(request)


def csrf_failure(request, reason: str = ""):
    if is_api_request(request):
        return JsonResponse({"detail": f"CSRF Failed: {reason}"}, status=403)
    return csrf.csrf_failure(request, reason)
