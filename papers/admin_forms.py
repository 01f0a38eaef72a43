"""The paper form of the admin: its "arXiv id or DOI" field, whose "Look up" button fills in the form for
review, and the papers already known, said before a duplicate is saved."""

import re

from django import forms
from django.utils.html import format_html
from django.utils.text import slugify

from papers.duplicates import PaperMatch, paper_readings, papers_matching
from papers.models import Paper

LOOKUP_FIELD = "lookup"  # also the query parameter of the add form: ?lookup=1706.03762
LOOKUP_BUTTON = "_lookup"


class LookupInput(forms.TextInput):
    """A text input with a submit button beside it; `formnovalidate` so an empty title does not block it."""

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        return format_html(
            '{} <button type="submit" name="{}" value="1" class="button" formnovalidate>Look up</button>',
            field,
            LOOKUP_BUTTON,
        )


LINK_URL = re.compile(r"^links-(\d+)-url$")  # the links inline's fields (PaperLink.paper's related_name)


class PaperAdminForm(forms.ModelForm):
    """A paper form that finds known papers with the same identifier or title.

    The same arXiv id or DOI (in the fields or a link) is an error: it is that paper. The same title
    is a warning: the first save stops to show the matches, and ticking `save_anyway` saves.
    """

    lookup = forms.CharField(
        label="arXiv id or DOI",
        required=False,
        max_length=1000,
        widget=LookupInput(attrs={"size": 40, "placeholder": "1706.03762, an arxiv.org link or 10.1145/…"}),
        help_text="Paste an arXiv id or link, or a DOI: “Look up” fills in the empty fields and adds the "
        "abstract and PDF links, for you to check before saving. Nothing is saved until you save.",
    )

    save_anyway = forms.BooleanField(
        required=False, label="It is a different paper: save anyway", widget=forms.CheckboxInput
    )

    class Meta:
        model = Paper
        fields = ["title", "slug", "authors", "venue", "year", "arxiv_id", "doi", "tags", "abstract"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates: list[PaperMatch] = []
        self.readings: dict = {}
        self.asks_save_anyway = False  # a title is known: the page offers the "save anyway" box

    def submitted_link_urls(self) -> list[str]:
        """The addresses of the links typed in the links inline, leaving out rows being deleted."""
        urls = []
        for key, value in self.data.items():
            found = LINK_URL.match(key)
            if found and value.strip() and not self.data.get(f"links-{found[1]}-DELETE"):
                urls.append(value.strip())
        return urls

    def clean_slug(self) -> str:
        # The slug the page fills in from the title is the known paper's when titles match: left
        # empty, the model picks a free one ("...-2") instead of refusing a paper saved on purpose.
        slug = self.cleaned_data.get("slug") or ""
        title = self.cleaned_data.get("title") or ""
        prefilled = slug == slugify(title)[:80].strip("-")
        if slug and prefilled and Paper.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            return ""
        return slug

    def clean(self):
        cleaned = super().clean()
        self.duplicates = papers_matching(
            title=cleaned.get("title") or "",
            arxiv_id=cleaned.get("arxiv_id") or "",
            doi=cleaned.get("doi") or "",
            urls=self.submitted_link_urls(),
            exclude_pk=self.instance.pk,
        )
        self.readings = paper_readings(paper_ids=[match.paper.pk for match in self.duplicates])
        for match in self.duplicates:
            for value in sorted(match.same_arxiv_id):
                self._refuse("arxiv_id", match, f"arXiv id {value}")
            for value in sorted(match.same_doi):
                self._refuse("doi", match, f"DOI {value}")
        title_only = [match for match in self.duplicates if not match.same_identifier]
        self.asks_save_anyway = bool(title_only) and (
            self.instance.pk is None or "title" in self.changed_data
        )
        if self.asks_save_anyway and not cleaned.get("save_anyway") and not self.errors:
            raise forms.ValidationError(
                "A paper with this title is already known (see above). Use it, or tick "
                "“It is a different paper: save anyway”.",
                code="duplicate_title",
            )
        return cleaned

    def _refuse(self, field: str, match: PaperMatch, what: str) -> None:
        # On the field (even when the id came from a link): the model's own unique check then
        # leaves that field out, so the same refusal is not said twice.
        message = f"“{match.paper.title}” (id {match.paper.pk}) already has the {what}: use that paper."
        self.add_error(field if field in self.fields else None, message)

    @property
    def duplicate_rows(self) -> list[tuple[PaperMatch, list]]:
        """Each match with the rows it was read in, for the template."""
        return [(match, self.readings.get(match.paper.pk, [])) for match in self.duplicates]


def prefilled_form(form_class: type[forms.ModelForm], values: dict) -> type[forms.ModelForm]:
    """`form_class` showing `values` (the typed ones and those looked up) as the fields' initial values."""

    class PrefilledForm(form_class):
        def __init__(self, *args, **kwargs):
            kwargs["initial"] = {**(kwargs.get("initial") or {}), **values}
            super().__init__(*args, **kwargs)

    PrefilledForm.__name__ = form_class.__name__
    return PrefilledForm


def typed_values(form: forms.BaseForm) -> dict:
    """What the user has typed in each field of a bound form, in the shape the field takes as initial."""
    return {
        bound.name: bound.field.widget.value_from_datadict(form.data, form.files, bound.html_name)
        for bound in form
        if not bound.field.disabled
    }


def typed_new_links(data, prefix: str = "links") -> list[dict]:
    """The unsaved link rows typed into the links inline, so that a lookup does not drop them."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
        saved = int(data.get(f"{prefix}-INITIAL_FORMS", 0))
    except ValueError:
        return []
    rows = []
    for index in range(saved, min(total, saved + 100)):
        row = {name: data.get(f"{prefix}-{index}-{name}", "") for name in ("order", "kind", "label", "url")}
        if row["url"].strip() and not data.get(f"{prefix}-{index}-DELETE"):
            rows.append(row)
    return rows
