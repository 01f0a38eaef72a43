"""The instructor's side of sign-up: rules, pool, slots, claims with their waitlists, the assignment.

Imported from the bottom of syllabus/admin.py so that it registers. Every write goes through
syllabus/signup/services.py or assignment.py, so the admin refuses what the pages and the API refuse.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join

from papers.lookup import LookupFailed
from papers.services import paper_from_identifier
from syllabus.signup import services
from syllabus.signup.admin_forms import PairFormSet, PoolAddForm, SeedForm
from syllabus.signup.assignment import assignment_apply, assignment_propose, signup_inputs
from syllabus.signup.models import (
    ACTIVE,
    Claim,
    PoolPaper,
    Signup,
    SignupMode,
    Slot,
    SlotPlaces,
    active_claims_prefetch,
)
from syllabus.signup.services import SignupError

ASSIGN_PERMISSIONS = ["syllabus.change_week", "syllabus.add_presentation"]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@admin.register(Signup)
class SignupAdmin(admin.ModelAdmin):
    list_display = ["term", "mode", "is_open", "deadline", "presentations_per_student"]
    list_filter = ["mode", "is_open"]
    list_select_related = ["term"]
    search_fields = ["term__name", "term__code"]
    autocomplete_fields = ["term"]
    change_form_template = "admin/syllabus/signup/change_form.html"
    actions = ["make_rows"]

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/pool/add/",
                self.admin_site.admin_view(self.pool_add_view),
                name="syllabus_signup_pool_add",
            ),
            path(
                "<path:object_id>/assignment/",
                self.admin_site.admin_view(self.assignment_view),
                name="syllabus_signup_assignment",
            ),
        ]
        return own + super().get_urls()  # before the catch-all "<path:object_id>/" of the change page

    def has_pool_add_permission(self, request) -> bool:
        return request.user.has_perm("syllabus.add_poolpaper")

    def has_assign_permission(self, request) -> bool:
        return request.user.has_perms(ASSIGN_PERMISSIONS)

    def has_make_rows_permission(self, request) -> bool:
        return request.user.has_perm("syllabus.add_presentation")

    @admin.action(description="Create the week rows from confirmed claims", permissions=["make_rows"])
    def make_rows(self, request, queryset):
        """First come: each confirmed claim becomes a row of its week; a second run adds only new ones."""
        for signup in queryset.select_related("term").order_by("term__start_date", "pk"):
            try:
                rows = services.claims_to_rows(signup=signup)
            except SignupError as error:
                messages.error(request, f"{signup.term}: {error}")
                continue
            if rows:
                self.log_change(request, signup, f"Created {_count(len(rows), 'row')} from confirmed claims.")
            messages.success(
                request, f"{signup.term}: {_count(len(rows), 'row')} created from confirmed claims."
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        signup = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "can_add_to_pool": signup is not None and self.has_pool_add_permission(request),
            "can_assign": signup is not None
            and signup.mode == SignupMode.PREFERENCES
            and self.has_assign_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _signup_or_404(self, request, object_id) -> Signup:
        signup = (
            Signup.objects.select_related("term").filter(pk=object_id).first()
            if object_id.isdigit()
            else None
        )
        if signup is None:
            raise Http404("No such sign-up.")
        return signup

    def _context(self, request, signup: Signup, title: str, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": str(signup.term),
            "opts": self.opts,
            "original": signup,
            **extra,
        }

    # The pool

    def pool_add_view(self, request, object_id):
        """Add known papers and papers named by pasted arXiv ids or DOIs to the term's pool."""
        signup = self._signup_or_404(request, object_id)
        if not self.has_pool_add_permission(request):
            raise PermissionDenied
        form = PoolAddForm(request.POST or None, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            identifiers = form.cleaned_data["identifiers"]
            if identifiers and not request.user.has_perm("papers.add_paper"):
                form.add_error("identifiers", "You may not add papers: choose known papers only.")
            else:
                added = self._pool_add(request, form, signup, identifiers)
                if added is not None:
                    messages.success(
                        request,
                        f"{_count(len(added), 'paper')} in the pool of {signup.term}: "
                        + "; ".join(entry.paper.title for entry in added)
                        + ".",
                    )
                    changelist = reverse("admin:syllabus_poolpaper_changelist")
                    return redirect(f"{changelist}?term__id__exact={signup.term_id}")
        context = self._context(
            request, signup, "Add papers to the pool", form=form, media=self.media + form.media
        )
        return TemplateResponse(request, "admin/syllabus/signup/pool_add.html", context)

    def _pool_add(self, request, form, signup: Signup, identifiers) -> list[PoolPaper] | None:
        """Look the identifiers up, then add every paper or none: a failed lookup adds nothing."""
        problems, papers = [], list(form.cleaned_data["papers"])
        with transaction.atomic():
            for identifier in identifiers:
                try:
                    with transaction.atomic():
                        paper, created = paper_from_identifier(identifier=identifier)
                except (LookupFailed, ValidationError) as error:
                    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                    problems.append(f"{identifier}: {text}")
                    continue
                papers.append(paper)
                if created:
                    self.log_addition(request, paper, f"Looked up from {identifier} for the pool.")
            if problems:
                transaction.set_rollback(True)
                for problem in problems:
                    form.add_error("identifiers", problem)
                return None
            return services.pool_add(term=signup.term, papers=papers)

    # The assignment (preferences mode)

    def assignment_view(self, request, object_id):
        """Propose an assignment, let the instructor edit its pairs, then apply it as week rows."""
        signup = self._signup_or_404(request, object_id)
        if not self.has_assign_permission(request):
            raise PermissionDenied
        if signup.mode != SignupMode.PREFERENCES:
            messages.error(request, "This sign-up is first come, first served: there is nothing to assign.")
            return redirect("admin:syllabus_signup_change", signup.pk)
        seed_form = SeedForm(request.GET if "seed" in request.GET else None, initial={"seed": signup.seed})
        if seed_form.is_bound and seed_form.is_valid():
            signup.seed = seed_form.cleaned_data["seed"]  # for this proposal only, not saved
        inputs = signup_inputs(signup=signup)
        choices = {"students": inputs.students, "weeks": inputs.weeks, "papers": inputs.papers}
        problems, proposal = [], None
        if request.method == "POST":
            formset = PairFormSet(request.POST, form_kwargs=choices)
            if formset.is_valid():
                pairs = _pairs(formset, inputs)
                try:
                    rows = assignment_apply(signup=signup, pairs=pairs)
                except ValidationError as error:
                    problems = error.messages
                else:
                    self.log_change(request, signup, f"Applied an assignment: {_count(len(rows), 'row')}.")
                    messages.success(
                        request,
                        f"Assignment applied: {_count(len(rows), 'row')} added to the weeks of {signup.term}.",
                    )
                    weeks = reverse("admin:syllabus_week_changelist")
                    return redirect(f"{weeks}?term__id__exact={signup.term_id}")
        else:
            proposal = assignment_propose(signup=signup)
            initial = [
                {"presenter": student.pk, "week": week.pk, "paper": paper.pk}
                for student, week, paper in proposal.pairs
            ]
            formset = PairFormSet(initial=initial, form_kwargs=choices)
        context = self._context(
            request,
            signup,
            "Propose an assignment",
            formset=formset,
            rows=_rows(formset, inputs),
            proposal=proposal,
            problems=problems,
            seed_form=seed_form,
            seed=signup.seed,
            student_count=len(inputs.students),
        )
        return TemplateResponse(request, "admin/syllabus/signup/assignment.html", context)


def _pairs(formset, inputs) -> list[tuple]:
    """The (presenter, week, paper) rows the instructor kept, as objects."""
    students = {s.pk: s for s in inputs.students}
    weeks = {w.pk: w for w in inputs.weeks}
    papers = {p.pk: p for p in inputs.papers}
    return [
        (
            students[form.cleaned_data["presenter"]],
            weeks[form.cleaned_data["week"]],
            papers[form.cleaned_data["paper"]],
        )
        for form in formset.forms
        if not form.cleaned_data.get("DELETE")
    ]


def _rows(formset, inputs) -> list[dict]:
    """Each form with its student's name and the rank the student gave its paper (as the solver saw it)."""
    names = {s.pk: s.name for s in inputs.students}
    titles = {p.pk: p.title for p in inputs.papers}
    weeks = {w.pk: w for w in inputs.weeks}
    ranks = {
        s.pk: {paper.pk: rank for rank, paper in enumerate(ranked, start=1)}
        for s, ranked in inputs.ranks.items()
    }
    rows = []
    for form in formset.forms:
        student, week, paper = (_as_int(form[name].value()) for name in ("presenter", "week", "paper"))
        rows.append(
            {
                "form": form,
                "student": names.get(student, "?"),
                "week": weeks.get(week),
                "paper": titles.get(paper, "?"),
                "rank": ranks.get(student, {}).get(paper),
            }
        )
    return rows


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@admin.register(PoolPaper)
class PoolPaperAdmin(admin.ModelAdmin):
    list_display = ["paper", "term", "status", "suggested_by", "vote_count", "created"]
    list_filter = ["term", "status"]
    list_select_related = ["paper", "term", "suggested_by"]
    search_fields = ["paper__title", "paper__authors", "term__name"]
    autocomplete_fields = ["term", "paper", "suggested_by"]
    actions = ["approve", "reject"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(vote_count=Count("votes"))

    @admin.display(description="votes", ordering="vote_count")
    def vote_count(self, entry: PoolPaper) -> int:
        return entry.vote_count

    @admin.action(description="Approve the selected suggestions", permissions=["change"])
    def approve(self, request, queryset):
        decided = services.pool_decide(pool_papers=queryset, approve=True)
        messages.success(request, f"{_count(decided, 'suggestion')} approved.")

    @admin.action(description="Reject the selected suggestions", permissions=["change"])
    def reject(self, request, queryset):
        decided = services.pool_decide(pool_papers=queryset, approve=False)
        messages.success(request, f"{_count(decided, 'suggestion')} rejected.")


class ClaimInline(admin.TabularInline):
    """A slot's claims: its places in order, then its waitlist in the order it is served."""

    model = Claim
    fields = ["status", "place", "presenter", "pool_paper", "created"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "claims (places, then the waitlist in order)"

    def has_add_permission(self, request, obj=None):
        return False  # students claim; instructors decide on the claims page

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(ACTIVE)
            .select_related("presenter", "pool_paper__paper")
            .order_by(F("place").asc(nulls_last=True), "created", "id")  # the waitlist has no place
        )


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    """Weeks open for sign-up and their capacity; add a slot to open a week."""

    list_display = ["week", "term", "capacity", "places_taken", "waitlist"]
    list_editable = ["capacity"]
    list_filter = ["week__term"]
    list_select_related = ["week__term"]
    search_fields = ["week__title", "week__term__name"]
    autocomplete_fields = ["week"]
    inlines = [ClaimInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(active_claims_prefetch())

    def save_model(self, request, obj, form, change):
        """A changed capacity goes through the service, which fills new places from the waitlist.

        Called for the change form and for the list's editable capacity alike.
        """
        if change and "capacity" in form.changed_data:
            promoted = services.slot_set_capacity(slot=obj, capacity=obj.capacity)
            if promoted:
                names = ", ".join(claim.presenter.name for claim in promoted)
                self.message_user(request, f"{obj.week}: from the waitlist, {names} took a place.")
        super().save_model(request, obj, form, change)

    @admin.display(description="term", ordering="week__term")
    def term(self, slot: Slot):
        return slot.week.term

    @admin.display(description="places taken")
    def places_taken(self, slot: Slot) -> str:
        return f"{len(SlotPlaces.of(slot).holding)}/{slot.capacity}"

    @admin.display(description="waitlist, in order")
    def waitlist(self, slot: Slot) -> str:
        waiting = SlotPlaces.of(slot).waiting
        return (
            format_html_join(", ", "{}. {}", ((n, c.presenter.name) for n, c in enumerate(waiting, 1))) or "—"
        )


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    """Claims of first-come sign-up; instructors approve or reject pending ones (never edit them)."""

    list_display = ["presenter", "week", "paper", "status", "place", "created", "decided_at"]
    list_filter = ["slot__week__term", "status"]
    list_select_related = ["slot__week", "presenter", "pool_paper__paper"]
    search_fields = ["presenter__name", "pool_paper__paper__title", "slot__week__title"]
    ordering = ["slot__week__date", "slot__week_id", "place", "created", "id"]
    readonly_fields = ["slot", "presenter", "pool_paper", "status", "place", "created", "decided_at"]
    actions = ["approve", "reject", "cancel"]

    def has_add_permission(self, request):
        return False  # students claim from their pages

    def has_delete_permission(self, request, obj=None):
        return False  # a deleted claim would not hand its place to the waitlist

    @admin.display(description="week", ordering="slot__week__date")
    def week(self, claim: Claim):
        return claim.slot.week

    @admin.display(description="paper")
    def paper(self, claim: Claim) -> str:
        return claim.pool_paper.paper.title

    @admin.action(description="Approve the selected pending claims", permissions=["change"])
    def approve(self, request, queryset):
        decided = services.claims_decide(claims=queryset, approve=True)
        messages.success(request, f"{_count(len(decided), 'claim')} approved.")

    @admin.action(description="Reject the selected pending claims", permissions=["change"])
    def reject(self, request, queryset):
        decided = services.claims_decide(claims=queryset, approve=False)
        messages.success(request, f"{_count(len(decided), 'claim')} rejected.")

    @admin.action(
        description="Cancel the selected claims (their places go to the waitlist)", permissions=["change"]
    )
    def cancel(self, request, queryset):
        cancelled, promoted = services.claims_cancel(claims=queryset)
        for claim in cancelled:
            self.log_change(request, claim, "Cancelled by an instructor.")
        text = f"{_count(len(cancelled), 'claim')} cancelled."
        if promoted:
            names = ", ".join(claim.presenter.name for claim in promoted)
            text += f" Given a place from the waitlist: {names}."
        messages.success(request, text)
