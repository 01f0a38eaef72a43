from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.utils.html import format_html

from presenters import photos
from presenters.models import Presenter, PresenterAlias, Reminder
from syllabus.admin_history import HistoryAdmin
from syllabus.admin_versions import EditSnapshotMixin


class PresenterAliasInline(admin.TabularInline):
    model = PresenterAlias
    extra = 1


@admin.register(Presenter)
class PresenterAdmin(EditSnapshotMixin, HistoryAdmin):
    list_display = ["photo_thumbnail", "name", "affiliation", "email"]
    list_display_links = ["photo_thumbnail", "name"]
    search_fields = ["name", "aliases__name", "affiliation", "email"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["photo_preview"]
    fields = ["name", "slug", "affiliation", "homepage", "email", "photo", "photo_preview", "bio"]
    inlines = [PresenterAliasInline]

    class Media:
        css = {"all": ["css/admin_previews.css"]}  # no inline styles under the site's CSP

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "photo":
            # A plain file field: Django's image field would refuse a non-image or an image bomb with
            # its own vague message before the model's validator could say what is wrong.
            kwargs["form_class"] = forms.FileField
            kwargs["widget"] = AdminFileWidget(attrs={"accept": photos.ACCEPT})
            kwargs["help_text"] = photos.help_text()
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="photo")
    def photo_thumbnail(self, presenter: Presenter) -> str:
        return self._img(presenter, presenter.photo, 40)

    @admin.display(description="current photo")
    def photo_preview(self, presenter: Presenter) -> str:
        return self._img(presenter, presenter.photo_small or presenter.photo, 128)

    def _img(self, presenter: Presenter, photo, size: int) -> str:
        if not photo:
            return "—"
        return format_html(
            '<img src="{}" alt="Photo of {}" width="{}" height="{}" class="admin-photo">',
            photo.url,
            presenter.name,
            size,
            size,
        )


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The record of what `manage.py send_reminders` owed and sent: read only, the command writes it."""

    list_display = ["kind", "key", "recipients", "presenter", "created", "sent_at"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter), "created"]
    list_select_related = ["presenter"]
    search_fields = ["key", "recipients", "presenter__name"]
    date_hierarchy = "created"
    fields = ["kind", "key", "presentation", "presenter", "recipients", "created", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
