"""Reading lists as files, beside the public pages that link to them (`reading-list.bib|ris|csv`).

Anonymous answers are kept in the shared page cache like the pages themselves (syllabus.caching);
only the search's list, a new file for every query, is not.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from presenters.models import Presenter
from syllabus.exports import reading_lists
from syllabus.exports.responses import FORMATS, reading_list_response
from syllabus.models import Category, Tag, Term, Week


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise Http404(f"No reading list as .{fmt}; try .bib, .ris or .csv.")


@require_safe
def week_reading_list(request, term_slug: str, slug: str, fmt: str):
    _check_format(fmt)
    week = get_object_or_404(Week.objects.published().select_related("term"), term__slug=term_slug, slug=slug)
    return reading_list_response(reading_lists.week_reading_list(week), fmt)


@require_safe
def term_reading_list(request, slug: str, fmt: str):
    _check_format(fmt)
    term = get_object_or_404(Term.objects.published(), slug=slug)
    return reading_list_response(reading_lists.term_reading_list(term), fmt)


@require_safe
def tag_reading_list(request, slug: str, fmt: str):
    """As the tag's page: a tag that nothing public has does not exist yet for the public."""
    _check_format(fmt)
    tag = get_object_or_404(Tag.objects.public(), slug=slug)
    return reading_list_response(reading_lists.tag_reading_list(tag), fmt)


@require_safe
def category_reading_list(request, slug: str, fmt: str):
    _check_format(fmt)
    category = get_object_or_404(Category.objects.public(), slug=slug)
    return reading_list_response(reading_lists.category_reading_list(category), fmt)


@require_safe
def presenter_reading_list(request, slug: str, fmt: str):
    _check_format(fmt)
    presenter = get_object_or_404(Presenter.objects.public(), slug=slug)
    return reading_list_response(reading_lists.presenter_reading_list(presenter), fmt)


@require_safe
def search_reading_list(request, fmt: str):
    _check_format(fmt)
    return reading_list_response(reading_lists.search_reading_list(request.GET.get("q", "")), fmt)
