"""Setting up a term: generating its sessions from a weekly pattern, and copying a term forward.

Both write with bulk_create, so they take the same number of queries for 3 sessions or 30.
Fields are copied generically (every concrete field but the ones named here), so a field added
to Term, Week or Presentation later is carried over by `term_copy` without code here.
"""

import datetime
from collections.abc import Collection, Iterable

from django.core.exceptions import ValidationError
from django.db import models, transaction

from syllabus.caching import content_changed
from syllabus.history import ADDED, history_batch, history_record
from syllabus.meetings import Weekday
from syllabus.models import Presentation, PresentationPresenter, Term, Week, free_slug
from syllabus.services import row_lock

# More sessions than any term has (a daily seminar for a year): a typo in a date is refused, not obeyed.
MAX_GENERATED_WEEKS = 400
WEEKDAY_NAMES = [label for _, label in Weekday.choices]


def session_title(position: int) -> str:
    """The title a generated session starts with, until the instructor names it."""
    return f"Session {position}"


def clean_weekdays(weekdays: Iterable[int]) -> list[int]:
    """Weekdays as sorted unique numbers 0 (Monday) to 6 (Sunday); a ValidationError otherwise."""
    try:
        given = list(weekdays)
    except TypeError:
        raise ValidationError({"weekdays": "Give a list of weekdays (0 = Monday … 6 = Sunday)."}) from None
    if not given:
        raise ValidationError({"weekdays": "Choose at least one weekday."})
    wrong = [day for day in given if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6]
    if wrong:
        shown = ", ".join(repr(day) for day in wrong)
        raise ValidationError(
            {"weekdays": f"Weekdays are numbers from 0 (Monday) to 6 (Sunday), not {shown}."}
        )
    return sorted(set(given))


def clean_skip_dates(skip: Iterable[datetime.date]) -> set[datetime.date]:
    """Dates to leave out (holidays), as a set; anything that is not a date is a ValidationError."""
    try:
        given = list(skip)
    except TypeError:
        raise ValidationError({"skip": "Give a list of dates to skip."}) from None
    # A datetime is a date too, but a holiday has no time: refuse it rather than guess its day.
    wrong = [day for day in given if not isinstance(day, datetime.date) or isinstance(day, datetime.datetime)]
    if wrong:
        raise ValidationError({"skip": f"Dates to skip must be dates (YYYY-MM-DD), not {wrong[0]!r}."})
    return set(given)


def _term_dates(
    term: Term, weekdays: Collection[int], skip: Collection[datetime.date]
) -> list[datetime.date]:
    """The term's dates that fall on `weekdays`, without `skip`, in order."""
    days = (term.end_date - term.start_date).days + 1
    if days > MAX_GENERATED_WEEKS * 7:
        raise ValidationError(
            {"end_date": f"A term longer than {MAX_GENERATED_WEEKS} weeks is not scheduled."}
        )
    found = []
    for offset in range(days):
        date = term.start_date + datetime.timedelta(days=offset)
        if date.weekday() in weekdays and date not in skip:
            found.append(date)
    return found


