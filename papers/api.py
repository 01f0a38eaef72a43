import re

import django_filters
from django.conf import settings
from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, parsers, throttling
from rest_framework.decorators import action
from rest_framework.response import Response

from papers.duplicates import papers_matching
from papers.lookup import LookupFailed
from papers.models import Paper, SlideDeck, normalize_arxiv_id, normalize_doi
from papers.serializers import (
    PaperInListSerializer,
    PaperLookupRequestSerializer,
    PaperLookupResultSerializer,
    PaperSerializer,
    SlideDeckCreateSerializer,
    SlideDeckFileSerializer,
    SlideDeckSerializer,
)
from papers.services import paper_metadata_find
from syllabus.api import FileChangePermissions, IdFilter, SeminarViewSet, visible_slide_decks
from syllabus.api_defaults import UPLOAD_PARSERS
from syllabus.exports import reading_lists
from syllabus.exports.api import search_reading_list_action
from syllabus.search import clean_query, paper_ids_matching


class PaperFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(field_name="tags__slug", distinct=True)
    year = IdFilter(max_value=9999)
    venue = django_filters.CharFilter(lookup_expr="iexact")
    arxiv_id = django_filters.CharFilter(method="same_arxiv_id", label="arXiv id, with or without version")
    doi = django_filters.CharFilter(method="same_doi", label="DOI, any case, or a doi.org address")
    q = django_filters.CharFilter(method="search", label="Words in the title, authors, abstract or tags")
    matches = django_filters.CharFilter(
        method="known",
        label="Papers already known as this: a title (case, accents and punctuation folded), an arXiv id, "
        "a DOI, or an arXiv or doi.org address (also found in the papers' links)",
    )

    class Meta:
        model = Paper
        fields = ["tag", "year", "venue", "arxiv_id", "doi", "q", "slug", "matches"]

    def same_arxiv_id(self, papers, name, value):
        arxiv_id = normalize_arxiv_id(value)
        unversioned = arxiv_id.split("v")[0] if "." in arxiv_id else arxiv_id
        return papers.filter(Q(arxiv_id=arxiv_id) | Q(arxiv_id__regex=rf"^{re.escape(unversioned)}(v\d+)?$"))

    def same_doi(self, papers, name, value):
        return papers.filter(doi__iexact=normalize_doi(value))

    def known(self, papers, name, value):
        value = value.strip()
        if not value:
            return papers
        found = papers_matching(title=value, arxiv_id=value, doi=value, urls=[value])
        return papers.filter(pk__in=[match.paper.pk for match in found])

    def search(self, papers, name, value):
        return papers.filter(Q(pk__in=paper_ids_matching(value))) if value.strip() else papers


class LookupRateThrottle(throttling.UserRateThrottle):
    """LOOKUP_API_RATE lookups per user (read at request time): each may call out to arXiv or doi.org."""

    scope = "paper_lookup"

    def get_rate(self) -> str:
        return settings.LOOKUP_API_RATE


class LookupFailedError(exceptions.APIException):
    """A lookup the source could not answer: 404 unknown, 502 unreachable or unreadable, 504 too slow."""

    def __init__(self, failure: LookupFailed):
        self.status_code = failure.status
        super().__init__(detail=str(failure), code="lookup_failed")


LOOKUP_ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}


