"""The sign-up page of a term, for everyone, and the student's actions posted from it.

Everyone sees the open sessions (with the names of confirmed presenters, public anyway) and the pool
of approved papers. A signed-in presenter also sees their stars, their claims or preferences, and the
forms that change them. Each form posts to a small view that parses the ids, finds the rows of this
term, calls the service and redirects back with a message (a refusal of the rules is a message too);
input that is not even well formed is a 400. Other signed-in users (instructors included: they use
the admin) see the public page, and a 403 if they post.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_POST, require_safe

from papers.models import Paper, PaperLink
from presenters.models import Presenter
from syllabus.errors import plain_response
from syllabus.models import Week
from syllabus.signup import services
from syllabus.signup.forms import CancelForm, ClaimForm, PreferenceForm, SuggestionForm, VoteForm
from syllabus.signup.models import (
    Claim,
    ClaimStatus,
    PoolPaper,
    Preference,
    Signup,
    SignupMode,
    Slot,
    SlotPlaces,
    Vote,
    active_claims_prefetch,
)
from syllabus.signup.services import SignupError

# At most this many ranks in the preferences form: enough to spread a class over the pool without a
# page of sixty selects of sixty papers each.
MAX_RANKS = 10
NOT_IN_POOL = "This paper is not in this term's pool."


def _signup_or_404(term_slug: str) -> Signup:
    published = Signup.objects.select_related("term").filter(term__is_published=True)
    return get_object_or_404(published, term__slug=term_slug)


def _presenter_of(request: HttpRequest) -> Presenter | None:
    return getattr(request.user, "presenter", None) if request.user.is_authenticated else None


@dataclass
class SlotLine:
    """A slot as the page shows it: who holds its places, how many are free, who waits."""

    slot: Slot
    places: SlotPlaces
    mine: Claim | None = None

    @property
    def week(self) -> Week:
        return self.slot.week

    @property
    def free(self) -> int:
        return self.places.free

    @property
    def summary(self) -> str:
        """The slot's line: "3 Sep 2026 · Optimisation · 2 places · taken by Ana Lima · 1 free"."""
        capacity, places = self.slot.capacity, self.places
        parts = [
            date_format(self.week.date, "j M Y"),
            self.week.title,
            f"{capacity} place{'s' if capacity != 1 else ''}",
        ]
        holders = [", ".join(claim.presenter.name for claim in places.confirmed)] if places.confirmed else []
        if places.pending:
            holders.append(f"{places.pending} awaiting approval")
        if holders:
            parts.append("taken by " + " and ".join(holders))
        parts.append(f"{places.free} free" if places.free else "full")
        if places.waiting:
            parts.append(f"{len(places.waiting)} on the waitlist")
        return " · ".join(parts)


