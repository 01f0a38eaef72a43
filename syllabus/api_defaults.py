"""API-wide behaviour named in settings.REST_FRAMEWORK.

Kept apart from the viewsets: DRF imports these while it loads its own views, so this module
must not import them back.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from rest_framework import exceptions, pagination, parsers, throttling
from rest_framework.serializers import as_serializer_error

from syllabus.clients import client_address

# No request of ours nests more than a few levels (a paper's links: object > list > object).
MAX_JSON_DEPTH = 32


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000  # a script can fetch a whole term in one call

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing with a 400 what would fail later with a 500.

    Deep nesting exhausts the decoder's recursion; a lone surrogate (`"\\ud800"`, valid JSON
    but not valid Unicode) fails only when the database driver encodes it.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(
                f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep."
            ) from None
        if problem := json_problem(data):
            raise exceptions.ParseError(f"JSON parse error - {problem}")
        return data


# For adding a slide deck: multipart with its file, or JSON with a link; the schema offers multipart
# (api_schema). Other uploads (a photo, a deck's new file) have their own multipart-only addresses.
UPLOAD_PARSERS = [JSONParser, parsers.MultiPartParser]


def json_problem(data) -> str | None:
    """What makes parsed JSON unusable (too deep, not valid Unicode), or None; walked without recursion."""
    if isinstance(data, str):
        return "the body is not valid Unicode (it holds a lone surrogate)." if _has_surrogate(data) else None
    pending = [(data, (), 1)] if isinstance(data, dict | list) else []
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return f"nested more than {MAX_JSON_DEPTH} levels deep."
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            if isinstance(key, str) and _has_surrogate(key):
                return f"a key in {_path(path)} is not valid Unicode (it holds a lone surrogate)."
            if isinstance(item, str):
                if _has_surrogate(item):
                    return (
                        f"the text of {_path((*path, key))} is not valid Unicode (it holds a lone surrogate)."
                    )
            elif isinstance(item, dict | list):
                pending.append((item, (*path, key), depth + 1))
    return None


def _path(keys: tuple) -> str:
    """`links[0].label`: where a value sits in the body."""
    text = "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in keys).lstrip(".")
    return text or "the top level"


def _has_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class AnonymousRateThrottle(throttling.AnonRateThrottle):
    """Anonymous clients get API_ANON_RATE requests (read at request time, so tests can change it)."""

    def get_rate(self) -> str:
        return settings.API_ANON_RATE

    def get_ident(self, request) -> str:
        # DRF's own reads X-Forwarded-For whole when NUM_PROXIES is unset: a new header, a new count.
        return client_address(request)


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "This conflicts with data that already exists."
    default_code = "conflict"


def exception_handler(exc, context):
    """Refusals from the database become clean 4xx answers, never a 500."""
    from rest_framework.views import exception_handler as drf_exception_handler  # see module docstring

    if isinstance(exc, ProtectedError):
        names = ", ".join(sorted({type(obj)._meta.verbose_name for obj in exc.protected_objects}))
        exc = Conflict(f"This cannot be deleted: {names} still refer to it. Delete or move those first.")
    elif isinstance(exc, DataError):  # e.g. a number out of its column's range: the input's fault
        exc = exceptions.ValidationError({"detail": "A value is out of the range the database can store."})
    elif isinstance(exc, IntegrityError):
        exc = Conflict("This conflicts with data that already exists (a duplicate or a missing reference).")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    if response is not None and getattr(getattr(request, "accepted_renderer", None), "errors_as_json", False):
        # A file was asked for (e.g. ?format=bibtex) but the answer is an error: JSON, and said so.
        from rest_framework.renderers import JSONRenderer

        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    return response
