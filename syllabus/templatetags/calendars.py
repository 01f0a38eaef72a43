"""Links that put a session in a reader's calendar, and the feeds a page offers."""

from django import template

from syllabus import feeds

register = template.Library()


@register.simple_tag(takes_context=True)
def google_calendar_url(context, week) -> str:
    """Google Calendar's "new event" form for `week` (with its rows and their presenters loaded)."""
    page_url = context["request"].build_absolute_uri(week.get_absolute_url())
    return feeds.google_calendar_url(week, page_url=page_url)


@register.simple_tag(takes_context=True)
def feed_alternates(context) -> list[feeds.Alternate]:
    """The page's feeds and calendars (feeds.feed_alternates), from its view and context."""
    match = getattr(context.get("request"), "resolver_match", None)
    return feeds.feed_alternates(
        view_name=match.view_name if match else "",
        term=context.get("term"),
        week=context.get("week"),
        tag=context.get("tag"),
        category=context.get("category"),
        has_weeks=bool(context.get("weeks")),
    )
