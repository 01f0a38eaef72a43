"""Additions to the generated OpenAPI schema: the error answers every operation can give, the
shapes a list answers in, and the rules that keep the schema usable by generated clients (one request
content type per operation, a summary on each, a null option spelled out)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import get_view_model
from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer
from rest_framework.permissions import SAFE_METHODS

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


JSON = "application/json"
MULTIPART = "multipart/form-data"
# Operations of a model viewset, named as a reader would; a custom action names its own summary.
ACTION_SUMMARIES = {
    "list": "List {plural}",
    "create": "Add a {name}",
    "retrieve": "Read a {name}",
    "update": "Replace a {name}",
    "partial_update": "Change some fields of a {name}",
    "destroy": "Delete a {name}",
}


class SeminarAutoSchema(AutoSchema):
    """drf-spectacular's schema of a view, with a summary on every operation and, for a custom action
    taking one method, an operationId without the method (`terms_copy`, not `terms_copy_create`)."""

    def get_summary(self) -> str:
        if summary := super().get_summary():
            return summary
        action = getattr(self.view, "action", None)
        model = get_view_model(self.view, emit_warnings=False)
        if model is not None and action in ACTION_SUMMARIES:
            meta = model._meta
            return ACTION_SUMMARIES[action].format(name=meta.verbose_name, plural=meta.verbose_name_plural)
        # Not a model's usual operation: the first line of its docstring, else its name.
        if line := next(iter(self.get_description().strip().splitlines()), "").rstrip("."):
            return line if len(line) <= 80 else line[:79].rsplit(" ", 1)[0] + "…"
        return f"{self.method} {self.path}"

    def get_auth(self) -> list[dict]:
        """Reads that anonymous clients may make say so (`{}`), as drf-spectacular does for AllowAny:
        DRF's model permissions with `authenticated_users_only = False` let anyone read."""
        auths = super().get_auth()
        anyone_reads = any(
            getattr(permission, "authenticated_users_only", True) is False
            for permission in self.view.get_permissions()
        )
        if anyone_reads and self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def get_operation_id(self) -> str:
        operation_id = super().get_operation_id()
        action = getattr(self.view, "action", None)
        handler = getattr(self.view, action, None) if action else None
        if len(getattr(handler, "mapping", ())) == 1:
            return operation_id.removesuffix("_" + self.method_mapping[self.method.lower()])
        return operation_id


def one_request_content_type(result, generator, request, public):
    """drf-spectacular postprocessing hook: each request body in one content type, multipart where it
    carries a file and JSON otherwise.

    DRF offers a body in every content type its parsers read, with one schema. Generated clients then
    cannot tell the types apart (openapi-python-client writes functions that do not import), and a
    form cannot carry a paper's nested links anyway."""
    schemas = result.get("components", {}).get("schemas", {})
    for path in result.get("paths", {}).values():
        for operation in path.values():
            content = operation.get("requestBody", {}).get("content", {})
            if len(content) < 2:
                continue
            wanted = (
                MULTIPART if any(carries_file(body["schema"], schemas) for body in content.values()) else JSON
            )
            if wanted not in content:
                raise ValueError(f"{operation['operationId']} cannot take {wanted}; check its parsers.")
            operation["requestBody"]["content"] = {wanted: content[wanted]}
    return result


def carries_file(schema: dict, schemas: dict) -> bool:
    """Whether a request body's schema has a binary (file) field, looking through references."""
    if ref := schema.get("$ref"):
        schema = schemas[ref.rsplit("/", 1)[-1]]
    return any(field.get("format") == "binary" for field in schema.get("properties", {}).values())


NULL_COMPONENT = "NullEnum"  # drf-spectacular's own name for the null of a nullable choice
NULL_REF = {"$ref": f"#/components/schemas/{NULL_COMPONENT}"}


def explicit_null(result, generator, request, public):
    """drf-spectacular postprocessing hook: a nullable reference or union names null as one of its
    options (`oneOf: [$ref, NullEnum]`) instead of `nullable: true` beside an `allOf` or `oneOf`.

    OpenAPI 3.0 gives `nullable` a meaning only next to a `type`; tools differ on what it does next to a
    bare reference, so the null is spelled out as drf-spectacular already does for nullable choices."""
    found = False
    pending = [result]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        pending.extend(node.values())
        if node.get("nullable") and "type" not in node and ({"allOf", "oneOf", "anyOf"} & node.keys()):
            del node["nullable"]
            if "allOf" in node:  # all of them, or null
                parts = node.pop("allOf")
                node["oneOf"] = [parts[0] if len(parts) == 1 else {"allOf": parts}, NULL_REF]
            else:
                union = "oneOf" if "oneOf" in node else "anyOf"
                node[union] = [*node[union], NULL_REF] if NULL_REF not in node[union] else node[union]
            found = True
    if found:
        result.setdefault("components", {}).setdefault("schemas", {}).setdefault(
            NULL_COMPONENT, {"enum": [None]}
        )
    return result
