from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext


@pytest.fixture(autouse=True)
def _isolated_files(settings, tmp_path):
    """Uploads go to a temporary MEDIA_ROOT (and private store); static files need no collectstatic manifest."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private"},
        },
    }


@pytest.fixture(autouse=True)
def _empty_cache(request):
    """Throttle counts and login lockouts live in the shared cache: no test sees another's.

    With Redis every test starts and ends with an empty cache. With the database cache, rows a test
    writes inside its rolled-back transaction vanish with it, and a test without the database cannot
    reach the cache at all; only tests that commit (transactional_db, live servers) empty the table.
    """
    from django.conf import settings
    from django.core.cache import cache

    if settings.CACHES["default"]["BACKEND"].endswith(".DatabaseCache"):
        marker = request.node.get_closest_marker("django_db")
        if "transactional_db" not in request.fixturenames and not (
            marker and marker.kwargs.get("transaction")
        ):
            yield
            return
        request.getfixturevalue("transactional_db")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        username="instructor", password="x", email="i@example.edu"
    )
    client.force_login(user)
    return client


def count_queries(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def built_instances(action: Callable[[], object]) -> list:
    """The model instances built while `action` runs (fetched or made in code), in order."""
    built = []

    def record(sender, instance, **kwargs):
        built.append(instance)

    post_init.connect(record)
    try:
        action()
    finally:
        post_init.disconnect(record)
    return built


def token_client(user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def anonymous_api():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def reader_api(django_user_model):
    """A script with a token and no permissions: it may read, never write."""
    return token_client(django_user_model.objects.create_user(username="reader", password="x"))


@pytest.fixture
def editor_api(django_user_model):
    """A script whose user holds every permission on the seminar's models (not staff)."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username="editor", password="x")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["syllabus", "papers", "presenters"])
    )
    return token_client(user)


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Pages and API reads are not kept unless a test turns PAGE_CACHE on (tests/syllabus/test_caching.py).

    The content version moves when a transaction commits, and a test's own transaction never does:
    a test that reads a page, changes a row and reads it again would see the kept page.
    """
    settings.PAGE_CACHE = False
