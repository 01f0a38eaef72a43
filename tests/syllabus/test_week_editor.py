"""The week's page in the admin: a presenter made from a row, sections offered, decks prefilled."""

import html
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from syllabus.models import Week
from tests.factories import (
    PaperFactory,
    PresentationFactory,
    PresentationPresenterFactory,
    PresenterFactory,
    TermFactory,
    WeekFactory,
)
from tests.syllabus.test_admin import form_data

pytestmark = pytest.mark.django_db

ADD_PRESENTER = reverse("admin:presenters_presenter_add") + "?_to_field=id&amp;_popup=1"


def change_url(week: Week) -> str:
    return reverse("admin:syllabus_week_change", args=[week.pk])


def datalist(page: str) -> list[str]:
    found = re.search(r'<datalist id="presentation-sections">(.*?)</datalist>', page, re.S)
    return [html.unescape(value) for value in re.findall(r'<option value="([^"]*)">', found.group(1))]


def test_each_row_offers_a_new_presenter_in_a_popup(staff_client):
    week = WeekFactory()
    PresentationFactory(week=week, order=1)

    page = staff_client.get(change_url(week)).content.decode()

    links = re.findall(
        r'<a class="related-widget-wrapper-link add-related" id="add_id_([^"]+)"\s+data-popup="yes"\s+href="([^"]+)"',
        page,
    )
    speakers = [(name, href) for name, href in links if name.endswith("-speakers")]
    assert speakers == [
        (f"{prefix}-speakers", ADD_PRESENTER)
        for prefix in ["presentations-0", "presentations-1", "presentations-__prefix__"]
    ]


# Who sees the "+": it opens the presenter's add form, so it needs the permission to add presenters.
@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", "login"), ("member", "login"), ("editor", "no link"), ("editor_adding", "link")],
)
def test_new_presenter_link_needs_the_add_presenter_permission(client, django_user_model, who, expected):
    week = WeekFactory()
    if who != "anonymous":
        user = django_user_model.objects.create_user(username=who, password="x", is_staff=who != "member")
        codenames = ["view_week", "change_week", "add_presentation", "change_presentation", "view_presenter"]
        if who == "editor_adding":
            codenames.append("add_presenter")
        user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
        client.force_login(user)

    response = client.get(change_url(week))

    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
        return
    assert response.status_code == 200
    has_link = 'id="add_id_presentations-0-speakers"' in response.content.decode()
    assert has_link == (expected == "link")


def test_sections_of_the_term_are_offered_once(staff_client):
    week = WeekFactory()
    PresentationFactory(week=week, order=1, section="Required readings")
    PresentationFactory(week=week, order=2, section="Required readings")
    PresentationFactory(week=WeekFactory(term=week.term), section="Optional & extra")
    PresentationFactory(week=week, order=3, section="")
    PresentationFactory(section="Another term's section")

    page = staff_client.get(change_url(week)).content.decode()

    assert datalist(page) == ["Optional & extra", "Required readings"]
    assert 'list="presentation-sections"' in page


def test_a_new_week_offers_every_section_used(staff_client):
    PresentationFactory(section="Required readings")
    PresentationFactory(section="Talks")

    page = staff_client.get(reverse("admin:syllabus_week_add")).content.decode()

    assert datalist(page) == ["Required readings", "Talks"]


def test_a_new_row_starts_in_the_last_rows_section(staff_client):
    week = WeekFactory()
    PresentationFactory(week=week, order=1, section="Required readings")
    PresentationFactory(week=week, order=2, section="Optional readings")
    paper = PaperFactory(title="Added")
    url = change_url(week)
    response = staff_client.get(url)
    rows = response.context["inline_admin_formsets"][0].formset
    data = form_data(response)

    assert rows.forms[2]["section"].value() == "Optional readings"
    assert rows.empty_form["section"].value() == "Optional readings"  # for "Add another Presentation"

    # Left alone, the blank row is not saved; given a paper, it is saved in that section.
    assert staff_client.post(url, data).status_code == 302
    assert week.presentations.count() == 2
    data = form_data(staff_client.get(url))
    data["presentations-2-paper"] = str(paper.pk)
    assert staff_client.post(url, data).status_code == 302
    assert [(row.paper.title, row.section) for row in week.presentations.filter(order=3)] == [
        ("Added", "Optional readings")
    ]


def test_a_new_deck_knows_each_rows_paper_title_and_first_presenter(staff_client):
    week = WeekFactory()
    read = PresentationFactory(week=week, order=1, paper=PaperFactory(title='Attention "is" all'))
    ana, ben = PresenterFactory(name="Ana"), PresenterFactory(name="Ben")
    PresentationPresenterFactory(presentation=read, presenter=ana, order=0)
    PresentationPresenterFactory(presentation=read, presenter=ben, order=1)
    talk = PresentationFactory(week=week, order=2, paper=None, label="Guest talk")

    response = staff_client.get(change_url(week))

    deck_forms = next(
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "slide_decks"
    )
    select = deck_forms.formset.empty_form["presentation"]
    defaults = json.loads(select.field.widget.widget.attrs["data-row-defaults"])
    assert defaults == {
        str(read.pk): {"title": 'Attention "is" all', "presenter": [ana.pk, "Ana"]},
        str(talk.pk): {"title": "Guest talk", "presenter": None},
    }
    assert 'data-row-defaults="{&quot;' in response.content.decode()


def test_week_page_fields_are_laid_out_on_two_lines_per_row(staff_client):
    week = WeekFactory(term=TermFactory())
    PresentationFactory(week=week, order=1)

    page = staff_client.get(change_url(week)).content.decode()

    assert '<div class="form-row field-position field-section field-label field-read_elsewhere">' in page
    assert '<div class="form-row field-paper field-speakers field-notes">' in page
    assert "css/admin_week.css" in page and "js/admin_week.js" in page
