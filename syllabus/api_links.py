"""Absolute addresses in API answers, from one reverse() per route and request.

A list of 100 weeks shows thousands of addresses (each week's, row's, paper's, presenter's and
deck's, in the API and on the public site). Resolving each with reverse() cost most of the time
of building the answer; instead each route is reversed once per request with placeholders, and
each object's address is that template with its ids or slugs put in. The output is the same:
the values are ids and slugs, which the routes' patterns (int, slug, DRF's `[^/.]+`) only match
when they hold nothing that reverse() would escape.
"""

from operator import attrgetter

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse as api_reverse

# Matches the slug and int converters and DRF's lookup pattern, and is found in no route's fixed text.
PLACEHOLDER = "__syllabus_arg{}__"


def _split(address: str, count: int) -> tuple[str, ...]:
    """The address around its placeholders: count + 1 fixed parts."""
    parts = []
    for number in range(count):
        before, address = address.split(PLACEHOLDER.format(number), 1)
        parts.append(before)
    return (*parts, address)


def _templates(request) -> dict:
    templates = getattr(request, "_address_templates", None)
    if templates is None:
        templates = request._address_templates = {}
    return templates


def _fill(parts: tuple[str, ...], values) -> str:
    pieces = [parts[0]]
    for value, after in zip(values, parts[1:], strict=True):
        pieces.append(str(value))
        pieces.append(after)
    return "".join(pieces)


def page_address(request, route: str, *args) -> str:
    """request.build_absolute_uri(reverse(route, args=args)), reversing `route` once per request."""
    key = ("page", route, len(args))
    parts = _templates(request).get(key)
    if parts is None:
        placeholders = [PLACEHOLDER.format(number) for number in range(len(args))]
        template = request.build_absolute_uri(reverse(route, args=placeholders))
        parts = _templates(request)[key] = _split(template, len(args))
    return _fill(parts, args)


def api_address(request, view_name: str, pk, format: str | None = None) -> str:
    """What DRF's reverse() gives for an object's API address, reversing `view_name` once per request."""
    key = ("api", view_name, format)
    parts = _templates(request).get(key)
    if parts is None:
        template = api_reverse(
            view_name, kwargs={"pk": PLACEHOLDER.format(0)}, request=request, format=format
        )
        parts = _templates(request)[key] = _split(template, 1)
    return _fill(parts, (pk,))


class ApiUrlField(serializers.HyperlinkedIdentityField):
    """The object's API address (as HyperlinkedIdentityField gives it), without a reverse() per object."""

    def get_url(self, obj, view_name, request, format):
        if obj.pk is None:
            return None
        return api_address(request, view_name, obj.pk, format)


class PageUrlField(serializers.Field):
    """The absolute address of the object's public page.

    With `route` and `args` (attribute paths such as "term.slug", as the model's get_absolute_url
    passes them to reverse()), the address is built from the route's template; without them, from
    get_absolute_url().
    """

    def __init__(self, route: str | None = None, args: tuple[str, ...] = (), **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)
        self.route = route
        self.args = [attrgetter(path) for path in args]

    def to_representation(self, obj) -> str:
        request = self.context["request"]
        if self.route is None:
            return request.build_absolute_uri(obj.get_absolute_url())
        return page_address(request, self.route, *(arg(obj) for arg in self.args))


extend_schema_field(OpenApiTypes.URI)(PageUrlField)
