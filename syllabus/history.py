"""Who changed what and when: the historical tables of django-simple-history, written in bulk.

Every tracked model (terms, weeks, rows and their presenters, papers and their links, presenters,
slide decks) declares `history = TrackedHistory(excluded_fields=...)`. A save or delete writes one
historical row with the user of the request (HistoryRequestMiddleware; for the API, the token's
user) and a change reason: "admin", "API", or what a command set with `history_reason(...)`.

Stored files and derived columns stay out: a replaced file is deleted from storage, so a version
naming it could not be restored (a revert keeps the current files), and HTML is rendered again from
the markdown on save. Many-to-many fields (a week's categories and tags) are not versioned either.

Writes of many rows (an import, a table saved, a bulk publish) run inside `history_batch()`: the
historical rows are collected and inserted in one statement per model when the batch ends, so that
history adds a fixed number of queries however many rows change. Bulk writes that send no signals
(`bulk_create`, `bulk_update`, `QuerySet.update`) record their rows with `history_record`. Other
per-row follow-ups may wait for the batch's end too (`batch_defer`), to run once for all its rows.
"""

import contextlib
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import get_change_reason_from_object

ADDED, CHANGED, DELETED = "+", "~", "-"

_reason: ContextVar[str] = ContextVar("history_reason", default="")
_batch: ContextVar["Batch | None"] = ContextVar("history_batch", default=None)
_trackers: dict[type[models.Model], "TrackedHistory"] = {}


@contextlib.contextmanager
def history_reason(reason: str) -> Iterator[None]:
    """Give `reason` to the history written in this block (unless a row carries its own `_change_reason`)."""
    token = _reason.set(reason)
    try:
        yield
    finally:
        _reason.reset(token)


def reason_now() -> str:
    """The reason set by `history_reason`, else where the current request came through."""
    if reason := _reason.get():
        return reason
    request = getattr(HistoricalRecords.context, "request", None)
    match = getattr(request, "resolver_match", None)
    namespace = match.namespace if match else ""
    if namespace == "admin":
        return "admin"
    if namespace.startswith("api"):
        return "API"
    if namespace == "account":
        return "presenter's page"
    return ""


@dataclass
class Batch:
    rows: dict[type[models.Model], list[models.Model]] = field(default_factory=lambda: defaultdict(list))
    deferred: dict[Callable, set] = field(default_factory=lambda: defaultdict(set))

    def write(self) -> None:
        while self.deferred:  # a deferred call may defer more (it runs with no batch open)
            function, items = self.deferred.popitem()
            if items:
                function(items)
        for history_model, rows in self.rows.items():
            history_model.objects.bulk_create(rows)
        self.rows.clear()


@contextlib.contextmanager
def history_batch() -> Iterator[None]:
    """Collect the history written in this block and insert it in one statement per model at its end.

    Nested batches join the outermost one. Use it inside the block's transaction, so that a rollback
    takes the history with the rows; nothing is written if the block raises.
    """
    if _batch.get() is not None:
        yield
        return
    batch = Batch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    batch.write()


def batch_defer(function: Callable[[set], None], items: Iterable[Hashable]) -> None:
    """Call `function` with the set of `items` now, or once at the end of the open `history_batch`
    with every item deferred to it in the batch (still inside the batch's transaction)."""
    items = set(items)
    batch = _batch.get()
    if batch is None:
        if items:
            function(items)
    elif items:
        batch.deferred[function].update(items)


class TrackedHistory(HistoricalRecords):
    """HistoricalRecords that joins an open `history_batch` and fills in the change reason."""

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        if sender is self.cls:
            _trackers[sender] = self
            # Read once: each read of `Model.history` builds a new manager class.
            self.history_model = getattr(sender, self.manager_name).model

    def get_change_reason_for_object(self, instance, history_type, using):
        return get_change_reason_from_object(instance) or reason_now()

    def create_historical_record(self, instance, history_type, using=None):
        batch = _batch.get()
        if batch is None:
            return super().create_historical_record(instance, history_type, using=using)
        row = historical_row(
            self.history_model,
            instance,
            history_type,
            user=self.get_history_user(instance),
            reason=self.get_change_reason_for_object(instance, history_type, using),
        )
        batch.rows[type(row)].append(row)
        return None


def historical_row(
    history_model: type[models.Model], instance: models.Model, history_type: str, *, user, reason: str
) -> models.Model:
    """An unsaved row of `history_model` holding `instance` as it is now."""
    return history_model(
        history_date=getattr(instance, "_history_date", None) or timezone.now(),
        history_type=history_type,
        history_user=user,
        history_change_reason=reason,
        **{tracked.attname: getattr(instance, tracked.attname) for tracked in history_model.tracked_fields},
    )


def history_record(*, rows: Iterable[models.Model], history_type: str = CHANGED) -> None:
    """Record saved `rows` (bulk_create'd, bulk_update'd, or changed by `QuerySet.update` and read
    again): into the open batch, else in one insert per model."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    with history_batch():
        for row in rows:
            _trackers[type(row)].create_historical_record(row, history_type)
