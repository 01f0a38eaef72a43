import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from papers.models import Paper
from syllabus.models import Category, Tag, Term, Week
from tests.factories import (
    CategoryFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db


def test_term_code_is_unique_only_when_set():
    TermFactory(code="")
    TermFactory(code="")
    TermFactory(code="2017Course")

    with pytest.raises(IntegrityError), transaction.atomic():
        TermFactory(code="2017Course")


def test_term_code_clash_is_a_validation_message():
    TermFactory(code="2017Course")
    term = TermFactory.build(code="2017Course", slug="other")

    with pytest.raises(ValidationError) as error:
        term.full_clean()

    assert error.value.messages == ["Another term already has this code."]


def test_term_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        TermFactory(start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 8, 31))

    term = TermFactory.build(start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 8, 31))
    with pytest.raises(ValidationError) as error:
        term.full_clean()
    assert error.value.messages == ["A term cannot end before it starts."]


def test_term_slug_is_made_from_the_name_and_kept_unique():
    first = TermFactory(name="Fall 2026")
    second = TermFactory(name="Fall 2026")

    assert [first.slug, second.slug] == ["fall-2026", "fall-2026-2"]


def test_tag_names_are_unique_ignoring_case():
    TagFactory(name="Adversarial-Examples")

    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="adversarial-examples", slug="something-else")

    with pytest.raises(ValidationError) as error:
        Tag(name="ADVERSARIAL-EXAMPLES").full_clean()
    assert error.value.messages == ["A tag with this name already exists (names ignore case)."]


def test_category_names_are_unique_ignoring_case():
    CategoryFactory(name="Theory")

    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(name="THEORY", slug="theory-2")


def test_week_slug_is_unique_within_its_term_only():
    term, other_term = TermFactory(), TermFactory()
    WeekFactory(term=term, slug="intro")
    WeekFactory(term=other_term, slug="intro")

    with pytest.raises(IntegrityError), transaction.atomic():
        WeekFactory(term=term, slug="intro")


def test_weeks_with_the_same_title_get_distinct_slugs():
    term = TermFactory()
    weeks = [WeekFactory(term=term, title="Theoretical17 V") for _ in range(2)]

    assert [week.slug for week in weeks] == ["theoretical17-v", "theoretical17-v-2"]


def test_week_source_file_is_unique_when_set():
    WeekFactory(source_path="")
    WeekFactory(source_path="")
    WeekFactory(source_path="_posts/2017-09-12-.md")

    with pytest.raises(IntegrityError), transaction.atomic():
        WeekFactory(source_path="_posts/2017-09-12-.md")


def test_presentation_order_is_unique_within_a_week():
    week = WeekFactory()
    PresentationFactory(week=week, order=1)
    PresentationFactory(order=1)  # another week

    with pytest.raises(IntegrityError), transaction.atomic():
        PresentationFactory(week=week, order=1)


def test_a_presenter_is_credited_once_per_presentation():
    entry = PresentationPresenterFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        PresentationPresenterFactory(presentation=entry.presentation, presenter=entry.presenter)


def test_deleting_a_term_with_weeks_is_refused():
    week = WeekFactory()

    with pytest.raises(ProtectedError):
        week.term.delete()

    assert Term.objects.filter(pk=week.term_id).exists()


def test_deleting_a_week_removes_its_rows_but_not_its_papers():
    row = PresentationFactory()

    row.week.delete()

    assert not Week.objects.exists()
    assert Paper.objects.filter(pk=row.paper_id).exists()


def test_presentation_lists_presenters_in_credited_order():
    row = PresentationFactory()
    second = PresentationPresenterFactory(presentation=row, order=2).presenter
    first = PresentationPresenterFactory(presentation=row, order=1).presenter

    assert row.ordered_presenters == [first, second]


def test_published_terms_and_weeks_exclude_drafts():
    live_term, draft_term = TermFactory(is_published=True), TermFactory(is_published=False)
    live = WeekFactory(term=live_term, is_published=True)
    WeekFactory(term=live_term, is_published=False)
    WeekFactory(term=draft_term, is_published=True)  # its term is still a draft

    assert list(Term.objects.published()) == [live_term]
    assert list(Week.objects.published()) == [live]


def test_current_term_is_the_running_one_else_the_next_else_the_last():
    spring = TermFactory(start_date=datetime.date(2025, 1, 10), end_date=datetime.date(2025, 5, 1))
    fall = TermFactory(start_date=datetime.date(2026, 9, 1), end_date=datetime.date(2026, 12, 18))
    spring_next = TermFactory(start_date=datetime.date(2027, 1, 10), end_date=datetime.date(2027, 5, 1))

    assert Term.objects.current(datetime.date(2026, 11, 27)) == fall
    assert Term.objects.current(datetime.date(2026, 12, 25)) == spring_next
    assert Term.objects.current(datetime.date(2025, 6, 1)) == fall
    assert Term.objects.current(datetime.date(2027, 6, 1)) == spring_next
    assert Term.objects.filter(pk=spring.pk).current(datetime.date(2027, 6, 1)) == spring
    assert Term.objects.none().current() is None


def test_weeks_for_a_term_come_in_date_order():
    term = TermFactory()
    later = WeekFactory(term=term, date=datetime.date(2026, 10, 1))
    sooner = WeekFactory(term=term, date=datetime.date(2026, 9, 10))
    WeekFactory()  # another term

    assert list(Week.objects.for_term(term)) == [sooner, later]
