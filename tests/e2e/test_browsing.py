"""A student browsing the demo seminar in Chromium."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

PAGE_TYPES = [
    "/",
    "/terms/",
    "/terms/fall-2026/",
    "/terms/fall-2026/attention-and-pre-training/",
    "/papers/",
    "/papers/attention-is-all-you-need/",
    "/presenters/",
    "/presenters/sofia/",
    "/categories/",
    "/categories/architectures/",
    "/tags/",
    "/tags/transformers/",
    "/years/2026/",
    "/search/?q=attention",
    "/no-such-page/",
]


def test_student_goes_from_home_to_a_presenter(site, page):
    page.goto(site + "/")
    page.get_by_role("link", name="Full syllabus").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deep Learning Reading Group, Fall 2026")

    page.get_by_role("link", name="Attention and pre-training").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attention and pre-training")

    page.get_by_role("link", name="Attention Is All You Need").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attention Is All You Need")
    expect(page.get_by_text("NeurIPS 2017")).to_be_visible()

    page.get_by_role("link", name="Sofia Novak").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sofia Novak")
    expect(page.get_by_role("link", name="Denoising Diffusion Probabilistic Models")).to_be_visible()


def test_abstract_opens_on_demand(site, page):
    page.goto(site + "/terms/fall-2026/attention-and-pre-training/")
    abstract = page.get_by_text("The Transformer replaces recurrence")
    expect(abstract).to_be_hidden()

    page.locator("#row-1 summary").click()

    expect(abstract).to_be_visible()


def test_search_from_the_header(site, page):
    page.goto(site + "/")
    page.get_by_role("searchbox", name="Search papers and sessions").fill("diffusion")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.get_by_role("link", name="Denoising Diffusion Probabilistic Models")).to_be_visible()
    expect(page.get_by_role("link", name="Generative models II: diffusion")).to_be_visible()


def test_week_page_fits_a_phone(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site + "/terms/fall-2026/attention-and-pre-training/")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    first_paper = page.locator("#row-1 td[data-label='Paper']").bounding_box()
    first_presenter = page.locator("#row-1 td[data-label='Presenter']").bounding_box()
    context.close()

    assert overflow <= 0
    # Cells stack into a card: the paper sits below the presenter, full width.
    assert first_paper["y"] > first_presenter["y"]
    assert first_paper["width"] > 300


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
@pytest.mark.parametrize("path", PAGE_TYPES)
def test_pages_have_no_serious_accessibility_violations(site, browser, path, color_scheme):
    context = browser.new_context(color_scheme=color_scheme)
    page = context.new_page()
    page.goto(site + path)
    violations = Axe().run(page).response["violations"]
    context.close()

    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
