"""The forms of a presenter's own pages: one per action, each posted on its own (see account_views).

Each is a ModelForm on an instance the view prepares (the row, its paper and the presenter already
set), so the model's own checks run: slide files (papers/slides.py), photos (presenters/photos.py),
markdown nesting, the unique constraints with their messages.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from papers.models import PaperLink, SlideDeck
from presenters import photos
from presenters.models import AbstractProposal, Presenter
from syllabus.models import Presentation

# Long enough for any real text, short enough that a paste of a whole paper is refused with a message.
MAX_NOTES = 20_000
MAX_ABSTRACT = 10_000
MAX_BIO = 5_000
HTTPS_ONLY = "Enter an address starting with https://."
# Links a presenter adds: what a reader looks for besides the paper itself.
PRESENTER_LINK_KINDS = [
    PaperLink.Kind.CODE,
    PaperLink.Kind.VIDEO,
    PaperLink.Kind.BLOG,
    PaperLink.Kind.DATA,
    PaperLink.Kind.OTHER,
]


def require_https(value: str) -> str:
    if value and not value.lower().startswith("https://"):
        raise ValidationError(HTTPS_ONLY, code="https")
    return value


class ChecksConstraintsOf:
    """A ModelForm mixin: the model's constraints over `constraint_fields` are checked too, although
    those fields are set by the view and not in the form (Django leaves such constraints out)."""

    constraint_fields: tuple[str, ...] = ()

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() - set(self.constraint_fields)


class SlideDeckForm(forms.ModelForm):
    """A file or a link for the row; a new file replaces the deck's link, and a link its file."""

    class Meta:
        model = SlideDeck
        fields = ["file", "url"]
        labels = {"file": "Slide file", "url": "Or a link to your slides"}
        help_texts = {"url": "e.g. https://docs.google.com/presentation/… (https only)."}
        widgets = {"file": forms.FileInput(attrs={"accept": ".pdf,.pptx,.ppt"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            "A PDF or PowerPoint file (.pdf, .pptx, .ppt), checked by its content; "
            f"at most {self.max_megabytes():g} MB."
        )

    @staticmethod
    def max_megabytes() -> float:
        return settings.SLIDE_MAX_BYTES / 1_000_000

    def clean_url(self) -> str:
        return require_https(self.cleaned_data.get("url", "").strip())

    def clean(self):
        cleaned = super().clean()
        uploaded = self.files.get(self.add_prefix("file"))
        url = cleaned.get("url")
        if uploaded and url:
            self._refuse("Upload a file or give a link, not both.", code="file_and_url")
        elif uploaded:
            cleaned["url"] = ""
        elif url:
            cleaned["file"] = False  # a link replaces a stored file
        elif "url" not in self.errors and "file" not in self.errors:
            self._refuse("Choose a file to upload or give a link.", code="nothing")
        return cleaned

    def _refuse(self, message: str, *, code: str):
        self.refused = True
        raise ValidationError(message, code=code)

    def _get_validation_exclusions(self):
        # Said once: the model's "file xor link" constraint would say it again, less precisely.
        excluded = super()._get_validation_exclusions()
        return excluded | {"file", "url"} if getattr(self, "refused", False) else excluded


class PaperLinkForm(ChecksConstraintsOf, forms.ModelForm):
    constraint_fields = ("paper",)

    class Meta:
        model = PaperLink
        fields = ["kind", "label", "url"]
        labels = {"url": "Address"}
        help_texts = {"label": "Shown instead of the kind, e.g. “Authors' code”.", "url": "https only."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in PRESENTER_LINK_KINDS]
        self.fields["kind"].initial = PaperLink.Kind.CODE

    def clean_url(self) -> str:
        return require_https(self.cleaned_data.get("url", ""))


class NotesForm(forms.ModelForm):
    class Meta:
        model = Presentation
        fields = ["notes"]
        labels = {"notes": "Notes or discussion questions"}
        help_texts = {"notes": "Markdown. Shown under the paper on the session's page."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notes"].validators.append(MaxLengthValidator(MAX_NOTES))
        self.fields["notes"].widget.attrs.update(maxlength=MAX_NOTES, rows=8)


class AbstractProposalForm(ChecksConstraintsOf, forms.ModelForm):
    constraint_fields = ("paper", "presenter", "status")

    class Meta:
        model = AbstractProposal
        fields = ["text"]
        labels = {"text": "Abstract"}
        help_texts = {"text": "Markdown. An instructor checks it before it is shown."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].validators.append(MaxLengthValidator(MAX_ABSTRACT))
        self.fields["text"].widget.attrs.update(maxlength=MAX_ABSTRACT, rows=8)


class ProfileForm(forms.ModelForm):
    """What a presenter says of themselves; never their name, address or page's address."""

    class Meta:
        model = Presenter
        fields = ["affiliation", "homepage", "bio", "photo"]
        help_texts = {"homepage": "https only.", "bio": "A few sentences, markdown."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A plain file field, as in the admin: Django's image field would refuse a non-image or an
        # image bomb with its own vague message before photos.validate_photo could say what is wrong.
        self.fields["photo"] = forms.FileField(
            required=False,
            label="Photo",
            help_text=photos.help_text(),
            widget=forms.ClearableFileInput(attrs={"accept": photos.ACCEPT}),
        )
        self.fields["bio"].validators.append(MaxLengthValidator(MAX_BIO))
        self.fields["bio"].widget.attrs.update(maxlength=MAX_BIO, rows=6)

    def clean_homepage(self) -> str:
        return require_https(self.cleaned_data.get("homepage", ""))
