"""Uploaded files over HTTP: public media when no web server does it, private files after a check."""

import mimetypes
from pathlib import PurePosixPath
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe
from django.views.static import serve

from papers.models import SlideDeck
from presenters.models import Presenter
from syllabus.files import OwnsFiles
from syllabus.media import may_open_private_file
from syllabus.storage import PRIVATE

DECK_EXTENSIONS = {".pdf", ".pptx", ".ppt"}
NOT_FOUND = "No such file."


@require_safe
def public_media(request, name: str):
    """A file of the public store (`SERVE_MEDIA`); nginx or object storage can do this instead."""
    response = serve(request, name, document_root=storages["default"].location)
    return _file_headers(response, name, cache=f"public, max-age={settings.MEDIA_MAX_AGE}")


@require_safe
def private_file(request, name: str):
    """A file of the private store, for whoever may see it; 404 for everyone else, so as not to tell it exists."""
    owner = _owner(f"{PRIVATE}{name}")
    if owner is None or not may_open_private_file(user=request.user, owner=owner):
        raise Http404(NOT_FOUND)
    storage = storages["private"]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if settings.PRIVATE_MEDIA_ACCEL_REDIRECT:  # the web server sends the bytes from its internal location
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{settings.PRIVATE_MEDIA_ACCEL_REDIRECT.rstrip('/')}/{quote(name)}"
    elif isinstance(storage, FileSystemStorage):
        try:
            response = FileResponse(storage.open(name, "rb"), content_type=content_type)
        except FileNotFoundError:
            raise Http404(NOT_FOUND) from None
    else:  # object storage: a signed link that expires in PRIVATE_MEDIA_URL_SECONDS
        response = HttpResponseRedirect(storage.url(name))
    return _file_headers(response, name, cache="private, no-store")


def _owner(stored: str) -> OwnsFiles | None:
    """The deck or presenter holding this stored name (file, thumbnail or photo), if any."""
    folder = stored.removeprefix(PRIVATE).split("/", 1)[0]
    if folder == "slides":
        return SlideDeck.objects.filter(Q(file=stored) | Q(thumbnail=stored)).order_by("pk").first()
    if folder == "presenters":
        return Presenter.objects.filter(Q(photo=stored) | Q(photo_small=stored)).order_by("pk").first()
    return None


def _file_headers(response, name: str, *, cache: str):
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    if PurePosixPath(name).suffix.lower() in DECK_EXTENSIONS:  # slides download, never render in the page
        response["Content-Disposition"] = content_disposition_header(True, PurePosixPath(name).name)
    return response
