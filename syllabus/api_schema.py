"""Additions to the generated OpenAPI schema: the error answers every operation can give, and the
shapes a list answers in."""

from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# 400 carries field messages: {"field": ["message"], "non_field_errors": [...]}.
VALIDATION_SCHEMA = {"type": "object", "additionalProperties": True}

ERRORS = {
    "400": ("The request is invalid; the body says which field and why.", VALIDATION_SCHEMA),
    "401": ("Authentication is needed (send `Authorization: Token <key>`).", ERROR_SCHEMA),
    "403": ("This token may not do this.", ERROR_SCHEMA),
    "404": ("No such object, or it is not published.", ERROR_SCHEMA),
    "409": ("Conflicts with existing data, or still referred to by other rows.", ERROR_SCHEMA),
    "429": ("Too many requests; retry after the seconds in `Retry-After`.", ERROR_SCHEMA),
    "503": ("The database or the shared cache is unreachable; retry after `Retry-After`.", ERROR_SCHEMA),
}
# Refused before the body is read (syllabus/middleware.py, README "Limits, timeouts and error answers").
BODY_ERRORS = {
    "408": ("The request body stopped arriving before its `Content-Length` was reached.", ERROR_SCHEMA),
    "411": ("A body sent in chunks, without `Content-Length`, is not accepted.", ERROR_SCHEMA),
    "413": ("The `Content-Length` is over this address's limit.", ERROR_SCHEMA),
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the 4xx answers on every operation."""
    for path_name, path in result.get("paths", {}).items():
        for method, operation in path.items():
            responses = operation.setdefault("responses", {})
            if method == "get":
                responses.setdefault(
                    "304", {"description": "Not modified since the ETag in `If-None-Match`."}
                )
            if method in {"put", "patch", "delete"} or (method == "post" and path_name.endswith("}/order/")):
                add_if_match(operation)
            # Answered by the web server (gunicorn) before the request reaches Django.
            responses.setdefault("414", {"description": "The address (with its query) is too long."})
            errors = {**ERRORS, **BODY_ERRORS} if method in {"post", "put", "patch"} else ERRORS
            for status, (description, schema) in errors.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": schema}}}
                )
    return result


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": (
        "The ETag of the version you read (from a GET or the answer to your last write), or `*`. "
        "If the object changed since, nothing is written and the answer is 412. Scripts should send it."
    ),
}
PRECONDITION_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "etag": {"type": "string"}},
    "required": ["detail", "etag"],
}


def add_if_match(operation: dict) -> None:
    """A write that takes If-Match and may answer 412 Precondition Failed."""
    operation.setdefault("parameters", []).append(IF_MATCH)
    operation["responses"].setdefault(
        "412",
        {
            "description": "The object changed since the ETag in `If-Match`; nothing was written. "
            "The body and the `ETag` header give the current ETag.",
            "content": {"application/json": {"schema": PRECONDITION_SCHEMA}},
        },
    )


class AnyOfSerializer(PolymorphicProxySerializer):
    """For the schema only: an answer in one of several shapes that may overlap (a full week also
    has every field of its summary), so `anyOf`, as `oneOf` demands that exactly one matches."""


class AnyOfSerializerExtension(PolymorphicProxySerializerExtension):
    target_class = AnyOfSerializer
    priority = 0

    def map_serializer(self, auto_schema, direction):
        return {"anyOf": [schema for _, schema in self._get_implicit_sub_components(auto_schema, direction)]}


EXPAND_WEEKS = OpenApiParameter(
    "expand",
    OpenApiTypes.STR,
    enum=["presentations"],
    description=(
        "`presentations`: each week as its detail answer shows it (rows with whole papers, their "
        "abstracts in markdown and HTML, links, presenters and slides). Without it, each row shows "
        "its paper's title and presenters' names with their addresses. Any other value is a 400."
    ),
)
