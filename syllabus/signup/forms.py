"""What the sign-up page posts: ids of the term's slots, pool papers, claims and weeks, parsed.

The forms only parse: an id that is not a number is malformed input (a 400); whether it names a row
of this term, and whether the sign-up rules allow the action, is decided by the view's lookups and
the services (a message on the page).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateformat import format as date_format

ID_LIMIT = 2**63 - 1  # the largest primary key a database holds


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=ID_LIMIT, **kwargs)


class IdListField(forms.Field):
    """Several ids under one name (checkboxes); empty is an empty list."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, choices=(), **kwargs):
        super().__init__(required=False, **kwargs)
        self.widget.choices = list(choices)

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        ids = []
        for item in values:
            if not str(item).isdigit() or not 1 <= int(item) <= ID_LIMIT:
                raise ValidationError("Enter whole numbers.", code="invalid")
            ids.append(int(item))
        return ids


class VoteForm(forms.Form):
    pool_paper = IdField()


class ClaimForm(forms.Form):
    slot = IdField()
    pool_paper = IdField()


class CancelForm(forms.Form):
    claim = IdField()


class SuggestionForm(forms.Form):
    paper = IdField(label="Paper", widget=forms.Select)

    def __init__(self, *args, papers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paper"].widget.choices = [("", "Choose a paper…"), *((p.pk, p.title) for p in papers)]


class PreferenceForm(forms.Form):
    """A select per rank (1 = most wanted), any of them empty, and the weeks the student cannot make.

    The selects offer the approved pool papers; posting any other id is for the view to refuse.
    """

    def __init__(self, *args, pool=(), weeks=(), ranks: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((entry.pk, entry.paper.title) for entry in pool)]
        for rank in range(1, ranks + 1):
            self.fields[f"rank_{rank}"] = IdField(
                label=f"Choice {rank}", required=False, widget=forms.Select(choices=choices)
            )
        self.fields["unavailable_weeks"] = IdListField(
            label="Weeks you cannot make",
            choices=[(week.pk, f"{date_format(week.date, 'j M Y')} · {week.title}") for week in weeks],
        )

    def ranked_ids(self) -> list[int]:
        """The chosen pool papers in rank order, empty ranks skipped."""
        ranks = sorted(
            (int(name.removeprefix("rank_")), value)
            for name, value in self.cleaned_data.items()
            if name.startswith("rank_")
        )
        return [value for _, value in ranks if value is not None]
