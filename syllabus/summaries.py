"""The lean shapes of list answers: what a list shows of each object, with links to the full one.

Lists send each text once, as its markdown source: the rendered HTML (`*_html`) is in detail
answers only. A list of weeks shows each row by its paper's title and its presenters' names (with
their ids), and each deck by its title, address and row; the week's `url` gives all of it, and
`?expand=presentations` gives each week as its detail answer does. Addresses of the nested
objects are left out: with them a page of 100 weeks was about half again as large.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from papers.models import SlideDeck
from presenters.models import Presenter
from syllabus.models import Presentation
from syllabus.serializers import PresentationSerializer, TermSerializer, WeekSerializer


def without_html(fields: list[str]) -> list[str]:
    """A serializer's fields less the HTML renderings of its markdown fields."""
    return [name for name in fields if not name.endswith("_html")]


class PresenterNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = Presenter
        fields = ["id", "name"]


class PresentationInWeekListSerializer(serializers.ModelSerializer):
    """A row in a list of weeks: its paper's title and its presenters' names, with their ids.

    Reads the lists of Week.objects.with_api_summaries."""

    paper = serializers.SerializerMethodField(help_text="Empty for a talk without a paper.")
    presenters = serializers.SerializerMethodField(help_text="In credited order.")

    class Meta:
        model = Presentation
        fields = ["id", "order", "section", "label", "paper", "presenters"]

    # Inline rather than a component: a nullable reference to a component would be an `allOf`
    # without a type, which schema checkers read in different ways.
    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}, "title": {"type": "string"}},
            "required": ["id", "title"],
        }
    )
    def get_paper(self, row: Presentation) -> dict | None:
        return {"id": row.paper_id, "title": row.paper.title} if row.paper_id else None

    @extend_schema_field(PresenterNameSerializer(many=True))
    def get_presenters(self, row: Presentation) -> list[dict]:
        return [{"id": credit.presenter_id, "name": credit.presenter.name} for credit in row.credits]


class SlideDeckInWeekListSerializer(serializers.ModelSerializer):
    """A deck in a list of weeks: where to open it, and its row (null: for the whole session)."""

    href = serializers.SerializerMethodField(help_text="Where to download or open the slides.")

    class Meta:
        model = SlideDeck
        fields = ["id", "title", "href", "presentation"]

    def get_href(self, deck: SlideDeck) -> str:
        return self.context["request"].build_absolute_uri(deck.href)


class WeekInListSerializer(WeekSerializer):
    """A week in a list: its own fields (its body as markdown) and a summary of each row."""

    categories = serializers.SerializerMethodField(help_text="Slugs.")
    tags = serializers.SerializerMethodField(help_text="Names.")
    presentations = PresentationInWeekListSerializer(source="row_list", many=True, read_only=True)
    slide_decks = SlideDeckInWeekListSerializer(source="deck_list", many=True, read_only=True)

    class Meta(WeekSerializer.Meta):
        # The body and intro are the detail's: at about a kilobyte a week they would be a third of the page.
        fields = [name for name in without_html(WeekSerializer.Meta.fields) if name not in ("intro", "body")]

    def get_categories(self, week) -> list[str]:
        return [category.slug for category in week.category_list]

    def get_tags(self, week) -> list[str]:
        return [tag.name for tag in week.tag_list]


class TermInListSerializer(TermSerializer):
    class Meta(TermSerializer.Meta):
        fields = without_html(TermSerializer.Meta.fields)


class PresentationInListSerializer(PresentationSerializer):
    class Meta(PresentationSerializer.Meta):
        fields = without_html(PresentationSerializer.Meta.fields)
