"""History pages in the admin: who changed what and when, the diff between versions, and revert.

django-simple-history's admin, with two changes: a version is reverted only by someone who may
change the object (its form view would otherwise save a POST from anyone who may view it), and the
history list is our template, which obeys the site's CSP and does not build each version's object
(whose name may need queries per version).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from syllabus.history import history_batch, history_reason


class HistoryAdmin(SimpleHistoryAdmin):
    object_history_list_template = "admin/history_list.html"
    history_list_per_page = 50

    # Inline rows and deleted rows (a week's rows go with it) write their history in one insert per
    # table, inside the admin's transaction.
    def save_related(self, request, form, formsets, change):
        with history_batch():
            super().save_related(request, form, formsets, change)

    def delete_model(self, request, obj):
        with history_batch():
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with history_batch():
            super().delete_queryset(request, queryset)

    def history_view(self, request, object_id, extra_context=None):
        _numbers_or_404(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _numbers_or_404(object_id, version_id)
        if request.method == "POST":
            obj = self.get_object(request, object_id)
            if not self.has_change_history_permission(request, obj):
                raise PermissionDenied
            version = self.model.history.filter(
                **{self.model._meta.pk.attname: object_id}, history_id=version_id
            ).first()
            when = f" of {timezone.localtime(version.history_date):%Y-%m-%d %H:%M}" if version else ""
            with history_reason(f"admin: reverted to the version{when}"):
                return super().history_form_view(request, object_id, version_id, extra_context)
        return super().history_form_view(request, object_id, version_id, extra_context)


def _numbers_or_404(*ids) -> None:
    """Tracked rows and their versions have numeric ids: anything else in the address is a 404, not a 500."""
    if not all(str(value).isdigit() for value in ids):
        raise Http404("No such version.")
