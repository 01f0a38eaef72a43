"""The instructor's side of sign-up in the admin: pool, slots, claims, and the assignment to review and apply."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from papers.models import Paper
from syllabus.models import Presentation
from syllabus.signup.models import Claim, ClaimStatus, PoolPaper, SignupMode, Slot
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
from tests.papers.conftest import answer_arxiv, answer_doi, network  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

POOL = reverse("admin:syllabus_poolpaper_changelist")
CLAIMS = reverse("admin:syllabus_claim_changelist")
SLOTS = reverse("admin:syllabus_slot_changelist")


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def assignment_url(signup) -> str:
    return reverse("admin:syllabus_signup_assignment", args=[signup.pk])


def pool_add_url(signup) -> str:
    return reverse("admin:syllabus_signup_pool_add", args=[signup.pk])


class Case:
    """A preferences sign-up with one best assignment: Ann can only make week 1 and both want paper A,
    Bob wants C first. The optimum is Ann with A in week 1, Bob with C in week 2."""

    def __init__(self):
        self.term = TermFactory(name="Spring")
        self.signup = SignupFactory(term=self.term, mode=SignupMode.PREFERENCES)
        self.week1 = WeekFactory(term=self.term, title="One", position=1, date=datetime.date(2026, 9, 3))
        self.week2 = WeekFactory(term=self.term, title="Two", position=2, date=datetime.date(2026, 9, 10))
        for week in (self.week1, self.week2):
            SlotFactory(week=week)
        self.a, self.b, self.c = (
            PoolPaperFactory(term=self.term, paper=PaperFactory(title=title)) for title in ("A", "B", "C")
        )
        self.ann = self.student("Ann", [self.a, self.b], unavailable=[self.week2])
        self.bob = self.student("Bob", [self.c, self.a])

    def student(self, name, ranked, unavailable=()):
        presenter = SignedInPresenterFactory(name=name)
        preference = PreferenceFactory(signup=self.signup, presenter=presenter)
        for rank, entry in enumerate(ranked, start=1):
            RankedPaperFactory(preference=preference, pool_paper=entry, rank=rank)
        preference.unavailable_weeks.set(unavailable)
        return presenter


def pairs_posted(*pairs) -> dict:
    data = {"form-TOTAL_FORMS": str(len(pairs)), "form-INITIAL_FORMS": str(len(pairs))}
    for index, (presenter, week, entry) in enumerate(pairs):
        data |= {f"form-{index}-presenter": presenter.pk, f"form-{index}-week": week.pk}
        data[f"form-{index}-paper"] = entry.paper.pk
    return data


def rows_of(term) -> list[tuple]:
    rows = Presentation.objects.filter(week__term=term).order_by("week__date", "order")
    return [(row.week.title, row.paper.title, [p.name for p in row.ordered_presenters]) for row in rows]


def shown_rows(response) -> list[tuple]:
    return [
        (row["student"], row["week"].title, row["paper"], row["rank"]) for row in response.context["rows"]
    ]


# The assignment


def test_assignment_view_shows_the_proposal_with_ranks_and_seed(staff_client):
    case = Case()

    response = staff_client.get(assignment_url(case.signup))

    assert shown_rows(response) == [("Ann", "One", "A", 1), ("Bob", "Two", "C", 1)]
    page = response.content.decode()
    assert '<strong id="assignment-seed">0</strong>' in page
    assert f'<option value="{case.c.paper.pk}" selected>C</option>' in page
    assert f'<option value="{case.week2.pk}" selected>2. Two (Thu 2026-09-10)</option>' in page
    assert "assignment-unsatisfied" not in page  # everyone is placed with a paper they ranked


def test_assignment_view_reports_what_it_cannot_satisfy(staff_client):
    case = Case()
    case.student("Cid", [case.b], unavailable=[case.week1, case.week2])

    response = staff_client.get(assignment_url(case.signup))

    assert response.context["proposal"].unsatisfied == ["1 student has no feasible week: Cid"]
    assert '<li class="warning">1 student has no feasible week: Cid</li>' in response.content.decode()


def test_assignment_view_reruns_with_another_seed_without_saving_it(staff_client):
    case = Case()

    response = staff_client.get(assignment_url(case.signup), {"seed": "7"})

    assert '<strong id="assignment-seed">7</strong>' in response.content.decode()
    assert shown_rows(response) == [("Ann", "One", "A", 1), ("Bob", "Two", "C", 1)]  # one optimum
    case.signup.refresh_from_db()
    assert case.signup.seed == 0


def test_assignment_apply_creates_the_rows_and_redirects(staff_client):
    case = Case()

    response = staff_client.post(
        assignment_url(case.signup),
        pairs_posted((case.ann, case.week1, case.a), (case.bob, case.week2, case.c)),
    )

    assert response.status_code == 302
    assert response.url == f"{reverse('admin:syllabus_week_changelist')}?term__id__exact={case.term.pk}"
    assert messages_of(response) == ["Assignment applied: 2 rows added to the weeks of Spring."]
    assert rows_of(case.term) == [("One", "A", ["Ann"]), ("Two", "C", ["Bob"])]
    week_page = staff_client.get(reverse("admin:syllabus_week_change", args=[case.week2.pk])).content.decode()
    assert f'<option value="{case.c.paper.pk}" selected>C</option>' in week_page


def test_assignment_edited_pair_is_what_is_applied(staff_client):
    case = Case()

    staff_client.post(
        assignment_url(case.signup),
        pairs_posted((case.ann, case.week1, case.a), (case.bob, case.week2, case.b)),
    )

    assert rows_of(case.term) == [("One", "A", ["Ann"]), ("Two", "B", ["Bob"])]


def test_assignment_left_out_pair_is_not_applied(staff_client):
    case = Case()
    data = pairs_posted((case.ann, case.week1, case.a), (case.bob, case.week2, case.c)) | {
        "form-1-DELETE": "on"
    }

    staff_client.post(assignment_url(case.signup), data)

    assert rows_of(case.term) == [("One", "A", ["Ann"])]


def test_assignment_broken_edit_shows_the_problems_and_writes_nothing(staff_client):
    case = Case()

    response = staff_client.post(
        assignment_url(case.signup),
        pairs_posted((case.ann, case.week1, case.a), (case.bob, case.week1, case.a)),
    )

    assert response.status_code == 200
    assert response.context["problems"] == [
        "A is assigned 2 times.",
        "2026-09-03 One takes 1 presentation, not 2.",
    ]
    assert "<li>A is assigned 2 times.</li>" in response.content.decode()
    assert shown_rows(response) == [("Ann", "One", "A", 1), ("Bob", "One", "A", 2)]  # as edited
    assert rows_of(case.term) == []


def test_assignment_unknown_week_is_a_form_error_and_writes_nothing(staff_client):
    case = Case()
    closed = WeekFactory(term=case.term, title="Closed")
    data = pairs_posted((case.ann, case.week1, case.a), (case.bob, case.week2, case.c)) | {
        "form-1-week": closed.pk
    }

    response = staff_client.post(assignment_url(case.signup), data)

    assert response.context["formset"].errors[1] == {
        "week": [f"Select a valid choice. {closed.pk} is not one of the available choices."]
    }
    assert rows_of(case.term) == []


def test_assignment_of_a_first_come_signup_redirects_with_a_message(staff_client):
    signup = SignupFactory()

    response = staff_client.get(assignment_url(signup))

    assert response.url == reverse("admin:syllabus_signup_change", args=[signup.pk])
    assert messages_of(response) == ["This sign-up is first come, first served: there is nothing to assign."]


def test_signup_page_links_to_pool_and_assignment(staff_client):
    case = Case()

    page = staff_client.get(reverse("admin:syllabus_signup_change", args=[case.signup.pk])).content.decode()

    assert f'<a href="{assignment_url(case.signup)}">Propose an assignment</a>' in page
    assert f'<a href="{pool_add_url(case.signup)}">Add papers to the pool</a>' in page


# The pool


def test_pool_list_shows_status_and_votes(staff_client):
    entry = PoolPaperFactory(paper=PaperFactory(title="Voted"))
    VoteFactory.create_batch(2, pool_paper=entry)

    response = staff_client.get(POOL)

    result = response.context["cl"].result_list
    assert [(e.paper.title, e.status, e.vote_count) for e in result] == [("Voted", "approved", 2)]


def test_pool_approve_and_reject_actions_decide_suggestions_only(staff_client):
    suggested = PoolPaperFactory.create_batch(2, status=PoolPaper.Status.SUGGESTED)
    approved = PoolPaperFactory()

    response = staff_client.post(
        POOL, {"action": "reject", "_selected_action": [suggested[0].pk, approved.pk]}, follow=True
    )
    staff_client.post(POOL, {"action": "approve", "_selected_action": [suggested[1].pk]})

    assert "1 suggestion rejected." in [str(m) for m in response.context["messages"]]
    statuses = [PoolPaper.objects.get(pk=e.pk).status for e in [*suggested, approved]]
    assert statuses == ["rejected", "approved", "approved"]


def test_pool_add_picks_known_papers_and_looks_up_pasted_ids(staff_client, network):  # noqa: F811
    answer_arxiv(network, "arxiv_1706.03762v5.xml", query_id="1706.03762")
    answer_doi(network, "10.1145/3065386", "doi_10.1145_3065386.json")
    signup = SignupFactory(term=TermFactory(name="Autumn"))
    known = PaperFactory(title="Known")
    PoolPaperFactory(term=signup.term, paper=known, status=PoolPaper.Status.SUGGESTED)

    response = staff_client.post(
        pool_add_url(signup), {"papers": [known.pk], "identifiers": "arXiv:1706.03762\n\n10.1145/3065386\n"}
    )

    assert response.status_code == 302
    assert messages_of(response) == [
        "3 papers in the pool of Autumn: Known; Attention Is All You Need; "
        "ImageNet classification with deep convolutional neural networks."
    ]
    pool = PoolPaper.objects.filter(term=signup.term).order_by("paper__title")
    assert [(e.paper.title, e.status) for e in pool] == [
        ("Attention Is All You Need", "approved"),
        ("ImageNet classification with deep convolutional neural networks", "approved"),
        ("Known", "approved"),
    ]
    assert Paper.objects.get(arxiv_id="1706.03762").links.count() == 2


def test_pool_add_reuses_a_known_paper_without_a_lookup(staff_client, network):  # noqa: F811
    signup = SignupFactory()
    known = PaperFactory(title="Attention", arxiv_id="1706.03762")

    staff_client.post(pool_add_url(signup), {"identifiers": "https://arxiv.org/abs/1706.03762v5"})

    assert len(network.calls) == 0
    assert list(PoolPaper.objects.values_list("paper", flat=True)) == [known.pk]


def test_pool_add_failed_lookup_adds_nothing_and_says_why(staff_client, network):  # noqa: F811
    answer_arxiv(network, "arxiv_1706.03762v5.xml", query_id="1706.03762")
    answer_doi(network, "10.1145/3065386", "doi_10.1145_3065386.json", status=404)
    signup = SignupFactory()

    response = staff_client.post(pool_add_url(signup), {"identifiers": "1706.03762\n10.1145/3065386"})

    errors = response.context["form"].errors["identifiers"]
    assert len(errors) == 1 and errors[0].startswith("DOI 10.1145/3065386: ")
    assert (Paper.objects.count(), PoolPaper.objects.count()) == (0, 0)


def test_pool_add_refuses_text_that_is_no_identifier(staff_client):
    signup = SignupFactory()

    response = staff_client.post(pool_add_url(signup), {"identifiers": "1706.03762\nnot a paper"})

    assert (
        response.context["form"].errors["identifiers"][0].startswith("Not an arXiv id or DOI: not a paper.")
    )
    assert PoolPaper.objects.count() == 0


def test_pool_add_with_nothing_chosen_is_a_form_error(staff_client):
    response = staff_client.post(pool_add_url(SignupFactory()), {"identifiers": ""})

    assert response.context["form"].non_field_errors() == ["Choose known papers or paste arXiv ids or DOIs."]


# Claims and slots


def test_claim_approve_action_confirms_pending_claims(staff_client):
    pending = ClaimFactory(status=ClaimStatus.PENDING)
    confirmed = ClaimFactory()

    response = staff_client.post(
        CLAIMS, {"action": "approve", "_selected_action": [pending.pk, confirmed.pk]}, follow=True
    )

    assert "1 claim approved." in [str(m) for m in response.context["messages"]]
    pending.refresh_from_db()
    assert (pending.status, pending.place, pending.decided_at is not None) == ("confirmed", 1, True)


def test_claim_reject_action_frees_the_place_for_the_waitlist(staff_client):
    signup = SignupFactory(claims_need_approval=True)
    slot = SlotFactory(week=WeekFactory(term=signup.term))
    pending = ClaimFactory(slot=slot, status=ClaimStatus.PENDING)
    waiting = ClaimFactory(slot=slot, status=ClaimStatus.WAITLISTED, place=None)

    staff_client.post(CLAIMS, {"action": "reject", "_selected_action": [pending.pk]})

    pending.refresh_from_db()
    waiting.refresh_from_db()
    assert [(pending.status, pending.place), (waiting.status, waiting.place)] == [
        ("rejected", None),
        ("pending", 1),
    ]


def test_claim_cancel_action_cancels_and_names_who_the_waitlist_promotes(staff_client):
    signup = SignupFactory()
    slot = SlotFactory(week=WeekFactory(term=signup.term), capacity=1)
    holder = ClaimFactory(slot=slot, presenter=SignedInPresenterFactory(name="Ana"))
    waiting = ClaimFactory(
        slot=slot, presenter=SignedInPresenterFactory(name="Ben"), status=ClaimStatus.WAITLISTED, place=None
    )
    gone = ClaimFactory(slot__week__term=signup.term, status=ClaimStatus.CANCELLED, place=None)

    response = staff_client.post(
        CLAIMS, {"action": "cancel", "_selected_action": [holder.pk, gone.pk]}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "1 claim cancelled. Given a place from the waitlist: Ben."
    ]
    statuses = [Claim.objects.get(pk=c.pk) for c in (holder, waiting, gone)]
    assert [(c.status, c.place) for c in statuses] == [
        ("cancelled", None),
        ("confirmed", 1),
        ("cancelled", None),
    ]


def test_slot_list_shows_places_taken_and_the_waitlist_in_order(staff_client):
    slot = SlotFactory(week=WeekFactory(title="Busy"), capacity=1)
    ClaimFactory(slot=slot, presenter=SignedInPresenterFactory(name="First"))
    for name in ("Second", "Third"):
        ClaimFactory(
            slot=slot, presenter=SignedInPresenterFactory(name=name), status="waitlisted", place=None
        )

    page = staff_client.get(SLOTS).content.decode()

    assert '<td class="field-places_taken">1/1</td>' in page
    assert '<td class="field-waitlist">1. Second, 2. Third</td>' in page


def test_slot_page_lists_places_then_the_waitlist(staff_client):
    slot = SlotFactory(capacity=2)
    ClaimFactory(slot=slot, presenter=SignedInPresenterFactory(name="Late"), place=2)
    ClaimFactory(
        slot=slot, presenter=SignedInPresenterFactory(name="Waiting"), status="waitlisted", place=None
    )
    ClaimFactory(slot=slot, presenter=SignedInPresenterFactory(name="Early"), place=1)

    response = staff_client.get(reverse("admin:syllabus_slot_change", args=[slot.pk]))

    formset = response.context["inline_admin_formsets"][0].formset
    assert [form.instance.presenter.name for form in formset.forms] == ["Early", "Late", "Waiting"]


# Who may do what


def _editor_permissions():
    wanted = [
        ("syllabus", "change_week"),
        ("syllabus", "add_presentation"),
        ("syllabus", "view_signup"),
        ("syllabus", "change_signup"),
        ("syllabus", "add_poolpaper"),
        ("syllabus", "view_poolpaper"),
        ("syllabus", "change_poolpaper"),
        ("syllabus", "view_claim"),
        ("syllabus", "change_claim"),
        ("syllabus", "view_slot"),
        ("syllabus", "change_slot"),
        ("papers", "add_paper"),
        ("papers", "view_paper"),
    ]
    return [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in wanted]


def log_in_as(client, django_user_model, who: str):
    if who == "anonymous":
        return
    if who == "presenter":
        client.force_login(SignedInPresenterFactory().user)
        return
    user = django_user_model.objects.create_user(username=who, password="x", is_staff=True)
    if who == "editor":
        user.user_permissions.set(_editor_permissions())
    client.force_login(user)


def _requests(case):
    pending = ClaimFactory(slot=case.week1.slot, status=ClaimStatus.PENDING, pool_paper=case.b)
    suggested = PoolPaperFactory(term=case.term, status=PoolPaper.Status.SUGGESTED)
    new = PaperFactory()
    return {
        "proposal": ("get", assignment_url(case.signup), {}),
        "apply": ("post", assignment_url(case.signup), pairs_posted((case.ann, case.week1, case.a))),
        "pool add page": ("get", pool_add_url(case.signup), {}),
        "pool add": ("post", pool_add_url(case.signup), {"papers": [new.pk]}),
        "pool list": ("get", POOL, {}),
        "pool approve": ("post", POOL, {"action": "approve", "_selected_action": [suggested.pk]}),
        "claims list": ("get", CLAIMS, {}),
        "claims approve": ("post", CLAIMS, {"action": "approve", "_selected_action": [pending.pk]}),
        "claims cancel": ("post", CLAIMS, {"action": "cancel", "_selected_action": [pending.pk]}),
        "slots list": ("get", SLOTS, {}),
    }


def _state() -> tuple:
    return (
        Presentation.objects.count(),
        PoolPaper.objects.count(),
        PoolPaper.objects.filter(status=PoolPaper.Status.SUGGESTED).count(),
        Claim.objects.filter(status=ClaimStatus.PENDING).count(),
    )


ANSWERS = {
    # who: (status of a page, status of a write)
    "anonymous": (302, 302),
    "presenter": (302, 302),
    "staff": (403, 403),
    "editor": (200, 302),
}
VIEWS = [
    "proposal",
    "apply",
    "pool add page",
    "pool add",
    "pool list",
    "pool approve",
    "claims list",
    "claims approve",
    "claims cancel",
    "slots list",
]


@pytest.mark.parametrize("who", ANSWERS)
@pytest.mark.parametrize("name", VIEWS)
def test_permission_matrix(client, django_user_model, who, name):
    case = Case()
    method, url, data = _requests(case)[name]
    before = _state()
    log_in_as(client, django_user_model, who)

    response = getattr(client, method)(url, data)

    page, write = ANSWERS[who]
    assert response.status_code == (page if method == "get" else write)
    if who in {"anonymous", "presenter"}:
        assert response.url.startswith(reverse("admin:login"))
    wrote = _state() != before
    assert wrote is (who == "editor" and method == "post")


def test_staff_without_assign_permissions_sees_no_assignment_button(client, django_user_model):
    case = Case()
    user = django_user_model.objects.create_user(username="viewer", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_signup", "change_signup"]))
    client.force_login(user)

    page = client.get(reverse("admin:syllabus_signup_change", args=[case.signup.pk])).content.decode()

    assert "Propose an assignment" not in page
    assert "Add papers to the pool" not in page


# Queries do not grow with the rows


def _grow(size: int) -> tuple:
    """A first-come term with `size` slots, each with a confirmed and a waitlisted claim and a voted pool paper."""
    signup = SignupFactory()
    for _ in range(size):
        slot = SlotFactory(week=WeekFactory(term=signup.term))
        claim = ClaimFactory(slot=slot)
        VoteFactory(pool_paper=claim.pool_paper)
        ClaimFactory(slot=slot, status=ClaimStatus.WAITLISTED, place=None)
        PoolPaperFactory(term=signup.term, status=PoolPaper.Status.SUGGESTED, suggested_by=claim.presenter)
    return signup


@pytest.mark.parametrize("url", [POOL, CLAIMS, SLOTS])
def test_list_pages_queries_do_not_grow(staff_client, url, django_assert_max_num_queries):
    _grow(1)
    staff_client.get(url)  # warm the content types and permissions
    small = count_queries(lambda: staff_client.get(url))
    _grow(2)

    with django_assert_max_num_queries(small):
        response = staff_client.get(url)

    # Three slots, each with two claims and three pool papers (one per claim and a suggestion).
    assert response.context["cl"].result_count == {POOL: 9, CLAIMS: 6, SLOTS: 3}[url]


def test_proposal_view_queries_do_not_grow(staff_client, django_assert_max_num_queries):
    case = Case()
    url = assignment_url(case.signup)
    staff_client.get(url)
    small = count_queries(lambda: staff_client.get(url))
    for name in ("Cid", "Dee"):
        case.student(name, [case.b, case.c])
    SlotFactory(week=WeekFactory(term=case.term), capacity=2)
    PoolPaperFactory(term=case.term)

    with django_assert_max_num_queries(small):
        response = staff_client.get(url)

    assert len(response.context["rows"]) == 4


@pytest.mark.parametrize("model", ["signup", "poolpaper", "slot", "claim"])
def test_change_and_add_pages_load(staff_client, model):
    claim = ClaimFactory(slot__week__term=SignupFactory().term)
    objects = {
        "signup": claim.slot.week.term.signup,
        "poolpaper": claim.pool_paper,
        "slot": claim.slot,
        "claim": claim,
    }
    obj = objects[model]

    change = staff_client.get(reverse(f"admin:syllabus_{model}_change", args=[obj.pk]))
    add = staff_client.get(reverse(f"admin:syllabus_{model}_add"))

    assert (change.status_code, change.context["original"]) == (200, obj)
    assert add.status_code == (403 if model == "claim" else 200)  # students claim; instructors decide


# Rows from first-come claims

SIGNUPS = reverse("admin:syllabus_signup_changelist")


def test_make_rows_action_reports_the_rows_of_each_signup_and_refuses_preferences_mode(staff_client):
    first_come = SignupFactory(term=TermFactory(name="Autumn"))
    ClaimFactory(slot__week__term=first_come.term, presenter=SignedInPresenterFactory(name="Ana"))
    ClaimFactory(slot__week__term=first_come.term, status=ClaimStatus.PENDING)
    case = Case()  # preferences, in the term "Spring", which starts on the same day: then by id

    response = staff_client.post(
        SIGNUPS, {"action": "make_rows", "_selected_action": [first_come.pk, case.signup.pk]}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Autumn: 1 row created from confirmed claims.",
        "Spring: This term's sign-up takes preferences, not claims of sessions.",
    ]
    assert [row[2] for row in rows_of(first_come.term)] == [["Ana"]]
    assert rows_of(case.term) == []


def test_make_rows_action_needs_the_permission_to_add_rows(client, django_user_model):
    signup = SignupFactory()
    ClaimFactory(slot__week__term=signup.term)
    user = django_user_model.objects.create_user(username="viewer", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_signup", "change_signup"]))
    client.force_login(user)

    page = client.get(SIGNUPS)
    client.post(SIGNUPS, {"action": "make_rows", "_selected_action": [signup.pk]})

    assert page.context["action_form"] is None  # no action this user may run
    assert rows_of(signup.term) == []
    user.user_permissions.add(Permission.objects.get(codename="add_presentation"))
    choices = client.get(SIGNUPS).context["action_form"].fields["action"].choices
    assert dict(choices)["make_rows"] == "Create the week rows from confirmed claims"


# Opening weeks for sign-up

WEEKS = reverse("admin:syllabus_week_changelist")


def test_open_for_signup_action_makes_one_place_slots_and_names_the_weeks_it_skips(staff_client):
    signup = SignupFactory()
    day = datetime.date(2026, 9, 3)
    first, second, opened = (
        WeekFactory(term=signup.term, title=title, date=day + datetime.timedelta(weeks=n))
        for n, title in enumerate(("First", "Second", "Opened"))
    )
    SlotFactory(week=opened, capacity=3)
    elsewhere = WeekFactory(term=TermFactory(), title="Elsewhere", date=day)
    chosen = [second.pk, opened.pk, elsewhere.pk, first.pk]

    response = staff_client.post(
        WEEKS, {"action": "open_for_signup", "_selected_action": chosen}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Opened for sign-up, one place each: 2026-09-03 First; 2026-09-10 Second.",
        "Not opened, their terms have no sign-up: 2026-09-03 Elsewhere.",
        "Already open for sign-up: 2026-09-17 Opened.",
    ]
    slots = Slot.objects.order_by("week__date", "week__title")
    assert [(slot.week.title, slot.capacity) for slot in slots] == [
        ("First", 1),
        ("Second", 1),
        ("Opened", 3),
    ]


def test_open_for_signup_action_needs_the_permission_to_add_slots(client, django_user_model):
    week = WeekFactory(term=SignupFactory().term)
    user = django_user_model.objects.create_user(username="editor", password="x", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_week", "change_week"]))
    client.force_login(user)

    client.post(WEEKS, {"action": "open_for_signup", "_selected_action": [week.pk]})
    before = client.get(WEEKS).context["action_form"].fields["action"].choices
    user.user_permissions.add(Permission.objects.get(codename="add_slot"))
    after = client.get(WEEKS).context["action_form"].fields["action"].choices

    assert Slot.objects.count() == 0
    assert ("open_for_signup", "Open the selected weeks for sign-up") not in before
    assert ("open_for_signup", "Open the selected weeks for sign-up") in after
