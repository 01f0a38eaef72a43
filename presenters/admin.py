from django.contrib import admin
from django.utils.html import format_html

from presenters.models import Presenter, PresenterAlias


class PresenterAliasInline(admin.TabularInline):
    model = PresenterAlias
    extra = 1


@admin.register(Presenter)
class PresenterAdmin(admin.ModelAdmin):
    list_display = ["photo_thumbnail", "name", "affiliation", "email"]
    list_display_links = ["photo_thumbnail", "name"]
    search_fields = ["name", "aliases__name", "affiliation", "email"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["photo_preview"]
    fields = ["name", "slug", "affiliation", "homepage", "email", "photo", "photo_preview", "bio"]
    inlines = [PresenterAliasInline]

    @admin.display(description="photo")
    def photo_thumbnail(self, presenter: Presenter) -> str:
        return self._img(presenter, 40)

    @admin.display(description="current photo")
    def photo_preview(self, presenter: Presenter) -> str:
        return self._img(presenter, 160)

    def _img(self, presenter: Presenter, size: int) -> str:
        if not presenter.photo:
            return "—"
        return format_html(
            '<img src="{}" alt="Photo of {}" width="{}" height="{}" style="object-fit:cover;border-radius:4px">',
            presenter.photo.url,
            presenter.name,
            size,
            size,
        )
