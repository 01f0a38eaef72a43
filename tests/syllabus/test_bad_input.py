"""Bad input gets a clear 400 (API) or form error (admin), never a 500; stored oddities never break a feed."""

import datetime
import json
import xml.etree.ElementTree as ET

import icalendar
import pytest
from django.urls import reverse

from papers.models import Paper
from presenters.models import Presenter
from syllabus.models import Term, Week
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TermFactory,
    WeekFactory,
)
from tests.syllabus.test_admin import admin_url, form_data

pytestmark = pytest.mark.django_db

LINE_FEED = "This must be a single line: remove the U+000A (line feed)."
CARRIAGE_RETURN = "This must be a single line: remove the U+000D (carriage return)."
DEEP_LIST = "".join("    " * level + "- item\n" for level in range(260))
TOO_DEEP = "Lists, quotes or indented blocks nest 259 levels deep here; at most 30 are allowed."


# Names are single-line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint, field, payload",
    [
        ("api:term-list", "name", {"start_date": "2026-09-01", "end_date": "2026-12-01"}),
        ("api:category-list", "name", {}),
        ("api:tag-list", "name", {}),
        ("api:presenter-list", "name", {}),
        ("api:presenter-list", "affiliation", {"name": "Ana"}),
        ("api:paper-list", "title", {}),
        ("api:paper-list", "authors", {"title": "A paper"}),
        ("api:paper-list", "venue", {"title": "A paper"}),
    ],
)
def test_the_api_refuses_line_breaks_in_names(editor_api, endpoint, field, payload):
    response = editor_api.post(reverse(endpoint), {field: "Two\nlines", **payload})

    assert (response.status_code, response.json()) == (400, {field: [LINE_FEED]})


def test_the_api_refuses_a_bare_carriage_return_in_a_week_title_and_a_row_label(editor_api):
    week = WeekFactory()

    titled = editor_api.patch(reverse("api:week-detail", args=[week.pk]), {"title": "Optimisation\rpart 2"})
    labelled = editor_api.post(reverse("api:presentation-list"), {"week": week.pk, "label": "A\rB"})

    assert (titled.status_code, titled.json()) == (400, {"title": [CARRIAGE_RETURN]})
    assert (labelled.status_code, labelled.json()) == (400, {"label": [CARRIAGE_RETURN]})
    assert Week.objects.get().title == week.title


def test_the_api_refuses_line_breaks_and_control_characters_in_tags_and_aliases(editor_api):
    week = WeekFactory()

    tags = editor_api.patch(reverse("api:week-detail", args=[week.pk]), {"tags": ["ok", "bad\ntag"]})
    aliases = editor_api.post(reverse("api:presenter-list"), {"name": "Ana", "aliases": ["Ana\x0bLee"]})

    assert (tags.status_code, tags.json()) == (
        400,
        {"tags": ["A tag name must be a single line: remove the U+000A (line feed) from “bad\ntag”."]},
    )
    assert (aliases.status_code, aliases.json()) == (
        400,
        {
            "aliases": [
                "A name must be a single line: remove the U+000B (a control character) from “Ana\x0bLee”."
            ]
        },
    )
    assert list(week.tags.all()) == []
    assert not Presenter.objects.exists()


def test_the_admin_refuses_line_breaks_in_a_term_name_and_a_presenter_name(staff_client):
    term_form = form_data(staff_client.get(admin_url(Term, "add")))
    term_form.update(
        {"name": "Fall\r\n2026", "slug": "fall", "start_date": "2026-09-01", "end_date": "2026-12-01"}
    )
    presenter_form = form_data(staff_client.get(admin_url(Presenter, "add")))
    presenter_form.update({"name": "Maya\nChen", "slug": "maya"})

    term = staff_client.post(admin_url(Term, "add"), term_form)
    presenter = staff_client.post(admin_url(Presenter, "add"), presenter_form)

    assert term.status_code == presenter.status_code == 200
    assert term.context["adminform"].form.errors == {"name": [CARRIAGE_RETURN]}
    assert presenter.context["adminform"].form.errors == {"name": [LINE_FEED]}
    assert not Term.objects.exists() and not Presenter.objects.exists()


def test_the_admin_refuses_a_paper_title_with_a_tab(staff_client):
    data = form_data(staff_client.get(admin_url(Paper, "add")))
    data.update({"title": "Attention\tIs All You Need", "slug": "attention"})

    response = staff_client.post(admin_url(Paper, "add"), data)

    assert response.context["adminform"].form.errors == {
        "title": ["This must be a single line: remove the U+0009 (tab)."]
    }


