"""Public pages of the seminar. Drafts are 404 for the public and shown to staff with a banner."""

import functools

from django.contrib.staticfiles import finders
from django.db.models import Count, F, Q
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.http import require_safe

from papers import slide_zip
from papers.models import PAPER_LIST_FIELDS, Paper
from syllabus.feeds import calendar_response
from syllabus.models import Category, Tag, Term, Week
from syllabus.search import SearchResults, search

RECENT_WEEKS = 3


@require_safe
def home(request):
    """The current term's next and latest sessions, and every term."""
    terms = Term.objects.visible_to(request.user)
    term = terms.current()
    today = timezone.localdate()
    weeks = (
        Week.objects.visible_to(request.user).for_term(term).with_summary() if term else Week.objects.none()
    )
    upcoming = list(weeks.filter(date__gte=today)[:RECENT_WEEKS])
    recent = list(weeks.filter(date__lt=today).order_by("-date", "-position")[:RECENT_WEEKS])
    visible = Q(weeks__in=Week.objects.visible_to(request.user))
    context = {
        "term": term,
        "upcoming": upcoming,
        "recent": recent,
        # An aggregate drops Meta.ordering, so every annotated list below orders itself.
        "terms": terms.only("id", "name", "slug", "start_date")
        .annotate(week_count=Count("weeks", filter=visible))
        .order_by(*Term._meta.ordering),
    }
    return render(request, "syllabus/home.html", context)


@require_safe
def term_list(request):
    terms = (
        Term.objects.visible_to(request.user)
        .annotate(week_count=Count("weeks", filter=Q(weeks__in=Week.objects.visible_to(request.user))))
        .order_by(*Term._meta.ordering)
    )
    years = Week.objects.published().values_list("date__year", flat=True).order_by("-date__year").distinct()
    return render(request, "syllabus/term_list.html", {"terms": terms, "years": years})


@require_safe
def term_detail(request, slug: str):
    term = get_object_or_404(Term.objects.visible_to(request.user).select_related("signup"), slug=slug)
    weeks = Week.objects.visible_to(request.user).for_term(term).with_summary()
    signup = getattr(term, "signup", None)
    open_signup = signup if signup is not None and signup.is_accepting and term.is_published else None
    return render(
        request, "syllabus/term_detail.html", {"term": term, "weeks": weeks, "open_signup": open_signup}
    )


@require_safe
def week_detail(request, term_slug: str, slug: str):
    """A session's page; a signed-in presenter also sees the draft of a session they present in."""
    opened = Week.objects.open_to(request.user).select_related("term")
    week = get_object_or_404(opened.with_presentations(), term__slug=term_slug, slug=slug)
    # The way to other sessions shows only what the reader sees anyway (never other drafts).
    visible = Week.objects.visible_to(request.user).select_related("term")
    same_term = visible.for_term(week.term)
    # Weeks are ordered by (date, position, id); ties on date and position fall back to id.
    same_day = Q(date=week.date, position=week.position)
    earlier = same_term.filter(
        Q(date__lt=week.date) | Q(date=week.date, position__lt=week.position) | (same_day & Q(pk__lt=week.pk))
    )
    later = same_term.filter(
        Q(date__gt=week.date) | Q(date=week.date, position__gt=week.position) | (same_day & Q(pk__gt=week.pk))
    )
    context = {
        "week": week,
        "term": week.term,
        "previous": earlier.order_by("-date", "-position", "-id").first(),
        "next": later.order_by("date", "position", "id").first(),
    }
    return render(request, "syllabus/week_detail.html", context)


