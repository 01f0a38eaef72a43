"""Papers that are read, their links, and the slide decks presented on them."""

import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from papers import previews, slides
from papers.citation_keys import citation_key_base, citation_key_free
from syllabus.files import OwnsFiles, delete_files_with_rows
from syllabus.history import TrackedHistory
from syllabus.markup import render_markdown, validate_markdown
from syllabus.models import HttpsURLField, Tag, TimestampedModel, unique_slug
from syllabus.search_index import SearchDocumentField
from syllabus.storage import media_storage
from syllabus.text import validate_single_line

# New-style ids (1706.03762, optionally v2) and old-style ones (hep-th/9901001, cs.LG/0101001).
ARXIV_ID = r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$"
DOI = r"^10\.\d{4,9}/\S+$"
ARXIV_PREFIXES = ("arxiv:", "https://arxiv.org/abs/", "http://arxiv.org/abs/")
DOI_PREFIXES = ("doi:", "https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")


def _strip_prefix(value: str, prefixes: tuple[str, ...]) -> str:
    value = value.strip()
    for prefix in prefixes:
        if value.lower().startswith(prefix):
            return value[len(prefix) :]
    return value


def normalize_arxiv_id(value: str) -> str:
    """`arXiv:1706.03762` or an abs-page address -> `1706.03762`."""
    return _strip_prefix(value, ARXIV_PREFIXES)


def normalize_doi(value: str) -> str:
    """`doi:10.1/x` or a doi.org address -> `10.1/x`."""
    return _strip_prefix(value, DOI_PREFIXES)


def title_key(title: str) -> str:
    """A title as compared for duplicates: case, accents, punctuation and spacing folded.

    "Attention Is All You Need." and "attention is all  you need" give one key; so do
    "Schrödinger" and "Schrodinger".
    """
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", letters).split())


# A paper as lists show it: its link, title and citation (venue, year); never its abstract.
PAPER_LIST_FIELDS = ("id", "slug", "title", "venue", "year")


class PaperQuerySet(models.QuerySet):
    def with_links(self):
        return self.prefetch_related("links", "tags")

    def public(self):
        """Papers read in a published week; the rest (planned readings, drafts) stay private."""
        from syllabus.models import Week

        return self.filter(pk__in=Week.objects.published().values("presentations__paper"))

    def visible_to(self, user):
        from syllabus.models import sees_drafts

        return self if sees_drafts(user) else self.public()

    def missing_metadata(self):
        """Papers without authors, year, venue or abstract: those a site imported from Jekyll has."""
        return self.filter(Q(authors="") | Q(year__isnull=True) | Q(venue="") | Q(abstract=""))