@dataclass
class SignupPage:
    """Everything the page shows, in a fixed number of queries whatever the number of rows."""

    signup: Signup
    presenter: Presenter | None
    slots: list[SlotLine] = field(default_factory=list)
    pool: list[PoolPaper] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)
    starred: set[int] = field(default_factory=set)
    claims: list[Claim] = field(default_factory=list)
    suggestions: list[PoolPaper] = field(default_factory=list)
    forms: dict = field(default_factory=dict)

    @classmethod
    def load(cls, *, signup: Signup, presenter: Presenter | None) -> "SignupPage":
        page = cls(signup=signup, presenter=presenter)
        term = signup.term
        slots = services.slots_claimable(term_id=term.pk).select_related("week")
        for slot in slots.prefetch_related(active_claims_prefetch()):
            places = SlotPlaces.of(slot)
            page.taken.update(claim.pool_paper_id for claim in places.holding)
            mine = next((c for c in places.claims if presenter and c.presenter_id == presenter.pk), None)
            page.slots.append(SlotLine(slot=slot, places=places, mine=mine))
        page.pool = list(
            PoolPaper.objects.filter(term=term, status=PoolPaper.Status.APPROVED)
            .select_related("paper")
            .prefetch_related(Prefetch("paper__links", PaperLink.objects.order_by("order", "id")))
            .annotate(stars=Count("votes"))
            .order_by("paper__title", "id")
        )
        if presenter is not None:
            page._load_own(presenter)
        return page

    def _load_own(self, presenter: Presenter) -> None:
        signup, term = self.signup, self.signup.term
        self.starred = set(
            Vote.objects.filter(presenter=presenter, pool_paper__term=term).values_list(
                "pool_paper_id", flat=True
            )
        )
        if signup.mode == SignupMode.FIRST_COME:
            self.claims = list(
                Claim.objects.filter(presenter=presenter, slot__week__term=term)
                .select_related("slot__week", "pool_paper__paper")
                .order_by("created", "id")
            )
        elif signup.is_accepting:
            self.forms["preferences"] = self.preference_form()
        if signup.allow_suggestions:
            self.suggestions = list(
                PoolPaper.objects.filter(term=term, suggested_by=presenter)
                .exclude(status=PoolPaper.Status.APPROVED)
                .select_related("paper")
            )
            if signup.is_accepting:
                papers = (
                    Paper.objects.public()
                    .exclude(pool_entries__term=term)
                    .only("id", "title")
                    .order_by("title")
                )
                self.forms["suggestion"] = SuggestionForm(papers=papers)

    def preference_form(self, data=None) -> PreferenceForm:
        initial = {}
        if data is None:
            preference = (
                Preference.objects.filter(signup=self.signup, presenter=self.presenter)
                .prefetch_related("ranked", "unavailable_weeks")
                .first()
            )
            if preference is not None:
                initial = {f"rank_{ranked.rank}": ranked.pool_paper_id for ranked in preference.ranked.all()}
                initial["unavailable_weeks"] = [week.pk for week in preference.unavailable_weeks.all()]
        return PreferenceForm(
            data,
            initial=initial,
            pool=self.pool,
            weeks=[line.week for line in self.slots],
            ranks=min(len(self.pool), MAX_RANKS),
        )

    @property
    def free_pool(self) -> list[PoolPaper]:
        """The papers a student may still claim: approved and held by no claim."""
        return [entry for entry in self.pool if entry.pk not in self.taken]

    @property
    def is_accepting(self) -> bool:
        return self.signup.is_accepting

    @property
    def before_deadline(self) -> bool:
        """Claims may still be cancelled (even once the sign-up is closed to new claims)."""
        return timezone.now() < self.signup.deadline

    @property
    def is_first_come(self) -> bool:
        return self.signup.mode == SignupMode.FIRST_COME


@require_safe
def term_signup(request, term_slug: str):
    signup = _signup_or_404(term_slug)
    page = SignupPage.load(signup=signup, presenter=_presenter_of(request))
    return render(request, "syllabus/signup/term.html", {"page": page, "signup": signup, "term": signup.term})


# Actions. Each returns the message of its success; a SignupError is shown as the refusal.


class Malformed(Exception):
    """Input that no form of the page sends: answered with a 400."""


def _parsed(form: forms.Form) -> dict:
    if not form.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
        raise Malformed(f"Malformed input ({problems})")
    return form.cleaned_data


def student_action(action: Callable[[HttpRequest, Signup, Presenter], str]):
    """A POST of a signed-in presenter about a term's sign-up, answered by a redirect to the page.

    Anonymous visitors are sent to sign in (then back to the page, not to this POST-only address);
    a signed-in user who is not a presenter gets a 403.
    """

    @require_POST
    @functools.wraps(action)
    def view(request, term_slug: str) -> HttpResponse:
        page_url = reverse("signup:term", args=[term_slug])
        if not request.user.is_authenticated:
            return redirect_to_login(page_url)
        signup = _signup_or_404(term_slug)
        presenter = _presenter_of(request)
        if presenter is None:
            return render(request, "presenters/not_a_presenter.html", status=403)
        try:
            message = action(request, signup, presenter)
        except Malformed as error:
            return plain_response(request, status=400, title="Bad request", detail=str(error))
        except SignupError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, message)
        return redirect(page_url)

    return view


