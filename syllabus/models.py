"""Terms and their weekly sessions: what a seminar runs, week by week."""

import datetime
import uuid
from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from syllabus.history import TrackedHistory
from syllabus.markup import render_markdown, validate_markdown
from syllabus.meetings import (
    MAX_MEETING_MINUTES,
    ONLINE_URL_PRIVATE_HELP,
    TermMeeting,
    Weekday,
    WeekMeeting,
    default_time_zone,
    validate_time_zone,
)
from syllabus.search_index import SearchDocumentField
from syllabus.text import validate_single_line


def unique_slug(text: str, queryset: models.QuerySet, *, max_length: int = 80) -> str:
    """Slugify `text`, adding -2, -3, ... until no row of `queryset` (the scope) has that slug."""
    return free_slug(text, lambda slug: queryset.filter(slug=slug).exists(), max_length=max_length)


def free_slug(text: str, is_taken: Callable[[str], bool], *, max_length: int = 80) -> str:
    """Slugify `text`, adding -2, -3, ... until `is_taken` says no."""
    base = slugify(text)[:max_length].strip("-") or "item"
    slug, number = base, 2
    while is_taken(slug):
        suffix = f"-{number}"
        slug = f"{base[: max_length - len(suffix)].rstrip('-')}{suffix}"
        number += 1
    return slug


