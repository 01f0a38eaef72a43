"""The REST API for terms, weeks, presentations, categories and tags."""

from collections.abc import Callable

import django_filters
from django import forms
from django.db import transaction
from django.db.models import Model, Prefetch
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from papers.models import SlideDeck
from syllabus import scheduling, services
from syllabus.api_schema import EXPAND_WEEKS, AnyOfSerializer
from syllabus.api_versions import OptimisticConcurrencyMixin
from syllabus.caching import CachedReadsMixin
from syllabus.exports import reading_lists
from syllabus.exports.api import reading_list_action
from syllabus.models import Category, Presentation, PresentationPresenter, Tag, Term, Week, sees_drafts
from syllabus.serializers import (
    CategorySerializer,
    PresentationSerializer,
    TagSerializer,
    TermCopySerializer,
    TermGenerateWeeksSerializer,
    TermSerializer,
    WeekOrderSerializer,
    WeekSerializer,
)
from syllabus.summaries import PresentationInListSerializer, TermInListSerializer, WeekInListSerializer


class IdFilter(django_filters.NumberFilter):
    """A whole number within the database's range; anything else is a 400, not a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_value", 2**53)
        super().__init__(*args, min_value=0, **kwargs)


def expand_names(request, choices: tuple[str, ...]) -> frozenset[str]:
    """The names in `?expand=` (comma-separated, or the parameter repeated); an unknown one is a 400."""
    names = {name.strip() for value in request.query_params.getlist("expand") for name in value.split(",")}
    names.discard("")
    if unknown := sorted(names - set(choices)):
        known = ", ".join(f"“{name}”" for name in choices)
        offer = f"This list can expand: {known}." if choices else "This list has nothing to expand."
        raise ValidationError({"expand": [f"Unknown: {', '.join(unknown)}. {offer}"]})
    return frozenset(names)


class SeminarViewSet(CachedReadsMixin, OptimisticConcurrencyMixin, viewsets.ModelViewSet):
    """A viewset whose answers to signed-in clients (which may hold drafts) are never shared by caches.

    Object answers carry an ETag and writes honour If-Match (see syllabus.api_versions); anonymous
    reads are kept in the shared cache (see syllabus.caching). Lists answer
    in the leaner `summary_serializer_class` when there is one (syllabus.summaries); a name in
    `expand_choices`, given in `?expand=`, asks for the detail shape instead.
    """

    summary_serializer_class = None
    expand_choices: tuple[str, ...] = ()

    def expanded(self) -> frozenset[str]:
        """What this list was asked to expand (nothing on any other action)."""
        if self.action != "list":
            return frozenset()
        return expand_names(self.request, self.expand_choices)

    def get_serializer_class(self):
        if self.action == "list" and self.summary_serializer_class is not None and not self.expanded():
            return self.summary_serializer_class
        return super().get_serializer_class()

    def list(self, request, *args, **kwargs):
        self.expanded()  # an unknown name is a 400 before any query
        return super().list(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if request.user.is_authenticated:
            patch_cache_control(response, private=True)
        return response

    def file_write(self, write: Callable[[Model], object]) -> Response:
        """An object's file action: `write` it under If-Match, then answer it as its detail GET does."""
        with transaction.atomic():
            self.check_if_match()
            write(self.get_object())
        return self.object_response(self.get_serializer(self.reload_object()))

    def file_upload(self, upload_class: type[serializers.Serializer]) -> Response:
        """Store the file `upload_class` reads from the multipart body; it validates the upload with the
        model's rules (type, size, pixels), as a change through the admin does."""

        def store(obj: Model) -> None:
            upload = upload_class(obj, data=self.request.data, context=self.get_serializer_context())
            upload.is_valid(raise_exception=True)
            upload.save()

        return self.file_write(store)


class ChangeModelPermissions(permissions.DjangoModelPermissions):
    """POST to an action that changes an existing object needs the change permission, not add."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "POST": ["%(app_label)s.change_%(model_name)s"],
    }


class FileChangePermissions(ChangeModelPermissions):
    """Uploading or removing an object's file (PUT, DELETE) changes the object: the change permission."""

    perms_map = {**ChangeModelPermissions.perms_map, "DELETE": ChangeModelPermissions.perms_map["POST"]}


