"""An instructor uploading slides in the admin, as a browser does it."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_pdf

pytestmark = pytest.mark.e2e


def test_instructor_uploads_a_deck_and_sees_its_thumbnail_on_the_week_page(
    site, page, django_user_model, tmp_path
):
    django_user_model.objects.create_superuser("instructor", "i@example.edu", "a-long-passphrase")
    slides = tmp_path / "Batch Norm talk.pdf"
    slides.write_bytes(make_pdf(pages=7, size=(720, 540)))
    page.goto(site + "/admin/login/")
    page.get_by_label("Username").fill("instructor")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()

    page.goto(site + "/admin/syllabus/week/?q=Optimisation")
    page.get_by_role("link", name="Optimisation and normalisation").click()
    page.get_by_text("Add another Slide deck").click()
    new_row = page.locator("#slide_decks-group .dynamic-slide_decks").last
    new_row.locator("input[type=file]").set_input_files(slides)
    new_row.locator("select[name$='-presentation']").select_option(index=2)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(site + "/terms/fall-2026/optimisation-and-normalisation/")
    thumbnail = page.locator("img[src$='/batch-norm-talk.webp']")
    thumbnail.scroll_into_view_if_needed()  # it loads lazily
    loaded_width = """image => image.complete ? image.naturalWidth : new Promise(done => {
        image.onload = () => done(image.naturalWidth);
        image.onerror = () => done(0);
    })"""
    assert thumbnail.evaluate(loaded_width) == 480  # the image arrived, not a broken one
    expect(page.get_by_text("7 pages")).to_be_visible()
    expect(page.get_by_role("link", name="Download all 2 slide files (.zip)")).to_be_visible()
