"""Request bodies are refused by their announced size (413) or for having none (411), unread."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

JSON = "application/json"
HTML = "text/html; charset=utf-8"
MULTIPART = "multipart/form-data; boundary=xyz"
HUGE = str(10**10)  # 10 GB announced; the test client's body is a few bytes


def announce(client, path: str, length: str = HUGE, **extra):
    return client.generic("POST", path, b"--xyz--", content_type=MULTIPART, CONTENT_LENGTH=length, **extra)


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/api/v1/terms/", "2.6 MB"),
        ("/api/v1/slides/", "52.6 MB (a slide deck may be at most 50.0 MB)"),
        ("/api/v1/slides/7/file/", "52.6 MB (a slide deck may be at most 50.0 MB)"),
        ("/api/v1/presenters/7/photo/", "12.6 MB (a photo may be at most 10.0 MB)"),
        # Written as JSON: no file, so the general limit.
        ("/api/v1/slides/7/", "2.6 MB"),
        ("/api/v1/presenters/", "2.6 MB"),
        ("/api/v1/presenters/7/", "2.6 MB"),
    ],
)
def test_api_body_over_its_address_limit_is_json_413(client, path, limit, django_assert_num_queries):
    with django_assert_num_queries(0):  # the token is DRF's to check, after this refusal
        response = announce(client, path, HTTP_AUTHORIZATION="Token 0123456789abcdef")

    assert (response.status_code, response["Content-Type"]) == (413, JSON)
    assert response.json() == {"detail": f"This request is 10000.0 MB; this address accepts at most {limit}."}


@pytest.mark.parametrize(
    ("path", "limit"),
    [
        ("/admin/login/", "2.6 MB"),
        ("/admin/papers/slidedeck/add/", "52.6 MB (a slide deck may be at most 50.0 MB)"),
        ("/admin/papers/slidedeck/7/change/", "52.6 MB (a slide deck may be at most 50.0 MB)"),
        ("/admin/syllabus/week/7/change/", "502.6 MB (a slide deck may be at most 50.0 MB)"),
        ("/admin/presenters/presenter/add/", "12.6 MB (a photo may be at most 10.0 MB)"),
        ("/admin/presenters/presenter/7/change/", "12.6 MB (a photo may be at most 10.0 MB)"),
        ("/no/such/page/", "2.6 MB"),
    ],
)
def test_page_body_over_its_address_limit_is_an_html_413(staff_client, path, limit):
    response = announce(staff_client, path)

    assert (response.status_code, response["Content-Type"]) == (413, HTML)
    body = response.content.decode()
    assert "<h1>Request too large</h1>" in body
    assert f"<p>This request is 10000.0 MB; this address accepts at most {limit}.</p>" in body


@pytest.mark.parametrize("who", ["anonymous", "user", "staff"])
def test_oversize_upload_is_refused_alike_for_everyone(client, django_user_model, who):
    if who != "anonymous":
        client.force_login(
            django_user_model.objects.create_user(username=who, password="x", is_staff=who == "staff")
        )

    response = announce(client, "/admin/papers/slidedeck/add/", str(60_000_000))

    assert response.status_code == 413
    limit = "2.6 MB until you sign in" if who == "anonymous" else "52.6 MB"
    assert f"<p>This request is 60.0 MB; this address accepts at most {limit}" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "content_type", "detail"),
    [
        ("/admin/syllabus/week/7/change/", HTML, "a slide deck"),
        ("/admin/presenters/presenter/add/", HTML, "a photo"),
        ("/api/v1/slides/", JSON, "a slide deck"),
    ],
)
def test_anonymous_clients_may_not_announce_an_uploads_size(client, path, content_type, detail):
    """Else the admin's CSRF check would spool 500 MB of an anonymous body to disk before the login."""
    response = announce(client, path, str(400_000_000))

    expected = (
        "This request is 400.0 MB; this address accepts at most 2.6 MB until you sign in "
        f"({detail} is uploaded by signed-in users only)."
    )
    assert (response.status_code, response["Content-Type"]) == (413, content_type)
    body = response.json()["detail"] if content_type == JSON else response.content.decode()
    assert expected in body


@pytest.mark.parametrize("length", ["\u00b2", "\u0663", "-5", "+5", " 5"])
def test_content_length_in_other_digits_or_signed_is_400(client, length):
    response = announce(client, "/api/v1/terms/", length=length)

    assert response.status_code == 400
    assert response.json()["detail"].startswith("Content-Length must be a whole number of bytes")


def test_limits_follow_the_upload_settings(client, settings):
    settings.SLIDE_MAX_BYTES = 1_000_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    body = b"x" * 500_000  # over the general limit, under a slide deck's

    slides = client.post(
        "/api/v1/slides/", body, content_type="application/octet-stream", HTTP_AUTHORIZATION="Token nonsense"
    )
    terms = client.post("/api/v1/terms/", body, content_type="application/octet-stream")

    # The upload address lets it through to the API, which asks who is asking.
    assert (slides.status_code, slides.json()) == (
        401,
        {"detail": "Invalid token."},
    )
    assert (terms.status_code, terms.json()) == (
        413,
        {"detail": "This request is 0.5 MB; this address accepts at most 0.1 MB."},
    )


def test_body_within_the_limit_is_read_as_usual(editor_api):
    response = editor_api.post(reverse("api:term-list"), {"name": "Spring 2027"})

    assert response.status_code == 400  # read and validated: a term needs its other fields
    assert sorted(response.json()) == ["end_date", "start_date"]


@pytest.mark.parametrize(("path", "content_type"), [("/api/v1/terms/", JSON), ("/admin/login/", HTML)])
def test_chunked_body_is_refused_with_411(client, path, content_type):
    response = client.post(path, b"", content_type="application/json", HTTP_TRANSFER_ENCODING="chunked")

    detail = (
        "Send the request body with a Content-Length header; bodies sent in chunks "
        "(Transfer-Encoding: chunked) are not accepted."
    )
    assert (response.status_code, response["Content-Type"]) == (411, content_type)
    if content_type == JSON:
        assert response.json() == {"detail": detail}
    else:
        assert f"<p>{detail}</p>" in response.content.decode()


def test_content_length_that_is_not_a_number_is_400(client):
    response = announce(client, "/api/v1/terms/", length="12abc")

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "Content-Length must be a whole number of bytes, not '12abc'."},
    )
