"""The people who present in the seminar."""

from django.db import models
from django.db.models.functions import Lower
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.urls import reverse

from presenters import photos
from syllabus.files import delete_files_on_commit
from syllabus.markup import render_markdown
from syllabus.models import HttpsURLField, unique_slug


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


class Presenter(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    affiliation = models.CharField(max_length=200, blank=True)
    homepage = HttpsURLField(max_length=500, blank=True)
    email = models.EmailField(blank=True, help_text="For instructors only; never shown on public pages.")
    # The 512 px square made from the upload (the upload itself is not kept); see presenters/photos.py.
    photo = models.ImageField(upload_to="presenters/", blank=True, validators=[photos.validate_photo])
    photo_small = models.ImageField(
        upload_to="presenters/", blank=True, editable=False, help_text="The photo as a 128 px square."
    )
    bio = models.TextField(blank=True, help_text="A few sentences, markdown.")
    bio_html = models.TextField(blank=True, editable=False)

    objects = PresenterQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.name, Presenter.objects.exclude(pk=self.pk))
        self.bio_html = render_markdown(self.bio)
        update_fields = kwargs.get("update_fields")
        saves_photo = (update_fields is None or "photo" in update_fields) and "photo" not in (
            self.get_deferred_fields()
        )
        if saves_photo:
            if photos.is_new_upload(self.photo):
                stem = self.slug[:60].strip("-") or "presenter"
                self.photo, self.photo_small = photos.square_versions(self.photo, stem=stem)
            elif not self.photo:
                self.photo_small = ""
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "photo_small"}
        super().save(*args, **kwargs)
        if saves_photo:
            stale = getattr(self, "_stored_photos", set()) - self._photo_names()
            delete_files_on_commit(self._meta.get_field("photo").storage, stale)
            self._stored_photos = self._photo_names()

    def get_absolute_url(self) -> str:
        return reverse("presenters:detail", args=[self.slug])

    @classmethod
    def from_db(cls, db, field_names, values):
        presenter = super().from_db(db, field_names, values)
        presenter._stored_photos = presenter._photo_names()
        return presenter

    def _photo_names(self) -> set[str]:
        """Names of the stored photo files; read from __dict__ so that a deferred column costs no query."""
        return {str(self.__dict__.get(name) or "") for name in ("photo", "photo_small")} - {""}


@receiver(pre_delete, sender=Presenter)
def _note_photo_files(sender, instance: Presenter, **kwargs) -> None:
    if {"photo", "photo_small"} <= instance.__dict__.keys():
        instance._files_to_delete = instance._photo_names()
    else:  # loaded without its photo columns: ask before the row is gone
        stored = Presenter.objects.filter(pk=instance.pk).values_list("photo", "photo_small").first()
        instance._files_to_delete = set(stored or ()) - {""}


@receiver(post_delete, sender=Presenter)
def _delete_photo_files(sender, instance: Presenter, **kwargs) -> None:
    delete_files_on_commit(
        Presenter._meta.get_field("photo").storage, getattr(instance, "_files_to_delete", ())
    )


class PresenterAlias(models.Model):
    """Another spelling of a presenter's name ("ChaoJiang" for "Chao Jiang"), used to merge on import."""

    presenter = models.ForeignKey(Presenter, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)

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
