"""A term through sign-up end to end, in both modes, only through the real pages and admin views.

The instructor works in the admin (a superuser's client); students post the sign-up page's forms
from their own clients; visitors read the week pages, where the rows made from the sign-up appear.
"""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from syllabus.signup.models import Claim, Signup, Slot
from tests.factories import PaperFactory, SignedInPresenterFactory, TermFactory, WeekFactory
from tests.syllabus.signup.test_pages import claim_lines, post, shown_messages, slot_lines, text_of

pytestmark = pytest.mark.django_db


def admin_messages(response) -> list[str]:
    """The messages an admin page shows after a redirect was followed."""
    return [strip_tags(str(message)) for message in response.context["messages"]]


def week_rows(week) -> list[str]:
    """The rows of a week's public page as a visitor reads them: presenter, then paper."""
    content = Client().get(week.get_absolute_url()).content.decode()
    return [text_of(row) for row in re.findall(r'<tr id="row-\d+">(.*?)</tr>', content, re.S)]


def student(name: str) -> Client:
    """A signed-in student's own browser."""
    client = Client()
    client.force_login(SignedInPresenterFactory(name=name).user)
    return client


def open_signup(staff_client, term, mode: str) -> Signup:
    """The instructor adds the term's sign-up from the admin."""
    response = staff_client.post(
        reverse("admin:syllabus_signup_add"),
        {
            "term": term.pk,
            "mode": mode,
            "is_open": "on",
            "deadline_0": "2099-01-01",
            "deadline_1": "12:00:00",
            "presentations_per_student": "1",
            "seed": "0",
        },
        follow=True,
    )
    assert admin_messages(response) == [f"The signup “Sign-up for {term}” was added successfully."]
    return Signup.objects.get(term=term)


def open_week(staff_client, week, capacity: int) -> Slot:
    """The instructor opens a week for sign-up by adding its slot in the admin."""
    response = staff_client.post(
        reverse("admin:syllabus_slot_add"),
        {"week": week.pk, "capacity": str(capacity), "claims-TOTAL_FORMS": "0", "claims-INITIAL_FORMS": "0"},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("admin:syllabus_slot_changelist"), 302)]
    return Slot.objects.get(week=week)


def fill_pool(staff_client, signup, papers) -> dict:
    """The instructor adds known papers to the pool; returns the pool entries by paper title."""
    response = staff_client.post(
        reverse("admin:syllabus_signup_pool_add", args=[signup.pk]),
        {"papers": [p.pk for p in papers]},
        follow=True,
    )
    assert admin_messages(response) == [
        f"{len(papers)} papers in the pool of {signup.term}: "
        + "; ".join(sorted(p.title for p in papers))
        + "."
    ]
    return {entry.paper.title: entry for entry in signup.term.pool.select_related("paper")}


def make_term() -> tuple:
    term = TermFactory(name="Sets")
    weeks = [
        WeekFactory(
            term=term, title=title, position=n, date=datetime.date(2026, 9, 3) + datetime.timedelta(weeks=n)
        )
        for n, title in enumerate(("Invariance", "Pooling"), start=1)
    ]
    papers = [
        PaperFactory(title=title, authors="A. Author", venue="", year=None)
        for title in ("Deep Sets", "Set Transformer", "Janossy Pooling")
    ]
    return term, weeks, papers


