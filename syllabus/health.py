"""`/healthz` for load balancers and monitors: 200 while the database answers, 503 otherwise."""

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from syllabus.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        # A warning, not an error: a probe every few seconds would flood the error log.
        logger.warning("Health check: the database does not answer: %s", error)
        response = JsonResponse(
            {"status": "unavailable", "detail": DATABASE_UNAVAILABLE},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
        response._has_been_logged = True  # Django's own "Service Unavailable" error line: not again
        return response
    return JsonResponse({"status": "ok"})
