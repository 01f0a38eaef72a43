"""Optimistic concurrency for the API: an ETag on every object answer, `If-Match` on every write.

The ETag is a hash of the object's representation (plus its write-only fields, which a client
cannot see but can overwrite), so it changes whenever the object or anything it embeds changes,
and the answer to a write carries the same ETag as the GET that follows it. A write that sends
`If-Match` locks the row, recomputes the current ETag and is refused with 412 when it differs.
"""

import hashlib
import json

from django.db import transaction
from django.utils.http import parse_etags
from rest_framework import exceptions, status
from rest_framework.fields import SkipField
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from syllabus import services

STALE_MESSAGE = (
    "This {noun} was changed since you read it: your If-Match does not match its current ETag. "
    "Nothing was changed. Read it again (GET), re-apply your change and send the new ETag."
)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self, *, noun: str, etag: str):
        super().__init__({"detail": STALE_MESSAGE.format(noun=noun), "etag": etag})
        self.etag = etag


def serializer_etag(serializer) -> str:
    """A strong ETag for what `serializer` shows of its instance, and what it may write unseen."""
    hidden = {}
    for name, field in serializer.fields.items():
        if field.write_only and serializer.instance is not None:
            try:
                hidden[name] = field.get_attribute(serializer.instance)
            except (AttributeError, KeyError, SkipField):
                continue
    state = {"shown": serializer.data, "hidden": hidden}
    encoded = json.dumps(state, cls=JSONEncoder, sort_keys=True, ensure_ascii=False, default=str)
    return '"' + hashlib.sha256(encoded.encode()).hexdigest()[:32] + '"'


def if_match_passes(header: str, current: str) -> bool:
    """`*` matches any existing object; a weak W/ tag matches by value (compressing proxies weaken ETags)."""
    tags = parse_etags(header)
    return tags == ["*"] or any(tag.removeprefix("W/") == current for tag in tags)


class OptimisticConcurrencyMixin:
    """For a ModelViewSet: ETags on detail, create and update answers; `If-Match` on PUT, PATCH, DELETE."""

    def lock_object(self, obj) -> None:
        """Hold the object's row until the transaction ends. Viewsets of rows that belong to a
        parent lock the parent first, in the order the services lock them, so no two writes deadlock."""
        services.row_lock(row=obj)

    def check_if_match(self) -> None:
        """Inside a transaction: refuse the write with 412 when `If-Match` names another version."""
        header = self.request.headers.get("If-Match")
        if header is None:
            return
        self.lock_object(super().get_object())
        obj = super().get_object()  # read again now that it is locked: another write may have committed
        current = serializer_etag(self.get_serializer(obj))
        if not if_match_passes(header, current):
            raise PreconditionFailed(noun=obj._meta.verbose_name, etag=current)
        self._checked_object = obj

    def checked_object(self):
        """The object as `check_if_match` read it under its lock, or None without If-Match."""
        return getattr(self, "_checked_object", None)

    def get_object(self):
        return self.checked_object() or super().get_object()

    def reload_object(self):
        """The object as the database holds it now (after a write by a custom action)."""
        self._checked_object = None
        return self.get_object()

    def object_response(self, serializer, status_code: int = status.HTTP_200_OK, **kwargs) -> Response:
        response = Response(serializer.data, status=status_code, **kwargs)
        response["ETag"] = serializer_etag(serializer)
        return response

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, PreconditionFailed):
            response["ETag"] = exc.etag
        return response

    def retrieve(self, request, *args, **kwargs):
        return self.object_response(self.get_serializer(self.get_object()))

    def create(self, request, *args, **kwargs):
        # One transaction: services lock parent rows (a week, for a new row of its table) until commit.
        with transaction.atomic():
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            self.perform_create(serializer)
        headers = self.get_success_headers(serializer.data)
        return self.object_response(serializer, status.HTTP_201_CREATED, headers=headers)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            self.check_if_match()
            instance = self.get_object()
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
        if getattr(instance, "_prefetched_objects_cache", None):
            instance._prefetched_objects_cache = {}  # as DRF does: show what was written
        return self.object_response(serializer)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            self.check_if_match()
            self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
