"""Writes that touch several rows: publishing, meeting times, ordering a week's table, tagging."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from papers.models import SlideDeck
from presenters.models import Presenter
from syllabus.caching import content_changed
from syllabus.freshness import weeks_touch
from syllabus.history import history_batch, history_record
from syllabus.media import media_follow_weeks
from syllabus.models import Presentation, PresentationPresenter, Tag, Term, Week, free_slug
from syllabus.text import single_line


def terms_set_published(*, terms: models.QuerySet[Term], published: bool) -> int:
    """Publish or unpublish terms; returns how many changed. Their weeks' files move (syllabus/media.py)."""
    changed = list(terms.exclude(is_published=published).values_list("pk", flat=True))
    count = Term.objects.filter(pk__in=changed).update(is_published=published)
    history_record(rows=Term.objects.filter(pk__in=changed))  # .update() sends no signals
    content_changed()
    media_follow_weeks(week_ids=Week.objects.filter(term_id__in=changed).values_list("pk", flat=True))
    return count


def weeks_set_published(*, weeks: models.QuerySet[Week], published: bool) -> int:
    """Publish or unpublish weeks; returns how many changed. Their files move (syllabus/media.py)."""
    changed = list(weeks.exclude(is_published=published).values_list("pk", flat=True))
    count = Week.objects.filter(pk__in=changed).update(is_published=published)
    history_record(rows=Week.objects.filter(pk__in=changed))
    content_changed()
    media_follow_weeks(week_ids=changed)
    return count


def weeks_refresh_times(*, weeks: Iterable[Week]) -> int:
    """Recompute the weeks' `starts_at`/`ends_at` (see Week.meeting_times); returns how many changed.

    Saved in one UPDATE (per 500 weeks), however many change. For writers that skip Week.save
    (bulk_create, QuerySet.update of a date or a time).
    """
    changed = []
    now = timezone.now()
    for week in weeks:
        times = week.meeting_times()
        if times != (week.starts_at, week.ends_at):
            week.starts_at, week.ends_at = times
            week.updated = now  # the session's feed entry and calendar event changed
            changed.append(week)
    Week.objects.bulk_update(changed, ["starts_at", "ends_at", "updated"], batch_size=500)
    if changed:
        content_changed()
    return len(changed)


def term_refresh_week_times(*, term: Term) -> int:
    """After the term's meeting or time zone changed: recompute its weeks' times (two queries)."""
    weeks = list(
        Week.objects.for_term(term).only(
            "pk", "term_id", "date", "start_time", "duration_minutes", "starts_at", "ends_at"
        )
    )
    for week in weeks:
        week.term = term  # the term as just saved, without a query per week
    return weeks_refresh_times(weeks=weeks)


@dataclass
class TableRow:
    """A row of a week's table as an editor left it; `presenters` None leaves them as they are."""

    presentation: Presentation
    presenters: Sequence[Presenter] | None = None


@transaction.atomic
def week_save_table(*, week: Week, rows: Sequence[TableRow], deleted: Iterable[Presentation] = ()) -> None:
    """Save a week's table as edited: delete rows, number the rest in order, credit presenters."""
    week_lock(week=week)  # before touching any row: every writer of a table locks its week first
    with history_batch():
        for presentation in deleted:
            presentation.delete()
        week_arrange_presentations(week=week, presentations=[row.presentation for row in rows])
        for row in rows:
            if row.presenters is not None:
                presentation_set_presenters(presentation=row.presentation, presenters=row.presenters)


def row_lock(*, row: models.Model) -> None:
    """Hold `row` until the transaction ends (call inside one): other writers of it wait.

    Only the row itself is read (base manager, no ordering): FOR UPDATE cannot apply to the outer
    joins a model's default ordering may bring (a slide deck's, on PostgreSQL).
    """
    list(type(row)._base_manager.select_for_update().filter(pk=row.pk).order_by().values_list("pk"))