class HttpsURLField(models.URLField):
    """A URL field whose form adds https:// (not http://) to an address typed without a scheme."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


def sees_drafts(user) -> bool:
    """Staff, and editors (who may change weeks, e.g. through an API token), see unpublished work."""
    return user.is_staff or user.has_perm("syllabus.change_week")


class TimestampedModel(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class TermQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def visible_to(self, user):
        """Staff see drafts too; everyone else sees published terms."""
        return self if sees_drafts(user) else self.published()

    def current(self, today: datetime.date | None = None) -> "Term | None":
        """The term running today; between terms the next one, else the last one."""
        today = today or timezone.localdate()
        running = self.filter(start_date__lte=today, end_date__gte=today).order_by("-start_date")
        upcoming = self.filter(start_date__gt=today).order_by("start_date")
        past = self.filter(end_date__lt=today).order_by("-end_date")
        return running.first() or upcoming.first() or past.first()


class Term(TermMeeting, models.Model):
    name = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    code = models.CharField(
        max_length=50,
        blank=True,
        validators=[validate_single_line],
        help_text="The old site's key for this term, e.g. 2017Course. Unique when set.",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    description = models.TextField(blank=True, help_text="Markdown.", validators=[validate_markdown])
    description_html = models.TextField(blank=True, editable=False)
    is_published = models.BooleanField("published", default=False)
    # The usual meeting; each week may override the time, duration, place and online link.
    weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices,
        null=True,
        blank=True,
        help_text="The usual day of the sessions, as shown on the syllabus. Each week's own date is what counts.",
    )
    start_time = models.TimeField(
        null=True,
        blank=True,
        help_text="Local time in the term's time zone, e.g. 16:00. Empty: sessions show their date only.",
    )
    duration_minutes = models.PositiveSmallIntegerField(
        "duration (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MEETING_MINUTES)],
        help_text="How long a session lasts, e.g. 90.",
    )
    place = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_single_line],
        help_text="Room or address, on one line, e.g. Room 2.14, Main Building.",
    )
    online_url = HttpsURLField(
        "online link", max_length=500, blank=True, help_text="A video call to join the sessions, if any."
    )
    online_url_private = models.BooleanField(
        "online link for signed-in users only", default=False, help_text=ONLINE_URL_PRIVATE_HELP
    )
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="Where the sessions take place, as an IANA name, e.g. Europe/Berlin. Times are local to it.",
    )
    # Presenters' deadlines and reminders (presenters/reminders.py).
    slides_due_days = models.PositiveSmallIntegerField(
        "slides due (days before)",
        default=1,
        validators=[MaxValueValidator(60)],
        help_text="Slides are due this many days before the session starts (0: by its start).",
    )
    reminder_days = models.PositiveSmallIntegerField(
        "reminder (days before)",
        default=7,
        validators=[MaxValueValidator(60)],
        help_text="Presenters get a reminder by email this many days before their session (0: none).",
    )

    objects = TermQuerySet.as_manager()
    history = TrackedHistory(excluded_fields=["description_html"])

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="term_code_unique_when_set",
                violation_error_message="Another term already has this code.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="term_ends_after_it_starts",
                violation_error_message="A term cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.name, Term.objects.exclude(pk=self.pk))
        self.description_html = render_markdown(self.description)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("syllabus:term", args=[self.slug])


class CategoryQuerySet(models.QuerySet):
    def public(self):
        """Categories of a published week (the others have no public page, list or export)."""
        return self.filter(pk__in=Week.objects.published().values("categories"))


class Category(models.Model):
    name = models.CharField(max_length=100, validators=[validate_single_line])
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Lower numbers are listed first.")

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="category_name_unique_ignoring_case",
                violation_error_message="A category with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.name, Category.objects.exclude(pk=self.pk))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("syllabus:category", args=[self.slug])


class TagQuerySet(models.QuerySet):
    def public(self):
        """Tags of a published week or of a paper read in one (a public paper)."""
        published = Week.objects.published()
        return self.filter(
            Q(pk__in=published.values("tags")) | Q(pk__in=published.values("presentations__paper__tags"))
        )


class Tag(models.Model):
    """A keyword on weeks and papers. `Adversarial-Examples` and `adversarial-examples` are one tag."""

    name = models.CharField(max_length=100, validators=[validate_single_line])
    slug = models.SlugField(max_length=80, unique=True, blank=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="tag_name_unique_ignoring_case",
                violation_error_message="A tag with this name already exists (names ignore case).",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.name, Tag.objects.exclude(pk=self.pk))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("syllabus:tag", args=[self.slug])


class WeekQuerySet(models.QuerySet):
    def published(self):
        """Weeks the public may see: published, in a published term."""
        return self.filter(is_published=True, term__is_published=True)

    def visible_to(self, user):
        """Staff see drafts too; everyone else sees published weeks of published terms."""
        return self if sees_drafts(user) else self.published()

    def open_to(self, user):
        """Weeks whose page `user` may open: those `visible_to` them, and the drafts they present in.

        A signed-in presenter checks the draft of a session they present before it is published;
        every other draft stays hidden from them. For anonymous visitors this is `published()`.
        """
        if not user.is_authenticated:
            return self.published()
        if sees_drafts(user):
            return self
        presenting = PresentationPresenter.objects.filter(
            presentation__week=models.OuterRef("pk"), presenter__user=user
        )
        return self.filter(Q(is_published=True, term__is_published=True) | models.Exists(presenting))

    def for_term(self, term: Term):
        return self.filter(term=term)

    def with_presentations(self, *, public_only: bool = True):
        """Everything a week's page shows, in a fixed number of queries.

        Each slide deck is loaded once: a row's decks come with the row, the session's own decks
        (no row) with the week, and `Week.decks` puts the two together.
        """
        from papers.models import SlideDeck  # papers depends on this module

        decks = (SlideDeck.objects.public() if public_only else SlideDeck.objects.all()).select_related(
            "presenter"
        )
        return self.select_related("term").prefetch_related(
            "categories",
            "tags",
            presentation_rows_prefetch(public_only=public_only),
            models.Prefetch(
                "slide_decks", decks.filter(presentation=None).order_by("id"), to_attr="session_decks"
            ),
        )

    def with_summary(self):
        """What a list of weeks shows (includes/week_list.html), and nothing more.

        The week and its term's meeting, categories, presenters in order, and two counts: rows with
        a paper (from the rows, which come anyway for their presenters) and public slide decks.
        No body, no abstracts, no links, no deck rows.
        """
        from papers.models import SlideDeck  # papers depends on this module

        rows = Presentation.objects.only("id", "week_id", "order", "paper_id").prefetch_related(
            presenters_in_order_prefetch()
        )
        public_decks = SlideDeck.objects.public().filter(week=models.OuterRef("pk"))
        return (
            self.select_related("term")
            .only(*WEEK_LIST_FIELDS)
            .annotate(deck_count=CountOf(public_decks))
            .prefetch_related(
                models.Prefetch("categories", Category.objects.only("id", "name", "slug")),
                models.Prefetch("presentations", rows),
            )
        )

    def with_outline(self):
        """What calendars and feeds say of a week: its meeting, and each row's paper (title and
        citation) or label with its presenters' names. No body, abstracts, links or decks."""
        rows = (
            Presentation.objects.select_related("paper")
            .only(
                "id",
                "week_id",
                "order",
                "label",
                "paper__id",
                "paper__title",
                "paper__venue",
                "paper__year",
                "paper__updated",
            )
            .prefetch_related(presenters_in_order_prefetch())
        )
        return (
            self.select_related("term")
            .only(*WEEK_LIST_FIELDS, "uuid", "created", "updated")
            .prefetch_related(models.Prefetch("presentations", rows))
        )

    def with_api_summaries(self, *, public_only: bool = True):
        """What a list of weeks shows (syllabus.summaries), in a fixed number of queries: the rows with
        their paper's title and presenters' names, and the week's decks, without the long texts (the
        HTML of bodies, abstracts, notes) or what only the detail shows (papers' links).

        Related rows come as lists (`category_list`, `tag_list`, `row_list`, a row's `credits`,
        `deck_list`): a prefetch into a list builds no manager and no queryset per object."""
        from papers.models import SlideDeck  # papers depends on this module

        decks = SlideDeck.objects.public() if public_only else SlideDeck.objects.all()
        decks = decks.only("week", "presentation", "title", "file", "url")
        credits = PresentationPresenter.objects.select_related("presenter")
        rows = (
            Presentation.objects.select_related("paper")
            .only("week", "order", "section", "label", "paper", "paper__title")
            .prefetch_related(
                models.Prefetch(
                    "presenter_entries", credits.only("presentation", "presenter__name"), to_attr="credits"
                )
            )
        )
        return (
            self.select_related("term")
            .defer(
                "intro",
                "intro_html",
                "body",
                "body_html",
                "source_path",
                "term__description",
                "term__description_html",
            )
            .prefetch_related(
                models.Prefetch("categories", Category.objects.only("slug"), to_attr="category_list"),
                models.Prefetch("tags", Tag.objects.only("name"), to_attr="tag_list"),
                models.Prefetch("presentations", rows, to_attr="row_list"),
                models.Prefetch("slide_decks", decks.order_by("id"), to_attr="deck_list"),
            )
        )


