"""A term's upcoming sessions on someone else's page: a script (embed.js) that lists them from a small
JSON answer, or a page to show in an iframe. README "Embed the schedule".

Both are the same for every visitor: they read no cookie and no user (so they set none and vary on
none), show published sessions only, and are kept whole by the page cache (syllabus/caching.py).
"""

import functools
from collections.abc import Callable

from csp.decorators import csp
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from syllabus.models import Term, Week
from syllabus.page_meta import site_url
from syllabus.views import static_file_response

# A lab page shows the next few sessions; the term page has the rest.
EMBED_LENGTH = 10
# The script changes only with a release; an hour keeps a fix from waiting long on host pages.
SCRIPT_MAX_AGE = 3600

# The iframe page: its stylesheet and the slide thumbnails of this site, nothing else; no script,
# no form; any site may frame it.
EMBED_PAGE_POLICY = {
    "default-src": ["'none'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "base-uri": ["'none'"],
    "form-action": ["'none'"],
    "frame-ancestors": ["*"],
}


def upcoming_sessions(term: Term, *, absolute: Callable[[str], str]) -> list[dict]:
    """The term's next published sessions, from today in the term's own zone, as both embeds show
    them (embed.json as it is, the iframe page rendered): `absolute` makes the addresses."""
    today = timezone.now().astimezone(term.zone).date()
    weeks = Week.objects.published().for_term(term).filter(date__gte=today).with_outline()
    return [_session(week, absolute=absolute) for week in weeks[:EMBED_LENGTH]]


def _published_term(slug: str) -> Term:
    return get_object_or_404(Term.objects.published(), slug=slug)


def _session(week: Week, *, absolute: Callable[[str], str]) -> dict:
    starts_at = week.local_starts_at.isoformat() if week.starts_at else None  # with the term's offset
    return {
        "title": week.title,
        "url": absolute(week.get_absolute_url()),
        "date": week.date.isoformat(),
        "starts_at": starts_at,
        "ends_at": week.local_ends_at.isoformat() if week.ends_at else None,
        "datetime": starts_at or week.date.isoformat(),  # for <time datetime>
        "when": week.when_text,
        "place": week.effective_place,
        "online_url": week.public_online_url or None,
        "presenters": [presenter.name for presenter in week.presenters_in_order],
        "papers": [row.paper.title for row in week.presentations.all() if row.paper_id],
    }


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def embed_json(request, slug: str):
    """A term's upcoming sessions as JSON for embed.js, readable from any origin."""
    try:
        term = _published_term(slug)
    except Http404:
        return _cors(JsonResponse({"detail": "No published term with this address."}, status=404))
    absolute = functools.partial(site_url, request)
    data = {
        "term": {"name": term.name, "url": absolute(term.get_absolute_url())},
        "sessions": upcoming_sessions(term, absolute=absolute),
    }
    return _cors(JsonResponse(data, json_dumps_params={"ensure_ascii": False}))


@require_safe
@xframe_options_exempt
@csp(EMBED_PAGE_POLICY)
def embed_page(request, slug: str):
    """The same list as a page of its own, for an <iframe>."""
    term = _published_term(slug)
    # Addresses on this site, as the page's other links (and the static export) expect.
    sessions = upcoming_sessions(term, absolute=lambda path: path)
    return render(request, "syllabus/embed.html", {"term": term, "sessions": sessions})


@require_safe
def embed_js(request):
    """static/js/embed.js at a fixed address, for <script src> on other sites."""
    return _cors(
        static_file_response(
            "js/embed.js", content_type="text/javascript; charset=utf-8", max_age=SCRIPT_MAX_AGE
        )
    )
