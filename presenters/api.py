import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404

from presenters.models import Presenter
from presenters.serializers import PresenterInListSerializer, PresenterPhotoSerializer, PresenterSerializer
from presenters.services import presenter_photo_remove
from syllabus.api import FileChangePermissions, IdFilter, SeminarViewSet
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
    """Presenters. Their email can be written by editors and is never returned. Fields are written as
    JSON; the photo is uploaded on its own address, `photo/`, as multipart."""

    serializer_class = PresenterSerializer
    summary_serializer_class = PresenterInListSerializer
    filterset_class = PresenterFilter
    ordering_fields = ["name"]
    ordering = ["name", "id"]

    reading_list = reading_list_action(of="presenter")

    def reading_list_for(self, pk) -> reading_lists.ReadingList:
        presenter = get_object_or_404(Presenter.objects.public(), pk=pk)
        return reading_lists.presenter_reading_list(presenter)

    def get_queryset(self):
        return Presenter.objects.visible_to(self.request.user).prefetch_related("aliases")

    @extend_schema(
        methods=["PUT"],
        operation_id="presenters_photo_replace",
        summary="Upload a presenter's photo",
        request={"multipart/form-data": PresenterPhotoSerializer},
        responses={
            200: OpenApiResponse(PresenterSerializer, description="The presenter with the new photo.")
        },
    )
    @extend_schema(
        methods=["DELETE"],
        operation_id="presenters_photo_remove",
        summary="Remove a presenter's photo",
        request=None,
        responses={200: OpenApiResponse(PresenterSerializer, description="The presenter, without a photo.")},
    )
    @action(
        detail=True,
        methods=["put", "delete"],
        parser_classes=[parsers.MultiPartParser],
        permission_classes=[FileChangePermissions],
    )
    def photo(self, request, pk=None):
        """PUT a photo (multipart, field `photo`) to store it, replacing any other, or DELETE to remove it.

        The image is checked (type, size, pixels) and stored as squares without its metadata. Needs the
        permission to change presenters."""
        if request.method == "DELETE":
            return self.file_write(lambda presenter: presenter_photo_remove(presenter=presenter))
        return self.file_upload(PresenterPhotoSerializer)
