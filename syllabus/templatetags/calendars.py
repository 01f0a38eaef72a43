"""Links that put a session in a reader's calendar."""

from django import template

from syllabus import feeds

register = template.Library()


@register.simple_tag(takes_context=True)
def google_calendar_url(context, week) -> str:
    """Google Calendar's "new event" form for `week` (with its rows and their presenters loaded)."""
    page_url = context["request"].build_absolute_uri(week.get_absolute_url())
    return feeds.google_calendar_url(week, page_url=page_url)