@require_safe
def week_slides_zip(request, term_slug: str, slug: str):
    """A session's public slide files as one zip, streamed as it is made."""
    visible = Week.objects.visible_to(request.user).select_related("term")
    week = get_object_or_404(visible, term__slug=term_slug, slug=slug)
    decks = (
        week.slide_decks.public()
        .exclude(file="")
        .select_related("presenter", "presentation")
        .order_by(F("presentation__order").asc(nulls_first=True), "id")
    )
    entries = slide_zip.zip_entries(decks)
    if not entries:
        raise Http404("This session has no slide files to download.")
    response = StreamingHttpResponse(slide_zip.zip_stream(entries), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{week.term.slug}-{week.slug}-slides.zip"'
    return response


@require_safe
def category_list(request):
    visible = Q(weeks__in=Week.objects.visible_to(request.user))
    categories = (
        Category.objects.annotate(week_count=Count("weeks", filter=visible))
        .filter(week_count__gt=0)
        .order_by(*Category._meta.ordering)
    )
    return render(request, "syllabus/category_list.html", {"categories": categories})


@require_safe
def category_detail(request, slug: str):
    """A category's sessions; one used only by drafts does not exist yet for the public."""
    category = get_object_or_404(Category, slug=slug)
    weeks = Week.objects.visible_to(request.user).filter(categories=category).with_summary()
    if not weeks.exists():
        raise Http404("No sessions in this category.")
    return render(request, "syllabus/category_detail.html", {"category": category, "weeks": weeks})


@require_safe
def tag_list(request):
    tags = Tag.objects.annotate(
        week_count=Count("weeks", filter=Q(weeks__in=Week.objects.visible_to(request.user)), distinct=True),
        paper_count=Count(
            "papers", filter=Q(papers__in=Paper.objects.visible_to(request.user)), distinct=True
        ),
    ).filter(Q(week_count__gt=0) | Q(paper_count__gt=0))
    return render(request, "syllabus/tag_list.html", {"tags": tags.order_by(*Tag._meta.ordering)})


@require_safe
def tag_detail(request, slug: str):
    tag = get_object_or_404(Tag, slug=slug)
    weeks = Week.objects.visible_to(request.user).filter(tags=tag).with_summary()
    papers = Paper.objects.visible_to(request.user).filter(tags=tag).only(*PAPER_LIST_FIELDS)
    if not weeks.exists() and not papers.exists():
        raise Http404("Nothing public has this tag.")
    return render(request, "syllabus/tag_detail.html", {"tag": tag, "weeks": weeks, "papers": papers})


@require_safe
def year_detail(request, year: int):
    if not 1 <= year <= 9999:
        raise Http404("No such year.")
    weeks = Week.objects.visible_to(request.user).filter(date__year=year).with_summary()
    if not weeks.exists():
        raise Http404(f"No sessions in {year}.")
    return render(request, "syllabus/year_detail.html", {"year": year, "weeks": weeks})


@require_safe
def search_page(request):
    query = request.GET.get("q", "")
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:  # not a number (or more digits than int() reads)
        page = 1
    results = search(query, page=page) if query.strip() else SearchResults.empty(query)
    return render(request, "syllabus/search.html", {"results": results})


def page_not_found(request, exception):
    """Our friendly 404 page; under /api/ the JSON that API clients expect."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


@require_safe
def robots_txt(request):
    return render(request, "robots.txt", content_type="text/plain")


@functools.cache
def _static_bytes(name: str) -> bytes:
    with open(finders.find(name), "rb") as file:
        return file.read()


def static_file_response(name: str, *, content_type: str, max_age: int) -> HttpResponse:
    """A file of static/ at an address of its own (/favicon.ico, /embed.js), read once per process."""
    response = HttpResponse(_static_bytes(name), content_type=content_type)
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@require_safe
def favicon(request):
    """/favicon.ico, which browsers ask for whatever a page links to: the icon, kept for a week."""
    return static_file_response("img/favicon.ico", content_type="image/vnd.microsoft.icon", max_age=604800)


@require_safe
def term_calendar(request, slug: str):
    term = get_object_or_404(Term.objects.published(), slug=slug)
    weeks = Week.objects.published().for_term(term).with_outline()
    return calendar_response(request, name=term.name, weeks=weeks)


@require_safe
def week_calendar(request, term_slug: str, slug: str):
    """A published session as a single event, to add to any calendar (linked from its page)."""
    weeks = Week.objects.published().filter(term__slug=term_slug, slug=slug).with_outline()
    week = get_object_or_404(weeks)
    return calendar_response(
        request, name=week.title, weeks=[week], filename=f"{week.term.slug}-{week.slug}.ics"
    )


@require_safe
def tag_calendar(request, slug: str):
    """The published sessions with a tag; a tag only drafts use is a 404, as its page is."""
    tag = get_object_or_404(Tag.objects.only("id", "name"), slug=slug)
    weeks = Week.objects.published().filter(tags=tag).with_outline()
    if not weeks:
        raise Http404("No public sessions with this tag.")
    return calendar_response(request, name=f"#{tag.name}", weeks=weeks)


@require_safe
def category_calendar(request, slug: str):
    """The published sessions of a category; a category only drafts use is a 404, as its page is."""
    category = get_object_or_404(Category.objects.only("id", "name"), slug=slug)
    weeks = Week.objects.published().filter(categories=category).with_outline()
    if not weeks:
        raise Http404("No public sessions in this category.")
    return calendar_response(request, name=category.name, weeks=weeks)
