import copy

from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from papers.admin import deck_preview
from papers.models import SlideDeck
from presenters.models import Presenter
from syllabus import readiness, services
from syllabus.admin_forms import (
    PreloadedAutocompleteInlineMixin,
    PresentationInlineForm,
    WeekPresentationFormSet,
    WeekSlideDeckFormSet,
)
from syllabus.admin_versions import EditSnapshotInlineMixin, EditSnapshotMixin
from syllabus.models import Category, Presentation, PresentationPresenter, Tag, Term, Week

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
class TermAdmin(EditSnapshotMixin, admin.ModelAdmin):
    list_display = ["name", "code", "start_date", "end_date", "week_count", "is_published", "readiness_link"]
    list_filter = ["is_published"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start_date"
    inlines = [WeekInline]
    actions = ["publish", "unpublish"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(week_count=Count("weeks"))

    @admin.display(description="weeks", ordering="week_count")
    def week_count(self, term: Term) -> int:
        return term.week_count

    @admin.display(description="readiness")
    def readiness_link(self, term: Term) -> str:
        return format_html(
            '<a href="{}">What is missing</a>', reverse("admin:syllabus_term_readiness", args=[term.pk])
        )

    def get_urls(self):
        readiness_url = path(
            "<path:object_id>/readiness/",
            self.admin_site.admin_view(self.readiness_view),
            name="syllabus_term_readiness",
        )
        return [readiness_url, *super().get_urls()]

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
    fields = ["position", "section", "label", "paper", "speakers", "notes"]
    autocomplete_fields = ["paper"]
    classes = ["compact-rows"]
    extra = 1
    show_change_link = True

    class Media:
        js = ["js/admin_reorder.js", "js/admin_week.js"]
        css = {"all": ["css/admin_reorder.css", "css/admin_week.css"]}

    def get_fieldsets(self, request, obj=None):
        # `fields` stays flat: the edit snapshot (admin_versions.py) reads it.
        return [(None, {"fields": [("position", "section", "label"), ("paper", "speakers", "notes")]})]

    def get_formset(self, request, obj=None, **kwargs):
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
    }

    def lookups(self, request, model_admin):
        return list(self.labels.items())

    def queryset(self, request, queryset):
        lack = self.value()
        return readiness.weeks_lacking(queryset, lack) if lack in self.labels else queryset


def _progress(done: int, total: int) -> str:
    state = "readiness-short" if done < total else "readiness-done"
    return format_html('<span class="{}">{}/{}</span>', state, done, total)


@admin.register(Week)
class WeekAdmin(EditSnapshotMixin, admin.ModelAdmin):
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
    search_fields = ["title", "code", "body", "source_path"]
    date_hierarchy = "date"
    autocomplete_fields = ["term", "categories", "tags"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["created", "updated"]
    fieldsets = [
        (None, {"fields": ["term", "position", "date", "title", "slug", "code", "is_published"]}),
        ("Browsing", {"fields": ["categories", "tags"]}),
        ("Body", {"fields": ["body"]}),
        ("Record", {"fields": ["source_path", "created", "updated"], "classes": ["collapse"]}),
    ]
    inlines = [PresentationInline, SlideDeckInline]
    actions = ["publish", "unpublish"]

    class Media:
        css = {"all": ["css/admin_readiness.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("categories")

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


class PresentationPresenterInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = PresentationPresenter
    fields = ["order", "presenter"]
    autocomplete_fields = ["presenter"]
    extra = 1

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("presenter")


@admin.register(Presentation)
class PresentationAdmin(admin.ModelAdmin):
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