# A week as lists, feeds and calendars show it: link, date and time, place and online link (its
# own or its term's), whether it is public, and the term's name.
WEEK_LIST_FIELDS = (
    "id",
    "term_id",
    "title",
    "slug",
    "date",
    "position",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "online_url_private",
    "is_published",
    "term__id",
    "term__name",
    "term__slug",
    "term__is_published",
    "term__place",
    "term__online_url",
    "term__online_url_private",
    "term__time_zone",
)


class CountOf(models.Subquery):
    """The number of rows of a queryset (filtered on an OuterRef), as an annotation.

    A subquery per count, rather than Count() over joins, so that two counts never multiply and
    the outer query needs no GROUP BY.
    """

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = models.IntegerField()

    def __init__(self, queryset: models.QuerySet, **extra):
        super().__init__(queryset.order_by().values("pk"), **extra)


class Week(WeekMeeting, TimestampedModel):
    """One session of a term: the old site's post."""

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="weeks")
    position = models.PositiveSmallIntegerField(help_text="Session number within the term: 1, 2, 3...")
    code = models.CharField(
        max_length=50,
        blank=True,
        help_text="The old site's code, e.g. 2017-W4. Need not be unique.",
        validators=[validate_single_line],
    )
    title = models.CharField(max_length=300, validators=[validate_single_line])
    slug = models.SlugField(max_length=80, blank=True, help_text="Unique within the term.")
    date = models.DateField()
    # Overrides of the term's meeting: empty means "as the term".
    start_time = models.TimeField(
        null=True, blank=True, help_text="Local time in the term's time zone. Empty: the term's start time."
    )
    duration_minutes = models.PositiveSmallIntegerField(
        "duration (minutes)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MEETING_MINUTES)],
        help_text="Empty: the term's duration.",
    )
    place = models.CharField(
        max_length=200, blank=True, validators=[validate_single_line], help_text="Empty: the term's place."
    )
    online_url = HttpsURLField("online link", max_length=500, blank=True, help_text="Empty: the term's link.")
    online_url_private = models.BooleanField(
        "online link for signed-in users only",
        null=True,
        blank=True,
        choices=[(None, "As the term"), (True, "Signed-in users only"), (False, "Everyone")],
        help_text="Who sees the online link. " + ONLINE_URL_PRIVATE_HELP,
    )
    # Computed on save from the date and the (week's or term's) time, in the term's time zone;
    # null when no time is known (e.g. imported weeks): such a session is an all-day event.
    starts_at = models.DateTimeField(null=True, blank=True, editable=False)
    ends_at = models.DateTimeField(null=True, blank=True, editable=False)
    uuid = models.UUIDField(
        "UID", default=uuid.uuid4, unique=True, editable=False, help_text="The session's calendar event id."
    )
    categories = models.ManyToManyField(Category, blank=True, related_name="weeks")
    tags = models.ManyToManyField(Tag, blank=True, related_name="weeks")
    intro = models.TextField(
        "introduction",
        blank=True,
        help_text="Markdown shown above the readings.",
        validators=[validate_markdown],
    )
    intro_html = models.TextField(blank=True, editable=False)
    body = models.TextField(
        blank=True, help_text="Markdown: notes shown below the readings.", validators=[validate_markdown]
    )
    body_html = models.TextField(blank=True, editable=False)
    is_published = models.BooleanField("published", default=False)
    source_path = models.CharField(
        max_length=300,
        blank=True,
        help_text="The file this week was imported from (e.g. _posts/2017-09-12-.md). Unique when set.",
    )
    # Title, code, tag names and body, kept by the database (syllabus/search_index.py).
    search_document = SearchDocumentField()

    objects = WeekQuerySet.as_manager()
    history = TrackedHistory(
        excluded_fields=[
            "intro_html",
            "body_html",
            "starts_at",
            "ends_at",
            "uuid",
            "search_document",
            "created",
            "updated",
        ]
    )

    class Meta:
        ordering = ["date", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "slug"],
                name="week_slug_unique_in_term",
                violation_error_message="Another week of this term already has this slug.",
            ),
            models.UniqueConstraint(
                fields=["source_path"],
                condition=~Q(source_path=""),
                name="week_source_path_unique_when_set",
                violation_error_message="Another week was already imported from this file.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    def save(self, *args, **kwargs):
        if not self.slug:
            same_term = Week.objects.filter(term_id=self.term_id).exclude(pk=self.pk)
            self.slug = unique_slug(self.title, same_term)
        self.intro_html = render_markdown(self.intro)
        self.body_html = render_markdown(self.body)
        self.starts_at, self.ends_at = self.meeting_times()
        if self._state.adding:
            # A new week is a new calendar event, also when it was made by copying another week's
            # fields (copying a term forward). Fixtures (loaddata) keep theirs: they skip save().
            self.uuid = uuid.uuid4()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "starts_at", "ends_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("syllabus:week", args=[self.term.slug, self.slug])

    @property
    def is_public(self) -> bool:
        return self.is_published and self.term.is_published

    # The properties below read the prefetch of `with_presentations`.
    @property
    def presenters_in_order(self) -> list:
        """Everyone presenting this week, in table order, each once."""
        found = {}
        for row in self.presentations.all():
            for presenter in row.ordered_presenters:
                found.setdefault(presenter.pk, presenter)
        return list(found.values())

    @property
    def decks(self) -> list:
        """The week's decks (public ones unless asked otherwise), of its rows and of the whole session."""
        row_decks = [deck for row in self.presentations.all() for deck in row.slide_decks.all()]
        return sorted([*row_decks, *self.session_decks], key=lambda deck: deck.pk)

    @property
    def downloadable_decks(self) -> list:
        """Public decks with a file, which the session's zip holds."""
        return [deck for deck in self.decks if deck.file]

    @property
    def paper_count(self) -> int:
        return sum(1 for row in self.presentations.all() if row.paper_id)


class Presentation(models.Model):
    """One row of a week's table: who presents which paper, with which slides."""

    week = models.ForeignKey(Week, on_delete=models.CASCADE, related_name="presentations")
    order = models.PositiveSmallIntegerField(help_text="Position of the row in the week's table.")
    section = models.CharField(
        max_length=200, blank=True, help_text='e.g. "Required readings".', validators=[validate_single_line]
    )
    label = models.CharField(
        max_length=200,
        blank=True,
        help_text='A topic or team, e.g. "Mutual Information".',
        validators=[validate_single_line],
    )
    paper = models.ForeignKey(
        "papers.Paper",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="presentations",
        help_text="Empty for a talk or video that is not a paper.",
    )
    presenters = models.ManyToManyField(
        "presenters.Presenter", through="PresentationPresenter", blank=True, related_name="presentations"
    )
    notes = models.TextField(blank=True, help_text="Markdown.", validators=[validate_markdown])
    notes_html = models.TextField(blank=True, editable=False)

    history = TrackedHistory(excluded_fields=["notes_html"])

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["week", "order"],
                name="presentation_order_unique_in_week",
                violation_error_message="Two rows of this week cannot have the same position.",
            ),
        ]

    def __str__(self) -> str:
        # An old version (history) may name a week or paper deleted since: say so rather than fail.
        try:
            subject = self.paper.title if self.paper_id else self.label or "Presentation"
        except ObjectDoesNotExist:
            subject = f"paper {self.paper_id} (deleted)"
        try:
            when = f"{self.week.date:%Y-%m-%d}"
        except ObjectDoesNotExist:
            when = f"week {self.week_id} (deleted)"
        return f"{when} #{self.order} {subject}"

    def save(self, *args, **kwargs):
        self.notes_html = render_markdown(self.notes)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"{self.week.get_absolute_url()}#row-{self.order}"

    @classmethod
    def from_db(cls, db, field_names, values):
        row = super().from_db(db, field_names, values)
        # The week it was read in, which a move to another week changes too (syllabus/freshness.py).
        row.stored_week_id = row.__dict__.get("week_id")
        return row

    @property
    def ordered_presenters(self) -> list:
        """Presenters in their credited order (uses the prefetch of `with_presentations`)."""
        return [entry.presenter for entry in self.presenter_entries.all()]