def test_first_come_term_end_to_end(staff_client):
    term, (invariance, pooling), papers = make_term()
    signup = open_signup(staff_client, term, "first_come")
    first, second = open_week(staff_client, invariance, 1), open_week(staff_client, pooling, 1)
    pool = fill_pool(staff_client, signup, papers)
    ana_client = student("Ana Lima")
    ben_client = student("Ben Okafor")

    # Both star papers, then race for the first session: Ana is first, Ben waits.
    post(ana_client, signup, "vote", pool_paper=pool["Deep Sets"].pk)
    post(ben_client, signup, "vote", pool_paper=pool["Deep Sets"].pk)
    post(ben_client, signup, "vote", pool_paper=pool["Set Transformer"].pk)
    ana_claim = post(ana_client, signup, "claim", slot=first.pk, pool_paper=pool["Deep Sets"].pk)
    ben_claim = post(ben_client, signup, "claim", slot=first.pk, pool_paper=pool["Set Transformer"].pk)

    assert shown_messages(ana_claim) == ["You present “Deep Sets” in Invariance (10 Sep 2026)."]
    assert shown_messages(ben_claim) == [
        "Invariance (10 Sep 2026) is full: you are on its waitlist with “Set Transformer”."
    ]
    assert slot_lines(ben_claim.content.decode()) == [
        "10 Sep 2026 · Invariance · 1 place · taken by Ana Lima · full · 1 on the waitlist",
        "17 Sep 2026 · Pooling · 1 place · 1 free",
    ]

    # Ana moves to the second session: her place in the first goes to Ben.
    ana_first = Claim.objects.get(slot=first, presenter__name="Ana Lima")
    cancelled = post(ana_client, signup, "cancel", claim=ana_first.pk)
    moved = post(ana_client, signup, "claim", slot=second.pk, pool_paper=pool["Janossy Pooling"].pk)
    ben_page = ben_client.get(signup.get_absolute_url()).content.decode()

    assert shown_messages(cancelled) == ["Your claim of Invariance (10 Sep 2026) is cancelled."]
    assert shown_messages(moved) == ["You present “Janossy Pooling” in Pooling (17 Sep 2026)."]
    assert claim_lines(ben_page) == ["10 Sep 2026 · Invariance · Set Transformer · confirmed (place 1)"]
    assert slot_lines(ben_page) == [
        "10 Sep 2026 · Invariance · 1 place · taken by Ben Okafor · full",
        "17 Sep 2026 · Pooling · 1 place · taken by Ana Lima · full",
    ]

    # The instructor turns the confirmed claims into the weeks' rows; a second run adds nothing.
    changelist = reverse("admin:syllabus_signup_changelist")
    action = {"action": "make_rows", "_selected_action": [signup.pk]}
    made = staff_client.post(changelist, action, follow=True)
    again = staff_client.post(changelist, action, follow=True)

    assert admin_messages(made) == ["Sets: 2 rows created from confirmed claims."]
    assert admin_messages(again) == ["Sets: 0 rows created from confirmed claims."]
    assert week_rows(invariance) == ["Ben Okafor Set Transformer A. Author"]
    assert week_rows(pooling) == ["Ana Lima Janossy Pooling A. Author"]


def test_preferences_term_end_to_end(staff_client):
    term, (invariance, pooling), papers = make_term()
    signup = open_signup(staff_client, term, "preferences")
    open_week(staff_client, invariance, 1)
    open_week(staff_client, pooling, 1)
    pool = fill_pool(staff_client, signup, papers)
    ana_client = student("Ana Lima")
    ben_client = student("Ben Okafor")

    # Both want Deep Sets most, but only Ana wants nothing else; she cannot make the first week.
    post(ana_client, signup, "vote", pool_paper=pool["Deep Sets"].pk)
    ana_sent = post(
        ana_client,
        signup,
        "preferences",
        rank_1=pool["Deep Sets"].pk,
        unavailable_weeks=[invariance.pk],
    )
    ben_sent = post(
        ben_client, signup, "preferences", rank_1=pool["Deep Sets"].pk, rank_2=pool["Set Transformer"].pk
    )

    assert shown_messages(ana_sent) == ["Your preferences are saved: 1 paper ranked, 1 week you cannot make."]
    assert shown_messages(ben_sent) == [
        "Your preferences are saved: 2 papers ranked, 0 weeks you cannot make."
    ]

    # The instructor proposes an assignment, reviews it and applies it as proposed.
    url = reverse("admin:syllabus_signup_assignment", args=[signup.pk])
    proposal = staff_client.get(url)
    proposed = [
        (row["student"], row["week"].title, row["paper"], row["rank"]) for row in proposal.context["rows"]
    ]
    formset = proposal.context["formset"]
    data = {"form-TOTAL_FORMS": str(len(formset.forms)), "form-INITIAL_FORMS": str(len(formset.forms))}
    for form in formset.forms:
        data |= {form.add_prefix(name): value for name, value in form.initial.items()}
    applied = staff_client.post(url, data, follow=True)

    # The one optimum: Deep Sets to Ana (in the only week she can make), Ben his second choice.
    assert proposed == [
        ("Ben Okafor", "Invariance", "Set Transformer", 2),
        ("Ana Lima", "Pooling", "Deep Sets", 1),
    ]
    assert proposal.context["proposal"].unsatisfied == []
    assert admin_messages(applied) == ["Assignment applied: 2 rows added to the weeks of Sets."]
    assert week_rows(invariance) == ["Ben Okafor Set Transformer A. Author"]
    assert week_rows(pooling) == ["Ana Lima Deep Sets A. Author"]
