"""The project's URLs plus views that fail, under /api/ and elsewhere, for tests of the error answers."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.urls import path
from rest_framework.decorators import api_view, authentication_classes, permission_classes

from syllabus.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def fail(exception: Exception):
    def view(request):
        raise exception

    return view


@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def api_database_down(request):
    raise OperationalError('connection to server at "127.0.0.1", port 1 failed: Connection refused')


def form_post(request):
    return HttpResponse("posted")


urlpatterns = [
    path("api/v1/boom/", fail(RuntimeError("boom"))),
    path("boom/", fail(RuntimeError("boom"))),
    path("api/v1/db-down/", api_database_down),
    path("db-down/", fail(OperationalError("could not connect to server"))),
    path("api/v1/db-gone/", fail(InterfaceError("connection already closed"))),
    path("api/v1/forbidden/", fail(PermissionDenied())),
    path("api/v1/suspicious/", fail(SuspiciousOperation("odd"))),
    path("api/v1/form/", form_post),
    path("form/", form_post),
    *urlpatterns,
]
