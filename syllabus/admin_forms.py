"""Forms and widgets of the admin: a week's table of presentations, and setting up a term."""

import datetime
import json
import re

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.db.models import Prefetch
from django.utils.functional import cached_property

from presenters.models import Presenter
from syllabus.models import Presentation, PresentationPresenter
from syllabus.scheduling import WEEKDAY_NAMES


class PreloadedSelectionMixin:
    """Render an autocomplete's selected options from objects the form already holds.

    The stock widget runs one query per row to label its selection, so a week with 30
    rows would cost 30 queries; the inline's queryset has already loaded them.
    """

    preloaded: list | None = None

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if v not in ("", None)]
        if self.preloaded is None or selected != [str(obj.pk) for obj in self.preloaded]:
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for obj in self.preloaded:
            options.append(self.create_option(name, obj.pk, str(obj), True, len(options)))
        return [(None, options, 0)]


class PreloadedAutocompleteSelect(PreloadedSelectionMixin, admin_widgets.AutocompleteSelect):
    pass


class PreloadedAutocompleteSelectMultiple(PreloadedSelectionMixin, admin_widgets.AutocompleteSelectMultiple):
    pass


class OrderedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Cleans to a list in the order the values were submitted, not database order."""

    def clean(self, value):
        chosen = {str(obj.pk): obj for obj in super().clean(value)}
        return [chosen[key] for key in dict.fromkeys(str(v) for v in value or []) if key in chosen]

    def has_changed(self, initial, data) -> bool:
        # A new order of the same presenters is a change too.
        if self.disabled:
            return False
        return [str(v) for v in self.prepare_value(initial or [])] != [str(v) for v in data or []]


def _inner(widget):
    return getattr(widget, "widget", widget)  # the admin wraps widgets to add "+" links


class PreloadedChoicesForm(forms.ModelForm):
    """Hands each preloaded single-choice widget the object the instance already holds."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            return
        for name, field in self.fields.items():
            widget = _inner(field.widget)
            if isinstance(widget, PreloadedSelectionMixin) and not widget.allow_multiple_selected:
                related = getattr(self.instance, name)  # cached by the inline's select_related
                widget.preloaded = [related] if related is not None else []


class PreloadedAutocompleteInlineMixin:
    """Inline whose autocomplete foreign keys cost no query per row (see PreloadedSelectionMixin)."""

    form = PreloadedChoicesForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = PreloadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


SECTIONS_LIST_ID = "presentation-sections"


class WeekPresentationFormSet(forms.BaseInlineFormSet):
    """A week's rows; a new row starts in the section of the row above it."""

    @cached_property
    def section_choices(self) -> list[str]:
        """The sections used in the week's term (every term's, while the week has none yet)."""
        rows = Presentation.objects.exclude(section="")
        if self.instance.term_id:
            rows = rows.filter(week__term_id=self.instance.term_id)
        return list(rows.order_by("section").values_list("section", flat=True).distinct())

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is None or index >= self.initial_form_count():  # a new row (or the template of one)
            saved = list(self.get_queryset()) if self.instance.pk else []
            if saved and saved[-1].section:
                kwargs["initial"] = {"section": saved[-1].section}
        return kwargs


