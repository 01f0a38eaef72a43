"""Every kind of page works in Chromium under the site's Content-Security-Policy, admin included."""

import pytest
from playwright.sync_api import expect

from syllabus.models import Week
from tests.e2e.test_browsing import PAGE_TYPES

pytestmark = pytest.mark.e2e

WEEK = "/terms/fall-2026/attention-and-pre-training/"

PUBLIC_PAGES = [
    *PAGE_TYPES,  # every public page type, the 404 included
    "/api/v1/",  # DRF's browsable API
    "/api/v1/papers/",  # ... with its Filters button
]

# Runs in every page before its own scripts: a blocked script, style, image, frame or form shows
# up here, as the browser reports it, along with what was blocked.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', event => {
    window.__cspViolations.push(
        `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber}`
    );
});
"""


@pytest.fixture
def watched_page(browser):
    """A page that records CSP violations, and what the console says about CSP or Permissions-Policy."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = []

    def record(message):
        # Chromium says "Content Security Policy" and "Permissions-Policy" (an unknown feature: warning).
        if message.type in ("error", "warning") and "Policy" in message.text:
            page.console_errors.append(message.text)

    page.on("console", record)
    yield page
    context.close()


def problems(page) -> list[str]:
    """What the browser refused or complained about on the page shown, once it has settled."""
    page.wait_for_load_state("networkidle")
    # A popup has no console listener of its own; the init script still records its violations.
    return page.evaluate("window.__cspViolations") + getattr(page, "console_errors", [])


def log_in(page, site, django_user_model):
    django_user_model.objects.create_superuser("instructor", "i@example.edu", "a-long-passphrase")
    page.goto(site + "/admin/login/")
    assert problems(page) == []
    page.get_by_label("Username").fill("instructor")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Seminar data", level=1)).to_be_visible()


def test_public_pages_and_the_api_show_no_policy_violations(site, watched_page):
    week = Week.objects.get(slug="attention-and-pre-training")
    week.body = "Attention weights are $\\mathrm{softmax}(QK^T / \\sqrt{d_k})$.\n\n$$e^{i\\pi} + 1 = 0$$"
    week.save()
    seen = {}

    for path in PUBLIC_PAGES:
        response = watched_page.goto(site + path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        seen[path] = problems(watched_page)

    assert seen == {path: [] for path in PUBLIC_PAGES}


def test_week_page_shows_its_math_and_slide_thumbnail_under_the_policy(site, watched_page):
    week = Week.objects.get(slug="attention-and-pre-training")
    week.body = "Attention weights are $\\sqrt{d_k}$."
    week.save()

    watched_page.goto(site + WEEK)

    formula = watched_page.locator("math msqrt")
    expect(formula).to_be_visible()
    assert formula.bounding_box()["width"] > 10  # laid out as MathML, not an unknown inline element
    thumbnail = watched_page.locator(".slides img").first
    thumbnail.scroll_into_view_if_needed()  # it loads lazily
    assert thumbnail.evaluate("image => image.decode().then(() => image.naturalWidth)") == 480
    assert problems(watched_page) == []


def test_swagger_docs_render_their_operations_under_the_policy(site, watched_page):
    watched_page.goto(site + "/api/v1/docs/")

    expect(watched_page.locator(".opblock-summary-path").first).to_be_visible()
    expect(watched_page.locator("[data-path='/api/v1/terms/']").first).to_be_visible()
    terms = watched_page.locator("#operations-terms-terms_list")
    terms.locator(".opblock-summary").click()  # opens one operation
    terms.get_by_role("button", name="Try it out").click()
    terms.get_by_role("button", name="Execute").click()  # a request from the page to the API
    expect(terms.locator(".live-responses-table tbody .response-col_status")).to_have_text("200")
    assert problems(watched_page) == []


def test_admin_pages_show_no_policy_violations(site, watched_page, django_user_model):
    log_in(watched_page, site, django_user_model)
    assert problems(watched_page) == []  # the index

    watched_page.goto(site + "/admin/presenters/presenter/")  # a changelist with photos
    expect(watched_page.locator("#result_list img.admin-photo").first).to_be_visible()
    assert problems(watched_page) == []

    week = Week.objects.get(slug="attention-and-pre-training")
    watched_page.goto(site + f"/admin/syllabus/week/{week.pk}/change/")
    expect(watched_page.locator("#presentations-group")).to_be_visible()
    watched_page.locator(".field-tags .select2-selection").click()  # autocomplete
    expect(watched_page.locator(".select2-results__option", has_text="transformers")).to_be_visible()
    watched_page.keyboard.press("Escape")
    rows = watched_page.locator("#presentations-group .dynamic-presentations")
    before = rows.count()
    watched_page.get_by_text("Add another Presentation").click()  # inlines
    expect(rows).to_have_count(before + 1)
    assert problems(watched_page) == []

    # The browsable API as an editor sees it: with its forms (and their inline styles).
    watched_page.goto(site + f"/api/v1/weeks/{week.pk}/")
    expect(watched_page.locator("form[data-method='PUT']").first).to_be_attached()
    assert problems(watched_page) == []


def test_an_inline_script_is_reported(site, watched_page):
    """The check above can fail: a script the policy blocks is caught, and it did not run."""
    watched_page.goto(site + "/terms/")

    watched_page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.injected = true';
            document.body.append(script);
        }"""
    )

    event, console_error = problems(watched_page)
    assert watched_page.evaluate("window.injected") is None
    assert event.startswith("script-src-elem blocked inline at ")
    assert console_error.startswith(
        "Executing inline script violates the following Content Security Policy directive 'script-src 'self''."
    )


def test_history_pages_and_a_revert_show_no_policy_violations(site, watched_page, django_user_model):
    week = Week.objects.get(slug="attention-and-pre-training")
    title = week.title
    week.title = "Renamed by mistake"
    week.save()
    log_in(watched_page, site, django_user_model)

    watched_page.goto(site + f"/admin/syllabus/week/{week.pk}/history/")
    expect(watched_page.locator("#change-history .history-changes li").first).to_have_text(
        f"Title: {title} → Renamed by mistake"
    )
    assert problems(watched_page) == []

    watched_page.locator("#change-history tbody tr").last.get_by_role("link").click()  # the first version
    expect(watched_page.locator("#id_title")).to_have_value(title)
    assert problems(watched_page) == []
    watched_page.get_by_role("button", name="Revert").first.click()

    expect(watched_page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert problems(watched_page) == []
    week.refresh_from_db()
    assert week.title == title
