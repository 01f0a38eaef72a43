"""The sign-up page of a term: what everyone sees, what students do from it, who may do what."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from syllabus.models import Presentation
from syllabus.signup.assignment import assignment_apply, assignment_propose
from syllabus.signup.models import Claim, PoolPaper, Preference, Vote
from syllabus.signup.services import pool_decide
from tests.conftest import count_queries
from tests.factories import (
    ClaimFactory,
    PaperFactory,
    PaperLinkFactory,
    PoolPaperFactory,
    SignedInPresenterFactory,
    SignupFactory,
    SlotFactory,
    TermFactory,
    VoteFactory,
    WeekFactory,
    public_paper,
)

pytestmark = pytest.mark.django_db

SEP_3, SEP_10, SEP_17 = (datetime.date(2026, 9, 3) + datetime.timedelta(weeks=n) for n in range(3))


def open_slot(signup, title: str, date: datetime.date, capacity: int = 1):
    return SlotFactory(week=WeekFactory(term=signup.term, title=title, date=date), capacity=capacity)


def pool(signup, *titles):
    return [PoolPaperFactory(term=signup.term, paper__title=title) for title in titles]


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def slot_lines(content: str) -> list[str]:
    return [text_of(line) for line in re.findall(r'<span class="slot-line">(.*?)</span>', content, re.S)]


def claim_lines(content: str) -> list[str]:
    return [text_of(line) for line in re.findall(r'<span class="claim-line">(.*?)</span>', content, re.S)]


def shown_messages(response) -> list[str]:
    return [text_of(m) for m in re.findall(r'<li class="message[^"]*">(.*?)</li>', response.content.decode())]


def post(client, signup, action: str, **data):
    """Post a form of the page and follow the redirect back to it."""
    return client.post(reverse(f"signup:{action}", args=[signup.term.slug]), data, follow=True)


def signed_in(client, presenter):
    client.force_login(presenter.user)
    return client


# The public page.


def test_signup_page_shows_each_slot_with_its_places_and_confirmed_names_only():
    signup = SignupFactory(presentations_per_student=2)
    first = open_slot(signup, "Optimisation", SEP_3, capacity=3)
    second = open_slot(signup, "Normalisation", SEP_10, capacity=1)
    open_slot(signup, "Attention", SEP_17, capacity=2)
    ana, ben, cy, dee = (
        SignedInPresenterFactory(name=n) for n in ("Ana Lima", "Ben Okafor", "Cy Park", "Dee Ray")
    )
    adam, norm, attention, sgd = pool(signup, "Adam", "Batch Norm", "Attention", "SGD")
    ClaimFactory(slot=first, presenter=ana, pool_paper=adam, place=1)
    ClaimFactory(slot=first, presenter=cy, pool_paper=sgd, status="pending", place=2)
    ClaimFactory(slot=first, presenter=dee, pool_paper=attention, status="cancelled", place=None)
    ClaimFactory(slot=second, presenter=ben, pool_paper=norm, place=1)
    ClaimFactory(slot=second, presenter=dee, pool_paper=attention, status="waitlisted", place=None)

    content = signed_out_page(signup)

    assert slot_lines(content) == [
        "3 Sep 2026 · Optimisation · 3 places · taken by Ana Lima and 1 awaiting approval · 1 free",
        "10 Sep 2026 · Normalisation · 1 place · taken by Ben Okafor · full · 1 on the waitlist",
        "17 Sep 2026 · Attention · 2 places · 2 free",
    ]
    assert "Cy Park" not in content and "Dee Ray" not in content


def signed_out_page(signup) -> str:
    from django.test import Client

    response = Client().get(signup.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_signup_page_shows_the_approved_pool_with_abstracts_links_and_stars_and_no_forms():
    signup = SignupFactory()
    approved, _ = pool(signup, "Deep Sets", "Set Transformer")
    approved.paper.abstract = "Functions on *sets*."
    approved.paper.save()
    PaperLinkFactory(paper=approved.paper, kind="pdf", url="https://arxiv.org/pdf/1703.06114")
    VoteFactory(pool_paper=approved)
    VoteFactory(pool_paper=approved)
    PoolPaperFactory(term=signup.term, paper__title="Suggested Only", status="suggested")
    PoolPaperFactory(term=signup.term, paper__title="Rejected Paper", status="rejected")

    content = signed_out_page(signup)
    entries = re.findall(r'<li id="pool-\d+">(.*?<div class="stars">.*?)</div>\s*</li>', content, re.S)

    assert [text_of(entry) for entry in entries] == [
        "Deep Sets Ada Lovelace, Alan Turing · ICML 2020 Functions on sets . PDF ★ 2",
        "Set Transformer Ada Lovelace, Alan Turing · ICML 2020 ★ 0",
    ]
    assert 'href="https://arxiv.org/pdf/1703.06114"' in content
    assert "csrfmiddlewaretoken" not in content
    assert "Sign in with the link we email you to star papers and claim a session." in text_of(content)


def test_signup_page_is_a_404_without_a_signup_or_for_an_unpublished_term(client, staff_client):
    hidden = SignupFactory(term=TermFactory(is_published=False))
    no_signup = TermFactory()

    assert client.get(reverse("signup:term", args=[no_signup.slug])).status_code == 404
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert staff_client.get(hidden.get_absolute_url()).status_code == 404


def test_term_page_and_my_sessions_link_to_an_open_signup_only(client):
    open_signup = SignupFactory(term__name="Fall 2026")
    closed = SignupFactory(term__name="Spring 2027", is_open=False)
    past = SignupFactory(term__name="Winter 2026", deadline=timezone.now() - datetime.timedelta(hours=1))
    link = f'<a href="{open_signup.get_absolute_url()}">'

    assert link in client.get(open_signup.term.get_absolute_url()).content.decode()
    for other in (closed, past):
        assert "Sign up to present" not in client.get(other.term.get_absolute_url()).content.decode()
    signed_in(client, SignedInPresenterFactory())
    my_page = client.get(reverse("account:my_sessions")).content.decode()
    assert re.findall(r'<p class="signup-link">(.*?)</p>', my_page) == [
        f"{link}Sign up to present in Fall 2026</a>, until "
        f"{timezone.localtime(open_signup.deadline):%-d %b %Y, %H:%M}."
    ]


# First come, through the pages.


def test_first_come_walk_vote_claim_waitlist_and_cancel_promotes_the_waitlisted(client):
    signup = SignupFactory(term__name="Fall 2026")
    slot = open_slot(signup, "Optimisation", SEP_3, capacity=1)
    adam, sgd = pool(signup, "Adam", "SGD")
    ana, ben = SignedInPresenterFactory(name="Ana Lima"), SignedInPresenterFactory(name="Ben Okafor")
    signed_in(client, ana)

    starred = post(client, signup, "vote", pool_paper=adam.pk)
    assert shown_messages(starred) == ["You starred “Adam”."]
    assert 'aria-label="Take back your star from Adam">Unstar</button>' in starred.content.decode()

    claimed = post(client, signup, "claim", slot=slot.pk, pool_paper=adam.pk)
    assert shown_messages(claimed) == ["You present “Adam” in Optimisation (3 Sep 2026)."]
    assert slot_lines(claimed.content.decode()) == [
        "3 Sep 2026 · Optimisation · 1 place · taken by Ana Lima · full"
    ]
    assert claim_lines(claimed.content.decode()) == ["3 Sep 2026 · Optimisation · Adam · confirmed (place 1)"]

    signed_in(client, ben)
    page = client.get(signup.get_absolute_url()).content.decode()
    assert ">Join the waitlist</button>" in page
    assert f'<option value="{adam.pk}">' not in page  # Ana holds it
    waiting = post(client, signup, "claim", slot=slot.pk, pool_paper=sgd.pk)
    assert shown_messages(waiting) == [
        "Optimisation (3 Sep 2026) is full: you are on its waitlist with “SGD”."
    ]
    assert claim_lines(waiting.content.decode()) == ["3 Sep 2026 · Optimisation · SGD · on the waitlist"]

    signed_in(client, ana)
    cancelled = post(client, signup, "cancel", claim=Claim.objects.get(presenter=ana).pk)
    assert shown_messages(cancelled) == ["Your claim of Optimisation (3 Sep 2026) is cancelled."]
    assert claim_lines(cancelled.content.decode()) == ["3 Sep 2026 · Optimisation · Adam · cancelled"]
    assert slot_lines(cancelled.content.decode()) == [
        "3 Sep 2026 · Optimisation · 1 place · taken by Ben Okafor · full"
    ]
    assert list(Claim.objects.order_by("id").values_list("presenter__name", "status", "place")) == [
        ("Ana Lima", "cancelled", None),
        ("Ben Okafor", "confirmed", 1),
    ]
    assert list(Vote.objects.values_list("presenter__name", "pool_paper__paper__title")) == [
        ("Ana Lima", "Adam")
    ]


# Preferences, through the pages, then the instructor's assignment.


def test_preferences_walk_ranks_and_unavailable_weeks_then_the_assignment_fills_the_week_pages(client):
    signup = SignupFactory(mode="preferences")
    early = open_slot(signup, "Optimisation", SEP_3)
    late = open_slot(signup, "Attention", SEP_10)
    adam, transformer = pool(signup, "Adam", "Transformer")
    ana, ben = SignedInPresenterFactory(name="Ana Lima"), SignedInPresenterFactory(name="Ben Okafor")

    signed_in(client, ana)
    form = client.get(signup.get_absolute_url()).content.decode()
    assert 'name="rank_1"' in form and 'name="rank_2"' in form and 'name="rank_3"' not in form
    saved = post(
        client,
        signup,
        "preferences",
        rank_1=adam.pk,
        rank_2=transformer.pk,
        unavailable_weeks=[early.week.pk],
    )
    assert shown_messages(saved) == ["Your preferences are saved: 2 papers ranked, 1 week you cannot make."]
    assert f'<option value="{adam.pk}" selected>' in saved.content.decode()  # shown as sent
    signed_in(client, ben)
    assert shown_messages(post(client, signup, "preferences", rank_1="", rank_2=adam.pk)) == [
        "Your preferences are saved: 1 paper ranked, 0 weeks you cannot make."
    ]

    proposal = assignment_propose(signup=signup)
    assignment_apply(signup=signup, pairs=proposal.pairs)

    for week, paper, name in ((early.week, "Adam", "Ben Okafor"), (late.week, "Transformer", "Ana Lima")):
        (row,) = Presentation.objects.filter(week=week)
        assert (row.paper.title, [p.name for p in row.presenters.all()]) == (paper, [name])
        week_page = client.get(week.get_absolute_url()).content.decode()
        assert paper in week_page and name in week_page


# Bad input: a message and no change, or a 400 for what no form sends.


@pytest.fixture
def ana_in_first_come(client):
    signup = SignupFactory()
    slot = open_slot(signup, "Optimisation", SEP_3)
    (adam,) = pool(signup, "Adam")
    signed_in(client, SignedInPresenterFactory(name="Ana Lima"))
    return signup, slot, adam


def test_unknown_pool_paper_is_refused_with_a_message(client, ana_in_first_come):
    signup, slot, _ = ana_in_first_come
    foreign = PoolPaperFactory()  # another term's

    assert shown_messages(post(client, signup, "vote", pool_paper=foreign.pk)) == [
        "This paper is not in this term's pool."
    ]
    assert shown_messages(post(client, signup, "claim", slot=slot.pk, pool_paper=10**9)) == [
        "This paper is not in this term's pool."
    ]
    assert (Vote.objects.count(), Claim.objects.count()) == (0, 0)


def test_a_slot_of_another_term_is_refused_with_a_message(client, ana_in_first_come):
    signup, _, adam = ana_in_first_come
    elsewhere = SlotFactory(week=WeekFactory(term=SignupFactory().term))

    answer = post(client, signup, "claim", slot=elsewhere.pk, pool_paper=adam.pk)

    assert shown_messages(answer) == ["This session is not open for sign-up in this term."]
    assert Claim.objects.count() == 0


def test_after_the_deadline_actions_are_refused_with_a_message_and_no_forms_are_shown(
    client, ana_in_first_come
):
    signup, slot, adam = ana_in_first_come
    signup.deadline = timezone.now() - datetime.timedelta(minutes=1)
    signup.save()

    voted = post(client, signup, "vote", pool_paper=adam.pk)
    claimed = post(client, signup, "claim", slot=slot.pk, pool_paper=adam.pk)

    assert shown_messages(voted) == shown_messages(claimed) == ["The sign-up deadline has passed."]
    assert (Vote.objects.count(), Claim.objects.count()) == (0, 0)
    assert 'name="pool_paper"' not in claimed.content.decode()


def test_cancel_after_the_deadline_is_refused_with_a_message(client):
    signup = SignupFactory()
    ana = SignedInPresenterFactory()
    claim = ClaimFactory(slot=open_slot(signup, "Optimisation", SEP_3), presenter=ana)
    signup.deadline = timezone.now() - datetime.timedelta(minutes=1)
    signup.save()

    answer = post(signed_in(client, ana), signup, "cancel", claim=claim.pk)

    assert shown_messages(answer) == [
        "The sign-up deadline has passed: ask an instructor to cancel your claim."
    ]
    claim.refresh_from_db()
    assert claim.status == "confirmed"


@pytest.mark.parametrize("status", ["confirmed", "waitlisted"])
def test_cancel_button_is_shown_before_the_deadline_only_whatever_the_claim_s_status(client, status):
    signup = SignupFactory()
    ana = SignedInPresenterFactory()
    place = 1 if status == "confirmed" else None
    ClaimFactory(slot=open_slot(signup, "Optimisation", SEP_3), presenter=ana, status=status, place=place)
    signed_in(client, ana)
    before = client.get(signup.get_absolute_url()).content.decode()
    signup.deadline = timezone.now() - datetime.timedelta(minutes=1)
    signup.save()

    after = client.get(signup.get_absolute_url()).content.decode()

    assert (before.count("Cancel claim"), after.count("Cancel claim")) == (1, 0)


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("vote", {"pool_paper": "abc"}),
        ("vote", {}),
        ("claim", {"slot": "1", "pool_paper": "-3"}),
        ("cancel", {"claim": "9" * 30}),
        ("preferences", {"unavailable_weeks": ["x"]}),
    ],
)
def test_malformed_input_is_a_400_with_the_message(client, ana_in_first_come, action, data):
    signup, _, _ = ana_in_first_come

    answer = client.post(reverse(f"signup:{action}", args=[signup.term.slug]), data)

    assert answer.status_code == 400
    assert "Malformed input (" in answer.content.decode()
    assert (Vote.objects.count(), Claim.objects.count(), Preference.objects.count()) == (0, 0, 0)


def test_preferences_with_an_unknown_paper_or_in_a_first_come_term_are_refused(client, ana_in_first_come):
    signup, slot, adam = ana_in_first_come
    prefs = SignupFactory(mode="preferences")
    pool(prefs, "Transformer")

    assert shown_messages(post(client, prefs, "preferences", rank_1=adam.pk)) == [
        "This paper is not in this term's pool."
    ]
    assert shown_messages(post(client, signup, "claim", slot=slot.pk, pool_paper=adam.pk)) == [
        "You present “Adam” in Optimisation (3 Sep 2026)."
    ]
    assert shown_messages(post(client, signup, "preferences")) == [
        "This term's sign-up is first come, first served: claim a session instead."
    ]
    assert Preference.objects.count() == 0


# Who may do what.

ACTIONS = ["view", "vote", "claim", "cancel own claim", "cancel another's claim", "submit preferences"]
# Ana owns the claim "own"; Ben holds the other. Anonymous visitors and staff act on Ana's claim.
EXPECTED = {
    "anonymous": ["page", "sign in", "sign in", "sign in", "sign in", "sign in"],
    "other presenter": [
        "page with forms",
        "done",
        "done",
        "done",
        "refused: This is not your claim.",
        "done",
    ],
    "own presenter": ["page with forms", "done", "done", "done", "refused: This is not your claim.", "done"],
    "staff": ["page", "403", "403", "403", "403", "403"],
}


@pytest.mark.parametrize("actor", EXPECTED)
def test_signup_permission_matrix(client, django_user_model, actor):
    signup = SignupFactory(presentations_per_student=3)
    prefs = SignupFactory(mode="preferences")
    (transformer,) = pool(prefs, "Transformer")
    full, free = open_slot(signup, "Optimisation", SEP_3, capacity=2), open_slot(signup, "Attention", SEP_10)
    adam, sgd, rnn = pool(signup, "Adam", "SGD", "RNN")
    ana, ben = SignedInPresenterFactory(name="Ana Lima"), SignedInPresenterFactory(name="Ben Okafor")
    anas = ClaimFactory(slot=full, presenter=ana, pool_paper=adam, place=1)
    bens = ClaimFactory(slot=full, presenter=ben, pool_paper=sgd, place=2)
    me, own, others = {
        "anonymous": (None, anas, bens),
        "other presenter": (ben, bens, anas),
        "own presenter": (ana, anas, bens),
        "staff": (None, anas, bens),
    }[actor]
    if me:
        signed_in(client, me)
    if actor == "staff":
        client.force_login(django_user_model.objects.create_user("teacher", is_staff=True))
    before = (
        Vote.objects.count(),
        Claim.objects.filter(status="confirmed").count(),
        Preference.objects.count(),
    )

    def outcome(action: str) -> str:
        if action == "view":
            page = client.get(signup.get_absolute_url())
            assert page.status_code == 200
            return "page with forms" if 'name="pool_paper"' in page.content.decode() else "page"
        target, data = {
            "vote": (signup, {"pool_paper": rnn.pk}),
            "claim": (signup, {"slot": free.pk, "pool_paper": rnn.pk}),
            "cancel own claim": (signup, {"claim": own.pk}),
            "cancel another's claim": (signup, {"claim": others.pk}),
            "submit preferences": (prefs, {"rank_1": transformer.pk}),
        }[action]
        name = {
            "cancel own claim": "cancel",
            "cancel another's claim": "cancel",
            "submit preferences": "preferences",
        }
        answer = client.post(reverse(f"signup:{name.get(action, action)}", args=[target.term.slug]), data)
        if answer.status_code == 302 and answer.url.startswith(reverse("account:sign_in")):
            return "sign in"
        if answer.status_code != 302:
            return str(answer.status_code)
        refusals = [m for m in shown_messages(client.get(answer.url)) if "not your claim" in m]
        return f"refused: {refusals[0]}" if refusals else "done"

    assert [outcome(action) for action in ACTIONS] == EXPECTED[actor]
    after = (
        Vote.objects.count(),
        Claim.objects.filter(status="confirmed").count(),
        Preference.objects.count(),
    )
    if actor in ("anonymous", "staff"):
        assert after == before
    else:  # a vote, a claim of the free slot, their own claim cancelled, preferences
        assert after == (1, 2, 1)
        assert {c.presenter.name for c in Claim.objects.filter(status="cancelled")} == {me.name}


def test_anonymous_post_is_sent_to_sign_in_and_back_to_the_page(client):
    signup = SignupFactory()

    answer = client.post(reverse("signup:vote", args=[signup.term.slug]), {"pool_paper": 1})

    assert answer.url == f"{reverse('account:sign_in')}?next={signup.get_absolute_url()}"


# Query counts.


def grown(size: int):
    """A sign-up of `size` slots, each with a confirmed and a waitlisted claim and two papers (links, a star)."""
    signup = SignupFactory(presentations_per_student=10)
    me = SignedInPresenterFactory()
    for index in range(size):
        slot = open_slot(signup, f"Session {index}", SEP_3 + datetime.timedelta(weeks=index))
        held, waiting = pool(signup, f"Held {index}", f"Waiting {index}")
        PaperLinkFactory(paper=held.paper)
        VoteFactory(pool_paper=held, presenter=me)
        ClaimFactory(slot=slot, presenter=me, pool_paper=held)
        ClaimFactory(slot=slot, pool_paper=waiting, status="waitlisted", place=None)
    return signup, me


@pytest.mark.parametrize("size", [1, 3])
def test_signup_page_queries_do_not_grow_for_anonymous_visitors(client, size, django_assert_num_queries):
    signup, _ = grown(size)
    # sign-up with term, slots with weeks, their active claims with presenters, pool with stars, links
    with django_assert_num_queries(5):
        response = client.get(signup.get_absolute_url())
    assert len(slot_lines(response.content.decode())) == size


@pytest.mark.parametrize("size", [1, 3])
def test_signup_page_queries_do_not_grow_for_a_signed_in_student(client, size, django_assert_num_queries):
    signup, me = grown(size)
    signed_in(client, me)
    # session, user, presenter, then the 5 of the public page, then the student's stars and claims
    with django_assert_num_queries(10):
        response = client.get(signup.get_absolute_url())
    assert len(claim_lines(response.content.decode())) == size
    assert count_queries(lambda: client.get(signup.get_absolute_url())) == 10


# The page cache.


def test_anonymous_signup_page_is_kept_until_a_claim_or_a_pool_decision_changes_it(
    client, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    signup = SignupFactory()
    slot = open_slot(signup, "Optimisation", SEP_3)
    (adam,) = pool(signup, "Adam")
    suggestion = PoolPaperFactory(term=signup.term, paper__title="Suggested", status="suggested")
    signed_out_page(signup)

    with django_capture_on_commit_callbacks(execute=True):
        ClaimFactory(slot=slot, presenter=SignedInPresenterFactory(name="Ana Lima"), pool_paper=adam)
    assert slot_lines(signed_out_page(signup)) == [
        "3 Sep 2026 · Optimisation · 1 place · taken by Ana Lima · full"
    ]

    with django_capture_on_commit_callbacks(execute=True):
        pool_decide(pool_papers=[suggestion], approve=True)
    assert "Suggested" in signed_out_page(signup)


def test_a_student_suggests_a_public_paper_and_sees_it_awaiting_approval(client):
    signup = SignupFactory(allow_suggestions=True)
    public = public_paper(title="Deep Sets")
    planned = PaperFactory(title="Planned Reading")  # not read in a published week: private
    signed_in(client, SignedInPresenterFactory())

    form = client.get(signup.get_absolute_url()).content.decode()
    suggested = post(client, signup, "suggest", paper=public.pk)
    refused = post(client, signup, "suggest", paper=planned.pk)

    assert f'<option value="{public.pk}">Deep Sets</option>' in form and "Planned Reading" not in form
    assert shown_messages(suggested) == [
        "You suggested “Deep Sets”; an instructor will decide whether it joins the pool."
    ]
    assert "Deep Sets · suggested (awaiting approval)" in text_of(suggested.content.decode())
    assert shown_messages(refused) == ["There is no such paper."]
    assert list(PoolPaper.objects.values_list("paper__title", "status")) == [("Deep Sets", "suggested")]
