"""The paper form of the admin: it says which papers are already known before a duplicate is saved."""

import re

from django import forms
from django.utils.text import slugify

from papers.duplicates import PaperMatch, paper_readings, papers_matching
from papers.models import Paper

LINK_URL = re.compile(r"^links-(\d+)-url$")  # the links inline's fields (PaperLink.paper's related_name)


class PaperAdminForm(forms.ModelForm):
    """A paper form that finds known papers with the same identifier or title.

    The same arXiv id or DOI (in the fields or a link) is an error: it is that paper. The same title
    is a warning: the first save stops to show the matches, and ticking `save_anyway` saves.
    """

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
