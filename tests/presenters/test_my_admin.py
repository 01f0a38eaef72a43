"""What instructors see of presenters' own changes: the Activity record, and abstracts to decide on."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from presenters.models import AbstractProposal, Activity
from tests.factories import PaperFactory, PresenterFactory, SignedInPresenterFactory

pytestmark = pytest.mark.django_db


def propose(paper, presenter=None, text="Proposed.") -> AbstractProposal:
    return AbstractProposal.objects.create(paper=paper, presenter=presenter or PresenterFactory(), text=text)


def decide(staff_client, action: str, proposals):
    return staff_client.post(
        reverse("admin:presenters_abstractproposal_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [proposal.pk for proposal in proposals]},
        follow=True,
    )


def test_accepting_writes_the_abstract_of_a_paper_still_without_one(staff_client):
    empty, known = PaperFactory(abstract=""), PaperFactory(abstract="Already there.")
    first, second = propose(empty, text="The *new* abstract."), propose(known)

    response = decide(staff_client, "accept", [first, second])

    empty.refresh_from_db()
    known.refresh_from_db()
    assert (empty.abstract, empty.abstract_html, known.abstract) == (
        "The *new* abstract.",
        "<p>The <em>new</em> abstract.</p>",
        "Already there.",
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.decided_by.username, first.decided_at is not None, second.status) == (
        "accepted",
        "instructor",
        True,
        "pending",
    )
    assert [str(message) for message in response.context["messages"]] == [
        "Accepted 1 proposal; 1 abstract written.",
        "1 left pending: the paper has an abstract already (reject it, or edit the paper).",
    ]


def test_rejecting_leaves_the_paper_as_it_is(staff_client):
    paper = PaperFactory(abstract="")
    proposal = propose(paper)

    decide(staff_client, "reject", [proposal])

    proposal.refresh_from_db()
    paper.refresh_from_db()
    assert (proposal.status, proposal.decided_by.username, paper.abstract) == ("rejected", "instructor", "")


def test_a_decided_proposal_is_not_decided_again(staff_client):
    paper = PaperFactory(abstract="")
    proposal = propose(paper, text="First.")
    decide(staff_client, "reject", [proposal])

    decide(staff_client, "accept", [proposal])

    proposal.refresh_from_db()
    paper.refresh_from_db()
    assert (proposal.status, paper.abstract) == ("rejected", "")


@pytest.mark.parametrize("size", [1, 4])
def test_the_activity_list_is_read_only_and_costs_the_same_queries(
    staff_client, size, django_assert_num_queries
):
    presenter = SignedInPresenterFactory(name="Grace Hopper")
    for index in range(size):
        Activity.objects.create(
            presenter=presenter, user=presenter.user, action="link_added", detail=f"https://x/{index}"
        )
    url = reverse("admin:presenters_activity_changelist")

    # session, user, counts (2), the date hierarchy's dates, activities with presenter, row and user,
    # the presenter filter's choices, the session's update
    with django_assert_num_queries(8):
        html = staff_client.get(url).content.decode()

    assert html.count("https://x/") == size
    assert reverse("admin:presenters_activity_add") not in html
    activity = Activity.objects.first()
    assert staff_client.get(reverse("admin:presenters_activity_add")).status_code == 403
    change = staff_client.post(
        reverse("admin:presenters_activity_change", args=[activity.pk]), {"detail": "edited"}
    )
    assert change.status_code == 403
    assert (
        staff_client.get(reverse("admin:presenters_activity_delete", args=[activity.pk])).status_code == 403
    )
    assert Activity.objects.get(pk=activity.pk).detail == activity.detail


@pytest.mark.parametrize("size", [1, 4])
def test_the_abstract_proposal_list_costs_the_same_queries(staff_client, size, django_assert_num_queries):
    for _ in range(size):
        propose(PaperFactory(abstract=""))

    # session, user, counts (2), proposals with paper, presenter and decider
    with django_assert_num_queries(5):
        html = staff_client.get(reverse("admin:presenters_abstractproposal_changelist")).content.decode()

    assert html.count('name="_selected_action"') == size
