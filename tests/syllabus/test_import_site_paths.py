"""Images and links of imported posts: site files copied into media, posts linked to their weeks."""

import io
import textwrap
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from papers.models import Paper
from syllabus.importers.permalinks import post_permalink
from syllabus.importers.report import import_report, report_totals
from syllabus.importers.site_paths import readable_file_name, rewrite_markdown
from syllabus.models import Week

pytestmark = pytest.mark.django_db

SITE_URL = "https://old.example.edu/seminar"
ODD_URL = "https://example.org/a%20b/(x)?q=1&r=%7E#frag"
PNG = b"\x89PNG\r\n\x1a\n fake image bytes"


def post(title: str, body: str, extra: str = "") -> str:
    return f"---\ntitle: {title}\nterm: 2017Course\ncategories:\n- Theory\n{extra}---\n" + textwrap.dedent(
        body
    )


def write_site(root: Path, posts: dict[str, str], config: str = "") -> Path:
    (root / "_posts").mkdir(parents=True)
    (root / "assets" / "img").mkdir(parents=True)
    (root / "assets" / "img" / "chart.png").write_bytes(PNG)
    (root / "Lectures" / "L01" / "images").mkdir(parents=True)
    (root / "Lectures" / "L01" / "images" / "Pasted image 1.png").write_bytes(PNG)
    (root / "_config.yml").write_text(config or "baseurl: /seminar/\npermalink: /:categories/:title/\n")
    for name, text in posts.items():
        (root / "_posts" / name).write_text(text)
    return root


