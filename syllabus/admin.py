import copy

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from papers.admin import deck_preview
from papers.duplicates import paper_readings, papers_read_again, readings_summary
from papers.models import SlideDeck
from presenters import signin
from presenters.admin import report_invitations
from presenters.models import Presenter
from syllabus import readiness, scheduling, services
from syllabus.admin_forms import (
    CopyTermForm,
    GenerateWeeksForm,
    PreloadedAutocompleteInlineMixin,
    PresentationInlineForm,
    WeekPresentationFormSet,
    WeekSlideDeckFormSet,
)
from syllabus.admin_history import HistoryAdmin
from syllabus.admin_versions import EditSnapshotInlineMixin, EditSnapshotMixin
from syllabus.exports.admin import ReadingListImportAdminMixin
from syllabus.models import Category, Presentation, PresentationPresenter, Tag, Term, Week
from syllabus.signup import services as signup_services

admin.site.site_header = "Syllabus administration"
admin.site.site_title = "Syllabus admin"
admin.site.index_title = "Seminar data"


def _report(request, changed: int, noun: str, verb: str) -> None:
    messages.success(request, f"{changed} {noun}{'' if changed == 1 else 's'} {verb}.")


class WeekInline(admin.TabularInline):
    model = Week
    fields = ["position", "date", "title", "code", "is_published"]
    extra = 0
    show_change_link = True


