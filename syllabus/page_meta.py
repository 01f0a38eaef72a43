"""What a public page says of itself to those who link to it: canonical address, OpenGraph and
Twitter card tags, and schema.org data (templates/includes/page_meta.html, from base.html).

Read from the page's own context, which its view filled already: no view passes anything more, and
nothing here runs a query the page would not run anyway (the paper page's readings are the same
queryset its template lists).
"""

import functools
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest
from django.utils.safestring import SafeString

from syllabus import structured_data
from syllabus.caching import PAGE_NAMESPACES, PAGE_PARAMETERS

# The query parameters each page reads (another page of a list, another search): kept in its
# canonical address; any other (?utm_source=…) is not.
CANONICAL_PARAMETERS = {
    **{view_name: (name,) for view_name, name in PAGE_PARAMETERS.items()},
    "syllabus:search": ("q", "page"),
}
LIST_TITLES = {
    "syllabus:terms": "Terms",
    "syllabus:categories": "Categories",
    "syllabus:tags": "Tags",
    "syllabus:search": "Search",
    "papers:list": "Papers",
    "presenters:list": "Presenters",
}
DEFAULT_DESCRIPTION = "Weekly sessions, papers, presenters and slides of the seminar."


@dataclass
class PageMeta:
    title: str
    description: str
    url: str
    type: str = "website"
    image: str = ""
    # "summary_large_image" for a slide (landscape), "summary" for a photo or no picture.
    card: str = "summary"
    data: list[SafeString] = field(default_factory=list)  # JSON-LD script elements


def site_url(request: HttpRequest, path: str) -> str:
    """The absolute address of `path`: on SITE_URL when it is set (the address the site is known by,
    whichever host a request came in on), else on the request's own host."""
    if settings.SITE_URL and path.startswith("/"):
        return settings.SITE_URL + path
    return request.build_absolute_uri(path)


def canonical_url(request: HttpRequest) -> str:
    """The page's address with only the query parameters its view reads."""
    match = request.resolver_match
    read = CANONICAL_PARAMETERS.get(match.view_name, ()) if match else ()
    kept = request.GET.copy()
    for name in list(kept):
        if name not in read:
            del kept[name]
    query = kept.urlencode()
    return site_url(request, request.path + (f"?{query}" if query else ""))


def page_meta(context) -> PageMeta | None:
    """The page's metadata, or None for an error page or a page that is not public."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace not in PAGE_NAMESPACES or "request_path" in context:
        return None  # "request_path": Django's 404 page, for an address that names nothing
    site_name = settings.SITE_NAME
    absolute = functools.partial(site_url, request)
    meta = PageMeta(
        title=LIST_TITLES.get(match.view_name, site_name),
        description=DEFAULT_DESCRIPTION,
        url=canonical_url(request),
    )
    if match.view_name == "syllabus:week" and (week := context.get("week")):
        meta.title, meta.type = week.title, "article"
        meta.description = f"{week.when_text}, {week.term.name}."
        if presenters := week.presenters_in_order:
            meta.description += " Presented by " + ", ".join(p.name for p in presenters) + "."
        thumbnail = structured_data.week_thumbnail(week)
        meta.image = structured_data.week_image(week)
        meta.card = "summary_large_image" if thumbnail else "summary"
        meta.data.append(
            structured_data.json_ld(structured_data.week_event(week, absolute=absolute, site_name=site_name))
        )
    elif match.view_name == "papers:detail" and (paper := context.get("paper")):
        meta.title, meta.type = paper.title, "article"
        meta.description = (
            " · ".join(part for part in (paper.authors, paper.citation) if part) or meta.description
        )
        thumbnail = next(
            (
                deck.thumbnail.url
                for row in context.get("readings", ())
                for deck in row.slide_decks.all()
                if deck.thumbnail
            ),
            "",
        )
        meta.image, meta.card = thumbnail, "summary_large_image" if thumbnail else "summary"
        meta.data.append(
            structured_data.json_ld(structured_data.paper_page_article(paper, absolute=absolute))
        )
    elif match.view_name == "presenters:detail" and (presenter := context.get("presenter")):
        meta.title, meta.type = presenter.name, "profile"
        meta.description = presenter.affiliation or f"Sessions presented by {presenter.name}."
        meta.image = presenter.photo.url if presenter.photo else ""
    elif match.view_name in {"syllabus:term", "signup:term"} and (term := context.get("term")):
        meta.title = term.name
        dates = f"{term.start_date.day} {term.start_date:%b %Y} \N{EN DASH} {term.end_date.day} {term.end_date:%b %Y}"
        meta.description = f"{dates}. {term.meeting_text}".strip()
    elif match.view_name in {"syllabus:category", "syllabus:tag"}:
        subject = context.get("category") or context.get("tag")
        meta.title = f"{subject.name}" if subject else meta.title
    elif match.view_name == "syllabus:year" and (year := context.get("year")):
        meta.title = f"Sessions in {year}"
    if meta.image:
        meta.image = absolute(meta.image)
    return meta
