import pytest
from django.apps import apps

from syllabus.markup_rerender import stored_markdown_rerender
from syllabus.models import Presentation, Week
from tests.factories import PaperFactory, PresentationFactory, WeekFactory

pytestmark = pytest.mark.django_db


def test_html_stored_by_an_older_renderer_is_made_again_once():
    week = WeekFactory(body='<img src="/a.png" width="80%" alt="Plot">')
    row = PresentationFactory(week=week, notes="*fine*")
    paper = PaperFactory(abstract="Plain.")
    Week.objects.filter(pk=week.pk).update(body_html='<p><img src="/a.png" width="80%" alt="Plot"></p>')

    assert stored_markdown_rerender(apps) == 1

    week.refresh_from_db()
    assert week.body_html == '<p><img src="/a.png" alt="Plot"></p>'
    assert Presentation.objects.get(pk=row.pk).notes_html == "<p><em>fine</em></p>"
    paper.refresh_from_db()
    assert paper.abstract_html == "<p>Plain.</p>"
    assert stored_markdown_rerender(apps) == 0
