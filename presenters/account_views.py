"""A signed-in presenter's own pages: their sessions, one of their rows, their profile.

Only a user linked to a presenter (`Presenter.user`) has these pages; any other signed-in user (staff
included: they use the admin) is told so with a 403. A row that does not credit the presenter is a
404, so that its existence is not revealed. Each form of the row's page is posted on its own, with an
`action` field: a bad link never costs the notes, and a success redirects with a message.
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from papers.models import PaperLink, SlideDeck
from presenters import services
from presenters.forms import AbstractProposalForm, NotesForm, PaperLinkForm, ProfileForm, SlideDeckForm
from presenters.models import AbstractProposal, Presenter
from syllabus.feeds import calendar_response
from syllabus.models import Presentation
from syllabus.signup.models import Signup

# What presenter_calendar_token_ensure makes: anything else is a 404 without a query.
CALENDAR_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def _presenter_of(request) -> Presenter | None:
    return getattr(request.user, "presenter", None)


def _not_a_presenter(request):
    return render(request, "presenters/not_a_presenter.html", status=403)


@login_required
@require_http_methods(["GET", "HEAD"])
def my_sessions(request):
    presenter = _presenter_of(request)
    if presenter is None:
        return _not_a_presenter(request)
    upcoming, past = services.presenter_sessions(presenter=presenter)
    token = services.presenter_calendar_token_ensure(presenter=presenter)
    context = {
        "presenter": presenter,
        "calendar_url": request.build_absolute_uri(reverse("account:personal_calendar", args=[token])),
        "upcoming": upcoming,
        "past": past,
        "open_signups": Signup.objects.filter(
            is_open=True, deadline__gt=timezone.now(), term__is_published=True
        ).select_related("term"),
    }
    return render(request, "presenters/my_sessions.html", context)


@login_required
@require_POST
def personal_calendar_reset(request):
    """A new address for the presenter's own calendar; calendar apps subscribed to the old one lose it."""
    presenter = _presenter_of(request)
    if presenter is None:
        return _not_a_presenter(request)
    services.presenter_calendar_token_reset(presenter=presenter)
    messages.success(request, "Your calendar has a new link: the old one no longer works.")
    return redirect("account:my_sessions")


@require_safe
def personal_calendar(request, token: str):
    """A presenter's own sessions, for calendar apps: the secret in the address is the only key.

    No session is needed (calendar apps have none), and none is enough: a wrong token is a 404 for
    everyone. The owner may join restricted online meetings, so their links are written. Never kept
    in the shared page cache (this namespace is not a public one) and marked private for proxies.
    """
    if not CALENDAR_TOKEN.fullmatch(token):
        raise Http404("No such calendar.")
    owners = Presenter.objects.filter(user__is_active=True).only("id", "name")
    presenter = get_object_or_404(owners, calendar_token=token)
    weeks = services.presenter_calendar_weeks(presenter=presenter)
    response = calendar_response(
        request,
        name=f"{presenter.name}: my sessions",
        weeks=weeks,
        filename="my-sessions.ics",
        private_links=True,
    )
    patch_cache_control(response, private=True, no_cache=True)
    response["X-Robots-Tag"] = "noindex"
    return response


def _posted_id(request, name: str) -> int:
    """A row id posted with a remove button; 404 for anything but a number."""
    value = request.POST.get(name, "")
    if not value.isdigit() or len(value) > 18:
        raise Http404("No such item.")
    return int(value)


class RowPage:
    """A presenter's row with its decks, its paper's links and the forms that change them.

    The decks listed are the row's public ones and the presenter's own (public or not); a private deck
    of a co-presenter or an instructor is not theirs to see, replace or remove.
    """

    def __init__(self, *, row: Presentation, presenter: Presenter):
        self.row, self.presenter = row, presenter
        self.decks = list(
            row.slide_decks.filter(Q(is_public=True) | Q(presenter=presenter))
            .select_related("presenter")
            .order_by("id")
        )
        self.links = (
            list(row.paper.links.select_related("added_by").order_by("order", "id")) if row.paper else []
        )
        self.pending_abstract = (
            AbstractProposal.objects.filter(
                paper=row.paper, presenter=presenter, status=AbstractProposal.Status.PENDING
            ).first()
            if row.paper and not row.paper.abstract
            else None
        )

    @property
    def own_deck(self) -> SlideDeck | None:
        """The deck the presenter put on this row (a new upload replaces it: one deck each)."""
        return next((deck for deck in self.decks if deck.presenter_id == self.presenter.pk), None)

    @property
    def may_propose_abstract(self) -> bool:
        return bool(self.row.paper and not self.row.paper.abstract and self.pending_abstract is None)

    def new_deck(self) -> SlideDeck:
        row = self.row
        title = row.paper.title if row.paper else row.label
        return SlideDeck(
            presentation=row, week=row.week, presenter=self.presenter, is_public=True, title=title[:300]
        )

    def deck_to_save(self) -> SlideDeck:
        if own := self.own_deck:
            deck = SlideDeck.objects.get(pk=own.pk)  # a fresh copy: a refused upload leaves the listed one
            deck.week, deck.presentation = self.row.week, self.row
            return deck
        return self.new_deck()

    def forms(self, bound: dict | None = None) -> dict:
        """Every form of the page, unbound, except the one in `bound` (posted, with its errors)."""
        row, presenter = self.row, self.presenter
        forms = {
            "slides": SlideDeckForm(prefix="slides", instance=self.own_deck or self.new_deck()),
            "notes": NotesForm(prefix="notes", instance=row),
        }
        if row.paper:
            forms["link"] = PaperLinkForm(prefix="link", instance=PaperLink(paper=row.paper))
        if self.may_propose_abstract:
            forms["abstract"] = AbstractProposalForm(
                prefix="abstract", instance=AbstractProposal(paper=row.paper, presenter=presenter)
            )
        return {**forms, **(bound or {})}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def row_edit(request, pk: int):
    presenter = _presenter_of(request)
    if presenter is None:
        return _not_a_presenter(request)
    row = get_object_or_404(services.presenter_rows(presenter=presenter), pk=pk)
    page = RowPage(row=row, presenter=presenter)
    if request.method != "POST":
        return _render_row(request, page)
    action = request.POST.get("action", "")
    handler = ROW_ACTIONS.get(action)
    if handler is None:
        return _render_row(request, page, status=400, error="This form cannot be sent here.")
    return handler(request, page)


