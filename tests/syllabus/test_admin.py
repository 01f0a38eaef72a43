"""The admin is where instructors live: every page loads, in a number of queries that does not grow."""

import pytest
from django.urls import reverse

from papers.models import SlideDeck
from presenters.models import Presenter
from syllabus.models import Presentation, Term, Week
from tests.conftest import count_queries
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TermFactory,
    WeekFactory,
    pdf_file,
    png_file,
)
from tests.seminar import Seminar

pytestmark = pytest.mark.django_db

# The most queries any admin page may take: session and user (2), the page's object and its
# inlines' querysets with their prefetches, one per autocomplete selection, filter choices, and
# the sidebar's permission checks. What matters more is that the count is the same at 1 and 3 rows.
ADMIN_PAGE_BUDGET = 25


PAGES = {
    "term": lambda s: s.term,
    "category": lambda s: s.category,
    "tag": lambda s: s.tag,
    "week": lambda s: s.week,
    "presentation": lambda s: s.presentation,
    "paper": lambda s: s.paper,
    "paperlink": lambda s: s.link,
    "slidedeck": lambda s: s.deck,
    "presenter": lambda s: s.presenter,
}


def admin_url(obj_or_model, view: str, *args) -> str:
    meta = obj_or_model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def assert_flat(staff_client, seminar: Seminar, url_for, django_assert_max_num_queries) -> None:
    """The page loads, and costs the same number of queries with three times the rows."""

    def load():
        response = staff_client.get(url_for())
        assert response.status_code == 200, url_for()

    load()  # warm per-process caches (content types, permissions) before counting
    small = count_queries(load)
    seminar.grow(2)
    with django_assert_max_num_queries(ADMIN_PAGE_BUDGET):
        large = count_queries(load)
    assert large == small, f"{url_for()}: {small} queries with few rows, {large} with more"


@pytest.mark.parametrize("name", PAGES)
def test_changelist_queries_do_not_grow_with_rows(staff_client, name, django_assert_max_num_queries):
    seminar = Seminar.create()
    model = PAGES[name](seminar)

    assert_flat(staff_client, seminar, lambda: admin_url(model, "changelist"), django_assert_max_num_queries)


@pytest.mark.parametrize("name", PAGES)
def test_change_page_queries_do_not_grow_with_rows(staff_client, name, django_assert_max_num_queries):
    seminar = Seminar.create()
    obj = PAGES[name](seminar)

    assert_flat(
        staff_client, seminar, lambda: admin_url(obj, "change", obj.pk), django_assert_max_num_queries
    )


@pytest.mark.parametrize("name", [name for name in PAGES if name != "presentation"])
def test_add_page_queries_do_not_grow_with_rows(staff_client, name, django_assert_max_num_queries):
    seminar = Seminar.create()
    model = PAGES[name](seminar)

    assert_flat(staff_client, seminar, lambda: admin_url(model, "add"), django_assert_max_num_queries)


def test_presentations_are_added_from_their_week_not_alone(staff_client):
    changelist = staff_client.get(admin_url(Presentation, "changelist")).content.decode()

    assert admin_url(Presentation, "add") not in changelist
    assert staff_client.get(admin_url(Presentation, "add")).status_code == 403


def test_week_change_page_shows_rows_with_paper_and_presenters_selected(staff_client):
    seminar = Seminar.create()

    page = staff_client.get(admin_url(seminar.week, "change", seminar.week.pk)).content.decode()

    assert f'<option value="{seminar.paper.pk}" selected>{seminar.paper.title}</option>' in page
    assert f'<option value="{seminar.presenter.pk}" selected>{seminar.presenter.name}</option>' in page


def test_deleting_a_term_with_weeks_explains_why_it_is_refused(staff_client):
    week = WeekFactory(title="Memorization")

    page = staff_client.get(admin_url(week.term, "delete", week.term.pk)).content.decode()

    assert "would require deleting the following protected related objects" in page
    assert "Memorization" in page


