import django_filters
from django.db.models import Q
from rest_framework import viewsets

from papers.models import Paper, SlideDeck
from papers.serializers import PaperSerializer, SlideDeckSerializer
from syllabus.api import IdFilter, visible_slide_decks
from syllabus.search import paper_ids_matching


class PaperFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__slug", distinct=True)
    year = IdFilter(max_value=9999)
    venue = django_filters.CharFilter(lookup_expr="iexact")
    doi = django_filters.CharFilter(lookup_expr="iexact")
    q = django_filters.CharFilter(method="search", label="Words in the title, authors, abstract or tags")

    class Meta:
        model = Paper
        fields = ["tag", "year", "venue", "arxiv_id", "doi", "q", "slug"]

    def search(self, papers, name, value):
        return papers.filter(Q(pk__in=paper_ids_matching(value))) if value.strip() else papers


class PaperViewSet(viewsets.ModelViewSet):
    """Papers with their links; every paper is public."""

    serializer_class = PaperSerializer
    filterset_class = PaperFilter
    ordering_fields = ["title", "year", "created", "updated"]
    ordering = ["title", "id"]

    def get_queryset(self):
        return Paper.objects.visible_to(self.request.user).with_links()


class SlideDeckFilter(django_filters.FilterSet):
    week = IdFilter(field_name="week_id")
    presenter = IdFilter(field_name="presenter_id")
    presentation = IdFilter(field_name="presentation_id")

    class Meta:
        model = SlideDeck
        fields = ["week", "presenter", "presentation", "is_public"]


class SlideDeckViewSet(viewsets.ModelViewSet):
    """Slide decks: an uploaded file (multipart) or a link. Anonymous clients see public decks only."""

    serializer_class = SlideDeckSerializer
    filterset_class = SlideDeckFilter
    ordering_fields = ["created", "week__date"]
    ordering = ["week__date", "id"]

    def get_queryset(self):
        return visible_slide_decks(self.request).select_related("week__term")
