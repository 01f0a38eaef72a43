"""API-wide behaviour named in settings.REST_FRAMEWORK.

Kept apart from the viewsets: DRF imports these while it loads its own views, so this module
must not import them back.
"""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from rest_framework import exceptions, pagination, throttling
from rest_framework.serializers import as_serializer_error

from syllabus.clients import client_address


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
    elif isinstance(exc, IntegrityError):
        exc = Conflict("This conflicts with data that already exists (a duplicate or a missing reference).")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    return drf_exception_handler(exc, context)
