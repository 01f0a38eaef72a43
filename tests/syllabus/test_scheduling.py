"""Generating a term's sessions and copying a term forward (syllabus/scheduling.py)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from papers.models import SlideDeck
from syllabus.models import Presentation, PresentationPresenter, Term, Week
from syllabus.scheduling import MAX_GENERATED_WEEKS, shifted_dates, term_copy, term_generate_weeks
from tests.conftest import count_queries
from tests.factories import (
    CategoryFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    SlideDeckFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def week_rows(term: Term) -> list[tuple]:
    return list(term.weeks.order_by("date").values_list("position", "date", "title", "slug", "is_published"))


# --- term_generate_weeks


def test_generate_weeks_makes_a_draft_session_on_each_weekday_of_the_term():
    term = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 9, 30))  # starts on a Tuesday

    created = term_generate_weeks(term=term, weekdays=[TUE], skip=[])

    assert [(week.position, week.date, week.title) for week in created] == [
        (1, D(2026, 9, 1), "Session 1"),
        (2, D(2026, 9, 8), "Session 2"),
        (3, D(2026, 9, 15), "Session 3"),
        (4, D(2026, 9, 22), "Session 4"),
        (5, D(2026, 9, 29), "Session 5"),
    ]
    assert all(week.pk for week in created)
    assert week_rows(term)[0] == (1, D(2026, 9, 1), "Session 1", "session-1", False)


def test_generate_weeks_on_two_weekdays_skipping_holidays_numbers_in_date_order():
    term = TermFactory(start_date=D(2026, 10, 5), end_date=D(2026, 10, 18))  # Monday to Sunday

    term_generate_weeks(term=term, weekdays=[THU, MON], skip=[D(2026, 10, 8), D(2026, 12, 25)])

    assert [(position, date) for position, date, *_ in week_rows(term)] == [
        (1, D(2026, 10, 5)),
        (2, D(2026, 10, 12)),
        (3, D(2026, 10, 15)),
    ]


def test_generate_weeks_again_only_fills_the_gaps_and_continues_the_numbering():
    term = TermFactory(start_date=D(2026, 9, 7), end_date=D(2026, 9, 20))
    WeekFactory(term=term, position=1, title="Session 1", slug="session-1", date=D(2026, 9, 7))
    term_generate_weeks(term=term, weekdays=[MON], skip=[])
    before = week_rows(term)

    again = term_generate_weeks(term=term, weekdays=[MON], skip=[])
    with_fridays = term_generate_weeks(term=term, weekdays=[MON, FRI], skip=[])

    assert again == []
    assert before == [
        (1, D(2026, 9, 7), "Session 1", "session-1", True),
        (2, D(2026, 9, 14), "Session 2", "session-2", False),
    ]
    # Every session is numbered in date order: the new Friday comes before the second Monday, whose
    # default title follows its new number (its address stays).
    assert [(week.position, week.date, week.slug) for week in with_fridays] == [
        (2, D(2026, 9, 11), "session-2-2"),
        (4, D(2026, 9, 18), "session-4"),
    ]
    assert [(p, d, t) for p, d, t, _, _ in week_rows(term)] == [
        (1, D(2026, 9, 7), "Session 1"),
        (2, D(2026, 9, 11), "Session 2"),
        (3, D(2026, 9, 14), "Session 3"),
        (4, D(2026, 9, 18), "Session 4"),
    ]


def test_generated_sessions_before_existing_ones_number_the_term_in_date_order():
    term = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 9, 30))
    named = WeekFactory(term=term, position=1, title="Guest lecture", date=D(2026, 9, 22))

    term_generate_weeks(term=term, weekdays=[TUE], skip=[])

    assert [(p, d, t) for p, d, t, _, _ in week_rows(term)] == [
        (1, D(2026, 9, 1), "Session 1"),
        (2, D(2026, 9, 8), "Session 2"),
        (3, D(2026, 9, 15), "Session 3"),
        (4, D(2026, 9, 22), "Guest lecture"),
        (5, D(2026, 9, 29), "Session 5"),
    ]
    assert named.history.latest().position == 4  # the move is in the week's history


def test_generated_and_copied_sessions_are_in_the_history():
    term = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 9, 14))
    created = term_generate_weeks(term=term, weekdays=[TUE], skip=[])
    PresentationFactory(week=created[0], order=1)

    copy = term_copy(term=term, name="Next", start=D(2027, 9, 7), keep_papers=True, keep_presenters=True)

    assert [week.history.get().history_type for week in created] == ["+", "+"]
    copied = list(copy.weeks.all())
    assert [week.history.get().history_type for week in copied] == ["+", "+"]
    assert copied[0].presentations.get().history.get().history_type == "+"


def test_generated_slugs_do_not_clash_with_existing_ones():
    term = TermFactory(start_date=D(2026, 9, 7), end_date=D(2026, 9, 14))
    WeekFactory(term=term, position=1, title="Intro", slug="session-2", date=D(2026, 9, 1))

    created = term_generate_weeks(term=term, weekdays=[MON], skip=[])

    assert [(week.title, week.slug) for week in created] == [
        ("Session 2", "session-2-2"),
        ("Session 3", "session-3"),
    ]


def test_generate_weeks_across_a_daylight_saving_change_keeps_the_weekday():
    # Europe and the US change clocks in late October / early November; dates are not affected.
    term = TermFactory(start_date=D(2026, 10, 20), end_date=D(2026, 11, 10))

    created = term_generate_weeks(term=term, weekdays=[TUE], skip=[])

    assert [week.date for week in created] == [
        D(2026, 10, 20),
        D(2026, 10, 27),
        D(2026, 11, 3),
        D(2026, 11, 10),
    ]


def test_generate_weeks_takes_the_same_queries_for_few_and_many_sessions():
    short = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 9, 8))
    long = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 12, 31))

    few = count_queries(lambda: term_generate_weeks(term=short, weekdays=[TUE], skip=[]))
    many = count_queries(lambda: term_generate_weeks(term=long, weekdays=[TUE, THU], skip=[]))

    assert (short.weeks.count(), long.weeks.count()) == (2, 36)
    assert few == many


@pytest.mark.parametrize(
    ("weekdays", "skip", "message"),
    [
        ([], [], {"weekdays": ["Choose at least one weekday."]}),
        ([7], [], {"weekdays": ["Weekdays are numbers from 0 (Monday) to 6 (Sunday), not 7."]}),
        (["1"], [], {"weekdays": ["Weekdays are numbers from 0 (Monday) to 6 (Sunday), not '1'."]}),
        ([True], [], {"weekdays": ["Weekdays are numbers from 0 (Monday) to 6 (Sunday), not True."]}),
        ([1], ["2026-09-01"], {"skip": ["Dates to skip must be dates (YYYY-MM-DD), not '2026-09-01'."]}),
        (
            [1],
            [datetime.datetime(2026, 9, 1, 10)],
            {"skip": ["Dates to skip must be dates (YYYY-MM-DD), not datetime.datetime(2026, 9, 1, 10, 0)."]},
        ),
    ],
)
def test_generate_weeks_refuses_bad_input_with_a_message(weekdays, skip, message):
    term = TermFactory()

    with pytest.raises(ValidationError) as error:
        term_generate_weeks(term=term, weekdays=weekdays, skip=skip)

    assert error.value.message_dict == message
    assert not term.weeks.exists()


def test_generate_weeks_refuses_more_than_the_cap():
    term = TermFactory(start_date=D(2026, 1, 1), end_date=D(2027, 12, 31))

    with pytest.raises(ValidationError) as error:
        term_generate_weeks(term=term, weekdays=range(7), skip=[])

    assert error.value.message_dict == {
        "weekdays": [f"This would create 730 sessions; at most {MAX_GENERATED_WEEKS} are made at once."]
    }
    assert not term.weeks.exists()


# --- shifted_dates


def test_shifted_dates_keep_weekdays_and_gaps():
    old = [D(2026, 9, 1), D(2026, 9, 3), D(2026, 9, 15)]  # Tue, Thu, Tue two weeks on

    assert shifted_dates(old, old_start=D(2026, 9, 1), new_start=D(2027, 1, 11), skip=set()) == [
        D(2027, 1, 12),
        D(2027, 1, 14),
        D(2027, 1, 26),
    ]


def test_a_skipped_date_pushes_that_session_and_the_later_ones_on_its_weekday():
    old = [D(2026, 9, 1), D(2026, 9, 3), D(2026, 9, 8), D(2026, 9, 10)]  # Tue, Thu, Tue, Thu

    shifted = shifted_dates(old, old_start=D(2026, 9, 1), new_start=D(2027, 1, 12), skip={D(2027, 1, 12)})

    assert shifted == [D(2027, 1, 19), D(2027, 1, 14), D(2027, 1, 26), D(2027, 1, 21)]


def test_a_session_before_the_new_start_moves_to_the_next_week():
    # The old term started on a Monday; the new one starts on a Wednesday: the first Monday moves on.
    old = [D(2026, 9, 7), D(2026, 9, 9)]

    assert shifted_dates(old, old_start=D(2026, 9, 7), new_start=D(2027, 1, 13), skip=set()) == [
        D(2027, 1, 18),
        D(2027, 1, 13),
    ]


# --- term_copy


def seminar(weeks: int, code: str = "2026F") -> Term:
    """A term of `weeks` Tuesday sessions, each with two rows, categories, tags, a deck and presenters."""
    term = TermFactory(
        name="Fall 2026", code=code, start_date=D(2026, 9, 1), end_date=D(2026, 12, 15), description="*Hi*"
    )
    category, tag = CategoryFactory(), TagFactory()
    for number in range(1, weeks + 1):
        week = WeekFactory(
            term=term,
            position=number,
            title=f"Topic {number}",
            code=f"2026-W{number}",
            date=D(2026, 9, 1) + datetime.timedelta(weeks=number - 1),
            body=f"Read **{number}**",
            source_path=f"_posts/{code}-{number}.md",
        )
        week.categories.add(category)
        week.tags.add(tag)
        for order in (1, 2):
            row = PresentationFactory(
                week=week, order=order, section="Required", label=f"L{order}", notes="*n*"
            )
            PresentationPresenterFactory(presentation=row, order=0)
        SlideDeckFactory(week=week, presentation=row)
    return term


def snapshot(term: Term) -> list:
    """Everything of the old term a copy might touch, including the `updated` stamps."""
    term.refresh_from_db()
    return [
        {field.attname: getattr(term, field.attname) for field in Term._meta.concrete_fields},
        list(Week.objects.filter(term=term).order_by("pk").values()),
        list(Presentation.objects.filter(week__term=term).order_by("pk").values()),
        list(PresentationPresenter.objects.filter(presentation__week__term=term).order_by("pk").values()),
        list(Week.categories.through.objects.filter(week__term=term).order_by("pk").values()),
        list(Week.tags.through.objects.filter(week__term=term).order_by("pk").values()),
        list(SlideDeck.objects.filter(week__term=term).order_by("pk").values()),
    ]


def test_copy_makes_a_draft_term_with_shifted_weeks_rows_and_papers():
    old = seminar(weeks=3)

    new = term_copy(
        term=old, name="Spring 2027", start=D(2027, 1, 11), keep_papers=True, keep_presenters=False
    )

    new.refresh_from_db()
    assert (new.name, new.slug, new.code, new.start_date, new.end_date, new.is_published) == (
        "Spring 2027",
        "spring-2027",
        "",
        D(2027, 1, 11),
        D(2027, 4, 26),  # as long as the old term: 105 days
        False,
    )
    assert (new.description, new.description_html) == ("*Hi*", "<p><em>Hi</em></p>")
    assert list(
        new.weeks.values_list("position", "date", "title", "slug", "code", "body_html", "is_published")
    ) == [
        (1, D(2027, 1, 12), "Topic 1", "topic-1", "", "<p>Read <strong>1</strong></p>", False),
        (2, D(2027, 1, 19), "Topic 2", "topic-2", "", "<p>Read <strong>2</strong></p>", False),
        (3, D(2027, 1, 26), "Topic 3", "topic-3", "", "<p>Read <strong>3</strong></p>", False),
    ]
    old_week, new_week = old.weeks.get(position=2), new.weeks.get(position=2)
    assert list(new_week.categories.all()) == list(old_week.categories.all())
    assert list(new_week.tags.all()) == list(old_week.tags.all())
    assert new_week.source_path == ""
    assert list(new_week.presentations.values_list("order", "section", "label", "paper", "notes_html")) == [
        (row.order, "Required", row.label, row.paper_id, "<p><em>n</em></p>")
        for row in old_week.presentations.all()
    ]
    assert not PresentationPresenter.objects.filter(presentation__week__term=new).exists()
    assert not SlideDeck.objects.filter(week__term=new).exists()


def test_copy_without_papers_keeps_presenters_when_asked():
    old = seminar(weeks=2)

    new = term_copy(term=old, name="Next", start=D(2027, 1, 12), keep_papers=False, keep_presenters=True)

    old_rows = Presentation.objects.filter(week__term=old).order_by("week__date", "order")
    new_rows = Presentation.objects.filter(week__term=new).order_by("week__date", "order")
    assert [row.paper_id for row in new_rows] == [None] * 4
    assert [row.ordered_presenters for row in new_rows] == [row.ordered_presenters for row in old_rows]


def test_copy_honours_skipped_dates_and_ends_on_the_last_session():
    old = seminar(weeks=3)
    old.end_date = D(2026, 9, 15)
    old.save()

    new = term_copy(
        term=old,
        name="Next",
        start=D(2027, 1, 12),
        skip=[D(2027, 1, 19)],
        keep_papers=True,
        keep_presenters=True,
    )

    assert list(new.weeks.values_list("date", flat=True)) == [D(2027, 1, 12), D(2027, 1, 26), D(2027, 2, 2)]
    assert new.end_date == D(2027, 2, 2)


def test_copy_never_changes_the_old_term():
    old = seminar(weeks=2)
    before = snapshot(old)

    term_copy(term=old, name="Next", start=D(2027, 1, 12), keep_papers=True, keep_presenters=True)

    assert snapshot(old) == before


@pytest.mark.parametrize(("keep_papers", "keep_presenters"), [(True, True), (False, False)])
def test_copy_takes_the_same_queries_for_small_and_large_terms(keep_papers, keep_presenters):
    small, large = seminar(weeks=1, code="S"), seminar(weeks=6, code="L")

    def copy(term):
        return lambda: term_copy(
            term=term, name=f"Copy of {term.pk}", start=D(2027, 1, 12), keep_papers=keep_papers,
            keep_presenters=keep_presenters,
        )  # fmt: skip

    assert count_queries(copy(small)) == count_queries(copy(large))
    assert Week.objects.filter(term__name=f"Copy of {large.pk}").count() == 6


def test_copy_of_a_term_without_weeks_has_the_old_length():
    old = TermFactory(start_date=D(2026, 9, 1), end_date=D(2026, 9, 30))

    new = term_copy(term=old, name="Empty", start=D(2027, 3, 1), keep_papers=True, keep_presenters=False)

    assert (new.start_date, new.end_date, new.weeks.count()) == (D(2027, 3, 1), D(2027, 3, 30), 0)


@pytest.mark.parametrize(
    ("name", "start", "message"),
    [
        ("", D(2027, 1, 1), {"name": ["This field cannot be blank."]}),
        ("Two\nlines", D(2027, 1, 1), None),
        ("Next", "2027-01-01", {"start": ["The new start must be a date (YYYY-MM-DD)."]}),
        ("Next", D(9999, 12, 1), {"start": ["The copied sessions would fall after the year 9999."]}),
    ],
)
def test_copy_refuses_bad_input_and_creates_nothing(name, start, message):
    old = seminar(weeks=2)
    terms = Term.objects.count()

    with pytest.raises(ValidationError) as error:
        term_copy(term=old, name=name, start=start, keep_papers=True, keep_presenters=False)

    if message is not None:
        assert error.value.message_dict == message
    else:
        assert list(error.value.message_dict) == ["name"]
    assert Term.objects.count() == terms


# --- Sessions at a time: generated and copied weeks get their start and end (bulk_create skips save)


def test_generated_weeks_start_at_the_terms_meeting_time_in_its_zone():
    term = TermFactory(
        start_date=D(2026, 10, 20),
        end_date=D(2026, 10, 31),
        start_time=datetime.time(16, 0),
        duration_minutes=90,
        time_zone="Europe/Berlin",
    )

    created = term_generate_weeks(term=term, weekdays=[TUE], skip=[])

    stored = Week.objects.filter(pk__in=[week.pk for week in created]).order_by("date")
    utc = datetime.UTC
    assert [(week.starts_at, week.ends_at) for week in stored] == [
        (
            datetime.datetime(2026, 10, 20, 14, 0, tzinfo=utc),
            datetime.datetime(2026, 10, 20, 15, 30, tzinfo=utc),
        ),
        (
            datetime.datetime(2026, 10, 27, 15, 0, tzinfo=utc),
            datetime.datetime(2026, 10, 27, 16, 30, tzinfo=utc),
        ),
    ]


def test_copied_weeks_are_new_calendar_events_at_the_new_dates():
    old = TermFactory(
        start_date=D(2026, 4, 13), end_date=D(2026, 7, 31), start_time=datetime.time(10, 15), time_zone="UTC"
    )
    week = WeekFactory(term=old, date=D(2026, 4, 14))
    week.save()  # computes its time

    copy = term_copy(term=old, name="Next", start=D(2027, 4, 12), keep_papers=True, keep_presenters=False)

    (copied,) = copy.weeks.all()
    assert copied.date == D(2027, 4, 13)
    assert copied.starts_at == datetime.datetime(2027, 4, 13, 10, 15, tzinfo=datetime.UTC)
    assert copied.uuid != Week.objects.get(pk=week.pk).uuid