class PresentationInlineForm(PreloadedChoicesForm):
    # `order` itself stays out of the form: the week's rows are renumbered together on save
    # (see week_arrange_presentations), so a swap of two rows is not a uniqueness error.
    position = forms.IntegerField(min_value=1, required=False, help_text="Empty: after the other rows.")
    speakers = OrderedModelMultipleChoiceField(
        queryset=Presenter.objects.all(),
        required=False,
        label="Presenters",
        help_text="In the order they are credited.",
        widget=PreloadedAutocompleteSelectMultiple(Presentation._meta.get_field("presenters"), admin.site),
    )

    class Meta:
        model = Presentation
        fields = ["section", "label", "paper", "notes"]
        widgets = {
            # The sections already used in the term, offered as a list (presentations_inline.html).
            "section": forms.TextInput(attrs={"list": SECTIONS_LIST_ID, "autocomplete": "off"}),
            "notes": forms.Textarea(attrs={"rows": 2, "cols": 30}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            presenters = self.instance.ordered_presenters
            self.fields["position"].initial = self.instance.order
            self.fields["speakers"].initial = [p.pk for p in presenters]
            _inner(self.fields["speakers"].widget).preloaded = presenters  # wrapped for its "+" link

    def clean(self):
        cleaned = super().clean()
        has_content = any(cleaned.get(name) for name in ("label", "paper", "notes", "speakers"))
        if not has_content and not cleaned.get("DELETE"):
            raise forms.ValidationError("Give this row a paper, a label, notes or a presenter.")
        return cleaned


class WeekSlideDeckFormSet(forms.BaseInlineFormSet):
    """Slide decks on a week's page may point only at that week's rows, and not at one being deleted."""

    @cached_property
    def week_rows(self):
        return self.instance.presentations.select_related("week", "paper")

    @cached_property
    def listed_rows(self) -> list[Presentation]:
        """The week's rows with their presenters, read once for every form's choices (two queries)."""
        entries = PresentationPresenter.objects.select_related("presenter")
        return list(self.week_rows.prefetch_related(Prefetch("presenter_entries", entries)))

    @cached_property
    def row_choices(self) -> list:
        return [("", "---------"), *((row.pk, str(row)) for row in self.listed_rows)]

    @cached_property
    def row_defaults(self) -> str:
        """What a new deck for each row starts with: the paper's title (or label), the first presenter."""
        defaults = {}
        for row in self.listed_rows:
            presenters = row.ordered_presenters
            defaults[row.pk] = {
                "title": row.paper.title if row.paper_id else row.label,
                "presenter": [presenters[0].pk, str(presenters[0])] if presenters else None,
            }
        return json.dumps(defaults)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields["presentation"]
        field.queryset = self.week_rows
        field.choices = self.row_choices
        _inner(field.widget).attrs["data-row-defaults"] = self.row_defaults  # read by js/admin_week.js

    def clean(self):
        super().clean()
        deleted_rows = {
            self.data.get(key.removesuffix("DELETE") + "id")
            for key, value in self.data.items()
            if key.startswith("presentations-") and key.endswith("-DELETE") and value
        }
        for form in self.forms:
            row = form.cleaned_data.get("presentation") if form.has_changed() else None
            if row and str(row.pk) in deleted_rows and not form.cleaned_data.get("DELETE"):
                form.add_error("presentation", "This row is being deleted; choose another or none.")


class DateListField(forms.CharField):
    """Dates typed one per line or separated by commas (or spaces), as YYYY-MM-DD; blank is none."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 30, "placeholder": "2026-11-26\n2026-12-24"})

    def to_python(self, value) -> list[datetime.date]:
        text = super().to_python(value)
        dates, wrong = [], []
        for item in re.split(r"[\s,;]+", text.strip()):
            if not item:
                continue
            try:
                dates.append(datetime.date.fromisoformat(item))
            except ValueError:
                wrong.append(item)
        if wrong:
            shown = ", ".join(f"“{item[:40]}”" for item in wrong[:5])
            raise forms.ValidationError(
                f"Not a date: {shown}. Write dates as YYYY-MM-DD, one per line or separated by commas."
            )
        return sorted(set(dates))


class GenerateWeeksForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one weekday."},
        help_text="A session is made on each of these days between the term's start and end.",
    )
    skip = DateListField(
        label="Dates to skip",
        required=False,
        max_length=10_000,
        help_text="Holidays and breaks: YYYY-MM-DD, one per line or separated by commas.",
    )


class CopyTermForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="The new term's name, e.g. Spring 2027.")
    start = forms.DateField(
        label="Start date",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Sessions keep their weekdays, counted in weeks from this date (YYYY-MM-DD).",
    )
    skip = DateListField(
        label="Dates to skip",
        required=False,
        max_length=10_000,
        help_text="Holidays of the new term: a session falling on one moves to the next free week.",
    )
    keep_papers = forms.BooleanField(label="Keep the papers", required=False, initial=True)
    keep_presenters = forms.BooleanField(
        label="Keep the presenters",
        required=False,
        initial=False,
        help_text="Usually a new term has new ones.",
    )
