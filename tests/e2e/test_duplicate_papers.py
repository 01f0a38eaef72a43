"""An instructor adds a paper that is already known, sees where it was read, and merges the two."""

import pytest
from playwright.sync_api import expect

from papers.models import Paper
from tests.e2e.test_security_headers import log_in, problems, watched_page  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e


def test_a_known_paper_is_shown_and_merged_under_the_policy(site, watched_page, django_user_model):  # noqa: F811
    page = watched_page
    log_in(page, site, django_user_model)
    known = Paper.objects.get(arxiv_id="1706.03762")

    page.goto(site + "/admin/papers/paper/add/")
    page.get_by_label("Title:").fill("attention is all you need.")
    page.get_by_role("button", name="Save", exact=True).click()

    panel = page.locator("#paper-duplicates")
    expect(panel).to_contain_text("Attention Is All You Need")
    expect(panel).to_contain_text("read in")
    expect(panel.get_by_role("link", name="Open")).to_have_attribute(
        "href", f"/admin/papers/paper/{known.pk}/change/"
    )
    assert problems(page) == []
    page.get_by_label("It is a different paper: save anyway").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    copy = Paper.objects.get(title="attention is all you need.")

    page.goto(site + "/admin/papers/paper/?q=attention+is+all")
    for paper in (known, copy):
        page.locator(f"input[name='_selected_action'][value='{paper.pk}']").check()
    page.locator("select[name='action']").select_option("merge_papers")
    page.get_by_role("button", name="Go").click()

    expect(page.locator(".merge-papers-summary")).to_contain_text("Then 1 paper is deleted")
    expect(page.locator(f"#keep-{known.pk}")).to_be_checked()
    assert problems(page) == []
    page.get_by_role("button", name="Merge into “Attention Is All You Need”").click()

    expect(page.locator(".messagelist")).to_contain_text("Merged 2 papers into “Attention Is All You Need”.")
    assert list(Paper.objects.filter(title__icontains="attention is all").values_list("pk", flat=True)) == [
        known.pk
    ]
    assert problems(page) == []
