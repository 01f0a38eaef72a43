"""The project's URLs, plus uploaded media, which production leaves to the web server."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from syllabus.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def media(request, path: str):
    # MEDIA_ROOT is read per request: each test has its own.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [*urlpatterns, re_path(r"^media/(?P<path>.*)$", media)]
