"""A meeting's parts that are not rows: time zone names, weekdays, and how times read."""

import datetime
import functools
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(name: str) -> None:
    """An IANA time zone name that zoneinfo knows, such as Europe/Berlin."""
    if name not in time_zone_names():
        raise ValidationError(
            "“%(name)s” is not a known time zone: give an IANA name such as Europe/Berlin or America/New_York.",
            params={"name": name},
            code="invalid_time_zone",
        )


def default_time_zone() -> str:
    return settings.TIME_ZONE


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


MAX_MEETING_MINUTES = 24 * 60
ONLINE_URL_PRIVATE_HELP = (
    "Hide the online link from anyone not signed in: public pages, calendar feeds and the API "
    "for anonymous readers never show it."
)


def time_range_text(start: datetime.time | None, end: datetime.time | None) -> str:
    """ "16:00-17:30", "16:00" without an end, "" without a start."""
    if start is None:
        return ""
    return f"{start:%H:%M}\N{EN DASH}{end:%H:%M}" if end is not None else f"{start:%H:%M}"


def time_after(start: datetime.time, minutes: int) -> datetime.time:
    """The wall-clock time `minutes` after `start` (for showing a term's usual meeting)."""
    return (
        datetime.datetime.combine(datetime.date(2000, 1, 1), start) + datetime.timedelta(minutes=minutes)
    ).time()


class TermMeeting:
    """A term's usual meeting, as shown and as used by its weeks (for the Term model)."""

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def end_time(self) -> datetime.time | None:
        """When the usual meeting ends, local time; None without a start time or a duration."""
        if self.start_time is None or not self.duration_minutes:
            return None
        return time_after(self.start_time, self.duration_minutes)

    def online_url_for(self, user) -> str:
        """The online link as `user` may see it: empty for anonymous readers when it is restricted."""
        return "" if self.online_url_private and not user.is_authenticated else self.online_url

    @property
    def meeting_text(self) -> str:
        """The usual meeting, e.g. "Tuesdays, 16:00-17:30 (Europe/Berlin)"; empty without a day or time."""
        day = f"{Weekday(self.weekday).label}s" if self.weekday is not None else ""
        hours = time_range_text(self.start_time, self.end_time)
        if not hours:
            return day
        return f"{day + ', ' if day else ''}{hours} ({self.time_zone})"


class WeekMeeting:
    """A week's meeting: its own time, place and link, else its term's (for the Week model)."""

    @property
    def effective_start_time(self) -> datetime.time | None:
        return self.start_time if self.start_time is not None else self.term.start_time

    @property
    def effective_duration_minutes(self) -> int | None:
        return self.duration_minutes or self.term.duration_minutes

    @property
    def effective_place(self) -> str:
        return self.place or self.term.place

    @property
    def effective_online_url(self) -> str:
        return self.online_url or self.term.online_url

    @property
    def online_url_is_private(self) -> bool:
        """Whether the link shown is for signed-in users only. The week's own setting applies to its
        own link; the term's link stays as private as the term made it (the week may only add to it)."""
        if self.online_url:
            return (
                self.term.online_url_private if self.online_url_private is None else self.online_url_private
            )
        return self.term.online_url_private or bool(self.online_url_private)

    def online_url_for(self, user) -> str:
        """The online link as `user` may see it: empty for anonymous readers when it is restricted."""
        return "" if self.online_url_is_private and not user.is_authenticated else self.effective_online_url

    @property
    def public_online_url(self) -> str:
        """The online link that anyone may see (feeds, public pages): empty when restricted."""
        return "" if self.online_url_is_private else self.effective_online_url

    def meeting_times(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        """When the session starts and ends (aware), from its date and the local time in the term's zone.

        The local wall-clock time is kept across daylight saving changes: 16:00 in Berlin is 15:00 UTC
        in winter and 14:00 UTC in summer. The end is the start plus the duration in real time.
        """
        start = self.effective_start_time
        if start is None or self.date is None:
            return None, None
        starts_at = datetime.datetime.combine(self.date, start, tzinfo=self.term.zone).astimezone(
            datetime.UTC
        )
        minutes = self.effective_duration_minutes
        return starts_at, (starts_at + datetime.timedelta(minutes=minutes) if minutes else None)

    @property
    def local_starts_at(self) -> datetime.datetime | None:
        return self.starts_at.astimezone(self.term.zone) if self.starts_at else None

    @property
    def local_ends_at(self) -> datetime.datetime | None:
        return self.ends_at.astimezone(self.term.zone) if self.ends_at else None

    @property
    def local_time_range(self) -> str:
        """The session's hours in its term's zone, e.g. "16:00-17:30"; empty without a time."""
        starts, ends = self.local_starts_at, self.local_ends_at
        return time_range_text(starts and starts.time(), ends and ends.time())

    @property
    def when_text(self) -> str:
        """e.g. "Tue 3 Feb 2026, 16:00-17:30 (Europe/Berlin)"; the date alone when no time is known."""
        day = f"{self.date:%a} {self.date.day} {self.date:%b %Y}"
        if not self.starts_at:
            return day
        return f"{day}, {self.local_time_range} ({self.term.time_zone})"