def week_lock(*, week: Week) -> None:
    """Hold the week's row until the transaction ends, so that edits of its table queue up.

    Every change to a week's table (reordering, appending a row) takes this lock first: two
    editors never number rows from the same stale view of the table.
    """
    if week.pk:
        row_lock(row=week)


def week_next_order(*, week: Week) -> int:
    """The position after the week's last row, with the week locked until the caller's transaction
    ends (call inside one), so that concurrent appends get 1, 2, 3... and not the same number."""
    week_lock(week=week)
    highest = week.presentations.aggregate(highest=models.Max("order"))["highest"]
    return 1 if highest is None else highest + 1


@transaction.atomic
def week_set_order(*, week: Week, presentation_ids: Sequence[int]) -> None:
    """Number the week's rows 1, 2, 3... in the order of `presentation_ids`, which must list each
    of the week's rows exactly once (checked under the week's lock, so no row added meanwhile is lost)."""
    week_lock(week=week)
    rows = {row.pk: row for row in week.presentations.all()}
    listed = list(presentation_ids)
    twice = sorted(pk for pk, times in Counter(listed).items() if times > 1)
    missing = sorted(rows.keys() - set(listed))
    foreign = sorted(set(listed) - rows.keys())
    problems = []
    if twice:
        problems.append(f"listed more than once: {_ids(twice)}")
    if missing:
        problems.append(f"rows of the week not listed: {_ids(missing)}")
    if foreign:
        problems.append(f"not rows of this week: {_ids(foreign)}")
    if problems:
        raise ValidationError(
            {"presentations": f"List every row of this week exactly once ({'; '.join(problems)})."}
        )
    ordered = [rows[pk] for pk in listed]
    # Move every row past the highest number first, so that no update meets the unique
    # (week, order) constraint half way; then one statement numbers them 1..n.
    past = max([0, *(row.order for row in ordered)]) + len(ordered) + 1
    week.presentations.update(order=models.F("order") + past)
    for number, row in enumerate(ordered, start=1):
        row.order = number
    Presentation.objects.bulk_update(ordered, ["order"])
    history_record(rows=ordered)
    content_changed()
    weeks_touch(week_ids=[week.pk])


def _ids(ids: Iterable[int]) -> str:
    return ", ".join(str(pk) for pk in ids)


@transaction.atomic
def week_arrange_presentations(*, week: Week, presentations: Sequence[Presentation]) -> None:
    """Save `presentations` as the week's table, numbered 1, 2, 3... in the given order.

    New rows may be unsaved. Rows of the week that are not listed (say, added by another
    editor meanwhile) keep their relative order after the listed ones. Rows are first moved
    past the highest number in use so that a swap never meets the unique (week, order)
    constraint half way.
    """
    week_lock(week=week)
    listed_ids = {row.pk for row in presentations if row.pk}
    if week.pk and Presentation.objects.filter(pk__in=listed_ids).exclude(week=week).exists():
        raise ValueError("Some rows belong to another week.")
    unlisted = list(week.presentations.exclude(pk__in=listed_ids).order_by("order"))
    highest = week.presentations.aggregate(highest=models.Max("order"))["highest"] or 0
    tracked = [field.attname for field in Presentation.history.model.tracked_fields]
    key = tracked.index(Presentation._meta.pk.attname)
    stored = {values[key]: values for values in week.presentations.values_list(*tracked)} if week.pk else {}
    # The temporary numbers are not history; each row's save below records where it ends up, and a
    # row saved as it was stored gets no new version.
    week.presentations.update(order=models.F("order") + highest + len(presentations) + len(unlisted) + 1)
    with history_batch():
        for number, row in enumerate([*presentations, *unlisted], start=1):
            row.week = week
            row.order = number
            if stored.get(row.pk) == tuple(getattr(row, name) for name in tracked):
                row.skip_history_when_saving = True
            row.save()
            row.__dict__.pop("skip_history_when_saving", None)


