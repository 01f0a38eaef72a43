"""What a locked-out login sees (django-axes calls lockout_response, see settings "Logins")."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The admin's login page, saying that this username is locked from this address and for how long.

    429 Too Many Requests, like the API's throttle. A further attempt while locked starts the
    lockout again, so "for N minutes" is exact at the moment the page is shown.
    """
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in locked",
        "username": (credentials or {}).get("username") or request.POST.get("username", ""),
        "failure_limit": settings.LOGIN_FAILURE_LIMIT,
        "minutes": settings.LOGIN_LOCKOUT_MINUTES,
    }
    response = TemplateResponse(request, "admin/login_locked.html", context, status=429)
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    return response.render()
