"""The sign-up through the API: a term's sign-up to read, students' votes, claims and preferences,
and the editors' assignment (propose, apply).

The same services as the pages (syllabus/signup/services.py, assignment.py), so both refuse the
same things in the same words: a SignupError is a 400 `{"detail": message}`. A student is a user
with a presenter (`request.user.presenter`); their accounts hold no model permissions, so their
actions have their own permission class instead of the API's DjangoModelPermissions.

Reads are not kept in the shared cache (no CachedReadsMixin): votes and claims change them, and
those rows do not move the content version.
"""

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.cache import patch_cache_control, patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from papers.models import Paper
from presenters.models import Presenter
from syllabus.api_defaults import JSONParser
from syllabus.models import Term, Week
from syllabus.signup import services
from syllabus.signup.assignment import assignment_apply, assignment_propose
from syllabus.signup.models import Claim, Preference, Signup, SignupMode, Vote
from syllabus.signup.serializers import (
    MAX_ID,
    AppliedSerializer,
    ApplySerializer,
    ClaimCancelSerializer,
    ClaimRequestSerializer,
    ClaimSerializer,
    PreferenceSerializer,
    ProposalSerializer,
    SignupSerializer,
    VoteResultSerializer,
    VoteSerializer,
    signups_for_reading,
)


class IsStudent(permissions.BasePermission):
    """A signed-in user with a presenter: what a student may do, on their own rows only."""

    message = "Only a student signed in with their own account (a presenter's) can do this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and hasattr(user, "presenter"))


class CanAssign(permissions.BasePermission):
    """Editors: staff or tokens that may change sessions (and add rows, to apply)."""

    message = "Only editors (who may change sessions and add rows) can propose or apply an assignment."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.has_perms(["syllabus.change_week", "syllabus.add_presentation"])
        )


@contextmanager
def refusals():
    """A sign-up rule's refusal becomes a 400 with its message."""
    try:
        yield
    except services.SignupError as error:
        raise ValidationError({"detail": str(error)}) from None


CLAIM_ID = OpenApiParameter(
    "claim_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Your claim's id."
)
REFUSED = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description='Refused by a sign-up rule: `{"detail": message}`, or a field\'s message.',
)


