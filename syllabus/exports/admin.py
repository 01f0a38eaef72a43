"""The admin's way to import a reading list into a term: a file, the pool or a week, a dry run first."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path

from syllabus.exports.import_files import MAX_ENTRIES, MAX_FILE_BYTES, ReadingListError
from syllabus.exports.importing import reading_list_import
from syllabus.models import Term, Week

IMPORT_PERMISSIONS = ["papers.add_paper", "syllabus.add_presentation", "syllabus.add_poolpaper"]


class ReadingListImportForm(forms.Form):
    file = forms.FileField(
        help_text=(
            "A BibTeX (.bib) file, or a CSV (.csv) file with a “title” column (Zotero's, Mendeley's and "
            f"JabRef's CSV exports work); at most {MAX_ENTRIES} entries."
        )
    )
    week = forms.ModelChoiceField(
        Week.objects.none(),
        required=False,
        empty_label="The sign-up pool",
        label="Into",
        help_text="The term's sign-up pool, or rows (without presenter) of one of its weeks.",
    )
    dry_run = forms.BooleanField(
        required=False, initial=True, help_text="Show what would be done and save nothing."
    )

    def __init__(self, *args, term: Term, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["week"].queryset = term.weeks.order_by("date", "position", "id")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        return upload


class ReadingListImportAdminMixin:
    """Adds `<term>/import-reading-list/` to the term admin (linked from its change page)."""

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/import-reading-list/",
                self.admin_site.admin_view(self.import_reading_list_view),
                name="syllabus_term_import_reading_list",
            )
        ]
        return own + super().get_urls()

    def has_import_reading_list_permission(self, request, term: Term | None = None) -> bool:
        return self.has_change_permission(request, term) and request.user.has_perms(IMPORT_PERMISSIONS)

    def import_reading_list_view(self, request, object_id):
        term = self.get_object(request, object_id)  # None for an unknown or malformed id
        if term is None:
            raise Http404("No such term.")
        if not self.has_import_reading_list_permission(request, term):
            raise PermissionDenied
        form = ReadingListImportForm(request.POST or None, request.FILES or None, term=term)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = reading_list_import(
                    term=term,
                    week=form.cleaned_data["week"],
                    data=upload.read(),
                    filename=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ReadingListError as error:
                form.add_error("file", str(error))
            else:
                if not report.dry_run:
                    self.log_change(request, term, report.text_lines()[0])
        context = {
            **self.admin_site.each_context(request),
            "title": "Import a reading list",
            "subtitle": str(term),
            "opts": self.opts,
            "original": term,
            "form": form,
            "report": report,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/syllabus/term/import_reading_list.html", context)
