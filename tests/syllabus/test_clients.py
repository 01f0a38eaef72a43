"""The client address: X-Forwarded-For counts only as far as TRUSTED_PROXIES vouch for it."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from syllabus.clients import client_address


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, None, "10.0.0.1"),
        (0, "198.51.100.1", "10.0.0.1"),  # no proxy is trusted: the header is the client's own words
        (1, None, "10.0.0.1"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client wrote 6.6.6.6, our proxy appended
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (2, "198.51.100.1", "198.51.100.1"),  # fewer entries than proxies: the left-most
        (1, "6.6.6.6,  2001:DB8::1 ", "2001:db8::1"),
        (1, "6.6.6.6, not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **headers)

    assert client_address(request) == expected


@pytest.mark.django_db
def test_a_new_x_forwarded_for_on_each_request_does_not_escape_the_throttle(anonymous_api, settings):
    settings.API_ANON_RATE = "3/minute"
    url = reverse("api:tag-list")

    statuses = [
        anonymous_api.get(url, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}").status_code for number in range(6)
    ]

    assert statuses == [200, 200, 200, 429, 429, 429]


@pytest.mark.django_db
def test_behind_one_trusted_proxy_the_address_it_saw_is_throttled(anonymous_api, settings):
    settings.API_ANON_RATE = "3/minute"
    settings.TRUSTED_PROXIES = 1
    url = reverse("api:tag-list")

    def get(forwarded: str) -> int:
        return anonymous_api.get(url, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code

    one_client = [get(f"6.6.6.{number}, 198.51.100.1") for number in range(4)]
    another_client = get("198.51.100.2")

    assert one_client == [200, 200, 200, 429]
    assert another_client == 200