@admin.register(Term)
class TermAdmin(ReadingListImportAdminMixin, EditSnapshotMixin, HistoryAdmin):
    list_display = ["name", "code", "start_date", "end_date", "week_count", "is_published", "readiness_link"]
    list_filter = ["is_published"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start_date"
    fieldsets = [
        (None, {"fields": ["name", "slug", "code", "start_date", "end_date", "description", "is_published"]}),
        (
            "Meeting",
            {
                "fields": [
                    "weekday",
                    ("start_time", "duration_minutes"),
                    "time_zone",
                    "place",
                    "online_url",
                    "online_url_private",
                ],
                "description": "The usual time and place of the sessions; each week may change them.",
            },
        ),
        (
            "Presenters",
            {
                "fields": ["slides_due_days", "reminder_days"],
                "description": "When slides are due, and when presenters are reminded by email "
                "(manage.py send_reminders).",
            },
        ),
    ]
    inlines = [WeekInline]
    actions = ["publish", "unpublish", "copy_forward"]
    change_form_template = "admin/syllabus/term/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(week_count=Count("weeks"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            services.term_refresh_week_times(term=obj)

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/generate-sessions/",
                self.admin_site.admin_view(self.generate_weeks_view),
                name="syllabus_term_generate_weeks",
            ),
            path(
                "<path:object_id>/copy/",
                self.admin_site.admin_view(self.copy_view),
                name="syllabus_term_copy",
            ),
            path(
                "<path:object_id>/readiness/",
                self.admin_site.admin_view(self.readiness_view),
                name="syllabus_term_readiness",
            ),
        ]
        return own + super().get_urls()  # before the catch-all "<path:object_id>/" of the change page

    def has_generate_weeks_permission(self, request, term: Term | None = None) -> bool:
        return self.has_change_permission(request, term) and request.user.has_perm("syllabus.add_week")

    def has_copy_permission(self, request, term: Term | None = None) -> bool:
        return request.user.has_perms(
            ["syllabus.add_term", "syllabus.add_week"]
        ) and self.has_view_permission(request, term)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        term = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_generate_weeks": term is not None and self.has_generate_weeks_permission(request, term),
            "can_copy": term is not None and self.has_copy_permission(request, term),
            "can_import_reading_list": term is not None
            and self.has_import_reading_list_permission(request, term),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="weeks", ordering="week_count")
    def week_count(self, term: Term) -> int:
        return term.week_count

    @admin.display(description="readiness")
    def readiness_link(self, term: Term) -> str:
        return format_html(
            '<a href="{}">What is missing</a>', reverse("admin:syllabus_term_readiness", args=[term.pk])
        )

    def readiness_view(self, request, object_id):
        """Every row of the term's weeks that lacks a presenter, a paper, slides or an abstract."""
        term = self.get_object(request, object_id)
        if term is None:
            raise Http404("No such term.")
        if not self.has_view_permission(request, term):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": term,
            "title": f"What is missing in {term}",
            "weeks": readiness.term_readiness(term=term),
        }
        return TemplateResponse(request, "admin/syllabus/term/readiness.html", context)

    @admin.action(description="Publish selected terms", permissions=["change"])
    def publish(self, request, queryset):
        _report(request, services.terms_set_published(terms=queryset, published=True), "term", "published")

    @admin.action(description="Unpublish selected terms", permissions=["change"])
    def unpublish(self, request, queryset):
        _report(request, services.terms_set_published(terms=queryset, published=False), "term", "unpublished")

    @admin.action(description="Copy the selected term forward…", permissions=["copy"])
    def copy_forward(self, request, queryset):
        chosen = list(queryset.values_list("pk", flat=True)[:2])
        if len(chosen) != 1:
            messages.error(request, "Choose exactly one term to copy forward.")
            return None
        return redirect("admin:syllabus_term_copy", chosen[0])

    def _term_or_404(self, request, object_id) -> Term:
        term = self.get_object(request, object_id)  # None for an unknown or malformed id
        if term is None:
            raise Http404("No such term.")
        return term

    def _page(self, request, term: Term, form, *, title: str, template: str):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": str(term),
            "opts": self.opts,
            "original": term,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, f"admin/syllabus/term/{template}", context)

    def generate_weeks_view(self, request, object_id):
        """Create a term's draft sessions from weekdays and holidays (syllabus.scheduling)."""
        term = self._term_or_404(request, object_id)
        if not self.has_generate_weeks_permission(request, term):
            raise PermissionDenied
        usual_day = {"weekdays": [term.weekday]} if term.weekday is not None else {}  # the term's meeting day
        form = GenerateWeeksForm(request.POST or None, initial=usual_day)
        if request.method == "POST" and form.is_valid():
            try:
                created = scheduling.term_generate_weeks(
                    term=term, weekdays=form.cleaned_data["weekdays"], skip=form.cleaned_data["skip"]
                )
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                if created:
                    dates = ", ".join(f"{week.date:%a %Y-%m-%d}" for week in created)
                    self.log_change(request, term, f"Generated {len(created)} sessions: {dates}.")
                    messages.success(
                        request,
                        f"{len(created)} draft session{'s' if len(created) != 1 else ''} created: {dates}.",
                    )
                else:
                    messages.warning(request, "No session created: each of those dates already has one.")
                return redirect("admin:syllabus_term_change", term.pk)
        return self._page(request, term, form, title="Generate sessions", template="generate_weeks.html")

    def copy_view(self, request, object_id):
        """Copy a term forward into a new draft term (syllabus.scheduling)."""
        term = self._term_or_404(request, object_id)
        if not self.has_copy_permission(request, term):
            raise PermissionDenied
        form = CopyTermForm(request.POST or None, initial={"name": f"{term.name} (copy)"})
        if request.method == "POST" and form.is_valid():
            try:
                new = scheduling.term_copy(term=term, **form.cleaned_data)
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                self.log_addition(request, new, f"Copied forward from “{term}”.")
                count = new.weeks.count()
                messages.success(
                    request,
                    f"“{new}” is a draft copy of “{term}” with {count} session{'s' if count != 1 else ''}, "
                    f"from {new.start_date:%Y-%m-%d} to {new.end_date:%Y-%m-%d}. Check it, then publish it.",
                )
                return redirect("admin:syllabus_term_change", new.pk)
        return self._page(request, term, form, title="Copy term forward", template="copy.html")


def _add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has one, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