# Stored oddities never break a feed -------------------------------------------------------------


@pytest.fixture
def odd_names():
    """Rows written before names were checked (an import, a shell): line breaks and control characters."""
    term = TermFactory(name="Fall\n2026", slug="fall")
    presenter = PresenterFactory(name="Maya\r\nChen", slug="maya")
    week = WeekFactory(term=term, title="Optimisation\rpart\x0b2", date=datetime.date(2026, 9, 10))
    row = PresentationFactory(week=week, paper=PaperFactory(title="Adam:\na method", venue="", year=None))
    PresentationPresenterFactory(presentation=row, presenter=presenter)
    return week


def assert_well_formed_ical(content: bytes) -> None:
    """Every line ends with CRLF: no bare carriage return or line feed inside a line."""
    assert content.endswith(b"\r\n")
    for line in content.split(b"\r\n")[:-1]:
        assert b"\r" not in line and b"\n" not in line, line


@pytest.mark.parametrize(
    "url, calendar_name",
    [
        (reverse("syllabus:term_calendar", args=["fall"]), "Fall 2026"),
        (reverse("presenters:calendar", args=["maya"]), "Maya Chen: presentations"),
    ],
)
def test_calendars_turn_stored_line_breaks_into_one_line(client, odd_names, url, calendar_name):
    response = client.get(url)

    assert response.status_code == 200
    assert_well_formed_ical(response.content)
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == calendar_name
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Optimisation part 2"
    assert str(event["description"]) == "Adam: a method (Maya Chen)"


def test_the_atom_feed_turns_stored_control_characters_into_one_line(client, odd_names):
    response = client.get(reverse("syllabus:feed"))

    assert response.status_code == 200
    [entry] = ET.fromstring(response.content).findall("{http://www.w3.org/2005/Atom}entry")
    assert entry.find("{http://www.w3.org/2005/Atom}title").text == "Optimisation part 2 (10 Sep 2026)"
    summary = entry.find("{http://www.w3.org/2005/Atom}summary").text
    assert "<p>Thursday 10 September 2026, Fall\n2026</p>" in summary
    assert "<li>Adam:\na method — Maya\nChen</li>" in summary  # \r\n and \r are newlines in XML


# JSON the parser refuses ------------------------------------------------------------------------


def test_json_nested_a_thousand_deep_is_a_400(editor_api):
    response = editor_api.post(
        reverse("api:tag-list"), "[" * 1000 + "]" * 1000, content_type="application/json"
    )

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "JSON parse error - nested more than 32 levels deep."},
    )


def test_json_a_little_too_deep_for_any_request_is_a_400(editor_api):
    body = json.dumps({"name": "x", "extra": json.loads("[" * 40 + "]" * 40)})

    response = editor_api.post(reverse("api:tag-list"), body, content_type="application/json")

    assert (response.status_code, response.json()) == (
        400,
        {"detail": "JSON parse error - nested more than 32 levels deep."},
    )


@pytest.mark.parametrize(
    "endpoint, body, where",
    [
        ("api:week-detail", '{"tags": ["ok", "\\ud800"]}', "tags[1]"),
        ("api:week-detail", '{"title": "Intro \\udfff"}', "title"),
        ("api:week-detail", '{"body": "\\ud83d"}', "body"),
    ],
)
def test_a_lone_surrogate_is_a_400_naming_the_field(editor_api, endpoint, body, where):
    week = WeekFactory()

    response = editor_api.patch(reverse(endpoint, args=[week.pk]), body, content_type="application/json")

    assert (response.status_code, response.json()) == (
        400,
        {
            "detail": f"JSON parse error - the text of {where} is not valid Unicode (it holds a lone surrogate)."
        },
    )


def test_lone_surrogates_in_aliases_and_links_are_a_400(editor_api):
    presenter = editor_api.post(
        reverse("api:presenter-list"),
        '{"name": "Ana", "aliases": ["\\udc00x"]}',
        content_type="application/json",
    )
    paper = editor_api.post(
        reverse("api:paper-list"),
        '{"title": "P", "links": [{"url": "https://example.org/", "label": "\\ud800"}]}',
        content_type="application/json",
    )

    assert (presenter.status_code, presenter.json()["detail"]) == (
        400,
        "JSON parse error - the text of aliases[0] is not valid Unicode (it holds a lone surrogate).",
    )
    assert (paper.status_code, paper.json()["detail"]) == (
        400,
        "JSON parse error - the text of links[0].label is not valid Unicode (it holds a lone surrogate).",
    )


