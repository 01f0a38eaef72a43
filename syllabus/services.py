"""Writes that touch several rows: publishing, ordering a week's table, tagging."""

from collections.abc import Iterable, Sequence

from django.db import models, transaction
from django.db.models.functions import Lower

from presenters.models import Presenter
from syllabus.models import Presentation, PresentationPresenter, Tag, Term, Week


def terms_set_published(*, terms: models.QuerySet[Term], published: bool) -> int:
    """Publish or unpublish terms; returns how many changed."""
    return terms.exclude(is_published=published).update(is_published=published)


def weeks_set_published(*, weeks: models.QuerySet[Week], published: bool) -> int:
    """Publish or unpublish weeks; returns how many changed."""
    return weeks.exclude(is_published=published).update(is_published=published)


@transaction.atomic
def week_arrange_presentations(*, week: Week, presentations: Sequence[Presentation]) -> None:
    """Save `presentations` as the week's table, numbered 1, 2, 3... in the given order.

    The list must hold every row the week keeps (new rows may be unsaved). Rows are first
    moved past the highest number in use so that a swap never meets the unique (week, order)
    constraint half way.
    """
    kept_ids = {row.pk for row in presentations if row.pk}
    existing_ids = set(week.presentations.values_list("pk", flat=True))
    if missing := existing_ids - kept_ids:
        raise ValueError(f"Rows {sorted(missing)} of week {week.pk} are not in the new order.")
    if kept_ids - existing_ids:
        raise ValueError("Some rows belong to another week.")
    highest = week.presentations.aggregate(highest=models.Max("order"))["highest"] or 0
    week.presentations.update(order=models.F("order") + highest + len(presentations) + 1)
    for number, row in enumerate(presentations, start=1):
        row.week = week
        row.order = number
        row.save()


@transaction.atomic
def presentation_set_presenters(*, presentation: Presentation, presenters: Sequence[Presenter]) -> None:
    """Credit exactly `presenters` on the presentation, in this order (duplicates dropped)."""
    unique = list(dict.fromkeys(presenters))
    presentation.presenter_entries.exclude(presenter__in=unique).delete()
    current = {entry.presenter_id: entry for entry in presentation.presenter_entries.all()}
    for order, presenter in enumerate(unique):
        entry = current.get(presenter.pk)
        if entry is None:
            PresentationPresenter.objects.create(presentation=presentation, presenter=presenter, order=order)
        elif entry.order != order:
            entry.order = order
            entry.save(update_fields=["order"])


def tags_get_or_create(*, names: Iterable[str]) -> list[Tag]:
    """The tags with these names, created where missing; names match ignoring case.

    The first spelling seen is the one kept for a new tag.
    """
    wanted: dict[str, str] = {}
    for name in names:
        if cleaned := " ".join(name.split()):
            wanted.setdefault(cleaned.lower(), cleaned)
    found = {
        tag.lower_name: tag
        for tag in Tag.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=wanted)
    }
    for key, name in wanted.items():
        if key not in found:
            found[key] = Tag.objects.create(name=name)
    return [found[key] for key in wanted]
