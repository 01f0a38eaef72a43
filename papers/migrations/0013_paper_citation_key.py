from django.db import migrations, models

from papers.citation_keys import citation_key_base, citation_key_free


def fill_citation_keys(apps, schema_editor):
    # Oldest paper first, so a clash gives the older paper the bare key, as the exports did.
    # (The key functions are pure; a later change to them does not matter to rows filled here.)
    Paper = apps.get_model("papers", "Paper")
    papers = list(Paper.objects.only("pk", "title", "authors", "year").order_by("pk"))
    taken: set[str] = set()
    for paper in papers:
        base = citation_key_base(title=paper.title, authors=paper.authors, year=paper.year)
        paper.citation_key = citation_key_free(base, taken)
        taken.add(paper.citation_key)
    Paper.objects.bulk_update(papers, ["citation_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0012_link_added_by"),
        ("syllabus", "0010_signup"),
    ]

    operations = [
        migrations.AddField(
            model_name="paper",
            name="citation_key",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="The key in BibTeX and RIS exports (author, year, title word); it never changes.",
                max_length=120,
            ),
        ),
        migrations.RunPython(fill_citation_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="paper",
            constraint=models.UniqueConstraint(
                condition=models.Q(("citation_key", ""), _negated=True),
                fields=("citation_key",),
                name="paper_citation_key_unique_when_set",
                violation_error_message="Another paper already has this citation key.",
            ),
        ),
    ]
