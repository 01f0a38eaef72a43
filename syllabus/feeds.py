"""Feeds that readers subscribe to: an Atom feed of sessions and iCalendar feeds of their dates."""

import datetime
from collections.abc import Callable
from urllib.parse import quote, urlencode

import icalendar
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http import HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from syllabus.models import Category, Tag, Term, Week
from syllabus.text import multiline, single_line, xml_safe

# A reader polls often and needs only what is new since: 20 sessions are more than a term of
# weekly sessions, and the older ones are on the term pages. (The feed held 50, about two years.)
FEED_LENGTH = 20
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"


class CleanAtom1Feed(Atom1Feed):
    """Atom that never fails on what a stored row holds: XML 1.0 cannot carry most control characters.

    Rows written before names were checked (or by an import) may hold them; titles and names become
    one line, other text loses only the characters XML cannot hold. An entry may have several
    authors (`authors`: a session's presenters), each its own atom:author as RFC 4287 wants.
    """

    one_line = {"title", "subtitle", "author_name", "categories", "authors"}

    def write(self, outfile, encoding):
        self.feed = _cleaned(self.feed, self.one_line)
        self.items = [_cleaned(item, self.one_line) for item in self.items]
        super().write(outfile, encoding)

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item.get("authors") or ():
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")


def _cleaned(values: dict, one_line: set[str]) -> dict:
    def clean(value, key):
        if isinstance(value, str):
            return single_line(value) if key in one_line else xml_safe(value)
        if isinstance(value, list | tuple):
            return [clean(item, key) for item in value]
        return value

    return {key: clean(value, key) for key, value in values.items()}


class WeeksFeed(Feed):
    """The site's sessions, newest first; subclasses narrow them to a term or a tag (`get_object`).

    Valid Atom (RFC 4287): the feed has an author (the site) and each entry its own (the
    presenters, else the site); an entry's id is the week's UUID, as in the calendars, so a move of
    the site never shows old sessions as new; `updated` is the entry's last change and `published`
    when it was first put up, never the (possibly future) session date, which the title carries.
    """

    feed_type = CleanAtom1Feed
    description_template = "syllabus/feed_week.html"

    def link(self, obj=None) -> str:
        return reverse("syllabus:home")

    def title(self, obj=None) -> str:
        return f"{settings.SITE_NAME}: sessions"

    def subtitle(self, obj=None) -> str:
        return "Each session of the seminar: its papers, presenters and slides."

    def author_name(self) -> str:
        return settings.SITE_NAME

    def weeks(self, obj):
        return Week.objects.published()

    def items(self, obj=None):
        weeks = self.weeks(obj).with_outline().order_by("-date", "-position", "-id")
        categories = Prefetch("categories", Category.objects.only("id", "name"))
        return weeks.prefetch_related(categories)[:FEED_LENGTH]

    def item_title(self, week: Week) -> str:
        return f"{week.title} ({week.date:%d %b %Y})"

    def item_guid(self, week: Week) -> str:
        return f"urn:uuid:{week.uuid}"

    item_guid_is_permalink = False

    def item_pubdate(self, week: Week) -> datetime.datetime:
        # An imported session of an old term was put up (on the old site) by its date, not on import.
        start = week.starts_at or datetime.datetime.combine(week.date, datetime.time(), week.term.zone)
        return min(week.created, start)

    def item_updateddate(self, week: Week) -> datetime.datetime:
        # What the entry shows changes with the week and with its papers (titles, citations).
        papers = [row.paper.updated for row in week.presentations.all() if row.paper]
        return max([week.updated, *papers])

    def item_extra_kwargs(self, week: Week) -> dict:
        presenters = week.presenters_in_order
        return {"authors": [presenter.name for presenter in presenters] or [settings.SITE_NAME]}

    def item_categories(self, week: Week) -> list[str]:
        return [category.name for category in week.categories.all()]


class TermWeeksFeed(WeeksFeed):
    """A published term's sessions (a draft term is a 404, as its page is)."""

    def get_object(self, request, slug: str) -> Term:
        return Term.objects.published().only("id", "name", "slug").get(slug=slug)

    def link(self, term: Term) -> str:
        return term.get_absolute_url()

    def title(self, term: Term) -> str:
        return f"{settings.SITE_NAME}: {term.name}"

    def subtitle(self, term: Term) -> str:
        return f"The sessions of {term.name}: their papers, presenters and slides."

    def weeks(self, term: Term):
        return Week.objects.published().for_term(term)


class TagWeeksFeed(WeeksFeed):
    """The published sessions with a tag; a tag only drafts use is a 404, not an empty feed."""

    def get_object(self, request, slug: str) -> Tag:
        tag = Tag.objects.get(slug=slug)
        if not Week.objects.published().filter(tags=tag).exists():
            raise Tag.DoesNotExist
        return tag

    def link(self, tag: Tag) -> str:
        return tag.get_absolute_url()

    def title(self, tag: Tag) -> str:
        return f"{settings.SITE_NAME}: #{tag.name}"

    def subtitle(self, tag: Tag) -> str:
        return f"The sessions tagged {tag.name}: their papers, presenters and slides."

    def weeks(self, tag: Tag):
        return Week.objects.published().filter(tags=tag)