@extend_schema_view(
    list=extend_schema(summary="List the sign-ups of the terms you can see"),
    retrieve=extend_schema(summary="A term's sign-up: rules, open sessions, approved pool with votes"),
)
class SignupViewSet(viewsets.ReadOnlyModelViewSet):
    """Terms' sign-ups. Anonymous clients see those of published terms, and only published sessions."""

    serializer_class = SignupSerializer
    parser_classes = [JSONParser]
    filter_backends = []  # nothing to filter by yet; a term has one sign-up

    def get_queryset(self):
        user = self.request.user
        signups = Signup.objects.filter(term__in=Term.objects.visible_to(user)).order_by(
            "-term__start_date", "id"
        )
        if self.action in ("list", "retrieve"):
            return signups_for_reading(signups, weeks=Week.objects.visible_to(user))
        return signups.select_related("term")

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Authorization", "Cookie"])
        if request.user.is_authenticated:
            patch_cache_control(response, private=True)
        return response

    def context_for(self, signup: Signup) -> dict:
        return {**self.get_serializer_context(), "signup": signup}

    # Votes.

    @extend_schema(
        summary="Vote for a pool paper, or take your vote back",
        request=VoteSerializer,
        responses={200: VoteResultSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsStudent])
    def votes(self, request, pk=None):
        """Toggle your vote (a star) on an approved paper of the pool, while sign-up is open."""
        signup = self.get_object()
        given = VoteSerializer(data=request.data, context=self.context_for(signup))
        given.is_valid(raise_exception=True)
        pool_paper = given.validated_data["pool_paper"]
        with refusals():
            voted = services.vote_toggle(pool_paper=pool_paper, presenter=request.user.presenter)
        votes = Vote.objects.filter(pool_paper=pool_paper).count()
        return Response({"pool_paper": pool_paper.pk, "voted": voted, "votes": votes})

    # Claims (first come).

    def own_claims(self, signup: Signup):
        return (
            Claim.objects.filter(presenter=self.request.user.presenter, slot__week__term_id=signup.term_id)
            .select_related("slot__week", "pool_paper__paper")
            .order_by("slot__week__date", "slot__week__position", "created", "id")
        )

    @extend_schema(
        methods=["get"], summary="Your claims in this sign-up", responses=ClaimSerializer(many=True)
    )
    @extend_schema(
        methods=["post"],
        summary="Claim a session with a paper of the pool",
        request=ClaimRequestSerializer,
        responses={201: ClaimSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["get", "post"], permission_classes=[IsStudent], pagination_class=None)
    def claims(self, request, pk=None):
        """GET: your claims, by session. POST: claim a session (`slot`) with a pool paper: the lowest
        free place, confirmed or pending approval as the term says, else the waitlist."""
        signup = self.get_object()
        if request.method == "GET":
            return Response(ClaimSerializer(self.own_claims(signup), many=True).data)
        given = ClaimRequestSerializer(data=request.data, context=self.context_for(signup))
        given.is_valid(raise_exception=True)
        with refusals():
            claim = services.claim_make(presenter=request.user.presenter, **given.validated_data)
        shown = ClaimSerializer(self.own_claims(signup).get(pk=claim.pk))
        return Response(shown.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel your claim",
        parameters=[CLAIM_ID],
        request=None,
        responses={200: ClaimCancelSerializer, 400: REFUSED},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"claims/(?P<claim_id>[0-9]+)/cancel",
        url_name="claim-cancel",
        permission_classes=[IsStudent],
    )
    def claim_cancel(self, request, pk=None, claim_id=None):
        """Cancel one of your claims before the deadline; a freed place goes to the session's waitlist
        (`promoted` says how many claims took it). Another student's claim is a 404."""
        signup = self.get_object()
        if int(claim_id) > MAX_ID:
            raise NotFound()
        claim = get_object_or_404(self.own_claims(signup), pk=claim_id)
        with refusals():
            promoted = services.claim_cancel(claim=claim, presenter=request.user.presenter)
        shown = ClaimCancelSerializer(
            {"claim": self.own_claims(signup).get(pk=claim.pk), "promoted": len(promoted)}
        )
        return Response(shown.data)

    # Preferences.

    def preference_answer(self, signup: Signup) -> Response:
        preference = (
            Preference.objects.filter(signup=signup, presenter=self.request.user.presenter)
            .prefetch_related("ranked", "unavailable_weeks")
            .first()
        )
        if preference is None:
            return Response({"ranked": [], "unavailable_weeks": [], "updated": None})
        weeks = sorted(
            preference.unavailable_weeks.all(), key=lambda week: (week.date, week.position, week.pk)
        )
        return Response(
            {
                "ranked": [ranked.pool_paper_id for ranked in preference.ranked.all()],
                "unavailable_weeks": [week.pk for week in weeks],
                "updated": PreferenceSerializer().fields["updated"].to_representation(preference.updated),
            }
        )

    @extend_schema(
        methods=["get"], summary="Your preferences in this sign-up", responses=PreferenceSerializer
    )
    @extend_schema(
        methods=["put"],
        summary="Send your preferences, replacing any you sent",
        request=PreferenceSerializer,
        responses={200: PreferenceSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["get", "put"], permission_classes=[IsStudent])
    def preferences(self, request, pk=None):
        """Preferences mode: `ranked` lists pool papers, most wanted first; `unavailable_weeks` the open
        sessions you cannot make. A PUT replaces what you sent before."""
        signup = self.get_object()
        if request.method == "PUT":
            given = PreferenceSerializer(data=request.data, context=self.context_for(signup))
            given.is_valid(raise_exception=True)
            with refusals():
                services.preference_save(
                    signup=signup,
                    presenter=request.user.presenter,
                    ranked_pool_papers=given.validated_data["ranked"],
                    unavailable_weeks=given.validated_data["unavailable_weeks"],
                )
        return self.preference_answer(signup)

    # The assignment (editors).

    def assignable(self) -> Signup:
        signup = self.get_object()
        if signup.mode != SignupMode.PREFERENCES:
            raise ValidationError(
                {"detail": "Only a sign-up by preferences is assigned; this one is first come."}
            )
        return signup

    @extend_schema(
        summary="Propose an assignment (nothing is saved)",
        request=None,
        responses={200: ProposalSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["post"], url_path="assignment/propose", url_name="assignment-propose",
            permission_classes=[CanAssign])  # fmt: skip
    def assignment_propose(self, request, pk=None):
        """An optimal assignment of the students who sent preferences to (session, paper), with its
        score and what it could not satisfy. Review or edit the pairs, then apply them."""
        proposal = assignment_propose(signup=self.assignable())
        pairs = [
            {
                "presenter": presenter.pk,
                "presenter_name": presenter.name,
                "week": week.pk,
                "week_title": week.title,
                "paper": paper.pk,
                "paper_title": paper.title,
            }
            for presenter, week, paper in proposal.pairs
        ]
        shown = ProposalSerializer(
            {"pairs": pairs, "score": proposal.score, "unsatisfied": proposal.unsatisfied}
        )
        return Response(shown.data)

    @extend_schema(
        summary="Apply an assignment: create the rows, all or nothing",
        request=ApplySerializer,
        responses={201: AppliedSerializer, 400: REFUSED},
    )
    @action(detail=True, methods=["post"], url_path="assignment/apply", url_name="assignment-apply",
            permission_classes=[CanAssign])  # fmt: skip
    def assignment_apply(self, request, pk=None):
        """Each pair (presenter, week, paper) becomes a row of its week crediting the presenter, in one
        transaction. A pair that breaks a rule refuses the whole request with every problem listed in
        `pairs`, and nothing is written."""
        signup = self.assignable()
        given = ApplySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        pairs = given.validated_data["pairs"]
        found = {
            "presenter": Presenter.objects.in_bulk({pair["presenter"] for pair in pairs}),
            "week": Week.objects.in_bulk({pair["week"] for pair in pairs}),
            "paper": Paper.objects.in_bulk({pair["paper"] for pair in pairs}),
        }
        unknown = [
            f"No {noun} with id {pk}."
            for noun, rows in found.items()
            for pk in dict.fromkeys(pair[noun] for pair in pairs)
            if pk not in rows
        ]
        if unknown:
            raise ValidationError({"pairs": unknown})
        try:
            rows = assignment_apply(
                signup=signup,
                pairs=[
                    (found["presenter"][p["presenter"]], found["week"][p["week"]], found["paper"][p["paper"]])
                    for p in pairs
                ],
            )
        except DjangoValidationError as error:
            raise ValidationError({"pairs": error.messages}) from None
        return Response({"rows": [row.pk for row in rows]}, status=status.HTTP_201_CREATED)
