"""A student signs in by link, claims a session with a paper of the pool, and the public page shows it."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from presenters.signin import sign_in_link
from syllabus.signup.models import Claim
from tests.factories import (
    PoolPaperFactory,
    SignedInPresenterFactory,
    SignupFactory,
    SlotFactory,
    TermFactory,
    WeekFactory,
)

pytestmark = pytest.mark.e2e


def test_student_claims_a_slot_and_anyone_sees_their_name(site, page, browser):
    term = TermFactory(
        name="Spring 2027", start_date=datetime.date(2027, 2, 1), end_date=datetime.date(2027, 5, 28)
    )
    signup = SignupFactory(term=term, deadline=timezone.now() + datetime.timedelta(days=7))
    for title, date, capacity in (
        ("Diffusion", datetime.date(2027, 2, 4), 2),
        ("Retrieval", datetime.date(2027, 2, 11), 1),
    ):
        SlotFactory(week=WeekFactory(term=term, title=title, date=date), capacity=capacity)
    for title in ("Denoising Diffusion Probabilistic Models", "Dense Passage Retrieval"):
        PoolPaperFactory(term=term, paper__title=title)
    student = SignedInPresenterFactory(name="Mira Chen", email="mira@example.edu")

    # Mira, in her own browser, follows her sign-in link and finds the sign-up from her sessions.
    mira = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    mira.set_default_timeout(10_000)
    mira.goto(sign_in_link(user=student.user, base_url=site))
    mira.get_by_role("button", name="Sign in").click()
    expect(mira.get_by_role("heading", level=1)).to_have_text("My sessions")
    mira.get_by_role("link", name="Sign up to present in Spring 2027").click()
    expect(mira.get_by_role("heading", level=1)).to_have_text("Sign-up for Spring 2027")

    def slot(title: str):
        return mira.locator(".signup-slots > li").filter(has=mira.locator(".slot-line", has_text=title))

    diffusion = slot("Diffusion")
    expect(diffusion.locator(".slot-line")).to_have_text("4 Feb 2027 · Diffusion · 2 places · 2 free")
    diffusion.get_by_label("Paper for Diffusion").select_option(
        label="Denoising Diffusion Probabilistic Models"
    )
    diffusion.get_by_role("button", name="Claim").click()

    expect(mira.locator(".messages")).to_have_text(
        "You present “Denoising Diffusion Probabilistic Models” in Diffusion (4 Feb 2027)."
    )
    expect(mira.locator(".my-claims .claim-line")).to_have_text(
        "4 Feb 2027 · Diffusion · Denoising Diffusion Probabilistic Models · confirmed (place 1)"
    )
    expect(diffusion.locator(".slot-line")).to_have_text(
        "4 Feb 2027 · Diffusion · 2 places · taken by Mira Chen · 1 free"
    )
    # The paper is hers now: no other slot offers it.
    retrieval = slot("Retrieval")
    expect(retrieval.get_by_label("Paper for Retrieval").locator("option")).to_have_text(
        ["Choose a paper…", "Dense Passage Retrieval"]
    )
    assert list(Claim.objects.values_list("presenter__name", "status", "place")) == [
        ("Mira Chen", "confirmed", 1)
    ]
    mira.context.close()

    # Anyone, signed out, sees her name on the public sign-up page, and no forms.
    page.goto(site + signup.get_absolute_url())
    expect(page.locator(".slot-line")).to_have_text(
        [
            "4 Feb 2027 · Diffusion · 2 places · taken by Mira Chen · 1 free",
            "11 Feb 2027 · Retrieval · 1 place · 1 free",
        ]
    )
    expect(page.get_by_role("button", name=re.compile("Claim|Star"))).to_have_count(0)