def _render_row(request, page: RowPage, *, bound: dict | None = None, status: int = 200, error: str = ""):
    if error:
        messages.error(request, error)
    context = {
        "page": page,
        "row": page.row,
        "week": page.row.week,
        "forms": page.forms(bound),
        "co_presenters": [other for other in page.row.ordered_presenters if other.pk != page.presenter.pk],
    }
    return render(request, "presenters/my_row.html", context, status=status)


def _done(request, page: RowPage, text: str):
    messages.success(request, text)
    return redirect(reverse("account:row", args=[page.row.pk]))


def _slides(request, page: RowPage):
    form = SlideDeckForm(request.POST, request.FILES, prefix="slides", instance=page.deck_to_save())
    if not form.is_valid():
        return _render_row(request, page, bound={"slides": form}, status=400)
    activity = services.slide_deck_save(
        deck=form.instance,
        presenter=page.presenter,
        user=request.user,
        base_url=request.build_absolute_uri("/"),
    )
    return _done(request, page, f"Your slides are saved: {activity.detail}.")


def _remove_slides(request, page: RowPage):
    deck_id = _posted_id(request, "deck")
    deck = next(
        (deck for deck in page.decks if deck.pk == deck_id and deck.presenter_id == page.presenter.pk), None
    )
    if deck is None:
        raise Http404("No such slides of yours on this row.")
    activity = services.slide_deck_remove(deck=deck, presenter=page.presenter, user=request.user)
    return _done(request, page, f"Slides removed: {activity.detail}.")


def _link(request, page: RowPage):
    if not page.row.paper:
        return _render_row(request, page, status=400, error="This row has no paper to add links to.")
    form = PaperLinkForm(request.POST, prefix="link", instance=PaperLink(paper=page.row.paper))
    if not form.is_valid():
        return _render_row(request, page, bound={"link": form}, status=400)
    services.paper_link_add(
        link=form.instance, presentation=page.row, presenter=page.presenter, user=request.user
    )
    return _done(request, page, f"Link added: {form.instance.url}.")


def _remove_link(request, page: RowPage):
    link_id = _posted_id(request, "link")
    link = next(
        (link for link in page.links if link.pk == link_id and link.added_by_id == page.presenter.pk), None
    )
    if link is None:
        raise Http404("No such link of yours on this paper.")
    services.paper_link_remove(link=link, presentation=page.row, presenter=page.presenter, user=request.user)
    return _done(request, page, f"Link removed: {link.url}.")


def _notes(request, page: RowPage):
    # The form works on a copy: refused notes leave the row as it is shown on the page.
    form = NotesForm(
        request.POST, prefix="notes", instance=Presentation(pk=page.row.pk, notes=page.row.notes)
    )
    if not form.is_valid():
        return _render_row(request, page, bound={"notes": form}, status=400)
    services.presentation_notes_update(
        presentation=page.row, notes=form.cleaned_data["notes"], presenter=page.presenter, user=request.user
    )
    return _done(request, page, "Your notes are saved.")


def _abstract(request, page: RowPage):
    paper = page.row.paper
    if not paper or paper.abstract:
        return _render_row(request, page, status=400, error="This paper has an abstract already.")
    proposal = AbstractProposal(paper=paper, presenter=page.presenter)
    form = AbstractProposalForm(request.POST, prefix="abstract", instance=proposal)
    if not form.is_valid():
        return _render_row(request, page, bound={"abstract": form}, status=400)
    services.abstract_propose(proposal=form.instance, presentation=page.row, user=request.user)
    return _done(request, page, "Thank you: an instructor will check your abstract before it is shown.")


ROW_ACTIONS = {
    "slides": _slides,
    "remove_slides": _remove_slides,
    "link": _link,
    "remove_link": _remove_link,
    "notes": _notes,
    "abstract": _abstract,
}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request):
    presenter = _presenter_of(request)
    if presenter is None:
        return _not_a_presenter(request)
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=presenter)
        if form.is_valid():
            services.presenter_profile_update(
                presenter=form.instance, changed=form.changed_data, user=request.user
            )
            messages.success(request, "Your profile is saved." if form.changed_data else "Nothing changed.")
            return redirect("account:profile")
        presenter.refresh_from_db()  # the form changed the instance; the page shows what is stored
        status = 400
    else:
        form, status = ProfileForm(instance=presenter), 200
    return render(
        request, "presenters/my_profile.html", {"presenter": presenter, "form": form}, status=status
    )
