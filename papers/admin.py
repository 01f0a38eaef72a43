import copy

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.template.defaultfilters import pluralize
from django.templatetags.static import static
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
from papers.lookup import IdentifierError, LookupFailed, parse_identifier
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


@admin.register(Paper)
class PaperAdmin(EditSnapshotMixin, HistoryAdmin):
    form = PaperAdminForm
    list_display = ["title", "authors_short", "venue", "year", "arxiv_id", "doi"]
    list_filter = ["year", "tags"]
    search_fields = ["title", "authors", "arxiv_id", "doi", "venue"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags"]
    readonly_fields = ["created", "updated"]
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
        "created",
        "updated",
    ]
    inlines = [PaperLinkInline]

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
