import django_filters
from rest_framework import viewsets

from presenters.models import Presenter
from presenters.serializers import PresenterSerializer
from syllabus.models import Week


class PresenterFilter(django_filters.FilterSet):
    term = django_filters.CharFilter(method="presented_in", label="Slug of a term they presented in")

    class Meta:
        model = Presenter
        fields = ["term", "slug"]

    def presented_in(self, presenters, name, value):
        weeks = Week.objects.visible_to(self.request.user).filter(term__slug=value)
        return presenters.filter(presentation_entries__presentation__week__in=weeks).distinct()


class PresenterViewSet(viewsets.ModelViewSet):
    """Presenters. Their email can be written by editors and is never returned."""

    serializer_class = PresenterSerializer
    filterset_class = PresenterFilter
    ordering_fields = ["name"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return Presenter.objects.visible_to(self.request.user).prefetch_related("aliases")