@transaction.atomic
def term_generate_weeks(
    *, term: Term, weekdays: Iterable[int], skip: Iterable[datetime.date] = ()
) -> list[Week]:
    """Create a draft week on each date of the term that falls on one of `weekdays` (0 = Monday),
    except the `skip` dates (holidays); returns the new weeks, in date order.

    Dates that already have a week in the term get no second one, so running it again (say, after
    adding a weekday) only fills the gaps. All the term's weeks are then numbered in date order, so a
    new session before an existing one moves that one on (an existing title still "Session N"
    follows its number); new weeks are titled "Session N", with slugs unique in the term. The
    term's row is locked meanwhile, so two runs at once do not both create the same dates.
    """
    days = clean_weekdays(weekdays)
    holidays = clean_skip_dates(skip)
    dates = _term_dates(term, days, holidays)
    if len(dates) > MAX_GENERATED_WEEKS:
        raise ValidationError(
            {
                "weekdays": f"This would create {len(dates)} sessions; at most {MAX_GENERATED_WEEKS} are made at once."
            }
        )
    with history_batch():
        row_lock(row=term)
        existing = list(Week.objects.filter(term=term))
        have_dates = {week.date for week in existing}
        slugs = {week.slug for week in existing}
        weeks = [Week(term=term, date=date, is_published=False) for date in dates if date not in have_dates]
        # Every session of the term is numbered in date order, old and new: a session generated
        # before an existing one moves it on. An old title still "Session N" follows its number.
        renumbered = []
        for position, week in enumerate(sorted(existing + weeks, key=_in_order), start=1):
            if week.pk is None:
                week.position, week.title = position, session_title(position)
                week.slug = free_slug(week.title, slugs.__contains__)
                slugs.add(week.slug)
                _timed(week)
            elif week.position != position:
                if week.title == session_title(week.position):
                    week.title = session_title(position)
                week.position = position
                renumbered.append(week)
        created = Week.objects.bulk_create(weeks)
        Week.objects.bulk_update(renumbered, ["position", "title"])
        history_record(rows=created, history_type=ADDED)
        history_record(rows=renumbered)
        content_changed()
    return created


def _in_order(week: Week) -> tuple:
    return (week.date, week.pk is None, week.position or 0, week.pk or 0)


def _timed(week: Week) -> Week:
    """`week` with its start and end computed, as Week.save would (bulk_create skips save)."""
    week.starts_at, week.ends_at = week.meeting_times()
    return week


# --- Copying a term forward


def _single_field_unique(model: type[models.Model]) -> set[str]:
    """Fields a copy cannot share with its original: unique ones, and those of one-field UniqueConstraints."""
    names = {field.name for field in model._meta.concrete_fields if field.unique}
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and len(constraint.fields) == 1:
            names.add(constraint.fields[0])
    return names


def copied_fields(model: type[models.Model], *, exclude: Collection[str] = ()) -> list[models.Field]:
    """The concrete fields a copy takes from its original: all but the primary key, unique fields
    (they get their defaults), automatic timestamps and those in `exclude`."""
    unique = _single_field_unique(model)
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key
        and field.name not in unique
        and field.name not in exclude
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    ]


def _shift_value(value, days: int):
    """A date (or datetime) moved by `days`; anything else as it is. A week's start and end are then
    computed again from its new date (`_timed`), so its local time stays the same across DST."""
    if days and isinstance(value, datetime.date):
        return value + datetime.timedelta(days=days)
    return value


def _copy(original: models.Model, fields: list[models.Field], *, days: int, **values) -> models.Model:
    """An unsaved copy of `original` with `fields` copied (dates shifted by `days`) and `values` set."""
    data = {
        field.attname: _shift_value(getattr(original, field.attname), days)
        for field in fields
        if field.name not in values and field.attname not in values
    }
    return type(original)(**data, **values)


def _monday(date: datetime.date) -> datetime.date:
    return date - datetime.timedelta(days=date.weekday())


def shifted_dates(
    dates: Iterable[datetime.date],
    *,
    old_start: datetime.date,
    new_start: datetime.date,
    skip: Collection[datetime.date],
) -> list[datetime.date]:
    """Where each of `dates` (sessions of a term that started on `old_start`, in order) falls in a
    term starting on `new_start`.

    The rule: a session in the k-th calendar week (Monday to Sunday) after the old start's week goes
    to the same weekday of the k-th calendar week after the new start's week, so a Tuesday stays a
    Tuesday and gaps between sessions are kept. A date before the new start, on a `skip` date, or
    already given to an earlier session of the copy moves on by whole weeks to the next free one;
    so a holiday pushes that session, and the later sessions on the same weekday, one week on.
    """
    placed: list[datetime.date] = []
    taken: set[datetime.date] = set()
    for date in dates:
        weeks_in = (_monday(date) - _monday(old_start)).days // 7
        new = _monday(new_start) + datetime.timedelta(weeks=weeks_in, days=date.weekday())
        while new < new_start or new in skip or new in taken:
            new += datetime.timedelta(weeks=1)
        placed.append(new)
        taken.add(new)
    return placed


