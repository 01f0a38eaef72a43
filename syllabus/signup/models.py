"""Sign-up for a term: its rules, the pool of candidate papers, open slots, votes, claims, preferences.

A student is a presenter with an account (presenters/signin.py). Claims are made safe in the
database: a claim takes a numbered place in its slot (unique per slot) under a row lock of the slot,
so two students racing for the last place cannot both have it.
"""

from dataclasses import dataclass

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from syllabus.models import Term, Week


class SignupMode(models.TextChoices):
    FIRST_COME = "first_come", "first come, first served"
    PREFERENCES = "preferences", "preferences, then an assignment"


class Signup(models.Model):
    """A term's sign-up rules; a term without one has no sign-up."""

    term = models.OneToOneField(Term, on_delete=models.CASCADE, related_name="signup")
    mode = models.CharField(max_length=20, choices=SignupMode.choices, default=SignupMode.FIRST_COME)
    is_open = models.BooleanField("open", default=False, help_text="Students may sign up until the deadline.")
    deadline = models.DateTimeField(help_text="Claims, cancellations, votes and preferences close then.")
    presentations_per_student = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    claims_need_approval = models.BooleanField(
        default=False, help_text="First come: a claim waits for an instructor's approval before it counts."
    )
    allow_suggestions = models.BooleanField(
        default=False, help_text="Students may suggest papers for the pool; an instructor approves them."
    )
    seed = models.PositiveIntegerField(
        default=0, help_text="Breaks ties in the assignment; same seed, same result."
    )

    def __str__(self) -> str:
        return f"Sign-up for {self.term}"

    def get_absolute_url(self) -> str:
        return reverse("signup:term", args=[self.term.slug])

    @property
    def is_accepting(self) -> bool:
        """Open and before the deadline: students may claim, vote and send preferences."""
        return self.is_open and timezone.now() < self.deadline


class PoolPaper(models.Model):
    """A candidate paper of a term's pool; a student's suggestion is pending until approved."""

    class Status(models.TextChoices):
        APPROVED = "approved", "approved"
        SUGGESTED = "suggested", "suggested (awaiting approval)"
        REJECTED = "rejected", "rejected"

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="pool")
    paper = models.ForeignKey("papers.Paper", on_delete=models.PROTECT, related_name="pool_entries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPROVED)
    suggested_by = models.ForeignKey(
        "presenters.Presenter", on_delete=models.SET_NULL, null=True, blank=True, related_name="suggestions"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "paper"],
                name="pool_paper_once_per_term",
                violation_error_message="This paper is already in the term's pool.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper} ({self.term})"


class Slot(models.Model):
    """A session open for sign-up and how many presentations it takes."""

    week = models.OneToOneField(Week, on_delete=models.CASCADE, related_name="slot")
    capacity = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )

    class Meta:
        ordering = ["week__date", "week__position", "id"]

    def __str__(self) -> str:
        return f"{self.week} ({self.capacity})"


class Vote(models.Model):
    """A student's star on a pool paper: one per paper per student."""

    pool_paper = models.ForeignKey(PoolPaper, on_delete=models.CASCADE, related_name="votes")
    presenter = models.ForeignKey("presenters.Presenter", on_delete=models.CASCADE, related_name="votes")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pool_paper", "presenter"],
                name="one_vote_per_paper_per_student",
                violation_error_message="You have already voted for this paper.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.presenter} ★ {self.pool_paper.paper}"


class ClaimStatus(models.TextChoices):
    CONFIRMED = "confirmed", "confirmed"
    PENDING = "pending", "awaiting approval"
    WAITLISTED = "waitlisted", "on the waitlist"
    CANCELLED = "cancelled", "cancelled"
    REJECTED = "rejected", "rejected"


HOLDS_PLACE = Q(status__in=[ClaimStatus.CONFIRMED, ClaimStatus.PENDING])
ACTIVE = Q(status__in=[ClaimStatus.CONFIRMED, ClaimStatus.PENDING, ClaimStatus.WAITLISTED])


