"""JSON shapes of a term's sign-up, students' votes, claims and preferences, and the assignment.

Reads are shaped from rows prefetched by `signups_for_reading` (a constant number of queries for a
page of sign-ups). Writes take ids and look them up within the sign-up's term in one query per
field: an id of another term's slot or paper is refused as unknown, with the ids named.
"""

from django.db.models import Count, Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from syllabus.models import Week
from syllabus.serializers import MAX_LIST_ITEMS
from syllabus.signup.models import (
    Claim,
    PoolPaper,
    Signup,
    Slot,
    SlotPlaces,
    active_claims_prefetch,
)
from syllabus.signup.services import slots_claimable

# Ids are whole numbers the database can hold; a bigger one is a 400, not a database error.
MAX_ID = 2**53


def signups_for_reading(signups, *, weeks):
    """`signups` with what their answers show: open sessions among `weeks` (the weeks the client may
    see) with their active claims, and the approved pool with vote counts. Three queries more."""
    open_weeks = weeks.filter(slot__isnull=False).select_related("slot").order_by("date", "position", "id")
    pool = (
        PoolPaper.objects.filter(status=PoolPaper.Status.APPROVED)
        .select_related("paper")
        .annotate(vote_count=Count("votes"))
        .order_by("id")
    )
    return signups.select_related("term").prefetch_related(
        Prefetch("term__weeks", open_weeks, to_attr="open_weeks"),
        active_claims_prefetch("term__open_weeks__slot__claims"),
        Prefetch("term__pool", pool, to_attr="approved_pool"),
    )


class SlotBoardSerializer(serializers.Serializer):
    """An open session: its places, how many are taken, and who holds the confirmed ones."""

    id = serializers.IntegerField(source="slot.id", help_text="The slot's id, to claim it.")
    week = serializers.IntegerField(source="id", help_text="The session's week id.")
    title = serializers.CharField()
    date = serializers.DateField()
    capacity = serializers.IntegerField(source="slot.capacity")
    taken = serializers.SerializerMethodField(help_text="Places held by confirmed or pending claims.")
    free = serializers.SerializerMethodField()
    waitlisted = serializers.SerializerMethodField(help_text="Claims waiting for a place.")
    confirmed = serializers.SerializerMethodField(help_text="Names of the confirmed presenters, by place.")

    def get_taken(self, week) -> int:
        return len(SlotPlaces.of(week.slot).holding)

    def get_free(self, week) -> int:
        return SlotPlaces.of(week.slot).free

    def get_waitlisted(self, week) -> int:
        return len(SlotPlaces.of(week.slot).waiting)

    def get_confirmed(self, week) -> list[str]:
        return [claim.presenter.name for claim in SlotPlaces.of(week.slot).confirmed]


class PoolPaperBoardSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The pool paper's id, to vote for, claim or rank it.")
    paper = serializers.IntegerField(source="paper_id")
    title = serializers.CharField(source="paper.title")
    authors = serializers.CharField(source="paper.authors")
    year = serializers.IntegerField(source="paper.year", allow_null=True)
    votes = serializers.IntegerField(source="vote_count")


class SignupSerializer(serializers.ModelSerializer):
    """A term's sign-up: its rules, open sessions and approved pool (read only)."""

    term_name = serializers.CharField(source="term.name", read_only=True)
    slots = serializers.SerializerMethodField()
    pool = serializers.SerializerMethodField()

    class Meta:
        model = Signup
        fields = [
            "id",
            "term",
            "term_name",
            "mode",
            "is_open",
            "deadline",
            "presentations_per_student",
            "claims_need_approval",
            "allow_suggestions",
            "slots",
            "pool",
        ]
        read_only_fields = fields

    @extend_schema_field(SlotBoardSerializer(many=True))
    def get_slots(self, signup) -> list:
        return SlotBoardSerializer(signup.term.open_weeks, many=True).data

    @extend_schema_field(PoolPaperBoardSerializer(many=True))
    def get_pool(self, signup) -> list:
        return PoolPaperBoardSerializer(signup.term.approved_pool, many=True).data


# Writes by students.


