"""The people who present in the seminar."""

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

    objects = PresenterQuerySet.as_manager()
    history = TrackedHistory(excluded_fields=["photo", "photo_small", "bio_html"])
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
