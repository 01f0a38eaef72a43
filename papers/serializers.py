"""JSON shapes of papers and slide decks."""

from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from papers.duplicates import papers_matching
from papers.lookup import Identifier, IdentifierError, parse_identifier
from papers.models import Paper, PaperLink, PaperLookup, SlideDeck
from presenters.models import Presenter
from syllabus.api_links import ApiUrlField, PageUrlField
from syllabus.caching import content_changed
from syllabus.history import ADDED, history_batch, history_record
from syllabus.models import Presentation
from syllabus.serializers import (
    ModelRulesMixin,
    PaperLinkSerializer,
    TagNamesField,
    save_with_relations,
    set_tags,
)
from syllabus.summaries import without_html


def replace_links(paper: Paper, links: list[dict]) -> None:
    """The paper's links become exactly `links`, in this order."""
    with transaction.atomic(), history_batch():
        paper.links.all().delete()
        created = PaperLink.objects.bulk_create(
            PaperLink(paper=paper, order=order, **link) for order, link in enumerate(links)
        )
        history_record(rows=created, history_type=ADDED)
        content_changed()


class PaperSerializer(ModelRulesMixin, serializers.ModelSerializer):
    url = ApiUrlField(view_name="api:paper-detail")
    html_url = PageUrlField("papers:detail", ("slug",))
    tags = TagNamesField(required=False)
    links = PaperLinkSerializer(many=True, required=False, help_text="Replaces all links when given.")

    class Meta:
        model = Paper
        fields = ["id", "url", "html_url", "slug", "title", "authors", "venue", "year", "arxiv_id", "doi"]
        fields += ["abstract", "abstract_html", "tags", "links", "citation_key", "created", "updated"]
        read_only_fields = ["abstract_html", "citation_key", "created", "updated"]
        # The model normalises a pasted "arXiv:..." or doi.org address before checking the format.
        extra_kwargs = {
            "slug": {"required": False},
            "arxiv_id": {"validators": []},
            "doi": {"validators": []},
        }
        validators = []

    def validate_links(self, links: list[dict]) -> list[dict]:
        # On PATCH nested fields are optional too, but a link is nothing without its address.
        if any(not link.get("url") for link in links):
            raise serializers.ValidationError("Each link needs a url.")
        urls = [link["url"] for link in links]
        if len(urls) != len(set(urls)):
            raise serializers.ValidationError("Each link address may appear once.")
        return links

    def validate(self, attrs):
        self.refuse_known_identifiers(attrs)
        return super().validate(attrs)

    def refuse_known_identifiers(self, attrs: dict) -> None:
        """The same arXiv id (any version) or DOI as another paper, in a field or a link: 400.

        The answer names the known paper and gives its address in `duplicates`, so a client can use
        it instead. A title alone is no error: two papers may share one (see `?matches=`).
        """
        given = {name: attrs[name] for name in ("arxiv_id", "doi") if attrs.get(name)}
        urls = [link["url"] for link in attrs.get("links", []) if link.get("url")]
        if not given and not urls:
            return
        instance_pk = self.instance.pk if self.instance is not None else None
        known = [
            match
            for match in papers_matching(**given, urls=urls, exclude_pk=instance_pk)
            if match.same_identifier
        ]
        if not known:
            return
        request = self.context["request"]
        errors: dict[str, list[str]] = {}
        for match in known:
            address = request.build_absolute_uri(reverse("api:paper-detail", args=[match.paper.pk]))
            for field, values, noun in (
                ("arxiv_id", match.same_arxiv_id, "arXiv id"),
                ("doi", match.same_doi, "DOI"),
            ):
                key = field if field in given else "links"
                for value in sorted(values):
                    errors.setdefault(key, []).append(
                        f"Paper {match.paper.pk} (“{match.paper.title}”, {address}) already has the {noun} {value}."
                    )
            errors.setdefault("duplicates", []).append(address)
        raise serializers.ValidationError(errors)

    def create(self, validated_data):
        return save_with_relations(self, None, validated_data, tags=set_tags, links=replace_links)

    def update(self, instance, validated_data):
        return save_with_relations(self, instance, validated_data, tags=set_tags, links=replace_links)


class PaperInListSerializer(PaperSerializer):
    """A paper in a list: its abstract once, as markdown."""

    class Meta(PaperSerializer.Meta):
        fields = without_html(PaperSerializer.Meta.fields)