def _id_list_field(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=MAX_LIST_ITEMS,
        help_text=help_text,
    )


def _term_rows(queryset, ids: list[int], noun: str) -> list:
    """The rows of `queryset` with `ids`, in the order given (duplicates kept); unknown ids are a 400."""
    found = queryset.in_bulk(set(ids))
    unknown = [str(pk) for pk in dict.fromkeys(ids) if pk not in found]
    if unknown:
        raise serializers.ValidationError(f"No {noun} of this term with id {', '.join(unknown)}.")
    return [found[pk] for pk in ids]


class SignupWriteSerializer(serializers.Serializer):
    """Takes the sign-up in its context ("signup") and looks ids up within its term."""

    @property
    def signup(self) -> Signup:
        return self.context["signup"]

    def pool_papers(self, ids: list[int]) -> list[PoolPaper]:
        return _term_rows(
            PoolPaper.objects.filter(term_id=self.signup.term_id).select_related("paper"), ids, "pool paper"
        )


class VoteSerializer(SignupWriteSerializer):
    pool_paper = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="A pool paper's id.")

    def validate_pool_paper(self, value: int) -> PoolPaper:
        return self.pool_papers([value])[0]


class VoteResultSerializer(serializers.Serializer):
    pool_paper = serializers.IntegerField()
    voted = serializers.BooleanField(help_text="Whether your vote stands after this toggle.")
    votes = serializers.IntegerField(help_text="The paper's votes now.")


class ClaimSerializer(serializers.ModelSerializer):
    """A student's claim of a session with a paper."""

    week = serializers.IntegerField(source="slot.week_id", read_only=True)
    week_title = serializers.CharField(source="slot.week.title", read_only=True)
    date = serializers.DateField(source="slot.week.date", read_only=True)
    paper_title = serializers.CharField(source="pool_paper.paper.title", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "slot",
            "week",
            "week_title",
            "date",
            "pool_paper",
            "paper_title",
            "status",
            "place",
            "created",
        ]
        read_only_fields = fields


class ClaimRequestSerializer(SignupWriteSerializer):
    slot = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="An open session's slot id.")
    pool_paper = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="A pool paper's id.")

    def validate_slot(self, value: int) -> Slot:
        slots = slots_claimable(term_id=self.signup.term_id).select_related("week")
        return _term_rows(slots, [value], "open session")[0]

    def validate_pool_paper(self, value: int) -> PoolPaper:
        return self.pool_papers([value])[0]


class ClaimCancelSerializer(serializers.Serializer):
    claim = ClaimSerializer()
    promoted = serializers.IntegerField(help_text="Waitlisted claims that took the freed place.")


class PreferenceSerializer(SignupWriteSerializer):
    """Ranked pool papers (first = most wanted) and the sessions the student cannot make."""

    ranked = _id_list_field("Pool paper ids, most wanted first.")
    unavailable_weeks = _id_list_field("Week ids of open sessions you cannot make.")
    updated = serializers.DateTimeField(read_only=True, allow_null=True)

    def validate_ranked(self, ids: list[int]) -> list[PoolPaper]:
        return self.pool_papers(ids)

    def validate_unavailable_weeks(self, ids: list[int]) -> list[Week]:
        return _term_rows(Week.objects.filter(term_id=self.signup.term_id), ids, "week")


# The assignment (editors).


class PairSerializer(serializers.Serializer):
    presenter = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    week = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    paper = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class ProposedPairSerializer(PairSerializer):
    presenter_name = serializers.CharField()
    week_title = serializers.CharField()
    paper_title = serializers.CharField()


class ProposalSerializer(serializers.Serializer):
    pairs = ProposedPairSerializer(many=True, help_text="In week order; send them (edited or not) to apply.")
    score = serializers.IntegerField(help_text="The preference score the assignment reaches.")
    unsatisfied = serializers.ListField(child=serializers.CharField(), help_text="What could not be given.")


class ApplySerializer(serializers.Serializer):
    pairs = serializers.ListField(child=PairSerializer(), max_length=1000, allow_empty=False)


class AppliedSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of the rows created.")
