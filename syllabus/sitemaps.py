"""The sitemap: an index at /sitemap.xml pointing to one paginated sitemap per section.

Each section's page holds at most `limit` addresses and is built from the few fields its addresses
and dates need; the index dates each section by its newest `updated`, with one aggregate query.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from papers.models import Paper
from presenters.models import Presenter
from syllabus.models import Term, Week

# Well under the protocol's 50,000: a crawler fetches a page in one cheap request.
ITEMS_PER_SITEMAP = 1000


class SectionSitemap(Sitemap):
    limit = ITEMS_PER_SITEMAP


class UpdatedSitemap(SectionSitemap):
    """A section of rows with an `updated` time: each address's lastmod, and the section's newest."""

    def lastmod(self, item):
        return item.updated

    def get_latest_lastmod(self):
        # The default would call lastmod() on every item of every page.
        return self.items().aggregate(newest=Max("updated"))["newest"]


class PagesSitemap(SectionSitemap):
    def items(self) -> list[str]:
        return ["syllabus:home", "syllabus:terms", "papers:list", "presenters:list", "syllabus:categories"]

    def location(self, name: str) -> str:
        return reverse(name)


class TermSitemap(SectionSitemap):
    def items(self):
        return Term.objects.published().only("id", "slug")


class WeekSitemap(UpdatedSitemap):
    def items(self):
        return Week.objects.published().select_related("term").only("id", "slug", "updated", "term__slug")


class PaperSitemap(UpdatedSitemap):
    def items(self):
        return Paper.objects.public().only("id", "slug", "updated")


class PresenterSitemap(SectionSitemap):
    def items(self):
        return Presenter.objects.public().only("id", "slug")


SITEMAPS = {
    "pages": PagesSitemap,
    "terms": TermSitemap,
    "weeks": WeekSitemap,
    "papers": PaperSitemap,
    "presenters": PresenterSitemap,
}
