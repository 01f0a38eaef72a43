"""A term's upcoming sessions on someone else's page: a script (embed.js) that lists them from a small
JSON answer, or a page to show in an iframe. README "Embed the schedule".

Both are the same for every visitor: they read no cookie and no user (so they set none and vary on
none), show published sessions only, and are kept whole by the page cache (syllabus/caching.py).
"""

import functools

from csp.decorators import csp
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from syllabus.models import Term, Week

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


def upcoming_weeks(term: Term) -> list[Week]:
    """The term's published sessions from today on, with their papers' titles and presenters' names."""
    weeks = Week.objects.published().for_term(term).filter(date__gte=timezone.localdate()).with_outline()
    return list(weeks[:EMBED_LENGTH])


def _published_term(slug: str) -> Term:
    return get_object_or_404(Term.objects.published(), slug=slug)


def _session(request, week: Week) -> dict:
    return {
        "title": week.title,
        "url": request.build_absolute_uri(week.get_absolute_url()),
        "date": week.date.isoformat(),
        "starts_at": week.local_starts_at.isoformat() if week.starts_at else None,
        "ends_at": week.local_ends_at.isoformat() if week.ends_at else None,
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
    data = {
        "term": {"name": term.name, "url": request.build_absolute_uri(term.get_absolute_url())},
        "sessions": [_session(request, week) for week in upcoming_weeks(term)],
    }
    return _cors(JsonResponse(data, json_dumps_params={"ensure_ascii": False}))


@require_safe
@xframe_options_exempt
@csp(EMBED_PAGE_POLICY)
def embed_page(request, slug: str):
    """The same list as a page of its own, for an <iframe>."""
    term = _published_term(slug)
    return render(request, "syllabus/embed.html", {"term": term, "weeks": upcoming_weeks(term)})


@functools.cache
def _static_bytes(name: str) -> bytes:
    with open(finders.find(name), "rb") as file:
        return file.read()


@require_safe
def embed_js(request):
    """static/js/embed.js at a fixed address, for <script src> on other sites."""
    response = HttpResponse(_static_bytes("js/embed.js"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}"
    return _cors(response)