class GenerateWeeksPermissions(ChangeModelPermissions):
    """Generating a term's sessions changes the term and adds weeks."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.has_perm("syllabus.add_week")


class CopyTermPermissions(permissions.DjangoModelPermissions):
    """Copying a term adds a term and weeks."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.has_perm("syllabus.add_week")


class TermViewSet(SeminarViewSet):
    """Terms of the seminar. Anonymous clients see published terms only."""

    serializer_class = TermSerializer
    summary_serializer_class = TermInListSerializer
    filterset_fields = ["is_published", "code", "slug"]
    ordering_fields = ["start_date", "name"]
    ordering = ["-start_date", "name"]

    reading_list = reading_list_action(of="term")

    def reading_list_for(self, pk) -> reading_lists.ReadingList:
        return reading_lists.term_reading_list(get_object_or_404(Term.objects.published(), pk=pk))

    def get_queryset(self):
        return Term.objects.visible_to(self.request.user)

    @extend_schema(
        summary="Create a term's sessions on its weekdays",
        request=TermGenerateWeeksSerializer,
        responses={
            201: OpenApiResponse(WeekSerializer(many=True), description="The sessions created, by date.")
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="generate-weeks",
        permission_classes=[GenerateWeeksPermissions],
        pagination_class=None,  # answers with every week it created, unpaged
    )
    def generate_weeks(self, request, pk=None):
        """Create a draft session on each of the term's dates that falls on one of `weekdays`, except
        the `skip` dates. Dates that already have a session are left alone, so sending it again creates
        nothing; new sessions are numbered after the existing ones and titled "Session N"."""
        given = TermGenerateWeeksSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        term = self.get_object()
        created = scheduling.term_generate_weeks(term=term, **given.validated_data)
        weeks = Week.objects.with_presentations(public_only=False).filter(
            pk__in=[week.pk for week in created]
        )
        shown = WeekSerializer(
            weeks.order_by("date", "position"), many=True, context=self.get_serializer_context()
        )
        return Response(shown.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Copy a term forward into a new draft term",
        request=TermCopySerializer,
        responses={201: OpenApiResponse(TermSerializer, description="The new draft term.")},
    )
    @action(detail=True, methods=["post"], permission_classes=[CopyTermPermissions])
    def copy(self, request, pk=None):
        """Copy the term forward into a new draft term starting on `start`: sessions keep their weekday
        (counted in weeks from the start), holidays in `skip` push a session to the next free week;
        titles, categories, tags, bodies and rows are copied, papers unless `keep_papers` is false,
        presenters only if `keep_presenters` is true, slide decks never. The old term is not changed."""
        given = TermCopySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        new = scheduling.term_copy(term=self.get_object(), **given.validated_data)
        shown = self.get_serializer(new)
        return self.object_response(shown, status.HTTP_201_CREATED, headers={"Location": shown.data["url"]})


class WeekFilter(django_filters.FilterSet):
    term = IdFilter(field_name="term_id")
    term_slug = django_filters.CharFilter(field_name="term__slug")
    category = django_filters.CharFilter(field_name="categories__slug", distinct=True)
    tag = django_filters.CharFilter(field_name="tags__slug", distinct=True)
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Week
        fields = ["term", "term_slug", "category", "tag", "date_after", "date_before", "is_published", "code"]


class WeekViewSet(SeminarViewSet):
    """Weekly sessions, each with its ordered presentations, papers, presenters and slides embedded."""

    serializer_class = WeekSerializer
    summary_serializer_class = WeekInListSerializer
    expand_choices = ("presentations",)
    filterset_class = WeekFilter
    ordering_fields = ["date", "position", "title", "updated"]
    ordering = ["date", "position", "id"]

    reading_list = reading_list_action(of="week")

    def reading_list_for(self, pk) -> reading_lists.ReadingList:
        week = get_object_or_404(Week.objects.published().select_related("term"), pk=pk)
        return reading_lists.week_reading_list(week)

    def get_queryset(self):
        weeks = Week.objects.visible_to(self.request.user)
        public_only = not sees_drafts(self.request.user)
        if self.action == "list" and not self.expanded():
            return weeks.with_api_summaries(public_only=public_only)
        return weeks.with_presentations(public_only=public_only)

    @extend_schema(
        summary="List weeks",
        parameters=[EXPAND_WEEKS],
        responses=AnyOfSerializer(
            component_name="WeekInListOrFull",
            serializers=[WeekInListSerializer, WeekSerializer],
            resource_type_field_name=None,
            many=True,
        ),
    )
    def list(self, request, *args, **kwargs):
        """Weeks, each with a summary of its rows (papers' titles, presenters' names, the addresses of
        the full rows, papers and presenters); `?expand=presentations` gives each week as its detail
        answer does."""
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Set the order of a week's rows", request=WeekOrderSerializer, responses=WeekSerializer
    )
    @action(detail=True, methods=["post"], permission_classes=[ChangeModelPermissions])
    def order(self, request, pk=None):
        """Set the order of the week's whole table in one step: `presentations` lists each of its rows once."""
        order = WeekOrderSerializer(data=request.data)
        order.is_valid(raise_exception=True)
        with transaction.atomic():
            self.check_if_match()
            week = self.checked_object() or get_object_or_404(Week.objects.visible_to(request.user), pk=pk)
            self.check_object_permissions(request, week)
            services.week_set_order(week=week, presentation_ids=order.validated_data["presentations"])
        return self.object_response(self.get_serializer(self.reload_object()))


