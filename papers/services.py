"""Writes that go beyond one row's fields: slide previews, media no row uses, and papers filled in
from their arXiv id or DOI."""

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from papers import previews
from papers.duplicates import papers_matching
from papers.lookup import Identifier, LookupFailed, PaperMetadata, look_up
from papers.models import Paper, PaperLink, PaperLookup, SlideDeck
from syllabus.caching import content_changed
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
    content_changed()
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


def paper_metadata_find(*, identifier: Identifier, store: bool = True) -> PaperMetadata:
    """The paper `identifier` names: the stored answer if fresh, else the source's (then stored).

    Answers younger than LOOKUP_MAX_AGE_DAYS are reused without calling out; an older one is still
    used when the source fails now. `store=False` (a dry run) writes nothing. Raises LookupFailed with
    a message for people.
    """
    stored = PaperLookup.objects.filter(identifier=identifier.key).first()
    fresh_after = timezone.now() - timedelta(days=settings.LOOKUP_MAX_AGE_DAYS)
    if stored and stored.fetched_at >= fresh_after:
        return PaperMetadata.from_json(stored.result, fetched_at=stored.fetched_at)
    try:
        found = look_up(identifier)
    except LookupFailed:
        if stored:
            return PaperMetadata.from_json(stored.result, fetched_at=stored.fetched_at)
        raise
    found = dataclasses.replace(found, fetched_at=timezone.now())
    if store:
        PaperLookup.objects.update_or_create(
            identifier=identifier.key,
            defaults={"source": found.source, "result": found.to_json(), "fetched_at": found.fetched_at},
        )
    return found


def paper_enrich(
    *, paper: Paper, metadata: PaperMetadata, overwrite: bool = False, save: bool = True
) -> list[str]:
    """Fill the paper's empty fields (all of them with `overwrite`) and add missing typed links.

    Returns what changed, in words ("authors", "PDF link", ...), saved unless `save` is False. An arXiv id or
    DOI that another paper already holds is left out (merging duplicates is another step). Raises
    ValidationError if a found value does not fit the paper's rules.
    """
    changed = []
    for name, value in metadata.paper_fields().items():
        current = getattr(paper, name)
        if value in ("", None) or current == value or (current not in ("", None) and not overwrite):
            continue
        if name in {"arxiv_id", "doi"} and _held_by_another(paper, name, value):
            continue
        setattr(paper, name, value)
        changed.append(name)
    existing = list(paper.links.all()) if paper.pk else []
    known_urls = {link.url for link in existing}
    known_kinds = {link.kind for link in existing}
    new_links = [
        link for link in metadata.links if link.url not in known_urls and link.kind not in known_kinds
    ]
    changes = [str(Paper._meta.get_field(name).verbose_name) for name in changed]
    changes += [f"{link_kind_name(link.kind)} link" for link in new_links]
    if not save or not changes:
        return changes
    every_field = [field.name for field in Paper._meta.concrete_fields]
    paper.full_clean(exclude=[name for name in every_field if name not in changed], validate_unique=False)
    with transaction.atomic():
        paper.save()
        start = (paper.links.aggregate(last=Max("order"))["last"] or 0) + 1
        PaperLink.objects.bulk_create(
            PaperLink(paper=paper, kind=link.kind, label=link.label, url=link.url, order=start + offset)
            for offset, link in enumerate(new_links)
        )
        content_changed()
    return changes


def link_kind_name(kind: str) -> str:
    """A link kind's name as it reads inside a sentence: "PDF", "abstract page"."""
    label = PaperLink.Kind(kind).label
    return label if label.isupper() else label.lower()


def _held_by_another(paper: Paper, name: str, value: str) -> bool:
    lookup = {"doi__iexact": value} if name == "doi" else {name: value}
    return Paper.objects.filter(**lookup).exclude(pk=paper.pk).exists()


def paper_from_identifier(*, identifier: Identifier) -> tuple[Paper, bool]:
    """The paper an arXiv id or DOI names: the known one, else a new paper filled in by the lookup.

    Returns (paper, created). Raises LookupFailed when the source cannot say, and ValidationError
    when what it says does not fit a paper.
    """
    named = {"arxiv_id": identifier.value} if identifier.scheme == "arxiv" else {"doi": identifier.value}
    if known := _paper_with_identifiers(**named):
        return known, False
    found = paper_metadata_find(identifier=identifier)
    # A DOI can name a paper known by its arXiv id, and the other way round.
    if known := _paper_with_identifiers(arxiv_id=found.arxiv_id, doi=found.doi):
        return known, False
    paper = Paper()
    paper_enrich(paper=paper, metadata=found)
    return paper, True


def _paper_with_identifiers(*, arxiv_id: str = "", doi: str = "") -> Paper | None:
    """The first paper holding this arXiv id or DOI, in its fields or its links (papers/duplicates.py)."""
    matches = papers_matching(arxiv_id=arxiv_id, doi=doi)
    return next((match.paper for match in matches if match.same_identifier), None)
