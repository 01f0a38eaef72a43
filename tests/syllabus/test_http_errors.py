"""Errors as JSON under /api/ and HTML elsewhere; 503 while the database is unreachable; /healthz."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from syllabus.errors import DATABASE_UNAVAILABLE, SERVER_ERROR

pytestmark = pytest.mark.django_db

JSON = "application/json"
HTML = "text/html; charset=utf-8"


@pytest.fixture
def failing(settings, client):
    """The test client against the URLs with failing views, answering like production (no re-raise)."""
    settings.ROOT_URLCONF = "tests.syllabus.error_urls"
    client.raise_request_exception = False
    return client


def request_errors(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


def test_unexpected_exception_under_api_is_json_500(failing, caplog):
    response = failing.get("/api/v1/boom/")

    assert (response.status_code, response["Content-Type"]) == (500, JSON)
    assert response.json() == {"detail": SERVER_ERROR}
    assert request_errors(caplog) == ["Internal Server Error: /api/v1/boom/"]


def test_unexpected_exception_elsewhere_is_the_html_500_page(failing):
    response = failing.get("/boom/")

    assert (response.status_code, response["Content-Type"]) == (500, HTML)
    assert "<h1>Something went wrong on our side</h1>" in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/db-down/", "/api/v1/db-gone/"])
def test_database_outage_under_api_is_json_503_with_retry_after(failing, caplog, path):
    response = failing.get(path)

    assert (response.status_code, response["Content-Type"], response["Retry-After"]) == (503, JSON, "30")
    assert response.json() == {"detail": DATABASE_UNAVAILABLE}
    assert request_errors(caplog) == [f"Service Unavailable: {path}"]  # logged once, as an error


def test_database_outage_elsewhere_is_a_short_html_503_page(failing, caplog, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = failing.get("/db-down/")

    assert (response.status_code, response["Content-Type"], response["Retry-After"]) == (503, HTML, "30")
    body = response.content.decode()
    assert "<h1>Temporarily unavailable</h1>" in body
    assert f"<p>{DATABASE_UNAVAILABLE}</p>" in body
    assert request_errors(caplog) == ["Service Unavailable: /db-down/"]


def test_shared_cache_outage_is_a_503_too(settings, client, caplog):
    """Redis down: the anonymous throttle cannot count, so the API answers 503, not 500."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    client.raise_request_exception = False

    response = client.get(reverse("api:term-list"))

    assert (response.status_code, response["Content-Type"], response["Retry-After"]) == (503, JSON, "30")
    assert response.json() == {"detail": DATABASE_UNAVAILABLE}
    assert request_errors(caplog) == ["Service Unavailable: /api/v1/terms/"]


def test_permission_denied_under_api_is_json_403(failing):
    response = failing.get("/api/v1/forbidden/")

    assert (response.status_code, response["Content-Type"]) == (403, JSON)
    assert response.json() == {"detail": "You do not have permission to perform this action."}


def test_suspicious_request_under_api_is_json_400(failing):
    response = failing.get("/api/v1/suspicious/")

    assert (response.status_code, response["Content-Type"]) == (400, JSON)
    assert response.json() == {"detail": "Bad request."}


def test_unknown_host_under_api_is_json_400_and_html_elsewhere(client):
    api = client.get(reverse("api:term-list"), HTTP_HOST="evil.example")
    page = client.get(reverse("syllabus:home"), HTTP_HOST="evil.example")

    assert (api.status_code, api["Content-Type"], api.json()) == (400, JSON, {"detail": "Bad request."})
    assert (page.status_code, page["Content-Type"]) == (400, HTML)
    assert b"Bad Request (400)" in page.content


def test_csrf_failure_under_api_is_json_403_and_html_elsewhere(settings):
    settings.ROOT_URLCONF = "tests.syllabus.error_urls"
    client = Client(enforce_csrf_checks=True)

    api = client.post("/api/v1/form/", {"a": "1"})
    page = client.post("/form/", {"a": "1"})

    assert (api.status_code, api["Content-Type"]) == (403, JSON)
    assert api.json() == {"detail": "CSRF Failed: CSRF cookie not set."}
    assert (page.status_code, page["Content-Type"]) == (403, HTML)
    assert b"CSRF verification failed" in page.content


def test_unknown_api_address_and_wrong_method_are_json(client, editor_api):
    missing = client.get("/api/v1/nothing-here/")
    wrong_method = editor_api.put(reverse("api:term-list"), {})

    assert (missing.status_code, missing["Content-Type"], missing.json()) == (
        404,
        JSON,
        {"detail": "Not found."},
    )
    assert (wrong_method.status_code, wrong_method["Content-Type"]) == (405, JSON)
    assert wrong_method.json() == {"detail": 'Method "PUT" not allowed.'}


@pytest.mark.parametrize("who", ["anonymous", "user", "staff"])
def test_healthz_answers_ok_to_everyone_in_one_query(
    client, django_user_model, django_assert_num_queries, who
):
    if who != "anonymous":
        client.force_login(
            django_user_model.objects.create_user(username=who, password="x", is_staff=who == "staff")
        )

    with django_assert_num_queries(1):  # SELECT 1 (the session is never read)
        response = client.get(reverse("healthz"))

    assert (response.status_code, response["Content-Type"]) == (200, JSON)
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_refuses_writes(client):
    response = client.post(reverse("healthz"))

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_healthz_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    probe = client.get(reverse("healthz"))
    page = client.get(reverse("syllabus:home"))

    assert (probe.status_code, probe.json()) == (200, {"status": "ok"})
    assert (page.status_code, page["Location"]) == (301, "https://testserver/")
