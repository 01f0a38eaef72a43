"""Feeds that readers subscribe to: an Atom feed of sessions and iCalendar feeds of their dates."""

import datetime
from collections.abc import Callable
from typing import NamedTuple
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
# A session whose length nobody gave (neither it nor its term has a duration) is shown as an hour
# long: calendar apps hide or mangle an event that ends when it starts.
UNKNOWN_LENGTH = datetime.timedelta(hours=1)
JOIN_ONLINE = "Join online"
# SEQUENCE counts seconds from here: it grows with every change and fits iCalendar's 32-bit INTEGER.
SEQUENCE_EPOCH = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


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
        return week_changed_at(week)

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "join_online": JOIN_ONLINE}

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


class Alternate(NamedTuple):
    type: str
    title: str
    href: str


ATOM, ICALENDAR = "application/atom+xml", "text/calendar"


def feed_alternates(
    *, view_name: str, term=None, week=None, tag=None, category=None, has_weeks: bool = False
) -> list[Alternate]:
    """The feeds and calendars of a page's subject, for its <link rel="alternate"> (readers find them).

    Every page offers the site's feed; the home, term and week pages their published term's feed
    and calendar (a term's page links its calendar itself); a public week's page its session; a tag
    or category page with public sessions their calendar (and a tag its feed).
    """
    site = settings.SITE_NAME
    links = [Alternate(ATOM, f"{site}: sessions", reverse("syllabus:feed"))]
    if view_name in ("syllabus:home", "syllabus:term", "syllabus:week") and term and term.is_published:
        links.append(Alternate(ATOM, f"{site}: {term.name}", reverse("syllabus:term_feed", args=[term.slug])))
        if view_name != "syllabus:term":
            url = reverse("syllabus:term_calendar", args=[term.slug])
            links.append(Alternate(ICALENDAR, f"{term.name} calendar", url))
    if view_name == "syllabus:week" and week and week.is_public:
        url = reverse("syllabus:week_calendar", args=[week.term.slug, week.slug])
        links.append(Alternate(ICALENDAR, week.title, url))
    if view_name == "syllabus:tag" and tag and has_weeks:
        links.append(Alternate(ATOM, f"{site}: #{tag.name}", reverse("syllabus:tag_feed", args=[tag.slug])))
        url = reverse("syllabus:tag_calendar", args=[tag.slug])
        links.append(Alternate(ICALENDAR, f"#{tag.name} calendar", url))
    if view_name == "syllabus:category" and category and has_weeks:
        url = reverse("syllabus:category_calendar", args=[category.slug])
        links.append(Alternate(ICALENDAR, f"{category.name} calendar", url))
    return links


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


def week_ics_bytes(week: Week, *, private_links: bool = False) -> bytes:
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


def week_changed_at(week: Week) -> datetime.datetime:
    """When what a feed entry or calendar event shows of the week last changed (rows loaded).

    The week's `updated` moves with its own saves and with every write of its rows, their
    presenters and its decks (syllabus/freshness.py); a paper's own changes (title, citation) are
    the paper's `updated`.
    """
    papers = [row.paper.updated for row in week.presentations.all() if row.paper]
    return max([week.updated, *papers])


def session_ends_at(week: Week) -> datetime.datetime | None:
    """When a timed session ends: as stored (its own or its term's duration), else an hour after it
    starts (`UNKNOWN_LENGTH`). None for a session with no known time."""
    if week.starts_at is None:
        return None
    return week.ends_at or week.starts_at + UNKNOWN_LENGTH


def week_details(week: Week, *, online_url: str, page_url: str | None = None) -> str:
    """A calendar event's text: the rows, the online link when there is one, the page's address."""
    online = online_url and f"{JOIN_ONLINE}: {online_url}"
    return "\n".join(part for part in (_week_summary(week), online, page_url) if part)


def _week_event(week: Week, *, page_url: Callable[[str], str] | None, private_links: bool) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", str(week.uuid))
    changed_at = week_changed_at(week)
    event.add("dtstamp", changed_at)
    event.add("last-modified", changed_at)
    # RFC 5545 wants SEQUENCE to grow with each revision: seconds are a count that only grows.
    event.add("sequence", max(0, int((changed_at - SEQUENCE_EPOCH).total_seconds())))
    if week.starts_at:
        event.add("dtstart", week.local_starts_at)
        event.add("dtend", session_ends_at(week).astimezone(week.term.zone))
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
    online = week.effective_online_url if private_links else week.public_online_url
    if description := week_details(week, online_url=online):
        event.add("description", multiline(description))
    if page_url is not None:
        event.add("url", page_url(week.get_absolute_url()))
    return event


def google_calendar_url(week: Week, *, page_url: str) -> str:
    """A link that opens Google Calendar's "new event" form filled in with the session.

    Times in UTC (the form shows them in the reader's zone), and the same end as in iCalendar
    (`session_ends_at`); a session with no known time is an all-day event, whose end date is the
    day after, as in iCalendar. Only the public online link.
    """
    if week.starts_at:
        utc = "%Y%m%dT%H%M%SZ"
        ends_at = session_ends_at(week)
        dates = f"{week.starts_at.astimezone(datetime.UTC):{utc}}/{ends_at.astimezone(datetime.UTC):{utc}}"
    else:
        dates = f"{week.date:%Y%m%d}/{week.date + datetime.timedelta(days=1):%Y%m%d}"
    query = {
        "action": "TEMPLATE",
        "text": single_line(week.title),
        "dates": dates,
        "details": multiline(week_details(week, online_url=week.public_online_url, page_url=page_url)),
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
