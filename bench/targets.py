"""The URLs the page benchmark measures, picked from whatever data the database holds (demo or archive).

Prints them as JSON, name -> path. Inside Django:
    manage.py shell -c "import runpy; runpy.run_path('bench/targets.py', run_name='__main__')"
Only public models and queries of the base commit are used, so an older checkout answers too.
"""

import json

from django.db.models import Count, Q

from syllabus.models import Tag, Term, Week


def bench_targets() -> dict[str, str]:
    """The floor first, then one page of each kind: the fullest term and week, a paper and presenter read
    there, the tag on most weeks; search, sitemap, feed and an API list page."""
    published = Q(weeks__in=Week.objects.published())
    term = (
        Term.objects.published()
        .annotate(week_count=Count("weeks", filter=published))
        .order_by("-week_count", "-start_date")
        .first()
    )
    week = (
        Week.objects.published()
        .for_term(term)
        .annotate(row_count=Count("presentations"))
        .order_by("-row_count", "-date")
        .first()
    )
    row = week.presentations.exclude(paper=None).order_by("order").first()
    presenter = row.presenters.order_by("presentation_entries__order").first()
    tag = Tag.objects.annotate(week_count=Count("weeks", filter=published)).order_by("-week_count", "name")[0]
    return {
        "floor": "/robots.txt",
        "home": "/",
        "term": term.get_absolute_url(),
        "week": week.get_absolute_url(),
        "paper": row.paper.get_absolute_url(),
        "presenter": presenter.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "search": "/search/?q=attention",
        "sitemap": "/sitemap.xml",
        "feed": "/feeds/weeks.atom",
        "api weeks": "/api/v1/weeks/?page_size=100",
    }


if __name__ == "__main__":
    print(json.dumps(bench_targets()))
