"""The admin refuses a save made from a stale page, naming what another editor changed meanwhile.

When a change form is rendered it carries a signed snapshot: a short digest of each field of the
object and of each row of its inlines (for a week, its table and slide decks). On save, the object's
row is locked and the snapshot is compared with what the database holds now; if anything differs,
the form gets an error that names the fields and rows, nothing is saved (the other editor's work
stays), and the form is shown again with the user's input. The page shown then carries a snapshot of
the current state, so saving it again, deliberately, applies the user's version.
"""

import datetime
import hashlib
import json

from django import forms
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import models
from django.forms.models import _get_foreign_key
from django.utils import timezone
from django.utils.text import get_text_list

from syllabus import services

SNAPSHOT_FIELD = "_edit_snapshot"
SALT = "syllabus.admin.edit-snapshot"

Digests = dict[str, str]


def digest(value) -> str:
    encoded = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()[:12]


def field_digests(obj: models.Model, names: list[str] | None = None) -> Digests:
    """A digest per editable field of `obj` (many-to-many as the set of related ids)."""
    values = {}
    for field in obj._meta.get_fields():
        if not getattr(field, "editable", False) or field.auto_created or (names and field.name not in names):
            continue
        if field.many_to_many:
            values[field.name] = sorted(related.pk for related in getattr(obj, field.name).all())
        elif field.concrete and not field.primary_key:
            value = field.value_from_object(obj)
            values[field.name] = getattr(value, "name", value)  # a stored file by its name
    return {str(obj._meta.get_field(name).verbose_name): digest(value) for name, value in values.items()}


class EditSnapshotInlineMixin:
    """What a row of an inline contributes to its parent's snapshot; inlines may add form-only fields."""

    def edit_snapshot_extra(self, row) -> dict:
        return {}

    def edit_snapshot_label(self, row) -> str:
        return f"{self.model._meta.verbose_name} “{row}”"


class EditSnapshotMixin:
    """For a ModelAdmin: refuse saves from stale change forms (see the module docstring)."""

    change_form_template = "admin/change_form_edit_snapshot.html"

    # Reading the snapshot

    def edit_snapshot(self, request, obj) -> dict:
        rows = {}
        for inline in self.get_inline_instances(request, obj):
            fk = _get_foreign_key(self.model, inline.model, fk_name=inline.fk_name)
            shown = [
                name for name in inline.get_fields(request, obj) if isinstance(name, str) and name != fk.name
            ]
            hooks = inline if isinstance(inline, EditSnapshotInlineMixin) else EditSnapshotInlineMixin()
            hooks.model = inline.model
            for row in inline.get_queryset(request).filter(**{fk.name: obj}):
                fields = field_digests(row, shown)
                fields.update({name: digest(value) for name, value in hooks.edit_snapshot_extra(row).items()})
                key = f"{inline.model._meta.label_lower}:{row.pk}"
                rows[key] = {"label": hooks.edit_snapshot_label(row), "fields": fields}
        return {"object": f"{obj._meta.label_lower}:{obj.pk}", "fields": field_digests(obj), "rows": rows}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and obj is not None:
            # After a refused save, read again: the page then shows the other editor's version's snapshot,
            # which the user has just been told about.
            current = obj if request.method == "GET" else self.get_queryset(request).get(pk=obj.pk)
            snapshot = {**self.edit_snapshot(request, current), "at": timezone.now().isoformat()}
            context["edit_snapshot"] = signing.dumps(snapshot, salt=SALT, compress=True)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # Checking it on save

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or request.method != "POST" or SNAPSHOT_FIELD not in request.POST:
            return form_class  # an add form, or a form not rendered by this admin (tests, old tabs)
        admin = self

        class StaleEditCheckedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                problem = admin.edit_conflict(request, obj, request.POST[SNAPSHOT_FIELD])
                if problem:
                    raise forms.ValidationError(problem, code="stale")
                return cleaned

        StaleEditCheckedForm.__name__ = form_class.__name__
        return StaleEditCheckedForm

    def edit_conflict(self, request, obj, token: str) -> str | None:
        """Lock the object's row and say what changed since `token` was rendered, or None."""
        try:
            seen = signing.loads(token, salt=SALT)
        except signing.BadSignature:
            return "This form is damaged or was made by another site; nothing was saved. Reload the page."
        if seen.get("object") != f"{obj._meta.label_lower}:{obj.pk}":
            return "This form belongs to another object; nothing was saved. Reload the page."
        services.row_lock(row=obj)
        current_obj = self.get_queryset(request).get(pk=obj.pk)
        current = self.edit_snapshot(request, current_obj)
        changes = describe_changes(seen, current)
        if not changes:
            return None
        who = last_editor(current_obj, since=datetime.datetime.fromisoformat(seen["at"]))
        noun = obj._meta.verbose_name
        return (
            f"Not saved: this {noun} was changed by someone else after you opened this page{who}. "
            f"Changed: {'; '.join(changes)}. Their changes are kept, and your input is still in the form below. "
            f"Compare with the current version (open this page in another tab); saving this form again "
            f"will replace their changes with what is in the form."
        )


def describe_changes(seen: dict, current: dict) -> list[str]:
    """Names of the changed fields, then the changed, added and deleted rows, in words."""
    names = [name for name in current["fields"] if seen["fields"].get(name) != current["fields"][name]]
    changes = [get_text_list(names, "and")] if names else []
    for key, row in current["rows"].items():
        before = seen["rows"].get(key)
        if before is None:
            changes.append(f"{row['label']} added")
        elif before["fields"] != row["fields"]:
            fields = [name for name in row["fields"] if before["fields"].get(name) != row["fields"][name]]
            changes.append(f"{row['label']} changed ({', '.join(fields)})")
    changes += [f"{row['label']} deleted" for key, row in seen["rows"].items() if key not in current["rows"]]
    return changes


def last_editor(obj, *, since: datetime.datetime) -> str:
    """' (by NAME at TIME)' from the admin's history, else the object's own `updated` time, else ''."""
    entry = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk), action_time__gt=since
        )
        .select_related("user")
        .order_by("-action_time")
        .first()
    )
    if entry is not None:
        return f" (by {entry.user.get_username()} at {timezone.localtime(entry.action_time):%Y-%m-%d %H:%M})"
    updated = getattr(obj, "updated", None)
    if isinstance(updated, datetime.datetime) and updated > since:
        return f" (at {timezone.localtime(updated):%Y-%m-%d %H:%M})"
    return ""
