"""The reading lists in the API: `GET /api/v1/terms/{id}/reading-list/`, the same for weeks, tags,
categories and presenters, and a search's as `GET /api/v1/papers/reading-list/?q=`.

JSON by default (the readings with their citation keys); `?format=bibtex`, `ris` or `csv` (or the
matching Accept header) gives the same file as the public pages. Published weeks only, whoever asks.
"""

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.serializer_helpers import ReturnDict

from papers.citations import citation_keys, paper_authors, paper_url
from syllabus.exports.reading_lists import ReadingList
from syllabus.exports.responses import API_FORMATS, FORMATS, reading_list_response


class _FileRenderer(BaseRenderer):
    """Writes the file the action made. Errors are answered as JSON (api_defaults.exception_handler)."""

    charset = "utf-8"
    errors_as_json = True

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Text, not bytes: DRF drops the Content-Type of an empty byte body (an empty reading list).
        return data if isinstance(data, str) else json.dumps(data)


class BibTeXRenderer(_FileRenderer):
    media_type = "application/x-bibtex"
    format = "bibtex"


class RISRenderer(_FileRenderer):
    media_type = "application/x-research-info-systems"
    format = "ris"


class CSVRenderer(_FileRenderer):
    media_type = "text/csv"
    format = "csv"


class ReadingSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The citation key, as in the BibTeX file.")
    paper = serializers.IntegerField(help_text="The paper's id.")
    title = serializers.CharField()
    authors = serializers.ListField(child=serializers.CharField())
    venue = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    doi = serializers.CharField()
    arxiv_id = serializers.CharField()
    url = serializers.CharField()
    week = serializers.CharField(help_text="The session's title.")
    date = serializers.DateField(allow_null=True)
    presenters = serializers.ListField(child=serializers.CharField())


class ReadingListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    readings = ReadingSerializer(many=True)


def reading_list_data(reading_list: ReadingList) -> ReturnDict:
    keys = citation_keys(reading_list.papers)
    readings = [
        {
            "key": keys[reading.paper.pk],
            "paper": reading.paper.pk,
            "title": reading.paper.title,
            "authors": paper_authors(reading.paper),
            "venue": reading.paper.venue,
            "year": reading.paper.year,
            "doi": reading.paper.doi,
            "arxiv_id": reading.paper.arxiv_id,
            "url": paper_url(reading.paper),
            "week": reading.week,
            "date": reading.date,
            "presenters": reading.presenters,
        }
        for reading in reading_list.readings
    ]
    return ReadingListSerializer({"count": len(readings), "readings": readings}).data


def reading_list_action(*, of: str):
    """The `reading-list` action of a viewset whose `reading_list_for(pk)` finds the list (or 404s)."""
    return _reading_list_action(
        detail=True,
        summary=f"The {of}'s reading list (JSON, BibTeX, RIS or CSV)",
        description=(
            f"The papers read in the {of}'s published sessions, in order, with citation keys. "
            "`?format=bibtex`, `ris` or `csv` gives the file the public pages offer."
        ),
    )


def search_reading_list_action():
    """`GET /papers/reading-list/?q=`, the search page's papers; the viewset's `reading_list_for(None)`
    reads `q` (and is a 400 without one)."""
    return _reading_list_action(
        detail=False,
        summary="A search's reading list (JSON, BibTeX, RIS or CSV)",
        description=(
            "The public papers the search page finds for `q`, best first (at most 200), each with the "
            "published sessions that read it. `?format=bibtex`, `ris` or `csv` gives the file the "
            "search page offers. Without `q` (or with only spaces) the answer is 400."
        ),
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, required=True, description="Words, as in the search page's box."
            )
        ],
        errors={400: OpenApiResponse(description='No words to search for: `{"q": ["…"]}`.')},
    )


def _reading_list_action(*, detail: bool, summary: str, description: str, parameters=(), errors=None):
    @extend_schema(
        summary=summary,
        description=description,
        parameters=[
            *parameters,
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=["json", *API_FORMATS], description="The answer's format."
            ),
        ],
        responses={
            (200, "application/json"): ReadingListSerializer,
            (200, "application/x-bibtex"): OpenApiResponse(OpenApiTypes.STR, description="A .bib file."),
            (200, "application/x-research-info-systems"): OpenApiResponse(
                OpenApiTypes.STR, description="A .ris file."
            ),
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="A .csv file with a header row."
            ),
            **(errors or {}),
        },
    )
    @action(
        detail=detail,
        methods=["get"],
        url_path="reading-list",
        renderer_classes=[JSONRenderer, BibTeXRenderer, RISRenderer, CSVRenderer],
    )
    def reading_list(self, request, pk=None):
        found = self.reading_list_for(pk)
        fmt = API_FORMATS.get(request.accepted_renderer.format)
        if fmt is None:
            return Response(reading_list_data(found))
        file = reading_list_response(found, fmt)
        response = Response(file.content.decode(), content_type=FORMATS[fmt].content_type)
        response["Content-Disposition"] = file["Content-Disposition"]
        return response

    return reading_list
