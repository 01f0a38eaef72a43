"""Security headers on every response: Content-Security-Policy and Permissions-Policy.

The policy itself is `CONTENT_SECURITY_POLICY` in settings (django-csp); this module adds what
only the running site knows (where uploaded images are served from) and the one relaxation
the browsable API needs. README "Security" lists the headers.
"""

import base64
import functools
import hashlib
import html
import logging
import re
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from rest_framework import renderers

logger = logging.getLogger(__name__)

# Features the site never uses, refused to every page and to anything it might embed.
# Only names that Chromium knows: it warns of an unknown one in every page's console.
DENIED_FEATURES = [
    "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
    "encrypted-media", "gamepad", "geolocation", "gyroscope", "hid", "idle-detection",
    "local-fonts", "magnetometer", "microphone", "midi", "payment", "picture-in-picture",
    "publickey-credentials-create", "publickey-credentials-get", "screen-wake-lock", "serial",
    "usb", "xr-spatial-tracking",
]  # fmt: skip
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)


class PermissionsPolicyMiddleware:
    """Sends PERMISSIONS_POLICY with every response that has none of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


@functools.cache
def media_origin() -> str | None:
    """The origin uploaded files are served from when it is not this site's own (S3, a CDN).

    Asked of the storage itself, so that it is right for every S3 setting (custom domain,
    endpoint, region, path or virtual-host style) and for an absolute MEDIA_URL.
    """
    try:
        url = storages["default"].url("csp-origin-probe")
    except Exception:  # e.g. signed S3 links without credentials: images will not load either
        logger.warning("Uploaded images get no CSP exception: the storage cannot make a URL.", exc_info=True)
        return None
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None  # served by this site (MEDIA_URL is a path): 'self' covers it
    return f"{parts.scheme}://{parts.netloc}"


@receiver(setting_changed)
def _forget_media_origin(*, setting, **kwargs):
    if setting in {"STORAGES", "MEDIA_URL"}:
        media_origin.cache_clear()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, letting pages show slide thumbnails and photos from object storage."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        origin = media_origin()
        if origin:
            parts.update = {**(parts.update or {})}
            parts.update["img-src"] = [*parts.update.get("img-src", []), origin]
        return parts


def _style_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# DRF's browsable API writes a few inline styles of its own: `style=` attributes (Filters button,
# search box, fieldsets) and a <style> with the code highlighting colours.
STYLE_ATTRIBUTE = re.compile(r"""\sstyle=(?:"([^"]*)"|'([^']*)')""")
STYLE_ELEMENT = re.compile(r"<style(?:\s[^>]*)?>(.*?)</style>", re.DOTALL)


def inline_style_hashes(page: str) -> list[str]:
    """CSP hashes of the inline styles written in an HTML page, as the browser computes them."""
    values = {html.unescape(double or single) for double, single in STYLE_ATTRIBUTE.findall(page)}
    values |= set(STYLE_ELEMENT.findall(page))
    return sorted(map(_style_hash, values))


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages for the API, allowing exactly the inline styles of the page rendered.

    By hash, never 'unsafe-inline', and styles only: inline scripts stay blocked. The hashes cover
    the styles the rendered page holds, so they rely on DRF's templates escaping the data they
    show (which they do: no `style=` or `<style>` of a row's text reaches the page raw).
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        page = super().render(data, accepted_media_type, renderer_context)
        response = (renderer_context or {}).get("response")
        hashes = inline_style_hashes(page if isinstance(page, str) else page.decode())
        if response is not None and hashes:
            response._csp_update = {"style-src": ["'unsafe-hashes'", *hashes]}
        return page
