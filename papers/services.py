"""Writes on slide decks that go beyond one row's fields: previews, and media no row uses."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import PurePosixPath

from django.apps import apps
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone

from papers import previews
from papers.models import SlideDeck
from syllabus.files import delete_files_on_commit
from syllabus.storage import PRIVATE


def slide_deck_rebuild_preview(*, deck: SlideDeck) -> bool:
    """Make the deck's thumbnail and page count again from its stored file; False if it has none to make."""
    old_thumbnail = deck.thumbnail.name
    with deck.file.open("rb") as handle:
        found = previews.preview(handle)
    deck.thumbnail = ""
    if found.thumbnail:
        deck.thumbnail.save(f"{PurePosixPath(deck.file.name).stem}.webp", found.thumbnail, save=False)
    deck.page_count = found.page_count
    SlideDeck.objects.filter(pk=deck.pk).update(
        thumbnail=deck.thumbnail.name or "", page_count=deck.page_count
    )
    if old_thumbnail and old_thumbnail != deck.thumbnail.name:
        delete_files_on_commit(deck.thumbnail.storage, [old_thumbnail])
    return found.thumbnail is not None


def media_referenced() -> set[str]:
    """Every file name that some row's file or image field holds."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                found = model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
                names.update(name for name in found if name)
    return names


def media_unreferenced(
    *, storage: Storage | None = None, top: str = "", grace: timedelta = timedelta(hours=1)
) -> Iterator[str]:
    """Files in media storage that no row references (left by failed saves, crashes or old versions).

    Without `storage`, both stores: names of the private one are given as rows hold them (`private/...`).
    Files younger than `grace` are left out: an upload is stored a moment before its row commits.
    """
    referenced = media_referenced()
    settled = timezone.now() - grace
    stores = [("", storage)] if storage else [("", storages["default"]), (PRIVATE, storages["private"])]
    for prefix, store in stores:
        for name in _walk(store, top):
            if prefix + name not in referenced and store.get_modified_time(name) < settled:
                yield prefix + name


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)