class PresentationInline(EditSnapshotInlineMixin, PreloadedAutocompleteInlineMixin, admin.StackedInline):
    """A week's table, one block per row on two lines, so that it fits a laptop's screen."""

    model = Presentation
    form = PresentationInlineForm
    formset = WeekPresentationFormSet
    template = "admin/syllabus/week/presentations_inline.html"  # the stacked inline and the sections list
    fields = ["position", "section", "label", "paper", "read_elsewhere", "speakers", "notes"]
    readonly_fields = ["read_elsewhere"]
    autocomplete_fields = ["paper"]
    classes = ["compact-rows"]
    extra = 1
    show_change_link = True
    readings: dict = {}

    class Media:
        js = ["js/admin_reorder.js", "js/admin_week.js", "js/admin_paper_lookup.js"]
        css = {"all": ["css/admin_reorder.css", "css/admin_week.css", "css/admin_paper_lookup.css"]}

    def get_fieldsets(self, request, obj=None):
        # `fields` stays flat: the edit snapshot (admin_versions.py) reads it.
        return [
            (
                None,
                {
                    "fields": [
                        ("position", "section", "label", "read_elsewhere"),
                        ("paper", "speakers", "notes"),
                    ]
                },
            )
        ]

    def get_formset(self, request, obj=None, **kwargs):
        # Where the rows' papers were read in other weeks, for all rows at once (a fixed number of queries).
        if obj is not None:
            paper_ids = obj.presentations.exclude(paper=None).values_list("paper_id", flat=True)
            self.readings = paper_readings(paper_ids=paper_ids, exclude_week_id=obj.pk)
        formset = super().get_formset(request, obj, **kwargs)
        # The presenters field is the form's own, so the admin does not add its "+" (new presenter) link.
        speakers = copy.deepcopy(formset.form.base_fields["speakers"])
        speakers.widget = RelatedFieldWidgetWrapper(
            speakers.widget,
            Presentation._meta.get_field("presenters").remote_field,
            self.admin_site,
            can_add_related=self.admin_site.get_model_admin(Presenter).has_add_permission(request),
        )
        formset.form.base_fields["speakers"] = speakers
        return formset

    def get_queryset(self, request):
        entries = PresentationPresenter.objects.select_related("presenter")
        return (
            super()
            .get_queryset(request)
            .select_related("week", "paper")
            .prefetch_related(Prefetch("presenter_entries", entries))
        )

    @admin.display(description="also read")
    def read_elsewhere(self, row: Presentation) -> str:
        """The row's paper as read in other weeks: "read in <term, week> by <presenter>; slides"."""
        if not row.paper_id:
            return ""
        return readings_summary(self.readings.get(row.paper_id, []))

    def edit_snapshot_extra(self, row: Presentation) -> dict:
        return {"position": row.order, "presenters": [presenter.pk for presenter in row.ordered_presenters]}

    def edit_snapshot_label(self, row: Presentation) -> str:
        subject = row.paper.title if row.paper_id else row.label or "no paper"
        return f"row {row.order} ({subject})"


class SlideDeckInline(PreloadedAutocompleteInlineMixin, admin.StackedInline):
    """A week's slide decks, stacked like its rows. A new deck starts with its row's paper title and
    first presenter once the row is chosen (js/admin_week.js, WeekSlideDeckFormSet.row_defaults)."""

    model = SlideDeck
    formset = WeekSlideDeckFormSet
    fields = ["preview", "title", "file", "url", "presentation", "presenter", "is_public"]
    readonly_fields = ["preview"]
    autocomplete_fields = ["presenter"]
    classes = ["compact-rows"]
    extra = 0

    class Media:
        css = {"all": ["css/admin_previews.css", "css/admin_week.css"]}  # no inline styles under the CSP

    def get_fieldsets(self, request, obj=None):
        return [
            (
                None,
                {"fields": [("presentation", "title", "presenter"), ("file", "url", "is_public", "preview")]},
            )
        ]

    @admin.display(description="first page")
    def preview(self, deck: SlideDeck) -> str:
        return deck_preview(deck) if deck.pk else ""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("presenter")


