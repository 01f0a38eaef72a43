import django_filters
from rest_framework.generics import get_object_or_404

from presenters.models import Presenter
from presenters.serializers import PresenterInListSerializer, PresenterSerializer
from syllabus.api import IdFilter, SeminarViewSet
from syllabus.api_defaults import UPLOAD_PARSERS
from syllabus.exports import reading_lists
from syllabus.exports.api import reading_list_action
from syllabus.models import Week


class PresenterFilter(django_filters.FilterSet):
    # As on /weeks/: `term` is a term's id, `term_slug` its slug.
    term = IdFilter(method="presented_in", label="Id of a term they presented in")
    term_slug = django_filters.CharFilter(method="presented_in", label="Slug of a term they presented in")

    class Meta:
        model = Presenter
        fields = ["term", "term_slug", "slug"]

    def presented_in(self, presenters, name, value):
        weeks = Week.objects.visible_to(self.request.user)
        weeks = weeks.filter(term_id=value) if name == "term" else weeks.filter(term__slug=value)
        return presenters.filter(presentation_entries__presentation__week__in=weeks).distinct()


class PresenterViewSet(SeminarViewSet):
    """Presenters. Their email can be written by editors and is never returned."""

    serializer_class = PresenterSerializer
    summary_serializer_class = PresenterInListSerializer
    parser_classes = UPLOAD_PARSERS
    filterset_class = PresenterFilter
    ordering_fields = ["name"]
    ordering = ["name", "id"]

    reading_list = reading_list_action(of="presenter")

    def reading_list_for(self, pk) -> reading_lists.ReadingList:
        presenter = get_object_or_404(Presenter.objects.public(), pk=pk)
        return reading_lists.presenter_reading_list(presenter)

    def get_queryset(self):
        return Presenter.objects.visible_to(self.request.user).prefetch_related("aliases")
