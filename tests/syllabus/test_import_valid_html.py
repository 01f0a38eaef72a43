"""Imported pages are valid HTML (issue 16): the old site's HTML in posts must not break ours."""

import textwrap

import pytest

from papers.models import Paper
from presenters.models import Presenter
from syllabus.models import Term, Week
from tests.html_validator import html_errors
from tests.syllabus.test_import_jekyll import post, run_import, site  # noqa: F401 (site is a fixture)

pytestmark = pytest.mark.django_db

OLD_SITE_HTML = """\
## Results<a name="results"></a>

<img src="https://example.org/plot.png" width="80%" height="80%" align="center">
<img src="https://example.org/other plot.png" alt="Another plot" width="300">

<table align="center" summary="scores"><tr><td align="left" char=".">1.5</td></tr></table>

<center>Centered text</center> and <font color="red">red</font> and <a name="end">an anchor</a>.

| Presenter | Paper |
|---|---|
| Ann | [A paper on plots](https://arxiv.org/abs/1706.03762) |
"""


def test_imported_pages_pass_the_w3c_checker(site, client, tmp_path):  # noqa: F811
    (site / "_posts" / "2024-05-01-html.md").write_text(
        post(textwrap.dedent(OLD_SITE_HTML), title="Old HTML", term="2024-seminarRead")
    )
    run_import(site, "--site-url", "https://example.org/site", "--no-thumbnails")
    urls = [week.get_absolute_url() for week in Week.objects.all()]
    urls += [term.get_absolute_url() for term in Term.objects.all()]
    urls += [paper.get_absolute_url() for paper in Paper.objects.all()]
    urls += [presenter.get_absolute_url() for presenter in Presenter.objects.all()]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content
    folder = tmp_path / "pages"
    folder.mkdir()

    errors = html_errors(pages, folder)
    assert not errors, "\n".join(errors)
