"""Files follow what is public: who may open a private file, and moving files when visibility changes.

A slide deck's files (and thumbnail) are public when the deck is public in a published week of a
published term; a presenter's photo is public when a published week names them. Everything else is
in the private store (see syllabus/storage.py) and reachable only through `private_file`, which asks
`may_open_private_file`.

A row's own save moves its files (papers/models.py, presenters/models.py). Changes made elsewhere
(publishing a week or term, even with `.update()`, moving a row through `presentation_moved`,
crediting a presenter) call `media_follow_weeks` / `media_follow_presenters`. Either way each file
is copied to a new random folder of the right store in the same transaction, the row points at the
copy, and the old file is deleted once the transaction commits, so its old address answers 404; a
rollback keeps the old names and files (the copies are left for `prune_media`).
"""

import logging
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models
from django.db.models.signals import post_delete, post_migrate, post_save

from papers.models import SlideDeck
from presenters.models import Presenter
from syllabus.caching import content_changed
from syllabus.files import OwnsFiles, delete_files_on_commit
from syllabus.models import PresentationPresenter, Term, Week, sees_drafts

logger = logging.getLogger(__name__)


def may_open_private_file(*, user, owner: OwnsFiles) -> bool:
    """The one check for a file that is not public: whoever may see drafts (staff, editors), and a
    signed-in presenter for the files their own pages show them.

    A presenter opens the decks they uploaded (even made private by an instructor: they may replace
    or remove them), the public decks of the weeks they present in (a draft week's files are in the
    private store, and its page shows them to its presenters), and their own photo (private until a
    published week names them). Never a private deck of someone else, on their row or not.
    """
    if sees_drafts(user):
        return True
    if not user.is_authenticated:
        return False
    if isinstance(owner, Presenter):
        return owner.user_id == user.pk
    if isinstance(owner, SlideDeck):
        if (
            owner.presenter_id is not None
            and Presenter.objects.filter(pk=owner.presenter_id, user=user).exists()
        ):
            return True
        return (
            owner.is_public
            and PresentationPresenter.objects.filter(
                presenter__user=user, presentation__week_id=owner.week_id
            ).exists()
        )
    return False


def media_place(
    *, decks: models.QuerySet[SlideDeck] | None = None, presenters: models.QuerySet[Presenter] | None = None
) -> int:
    """Move the files of these rows to the store their visibility asks for; returns how many rows moved."""
    moved = 0
    if decks is not None:
        public = set(decks.shown_publicly().values_list("pk", flat=True))
        for deck in decks.exclude(file="").select_related("week__term"):
            moved += _place(deck, private=deck.pk not in public)
    if presenters is not None:
        public = set(
            Presenter.objects.public().filter(pk__in=presenters.values("pk")).values_list("pk", flat=True)
        )
        for presenter in presenters.exclude(photo=""):
            moved += _place(presenter, private=presenter.pk not in public)
    return moved


def _place(row: OwnsFiles, *, private: bool) -> int:
    if row.files_in_place(private=private):
        return 0
    old = {field: str(getattr(row, field) or "") for field in row.owned_file_fields}
    new = row.files_moved(private=private)
    if not new:
        return 0
    # Only if the row still holds the names read: a save meanwhile has placed its own files.
    updated = type(row)._base_manager.filter(pk=row.pk, **old).update(**new)
    if updated:
        content_changed()  # the page links the file at its new address
    gone = [old[field] for field in new] if updated else list(new.values())
    delete_files_on_commit(row._owned_storage(), gone)
    return updated


def media_follow_weeks(*, week_ids: Iterable[int]) -> int:
    """The files of these weeks' decks and presenters go where the weeks' visibility now says."""
    ids = sorted(set(week_ids))
    if not ids:
        return 0
    return media_place(
        decks=SlideDeck.objects.filter(week_id__in=ids),
        presenters=Presenter.objects.filter(presentation_entries__presentation__week_id__in=ids).distinct(),
    )


def media_follow_presenters(*, presenter_ids: Iterable[int]) -> int:
    """These presenters' photos go where their visibility now says."""
    ids = sorted(set(presenter_ids))
    return media_place(presenters=Presenter.objects.filter(pk__in=ids)) if ids else 0


def media_place_all() -> int:
    """Every deck's and photo's files where they belong (run by `migrate`: existing data, old photo names)."""
    return media_place(decks=SlideDeck.objects.all(), presenters=Presenter.objects.all())


# Saves that change what is public, wherever they come from (admin, API, importer, shell).


def _week_saved(sender, instance: Week, created: bool = False, **kwargs) -> None:
    if not created:  # a new week has no decks or presenters yet
        media_follow_weeks(week_ids=[instance.pk])


def _term_saved(sender, instance: Term, created: bool = False, **kwargs) -> None:
    if not created:
        media_follow_weeks(week_ids=instance.weeks.values_list("pk", flat=True))


def _credit_changed(sender, instance: PresentationPresenter, **kwargs) -> None:
    media_follow_presenters(presenter_ids=[instance.presenter_id])


def _deck_saved(sender, instance: SlideDeck, update_fields=None, **kwargs) -> None:
    # A save that leaves the file columns out (update_fields) cannot move the files itself.
    if update_fields is not None and "file" not in update_fields:
        media_place(decks=SlideDeck.objects.filter(pk=instance.pk))


def _migrated(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    if using != DEFAULT_DB_ALIAS:
        return
    tables = set(connections[using].introspection.table_names())
    if {SlideDeck._meta.db_table, Presenter._meta.db_table} <= tables:
        try:
            media_place_all()
        except DatabaseError as error:  # a partial migrate (to an older state): placed by the next one
            logger.warning("Media files not placed: %s", error)


def connect_signals(*, migrated_sender) -> None:
    post_save.connect(_week_saved, sender=Week, dispatch_uid="media_week_saved")
    post_save.connect(_term_saved, sender=Term, dispatch_uid="media_term_saved")
    post_save.connect(_credit_changed, sender=PresentationPresenter, dispatch_uid="media_credit_saved")
    post_delete.connect(_credit_changed, sender=PresentationPresenter, dispatch_uid="media_credit_deleted")
    post_save.connect(_deck_saved, sender=SlideDeck, dispatch_uid="media_deck_saved")
    post_migrate.connect(_migrated, sender=migrated_sender, dispatch_uid="media_migrated")
