"""A week's `updated` follows what its feed entry, calendar event and page show of its other rows.

The Atom feed's `updated`, the calendars' DTSTAMP, LAST-MODIFIED and SEQUENCE and the sitemap's
lastmod read a week's `updated` (and its papers' own, for their titles and citations). The week's
save moves it (auto_now); so does every write of what the week shows through other rows: a row of
its table added, changed, moved or deleted, a presenter credited or no longer, a category given or
taken, a slide deck added, changed or deleted. Saves, deletes and many-to-many changes send signals
(`connect_signals`); the bulk writes that send none call `weeks_touch` where they write.

A touch is one `QuerySet.update` of `updated`: no save, so no historical version of the week and no
signal. Inside a `history_batch` (an import, a table saved, a merge) the touches wait for the
batch's end and are one statement, whatever the number of rows written.
"""

from collections.abc import Iterable

from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from syllabus.history import batch_defer


def weeks_touch(*, week_ids: Iterable[int | None] = (), presentation_ids: Iterable[int] = ()) -> None:
    """Mark the weeks (by id, or by one of their rows) as changed now, at the end of the open batch."""
    batch_defer(
        _touch, [("week", pk) for pk in week_ids if pk] + [("row", pk) for pk in presentation_ids if pk]
    )


def _touch(keys: set[tuple[str, int]]) -> None:
    from syllabus.models import Week

    week_ids = {pk for kind, pk in keys if kind == "week"}
    row_ids = {pk for kind, pk in keys if kind == "row"}
    condition = Q(pk__in=week_ids) if week_ids else Q()
    if row_ids:  # a row deleted meanwhile matches nothing: its own delete touched its week
        by_row = Q(pk__in=Week.objects.filter(presentations__in=row_ids).values("pk"))
        condition = condition | by_row if week_ids else by_row
    Week.objects.filter(condition).update(updated=timezone.now())


def _row_saved(sender, instance, **kwargs) -> None:
    # A row moved to another week leaves its former week's table too (Presentation.from_db).
    weeks_touch(week_ids=[instance.week_id, getattr(instance, "stored_week_id", None)])
    instance.stored_week_id = instance.week_id


def _row_deleted(sender, instance, origin=None, **kwargs) -> None:
    from syllabus.models import Week

    if not isinstance(origin, Week):  # a week's delete takes its rows: nothing left to touch
        weeks_touch(week_ids=[instance.week_id])


def _credit_written(sender, instance, origin=None, **kwargs) -> None:
    from syllabus.models import Presentation, Week

    if not isinstance(origin, Week | Presentation):  # the row's own delete touched its week
        weeks_touch(presentation_ids=[instance.presentation_id])


def _deck_written(sender, instance, **kwargs) -> None:
    weeks_touch(week_ids=[instance.week_id])


def _credits_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """row.presenters.add/remove/clear, or presenter.presentations.… (pk_set: their rows)."""
    if action in ("post_add", "post_remove") and pk_set:
        weeks_touch(presentation_ids=pk_set if reverse else [instance.pk])
    elif action == "pre_clear":  # after the clear nobody knows which rows it touched
        rows = instance.presentations.values_list("pk", flat=True) if reverse else [instance.pk]
        weeks_touch(presentation_ids=list(rows))


def _categories_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """week.categories.add/remove/clear (the feed's entry lists them), or category.weeks.…"""
    if action in ("post_add", "post_remove") and pk_set:
        weeks_touch(week_ids=pk_set if reverse else [instance.pk])
    elif action == "pre_clear":
        weeks_touch(week_ids=list(instance.weeks.values_list("pk", flat=True)) if reverse else [instance.pk])


def connect_signals() -> None:
    from papers.models import SlideDeck
    from syllabus.models import Presentation, PresentationPresenter, Week

    receivers = [
        (post_save, Presentation, _row_saved),
        (post_delete, Presentation, _row_deleted),
        (post_save, PresentationPresenter, _credit_written),
        (post_delete, PresentationPresenter, _credit_written),
        (post_save, SlideDeck, _deck_written),
        (post_delete, SlideDeck, _deck_written),
        (m2m_changed, Presentation.presenters.through, _credits_changed),
        (m2m_changed, Week.categories.through, _categories_changed),
    ]
    for number, (signal, sender, receiver) in enumerate(receivers):
        signal.connect(receiver, sender=sender, dispatch_uid=f"week_touch_{number}")
