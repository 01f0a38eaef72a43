"""JSON shapes of terms, weeks, presentations, categories and tags, and what the API shares."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.settings import api_settings

from papers.models import Paper, PaperLink, SlideDeck
from presenters.models import Presenter
from syllabus import services
from syllabus.api_links import ApiUrlField, PageUrlField
from syllabus.models import Category, Presentation, Tag, Term, Week, sees_drafts
from syllabus.text import describe_character, first_forbidden_character

# The most tags, aliases, links, presenters or categories one write may give: enough for any real
# row, and a 100,000-item list is refused before any of it is looked up.
MAX_LIST_ITEMS = 100
TOO_MANY_ITEMS = f"Ensure this field has no more than {MAX_LIST_ITEMS} elements."


# The highest `order` a row may be given; a week's table renumbering needs the rest of the smallint range.
MAX_ROW_ORDER = 10_000


class ModelRulesMixin:
    """Validate with the model's own rules (clean, constraints), so the API refuses what the admin refuses.

    DRF's copies of the unique validators are left out (Meta.validators = []): the model checks
    conditional and case-insensitive constraints that DRF cannot express.
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        concrete = {f.name for f in model._meta.concrete_fields}
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name in concrete:
                setattr(instance, name, value)
        try:
            instance.full_clean()
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else {}
            if not detail:
                detail = {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
            detail = {
                (api_settings.NON_FIELD_ERRORS_KEY if k == "__all__" else k): v for k, v in detail.items()
            }
            raise serializers.ValidationError(detail) from None
        # clean() may normalise values (an arXiv id's prefix) or fill them in (a deck's week).
        for name in concrete & {*attrs, *self._filled_by_clean}:
            attrs[name] = getattr(instance, name)
        return attrs

    _filled_by_clean: tuple[str, ...] = ()


def refuse_long_lists(data) -> None:
    """A list longer than MAX_LIST_ITEMS is refused before any of it is looked up."""
    if isinstance(data, list) and len(data) > MAX_LIST_ITEMS:
        raise serializers.ValidationError(TOO_MANY_ITEMS)


class LimitedManyRelatedField(serializers.ManyRelatedField):
    """A list of related rows (ids, slugs) refused when longer than MAX_LIST_ITEMS, before any lookup."""

    def to_internal_value(self, data):
        refuse_long_lists(data)
        return super().to_internal_value(data)


class LimitedManyMixin:
    """With many=True, the related field becomes a LimitedManyRelatedField."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update({key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS})
        return LimitedManyRelatedField(**list_kwargs)


class LimitedPrimaryKeyRelatedField(LimitedManyMixin, serializers.PrimaryKeyRelatedField):
    pass


class LimitedSlugRelatedField(LimitedManyMixin, serializers.SlugRelatedField):
    pass


class LimitedListSerializer(serializers.ListSerializer):
    """Nested rows (a paper's links) refused when more than MAX_LIST_ITEMS, with the same message as other lists."""

    def to_internal_value(self, data):
        refuse_long_lists(data)
        return super().to_internal_value(data)


class NameListField(serializers.Field):
    """Related rows (tags, aliases) read and written as a plain list of their names."""

    noun = "name"
    max_length = 200
    allow_blank = False

    def to_representation(self, related) -> list[str]:
        return [row.name for row in related.all()]

    def to_internal_value(self, data) -> list[str]:
        refuse_long_lists(data)
        if not isinstance(data, list) or not all(
            isinstance(name, str) and (self.allow_blank or name.strip()) for name in data
        ):
            raise serializers.ValidationError(f"Give a list of {self.noun}s.")
        if any("\x00" in name for name in data):
            raise serializers.ValidationError("Null characters are not allowed.")
        if any(len(name.strip()) > self.max_length for name in data):
            raise serializers.ValidationError(f"A {self.noun} has at most {self.max_length} characters.")
        for name in data:
            if (char := first_forbidden_character(name.strip())) is not None:
                raise serializers.ValidationError(
                    f"A {self.noun} must be a single line: remove the {describe_character(char)} from “{name.strip()}”."
                )
        return data


@extend_schema_field({"type": "array", "items": {"type": "string"}, "maxItems": MAX_LIST_ITEMS})
class TagNamesField(NameListField):
    """Tags as a list of names; unknown names become new tags (matching ignores case)."""

    noun = "tag name"
    max_length = 100
    allow_blank = True  # blank names are skipped by tags_get_or_create


def save_with_relations(serializer, instance: models.Model | None, validated_data: dict, **relations):
    """Create or update `instance` and then its many-to-many relations, in one transaction."""
    pending = {name: validated_data.pop(name) for name in relations if name in validated_data}
    with transaction.atomic():
        if instance is None:
            instance = serializers.ModelSerializer.create(serializer, validated_data)
        else:
            instance = serializers.ModelSerializer.update(serializer, instance, validated_data)
        for name, value in pending.items():
            relations[name](instance, value)
    return instance


def set_tags(instance, names: list[str]) -> None:
    instance.tags.set(services.tags_get_or_create(names=names))


ONLINE_URL_HELP = (
    "A link to join online. null for anonymous readers when it is for signed-in users only; "
    "writing null or an empty string removes it."
)


def online_url_field(**kwargs) -> serializers.URLField:
    """The online link: nullable in answers, where anonymous readers get null when it is restricted."""
    return serializers.URLField(
        max_length=500, allow_blank=True, allow_null=True, required=False, help_text=ONLINE_URL_HELP, **kwargs
    )


def hide_restricted(data: dict, request, *, restricted: bool, fields: tuple[str, ...]) -> dict:
    """Null the online link fields for anonymous readers when the link is for signed-in users only."""
    if restricted and not request.user.is_authenticated:
        for name in fields:
            data[name] = None
    return data


# JSON Schema's "time" format is RFC 3339's full-time, which needs a UTC offset; a meeting time is a
# local wall-clock time (the term's zone says where), so the schema gives its shape instead.
@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
        "example": "16:00:00",
    }
)
class LocalTimeField(serializers.TimeField):
    """A time of day without a zone, e.g. 16:00:00."""


