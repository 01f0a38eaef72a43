from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from papers.models import Paper
from presenters.models import Presenter
from syllabus.models import Term, Week


class PagesSitemap(Sitemap):
    def items(self) -> list[str]:
        return ["syllabus:home", "syllabus:terms", "papers:list", "presenters:list", "syllabus:categories"]

    def location(self, name: str) -> str:
        return reverse(name)


class TermSitemap(Sitemap):
    def items(self):
        return Term.objects.published()


class WeekSitemap(Sitemap):
    def items(self):
        return Week.objects.published().select_related("term")

    def lastmod(self, week: Week):
        return week.updated


class PaperSitemap(Sitemap):
    def items(self):
        return Paper.objects.public()

    def lastmod(self, paper: Paper):
        return paper.updated


class PresenterSitemap(Sitemap):
    def items(self):
        return Presenter.objects.public()


SITEMAPS = {
    "pages": PagesSitemap,
    "terms": TermSitemap,
    "weeks": WeekSitemap,
    "papers": PaperSitemap,
    "presenters": PresenterSitemap,
}
