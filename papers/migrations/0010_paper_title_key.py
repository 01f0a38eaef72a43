import re
import unicodedata

from django.db import migrations, models


def _title_key(title: str) -> str:
    # A frozen copy of papers.models.title_key as it was when this migration was written.
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[\W_]+", " ", letters).split())[:500]


def fill_title_keys(apps, schema_editor):
    Paper = apps.get_model("papers", "Paper")
    papers = list(Paper.objects.only("pk", "title"))
    for paper in papers:
        paper.title_key = _title_key(paper.title)
    Paper.objects.bulk_update(papers, ["title_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0009_paper_lookup"),
    ]

    operations = [
        migrations.AddField(
            model_name="paper",
            name="title_key",
            field=models.CharField(
                blank=True,
                db_index=True,
                editable=False,
                help_text="The title folded for duplicates.",
                max_length=500,
            ),
        ),
        migrations.RunPython(fill_title_keys, migrations.RunPython.noop),
    ]