def run_import(site: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_jekyll", str(site), "--site-url", SITE_URL, *args, stdout=out)
    return out.getvalue()


def body(name: str) -> str:
    return Week.objects.get(source_path=f"_posts/{name}").body


@pytest.fixture
def site(tmp_path):
    images = """\
        A chart from the site: ![]({{ site.baseurl }}/assets/img/chart.png)

        <img src="{{ site.baseurl }}/Lectures/L01/images/Pasted image 1.png" width="50%">

        ![](/pics/missing_bias-variance.png)
        *Figure 2: Bias against variance*

        A [web page](ODD_URL) and a [figure](../../Lectures/L01/images/Pasted%20image%201.png).

        Source: <a href='www.example.com/docs/intrusion' target="_blank">intrusion</a>
        """.replace("ODD_URL", ODD_URL)
    links = """\
        See [the first week]({% post_url 2017-09-05-intro %}), [again]({% link _posts/2017-09-05-intro.md %}),
        [by permalink]({{ site.baseurl }}/theory/intro/), [the old address](https://old.example.edu/seminar/theory/intro/)
        and [the next one](/theory/own-place.html).
        """
    return write_site(
        tmp_path / "site",
        {
            "2017-09-05-intro.md": post("Intro", images),
            "2017-09-12-links.md": post("Links", links),
            "2017-09-19-later.md": post(
                "Later",
                "Back to [links]({% post_url 2017-09-12-links %}).\n",
                "permalink: /theory/own-place.html\n",
            ),
        },
    )


def test_site_files_are_copied_into_media_and_missing_ones_link_the_old_site(site):
    output = run_import(site)

    text = body("2017-09-05-intro.md")
    assert "A chart from the site: ![chart](/media/imported/assets/img/chart.png)" in text
    assert (
        '<img alt="Pasted image 1" src="/media/imported/Lectures/L01/images/Pasted%20image%201.png" width="50%">'
        in text
    )
    assert (
        "![Bias against variance](https://old.example.edu/seminar/pics/missing_bias-variance.png)\n"
        "*Figure 2: Bias against variance*" in text
    )
    assert f"A [web page]({ODD_URL})" in text  # byte for byte
    assert "[figure](/media/imported/Lectures/L01/images/Pasted%20image%201.png)" in text
    assert '<a href="https://www.example.com/docs/intrusion" target="_blank">' in text
    with default_storage.open("imported/assets/img/chart.png") as stored:
        assert stored.read() == PNG
    assert "files copied: 2" in output
    assert report_totals(import_report())["broken image"]["findings"] == 0
    assert report_totals(import_report())["broken link"]["findings"] == 0


def test_links_to_posts_lead_to_their_weeks_here(site):
    run_import(site)

    first = Week.objects.get(source_path="_posts/2017-09-05-intro.md").get_absolute_url()
    later = Week.objects.get(source_path="_posts/2017-09-19-later.md").get_absolute_url()
    links = Week.objects.get(source_path="_posts/2017-09-12-links.md").get_absolute_url()
    assert body("2017-09-12-links.md") == (
        f"See [the first week]({first}), [again]({first}),\n"
        f"[by permalink]({first}), [the old address]({first})\n"
        f"and [the next one]({later})."
    )
    assert body("2017-09-19-later.md") == f"Back to [links]({links})."


def test_a_second_import_copies_and_saves_nothing(site):
    run_import(site)
    stored = Path(default_storage.path("imported/assets/img/chart.png")).stat().st_mtime_ns
    updated = dict(Week.objects.values_list("source_path", "updated"))

    output = run_import(site)

    assert "files copied: 0" in output
    assert Path(default_storage.path("imported/assets/img/chart.png")).stat().st_mtime_ns == stored
    assert dict(Week.objects.values_list("source_path", "updated")) == updated
    assert sorted(default_storage.listdir("imported/assets/img")[1]) == ["chart.png"]


def test_images_in_abstracts_and_links_to_later_posts_in_footnotes_are_resolved(tmp_path):
    table = """\
        | Presenter | Paper | Slides |
        |---|---|---|
        | Ann | Deep Nets Explained [^1] | [PDF](https://arxiv.org/abs/1706.05394) |

        [^1]: ![](/assets/img/chart.png) The abstract, see also [the later week]({% post_url 2017-09-19-later %}).
        """
    site = write_site(
        tmp_path / "site",
        {"2017-09-05-intro.md": post("Intro", table), "2017-09-19-later.md": post("Later", "Text.\n")},
    )

    run_import(site)

    later = Week.objects.get(source_path="_posts/2017-09-19-later.md").get_absolute_url()
    abstract = Paper.objects.get().abstract
    assert "![chart](/media/imported/assets/img/chart.png)" in abstract
    assert f"[the later week]({later})" in abstract


@pytest.mark.parametrize(
    ("style", "meta", "expected"),
    [
        ("/:categories/:title/", {"categories": ["Theory", "Deep"]}, "/theory/deep/intro-to/"),
        ("date", {"categories": "Theory"}, "/theory/2017/09/05/intro-to.html"),
        ("pretty", {}, "/2017/09/05/intro-to/"),
        ("/:year/:month/:day/:title.html", {"slug": "other"}, "/2017/09/05/other.html"),
        ("none", {"permalink": "/notes/intro/"}, "/notes/intro/"),
    ],
)
def test_post_permalinks_follow_jekyll_styles(style, meta, expected):
    assert post_permalink("_posts/2017-09-05-intro-to.md", meta, style) == expected


def test_relative_paths_resolve_against_the_posts_old_address():
    seen = []

    def resolve(url, is_image):
        seen.append((url, is_image))
        return "R:" + url

    text = rewrite_markdown(
        '![](../images/a_b.png "The title")\n[x](images/c.pdf)\n```\n![](in/code.png)\n```\n[ref]: /d.png',
        resolve,
    )

    assert text == (
        '![The title](R:../images/a_b.png "The title")\n[x](R:images/c.pdf)\n```\n![](in/code.png)\n```\n'
        "[ref]: R:/d.png"
    )
    assert seen == [("../images/a_b.png", True), ("images/c.pdf", False), ("/d.png", False)]


def test_an_image_inside_a_link_and_a_figcaption_give_the_alt():
    text = rewrite_markdown(
        '[![](/a/diagram-2.png)](/big.png)\n<figure>\n<img src="/x/1.png">\n<figcaption>\nA pipeline</figcaption>',
        lambda url, is_image: url,
    )

    assert text == (
        '[![diagram 2](/a/diagram-2.png)](/big.png)\n<figure>\n<img alt="A pipeline" src="/x/1.png">\n'
        "<figcaption>\nA pipeline</figcaption>"
    )
    assert readable_file_name("/p/Skeleton%20Of%20Thought/1.png") == "Skeleton Of Thought 1"
