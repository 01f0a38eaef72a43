"""A slot of a draft week is closed: not shown, not claimable, not offered in preferences, not assigned."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from syllabus.signup.assignment import assignment_apply, assignment_propose
from syllabus.signup.models import Claim
from syllabus.signup.services import SignupError, claim_make, preference_save
from tests.factories import (
    PoolPaperFactory,
    PreferenceFactory,
    SignedInPresenterFactory,
    SignupFactory,
    SlotFactory,
    WeekFactory,
)
from tests.syllabus.signup.test_api import session_client, url
from tests.syllabus.signup.test_pages import post, shown_messages, signed_in, slot_lines

pytestmark = pytest.mark.django_db

NOT_OPEN = "This session is not open for sign-up."


def draft_and_published(mode: str = "first_come"):
    signup = SignupFactory(mode=mode)
    shown = SlotFactory(week=WeekFactory(term=signup.term, title="Published", date=datetime.date(2026, 9, 3)))
    draft = SlotFactory(
        week=WeekFactory(term=signup.term, title="Draft", date=datetime.date(2026, 9, 10), is_published=False)
    )
    entry = PoolPaperFactory(term=signup.term, paper__title="Adam")
    return signup, shown, draft, entry


def test_signup_page_does_not_show_a_draft_week_s_slot(client):
    signup, _, _, _ = draft_and_published()

    lines = slot_lines(client.get(signup.get_absolute_url()).content.decode())

    assert [line.split(" · ")[1] for line in lines] == ["Published"]


def test_claim_of_a_draft_week_s_slot_is_refused_on_the_page_in_the_api_and_in_the_service(client):
    signup, _, draft, entry = draft_and_published()
    ana = SignedInPresenterFactory()

    page = post(signed_in(client, ana), signup, "claim", slot=draft.pk, pool_paper=entry.pk)
    api = session_client(ana.user).post(url("claims", signup), {"slot": draft.pk, "pool_paper": entry.pk})
    with pytest.raises(SignupError) as refused:
        claim_make(slot=draft, presenter=ana, pool_paper=entry)

    assert shown_messages(page) == ["This session is not open for sign-up in this term."]
    assert (api.status_code, api.json()) == (
        400,
        {"slot": [f"No open session of this term with id {draft.pk}."]},
    )
    assert str(refused.value) == NOT_OPEN
    assert Claim.objects.count() == 0


def test_preferences_do_not_offer_a_draft_week_and_refuse_it(client):
    signup, shown, draft, entry = draft_and_published(mode="preferences")
    ana = SignedInPresenterFactory()

    page = signed_in(client, ana).get(signup.get_absolute_url()).content.decode()
    with pytest.raises(SignupError) as refused:
        preference_save(
            signup=signup, presenter=ana, ranked_pool_papers=[entry], unavailable_weeks=[draft.week]
        )

    assert f'value="{shown.week.pk}"' in page and f'value="{draft.week.pk}"' not in page
    assert str(refused.value) == (
        "Only this term's sessions open for sign-up can be marked unavailable: Draft."
    )


def test_assignment_neither_proposes_nor_applies_a_draft_week():
    signup, shown, draft, _ = draft_and_published(mode="preferences")
    ana, ben = SignedInPresenterFactory(name="Ana"), SignedInPresenterFactory(name="Ben")
    for student in (ana, ben):
        PreferenceFactory(signup=signup, presenter=student)
    other = PoolPaperFactory(term=signup.term)

    proposal = assignment_propose(signup=signup)
    with pytest.raises(ValidationError) as refused:
        assignment_apply(signup=signup, pairs=[(ana, draft.week, other.paper)])

    assert [week for _, week, _ in proposal.pairs] == [shown.week]
    assert refused.value.messages == [f"{draft.week} is not open for sign-up."]