def _pool_paper(signup: Signup, pk: int) -> PoolPaper:
    entry = PoolPaper.objects.filter(term=signup.term, pk=pk).select_related("paper").first()
    if entry is None:
        raise SignupError(NOT_IN_POOL)
    return entry


def _when(week: Week) -> str:
    return f"{week.title} ({date_format(week.date, 'j M Y')})"


@student_action
def vote(request, signup: Signup, presenter: Presenter) -> str:
    entry = _pool_paper(signup, _parsed(VoteForm(request.POST))["pool_paper"])
    if services.vote_toggle(pool_paper=entry, presenter=presenter):
        return f"You starred “{entry.paper.title}”."
    return f"You took back your star from “{entry.paper.title}”."


@student_action
def claim(request, signup: Signup, presenter: Presenter) -> str:
    data = _parsed(ClaimForm(request.POST))
    slot = (
        services.slots_claimable(term_id=signup.term_id)
        .filter(pk=data["slot"])
        .select_related("week")
        .first()
    )
    if slot is None:
        raise SignupError("This session is not open for sign-up in this term.")
    entry = _pool_paper(signup, data["pool_paper"])
    made = services.claim_make(slot=slot, presenter=presenter, pool_paper=entry)
    title = entry.paper.title
    if made.status == ClaimStatus.WAITLISTED:
        return f"{_when(slot.week)} is full: you are on its waitlist with “{title}”."
    if made.status == ClaimStatus.PENDING:
        return f"You claimed {_when(slot.week)} with “{title}”; it awaits an instructor's approval."
    return f"You present “{title}” in {_when(slot.week)}."


@student_action
def cancel(request, signup: Signup, presenter: Presenter) -> str:
    pk = _parsed(CancelForm(request.POST))["claim"]
    found = Claim.objects.filter(slot__week__term=signup.term, pk=pk).select_related("slot__week").first()
    if found is None:
        raise SignupError("There is no such claim in this term.")
    services.claim_cancel(claim=found, presenter=presenter)
    return f"Your claim of {_when(found.slot.week)} is cancelled."


@student_action
def preferences(request, signup: Signup, presenter: Presenter) -> str:
    page = SignupPage.load(signup=signup, presenter=None)
    form = page.preference_form(request.POST)
    _parsed(form)
    ranked_ids = form.ranked_ids()
    entries = PoolPaper.objects.filter(term=signup.term).select_related("paper").in_bulk(ranked_ids)
    if any(pk not in entries for pk in ranked_ids):
        raise SignupError(NOT_IN_POOL)
    week_ids = form.cleaned_data["unavailable_weeks"]
    weeks = Week.objects.in_bulk(week_ids)
    if any(pk not in weeks for pk in week_ids):
        raise SignupError("There is no such week.")
    services.preference_save(
        signup=signup,
        presenter=presenter,
        ranked_pool_papers=[entries[pk] for pk in ranked_ids],
        unavailable_weeks=[weeks[pk] for pk in week_ids],
    )
    ranked, unavailable = len(ranked_ids), len(week_ids)
    return (
        f"Your preferences are saved: {ranked} paper{'s' if ranked != 1 else ''} ranked, "
        f"{unavailable} week{'s' if unavailable != 1 else ''} you cannot make."
    )


@student_action
def suggest(request, signup: Signup, presenter: Presenter) -> str:
    pk = _parsed(SuggestionForm(request.POST))["paper"]
    paper = Paper.objects.public().filter(pk=pk).first()  # planned readings stay private
    if paper is None:
        raise SignupError("There is no such paper.")
    services.pool_suggest(signup=signup, presenter=presenter, paper=paper)
    return f"You suggested “{paper.title}”; an instructor will decide whether it joins the pool."
