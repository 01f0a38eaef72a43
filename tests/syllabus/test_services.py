import pytest

from syllabus import services
from syllabus.models import Presentation, Tag, Term, Week
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresenterFactory,
    TagFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db


def titles_in_order(week: Week) -> list[tuple[int, str]]:
    return [(row.order, row.paper.title) for row in week.presentations.select_related("paper")]


def test_arrange_swaps_two_rows_despite_the_unique_order():
    week = WeekFactory()
    first = PresentationFactory(week=week, order=1, paper=PaperFactory(title="First"))
    second = PresentationFactory(week=week, order=2, paper=PaperFactory(title="Second"))

    services.week_arrange_presentations(week=week, presentations=[second, first])

    assert titles_in_order(week) == [(1, "Second"), (2, "First")]


def test_arrange_numbers_rows_from_one_and_saves_new_ones():
    week = WeekFactory()
    kept = PresentationFactory(week=week, order=7, paper=PaperFactory(title="Kept"))
    new = Presentation(paper=PaperFactory(title="New"), label="Warm-up")

    services.week_arrange_presentations(week=week, presentations=[new, kept])

    assert titles_in_order(week) == [(1, "New"), (2, "Kept")]


def test_arrange_keeps_rows_it_was_not_told_about_after_the_others():
    week = WeekFactory()
    seen = PresentationFactory(week=week, order=1, paper=PaperFactory(title="Seen"))
    PresentationFactory(week=week, order=2, paper=PaperFactory(title="Added meanwhile"))
    new = Presentation(paper=PaperFactory(title="New"))

    services.week_arrange_presentations(week=week, presentations=[new, seen])

    assert titles_in_order(week) == [(1, "New"), (2, "Seen"), (3, "Added meanwhile")]


def test_save_table_deletes_numbers_and_credits_in_one_go():
    week = WeekFactory()
    gone = PresentationFactory(week=week, order=1, paper=PaperFactory(title="Gone"))
    stays = PresentationFactory(week=week, order=2, paper=PaperFactory(title="Stays"))
    ana = PresenterFactory(name="Ana")

    services.week_save_table(
        week=week,
        rows=[services.TableRow(presentation=stays, presenters=[ana])],
        deleted=[gone],
    )

    assert titles_in_order(week) == [(1, "Stays")]
    assert stays.ordered_presenters == [ana]


def test_arrange_refuses_rows_of_another_week():
    week = WeekFactory()
    stranger = PresentationFactory()

    with pytest.raises(ValueError, match="another week"):
        services.week_arrange_presentations(week=week, presentations=[stranger])


def test_set_presenters_keeps_the_given_order_and_drops_the_rest():
    row = PresentationFactory()
    ana, ben, cleo = (PresenterFactory(name=name) for name in ("Ana", "Ben", "Cleo"))
    services.presentation_set_presenters(presentation=row, presenters=[ana, ben])

    services.presentation_set_presenters(presentation=row, presenters=[cleo, ana, cleo])

    assert [p.name for p in row.ordered_presenters] == ["Cleo", "Ana"]


def test_tags_match_existing_ones_ignoring_case_and_spacing():
    existing = TagFactory(name="Adversarial-Examples")

    tags = services.tags_get_or_create(names=["adversarial-examples", " Memorization ", "memorization", ""])

    assert [tag.name for tag in tags] == ["Adversarial-Examples", "Memorization"]
    assert tags[0] == existing
    assert Tag.objects.count() == 2


def test_publishing_reports_how_many_rows_changed():
    term = TermFactory(is_published=False)
    WeekFactory(term=term, is_published=True)
    WeekFactory(term=term, is_published=False)

    assert services.weeks_set_published(weeks=Week.objects.all(), published=True) == 1
    assert services.terms_set_published(terms=Term.objects.all(), published=True) == 1
    assert Week.objects.published().count() == 2
    assert services.weeks_set_published(weeks=Week.objects.all(), published=True) == 0