@transaction.atomic
def presentation_set_presenters(*, presentation: Presentation, presenters: Sequence[Presenter]) -> None:
    """Credit exactly `presenters` on the presentation, in this order (duplicates dropped)."""
    unique = list(dict.fromkeys(presenters))
    with history_batch():
        presentation.presenter_entries.exclude(presenter__in=unique).delete()
        current = {entry.presenter_id: entry for entry in presentation.presenter_entries.all()}
        for order, presenter in enumerate(unique):
            entry = current.get(presenter.pk)
            if entry is None:
                PresentationPresenter.objects.create(
                    presentation=presentation, presenter=presenter, order=order
                )
            elif entry.order != order:
                entry.order = order
                entry.save(update_fields=["order"])


@transaction.atomic
def presentation_moved(*, presentation: Presentation, presenters: Sequence[Presenter] | None) -> None:
    """After a row was saved: its slide decks follow it to its week; presenters are set if given."""
    moved = list(presentation.slide_decks.exclude(week_id=presentation.week_id))
    if moved:
        SlideDeck.objects.filter(pk__in=[deck.pk for deck in moved]).update(week_id=presentation.week_id)
        weeks_touch(week_ids={presentation.week_id, *(deck.week_id for deck in moved)})
        for deck in moved:
            deck.week_id = presentation.week_id
        history_record(rows=moved)
        content_changed()
    media_follow_weeks(week_ids=[presentation.week_id])  # a deck moved to a draft week goes private
    if presenters is not None:
        presentation_set_presenters(presentation=presentation, presenters=presenters)


def tags_get_or_create(*, names: Iterable[str]) -> list[Tag]:
    """The tags with these names, created where missing; names match ignoring case.

    The first spelling seen is the one kept for a new tag. Four queries however many are new
    (one more per slug that clashes): missing tags are inserted in one statement that skips rows
    another request has just inserted, and then read back, so two requests creating the same tag
    at once both get it.
    """
    longest = Tag._meta.get_field("name").max_length
    wanted: dict[str, str] = {}
    for name in names:
        if cleaned := single_line(name)[:longest].strip():
            wanted.setdefault(cleaned.lower(), cleaned)
    found = _tags_named(wanted)
    missing = [name for key, name in wanted.items() if key not in found]
    if missing:
        Tag.objects.bulk_create(_new_tags(missing), ignore_conflicts=True)
        content_changed()
        found |= _tags_named({name.lower(): name for name in missing})
        for key, name in wanted.items():
            if key not in found:  # its slug was taken meanwhile by another tag: the slow way
                found[key] = _tag_create_one(name)
    return [found[key] for key in wanted]


def _tags_named(wanted: dict[str, str]) -> dict[str, Tag]:
    """Existing tags by lower-case name. SQLite lowers ASCII only, so exact spellings are matched too."""
    if not wanted:
        return {}
    tags = Tag.objects.annotate(lower_name=Lower("name")).filter(
        models.Q(lower_name__in=wanted) | models.Q(name__in=wanted.values())
    )
    return {tag.name.lower(): tag for tag in tags if tag.name.lower() in wanted}


def _new_tags(names: Sequence[str]) -> list[Tag]:
    """Unsaved tags with slugs free in the database and among themselves (one query)."""
    bases = {name: free_slug(name, lambda slug: False) for name in names}
    taken = set(Tag.objects.filter(slug__in=bases.values()).values_list("slug", flat=True))
    tags = []
    for name, base in bases.items():
        slug = base
        if slug in taken:
            slug = free_slug(name, lambda s: s in taken or Tag.objects.filter(slug=s).exists())
        taken.add(slug)
        tags.append(Tag(name=name, slug=slug))
    return tags


def _tag_create_one(name: str) -> Tag:
    try:
        with transaction.atomic():
            return Tag.objects.create(name=name)
    except IntegrityError:  # created by another request between our insert and this one
        return Tag.objects.get(name__iexact=name)
