from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminFileWidget
from django.template.defaultfilters import pluralize
from django.utils import formats, timezone
from django.utils.html import format_html

from presenters import photos, services, signin
from presenters.models import AbstractProposal, Activity, Presenter, PresenterAlias, Reminder
from syllabus.admin_history import HistoryAdmin
from syllabus.admin_versions import EditSnapshotMixin


class PresenterAliasInline(admin.TabularInline):
    model = PresenterAlias
    extra = 1


@admin.register(Presenter)
class PresenterAdmin(EditSnapshotMixin, HistoryAdmin):
    list_display = ["photo_thumbnail", "name", "affiliation", "email", "has_account", "last_sign_in"]
    list_display_links = ["photo_thumbnail", "name"]
    list_select_related = ["user"]
    search_fields = ["name", "aliases__name", "affiliation", "email"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["photo_preview", "account", "last_sign_in"]
    fields = [
        "name",
        "slug",
        "affiliation",
        "homepage",
        "email",
        "photo",
        "photo_preview",
        "bio",
        "account",
        "last_sign_in",
    ]
    inlines = [PresenterAliasInline]
    actions = ["invite"]

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

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    @admin.display(description="account", boolean=True)
    def has_account(self, presenter: Presenter) -> bool:
        return presenter.user_id is not None

    @admin.display(description="account")
    def account(self, presenter: Presenter) -> str:
        if presenter.user is None:
            return "None yet: invite them (action “Invite selected presenters by email”) to make one."
        user = presenter.user
        if signin.signs_in_with_password(user):
            return (
                f"{user.get_username()} (an instructor's or editor's account: it signs in with its password, "
                "never by link; inviting the presenter again unlinks it)"
            )
        return f"{user.get_username()}{'' if user.is_active else ' (deactivated)'}"

    @admin.display(description="last signed in")
    def last_sign_in(self, presenter: Presenter) -> str:
        if presenter.user is None or presenter.user.last_login is None:
            return "—"
        return formats.date_format(timezone.localtime(presenter.user.last_login), "DATETIME_FORMAT")

    @admin.action(description="Invite selected presenters by email", permissions=["change"])
    def invite(self, request, queryset):
        report_invitations(
            request, signin.presenters_invite(presenters=queryset, base_url=request.build_absolute_uri("/"))
        )

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


def report_invitations(request, outcomes: dict) -> None:
    """One admin message per outcome, naming the presenters: sent ones as success, others as warnings."""
    for outcome in signin.Invited:
        presenters = outcomes.get(outcome)
        if not presenters:
            continue
        names = ", ".join(presenter.name for presenter in presenters)
        if outcome is signin.Invited.SENT:
            count = len(presenters)
            messages.success(request, f"{count} presenter{'' if count == 1 else 's'} invited: {names}.")
        else:
            messages.warning(request, f"Not invited: {names} — {outcome.value}.")


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


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """What presenters changed from their own pages; a record, read only (it is written by the pages)."""

    list_display = ["created", "presenter", "action", "detail", "presentation", "user"]
    list_filter = ["action", "presenter"]
    list_select_related = ["presenter", "presentation__week", "presentation__paper", "user"]
    search_fields = ["presenter__name", "detail", "presentation__week__title", "presentation__paper__title"]
    date_hierarchy = "created"
    readonly_fields = ["created", "presenter", "user", "presentation", "action", "detail"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AbstractProposal)
class AbstractProposalAdmin(admin.ModelAdmin):
    """Abstracts presenters proposed for papers without one: accept (it becomes the paper's abstract if
    the paper still has none) or reject, from the list's actions."""

    list_display = ["paper", "presenter", "status", "created", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["paper", "presenter", "decided_by"]
    search_fields = ["paper__title", "presenter__name", "text"]
    readonly_fields = ["paper", "presenter", "text", "status", "created", "decided_by", "decided_at"]
    fields = readonly_fields
    actions = ["accept", "reject"]

    def has_add_permission(self, request):
        return False  # proposed by presenters from their own pages

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("presenters.change_abstractproposal") and request.user.has_perm(
            "papers.change_paper"
        )

    @admin.action(description="Accept: make it the paper's abstract", permissions=["decide"])
    def accept(self, request, queryset):
        result = services.abstract_proposals_decide(proposals=queryset, accept=True, user=request.user)
        self.message_user(
            request,
            f"Accepted {result.decided} proposal{pluralize(result.decided)}; "
            f"{result.written} abstract{pluralize(result.written)} written.",
            messages.SUCCESS,
        )
        if result.left:
            self.message_user(
                request,
                f"{result.left} left pending: the paper has an abstract already (reject it, or edit the paper).",
                messages.WARNING,
            )

    @admin.action(description="Reject", permissions=["decide"])
    def reject(self, request, queryset):
        result = services.abstract_proposals_decide(proposals=queryset, accept=False, user=request.user)
        self.message_user(
            request, f"Rejected {result.decided} proposal{pluralize(result.decided)}.", messages.SUCCESS
        )
