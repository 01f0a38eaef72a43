"""schema.org data of a session and a paper, as search engines and reference tools read it (JSON-LD).

Plain dicts built from rows the page has loaded already: `week_event` reads what
`Week.objects.with_presentations()` prefetches, `paper_article` a paper with its links (and tags,
when given); neither runs a query. `json_ld` writes one as a `<script type="application/ld+json">`
data block, which the strict Content-Security-Policy allows: the browser never runs it.
"""

import json
from collections.abc import Callable, Iterable

from django.utils.safestring import SafeString, mark_safe

from papers.citations import paper_authors
from papers.models import PaperLink

SCHEMA = "https://schema.org"

# Absolute address of a path on this site (request.build_absolute_uri).
Absolute = Callable[[str], str]

# Inside <script>, "</script>" or "<!--" in a title would end or change the element: written as
# JSON escapes instead, the same text for a JSON parser (as Django's json_script does).
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(data: dict) -> SafeString:
    """`data` as a JSON-LD script element, safe to place in HTML whatever its strings hold."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


def paper_article(paper, *, absolute: Absolute, keywords: Iterable[str] = ()) -> dict:
    """A paper as a `ScholarlyArticle`: title, authors, year, DOI and arXiv id, and its links."""
    article = {
        "@type": "ScholarlyArticle",
        "name": paper.title,
        "headline": paper.title[:110],  # what Google reads of a headline
        "url": absolute(paper.get_absolute_url()),
    }
    if authors := paper_authors(paper):
        article["author"] = [{"@type": "Person", "name": name} for name in authors]
    if paper.year:
        article["datePublished"] = str(paper.year)
    if paper.venue:
        article["isPartOf"] = {"@type": "CreativeWork", "name": paper.venue}
    if paper.abstract:
        article["abstract"] = paper.abstract
    identifiers, same_as = [], []
    if paper.doi:
        identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": paper.doi})
        same_as.append(paper.doi_url)
    if paper.arxiv_id:
        identifiers.append({"@type": "PropertyValue", "propertyID": "arXiv", "value": paper.arxiv_id})
        same_as.append(paper.arxiv_url)
    # Pages that are the paper itself; its code, video or blog post are about it, not it.
    same_as += [
        link.url
        for link in paper.links.all()
        if link.kind == PaperLink.Kind.ABSTRACT and link.url not in same_as
    ]
    if identifiers:
        article["identifier"] = identifiers
    if same_as:
        article["sameAs"] = same_as
    if keywords := list(keywords):
        article["keywords"] = keywords
    return article


def person(presenter, *, absolute: Absolute) -> dict:
    data = {"@type": "Person", "name": presenter.name, "url": absolute(presenter.get_absolute_url())}
    if presenter.affiliation:
        data["affiliation"] = {"@type": "Organization", "name": presenter.affiliation}
    if presenter.photo:
        data["image"] = absolute(presenter.photo.url)
    return data


def _attendance(place: str, online_url: str) -> tuple[list[dict], str | None]:
    """Where anyone may attend, and how: never a link kept for signed-in users (the caller's job)."""
    locations = []
    if place:
        locations.append({"@type": "Place", "name": place, "address": place})
    if online_url:
        locations.append({"@type": "VirtualLocation", "url": online_url})
    if place and online_url:
        return locations, f"{SCHEMA}/MixedEventAttendanceMode"
    if place:
        return locations, f"{SCHEMA}/OfflineEventAttendanceMode"
    if online_url:
        return locations, f"{SCHEMA}/OnlineEventAttendanceMode"
    return locations, None


def week_event(week, *, absolute: Absolute, site_name: str) -> dict:
    """A session as an `Event`: its time (with the term's offset, or the date alone), place, presenters
    as performers, and its papers as `ScholarlyArticle`s (`workFeatured`)."""
    event = {
        "@context": SCHEMA,
        "@type": "Event",
        "name": week.title,
        "url": absolute(week.get_absolute_url()),
        "eventStatus": f"{SCHEMA}/EventScheduled",
        "startDate": week.local_starts_at.isoformat() if week.starts_at else week.date.isoformat(),
        "organizer": {"@type": "Organization", "name": site_name, "url": absolute("/")},
        "superEvent": {
            "@type": "EventSeries",
            "name": week.term.name,
            "url": absolute(week.term.get_absolute_url()),
        },
    }
    if week.ends_at:
        event["endDate"] = week.local_ends_at.isoformat()
    locations, mode = _attendance(week.effective_place, week.public_online_url)
    if locations:
        event["location"] = locations[0] if len(locations) == 1 else locations
    if mode:
        event["eventAttendanceMode"] = mode
    if presenters := week.presenters_in_order:
        event["performer"] = [person(presenter, absolute=absolute) for presenter in presenters]
    papers = {row.paper.pk: row.paper for row in week.presentations.all() if row.paper_id}
    if papers:
        event["workFeatured"] = [paper_article(paper, absolute=absolute) for paper in papers.values()]
    if image := week_image(week):
        event["image"] = absolute(image)
    return event


def paper_page_article(paper, *, absolute: Absolute) -> dict:
    """The paper page's own data: the article, with its tags as keywords."""
    return {"@context": SCHEMA, **paper_article(paper, absolute=absolute, keywords=paper_tags(paper))}


def paper_tags(paper) -> list[str]:
    return [tag.name for tag in paper.tags.all()]


def week_thumbnail(week) -> str:
    """Its first slide thumbnail (a landscape picture), or ""."""
    return next((deck.thumbnail.url for deck in week.decks if deck.thumbnail), "")


def week_image(week) -> str:
    """A picture of the session for previews: its first slide thumbnail, else a presenter's photo."""
    if thumbnail := week_thumbnail(week):
        return thumbnail
    return next((presenter.photo.url for presenter in week.presenters_in_order if presenter.photo), "")
