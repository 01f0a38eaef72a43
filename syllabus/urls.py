"""Root URL configuration."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from papers.api import PaperViewSet, SlideDeckViewSet
from presenters.api import PresenterViewSet
from syllabus import api, embed_views, feeds, health, media_views, views
from syllabus.exports import views as exports
from syllabus.signup.api import SignupViewSet
from syllabus.sitemaps import SITEMAPS

api_router = DefaultRouter()
api_router.register("terms", api.TermViewSet, basename="term")
api_router.register("weeks", api.WeekViewSet, basename="week")
api_router.register("presentations", api.PresentationViewSet, basename="presentation")
api_router.register("papers", PaperViewSet, basename="paper")
api_router.register("presenters", PresenterViewSet, basename="presenter")
api_router.register("slides", SlideDeckViewSet, basename="slidedeck")
api_router.register("categories", api.CategoryViewSet, basename="category")
api_router.register("tags", api.TagViewSet, basename="tag")
api_router.register("signups", SignupViewSet, basename="signup")

# Swagger UI under our CSP: the split view serves its start-up script as a file, the template takes
# its styles from a file, and its icons are data: images, allowed on this page only.
api_docs = csp_update({"img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="syllabus/api_docs.html")
)

api_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    *api_router.urls,
]

public_patterns = [
    path("", views.home, name="home"),
    path("terms/", views.term_list, name="terms"),
    path("terms/<slug:slug>/", views.term_detail, name="term"),
    path("terms/<slug:slug>/calendar.ics", views.term_calendar, name="term_calendar"),
    path("terms/<slug:slug>/reading-list.<str:fmt>", exports.term_reading_list, name="term_reading_list"),
    path("terms/<slug:term_slug>/<slug:slug>/", views.week_detail, name="week"),
    path("terms/<slug:term_slug>/<slug:slug>/session.ics", views.week_calendar, name="week_calendar"),
    path("terms/<slug:term_slug>/<slug:slug>/slides.zip", views.week_slides_zip, name="week_slides_zip"),
    path(
        "terms/<slug:term_slug>/<slug:slug>/reading-list.<str:fmt>",
        exports.week_reading_list,
        name="week_reading_list",
    ),
    path("categories/", views.category_list, name="categories"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path(
        "categories/<slug:slug>/reading-list.<str:fmt>",
        exports.category_reading_list,
        name="category_reading_list",
    ),
    path("categories/<slug:slug>/calendar.ics", views.category_calendar, name="category_calendar"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("tags/<slug:slug>/calendar.ics", views.tag_calendar, name="tag_calendar"),
    path("tags/<slug:slug>/reading-list.<str:fmt>", exports.tag_reading_list, name="tag_reading_list"),
    path("years/<int:year>/", views.year_detail, name="year"),
    path("search/", views.search_page, name="search"),
    path("search/reading-list.<str:fmt>", exports.search_reading_list, name="search_reading_list"),
    path("feeds/weeks.atom", feeds.WeeksFeed(), name="feed"),
    path("feeds/terms/<slug:slug>.atom", feeds.TermWeeksFeed(), name="term_feed"),
    path("feeds/tags/<slug:slug>.atom", feeds.TagWeeksFeed(), name="tag_feed"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
    # Under a prefix of their own: no week slug (terms/<term>/<week>/) can take their address.
    path("embed.js", embed_views.embed_js, name="embed_js"),
    path("embed/<slug:slug>/", embed_views.embed_page, name="embed"),
    path("embed/<slug:slug>.json", embed_views.embed_json, name="embed_json"),
    path(
        "sitemap.xml",
        sitemaps.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "syllabus:sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<str:section>.xml", sitemaps.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    # Files that are not public (private decks, drafts, unannounced presenters), after a check.
    path("files/<path:name>", media_views.private_file, name="private_file"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_patterns, "api"))),
    path("papers/", include("papers.urls")),
    path("presenters/", include("presenters.urls")),
    path("signup/", include("syllabus.signup.urls")),
    path("", include("presenters.account_urls")),
    path("", include((public_patterns, "syllabus"))),
]

handler400 = "syllabus.errors.bad_request"
handler403 = "syllabus.errors.permission_denied"
handler404 = "syllabus.views.page_not_found"
handler500 = "syllabus.errors.server_error"  # 503 with Retry-After while the database is unreachable

if settings.SERVE_MEDIA and settings.MEDIA_URL.startswith("/"):
    # The public store only; nginx can serve MEDIA_ROOT instead (README "Production").
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media_views.public_media, name="media")
    )