LOCAL_TIMES = {**serializers.ModelSerializer.serializer_field_mapping, models.TimeField: LocalTimeField}


class TermSerializer(ModelRulesMixin, serializers.HyperlinkedModelSerializer):
    serializer_field_mapping = LOCAL_TIMES
    url = ApiUrlField(view_name="api:term-detail")
    html_url = PageUrlField("syllabus:term", ("slug",))
    online_url = online_url_field()
    time_zone = serializers.CharField(
        max_length=64,
        required=False,
        help_text="An IANA name, e.g. Europe/Berlin; default the site's TIME_ZONE.",
    )

    class Meta:
        model = Term
        fields = ["id", "url", "html_url", "slug", "name", "code", "start_date", "end_date", "description"]
        fields += [
            "description_html",
            "is_published",
            "weekday",
            "start_time",
            "duration_minutes",
            "time_zone",
        ]
        fields += ["place", "online_url", "online_url_private", "slides_due_days", "reminder_days"]
        read_only_fields = ["description_html"]
        extra_kwargs = {"slug": {"required": False}}
        validators = []

    def validate_online_url(self, value: str | None) -> str:
        return value or ""

    def to_representation(self, term: Term) -> dict:
        data = super().to_representation(term)
        return hide_restricted(
            data, self.context["request"], restricted=term.online_url_private, fields=("online_url",)
        )

    def update(self, instance, validated_data):
        with transaction.atomic():
            term = super().update(instance, validated_data)
            services.term_refresh_week_times(term=term)
        return term


class CategorySerializer(ModelRulesMixin, serializers.ModelSerializer):
    url = ApiUrlField(view_name="api:category-detail")
    html_url = PageUrlField("syllabus:category", ("slug",))

    class Meta:
        model = Category
        fields = ["id", "url", "html_url", "slug", "name", "description", "order"]
        extra_kwargs = {"slug": {"required": False}}
        validators = []


class TagSerializer(ModelRulesMixin, serializers.ModelSerializer):
    url = ApiUrlField(view_name="api:tag-detail")
    html_url = PageUrlField("syllabus:tag", ("slug",))

    class Meta:
        model = Tag
        fields = ["id", "url", "html_url", "slug", "name"]
        extra_kwargs = {"slug": {"required": False}}
        validators = []


