"""Root URL configuration."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from syllabus import views

public_patterns = [
    path("", views.home, name="home"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include((public_patterns, "syllabus"))),
]

if settings.DEBUG:  # production serves media from the web server or object storage
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