@extend_schema_view(
    create=extend_schema(
        description="Add a paper. A paper with the same arXiv id (any version) or DOI, given in a field "
        "or a link, is already known: the answer is 400, with a message on `arxiv_id`, `doi` or `links` "
        "naming it and `duplicates` listing its address. A paper with only the same title is added "
        "(check first with `?matches=`).",
        responses={
            201: PaperSerializer,
            400: OpenApiResponse(
                description="Invalid, or already known: "
                '`{"arxiv_id": ["Paper 12 (…) already has the arXiv id 1706.03762."], '
                '"duplicates": ["https://…/api/v1/papers/12/"]}`.'
            ),
        },
    )
)
class PaperViewSet(SeminarViewSet):
    """Papers with their links; every paper is public."""

    serializer_class = PaperSerializer
    summary_serializer_class = PaperInListSerializer
    filterset_class = PaperFilter
    ordering_fields = ["title", "year", "created", "updated"]
    ordering = ["title", "id"]

    def get_queryset(self):
        papers = Paper.objects.visible_to(self.request.user).with_links()
        return papers.defer("abstract_html") if self.action == "list" else papers

    reading_list = search_reading_list_action()

    def reading_list_for(self, pk) -> reading_lists.ReadingList:
        query = self.request.query_params.get("q", "")
        if not clean_query(query):
            raise exceptions.ValidationError({"q": ["Give the words to search for, e.g. `?q=attention`."]})
        return reading_lists.search_reading_list(query)

    @extend_schema(
        summary="Look up a paper's fields by arXiv id or DOI",
        request=PaperLookupRequestSerializer,
        responses={
            200: PaperLookupResultSerializer,
            400: OpenApiResponse(description="Not an arXiv id or DOI; the message gives examples."),
            404: OpenApiResponse(LOOKUP_ERROR, description="arXiv or the DOI registry knows no such paper."),
            502: OpenApiResponse(
                LOOKUP_ERROR,
                description="The source could not be reached, failed, or sent an unreadable answer.",
            ),
            504: OpenApiResponse(
                LOOKUP_ERROR, description="The source did not answer within LOOKUP_TIMEOUT."
            ),
        },
    )
    @action(detail=False, methods=["post"], throttle_classes=[LookupRateThrottle])
    def lookup(self, request):
        """The fields of the paper an arXiv id or DOI names, for review: nothing is saved.

        Needs the permission to add papers. Answers are kept, so asking again does not call out.
        """
        asked = PaperLookupRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        identifier = asked.validated_data["identifier"]
        try:
            found = paper_metadata_find(identifier=identifier)
        except LookupFailed as failure:
            raise LookupFailedError(failure) from None
        return Response(PaperLookupResultSerializer((identifier, found)).data)


class SlideDeckFilter(django_filters.FilterSet):
    week = IdFilter(field_name="week_id")
    presenter = IdFilter(field_name="presenter_id")
    presentation = IdFilter(field_name="presentation_id")

    class Meta:
        model = SlideDeck
        fields = ["week", "presenter", "presentation", "is_public"]


@extend_schema_view(
    create=extend_schema(
        description="Add a deck: upload its `file` (multipart), or give its `link` instead. A deck with a "
        "link only may also be sent as JSON.",
        request={"multipart/form-data": SlideDeckCreateSerializer},
        responses={201: SlideDeckSerializer},
    )
)
class SlideDeckViewSet(SeminarViewSet):
    """Slide decks: an uploaded file or a link. Anonymous clients see public decks only. A deck is added
    as multipart (with its file) or JSON (with a link), changed as JSON, and its file replaced on its own
    address, `file/`, as multipart."""

    serializer_class = SlideDeckSerializer
    filterset_class = SlideDeckFilter
    ordering_fields = ["created", "week__date"]
    ordering = ["week__date", "id"]

    def get_queryset(self):
        return visible_slide_decks(self.request).select_related("week__term")

    def get_serializer_class(self):
        return SlideDeckCreateSerializer if self.action == "create" else super().get_serializer_class()

    def get_parsers(self):
        # Only adding a deck carries its file with its fields; the viewset's other writes are JSON.
        # (DRF picks the parsers before it names the action, so the method and route say which it is.)
        actions = getattr(self, "action_map", {})
        request = getattr(self, "request", None)
        if request is not None and actions.get(request.method.lower()) == "create":
            return [parser() for parser in UPLOAD_PARSERS]
        return super().get_parsers()

    @extend_schema(
        operation_id="slides_file_replace",
        summary="Upload a slide deck's file",
        request={"multipart/form-data": SlideDeckFileSerializer},
        responses={200: OpenApiResponse(SlideDeckSerializer, description="The deck with its new file.")},
    )
    @action(
        detail=True,
        methods=["put"],
        parser_classes=[parsers.MultiPartParser],
        permission_classes=[FileChangePermissions],
    )
    def file(self, request, pk=None):
        """PUT a PDF or PowerPoint file (multipart, field `file`): it replaces the deck's file, or its link.

        The file is checked by its content, as on upload; a new thumbnail is drawn. Needs the permission
        to change slide decks."""
        return self.file_upload(SlideDeckFileSerializer)