class ReadinessChangeList(ChangeList):
    """The week changelist, with each week's counts of rows, presenters, papers, slides and abstracts."""

    def get_queryset(self, request, exclude_parameters=None):
        self.root_queryset = readiness.weeks_with_readiness(self.root_queryset)
        return super().get_queryset(request, exclude_parameters)


class MissingFilter(admin.SimpleListFilter):
    """Weeks with a row that lacks something; the rules are in syllabus/readiness.py."""

    title = "what is missing"
    parameter_name = "missing"
    labels = {
        readiness.SLIDES: "missing slides",
        readiness.PRESENTER: "missing presenter",
        readiness.PAPER: "no paper",
        readiness.ABSTRACT: "missing abstract",
        readiness.OVERDUE: "slides overdue",
    }

    def lookups(self, request, model_admin):
        return list(self.labels.items())

    def queryset(self, request, queryset):
        lack = self.value()
        if lack == readiness.OVERDUE:
            return readiness.weeks_with_overdue_slides(queryset, now=timezone.now())
        return readiness.weeks_lacking(queryset, lack) if lack in self.labels else queryset


def _progress(done: int, total: int) -> str:
    state = "readiness-short" if done < total else "readiness-done"
    return format_html('<span class="{}">{}/{}</span>', state, done, total)