class PresentationFilter(django_filters.FilterSet):
    week = IdFilter(field_name="week_id")
    paper = IdFilter(field_name="paper_id")
    presenter = IdFilter(field_name="presenter_entries__presenter_id", distinct=True)

    class Meta:
        model = Presentation
        fields = ["week", "paper", "presenter", "section"]


class PresentationViewSet(SeminarViewSet):
    """Rows of the weeks' tables. `presenters` is an ordered list of presenter ids."""

    serializer_class = PresentationSerializer
    summary_serializer_class = PresentationInListSerializer
    filterset_class = PresentationFilter
    ordering_fields = ["order", "week__date"]
    ordering = ["week__date", "week_id", "order"]

    def get_queryset(self):
        visible = Week.objects.visible_to(self.request.user)
        entries = PresentationPresenter.objects.select_related("presenter")
        return (
            Presentation.objects.filter(week__in=visible)
            .select_related("week__term")
            .prefetch_related(Prefetch("presenter_entries", entries))
        )

    def lock_object(self, obj) -> None:
        services.week_lock(week=obj.week)  # the week first, as every change to its table does
        super().lock_object(obj)


class CategoryViewSet(SeminarViewSet):
    """Categories; the public sees those of published weeks only."""

    serializer_class = CategorySerializer
    filterset_fields = ["slug"]
    ordering_fields = ["order", "name"]
    ordering = ["order", "name"]

    reading_list = reading_list_action(of="category")

    def reading_list_for(self, pk) -> reading_lists.ReadingList:
        return reading_lists.category_reading_list(get_object_or_404(Category.objects.public(), pk=pk))

    def get_queryset(self):
        if sees_drafts(self.request.user):
            return Category.objects.all()
        return Category.objects.public()


class TagViewSet(SeminarViewSet):
    """Tags; the public sees those of published weeks and public papers only."""

    serializer_class = TagSerializer
    filterset_fields = ["slug"]
    ordering_fields = ["name"]
    ordering = ["name"]

    reading_list = reading_list_action(of="tag")

    def reading_list_for(self, pk) -> reading_lists.ReadingList:
        return reading_lists.tag_reading_list(get_object_or_404(Tag.objects.public(), pk=pk))

    def get_queryset(self):
        if sees_drafts(self.request.user):
            return Tag.objects.all()
        return Tag.objects.public()


def visible_slide_decks(request):
    decks = SlideDeck.objects.filter(week__in=Week.objects.visible_to(request.user))
    return decks if sees_drafts(request.user) else decks.public()
