"""A session's capacity changed by an instructor: the waitlist moves into new places, and a capacity
lowered below the places held frees none until enough claims have gone."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from syllabus.signup.services import claim_cancel, slot_set_capacity
from tests.syllabus.signup.test_admin import SLOTS, messages_of
from tests.syllabus.signup.test_claims import claims, open_slot, waitlist

pytestmark = pytest.mark.django_db


def test_slot_set_capacity_raised_fills_the_new_places_from_the_waitlist_in_order():
    signup, slot = open_slot(capacity=1)
    _ana, ben, cy, _dee = waitlist(signup, slot, ["Ana", "Ben", "Cy", "Dee"])

    promoted = slot_set_capacity(slot=slot, capacity=3)

    assert [claim.pk for claim in promoted] == [ben.pk, cy.pk]
    assert slot.capacity == 3
    assert claims(slot) == [
        ("Ana", "confirmed", 1),
        ("Ben", "confirmed", 2),
        ("Cy", "confirmed", 3),
        ("Dee", "waitlisted", None),
    ]


def test_slot_set_capacity_lowered_promotes_nobody_until_fewer_places_are_held_than_the_capacity():
    signup, slot = open_slot(capacity=3)
    ana, ben, _cy, _dee = waitlist(signup, slot, ["Ana", "Ben", "Cy", "Dee"])

    assert slot_set_capacity(slot=slot, capacity=1) == []
    assert claim_cancel(claim=ana, presenter=ana.presenter) == []
    assert claims(slot)[1:] == [("Ben", "confirmed", 2), ("Cy", "confirmed", 3), ("Dee", "waitlisted", None)]
    assert claim_cancel(claim=ben, presenter=ben.presenter) == []  # Cy still holds the one place
    assert claims(slot)[3] == ("Dee", "waitlisted", None)


def test_slot_set_capacity_refuses_a_capacity_out_of_range():
    _, slot = open_slot(capacity=1)

    with pytest.raises(ValidationError):
        slot_set_capacity(slot=slot, capacity=0)

    slot.refresh_from_db()
    assert slot.capacity == 1


def test_slot_admin_list_editable_capacity_moves_the_waitlist(staff_client):
    signup, slot = open_slot(capacity=1)
    waitlist(signup, slot, ["Ana", "Ben", "Cy"])
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(slot.pk),
        "form-0-capacity": "2",
        "_save": "Save",
    }

    response = staff_client.post(SLOTS, data, follow=True)

    assert response.status_code == 200
    assert f"{slot.week}: from the waitlist, Ben took a place." in messages_of(response)
    assert claims(slot) == [("Ana", "confirmed", 1), ("Ben", "confirmed", 2), ("Cy", "waitlisted", None)]


def test_slot_admin_change_form_capacity_moves_the_waitlist(staff_client):
    signup, slot = open_slot(capacity=1)
    waitlist(signup, slot, ["Ana", "Ben"])
    url = reverse("admin:syllabus_slot_change", args=[slot.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data |= {"capacity": "2", "claims-TOTAL_FORMS": "0", "claims-INITIAL_FORMS": "0"}

    response = staff_client.post(url, data, follow=True)

    assert response.status_code == 200
    assert claims(slot) == [("Ana", "confirmed", 1), ("Ben", "confirmed", 2)]
