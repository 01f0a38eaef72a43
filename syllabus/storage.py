"""Where uploaded files are stored: public ones in `STORAGES["default"]`, the rest in `STORAGES["private"]`.

A stored name says which: `private/slides/...` lives in the private store (outside `MEDIA_ROOT`, or
a private prefix of the bucket) and is only ever linked through the checking view
`syllabus:private_file`; any other name lives in the public store, which the web server, object
storage or `SERVE_MEDIA` may serve directly. Files are kept in a folder with a random key, so that
moving a file between the stores (or re-keying it) kills its old address.
"""

import re
import secrets
from pathlib import PurePosixPath

from django.core.files.storage import Storage, storages
from django.urls import reverse
from django.utils.deconstruct import deconstructible

PRIVATE = "private/"
KEY = re.compile(r"[A-Za-z0-9_-]{8}")  # secrets.token_urlsafe(6)


def is_private_name(name: str) -> bool:
    return name.startswith(PRIVATE)


def new_key() -> str:
    """A folder name nobody can guess: 48 random bits."""
    return secrets.token_urlsafe(6)


def stored_name(folder: str, filename: str, *, private: bool) -> str:
    return f"{PRIVATE if private else ''}{folder}/{filename}"


def is_keyed(name: str, *, depth: int) -> bool:
    """Whether a name sits in a random-key folder `depth` levels down (`presenters/<key>/x.webp`: 2)."""
    parent = PurePosixPath(name.removeprefix(PRIVATE)).parent
    return len(parent.parts) == depth and bool(KEY.fullmatch(parent.name))


@deconstructible(path="syllabus.storage.MediaStorage")
class MediaStorage(Storage):
    """The storage of owned files (decks, thumbnails, photos): routes each name to the public or private store.

    The two stores are looked up on every call, so that settings changed by tests apply.
    """

    def _route(self, name: str) -> tuple[Storage, str, str]:
        if is_private_name(name):
            return storages["private"], name[len(PRIVATE) :], PRIVATE
        return storages["default"], name, ""

    def _open(self, name, mode="rb"):
        storage, inner, _ = self._route(name)
        return storage.open(inner, mode)

    def _save(self, name, content):
        storage, inner, prefix = self._route(name)
        return prefix + storage.save(inner, content)

    def get_available_name(self, name, max_length=None):
        storage, inner, prefix = self._route(name)
        limit = max_length - len(prefix) if max_length else None
        return prefix + storage.get_available_name(inner, max_length=limit)

    def delete(self, name):
        storage, inner, _ = self._route(name)
        storage.delete(inner)

    def exists(self, name):
        storage, inner, _ = self._route(name)
        return storage.exists(inner)

    def listdir(self, path):
        storage, inner, _ = self._route(path)
        return storage.listdir(inner)

    def size(self, name):
        storage, inner, _ = self._route(name)
        return storage.size(inner)

    def path(self, name):
        storage, inner, _ = self._route(name)
        return storage.path(inner)

    def url(self, name):
        """A public file's own address; a private one's address is the view that checks who asks."""
        storage, inner, prefix = self._route(name)
        if prefix:
            return reverse("syllabus:private_file", args=[inner])
        return storage.url(inner)

    def get_modified_time(self, name):
        storage, inner, _ = self._route(name)
        return storage.get_modified_time(inner)

    def get_created_time(self, name):
        storage, inner, _ = self._route(name)
        return storage.get_created_time(inner)

    def get_accessed_time(self, name):
        storage, inner, _ = self._route(name)
        return storage.get_accessed_time(inner)


def media_storage() -> MediaStorage:
    """For `FileField(storage=...)`: a callable, so that migrations name it instead of freezing a store."""
    return MediaStorage()
