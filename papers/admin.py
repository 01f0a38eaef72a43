from django.contrib import admin
from django.template.defaultfilters import pluralize
from django.templatetags.static import static
from django.utils.html import format_html

from papers.models import Paper, PaperLink, SlideDeck
from syllabus.admin_history import HistoryAdmin
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


@admin.register(Paper)
class PaperAdmin(EditSnapshotMixin, HistoryAdmin):
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

    @admin.display(description="authors", ordering="authors")
    def authors_short(self, paper: Paper) -> str:
        return paper.authors if len(paper.authors) <= 60 else paper.authors[:57] + "..."


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