class Paper(TimestampedModel):
    title = models.CharField(max_length=500, validators=[validate_single_line])
    slug = models.SlugField(max_length=80, unique=True, blank=True)
    authors = models.TextField(
        blank=True, help_text="As credited, comma-separated.", validators=[validate_single_line]
    )
    venue = models.CharField(
        max_length=200, blank=True, help_text="e.g. ICML, NeurIPS, arXiv.", validators=[validate_single_line]
    )
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    abstract = models.TextField(blank=True, help_text="Markdown.", validators=[validate_markdown])
    abstract_html = models.TextField(blank=True, editable=False)
    tags = models.ManyToManyField(Tag, blank=True, related_name="papers")
    title_key = models.CharField(
        max_length=500,
        blank=True,
        db_index=True,
        editable=False,
        help_text="The title folded for duplicates.",
    )
    arxiv_id = models.CharField(
        "arXiv id",
        max_length=40,
        blank=True,
        validators=[RegexValidator(ARXIV_ID, "Enter an arXiv id such as 1706.03762 or cs/0101001.")],
    )
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[RegexValidator(DOI, "Enter a DOI such as 10.1145/3065386.")],
    )
    # Set once, when the paper is first saved, and never changed (not even with its title): a
    # student's \cite{...} from one export keeps working against every later one.
    citation_key = models.CharField(
        max_length=120,
        blank=True,
        editable=False,
        help_text="The key in BibTeX and RIS exports (author, year, title word); it never changes.",
    )
    # Title, authors, abstract and tag names, kept by the database (syllabus/search_index.py).
    search_document = SearchDocumentField()

    objects = PaperQuerySet.as_manager()
    history = TrackedHistory(
        excluded_fields=[
            "abstract_html",
            "title_key",
            "citation_key",
            "search_document",
            "created",
            "updated",
        ]
    )

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["arxiv_id"],
                condition=~Q(arxiv_id=""),
                name="paper_arxiv_id_unique_when_set",
                violation_error_message="Another paper already has this arXiv id.",
            ),
            # DOIs are case-insensitive by definition.
            models.UniqueConstraint(
                Lower("doi"),
                condition=~Q(doi=""),
                name="paper_doi_unique_when_set",
                violation_error_message="Another paper already has this DOI.",
            ),
            models.UniqueConstraint(
                fields=["citation_key"],
                condition=~Q(citation_key=""),
                name="paper_citation_key_unique_when_set",
                violation_error_message="Another paper already has this citation key.",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1900, year__lte=2100),
                name="paper_year_plausible",
                violation_error_message="The year must be between 1900 and 2100.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean_fields(self, exclude=None) -> None:
        # Normalise before the format validators run, so a pasted address is accepted.
        self.arxiv_id = normalize_arxiv_id(self.arxiv_id)
        self.doi = normalize_doi(self.doi)
        super().clean_fields(exclude)

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self.title, Paper.objects.exclude(pk=self.pk))
        self.title_key = title_key(self.title)[:500]
        self.abstract_html = render_markdown(self.abstract)
        if kwargs.get("update_fields") is not None and "title" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "title_key"}
        if self.citation_key:
            super().save(*args, **kwargs)
        else:
            self._save_with_citation_key(*args, **kwargs)

    def _save_with_citation_key(self, *args, **kwargs) -> None:
        """Save with the first free key for the paper's base key (`smith2020deep`, then `...a`, `...b`).

        Two papers saved at once may choose the same key: the unique constraint refuses the second,
        which then takes the next free one.
        """
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "citation_key"}
        base = citation_key_base(title=self.title, authors=self.authors, year=self.year)
        others = Paper.objects.exclude(pk=self.pk) if self.pk else Paper.objects.all()
        taken = set(others.filter(citation_key__startswith=base).values_list("citation_key", flat=True))
        for _attempt in range(5):
            self.citation_key = citation_key_free(base, taken)
            try:
                with transaction.atomic():
                    super().save(*args, **kwargs)
                return
            except IntegrityError:
                if not others.filter(citation_key=self.citation_key).exists():
                    self.citation_key = ""
                    raise  # another constraint: not ours to handle
                taken.add(self.citation_key)
        self.citation_key = ""
        raise IntegrityError("No free citation key after several tries.")

    def get_absolute_url(self) -> str:
        return reverse("papers:detail", args=[self.slug])

    @property
    def citation(self) -> str:
        """Venue and year as a reader expects them: "ICML 2017"."""
        return " ".join(str(part) for part in (self.venue, self.year) if part)

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}" if self.arxiv_id else ""

    @property
    def doi_url(self) -> str:
        # A DOI may hold #, ?, < or spaces ("10.1002/(SICI)1097-...<2::AID>"): quoted, but its "/" kept.
        return f"https://doi.org/{quote(self.doi, safe='/')}" if self.doi else ""


class PaperLink(models.Model):
    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        ABSTRACT = "abstract", "Abstract page"
        CODE = "code", "Code"
        VIDEO = "video", "Video"
        BLOG = "blog", "Blog post"
        DATA = "data", "Data"
        OTHER = "other", "Other"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    label = models.CharField(
        max_length=200,
        blank=True,
        help_text="Shown instead of the kind, e.g. DLSSpdf.",
        validators=[validate_single_line],
    )
    url = HttpsURLField(max_length=1000)
    order = models.PositiveSmallIntegerField(default=0)
    added_by = models.ForeignKey(
        "presenters.Presenter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="added_links",
        help_text="The presenter who added it from their own page (they may remove it again).",
    )

    history = TrackedHistory()

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "url"],
                name="paper_link_url_once_per_paper",
                violation_error_message="This paper already has a link to this address.",
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.get_kind_display()

    def get_absolute_url(self) -> str:
        return self.url


class SlideDeckQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)

    def shown_publicly(self):
        """Decks anyone may open: public, in a published week of a published term (their files are public)."""
        from syllabus.models import Week

        return self.filter(is_public=True, week__in=Week.objects.published())


