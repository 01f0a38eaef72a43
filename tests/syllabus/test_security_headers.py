"""Content-Security-Policy and Permissions-Policy on every kind of response (README "Security")."""

import base64
import hashlib
import re

import pytest
from django.test import Client
from django.urls import path, reverse

from syllabus.urls import urlpatterns as site_urlpatterns
from tests.factories import SlideDeckFactory, TermFactory, WeekFactory, pdf_file

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS = (
    "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), "
    "encrypted-media=(), gamepad=(), geolocation=(), gyroscope=(), hid=(), idle-detection=(), "
    "local-fonts=(), magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), "
    "publickey-credentials-create=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), "
    "usb=(), xr-spatial-tracking=()"
)


def broken_view(request):
    raise RuntimeError("a bug")


# This module is also a URLconf: the site's URLs plus one that fails.
urlpatterns = [path("broken/", broken_view), *site_urlpatterns]
handler404 = "syllabus.views.page_not_found"


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy header as {directive: sources} (django-csp's order varies)."""
    header = response.headers.get("Content-Security-Policy", "")
    return dict(directive.strip().partition(" ")[::2] for directive in header.split(";") if directive)


def headers(response) -> dict:
    return {
        "Content-Security-Policy": policy(response),
        "Permissions-Policy": response.get("Permissions-Policy"),
    }


def test_pages_carry_the_policies(client):
    term = TermFactory(slug="fall")
    WeekFactory(term=term, slug="w1")

    for url in ["/", "/terms/", "/terms/fall/", "/terms/fall/w1/", "/papers/", "/search/?q=x"]:
        response = client.get(url)
        assert (response.status_code, headers(response)) == (
            200,
            {"Content-Security-Policy": POLICY, "Permissions-Policy": PERMISSIONS},
        ), url


def test_api_json_admin_and_feeds_carry_the_policies(client, staff_client):
    TermFactory(slug="fall")
    answers = {
        "api json": client.get("/api/v1/terms/", HTTP_ACCEPT="application/json"),
        "admin login": Client().get(reverse("admin:login")),
        "admin index": staff_client.get(reverse("admin:index")),
        "calendar": client.get("/terms/fall/calendar.ics"),
    }

    assert {name: (r.status_code, headers(r)) for name, r in answers.items()} == {
        name: (200, {"Content-Security-Policy": POLICY, "Permissions-Policy": PERMISSIONS})
        for name in answers
    }


def test_error_pages_carry_the_policies(settings):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)

    not_found = client.get("/no-such-page/")
    api_not_found = client.get("/api/v1/no-such-thing/")
    server_error = client.get("/broken/")

    assert [(r.status_code, headers(r)) for r in (not_found, api_not_found, server_error)] == [
        (status, {"Content-Security-Policy": POLICY, "Permissions-Policy": PERMISSIONS})
        for status in (404, 404, 500)
    ]
    assert b"Something went wrong on our side" in server_error.content


def test_browsable_api_allows_exactly_its_own_inline_styles(client):
    response = client.get("/api/v1/papers/", HTTP_ACCEPT="text/html")
    page = response.content.decode()

    # The Filters button and the code highlighting colours of DRF's templates.
    assert 'style="float: right; margin-right: 10px"' in page
    assert "<style>" in page
    from syllabus.security import inline_style_hashes

    hashes = inline_style_hashes(page)
    assert len(hashes) >= 2
    assert policy(response) == {**POLICY, "style-src": "'self' 'unsafe-hashes' " + " ".join(hashes)}


def test_inline_style_hashes_are_what_browsers_compute():
    from syllabus.security import inline_style_hashes  # here, so that the other tests run without it

    # sha256 of the attribute value after entities are decoded, and of a <style>'s text as written.
    page = """<p style="color: red">x</p><p data-style="no" style='a: &quot;b&quot;'></p>
    <style media="print">p > a {}</style><styles>not one</styles>"""

    def sha256(text):
        return f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"

    assert inline_style_hashes(page) == sorted([sha256("color: red"), sha256('a: "b"'), sha256("p > a {}")])


def test_api_docs_page_has_no_inline_script_or_style(client):
    response = client.get(reverse("api:docs"))
    page = response.content.decode()
    script = client.get(reverse("api:docs") + "?script=")

    assert policy(response) == {**POLICY, "img-src": "'self' data:"}  # Swagger UI's icons
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js">',
        '<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-standalone-preset.js">',
        '<script src="/api/v1/docs/?script=">',
    ]
    assert "<style" not in page and "style=" not in page
    assert '<link rel="stylesheet" href="/static/css/api_docs.css">' in page
    assert script["Content-Type"] == "application/javascript"
    assert "SwaggerUIBundle(" in script.content.decode()


def test_admin_previews_use_a_stylesheet_not_inline_styles(staff_client):
    week = WeekFactory()
    SlideDeckFactory(week=week, file=pdf_file("talk.pdf"), url="")

    page = staff_client.get(reverse("admin:syllabus_week_change", args=[week.pk])).content.decode()

    assert "style=" not in page
    assert 'class="admin-preview"' in page
    assert 'href="/static/css/admin_previews.css"' in page


@pytest.mark.parametrize(
    ("options", "origin"),
    [
        ({"custom_domain": "media.example.edu"}, "https://media.example.edu"),
        ({"endpoint_url": "https://s3.example.edu"}, "https://s3.example.edu"),
    ],
)
def test_images_may_come_from_the_uploads_bucket(client, settings, options, origin):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "seminar", "querystring_auth": False, **options},
        },
    }

    response = client.get("/")

    assert policy(response) == {**POLICY, "img-src": f"'self' {origin}"}


def test_an_absolute_media_url_is_allowed_for_images(client, settings):
    settings.MEDIA_URL = "https://files.example.edu/media/"

    response = client.get("/")

    assert policy(response) == {**POLICY, "img-src": "'self' https://files.example.edu"}
