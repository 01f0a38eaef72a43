"""A presenter invited by an instructor signs in from the mail and uploads slides for their own row."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from presenters.models import Presenter
from syllabus.models import Presentation
from tests.factories import make_pdf

pytestmark = pytest.mark.e2e

SIGN_IN_LINK = re.compile(r"https?://\S+/sign-in/link/\?token=\S+")


def test_invited_presenter_uploads_slides_seen_on_the_week_page_and_cannot_open_another_row(
    site, page, browser, django_user_model, tmp_path, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    django_user_model.objects.create_superuser("instructor", "i@example.edu", "a-long-passphrase")
    page.goto(site + "/admin/login/")
    page.get_by_label("Username").fill("instructor")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()

    # The instructor invites Jonas from the presenters' list.
    page.goto(site + "/admin/presenters/presenter/")
    page.get_by_role("row", name=re.compile("Jonas Okafor")).get_by_role("checkbox").check()
    page.locator("select[name=action]").select_option(label="Invite selected presenters by email")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("1 presenter invited: Jonas Okafor.")

    (invitation,) = mail.outbox
    assert invitation.to == ["jonas@example.edu"]
    link = SIGN_IN_LINK.search(invitation.body).group(0)

    # Jonas, in a browser of his own, follows the link: a page with a button, then his sessions.
    presenter = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    presenter.set_default_timeout(10_000)
    presenter.goto(link)
    presenter.get_by_role("button", name="Sign in").click()
    expect(presenter.get_by_role("heading", level=1)).to_have_text("My sessions")
    batch_norm = presenter.get_by_role("row", name=re.compile("Batch Normalization"))
    expect(batch_norm).to_contain_text("slides overdue")  # the demo session is in September
    batch_norm.get_by_role("link", name=re.compile("Edit")).click()

    slides = tmp_path / "Jonas batch norm.pdf"
    slides.write_bytes(make_pdf(pages=5, size=(720, 540)))
    presenter.get_by_label("Slide file").set_input_files(slides)
    presenter.get_by_role("button", name="Save slides").click()
    expect(presenter.locator(".messages, .messagelist").first).to_contain_text("slides")

    # The public week page shows the thumbnail of his deck, for anyone.
    page.context.clear_cookies()
    page.goto(site + "/terms/fall-2026/optimisation-and-normalisation/")
    thumbnail = page.locator("img[src$='/jonas-batch-norm.webp']")
    thumbnail.scroll_into_view_if_needed()  # it loads lazily
    loaded_width = """image => image.complete ? image.naturalWidth : new Promise(done => {
        image.onload = () => done(image.naturalWidth);
        image.onerror = () => done(0);
    })"""
    assert thumbnail.evaluate(loaded_width) == 480
    expect(page.get_by_text("5 pages")).to_be_visible()

    # Luis's row is not his: it does not even exist for him.
    luis = Presenter.objects.get(name="Luis Ortega")
    other_row = Presentation.objects.filter(presenters=luis).exclude(presenters__name="Jonas Okafor").first()
    answer = presenter.goto(f"{site}/my/rows/{other_row.pk}/")
    assert answer.status == 404
    expect(presenter.get_by_role("button", name="Save slides")).to_have_count(0)
    presenter.context.close()