class SlideDeck(OwnsFiles, TimestampedModel):
    """Slides shown in a session: an uploaded file or a link, never both."""

    title = models.CharField(max_length=300, blank=True, validators=[validate_single_line])
    file = models.FileField(
        upload_to=slides.slide_storage_name,
        storage=media_storage,
        max_length=300,
        blank=True,
        validators=[slides.validate_slide_file],
        help_text="A PDF or PowerPoint file (.pdf, .pptx, .ppt), checked by its content.",
    )
    thumbnail = models.FileField(
        upload_to=slides.thumbnail_storage_name,
        storage=media_storage,
        max_length=300,
        blank=True,
        editable=False,
    )
    url = HttpsURLField("link", max_length=1000, blank=True, help_text="Or a link to slides kept elsewhere.")
    presenter = models.ForeignKey(
        "presenters.Presenter", on_delete=models.PROTECT, null=True, blank=True, related_name="slide_decks"
    )
    presentation = models.ForeignKey(
        "syllabus.Presentation", on_delete=models.PROTECT, null=True, blank=True, related_name="slide_decks"
    )
    week = models.ForeignKey(
        "syllabus.Week",
        on_delete=models.PROTECT,
        blank=True,
        related_name="slide_decks",
        help_text="Filled in from the presentation when left empty.",
    )
    is_public = models.BooleanField("public", default=True)
    page_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    source_path = models.CharField(
        max_length=300, blank=True, editable=False, help_text="The file of an old site it was imported from."
    )

    objects = SlideDeckQuerySet.as_manager()
    history = TrackedHistory(excluded_fields=["file", "thumbnail", "page_count", "created", "updated"])
    owned_file_fields = ("file", "thumbnail")
    files_depth = 4  # slides/<term>/<week>/<key>/
    make_previews = True  # an import may leave them to `manage.py rebuild_thumbnails`

    class Meta:
        ordering = ["week", "presentation__order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="slide_deck_file_xor_url",
                violation_error_message="Upload a file or give a link, not both and not neither.",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.file.name.rsplit("/", 1)[-1] or self.url

    def clean(self) -> None:
        super().clean()
        if self.presentation_id and not self.week_id:
            self.week_id = self.presentation.week_id
        if not self.week_id:
            raise ValidationError({"week": "Choose the week or the presentation this deck belongs to."})
        if self.presentation_id and self.presentation.week_id != self.week_id:
            raise ValidationError({"presentation": "This presentation belongs to another week."})

    def save(self, *args, **kwargs):
        if self.presentation_id and not self.week_id:
            self.week_id = self.presentation.week_id
        update_fields = kwargs.get("update_fields")
        files_saved = self.saves_files(update_fields)
        if files_saved:
            self.adopt_moved_files()
            old_names = self.stored_file_names()
            self._prepare_files()
            if self.file:  # made private, or public: the files move, and their old addresses die
                self.place_files(private=not self.shown_publicly)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "thumbnail", "page_count"}
        super().save(*args, **kwargs)
        if files_saved:
            self.delete_replaced_files(old_names)

    def _prepare_files(self) -> None:
        """A new upload is stored with its preview beside it; no file, no preview."""
        uploading = bool(self.file) and not self.file._committed
        if not uploading and self.file:
            return
        upload = self.file.file if uploading else None
        found = previews.preview(upload) if uploading and self.make_previews else None
        if uploading:
            self.file.save(self.file.name, upload, save=False)  # first: the thumbnail goes beside it
        self.thumbnail = ""
        self.page_count = found.page_count if found else None
        if found and found.thumbnail:
            self.thumbnail.save(f"{PurePosixPath(self.file.name).stem}.webp", found.thumbnail, save=False)

    def files_folder(self, key: str) -> str:
        return f"slides/{self.week.term.slug}/{self.week.slug}/{key}"

    @property
    def shown_publicly(self) -> bool:
        """Public, in a published week of a published term: its files are in the public store."""
        return self.is_public and self.week.is_public

    @property
    def href(self) -> str:
        return self.file.url if self.file else self.url

    def get_absolute_url(self) -> str:
        return self.href


delete_files_with_rows(SlideDeck)


class PaperLookup(models.Model):
    """A source's answer for one identifier, kept so that forms, the API and pages never call out twice."""

    class Source(models.TextChoices):
        ARXIV = "arxiv", "arXiv API"
        DOI = "doi", "DOI content negotiation"

    identifier = models.CharField(
        max_length=250, unique=True, help_text="e.g. arxiv:1706.03762 or doi:10.1/x"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    result = models.JSONField(help_text="The paper's fields as the source gave them.")
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["-fetched_at"]

    def __str__(self) -> str:
        return self.identifier