@admin.register(Week)
class WeekAdmin(EditSnapshotMixin, HistoryAdmin):
    list_display = [
        "title",
        "term",
        "date",
        "position",
        "code",
        "category_names",
        "is_published",
        "presenters_done",
        "papers_done",
        "slides_done",
        "abstracts_done",
    ]
    list_display_links = ["title"]
    list_filter = ["term", "is_published", MissingFilter, "categories", "tags"]
    list_select_related = ["term"]
    search_fields = ["title", "code", "intro", "body", "source_path"]
    date_hierarchy = "date"
    autocomplete_fields = ["term", "categories", "tags"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created", "updated", "meeting_when"]
    fieldsets = [
        (None, {"fields": ["term", "position", "date", "title", "slug", "code", "is_published"]}),
        (
            "Meeting",
            {
                "fields": [
                    ("start_time", "duration_minutes"),
                    "place",
                    "online_url",
                    "online_url_private",
                    "meeting_when",
                ],
                "description": "Leave a field empty to use the term's.",
            },
        ),
        ("Browsing", {"fields": ["categories", "tags"]}),
        ("Body", {"fields": ["intro", "body"]}),
        ("Record", {"fields": ["source_path", "created", "updated"], "classes": ["collapse"]}),
    ]
    inlines = [PresentationInline, SlideDeckInline]
    actions = ["publish", "unpublish", "invite_presenters", "open_for_signup"]

    class Media:
        css = {"all": ["css/admin_readiness.css"]}

    def has_invite_permission(self, request) -> bool:
        return request.user.has_perm("presenters.change_presenter")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories")

    @admin.display(description="when")
    def meeting_when(self, week: Week) -> str:
        if not week.pk:
            return "Shown once the week is saved."
        if not week.starts_at:
            return f"{week.when_text}: no time known (the term has none), so an all-day event in calendars."
        return week.when_text

    def get_changelist(self, request, **kwargs):
        return ReadinessChangeList

    @admin.display(description="categories")
    def category_names(self, week: Week) -> str:
        return ", ".join(category.name for category in week.categories.all())

    # Counts from ReadinessChangeList: rows with the thing / rows that should have it.
    @admin.display(description="presenters")
    def presenters_done(self, week: Week) -> str:
        return _progress(week.rows_presented, week.rows_total)

    @admin.display(description="papers")
    def papers_done(self, week: Week) -> str:
        return _progress(week.rows_with_paper, week.rows_total)

    @admin.display(description="slides")
    def slides_done(self, week: Week) -> str:
        return _progress(week.rows_with_slides, week.rows_needing_slides)

    @admin.display(description="abstracts")
    def abstracts_done(self, week: Week) -> str:
        return _progress(week.rows_with_abstract, week.rows_with_paper)

    @admin.action(description="Publish selected weeks", permissions=["change"])
    def publish(self, request, queryset):
        _report(request, services.weeks_set_published(weeks=queryset, published=True), "week", "published")

    @admin.action(description="Unpublish selected weeks", permissions=["change"])
    def unpublish(self, request, queryset):
        _report(request, services.weeks_set_published(weeks=queryset, published=False), "week", "unpublished")

    def has_open_for_signup_permission(self, request) -> bool:
        return request.user.has_perm("syllabus.add_slot")

    @admin.action(description="Open the selected weeks for sign-up", permissions=["open_for_signup"])
    def open_for_signup(self, request, queryset):
        """A slot of one place per week; the capacity is edited on the slots' list."""
        result = signup_services.weeks_open_for_signup(weeks=queryset)
        if result.opened:
            weeks = "; ".join(str(slot.week) for slot in result.opened)
            messages.success(request, f"Opened for sign-up, one place each: {weeks}.")
        if result.without_signup:
            weeks = "; ".join(str(week) for week in result.without_signup)
            messages.warning(request, f"Not opened, their terms have no sign-up: {weeks}.")
        if result.already_open:
            weeks = "; ".join(str(week) for week in result.already_open)
            messages.info(request, f"Already open for sign-up: {weeks}.")

    @admin.action(description="Invite the presenters of the selected weeks", permissions=["invite"])
    def invite_presenters(self, request, queryset):
        presenters = (
            Presenter.objects.filter(presentations__week__in=queryset).distinct().order_by("name", "id")
        )
        if not presenters:
            messages.warning(request, "The selected weeks credit no presenters: nobody was invited.")
            return
        report_invitations(
            request, signin.presenters_invite(presenters=presenters, base_url=request.build_absolute_uri("/"))
        )

    def get_inlines(self, request, obj):
        # Slide decks attach to saved rows of a saved week, so they are added once the week exists.
        return self.inlines if obj else [PresentationInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Presentation:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # fills new_objects/deleted_objects for the change history
        kept = [
            (index, row_form)
            for index, row_form in enumerate(formset.forms)
            if row_form not in formset.deleted_forms and (row_form.instance.pk or row_form.has_changed())
        ]

        def place(item):
            # Rows without a position go last; a position typed now wins a tie with an old one.
            index, row_form = item
            typed = "position" in row_form.changed_data
            return (row_form.cleaned_data.get("position") or float("inf"), not typed, index)

        rows = [
            services.TableRow(
                presentation=row_form.instance,
                presenters=row_form.cleaned_data["speakers"] if "speakers" in row_form.changed_data else None,
            )
            for _, row_form in sorted(kept, key=place)
        ]
        services.week_save_table(week=form.instance, rows=rows, deleted=formset.deleted_objects)
        chosen = {row_form.instance.paper_id for _, row_form in kept if "paper" in row_form.changed_data}
        for row in papers_read_again(week=form.instance, paper_ids=chosen):
            messages.warning(
                request,
                f"“{row.paper.title}” is also read in week {row.week.position} ({row.week.title}) of this term.",
            )


class PresentationPresenterInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = PresentationPresenter
    fields = ["order", "presenter"]
    autocomplete_fields = ["presenter"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("presenter")


@admin.register(Presentation)
class PresentationAdmin(HistoryAdmin):
    list_display = ["__str__", "week", "section", "label", "paper"]
    list_select_related = ["week", "paper"]
    list_filter = ["week__term"]
    ordering = ["-week__date", "order"]
    search_fields = ["week__title", "paper__title", "label", "section"]
    autocomplete_fields = ["paper"]
    readonly_fields = ["week", "order"]
    inlines = [PresentationPresenterInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("week", "paper")  # for __str__ in autocomplete

    def has_add_permission(self, request):
        return False  # rows are added from their week's page, where they are numbered


from syllabus.signup import admin as signup_admin  # noqa: E402, F401  (registers the sign-up's admin)