def calendar_response(
    request, *, name: str, weeks, filename: str = "calendar.ics", private_links: bool = False
) -> HttpResponse:
    """An iCalendar file with an event per week (weeks come with `with_outline`).

    Public feeds never write an online link restricted to signed-in users, whoever asks; only a
    user's own calendar does (`private_links`). `filename` is made of slugs: nothing to quote.
    """
    calendar = weeks_calendar(
        weeks, name=name, page_url=request.build_absolute_uri, private_links=private_links
    )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def week_calendar(week: Week, *, private_links: bool = False) -> bytes:
    """One session as an iCalendar file (e.g. attached to a presenter's reminder).

    Its event links to the session's page on SITE_URL (none when SITE_URL is unset).
    `private_links` writes an online link restricted to signed-in users: only for someone who is one.
    """
    page_url = (lambda path: f"{settings.SITE_URL}{path}") if settings.SITE_URL else None
    return weeks_calendar([week], name=week.title, page_url=page_url, private_links=private_links).to_ical()


def weeks_calendar(
    weeks, *, name: str, page_url: Callable[[str], str] | None, private_links: bool = False
) -> icalendar.Calendar:
    """A calendar with an event per week (its rows and their presenters prefetched, e.g. `with_outline`).

    A session with a known time is a timed event in its term's time zone (DTSTART/DTEND with a
    TZID, and a VTIMEZONE for each zone used); one without (e.g. imported weeks) is all-day.
    UIDs are the weeks' stored UUIDs, so the host name a feed is fetched under (or a move of the
    site) never turns the same session into a new event. `page_url` makes a page's path absolute.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Syllabus//Seminar calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", single_line(name))
    weeks = list(weeks)
    for week in weeks:
        calendar.add_component(_week_event(week, page_url=page_url, private_links=private_links))
    if weeks:
        # Only the zone rules around the sessions: a VTIMEZONE from 1970 would dwarf the events.
        dates = [week.date for week in weeks]
        calendar.add_missing_timezones(
            first_date=min(dates) - datetime.timedelta(days=366),
            last_date=max(dates) + datetime.timedelta(days=366),
        )
    return calendar


def _week_event(week: Week, *, page_url: Callable[[str], str] | None, private_links: bool) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", str(week.uuid))
    event.add("dtstamp", week.updated)
    if week.starts_at:
        event.add("dtstart", week.local_starts_at)
        if week.ends_at:
            event.add("dtend", week.local_ends_at)
    else:
        event.add("dtstart", week.date)
        event.add("dtend", week.date + datetime.timedelta(days=1))
    # Rows stored before names were checked may hold line breaks: one line where iCalendar wants
    # one, and \n as the only line break in the description (a bare \r would end the line).
    event.add("summary", single_line(week.title))
    if not week.is_public:  # only a presenter's own calendar holds drafts: the date may still move
        event.add("status", "TENTATIVE")
    if place := single_line(week.effective_place):
        event.add("location", place)
    description = _week_summary(week)
    online = week.effective_online_url if private_links else week.public_online_url
    if online:
        description = "\n".join(part for part in (description, f"Join online: {online}") if part)
    if description:
        event.add("description", multiline(description))
    if page_url is not None:
        event.add("url", page_url(week.get_absolute_url()))
    return event


def google_calendar_url(week: Week, *, page_url: str) -> str:
    """A link that opens Google Calendar's "new event" form filled in with the session.

    Times in UTC (the form shows them in the reader's zone); a session with no known time is an
    all-day event, whose end date is the day after, as in iCalendar. Only the public online link.
    """
    if week.starts_at:
        utc = "%Y%m%dT%H%M%SZ"
        ends_at = week.ends_at or week.starts_at
        dates = f"{week.starts_at.astimezone(datetime.UTC):{utc}}/{ends_at.astimezone(datetime.UTC):{utc}}"
    else:
        dates = f"{week.date:%Y%m%d}/{week.date + datetime.timedelta(days=1):%Y%m%d}"
    details = "\n".join(
        part
        for part in (
            _week_summary(week),
            week.public_online_url and f"Join online: {week.public_online_url}",
            page_url,
        )
        if part
    )
    query = {
        "action": "TEMPLATE",
        "text": single_line(week.title),
        "dates": dates,
        "details": multiline(details),
        "location": single_line(week.effective_place),
    }
    return f"{GOOGLE_CALENDAR}?{urlencode(query, quote_via=quote)}"


def _week_summary(week: Week) -> str:
    lines = []
    for row in week.presentations.all():
        subject = single_line(row.paper.title if row.paper else row.label)
        names = ", ".join(single_line(presenter.name) for presenter in row.ordered_presenters)
        lines.append(f"{subject} ({names})" if names else subject)
    return "\n".join(line for line in lines if line)
