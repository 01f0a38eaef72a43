from django import template

from syllabus import page_meta as meta

register = template.Library()


@register.simple_tag(takes_context=True)
def page_meta(context):
    """The page's canonical address, OpenGraph and schema.org data (syllabus/page_meta.py)."""
    return meta.page_meta(context)


@register.simple_tag(takes_context=True)
def site_url(context, path: str) -> str:
    """`path` as an absolute address on SITE_URL (else on the request's host), for text to copy."""
    return meta.site_url(context["request"], path)
