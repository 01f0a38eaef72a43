from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from papers.models import PAPER_LIST_FIELDS, Paper, SlideDeck
from syllabus.models import Presentation, PresentationPresenter, Week

PAPERS_PER_PAGE = 50


@require_safe
def paper_list(request):
    read = Q(presentations__week__in=Week.objects.published())
    papers = (
        Paper.objects.visible_to(request.user)
        .only(*PAPER_LIST_FIELDS, "authors")
        .annotate(times_read=Count("presentations", filter=read))
        .order_by("title", "id")
    )
    page = Paginator(papers, PAPERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "papers/paper_list.html", {"page": page})


@require_safe
def paper_detail(request, slug: str):
    paper = get_object_or_404(Paper.objects.visible_to(request.user).with_links(), slug=slug)
    readings = (
        Presentation.objects.filter(paper=paper, week__in=Week.objects.visible_to(request.user))
        .select_related("week__term")
        .prefetch_related(
            Prefetch("presenter_entries", PresentationPresenter.objects.select_related("presenter")),
            Prefetch("slide_decks", SlideDeck.objects.public().order_by("id")),
        )
        .order_by("-week__date")
    )
    return render(request, "papers/paper_detail.html", {"paper": paper, "readings": readings})