class PresentationPresenter(models.Model):
    """A presenter's place on a presentation; presenters are credited in order."""

    presentation = models.ForeignKey(Presentation, on_delete=models.CASCADE, related_name="presenter_entries")
    presenter = models.ForeignKey(
        "presenters.Presenter", on_delete=models.PROTECT, related_name="presentation_entries"
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = TrackedHistory()

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["presentation", "presenter"],
                name="presenter_once_per_presentation",
                violation_error_message="This presenter is already on this presentation.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.presenter} on {self.presentation_id}"


def presenters_in_order_prefetch() -> models.Prefetch:
    """A row's credits with their presenters' names and slugs only (for `ordered_presenters`)."""
    return models.Prefetch(
        "presenter_entries",
        PresentationPresenter.objects.select_related("presenter").only(
            "id", "presentation_id", "order", "presenter__id", "presenter__name", "presenter__slug"
        ),
    )


def presentation_rows_prefetch(*, public_only: bool = True) -> models.Prefetch:
    """Prefetch a week's rows with their paper, links, presenters (in order) and slide decks."""
    from papers.models import SlideDeck  # papers depends on this module

    decks = SlideDeck.objects.select_related("presenter").order_by("id")
    if public_only:
        decks = decks.public()
    rows = Presentation.objects.select_related("paper").prefetch_related(
        "paper__links",
        models.Prefetch("presenter_entries", PresentationPresenter.objects.select_related("presenter")),
        models.Prefetch("slide_decks", decks),
    )
    return models.Prefetch("presentations", rows)


# Sign-up models live in their own module (syllabus/signup/); importing them here registers them.
from syllabus.signup.models import (  # noqa: E402, F401
    Claim,
    PoolPaper,
    Preference,
    RankedPaper,
    Signup,
    Slot,
    Vote,
)
