"""JSON shape of presenters. Their email can be written by editors but is never shown."""

import operator
from functools import reduce

from django.db import transaction
from django.db.models import Q
from django.utils.functional import lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from presenters import photos
from presenters.models import Presenter, PresenterAlias
from syllabus.api_links import ApiUrlField, PageUrlField
from syllabus.serializers import (
    MAX_LIST_ITEMS,
    ModelRulesMixin,
    NameListField,
    save_with_relations,
)
from syllabus.summaries import without_html


@extend_schema_field(
    {"type": "array", "items": {"type": "string", "maxLength": 200}, "maxItems": MAX_LIST_ITEMS}
)
class AliasNamesField(NameListField):
    def to_internal_value(self, data) -> list[str]:
        names = super().to_internal_value(data)
        # Aliases ignore case: "Bobby" and "bobby" are one alias.
        return list({name.strip().lower(): name.strip() for name in reversed(names)}.values())[::-1]


def replace_aliases(presenter: Presenter, names: list[str]) -> None:
    same_name = reduce(operator.or_, (Q(name__iexact=name) for name in names), Q(pk__in=[]))
    taken = PresenterAlias.objects.exclude(presenter=presenter).filter(same_name)
    if clash := taken.values_list("name", flat=True).first():
        raise serializers.ValidationError({"aliases": [f"“{clash}” already names another presenter."]})
    with transaction.atomic():
        presenter.aliases.exclude(name__in=names).delete()
        for name in names:
            PresenterAlias.objects.get_or_create(presenter=presenter, name=name)


class PresenterSerializer(ModelRulesMixin, serializers.ModelSerializer):
    """A presenter as it is read, and written as JSON; the photo is uploaded on its own address."""

    url = ApiUrlField(view_name="api:presenter-detail")
    html_url = PageUrlField("presenters:detail", ("slug",))
    aliases = AliasNamesField(
        required=False, help_text="Other spellings of the name; replaces all when given."
    )
    photo = serializers.FileField(
        read_only=True,
        help_text="The photo as a 512 px square. Upload one with PUT …/photo/ (multipart), remove it with "
        "DELETE …/photo/.",
    )

    class Meta:
        model = Presenter
        fields = ["id", "url", "html_url", "slug", "name", "affiliation", "homepage", "email", "photo", "bio"]
        fields += ["photo_small", "bio_html", "aliases"]
        read_only_fields = ["photo_small", "bio_html"]
        extra_kwargs = {"slug": {"required": False}, "email": {"write_only": True}}
        validators = []

    def create(self, validated_data):
        return save_with_relations(self, None, validated_data, aliases=replace_aliases)

    def update(self, instance, validated_data):
        return save_with_relations(self, instance, validated_data, aliases=replace_aliases)


class PresenterInListSerializer(PresenterSerializer):
    """A presenter in a list: the bio once, as markdown."""

    class Meta(PresenterSerializer.Meta):
        fields = without_html(PresenterSerializer.Meta.fields)


class PresenterPhotoSerializer(ModelRulesMixin, serializers.ModelSerializer):
    """The body of PUT /api/v1/presenters/{id}/photo/: the photo alone, as multipart."""

    # A plain file field: DRF's image field would refuse a non-image or an image bomb with its own vague
    # message before the model's validator (presenters.photos) could say what is wrong.
    photo = serializers.FileField(help_text=lazy(photos.help_text, str)())

    class Meta:
        model = Presenter
        fields = ["photo"]
        validators = []