class PresenterSummarySerializer(serializers.ModelSerializer):
    url = ApiUrlField(view_name="api:presenter-detail")
    html_url = PageUrlField("presenters:detail", ("slug",))

    class Meta:
        model = Presenter
        fields = ["id", "url", "html_url", "slug", "name"]


class PaperLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaperLink
        fields = ["kind", "label", "url"]
        list_serializer_class = LimitedListSerializer


class PaperInRowSerializer(serializers.ModelSerializer):
    url = ApiUrlField(view_name="api:paper-detail")
    html_url = PageUrlField("papers:detail", ("slug",))
    links = PaperLinkSerializer(many=True, read_only=True)

    class Meta:
        model = Paper
        fields = ["id", "url", "html_url", "slug", "title", "authors", "venue", "year", "arxiv_id", "doi"]
        fields += ["abstract", "abstract_html", "links"]


class SlideDeckSummarySerializer(serializers.ModelSerializer):
    url = ApiUrlField(view_name="api:slidedeck-detail")
    href = serializers.SerializerMethodField(help_text="Where to download or open the slides.")

    class Meta:
        model = SlideDeck
        fields = ["id", "url", "title", "href", "presenter", "presentation", "page_count"]

    def get_href(self, deck: SlideDeck) -> str:
        return self.context["request"].build_absolute_uri(deck.href)


class PresentationInWeekSerializer(serializers.ModelSerializer):
    """A row as it appears inside its week: paper, presenters and slides embedded."""

    url = ApiUrlField(view_name="api:presentation-detail")
    paper = PaperInRowSerializer(
        read_only=True, allow_null=True, help_text="Empty for a talk without a paper."
    )
    presenters = PresenterSummarySerializer(source="ordered_presenters", many=True, read_only=True)
    slide_decks = SlideDeckSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Presentation
        fields = ["id", "url", "order", "section", "label", "paper", "presenters", "slide_decks", "notes"]
        fields += ["notes_html"]


class WeekSerializer(ModelRulesMixin, serializers.ModelSerializer):
    serializer_field_mapping = LOCAL_TIMES
    url = ApiUrlField(view_name="api:week-detail")
    html_url = PageUrlField("syllabus:week", ("term.slug", "slug"))
    categories = LimitedSlugRelatedField(
        slug_field="slug", many=True, required=False, queryset=Category.objects.all()
    )
    tags = TagNamesField(required=False)
    presentations = PresentationInWeekSerializer(many=True, read_only=True)
    slide_decks = SlideDeckSummarySerializer(source="decks", many=True, read_only=True)
    online_url = online_url_field()
    online_url_private = serializers.BooleanField(
        allow_null=True,
        required=False,
        help_text="Whether the online link is for signed-in users only; null: as the term.",
    )
    effective_place = serializers.CharField(read_only=True, help_text="The week's place, else the term's.")
    effective_online_url = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The week's online link, else the term's; null for anonymous readers when restricted.",
    )

    class Meta:
        model = Week
        fields = ["id", "url", "html_url", "term", "position", "code", "title", "slug", "date", "categories"]
        fields += [
            "tags",
            "intro",
            "intro_html",
            "body",
            "body_html",
            "is_published",
            "presentations",
            "slide_decks",
            "created",
        ]
        fields += ["updated", "start_time", "duration_minutes", "place", "online_url", "online_url_private"]
        fields += ["starts_at", "ends_at", "effective_place", "effective_online_url", "uuid"]
        read_only_fields = ["intro_html", "body_html", "created", "updated", "starts_at", "ends_at", "uuid"]
        extra_kwargs = {
            "slug": {"required": False},
            "starts_at": {"help_text": "Start (ISO 8601, UTC); null when no time is known."},
            "ends_at": {"help_text": "End (ISO 8601, UTC); null when no time or duration is known."},
            "uuid": {"help_text": "The session's stable calendar UID."},
        }
        validators = []

    def validate_online_url(self, value: str | None) -> str:
        return value or ""

    def to_representation(self, week: Week) -> dict:
        data = super().to_representation(week)
        return hide_restricted(
            data,
            self.context["request"],
            restricted=week.online_url_is_private,
            fields=("online_url", "effective_online_url"),
        )

    def create(self, validated_data):
        week = save_with_relations(
            self, None, validated_data, categories=lambda w, v: w.categories.set(v), tags=set_tags
        )
        return self._reloaded(week)

    def update(self, instance, validated_data):
        week = save_with_relations(
            self, instance, validated_data, categories=lambda w, v: w.categories.set(v), tags=set_tags
        )
        return self._reloaded(week)

    def _reloaded(self, week: Week) -> Week:
        """The written week with everything the reply embeds, in a fixed number of queries."""
        user = self.context["request"].user
        return Week.objects.with_presentations(public_only=not sees_drafts(user)).get(pk=week.pk)


