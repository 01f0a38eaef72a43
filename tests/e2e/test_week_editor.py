"""An instructor filling in a week's table on a laptop (1366 x 768), in Chromium."""

import pytest
from playwright.sync_api import expect

from presenters.models import Presenter
from syllabus.models import Week
from tests.e2e.test_security_headers import RECORD_VIOLATIONS, log_in, problems
from tests.factories import PresentationFactory, PresentationPresenterFactory, SlideDeckFactory, pdf_file

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def laptop(browser):
    """A laptop-sized page that records CSP violations (see test_security_headers.py)."""
    context = browser.new_context(viewport=LAPTOP)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text)
            if message.type in ("error", "warning") and "Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()


@pytest.fixture
def week(site) -> Week:
    """A demo week with four rows (one with a long label and notes) and two decks, one uploaded."""
    week = Week.objects.get(slug="attention-and-pre-training")
    while week.presentations.count() < 4:
        row = PresentationFactory(
            week=week,
            order=week.presentations.count() + 1,
            section="Optional readings",
            label="A rather long label for a talk that is not a paper",
            notes="Bring questions about the proofs in section 3 and the appendix.",
        )
        PresentationPresenterFactory(presentation=row)
    first = week.presentations.first()
    SlideDeckFactory(week=week, presentation=first, url="", file=pdf_file("a-long-file-name-of-slides.pdf"))
    SlideDeckFactory(week=week, presentation=first)
    return week


def open_week(page, site, django_user_model, week: Week) -> None:
    log_in(page, site, django_user_model)
    page.goto(site + f"/admin/syllabus/week/{week.pk}/change/")
    expect(page.locator("#presentations-group")).to_be_visible()


def test_week_editor_fits_a_laptop_without_scrolling_sideways(site, laptop, django_user_model, week):
    open_week(laptop, site, django_user_model, week)
    laptop.wait_for_load_state("networkidle")

    width = laptop.evaluate("document.scrollingElement.scrollWidth")
    inner = laptop.evaluate("window.innerWidth")
    rows = laptop.locator("#presentations-group .inline-related.has_original")

    assert week.presentations.count() == 4
    expect(rows).to_have_count(4)
    assert width <= inner == 1366
    # Every field of a row is on screen, the delete box included.
    for name in ["position", "section", "label", "paper", "speakers", "notes", "DELETE"]:
        box = laptop.locator(f"[name='presentations-3-{name}']").bounding_box()
        assert box is not None and box["x"] + box["width"] <= inner, name
    assert problems(laptop) == []


def test_a_presenter_is_created_from_a_row_and_credited_on_it(site, laptop, django_user_model, week):
    open_week(laptop, site, django_user_model, week)
    row = laptop.locator("#presentations-3")

    with laptop.expect_popup() as opened:
        laptop.locator("#add_id_presentations-3-speakers").click()
    popup = opened.value
    popup.get_by_label("Name:").fill("Grace Hopper")
    popup.get_by_role("button", name="Save", exact=True).click()
    popup.wait_for_event("close")

    expect(
        row.locator(".fieldBox.field-speakers .select2-selection__choice", has_text="Grace Hopper")
    ).to_be_visible()
    laptop.get_by_role("button", name="Save", exact=True).click()
    expect(laptop.locator(".messagelist")).to_contain_text("was changed successfully")
    credited = [p.name for p in week.presentations.order_by("order")[3].presenters.all()]
    assert "Grace Hopper" in credited
    assert Presenter.objects.filter(name="Grace Hopper").count() == 1
    assert problems(laptop) == []


def test_a_new_deck_starts_with_its_rows_paper_and_presenter(site, laptop, django_user_model, week):
    first = week.presentations.select_related("paper").first()
    presenter = first.ordered_presenters[0] if first.presenter_entries.exists() else None
    open_week(laptop, site, django_user_model, week)

    laptop.get_by_text("Add another Slide deck").click()
    deck = laptop.locator("#slide_decks-group .dynamic-slide_decks").last
    deck.locator("select[name$='-presentation']").select_option(str(first.pk))

    expect(deck.locator("input[name$='-title']")).to_have_value(first.paper.title)
    if presenter is not None:
        expect(deck.locator("select[name$='-presenter']")).to_have_value(str(presenter.pk))
        expect(deck.locator(".fieldBox.field-presenter .select2-selection__rendered")).to_contain_text(
            presenter.name
        )
    assert problems(laptop) == []


def test_a_new_row_starts_in_the_section_of_the_row_above(site, laptop, django_user_model, week):
    open_week(laptop, site, django_user_model, week)
    sections = laptop.locator("#presentation-sections option")

    # The blank row under the table starts in the last row's section; the instructor changes it.
    blank = laptop.locator("[name='presentations-4-section']")
    expect(blank).to_have_value("Optional readings")
    blank.fill("Discussion")
    blank.dispatch_event("change")
    laptop.get_by_text("Add another Presentation").click()

    expect(laptop.locator("[name='presentations-5-section']")).to_have_value("Discussion")
    offered = sections.evaluate_all("options => options.map(o => o.value)")
    assert {"Optional readings", "Discussion"} <= set(offered)
    assert blank.get_attribute("list") == "presentation-sections"
    assert problems(laptop) == []


def test_rows_still_move_up_and_down(site, laptop, django_user_model, week):
    first, second = list(week.presentations.order_by("order")[:2])
    open_week(laptop, site, django_user_model, week)

    laptop.locator("#presentations-0").get_by_role("button", name="Move row down").click()

    saved = laptop.locator("#presentations-group .inline-related.has_original")
    expect(saved.nth(0)).to_have_id("presentations-1")
    expect(laptop.locator("[name='presentations-0-position']")).to_have_value("2")
    expect(laptop.locator("[name='presentations-1-position']")).to_have_value("1")
    laptop.get_by_role("button", name="Save", exact=True).click()
    expect(laptop.locator(".messagelist")).to_contain_text("was changed successfully")
    assert list(week.presentations.order_by("order")[:2]) == [second, first]
    assert problems(laptop) == []


def test_what_is_missing_fits_a_laptop(site, laptop, django_user_model, week):
    log_in(laptop, site, django_user_model)
    fits = "document.scrollingElement.scrollWidth <= window.innerWidth"

    laptop.goto(site + "/admin/syllabus/week/")
    laptop.get_by_role("link", name="missing slides").click()
    expect(laptop.locator("#result_list tbody tr").first).to_be_visible()
    assert laptop.evaluate(fits)
    assert problems(laptop) == []

    laptop.goto(site + f"/admin/syllabus/term/{week.term_id}/change/")
    laptop.get_by_role("link", name="What is missing").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text(f"What is missing in {week.term}")
    assert laptop.evaluate(fits)
    assert problems(laptop) == []