def test_publish_action_publishes_the_selected_weeks(staff_client):
    drafts = [WeekFactory(is_published=False) for _ in range(2)]
    untouched = WeekFactory(is_published=False)

    response = staff_client.post(
        admin_url(Week, "changelist"),
        {"action": "publish", "_selected_action": [week.pk for week in drafts]},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == ["2 weeks published."]
    assert sorted(Week.objects.filter(is_published=True).values_list("pk", flat=True)) == [
        w.pk for w in drafts
    ]
    untouched.refresh_from_db()
    assert not untouched.is_published


def test_unpublish_action_hides_terms(staff_client):
    term = TermFactory(is_published=True)

    response = staff_client.post(
        admin_url(Term, "changelist"), {"action": "unpublish", "_selected_action": [term.pk]}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == ["1 term unpublished."]
    term.refresh_from_db()
    assert not term.is_published


def test_term_admin_sets_the_presenters_deadlines(staff_client):
    term = TermFactory()
    url = admin_url(term, "change", term.pk)
    data = form_data(staff_client.get(url))

    response = staff_client.post(url, {**data, "slides_due_days": "2", "reminder_days": "0"})

    assert response.status_code == 302
    term.refresh_from_db()
    assert (term.slides_due_days, term.reminder_days) == (2, 0)


def test_presenter_changelist_shows_the_photo(staff_client):
    presenter = PresenterFactory(name="Ada", photo=png_file("ada.png"))

    page = staff_client.get(admin_url(Presenter, "changelist")).content.decode()

    assert f'src="{presenter.photo.url}" alt="Photo of Ada"' in page


def form_data(response) -> dict:
    """The POST data a browser would send back for an admin change page, as it was rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            data[field.html_name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def test_week_admin_swaps_rows_and_reorders_presenters(staff_client):
    week = WeekFactory()
    first = PresentationFactory(week=week, order=1, paper=PaperFactory(title="First"))
    PresentationFactory(week=week, order=2, paper=PaperFactory(title="Second"))
    ana, ben = PresenterFactory(name="Ana"), PresenterFactory(name="Ben")
    PresentationPresenterFactory(presentation=first, presenter=ana, order=0)
    PresentationPresenterFactory(presentation=first, presenter=ben, order=1)
    url = admin_url(week, "change", week.pk)
    data = form_data(staff_client.get(url))

    data["presentations-0-position"], data["presentations-1-position"] = "2", "1"
    data["presentations-0-speakers"] = [str(ben.pk), str(ana.pk)]
    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    rows = list(week.presentations.select_related("paper"))
    assert [(row.order, row.paper.title) for row in rows] == [(1, "Second"), (2, "First")]
    assert [p.name for p in rows[1].ordered_presenters] == ["Ben", "Ana"]


def test_week_admin_adds_a_row_last_and_deletes_another(staff_client):
    week = WeekFactory()
    PresentationFactory(week=week, order=1, paper=PaperFactory(title="Gone"))
    PresentationFactory(week=week, order=2, paper=PaperFactory(title="Stays"))
    new_paper = PaperFactory(title="Added")
    url = admin_url(week, "change", week.pk)
    data = form_data(staff_client.get(url))

    data["presentations-0-DELETE"] = "on"
    data["presentations-2-paper"] = str(new_paper.pk)
    response = staff_client.post(url, data)

    assert response.status_code == 302
    titles = [(row.order, row.paper.title) for row in week.presentations.select_related("paper")]
    assert titles == [(1, "Stays"), (2, "Added")]


def test_week_admin_refuses_an_empty_row_with_a_message(staff_client):
    week = WeekFactory()
    url = admin_url(week, "change", week.pk)
    data = form_data(staff_client.get(url))

    data["presentations-0-section"] = "Required readings"
    response = staff_client.post(url, data)

    assert response.status_code == 200
    assert "Give this row a paper, a label, notes or a presenter." in response.content.decode()
    assert not week.presentations.exists()


def test_presentation_autocomplete_queries_do_not_grow(staff_client, django_assert_max_num_queries):
    seminar = Seminar.create()
    query = "app_label=papers&model_name=slidedeck&field_name=presentation&term="

    assert_flat(
        staff_client,
        seminar,
        lambda: f"{reverse('admin:autocomplete')}?{query}",
        django_assert_max_num_queries,
    )


def test_a_position_typed_on_a_new_row_wins_the_tie(staff_client):
    week = WeekFactory()
    PresentationFactory(week=week, order=1, paper=PaperFactory(title="Old first"))
    url = admin_url(week, "change", week.pk)
    data = form_data(staff_client.get(url))

    data["presentations-1-position"] = "1"
    data["presentations-1-label"] = "Warm-up"
    response = staff_client.post(url, data)

    assert response.status_code == 302
    assert [(row.order, str(row.paper or row.label)) for row in week.presentations.all()] == [
        (1, "Warm-up"),
        (2, "Old first"),
    ]


def post_week_with_new_deck(client, week: Week, row_pk: int, **changes: str):
    """Save the week's page as rendered, plus one new linked deck for row `row_pk`."""
    url = admin_url(week, "change", week.pk)
    data = form_data(client.get(url))
    data.update(
        {
            "slide_decks-TOTAL_FORMS": "1",
            "slide_decks-0-url": "https://slides.example.edu/a.pdf",
            "slide_decks-0-presentation": str(row_pk),
            "slide_decks-0-is_public": "on",
            **changes,
        }
    )
    return client.post(url, data)


def test_week_page_deck_cannot_point_at_another_weeks_row(staff_client):
    week = WeekFactory()
    stranger = PresentationFactory()

    response = post_week_with_new_deck(staff_client, week, stranger.pk)

    assert response.status_code == 200
    assert (
        "Select a valid choice. That choice is not one of the available choices." in response.content.decode()
    )
    assert not SlideDeck.objects.exists()


def test_week_page_deck_cannot_point_at_a_row_being_deleted(staff_client):
    week = WeekFactory()
    row = PresentationFactory(week=week, order=1)

    response = post_week_with_new_deck(staff_client, week, row.pk, **{"presentations-0-DELETE": "on"})

    assert response.status_code == 200
    assert "This row is being deleted; choose another or none." in response.content.decode()
    assert list(week.presentations.all()) == [row]
    assert not SlideDeck.objects.exists()


def test_week_page_adds_a_deck_for_one_of_its_rows(staff_client):
    week = WeekFactory()
    row = PresentationFactory(week=week, order=1)

    response = post_week_with_new_deck(staff_client, week, row.pk)

    assert response.status_code == 302
    deck = SlideDeck.objects.get()
    assert (deck.week, deck.presentation, deck.url) == (week, row, "https://slides.example.edu/a.pdf")


def test_adding_a_week_with_its_table_and_presenters(staff_client):
    term, paper = TermFactory(), PaperFactory(title="Attention Is All You Need")
    ana, ben = PresenterFactory(name="Ana"), PresenterFactory(name="Ben")
    response = staff_client.get(admin_url(Week, "add"))
    assert [inline.formset.prefix for inline in response.context["inline_admin_formsets"]] == [
        "presentations"
    ]
    data = form_data(response)

    data.update(
        {
            "term": str(term.pk),
            "position": "1",
            "date": "2026-09-10",
            "title": "Attention",
            "presentations-0-paper": str(paper.pk),
            "presentations-0-speakers": [str(ben.pk), str(ana.pk)],
        }
    )
    response = staff_client.post(admin_url(Week, "add"), data)

    assert response.status_code == 302
    week = Week.objects.get()
    assert (week.slug, week.is_published) == ("attention", False)
    row = week.presentations.get()
    assert (row.order, row.paper, row.ordered_presenters) == (1, paper, [ben, ana])


def test_duplicate_week_slug_in_a_term_is_a_form_error(staff_client):
    existing = WeekFactory(slug="intro")
    data = form_data(staff_client.get(admin_url(Week, "add")))

    data.update(
        {
            "term": str(existing.term_id),
            "position": "2",
            "date": "2026-09-10",
            "title": "Intro",
            "slug": "intro",
        }
    )
    response = staff_client.post(admin_url(Week, "add"), data)

    assert response.status_code == 200
    assert "Another week of this term already has this slug." in response.content.decode()
    assert Week.objects.count() == 1


def test_slide_deck_with_file_and_link_is_a_form_error(staff_client):
    week = WeekFactory()
    data = form_data(staff_client.get(admin_url(SlideDeck, "add")))

    data.update({"week": str(week.pk), "url": "https://slides.example.edu/a.pdf", "file": pdf_file("a.pdf")})
    response = staff_client.post(admin_url(SlideDeck, "add"), data)

    assert response.status_code == 200
    assert "Upload a file or give a link, not both and not neither." in response.content.decode()
    assert not SlideDeck.objects.exists()


def test_instructors_create_api_tokens_in_the_admin(staff_client, django_user_model):
    from rest_framework.authtoken.models import Token

    script = django_user_model.objects.create_user(username="course-script")
    url = reverse("admin:authtoken_tokenproxy_add")

    response = staff_client.post(url, {"user": script.pk})

    assert response.status_code == 302
    assert Token.objects.get().user == script
