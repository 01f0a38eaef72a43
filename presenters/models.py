"""The people who present in the seminar."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from presenters import photos
from syllabus.files import OwnsFiles, delete_files_with_rows
from syllabus.history import TrackedHistory
from syllabus.markup import render_markdown, validate_markdown
from syllabus.models import HttpsURLField, unique_slug
from syllabus.storage import media_storage, new_key
from syllabus.text import validate_single_line


class PresenterQuerySet(models.QuerySet):
    def public(self):
        """Presenters of a published week; someone only on a draft is not announced yet."""
        from syllabus.models import Week

        return self.filter(
            pk__in=Week.objects.published().values("presentations__presenter_entries__presenter")
        )

    def visible_to(self, user):
        from syllabus.models import sees_drafts

        return self if sees_drafts(user) else self.public()


class Presenter(OwnsFiles, models.Model):
    name = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    affiliation = models.CharField(max_length=200, blank=True, validators=[validate_single_line])
    homepage = HttpsURLField(max_length=500, blank=True)
    email = models.EmailField(blank=True, help_text="For instructors only; never shown on public pages.")
    # The 512 px square made from the upload (the upload itself is not kept); see presenters/photos.py.
    # Stored as presenters/<random key>/<slug>-512.webp, in the private store until a published week
    # names the presenter.
    photo = models.ImageField(
        upload_to=photos.photo_storage_name,
        storage=media_storage,
        blank=True,
        validators=[photos.validate_photo],
    )
    photo_small = models.ImageField(
        upload_to=photos.photo_storage_name,
        storage=media_storage,
        blank=True,
        editable=False,
        help_text="The photo as a 128 px square.",
    )
    bio = models.TextField(blank=True, help_text="A few sentences, markdown.", validators=[validate_markdown])
    bio_html = models.TextField(blank=True, editable=False)
    # Made by an invitation (presenters/signin.py): a user with no password, no admin access and no
    # model permissions, who signs in by emailed link and edits only this presenter's rows.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="presenter",
        help_text="The account this presenter signs in with; made when they are invited.",
    )
    # The secret in the address of their own calendar (my/calendar/<token>.ics), which calendar
    # apps fetch without a session: random and unguessable, made on first use, replaced on reset.
    calendar_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    objects = PresenterQuerySet.as_manager()
    history = TrackedHistory(excluded_fields=["photo", "photo_small", "bio_html", "calendar_token"])
    owned_file_fields = ("photo", "photo_small")
    files_depth = 2  # presenters/<key>/

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.name, Presenter.objects.exclude(pk=self.pk))
        self.bio_html = render_markdown(self.bio)
        update_fields = kwargs.get("update_fields")
        saves_photo = self.saves_files(update_fields)
        if saves_photo:
            self.adopt_moved_files()
            previous = self.stored_file_names()
            if self.photo:  # read by photos.photo_storage_name
                self._files_private, self._files_key = not self.shown_publicly(), new_key()
            if photos.is_new_upload(self.photo):
                stem = self.slug[:60].strip("-") or "presenter"
                self.photo, self.photo_small = photos.square_versions(self.photo, stem=stem)
            elif not self.photo:
                self.photo_small = ""
            else:  # the presenter was announced, or is no longer: the files move, old addresses die
                self.place_files(private=self._files_private)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "photo_small"}
        super().save(*args, **kwargs)
        if saves_photo:
            self.delete_replaced_files(previous)

    def get_absolute_url(self) -> str:
        return reverse("presenters:detail", args=[self.slug])

    def files_folder(self, key: str) -> str:
        return f"presenters/{key}"

    def shown_publicly(self) -> bool:
        """Whether a published week names the presenter (then their photo is in the public store)."""
        return self.pk is not None and Presenter.objects.public().filter(pk=self.pk).exists()


delete_files_with_rows(Presenter)


class PresenterAlias(models.Model):
    """Another spelling of a presenter's name ("ChaoJiang" for "Chao Jiang"), used to merge on import."""

    presenter = models.ForeignKey(Presenter, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, validators=[validate_single_line])

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "presenter aliases"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="presenter_alias_unique_ignoring_case",
                violation_error_message="This alias already names a presenter.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """Something a presenter changed from their own pages: who, when, what (shown to instructors)."""

    class Action(models.TextChoices):
        SLIDES_ADDED = "slides_added", "added slides"
        SLIDES_REPLACED = "slides_replaced", "replaced slides"
        SLIDES_REMOVED = "slides_removed", "removed slides"
        LINK_ADDED = "link_added", "added a link"
        LINK_REMOVED = "link_removed", "removed a link"
        NOTES_EDITED = "notes_edited", "edited the notes"
        ABSTRACT_PROPOSED = "abstract_proposed", "proposed an abstract"
        PROFILE_EDITED = "profile_edited", "edited their profile"

    presenter = models.ForeignKey(Presenter, on_delete=models.CASCADE, related_name="activities")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    presentation = models.ForeignKey(
        "syllabus.Presentation", on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    detail = models.CharField(max_length=500, blank=True, help_text="What changed, e.g. the file's name.")
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "presenter activity"

    def __str__(self) -> str:
        return f"{self.presenter} {self.get_action_display()}"


class AbstractProposal(models.Model):
    """An abstract a presenter proposed for a paper that has none; an instructor accepts or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        ACCEPTED = "accepted", "accepted"
        REJECTED = "rejected", "rejected"

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="abstract_proposals")
    presenter = models.ForeignKey(Presenter, on_delete=models.CASCADE, related_name="abstract_proposals")
    text = models.TextField(help_text="Markdown.", validators=[validate_markdown])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "presenter"],
                condition=models.Q(status="pending"),
                name="one_pending_abstract_proposal_per_presenter",
                violation_error_message="You have already proposed an abstract for this paper.",
            ),
        ]

    def __str__(self) -> str:
        return f"Abstract for {self.paper} by {self.presenter}"


class Reminder(models.Model):
    """A mail that `send_reminders` owes or has sent; its key makes each one go out once.

    Rows are claimed with `SELECT ... FOR UPDATE SKIP LOCKED`, so two runs at once never send the
    same mail; a mail that failed stays unsent and is tried again by the next run.
    """

    class Kind(models.TextChoices):
        UPCOMING = "upcoming", "reminder before the session"
        OVERDUE = "overdue", "slides overdue"
        DIGEST = "digest", "instructors' weekly digest"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True, help_text="kind:presentation:presenter or kind:week.")
    presentation = models.ForeignKey(
        "syllabus.Presentation", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    presenter = models.ForeignKey(
        Presenter, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    recipients = models.TextField(help_text="The addresses it went to, one per line.")
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return self.key