def test_a_valid_surrogate_pair_is_an_ordinary_character(editor_api):
    week = WeekFactory()

    response = editor_api.patch(
        reverse("api:week-detail", args=[week.pk]),
        '{"tags": ["\\ud83d\\ude00"]}',
        content_type="application/json",
    )

    assert (response.status_code, response.json()["tags"]) == (200, ["\U0001f600"])


# Markdown nested too deep --------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint, field, factory",
    [
        ("api:term-detail", "description", TermFactory),
        ("api:week-detail", "body", WeekFactory),
        ("api:presentation-detail", "notes", PresentationFactory),
        ("api:paper-detail", "abstract", PaperFactory),
        ("api:presenter-detail", "bio", PresenterFactory),
    ],
)
def test_the_api_refuses_markdown_nested_too_deep(editor_api, endpoint, field, factory):
    obj = factory()

    response = editor_api.patch(reverse(endpoint, args=[obj.pk]), {field: DEEP_LIST})

    assert (response.status_code, response.json()) == (400, {field: [TOO_DEEP]})


def test_the_admin_refuses_markdown_nested_too_deep(staff_client):
    week = WeekFactory(body="Intro")
    data = form_data(staff_client.get(admin_url(week, "change", week.pk)))
    data["body"] = DEEP_LIST

    response = staff_client.post(admin_url(week, "change", week.pk), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"body": [TOO_DEEP]}
    assert Week.objects.get().body == "Intro"


def test_markdown_thirty_levels_deep_is_accepted_and_rendered(editor_api):
    term = TermFactory()
    nested = "".join("    " * level + f"- level {level + 1}\n" for level in range(30))

    response = editor_api.patch(reverse("api:term-detail", args=[term.pk]), {"description": nested})

    assert response.status_code == 200
    assert response.json()["description_html"].count("<ul>") == 30


def test_a_stored_body_too_deep_to_render_is_shown_as_plain_text():
    """What an import or a shell saves without validation still saves: its HTML is the escaped text."""
    week = WeekFactory(body="<b>x</b>\n" + DEEP_LIST)

    assert week.body_html.startswith("<pre>&lt;b&gt;x&lt;/b&gt;\n- item\n    - item\n")
    assert week.body_html.endswith("- item</pre>")


# Lists of a bounded size ------------------------------------------------------------------------

TOO_MANY = ["Ensure this field has no more than 100 elements."]


def test_a_hundred_thousand_tags_are_refused_before_any_is_looked_up(
    editor_api, django_assert_max_num_queries
):
    week = WeekFactory()
    body = json.dumps({"tags": [f"tag {number}" for number in range(100_000)]})

    # token and user, permissions (2), the week and what it embeds (5), the write's savepoint and its
    # rollback and release (3); nothing per tag
    with django_assert_max_num_queries(11):
        response = editor_api.patch(
            reverse("api:week-detail", args=[week.pk]), body, content_type="application/json"
        )

    assert (response.status_code, response.json()) == (400, {"tags": TOO_MANY})


def test_a_hundred_tags_are_accepted(editor_api):
    week = WeekFactory()

    response = editor_api.patch(
        reverse("api:week-detail", args=[week.pk]), {"tags": [f"tag {n:03}" for n in range(100)]}
    )

    assert response.status_code == 200
    assert week.tags.count() == 100


@pytest.mark.parametrize(
    "endpoint, field, item",
    [
        ("api:presenter-list", "aliases", lambda n: f"Alias {n}"),
        ("api:paper-list", "links", lambda n: {"url": f"https://example.org/{n}"}),
        ("api:presentation-list", "presenters", lambda n: n + 1),
        ("api:week-list", "categories", lambda n: f"category-{n}"),
        ("api:paper-list", "tags", lambda n: f"tag {n}"),
    ],
)
def test_every_writable_list_holds_at_most_a_hundred_items(
    editor_api, endpoint, field, item, django_assert_max_num_queries
):
    payload = {
        "name": "Ana",
        "title": "Paper",
        "week": WeekFactory().pk,
        field: [item(n) for n in range(101)],
    }

    with django_assert_max_num_queries(8):
        response = editor_api.post(reverse(endpoint), payload)

    assert response.status_code == 400
    assert response.json()[field] == TOO_MANY
