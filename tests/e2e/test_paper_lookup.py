"""An instructor fills a week's row from a pasted arXiv id, in Chromium, under the site's CSP."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from papers.lookup import arxiv, parse_identifier
from papers.models import Paper, PaperLookup
from syllabus.models import Week
from tests.e2e import test_security_headers as security
from tests.papers.conftest import recording

pytestmark = pytest.mark.e2e

watched_page = security.watched_page  # the fixture that records CSP violations


def test_a_rows_arxiv_id_opens_the_filled_in_paper_form_and_selects_the_saved_paper(
    site, watched_page, django_user_model
):
    page = watched_page
    identifier = parse_identifier("hep-th/9901001")
    found = arxiv.parse_entry(recording("arxiv_hep-th_9901001.xml"), identifier)
    # The answer arXiv gave earlier: the site asks no one (and the test needs no network).
    PaperLookup.objects.create(
        identifier=identifier.key, source="arxiv", result=found.to_json(), fetched_at=timezone.now()
    )
    week = Week.objects.get(slug="attention-and-pre-training")
    new_row = week.presentations.count()  # the empty row under the table
    security.log_in(page, site, django_user_model)
    page.goto(f"{site}/admin/syllabus/week/{week.pk}/change/")

    paper_select = page.locator(f'select[name="presentations-{new_row}-paper"]')
    box = paper_select.locator(
        "xpath=ancestor::div[contains(@class, 'related-widget-wrapper')]/following-sibling::div[@class='paper-lookup']"
    )
    box.get_by_label("arXiv id or DOI of a new paper").fill("arXiv:hep-th/9901001")
    with page.expect_popup() as opened:
        box.get_by_role("button", name="Look up").click()
    popup = opened.value
    popup.wait_for_load_state()
    expect(popup.get_by_label("Title:")).to_have_value("A recorded old-style entry")
    expect(popup.get_by_label("Authors:")).to_have_value("Jane Q. Physicist")
    expect(popup.locator(".messagelist")).to_contain_text("Filled in from arXiv")
    assert security.problems(popup) == []
    with popup.expect_event("close"):  # Django's popup response hands the new paper to the row
        popup.get_by_role("button", name="Save", exact=True).click()

    paper = Paper.objects.get(arxiv_id="hep-th/9901001")
    expect(paper_select).to_have_value(str(paper.pk))
    assert [link.url for link in paper.links.all()] == [
        "https://arxiv.org/abs/hep-th/9901001",
        "https://arxiv.org/pdf/hep-th/9901001",
    ]
    assert security.problems(page) == []
