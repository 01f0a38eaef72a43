import json

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html

from papers.admin_forms import PaperAdminForm
from papers.duplicates import paper_readings, papers_matching
from papers.merging import papers_merge, papers_merge_plan
from papers.models import Paper, PaperLink, SlideDeck
from syllabus.admin_versions import EditSnapshotMixin


class PaperLinkInline(admin.TabularInline):
    model = PaperLink
    fields = ["order", "kind", "label", "url"]
    extra = 1


def deck_preview(deck: SlideDeck) -> str:
    """The deck's thumbnail (or the placeholder for a file without one), for the admin."""
    if not deck.file:
        return "—"
    source = deck.thumbnail.url if deck.thumbnail else static("img/slides-placeholder.svg")
    pages = f"{deck.page_count} page{pluralize(deck.page_count)}" if deck.page_count else "no preview"
    return format_html('<img src="{}" alt="" width="160" class="admin-preview"> {}', source, pages)


def _to_field(params) -> str:
    """The field a popup's select is keyed by: only the paper's id or slug, whatever was asked."""
    asked = params.get(TO_FIELD_VAR)
    return asked if asked in {"id", "slug"} else "id"


@admin.register(Paper)
class PaperAdmin(EditSnapshotMixin, admin.ModelAdmin):
    form = PaperAdminForm
    change_form_template = "admin/papers/paper/change_form.html"
    list_display = ["title", "authors_short", "venue", "year", "arxiv_id", "doi"]
    list_filter = ["year", "tags"]
    search_fields = ["title", "authors", "arxiv_id", "doi", "venue"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags"]
    readonly_fields = ["created", "updated"]
    fields = [
        "title",
        "slug",
        "authors",
        "venue",
        "year",
        "arxiv_id",
        "doi",
        "tags",
        "abstract",
        "created",
        "updated",
    ]
    inlines = [PaperLinkInline]
    actions = ["merge_papers"]

    class Media:
        css = {"all": ["css/admin_papers.css"]}

    @admin.display(description="authors", ordering="authors")
    def authors_short(self, paper: Paper) -> str:
        return paper.authors if len(paper.authors) <= 60 else paper.authors[:57] + "..."

    # Papers already known

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if obj is not None and not form.is_bound:
            # An existing paper's page says which other papers look like it (to open or merge).
            form.duplicates = papers_matching(
                title=obj.title,
                arxiv_id=obj.arxiv_id,
                doi=obj.doi,
                urls=obj.links.values_list("url", flat=True),
                exclude_pk=obj.pk,
            )
            form.readings = paper_readings(paper_ids=[match.paper.pk for match in form.duplicates])
        context["popup_query"] = self._popup_query(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _popup_query(self, request) -> str:
        """`?_popup=1&_to_field=...` when the form is a week row's "+" popup, for "use this paper"."""
        params = request.POST if request.method == "POST" else request.GET
        if IS_POPUP_VAR not in params:
            return ""
        return f"?{IS_POPUP_VAR}=1&{TO_FIELD_VAR}={_to_field(params)}"

    def get_urls(self):
        use = self.admin_site.admin_view(self.use_paper_view)
        return [path("<int:pk>/use/", use, name="papers_paper_use"), *super().get_urls()]

    def use_paper_view(self, request, pk: int):
        """From a row's "+" popup: choose this existing paper in the row instead of adding a new one."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        paper = get_object_or_404(Paper, pk=pk)
        data = {"value": str(paper.serializable_value(_to_field(request.GET))), "obj": str(paper)}
        return TemplateResponse(
            request, "admin/popup_response.html", {"popup_response_data": json.dumps(data)}
        )

    # Merging duplicates

    def has_merge_permission(self, request) -> bool:
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description="Merge selected papers", permissions=["merge"])
    def merge_papers(self, request, queryset):
        """Ask which paper to keep, show what would move, and merge once confirmed."""
        papers = list(queryset.annotate(times_read=Count("presentations")).order_by("pk"))
        if len(papers) < 2:
            self.message_user(request, "Select two or more papers to merge.", messages.WARNING)
            return None
        chosen = request.POST.get("keep")
        keep = next((paper for paper in papers if str(paper.pk) == chosen), None)
        if keep is None:  # first visit: the paper read most often is the likely one to keep
            keep = max(papers, key=lambda paper: (paper.times_read, -paper.pk))
        others = [paper for paper in papers if paper.pk != keep.pk]
        if request.POST.get("confirm") and request.POST.get("summarised") == str(keep.pk):
            try:
                kept = papers_merge(keep=keep, others=others)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            self.message_user(
                request, f"Merged {len(others) + 1} papers into “{kept.title}”.", messages.SUCCESS
            )
            return None
        readings = paper_readings(paper_ids=[paper.pk for paper in papers])
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge papers",
            "opts": self.model._meta,
            "papers": [(paper, readings.get(paper.pk, [])) for paper in papers],
            "keep": keep,
            "plan": papers_merge_plan(keep=keep, others=others),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "action": "merge_papers",
        }
        return TemplateResponse(request, "admin/papers/paper/merge.html", context)


@admin.register(PaperLink)
class PaperLinkAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "url", "paper"]
    list_filter = ["kind"]
    list_select_related = ["paper"]
    search_fields = ["url", "label", "paper__title"]
    autocomplete_fields = ["paper"]


@admin.register(SlideDeck)
class SlideDeckAdmin(EditSnapshotMixin, admin.ModelAdmin):
    list_display = ["__str__", "week", "presentation", "presenter", "source", "is_public"]
    list_filter = ["is_public", "week__term"]
    list_select_related = ["week", "presentation__week", "presentation__paper", "presenter"]
    search_fields = ["title", "url", "file", "week__title", "presenter__name"]
    autocomplete_fields = ["week", "presentation", "presenter"]
    readonly_fields = ["preview", "page_count", "source_path", "created", "updated"]
    fields = [
        "title",
        "file",
        "preview",
        "url",
        "week",
        "presentation",
        "presenter",
        "is_public",
        "page_count",
        "source_path",
        "created",
        "updated",
    ]

    class Media:
        css = {"all": ["css/admin_previews.css"]}  # no inline styles under the site's CSP

    @admin.display(description="first page")
    def preview(self, deck: SlideDeck) -> str:
        return deck_preview(deck)

    @admin.display(description="kind")
    def source(self, deck: SlideDeck) -> str:
        return "file" if deck.file else "link"