class Claim(models.Model):
    """A student's claim of a place in a slot, with a paper of the pool (first-come mode).

    `place` is the claim's numbered place in the slot (1..capacity) while it holds one, unique per
    slot: the database refuses a second claim of the same place. A waitlisted claim has no place.
    """

    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="claims")
    presenter = models.ForeignKey("presenters.Presenter", on_delete=models.CASCADE, related_name="claims")
    pool_paper = models.ForeignKey(PoolPaper, on_delete=models.PROTECT, related_name="claims")
    status = models.CharField(max_length=10, choices=ClaimStatus.choices)
    place = models.PositiveSmallIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "place"],
                condition=Q(place__isnull=False),
                name="claim_place_once_per_slot",
                violation_error_message="This place in the session has just been taken.",
            ),
            models.CheckConstraint(
                condition=(HOLDS_PLACE & Q(place__isnull=False)) | (~HOLDS_PLACE & Q(place__isnull=True)),
                name="claim_holds_a_place_iff_confirmed_or_pending",
            ),
            models.UniqueConstraint(
                fields=["slot", "presenter"],
                condition=ACTIVE,
                name="one_active_claim_per_slot_per_student",
                violation_error_message="You have already claimed this session.",
            ),
            models.UniqueConstraint(
                fields=["pool_paper"],
                condition=HOLDS_PLACE,
                name="pool_paper_claimed_once",
                violation_error_message="Someone has already claimed this paper.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.presenter} → {self.slot.week} ({self.get_status_display()})"


def active_claims_prefetch(lookup: str = "claims") -> models.Prefetch:
    """A slot's active claims with their presenters as `active_claims`: places in order, then the
    waitlist in the order it was joined (read by SlotPlaces)."""
    claims = Claim.objects.filter(ACTIVE).select_related("presenter").order_by("place", "created", "id")
    return models.Prefetch(lookup, claims, to_attr="active_claims")


@dataclass(frozen=True)
class SlotPlaces:
    """Who holds a slot's places and who waits, as the page, the API and the admin count them."""

    capacity: int
    claims: list[Claim]  # active, from active_claims_prefetch

    @classmethod
    def of(cls, slot: Slot) -> "SlotPlaces":
        return cls(capacity=slot.capacity, claims=slot.active_claims)

    @property
    def holding(self) -> list[Claim]:
        return [claim for claim in self.claims if claim.place is not None]

    @property
    def confirmed(self) -> list[Claim]:
        return [claim for claim in self.holding if claim.status == ClaimStatus.CONFIRMED]

    @property
    def pending(self) -> int:
        return sum(claim.status == ClaimStatus.PENDING for claim in self.holding)

    @property
    def waiting(self) -> list[Claim]:
        return [claim for claim in self.claims if claim.status == ClaimStatus.WAITLISTED]

    @property
    def free(self) -> int:
        return max(self.capacity - len(self.holding), 0)


class Preference(models.Model):
    """A student's preferences (preferences mode): ranked papers and the weeks they cannot make."""

    signup = models.ForeignKey(Signup, on_delete=models.CASCADE, related_name="preferences")
    presenter = models.ForeignKey(
        "presenters.Presenter", on_delete=models.CASCADE, related_name="preferences"
    )
    unavailable_weeks = models.ManyToManyField(Week, blank=True, related_name="+")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["signup", "presenter"],
                name="one_preference_per_student_per_signup",
                violation_error_message="You have already sent preferences for this term.",
            ),
        ]

    def __str__(self) -> str:
        return f"Preferences of {self.presenter}"


class RankedPaper(models.Model):
    """A paper of the pool at its rank (1 = most wanted) in a student's preferences."""

    preference = models.ForeignKey(Preference, on_delete=models.CASCADE, related_name="ranked")
    pool_paper = models.ForeignKey(PoolPaper, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["preference", "rank"], name="ranked_paper_rank_once"),
            models.UniqueConstraint(fields=["preference", "pool_paper"], name="ranked_paper_once"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.pool_paper.paper}"
