"""Forms of the sign-up's admin pages: papers for the pool, and the pairs of an assignment to review."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import ValidationError

from papers.lookup import Identifier, IdentifierError, parse_identifier
from papers.lookup.identifiers import EXAMPLES
from papers.models import Paper
from syllabus.signup.models import PoolPaper


class PoolAddForm(forms.Form):
    """Known papers to pick, and arXiv ids or DOIs pasted one per line (looked up when unknown)."""

    papers = forms.ModelMultipleChoiceField(Paper.objects.all(), required=False, label="Known papers")
    identifiers = forms.CharField(
        label="arXiv ids or DOIs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60}),
        help_text=f"One per line ({EXAMPLES}). A paper not known yet is looked up and added to the papers.",
    )

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        papers = self.fields["papers"]
        papers.widget = AutocompleteSelectMultiple(PoolPaper._meta.get_field("paper"), admin_site)
        papers.widget.choices = papers.choices  # what a field does for the widget it is built with

    def clean_identifiers(self) -> list[Identifier]:
        found, wrong = [], []
        for line in self.cleaned_data["identifiers"].splitlines():
            if not line.strip():
                continue
            try:
                found.append(parse_identifier(line))
            except IdentifierError:
                wrong.append(line.strip())
        if wrong:
            raise ValidationError(f"Not an arXiv id or DOI: {', '.join(wrong)}. Paste e.g. {EXAMPLES}.")
        return list(dict.fromkeys(found))

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("papers") and not data.get("identifiers"):
            raise ValidationError("Choose known papers or paste arXiv ids or DOIs.")
        return data


class SeedForm(forms.Form):
    seed = forms.IntegerField(
        min_value=0, max_value=2**31 - 1, help_text="Another seed may break ties otherwise."
    )


class PairForm(forms.Form):
    """One (student, week, paper) of an assignment: the student is fixed, week and paper can change.

    Choices are ids given by the page (one query for all rows), not querysets queried per row.
    """

    presenter = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    week = forms.TypedChoiceField(coerce=int)
    paper = forms.TypedChoiceField(coerce=int)

    def __init__(self, *args, students, weeks, papers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presenter"].choices = [(s.pk, s.name) for s in students]
        self.fields["week"].choices = [
            (w.pk, f"{w.position}. {w.title} ({w.date:%a %Y-%m-%d})") for w in weeks
        ]
        self.fields["paper"].choices = [(p.pk, p.title) for p in papers]


PairFormSet = forms.formset_factory(PairForm, extra=0, can_delete=True)
