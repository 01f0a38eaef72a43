"""Feeds that readers subscribe to: an Atom feed of sessions and iCalendar feeds of their dates."""

import datetime

import icalendar
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from syllabus.models import Week

FEED_LENGTH = 50


class WeeksFeed(Feed):
    feed_type = Atom1Feed
    link = reverse_lazy("syllabus:home")
    description_template = "syllabus/feed_week.html"

    def title(self) -> str:
        return f"{settings.SITE_NAME}: sessions"

    def subtitle(self) -> str:
        return "Each session of the seminar: its papers, presenters and slides."

    def items(self):
        return Week.objects.published().with_presentations().order_by("-date", "-position")[:FEED_LENGTH]

    def item_title(self, week: Week) -> str:
        return f"{week.title} ({week.date:%d %b %Y})"

    def item_pubdate(self, week: Week) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(week.date, datetime.time()))

    def item_updateddate(self, week: Week) -> datetime.datetime:
        return week.updated

    def item_categories(self, week: Week) -> list[str]:
        return [category.name for category in week.categories.all()]


def calendar_response(request, *, name: str, weeks) -> HttpResponse:
    """An iCalendar file with an all-day event per week (weeks come with `with_presentations`)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Syllabus//Seminar calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    host = request.get_host().split(":")[0]
    for week in weeks:
        event = icalendar.Event()
        event.add("uid", f"week-{week.pk}@{host}")
        event.add("dtstamp", week.updated)
        event.add("dtstart", week.date)
        event.add("dtend", week.date + datetime.timedelta(days=1))
        event.add("summary", week.title)
        event.add("description", _week_summary(week))
        event.add("url", request.build_absolute_uri(week.get_absolute_url()))
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return response


def _week_summary(week: Week) -> str:
    lines = []
    for row in week.presentations.all():
        subject = row.paper.title if row.paper else row.label
        names = ", ".join(presenter.name for presenter in row.ordered_presenters)
        lines.append(f"{subject} ({names})" if names else subject)
    return "\n".join(line for line in lines if line)