TERM_NOT_COPIED = {"name", "slug", "code", "start_date", "end_date", "is_published"}
WEEK_NOT_COPIED = {"term", "date", "code", "is_published", "source_path"}
ROW_NOT_COPIED = {"week"}


@transaction.atomic
@history_batch()  # the copy's history in one insert per table, whatever the term's size
def term_copy(
    *,
    term: Term,
    name: str,
    start: datetime.date,
    skip: Iterable[datetime.date] = (),
    keep_papers: bool,
    keep_presenters: bool,
) -> Term:
    """A new draft term named `name`, starting on `start`, with a copy of each of `term`'s weeks.

    Every field of the term, its weeks and their rows is copied except names, keys and dates
    (TERM_NOT_COPIED, WEEK_NOT_COPIED, unique fields); copies are drafts. Weeks keep their number,
    title, slug, categories, tags and body; rows keep their order, section, label and notes, their
    paper only with `keep_papers` and their presenters only with `keep_presenters`. Slide decks
    stay with the old sessions. Dates move as `shifted_dates` says (other date and time fields of a
    week move with its date, at the same local time), and the term ends as many days after its
    start as the old one did, or on its last session if that is later. The old term is only read.
    """
    if isinstance(start, datetime.datetime) or not isinstance(start, datetime.date):
        raise ValidationError({"start": "The new start must be a date (YYYY-MM-DD)."})
    holidays = clean_skip_dates(skip)
    weeks = list(Week.objects.filter(term=term).order_by("date", "position", "id"))
    try:
        dates = shifted_dates(
            [week.date for week in weeks], old_start=term.start_date, new_start=start, skip=holidays
        )
        end = max([start + (term.end_date - term.start_date), *dates])
    except OverflowError:
        raise ValidationError({"start": "The copied sessions would fall after the year 9999."}) from None
    term_days = (start - term.start_date).days

    copy = _copy(term, copied_fields(Term, exclude=TERM_NOT_COPIED), days=term_days, name=name)
    copy.start_date, copy.end_date, copy.is_published = start, end, False
    copy.full_clean(exclude=["slug"])
    copy.save()

    week_fields = copied_fields(Week, exclude=WEEK_NOT_COPIED)
    new_weeks = Week.objects.bulk_create(
        _timed(
            _copy(
                week,
                week_fields,
                days=(date - week.date).days,
                term=copy,
                date=date,
                is_published=False,
            )
        )
        for week, date in zip(weeks, dates, strict=True)
    )
    history_record(rows=new_weeks, history_type=ADDED)
    content_changed()
    new_week = {old.pk: new for old, new in zip(weeks, new_weeks, strict=True)}
    for relation in ("categories", "tags"):
        through = getattr(Week, relation).through
        target = through._meta.get_field(getattr(Week, relation).field.m2m_reverse_field_name()).attname
        links = through.objects.filter(week__term=term).values_list("week_id", target)
        through.objects.bulk_create(
            through(week_id=new_week[week_id].pk, **{target: pk}) for week_id, pk in links
        )

    rows = list(Presentation.objects.filter(week__term=term).order_by("week_id", "order", "id"))
    row_fields = copied_fields(Presentation, exclude=ROW_NOT_COPIED)
    kept = {} if keep_papers else {"paper": None}
    new_rows = Presentation.objects.bulk_create(
        _copy(row, row_fields, days=0, week=new_week[row.week_id], **kept) for row in rows
    )
    history_record(rows=new_rows, history_type=ADDED)
    if keep_presenters:
        new_row = {old.pk: new for old, new in zip(rows, new_rows, strict=True)}
        entries = PresentationPresenter.objects.filter(presentation__week__term=term)
        entry_fields = copied_fields(PresentationPresenter, exclude={"presentation"})
        new_entries = PresentationPresenter.objects.bulk_create(
            _copy(entry, entry_fields, days=0, presentation=new_row[entry.presentation_id])
            for entry in entries
        )
        history_record(rows=new_entries, history_type=ADDED)
    return copy
