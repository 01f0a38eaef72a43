"""A week's intro is searched like its body (PostgreSQL triggers), and stored HTML is made again by
the renderer that now writes valid HTML5 (obsolete tags and attributes dropped)."""

from django.db import migrations

from syllabus.markup_rerender import stored_markdown_rerender
from syllabus.search_index import search_index_rebuild


def forward(apps, schema_editor):
    search_index_rebuild(connection=schema_editor.connection)
    stored_markdown_rerender(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("syllabus", "0011_week_intro"),
        ("papers", "0013_paper_citation_key"),
        ("presenters", "0008_presenter_calendar_token"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