class SlideDeckSerializer(ModelRulesMixin, serializers.ModelSerializer):
    """A deck as it is read, and changed as JSON; its file is replaced on its own address (`file/`)."""

    url = ApiUrlField(view_name="api:slidedeck-detail")
    html_url = PageUrlField(
        "syllabus:week", ("week.term.slug", "week.slug"), help_text="The public page of the deck's week."
    )
    link = serializers.URLField(
        source="url",
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="Slides kept elsewhere. Writing a link to a deck that holds a file removes the file.",
    )
    file = serializers.FileField(
        read_only=True,
        help_text="The uploaded PDF or PowerPoint file. Sent as multipart when the deck is added, or with "
        "PUT …/file/, which replaces the file or the link.",
    )
    href = serializers.SerializerMethodField(help_text="Where to download or open the slides.")
    presentation = serializers.PrimaryKeyRelatedField(
        queryset=Presentation.objects.select_related("week", "paper"), allow_null=True, required=False
    )
    _filled_by_clean = ("week",)

    class Meta:
        model = SlideDeck
        fields = [
            "id",
            "url",
            "html_url",
            "title",
            "file",
            "link",
            "href",
            "week",
            "presentation",
            "presenter",
        ]
        fields += ["is_public", "thumbnail", "page_count", "created", "updated"]
        read_only_fields = ["thumbnail", "page_count", "created", "updated"]
        # A multipart upload that leaves out is_public means public, as in JSON.
        extra_kwargs = {"week": {"required": False}, "is_public": {"default": True}}
        validators = []

    def get_href(self, deck: SlideDeck) -> str:
        return self.context["request"].build_absolute_uri(deck.href)

    def validate(self, attrs):
        # A deck is a file or a link: a new link takes the place of the file.
        if attrs.get("url") and self.instance is not None and self.instance.file:
            attrs = {**attrs, "file": None}
        return super().validate(attrs)


@extend_schema_field({"type": "integer", "description": "Leave it out for none."})
class FormIdField(serializers.PrimaryKeyRelatedField):
    """An id in a multipart body. A form cannot say null, so the schema offers the id or nothing (a
    generated client would send the text "None"); a JSON body may still send null, a form an empty value."""

    def validate_empty_values(self, data):
        return (True, None) if data is None else super().validate_empty_values(data)


class SlideDeckCreateSerializer(SlideDeckSerializer):
    """A new deck: its file (multipart) or its link, and its other fields."""

    file = serializers.FileField(
        required=False, help_text="A PDF or PowerPoint file (.pdf, .pptx, .ppt), or give a `link` instead."
    )
    presentation = FormIdField(queryset=Presentation.objects.select_related("week", "paper"), required=False)
    presenter = FormIdField(queryset=Presenter.objects.all(), required=False)


class SlideDeckFileSerializer(ModelRulesMixin, serializers.ModelSerializer):
    """The body of PUT /api/v1/slides/{id}/file/: the file alone, as multipart. It replaces the deck's
    file or its link."""

    file = serializers.FileField(
        help_text="A PDF or PowerPoint file (.pdf, .pptx, .ppt), checked by its content."
    )

    class Meta:
        model = SlideDeck
        fields = ["file"]
        validators = []

    def validate(self, attrs):
        return super().validate({**attrs, "url": ""})


class PaperLookupRequestSerializer(serializers.Serializer):
    identifier = serializers.CharField(
        max_length=1000,
        help_text="An arXiv id or address (abs/, pdf/, versions, old-style ids) or a DOI or doi.org address.",
    )

    def validate_identifier(self, value: str) -> Identifier:
        try:
            return parse_identifier(value)
        except IdentifierError as error:
            raise serializers.ValidationError(str(error)) from None


class FoundLinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PaperLink.Kind.choices)
    label = serializers.CharField()
    url = serializers.URLField()


class FoundPaperSerializer(serializers.Serializer):
    """The fields of a new paper, in the shape POST /api/v1/papers/ takes."""

    title = serializers.CharField()
    authors = serializers.CharField(help_text="Comma-separated, as the paper credits them.")
    venue = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)
    abstract = serializers.CharField(help_text="Markdown.")
    arxiv_id = serializers.CharField()
    doi = serializers.CharField()
    links = FoundLinkSerializer(many=True)


class PaperLookupResultSerializer(serializers.Serializer):
    identifier = serializers.CharField(
        help_text="What was looked up, e.g. arxiv:1706.03762 or doi:10.1145/3065386."
    )
    source = serializers.ChoiceField(choices=PaperLookup.Source.choices)
    fetched_at = serializers.DateTimeField(help_text="When the source gave this answer (answers are kept).")
    paper = FoundPaperSerializer()

    def to_representation(self, found):
        identifier, metadata = found
        return {
            "identifier": identifier.key,
            "source": metadata.source,
            "fetched_at": serializers.DateTimeField().to_representation(metadata.fetched_at),
            "paper": {
                **metadata.paper_fields(),
                "links": [
                    {"kind": link.kind, "label": link.label, "url": link.url} for link in metadata.links
                ],
            },
        }
