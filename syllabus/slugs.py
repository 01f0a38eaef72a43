"""Readable, unique slugs for rows that are named by people."""

from django.db import models
from django.utils.text import slugify


def unique_slug(text: str, queryset: models.QuerySet, *, max_length: int = 80) -> str:
    """Slugify `text`, adding -2, -3, ... until no row of `queryset` has that slug.

    `queryset` is the scope the slug must be unique in, without the row being named.
    """
    base = slugify(text)[:max_length].strip("-") or "item"
    slug, number = base, 2
    while queryset.filter(slug=slug).exists():
        suffix = f"-{number}"
        slug = f"{base[: max_length - len(suffix)].rstrip('-')}{suffix}"
        number += 1
    return slug