class PresentationSerializer(ModelRulesMixin, serializers.ModelSerializer):
    url = ApiUrlField(view_name="api:presentation-detail")
    html_url = PageUrlField()
    order = serializers.IntegerField(
        min_value=0,
        # Room above it for renumbering a table (rows move past the highest number first) in a smallint.
        max_value=MAX_ROW_ORDER,
        required=False,
        help_text="Position in the week; omitted: after the last row.",
    )
    presenters = LimitedPrimaryKeyRelatedField(
        source="ordered_presenters",  # reads the prefetched, ordered credits
        many=True,
        required=False,
        queryset=Presenter.objects.all(),
        help_text="Presenter ids, in credited order.",
    )

    class Meta:
        model = Presentation
        fields = [
            "id",
            "url",
            "html_url",
            "week",
            "order",
            "section",
            "label",
            "paper",
            "presenters",
            "notes",
        ]
        fields += ["notes_html"]
        read_only_fields = ["notes_html"]
        validators = []

    def validate(self, attrs):
        week = attrs.get("week") or (self.instance.week if self.instance else None)
        if "order" not in attrs and self.instance is None and week is not None:
            attrs["order"] = services.week_next_order(week=week)  # locks the week until the row is saved
        elif week is not None and {"week", "order"} & attrs.keys():
            services.week_lock(week=week)
        return super().validate(attrs)

    def _presenters(self, presentation, presenters):
        services.presentation_set_presenters(presentation=presentation, presenters=presenters)

    def _moved(self, presentation, presenters):
        services.presentation_moved(presentation=presentation, presenters=presenters)

    def create(self, validated_data):
        return save_with_relations(self, None, validated_data, ordered_presenters=self._presenters)

    def update(self, instance, validated_data):
        # Always run _moved: a row moved to another week takes its slide decks along.
        validated_data.setdefault("ordered_presenters", None)
        return save_with_relations(self, instance, validated_data, ordered_presenters=self._moved)


class WeekOrderSerializer(serializers.Serializer):
    presentations = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**53),
        allow_empty=True,
        max_length=1000,
        help_text="Ids of all the week's rows, in their new order.",
    )


# The most holidays one request may list: more than any term has days.
MAX_SKIP_DATES = 1000


def skip_dates_field(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.DateField(),
        required=False,
        default=list,
        max_length=MAX_SKIP_DATES,
        help_text=help_text,
    )


class TermGenerateWeeksSerializer(serializers.Serializer):
    """What `POST /api/v1/terms/{id}/generate-weeks/` takes (syllabus.scheduling.term_generate_weeks)."""

    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        allow_empty=False,
        max_length=7,
        help_text="Days of the week with a session: 0 = Monday … 6 = Sunday.",
    )
    skip = skip_dates_field("Dates without a session (holidays), YYYY-MM-DD.")


class TermCopySerializer(serializers.Serializer):
    """What `POST /api/v1/terms/{id}/copy/` takes (syllabus.scheduling.term_copy)."""

    name = serializers.CharField(max_length=200, help_text="The new term's name.")
    start = serializers.DateField(help_text="The new term's start; sessions keep their weekdays.")
    skip = skip_dates_field("Holidays of the new term: a session falling on one moves to the next free week.")
    keep_papers = serializers.BooleanField(default=True, help_text="Keep each row's paper.")
    keep_presenters = serializers.BooleanField(default=False, help_text="Keep each row's presenters.")
