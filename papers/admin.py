import copy
import json

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html
from django.utils.text import get_text_list

from papers.admin_forms import (
    LOOKUP_BUTTON,
    LOOKUP_FIELD,
    PaperAdminForm,
    prefilled_form,
    typed_new_links,
    typed_values,
)
from papers.duplicates import paper_readings, papers_matching
from papers.lookup import IdentifierError, LookupFailed, parse_identifier
from papers.merging import papers_merge, papers_merge_plan
from papers.models import Paper, PaperLink, PaperLookup, SlideDeck
from papers.services import link_kind_name, paper_metadata_find
from syllabus.admin_history import HistoryAdmin
from syllabus.admin_versions import SNAPSHOT_FIELD, EditSnapshotMixin

SOURCE_NAMES = {"arxiv": "arXiv", "doi": "the DOI registry"}


class PaperLinkInline(admin.TabularInline):
    model = PaperLink
    fields = ["order", "kind", "label", "url"]
    extra = 1

    def get_extra(self, request, obj=None, **kwargs):
        prefill = getattr(request, "paper_prefill", None)
        return len(prefill["links"]) if prefill and prefill["links"] else self.extra


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
class PaperAdmin(EditSnapshotMixin, HistoryAdmin):
    form = PaperAdminForm
    change_form_template = "admin/papers/paper/change_form.html"
    list_display = ["title", "authors_short", "venue", "year", "arxiv_id", "doi"]
    list_filter = ["year", "tags"]
    search_fields = ["title", "authors", "arxiv_id", "doi", "venue"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags"]
    readonly_fields = ["citation_key", "created", "updated"]
    fields = [
        LOOKUP_FIELD,
        "title",
        "slug",
        "authors",
        "venue",
        "year",
        "arxiv_id",
        "doi",
        "tags",
        "abstract",
        "citation_key",
        "created",
        "updated",
    ]
    inlines = [PaperLinkInline]
    actions = ["merge_papers"]

    class Media:
        css = {"all": ["css/admin_papers.css"]}

    # Looking up a paper: the "Look up" button (a POST naming LOOKUP_BUTTON) or the add form's
    # ?lookup=<identifier> (the week editor's rows open it in a popup) shows the form again with the
    # paper's fields filled in for review. Nothing is saved; the page is rendered as Django renders a
    # form to fill in, with the typed and found values as its initial values.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and LOOKUP_BUTTON in request.POST:
            return self.lookup_view(
                request, object_id, form_url, extra_context, request.POST.get(LOOKUP_FIELD)
            )
        if request.method == "GET" and object_id is None and request.GET.get(LOOKUP_FIELD):
            return self.lookup_view(request, None, form_url, extra_context, request.GET[LOOKUP_FIELD])
        return super().changeform_view(request, object_id, form_url, extra_context)

    def lookup_view(self, request, object_id, form_url, extra_context, text):
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if object_id and obj is None:
            return super().changeform_view(request, object_id, form_url, extra_context)  # "does not exist"
        if not (self.has_change_permission(request, obj) if obj else self.has_add_permission(request)):
            raise PermissionDenied
        values, links = {LOOKUP_FIELD: text or ""}, []
        if request.method == "POST":
            form = self.get_form(request, obj, change=obj is not None)(
                request.POST, request.FILES, instance=obj
            )
            values, links = typed_values(form), typed_new_links(request.POST)
        self.fill_from_lookup(request, obj, text or "", values, links)
        shown = copy.copy(request)
        shown.method = "GET"
        shown.GET = QueryDict(mutable=True)
        for name in (IS_POPUP_VAR, TO_FIELD_VAR):
            if value := request.POST.get(name, request.GET.get(name)):
                shown.GET[name] = value
        shown.paper_prefill = {"fields": values, "links": links}
        response = super().changeform_view(shown, object_id, form_url, extra_context)
        if SNAPSHOT_FIELD in request.POST and hasattr(response, "context_data"):
            # The stale-edit check compares with the page first opened, not with this re-rendering.
            response.context_data["edit_snapshot"] = request.POST[SNAPSHOT_FIELD]
        return response

    def fill_from_lookup(self, request, obj, text: str, values: dict, links: list[dict]) -> None:
        """Put the found paper's fields into the empty `values`, and its new links after `links`."""
        try:
            found = paper_metadata_find(identifier=parse_identifier(text))
        except (IdentifierError, LookupFailed) as error:
            messages.error(request, f"{error} The form is as you left it.")
            return
        filled = []
        for name, value in found.paper_fields().items():
            if value not in ("", None) and not str(values.get(name) or "").strip():
                values[name] = value
                filled.append(str(Paper._meta.get_field(name).verbose_name))
        known = {link["url"] for link in links} | ({link.url for link in obj.links.all()} if obj else set())
        added = [link for link in found.links if link.url not in known]
        links += [
            {"order": len(links) + index + 1, "kind": link.kind, "label": link.label, "url": link.url}
            for index, link in enumerate(added)
        ]
        filled += [f"{link_kind_name(link.kind)} link" for link in added]
        source = SOURCE_NAMES[found.source]
        if filled:
            messages.success(
                request, f"Filled in from {source}: {get_text_list(filled, 'and')}. Check them, then save."
            )
        else:
            messages.info(
                request, f"Nothing filled in from {source}: every field it knows already has a value."
            )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        prefill = getattr(request, "paper_prefill", None)
        return prefilled_form(form_class, prefill["fields"]) if prefill else form_class

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        prefill = getattr(request, "paper_prefill", None)
        if prefill and isinstance(inline, PaperLinkInline):
            kwargs["initial"] = prefill["links"]
        return kwargs

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


@admin.register(PaperLookup)
class PaperLookupAdmin(admin.ModelAdmin):
    """The stored answers of arXiv and the DOI registries; delete one to have it asked again."""

    list_display = ["identifier", "source", "fetched_at"]
    list_filter = ["source"]
    search_fields = ["identifier"]
    readonly_fields = ["identifier", "source", "result", "fetched_at"]

    def has_add_permission(self, request):
        return False  # made by lookups only

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PaperLink)
class PaperLinkAdmin(HistoryAdmin):
    list_display = ["__str__", "kind", "url", "paper"]
    list_filter = ["kind"]
    list_select_related = ["paper"]
    search_fields = ["url", "label", "paper__title"]
    autocomplete_fields = ["paper"]


@admin.register(SlideDeck)
class SlideDeckAdmin(EditSnapshotMixin, HistoryAdmin):
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
