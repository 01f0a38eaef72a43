"""The paper form's "arXiv id or DOI" field, whose "Look up" button fills in the form for review."""

from django import forms
from django.utils.html import format_html

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


class PaperAdminForm(forms.ModelForm):
    lookup = forms.CharField(
        label="arXiv id or DOI",
        required=False,
        max_length=1000,
        widget=LookupInput(attrs={"size": 40, "placeholder": "1706.03762, an arxiv.org link or 10.1145/…"}),
        help_text="Paste an arXiv id or link, or a DOI: “Look up” fills in the empty fields and adds the "
        "abstract and PDF links, for you to check before saving. Nothing is saved until you save.",
    )

    class Meta:
        model = Paper
        fields = [
            "title",
            "authors",
            "venue",
            "year",
            "arxiv_id",
            "doi",
            "abstract",
        ]  # the admin sets its own


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
