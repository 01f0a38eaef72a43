"""Additions to the generated OpenAPI schema: the error answers every operation can give."""

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
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the 4xx answers on every operation."""
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            responses = operation.setdefault("responses", {})
            if method == "get":
                responses.setdefault(
                    "304", {"description": "Not modified since the ETag in `If-None-Match`."}
                )
            # Answered by the web server (gunicorn) before the request reaches Django.
            responses.setdefault("414", {"description": "The address (with its query) is too long."})
            for status, (description, schema) in ERRORS.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": schema}}}
                )
    return result
