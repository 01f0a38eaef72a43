"""The sign-up API: reading a term's sign-up, students' votes, claims and preferences, the assignment."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from syllabus.models import Presentation
from syllabus.signup.models import Claim, Vote
from tests.conftest import count_queries
from tests.factories import (
    ClaimFactory,
    PaperFactory,
    PoolPaperFactory,
    PreferenceFactory,
    RankedPaperFactory,
    SignedInPresenterFactory,
    SignupFactory,
    SlotFactory,
    TermFactory,
    VoteFactory,
    WeekFactory,
)

pytestmark = pytest.mark.django_db

# An anonymous request's throttle count costs 6 queries with the database cache, none with Redis
# (tests/syllabus/test_api.py).
THROTTLE_QUERIES = 6 if settings.CACHES["default"]["BACKEND"].endswith(".DatabaseCache") else 0
DEADLINE = datetime.datetime(2099, 1, 1, 12, tzinfo=datetime.UTC)


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def url(name: str, signup, *args) -> str:
    return reverse(f"api:signup-{name}", args=[signup.pk, *args])


def first_come(capacity: int = 2, **fields):
    """An open first-come sign-up with one published session and two approved papers (and a suggestion)."""
    term = TermFactory(name="Autumn 2026")
    signup = SignupFactory(term=term, deadline=DEADLINE, **fields)
    week = WeekFactory(term=term, title="Transformers", date=datetime.date(2026, 9, 10))
    slot = SlotFactory(week=week, capacity=capacity)
    attention = PoolPaperFactory(
        term=term, paper=PaperFactory(title="Attention", authors="A. Vaswani", year=2017)
    )
    bert = PoolPaperFactory(term=term, paper=PaperFactory(title="BERT", authors="J. Devlin", year=2019))
    PoolPaperFactory(term=term, status="suggested")
    return signup, slot, attention, bert


def by_preferences():
    """An open sign-up by preferences: two sessions of one place, two papers; Ana ranks P1 first and
    cannot make the second session, Ben ranks P2 first."""
    term = TermFactory(name="Spring 2027")
    signup = SignupFactory(term=term, mode="preferences", deadline=DEADLINE)
    first, second = (
        WeekFactory(term=term, title=title, date=datetime.date(2027, 2, day))
        for title, day in (("First", 1), ("Second", 8))
    )
    for week in (first, second):
        SlotFactory(week=week, capacity=1)
    papers = [PoolPaperFactory(term=term, paper=PaperFactory(title=title)) for title in ("P1", "P2")]
    ana, ben = SignedInPresenterFactory(name="Ana"), SignedInPresenterFactory(name="Ben")
    for student, ranking, away in ((ana, papers, [second]), (ben, papers[::-1], [])):
        preference = PreferenceFactory(signup=signup, presenter=student)
        for rank, entry in enumerate(ranking, start=1):
            RankedPaperFactory(preference=preference, pool_paper=entry, rank=rank)
        preference.unavailable_weeks.set(away)
    return signup, (first, second), papers, (ana, ben)


# Reading.


def test_signup_detail_shows_rules_sessions_with_places_and_the_approved_pool(anonymous_api):
    signup, slot, attention, bert = first_come(capacity=3)
    ClaimFactory(slot=slot, presenter=SignedInPresenterFactory(name="Ana"), pool_paper=attention, place=1)
    ClaimFactory(slot=slot, pool_paper=bert, status="pending", place=2)
    ClaimFactory(slot=slot, pool_paper=PoolPaperFactory(term=signup.term), status="waitlisted", place=None)
    VoteFactory(pool_paper=bert)
    VoteFactory(pool_paper=bert)

    response = anonymous_api.get(url("detail", signup))

    assert response.status_code == 200
    assert response.json() == {
        "id": signup.pk,
        "term": signup.term_id,
        "term_name": "Autumn 2026",
        "mode": "first_come",
        "is_open": True,
        "deadline": "2099-01-01T12:00:00Z",
        "presentations_per_student": 1,
        "claims_need_approval": False,
        "allow_suggestions": False,
        "slots": [
            {
                "id": slot.pk,
                "week": slot.week_id,
                "title": "Transformers",
                "date": "2026-09-10",
                "capacity": 3,
                "taken": 2,
                "free": 1,
                "waitlisted": 1,
                "confirmed": ["Ana"],
            }
        ],
        "pool": [
            {"id": attention.pk, "paper": attention.paper_id, "title": "Attention", "authors": "A. Vaswani",
             "year": 2017, "votes": 0},
            {"id": bert.pk, "paper": bert.paper_id, "title": "BERT", "authors": "J. Devlin", "year": 2019,
             "votes": 2},
            {"id": signup.term.pool.order_by("id").last().pk, "paper": signup.term.pool.order_by("id").last().paper_id,
             "title": signup.term.pool.order_by("id").last().paper.title, "authors": "Ada Lovelace, Alan Turing",
             "year": 2020, "votes": 0},
        ],
    }  # fmt: skip


def test_signup_of_a_draft_term_or_session_is_hidden_from_the_public(anonymous_api, editor_api):
    signup, slot, _, _ = first_come()
    draft_week = WeekFactory(term=signup.term, is_published=False)
    SlotFactory(week=draft_week)
    hidden = SignupFactory(term=TermFactory(is_published=False))

    public = anonymous_api.get(reverse("api:signup-list")).json()
    editors = editor_api.get(reverse("api:signup-list")).json()

    assert [s["id"] for s in public["results"]] == [signup.pk]
    assert [slot["week"] for slot in public["results"][0]["slots"]] == [slot.week_id]
    assert anonymous_api.get(url("detail", hidden)).json() == {"detail": "No Signup matches the given query."}
    assert sorted(s["id"] for s in editors["results"]) == sorted([signup.pk, hidden.pk])
    editor_slots = editor_api.get(url("detail", signup)).json()["slots"]
    assert sorted(s["week"] for s in editor_slots) == sorted([slot.week_id, draft_week.pk])


def fill_signup(signup, n: int) -> None:
    for _ in range(n):
        slot = SlotFactory(week=WeekFactory(term=signup.term), capacity=2)
        claim = ClaimFactory(slot=slot, pool_paper=PoolPaperFactory(term=signup.term))
        VoteFactory(pool_paper=claim.pool_paper)


@pytest.mark.parametrize("size", [1, 3])
def test_signup_reads_take_the_same_queries_at_any_size(anonymous_api, size):
    signups = [first_come()[0] for _ in range(size)]
    for signup in signups:
        fill_signup(signup, size)

    list_queries = count_queries(lambda: anonymous_api.get(reverse("api:signup-list")))
    detail_queries = count_queries(lambda: anonymous_api.get(url("detail", signups[0])))

    # (count, list only), signups with terms, weeks with slots, active claims with presenters, pool with votes
    assert (list_queries, detail_queries) == (5 + THROTTLE_QUERIES, 4 + THROTTLE_QUERIES)


# Votes.


def test_vote_toggles_the_students_vote(anonymous_api):
    signup, _, attention, _ = first_come()
    student = SignedInPresenterFactory()
    VoteFactory(pool_paper=attention)
    client = session_client(student.user)

    on = client.post(url("votes", signup), {"pool_paper": attention.pk})
    off = client.post(url("votes", signup), {"pool_paper": attention.pk})

    assert (on.status_code, on.json()) == (200, {"pool_paper": attention.pk, "voted": True, "votes": 2})
    assert (off.status_code, off.json()) == (200, {"pool_paper": attention.pk, "voted": False, "votes": 1})
    assert not Vote.objects.filter(presenter=student).exists()


def test_vote_refusals_are_400_with_their_message():
    signup, *_ = first_come()
    suggested = signup.term.pool.get(status="suggested")
    other_term = PoolPaperFactory()
    client = session_client(SignedInPresenterFactory().user)

    answers = [
        client.post(url("votes", signup), body)
        for body in (
            {"pool_paper": suggested.pk},
            {"pool_paper": other_term.pk},
            {"pool_paper": "abc"},
            {"pool_paper": 2**60},
            {},
        )
    ]

    assert [(a.status_code, a.json()) for a in answers] == [
        (400, {"detail": "Only approved papers of the pool take votes."}),
        (400, {"pool_paper": [f"No pool paper of this term with id {other_term.pk}."]}),
        (400, {"pool_paper": ["A valid integer is required."]}),
        (400, {"pool_paper": ["Ensure this value is less than or equal to 9007199254740992."]}),
        (400, {"pool_paper": ["This field is required."]}),
    ]


def test_vote_after_the_sign_up_closed_is_refused():
    signup, _, attention, _ = first_come(is_open=False)

    answer = session_client(SignedInPresenterFactory().user).post(
        url("votes", signup), {"pool_paper": attention.pk}
    )

    assert (answer.status_code, answer.json()) == (400, {"detail": "Sign-up for this term is closed."})
    assert not Vote.objects.exists()


# Claims.


def claim_json(claim, **changes) -> dict:
    return {
        "id": claim.pk,
        "slot": claim.slot_id,
        "week": claim.slot.week_id,
        "week_title": claim.slot.week.title,
        "date": claim.slot.week.date.isoformat(),
        "pool_paper": claim.pool_paper_id,
        "paper_title": claim.pool_paper.paper.title,
        "status": claim.status,
        "place": claim.place,
        "created": claim.created.isoformat().replace("+00:00", "Z"),
        **changes,
    }


def test_claim_takes_a_place_then_the_waitlist_and_lists_own_claims():
    signup, slot, attention, bert = first_come(capacity=1)
    ana, ben = SignedInPresenterFactory(), SignedInPresenterFactory()

    first = session_client(ana.user).post(
        url("claims", signup), {"slot": slot.pk, "pool_paper": attention.pk}
    )
    second = session_client(ben.user).post(url("claims", signup), {"slot": slot.pk, "pool_paper": bert.pk})
    bens = session_client(ben.user).get(url("claims", signup))

    ana_claim, ben_claim = Claim.objects.get(presenter=ana), Claim.objects.get(presenter=ben)
    assert (first.status_code, first.json()) == (201, claim_json(ana_claim, status="confirmed", place=1))
    assert (second.status_code, second.json()) == (
        201,
        claim_json(ben_claim, status="waitlisted", place=None),
    )
    assert (bens.status_code, bens.json()) == (200, [claim_json(ben_claim)])


def test_claim_refusals_are_400_with_their_message():
    signup, slot, attention, bert = first_come()
    other_slot = SlotFactory()
    ClaimFactory(slot=slot, pool_paper=attention)
    client = session_client(SignedInPresenterFactory().user)

    answers = [
        client.post(url("claims", signup), body)
        for body in (
            {"slot": slot.pk, "pool_paper": attention.pk},  # a lost race ends the same way
            {"slot": other_slot.pk, "pool_paper": bert.pk},
            {"slot": "x", "pool_paper": [1]},
            {"slot": True, "pool_paper": bert.pk},
        )
    ]

    assert [(a.status_code, a.json()) for a in answers] == [
        (400, {"detail": "Someone has already claimed this paper."}),
        (400, {"slot": [f"No open session of this term with id {other_slot.pk}."]}),
        (400, {"slot": ["A valid integer is required."], "pool_paper": ["A valid integer is required."]}),
        (400, {"slot": ["A valid integer is required."]}),
    ]
    assert Claim.objects.count() == 1


def test_claim_in_a_sign_up_by_preferences_is_refused():
    signup, (first, _), (p1, _), (ana, _) = by_preferences()

    answer = session_client(ana.user).post(
        url("claims", signup), {"slot": first.slot.pk, "pool_paper": p1.pk}
    )

    assert (answer.status_code, answer.json()) == (
        400,
        {"detail": "This term's sign-up takes preferences, not claims of sessions."},
    )


def test_claim_cancel_frees_the_place_for_the_waitlist_and_others_claims_are_404():
    signup, slot, attention, bert = first_come(capacity=1)
    ana, ben = SignedInPresenterFactory(), SignedInPresenterFactory()
    claim = ClaimFactory(slot=slot, presenter=ana, pool_paper=attention)
    waiting = ClaimFactory(slot=slot, presenter=ben, pool_paper=bert, status="waitlisted", place=None)

    by_other = session_client(ben.user).post(url("claim-cancel", signup, claim.pk))
    unknown = session_client(ana.user).post(
        reverse("api:signup-list") + f"{signup.pk}/claims/{10**30}/cancel/"
    )
    by_owner = session_client(ana.user).post(url("claim-cancel", signup, claim.pk))
    again = session_client(ana.user).post(url("claim-cancel", signup, claim.pk))

    assert (by_other.status_code, by_other.json()) == (404, {"detail": "No Claim matches the given query."})
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Not found."})
    assert (by_owner.status_code, by_owner.json()) == (
        200,
        {"claim": claim_json(claim, status="cancelled", place=None), "promoted": 1},
    )
    assert (again.status_code, again.json()) == (400, {"detail": "This claim is no longer active."})
    waiting.refresh_from_db()
    assert (waiting.status, waiting.place) == ("confirmed", 1)


# Preferences.


def test_preferences_put_replaces_and_get_reads_them_back():
    signup, (first, _), (p1, p2), (ana, _) = by_preferences()
    client = session_client(ana.user)

    put = client.put(url("preferences", signup), {"ranked": [p2.pk, p1.pk], "unavailable_weeks": [first.pk]})
    got = client.get(url("preferences", signup))
    nobody = session_client(SignedInPresenterFactory().user).get(url("preferences", signup))

    preference = ana.preferences.get()
    expected = {
        "ranked": [p2.pk, p1.pk],
        "unavailable_weeks": [first.pk],
        "updated": preference.updated.isoformat().replace("+00:00", "Z"),
    }
    assert (put.status_code, put.json()) == (200, expected)
    assert (got.status_code, got.json()) == (200, expected)
    assert (nobody.status_code, nobody.json()) == (
        200,
        {"ranked": [], "unavailable_weeks": [], "updated": None},
    )


def test_preferences_refusals_are_400_with_their_message():
    signup, _, (p1, _), (ana, _) = by_preferences()
    other_week, other_paper = WeekFactory(), PoolPaperFactory()
    closed_week = WeekFactory(term=signup.term, title="No slot")
    client = session_client(ana.user)

    answers = [
        client.put(url("preferences", signup), body)
        for body in (
            {"ranked": [p1.pk, p1.pk], "unavailable_weeks": []},
            {"ranked": [other_paper.pk, 10**6], "unavailable_weeks": [other_week.pk]},
            {"ranked": [], "unavailable_weeks": [closed_week.pk]},
            {"ranked": "P1", "unavailable_weeks": None},
            {"ranked": list(range(1, 102)), "unavailable_weeks": []},
        )
    ]

    assert [(a.status_code, a.json()) for a in answers] == [
        (400, {"detail": "A paper is ranked more than once: P1."}),
        (400, {"ranked": [f"No pool paper of this term with id {other_paper.pk}, 1000000."],
               "unavailable_weeks": [f"No week of this term with id {other_week.pk}."]}),
        (400, {"detail": "Only this term's sessions open for sign-up can be marked unavailable: No slot."}),
        (400, {"ranked": ['Expected a list of items but got type "str".'],
               "unavailable_weeks": ["This field may not be null."]}),
        (400, {"ranked": ["Ensure this field has no more than 100 elements."]}),
    ]  # fmt: skip


# The assignment.


def test_assignment_propose_gives_pairs_score_and_what_is_unsatisfied(editor_api):
    signup, (first, second), (p1, p2), (ana, ben) = by_preferences()
    cy = SignedInPresenterFactory(name="Cy")
    PreferenceFactory(signup=signup, presenter=cy).unavailable_weeks.set([first, second])

    answer = editor_api.post(url("assignment-propose", signup))

    assert (answer.status_code, answer.json()) == (
        200,
        {
            "pairs": [
                {"presenter": ana.pk, "presenter_name": "Ana", "week": first.pk, "week_title": "First",
                 "paper": p1.paper_id, "paper_title": "P1"},
                {"presenter": ben.pk, "presenter_name": "Ben", "week": second.pk, "week_title": "Second",
                 "paper": p2.paper_id, "paper_title": "P2"},
            ],
            "score": 4,
            "unsatisfied": ["1 student has no feasible week: Cy"],
        },
    )  # fmt: skip


def test_assignment_apply_creates_the_rows(staff_client):
    signup, (first, second), (p1, p2), (ana, ben) = by_preferences()
    pairs = [
        {"presenter": ana.pk, "week": first.pk, "paper": p2.paper_id},
        {"presenter": ben.pk, "week": second.pk, "paper": p1.paper_id},
    ]

    answer = staff_client.post(
        url("assignment-apply", signup), {"pairs": pairs}, content_type="application/json"
    )

    rows = list(
        Presentation.objects.order_by("week__date").values_list(
            "week", "paper", "presenter_entries__presenter"
        )
    )
    assert rows == [(first.pk, p2.paper_id, ana.pk), (second.pk, p1.paper_id, ben.pk)]
    ids = list(Presentation.objects.order_by("week__date").values_list("pk", flat=True))
    assert (answer.status_code, answer.json()) == (201, {"rows": ids})


def test_assignment_apply_lists_every_problem_and_writes_nothing(editor_api):
    signup, (first, second), (p1, _), (ana, ben) = by_preferences()
    elsewhere = WeekFactory(title="Elsewhere")

    unknown = editor_api.post(
        url("assignment-apply", signup), {"pairs": [{"presenter": 10**9, "week": first.pk, "paper": 10**9}]}
    )
    broken = editor_api.post(
        url("assignment-apply", signup),
        {
            "pairs": [
                {"presenter": ana.pk, "week": second.pk, "paper": p1.paper_id},
                {"presenter": ben.pk, "week": elsewhere.pk, "paper": p1.paper_id},
            ]
        },
    )
    empty = editor_api.post(url("assignment-apply", signup), {"pairs": []})

    assert (unknown.status_code, unknown.json()) == (
        400,
        {"pairs": ["No presenter with id 1000000000.", "No paper with id 1000000000."]},
    )
    assert (broken.status_code, broken.json()) == (
        400,
        {
            "pairs": [
                f"{elsewhere} is not open for sign-up.",
                "P1 is assigned 2 times.",
                "Ana cannot make 2027-02-08 Second.",
            ]
        },
    )
    assert (empty.status_code, empty.json()) == (400, {"pairs": ["This list may not be empty."]})
    assert not Presentation.objects.exists()


def test_assignment_of_a_first_come_sign_up_is_refused(editor_api):
    signup, *_ = first_come()

    answer = editor_api.post(url("assignment-propose", signup))

    assert (answer.status_code, answer.json()) == (
        400,
        {"detail": "Only a sign-up by preferences is assigned; this one is first come."},
    )


# Who may do what.

ACTORS = ["anonymous", "other_presenter", "own_presenter", "editor_token", "staff_session"]
EXPECTED = {
    # action: statuses for ACTORS in order
    "read": [200, 200, 200, 200, 200],
    "vote": [401, 200, 200, 403, 403],
    "claims": [401, 200, 200, 403, 403],
    "claim": [401, 201, 201, 403, 403],
    "cancel": [401, 404, 200, 403, 403],
    "preferences": [401, 200, 200, 403, 403],
    "propose": [401, 403, 403, 200, 200],
    "apply": [401, 403, 403, 201, 201],
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", list(EXPECTED))
def test_permission_matrix(request, django_user_model, action, actor):
    signup, slot, attention, bert = first_come(capacity=3, presentations_per_student=2)
    owner = SignedInPresenterFactory()
    own_claim = ClaimFactory(slot=slot, presenter=owner, pool_paper=PoolPaperFactory(term=signup.term))
    other_slot = SlotFactory(week=WeekFactory(term=signup.term))
    by_pref, (first, _), (p1, _), _ = by_preferences()
    client = {
        "anonymous": lambda: APIClient(),
        "other_presenter": lambda: session_client(SignedInPresenterFactory().user),
        "own_presenter": lambda: session_client(owner.user),
        "editor_token": lambda: request.getfixturevalue("editor_api"),
        "staff_session": lambda: session_client(
            django_user_model.objects.create_superuser("boss", "boss@example.edu", "x")
        ),
    }[actor]()

    response = {
        "read": lambda: client.get(url("detail", signup)),
        "vote": lambda: client.post(url("votes", signup), {"pool_paper": attention.pk}, format="json"),
        "claims": lambda: client.get(url("claims", signup)),
        "claim": lambda: client.post(
            url("claims", signup), {"slot": other_slot.pk, "pool_paper": bert.pk}, format="json"
        ),
        "cancel": lambda: client.post(url("claim-cancel", signup, own_claim.pk)),
        "preferences": lambda: client.put(
            url("preferences", by_pref), {"ranked": [p1.pk], "unavailable_weeks": []}, format="json"
        ),
        "propose": lambda: client.post(url("assignment-propose", by_pref)),
        "apply": lambda: client.post(
            url("assignment-apply", by_pref),
            {"pairs": [{"presenter": owner.pk, "week": first.pk, "paper": p1.paper_id}]},
            format="json",
        ),
    }[action]()

    assert response.status_code == EXPECTED[action][ACTORS.index(actor)], response.content
    if response.status_code == 403:
        assert response.json()["detail"] in {
            "Only a student signed in with their own account (a presenter's) can do this.",
            "Only editors (who may change sessions and add rows) can propose or apply an assignment.",
        }
    own_claim.refresh_from_db()
    assert own_claim.status == (
        "cancelled" if response.status_code == 200 and action == "cancel" else "confirmed"
    )


def test_writes_take_json_only():
    signup, _, attention, _ = first_come()

    answer = session_client(SignedInPresenterFactory().user).post(
        url("votes", signup), {"pool_paper": attention.pk}, format="multipart"
    )

    assert answer.status_code == 415
    assert answer.json()["detail"].startswith('Unsupported media type "multipart/form-data')


def test_the_schema_documents_every_sign_up_operation(anonymous_api):
    schema = anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operations = {
        (method, path): operation
        for path, methods in schema["paths"].items()
        if path.startswith("/api/v1/signups/")
        for method, operation in methods.items()
    }

    assert sorted(operations) == [
        ("get", "/api/v1/signups/"),
        ("get", "/api/v1/signups/{id}/"),
        ("get", "/api/v1/signups/{id}/claims/"),
        ("get", "/api/v1/signups/{id}/preferences/"),
        ("post", "/api/v1/signups/{id}/assignment/apply/"),
        ("post", "/api/v1/signups/{id}/assignment/propose/"),
        ("post", "/api/v1/signups/{id}/claims/"),
        ("post", "/api/v1/signups/{id}/claims/{claim_id}/cancel/"),
        ("post", "/api/v1/signups/{id}/votes/"),
        ("put", "/api/v1/signups/{id}/preferences/"),
    ]
    assert all(operation.get("summary") for operation in operations.values())
    bodies = {
        key: list(op["requestBody"]["content"]) for key, op in operations.items() if "requestBody" in op
    }
    assert set(map(tuple, bodies.values())) == {("application/json",)}
