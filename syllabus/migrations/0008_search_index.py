"""Triggers and GIN indexes that keep the search documents of papers and weeks (PostgreSQL only).

Existing rows get their documents here too. On SQLite both functions do nothing.
"""

from django.db import migrations

from syllabus.search_index import search_index_rebuild, search_index_remove


def install(apps, schema_editor):
    # Weeks have no intro column yet (0011 adds it; 0012 installs the triggers that read it).
    search_index_rebuild(connection=schema_editor.connection, week_intro=False)


def remove(apps, schema_editor):
    search_index_remove(connection=schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("syllabus", "0007_week_search_document"),
        ("papers", "0011_paper_search_document"),
    ]

    operations = [migrations.RunPython(install, remove, elidable=False)]
