from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from papers.models import SlideDeck
from presenters.models import Presenter
from syllabus.feeds import calendar_response
from syllabus.models import PresentationPresenter, Week

PRESENTERS_PER_PAGE = 60

# A presenter's talk as their page lists it: the paper's title or the row's label, the session
# (title, date, term, whether public) and the row's place in it.
TALK_FIELDS = (
    "id",
    "presentation",
    "presentation__order",
    "presentation__label",
    "presentation__week",
    "presentation__paper",
    *(f"presentation__paper__{name}" for name in ("title", "slug")),
    *(f"presentation__week__{name}" for name in ("title", "slug", "date", "is_published", "term")),
    *(f"presentation__week__term__{name}" for name in ("name", "slug", "is_published")),
)


@require_safe
def presenter_list(request):
    presented = Q(presentation_entries__presentation__week__in=Week.objects.published())
    presenters = (
        Presenter.objects.visible_to(request.user)
        .only("id", "name", "slug", "photo", "photo_small")
        .annotate(talk_count=Count("presentation_entries", filter=presented))
        .order_by("name", "id")
    )
    page = Paginator(presenters, PRESENTERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "presenters/presenter_list.html", {"page": page})


@require_safe
def presenter_detail(request, slug: str):
    presenter = get_object_or_404(Presenter.objects.visible_to(request.user), slug=slug)
    talks = (
        PresentationPresenter.objects.filter(
            presenter=presenter, presentation__week__in=Week.objects.visible_to(request.user)
        )
        .select_related("presentation__week__term", "presentation__paper")
        .only(*TALK_FIELDS)
        .prefetch_related(Prefetch("presentation__slide_decks", SlideDeck.objects.public().order_by("id")))
        .order_by("-presentation__week__date", "presentation__order")
    )
    return render(request, "presenters/presenter_detail.html", {"presenter": presenter, "talks": talks})


@require_safe
def presenter_calendar(request, slug: str):
    presenter = get_object_or_404(Presenter.objects.public().only("id", "name"), slug=slug)
    weeks = (
        Week.objects.published()
        .filter(
            pk__in=Week.objects.filter(presentations__presenter_entries__presenter=presenter).values("pk")
        )
        .with_outline()
    )
    return calendar_response(request, name=f"{presenter.name}: presentations", weeks=weeks)
