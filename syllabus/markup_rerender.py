"""Stored HTML made again from its markdown, when the renderer changes (a data migration calls this)."""

from syllabus.markup import render_markdown

# (app, model, markdown field): each has `<field>_html` beside it, rendered on save.
MARKDOWN_FIELDS = [
    ("syllabus", "Term", "description"),
    ("syllabus", "Week", "body"),
    ("syllabus", "Presentation", "notes"),
    ("papers", "Paper", "abstract"),
    ("presenters", "Presenter", "bio"),
]


def stored_markdown_rerender(apps, *, batch_size: int = 500) -> int:
    """Re-render every stored markdown text whose HTML differs; return how many rows changed.

    `apps` is a migration's app registry (or django.apps.apps). Updates skip save(): the HTML is
    not part of a row's history, and nothing a reader sees changes but the markup.
    """
    changed = 0
    for app_label, model_name, field in MARKDOWN_FIELDS:
        model = apps.get_model(app_label, model_name)
        html_field = f"{field}_html"
        stale = []
        for row in model.objects.only("pk", field, html_field).iterator(chunk_size=batch_size):
            fresh = render_markdown(getattr(row, field))
            if fresh != getattr(row, html_field):
                setattr(row, html_field, fresh)
                stale.append(row)
        model.objects.bulk_update(stale, [html_field], batch_size=batch_size)
        changed += len(stale)
    return changed
