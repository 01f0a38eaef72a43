"""An instructor sets up next term in the browser: copy the demo term forward, then add sessions."""

import datetime

import pytest
from playwright.sync_api import expect

from syllabus.models import Term
from tests.e2e.test_security_headers import log_in, problems, watched_page  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e


def test_copy_a_term_forward_and_generate_more_sessions(site, watched_page, django_user_model):  # noqa: F811
    page = watched_page
    old = Term.objects.get(slug="fall-2026")
    sessions = old.weeks.count()
    log_in(page, site, django_user_model)

    page.goto(site + "/admin/syllabus/term/")
    page.locator(f"input[name='_selected_action'][value='{old.pk}']").check()
    page.locator("select[name='action']").select_option("copy_forward")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_role("heading", name="Copy term forward")).to_be_visible()
    assert problems(page) == []
    page.get_by_label("Name").fill("Deep Learning Reading Group, Spring 2027")
    page.get_by_label("Start date").fill("2027-01-11")
    page.get_by_label("Dates to skip").fill("2027-02-18")
    page.get_by_role("button", name="Copy term").click()

    expect(page.locator(".messagelist .success")).to_contain_text(
        f"is a draft copy of “{old.name}” with {sessions} sessions"
    )
    assert problems(page) == []
    new = Term.objects.get(name="Deep Learning Reading Group, Spring 2027")
    assert (new.start_date, new.is_published, new.weeks.count()) == (
        datetime.date(2027, 1, 11),
        False,
        sessions,
    )
    assert not new.weeks.filter(date=datetime.date(2027, 2, 18)).exists()

    page.get_by_role("link", name="Generate sessions").click()
    page.get_by_label("Tuesday").check()
    page.get_by_label("Dates to skip").fill("2027-03-16")
    page.get_by_role("button", name="Generate sessions").click()

    expect(page.locator(".messagelist .success")).to_contain_text("draft sessions created: Tue 2027-01-12")
    assert problems(page) == []
    tuesdays = new.weeks.filter(date__week_day=3)
    assert tuesdays.exists() and not tuesdays.filter(date=datetime.date(2027, 3, 16)).exists()
